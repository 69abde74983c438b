//! Status derivation and the store's aggregates, including out-of-order and duplicate events.

mod fixtures;
use fixtures::{FindingSpec, Fixtures};
use vigil::catalog::Catalog;
use vigil::model::*;
use vigil::sources::{Dataset, Payload, SourceError, SourceKind};
use vigil::store::{Health, Posture, Within};

const NB_RULE: &str = "sagemaker-notebook-no-direct-internet-access";
const NB_SOURCE: &str = "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS";
const NB_TYPE: &str = "AWS::SageMaker::NotebookInstance";
const NB_ARN: &str = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/fraud-nb";

fn posture() -> Posture {
    Posture::new(Catalog::default_catalog())
}

fn status(p: &Posture, id: &str, now: Timestamp) -> Status {
    p.control_status(p.control_index(id).expect("control in catalog"), now)
}

fn fail(n: u32) -> Status {
    Status::Fail(FailCount { resources: n, at_least: false })
}

fn config(rules: Vec<ConfigRule>, evaluations: Vec<Evaluation>) -> Dataset {
    Dataset { rules, evaluations, ..Default::default() }
}

fn findings(findings: Vec<Finding>) -> Dataset {
    Dataset { findings, ..Default::default() }
}

fn nb_finding<'a>(
    id: &'a str,
    compliance: FindingCompliance,
    workflow: WorkflowStatus,
    updated: i64,
) -> FindingSpec<'a> {
    FindingSpec {
        id,
        control_id: Some("SageMaker.1"),
        title: "SageMaker.1 notebook instances should not have direct internet access",
        severity: Severity::High,
        compliance: Some(compliance),
        workflow,
        resource: ("AwsSageMakerNotebookInstance", NB_ARN),
        updated,
        ..Default::default()
    }
}

#[test]
fn an_empty_store_knows_nothing() {
    let fx = Fixtures::new();
    let p = posture();
    for i in 0..p.catalog().controls.len() {
        assert_eq!(p.control_status(i, fx.t0), Status::Unknown);
    }
    assert_eq!(p.overall_summary(fx.t0).score(), None);
    assert!(p.is_empty());
}

#[test]
fn a_noncompliant_evaluation_fails_its_control_and_a_compliant_one_passes() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    let bad = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, 0);
    let good = fx.evaluation(NB_RULE, NB_TYPE, "research-nb", ConfigCompliance::Compliant, 0);
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule], vec![bad, good])));
    assert_eq!(status(&p, "PRV-01", fx.t0), fail(1));
    assert_eq!(p.rule_noncompliant(&fx.rule_key(NB_RULE)), 1);

    let fixed = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::Compliant, 10);
    p.apply(fx.merge(SourceKind::Config, 10, config(vec![], vec![fixed])));
    assert_eq!(status(&p, "PRV-01", fx.at(10)), Status::Pass);
    assert_eq!(p.rule_noncompliant(&fx.rule_key(NB_RULE)), 0);
    // A corrective control bound to the same rule has no remediation configured: FAIL, for
    // that reason, with no failing resource now that the notebook is fixed.
    assert_eq!(status(&p, "COR-04", fx.at(10)), fail(0));
    let cor = p.control_index("COR-04").unwrap();
    assert_eq!(p.evidence(cor).unremediated.iter().map(|r| r.name.to_string()).collect::<Vec<_>>(), [NB_RULE]);
    assert!(p.evidence(cor).failing.is_empty(), "a rule is never a failing resource");
}

#[test]
fn one_resource_failing_in_config_and_security_hub_counts_once() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    let eval = fx.evaluation(NB_RULE, NB_TYPE, "Fraud-NB", ConfigCompliance::NonCompliant, 0);
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule], vec![eval])));
    let f = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 0));
    p.apply(fx.replace(SourceKind::SecurityHub, 0, findings(vec![f])));
    let i = p.control_index("PRV-01").unwrap();
    assert_eq!(p.control_status(i, fx.t0), fail(1));
    assert_eq!(p.evidence(i).failing.values().copied().collect::<Vec<_>>(), vec![2], "two items, one resource");
}

#[test]
fn suppressed_findings_do_not_count_and_workflow_changes_with_equal_timestamps_win() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let f = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 0));
    p.apply(fx.replace(SourceKind::SecurityHub, 0, findings(vec![f])));
    assert_eq!(status(&p, "PRV-01", fx.t0), fail(1));
    // BatchUpdateFindings keeps UpdatedAt: the same timestamp with new content must win.
    let suppressed = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::Suppressed, 0));
    p.apply(fx.merge(SourceKind::SecurityHub, 5, findings(vec![suppressed])));
    assert_eq!(status(&p, "PRV-01", fx.at(5)), Status::Pass);
    assert_eq!(p.finding_totals().by_workflow[WorkflowStatus::Suppressed.index()], 1);
    assert_eq!(p.finding_totals().open_by_severity[Severity::High.index()], 0);
}

#[test]
fn older_and_duplicate_events_change_nothing() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let new = fx.finding(nb_finding("f-1", FindingCompliance::Passed, WorkflowStatus::Resolved, 100));
    let old = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 50));
    p.apply(fx.merge(SourceKind::SecurityHub, 100, findings(vec![new.clone()])));
    let before = p.evidence(p.control_index("PRV-01").unwrap()).clone();
    // The older copy arrives late, then the newest one again.
    p.apply(fx.merge(SourceKind::SecurityHub, 60, findings(vec![old])));
    p.apply(fx.merge(SourceKind::SecurityHub, 100, findings(vec![new.clone()])));
    p.apply(fx.merge(SourceKind::SecurityHub, 100, findings(vec![new])));
    assert_eq!(p.evidence(p.control_index("PRV-01").unwrap()), &before);
    assert_eq!(status(&p, "PRV-01", fx.at(100)), Status::Pass);
    assert_eq!(p.finding_totals().active, 1);

    // The same for evaluations.
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::Compliant, 0);
    let newer = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::Compliant, 200);
    let older = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, 150);
    p.apply(fx.merge(SourceKind::Config, 200, config(vec![rule], vec![newer])));
    p.apply(fx.merge(SourceKind::Config, 210, config(vec![], vec![older])));
    assert_eq!(p.rule_noncompliant(&fx.rule_key(NB_RULE)), 0);
}

#[test]
fn archived_findings_leave_and_do_not_come_back_late() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let active = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 0));
    p.apply(fx.merge(SourceKind::SecurityHub, 0, findings(vec![active.clone()])));
    let mut archived = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 30));
    archived.record_state = RecordState::Archived;
    p.apply(fx.merge(SourceKind::SecurityHub, 30, findings(vec![archived])));
    assert_eq!(p.finding_count(), 0);
    assert_eq!(p.finding_totals().active, 0);
    p.apply(fx.merge(SourceKind::SecurityHub, 40, findings(vec![active])));
    assert_eq!(p.finding_count(), 0, "an older ACTIVE copy must not revive an archived finding");
    // Only a control finding with data would say PASS; with nothing left the source still
    // answered, but this control has no evidence.
    assert_eq!(status(&p, "PRV-01", fx.at(40)), Status::Unknown);
}

