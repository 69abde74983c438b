//! The AWS adapters at the operation level, with aws-smithy-mocks: pagination over several
//! pages, throttling then success, AccessDenied, an expired token, a page that does not decode,
//! and findings that decode but lack what vigil needs.
#![cfg(feature = "aws")]

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use aws_smithy_types::error::ErrorMetadata;

use vigil::catalog::Catalog;
use vigil::config::AwsSettings;
use vigil::model::{ConfigCompliance, ExecutionState, Part, Severity};
use vigil::sources::aws::cloudwatch::CloudWatchPoller;
use vigil::sources::aws::config::ConfigPoller;
use vigil::sources::aws::limiter::RateLimit;
use vigil::sources::aws::poller::{Poll, Polled};
use vigil::sources::aws::retry::Retry;
use vigil::sources::aws::securityhub::{SecurityHubPoller, Settings};
use vigil::sources::aws::{AccountResolver, PollerBase, Scope};
use vigil::sources::{Dataset, Payload, SourceError, SourceEvent, SourceKind, system_clock};
use vigil::store::Posture;

const ACCOUNT: &str = "123456789012";

fn sdk() -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new("AKID", "SECRET", None, None, "test")))
        .http_client(create_mock_http_client())
        // As in `vigil`: the SDK's own retries are off; vigil retries, visibly.
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build()
}

/// One poll through a sink that collects what it sends, as `vigil report` takes it: the data it
/// sent as it went (a cold load's pages) and the payloads it returned, in order, with its error.
async fn poll<P: Poll>(p: &mut P) -> Polled {
    let mut returned = None;
    let slot = &mut returned;
    let events = vigil::sources::collect(system_clock(), |sink| async move {
        *slot = Some(p.poll(&sink).await);
    })
    .await;
    let polled = returned.expect("the poll ran");
    let mut payloads: Vec<Payload> = events
        .into_iter()
        .filter_map(|e| e.result.ok())
        .filter(|p| matches!(p, Payload::Replace(_) | Payload::Merge(_) | Payload::Sweep { .. }))
        .collect();
    payloads.extend(polled.payloads);
    Polled { payloads, error: polled.error }
}

/// The payloads of a poll that succeeded.
fn ok(polled: Polled) -> Vec<Payload> {
    assert!(polled.error.is_none(), "the poll failed: {:?}", polled.error);
    polled.payloads
}

/// The error of a poll that failed.
fn failed(polled: Polled) -> SourceError {
    polled.error.expect("the poll was expected to fail")
}

fn interceptor(rules: &[&Rule], mode: RuleMode) -> MockResponseInterceptor {
    rules.iter().fold(MockResponseInterceptor::new().rule_mode(mode), |i, r| i.with_rule(r))
}

fn retry(max_attempts: u32) -> Retry {
    Retry {
        max_attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        endpoint: None,
    }
}

/// A poller's settings: the test account, `attempts` quick attempts a call, profile "prod".
fn base(kind: SourceKind, attempts: u32, interval: u64) -> PollerBase {
    PollerBase {
        kind,
        scope: Scope { account: ACCOUNT.into(), region: "us-east-1".into() },
        resolver: AccountResolver::known(ACCOUNT, sdk(), AwsSettings::default(), system_clock()),
        retry: retry(attempts),
        interval: Duration::from_secs(interval),
        profile: Some("prod".into()),
    }
}

fn securityhub(rules: &[&Rule], mode: RuleMode, attempts: u32) -> SecurityHubPoller {
    // Most tests mock GetFindings and GetEnabledStandards only.
    securityhub_discovering(rules, mode, attempts, false)
}

fn securityhub_discovering(rules: &[&Rule], mode: RuleMode, attempts: u32, discover: bool) -> SecurityHubPoller {
    let conf = aws_sdk_securityhub::config::Builder::from(&sdk()).interceptor(interceptor(rules, mode)).build();
    SecurityHubPoller::new(
        aws_sdk_securityhub::Client::from_conf(conf),
        base(SourceKind::SecurityHub, attempts, 30),
        Settings {
            discover,
            get_findings: RateLimit::per_second(0.0),
            other: RateLimit::per_second(0.0),
            reconcile: Duration::from_secs(900),
            overlap: Duration::from_secs(300),
            // The new Security Hub's calls, and the automation rules, have tests of their own.
            api: vigil::config::HubApi::Cspm,
            automation_rules: false,
        },
    )
}

fn config(rules: &[&Rule], mode: RuleMode, attempts: u32) -> ConfigPoller {
    let conf = aws_sdk_config::config::Builder::from(&sdk()).interceptor(interceptor(rules, mode)).build();
    ConfigPoller::new(
        aws_sdk_config::Client::from_conf(conf),
        base(SourceKind::Config, attempts, 60),
        RateLimit::per_second(0.0),
    )
}

/// NON_COMPLIANT with a capped count of `n` resources, as both compliance calls give it.
fn noncompliant(n: i32, cap_exceeded: bool) -> aws_sdk_config::types::Compliance {
    use aws_sdk_config::types::{Compliance, ComplianceContributorCount, ComplianceType};
    let count = ComplianceContributorCount::builder().capped_count(n).cap_exceeded(cap_exceeded).build();
    Compliance::builder().compliance_type(ComplianceType::NonCompliant).compliance_contributor_count(count).build()
}

/// A GetFindings page as the service sends it (restJson1).
fn findings_page(ids: std::ops::Range<u32>, next: Option<&str>) -> String {
    let findings: Vec<serde_json::Value> = ids
        .map(|i| {
            serde_json::json!({
                "SchemaVersion": "2018-10-08",
                "Id": format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:security-control/SageMaker.1/finding/{i:04}"),
                "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
                "ProductName": "Security Hub",
                "GeneratorId": "security-control/SageMaker.1",
                "AwsAccountId": ACCOUNT,
                "Region": "us-east-1",
                "Types": ["Software and Configuration Checks"],
                "CreatedAt": "2026-11-26T10:00:00.000Z",
                "UpdatedAt": "2026-11-26T11:00:00.000Z",
                "Severity": {"Label": if i % 2 == 0 { "HIGH" } else { "LOW" }},
                "Title": "SageMaker notebook instances should not have direct internet access",
                "Description": "d",
                "Compliance": {"Status": "FAILED", "SecurityControlId": "SageMaker.1"},
                "Workflow": {"Status": "NEW"},
                "RecordState": "ACTIVE",
                "Resources": [{"Type": "AwsSageMakerNotebookInstance",
                               "Id": format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/nb-{i}")}],
            })
        })
        .collect();
    let mut page = serde_json::json!({"Findings": findings});
    if let Some(n) = next {
        page["NextToken"] = serde_json::json!(n);
    }
    page.to_string()
}

fn standards_rule() -> Rule {
    mock!(aws_sdk_securityhub::Client::get_enabled_standards).then_output(|| {
        aws_sdk_securityhub::operation::get_enabled_standards::GetEnabledStandardsOutput::builder()
            .standards_subscriptions(
                aws_sdk_securityhub::types::StandardsSubscription::builder()
                    .standards_subscription_arn("arn:aws:securityhub:us-east-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0")
                    .standards_arn("arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0")
                    .standards_status(aws_sdk_securityhub::types::StandardsStatus::Ready)
                    .build(),
            )
            .build()
    })
}

fn http(status: u16, body: String) -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
        aws_smithy_types::body::SdkBody::from(body),
    )
}

/// The identifier of a rule's evaluation of a resource, as Config's detail calls give it.
fn evaluated(rule: &str, kind: &str, id: &str) -> aws_sdk_config::types::EvaluationResultIdentifier {
    use aws_sdk_config::types::*;
    EvaluationResultIdentifier::builder()
        .evaluation_result_qualifier(
            EvaluationResultQualifier::builder().config_rule_name(rule).resource_type(kind).resource_id(id).build(),
        )
        .build()
}

fn apply(posture: &mut Posture, kind: SourceKind, payloads: Vec<Payload>) {
    for p in payloads {
        posture.apply(SourceEvent { source: kind, fetched_at: jiff::Timestamp::now(), result: Ok(p) });
    }
}

#[tokio::test]
async fn a_cold_load_reads_every_page_and_keeps_them_compact() {
    let pages = mock!(aws_sdk_securityhub::Client::get_findings)
        .sequence()
        .http_response(|| http(200, findings_page(0..100, Some("page-2"))))
        .http_response(|| http(200, findings_page(100..200, Some("page-3"))))
        .http_response(|| http(200, findings_page(200..250, None)))
        .build();
    let standards = standards_rule();
    let mut sh = securityhub(&[&standards, &pages], RuleMode::MatchAny, 3);
    let payloads = ok(poll(&mut sh).await);
    assert_eq!(pages.num_calls(), 3, "every page, once");
    assert_eq!(sh.get_findings_calls, 3);
    let mut posture = Posture::new(Catalog::default_catalog());
    apply(&mut posture, SourceKind::SecurityHub, payloads);
    assert_eq!(posture.finding_count(), 250);
    assert_eq!(posture.finding_totals().open_by_severity[Severity::High.index()], 125);
    assert_eq!(posture.standards()[0].name, "FSBP");
    let prv01 = posture.control_index("PRV-01").unwrap();
    assert_eq!(posture.evidence(prv01).failing.len(), 250, "each finding's notebook fails SageMaker.1");
}

/// The organisation's discovery: every page of ListMembers, the region's finding aggregator;
/// and a caller who may not list members keeps the scope unknown, its findings read all the same.
#[tokio::test]
async fn members_and_the_finding_aggregator_are_discovered_with_the_standards() {
    use aws_sdk_securityhub::operation::get_finding_aggregator::GetFindingAggregatorOutput;
    use aws_sdk_securityhub::operation::list_finding_aggregators::ListFindingAggregatorsOutput;
    use aws_sdk_securityhub::operation::list_members::ListMembersOutput;
    use aws_sdk_securityhub::types::{FindingAggregator, Member};
    const ARN: &str = "arn:aws:securityhub:us-east-1:123456789012:finding-aggregator/1";
    let member = |id: &str| Member::builder().account_id(id).member_status("Enabled").build();
    let members = mock!(aws_sdk_securityhub::Client::list_members)
        .sequence()
        .output(move || {
            ListMembersOutput::builder()
                .members(member("111122223333"))
                .members(member("444455556666"))
                .next_token("m2")
                .build()
        })
        .output(move || ListMembersOutput::builder().members(member("777788889999")).build())
        .build();
    let aggregators = mock!(aws_sdk_securityhub::Client::list_finding_aggregators).then_output(|| {
        ListFindingAggregatorsOutput::builder()
            .finding_aggregators(FindingAggregator::builder().finding_aggregator_arn(ARN).build())
            .build()
    });
    let aggregator = mock!(aws_sdk_securityhub::Client::get_finding_aggregator)
        .match_requests(|r| r.finding_aggregator_arn() == Some(ARN))
        .then_output(|| {
            GetFindingAggregatorOutput::builder()
                .finding_aggregator_arn(ARN)
                .finding_aggregation_region("us-east-1")
                .region_linking_mode("SPECIFIED_REGIONS")
                .regions("eu-west-1")
                .build()
        });
    let pages =
        mock!(aws_sdk_securityhub::Client::get_findings).then_http_response(|| http(200, findings_page(0..10, None)));
    let standards = standards_rule();
    let mut sh = securityhub_discovering(
        &[&standards, &members, &aggregators, &aggregator, &pages],
        RuleMode::MatchAny,
        3,
        true,
    );
    let payloads = ok(poll(&mut sh).await);
    assert_eq!(members.num_calls(), 2, "every page of members");
    let scope = payloads
        .iter()
        .find_map(|p| match p {
            Payload::Merge(d) => d.hub_scope.clone(),
            _ => None,
        })
        .expect("the scope is sent");
    assert_eq!(scope.members, ["111122223333", "444455556666", "777788889999"]);
    let a = scope.aggregator.expect("the aggregator");
    assert_eq!(
        (a.arn.as_str(), a.home_region.as_str(), a.linking_mode.as_str()),
        (ARN, "us-east-1", "SPECIFIED_REGIONS")
    );
    assert_eq!(a.regions, ["eu-west-1"]);
    let mut posture = Posture::new(Catalog::default_catalog());
    apply(&mut posture, SourceKind::SecurityHub, payloads);
    assert!(posture.is_organization());
    assert_eq!(posture.scope().accounts, ["111122223333", "123456789012", "444455556666", "777788889999"]);

    // A caller not allowed to list members: no scope, no error, the findings all the same.
    let denied = mock!(aws_sdk_securityhub::Client::list_members).then_error(|| {
        aws_sdk_securityhub::operation::list_members::ListMembersError::generic(
            ErrorMetadata::builder().code("AccessDeniedException").message("not authorized").build(),
        )
    });
    let pages =
        mock!(aws_sdk_securityhub::Client::get_findings).then_http_response(|| http(200, findings_page(0..10, None)));
    let mut sh =
        securityhub_discovering(&[&standards_rule(), &denied, &aggregators, &pages], RuleMode::MatchAny, 1, true);
    let payloads = ok(poll(&mut sh).await);
    assert!(payloads.iter().all(|p| !matches!(p, Payload::Merge(d) if d.hub_scope.is_some())));
    let mut posture = Posture::new(Catalog::default_catalog());
    apply(&mut posture, SourceKind::SecurityHub, payloads);
    assert_eq!(posture.finding_count(), 10);
    assert!(!posture.is_organization());
}

