//! Automation rules as the reason a finding went quiet (issue 25): the rules of both services
//! are read (ListAutomationRules and BatchGetAutomationRules; ListAutomationRulesV2 and
//! GetAutomationRuleV2), their criteria tested against each finding in the order AWS applies
//! them, and the report says how many findings each rule explains and how many were set by
//! hand. Every request is checked against botocore's model.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fake_aws::{FakeAws, Faults, REGION, World};

/// The report's `findings.workflow_reasons`, as (workflow, rule, service, certain) -> count.
fn reasons(report: &Value) -> BTreeMap<(String, Option<String>, Option<String>, bool), u64> {
    let list = report["findings"]["workflow_reasons"].as_array().unwrap_or_else(|| panic!("{:#}", report["findings"]));
    list.iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().map(str::to_string);
            (
                (s("workflow").unwrap(), s("rule"), s("service"), r["certain"].as_bool().unwrap()),
                r["findings"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The truth: ACTIVE usable findings not NEW, those SUPPRESSED whose control a rule names
/// explained by it (`rules`: control -> (rule, service)), a control finding RESOLVED with its
/// control PASSED resolved by Security Hub itself, the rest set by hand.
fn truth(w: &World, rules: &[(&str, &str, &str)]) -> BTreeMap<(String, Option<String>, Option<String>, bool), u64> {
    let mut out = BTreeMap::new();
    for f in w.findings().filter(|f| !f.archived && f.usable() && f.workflow != "NEW") {
        let rule = rules.iter().find(|(control, _, _)| f.workflow == "SUPPRESSED" && f.control == Some(*control));
        let key = match rule {
            Some((_, name, service)) => {
                (f.workflow.to_string(), Some(name.to_string()), Some(service.to_string()), true)
            }
            None if f.workflow == "RESOLVED" && f.is_control() && !f.failed => {
                (f.workflow.to_string(), None, Some("control passed".to_string()), true)
            }
            None => (f.workflow.to_string(), None, None, true),
        };
        *out.entry(key).or_default() += 1;
    }
    out
}

/// Security Hub CSPM's rule "dev accounts" suppresses SageMaker.1's findings: each suppressed
/// SageMaker.1 finding says so, every other quiet one was set by hand.
#[test]
fn a_suppression_is_explained_by_the_cspm_rule_that_matches_it() {
    let mut w = World::account(2_000);
    w.add_cspm_rule("dev accounts", 1, "SageMaker.1");
    // A rule for a control no finding has explains nothing, and one that sets no workflow
    // would not either.
    w.add_cspm_rule("unused", 2, "Nope.1");
    let fake = FakeAws::start(w, Faults::default());
    let (out, report) = super::report(&fake, "automation-cspm");
    assert_eq!(out.status.code(), Some(0), "{:#}", report["sources"]);
    let w = fake.world();
    let expected = truth(&w, &[("SageMaker.1", "dev accounts", "Security Hub CSPM")]);
    let explained = expected.keys().filter(|k| k.1.is_some()).count();
    assert_eq!(explained, 1, "some SageMaker.1 findings are suppressed: {expected:?}");
    assert_eq!(reasons(&report), expected);
    let calls = fake.calls();
    assert_eq!((calls["ListAutomationRules"], calls["BatchGetAutomationRules"]), (1, 1), "{calls:?}");
    assert!(!calls.contains_key("ListAutomationRulesV2"), "the new Security Hub is off: {calls:?}");
}

/// Both services on: the new Security Hub's rule (read with GetAutomationRuleV2, its OCSF
/// criteria) explains the findings of its control, CSPM's rule those of its own.
#[test]
fn both_services_rules_each_explain_their_findings() {
    let mut w = World::account(1_500);
    w.hub_v2 = true;
    w.add_cspm_rule("dev accounts", 1, "SageMaker.1");
    w.add_v2_rule("quiet buckets", 2.5, "S3.8");
    w.add_v2_rule("quiet trails", 7.0, "CloudTrail.1");
    let fake = FakeAws::start(w, Faults::default());
    let dir = super::vigil_report::scratch("automation-both");
    let config = format!("{}\n[securityhub]\napi = \"both\"\n", super::CONFIG);
    let out = super::vigil_report::command(&fake.url, REGION, &dir, &config)
        .args(["report", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    fake.assert_checked();
    let w = fake.world();
    let expected = truth(
        &w,
        &[
            ("SageMaker.1", "dev accounts", "Security Hub CSPM"),
            ("S3.8", "quiet buckets", "Security Hub"),
            ("CloudTrail.1", "quiet trails", "Security Hub"),
        ],
    );
    assert!(expected.keys().filter(|k| k.1.is_some()).count() >= 2, "{expected:?}");
    assert_eq!(reasons(&report), expected);
    let calls = fake.calls();
    assert_eq!((calls["ListAutomationRulesV2"], calls["GetAutomationRuleV2"]), (1, 2), "one call a rule: {calls:?}");
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
}
