//! The posture as a report for scripts and CI: JSON (schema version 2, or 1 with `--schema 1`;
//! documented in README.md), Markdown or CSV. Pure: built from the store and the time.

use serde::Serialize;
use serde_json::{Value, json};

use crate::model::{
    ControlKind, ExecutionState, Part, Severity, SourceKind, Status, StatusLevel, Timestamp, WorkflowStatus,
};
use crate::store::{Health, Posture};
use crate::text::clean;

/// 2: a part of a poll that was not read is `null` (never an empty list or a zero), sources
/// list what they could not read, controls what they lack, rules say `evaluation_failing`.
pub const SCHEMA_VERSION: u32 = 2;

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Markdown,
    Csv,
}

impl Format {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Csv => "csv",
        }
    }
}

/// The report in `format`, as `vigil report` prints it.
pub fn render(format: Format, posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    render_schema(format, SCHEMA_VERSION, posture, subject, now)
}

/// As [`render`], JSON in the schema version asked for (1 or 2).
pub fn render_schema(format: Format, schema: u32, posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    match format {
        Format::Json if schema == 1 => format!("{:#}\n", version_1(json(posture, subject, now))),
        Format::Json => format!("{:#}\n", json(posture, subject, now)),
        Format::Markdown => markdown(posture, subject, now),
        Format::Csv => csv(posture, subject, now),
    }
}

/// What the report is about.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Subject {
    pub account: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub demo: bool,
    /// The recording the posture was replayed from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<String>,
    /// Where the report started from when not from nothing (`--snapshot`): the report's
    /// top-level `basis`.
    #[serde(skip)]
    pub basis: Option<Basis>,
}

/// A report started from a local snapshot: when it was written, what was read again since,
/// and what a warm report cannot see.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Basis {
    pub snapshot_written_at: String,
    /// Security Hub's findings updated since this time (less the overlap) were read again.
    pub findings_updated_since: Option<String>,
    /// The sources read in full again.
    pub reread: Vec<String>,
    pub not_seen: String,
}

fn status_name(s: Status) -> &'static str {
    match s.level() {
        StatusLevel::Pass => "pass",
        StatusLevel::Fail => "fail",
        StatusLevel::Warn => "warn",
        StatusLevel::Unknown => "unknown",
        StatusLevel::Stale => "stale",
    }
}

fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The sources reported on: the three AWS services, and the guardrail tests when they ran.
fn reported_sources(posture: &Posture) -> Vec<SourceKind> {
    SourceKind::ALL.into_iter().filter(|k| *k != SourceKind::Guardrails || posture.source(*k).registered).collect()
}

/// Whether any source failed (the report's exit code 3).
pub fn any_source_failed(posture: &Posture) -> bool {
    reported_sources(posture).into_iter().any(|k| matches!(posture.source(k).health, Health::Error(_)))
}

/// The worst control status, for `--fail-on`.
pub fn worst(posture: &Posture, now: Timestamp) -> Option<StatusLevel> {
    (0..posture.catalog().controls.len())
        .map(|i| posture.control_status(i, now).level())
        .filter(|l| matches!(l, StatusLevel::Fail | StatusLevel::Warn))
        .min_by_key(|l| l.urgency())
}

/// `value` where a part was read in full, `null` where it was not: unknown, never "none".
fn if_read(posture: &Posture, part: Part, value: impl FnOnce() -> Value) -> Value {
    if posture.part(part).last_ok.is_some() { value() } else { Value::Null }
}

