//! One set, one number (issue 20): over generated stores, every control's failing count reads
//! the same in its pane row, its detail (box title and "Failing resources" heading, and the
//! rows listed under it), the JSON report (`failing`, `failing_at_least`, `resources`), the
//! Markdown report (Failing and Resources cells) and the CSV report; or says that it is a
//! lower bound (`n+`) where a capped count or unread evidence makes it one.

mod common;
mod fixtures;

use std::collections::BTreeMap;

use proptest::prelude::*;
use ratatui::buffer::Buffer;
use serde_json::Value;

use common::render;
use fixtures::{FindingSpec, Fixtures};
use vigil::catalog::Catalog;
use vigil::model::*;
use vigil::report::{self, Subject};
use vigil::sources::{Dataset, SourceError, SourceKind, Unread};
use vigil::store::Posture;
use vigil::theme::Theme;
use vigil::ui::{Banner, Screen, View};

/// The screen the panes and a control's detail are read from.
const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

/// Resources of each type a case may name: more than the Markdown cell's ten, across types.
const RESOURCES: usize = 13;

/// What the default catalog binds, in its order: the generator's alphabet.
struct Universe {
    /// Managed rules by `Source.SourceIdentifier`.
    rules: Vec<String>,
    hub_controls: Vec<String>,
    products: Vec<String>,
    alarms: Vec<String>,
    tests: Vec<String>,
}

fn universe() -> Universe {
    let catalog = Catalog::default_catalog();
    let mut u = Universe { rules: vec![], hub_controls: vec![], products: vec![], alarms: vec![], tests: vec![] };
    let add = |list: &mut Vec<String>, items: &[String]| {
        for item in items {
            if !list.contains(item) {
                list.push(item.clone());
            }
        }
    };
    for c in &catalog.controls {
        let b = &c.evidence;
        add(&mut u.rules, &b.config_rules);
        add(&mut u.hub_controls, &b.security_hub_controls);
        add(&mut u.products, &b.finding_products);
        add(&mut u.alarms, &b.alarms);
        add(&mut u.tests, &b.guardrail_tests);
    }
    u
}

// ── The generated store ──────────────────────────────────────────────────────────────────────

