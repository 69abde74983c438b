//! The AWS sources over real HTTP: `vigil report --endpoint-url` against a local fake that speaks
//! each service's wire protocol (tests/fake_aws), holds an account shaped like a real one, checks
//! every request against AWS's own service models, and injects faults. The report must equal
//! the fake's ground truth, and nothing may crash.
#![cfg(feature = "aws")]

#[path = "wire/automation.rs"]
mod automation;
mod fake_aws;
/// The fake's own drill-down and corrective operations, with the SDK's clients.
#[path = "fake_aws/tests.rs"]
mod fake_operations;
#[path = "wire/notify.rs"]
mod notify;
#[path = "wire/organization.rs"]
mod organization;
#[path = "wire/progress.rs"]
mod progress;
#[path = "wire/record_replay.rs"]
mod record_replay;
#[path = "wire/resource_compliance.rs"]
mod resource_compliance;
#[path = "wire/securityhub_v2.rs"]
mod securityhub_v2;
#[path = "wire/snapshot.rs"]
mod snapshot;
mod vigil_report;
#[path = "wire/watching.rs"]
mod watching;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::time::Duration;

use fake_aws::world::{self, World};
use fake_aws::{ACCOUNT, FakeAws, Faults, REGION};
use serde_json::{Value, json};

/// Short time-outs and no client-side rate limit: the fake does not throttle unless told to.
const CONFIG: &str = r#"
[aws]
connect_timeout = 1
attempt_timeout = 2
operation_timeout = 20
initial_backoff = 0.01
max_backoff = 0.05
report_max_attempts = 8
rate_limits = { get_findings = 0, securityhub = 0, config = 0, cloudwatch = 0 }
"#;

fn report(fake: &FakeAws, name: &str) -> (Output, Value) {
    let out = vigil_report::run(&fake.url, REGION, &format!("wire-{name}"), CONFIG);
    fake.assert_checked();
    let checks = fake.checks();
    let total: u64 = checks.requests.values().sum();
    println!("{name}: {total} requests over {} operations checked against AWS's models", checks.requests.len());
    out
}

