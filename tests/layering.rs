//! The layering rules of DESIGN.md, kept by the build rather than by intent. Every `crate::...`
//! path in `src/` (in `use` items, grouped or not, and written inline) is parsed into the
//! top-level module it reaches, and each module may reach only those the table below allows:
//! the store and the screen take nothing from the sources, the report and the screen nothing
//! from each other, recording never the sources, policy nothing but the model. The clock is
//! read only where the table of clock readers says why; everything else is handed one.

use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// Lines of the files under `dir` (or the file `dir`) that contain `needle`, as `file:line: text`.
fn lines_with(dir: &str, needle: &str) -> Vec<String> {
    files(dir)
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let shown = f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(f).display().to_string();
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.contains(needle))
                .map(|(i, l)| format!("{shown}:{}: {}", i + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What each top-level module of `src/` may import (besides itself). Utilities (`enums`,
/// `located`, `glob`, `text`, `format`) import nothing above them; everything lower in the
/// list than a module stands below it.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("enums", &[]),
    ("located", &[]),
    ("glob", &[]),
    ("text", &[]),
    ("format", &[]),
    ("terminal", &[]),
    ("model", &["enums"]),
    // The process's allocator: it reads an event to know when a read ended.
    ("allocator", &["model"]),
    ("links", &["model"]),
    ("keymap", &["enums"]),
    ("theme", &["model", "located"]),
    ("catalog", &["model", "glob", "located"]),
    // "policy uses nothing but the model" (and where an error was, for its messages).
    ("policy", &["model", "located"]),
    ("config", &["model", "keymap", "theme", "located"]),
    ("audit", &["model", "config"]),
    ("snapshot", &["model", "located"]),
    // "the store uses catalog and model".
    ("store", &["catalog", "model"]),
    // "ui and report read the store and neither imports the other".
    ("ui", &["store", "catalog", "model", "keymap", "theme", "format", "text"]),
    ("report", &["store", "catalog", "model", "format", "text"]),
    ("diff", &["report", "model", "located", "text"]),
    // "sources and recording use the model (replay reads recording; recording never imports
    // sources)".
    ("recording", &["model", "catalog", "located"]),
    ("sources", &["model", "catalog", "recording", "policy", "config", "audit", "located", "text"]),
    ("notify", &["store", "ui", "model", "config", "text"]),
    // "app uses ui and the store", and performs its commands through the sources' responder.
    (
        "app",
        &[
            "allocator",
            "ui",
            "store",
            "sources",
            "recording",
            "report",
            "snapshot",
            "notify",
            "catalog",
            "model",
            "keymap",
            "links",
            "theme",
            "terminal",
            "format",
        ],
    ),
    ("cli", &["config", "catalog", "policy", "diff", "notify", "keymap", "theme", "format", "located"]),
    // "Commands use app, report, recording and sources": everything but the entry.
    ("commands", &["*"]),
    ("main", &["cli", "commands", "sources"]),
    ("lib", &["*"]),
];

/// The files that may read a clock, and why. Everything else is handed the one clock
/// (`sources::system_clock`, or a story's) so that tests control time.
const CLOCK_READERS: &[(&str, &str)] = &[
    ("src/sources/mod.rs", "the system clock itself"),
    ("src/sources/playback.rs", "a story's clock: wall time paced by the presenter"),
    ("src/sources/aws/limiter.rs", "pacing calls: a monotonic instant, never data's time"),
    ("src/sources/aws/retry.rs", "the seed of the backoff's jitter"),
    ("src/sources/aws/members.rs", "an assumed role's credentials expire on the wall clock the SDK uses"),
    ("src/sources/aws/drill.rs", "how long a lookup took, for its time-out"),
    ("src/app/run.rs", "the loop: frame pacing and the screen's wall clock"),
    ("src/terminal.rs", "waiting for the terminal's answer"),
    ("src/notify.rs", "the notification command's time limit"),
    ("src/commands/", "the edges: each command starts its clock"),
    ("src/policy/case.rs", "a case that gives no `time` asks about now (aws:CurrentTime), as AWS would answer it"),
];

/// The clock reads looked for.
const CLOCK_READS: &[&str] = &["SystemTime::now", "Instant::now", "Timestamp::now", "Zoned::now"];

/// The top-level module a file of `src/` belongs to: `src/ui/header.rs` is `ui`, `src/text.rs`
/// is `text`.
fn module_of(path: &str) -> String {
    let rest = path.strip_prefix("src/").unwrap_or(path);
    let first = rest.split('/').next().unwrap_or(rest);
    first.trim_end_matches(".rs").to_string()
}

/// The text with comments and string literals blanked (lines kept), so that a doc comment or a
/// message naming `crate::sources` is not an import.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push('"');
            }
            // A char literal such as '"' or '{' must not open a string.
            '\'' => {
                let ahead: String = chars.clone().take(3).collect();
                let mut it = ahead.chars();
                match (it.next(), it.next(), it.next()) {
                    (Some('\\'), Some(_), Some('\'')) => {
                        chars.nth(2);
                    }
                    (Some(_), Some('\''), _) => {
                        chars.nth(1);
                    }
                    _ => out.push('\''),
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Each top-level module a file reaches through `crate::`, with the line it is on: `crate::a`,
/// `crate::a::b`, and every member of a group `crate::{a, b::{c, d}}`.
fn imports(text: &str) -> Vec<(usize, String)> {
    let code = code_only(text);
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `vigil_crate::` and the like are not this crate.
        if code[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The group's top-level members: depth 0 of the braces.
            let (mut depth, mut member, mut members) = (0, String::new(), Vec::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => members.push(std::mem::take(&mut member)),
                    c if depth == 0 => member.push(c),
                    _ => {}
                }
            }
            members.push(member);
            for m in members {
                let name: String = m.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() && name != "self" {
                    out.push((line, name));
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.push((line, name));
            }
        }
    }
    out
}

/// Every import that breaks the table, as `file:line: module imports target`.
fn layering_violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let module = module_of(path);
        let Some((_, allowed)) = MAY_IMPORT.iter().find(|(m, _)| *m == module) else {
            out.push(format!("{path}: module `{module}` has no row in the layering table"));
            continue;
        };
        for (line, target) in imports(text) {
            if target == module || allowed.contains(&"*") || allowed.contains(&target.as_str()) {
                continue;
            }
            out.push(format!("{path}:{line}: `{module}` imports `{target}`"));
        }
    }
    out
}