#[test]
fn capped_counts_without_details_are_lower_bounds() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let mut rule = fx.rule("s3-ssl", "S3_BUCKET_SSL_REQUESTS_ONLY", ConfigCompliance::NonCompliant, 0);
    rule.noncompliant = Some(CappedCount { count: 100, cap_exceeded: true });
    rule.details_complete = false;
    let evals = (0..3)
        .map(|i| fx.evaluation("s3-ssl", "AWS::S3::Bucket", &format!("b{i}"), ConfigCompliance::NonCompliant, 0))
        .collect();
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule.clone()], evals)));
    let s = status(&p, "PRV-07", fx.t0);
    assert_eq!(s, Status::Fail(FailCount { resources: 100, at_least: true }));
    assert_eq!(s.describe(), "FAIL 100+");
    // Once every page is read, the count is exact.
    rule.details_complete = true;
    rule.observed_at = fx.at(5);
    p.apply(fx.merge(SourceKind::Config, 5, config(vec![rule], vec![])));
    assert_eq!(status(&p, "PRV-07", fx.at(5)), fail(3));
}

#[test]
fn failing_evaluations_make_a_rule_warn() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let mut rule = fx.rule("vpc-flow", "VPC_FLOW_LOGS_ENABLED", ConfigCompliance::Compliant, 0);
    rule.evaluation_error = Some("AccessDenied: lambda cannot describe flow logs".into());
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule], vec![])));
    assert_eq!(status(&p, "DET-07", fx.t0), Status::Warn);
}

#[test]
fn alarms_fire_as_activity_warn_without_data_and_fail_when_missing() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    assert_eq!(status(&p, "DET-03", fx.t0), Status::Unknown);
    let firing = fx.alarm("SageMakerGuardrailDenials", AlarmState::Alarm, 0);
    let no_data = fx.alarm("UnauthorizedAPICalls", AlarmState::InsufficientData, 0);
    p.apply(fx.replace(SourceKind::CloudWatch, 0, Dataset { alarms: vec![firing, no_data], ..Default::default() }));
    let det3 = p.control_index("DET-03").unwrap();
    assert_eq!(p.control_status(det3, fx.t0), Status::Pass, "a firing alarm is a working detection");
    assert_eq!(p.evidence(det3).firing, 1);
    assert_eq!(status(&p, "DET-04", fx.t0), Status::Warn);
    // DET-05 names four alarms, none of which exist: a missing detection fails.
    assert_eq!(status(&p, "DET-05", fx.t0), fail(4));
    assert_eq!(p.missing_alarms(p.control_index("DET-05").unwrap()).len(), 4);
}

#[test]
fn corrective_controls_follow_their_remediations() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let rule_name = "s3-public-read";
    let source = "S3_BUCKET_PUBLIC_READ_PROHIBITED";
    let rule = fx.rule(rule_name, source, ConfigCompliance::NonCompliant, 0);
    let eval = fx.evaluation(rule_name, "AWS::S3::Bucket", "exports", ConfigCompliance::NonCompliant, 0);
    let rc = fx.remediation(rule_name, "AWS-DisableS3BucketPublicReadWrite", true, 0);
    let running = fx.execution(rule_name, "AWS::S3::Bucket", "exports", ExecutionState::InProgress, 0, 0);
    p.apply(fx.replace(
        SourceKind::Config,
        0,
        Dataset {
            rules: vec![rule.clone()],
            evaluations: vec![eval],
            remediation_configs: vec![rc],
            executions: vec![running],
            ..Default::default()
        },
    ));
    let cor = p.control_index("COR-01").unwrap();
    assert_eq!(p.control_status(cor, fx.at(60)), Status::Pass, "awaiting remediation is not a failure");
    assert_eq!(p.evidence(cor).pending, 1);
    assert_eq!(status(&p, "PRV-08", fx.t0), fail(1), "the preventive control does fail");
    // Running for more than fifteen minutes: WARN (the source is polled, so not stale).
    let later = fx.at(16 * 60);
    p.apply(fx.merge(SourceKind::Config, 16 * 60, Dataset::default()));
    assert_eq!(p.control_status(cor, later), Status::Warn);
    // It failed: the corrective control fails.
    let failed = fx.execution(rule_name, "AWS::S3::Bucket", "exports", ExecutionState::Failed, 0, 17 * 60);
    p.apply(fx.merge(SourceKind::Config, 17 * 60, Dataset { executions: vec![failed], ..Default::default() }));
    assert_eq!(p.control_status(cor, fx.at(17 * 60)), fail(1));
    // Without its remediation configuration the control fails for that reason; the rule is
    // not a failing resource, but what it finds NON_COMPLIANT is (nothing will fix it).
    p.apply(fx.replace(SourceKind::Config, 18 * 60, config(vec![rule.clone()], vec![])));
    assert_eq!(p.control_status(cor, fx.at(18 * 60)), fail(0));
    assert!(p.evidence(cor).failing.is_empty());
    assert_eq!(p.evidence(cor).unremediated.len(), 1);
    let eval = fx.evaluation(rule_name, "AWS::S3::Bucket", "exports", ConfigCompliance::NonCompliant, 19 * 60);
    p.apply(fx.merge(SourceKind::Config, 19 * 60, config(vec![], vec![eval])));
    assert_eq!(p.control_status(cor, fx.at(19 * 60)), fail(1));
    let failing: Vec<_> = p.evidence(cor).failing.keys().map(|r| r.id.to_string()).collect();
    assert_eq!(failing, vec!["arn:aws:s3:::exports"]);
    // Its remediation configured again: the bucket is due, not failing.
    let rc = fx.remediation(rule_name, "AWS-DisableS3BucketPublicReadWrite", true, 20 * 60);
    p.apply(fx.merge(SourceKind::Config, 20 * 60, Dataset { remediation_configs: vec![rc], ..Default::default() }));
    assert!(p.evidence(cor).failing.is_empty() && p.evidence(cor).unremediated.is_empty());
    assert_eq!(p.control_status(cor, fx.at(20 * 60)), Status::Pass);
}

#[test]
fn data_older_than_three_intervals_is_stale_and_keeps_its_verdict() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    p.register_source(SourceKind::SecurityHub, Some(std::time::Duration::from_secs(30)));
    let f = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 0));
    p.apply(fx.replace(SourceKind::SecurityHub, 0, findings(vec![f])));
    assert_eq!(status(&p, "PRV-01", fx.at(90)), fail(1));
    assert_eq!(
        status(&p, "PRV-01", fx.at(91)),
        Status::Stale(Verdict::Fail(FailCount { resources: 1, at_least: false }))
    );
    // A failure keeps the data and marks the source.
    p.apply(vigil::sources::SourceEvent {
        source: SourceKind::SecurityHub,
        fetched_at: fx.at(95),
        result: Err(SourceError::Throttled { operation: "GetFindings".into() }),
    });
    assert_eq!(p.source(SourceKind::SecurityHub).health.name(), "throttled");
    assert_eq!(p.source(SourceKind::SecurityHub).last_ok, Some(fx.t0));
    assert_eq!(p.finding_count(), 1);
}