/// An audit log in a folder of its own (emptied first), for a test that writes.
fn audit_log(name: &str) -> (std::path::PathBuf, std::sync::Arc<vigil::audit::AuditLog>) {
    let dir = std::env::temp_dir().join(format!("vigil-wire-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let audit = std::sync::Arc::new(vigil::audit::AuditLog::open(&dir.join("audit.jsonl")).unwrap());
    (dir, audit)
}

fn source<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["sources"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()
}

/// Every rule of the account, as the report must give it.
fn assert_rules_match(w: &World, report: &Value) {
    fn place(r: &Value) -> (&str, &str, &str) {
        (r["name"].as_str().unwrap(), r["account"].as_str().unwrap(), r["region"].as_str().unwrap())
    }
    let rules: BTreeMap<(&str, &str, &str), &Value> =
        report["rules"].as_array().unwrap().iter().map(|r| (place(r), r)).collect();
    let truth = w.config_truth();
    assert_eq!(rules.len(), truth.len(), "every rule in every account and region read");
    for (account, region, r, readable) in &truth {
        let got = rules[&(r.name.as_str(), *account, *region)];
        let at = format!("{} in {account} {region}", r.name);
        // Only the caller's own account's rules are described; an aggregator gives names.
        let home = (*account, *region) == (ACCOUNT, REGION);
        assert_eq!(got["compliance"], r.compliance(), "{at}");
        assert_eq!(got["source"], if home { json!(r.source) } else { Value::Null }, "{at}");
        if !r.noncompliant.is_empty() {
            let (count, exceeded) = r.capped();
            if *readable {
                assert_eq!(got["noncompliant"], r.noncompliant.len(), "{at}: the exact count from every page");
            } else {
                assert!(got["noncompliant"].is_null(), "{at}: details that cannot be asked for are unknown");
            }
            assert_eq!(got["capped"], exceeded, "{at}");
            assert_eq!(got["capped_count"], count, "{at}");
        }
        let failing = home && r.failing_evaluations();
        assert_eq!(got["evaluation_error"].is_string(), failing, "{at}: {got}");
    }
}

fn assert_findings_match(w: &World, report: &Value) {
    let c = w.finding_counts();
    let f = &report["findings"];
    assert_eq!(f["total"], c.total, "ACTIVE findings vigil can use");
    for (s, n) in &c.by_severity {
        assert_eq!(f["by_severity"][s], *n, "open {s}");
    }
    for (wf, n) in &c.by_workflow {
        assert_eq!(f["by_workflow"][wf], *n, "{wf}");
    }
    assert_eq!(source(report, "securityhub")["skipped"], c.skipped, "findings without severity or resources");
}

fn assert_alarms_match(w: &World, report: &Value) {
    let alarms = report["alarms"].as_array().unwrap();
    assert_eq!(alarms.len(), w.alarms.len(), "metric alarms over several pages, and the composite alarms");
    for a in &w.alarms {
        assert!(alarms.iter().any(|x| x["name"] == a.name.as_str() && x["state"] == a.state), "{}", a.name);
        // The fake's metric alarms fire at 1.0 (its `Threshold`); composite alarms have none.
        let threshold = alarms.iter().find(|x| x["name"] == a.name.as_str()).map(|x| x["threshold"].clone());
        let expected = if a.composite { Value::Null } else { serde_json::json!(1.0) };
        assert_eq!(threshold, Some(expected), "{}", a.name);
    }
}

fn assert_remediations_match(w: &World, report: &Value) {
    let remediations = report["remediations"].as_array().unwrap();
    assert_eq!(remediations.len(), w.remediations.len());
    for r in &w.remediations {
        let got = remediations.iter().find(|x| x["rule"] == r.rule.as_str()).unwrap();
        assert_eq!(got["target"], r.target.as_str());
        assert_eq!(got["automatic"], r.automatic);
        let mut states: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, s) in &r.executions {
            *states.entry(s).or_default() += 1;
        }
        for (s, n) in states {
            assert_eq!(got["executions"][s], n, "{} {s}", r.rule);
        }
    }
}

/// Each control's failing count, from the world and the catalog's bindings: distinct resources
/// across Config and Security Hub, a lower bound where only a capped count can be known.
fn assert_controls_match(w: &World, report: &Value) {
    let catalog = vigil::catalog::Catalog::default_catalog();
    let controls = report["controls"].as_array().unwrap();
    for c in &catalog.controls {
        let got = controls.iter().find(|x| x["id"] == c.id.as_ref() as &str).unwrap();
        let rules: Vec<&str> = c.evidence.config_rules.iter().map(String::as_str).collect();
        let hub: Vec<&str> = c.evidence.security_hub_controls.iter().map(String::as_str).collect();
        let (count, fails, at_least) = match c.kind {
            vigil::model::ControlKind::Corrective => {
                let bound: Vec<&world::Rule> = w.rules.iter().filter(|r| rules.contains(&r.source.as_str())).collect();
                let unremediated = |r: &world::Rule| !w.remediations.iter().any(|x| x.rule == r.name);
                let mut failed: BTreeSet<String> = bound
                    .iter()
                    .filter_map(|r| w.remediations.iter().find(|x| x.rule == r.name).map(|x| (r, x)))
                    .flat_map(|(r, x)| {
                        x.executions
                            .iter()
                            .filter(|(_, s)| *s == "FAILED")
                            .map(|(id, _)| world::canonical(r.resource_type, id))
                    })
                    .collect();
                // What a rule without remediation finds NON_COMPLIANT fails too (nothing fixes
                // it): known where its details can be read, else a lower bound. The rule itself
                // is a reason, never a resource.
                let (mut lower, mut unread) = (0, false);
                for r in bound.iter().filter(|r| !r.noncompliant.is_empty()) {
                    if !w.details_readable(r) {
                        unread = true;
                        if unremediated(r) {
                            lower = lower.max(r.capped().0.max(1));
                        }
                    } else if unremediated(r) {
                        failed.extend(r.noncompliant.iter().map(|id| world::canonical(r.resource_type, id)));
                    }
                }
                let reason = bound.iter().any(|r| unremediated(r));
                // Remediation is read in the caller's own account only: other accounts' rules
                // leave a corrective control's count a lower bound.
                let elsewhere = w.config_truth().iter().any(|(account, region, r, _)| {
                    (*account, *region) != (ACCOUNT, REGION) && rules.contains(&r.source.as_str())
                });
                let n = failed.len();
                let fails = n > 0 || lower > 0 || reason;
                (n.max(lower), fails, fails && (elsewhere || unread || lower > n))
            }
            _ => {
                let (known, bound) = w.failing(&rules, &hub);
                let missing_alarms =
                    c.evidence.alarms.iter().filter(|a| !w.alarms.iter().any(|x| &x.name == *a)).count();
                let n = known.len() + missing_alarms;
                // Rules whose details cannot be read make the count a lower bound.
                (n.max(bound), n.max(bound) > 0, bound > 0)
            }
        };
        if fails {
            assert_eq!(got["status"], "fail", "{}: {got}", c.id);
        } else {
            assert_ne!(got["status"], "fail", "{}: {got}", c.id);
        }
        if got["status"] == "unknown" {
            // Nothing counted: null, never 0.
            assert!(got["failing"].is_null() && count == 0, "{}: {got}", c.id);
        } else {
            assert_eq!(got["failing"], count, "{}: distinct failing resources", c.id);
        }
        assert_eq!(got["failing_at_least"], at_least, "{}", c.id);
    }
}

fn assert_all_match(w: &World, report: &Value) {
    assert_rules_match(w, report);
    assert_findings_match(w, report);
    assert_alarms_match(w, report);
    assert_remediations_match(w, report);
    assert_controls_match(w, report);
}

#[test]
fn a_real_accounts_report_equals_the_truth_through_throttling_errors_hangs_and_garbage() {
    let faults = Faults {
        throttle_per_ten: 3,
        error_500_once: ["DescribeComplianceByConfigRule", "GetFindings"].into(),
        hang_once: [("GetEnabledStandards", Duration::from_secs(3)), ("DescribeAlarms", Duration::from_secs(3))].into(),
        malformed_once: ["SelectResourceConfig", "GetMetricData"].into(),
        ..Faults::default()
    };
    let fake = FakeAws::start(World::account(10_000), faults);
    let (out, report) = report(&fake, "real-account");
    assert_eq!(out.status.code(), Some(0), "sources: {:#}", report["sources"]);
    // Nothing failed for good, and stderr is no terminal: no progress line either.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "a clean stderr");
    for name in ["config", "securityhub", "cloudwatch"] {
        assert_eq!(source(&report, name)["health"], "ok", "{name}: {}", source(&report, name));
    }
    assert_eq!(report["subject"]["account"], ACCOUNT, "from STS");
    let w = fake.world();
    assert!(w.rules.len() >= 300, "a real account's rule count: {}", w.rules.len());
    assert_all_match(&w, &report);
    let standards: Vec<&str> =
        report["standards"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(standards, ["FSBP", "CIS 3.0.0", "AI Security"]);
    let calls = fake.calls();
    // Several pages of every paginated call.
    assert!(calls["DescribeConfigRules"] >= 13, "25 rules a page: {calls:?}");
    assert!(calls["GetFindings"] >= 90, "10,000 findings are 100 pages at least: {calls:?}");
    // Every rule's NON_COMPLIANT resources in one query, 100 rows a page: fewer calls than rule by
    // rule (the 230 notebooks alone are three pages of 100), and none needed rule by rule.
    let rows = w.resource_compliance(ACCOUNT, REGION).iter().filter(|i| i.compliance() == "NON_COMPLIANT").count();
    assert!(
        calls["SelectResourceConfig"] > rows as u64 / 100,
        "{rows} rows, the garbage body and the retry: {calls:?}"
    );
    assert!(!calls.contains_key("GetComplianceDetailsByConfigRule"), "{calls:?}");
    assert!(calls["DescribeRemediationExecutionStatus"] >= 2, "150 executions are two pages: {calls:?}");
    assert!(calls["DescribeAlarms"] >= 3, "250 alarms are three pages: {calls:?}");
    assert!(calls["GetEnabledStandards"] >= 3, "two pages and the hang: {calls:?}");
    assert!(calls["GetMetricData"] >= 2, "the garbage body and the retry: {calls:?}");
    assert!(fake.checks().refused.is_empty(), "every request within AWS's model: {:?}", fake.checks().refused);
}

#[test]
fn one_service_down_leaves_the_others_whole() {
    let faults = Faults { down: ["cloudwatch"].into(), ..Faults::default() };
    let fake = FakeAws::start(World::account(400), faults);
    let (out, report) = report(&fake, "down");
    assert_eq!(out.status.code(), Some(3), "a source failed: {}", String::from_utf8_lossy(&out.stderr));
    let cw = source(&report, "cloudwatch");
    assert_eq!(cw["health"], "failed");
    assert!(cw["error"].as_str().unwrap().contains("ServiceUnavailable"), "{cw}");
    // Said once on stderr, the one source that failed.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("vigil: cloudwatch failed: {}\n", cw["error"].as_str().unwrap())
    );
    assert_eq!(source(&report, "config")["health"], "ok");
    assert_eq!(source(&report, "securityhub")["health"], "ok");
    let w = fake.world();
    assert_rules_match(&w, &report);
    assert_findings_match(&w, &report);
    assert_remediations_match(&w, &report);
}

#[test]
fn without_sts_the_account_is_unknown_and_nothing_else_fails() {
    let faults = Faults { down: ["sts"].into(), ..Faults::default() };
    let fake = FakeAws::start(World::account(300), faults);
    let (out, report) = report(&fake, "no-sts");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(report["subject"]["account"].is_null());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.starts_with("vigil: the account is unknown: sts:GetCallerIdentity: "), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert_all_match(&fake.world(), &report);
}

/// An SDK client configuration for the fake.
fn sdk(url: &str) -> aws_config::SdkConfig {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(url)
            .credentials_provider(aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"))
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .load(),
    )
}

/// The error code and message of a failed SDK call.
fn code_and_message(err: impl aws_smithy_types::error::metadata::ProvideErrorMetadata) -> (String, String) {
    (err.code().unwrap_or_default().to_string(), err.message().unwrap_or_default().to_string())
}

/// One raw awsJson1_1 request to Config, as a hand-written client would send it.
fn raw_config(url: &str, operation: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nhost: {addr}\r\nx-amz-target: StarlingDoveService.{operation}\r\n\
         content-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = stream.read_to_string(&mut response);
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response.split("\r\n\r\n").nth(1).unwrap_or_default().to_string())
}

