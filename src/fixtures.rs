//! Builders of evidence items for tests, benchmarks and the demo: short to write, realistic in
//! shape (ARNs, account, region), one interner for all.

use crate::model::*;
use crate::sources::{Dataset, Payload, SourceEvent, SourceKind};

/// The account and region fixtures live in, and the clock they start from.
pub struct Fixtures {
    pub interner: Interner,
    pub account: Sym,
    pub region: Sym,
    /// Time zero: 2026-11-26T12:00:00Z.
    pub t0: Timestamp,
}

impl Default for Fixtures {
    fn default() -> Self {
        Self::new()
    }
}

/// How a finding is described in a fixture.
#[derive(Debug, Clone)]
pub struct FindingSpec<'a> {
    pub id: &'a str,
    pub product: &'a str,
    pub control_id: Option<&'a str>,
    pub related_rule: Option<&'a str>,
    pub title: &'a str,
    pub severity: Severity,
    pub compliance: Option<FindingCompliance>,
    pub workflow: WorkflowStatus,
    pub record_state: RecordState,
    /// Security Hub type and id.
    pub resource: (&'a str, &'a str),
    pub updated: i64,
}

impl Default for FindingSpec<'_> {
    fn default() -> Self {
        FindingSpec {
            id: "finding",
            product: "Security Hub",
            control_id: None,
            related_rule: None,
            title: "A finding",
            severity: Severity::Medium,
            compliance: None,
            workflow: WorkflowStatus::New,
            record_state: RecordState::Active,
            resource: ("AwsAccount", "AWS::::Account:123456789012"),
            updated: 0,
        }
    }
}

impl Fixtures {
    pub fn new() -> Self {
        Self::starting_at("2026-11-26T12:00:00Z".parse().expect("valid timestamp"))
    }

    pub fn starting_at(t0: Timestamp) -> Self {
        let mut interner = Interner::new();
        let account = interner.intern("123456789012");
        let region = interner.intern("us-east-1");
        Fixtures { interner, account, region, t0 }
    }

    /// `t0` plus (or minus) whole seconds.
    pub fn at(&self, seconds: i64) -> Timestamp {
        self.t0 + jiff::SignedDuration::from_secs(seconds)
    }

    pub fn sym(&mut self, s: &str) -> Sym {
        self.interner.intern(s)
    }

    pub fn config_resource(&mut self, cfn_type: &str, id: &str) -> ResourceId {
        let (account, region) = (self.account.clone(), self.region.clone());
        ResourceId::from_config(&mut self.interner, cfn_type, id, &account, &region)
    }

    pub fn hub_resource(&mut self, hub_type: &str, id: &str) -> ResourceId {
        let (account, region) = (self.account.clone(), self.region.clone());
        ResourceId::from_security_hub(&mut self.interner, hub_type, id, &account, &region)
    }

    /// A managed rule as DescribeConfigRules and DescribeComplianceByConfigRule describe it,
    /// with its details read.
    pub fn rule(&mut self, name: &str, source: &str, compliance: ConfigCompliance, observed: i64) -> ConfigRule {
        ConfigRule {
            name: self.sym(name),
            source_identifier: Some(self.sym(source)),
            compliance: Some(compliance),
            noncompliant: None,
            details_complete: true,
            evaluation_error: None,
            unread: Default::default(),
            account: self.account.clone(),
            region: self.region.clone(),
            observed_at: self.at(observed),
        }
    }

    pub fn evaluation(
        &mut self,
        rule: &str,
        cfn_type: &str,
        id: &str,
        compliance: ConfigCompliance,
        recorded: i64,
    ) -> Evaluation {
        Evaluation {
            rule: self.sym(rule),
            resource: self.config_resource(cfn_type, id),
            compliance,
            annotation: None,
            recorded_at: self.at(recorded),
        }
    }