/// A version 2 report as version 1 gave it, for scripts written against it: no `scope`,
/// `unread`, `places`, `not_read`, `by_account`, `by_region`, `open_high`, `evaluation_failing`,
/// `threshold` or `failing_since`; no account or region on rules, alarms and remediations; and where a part was
/// not read, an empty list (or zeros) instead of `null`.
pub fn version_1(mut v: Value) -> Value {
    let drop = |item: &mut Value, keys: &[&str]| {
        if let Some(o) = item.as_object_mut() {
            for k in keys {
                o.remove(*k);
            }
        }
    };
    drop(&mut v, &["scope", "activity", "basis"]);
    v["schema_version"] = json!(1);
    drop(&mut v["subject"], &["recording"]);
    for (list, keys) in [
        ("sources", &["unread", "places"][..]),
        ("controls", &["not_read", "by_account", "no_remediation"]),
        ("rules", &["account", "region", "evaluation_failing"]),
        ("alarms", &["account", "region", "threshold"]),
        ("remediations", &["account", "region"]),
        ("standards", &[]),
    ] {
        if v[list].is_null() {
            v[list] = json!([]);
        }
        for item in v[list].as_array_mut().into_iter().flatten() {
            drop(item, keys);
            if list == "controls" && item.get("failing").is_some_and(Value::is_null) {
                item["failing"] = json!(0);
            }
            for resource in item.get_mut("resources").and_then(Value::as_array_mut).into_iter().flatten() {
                drop(resource, &["failing_since"]);
            }
            if list == "remediations" && item["executions"].is_null() {
                item["executions"] = json!({});
            }
        }
    }
    if v["findings"].is_null() {
        let zeros = |keys: &[&str]| keys.iter().map(|k| (k.to_string(), json!(0))).collect::<serde_json::Map<_, _>>();
        v["findings"] = json!({
            "total": 0,
            "by_severity": zeros(&["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"]),
            "by_workflow": zeros(&["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"]),
        });
    } else {
        drop(&mut v["findings"], &["by_account", "by_region", "open_high", "open_high_more"]);
    }
    v
}