/// The check can fail: requests that break AWS's models are refused the way AWS refuses them,
/// naming the member and the limit; the same requests within the limits go through.
#[test]
fn a_request_outside_the_model_is_refused_as_aws_refuses_it() {
    let fake = FakeAws::start(World::account(0), Faults::default());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let sdk = sdk(&fake.url);
    let config = aws_sdk_config::Client::new(&sdk);
    let names: Vec<String> = fake.world().rules.iter().take(26).map(|r| r.name.clone()).collect();

    // 26 rule names: one more than ConfigRuleNames takes.
    let err = rt
        .block_on(config.describe_config_rule_evaluation_status().set_config_rule_names(Some(names.clone())).send())
        .unwrap_err();
    let (code, message) = code_and_message(err);
    assert_eq!(code, "ValidationException");
    assert!(
        message.contains("at 'configRuleNames'")
            && message.contains("Member must have length less than or equal to 25"),
        "{message}"
    );
    let ok = rt.block_on(
        config.describe_config_rule_evaluation_status().set_config_rule_names(Some(names[..25].to_vec())).send(),
    );
    assert!(ok.is_ok(), "25 names go through: {ok:?}");

    // A page size over the model's range: ValidationException where the operation does not
    // declare InvalidLimitException, InvalidLimitException where it does.
    let err = rt
        .block_on(config.get_compliance_details_by_config_rule().config_rule_name(&names[0]).limit(101).send())
        .unwrap_err();
    let (code, message) = code_and_message(err);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("at 'limit'") && message.contains("less than or equal to 100"), "{message}");
    let err = rt.block_on(config.get_discovered_resource_counts().limit(101).send()).unwrap_err();
    assert_eq!(code_and_message(err).0, "InvalidLimitException");

    // A rule name longer than GetComplianceDetailsByConfigRule takes (64 characters).
    let long = fake.world().rules.iter().find(|r| !r.details_readable()).unwrap().name.clone();
    let err = rt.block_on(config.get_compliance_details_by_config_rule().config_rule_name(&long).send()).unwrap_err();
    let (code, message) = code_and_message(err);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("less than or equal to 64"), "{message}");

    // A required member missing, and an enum value the model does not know.
    let (status, body) = raw_config(&fake.url, "GetComplianceDetailsByConfigRule", "{}");
    assert_eq!(status, 400);
    assert!(
        body.contains("ValidationException")
            && body.contains("at 'configRuleName'")
            && body.contains("must not be null"),
        "{body}"
    );
    let (status, body) = raw_config(
        &fake.url,
        "GetComplianceDetailsByConfigRule",
        &format!(r#"{{"ConfigRuleName": "{}", "ComplianceTypes": ["BROKEN"]}}"#, names[0]),
    );
    assert_eq!(status, 400);
    assert!(body.contains("enum value set"), "{body}");

    // Security Hub and CloudWatch hold to their models too.
    let hub = aws_sdk_securityhub::Client::new(&sdk);
    let (code, message) = code_and_message(rt.block_on(hub.get_findings().max_results(101).send()).unwrap_err());
    assert_eq!(code, "InvalidInputException");
    assert!(message.contains("at 'maxResults'"), "{message}");
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    let (code, message) = code_and_message(rt.block_on(cw.describe_alarms().max_records(101).send()).unwrap_err());
    assert_eq!(code, "ValidationError");
    assert!(message.contains("at 'maxRecords'"), "{message}");

    let checks = fake.checks();
    assert_eq!(checks.refused.len(), 8, "{:#?}", checks.refused);
    fake.assert_checked();
}