/// One managed rule of the catalog, as Config describes it.
#[derive(Debug, Clone)]
struct RuleCase {
    deployed: bool,
    /// Per resource of the rule's type: not evaluated, NON_COMPLIANT (`true`) or COMPLIANT.
    evaluations: Vec<Option<bool>>,
    /// A capped NON_COMPLIANT count whose details were not read: the count, CapExceeded.
    capped: Option<(u32, bool)>,
    evaluation_error: bool,
    /// A remediation configuration: none, or one (automatic or not).
    remediation: Option<bool>,
    /// What of its remediation could not be read: nothing, its executions, or its configuration
    /// and executions both.
    remediation_unread: Unreadable,
    /// Per resource: the latest remediation execution.
    executions: Vec<Option<ExecutionState>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unreadable {
    Nothing,
    Executions,
    Both,
}

/// A Security Hub control finding.
#[derive(Debug, Clone)]
struct ControlFinding {
    control: usize,
    resource: usize,
    compliance: FindingCompliance,
    workflow: WorkflowStatus,
    archived: bool,
}

/// An activity finding of a product (GuardDuty, Macie...).
#[derive(Debug, Clone)]
struct Activity {
    product: usize,
    resource: usize,
    severity: Severity,
    workflow: WorkflowStatus,
}

#[derive(Debug, Clone)]
struct Case {
    /// `None`: Config has not answered.
    config: Option<Vec<RuleCase>>,
    /// `None`: Security Hub has not answered.
    hub: Option<(Vec<ControlFinding>, Vec<Activity>)>,
    /// `None`: CloudWatch has not answered; else per catalog alarm, absent or in a state.
    alarms: Option<Vec<Option<AlarmState>>>,
    /// Per catalog guardrail test: not run, passed (`true`) or not.
    tests: Vec<Option<bool>>,
    /// Config, Security Hub, CloudWatch: last read ten minutes ago (stale), or just now.
    stale: [bool; 3],
}

fn rule_case() -> impl Strategy<Value = RuleCase> {
    let sparse = prop_oneof![2 => Just(None), 1 => Just(Some(true)), 1 => Just(Some(false))];
    let dense = prop_oneof![1 => Just(None), 4 => Just(Some(true)), 1 => Just(Some(false))];
    // Mostly a few failing resources; now and then most of them, for more than a cell's ten.
    let evaluations = prop_oneof![
        3 => proptest::collection::vec(sparse, 0..=RESOURCES),
        1 => proptest::collection::vec(dense, 8..=RESOURCES),
    ];
    let execution = prop_oneof![
        5 => Just(None),
        1 => Just(Some(ExecutionState::Failed)),
        1 => Just(Some(ExecutionState::Succeeded)),
        1 => Just(Some(ExecutionState::InProgress)),
    ];
    let capped =
        prop_oneof![6 => Just(None), 1 => (1u32..40).prop_map(|n| Some((n, false))), 1 => Just(Some((100, true)))];
    (
        proptest::bool::weighted(0.85),
        evaluations,
        capped,
        proptest::bool::weighted(0.1),
        proptest::option::of(any::<bool>()),
        prop_oneof![
            12 => Just(Unreadable::Nothing),
            1 => Just(Unreadable::Executions),
            1 => Just(Unreadable::Both),
        ],
        proptest::collection::vec(execution, 0..=RESOURCES),
    )
        .prop_map(
            |(deployed, evaluations, capped, evaluation_error, remediation, remediation_unread, executions)| RuleCase {
                deployed,
                evaluations,
                capped,
                evaluation_error,
                remediation,
                remediation_unread,
                executions,
            },
        )
}

fn workflow() -> impl Strategy<Value = WorkflowStatus> {
    prop_oneof![
        3 => Just(WorkflowStatus::New),
        1 => Just(WorkflowStatus::Notified),
        1 => Just(WorkflowStatus::Resolved),
        2 => Just(WorkflowStatus::Suppressed),
    ]
}

fn control_finding(controls: usize) -> impl Strategy<Value = ControlFinding> {
    let compliance = prop_oneof![
        3 => Just(FindingCompliance::Failed),
        2 => Just(FindingCompliance::Passed),
        1 => Just(FindingCompliance::Warning),
    ];
    (0..controls, 0..RESOURCES, compliance, workflow(), proptest::bool::weighted(0.05)).prop_map(
        |(control, resource, compliance, workflow, archived)| ControlFinding {
            control,
            resource,
            compliance,
            workflow,
            archived,
        },
    )
}

fn activity(products: usize) -> impl Strategy<Value = Activity> {
    let severity = proptest::sample::select(Severity::ALL.to_vec());
    (0..products, 0..RESOURCES, severity, workflow()).prop_map(|(product, resource, severity, workflow)| Activity {
        product,
        resource,
        severity,
        workflow,
    })
}

fn case(u: &Universe) -> impl Strategy<Value = Case> {
    let alarm = prop_oneof![
        2 => Just(None),
        3 => Just(Some(AlarmState::Ok)),
        1 => Just(Some(AlarmState::Alarm)),
        1 => Just(Some(AlarmState::InsufficientData)),
    ];
    let test = prop_oneof![2 => Just(None), 3 => Just(Some(true)), 1 => Just(Some(false))];
    let hub = (
        proptest::collection::vec(control_finding(u.hub_controls.len()), 0..40),
        proptest::collection::vec(activity(u.products.len()), 0..8),
    );
    (
        proptest::option::weighted(0.9, proptest::collection::vec(rule_case(), u.rules.len())),
        proptest::option::weighted(0.85, hub),
        proptest::option::weighted(0.85, proptest::collection::vec(alarm, u.alarms.len())),
        proptest::collection::vec(test, u.tests.len()),
        proptest::array::uniform3(proptest::bool::weighted(0.15)),
    )
        .prop_map(|(config, hub, alarms, tests, stale)| Case { config, hub, alarms, tests, stale })
}

/// A managed rule's name, as a team would call it.
fn rule_name(source: &str) -> String {
    source.to_lowercase().replace('_', "-")
}

/// The CloudFormation type a managed rule evaluates.
fn config_type(source: &str) -> &'static str {
    match source {
        s if s.starts_with("SAGEMAKER_NOTEBOOK") => "AWS::SageMaker::NotebookInstance",
        s if s.starts_with("SAGEMAKER_ENDPOINT") => "AWS::SageMaker::EndpointConfig",
        s if s.starts_with("SAGEMAKER_MODEL") => "AWS::SageMaker::Model",
        s if s.starts_with("SAGEMAKER_DOMAIN") => "AWS::SageMaker::Domain",
        s if s.starts_with("S3_") => "AWS::S3::Bucket",
        s if s.contains("CLOUD_TRAIL") => "AWS::CloudTrail::Trail",
        s if s.contains("VPC") => "AWS::EC2::VPC",
        _ => "AWS::::Account",
    }
}