/// The report as JSON.
pub fn json(posture: &Posture, subject: &Subject, now: Timestamp) -> Value {
    let sources: Vec<Value> = reported_sources(posture)
        .into_iter()
        .map(|k| {
            let s = posture.source(k);
            let error = match &s.health {
                Health::Error(e) => Some(e.to_string()),
                _ => None,
            };
            let health = if s.health == Health::Waiting && s.last_ok.is_none() && !s.registered { "loading" } else { s.health.name() };
            let unread: Vec<Value> = k
                .parts()
                .iter()
                .filter_map(|p| posture.part(*p).error.as_ref().map(|(_, e)| (p, e)))
                .map(|(p, e)| json!({"part": p.name(), "call": p.call(), "error": e.to_string()}))
                .collect();
            let places: Vec<Value> = s
                .places
                .iter()
                .map(|((account, region), p)| {
                    let error = p.last_error.as_ref().filter(|_| p.failing).map(|(_, e)| e);
                    let health = error.map_or("ok", |e| Health::Error(e.clone()).name());
                    json!({"account": account, "region": region, "health": health, "last_ok": p.last_ok.map(time), "error": error.map(|e| e.to_string())})
                })
                .collect();
            json!({"name": k.name(), "health": health, "last_ok": s.last_ok.map(time), "error": error, "skipped": s.skipped, "unread": unread, "places": places})
        })
        .collect();
    let controls: Vec<Value> = (0..posture.catalog().controls.len())
        .map(|i| {
            let c = posture.control(i);
            let status = posture.control_status(i, now);
            let acc = posture.evidence(i);
            let mut resources: Vec<Value> = acc
                .failing
                .keys()
                .map(|r| {
                    let since = posture.failing_since(i, r).map(time);
                    json!({"id": &*r.id, "type": &*r.kind, "account": &*r.account, "region": &*r.region, "failing_since": since})
                })
                .collect();
            for alarm in posture.missing_alarms(i) {
                resources.push(json!({"id": alarm, "type": "AWS::CloudWatch::Alarm", "account": subject.account, "region": subject.region, "missing": true, "failing_since": null}));
            }
            let not_read: Vec<&str> = posture.unread_parts(i).iter().map(|(p, _)| p.call()).collect();
            let failing = status.failing();
            // Distinct failing resources of each account.
            let mut by_account: std::collections::BTreeMap<&str, u64> = Default::default();
            for r in acc.failing.keys() {
                *by_account.entry(&r.account).or_default() += 1;
            }
            json!({
                "id": &*c.id,
                "kind": c.kind.name(),
                "title": c.title,
                "status": status_name(status),
                // Unknown is null, never 0 (0: counted, and none failing).
                "failing": if status.has_data() { json!(failing.map_or(0, |f| f.resources)) } else { Value::Null },
                "no_remediation": acc.unremediated.iter().map(|r| json!({"rule": &*r.name, "account": &*r.account, "region": &*r.region})).collect::<Vec<_>>(),
                "failing_at_least": failing.is_some_and(|f| f.at_least),
                "resources": resources,
                "by_account": by_account,
                "not_read": not_read,
            })
        })
        .collect();
    let rules = if_read(posture, Part::ConfigRules, || {
        let mut rules: Vec<Value> = posture
            .rules()
            .map(|r| {
                let noncompliant = if r.details_complete { Some(posture.rule_noncompliant(&r.key())) } else { None };
                let evaluation_failing =
                    (!r.unread.contains(Part::EvaluationStatus)).then_some(r.evaluation_error.is_some());
                json!({
                    "name": &*r.name,
                    "account": &*r.account,
                    "region": &*r.region,
                    "source": r.source_identifier.as_deref(),
                    "compliance": r.compliance.map(|c| c.as_str()),
                    "noncompliant": noncompliant,
                    "capped": r.noncompliant.is_some_and(|c| c.cap_exceeded),
                    "capped_count": r.noncompliant.map(|c| c.count),
                    "evaluation_failing": evaluation_failing,
                    "evaluation_error": r.evaluation_error.as_deref(),
                })
            })
            .collect();
        rules.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        json!(rules)
    });
    let findings = if_read(posture, Part::Findings, || {
        let mut all = finding_totals(&posture.finding_totals(), true);
        let each = |map: &std::collections::BTreeMap<crate::model::Sym, crate::store::FindingTotals>| {
            map.iter().map(|(k, t)| (k.to_string(), finding_totals(t, false))).collect::<serde_json::Map<_, _>>()
        };
        all["by_account"] = Value::Object(each(posture.findings_by_account()));
        all["by_region"] = Value::Object(each(posture.findings_by_region()));
        let (listed, more) = open_high(posture);
        all["open_high"] = json!(listed);
        all["open_high_more"] = json!(more);
        all
    });
    let scope = {
        let s = posture.scope();
        let hub = posture.hub_scope().map(|h| {
            json!({
                "members": h.members,
                "aggregator": h.aggregator.as_ref().map(|a| json!({"arn": a.arn, "home_region": a.home_region, "linking_mode": a.linking_mode, "regions": a.regions})),
            })
        });
        let only = posture.narrowing().map(|w| json!({"account": w.account, "region": w.region}));
        json!({
            "mode": if s.organization { "organization" } else { "account" },
            "accounts": s.accounts,
            "regions": s.regions,
            "only": only,
            "aggregators": {"config": posture.config_aggregators(), "securityhub": hub},
        })
    };
    let alarms = if_read(posture, Part::Alarms, || {
        json!(
            posture
                .alarms()
                .map(|a| {
                    json!({"name": &*a.name, "account": &*a.account, "region": &*a.region, "state": a.state.as_str(), "threshold": a.threshold})
                })
                .collect::<Vec<_>>()
        )
    });
    let remediations = if_read(posture, Part::RemediationConfigs, || {
        let list: Vec<Value> = posture
            .remediation_configs()
            .map(|rc| {
                let unread =
                    posture.rule(&rc.rule_key()).is_none_or(|r| r.unread.contains(Part::RemediationExecutions));
                let executions = if unread {
                    Value::Null
                } else {
                    let held = posture.executions_of(&rc.rule_key());
                    let counts: serde_json::Map<String, Value> = ExecutionState::ALL
                        .iter()
                        .filter_map(|s| {
                            let n = held.iter().filter(|x| x.state == *s).count();
                            (n > 0).then(|| (s.as_str().to_string(), json!(n)))
                        })
                        .collect();
                    Value::Object(counts)
                };
                json!({
                    "rule": &*rc.rule,
                    "account": &*rc.account,
                    "region": &*rc.region,
                    "target": &*rc.target,
                    "automatic": rc.automatic,
                    "executions": executions,
                })
            })
            .collect();
        json!(list)
    });
    let standards = if_read(posture, Part::Standards, || {
        json!(
            posture
                .standards()
                .iter()
                .map(|s| json!({"arn": s.arn, "name": s.name, "enabled": s.enabled}))
                .collect::<Vec<_>>()
        )
    });
    // Live activity, as the header flags it: open findings that are detections (no compliance
    // status) by severity, and alarms in ALARM; unknown where not read.
    let activity = json!({
        "open_findings": if_read(posture, Part::Findings, || {
            let open = posture.finding_totals().open_activity_by_severity;
            Severity::DESCENDING
                .iter()
                .map(|s| (s.as_str().to_string(), json!(open[s.index()])))
                .collect::<serde_json::Map<_, _>>()
                .into()
        }),
        "alarms_firing": if_read(posture, Part::Alarms, || json!(posture.firing_alarms())),
    });
    let score = |s: Option<u32>| json!(s);
    let mut report = json!({
        "schema_version": SCHEMA_VERSION,
        "generated_at": time(now),
        "subject": subject,
        "scope": scope,
        "score": {
            "overall": score(posture.overall_summary(now).score()),
            "preventive": score(posture.pane_summary(ControlKind::Preventive, now).score()),
            "detective": score(posture.pane_summary(ControlKind::Detective, now).score()),
            "corrective": score(posture.pane_summary(ControlKind::Corrective, now).score()),
        },
        "activity": activity,
        "sources": sources,
        "standards": standards,
        "controls": controls,
        "rules": rules,
        "findings": findings,
        "alarms": alarms,
        "remediations": remediations,
    });
    if let Some(basis) = &subject.basis {
        report["basis"] = json!(basis);
    }
    report
}

