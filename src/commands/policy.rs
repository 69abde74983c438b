//! `vigil policy test|simulate|lint`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::json;

use crate::located::json_message;
use crate::policy::case::{Dir, parse_case};
use crate::policy::evaluate::{Explained, StatementExplained};
use crate::policy::lint::Severity;
use crate::policy::lint::lint_text;
use crate::policy::{Suite, TestResult, load_case};
use crate::text::counted;

/// Usage and input errors.
const BAD_INPUT: u8 = 2;

/// `{"result": ..., "explain": {...}}`
fn result_json(e: &Explained, warnings: &[String]) -> serde_json::Value {
    let mut explain = json!({"reason": e.reason, "deciding": e.deciding, "near_misses": e.near_misses});
    if let Some(pattern) = &e.pattern {
        explain["pattern"] = json!(pattern);
    }
    json!({"result": e.result, "explain": explain, "warnings": warnings})
}

fn write_statement(out: &mut dyn Write, s: &StatementExplained) -> std::io::Result<()> {
    writeln!(out, "  {} {} ({}) in {}", s.layer, s.statement, s.effect, s.origin)?;
    for c in &s.conditions {
        let context = match &c.context {
            Some(v) => format!("{v:?}"),
            None => "(absent)".into(),
        };
        let mark = if c.matched { "✔" } else { "✘" };
        writeln!(out, "    {mark} {} {} {:?}; request: {context}", c.operator, c.key, c.values)?;
    }
    Ok(())
}

/// The human-readable explanation.
pub fn write_explained(out: &mut dyn Write, e: &Explained) -> std::io::Result<()> {
    writeln!(out, "{}: {}", e.headline(), e.reason)?;
    for s in &e.deciding {
        write_statement(out, s)?;
    }
    if let Some(pattern) = &e.pattern {
        for c in &pattern.closed {
            writeln!(out, "  closed within {}: {} by {}", pattern.resource, c.resources.join(", "), c.by)?;
        }
    }
    if !e.near_misses.is_empty() {
        writeln!(out, "near misses (action and resource match, conditions do not):")?;
        for s in &e.near_misses {
            write_statement(out, s)?;
        }
    }
    Ok(())
}