/// The `n`th resource of a type, as Config names it.
fn config_id(cfn_type: &str, n: usize) -> String {
    match cfn_type {
        "AWS::SageMaker::NotebookInstance" => format!("nb-{n}"),
        "AWS::SageMaker::EndpointConfig" => format!("endpoint-config-{n}"),
        "AWS::SageMaker::Model" => format!("model-{n}"),
        "AWS::SageMaker::Domain" => format!("d-{n:04}"),
        "AWS::S3::Bucket" => format!("bucket-{n}"),
        "AWS::CloudTrail::Trail" => format!("trail-{n}"),
        "AWS::EC2::VPC" => format!("vpc-{n:04x}"),
        _ => format!("1234567890{n:02}"),
    }
}

/// The `n`th resource a Security Hub control checks, as Security Hub names it: the same
/// resources as Config's where the type is one vigil maps (a notebook, a bucket, a trail).
fn hub_resource(control: &str, n: usize) -> (&'static str, String) {
    let arn = |rest: String| format!("arn:aws:{rest}");
    match control.split('.').next().unwrap_or_default() {
        "SageMaker" if control == "SageMaker.5" => {
            ("AwsSageMakerModel", arn(format!("sagemaker:us-east-1:123456789012:model/model-{n}")))
        }
        "SageMaker" => {
            ("AwsSageMakerNotebookInstance", arn(format!("sagemaker:us-east-1:123456789012:notebook-instance/nb-{n}")))
        }
        "S3" => ("AwsS3Bucket", arn(format!("s3:::bucket-{n}"))),
        "CloudTrail" => ("AwsCloudTrailTrail", arn(format!("cloudtrail:us-east-1:123456789012:trail/trail-{n}"))),
        "EC2" => ("AwsEc2Vpc", arn(format!("ec2:us-east-1:123456789012:vpc/vpc-{n:04x}"))),
        _ => ("AwsAccount", format!("AWS::::Account:1234567890{n:02}")),
    }
}