/// The findings `open_high` lists at most: `vigil diff` tells new ones from resolved ones by id.
pub const OPEN_HIGH_LISTED: usize = 1000;

/// ACTIVE findings still open (NEW or NOTIFIED) at HIGH or CRITICAL, within the narrowing:
/// CRITICAL first, then by id, at most [`OPEN_HIGH_LISTED`]; and how many more there are.
fn open_high(posture: &Posture) -> (Vec<Value>, usize) {
    let within = posture.narrowing();
    let mut open: Vec<&crate::model::Finding> = posture
        .findings()
        .filter(|f| f.is_active() && f.workflow.is_open() && f.severity >= Severity::High)
        .filter(|f| within.is_none_or(|w| w.admits(&f.account, &f.region)))
        .collect();
    open.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    let more = open.len().saturating_sub(OPEN_HIGH_LISTED);
    let listed = open
        .into_iter()
        .take(OPEN_HIGH_LISTED)
        .map(|f| {
            json!({
                "id": &*f.id,
                "severity": f.severity.as_str(),
                "title": &*f.title,
                "product": &*f.product,
                "control": f.control_id.as_deref(),
                "resource": f.resources.first().map(|r| &*r.id),
            })
        })
        .collect();
    (listed, more)
}

/// Counts of ACTIVE findings: the total, the open ones by severity, and (`workflow`) all by
/// workflow status.
fn finding_totals(totals: &crate::store::FindingTotals, workflow: bool) -> Value {
    let by_severity: serde_json::Map<String, Value> = Severity::DESCENDING
        .iter()
        .map(|s| (s.as_str().to_string(), json!(totals.open_by_severity[s.index()])))
        .collect();
    let mut out = json!({"total": totals.active, "by_severity": by_severity});
    if workflow {
        out["by_workflow"] = WorkflowStatus::ALL
            .iter()
            .map(|w| (w.as_str().to_string(), json!(totals.by_workflow[w.index()])))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    out
}

/// Resources a Markdown cell lists before `and N more`.
const MARKDOWN_RESOURCES: usize = 10;

/// A Markdown cell: inert text, pipes escaped.
fn md(s: &str) -> String {
    clean(s).replace('|', "\\|")
}

pub fn markdown(posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    let j = json(posture, subject, now);
    let mut out = String::new();
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
    out.push_str(&format!("# vigil posture report\n\n{} · generated {}\n\n", md(&what), time(now)));
    let s = &j["score"];
    let pct = |v: &Value| v.as_u64().map_or("--".to_string(), |n| format!("{n}%"));
    out.push_str(&format!(
        "Posture **{}** (preventive {}, detective {}, corrective {})\n\n",
        pct(&s["overall"]),
        pct(&s["preventive"]),
        pct(&s["detective"]),
        pct(&s["corrective"])
    ));
    let a = &j["activity"];
    let mut flagged: Vec<String> = ["CRITICAL", "HIGH"]
        .iter()
        .filter_map(|s| a["open_findings"][*s].as_u64().filter(|n| *n > 0).map(|n| format!("{n} {s}")))
        .collect();
    if !flagged.is_empty() {
        flagged = vec![format!("{} open", flagged.join(" · "))];
    }
    if let Some(n) = a["alarms_firing"].as_u64().filter(|n| *n > 0) {
        flagged.push(format!("{n} {}", if n == 1 { "alarm firing" } else { "alarms firing" }));
    }
    if !flagged.is_empty() {
        out.push_str(&format!("Activity: ⚑ {}\n\n", flagged.join(" · ")));
    }
    out.push_str("| Source | Health | Last data | Error |\n|---|---|---|---|\n");
    for src in j["sources"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            src["name"].as_str().unwrap_or_default(),
            src["health"].as_str().unwrap_or_default(),
            src["last_ok"].as_str().unwrap_or("never"),
            md(src["error"].as_str().unwrap_or(""))
        ));
    }
    // Parts that could not be read for one reason are one line: a dead endpoint is one error,
    // not one per part.
    let mut grouped: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for u in
        j["sources"].as_array().into_iter().flatten().flat_map(|s| s["unread"].as_array().cloned().unwrap_or_default())
    {
        let error = md(u["error"].as_str().unwrap_or_default());
        let part = u["part"].as_str().unwrap_or_default().replace('_', " ");
        let call = u["call"].as_str().unwrap_or_default().to_string();
        match grouped.iter_mut().find(|(e, _, _)| *e == error) {
            Some((_, parts, calls)) => {
                parts.push(part);
                calls.push(call);
            }
            None => grouped.push((error, vec![part], vec![call])),
        }
    }
    let unread: Vec<String> = grouped
        .into_iter()
        .map(|(error, parts, calls)| format!("- {} ({}): {error}", parts.join(", "), calls.join(", ")))
        .collect();
    if !unread.is_empty() {
        out.push_str(&format!(
            "\nNot read (what they feed is unknown, never counted as missing):\n\n{}\n",
            unread.join("\n")
        ));
    }
    // The member accounts and regions a source could not read, each once per account and error.
    let mut failed_places: Vec<String> = Vec::new();
    for kind in reported_sources(posture) {
        for f in posture.source(kind).place_failures() {
            let (regions, error) = (f.regions.join(", "), f.error.to_string());
            failed_places.push(format!("- {}: {} in {}: {}", kind.name(), md(f.account), md(&regions), md(&error)));
        }
    }
    if !failed_places.is_empty() {
        out.push_str(&format!(
            "\nAccounts and regions not read (their part is unknown; the others are whole):\n\n{}\n",
            failed_places.join("\n")
        ));
    }
    for kind in ControlKind::ALL {
        out.push_str(&format!(
            "\n## {}\n\n| Status | Control | Failing | Resources |\n|---|---|---|---|\n",
            kind.title()
        ));
        for c in j["controls"].as_array().into_iter().flatten().filter(|c| c["kind"] == kind.name()) {
            let plus = if c["failing_at_least"] == true { "+" } else { "" };
            // Unknown is `—`, never 0.
            let failing = c["failing"].as_u64().map_or_else(|| "—".to_string(), |n| format!("{n}{plus}"));
            let all: Vec<String> =
                c["resources"].as_array().into_iter().flatten().filter_map(|r| r["id"].as_str()).map(md).collect();
            // At most ten in a cell; the JSON report lists them all.
            let mut resources: Vec<String> = all.iter().take(MARKDOWN_RESOURCES).cloned().collect();
            if all.len() > MARKDOWN_RESOURCES {
                resources.push(format!("and {} more", all.len() - MARKDOWN_RESOURCES));
            }
            // A lower bound: the resources listed are the part read.
            if c["failing_at_least"] == true
                && let Some(n) = c["failing"].as_u64()
            {
                resources.push(format!("at least {n} in all: the rest not read"));
            }
            for r in c["no_remediation"].as_array().into_iter().flatten() {
                resources
                    .push(format!("rule {} has no remediation configured", md(r["rule"].as_str().unwrap_or_default())));
            }
            let status = c["status"].as_str().unwrap_or_default().to_uppercase();
            let symbol = match status.as_str() {
                "PASS" => StatusLevel::Pass.symbol(),
                "FAIL" => StatusLevel::Fail.symbol(),
                "WARN" => StatusLevel::Warn.symbol(),
                "STALE" => StatusLevel::Stale.symbol(),
                _ => StatusLevel::Unknown.symbol(),
            };
            out.push_str(&format!(
                "| {symbol} {status} | {} {} | {} | {} |\n",
                md(c["id"].as_str().unwrap_or_default()),
                md(c["title"].as_str().unwrap_or_default()),
                failing,
                resources.join("<br>")
            ));
        }
    }
    let f = &j["findings"];
    if f.is_null() {
        out.push_str("\n## Findings\n\nnot read.\n");
    } else {
        out.push_str(&format!("\n## Findings\n\n{} active. Open by severity: ", f["total"]));
        let sev: Vec<String> =
            Severity::DESCENDING.iter().map(|s| format!("{} {}", s.as_str(), f["by_severity"][s.as_str()])).collect();
        out.push_str(&sev.join(", "));
        out.push_str(".\n");
    }
    out.push_str("\n## Rules not compliant\n\n");
    if j["rules"].is_null() {
        out.push_str("not read.\n");
    } else {
        out.push_str("| Rule | Non-compliant |\n|---|---|\n");
    }
    for r in j["rules"].as_array().into_iter().flatten().filter(|r| r["compliance"] == "NON_COMPLIANT") {
        let count = match (r["noncompliant"].as_u64(), r["capped_count"].as_u64()) {
            (Some(n), _) => n.to_string(),
            (None, Some(c)) => format!("{c}+"),
            _ => "?".into(),
        };
        out.push_str(&format!("| {} | {count} |\n", md(r["name"].as_str().unwrap_or_default())));
    }
    out.push_str("\n## Alarms in ALARM\n\n");
    if j["alarms"].is_null() {
        out.push_str("not read.\n");
        return out;
    }
    let firing: Vec<String> = j["alarms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["state"] == "ALARM")
        .map(|a| format!("- {}", md(a["name"].as_str().unwrap_or_default())))
        .collect();
    out.push_str(&if firing.is_empty() { "none".to_string() } else { firing.join("\n") });
    out.push('\n');
    out
}