#[test]
fn a_replace_drops_what_is_gone_and_an_older_replace_is_ignored() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let a = fx.finding(nb_finding("a", FindingCompliance::Failed, WorkflowStatus::New, 0));
    let b = fx.finding(FindingSpec {
        id: "b",
        product: "GuardDuty",
        severity: Severity::Critical,
        title: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration",
        ..Default::default()
    });
    p.apply(fx.replace(SourceKind::SecurityHub, 10, findings(vec![a.clone(), b])));
    assert_eq!(p.finding_totals().active, 2);
    assert_eq!(p.evidence(p.control_index("DET-08").unwrap()).activity[Severity::Critical.index()], 1);
    p.apply(fx.replace(SourceKind::SecurityHub, 20, findings(vec![a.clone()])));
    assert_eq!(p.finding_totals().active, 1);
    assert_eq!(p.evidence(p.control_index("DET-08").unwrap()).activity, [0; 5]);
    p.apply(fx.replace(SourceKind::SecurityHub, 15, findings(vec![])));
    assert_eq!(p.finding_totals().active, 1, "a full set older than the one held is ignored");
}

#[test]
fn evaluations_that_arrive_before_their_rule_bind_when_it_comes() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let eval = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, 0);
    p.apply(fx.merge(SourceKind::Config, 0, config(vec![], vec![eval])));
    assert_eq!(status(&p, "PRV-01", fx.t0), Status::Unknown, "no rule, no binding");
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 1);
    p.apply(fx.merge(SourceKind::Config, 1, config(vec![rule], vec![])));
    assert_eq!(status(&p, "PRV-01", fx.at(1)), fail(1));
    // A finding linked only through the Security Hub-deployed rule's name binds the same way.
    let f = fx.finding(FindingSpec {
        control_id: None,
        related_rule: Some(NB_RULE),
        ..nb_finding("f-2", FindingCompliance::Failed, WorkflowStatus::New, 1)
    });
    p.apply(fx.merge(SourceKind::SecurityHub, 1, findings(vec![f])));
    let i = p.control_index("PRV-01").unwrap();
    assert_eq!(p.evidence(i).findings.len(), 1);
    assert_eq!(p.control_status(i, fx.at(1)), fail(1));
}

#[test]
fn guardrail_tests_that_disagree_fail_their_control() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let test = GuardrailResult {
        name: fx.sym("training job without VPC is denied"),
        control: Some(fx.sym("PRV-09")),
        expected: Decision::ExplicitlyDenied,
        actual: Decision::Allowed,
        evaluated_at: fx.t0,
        detail: None,
    };
    p.apply(fx.replace(SourceKind::Guardrails, 0, Dataset { guardrails: vec![test], ..Default::default() }));
    assert_eq!(status(&p, "PRV-09", fx.at(3600)), fail(1), "offline tests never go stale");
}

#[test]
fn progress_and_retries_show_in_health_without_touching_data() {
    let fx = Fixtures::new();
    let mut p = posture();
    p.apply(fx.event(SourceKind::SecurityHub, 0, Payload::Progress { pages: 3, items: 300, rate: Some(2.5) }));
    assert_eq!(p.source(SourceKind::SecurityHub).health, Health::Loading { pages: 3, items: 300, rate: Some(2.5) });
    let throttled = SourceError::Throttled { operation: "GetFindings".into() };
    p.apply(fx.event(SourceKind::SecurityHub, 1, Payload::Retrying { attempt: 2, error: throttled }));
    assert_eq!(p.source(SourceKind::SecurityHub).health.name(), "retrying");
    p.apply(fx.event(SourceKind::SecurityHub, 2, Payload::Progress { pages: 5, items: 500, rate: None }));
    assert!(p.is_empty());
    let state = p.source(SourceKind::SecurityHub);
    assert_eq!(state.loading_since, Some(fx.at(0)), "the load began with its first progress");
    let counts = state.counts;
    assert_eq!((counts.retries, counts.throttles, counts.load_calls, counts.updates), (1, 1, 5, 0));
    p.apply(fx.replace(SourceKind::SecurityHub, 3, Dataset::default()));
    let state = p.source(SourceKind::SecurityHub);
    assert_eq!((state.loading_since, state.counts.updates), (None, 1), "the load ended");
}

#[test]
fn skipped_items_are_counted() {
    let fx = Fixtures::new();
    let mut p = posture();
    p.apply(fx.merge(SourceKind::SecurityHub, 0, Dataset { skipped: 2, ..Default::default() }));
    p.apply(fx.merge(SourceKind::SecurityHub, 1, Dataset { skipped: 1, ..Default::default() }));
    assert_eq!(p.source(SourceKind::SecurityHub).skipped, 3);
    p.apply(fx.replace(SourceKind::SecurityHub, 2, Dataset { skipped: 0, ..Default::default() }));
    assert_eq!(p.source(SourceKind::SecurityHub).skipped, 0);
}

mod incremental {
    //! Whatever order the changes come in, the aggregates equal those of the final state
    //! applied in one go.
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Change {
        Finding { id: u8, control: u8, failed: bool, suppressed: bool, archived: bool, resource: u8, t: i64 },
        Evaluation { rule: u8, resource: u8, noncompliant: bool, t: i64 },
        Rule { rule: u8, t: i64 },
    }

