//! The report as Markdown, for a person: the heading, the sources and what they could not
//! read, a table per pane, then findings, rules and alarms. Every string from AWS is made inert.

use crate::model::ControlKind;
use crate::text::clean;

use super::schema::{Control, Report, Source};

/// Resources a Markdown cell lists before `and N more`.
const MARKDOWN_RESOURCES: usize = 10;

/// A Markdown cell: inert text, pipes escaped.
fn md(s: &str) -> String {
    clean(s).replace('|', "\\|")
}

/// The whole report.
pub fn write(r: &Report) -> String {
    let mut out = heading(r);
    out.push_str(&sources(&r.sources));
    for kind in ControlKind::ALL {
        out.push_str(&pane(kind, &r.controls));
    }
    out.push_str(&findings(r));
    out.push_str(&rules(r));
    out.push_str(&alarms(r));
    out
}

/// The title, what the report is about, the scores and the activity flagged.
fn heading(r: &Report) -> String {
    let subject = &r.subject;
    let what = if subject.demo {
        "workshop demo".to_string()
    } else {
        let replayed = subject.recording.as_ref().map_or(String::new(), |r| format!(" · replayed from {r}"));
        format!(
            "account {} · region {}{replayed}",
            subject.account.as_deref().unwrap_or("unknown"),
            subject.region.as_deref().unwrap_or("unknown")
        )
    };
    let mut out = format!("# vigil posture report\n\n{} · generated {}\n\n", md(&what), r.generated_at);
    let pct = |v: Option<u32>| v.map_or("--".to_string(), |n| format!("{n}%"));
    let s = &r.score;
    out.push_str(&format!(
        "Posture **{}** (preventive {}, detective {}, corrective {})\n\n",
        pct(s.overall),
        pct(s.preventive),
        pct(s.detective),
        pct(s.corrective)
    ));
    out.push_str(&activity(r));
    out
}

/// `Activity: ⚑ 2 CRITICAL · 1 HIGH open · 1 alarm firing`, or nothing when all is quiet.
fn activity(r: &Report) -> String {
    let open = r.activity.open_findings.unwrap_or_default();
    let mut flagged: Vec<String> = [("CRITICAL", open.critical), ("HIGH", open.high)]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    if !flagged.is_empty() {
        flagged = vec![format!("{} open", flagged.join(" · "))];
    }
    if let Some(n) = r.activity.alarms_firing.filter(|n| *n > 0) {
        flagged.push(format!("{n} {}", if n == 1 { "alarm firing" } else { "alarms firing" }));
    }
    if flagged.is_empty() { String::new() } else { format!("Activity: ⚑ {}\n\n", flagged.join(" · ")) }
}

/// The sources' table, the parts not read and the accounts and regions not read.
fn sources(sources: &[Source]) -> String {
    let mut out = String::from("| Source | Health | Last data | Error |\n|---|---|---|---|\n");
    for s in sources {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            s.name,
            s.health,
            s.last_ok.as_deref().unwrap_or("never"),
            md(s.error.as_deref().unwrap_or(""))
        ));
    }
    let unread = unread(sources);
    if !unread.is_empty() {
        out.push_str(&format!(
            "\nNot read (what they feed is unknown, never counted as missing):\n\n{}\n",
            unread.join("\n")
        ));
    }
    let failed = failed_places(sources);
    if !failed.is_empty() {
        out.push_str(&format!(
            "\nAccounts and regions not read (their part is unknown; the others are whole):\n\n{}\n",
            failed.join("\n")
        ));
    }
    out
}

/// Parts that could not be read for one reason are one line: a dead endpoint is one error, not
/// one per part.
fn unread(sources: &[Source]) -> Vec<String> {
    let mut grouped: Vec<(String, Vec<String>, Vec<&str>)> = Vec::new();
    for u in sources.iter().flat_map(|s| &s.unread) {
        let (error, part) = (md(&u.error), u.part.replace('_', " "));
        match grouped.iter_mut().find(|(e, _, _)| *e == error) {
            Some((_, parts, calls)) => {
                parts.push(part);
                calls.push(&u.call);
            }
            None => grouped.push((error, vec![part], vec![&u.call])),
        }
    }
    grouped
        .into_iter()
        .map(|(error, parts, calls)| format!("- {} ({}): {error}", parts.join(", "), calls.join(", ")))
        .collect()
}

