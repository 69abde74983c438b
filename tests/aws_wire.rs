//! The AWS sources over real HTTP: `vigil report --endpoint-url` against a local fake that speaks
//! each service's wire protocol (tests/fake_aws), with faults injected. The report must equal
//! the fake's ground truth, and nothing may crash.
#![cfg(feature = "aws")]

mod fake_aws;
mod vigil_report;

use std::collections::{BTreeMap, HashSet};
use std::process::Output;
use std::time::Duration;

use fake_aws::{ACCOUNT, FakeAws, Faults, REGION, Truth};
use serde_json::Value;

/// Short time-outs and no client-side rate limit: the fake does not throttle unless told to.
const CONFIG: &str = r#"
[aws]
connect_timeout = 1
attempt_timeout = 1
operation_timeout = 20
initial_backoff = 0.01
max_backoff = 0.05
report_max_attempts = 8
rate_limits = { get_findings = 0, securityhub = 0, config = 0, cloudwatch = 0 }
"#;

fn report(fake: &FakeAws, name: &str) -> (Output, Value) {
    vigil_report::run(&fake.url, REGION, &format!("wire-{name}"), CONFIG)
}

fn source<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["sources"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()
}

/// The Config and Security Hub parts of the report equal the fake's truth.
fn assert_config_and_findings_match(truth: &Truth, report: &Value) {
    let rules: BTreeMap<&str, &Value> =
        report["rules"].as_array().unwrap().iter().map(|r| (r["name"].as_str().unwrap(), r)).collect();
    assert_eq!(rules.len(), truth.rules.len(), "every rule in the account");
    for r in &truth.rules {
        let got = rules[r.name.as_str()];
        assert_eq!(got["compliance"], r.compliance(), "{}", r.name);
        assert_eq!(got["source"], r.source, "{}", r.name);
        if !r.noncompliant.is_empty() {
            let (count, exceeded) = r.capped();
            assert_eq!(got["noncompliant"], r.noncompliant.len(), "{}: the exact count from every page", r.name);
            assert_eq!(got["capped"], exceeded, "{}", r.name);
            assert_eq!(got["capped_count"], count, "{}", r.name);
        }
        assert_eq!(got["evaluation_error"].is_string(), r.evaluation_error.is_some(), "{}", r.name);
    }
    let (total, by_severity, by_workflow) = truth.finding_counts();
    let f = &report["findings"];
    assert_eq!(f["total"], total);
    for (s, n) in by_severity {
        assert_eq!(f["by_severity"][s], n, "open {s}");
    }
    for (w, n) in by_workflow {
        assert_eq!(f["by_workflow"][w], n, "{w}");
    }
    let remediations = report["remediations"].as_array().unwrap();
    assert_eq!(remediations.len(), truth.remediations.len());
    for (rule, target, automatic, executions) in &truth.remediations {
        let got = remediations.iter().find(|r| r["rule"] == rule.as_str()).unwrap();
        assert_eq!(got["target"], target.as_str());
        assert_eq!(got["automatic"], *automatic);
        for (_, state) in executions {
            assert_eq!(got["executions"][state], 1, "{rule} {state}");
        }
    }
    // PRV-01 counts distinct notebooks across Config and Security Hub.
    let arn = |name: &str| format!("arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{}", name.to_lowercase());
    let mut failing: HashSet<String> = truth
        .rules
        .iter()
        .filter(|r| r.source == "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS")
        .flat_map(|r| r.noncompliant.iter().map(|n| arn(n)))
        .collect();
    for i in 0..truth.findings {
        let t = truth.finding(i);
        if !t.archived && i % 3 == 0 && t.workflow != "SUPPRESSED" {
            failing.insert(arn(&format!("nb-{:06}", i / 2)));
        }
    }
    let prv01 = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "PRV-01").unwrap();
    assert_eq!(prv01["status"], "fail");
    assert_eq!(prv01["failing"], failing.len(), "distinct resources, not a sum");
    assert_eq!(prv01["resources"].as_array().unwrap().len(), failing.len());
}

#[test]
fn the_report_equals_the_truth_through_throttling_errors_hangs_and_garbage() {
    let faults = Faults {
        throttle_per_ten: 3,
        error_500_once: ["DescribeComplianceByConfigRule", "GetFindings"].into(),
        hang_once: [("GetEnabledStandards", Duration::from_secs(3)), ("DescribeAlarms", Duration::from_secs(3))].into(),
        malformed_once: ["GetComplianceDetailsByConfigRule", "GetMetricData"].into(),
        down: HashSet::new(),
    };
    let fake = FakeAws::start(Truth::new(350), faults);
    let (out, report) = report(&fake, "faults");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    for name in ["config", "securityhub", "cloudwatch"] {
        assert_eq!(source(&report, name)["health"], "ok", "{name}: {}", source(&report, name));
    }
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["subject"]["account"], ACCOUNT, "from STS");
    assert_config_and_findings_match(fake.truth(), &report);
    let alarms = report["alarms"].as_array().unwrap();
    assert_eq!(alarms.len(), fake.truth().alarms.len() + 1, "metric alarms over two pages, and the composite alarm");
    for (name, state) in &fake.truth().alarms {
        assert!(alarms.iter().any(|a| a["name"] == name.as_str() && a["state"] == *state), "{name}");
    }
    let standards: Vec<&str> =
        report["standards"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(standards, ["FSBP", "CIS 3.0.0"]);
    let calls = fake.calls();
    assert!(calls["GetFindings"] >= 4, "350 findings are four pages: {calls:?}");
    assert!(calls["GetComplianceDetailsByConfigRule"] >= 3, "230 resources are three pages of 100: {calls:?}");
    // Every fault happened and was retried past.
    assert!(calls["GetEnabledStandards"] >= 2, "the hang timed out and was retried: {calls:?}");
    assert!(calls["DescribeAlarms"] >= 3, "two pages and the hang: {calls:?}");
    assert!(calls["GetMetricData"] >= 2, "the garbage body and the retry: {calls:?}");
    assert!(calls["DescribeComplianceByConfigRule"] >= 3, "two calls of 25 names and the 500: {calls:?}");
    let log = std::fs::read_to_string(vigil_report::scratch("wire-faults").join("vigil.log")).unwrap_or_default();
    assert!(log.contains("timed out") || calls["GetEnabledStandards"] >= 2, "{log}");
}

#[test]
fn one_service_down_leaves_the_others_whole() {
    let faults = Faults { down: ["cloudwatch"].into(), ..Faults::default() };
    let fake = FakeAws::start(Truth::new(120), faults);
    let (out, report) = report(&fake, "down");
    assert_eq!(out.status.code(), Some(3), "a source failed: {}", String::from_utf8_lossy(&out.stderr));
    let cw = source(&report, "cloudwatch");
    assert_eq!(cw["health"], "failed");
    assert!(cw["error"].as_str().unwrap().contains("ServiceUnavailable"), "{cw}");
    assert_eq!(source(&report, "config")["health"], "ok");
    assert_eq!(source(&report, "securityhub")["health"], "ok");
    assert_config_and_findings_match(fake.truth(), &report);
}

#[test]
fn without_sts_the_account_is_unknown_and_nothing_else_fails() {
    let faults = Faults { down: ["sts"].into(), ..Faults::default() };
    let fake = FakeAws::start(Truth::new(60), faults);
    let (out, report) = report(&fake, "no-sts");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(report["subject"]["account"].is_null());
    assert_config_and_findings_match(fake.truth(), &report);
}