    const CONTROLS: [&str; 3] = ["SageMaker.1", "SageMaker.2", "S3.2"];
    const RULES: [(&str, &str); 3] = [
        ("nb-internet", "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS"),
        ("nb-vpc", "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC"),
        ("s3-read", "S3_BUCKET_PUBLIC_READ_PROHIBITED"),
    ];

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            (0u8..6, 0u8..3, any::<bool>(), any::<bool>(), any::<bool>(), 0u8..4, 0i64..5).prop_map(
                |(id, control, failed, suppressed, archived, resource, t)| Change::Finding {
                    id,
                    control,
                    failed,
                    suppressed,
                    archived,
                    resource,
                    t
                }
            ),
            (0u8..3, 0u8..4, any::<bool>(), 0i64..5).prop_map(|(rule, resource, noncompliant, t)| Change::Evaluation {
                rule,
                resource,
                noncompliant,
                t
            }),
            (0u8..3, 0i64..5).prop_map(|(rule, t)| Change::Rule { rule, t }),
        ]
    }

    fn dataset(fx: &mut Fixtures, c: &Change) -> (SourceKind, Dataset) {
        match *c {
            Change::Finding { id, control, failed, suppressed, archived, resource, t } => {
                let id = format!("f{id}");
                let arn = format!("arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb{resource}");
                let mut f = fx.finding(FindingSpec {
                    id: &id,
                    control_id: Some(CONTROLS[control as usize]),
                    compliance: Some(if failed { FindingCompliance::Failed } else { FindingCompliance::Passed }),
                    workflow: if suppressed { WorkflowStatus::Suppressed } else { WorkflowStatus::New },
                    resource: ("AwsSageMakerNotebookInstance", &arn),
                    updated: t,
                    ..Default::default()
                });
                if archived {
                    f.record_state = RecordState::Archived;
                }
                // Odd findings are a member account's, in another region.
                if id_is_members(&id) {
                    f.account = MEMBER.into();
                    f.region = "eu-west-1".into();
                    for r in &mut f.resources {
                        r.account = MEMBER.into();
                        r.region = "eu-west-1".into();
                    }
                }
                (SourceKind::SecurityHub, findings(vec![f]))
            }
            Change::Evaluation { rule, resource, noncompliant, t } => {
                let compliance =
                    if noncompliant { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
                let e = fx.evaluation(RULES[rule as usize].0, NB_TYPE, &format!("nb{resource}"), compliance, t);
                (SourceKind::Config, config(vec![], vec![e]))
            }
            Change::Rule { rule, t } => {
                let (name, source) = RULES[rule as usize];
                (SourceKind::Config, config(vec![fx.rule(name, source, ConfigCompliance::Compliant, t)], vec![]))
            }
        }
    }

    const MEMBER: &str = "210987654321";

    fn id_is_members(id: &str) -> bool {
        id.trim_start_matches('f').parse::<u8>().is_ok_and(|n| n % 2 == 1)
    }

    fn is_members(c: &Change) -> bool {
        matches!(c, Change::Finding { id, .. } if id % 2 == 1)
    }

    proptest! {
        /// Narrowed to an account or a region, whenever the narrowing comes, the aggregates are
        /// those of a store that only ever held that account's or region's items.
        #[test]
        fn narrowing_gives_the_aggregates_of_that_account_alone(
            changes in proptest::collection::vec(change(), 1..40),
            at in 0usize..40,
            member in any::<bool>(),
            by_region in any::<bool>(),
        ) {
            let mut fx = Fixtures::new();
            let mut narrowed = posture();
            let mut alone = posture();
            let within = match (member, by_region) {
                (true, false) => Within { account: Some(MEMBER.into()), region: None },
                (true, true) => Within { account: None, region: Some("eu-west-1".into()) },
                (false, false) => Within { account: Some(fx.account.to_string()), region: None },
                (false, true) => Within { account: None, region: Some(fx.region.to_string()) },
            };
            for (n, c) in changes.iter().enumerate() {
                if n == at.min(changes.len() - 1) {
                    narrowed.narrow(within.clone());
                }
                let (kind, data) = dataset(&mut fx, c);
                let event = fx.merge(kind, 0, data);
                narrowed.apply(event.clone());
                if is_members(c) == member {
                    alone.apply(event);
                }
            }
            prop_assert_eq!(narrowed.narrowing(), Some(&within));
            // Without aggregators, an organisation is more than one account or region held.
            let scope = narrowed.scope();
            prop_assert_eq!(narrowed.is_organization(), scope.accounts.len() > 1 || scope.regions.len() > 1);
            // The scope, kept as items come and go, is that of the items held.
            let mut accounts = std::collections::BTreeSet::new();
            let mut regions = std::collections::BTreeSet::new();
            let places = narrowed.rules().map(|r| (&r.account, &r.region))
                .chain(narrowed.alarms().map(|a| (&a.account, &a.region)));
            for (account, region) in places {
                accounts.insert(account.to_string());
                regions.insert(region.to_string());
            }
            for f in narrowed.findings() {
                accounts.insert(f.account.to_string());
                regions.insert(f.region.to_string());
            }
            accounts.remove("");
            regions.remove("");
            prop_assert_eq!(accounts.into_iter().collect::<Vec<_>>(), scope.accounts.clone());
            prop_assert_eq!(regions.into_iter().collect::<Vec<_>>(), scope.regions.clone());
            for i in 0..alone.catalog().controls.len() {
                prop_assert_eq!(narrowed.evidence(i), alone.evidence(i), "control {}", alone.control(i).id);
            }
            prop_assert_eq!(narrowed.finding_totals(), alone.finding_totals());
            prop_assert_eq!(narrowed.resource_count(), alone.resource_count());
            // Widening gives everything back.
            narrowed.narrow(Within::default());
            prop_assert_eq!(narrowed.narrowing(), None);
        }

        #[test]
        fn any_order_gives_the_aggregates_of_the_final_state(changes in proptest::collection::vec(change(), 1..40)) {
            let mut fx = Fixtures::new();
            let mut incremental = posture();
            let mut finals: Vec<(SourceKind, Dataset)> = Vec::new();
            for c in &changes {
                let (kind, data) = dataset(&mut fx, c);
                incremental.apply(fx.merge(kind, 0, data.clone()));
                finals.push((kind, data));
            }
            // What the store should hold is the newest of each item (later wins a tie, as
            // in the store); apply just those, rules first.
            let mut once = posture();
            let mut best: std::collections::BTreeMap<String, (i64, usize)> = Default::default();
            for (n, c) in changes.iter().enumerate() {
                let (key, t) = match c {
                    Change::Finding { id, t, .. } => (format!("f{id}"), *t),
                    Change::Evaluation { rule, resource, t, .. } => (format!("e{rule}/{resource}"), *t),
                    Change::Rule { rule, t } => (format!("r{rule}"), *t),
                };
                let entry = best.entry(key).or_insert((t, n));
                if t >= entry.0 {
                    *entry = (t, n);
                }
            }
            let mut chosen: Vec<usize> = best.values().map(|(_, n)| *n).collect();
            chosen.sort_by_key(|&n| !matches!(changes[n], Change::Rule { .. }));
            for n in chosen {
                let (kind, data) = finals[n].clone();
                once.apply(fx.merge(kind, 0, data));
            }
            for i in 0..once.catalog().controls.len() {
                prop_assert_eq!(incremental.evidence(i), once.evidence(i), "control {}", once.control(i).id);
            }
            prop_assert_eq!(incremental.finding_totals(), once.finding_totals());
            prop_assert_eq!(incremental.resource_count(), once.resource_count());
        }
    }
}

// ── What was not read is unknown, never negative ─────────────────────────────────────────────

fn denied(call: &str) -> SourceError {
    SourceError::Unauthorized { action: call.into() }
}

fn unread(parts: &[Part], call: &str) -> Vec<vigil::sources::Unread> {
    parts.iter().map(|p| vigil::sources::Unread { part: *p, error: denied(call) }).collect()
}