    pub fn finding(&mut self, spec: FindingSpec<'_>) -> Finding {
        let resource = self.hub_resource(spec.resource.0, spec.resource.1);
        Finding {
            id: Sym::from(spec.id),
            product: self.sym(spec.product),
            control_id: spec.control_id.map(|c| self.sym(c)),
            related_rule: spec.related_rule.map(|r| self.sym(r)),
            title: spec.title.into(),
            severity: spec.severity,
            workflow: spec.workflow,
            record_state: spec.record_state,
            compliance: spec.compliance,
            resources: vec![resource],
            account: self.account.clone(),
            region: self.region.clone(),
            updated_at: self.at(spec.updated),
        }
    }

    pub fn metric_id(&mut self, namespace: &str, name: &str) -> MetricId {
        MetricId { namespace: self.sym(namespace), name: self.sym(name) }
    }

    pub fn alarm(&mut self, name: &str, state: AlarmState, updated: i64) -> Alarm {
        let metric = self.metric_id("LogMetrics", name);
        Alarm {
            name: self.sym(name),
            kind: AlarmKind::Metric,
            state,
            reason: format!(
                "Threshold Crossed: datapoint was {}",
                if state == AlarmState::Alarm { "above" } else { "below" }
            )
            .into(),
            metric: Some(metric),
            state_updated_at: self.at(updated),
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }

    /// A series with one point a minute, the last at `end`.
    pub fn metric(&mut self, namespace: &str, name: &str, values: &[f64], end: i64) -> MetricSeries {
        let n = values.len() as i64;
        MetricSeries {
            metric: self.metric_id(namespace, name),
            points: values.iter().enumerate().map(|(i, v)| (self.at(end - (n - 1 - i as i64) * 60), *v)).collect(),
        }
    }

    pub fn remediation(&mut self, rule: &str, target: &str, automatic: bool, observed: i64) -> RemediationConfig {
        RemediationConfig { rule: self.sym(rule), target: self.sym(target), automatic, observed_at: self.at(observed) }
    }

    pub fn execution(
        &mut self,
        rule: &str,
        cfn_type: &str,
        id: &str,
        state: ExecutionState,
        invoked: i64,
        updated: i64,
    ) -> RemediationExecution {
        RemediationExecution {
            rule: self.sym(rule),
            resource: self.config_resource(cfn_type, id),
            state,
            invoked_at: self.at(invoked),
            updated_at: self.at(updated),
            message: None,
        }
    }

    pub fn event(&self, source: SourceKind, fetched: i64, payload: Payload) -> SourceEvent {
        SourceEvent { source, fetched_at: self.at(fetched), result: Ok(payload) }
    }

    pub fn replace(&self, source: SourceKind, fetched: i64, data: Dataset) -> SourceEvent {
        self.event(source, fetched, Payload::Replace(data))
    }

    pub fn merge(&self, source: SourceKind, fetched: i64, data: Dataset) -> SourceEvent {
        self.event(source, fetched, Payload::Merge(data))
    }
}

/// A large, realistic account for benchmarks: findings spread over the catalog's controls and
/// products, Config evaluations over its rules, and many alarms.
pub struct Synthetic {
    pub findings: usize,
    pub evaluations: usize,
    pub alarms: usize,
}

const HUB_CONTROLS: [&str; 12] = [
    "SageMaker.1",
    "SageMaker.2",
    "SageMaker.3",
    "SageMaker.5",
    "S3.2",
    "S3.5",
    "CloudTrail.1",
    "CloudTrail.2",
    "EC2.6",
    "GuardDuty.1",
    "CloudWatch.2",
    "IAM.1",
];
const PRODUCTS: [&str; 3] = ["GuardDuty", "Macie", "Inspector"];
const RULES: [(&str, &str, &str); 8] = [
    ("sm-internet", "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS", "AWS::SageMaker::NotebookInstance"),
    ("sm-vpc", "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC", "AWS::SageMaker::NotebookInstance"),
    ("sm-root", "SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK", "AWS::SageMaker::NotebookInstance"),
    ("s3-ssl", "S3_BUCKET_SSL_REQUESTS_ONLY", "AWS::S3::Bucket"),
    ("s3-public", "S3_BUCKET_PUBLIC_READ_PROHIBITED", "AWS::S3::Bucket"),
    ("trail", "CLOUD_TRAIL_ENCRYPTION_ENABLED", "AWS::CloudTrail::Trail"),
    ("flow", "VPC_FLOW_LOGS_ENABLED", "AWS::EC2::VPC"),
    ("custom", "CUSTOM_LAMBDA", "AWS::S3::Bucket"),
];

impl Synthetic {
    /// The events that load it: one full set per source, findings in pages of 100 as
    /// GetFindings returns them.
    pub fn events(&self, fx: &mut Fixtures) -> Vec<SourceEvent> {
        let config = self.config(fx);
        let alarms = self.alarm_list(fx);
        let mut events = vec![fx.replace(SourceKind::Config, 0, config)];
        events.push(fx.replace(SourceKind::CloudWatch, 0, Dataset { alarms, ..Default::default() }));
        let findings = self.finding_list(fx);
        events.push(fx.replace(SourceKind::SecurityHub, 0, Dataset::default()));
        for page in findings.chunks(100) {
            events.push(fx.merge(
                SourceKind::SecurityHub,
                0,
                Dataset { findings: page.to_vec(), ..Default::default() },
            ));
        }
        events
    }