/// The store a case describes, and the time it is looked at.
fn store(u: &Universe, case: &Case) -> (Posture, Timestamp) {
    let mut fx = Fixtures::new();
    let mut p = Posture::new(Catalog::default_catalog());
    let interval = Some(std::time::Duration::from_secs(60));
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        p.register_source(kind, interval);
    }
    let now = fx.at(600);
    // A stale source was last read ten poll intervals ago.
    let fetched = |stale: bool| if stale { 0 } else { 600 };

    if let Some(rules) = &case.config {
        let mut data = Dataset::default();
        let (mut details_unread, mut configs_unread, mut executions_unread) = (false, false, false);
        for (source, r) in u.rules.iter().zip(rules) {
            if !r.deployed {
                continue;
            }
            let name = rule_name(source);
            let kind = config_type(source);
            let mut noncompliant = 0;
            for (n, e) in r.evaluations.iter().enumerate() {
                let Some(bad) = *e else { continue };
                let compliance = if bad { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
                noncompliant += u32::from(bad);
                data.evaluations.push(fx.evaluation(&name, kind, &config_id(kind, n), compliance, 0));
            }
            let failing = noncompliant > 0 || r.capped.is_some();
            let compliance = if failing { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
            let mut rule = fx.rule(&name, source, compliance, 0);
            if failing {
                rule.noncompliant = Some(CappedCount { count: noncompliant, cap_exceeded: false });
            }
            if let Some((count, cap_exceeded)) = r.capped {
                // Some pages of details were read, not all of them.
                rule.noncompliant = Some(CappedCount { count: count.max(noncompliant), cap_exceeded });
                rule.details_complete = false;
                rule.unread.insert(Part::ComplianceDetails);
                details_unread = true;
            }
            if r.evaluation_error {
                rule.evaluation_error = Some("AccessDenied: the rule's role cannot describe the resource".into());
            }
            if r.remediation_unread == Unreadable::Both {
                rule.unread.insert(Part::RemediationConfigs);
                configs_unread = true;
            } else if let Some(automatic) = r.remediation {
                data.remediation_configs.push(fx.remediation(&name, "AWS-PublishSNSNotification", automatic, 0));
            }
            if r.remediation_unread == Unreadable::Nothing {
                for (n, x) in r.executions.iter().enumerate() {
                    if let Some(state) = *x {
                        data.executions.push(fx.execution(&name, kind, &config_id(kind, n), state, 0, 0));
                    }
                }
            } else {
                rule.unread.insert(Part::RemediationExecutions);
                executions_unread = true;
            }
            data.rules.push(rule);
        }
        let denied = |call: &str| SourceError::Unauthorized { action: call.into() };
        if details_unread {
            data.unread.push(Unread {
                part: Part::ComplianceDetails,
                error: denied("config:GetComplianceDetailsByConfigRule"),
            });
        }
        if configs_unread {
            let error = denied("config:DescribeRemediationConfigurations");
            data.unread.push(Unread { part: Part::RemediationConfigs, error });
        }
        if executions_unread {
            let error = denied("config:DescribeRemediationExecutionStatus");
            data.unread.push(Unread { part: Part::RemediationExecutions, error });
        }
        p.apply(fx.replace(SourceKind::Config, fetched(case.stale[0]), data));
    }

    if let Some((controls, activity)) = &case.hub {
        let mut findings = Vec::new();
        for (k, f) in controls.iter().enumerate() {
            let control = &u.hub_controls[f.control];
            let (kind, id) = hub_resource(control, f.resource);
            let finding_id = format!("arn:aws:securityhub:us-east-1:123456789012:finding/control-{k}");
            let title = format!("{control} check");
            let mut finding = fx.finding(FindingSpec {
                id: &finding_id,
                control_id: Some(control),
                title: &title,
                severity: Severity::High,
                compliance: Some(f.compliance),
                workflow: f.workflow,
                resource: (kind, &id),
                ..Default::default()
            });
            if f.archived {
                finding.record_state = RecordState::Archived;
            }
            findings.push(finding);
        }
        for (k, a) in activity.iter().enumerate() {
            let finding_id = format!("arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/activity-{k}");
            let arn = format!("arn:aws:ec2:us-east-1:123456789012:instance/i-{:04x}", a.resource);
            findings.push(fx.finding(FindingSpec {
                id: &finding_id,
                product: &u.products[a.product],
                title: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration",
                severity: a.severity,
                workflow: a.workflow,
                resource: ("AwsEc2Instance", &arn),
                ..Default::default()
            }));
        }
        let data = Dataset { findings, ..Default::default() };
        p.apply(fx.replace(SourceKind::SecurityHub, fetched(case.stale[1]), data));
    }

    if let Some(states) = &case.alarms {
        let alarms =
            u.alarms.iter().zip(states).filter_map(|(name, state)| state.map(|s| fx.alarm(name, s, 0))).collect();
        p.apply(fx.replace(SourceKind::CloudWatch, fetched(case.stale[2]), Dataset { alarms, ..Default::default() }));
    }

    let guardrails: Vec<GuardrailResult> = u
        .tests
        .iter()
        .zip(&case.tests)
        .filter_map(|(name, passed)| {
            let passed = (*passed)?;
            let expected = if name.ends_with("allowed") { Decision::Allowed } else { Decision::ExplicitlyDenied };
            let actual = match (passed, expected) {
                (true, e) => e,
                (false, Decision::Allowed) => Decision::ExplicitlyDenied,
                (false, _) => Decision::Allowed,
            };
            Some(GuardrailResult {
                name: fx.sym(name),
                control: None,
                expected,
                actual,
                evaluated_at: fx.t0,
                detail: None,
            })
        })
        .collect();
    if !guardrails.is_empty() {
        p.apply(fx.replace(SourceKind::Guardrails, 0, Dataset { guardrails, ..Default::default() }));
    }
    (p, now)
}

// ── Reading the screen ───────────────────────────────────────────────────────────────────────

fn cells(buffer: &Buffer, y: u16) -> Vec<String> {
    (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_string()).collect()
}

fn joined(cells: &[String]) -> String {
    cells.concat()
}

/// Where `needle` starts in a row of cells, from `from` on (one cell a character).
fn find_in(row: &[String], from: usize, to: usize, needle: &str) -> Option<usize> {
    let chars: Vec<String> = needle.chars().map(String::from).collect();
    (from..to.saturating_sub(chars.len() - 1)).find(|&x| row[x..x + chars.len()] == chars[..])
}

/// Each control's text in its pane's Fail column, from the overview with the three panes side by
/// side: the column is found by its heading, and ends where the next column's heading starts
/// (or at the pane's border).
fn pane_counts(buffer: &Buffer, ids: &[String]) -> BTreeMap<String, String> {
    let height = buffer.area.height;
    let top = (0..height)
        .find(|&y| cells(buffer, y).iter().filter(|c| *c == "┌").count() >= 3)
        .expect("three panes side by side");
    let border = cells(buffer, top);
    let starts: Vec<usize> = (0..border.len()).filter(|&x| border[x] == "┌").take(3).collect();
    let header = cells(buffer, top + 1);
    let mut out = BTreeMap::new();
    for (k, &left) in starts.iter().enumerate() {
        let right = starts.get(k + 1).map_or(border.len() - 1, |next| next - 1);
        let fail = find_in(&header, left, right, " Fail").expect("the Fail column's heading") + 1;
        let end = (fail + 4..right).find(|&x| header[x] != " ").unwrap_or(right);
        for y in top + 2..height {
            let row = cells(buffer, y);
            if row[left] == "└" {
                break;
            }
            let before = joined(&row[left + 1..fail]);
            if let Some(id) = before.split_whitespace().find(|t| ids.iter().any(|id| id == t)) {
                out.insert(id.to_string(), joined(&row[fail..end]).trim().to_string());
            }
        }
    }
    out
}

/// What a control's screen shows of its failing count.
#[derive(Debug)]
struct Detail {
    /// The box's top border, with the control's status.
    title: String,
    /// The "Failing resources" heading.
    heading: String,
    /// Its rows: the failing resources listed.
    listed: Vec<String>,
}

/// A list row's text: between the box's left border and the next border (a chart beside it).
fn inner(line: &str) -> &str {
    let rest = line.split_once('│').map_or("", |(_, rest)| rest);
    rest.split('│').next().unwrap_or_default().trim_end()
}

fn detail(buffer: &Buffer) -> Detail {
    let text = common::text(buffer);
    let lines: Vec<&str> = text.lines().collect();
    let title = lines.iter().find(|l| l.contains('┌')).expect("the detail's box").to_string();
    let at = lines
        .iter()
        .position(|l| inner(l).starts_with("Failing resources"))
        .unwrap_or_else(|| panic!("no Failing resources heading on screen:\n{text}"));
    let heading = inner(lines[at]).to_string();
    let end = lines[at + 1..]
        .iter()
        .position(|l| inner(l).starts_with("Findings"))
        .unwrap_or_else(|| panic!("the failing resources do not fit on the screen:\n{text}"));
    let listed = lines[at + 1..at + 1 + end].iter().map(|l| inner(l).to_string()).collect();
    Detail { title, heading, listed }
}

/// The heading's figures.
#[derive(Debug)]
struct Heading {
    /// Failing resources listed.
    resources: usize,
    missing_alarms: usize,
    /// Rules without a remediation: a reason beside the resources.
    unremediated: usize,
    /// Where the count is a lower bound, the heading says so (`(3) of at least 100`).
    at_least: Option<usize>,
}

fn heading_figures(heading: &str) -> Heading {
    let number = |s: &str| -> usize {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap_or_else(|_| panic!("a number at {s:?} in {heading:?}"))
    };
    let (counts, reason) = heading.split_once(" · ").unwrap_or((heading, ""));
    // `Failing resources (3) of at least 100, and 1 missing alarm`: the bound follows the count.
    let (counts, at_least) = match counts.split_once(" of at least ") {
        Some((head, tail)) => {
            let rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
            (format!("{head}{rest}"), Some(number(tail)))
        }
        None => (counts.to_string(), None),
    };
    let counts = counts.as_str();
    let (resources, missing_alarms) = if counts == "Failing resources: none" {
        (0, 0)
    } else {
        let rest = counts.strip_prefix("Failing resources (").unwrap_or_else(|| panic!("heading {heading:?}"));
        let resources = number(rest);
        let missing = match rest.split_once("), and ") {
            Some((_, m)) => {
                assert!(m.ends_with(" missing alarms") || m.ends_with(" missing alarm"), "heading {heading:?}");
                number(m)
            }
            None => {
                assert_eq!(rest, format!("{resources})"), "heading {heading:?}");
                0
            }
        };
        (resources, missing)
    };
    let unremediated = if reason.is_empty() {
        0
    } else {
        assert!(reason.ends_with(" no remediation configured"), "heading {heading:?}");
        number(reason)
    };
    Heading { resources, missing_alarms, unremediated, at_least }
}

// ── Reading the reports ──────────────────────────────────────────────────────────────────────

/// A control's row of the Markdown report: its Failing and Resources cells.
fn markdown_row(markdown: &str, id: &str, title: &str) -> (String, String) {
    let control = format!(" | {id} {title} | ");
    let line = markdown
        .lines()
        .find(|l| l.starts_with("| ") && l.contains(&control))
        .unwrap_or_else(|| panic!("no Markdown row for {id}:\n{markdown}"));
    let rest = line.split_once(&control).unwrap().1;
    let rest = rest.strip_suffix('|').unwrap_or_else(|| panic!("row {line:?}"));
    let (failing, resources) = rest.split_once(" | ").unwrap_or_else(|| panic!("row {line:?}"));
    (failing.trim().to_string(), resources.trim().to_string())
}

/// CSV fields of one line, quotes undone.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

// ── The property ─────────────────────────────────────────────────────────────────────────────

fn status_name(s: Status) -> &'static str {
    match s.level() {
        StatusLevel::Pass => "pass",
        StatusLevel::Fail => "fail",
        StatusLevel::Warn => "warn",
        StatusLevel::Unknown => "unknown",
        StatusLevel::Stale => "stale",
    }
}