/// A control's status, count and whether the count is a lower bound, by id.
fn statuses(report: &Value) -> BTreeMap<String, (String, u64, bool)> {
    report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap().to_string();
            let status = c["status"].as_str().unwrap().to_string();
            // Unknown is null: nothing counted.
            (id, (status, c["failing"].as_u64().unwrap_or(0), c["failing_at_least"] == true))
        })
        .collect()
}

fn shown(s: &(String, u64, bool)) -> String {
    if s.0 == "fail" { format!("fail {}{}", s.1, if s.2 { "+" } else { "" }) } else { s.0.clone() }
}

/// What the report must say is not read when `operation` fails: the top-level part that is
/// `null`, and the source whose error names the call (none for calls no control rests on).
fn unread_part(operation: &str) -> (Option<&'static str>, Option<&'static str>) {
    match operation {
        "DescribeConfigRules" => (Some("rules"), Some("config")),
        "DescribeComplianceByConfigRule"
        | "GetComplianceDetailsByConfigRule"
        | "DescribeConfigRuleEvaluationStatus" => (None, Some("config")),
        // Refused, the query's rules are read one by one instead: nothing is missing.
        "SelectResourceConfig" => (None, None),
        "DescribeRemediationConfigurations" => (Some("remediations"), Some("config")),
        "DescribeRemediationExecutionStatus" => (None, Some("config")),
        "GetEnabledStandards" => (Some("standards"), None),
        "GetFindings" => (Some("findings"), Some("securityhub")),
        "DescribeAlarms" => (Some("alarms"), Some("cloudwatch")),
        "GetMetricData" => (None, Some("cloudwatch")),
        _ => (None, None),
    }
}