/// A CSV field: inert text, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    let s = clean(s);
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.into_owned() }
}

/// One row per control.
pub fn csv(posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    let j = json(posture, subject, now);
    let mut out = String::from("id,kind,title,status,failing,failing_at_least,resources\n");
    for c in j["controls"].as_array().into_iter().flatten() {
        let resources: Vec<&str> =
            c["resources"].as_array().into_iter().flatten().filter_map(|r| r["id"].as_str()).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            csv_field(c["id"].as_str().unwrap_or_default()),
            c["kind"].as_str().unwrap_or_default(),
            csv_field(c["title"].as_str().unwrap_or_default()),
            c["status"].as_str().unwrap_or_default(),
            // Unknown is an empty field, never 0.
            c["failing"].as_u64().map_or_else(String::new, |n| n.to_string()),
            c["failing_at_least"],
            csv_field(&resources.join(";")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::model::{Dataset, Payload, SourceError, SourceEvent, Unread};

    #[test]
    fn version_1_gives_empty_lists_and_zeros_for_what_was_not_read() {
        let v2 = json!({
            "schema_version": 2,
            "scope": {"mode": "account"},
            "sources": [{"name": "config", "unread": [{"part": "alarms"}], "places": []}],
            "controls": [{"id": "DET-01", "not_read": ["cloudwatch:DescribeAlarms"], "by_account": {}}],
            "rules": null,
            "alarms": null,
            "remediations": [{"rule": "r", "account": "1", "region": "us-east-1", "executions": null}],
            "standards": null,
            "findings": null,
        });
        let v1 = version_1(v2);
        assert_eq!(v1["schema_version"], 1);
        assert!(v1.get("scope").is_none());
        assert_eq!(v1["sources"], json!([{"name": "config"}]));
        assert_eq!(v1["controls"], json!([{"id": "DET-01"}]));
        assert_eq!((&v1["rules"], &v1["alarms"], &v1["standards"]), (&json!([]), &json!([]), &json!([])));
        assert_eq!(v1["remediations"], json!([{"rule": "r", "executions": {}}]));
        assert_eq!(v1["findings"]["total"], 0);
        assert_eq!(v1["findings"]["by_severity"]["CRITICAL"], 0);
        assert_eq!(v1["findings"]["by_workflow"]["SUPPRESSED"], 0);
    }

    #[test]
    fn what_was_not_read_is_null_and_listed() {
        let mut posture = Posture::new(Catalog::default_catalog());
        let now: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        let error = SourceError::Unauthorized { action: "config:DescribeRemediationConfigurations".into() };
        let unread = vec![Unread { part: Part::RemediationConfigs, error }];
        posture.apply(SourceEvent {
            source: SourceKind::Config,
            fetched_at: now,
            result: Ok(Payload::Merge(Dataset { unread, ..Default::default() })),
        });
        let j = json(&posture, &Subject::default(), now);
        assert!(j["remediations"].is_null() && j["alarms"].is_null() && j["findings"].is_null(), "{j:#}");
        let config = &j["sources"][0];
        assert_eq!(config["unread"][0]["call"], "config:DescribeRemediationConfigurations");
        let md = markdown(&posture, &Subject::default(), now);
        assert!(
            md.contains(
                "- remediation configurations (config:DescribeRemediationConfigurations): not authorized to call \
                 config:DescribeRemediationConfigurations"
            ),
            "{md}"
        );
        assert!(md.contains("## Findings\n\nnot read."), "{md}");
    }

    #[test]
    fn the_places_a_source_could_not_read_are_listed_once_per_account_and_error() {
        let mut posture = Posture::new(Catalog::default_catalog());
        let now: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        let denied = SourceError::Unauthorized { action: "sts:AssumeRole on arn:aws:iam::2:role/R".into() };
        let place = |account: &str, region: &str, error: Option<&SourceError>| crate::model::PlaceRead {
            account: account.into(),
            region: region.into(),
            error: error.cloned(),
        };
        let places = vec![
            place("1", "us-east-1", None),
            place("2", "eu-west-1", Some(&denied)),
            place("2", "us-east-1", Some(&denied)),
        ];
        posture.apply(SourceEvent {
            source: SourceKind::CloudWatch,
            fetched_at: now,
            result: Ok(Payload::Replace(Dataset { places, ..Default::default() })),
        });
        let j = json(&posture, &Subject::default(), now);
        let cloudwatch = j["sources"].as_array().unwrap().iter().find(|s| s["name"] == "cloudwatch").unwrap();
        assert_eq!(
            cloudwatch["places"][0],
            json!({"account": "1", "region": "us-east-1", "health": "ok", "last_ok": "2026-11-26T12:00:00Z", "error": null})
        );
        assert_eq!(cloudwatch["places"][1]["health"], "unauthorized");
        let md = markdown(&posture, &Subject::default(), now);
        assert!(
            md.contains("- cloudwatch: 2 in eu-west-1, us-east-1: not authorized to call sts:AssumeRole on arn:aws:iam::2:role/R\n"),
            "{md}"
        );
        assert!(!md.contains("- cloudwatch: 1 "), "a place read is not listed: {md}");
    }
}