pub fn simulate(out: &mut dyn Write, case: &Path, as_json: bool) -> std::io::Result<ExitCode> {
    let case = match load_case(case) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vigil: {e}");
            return Ok(ExitCode::from(BAD_INPUT));
        }
    };
    let explained = case.explain();
    let warnings = crate::policy::lint::simulation_warnings(&case.request.action, &explained);
    if as_json {
        writeln!(out, "{}", result_json(&explained, &warnings))?;
    } else {
        write_explained(out, &explained)?;
        for w in &warnings {
            writeln!(out, "warning: {w}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One case per line, one result per line; a bad line gets `{"error": ...}` and the rest go on.
pub fn batch(out: &mut dyn Write, file: &Path) -> std::io::Result<ExitCode> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("vigil: {}: cannot read: {e}", file.display());
            return Ok(ExitCode::from(BAD_INPUT));
        }
    };
    let dir = Dir(file.parent().map(Path::to_path_buf).unwrap_or_default());
    // Every line gets its answer; a malformed one makes the exit code 2 once all are answered.
    let mut malformed = 0;
    for (n, line) in text.lines().enumerate() {
        let origin = format!("{} line {}", file.display(), n + 1);
        let result = serde_json::from_str::<serde_json::Value>(line)
            .map_err(|e| format!("{origin}: not valid JSON at column {}: {}", e.column(), json_message(&e)))
            .and_then(|v| parse_case(&v, &origin, &dir, &[]).map_err(|e| e.to_string()));
        let printed = match result {
            Ok(case) => {
                let explained = case.explain();
                result_json(&explained, &crate::policy::lint::simulation_warnings(&case.request.action, &explained))
            }
            Err(message) => {
                malformed += 1;
                json!({ "error": message })
            }
        };
        writeln!(out, "{printed}")?;
    }
    if malformed > 0 {
        let total = text.lines().count();
        eprintln!("vigil: {}: {malformed} of {} malformed", file.display(), counted(total, "line", "lines"));
        return Ok(ExitCode::from(BAD_INPUT));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct TestJson<'a> {
    name: &'a str,
    control: Option<&'a str>,
    expect: crate::model::Decision,
    actual: crate::model::Decision,
    passed: bool,
    explain: serde_json::Value,
}

pub fn test(
    out: &mut dyn Write,
    policies: Option<&Path>,
    tests: Option<&Path>,
    as_json: bool,
) -> std::io::Result<ExitCode> {
    let suite = match (tests, policies) {
        (Some(t), p) => Suite::load(t, p),
        (None, Some(p)) => Suite::workshop_with_policies(p),
        (None, None) => Ok(Suite::workshop()),
    };
    let suite = match suite {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vigil: {e}");
            return Ok(ExitCode::from(BAD_INPUT));
        }
    };
    let results = suite.run();
    let failed = results.iter().filter(|r| !r.passed()).count();
    if as_json {
        let tests: Vec<TestJson> = results
            .iter()
            .map(|r| TestJson {
                name: &r.name,
                control: r.control.as_deref(),
                expect: r.expect,
                actual: r.actual(),
                passed: r.passed(),
                explain: result_json(&r.explained, &[])["explain"].clone(),
            })
            .collect();
        let doc = json!({"origin": suite.origin, "tests": tests, "passed": results.len() - failed, "failed": failed});
        writeln!(out, "{doc}")?;
    } else {
        write_table(out, &suite.origin, &results)?;
    }
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn write_table(out: &mut dyn Write, origin: &str, results: &[TestResult]) -> std::io::Result<()> {
    writeln!(out, "{origin}")?;
    writeln!(out, "    {:<17} {:<17} {:<7} TEST", "EXPECTED", "ACTUAL", "CONTROL")?;
    for r in results {
        let mark = if r.passed() { "✔ " } else { "✘ " };
        let control = r.control.as_deref().unwrap_or("-");
        writeln!(out, "  {mark}{:<17} {:<17} {control:<7} {}", r.expect.as_str(), r.actual().as_str(), r.name)?;
        // A request on a resource pattern: what the answer covers, under its row.
        if r.explained.pattern.is_some() && r.actual() == crate::model::Decision::Allowed {
            writeln!(out, "    {:<17} {}", "", r.explained.headline())?;
        }
    }
    let failed: Vec<&TestResult> = results.iter().filter(|r| !r.passed()).collect();
    writeln!(out, "{} tests: {} passed, {} failed", results.len(), results.len() - failed.len(), failed.len())?;
    for r in failed {
        writeln!(out, "\n✘ {}: expected {}, got", r.name, r.expect)?;
        write_explained(out, &r.explained)?;
    }
    Ok(())
}

pub fn lint_files(out: &mut dyn Write, files: &[impl AsRef<Path>], as_json: bool) -> std::io::Result<ExitCode> {
    let mut findings = Vec::new();
    for file in files {
        let path = file.as_ref();
        let origin = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("vigil: {origin}: cannot read: {e}");
                return Ok(ExitCode::from(BAD_INPUT));
            }
        };
        findings.extend(lint_text(&text, &origin));
    }
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors;
    if as_json {
        writeln!(out, "{}", json!({"findings": findings, "errors": errors, "warnings": warnings}))?;
    } else {
        for f in &findings {
            writeln!(out, "{f}")?;
        }
        writeln!(out, "{}", lint_summary(files.len(), errors, warnings))?;
    }
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `1 file: 1 error`, `2 files: 3 errors, 1 warning`, `1 file: no problems`.
fn lint_summary(files: usize, errors: usize, warnings: usize) -> String {
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(counted(errors, "error", "errors"));
    }
    if warnings > 0 {
        counts.push(counted(warnings, "warning", "warnings"));
    }
    let counts = if counts.is_empty() { "no problems".to_string() } else { counts.join(", ") };
    format!("{}: {counts}", counted(files, "file", "files"))
}