/// Every clock read outside the files allowed one, as `file:line: read`.
fn clock_violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        if CLOCK_READERS
            .iter()
            .any(|(allowed, _)| path == allowed || (allowed.ends_with('/') && path.starts_with(allowed)))
        {
            continue;
        }
        for (i, line) in code_only(text).lines().enumerate() {
            for read in CLOCK_READS {
                if line.contains(read) {
                    out.push(format!("{path}:{}: {read}", i + 1));
                }
            }
        }
    }
    out
}

/// Within a module, files that stand below others and may not reach up to them (through
/// `super::name` or `crate::module::name`): the filter is the screen's language, below the view
/// and the command line that use it.
const BELOW: &[(&str, &[&str])] = &[
    ("src/ui/filter.rs", &["view", "command_line"]),
    // The policy engine in layers: the grammar's pieces, the fixed rules, the request, conditions,
    // documents, the evaluator, lint, and the cases and suites that drive them.
    ("src/policy/spans.rs", POLICY_ABOVE_GRAMMAR),
    ("src/policy/pattern.rs", POLICY_ABOVE_GRAMMAR),
    ("src/policy/suggest.rs", POLICY_ABOVE_GRAMMAR),
    ("src/policy/principal.rs", POLICY_ABOVE_GRAMMAR),
    ("src/policy/iam.rs", POLICY_ABOVE_GRAMMAR),
    ("src/policy/rules.rs", &["context", "condition", "document", "evaluate", "lint", "case", "suite"]),
    ("src/policy/context.rs", &["condition", "document", "evaluate", "lint", "case", "suite"]),
    ("src/policy/condition.rs", &["document", "evaluate", "lint", "case", "suite"]),
    ("src/policy/document.rs", &["evaluate", "lint", "case", "suite"]),
    ("src/policy/evaluate.rs", &["lint", "case", "suite"]),
    ("src/policy/lint.rs", &["case", "suite"]),
];

/// What stands above the policy grammar's pieces.
const POLICY_ABOVE_GRAMMAR: &[&str] =
    &["rules", "context", "condition", "document", "evaluate", "lint", "case", "suite"];

/// Each sibling a file of a module reaches: `super::view::View` and `crate::ui::view::View` from
/// `src/ui/filter.rs` both reach `view`.
fn siblings(path: &str, text: &str) -> Vec<(usize, String)> {
    let module = module_of(path);
    let code = code_only(text);
    let mut out = Vec::new();
    for prefix in ["super::".to_string(), format!("crate::{module}::")] {
        for (at, _) in code.match_indices(&prefix) {
            if code[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let name: String =
                code[at + prefix.len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.push((code[..at].matches('\n').count() + 1, name));
            }
        }
    }
    out
}

/// Every reach up within a module, as `file:line: file reaches sibling`.
fn reaches_up(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let Some((_, above)) = BELOW.iter().find(|(f, _)| f == path) else { continue };
        for (line, sibling) in siblings(path, text) {
            if above.contains(&sibling.as_str()) {
                out.push(format!("{path}:{line}: reaches `{sibling}`, which stands above it"));
            }
        }
    }
    out
}