#[tokio::test]
async fn throttling_is_retried_until_it_succeeds_or_the_attempts_run_out() {
    let throttled = || r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.to_string();
    let rule = mock!(aws_sdk_securityhub::Client::get_findings)
        .sequence()
        .http_status(429, Some(throttled()))
        .times(2)
        .http_response(|| http(200, findings_page(0..10, None)))
        .build();
    let standards = standards_rule();
    let mut sh = securityhub(&[&standards, &rule], RuleMode::MatchAny, 3);
    let payloads = ok(poll(&mut sh).await);
    assert_eq!(rule.num_calls(), 3);
    let findings: usize = payloads.iter().map(|p| if let Payload::Merge(d) = p { d.findings.len() } else { 0 }).sum();
    assert_eq!(findings, 10);

    let always = mock!(aws_sdk_securityhub::Client::get_findings)
        .sequence()
        .http_status(429, Some(throttled()))
        .times(5)
        .build();
    let standards = standards_rule();
    let mut sh = securityhub(&[&standards, &always], RuleMode::MatchAny, 2);
    let err = failed(poll(&mut sh).await);
    assert_eq!(err, SourceError::Throttled { operation: "securityhub:GetFindings".into() });
    assert_eq!(always.num_calls(), 2, "two attempts, as configured");
}

#[tokio::test]
async fn a_background_pass_that_fails_asks_for_the_same_page_again() {
    let throttled = || r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.to_string();
    let changed = mock!(aws_sdk_securityhub::Client::get_findings)
        .match_requests(|r| r.filters().is_some_and(|f| !f.updated_at().is_empty()))
        .then_http_response(|| http(200, findings_page(0..0, None)));
    let first = mock!(aws_sdk_securityhub::Client::get_findings)
        .match_requests(|r| r.next_token().is_none())
        .then_http_response(|| http(200, findings_page(0..100, Some("p2"))));
    let second = mock!(aws_sdk_securityhub::Client::get_findings)
        .match_requests(|r| r.next_token() == Some("p2"))
        .sequence()
        .http_response(|| http(200, findings_page(100..150, None)))
        .http_status(429, Some(throttled()))
        .http_response(|| http(200, findings_page(100..150, None)))
        .build();
    let standards = standards_rule();
    let mut sh = securityhub(&[&standards, &changed, &second, &first], RuleMode::MatchAny, 1);
    ok(poll(&mut sh).await); // the cold load: pages 1 and 2
    ok(poll(&mut sh).await); // changes, and page 1 of the background pass
    assert!(failed(poll(&mut sh).await) == SourceError::Throttled { operation: "securityhub:GetFindings".into() });
    // The pass goes on from page 2, and ends.
    let last = ok(poll(&mut sh).await);
    assert_eq!(first.num_calls(), 2, "page 1: the cold load's and the pass's, not a third");
    assert_eq!(second.num_calls(), 3);
    assert!(last.iter().any(|p| matches!(p, Payload::Sweep { seen, .. } if seen.len() == 150)));
}

#[tokio::test]
async fn a_cold_load_that_fails_half_way_goes_on_from_where_it_stopped() {
    let throttled = || r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.to_string();
    let pages = mock!(aws_sdk_securityhub::Client::get_findings)
        .sequence()
        .http_response(|| http(200, findings_page(0..100, Some("page-2"))))
        .http_status(429, Some(throttled()))
        .times(2)
        .http_response(|| http(200, findings_page(100..200, Some("page-3"))))
        .http_response(|| http(200, findings_page(200..230, None)))
        .build();
    let standards = standards_rule();
    let mut sh = securityhub(&[&standards, &pages], RuleMode::MatchAny, 2);
    let first = poll(&mut sh).await;
    assert!(matches!(first.error, Some(SourceError::Throttled { .. })));
    assert!(first.payloads.iter().any(|p| matches!(p, Payload::Merge(d) if !d.read(vigil::model::Part::Findings))));
    let mut posture = Posture::new(Catalog::default_catalog());
    apply(&mut posture, SourceKind::SecurityHub, first.payloads);
    assert_eq!(posture.finding_count(), 100, "the first page stays");
    // The next poll asks for page 2, not page 1 again, and ends the load with its sweep.
    let second = ok(poll(&mut sh).await);
    assert_eq!(pages.num_calls(), 5, "page 1, two throttled attempts at page 2, pages 2 and 3");
    assert!(second.iter().any(|p| matches!(p, Payload::Sweep { seen, .. } if seen.len() == 230)));
    apply(&mut posture, SourceKind::SecurityHub, second);
    assert_eq!(posture.finding_count(), 230);
}

#[tokio::test]
async fn access_denied_names_the_action_and_the_last_data_stays() {
    let denied = mock!(aws_sdk_securityhub::Client::get_findings).then_error(|| {
        aws_sdk_securityhub::operation::get_findings::GetFindingsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User: arn:aws:sts::123456789012:assumed-role/Auditor/alice is not authorized to perform: securityhub:GetFindings")
                .build(),
        )
    });
    let mut sh = securityhub(&[&standards_rule(), &denied], RuleMode::MatchAny, 3);
    let err = failed(poll(&mut sh).await);
    assert_eq!(err, SourceError::Unauthorized { action: "securityhub:GetFindings".into() });
    assert_eq!(denied.num_calls(), 1, "access denied is not retried");

    let mut posture = Posture::new(Catalog::default_catalog());
    let pages =
        mock!(aws_sdk_securityhub::Client::get_findings).then_http_response(|| http(200, findings_page(0..5, None)));
    let mut allowed = securityhub(&[&standards_rule(), &pages], RuleMode::MatchAny, 3);
    apply(&mut posture, SourceKind::SecurityHub, ok(poll(&mut allowed).await));
    posture.apply(SourceEvent {
        source: SourceKind::SecurityHub,
        fetched_at: jiff::Timestamp::now(),
        result: Err(err),
    });
    assert_eq!(posture.source(SourceKind::SecurityHub).health.name(), "unauthorized");
    assert_eq!(posture.finding_count(), 5);
}