    pub fn config(&self, fx: &mut Fixtures) -> Dataset {
        let rules =
            RULES.iter().map(|(name, source, _)| fx.rule(name, source, ConfigCompliance::NonCompliant, 0)).collect();
        let evaluations = (0..self.evaluations)
            .map(|i| {
                let (rule, _, kind) = RULES[i % RULES.len()];
                let compliance = if i % 5 == 0 { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
                fx.evaluation(rule, kind, &format!("resource-{:05}", i / RULES.len()), compliance, 0)
            })
            .collect();
        Dataset { rules, evaluations, ..Default::default() }
    }

    pub fn alarm_list(&self, fx: &mut Fixtures) -> Vec<Alarm> {
        const NAMED: [&str; 8] = [
            "UnauthorizedAPICalls",
            "SageMakerGuardrailDenials",
            "RootAccountUsage",
            "IAMPolicyChanges",
            "S3BucketPolicyChanges",
            "CloudTrailChanges",
            "ConsoleSigninFailures",
            "SecurityGroupChanges",
        ];
        (0..self.alarms)
            .map(|i| {
                let name = NAMED.get(i).map_or_else(|| format!("app-latency-{i:04}"), |n| n.to_string());
                let state = match i % 7 {
                    0 => AlarmState::Alarm,
                    1 => AlarmState::InsufficientData,
                    _ => AlarmState::Ok,
                };
                fx.alarm(&name, state, 0)
            })
            .collect()
    }

    /// Findings with every severity, compliance and workflow status; about one resource per
    /// two findings.
    pub fn finding_list(&self, fx: &mut Fixtures) -> Vec<Finding> {
        (0..self.findings)
            .map(|i| {
                let id = format!("arn:aws:securityhub:us-east-1:123456789012:finding/{i:08x}-synthetic");
                let arn = format!("arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-{:06}", i / 2);
                let by_product = i % 10 == 9;
                let severity = Severity::ALL[i % 5];
                let workflow = WorkflowStatus::ALL[(i / 5) % 4];
                let spec = FindingSpec {
                    id: &id,
                    product: if by_product { PRODUCTS[i % 3] } else { "Security Hub" },
                    control_id: (!by_product).then(|| HUB_CONTROLS[i % HUB_CONTROLS.len()]),
                    title: "Amazon SageMaker notebook instances should not have direct internet access",
                    severity,
                    compliance: (!by_product).then_some(if i % 3 == 0 {
                        FindingCompliance::Failed
                    } else {
                        FindingCompliance::Passed
                    }),
                    workflow,
                    resource: ("AwsSageMakerNotebookInstance", &arn),
                    updated: (i % 3600) as i64,
                    ..Default::default()
                };
                fx.finding(spec)
            })
            .collect()
    }
}