/// Every `.rs` file under `src/`, as (path from the crate's root, text).
fn sources() -> Vec<(String, String)> {
    files("src")
        .into_iter()
        .map(|f| {
            let shown = f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&f).display().to_string();
            (shown, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

#[test]
fn imports_run_one_way() {
    let found = layering_violations(&sources());
    assert!(found.is_empty(), "imports against DESIGN's layering:\n{}", found.join("\n"));
}

#[test]
fn within_a_module_files_stand_in_layers() {
    let found = reaches_up(&sources());
    assert!(found.is_empty(), "a file reaching above it:\n{}", found.join("\n"));
}

#[test]
fn only_the_clocks_read_the_clock() {
    let found = clock_violations(&sources());
    assert!(found.is_empty(), "a clock read where one is handed in:\n{}", found.join("\n"));
    let constructor = lines_with("src/sources/mod.rs", "Arc::new(Timestamp::now)");
    assert_eq!(constructor.len(), 1, "the one clock: {constructor:?}");
    let optional = lines_with("src/sources", "Option<&Sink>");
    assert!(optional.is_empty(), "every poll has a sink:\n{}", optional.join("\n"));
}

/// The checks find what they are for: each planted violation is reported, with its file and
/// line, and what only looks like one (a comment, a message, a grouped `self`) is not.
#[test]
fn a_planted_violation_is_found() {
    let planted = |path: &str, text: &str| vec![(path.to_string(), text.to_string())];
    let store = planted("src/store/mod.rs", "use crate::model::Sym;\n\nuse crate::sources::Message;\n");
    assert_eq!(layering_violations(&store), ["src/store/mod.rs:3: `store` imports `sources`"]);
    let grouped = planted("src/ui/header.rs", "use crate::{\n    model::Sym,\n    report::{json, Subject},\n};\n");
    assert_eq!(layering_violations(&grouped), ["src/ui/header.rs:1: `ui` imports `report`"]);
    let inline = planted("src/recording/writer.rs", "fn f(m: &crate::sources::Message) {}\n");
    assert_eq!(layering_violations(&inline), ["src/recording/writer.rs:1: `recording` imports `sources`"]);
    let policy = planted("src/policy/evaluate.rs", "use crate::{self, store::Posture};\n");
    assert_eq!(layering_violations(&policy), ["src/policy/evaluate.rs:1: `policy` imports `store`"]);
    let unknown = planted("src/newroom.rs", "use crate::model::Sym;\n");
    assert_eq!(layering_violations(&unknown), ["src/newroom.rs: module `newroom` has no row in the layering table"]);
    let quiet = planted(
        "src/store/mod.rs",
        "// crate::sources is not read here\n/// see crate::ui::View\nlet s = \"crate::ui\"; let c = '\"';\nuse crate::model::Sym;\n",
    );
    assert!(layering_violations(&quiet).is_empty(), "{:?}", layering_violations(&quiet));

    let up = planted("src/ui/filter.rs", "use super::view::View;\nfn f(l: crate::ui::command_line::Cmd) {}\n");
    assert_eq!(
        reaches_up(&up),
        [
            "src/ui/filter.rs:1: reaches `view`, which stands above it",
            "src/ui/filter.rs:2: reaches `command_line`, which stands above it"
        ]
    );

    let clock = planted("src/store/mod.rs", "fn f() {\n    let now = jiff::Timestamp::now();\n}\n");
    assert_eq!(clock_violations(&clock), ["src/store/mod.rs:2: Timestamp::now"]);
    let instant = planted("src/ui/header.rs", "let t = std::time::Instant::now(); // Instant::now\n");
    assert_eq!(clock_violations(&instant), ["src/ui/header.rs:1: Instant::now"]);
    let system = planted("src/policy/evaluate.rs", "SystemTime::now()\n");
    assert_eq!(clock_violations(&system), ["src/policy/evaluate.rs:1: SystemTime::now"]);
    assert!(clock_violations(&planted("src/commands/watch.rs", "Instant::now()")).is_empty(), "an edge");
}

#[test]
fn the_library_ships_no_test_fixtures() {
    let found = lines_with("src/lib.rs", "mod fixtures");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Every AWS action the sources call (`"config:DescribeConfigRules"`, ...) is in README's IAM
/// policies: a user who grants what README says is never denied a call vigil makes.
#[test]
fn readme_grants_every_action_the_sources_call() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut actions = std::collections::BTreeSet::new();
    for f in files("src/sources/aws") {
        let text = std::fs::read_to_string(&f).unwrap();
        for service in ["config", "securityhub", "cloudwatch", "sts"] {
            let quote = format!("\"{service}:");
            for (at, _) in text.match_indices(&quote) {
                let name: String = text[at + quote.len()..].chars().take_while(char::is_ascii_alphanumeric).collect();
                if !name.is_empty() && text[at + quote.len() + name.len()..].starts_with('"') {
                    actions.insert(format!("{service}:{name}"));
                }
            }
        }
    }
    assert!(actions.len() > 15, "the sources' actions were found: {actions:?}");
    // STS GetCallerIdentity needs no permission (README says so).
    let missing: Vec<&String> =
        actions.iter().filter(|a| *a != "sts:GetCallerIdentity" && !readme.contains(&format!("\"{a}\""))).collect();
    assert!(missing.is_empty(), "README's policies lack {missing:?}");
}