#[tokio::test]
async fn an_expired_token_says_how_to_renew_it() {
    let expired = mock!(aws_sdk_config::Client::describe_config_rules).then_error(|| {
        aws_sdk_config::operation::describe_config_rules::DescribeConfigRulesError::generic(
            ErrorMetadata::builder()
                .code("ExpiredTokenException")
                .message("The security token included in the request is expired")
                .build(),
        )
    });
    let mut c = config(&[&expired], RuleMode::MatchAny, 3);
    match failed(poll(&mut c).await) {
        SourceError::ExpiredCredentials { fix } => assert!(fix.contains("aws sso login --profile prod"), "{fix}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_page_that_does_not_decode_is_retried_then_reported_and_bad_findings_are_skipped() {
    // `Severity` must be an object: the whole page fails to decode.
    let broken = r#"{"Findings":[{"Id":"x","Severity":"HIGH"}]}"#.to_string();
    let rule =
        mock!(aws_sdk_securityhub::Client::get_findings).sequence().http_status(200, Some(broken)).times(3).build();
    let mut sh = securityhub(&[&standards_rule(), &rule], RuleMode::MatchAny, 3);
    match failed(poll(&mut sh).await) {
        SourceError::Failed { message } => assert!(message.contains("could not be decoded"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(rule.num_calls(), 3, "retried before giving up");

    // A page that decodes, with one finding lacking resources and one lacking a severity.
    let mut page: serde_json::Value = serde_json::from_str(&findings_page(0..4, None)).unwrap();
    page["Findings"][1]["Resources"] = serde_json::json!([]);
    page["Findings"][2].as_object_mut().unwrap().remove("Severity");
    let body = page.to_string();
    let rule = mock!(aws_sdk_securityhub::Client::get_findings).then_http_response(move || http(200, body.clone()));
    let mut sh = securityhub(&[&standards_rule(), &rule], RuleMode::MatchAny, 3);
    let payloads = ok(poll(&mut sh).await);
    let mut posture = Posture::new(Catalog::default_catalog());
    apply(&mut posture, SourceKind::SecurityHub, payloads);
    assert_eq!(posture.finding_count(), 2);
    assert_eq!(posture.source(SourceKind::SecurityHub).skipped, 2, "skipped and counted, not fatal");
}

#[tokio::test]
async fn config_reads_every_page_of_every_call() {
    use aws_sdk_config::operation as op;
    use aws_sdk_config::types::*;
    let rules = mock!(aws_sdk_config::Client::describe_config_rules)
        .sequence()
        .output(|| {
            op::describe_config_rules::DescribeConfigRulesOutput::builder()
                .config_rules(
                    ConfigRule::builder()
                        .config_rule_name("securityhub-sagemaker-notebook-no-direct-internet-access-1a2b")
                        .config_rule_arn("arn:aws:config:us-east-1:123456789012:config-rule/config-rule-1")
                        .source(
                            Source::builder()
                                .owner(Owner::Aws)
                                .source_identifier("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS")
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .next_token("rules-2")
                .build()
        })
        .output(|| {
            op::describe_config_rules::DescribeConfigRulesOutput::builder()
                .config_rules(
                    ConfigRule::builder()
                        .config_rule_name("s3-bucket-ssl-requests-only")
                        .source(
                            Source::builder()
                                .owner(Owner::Aws)
                                .source_identifier("S3_BUCKET_SSL_REQUESTS_ONLY")
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
        })
        .build();
    let compliance = mock!(aws_sdk_config::Client::describe_compliance_by_config_rule).then_output(|| {
        let nc = |name: &str, n: i32, exceeded: bool| {
            ComplianceByConfigRule::builder().config_rule_name(name).compliance(noncompliant(n, exceeded)).build()
        };
        op::describe_compliance_by_config_rule::DescribeComplianceByConfigRuleOutput::builder()
            .compliance_by_config_rules(nc("securityhub-sagemaker-notebook-no-direct-internet-access-1a2b", 3, false))
            .compliance_by_config_rules(nc("s3-bucket-ssl-requests-only", 100, true))
            .build()
    });
    let evaluation = |rule: &str, kind: &str, id: &str| {
        EvaluationResult::builder()
            .evaluation_result_identifier(evaluated(rule, kind, id))
            .compliance_type(ComplianceType::NonCompliant)
            .result_recorded_time(aws_smithy_types::DateTime::from_secs(1_790_000_000))
            .build()
    };
    let nb = "securityhub-sagemaker-notebook-no-direct-internet-access-1a2b";
    let details_nb = mock!(aws_sdk_config::Client::get_compliance_details_by_config_rule)
        .match_requests(move |r| r.config_rule_name() == Some(nb))
        .sequence()
        .output(move || {
            op::get_compliance_details_by_config_rule::GetComplianceDetailsByConfigRuleOutput::builder()
                .evaluation_results(evaluation(nb, "AWS::SageMaker::NotebookInstance", "nb-1"))
                .evaluation_results(evaluation(nb, "AWS::SageMaker::NotebookInstance", "nb-2"))
                .next_token("details-2")
                .build()
        })
        .output(move || {
            op::get_compliance_details_by_config_rule::GetComplianceDetailsByConfigRuleOutput::builder()
                .evaluation_results(evaluation(nb, "AWS::SageMaker::NotebookInstance", "nb-3"))
                .build()
        })
        .build();
    // The S3 rule's details are throttled for good: its count stays capped, shown as "100+".
    let details_s3 = mock!(aws_sdk_config::Client::get_compliance_details_by_config_rule)
        .match_requests(|r| r.config_rule_name() == Some("s3-bucket-ssl-requests-only"))
        .then_http_response(|| http(400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into()));
    let status = mock!(aws_sdk_config::Client::describe_config_rule_evaluation_status).then_output(|| {
        op::describe_config_rule_evaluation_status::DescribeConfigRuleEvaluationStatusOutput::builder()
            .config_rules_evaluation_status(
                ConfigRuleEvaluationStatus::builder()
                    .config_rule_name("s3-bucket-ssl-requests-only")
                    .last_error_code("AccessDenied")
                    .last_error_message("the rule's role cannot read bucket policies")
                    .last_failed_evaluation_time(aws_smithy_types::DateTime::from_secs(1_790_000_100))
                    .last_successful_evaluation_time(aws_smithy_types::DateTime::from_secs(1_790_000_000))
                    .build(),
            )
            .build()
    });
    let remediation = mock!(aws_sdk_config::Client::describe_remediation_configurations).then_output(move || {
        op::describe_remediation_configurations::DescribeRemediationConfigurationsOutput::builder()
            .remediation_configurations(
                RemediationConfiguration::builder()
                    .config_rule_name(nb)
                    .target_type(RemediationTargetType::SsmDocument)
                    .target_id("Custom-StopInternetFacingNotebook")
                    .automatic(true)
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let executions = mock!(aws_sdk_config::Client::describe_remediation_execution_status).then_output(|| {
        op::describe_remediation_execution_status::DescribeRemediationExecutionStatusOutput::builder()
            .remediation_execution_statuses(
                RemediationExecutionStatus::builder()
                    .resource_key(
                        ResourceKey::builder()
                            .resource_type(ResourceType::from("AWS::SageMaker::NotebookInstance"))
                            .resource_id("nb-1")
                            .build()
                            .unwrap(),
                    )
                    .state(RemediationExecutionState::Failed)
                    .step_details(
                        RemediationExecutionStep::builder()
                            .error_message("AccessDenied on sagemaker:StopNotebookInstance")
                            .build(),
                    )
                    .invocation_time(aws_smithy_types::DateTime::from_secs(1_790_000_200))
                    .last_updated_time(aws_smithy_types::DateTime::from_secs(1_790_000_300))
                    .build(),
            )
            .build()
    });
    // A role whose policy predates the advanced query (no config:SelectResourceConfig): the
    // query is refused and every rule is read one by one, as before it.
    let query = mock!(aws_sdk_config::Client::select_resource_config).then_http_response(|| {
        http(
            400,
            r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/ro/s is not authorized to perform: config:SelectResourceConfig"}"#.into(),
        )
    });
    let mut c = config(
        &[&rules, &compliance, &details_nb, &details_s3, &status, &remediation, &executions, &query],
        RuleMode::MatchAny,
        2,
    );
    // The S3 rule's details could not be read: the poll says so (not the refused query, which
    // it did without), and delivers the rest.
    let polled = poll(&mut c).await;
    assert!(matches!(polled.error, Some(SourceError::Throttled { .. })), "{:?}", polled.error);
    let payloads = polled.payloads;
    assert_eq!(rules.num_calls(), 2);
    assert_eq!(details_nb.num_calls(), 2, "both pages of details");
    assert_eq!(query.num_calls(), 1, "one query would have cost fewer calls, so it was tried first");

    let Payload::Replace(data) = &payloads[0] else { panic!("a full set") };
    let data: &Dataset = data;
    assert_eq!(data.rules.len(), 2);
    assert_eq!(data.evaluations.len(), 3);
    let s3 = data.rules.iter().find(|r| &*r.name == "s3-bucket-ssl-requests-only").unwrap();
    assert!(!s3.details_complete);
    assert!(s3.unread.contains(Part::ComplianceDetails), "its details are unknown, not absent");
    assert!(!data.read(Part::ComplianceDetails));
    assert!(data.read(Part::RemediationConfigs) && data.read(Part::EvaluationStatus), "the next parts were read");
    assert!(s3.noncompliant.unwrap().cap_exceeded);
    assert!(s3.evaluation_error.as_deref().unwrap().starts_with("AccessDenied"));
    assert_eq!(data.executions[0].state, ExecutionState::Failed);
    assert_eq!(
        &*data.executions[0].resource.id, "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-1",
        "Config ids become ARNs"
    );
    let mut posture = Posture::new(Catalog::default_catalog());
    apply(&mut posture, SourceKind::Config, payloads);
    let prv01 = posture.control_index("PRV-01").unwrap();
    assert_eq!(posture.control_status(prv01, jiff::Timestamp::now()).describe(), "FAIL 3");
    let prv07 = posture.control_index("PRV-07").unwrap();
    assert_eq!(posture.control_status(prv07, jiff::Timestamp::now()).describe(), "FAIL 100+");
    assert_eq!(posture.rules().find(|r| &*r.name == nb).unwrap().compliance, Some(ConfigCompliance::NonCompliant));
}

#[tokio::test]
async fn cloudwatch_reads_metric_and_composite_alarms_and_the_catalog_metrics() {
    use aws_sdk_cloudwatch::operation as op;
    use aws_sdk_cloudwatch::types::*;
    let alarms = mock!(aws_sdk_cloudwatch::Client::describe_alarms)
        .sequence()
        .output(|| {
            op::describe_alarms::DescribeAlarmsOutput::builder()
                .metric_alarms(
                    MetricAlarm::builder()
                        .alarm_name("SageMakerGuardrailDenials")
                        .namespace("LogMetrics")
                        .metric_name("SageMakerGuardrailDenials")
                        .threshold(1.0)
                        .state_value(StateValue::Alarm)
                        .state_reason("Threshold Crossed")
                        .state_updated_timestamp(aws_smithy_types::DateTime::from_secs(1_790_000_000))
                        .build(),
                )
                .next_token("alarms-2")
                .build()
        })
        .output(|| {
            op::describe_alarms::DescribeAlarmsOutput::builder()
                .composite_alarms(
                    CompositeAlarm::builder().alarm_name("ml-platform-health").state_value(StateValue::Ok).build(),
                )
                .build()
        })
        .build();
    let data = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(|req| {
        let results = req
            .metric_data_queries()
            .iter()
            .map(|q| {
                MetricDataResult::builder()
                    .id(q.id().unwrap_or_default())
                    .timestamps(aws_smithy_types::DateTime::from_secs(1_790_000_000))
                    .timestamps(aws_smithy_types::DateTime::from_secs(1_790_000_060))
                    .values(1.0)
                    .values(3.0)
                    .build()
            })
            .collect();
        op::get_metric_data::GetMetricDataOutput::builder().set_metric_data_results(Some(results)).build()
    });
    let conf = aws_sdk_cloudwatch::config::Builder::from(&sdk())
        .interceptor(interceptor(&[&alarms, &data], RuleMode::MatchAny))
        .build();
    let catalog = Catalog::default_catalog();
    let metrics = catalog.controls.iter().flat_map(|c| c.evidence.metrics.iter().cloned()).collect();
    let mut cw = CloudWatchPoller::new(
        aws_sdk_cloudwatch::Client::from_conf(conf),
        PollerBase { profile: None, ..base(SourceKind::CloudWatch, 3, 60) },
        RateLimit::per_second(0.0),
        Duration::from_secs(3 * 3600),
        metrics,
    );
    let payloads = ok(poll(&mut cw).await);
    assert_eq!(alarms.num_calls(), 2);
    let Payload::Replace(d) = &payloads[0] else { panic!() };
    assert_eq!(d.alarms.len(), 2);
    assert_eq!(d.alarms.iter().map(|a| a.threshold).collect::<Vec<_>>(), [Some(1.0), None], "Threshold is read");
    assert_eq!(d.metrics.len(), 2, "the catalog's two metrics");
    assert_eq!(d.metrics[0].points.len(), 2);
}

// ── The drill-down's lookups and the corrective actions ─────────────────────────────────────

mod drill {
    use super::*;
    use std::sync::Arc;
    use vigil::audit::AuditLog;
    use vigil::model::{
        Answer, Interner, Request, ResourceId, Section, SectionData, Subject, Timeline, WorkflowStatus, Write,
        WriteState,
    };
    use vigil::sources::aws::drill::AwsResponder;
    use vigil::sources::{Message, Responder, Sink};

    fn responder(config: &[&Rule], hub: &[&Rule], audit: Option<Arc<AuditLog>>) -> AwsResponder {
        let c =
            aws_sdk_config::config::Builder::from(&sdk()).interceptor(interceptor(config, RuleMode::MatchAny)).build();
        let h = aws_sdk_securityhub::config::Builder::from(&sdk())
            .interceptor(interceptor(hub, RuleMode::MatchAny))
            .build();
        AwsResponder::from_clients(
            (aws_sdk_config::Client::from_conf(c), aws_sdk_securityhub::Client::from_conf(h)),
            Scope { account: ACCOUNT.into(), region: "us-east-1".into() },
            AccountResolver::known(ACCOUNT, sdk(), AwsSettings::default(), system_clock()),
            retry(2),
            None,
            0.0,
            audit,
            Duration::from_millis(1),
        )
    }

    /// Every answer the responder sends for `request`, in order.
    async fn answers(r: &AwsResponder, request: Request) -> Vec<Answer> {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        r.respond(request, Sink::new(tx, system_clock())).await;
        let mut out = Vec::new();
        while let Ok(m) = rx.try_recv() {
            if let Message::Answer(a) = m {
                out.push(a);
            }
        }
        out
    }

    fn bucket() -> ResourceId {
        ResourceId::from_config(&mut Interner::new(), "AWS::S3::Bucket", "ml-data", ACCOUNT, "us-east-1")
    }

    fn evaluation(rule: &str, compliance: &str) -> aws_sdk_config::types::EvaluationResult {
        use aws_sdk_config::types::*;
        EvaluationResult::builder()
            .evaluation_result_identifier(evaluated(rule, "AWS::S3::Bucket", "ml-data"))
            .compliance_type(ComplianceType::from(compliance))
            .result_recorded_time(aws_smithy_types::DateTime::from_secs(1_764_000_000))
            .build()
    }

    fn execution(state: &str) -> aws_sdk_config::types::RemediationExecutionStatus {
        execution_at(state, 1_764_000_000)
    }

    fn execution_at(state: &str, invoked: i64) -> aws_sdk_config::types::RemediationExecutionStatus {
        use aws_sdk_config::types::*;
        RemediationExecutionStatus::builder()
            .resource_key(
                ResourceKey::builder()
                    .resource_type(ResourceType::from("AWS::S3::Bucket"))
                    .resource_id("ml-data")
                    .build()
                    .unwrap(),
            )
            .state(RemediationExecutionState::from(state))
            .invocation_time(aws_smithy_types::DateTime::from_secs(invoked))
            .step_details(
                RemediationExecutionStep::builder()
                    .name("PutPublicAccessBlock")
                    .state(RemediationExecutionStepState::from(if state == "FAILED" { "FAILED" } else { "SUCCEEDED" }))
                    .set_error_message((state == "FAILED").then(|| "AccessDenied".to_string()))
                    .build(),
            )
            .build()
    }

    #[tokio::test]
    async fn a_resource_lookup_answers_each_section_from_every_page() {
        use aws_sdk_config::operation::*;
        let details = mock!(aws_sdk_config::Client::get_compliance_details_by_resource)
            .sequence()
            .output(|| {
                get_compliance_details_by_resource::GetComplianceDetailsByResourceOutput::builder()
                    .evaluation_results(evaluation("s3-bucket-ssl-requests-only", "COMPLIANT"))
                    .next_token("2")
                    .build()
            })
            .output(|| {
                get_compliance_details_by_resource::GetComplianceDetailsByResourceOutput::builder()
                    .evaluation_results(evaluation("s3-bucket-level-public-access-prohibited", "NON_COMPLIANT"))
                    .build()
            })
            .build();
        let history = mock!(aws_sdk_config::Client::get_resource_config_history)
            .match_requests(|r| r.limit() == Some(11) && r.resource_id() == Some("ml-data"))
            .then_output(|| {
                use aws_sdk_config::types::*;
                let item = |t: i64, acl: &str| {
                    ConfigurationItem::builder()
                        .configuration_item_capture_time(aws_smithy_types::DateTime::from_secs(t))
                        .configuration_item_status(ConfigurationItemStatus::Ok)
                        .configuration(format!(r#"{{"acl":"{acl}"}}"#))
                        .build()
                };
                get_resource_config_history::GetResourceConfigHistoryOutput::builder()
                    .configuration_items(item(3, "private"))
                    .configuration_items(item(2, "public"))
                    .build()
            });
        let executions = mock!(aws_sdk_config::Client::describe_remediation_execution_status)
            .match_requests(|r| {
                r.config_rule_name() == Some("s3-bucket-level-public-access-prohibited") && r.resource_keys().len() == 1
            })
            .then_output(|| {
                describe_remediation_execution_status::DescribeRemediationExecutionStatusOutput::builder()
                    .remediation_execution_statuses(execution("FAILED"))
                    .build()
            });
        let findings = mock!(aws_sdk_securityhub::Client::get_findings)
            .match_requests(|r| {
                r.filters().and_then(|f| f.resource_id().first()).and_then(|f| f.value())
                    == Some("arn:aws:s3:::ml-data")
            })
            .then_http_response(|| http(200, findings_page(0..2, None)));
        let r = responder(&[&details, &history, &executions], &[&findings], None);
        let request = Request::Lookup {
            subject: Subject::Resource(bucket()),
            sections: Section::RESOURCE.to_vec(),
            remediation_rules: vec!["s3-bucket-level-public-access-prohibited".into(), "other-rule".into()],
        };
        let got = answers(&r, request).await;
        assert_eq!(details.num_calls(), 2, "every page");
        assert_eq!(history.num_calls(), 1);
        assert_eq!(executions.num_calls(), 1, "only the rules that evaluated it and have a remediation");
        assert_eq!(findings.num_calls(), 1);
        let section = |s: Section| {
            got.iter()
                .find_map(|a| match a {
                    Answer::Section { section, result, .. } if *section == s => Some(result.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{s:?} not answered"))
        };
        match section(Section::Evaluations).unwrap() {
            SectionData::Evaluations(l) => {
                assert_eq!(l.len(), 2);
                assert_eq!(&*l[0].rule, "s3-bucket-level-public-access-prohibited", "failing first");
            }
            other => panic!("{other:?}"),
        }
        match section(Section::Timeline).unwrap() {
            SectionData::Timeline(Timeline::Items(items)) => {
                assert_eq!(items[0].changed, vec!["configuration.acl"]);
            }
            other => panic!("{other:?}"),
        }
        match section(Section::Remediation).unwrap() {
            SectionData::Remediation(l) => assert_eq!(l[0].steps[0].error.as_deref(), Some("AccessDenied")),
            other => panic!("{other:?}"),
        }
        match section(Section::Findings).unwrap() {
            SectionData::Findings(l) => assert_eq!(l.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_section_that_fails_fails_alone() {
        let denied = mock!(aws_sdk_config::Client::get_resource_config_history).then_error(|| {
            aws_sdk_config::operation::get_resource_config_history::GetResourceConfigHistoryError::generic(
                ErrorMetadata::builder().code("AccessDeniedException").message("not authorized").build(),
            )
        });
        let details = mock!(aws_sdk_config::Client::get_compliance_details_by_resource).then_output(|| {
            aws_sdk_config::operation::get_compliance_details_by_resource::GetComplianceDetailsByResourceOutput::builder()
                .build()
        });
        let findings = mock!(aws_sdk_securityhub::Client::get_findings)
            .then_http_response(|| http(200, findings_page(0..0, None)));
        let r = responder(&[&denied, &details], &[&findings], None);
        let request = Request::Lookup {
            subject: Subject::Resource(bucket()),
            sections: vec![Section::Evaluations, Section::Timeline, Section::Findings],
            remediation_rules: Vec::new(),
        };
        let got = answers(&r, request).await;
        assert_eq!(got.len(), 3);
        for a in got {
            let Answer::Section { section, result, .. } = a else { panic!() };
            match section {
                Section::Timeline => {
                    let e = result.unwrap_err();
                    assert!(e.contains("GetResourceConfigHistory") && e.contains("not authorized"), "{e}");
                }
                _ => assert!(result.is_ok(), "{section:?}"),
            }
        }
    }

    fn write_mocks() -> (Rule, Rule, Rule) {
        let start = mock!(aws_sdk_config::Client::start_remediation_execution).then_output(|| {
            aws_sdk_config::operation::start_remediation_execution::StartRemediationExecutionOutput::builder().build()
        });
        // The execution that was there before (FAILED, older), read first and then again before
        // the new one shows: it must not end the follow.
        let old = || {
            aws_sdk_config::operation::describe_remediation_execution_status::DescribeRemediationExecutionStatusOutput::builder()
                .remediation_execution_statuses(execution_at("FAILED", 1_763_000_000))
                .build()
        };
        let status = mock!(aws_sdk_config::Client::describe_remediation_execution_status)
            .sequence()
            .output(old)
            .output(old)
            .output(|| {
                aws_sdk_config::operation::describe_remediation_execution_status::DescribeRemediationExecutionStatusOutput::builder()
                    .remediation_execution_statuses(execution("IN_PROGRESS"))
                    .build()
            })
            .output(|| {
                aws_sdk_config::operation::describe_remediation_execution_status::DescribeRemediationExecutionStatusOutput::builder()
                    .remediation_execution_statuses(execution("SUCCEEDED"))
                    .build()
            })
            .build();
        let update = mock!(aws_sdk_securityhub::Client::batch_update_findings).then_http_response(|| {
            http(
                200,
                r#"{"ProcessedFindings":[],"UnprocessedFindings":[{"FindingIdentifier":{"Id":"f-1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/securityhub"},"ErrorCode":"FindingNotFound","ErrorMessage":"Finding Not Found"}]}"#.to_string(),
            )
        });
        (start, status, update)
    }

    fn remediation() -> Write {
        Write::StartRemediation {
            rule: "s3-bucket-level-public-access-prohibited".into(),
            resource: bucket(),
            document: "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock".into(),
        }
    }

    fn triage() -> Write {
        Write::SetWorkflow {
            finding: "f-1".into(),
            product_arn: "arn:aws:securityhub:us-east-1::product/aws/securityhub".into(),
            account: ACCOUNT.into(),
            region: "us-east-1".into(),
            product: "Security Hub".into(),
            status: WorkflowStatus::Notified,
            note: "looking".into(),
            new_hub_only: false,
        }
    }

    #[tokio::test]
    async fn without_write_the_responder_calls_nothing() {
        let (start, status, update) = write_mocks();
        let r = responder(&[&start, &status], &[&update], None);
        for w in [remediation(), triage()] {
            let got = answers(&r, Request::Write(w)).await;
            assert!(
                matches!(&got[..], [Answer::Write { state: WriteState::Failed { reason }, .. }] if reason.contains("--write"))
            );
        }
        assert_eq!(start.num_calls() + status.num_calls() + update.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_started_remediation_is_followed_to_its_end_and_audited() {
        let (start, status, update) = write_mocks();
        let path = std::env::temp_dir().join(format!("vigil-mock-audit-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let audit = Arc::new(AuditLog::open(&path).unwrap());
        let r = responder(&[&start, &status], &[&update], Some(audit));
        let got = answers(&r, Request::Write(remediation())).await;
        assert_eq!(start.num_calls(), 1, "one StartRemediationExecution");
        let states: Vec<String> = got
            .iter()
            .filter_map(|a| if let Answer::Write { state, .. } = a { Some(state.to_string()) } else { None })
            .collect();
        assert_eq!(states, ["sent", "QUEUED", "IN_PROGRESS", "SUCCEEDED"]);
        // The unprocessed finding's code is the outcome.
        let got = answers(&r, Request::Write(triage())).await;
        assert_eq!(update.num_calls(), 1);
        assert!(got.iter().any(|a| matches!(a, Answer::Write { state: WriteState::Failed { reason }, .. }
            if reason.contains("FindingNotFound"))));
        let log = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3, "{log}");
        assert_eq!(lines[0]["operation"], "config:StartRemediationExecution");
        assert_eq!(lines[0]["outcome"], "accepted");
        assert_eq!(lines[1]["outcome"], "SUCCEEDED");
        assert_eq!(lines[2]["operation"], "securityhub:BatchUpdateFindings");
        assert!(lines[2]["outcome"].as_str().unwrap().contains("FindingNotFound"));
        assert!(!log.contains("SECRET") && !log.contains("AKID"), "never credentials");
        let _ = std::fs::remove_file(&path);
    }

    /// The new Security Hub's uid of Security Hub CSPM's findings in us-east-1.
    const PRODUCT_V2: &str = "arn:aws:securityhub:us-east-1::productv2/aws/securityhub";

    /// BatchUpdateFindingsV2 for [`triage`]: the finding by its account, id and product uid, the
    /// status as its `StatusId` (NOTIFIED 2), the note as its `Comment`; answered by `body`.
    fn update_v2(body: &'static str) -> Rule {
        mock!(aws_sdk_securityhub::Client::batch_update_findings_v2)
            .match_requests(|r| {
                let [id] = r.finding_identifiers() else { return false };
                id.cloud_account_uid() == Some(ACCOUNT)
                    && id.finding_info_uid() == Some("f-1")
                    && id.metadata_product_uid() == Some(PRODUCT_V2)
                    && r.metadata_uids().is_empty()
                    && r.status_id() == Some(2)
                    && r.comment() == Some("looking")
                    && r.severity_id().is_none()
            })
            .then_http_response(move || http(200, body.to_string()))
    }

    /// A responder that reads the findings through the new Security Hub, with `--write` and
    /// its audit log at `path`.
    fn responder_v2(hub: &[&Rule], path: &std::path::Path) -> AwsResponder {
        let _ = std::fs::remove_file(path);
        let audit = Arc::new(AuditLog::open(path).unwrap());
        responder(&[], hub, Some(audit)).with_hub_api(vigil::config::HubApi::V2)
    }

    fn audit_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
        let log = std::fs::read_to_string(path).unwrap();
        log.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn states(got: &[Answer]) -> Vec<WriteState> {
        got.iter()
            .filter_map(|a| if let Answer::Write { state, .. } = a { Some(state.clone()) } else { None })
            .collect()
    }

    #[tokio::test]
    async fn through_the_new_api_a_workflow_change_is_batch_update_findings_v2_and_audited() {
        let (_, _, asff) = write_mocks();
        let v2 = update_v2(
            r#"{"ProcessedFindings":[{"FindingIdentifier":{"CloudAccountUid":"123456789012","FindingInfoUid":"f-1","MetadataProductUid":"arn:aws:securityhub:us-east-1::productv2/aws/securityhub"}}],"UnprocessedFindings":[]}"#,
        );
        let path = std::env::temp_dir().join(format!("vigil-mock-audit-v2-{}.jsonl", std::process::id()));
        let r = responder_v2(&[&asff, &v2], &path);
        let got = answers(&r, Request::Write(triage())).await;
        assert_eq!((v2.num_calls(), asff.num_calls()), (1, 0), "BatchUpdateFindingsV2, not BatchUpdateFindings");
        let states = states(&got);
        assert_eq!(
            states,
            [WriteState::Sent, WriteState::Accepted { execution: None, detail: Some("workflow NOTIFIED".into()) }]
        );
        assert_eq!(
            vigil::app::write_outcome(&triage(), &states[1]),
            "AWS accepted securityhub:BatchUpdateFindings: workflow NOTIFIED"
        );
        let lines = audit_lines(&path);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["operation"], "securityhub:BatchUpdateFindings", "the IAM action it is authorised as");
        assert_eq!(lines[0]["outcome"], "accepted");
        assert_eq!(lines[0]["target"], "f-1");
        assert_eq!(
            lines[0]["parameters"],
            serde_json::json!({
                "FindingIdentifiers": [{"CloudAccountUid": ACCOUNT, "FindingInfoUid": "f-1", "MetadataProductUid": PRODUCT_V2}],
                "StatusId": 2,
                "Comment": "looking",
            }),
            "the request made"
        );
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn an_unprocessed_finding_of_batch_update_findings_v2_is_refused_in_aws_words() {
        let v2 = update_v2(
            r#"{"ProcessedFindings":[],"UnprocessedFindings":[{"FindingIdentifier":{"CloudAccountUid":"123456789012","FindingInfoUid":"f-1","MetadataProductUid":"arn:aws:securityhub:us-east-1::productv2/aws/securityhub"},"ErrorCode":"ResourceNotFoundException","ErrorMessage":"The finding f-1 was not found"}]}"#,
        );
        let path = std::env::temp_dir().join(format!("vigil-mock-audit-v2-refused-{}.jsonl", std::process::id()));
        let r = responder_v2(&[&v2], &path);
        let got = answers(&r, Request::Write(triage())).await;
        assert_eq!(v2.num_calls(), 1);
        let states = states(&got);
        let reason = "UnprocessedFindings: ResourceNotFoundException: The finding f-1 was not found";
        assert_eq!(states, [WriteState::Sent, WriteState::Failed { reason: reason.into() }]);
        // The status line says AWS refused it, in AWS's words; never "sent" once AWS answered.
        assert_eq!(
            vigil::app::write_outcome(&triage(), &states[1]),
            format!("refused: securityhub:BatchUpdateFindings: {reason}")
        );
        let lines = audit_lines(&path);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["operation"], "securityhub:BatchUpdateFindings");
        assert_eq!(lines[0]["outcome"], format!("refused: {reason}"));
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn a_finding_whose_product_uid_is_not_known_is_refused_before_any_call() {
        let v2 = update_v2(r#"{"ProcessedFindings":[],"UnprocessedFindings":[]}"#);
        let path = std::env::temp_dir().join(format!("vigil-mock-audit-v2-unknown-{}.jsonl", std::process::id()));
        let r = responder_v2(&[&v2], &path);
        let Write::SetWorkflow { finding, product_arn, account, region, status, note, .. } = triage() else {
            unreachable!()
        };
        let product = "Acme Scanner".into();
        let write =
            Write::SetWorkflow { finding, product_arn, account, region, product, status, note, new_hub_only: false };
        let got = answers(&r, Request::Write(write)).await;
        assert_eq!(v2.num_calls(), 0, "nothing sent");
        let reason = match &states(&got)[..] {
            [WriteState::Sent, WriteState::Failed { reason }] => reason.clone(),
            other => panic!("{other:?}"),
        };
        assert!(reason.contains("\"Acme Scanner\"") && reason.contains("product's uid"), "{reason}");
        let lines = audit_lines(&path);
        assert_eq!(lines[0]["outcome"], format!("refused: {reason}"));
        assert!(lines[0]["parameters"]["FindingIdentifiers"][0]["MetadataProductUid"].is_null());
        let _ = std::fs::remove_file(&path);
    }

    /// An exposure finding: the new Security Hub's alone (Security Hub CSPM's GetFindings does
    /// not have it).
    const EXPOSURE: &str =
        "arn:aws:securityhub:us-east-1:123456789012:exposure-finding/00000000-0000-4000-9000-000000000000";

    /// The exposure finding as GetFindingsV2 returns it (restJson1), asked for by its
    /// `finding_info.uid` alone.
    fn exposure_v2() -> Rule {
        use aws_sdk_securityhub::types::{OcsfStringField, StringFilterComparison};
        mock!(aws_sdk_securityhub::Client::get_findings_v2)
            .match_requests(|r| {
                let Some([composite]) = r.filters().map(|f| f.composite_filters()) else { return false };
                let [by_uid] = composite.string_filters() else { return false };
                let filter = by_uid.filter().unwrap();
                by_uid.field_name() == Some(&OcsfStringField::FindingInfoUid)
                    && filter.comparison() == Some(&StringFilterComparison::Equals)
                    && filter.value() == Some(EXPOSURE)
                    && composite.number_filters().is_empty()
                    && composite.date_filters().is_empty()
            })
            .then_http_response(|| {
                let doc = serde_json::json!({
                    "activity_id": 1,
                    "class_uid": 2004,
                    "class_name": "Detection Finding",
                    "severity_id": 4,
                    "status_id": 1,
                    "cloud": {"account": {"uid": ACCOUNT}, "region": "us-east-1"},
                    "finding_info": {
                        "uid": EXPOSURE,
                        "title": "Potential Data Exposure: SageMaker notebook instance reachable from the internet",
                        "desc": "The notebook instance nb-7 has direct internet access.",
                        "types": ["Exposure"],
                        "first_seen_time_dt": "2026-11-20T11:00:00.000Z",
                        "modified_time_dt": "2026-11-20T12:00:00.000Z",
                    },
                    "resources": [{
                        "type": "AWS::SageMaker::NotebookInstance",
                        "uid": "nb-7",
                        "uid_alt": format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/nb-7"),
                    }],
                    "metadata": {
                        "uid": "e".repeat(64),
                        "product": {"name": "Security Hub", "uid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub"},
                        "version": "1.6.0",
                    },
                });
                http(200, serde_json::json!({"Findings": [doc]}).to_string())
            })
    }

    /// GetFindings by Id, answering no finding.
    fn no_asff() -> Rule {
        mock!(aws_sdk_securityhub::Client::get_findings)
            .match_requests(|r| {
                r.filters().map(|f| f.id().iter().filter_map(|i| i.value()).collect::<Vec<_>>()) == Some(vec![EXPOSURE])
            })
            .then_http_response(|| http(200, findings_page(0..0, None)))
    }

    fn no_history() -> Rule {
        mock!(aws_sdk_securityhub::Client::get_finding_history)
            .then_http_response(|| http(200, r#"{"Records":[]}"#.to_string()))
    }

    /// The finding's sections, by section.
    fn sections(got: Vec<Answer>) -> std::collections::BTreeMap<Section, Result<SectionData, String>> {
        got.into_iter()
            .map(|a| match a {
                Answer::Section { section, result, .. } => (section, result),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_finding_only_the_new_security_hub_has_is_looked_up_through_get_findings_v2() {
        for api in [vigil::config::HubApi::Both, vigil::config::HubApi::Auto, vigil::config::HubApi::V2] {
            let (asff, v2, history) = (no_asff(), exposure_v2(), no_history());
            let r = responder(&[], &[&asff, &v2, &history], None).with_hub_api(api);
            let got = sections(answers(&r, vigil::app::finding_lookup(&EXPOSURE.into())).await);
            let asked = if api == vigil::config::HubApi::V2 { 0 } else { 1 };
            assert_eq!(asff.num_calls(), asked, "{api:?}: GetFindings first, except through the new API alone");
            assert_eq!(v2.num_calls(), 1, "{api:?}");
            assert_eq!(history.num_calls(), 0, "{api:?}: GetFindingHistory does not know it");
            let Some(Ok(SectionData::Detail(d))) = got.get(&Section::Detail) else { panic!("{api:?}: {got:?}") };
            assert_eq!(&*d.finding.id, EXPOSURE);
            assert_eq!(
                &*d.finding.title,
                "Potential Data Exposure: SageMaker notebook instance reachable from the internet"
            );
            assert_eq!(d.finding.severity, Severity::High);
            assert_eq!(d.finding.workflow, WorkflowStatus::New);
            assert_eq!(&*d.finding.product, "Security Hub");
            assert_eq!(&*d.finding.resources[0].kind, "AWS::SageMaker::NotebookInstance");
            assert_eq!(&*d.description, "The notebook instance nb-7 has direct internet access.");
            assert_eq!(d.types, [Box::from("Exposure")]);
            assert_eq!(&*d.product_arn, "arn:aws:securityhub:us-east-1::productv2/aws/securityhub");
            assert_eq!(
                got.get(&Section::History),
                Some(&Ok(SectionData::HistoryNotKept)),
                "{api:?}: no history to read, said as such"
            );
        }
    }

    #[tokio::test]
    async fn through_security_hub_cspm_alone_get_findings_v2_is_never_asked() {
        let (asff, v2, history) = (no_asff(), exposure_v2(), no_history());
        let r = responder(&[], &[&asff, &v2, &history], None).with_hub_api(vigil::config::HubApi::Cspm);
        let got = sections(answers(&r, vigil::app::finding_lookup(&EXPOSURE.into())).await);
        assert_eq!((asff.num_calls(), v2.num_calls(), history.num_calls()), (1, 0, 0));
        assert_eq!(got[&Section::Detail], Err("Security Hub no longer has this finding".to_string()));
        assert!(got[&Section::History].as_ref().unwrap_err().contains("could not be read"), "{got:?}");
    }

    #[tokio::test]
    async fn a_refused_get_findings_v2_names_the_action_it_is_authorised_as() {
        let denied = mock!(aws_sdk_securityhub::Client::get_findings_v2).then_error(|| {
            aws_sdk_securityhub::operation::get_findings_v2::GetFindingsV2Error::generic(
                ErrorMetadata::builder().code("AccessDeniedException").message("not authorized").build(),
            )
        });
        let asff = no_asff();
        let r = responder(&[], &[&asff, &denied], None).with_hub_api(vigil::config::HubApi::Both);
        let got = sections(answers(&r, vigil::app::finding_lookup(&EXPOSURE.into())).await);
        assert_eq!((asff.num_calls(), denied.num_calls()), (1, 1));
        let e = got[&Section::Detail].clone().unwrap_err();
        assert!(e.contains("securityhub:GetFindings") && !e.contains("GetFindingsV2"), "{e}");
        assert!(e.contains("not authorized"), "{e}");
    }

    #[tokio::test]
    async fn a_finding_security_hub_cspm_has_keeps_its_history_where_both_are_read() {
        let found = mock!(aws_sdk_securityhub::Client::get_findings)
            .then_http_response(|| http(200, findings_page(0..1, None)));
        let (v2, history) = (exposure_v2(), no_history());
        let r = responder(&[], &[&found, &v2, &history], None).with_hub_api(vigil::config::HubApi::Both);
        let id = format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:security-control/SageMaker.1/finding/0000");
        let got = sections(answers(&r, vigil::app::finding_lookup(&id.as_str().into())).await);
        assert_eq!((found.num_calls(), v2.num_calls(), history.num_calls()), (1, 0, 1));
        assert!(matches!(&got[&Section::Detail], Ok(SectionData::Detail(d)) if *d.finding.id == *id), "{got:?}");
        assert_eq!(got[&Section::History], Ok(SectionData::History(Vec::new())));
    }
}

/// Through an aggregator: the same rule name in two accounts is two rules, each with its own
/// resources; the caller's own rule is described (its managed identifier), a member's binds by
/// the identifier in its name; a dashboard's poll reads its budget of details, the rules never
/// read first, and the next poll the others.
#[tokio::test]
async fn config_reads_every_account_through_an_aggregator_within_a_budget_of_details() {
    use aws_sdk_config::operation as op;
    use aws_sdk_config::types::*;
    const MEMBER: &str = "111122223333";
    let nb = "securityhub-sagemaker-notebook-no-direct-internet-access-1a2b";
    let compliance = mock!(aws_sdk_config::Client::describe_aggregate_compliance_by_config_rules)
        .match_requests(|r| r.configuration_aggregator_name() == Some("org") && r.limit() == Some(1000))
        .then_output(move || {
            let placed = |account: &str, n: i32| {
                AggregateComplianceByConfigRule::builder()
                    .config_rule_name(nb)
                    .account_id(account)
                    .aws_region("us-east-1")
                    .compliance(noncompliant(n, false))
                    .build()
            };
            op::describe_aggregate_compliance_by_config_rules::DescribeAggregateComplianceByConfigRulesOutput::builder()
                .aggregate_compliance_by_config_rules(placed(ACCOUNT, 1))
                .aggregate_compliance_by_config_rules(placed(MEMBER, 2))
                .build()
        });
    let details = mock!(aws_sdk_config::Client::get_aggregate_compliance_details_by_config_rule)
        .match_requests(move |r| {
            r.config_rule_name() == Some(nb)
                && r.aws_region() == Some("us-east-1")
                && r.compliance_type() == Some(&ComplianceType::NonCompliant)
                && r.limit() == Some(100)
        })
        .then_compute_output(|r| {
            let account = r.account_id().unwrap().to_string();
            let ids: &[&str] = if account == ACCOUNT { &["nb-own"] } else { &["nb-a", "nb-b"] };
            let mut out = op::get_aggregate_compliance_details_by_config_rule::GetAggregateComplianceDetailsByConfigRuleOutput::builder();
            for id in ids {
                out = out.aggregate_evaluation_results(
                    AggregateEvaluationResult::builder()
                        .evaluation_result_identifier(evaluated(
                            r.config_rule_name().unwrap(),
                            "AWS::SageMaker::NotebookInstance",
                            id,
                        ))
                        .compliance_type(ComplianceType::NonCompliant)
                        .account_id(&account)
                        .aws_region("us-east-1")
                        .build(),
                );
            }
            out.build()
        });
    let own = mock!(aws_sdk_config::Client::describe_config_rules).then_output(move || {
        op::describe_config_rules::DescribeConfigRulesOutput::builder()
            .config_rules(
                ConfigRule::builder()
                    .config_rule_name(nb)
                    .source(
                        Source::builder()
                            .owner(Owner::Aws)
                            .source_identifier("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
    });
    let status = mock!(aws_sdk_config::Client::describe_config_rule_evaluation_status).then_output(|| {
        op::describe_config_rule_evaluation_status::DescribeConfigRuleEvaluationStatusOutput::builder().build()
    });
    let remediation = mock!(aws_sdk_config::Client::describe_remediation_configurations).then_output(|| {
        op::describe_remediation_configurations::DescribeRemediationConfigurationsOutput::builder().build()
    });
    // Accounts that do not record AWS::Config::ResourceCompliance: the query finds nothing, so
    // no rule's count is accounted for and each is due for its own details.
    let query = mock!(aws_sdk_config::Client::select_aggregate_resource_config)
        .match_requests(|r| r.configuration_aggregator_name() == Some("org") && r.limit() == Some(100))
        .then_output(|| op::select_aggregate_resource_config::SelectAggregateResourceConfigOutput::builder().build());
    let mut c = config(&[&compliance, &details, &own, &status, &remediation, &query], RuleMode::MatchAny, 1);
    c.aggregator = Some("org".into());
    c.details_budget = Some(1);

    let Payload::Replace(first) = ok(poll(&mut c).await).remove(0) else { panic!("a full set") };
    assert_eq!(compliance.num_calls(), 1);
    assert_eq!(query.num_calls(), 1, "the organisation's query first");
    assert_eq!(details.num_calls(), 1, "a budget of one rule's details");
    assert_eq!(first.rules.len(), 2, "one name, two accounts: two rules");
    let rule = |data: &Dataset, account: &str| data.rules.iter().find(|r| &*r.account == account).unwrap().clone();
    let (home, member) = (rule(&first, ACCOUNT), rule(&first, MEMBER));
    assert_eq!(home.source_identifier.as_deref(), Some("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS"));
    assert_eq!(member.source_identifier, None, "an aggregator gives names only");
    assert!(member.unread.contains(Part::RemediationConfigs), "no aggregator carries remediation");
    assert!(!home.unread.contains(Part::RemediationConfigs));
    let read_first = if home.details_complete { &home } else { &member };
    let left = if home.details_complete { &member } else { &home };
    assert!(read_first.details_complete && !left.details_complete && left.unread.contains(Part::ComplianceDetails));

    let mut posture = Posture::new(Catalog::default_catalog());
    apply(&mut posture, SourceKind::Config, vec![Payload::Replace(first)]);
    let second = ok(poll(&mut c).await);
    assert_eq!(details.num_calls(), 2, "the next poll reads the rule not read yet");
    let Payload::Replace(data) = &second[0] else { panic!("a full set") };
    assert!(rule(data, left.account.as_ref()).details_complete);
    apply(&mut posture, SourceKind::Config, second);
    // Both accounts' resources, each under its own account's rule, both binding the control.
    let prv01 = posture.control_index("PRV-01").unwrap();
    assert_eq!(posture.control_status(prv01, jiff::Timestamp::now()).describe(), "FAIL 3");
    let by_account = posture.accounts_matrix();
    let failing = |account: &str| by_account.iter().find(|a| a.account == account).map(|a| a.failing[prv01]);
    assert_eq!((failing(ACCOUNT), failing(MEMBER)), (Some(1), Some(2)));

    // The budget fits the poll into its interval at the Config rate: unlimited, the share
    // whole; at 4 calls a second for 60 s, what the last poll's other calls (compliance, this
    // account's rules, evaluation status, remediation) leave of 240; never under the minimum.
    use vigil::sources::aws::config::MIN_DETAILS_PER_POLL;
    assert_eq!(c.fitted_budget(1000), 1000, "no rate limit");
    let polled_calls = c.calls;
    c.limit = RateLimit::per_second(4.0);
    let fitted = c.fitted_budget(1000);
    let other = 240 - fitted as u64;
    assert!(
        other >= 4 && other < polled_calls / 2,
        "the second poll's calls but its one details call: {other} of {polled_calls}"
    );
    assert_eq!(c.fitted_budget(100), 100, "room enough for the share");
    c.limit = RateLimit::per_second(0.05);
    assert_eq!(c.fitted_budget(100), MIN_DETAILS_PER_POLL, "3 calls a minute leave none: the minimum");
    assert_eq!(c.fitted_budget(5), 5, "a share under the minimum stays");
}

/// `--member-role`: one AssumeRole per member account, its credentials kept for the account's
/// other regions; one client and one rate limiter per (account, region), so that throttling in
/// one member slows only that member; a role that cannot be assumed is unauthorized, named.
#[tokio::test]
async fn member_accounts_have_their_own_rate_limiters_and_one_assumed_role_each() {
    use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
    use vigil::sources::aws::members::Members;
    use vigil::sources::aws::retry::Caller;
    const REFUSED: &str = "777788889999";
    let assume = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(|r| {
            !r.role_arn().unwrap_or_default().contains(REFUSED) && r.role_session_name() == Some("vigil")
        })
        .then_compute_output(|r| {
            let account = r.role_arn().unwrap().split(':').nth(4).unwrap().to_string();
            let expires = aws_smithy_types::DateTime::from_secs(jiff::Timestamp::now().as_second() + 3600);
            AssumeRoleOutput::builder()
                .credentials(
                    aws_sdk_sts::types::Credentials::builder()
                        .access_key_id(format!("ASIA{account}"))
                        .secret_access_key("secret")
                        .session_token("token")
                        .expiration(expires)
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let denied = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(|r| r.role_arn().unwrap_or_default().contains(REFUSED))
        .then_http_response(|| {
            http(
                403,
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                 <Message>not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>"
                    .into(),
            )
        });
    let conf =
        aws_sdk_sts::config::Builder::from(&sdk()).interceptor(interceptor(&[&assume, &denied], RuleMode::MatchAny));
    let mut members = Members::new(&sdk(), aws_sdk_sts::Client::from_conf(conf.build()), "VigilReadOnly", (4.0, 4.0));
    assert_eq!(members.role_arn("111122223333").unwrap(), "arn:aws:iam::111122223333:role/VigilReadOnly");
    let held = &mut members;
    vigil::sources::collect(system_clock(), |sink| async move {
        let retry = retry(1);
        let caller = Caller { kind: SourceKind::Config, sink: &sink, profile: None, retry: &retry };
        let mut limiter = async |account: &str, region: &str| {
            held.config(&caller, account, region, false).await.map(|(_, limit)| limit)
        };
        let a_east = limiter("111122223333", "us-east-1").await.unwrap();
        let a_west = limiter("111122223333", "us-west-2").await.unwrap();
        let b_east = limiter("444455556666", "us-east-1").await.unwrap();
        let a_east_again = limiter("111122223333", "us-east-1").await.unwrap();
        assert!(a_east.shares(&a_east_again), "one limiter per account and region, kept");
        assert!(!a_east.shares(&a_west) && !a_east.shares(&b_east));
        // Throttled in one member's region: only that limiter slows down.
        a_east.throttled();
        assert_eq!(a_east.current(), Some(2.0));
        assert_eq!((a_west.current(), b_east.current()), (Some(4.0), Some(4.0)));
        let refused = limiter(REFUSED, "us-east-1").await.unwrap_err();
        assert_eq!(
            refused,
            SourceError::Unauthorized {
                action: format!("sts:AssumeRole on arn:aws:iam::{REFUSED}:role/VigilReadOnly")
            }
        );
    })
    .await;
    assert_eq!(assume.num_calls(), 2, "once per account, kept for its other regions");
    assert_eq!(denied.num_calls(), 1);
    assert_eq!(members.assumed, 2);
}

/// Credentials that expire between two chunks of DescribeRemediationConfigurations: the rules
/// configured in the first chunk have executions that were never asked for, so those are
/// unknown (not none), the later chunks' rules have unknown remediation, and nothing more is
/// called.
#[tokio::test]
async fn credentials_expiring_while_remediation_is_read_leave_the_executions_unknown() {
    use aws_sdk_config::operation as op;
    use aws_sdk_config::types::*;
    let names: Vec<String> = (0..30).map(|i| format!("rule-{i:02}")).collect();
    let listed = names.clone();
    let rules = mock!(aws_sdk_config::Client::describe_config_rules).then_output(move || {
        let mut out = op::describe_config_rules::DescribeConfigRulesOutput::builder();
        for name in &listed {
            out = out.config_rules(
                ConfigRule::builder()
                    .config_rule_name(name)
                    .source(
                        Source::builder()
                            .owner(Owner::Aws)
                            .source_identifier("S3_BUCKET_SSL_REQUESTS_ONLY")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            );
        }
        out.build()
    });
    let complied = names.clone();
    let compliance = mock!(aws_sdk_config::Client::describe_compliance_by_config_rule).then_output(move || {
        let mut out = op::describe_compliance_by_config_rule::DescribeComplianceByConfigRuleOutput::builder();
        for name in &complied {
            out = out.compliance_by_config_rules(
                ComplianceByConfigRule::builder()
                    .config_rule_name(name)
                    .compliance(Compliance::builder().compliance_type(ComplianceType::Compliant).build())
                    .build(),
            );
        }
        out.build()
    });
    let status = mock!(aws_sdk_config::Client::describe_config_rule_evaluation_status).then_output(|| {
        op::describe_config_rule_evaluation_status::DescribeConfigRuleEvaluationStatusOutput::builder().build()
    });
    let configured = |name: &str| {
        RemediationConfiguration::builder()
            .config_rule_name(name)
            .target_type(RemediationTargetType::SsmDocument)
            .target_id("AWS-EnableS3BucketEncryption")
            .build()
            .unwrap()
    };
    let remediation = mock!(aws_sdk_config::Client::describe_remediation_configurations)
        .sequence()
        .output(move || {
            op::describe_remediation_configurations::DescribeRemediationConfigurationsOutput::builder()
                .remediation_configurations(configured("rule-00"))
                .remediation_configurations(configured("rule-01"))
                .build()
        })
        .error(|| {
            op::describe_remediation_configurations::DescribeRemediationConfigurationsError::generic(
                ErrorMetadata::builder()
                    .code("ExpiredTokenException")
                    .message("The security token included in the request is expired")
                    .build(),
            )
        })
        .build();
    let executions = mock!(aws_sdk_config::Client::describe_remediation_execution_status).then_output(|| {
        op::describe_remediation_execution_status::DescribeRemediationExecutionStatusOutput::builder().build()
    });
    let mut c = config(&[&rules, &compliance, &status, &remediation, &executions], RuleMode::MatchAny, 1);
    let polled = poll(&mut c).await;
    assert!(matches!(polled.error, Some(SourceError::ExpiredCredentials { .. })), "{:?}", polled.error);
    assert_eq!(remediation.num_calls(), 2, "both chunks of 25 names were asked for");
    assert_eq!(executions.num_calls(), 0, "nothing is called with expired credentials");
    let Payload::Replace(data) = &polled.payloads[0] else { panic!("a full set: {:?}", polled.payloads) };
    assert_eq!(data.remediation_configs.len(), 2, "the first chunk's configurations are kept");
    let unread = |name: &str| data.rules.iter().find(|r| &*r.name == name).unwrap().unread;
    for name in ["rule-00", "rule-01"] {
        let parts = unread(name);
        assert!(!parts.contains(Part::RemediationConfigs), "{name}: its configuration was read");
        assert!(parts.contains(Part::RemediationExecutions), "{name}: its executions are unknown, not none");
    }
    assert!(unread("rule-05").is_empty(), "read in the first chunk, with no remediation");
    for name in ["rule-25", "rule-29"] {
        let parts = unread(name);
        assert!(parts.contains(Part::RemediationConfigs) && parts.contains(Part::RemediationExecutions), "{name}");
    }
}

/// The drill-down paces its calls with the pollers': the limits it is given are the pollers'
/// own (AWS counts both callers' calls in the account and region together).
#[test]
fn the_drill_down_is_given_the_pollers_own_limits() {
    let settings = AwsSettings::default();
    let resolver = AccountResolver::known(ACCOUNT, sdk(), settings.clone(), system_clock());
    let scope = Scope { account: ACCOUNT.into(), region: "us-east-1".into() };
    let pollers = vigil::sources::aws::Pollers::new(
        &sdk(),
        &settings,
        scope,
        resolver,
        &Catalog::default_catalog(),
        vigil::sources::aws::Mode::Watch,
    );
    let shared = pollers.limits();
    assert!(shared.config.shares(&pollers.config.limit));
    let (get_findings, other) = pollers.securityhub.limits();
    assert!(shared.get_findings.shares(&get_findings) && shared.securityhub.shares(&other));
    assert!(!shared.get_findings.shares(&other));
}

/// The new Security Hub (V2): DescribeSecurityHubV2 says whether it is enabled, GetFindingsV2
/// pages its OCSF findings, converted into vigil's findings with those it cannot read counted.
mod securityhub_v2 {
    use super::*;
    use aws_sdk_securityhub::operation::describe_security_hub_v2::{
        DescribeSecurityHubV2Error, DescribeSecurityHubV2Output,
    };
    use aws_sdk_securityhub::operation::get_findings_v2::GetFindingsV2Output;
    use aws_sdk_securityhub::types::OcsfNumberField;
    use serde_json::{Value, json};
    use vigil::model::{RecordState, Timestamp, WorkflowStatus};
    use vigil::sources::aws::securityhub_v2::{FindingScope, FindingsV2Reader, HubV2, ReadV2, detect};

    /// JSON as the SDK's document, as GetFindingsV2's findings come.
    fn document(v: &Value) -> aws_smithy_types::Document {
        use aws_smithy_types::{Document, Number};
        match v {
            Value::Null => Document::Null,
            Value::Bool(b) => Document::Bool(*b),
            Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Number::PosInt(u),
                (None, Some(i)) => Number::NegInt(i),
                _ => Number::Float(n.as_f64().unwrap()),
            }),
            Value::String(s) => Document::String(s.clone()),
            Value::Array(a) => Document::Array(a.iter().map(document).collect()),
            Value::Object(m) => Document::Object(m.iter().map(|(k, v)| (k.clone(), document(v))).collect()),
        }
    }

    /// The `i`th SageMaker.1 control finding of a page, as an OCSF document.
    fn finding(i: u32) -> Value {
        json!({
            "activity_id": if i % 10 == 9 { 3 } else { 2 },
            "class_uid": 2003,
            "class_name": "Compliance Finding",
            "severity_id": 4,
            "status_id": 1 + i % 4,
            "cloud": {"account": {"uid": ACCOUNT}, "region": "us-east-1"},
            "finding_info": {
                "uid": format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:security-control/SageMaker.1/finding/{i:04}"),
                "title": "SageMaker notebook instances should not have direct internet access",
                "modified_time_dt": format!("2026-11-20T12:{:02}:00.000Z", i % 60),
            },
            "compliance": {"control": "SageMaker.1", "status_id": 3},
            "resources": [{
                "type": "AWS::SageMaker::NotebookInstance",
                "uid": format!("nb-{i}"),
                "uid_alt": format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/nb-{i}"),
            }],
            "metadata": {
                "uid": format!("{i:064x}"),
                "product": {"uid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub"},
                "version": "1.6.0",
            },
        })
    }

    fn page(ids: std::ops::Range<u32>, next: Option<&str>) -> GetFindingsV2Output {
        let findings = ids.map(|i| document(&finding(i))).collect();
        GetFindingsV2Output::builder().set_findings(Some(findings)).set_next_token(next.map(str::to_string)).build()
    }

    fn client(rules: &[&Rule]) -> aws_sdk_securityhub::Client {
        let conf =
            aws_sdk_securityhub::config::Builder::from(&sdk()).interceptor(interceptor(rules, RuleMode::MatchAny));
        aws_sdk_securityhub::Client::from_conf(conf.build())
    }

    /// An error as the service sends it (restJson1): the code in a header and the body.
    fn http_error(status: u16, code: &str, message: &str) -> aws_smithy_runtime_api::http::Response {
        let mut r = http(status, json!({"Code": code, "Message": message}).to_string());
        r.headers_mut().insert("x-amzn-errortype", code.to_string());
        r.headers_mut().insert("content-type", "application/json");
        r
    }

    async fn detected(rule: &Rule, attempts: u32) -> Result<Option<HubV2>, SourceError> {
        let base = base(SourceKind::SecurityHub, attempts, 30);
        let sink = vigil::sources::Sink::detached(system_clock());
        detect(&client(&[rule]), &base.caller(&sink), &RateLimit::unlimited()).await
    }

    #[tokio::test]
    async fn the_new_security_hub_is_detected_when_on_not_enabled_when_off_and_denied_named() {
        let arn = "arn:aws:securityhub:us-east-1:123456789012:hubv2/default";
        let on = mock!(aws_sdk_securityhub::Client::describe_security_hub_v2).then_output(move || {
            DescribeSecurityHubV2Output::builder().hub_v2_arn(arn).subscribed_at("2026-10-01T08:00:00.000Z").build()
        });
        let hub = detected(&on, 3).await.unwrap().expect("enabled");
        assert_eq!(hub.arn, arn);
        assert_eq!(hub.subscribed_at, Some("2026-10-01T08:00:00Z".parse::<Timestamp>().unwrap()));

        // Not enabled: a 404 ResourceNotFoundException, as the service sends it. No error, no retry.
        let off = mock!(aws_sdk_securityhub::Client::describe_security_hub_v2).then_http_response(|| {
            http_error(404, "ResourceNotFoundException", "Security Hub is not enabled for this account in this Region.")
        });
        assert_eq!(detected(&off, 3).await, Ok(None));
        assert_eq!(off.num_calls(), 1);
        // An answer without a hub says the same.
        let empty = mock!(aws_sdk_securityhub::Client::describe_security_hub_v2)
            .then_output(|| DescribeSecurityHubV2Output::builder().build());
        assert_eq!(detected(&empty, 3).await, Ok(None));

        // Denied: an error that names the action, not retried, not taken for "not enabled".
        let denied = mock!(aws_sdk_securityhub::Client::describe_security_hub_v2).then_error(|| {
            DescribeSecurityHubV2Error::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User: arn:aws:sts::123456789012:assumed-role/Auditor/alice is not authorized to perform: securityhub:DescribeSecurityHubV2")
                    .build(),
            )
        });
        let err = detected(&denied, 3).await.unwrap_err();
        assert_eq!(err, SourceError::Unauthorized { action: "securityhub:DescribeSecurityHubV2".into() });
        assert_eq!(denied.num_calls(), 1, "access denied is not retried");

        // Throttled throughout: retried, then said as the ASFF source says it.
        let throttled = mock!(aws_sdk_securityhub::Client::describe_security_hub_v2)
            .sequence()
            .http_response(|| http_error(429, "ThrottlingException", "Rate exceeded"))
            .times(2)
            .build();
        let err = detected(&throttled, 2).await.unwrap_err();
        assert_eq!(err, SourceError::Throttled { operation: "securityhub:DescribeSecurityHubV2".into() });
        assert_eq!(throttled.num_calls(), 2);
    }

    #[tokio::test]
    async fn findings_are_read_page_by_page_with_unreadable_documents_skipped_and_counted() {
        // Page one: 100 documents, one without a finding_info.uid; page two: 40 and one whose
        // modified time is no time.
        let first = mock!(aws_sdk_securityhub::Client::get_findings_v2)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                let mut out = page(0..100, Some("page-2"));
                let mut broken = finding(1_000);
                broken["finding_info"].as_object_mut().unwrap().remove("uid");
                out.findings.as_mut().unwrap()[17] = document(&broken);
                out
            });
        let second = mock!(aws_sdk_securityhub::Client::get_findings_v2)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                let mut out = page(100..140, None);
                let mut broken = finding(1_001);
                broken["finding_info"]["modified_time_dt"] = json!("yesterday");
                out.findings.as_mut().unwrap().push(document(&broken));
                out
            });
        let asked = mock!(aws_sdk_securityhub::Client::get_findings_v2)
            .match_requests(|r| {
                // Every request: 100 a page, what is not closed (a first load).
                let condition = r.filters().map(|f| f.composite_filters()[0].number_filters()[0].clone());
                r.max_results() != Some(100)
                    || condition.is_none_or(|c| {
                        c.field_name() != Some(&OcsfNumberField::ActivityId)
                            || c.filter().and_then(|f| f.lte()) != Some(2.0)
                    })
            })
            .then_error(|| {
                aws_sdk_securityhub::operation::get_findings_v2::GetFindingsV2Error::generic(
                    ErrorMetadata::builder().code("UnexpectedRequest").message("not what the reader sends").build(),
                )
            });
        let limit = RateLimit::per_second(0.0);
        let mut reader = FindingsV2Reader::new(client(&[&asked, &first, &second]), limit.clone());
        assert!(reader.limit().shares(&limit), "the limit given, not a new one");
        let base = base(SourceKind::SecurityHub, 3, 30);
        let now = "2026-11-20T13:00:00Z".parse::<Timestamp>().unwrap();
        let mut result = None;
        let slot = &mut result;
        let reader_ref = &mut reader;
        let base_ref = &base;
        let events = vigil::sources::collect(system_clock(), |sink| async move {
            *slot = Some(reader_ref.read(base_ref, &sink, ReadV2::new(&FindingScope::everything(), None, now)).await);
        })
        .await;
        let read = result.unwrap().expect("read in full");
        assert_eq!(asked.num_calls(), 0, "every request as the reader sends it");
        assert_eq!((first.num_calls(), second.num_calls(), reader.calls), (1, 1, 2));
        assert_eq!(read.pages, 2);
        assert_eq!(read.skipped, 2, "skipped and counted, not fatal");
        assert_eq!(read.findings.len(), 139);
        let ids: Vec<u32> =
            read.findings.iter().map(|f| f.finding.id.rsplit('/').next().unwrap().parse().unwrap()).collect();
        let expected: Vec<u32> = (0..140).filter(|i| *i != 17).collect();
        assert_eq!(ids, expected, "in the order given, page after page");
        let f = &read.findings[9];
        assert_eq!(f.metadata_uid.as_deref(), Some(format!("{:064x}", 9).as_str()));
        assert_eq!(f.class_uid, Some(2003));
        assert_eq!(f.product_uid.as_deref(), Some("arn:aws:securityhub:us-east-1::productv2/aws/securityhub"));
        assert_eq!(&*f.finding.product, "Security Hub");
        assert_eq!(f.finding.control_id.as_deref(), Some("SageMaker.1"));
        assert_eq!((f.finding.workflow, f.finding.record_state), (WorkflowStatus::Notified, RecordState::Archived));
        // A first load tells its progress page by page, as the ASFF cold load does.
        let progress: Vec<(u32, u64)> = events
            .iter()
            .filter_map(|e| match &e.result {
                Ok(Payload::Progress { pages, items, .. }) => Some((*pages, *items)),
                _ => None,
            })
            .collect();
        assert_eq!(progress, [(1, 99), (2, 139)]);
    }

    #[tokio::test]
    async fn a_read_that_fails_half_way_keeps_what_it_read_and_goes_on_from_the_page_that_failed() {
        let first = mock!(aws_sdk_securityhub::Client::get_findings_v2)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| page(0..100, Some("page-2")));
        let second = mock!(aws_sdk_securityhub::Client::get_findings_v2)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .sequence()
            .http_response(|| http_error(429, "ThrottlingException", "Rate exceeded"))
            .times(2)
            .output(|| page(100..130, None))
            .build();
        let mut reader = FindingsV2Reader::new(client(&[&first, &second]), RateLimit::per_second(0.0));
        let base = base(SourceKind::SecurityHub, 2, 30);
        let sink = vigil::sources::Sink::detached(system_clock());
        let since = "2026-11-20T12:00:00Z".parse::<Timestamp>().unwrap();
        let request = ReadV2::new(&FindingScope::everything(), Some(since), since);
        let stopped = reader.read(&base, &sink, request.clone()).await.unwrap_err();
        assert_eq!(stopped.error, SourceError::Throttled { operation: "securityhub:GetFindings".into() });
        assert_eq!(stopped.read.findings.len(), 100, "the first page is kept");
        assert_eq!(stopped.resume, ReadV2 { from: Some("page-2".into()), ..request });
        let rest = reader.read(&base, &sink, stopped.resume).await.unwrap();
        assert_eq!(rest.findings.len(), 30);
        assert_eq!((first.num_calls(), second.num_calls()), (1, 3), "the first page is not read again");
    }
}

/// Security Hub CSPM's automation rules at the operation level: ListAutomationRules over two
/// pages, a throttled BatchGetAutomationRules retried, each rule's criteria as tests on the
/// fields vigil keeps (a tag criterion untestable), its action's workflow, order, terminal flag
/// and status. AccessDenied on the list is the read's error, naming the action.
mod automation_rules {
    use super::*;
    use aws_sdk_securityhub::operation::batch_get_automation_rules::BatchGetAutomationRulesOutput;
    use aws_sdk_securityhub::operation::list_automation_rules::{ListAutomationRulesError, ListAutomationRulesOutput};
    use aws_sdk_securityhub::types::{
        AutomationRulesAction, AutomationRulesActionType, AutomationRulesConfig, AutomationRulesFindingFieldsUpdate,
        AutomationRulesFindingFilters, AutomationRulesMetadata, MapFilter, MapFilterComparison, RuleStatus,
        StringFilter, StringFilterComparison, WorkflowStatus as SdkWorkflow, WorkflowUpdate,
    };
    use vigil::model::{Comparison, Criteria, RuleApi, RuleField, WorkflowStatus};
    use vigil::sources::aws::automation::read_cspm;

    fn arn(n: u32) -> String {
        format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:automation-rule/rule-{n}")
    }

    fn config(n: u32, terminal: bool) -> AutomationRulesConfig {
        let equals = |v: &str| StringFilter::builder().value(v).comparison(StringFilterComparison::Equals).build();
        let mut criteria = AutomationRulesFindingFilters::builder()
            .aws_account_id(equals("111122223333"))
            .aws_account_id(equals("444455556666"))
            .workflow_status(equals("NEW"));
        if n == 2 {
            criteria = criteria.resource_tags(
                MapFilter::builder().key("env").value("dev").comparison(MapFilterComparison::Equals).build(),
            );
        }
        AutomationRulesConfig::builder()
            .rule_arn(arn(n))
            .rule_name(format!("rule {n}"))
            .rule_order(n as i32)
            .rule_status(if n == 3 { RuleStatus::Disabled } else { RuleStatus::Enabled })
            .is_terminal(terminal)
            .criteria(criteria.build())
            .actions(
                AutomationRulesAction::builder()
                    .r#type(AutomationRulesActionType::FindingFieldsUpdate)
                    .finding_fields_update(
                        AutomationRulesFindingFieldsUpdate::builder()
                            .workflow(WorkflowUpdate::builder().status(SdkWorkflow::Suppressed).build())
                            .build(),
                    )
                    .build(),
            )
            .build()
    }

    async fn read(rules: &[&Rule]) -> Result<Vec<vigil::model::AutomationRule>, SourceError> {
        let conf = aws_sdk_securityhub::config::Builder::from(&sdk())
            .interceptor(interceptor(rules, RuleMode::Sequential))
            .build();
        let client = aws_sdk_securityhub::Client::from_conf(conf);
        let base = base(SourceKind::SecurityHub, 3, 30);
        let mut calls = 0;
        let mut out = None;
        let slot = &mut out;
        vigil::sources::collect(system_clock(), |sink| async move {
            let caller = base.caller(&sink);
            *slot = Some(read_cspm(&client, &caller, &RateLimit::per_second(0.0), &mut calls).await);
        })
        .await;
        out.unwrap()
    }

    #[tokio::test]
    async fn every_page_every_rule_and_its_criteria() {
        let page1 = mock!(aws_sdk_securityhub::Client::list_automation_rules)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListAutomationRulesOutput::builder()
                    .automation_rules_metadata(AutomationRulesMetadata::builder().rule_arn(arn(1)).build())
                    .automation_rules_metadata(AutomationRulesMetadata::builder().rule_arn(arn(2)).build())
                    .next_token("page-2")
                    .build()
            });
        let page2 = mock!(aws_sdk_securityhub::Client::list_automation_rules)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                ListAutomationRulesOutput::builder()
                    .automation_rules_metadata(AutomationRulesMetadata::builder().rule_arn(arn(3)).build())
                    .build()
            });
        let throttled = mock!(aws_sdk_securityhub::Client::batch_get_automation_rules).then_http_response(|| {
            http(429, r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.into())
        });
        let batch = mock!(aws_sdk_securityhub::Client::batch_get_automation_rules)
            .match_requests(|r| r.automation_rules_arns() == [arn(1), arn(2), arn(3)])
            .then_output(|| {
                BatchGetAutomationRulesOutput::builder()
                    .rules(config(1, false))
                    .rules(config(2, true))
                    .rules(config(3, false))
                    .build()
            });
        let rules = read(&[&page1, &page2, &throttled, &batch]).await.unwrap();
        assert_eq!(batch.num_calls(), 1);
        assert_eq!(rules.len(), 3);
        let first = &rules[0];
        assert_eq!((first.api, first.name.as_str(), first.order, first.enabled), (RuleApi::Cspm, "rule 1", 1.0, true));
        assert_eq!(first.sets_workflow, Some(WorkflowStatus::Suppressed));
        assert_eq!(
            first.criteria,
            Criteria::All(vec![
                Criteria::Field {
                    field: RuleField::Account,
                    tests: vec![
                        (Comparison::Equals, "111122223333".into()),
                        (Comparison::Equals, "444455556666".into())
                    ],
                },
                Criteria::Field { field: RuleField::Workflow, tests: vec![(Comparison::Equals, "NEW".into())] },
            ])
        );
        assert!(rules[1].terminal && rules[1].criteria.untestable() == ["ResourceTags"], "{:?}", rules[1]);
        assert!(!rules[2].enabled, "a disabled rule is kept, and explains nothing");
    }

    #[tokio::test]
    async fn access_denied_is_the_reads_error() {
        let denied = mock!(aws_sdk_securityhub::Client::list_automation_rules).then_error(|| {
            ListAutomationRulesError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: securityhub:ListAutomationRules")
                    .build(),
            )
        });
        let e = read(&[&denied]).await.unwrap_err();
        assert!(matches!(e, SourceError::Unauthorized { .. }), "{e:?}");
        assert!(e.to_string().contains("securityhub:ListAutomationRules"), "{e}");
    }
}