#[test]
fn remediation_configurations_not_read_are_not_missing_ones() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let name = "s3-public-read";
    let mut rule = fx.rule(name, "S3_BUCKET_PUBLIC_READ_PROHIBITED", ConfigCompliance::NonCompliant, 0);
    rule.unread = PartSet::of(&[Part::RemediationConfigs, Part::RemediationExecutions]);
    let eval = fx.evaluation(name, "AWS::S3::Bucket", "exports", ConfigCompliance::NonCompliant, 0);
    let data = Dataset {
        rules: vec![rule.clone()],
        evaluations: vec![eval.clone()],
        unread: unread(
            &[Part::RemediationConfigs, Part::RemediationExecutions],
            "config:DescribeRemediationConfigurations",
        ),
        ..Default::default()
    };
    p.apply(fx.replace(SourceKind::Config, 0, data));
    let cor = p.control_index("COR-01").unwrap();
    // The resources awaiting remediation are known; whether a remediation is set is not.
    assert_eq!(p.control_status(cor, fx.t0), Status::Warn, "partial, not FAIL");
    assert!(p.evidence(cor).failing.is_empty(), "no 'none set' from a call that was denied");
    let unread_parts: Vec<Part> = p.unread_parts(cor).into_iter().map(|(part, _)| part).collect();
    assert_eq!(unread_parts, [Part::RemediationConfigs, Part::RemediationExecutions]);
    assert_eq!(p.unread_parts(cor)[0].1, Some(&denied("config:DescribeRemediationConfigurations")));
    assert!(p.part(Part::RemediationConfigs).unread());
    assert!(p.part(Part::Compliance).last_ok.is_some(), "the other parts were read");
    // Once read, and there is none: now it is a failure.
    rule.unread = PartSet::EMPTY;
    p.apply(fx.replace(SourceKind::Config, 60, config(vec![rule], vec![eval])));
    assert_eq!(p.control_status(cor, fx.at(60)), fail(1));
    assert!(p.unread_parts(cor).is_empty());
}

#[test]
fn a_later_poll_that_cannot_read_a_part_keeps_its_last_good_value_until_it_is_stale() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    p.register_source(SourceKind::Config, Some(std::time::Duration::from_secs(60)));
    let name = "s3-public-read";
    let source = "S3_BUCKET_PUBLIC_READ_PROHIBITED";
    let mut rule = fx.rule(name, source, ConfigCompliance::NonCompliant, 0);
    rule.noncompliant = Some(CappedCount { count: 3, cap_exceeded: false });
    rule.evaluation_error = Some("AccessDenied: the rule's role cannot read".into());
    let evals: Vec<Evaluation> = ["a", "b", "c"]
        .iter()
        .map(|b| fx.evaluation(name, "AWS::S3::Bucket", b, ConfigCompliance::NonCompliant, 0))
        .collect();
    let rc = fx.remediation(name, "AWS-DisableS3BucketPublicReadWrite", true, 0);
    let failed = fx.execution(name, "AWS::S3::Bucket", "a", ExecutionState::Failed, 0, 0);
    p.apply(fx.replace(
        SourceKind::Config,
        0,
        Dataset {
            rules: vec![rule.clone()],
            evaluations: evals,
            remediation_configs: vec![rc],
            executions: vec![failed],
            ..Default::default()
        },
    ));
    let before: Vec<Status> = (0..p.catalog().controls.len()).map(|i| p.control_status(i, fx.at(30))).collect();
    assert_eq!(status(&p, "PRV-08", fx.at(30)), fail(3));
    assert_eq!(status(&p, "COR-01", fx.at(30)), fail(1));

    // The next poll reads the rule list and nothing else of this rule.
    let mut blind = fx.rule(name, source, ConfigCompliance::NonCompliant, 60);
    blind.compliance = None;
    blind.unread = PartSet::of(&[
        Part::Compliance,
        Part::ComplianceDetails,
        Part::EvaluationStatus,
        Part::RemediationConfigs,
        Part::RemediationExecutions,
    ]);
    let parts = [
        Part::Compliance,
        Part::ComplianceDetails,
        Part::EvaluationStatus,
        Part::RemediationConfigs,
        Part::RemediationExecutions,
    ];
    let data = Dataset {
        rules: vec![blind],
        unread: unread(&parts, "config:DescribeComplianceByConfigRule"),
        ..Default::default()
    };
    p.apply(fx.replace(SourceKind::Config, 60, data));
    let key = fx.rule_key(name);
    let held = p.rule(&key).unwrap();
    assert_eq!(held.compliance, Some(ConfigCompliance::NonCompliant), "the last good compliance");
    assert!(held.details_complete && held.unread.is_empty(), "carried over: {:?}", held.unread);
    assert_eq!(p.rule_noncompliant(&key), 3, "the evaluations stay");
    assert!(held.evaluation_error.is_some());
    assert!(p.remediation_config(&key).is_some());
    let after: Vec<Status> = (0..p.catalog().controls.len()).map(|i| p.control_status(i, fx.at(90))).collect();
    assert_eq!(before, after, "nothing changes because of what was not read");
    // The source keeps polling, but these parts keep failing: their data ages and turns stale.
    for t in [120, 180, 240] {
        let mut again = fx.rule(name, source, ConfigCompliance::NonCompliant, t);
        again.compliance = None;
        again.unread = PartSet::of(&parts);
        let data = Dataset {
            rules: vec![again],
            unread: unread(&parts, "config:DescribeComplianceByConfigRule"),
            ..Default::default()
        };
        p.apply(fx.replace(SourceKind::Config, t, data));
    }
    let prv08 = status(&p, "PRV-08", fx.at(250));
    assert_eq!(prv08, Status::Stale(Verdict::Fail(FailCount { resources: 3, at_least: false })), "{prv08:?}");
    assert_eq!(p.part(Part::Compliance).last_ok, Some(fx.t0));
    assert_eq!(p.part(Part::ConfigRules).last_ok, Some(fx.at(240)));
}

#[test]
fn alarms_not_read_are_not_missing_and_findings_not_read_in_full_are_a_lower_bound() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let data =
        Dataset { unread: unread(&[Part::Alarms, Part::Metrics], "cloudwatch:DescribeAlarms"), ..Default::default() };
    p.apply(fx.merge(SourceKind::CloudWatch, 0, data));
    let det5 = p.control_index("DET-05").unwrap();
    assert!(p.missing_alarms(det5).is_empty(), "an alarm that could not be looked for is not missing");
    assert_eq!(p.control_status(det5, fx.t0), Status::Unknown);
    assert!(p.source(SourceKind::CloudWatch).last_ok.is_none(), "a data set that only says what failed is no data");
    assert_eq!(p.unread_parts(det5).len(), 1);

    // A cold load of findings that stopped half-way: what was read counts, as a lower bound.
    let f = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 0));
    p.apply(fx.merge(SourceKind::SecurityHub, 0, findings(vec![f])));
    assert_eq!(status(&p, "PRV-01", fx.t0), fail(1), "loading, no error yet");
    p.apply(fx.merge(
        SourceKind::SecurityHub,
        5,
        Dataset { unread: unread(&[Part::Findings], "securityhub:GetFindings"), ..Default::default() },
    ));
    assert_eq!(status(&p, "PRV-01", fx.at(5)), Status::Fail(FailCount { resources: 1, at_least: true }));
    // The next full read settles it.
    p.apply(fx.merge(
        SourceKind::SecurityHub,
        10,
        Dataset { fresh: PartSet::of(&[Part::Findings]), ..Default::default() },
    ));
    assert_eq!(status(&p, "PRV-01", fx.at(10)), fail(1));
}

