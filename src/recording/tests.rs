use super::Subject;
use super::*;
use crate::model::*;

fn header() -> Header {
    let subject = Subject { account: None, region: Some("us-east-1".into()), profile: Some("prod".into()) };
    let feeds = [(SourceKind::Config, Some(std::time::Duration::from_secs(60))), (SourceKind::Guardrails, None)];
    Header::new("2026-11-29T10:00:00Z".parse().unwrap(), subject, &feeds, &crate::catalog::Catalog::default_catalog())
}

fn write(header: &Header, entries: &[Entry]) -> String {
    let mut out = serde_json::to_string(header).unwrap();
    out.push('\n');
    let mut bytes = Vec::new();
    for e in entries {
        e.write_line(&mut bytes).unwrap();
    }
    out + &String::from_utf8(bytes).unwrap()
}

fn read(text: &str) -> Result<Recording, String> {
    Recording::read(text.as_bytes(), "r.jsonl").map_err(|e| e.to_string())
}

/// A data set with one of everything a source sends.
fn everything(at: Timestamp) -> Dataset {
    let mut i = Interner::new();
    let resource =
        ResourceId::from_config(&mut i, "AWS::SageMaker::NotebookInstance", "nb", "123456789012", "us-east-1");
    Dataset {
        rules: vec![ConfigRule {
            name: "r".into(),
            source_identifier: Some("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS".into()),
            compliance: Some(ConfigCompliance::NonCompliant),
            noncompliant: Some(CappedCount { count: 100, cap_exceeded: true }),
            details_complete: false,
            evaluation_error: Some("boom".into()),
            unread: PartSet::of(&[Part::RemediationConfigs]),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            observed_at: at,
        }],
        evaluations: vec![Evaluation {
            rule: "r".into(),
            resource: resource.clone(),
            compliance: ConfigCompliance::NonCompliant,
            annotation: None,
            recorded_at: at,
        }],
        remediation_configs: vec![RemediationConfig {
            rule: "r".into(),
            target: "AWS-StopNotebook".into(),
            automatic: true,
            resource_type: None,
            retry_window: std::time::Duration::from_secs(300),
            observed_at: at,
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }],
        executions: vec![RemediationExecution {
            rule: "r".into(),
            resource: resource.clone(),
            state: ExecutionState::Failed,
            invoked_at: at,
            updated_at: at,
            message: Some("AccessDenied".into()),
        }],
        findings: vec![Finding {
            id: "f".into(),
            product: "arn:aws:securityhub:us-east-1::product/aws/securityhub".into(),
            control_id: Some("SageMaker.1".into()),
            related_rule: None,
            title: "t \u{1b}[2J".into(),
            severity: Severity::High,
            workflow: WorkflowStatus::New,
            record_state: RecordState::Active,
            compliance: Some(FindingCompliance::Failed),
            resources: vec![resource].into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            updated_at: at.into(),
            first_observed: Some(at.into()),
            class: None,
        }],
        alarms: vec![Alarm {
            name: "a".into(),
            kind: AlarmKind::Metric,
            state: AlarmState::Alarm,
            reason: "r".into(),
            metric: Some(MetricId::new("N".into(), "M".into())),
            threshold: Some(1.5),
            state_updated_at: at,
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }],
        metrics: vec![MetricSeries {
            metric: MetricId { namespace: "N".into(), name: "M".into(), account: "1".into(), region: "r".into() },
            points: vec![(at, 2.5)],
        }],
        guardrails: vec![GuardrailResult {
            name: "g".into(),
            control: Some("PREV-1".into()),
            expected: Decision::ExplicitlyDenied,
            actual: Decision::Allowed,
            evaluated_at: at,
            detail: Some(std::sync::Arc::new(GuardrailDetail {
                reason: "why".into(),
                deciding: vec![ExplainedStatement {
                    layer: "identityPolicies[0]".into(),
                    statement: "Statement[0]".into(),
                    effect: "Allow".into(),
                    origin: "p.json".into(),
                    policy_text: "{}".into(),
                    lines: 1..3,
                    conditions: vec![ConditionResult {
                        operator: "StringEquals".into(),
                        key: "aws:x".into(),
                        values: vec!["v".into()],
                        context: None,
                        matched: false,
                    }],
                }],
                near_misses: Vec::new(),
            })),
        }],
        standards: vec![Standard { arn: "arn:s".into(), name: "FSBP".into(), enabled: true }],
        hub_scope: Some(HubScope {
            members: vec!["111122223333".into()],
            aggregator: Some(FindingAggregator {
                arn: "arn:aws:securityhub:us-east-1:123456789012:finding-aggregator/x".into(),
                home_region: "us-east-1".into(),
                linking_mode: "SPECIFIED_REGIONS".into(),
                regions: vec!["eu-west-1".into()],
            }),
        }),
        hub_v2: Some(crate::model::HubV2 { on: true, read: true, cspm: true }),
        hub_counts: Some(crate::model::HubCounts {
            failing_by_control: vec![("SageMaker.1".into(), 12)],
            open_by_severity: [1, 2, 3, 4, 5],
            open_activity_by_severity: [0, 1, 0, 2, 1],
        }),
        automation_rules: Some(crate::model::AutomationRules {
            apis: vec![crate::model::RuleApi::Cspm],
            rules: vec![crate::model::AutomationRule {
                api: crate::model::RuleApi::Cspm,
                arn: "arn:aws:securityhub:us-east-1:123456789012:automation-rule/dev".into(),
                name: "dev accounts".into(),
                order: 1.0,
                enabled: true,
                terminal: false,
                sets_workflow: Some(crate::model::WorkflowStatus::Suppressed),
                criteria: crate::model::Criteria::All(vec![crate::model::Criteria::Field {
                    field: crate::model::RuleField::Account,
                    tests: vec![(crate::model::Comparison::Equals, "123456789012".into())],
                }]),
                updated_at: Some(at),
            }],
        }),
        config_aggregators: Some(vec![ConfigAggregator {
            name: "org".into(),
            arn: "arn:aws:config:us-east-1:123456789012:config-aggregator/config-aggregator-1".into(),
            organization: true,
            accounts: Vec::new(),
            all_regions: true,
            regions: Vec::new(),
        }]),
        skipped: 2,
        fresh: PartSet::of(&[Part::Findings]),
        unread: vec![Unread {
            part: Part::Alarms,
            error: SourceError::Unauthorized { action: "cloudwatch:DescribeAlarms".into() },
        }],
        places: vec![PlaceRead {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            error: Some(SourceError::Throttled { operation: "DescribeAlarms".into() }),
        }],
    }
}