/// Every control of the store: the pane, the detail and the three reports agree on its count.
fn agree(posture: &Posture, now: Timestamp) -> Result<(), TestCaseError> {
    let theme = Theme::load("dark", false).unwrap();
    let banner = Banner::Live { profile: None, region: "us-east-1".into(), account: Some("123456789012".into()) };
    let catalog = posture.catalog();
    let ids: Vec<String> = catalog.controls.iter().map(|c| c.id.to_string()).collect();

    let overview = render(posture, &View::new(banner.clone()), &theme, now, WIDTH, HEIGHT);
    let mut panes = pane_counts(&overview, &ids);

    let subject = Subject::default();
    let json = report::json(posture, &subject, now);
    let markdown = report::markdown(posture, &subject, now);
    let csv = report::csv(posture, &subject, now);
    let csv_rows: BTreeMap<String, Vec<String>> =
        csv.lines().skip(1).map(csv_fields).map(|f| (f[0].clone(), f)).collect();

    for (i, control) in catalog.controls.iter().enumerate() {
        let id = control.id.to_string();
        let status = posture.control_status(i, now);
        let count = status.failing();
        let shown = count.map_or_else(|| "—".to_string(), |c| c.to_string());
        let why = |what: &str| format!("{id} ({status:?}): {what}");

        // The pane's row: selected, so that it is on screen whatever the pane's height.
        if !panes.contains_key(&id) {
            let mut view = View::new(banner.clone());
            view.focus = control.kind;
            view.selected[control.kind.index()] = posture.pane(control.kind).iter().position(|&j| j == i).unwrap();
            panes.extend(pane_counts(&render(posture, &view, &theme, now, WIDTH, HEIGHT), &ids));
        }
        let pane = panes.get(&id).ok_or_else(|| TestCaseError::fail(why("no pane row")))?;
        prop_assert_eq!(pane, &shown, "{}", why("the pane's Fail cell against the status"));

        // The control's own screen: its title and its failing resources.
        let mut view = View::new(banner.clone());
        view.screen = Screen::Control { index: i, cursor: 0 };
        let d = detail(&render(posture, &view, &theme, now, WIDTH, HEIGHT));
        let described = format!("{} {} ", status.level().symbol(), status.describe());
        prop_assert!(d.title.contains(&described), "{}: {:?}", why("the detail's title"), d.title);
        let Heading { resources, missing_alarms: missing, unremediated, at_least: bound } = heading_figures(&d.heading);
        // A lower bound is said in the heading, as in the title: the list is the part read.
        let lower = count.filter(|c| c.at_least).map(|c| c.resources as usize);
        prop_assert_eq!(bound, lower, "{}: {:?}", why("the heading's `of at least`"), d.heading);
        prop_assert_eq!(d.listed.len(), resources, "{}: {:?} over {:?}", why("rows listed"), d.heading, d.listed);
        for row in &d.listed {
            prop_assert!(row.starts_with("✘ "), "{}: {:?}", why("a failing resource's row"), row);
        }
        prop_assert_eq!(missing, posture.missing_alarms(i).len(), "{}", why("missing alarms"));

        // The JSON report.
        let c = json["controls"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["id"] == id.as_str()))
            .ok_or_else(|| TestCaseError::fail(why("not in the JSON report")))?;
        let listed: Vec<&Value> = c["resources"].as_array().unwrap().iter().collect();
        let absent = listed.iter().filter(|r| r["missing"] == true).count();
        prop_assert_eq!(listed.len() - absent, resources, "{}", why("JSON resources against the heading"));
        prop_assert_eq!(absent, missing, "{}", why("JSON missing alarms against the heading"));
        let no_remediation = c["no_remediation"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(no_remediation, unremediated, "{}", why("rules without remediation"));
        let by_account: u64 = c["by_account"].as_object().unwrap().values().filter_map(Value::as_u64).sum();
        prop_assert_eq!(by_account as usize, resources, "{}", why("JSON by_account against the heading"));
        prop_assert_eq!(c["status"].as_str(), Some(status_name(status)), "{}", why("JSON status"));
        let failing =
            if status == Status::Unknown { Value::Null } else { Value::from(count.map_or(0, |c| c.resources)) };
        prop_assert_eq!(&c["failing"], &failing, "{}", why("JSON failing against the status"));
        let at_least = count.is_some_and(|c| c.at_least);
        prop_assert_eq!(&c["failing_at_least"], &Value::from(at_least), "{}", why("JSON failing_at_least"));

        // The count against what is listed: equal, or at least as large where it is a bound.
        match count {
            Some(n) if n.at_least => prop_assert!(
                listed.len() <= n.resources as usize,
                "{}",
                why(&format!("{} listed over a count of at least {}", listed.len(), n.resources))
            ),
            Some(n) => prop_assert_eq!(listed.len(), n.resources as usize, "{}", why("resources listed")),
            None => prop_assert!(listed.is_empty(), "{}", why("resources listed without a failing count")),
        }
        // A FAIL with no resource fails for a reason, shown as such.
        if count.is_some_and(|n| n.resources == 0) {
            prop_assert!(unremediated > 0, "{}: {:?}", why("FAIL without resources nor reason"), d.heading);
        }
        if count.is_none() {
            prop_assert_eq!(unremediated, 0, "{}", why("a rule without remediation and no failure"));
        }

        // The Markdown report: the count as the pane has it (0 where it counted none), and at most
        // ten resources in the cell.
        let (md_failing, md_resources) = markdown_row(&markdown, &id, &control.title);
        let expected = match (status, count) {
            (Status::Unknown, _) => "—".to_string(),
            (_, Some(n)) => n.to_string(),
            (_, None) => "0".to_string(),
        };
        prop_assert_eq!(&md_failing, &expected, "{}", why("Markdown Failing cell"));
        let ids_listed: Vec<&str> = listed.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let mut cell: Vec<String> = ids_listed.iter().take(10).map(|s| s.to_string()).collect();
        if ids_listed.len() > 10 {
            cell.push(format!("and {} more", ids_listed.len() - 10));
        }
        if let Some(n) = count.filter(|c| c.at_least) {
            cell.push(format!("at least {} in all: the rest not read", n.resources));
        }
        for r in c["no_remediation"].as_array().into_iter().flatten() {
            cell.push(format!("rule {} has no remediation configured", r["rule"].as_str().unwrap()));
        }
        prop_assert_eq!(md_resources, cell.join("<br>"), "{}", why("Markdown Resources cell"));

        // The CSV report.
        let row = csv_rows.get(&id).ok_or_else(|| TestCaseError::fail(why("no CSV row")))?;
        prop_assert_eq!(row.len(), 7, "{}", why("CSV fields"));
        let csv_failing = c["failing"].as_u64().map_or_else(String::new, |n| n.to_string());
        prop_assert_eq!(&row[4], &csv_failing, "{}", why("CSV failing"));
        prop_assert_eq!(&row[5], &at_least.to_string(), "{}", why("CSV failing_at_least"));
        let csv_resources: Vec<&str> = if row[6].is_empty() { vec![] } else { row[6].split(';').collect() };
        prop_assert_eq!(csv_resources, ids_listed, "{}", why("CSV resources"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Issue 20, "one set, one number": for every control of any store, its pane cell, its
    /// detail's title and heading, the rows listed under it and the JSON, Markdown and CSV
    /// reports give the same failing count, or the same lower bound.
    #[test]
    fn every_place_counts_the_same_failing_resources(case in case(&universe())) {
        let u = universe();
        let (posture, now) = store(&u, &case);
        agree(&posture, now)?;
    }
}