/// Each other account's and region's reads (issue 11): a full read replaces the places held,
/// keeping when each was last read in full; a failure keeps that time and says why.
#[test]
fn a_full_read_replaces_the_places_and_each_keeps_its_last_success() {
    use vigil::model::PlaceRead;
    let mut p = posture();
    let fx = Fixtures::new();
    let t = |s: i64| fx.at(s);
    let place = |account: &str, region: &str, error: Option<SourceError>| PlaceRead {
        account: account.into(),
        region: region.into(),
        error,
    };
    let replace = |places: Vec<PlaceRead>, at: Timestamp| vigil::sources::SourceEvent {
        source: SourceKind::CloudWatch,
        fetched_at: at,
        result: Ok(Payload::Replace(Dataset { places, ..Default::default() })),
    };
    let denied = SourceError::Unauthorized { action: "sts:AssumeRole on arn:aws:iam::2:role/R".into() };
    p.apply(replace(vec![place("1", "us-east-1", None), place("2", "eu-west-1", None)], t(10)));
    p.apply(replace(vec![place("2", "eu-west-1", Some(denied.clone())), place("3", "us-west-2", None)], t(20)));
    let places = &p.source(SourceKind::CloudWatch).places;
    let keys: Vec<(&str, &str)> = places.keys().map(|(a, r)| (a.as_str(), r.as_str())).collect();
    assert_eq!(keys, [("2", "eu-west-1"), ("3", "us-west-2")], "the place no longer read is gone");
    let two = &places[&("2".to_string(), "eu-west-1".to_string())];
    assert!(two.failing);
    assert_eq!(two.last_ok, Some(t(10)), "its last success is kept");
    assert_eq!(two.last_error, Some((t(20), denied)));
    assert_eq!(p.source(SourceKind::CloudWatch).places_failing(), (1, 2));
    // An older full read changes nothing.
    p.apply(replace(vec![place("9", "us-east-1", None)], t(15)));
    assert_eq!(p.source(SourceKind::CloudWatch).places.len(), 2);
    // Read again: no longer failing, its error kept for `:sources`.
    p.apply(replace(vec![place("2", "eu-west-1", None)], t(30)));
    let two = &p.source(SourceKind::CloudWatch).places[&("2".to_string(), "eu-west-1".to_string())];
    assert!(!two.failing && two.last_ok == Some(t(30)) && two.last_error.is_some());
}

/// The Accounts matrix (issue 11) says what it does not know: a capped count whose details were
/// not read is a lower bound in its own account, and a member whose remediation configuration
/// was not read is unknown under a corrective control, not passing.
#[test]
fn the_accounts_matrix_gives_lower_bounds_and_unknowns_per_account() {
    let mut p = posture();
    let mut fx = Fixtures::new();
    let home = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::Compliant, 0);
    let mut member = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    member.account = fx.sym("111122223333");
    member.region = fx.sym("eu-west-1");
    member.noncompliant = Some(CappedCount { count: 100, cap_exceeded: true });
    member.details_complete = false;
    member.unread = PartSet::of(&[Part::ComplianceDetails, Part::RemediationConfigs, Part::RemediationExecutions]);
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![home, member], vec![])));
    let (prv, cor) = (p.control_index("PRV-01").unwrap(), p.control_index("COR-04").unwrap());
    let rows = p.accounts_matrix();
    let row = |account: &str| rows.iter().find(|r| r.account == account).unwrap();
    let m = row("111122223333");
    assert_eq!((m.failing[prv], m.at_least[prv], m.unknown[prv]), (0, 100, false), "at least the capped count");
    assert!(m.fails(prv));
    assert_eq!((m.failing[cor], m.at_least[cor], m.unknown[cor]), (0, 0, true), "remediation not read there");
    let h = row(&fx.rule_key(NB_RULE).account);
    assert!(!h.fails(prv) && !h.unknown[prv], "the home account's rule is compliant and read");
    assert_eq!(rows[0].account, "111122223333", "the member fails, so it comes first");
}

/// A catalog metric read in several accounts and regions (issue 11): a control shows their sum
/// (the catalog's metrics are sums a minute), with no one alarm's threshold; narrowed to one
/// account, that account's own series and the alarm that watches it.
#[test]
fn a_metric_of_many_accounts_is_summed_and_narrowing_keeps_one() {
    let mut p = posture();
    let mut fx = Fixtures::new();
    let place = |fx: &mut Fixtures, account: &str, values: &[f64]| {
        let mut s = fx.metric("LogMetrics", "UnauthorizedAPICalls", values, 120);
        s.metric.account = fx.sym(account);
        s.metric.region = fx.sym("us-east-1");
        s
    };
    let metrics =
        vec![place(&mut fx, "111122223333", &[1.0, 2.0, 3.0]), place(&mut fx, "444455556666", &[10.0, 0.0, 5.0])];
    let data = Dataset { metrics, fresh: PartSet::of(&[Part::Metrics]), ..Default::default() };
    p.apply(fx.merge(SourceKind::CloudWatch, 120, data));
    let i = (0..p.catalog().controls.len())
        .find(|i| p.control_metric_names(*i).contains(&("LogMetrics", "UnauthorizedAPICalls")))
        .expect("a control binds the metric");
    let m = p.control_metric(i, "LogMetrics", "UnauthorizedAPICalls").unwrap();
    assert_eq!((m.places, m.id), (2, None), "a sum, which no one alarm watches");
    let values: Vec<f64> = m.points.iter().map(|(_, v)| *v).collect();
    assert_eq!(values, [11.0, 2.0, 8.0], "summed minute by minute");
    assert_eq!(p.control_metric_names(i).iter().filter(|(_, n)| *n == "UnauthorizedAPICalls").count(), 1);
    p.narrow(Within { account: Some("444455556666".into()), region: None });
    let m = p.control_metric(i, "LogMetrics", "UnauthorizedAPICalls").unwrap();
    assert_eq!(m.places, 1);
    assert_eq!(m.id.map(|id| &*id.account), Some("444455556666"));
    let values: Vec<f64> = m.points.iter().map(|(_, v)| *v).collect();
    assert_eq!(values, [10.0, 0.0, 5.0], "the account's own series");
}