/// Each call of each poller fails in turn, outright and half-way: no control turns FAIL, and no
/// count changes, because of data that was not read. A part not read is `null` in the report
/// and the source's error names the call. Prints the table of statuses before and after.
#[test]
fn each_call_failing_in_turn_never_fails_a_control_nor_changes_a_count() {
    let world = || World::account(600);
    let baseline_fake = FakeAws::start(world(), Faults::default());
    let (out, baseline) = report(&baseline_fake, "unread-baseline");
    assert_eq!(out.status.code(), Some(0), "{:#}", baseline["sources"]);
    let before = statuses(&baseline);
    let calls = baseline_fake.calls();
    // The faults name operations for the whole run.
    let operations: Vec<&'static str> = calls.keys().map(|op| &*Box::leak(op.clone().into_boxed_str())).collect();
    // The organisation's discovery (ListMembers, ListFindingAggregators,
    // DescribeConfigurationAggregators) and whether the new Security Hub is on
    // (DescribeSecurityHubV2) and the automation rules (ListAutomationRules: the account has
    // none, so no BatchGetAutomationRules) included: none may fail a control or change a count.
    assert_eq!(operations.len(), 16, "every call vigil makes: {operations:?}");
    let cases: Vec<(&'static str, u64)> = operations
        .iter()
        .flat_map(|op| {
            let half = calls[*op] / 2;
            let mut v = vec![(*op, 0)];
            if half > 0 {
                v.push((*op, half));
            }
            v
        })
        .collect();
    // (operation, calls before the denial) and (exit code, report).
    type Run = ((&'static str, u64), (Option<i32>, Value));
    // A few at a time: two cores running two dozen fakes and reports at once time out calls
    // that nothing denied (the 2 s attempt time-out), which is not what this test is about.
    let results: Vec<Run> = cases
        .chunks(4)
        .flat_map(|chunk| {
            std::thread::scope(|s| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|&(op, after)| {
                        s.spawn(move || {
                            let faults = Faults { deny_after: [(op, after)].into(), ..Faults::default() };
                            let fake = FakeAws::start(world(), faults);
                            let (out, report) = report(&fake, &format!("unread-{op}-{after}"));
                            ((op, after), (out.status.code(), report))
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect::<Vec<Run>>()
            })
        })
        .collect();
    let mut table = String::from(
        "| call denied | after | exit | not read | controls that changed (before → after) |\n|---|---|---|---|---|\n",
    );
    for ((op, after), (code, report)) in &results {
        let now = statuses(report);
        let mut changed = Vec::new();
        for (id, b) in &before {
            let a = &now[id];
            if a != b {
                changed.push(format!("{id} {} → {}", shown(b), shown(a)));
            }
            // Never FAIL because of what was not read, and never a count that is not the
            // truth: an exact count stays exact, a lower bound stays at or under the truth.
            if a.0 == "fail" {
                assert_eq!(b.0, "fail", "{op} denied after {after}: {id} turned FAIL: {}", shown(a));
                assert!(a.1 <= b.1, "{op}: {id} counts more than the truth: {} vs {}", shown(a), shown(b));
                assert!(a.1 == b.1 || a.2, "{op}: {id} shows a wrong exact count: {} vs {}", shown(a), shown(b));
            }
        }
        let (part, source) = unread_part(op);
        if let Some(part) = part {
            assert!(report[part].is_null(), "{op} denied: `{part}` is null, not empty: {}", report[part]);
        }
        if *op == "SelectResourceConfig" {
            assert_eq!(*code, Some(0), "{op} denied: every rule read one by one instead");
        }
        if let Some(name) = source {
            assert_eq!(*code, Some(3), "{op} denied: a source failed");
            let s = report["sources"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
            let call = format!(":{op}");
            assert!(s["error"].as_str().unwrap_or_default().contains(&call), "{op}: the error names the call: {s}");
        }
        let not_read: Vec<String> = report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["unread"].as_array().cloned().unwrap_or_default())
            .filter_map(|u| u["part"].as_str().map(str::to_string))
            .collect();
        table.push_str(&format!(
            "| {op} | {after} | {} | {} | {} |\n",
            code.map_or("-".into(), |c| c.to_string()),
            not_read.join(", "),
            if changed.is_empty() { "none".to_string() } else { changed.join("; ") }
        ));
    }
    println!("{table}");
}

/// The drill-down and the corrective actions over real HTTP: a resource's story as AWS holds
/// it, then with `--write` a remediation started and followed to SUCCEEDED, the rule COMPLIANT
/// for that resource on the next poll, a finding set to NOTIFIED and seen after the next poll,
/// both calls in the audit log.
#[test]
fn drill_down_and_corrective_actions_against_the_fake() {
    use vigil::model::{
        Answer, ConfigCompliance, Interner, Request, ResourceId, Section, SectionData, Subject, Timeline,
        WorkflowStatus, Write, WriteState,
    };
    use vigil::sources::aws::drill::AwsResponder;
    use vigil::sources::aws::poller::poll_once;
    use vigil::sources::aws::{AccountResolver, Mode, Pollers, Scope};
    use vigil::sources::{Message, Responder, Sink, system_clock};

    const RULE: &str = "securityhub-s3-bucket-level-public-access-prohibited-ab9bc334";
    let fake = FakeAws::start(World::account(300), Faults::default());
    let sdk = sdk(&fake.url);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let settings: vigil::config::Config = vigil::config::Config::parse(CONFIG, "wire").unwrap();
    let aws = settings.aws.clone();
    let resolver = AccountResolver::new(sdk.clone(), aws.clone(), Mode::Report, system_clock());
    let scope = Scope { account: ACCOUNT.into(), region: REGION.into() };
    let catalog = vigil::catalog::Catalog::default_catalog();
    let Pollers { mut config, mut securityhub, .. } =
        Pollers::new(&sdk, &aws, scope.clone(), resolver.clone(), &catalog, Mode::Report);
    let mut posture = vigil::store::Posture::new(catalog);
    // A poll of Config (some 230 requests here) or of Security Hub.
    let mut poll = |posture: &mut vigil::store::Posture, of_config: bool| {
        let (config, securityhub) = (&mut config, &mut securityhub);
        let events = rt.block_on(vigil::sources::collect(system_clock(), |sink| async move {
            if of_config {
                poll_once(config, &sink).await;
            } else {
                poll_once(securityhub, &sink).await;
            }
        }));
        for e in events {
            posture.apply(e);
        }
    };
    poll(&mut posture, false);
    let bucket = ResourceId::from_config(&mut Interner::new(), world::BUCKET, world::SCRATCH_BUCKET, ACCOUNT, REGION);
    assert!(
        fake.world()
            .evaluation(fake.world().rule(RULE).unwrap(), world::SCRATCH_BUCKET)
            .is_some_and(|e| e.compliance == "NON_COMPLIANT")
    );

    let (dir, audit) = audit_log("drill");
    let responder = AwsResponder::new(
        &sdk,
        scope,
        resolver,
        vigil::sources::aws::retry(&aws, Mode::Watch),
        None,
        0.0,
        Some(audit),
        Duration::from_millis(20),
    );
    let ask = |posture: &mut vigil::store::Posture, request: Request| {
        if let Request::Lookup { subject, sections, .. } = &request {
            posture.begin_lookup(subject, sections, jiff::Timestamp::now());
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        rt.block_on(responder.respond(request, Sink::new(tx, system_clock())));
        let mut answers = Vec::new();
        while let Ok(Message::Answer(a)) = rx.try_recv() {
            posture.answer(a.clone());
            answers.push(a);
        }
        answers
    };

    // The bucket's story: every rule's evaluation (several pages), ten items of its timeline
    // (pages of seven days), its findings, its failed remediation.
    // The rules with a remediation, as the Config poller would have told the store.
    let remediation_rules = fake.world().remediations.iter().map(|r| r.rule.as_str().into()).collect();
    let lookup = Request::Lookup {
        subject: Subject::Resource(bucket.clone()),
        sections: Section::RESOURCE.to_vec(),
        remediation_rules,
    };
    ask(&mut posture, lookup.clone());
    let subject = Subject::Resource(bucket.clone());
    let data =
        |posture: &vigil::store::Posture, s: Section| posture.lookup(&subject, s).and_then(|x| x.data()).cloned();
    let w = fake.world();
    match data(&posture, Section::Evaluations) {
        Some(SectionData::Evaluations(l)) => {
            assert_eq!(l.len(), w.evaluations_of(world::BUCKET, world::SCRATCH_BUCKET).len())
        }
        other => panic!("{other:?}"),
    }
    match data(&posture, Section::Timeline) {
        Some(SectionData::Timeline(Timeline::Items(items))) => {
            assert_eq!(
                items.len(),
                10,
                "the last ten of {}",
                w.histories_of(world::BUCKET, world::SCRATCH_BUCKET).len()
            );
            assert!(items.iter().take(9).all(|i| !i.changed.is_empty()), "each item says what changed: {items:?}");
        }
        other => panic!("{other:?}"),
    }
    match data(&posture, Section::Findings) {
        Some(SectionData::Findings(l)) => {
            assert_eq!(l.len(), w.findings_on(world::BUCKET, world::SCRATCH_BUCKET).len())
        }
        other => panic!("{other:?}"),
    }
    match data(&posture, Section::Remediation) {
        Some(SectionData::Remediation(l)) => assert!(!l.is_empty(), "the bucket's earlier executions"),
        other => panic!("{other:?}"),
    }
    drop(w);

    // Start the remediation: QUEUED, IN_PROGRESS, SUCCEEDED; COMPLIANT on the next poll.
    let write = Write::StartRemediation {
        rule: RULE.into(),
        resource: bucket.clone(),
        document: "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock".into(),
    };
    let states: Vec<String> = ask(&mut posture, Request::Write(write))
        .into_iter()
        .filter_map(|a| if let Answer::Write { state, .. } = a { Some(state.to_string()) } else { None })
        .collect();
    assert_eq!(states, ["sent", "QUEUED", "IN_PROGRESS", "SUCCEEDED"]);
    poll(&mut posture, true);
    let key = vigil::model::RuleKey::new(&RULE.into(), &bucket.account, &bucket.region);
    assert!(posture.evaluation(&key, &bucket).is_none(), "no longer NON_COMPLIANT");
    assert_eq!(posture.rule(&key).unwrap().compliance, Some(ConfigCompliance::Compliant));
    ask(&mut posture, lookup);
    match data(&posture, Section::Evaluations) {
        Some(SectionData::Evaluations(l)) => {
            assert_eq!(l.iter().find(|e| &*e.rule == RULE).unwrap().compliance, ConfigCompliance::Compliant)
        }
        other => panic!("{other:?}"),
    }

    // Set a finding on it to NOTIFIED: seen after the next poll, and by a poller that starts afresh.
    let id =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/S3.2/finding/00000002-0000-4000-8000-000000000002";
    ask(&mut posture, vigil::app::finding_lookup(&id.into()));
    let Some(SectionData::Detail(detail)) =
        posture.lookup(&Subject::Finding(id.into()), Section::Detail).and_then(|s| s.data()).cloned()
    else {
        panic!("the finding was not read")
    };
    let write = Write::SetWorkflow {
        finding: id.into(),
        product_arn: detail.product_arn.clone(),
        account: detail.finding.account.clone(),
        region: detail.finding.region.clone(),
        product: detail.finding.product.clone(),
        status: WorkflowStatus::Notified,
        note: "tracked in SEC-42".into(),
        new_hub_only: false,
    };
    let answers = ask(&mut posture, Request::Write(write));
    assert!(
        answers.iter().any(|a| matches!(a, Answer::Write { state: WriteState::Accepted { .. }, .. })),
        "{answers:?}"
    );
    poll(&mut posture, false);
    assert_eq!(posture.finding(id).unwrap().workflow, WorkflowStatus::Notified);
    assert!(fake.world().findings().any(|f| f.id() == id && f.workflow == "NOTIFIED"));
    let (_, fresh) = report(&fake, "after-writes");
    assert_eq!(fresh["findings"]["by_workflow"]["NOTIFIED"], fake.world().finding_counts().by_workflow["NOTIFIED"]);
    // The finding view is read again when its write ends (the app asks): the change is in its history.
    ask(&mut posture, vigil::app::finding_lookup(&id.into()));
    match posture.lookup(&Subject::Finding(id.into()), Section::History).and_then(|s| s.data()) {
        Some(SectionData::History(records)) => {
            assert!(
                records
                    .iter()
                    .any(|r| r.changes.iter().any(|(f, _, new)| &**f == "Workflow.Status" && &**new == "NOTIFIED"))
            )
        }
        other => panic!("{other:?}"),
    }

    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let lines: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ops: Vec<(&str, &str)> =
        lines.iter().map(|l| (l["operation"].as_str().unwrap(), l["outcome"].as_str().unwrap())).collect();
    assert_eq!(
        ops,
        [
            ("config:StartRemediationExecution", "accepted"),
            ("config:StartRemediationExecution", "SUCCEEDED"),
            ("securityhub:BatchUpdateFindings", "accepted"),
        ]
    );
    assert!(lines.iter().all(|l| l["account"] == ACCOUNT && l["region"] == REGION));
    assert!(!log.contains("secret") && !log.contains("AKIDEXAMPLE"), "never credentials");
    fake.assert_checked();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The new Security Hub's drill-down against `fake`, with `[securityhub] api = "<api>"`: its
/// Security Hub poller, its responder (writing to `audit`), and the store both feed.
struct HubRig {
    rt: tokio::runtime::Runtime,
    sdk: aws_config::SdkConfig,
    securityhub: vigil::sources::aws::securityhub::SecurityHubPoller,
    responder: vigil::sources::aws::drill::AwsResponder,
    posture: vigil::store::Posture,
}

impl HubRig {
    fn new(fake: &FakeAws, api: &str, audit: Option<std::sync::Arc<vigil::audit::AuditLog>>) -> HubRig {
        use vigil::sources::aws::{AccountResolver, Mode, Pollers, Scope};
        let sdk = sdk(&fake.url);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let config = format!("{CONFIG}\n[securityhub]\napi = \"{api}\"\n");
        let aws = vigil::config::Config::parse(&config, "wire").unwrap().aws;
        assert_eq!(format!("{:?}", aws.securityhub_api).to_lowercase(), api);
        let clock = vigil::sources::system_clock();
        let resolver = AccountResolver::new(sdk.clone(), aws.clone(), Mode::Report, clock);
        let scope = Scope { account: ACCOUNT.into(), region: REGION.into() };
        let catalog = vigil::catalog::Catalog::default_catalog();
        let Pollers { securityhub, .. } =
            Pollers::new(&sdk, &aws, scope.clone(), resolver.clone(), &catalog, Mode::Report);
        let responder = vigil::sources::aws::drill::AwsResponder::new(
            &sdk,
            scope,
            resolver,
            vigil::sources::aws::retry(&aws, Mode::Watch),
            None,
            0.0,
            audit,
            Duration::from_millis(20),
        )
        .with_hub_api(aws.securityhub_api);
        HubRig { rt, sdk, securityhub, responder, posture: vigil::store::Posture::new(catalog) }
    }

    /// One poll of Security Hub, into the store.
    fn poll(&mut self) {
        let securityhub = &mut self.securityhub;
        let events = self.rt.block_on(vigil::sources::collect(vigil::sources::system_clock(), |sink| async move {
            vigil::sources::aws::poller::poll_once(securityhub, &sink).await;
        }));
        for e in events {
            self.posture.apply(e);
        }
    }

    /// One request of the drill-down, its answers into the store; the states its writes went
    /// through, as said.
    fn ask(&mut self, request: vigil::model::Request) -> Vec<String> {
        use vigil::model::{Answer, Request};
        use vigil::sources::{Message, Responder, Sink};
        if let Request::Lookup { subject, sections, .. } = &request {
            self.posture.begin_lookup(subject, sections, jiff::Timestamp::now());
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        self.rt.block_on(self.responder.respond(request, Sink::new(tx, vigil::sources::system_clock())));
        let mut states = Vec::new();
        while let Ok(Message::Answer(a)) = rx.try_recv() {
            if let Answer::Write { state, .. } = &a {
                states.push(state.to_string());
            }
            self.posture.answer(a);
        }
        states
    }
}

/// The twin of the workflow change above through the new Security Hub: with `[securityhub] api =
/// "v2"` and the new Security Hub on, a finding set to NOTIFIED through BatchUpdateFindingsV2
/// (named by its account, id and product uid; authorised as, and audited under,
/// BatchUpdateFindings), read back so through GetFindingsV2 (its modified time as it was), by
/// the finding's view too, and held so after the next poll; a finding the new Security Hub does not hold is
/// refused with the fake's message.
#[test]
fn a_workflow_change_through_the_new_api_against_the_fake() {
    use vigil::model::{Request, Section, SectionData, Subject, WorkflowStatus, Write};

    let mut w = World::account(300);
    w.hub_v2 = true;
    let fake = FakeAws::start(w, Faults::default());
    let (dir, audit) = audit_log("v2");
    let mut rig = HubRig::new(&fake, "v2", Some(audit));
    rig.poll();
    let id =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/S3.2/finding/00000002-0000-4000-8000-000000000002";
    assert_eq!(rig.posture.finding(id).unwrap().workflow, WorkflowStatus::New, "read through GetFindingsV2");

    let detail = |posture: &vigil::store::Posture| match posture
        .lookup(&Subject::Finding(id.into()), Section::Detail)
        .and_then(|s| s.data())
    {
        Some(SectionData::Detail(d)) => d.clone(),
        other => panic!("the finding was not read: {other:?}"),
    };
    // The finding as GetFindingsV2 returns it.
    let read_v2 = |rig: &HubRig, uid: &str| -> Vec<Value> {
        let hub = aws_sdk_securityhub::Client::new(&rig.sdk);
        let filters = vigil::sources::aws::securityhub_v2::by_uid(uid);
        let out = rig.rt.block_on(hub.get_findings_v2().filters(filters).send()).unwrap();
        out.findings().iter().map(vigil::sources::aws::ocsf::document_to_json).collect()
    };
    let before = read_v2(&rig, id);
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["status_id"], 1);

    // `w` on the finding's view: the write is made from what the view read.
    rig.ask(vigil::app::finding_lookup(&id.into()));
    let d = detail(&rig.posture);
    let set = |finding: &str, status| Write::SetWorkflow {
        finding: finding.into(),
        product_arn: d.product_arn.clone(),
        account: d.finding.account.clone(),
        region: d.finding.region.clone(),
        product: d.finding.product.clone(),
        status,
        note: "tracked in SEC-42".into(),
        new_hub_only: false,
    };
    let states = rig.ask(Request::Write(set(id, WorkflowStatus::Notified)));
    assert_eq!(states, ["sent", "done: workflow NOTIFIED"]);
    let calls = fake.calls();
    assert_eq!(calls.get("BatchUpdateFindingsV2"), Some(&1));
    assert_eq!(calls.get("BatchUpdateFindings"), None, "not through Security Hub CSPM's API");

    // GetFindingsV2 shows it, its modified time as it was; the finding's view too (read again
    // through GetFindingsV2 when its write ends: the new Security Hub's alone is read); the next
    // poll holds it.
    let after = read_v2(&rig, id);
    assert_eq!((&after[0]["status_id"], &after[0]["status"]), (&json!(2), &json!("In Progress")));
    assert_eq!(after[0]["comment"], "tracked in SEC-42");
    assert_eq!(after[0]["finding_info"]["modified_time_dt"], before[0]["finding_info"]["modified_time_dt"]);
    rig.ask(vigil::app::finding_lookup(&id.into()));
    let d = detail(&rig.posture);
    assert_eq!(d.finding.workflow, WorkflowStatus::Notified);
    assert_eq!(d.note.as_deref(), Some("tracked in SEC-42"));
    rig.poll();
    assert_eq!(rig.posture.finding(id).unwrap().workflow, WorkflowStatus::Notified);

    // A finding the new Security Hub does not hold: refused, in the fake's words.
    let unknown =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/S3.2/finding/ffffffff-0000-4000-8000-00000000ffff";
    let states = rig.ask(Request::Write(set(unknown, WorkflowStatus::Resolved)));
    let refused = "UnprocessedFindings: ResourceNotFoundException: Finding Not Found";
    assert_eq!(states, ["sent".to_string(), format!("failed: {refused}")]);

    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let lines: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ops: Vec<(&str, &str)> =
        lines.iter().map(|l| (l["operation"].as_str().unwrap(), l["outcome"].as_str().unwrap())).collect();
    let refused = format!("refused: {refused}");
    assert_eq!(
        ops,
        [("securityhub:BatchUpdateFindings", "accepted"), ("securityhub:BatchUpdateFindings", refused.as_str())]
    );
    assert_eq!(
        lines[0]["parameters"],
        json!({
            "FindingIdentifiers": [{
                "CloudAccountUid": ACCOUNT,
                "FindingInfoUid": id,
                "MetadataProductUid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub",
            }],
            "StatusId": 2,
            "Comment": "tracked in SEC-42",
        })
    );
    assert!(lines.iter().all(|l| l["account"] == ACCOUNT && l["region"] == REGION));
    assert!(!log.contains("secret") && !log.contains("AKIDEXAMPLE"), "never credentials");
    fake.assert_checked();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The twin of the finding view above for a finding only the new Security Hub has: with
/// `[securityhub] api = "both"`, an exposure finding (no ASFF twin) is on screen after a poll,
/// and opening it asks GetFindings (which does not have it), then GetFindingsV2 by its
/// `finding_info.uid`: the view shows the finding as the poll read it, and its history says the
/// new Security Hub keeps none readable, without asking GetFindingHistory. `w` on it changes it
/// through BatchUpdateFindingsV2, though CSPM's findings are written through BatchUpdateFindings.
#[test]
fn opening_a_finding_only_the_new_security_hub_has_against_the_fake() {
    use vigil::model::{Request, Section, SectionData, Subject, WorkflowStatus, Write};

    let mut w = World::account(300);
    w.hub_v2 = true;
    let exposure = w.add_exposure_finding();
    let fake = FakeAws::start(w, Faults::default());
    let (dir, audit) = audit_log("exposure");
    let mut rig = HubRig::new(&fake, "both", Some(audit));
    rig.poll();
    let shown = rig.posture.finding(&exposure).expect("the exposure finding is on screen").clone();
    let before = fake.calls();
    rig.ask(vigil::app::finding_lookup(&exposure.as_str().into()));
    let after = fake.calls();
    let made = |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert_eq!(
        (made("GetFindings"), made("GetFindingsV2"), made("GetFindingHistory")),
        (1, 1, 0),
        "GetFindings, then GetFindingsV2; no GetFindingHistory"
    );
    let subject = Subject::Finding(exposure.as_str().into());
    let Some(SectionData::Detail(d)) = rig.posture.lookup(&subject, Section::Detail).and_then(|s| s.data()).cloned()
    else {
        panic!("the finding was not read: {:?}", rig.posture.lookup(&subject, Section::Detail))
    };
    assert_eq!(d.finding, shown, "the finding as the poll read it");
    assert_eq!(&*d.product_arn, "arn:aws:securityhub:us-east-1::productv2/aws/securityhub");
    assert_eq!(d.types, [Box::from("Exposure")]);
    assert_eq!(
        rig.posture.lookup(&subject, Section::History).and_then(|s| s.data()),
        Some(&SectionData::HistoryNotKept),
        "no history to read, said as such"
    );
    // `w` on it, under `both`: BatchUpdateFindingsV2 (BatchUpdateFindings does not know it).
    let write = Write::SetWorkflow {
        finding: exposure.as_str().into(),
        product_arn: d.product_arn.clone(),
        account: d.finding.account.clone(),
        region: d.finding.region.clone(),
        product: d.finding.product.clone(),
        status: WorkflowStatus::Suppressed,
        note: "accepted risk".into(),
        new_hub_only: d.finding.class == Some(vigil::model::FindingClass::Exposure),
    };
    assert!(
        matches!(write, Write::SetWorkflow { new_hub_only: true, .. }),
        "an exposure finding is the new hub's alone"
    );
    let states = rig.ask(Request::Write(write));
    assert_eq!(states.last().map(String::as_str), Some("done: workflow SUPPRESSED"), "{states:?}");
    let calls = fake.calls();
    assert_eq!(calls.get("BatchUpdateFindingsV2"), Some(&1), "{calls:?}");
    assert!(!calls.contains_key("BatchUpdateFindings"), "{calls:?}");
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(log.contains("FindingInfoUid") && log.contains(&*exposure), "V2's parameters audited: {log}");
    fake.assert_checked();
    let _ = std::fs::remove_dir_all(&dir);
}

/// vigil's list of the resource types Config records is the model's `ResourceType` enum, sorted
/// (timelines and remediations are asked for only for those).
#[test]
fn the_types_config_records_are_those_of_its_model() {
    let mut model = fake_aws::model::models()["config"].enum_values("ResourceType");
    model.sort();
    let ours: Vec<&str> = vigil::model::config_types::RECORDED.to_vec();
    assert_eq!(ours, model, "regenerate src/model/config_types.rs from botocore's config model");
    assert!(!vigil::model::config_types::recorded("AWS::SageMaker::NotebookInstance"));
    assert!(vigil::model::config_types::recorded("AWS::S3::Bucket"));
}