/// The member accounts and regions a source could not read, each once per account and error,
/// by account then error.
fn failed_places(sources: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    for s in sources {
        let mut failures: Vec<(&str, &str, Vec<&str>)> = Vec::new();
        for p in &s.places {
            let Some(error) = &p.error else { continue };
            match failures.iter_mut().find(|(a, e, _)| *a == p.account && *e == error) {
                Some((_, _, regions)) => regions.push(&p.region),
                None => failures.push((&p.account, error, vec![&p.region])),
            }
        }
        failures.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (account, error, regions) in failures {
            out.push(format!("- {}: {} in {}: {}", s.name, md(account), md(&regions.join(", ")), md(error)));
        }
    }
    out
}

/// One pane's table.
fn pane(kind: ControlKind, controls: &[Control]) -> String {
    let mut out = format!("\n## {}\n\n| Status | Control | Failing | Resources |\n|---|---|---|---|\n", kind.title());
    for c in controls.iter().filter(|c| c.kind == kind.name()) {
        let plus = if c.failing_at_least { "+" } else { "" };
        // Unknown is `—`, never 0.
        let failing = c.failing.map_or_else(|| "—".to_string(), |n| format!("{n}{plus}"));
        let status = c.status.name().to_uppercase();
        out.push_str(&format!(
            "| {} {status} | {} {} | {} | {} |\n",
            c.status.level().symbol(),
            md(&c.id),
            md(&c.title),
            failing,
            resources(c).join("<br>")
        ));
    }
    out
}

/// A control's resources cell: at most ten (the JSON report lists them all), the bound when the
/// count is one, and the rules without remediation.
fn resources(c: &Control) -> Vec<String> {
    let mut out: Vec<String> = c.resources.iter().take(MARKDOWN_RESOURCES).map(|r| md(&r.id)).collect();
    if c.resources.len() > MARKDOWN_RESOURCES {
        out.push(format!("and {} more", c.resources.len() - MARKDOWN_RESOURCES));
    }
    // A lower bound: the resources listed are the part read.
    if c.failing_at_least
        && let Some(n) = c.failing
    {
        out.push(format!("at least {n} in all: the rest not read"));
    }
    for r in &c.no_remediation {
        out.push(format!("rule {} has no remediation configured", md(&r.rule)));
    }
    out
}

fn findings(r: &Report) -> String {
    let Some(f) = &r.findings else { return "\n## Findings\n\nnot read.\n".into() };
    let sev: Vec<String> = f.by_severity.each().iter().map(|(s, n)| format!("{} {n}", s.as_str())).collect();
    format!("\n## Findings\n\n{} active. Open by severity: {}.\n", f.total, sev.join(", "))
}

fn rules(r: &Report) -> String {
    let Some(rules) = &r.rules else { return "\n## Rules not compliant\n\nnot read.\n".into() };
    let mut out = String::from("\n## Rules not compliant\n\n| Rule | Non-compliant |\n|---|---|\n");
    for rule in rules.iter().filter(|r| r.compliance.as_deref() == Some("NON_COMPLIANT")) {
        let count = match (rule.noncompliant, rule.capped_count) {
            (Some(n), _) => n.to_string(),
            (None, Some(c)) => format!("{c}+"),
            _ => "?".into(),
        };
        out.push_str(&format!("| {} | {count} |\n", md(&rule.name)));
    }
    out
}

fn alarms(r: &Report) -> String {
    let Some(alarms) = &r.alarms else { return "\n## Alarms in ALARM\n\nnot read.\n".into() };
    let firing: Vec<String> =
        alarms.iter().filter(|a| a.state == "ALARM").map(|a| format!("- {}", md(&a.name))).collect();
    format!("\n## Alarms in ALARM\n\n{}\n", if firing.is_empty() { "none".to_string() } else { firing.join("\n") })
}