/// The alarms of one name are found in every account and region, and only theirs (a range of
/// the alarms held, ordered by name first).
#[test]
fn the_alarms_of_a_name_are_those_of_every_place_and_no_other_name() {
    let mut p = posture();
    let mut fx = Fixtures::new();
    let mut alarms = Vec::new();
    for (name, account) in [("Root", "111122223333"), ("Root", "444455556666"), ("RootX", "111122223333"), ("Ro", "1")]
    {
        let mut a = fx.alarm(name, AlarmState::Ok, 0);
        a.account = fx.sym(account);
        alarms.push(a);
    }
    let home = fx.alarm("Root", AlarmState::Alarm, 0);
    alarms.push(home);
    p.apply(fx.replace(SourceKind::CloudWatch, 0, Dataset { alarms, ..Default::default() }));
    let mut accounts: Vec<&str> = p.alarms_named("Root").map(|a| &*a.account).collect();
    accounts.sort();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    assert!(accounts.contains(&"111122223333") && accounts.contains(&"444455556666"));
    assert_eq!(p.alarms_named("Ro").count(), 1);
    assert_eq!(p.alarms_named("R").count(), 0);
}

// ── The change feed ──────────────────────────────────────────────────────────────────────────

mod feed {
    use super::*;
    use vigil::store::{FindingEvent, Via, What};

    /// The feed as short words: `PRV-01 PASS→FAIL (fraud-nb)`, `+PRV-01 fraud-nb`, ...
    fn words(p: &Posture) -> Vec<String> {
        p.feed()
            .entries()
            .iter()
            .map(|c| match &c.what {
                What::Status { control, from, to, cause } => format!(
                    "{} {}→{}{}",
                    p.control(*control).id,
                    from.label(),
                    to.label(),
                    cause.as_ref().map_or(String::new(), |c| format!(" ({} via {})", c.resource.short_name(), c.via))
                ),
                What::Resource { control, resource, failing, .. } => {
                    format!("{}{} {}", if *failing { "+" } else { "-" }, p.control(*control).id, resource.short_name())
                }
                What::Finding { id, event, .. } => format!("finding {id} {}", event.word()),
                What::Remediation { rule, state, .. } => format!("remediation {rule} {state}"),
                What::Health { source, from, to, .. } => format!("{source} {from}→{to}"),
                What::Alarm { name, from, to } => format!("alarm {name} {from}→{to}"),
            })
            .collect()
    }

