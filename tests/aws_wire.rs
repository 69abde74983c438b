//! The AWS sources over real HTTP: `vigil report --endpoint-url` against a local fake that speaks
//! each service's wire protocol (tests/fake_aws), holds an account shaped like a real one, checks
//! every request against AWS's own service models, and injects faults. The report must equal
//! the fake's ground truth, and nothing may crash.
#![cfg(feature = "aws")]

mod fake_aws;
mod vigil_report;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::time::Duration;

use fake_aws::world::{self, World};
use fake_aws::{ACCOUNT, FakeAws, Faults, REGION};
use serde_json::Value;

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

fn source<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["sources"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()
}

/// Every rule of the account, as the report must give it.
fn assert_rules_match(w: &World, report: &Value) {
    let rules: BTreeMap<&str, &Value> =
        report["rules"].as_array().unwrap().iter().map(|r| (r["name"].as_str().unwrap(), r)).collect();
    assert_eq!(rules.len(), w.rules.len(), "every rule in the account");
    for r in &w.rules {
        let got = rules[r.name.as_str()];
        assert_eq!(got["compliance"], r.compliance(), "{}", r.name);
        assert_eq!(got["source"], r.source.as_str(), "{}", r.name);
        if !r.noncompliant.is_empty() {
            let (count, exceeded) = r.capped();
            if r.details_readable() {
                assert_eq!(got["noncompliant"], r.noncompliant.len(), "{}: the exact count from every page", r.name);
            } else {
                assert!(got["noncompliant"].is_null(), "{}: details that cannot be asked for are unknown", r.name);
            }
            assert_eq!(got["capped"], exceeded, "{}", r.name);
            assert_eq!(got["capped_count"], count, "{}", r.name);
        }
        assert_eq!(got["evaluation_error"].is_string(), r.failing_evaluations(), "{}: {got}", r.name);
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
        let (count, at_least) = match c.kind {
            vigil::model::ControlKind::Corrective => {
                let bound: Vec<&world::Rule> = w.rules.iter().filter(|r| rules.contains(&r.source.as_str())).collect();
                let missing = bound.iter().filter(|r| !w.remediations.iter().any(|x| x.rule == r.name)).count();
                let failed: BTreeSet<String> = bound
                    .iter()
                    .filter_map(|r| w.remediations.iter().find(|x| x.rule == r.name).map(|x| (r, x)))
                    .flat_map(|(r, x)| {
                        x.executions
                            .iter()
                            .filter(|(_, s)| *s == "FAILED")
                            .map(|(id, _)| world::canonical(r.resource_type, id))
                    })
                    .collect();
                (missing + failed.len(), false)
            }
            _ => {
                let (known, bound) = w.failing(&rules, &hub);
                let missing_alarms =
                    c.evidence.alarms.iter().filter(|a| !w.alarms.iter().any(|x| &x.name == *a)).count();
                let n = known.len() + missing_alarms;
                // Rules whose details cannot be read make the count a lower bound.
                (n.max(bound), bound > 0)
            }
        };
        if count > 0 {
            assert_eq!(got["status"], "fail", "{}: {got}", c.id);
        } else {
            assert_ne!(got["status"], "fail", "{}: {got}", c.id);
        }
        assert_eq!(got["failing"], count, "{}: distinct failing resources", c.id);
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
        malformed_once: ["GetComplianceDetailsByConfigRule", "GetMetricData"].into(),
        ..Faults::default()
    };
    let fake = FakeAws::start(World::account(10_000), faults);
    let (out, report) = report(&fake, "real-account");
    assert_eq!(out.status.code(), Some(0), "sources: {:#}", report["sources"]);
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
    assert!(calls["GetComplianceDetailsByConfigRule"] >= 3, "230 resources are three pages of 100: {calls:?}");
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
    assert_all_match(&fake.world(), &report);
}
