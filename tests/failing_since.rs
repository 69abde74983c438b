//! "Failing since": when each failing resource started failing under a control, as far as vigil
//! knows (the evaluation's ResultRecordedTime, the finding's FirstObservedAt, or the data time
//! vigil first held it failing), kept while it fails without a break.

mod fixtures;
use fixtures::{FindingSpec, Fixtures};
use vigil::catalog::Catalog;
use vigil::model::*;
use vigil::sources::{Dataset, SourceKind};
use vigil::store::{Posture, Within};

const NB_RULE: &str = "sagemaker-notebook-no-direct-internet-access";
const NB_SOURCE: &str = "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS";
const NB_TYPE: &str = "AWS::SageMaker::NotebookInstance";
const NB_ARN: &str = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/fraud-nb";

fn posture() -> Posture {
    Posture::new(Catalog::default_catalog())
}

fn config(rules: Vec<ConfigRule>, evaluations: Vec<Evaluation>) -> Dataset {
    Dataset { rules, evaluations, ..Default::default() }
}

fn findings(findings: Vec<Finding>) -> Dataset {
    Dataset { findings, ..Default::default() }
}

/// A failing SageMaker.1 finding on the notebook.
fn nb_finding(id: &str, first_observed: Option<i64>, updated: i64) -> FindingSpec<'_> {
    FindingSpec {
        id,
        control_id: Some("SageMaker.1"),
        title: "SageMaker.1 notebook instances should not have direct internet access",
        severity: Severity::High,
        compliance: Some(FindingCompliance::Failed),
        resource: ("AwsSageMakerNotebookInstance", NB_ARN),
        updated,
        first_observed,
        ..Default::default()
    }
}

fn since(p: &Posture, control: &str, r: &ResourceId) -> Option<Timestamp> {
    p.failing_since(p.control_index(control).expect("control in catalog"), r)
}

#[test]
fn an_evaluation_fails_since_its_recorded_time_and_a_later_one_does_not_move_it() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let nb = fx.config_resource(NB_TYPE, "fraud-nb");
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    // Recorded an hour before vigil read it.
    let bad = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, -3600);
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule.clone()], vec![bad])));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-3600)));
    // Config evaluates it again: still failing, and failing since the first time.
    let again = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, 500);
    p.apply(fx.replace(SourceKind::Config, 600, config(vec![rule.clone()], vec![again.clone()])));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-3600)), "a new evaluation of the same failure");
    p.apply(fx.replace(SourceKind::Config, 700, config(vec![rule.clone()], vec![again])));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-3600)), "the same full set again");
    // Fixed, then failing again: since the new failure.
    let fixed = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::Compliant, 800);
    p.apply(fx.merge(SourceKind::Config, 900, config(vec![], vec![fixed])));
    assert_eq!(since(&p, "PRV-01", &nb), None, "it no longer fails");
    let broken = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, 1000);
    p.apply(fx.merge(SourceKind::Config, 1100, config(vec![], vec![broken])));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(1000)));
}

#[test]
fn a_finding_fails_since_it_was_first_observed_or_since_vigil_first_held_it() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let observed = fx.finding(nb_finding("f-1", Some(-86_400), 0));
    let nb = observed.resources[0].clone();
    p.apply(fx.replace(SourceKind::SecurityHub, 60, findings(vec![observed])));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-86_400)), "FirstObservedAt");

    // A finding that does not say (an older recording's): since the event that first held it.
    let mut q = posture();
    let silent = fx.finding(nb_finding("f-1", None, 0));
    q.apply(fx.replace(SourceKind::SecurityHub, 60, findings(vec![silent])));
    assert_eq!(since(&q, "PRV-01", &nb), Some(fx.at(60)));
    // Its workflow changes (the item is replaced): still failing since then.
    let notified = Finding { workflow: WorkflowStatus::Notified, ..fx.finding(nb_finding("f-1", None, 120)) };
    q.apply(fx.merge(SourceKind::SecurityHub, 180, findings(vec![notified])));
    assert_eq!(since(&q, "PRV-01", &nb), Some(fx.at(60)));
    // Suppressed: no longer failing.
    let suppressed = Finding { workflow: WorkflowStatus::Suppressed, ..fx.finding(nb_finding("f-1", None, 200)) };
    q.apply(fx.merge(SourceKind::SecurityHub, 240, findings(vec![suppressed])));
    assert_eq!(since(&q, "PRV-01", &nb), None);
}