    fn baseline(fx: &mut Fixtures, p: &mut Posture, noncompliant: bool) {
        let compliance = if noncompliant { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
        let rule = fx.rule(NB_RULE, NB_SOURCE, compliance, 0);
        let e = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", compliance, 0);
        p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule], vec![e])));
        p.apply(fx.replace(SourceKind::SecurityHub, 0, findings(vec![])));
    }

    #[test]
    fn a_first_load_is_the_baseline_not_a_change() {
        let mut fx = Fixtures::new();
        let mut p = posture();
        baseline(&mut fx, &mut p, true);
        assert_eq!(status(&p, "PRV-01", fx.t0), fail(1));
        assert!(p.feed().entries().is_empty(), "{:?}", words(&p));
        // Security Hub's cold load: its pages, then the sweep that ends it, are all baseline.
        let mut p = posture();
        let f = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 0));
        p.apply(fx.merge(SourceKind::SecurityHub, 0, findings(vec![f])));
        p.apply(vigil::sources::SourceEvent {
            source: SourceKind::SecurityHub,
            fetched_at: fx.t0,
            result: Ok(Payload::Sweep { seen: vec!["f-1".into()], started_at: fx.t0, skipped: 0 }),
        });
        assert!(p.feed().entries().is_empty(), "{:?}", words(&p));
        // After it, a new HIGH finding is news.
        let g = fx.finding(FindingSpec {
            id: "g-1",
            product: "GuardDuty",
            severity: Severity::High,
            updated: 5,
            ..Default::default()
        });
        p.apply(fx.merge(SourceKind::SecurityHub, 5, findings(vec![g])));
        assert_eq!(words(&p), ["finding g-1 new"]);
    }

    #[test]
    fn a_control_flapping_says_each_turn_with_its_cause() {
        let mut fx = Fixtures::new();
        let mut p = posture();
        baseline(&mut fx, &mut p, false);
        assert_eq!(status(&p, "PRV-01", fx.t0), Status::Pass);
        for (t, bad) in [(10, true), (20, false), (30, true)] {
            let c = if bad { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
            let e = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", c, t);
            p.apply(fx.merge(SourceKind::Config, t, config(vec![], vec![e])));
        }
        let prv01: Vec<String> = words(&p).into_iter().filter(|w| w.contains("PRV-01")).collect();
        assert_eq!(
            prv01,
            [
                "+PRV-01 fraud-nb".to_string(),
                format!("PRV-01 PASS→FAIL (fraud-nb via rule {NB_RULE})"),
                "-PRV-01 fraud-nb".to_string(),
                format!("PRV-01 FAIL→PASS (fraud-nb via rule {NB_RULE})"),
                "+PRV-01 fraud-nb".to_string(),
                format!("PRV-01 PASS→FAIL (fraud-nb via rule {NB_RULE})"),
            ]
        );
        // On the data's own clock.
        let times: Vec<Timestamp> = p.feed().entries().iter().map(|c| c.at).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]) && times[0] == fx.at(10), "{times:?}");
        // An item replaced by itself (the same evaluation again, a newer poll) is no change.
        let before = p.feed().total();
        let e = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, 40);
        p.apply(fx.merge(SourceKind::Config, 40, config(vec![], vec![e])));
        assert_eq!(p.feed().total(), before, "{:?}", words(&p));
    }

    #[test]
    fn a_resource_leaving_and_coming_back_through_security_hub() {
        let mut fx = Fixtures::new();
        let mut p = posture();
        baseline(&mut fx, &mut p, false);
        let f =
            |fx: &mut Fixtures, w: WorkflowStatus, t| fx.finding(nb_finding("f-1", FindingCompliance::Failed, w, t));
        let x = f(&mut fx, WorkflowStatus::New, 10);
        p.apply(fx.merge(SourceKind::SecurityHub, 10, findings(vec![x])));
        let x = f(&mut fx, WorkflowStatus::Suppressed, 20);
        p.apply(fx.merge(SourceKind::SecurityHub, 20, findings(vec![x])));
        let x = f(&mut fx, WorkflowStatus::New, 30);
        p.apply(fx.merge(SourceKind::SecurityHub, 30, findings(vec![x])));
        let w = words(&p);
        assert!(
            w.contains(&"finding f-1 new".to_string()) && w.contains(&"finding f-1 suppressed".to_string()),
            "{w:?}"
        );
        let turns: Vec<&String> = w.iter().filter(|s| s.ends_with("PRV-01 fraud-nb")).collect();
        assert_eq!(turns, ["+PRV-01 fraud-nb", "-PRV-01 fraud-nb", "+PRV-01 fraud-nb"]);
        let via = p.feed().entries().iter().find_map(|c| match &c.what {
            What::Resource { via, .. } => Some(via.clone()),
            _ => None,
        });
        assert_eq!(via, Some(Via::Finding("SageMaker.1".into())));
        // Gone from a full read: archived.
        p.apply(fx.replace(SourceKind::SecurityHub, 40, findings(vec![])));
        assert!(words(&p).contains(&"finding f-1 archived".to_string()), "{:?}", words(&p));
        assert_eq!(
            p.feed()
                .entries()
                .iter()
                .filter(|c| matches!(c.what, What::Finding { event: FindingEvent::Archived, .. }))
                .count(),
            1
        );
    }

    #[test]
    fn a_source_failing_and_recovering() {
        let mut fx = Fixtures::new();
        let mut p = posture();
        baseline(&mut fx, &mut p, false);
        let throttled = SourceError::Throttled { operation: "GetFindings".into() };
        for t in [10, 11] {
            p.apply(vigil::sources::SourceEvent {
                source: SourceKind::SecurityHub,
                fetched_at: fx.at(t),
                result: Err(throttled.clone()),
            });
        }
        p.apply(fx.merge(SourceKind::SecurityHub, 20, findings(vec![])));
        assert_eq!(words(&p), ["securityhub ok→throttled", "securityhub throttled→ok"], "once each way");
        match &p.feed().entries()[0].what {
            What::Health { error: Some(e), .. } => assert!(e.contains("GetFindings"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_feed_is_bounded() {
        let mut fx = Fixtures::new();
        let mut p = posture();
        baseline(&mut fx, &mut p, false);
        let n = vigil::store::FEED_MAX + 7;
        for t in 0..n {
            let c = if t % 2 == 0 { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
            let e = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", c, 10 + t as i64);
            p.apply(fx.merge(SourceKind::Config, 10 + t as i64, config(vec![], vec![e])));
        }
        let feed = p.feed();
        assert_eq!(feed.entries().len(), vigil::store::FEED_MAX);
        assert_eq!(feed.dropped() + feed.entries().len() as u64, feed.total());
        assert!(feed.dropped() > 0);
        assert_eq!(feed.entries().back().unwrap().seq, feed.total(), "the newest kept");
    }

    #[test]
    fn remediations_started_succeeded_and_failed() {
        let mut fx = Fixtures::new();
        let mut p = posture();
        baseline(&mut fx, &mut p, true);
        let rule = NB_RULE;
        for (t, state) in [(10, ExecutionState::InProgress), (20, ExecutionState::Failed), (30, ExecutionState::Queued)]
        {
            let x = fx.execution(rule, NB_TYPE, "fraud-nb", state, if t == 30 { 30 } else { 10 }, t);
            p.apply(fx.merge(SourceKind::Config, t, Dataset { executions: vec![x], ..Default::default() }));
        }
        let w: Vec<String> = words(&p).into_iter().filter(|w| w.starts_with("remediation")).collect();
        assert_eq!(
            w,
            [
                format!("remediation {rule} IN_PROGRESS"),
                format!("remediation {rule} FAILED"),
                format!("remediation {rule} QUEUED")
            ]
        );
    }
}

// ── Snapshots: a warm start ──────────────────────────────────────────────────────────────────

#[test]
fn a_warm_start_holds_what_was_exported_stale_until_each_source_reads_again() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    let e = fx.evaluation(NB_RULE, NB_TYPE, "fraud-nb", ConfigCompliance::NonCompliant, 0);
    p.apply(fx.replace(SourceKind::Config, 0, config(vec![rule.clone()], vec![e.clone()])));
    let f = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 0));
    p.apply(fx.replace(SourceKind::SecurityHub, 0, Dataset { findings: vec![f], skipped: 2, ..Default::default() }));
    let exported = p.export();
    assert_eq!(exported.len(), 2, "Config's and Security Hub's full sets");

    let mut warm = posture();
    for kind in [SourceKind::Config, SourceKind::SecurityHub] {
        warm.register_source(kind, Some(std::time::Duration::from_secs(60)));
    }
    warm.warm_start(exported, fx.at(10));
    let now = fx.at(20);
    let i = warm.control_index("PRV-01").unwrap();
    assert_eq!(warm.evidence(i), p.evidence(i), "the same evidence");
    assert_eq!(warm.source(SourceKind::SecurityHub).skipped, 2);
    assert_eq!(
        warm.control_status(i, now),
        Status::Stale(Verdict::Fail(FailCount { resources: 1, at_least: false })),
        "stale until read again, however young"
    );
    assert_eq!(warm.snapshot_age(), Some(fx.at(10)));
    assert!(warm.feed().entries().is_empty());
    // Config and Security Hub read again: fresh, and the first read is the feed's baseline.
    warm.apply(fx.replace(SourceKind::Config, 20, config(vec![rule], vec![e])));
    let f = fx.finding(nb_finding("f-1", FindingCompliance::Failed, WorkflowStatus::New, 20));
    warm.apply(fx.replace(SourceKind::SecurityHub, 20, findings(vec![f])));
    assert_eq!(warm.control_status(i, now), fail(1));
    assert_eq!(warm.snapshot_age(), None);
    assert!(warm.feed().entries().is_empty(), "a snapshot is not a baseline: the first read is");
}

/// "By hand" is said of a quiet finding only once the rules of every API its findings are read
/// through were read: while the new Security Hub's rules are unread, one of them may be why.
#[test]
fn by_hand_only_once_every_apis_rules_are_read() {
    let mut fx = Fixtures::new();
    let mut p = posture();
    let f = fx.finding(FindingSpec {
        id: "arn:aws:securityhub:us-east-1:123456789012:security-control/S3.2/finding/1",
        control_id: Some("S3.2"),
        compliance: Some(FindingCompliance::Failed),
        workflow: WorkflowStatus::Suppressed,
        resource: ("AwsS3Bucket", "arn:aws:s3:::b"),
        ..Default::default()
    });
    let both = HubV2 { on: true, read: true, cspm: true };
    p.apply(fx.merge(
        SourceKind::SecurityHub,
        0,
        Dataset { hub_v2: Some(both), findings: vec![f.clone()], ..Default::default() },
    ));
    let rules = |api| Dataset {
        automation_rules: Some(AutomationRules { apis: vec![api], rules: Vec::new() }),
        ..Default::default()
    };
    assert_eq!(p.workflow_reason(&f), None, "no rules read: nothing said");
    p.apply(fx.merge(SourceKind::SecurityHub, 1, rules(RuleApi::Cspm)));
    assert_eq!(p.workflow_reason(&f), None, "CSPM's rules read, the new Security Hub's not: nothing said");
    p.apply(fx.merge(SourceKind::SecurityHub, 2, rules(RuleApi::V2)));
    assert_eq!(p.workflow_reason(&f), Some(WorkflowReason::ByHand), "every API's rules read, none matches");
}