#[test]
fn every_kind_of_event_comes_back_as_it_went() {
    let at: Timestamp = "2026-11-29T10:00:05Z".parse().unwrap();
    let entry = |source, result| Entry { at, what: Recorded::Event(SourceEvent { source, fetched_at: at, result }) };
    let entries = vec![
        entry(SourceKind::Config, Ok(Payload::Replace(everything(at)))),
        entry(SourceKind::SecurityHub, Ok(Payload::Merge(everything(at)))),
        entry(SourceKind::SecurityHub, Ok(Payload::Sweep { seen: vec!["f".into()], started_at: at, skipped: 1 })),
        entry(SourceKind::SecurityHub, Ok(Payload::Progress { pages: 3, items: 300, rate: Some(2.5) })),
        entry(
            SourceKind::CloudWatch,
            Ok(Payload::Retrying { attempt: 2, error: SourceError::Throttled { operation: "GetMetricData".into() } }),
        ),
        entry(SourceKind::CloudWatch, Err(SourceError::ExpiredCredentials { fix: "aws sso login".into() })),
        entry(SourceKind::Guardrails, Err(SourceError::Failed { message: "m".into() })),
        Entry { at, what: Recorded::Account("123456789012".into()) },
    ];
    let text = write(&header(), &entries);
    let back = read(&text).unwrap();
    assert_eq!(back.header, header());
    assert_eq!(back.entries, entries);
    assert_eq!(back.account_at(at).as_deref(), Some("123456789012"));
    assert_eq!(back.catalog().unwrap().controls.len(), crate::catalog::Catalog::default_catalog().controls.len());
    // Strings read back are shared, as live ones are.
    let Recorded::Event(SourceEvent { result: Ok(Payload::Replace(d)), .. }) = &back.entries[0].what else { panic!() };
    assert!(std::sync::Arc::ptr_eq(&d.rules[0].account, &d.findings[0].account));
}

#[test]
fn damaged_and_newer_recordings_are_refused_with_the_line_and_the_reason() {
    let ok = write(&header(), &[]);
    let event = r#"{"at":"2026-11-29T10:00:01Z","event":{"source":"config","fetched_at":"2026-11-29T10:00:01Z","payload":{"replace":{}}}}"#;
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "r.jsonl: not a vigil recording: the file is empty"),
        ("hello\n".into(), "r.jsonl:1:1: not a vigil recording: the first line is not a recording's header"),
        (
            r#"{"vigil_recording":2,"vigil":"9.0.0"}"#.to_string() + "\n",
            "r.jsonl:1:1: recorded in format 2 (by vigil 9.0.0); this vigil 0.1.0 reads format 1: replay it with a newer vigil",
        ),
        (r#"{"vigil_recording":1}"#.to_string() + "\n", "r.jsonl:1:1: header: missing field `vigil`"),
        (
            format!("{ok}{event}\n{{\"at\":\"2026-11-29T10:00:02Z\",\"event\":{{\"source\":\"confg\"}}}}\n"),
            "r.jsonl:3:54: damaged line: unknown variant `confg`, expected one of `config`, `securityhub`, `cloudwatch`, `guardrails`",
        ),
        (
            format!("{ok}{event}\n{}", &event[..60]),
            "r.jsonl:3:60: the recording stops in the middle of this line (was it cut off?)",
        ),
        (
            format!("{ok}{}\n{event}\n", event.replace("10:00:01", "10:00:09")),
            "r.jsonl:3:1: out of order: 2026-11-29T10:00:01Z is before the line above's 2026-11-29T10:00:09Z",
        ),
        (
            format!(
                "{ok}{}\n",
                event.replace(
                    r#""payload":{"replace":{}}"#,
                    r#""payload":{"replace":{}},"error":{"failed":{"message":"x"}}"#
                )
            ),
            "r.jsonl:2:1: an event needs exactly one of `payload` and `error`",
        ),
        (
            format!("{ok}{{\"at\":\"2026-11-29T10:00:01Z\"}}\n"),
            "r.jsonl:2:1: a line needs exactly one of `event` and `account`",
        ),
        (
            format!("{ok}{}\n", event.replace("10:00:01", "09:59:59")),
            "r.jsonl:2:1: 2026-11-29T09:59:59Z is before the recording's start, 2026-11-29T10:00:00Z",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(read(&text).unwrap_err(), expected, "{}", text.lines().last().unwrap_or_default());
    }
    assert_eq!(read(&format!("{ok}{event}\n\n")).unwrap().entries.len(), 1, "a blank line is nothing");
}