#[test]
fn the_earliest_item_wins_and_the_time_stays_while_another_keeps_it_failing() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    let eval = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, -600);
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule], vec![eval])));
    let f = fx.finding(nb_finding("f-1", Some(-7200), 0));
    let nb = f.resources[0].clone();
    assert_eq!(nb, fx.config_resource(NB_TYPE, "fraud-nb"), "Config and Security Hub name it alike");
    p.apply(fx.replace(SourceKind::SecurityHub, 10, findings(vec![f])));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-7200)), "the finding saw it first");
    // The finding is resolved by its control (PASSED); the evaluation still fails it.
    let passed =
        Finding { compliance: Some(FindingCompliance::Passed), ..fx.finding(nb_finding("f-1", Some(-7200), 20)) };
    p.apply(fx.merge(SourceKind::SecurityHub, 30, findings(vec![passed])));
    let i = p.control_index("PRV-01").unwrap();
    assert_eq!(p.evidence(i).failing.get(&nb), Some(&1));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-7200)), "it never stopped failing");
    assert_eq!(p.control_failing_since(i), Some(fx.at(-7200)));
}

#[test]
fn each_control_keeps_its_own_time_and_narrowing_keeps_them() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    // The rule binds PRV-01 and, without a remediation, fails the notebook under COR-04 too.
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    let eval = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, -60);
    let nb = eval.resource.clone();
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule], vec![eval])));
    let f = fx.finding(nb_finding("f-1", Some(-7200), 0));
    p.apply(fx.replace(SourceKind::SecurityHub, 10, findings(vec![f])));
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-7200)));
    assert_eq!(since(&p, "COR-04", &nb), Some(fx.at(-60)), "the finding is not COR-04's evidence");
    let prv = p.control_index("PRV-01").unwrap();
    p.narrow(Within { account: Some(fx.account.to_string()), region: None });
    assert_eq!(since(&p, "PRV-01", &nb), Some(fx.at(-7200)));
    assert_eq!(p.control_failing_since(prv), Some(fx.at(-7200)));
    p.narrow(Within { account: Some("999999999999".into()), region: None });
    assert_eq!(p.control_failing_since(prv), None, "nothing of that account fails");
}

#[test]
fn a_guardrail_test_and_a_failed_remediation_say_when() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let failed = GuardrailResult {
        name: fx.sym("training-without-vpc-is-denied"),
        control: Some(fx.sym("PRV-09")),
        expected: Decision::ExplicitlyDenied,
        actual: Decision::Allowed,
        evaluated_at: fx.at(-30),
        detail: None,
    };
    p.apply(fx.replace(SourceKind::Guardrails, 0, Dataset { guardrails: vec![failed], ..Default::default() }));
    let i = p.control_index("PRV-09").unwrap();
    let test = p.evidence(i).failing.keys().next().expect("the test fails").clone();
    assert_eq!(p.failing_since(i, &test), Some(fx.at(-30)));

    let rule = fx.rule(
        "s3-bucket-level-public-access-prohibited",
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        ConfigCompliance::NonCompliant,
        0,
    );
    let remediation = fx.remediation(&rule.name, "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", true, 0);
    let eval = fx.evaluation(&rule.name, "AWS::S3::Bucket", "ml-scratch", ConfigCompliance::NonCompliant, -900);
    let x = fx.execution(&rule.name, "AWS::S3::Bucket", "ml-scratch", ExecutionState::Failed, -600, -500);
    let bucket = x.resource.clone();
    let data = Dataset {
        rules: vec![rule],
        evaluations: vec![eval],
        remediation_configs: vec![remediation],
        executions: vec![x],
        ..Default::default()
    };
    p.apply(fx.replace(SourceKind::Config, 0, data));
    let cor = p.control_index("COR-02").unwrap();
    assert!(p.evidence(cor).failing.contains_key(&bucket), "its remediation failed");
    assert_eq!(p.failing_since(cor, &bucket), Some(fx.at(-600)), "since the remediation was started");
}
