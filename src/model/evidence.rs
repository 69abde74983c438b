//! The evidence types: what Config, Security Hub, CloudWatch and the policy engine say.

use std::fmt;
use std::str::FromStr;

use super::{PartSet, ResourceId, Resources, Stamp, Sym, Timestamp};

/// Defines an enum of AWS's upper-case wire values with `as_str` and `FromStr`.
macro_rules! aws_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: stringify!($name),
                        value: s.to_string(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// A value that is not one of the spellings AWS documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`, expected one of: {}", self.what, self.value, self.expected.join(", "))
    }
}

impl std::error::Error for UnknownValue {}

aws_enum! {
    /// The compliance of a Config rule, or of one resource under it.
    ConfigCompliance {
        Compliant = "COMPLIANT",
        NonCompliant = "NON_COMPLIANT",
        NotApplicable = "NOT_APPLICABLE",
        InsufficientData = "INSUFFICIENT_DATA",
    }
}

aws_enum! {
    /// Security Hub's severity label, lowest first so that `Ord` sorts by severity.
    Severity {
        Informational = "INFORMATIONAL",
        Low = "LOW",
        Medium = "MEDIUM",
        High = "HIGH",
        Critical = "CRITICAL",
    }
}

aws_enum! {
    /// `Workflow.Status` of a finding.
    WorkflowStatus {
        New = "NEW",
        Notified = "NOTIFIED",
        Resolved = "RESOLVED",
        Suppressed = "SUPPRESSED",
    }
}

aws_enum! {
    /// `RecordState` of a finding: archived findings are gone.
    RecordState {
        Active = "ACTIVE",
        Archived = "ARCHIVED",
    }
}

aws_enum! {
    /// What an OCSF finding (the new Security Hub's) is, by its `class_name`; `Exposure` is the
    /// new Security Hub's own Detection Finding (class 2004, analytic `Exposure`): a resource it
    /// correlated signals on. ASFF findings have none.
    FindingClass {
        Compliance = "Compliance Finding",
        Detection = "Detection Finding",
        Exposure = "Exposure",
        Vulnerability = "Vulnerability Finding",
        DataSecurity = "Data Security Finding",
    }
}

impl FindingClass {
    /// The class of an OCSF document: `class_uid` 2003, 2004, 2002 or 2006 (`None` for any
    /// other), a Detection Finding being an exposure finding where its analytic says so
    /// (`finding_info.analytic.name` `Exposure`, as AWS's sample has it) or where the new
    /// Security Hub itself made it (its product is `securityhub`; GuardDuty's are its own).
    pub fn of_ocsf(class_uid: u32, analytic: Option<&str>, made_by_security_hub: bool) -> Option<Self> {
        Some(match class_uid {
            2003 => FindingClass::Compliance,
            2004 if made_by_security_hub || analytic.is_some_and(|a| a.eq_ignore_ascii_case("Exposure")) => {
                FindingClass::Exposure
            }
            2004 => FindingClass::Detection,
            2002 => FindingClass::Vulnerability,
            2006 => FindingClass::DataSecurity,
            _ => return None,
        })
    }

    /// The class the new Security Hub gives the twin of an ASFF finding, where its product says
    /// it: a control's check (with a compliance status), GuardDuty's detections, Inspector's
    /// vulnerabilities, Macie's data findings; `None` for any other product (the new Security Hub
    /// receives no other's). So that a finding read through both APIs is one finding.
    pub fn of_asff(product: &str, has_compliance: bool) -> Option<Self> {
        if has_compliance {
            return Some(FindingClass::Compliance);
        }
        match product {
            "GuardDuty" => Some(FindingClass::Detection),
            "Inspector" => Some(FindingClass::Vulnerability),
            "Macie" => Some(FindingClass::DataSecurity),
            _ => None,
        }
    }

    /// A class as a catalog names it: its name in any case.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

aws_enum! {
    /// `Compliance.Status` of a control finding.
    FindingCompliance {
        Passed = "PASSED",
        Failed = "FAILED",
        Warning = "WARNING",
        NotAvailable = "NOT_AVAILABLE",
    }
}

aws_enum! {
    /// A CloudWatch alarm's state.
    AlarmState {
        Ok = "OK",
        Alarm = "ALARM",
        InsufficientData = "INSUFFICIENT_DATA",
    }
}

aws_enum! {
    /// The state of one Config remediation execution.
    ExecutionState {
        Queued = "QUEUED",
        InProgress = "IN_PROGRESS",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        Unknown = "UNKNOWN",
    }
}

aws_enum! {
    /// The decision of a policy evaluation.
    Decision {
        Allowed = "Allowed",
        ImplicitlyDenied = "ImplicitlyDenied",
        ExplicitlyDenied = "ExplicitlyDenied",
    }
}

impl Severity {
    /// Most severe first, the order people read them in.
    pub const DESCENDING: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Informational];

    pub fn index(self) -> usize {
        self as usize
    }
}

impl WorkflowStatus {
    pub fn index(self) -> usize {
        self as usize
    }

    /// NEW and NOTIFIED findings still want someone's attention.
    pub fn is_open(self) -> bool {
        matches!(self, WorkflowStatus::New | WorkflowStatus::Notified)
    }
}

/// What `DescribeComplianceByConfigRule` says of a rule's non-compliant resources: a count that
/// stops at a cap (100), with a flag when there were more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CappedCount {
    pub count: u32,
    pub cap_exceeded: bool,
}

/// A Config rule as DescribeConfigRules, DescribeComplianceByConfigRule and
/// DescribeConfigRuleEvaluationStatus describe it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigRule {
    #[serde(with = "crate::model::sym")]
    pub name: Sym,
    /// `Source.SourceIdentifier` of a managed rule (e.g. `SAGEMAKER_NOTEBOOK_IN_VPC`); for a
    /// custom rule this is the Lambda ARN or `None`.
    #[serde(with = "crate::model::sym::opt", default)]
    pub source_identifier: Option<Sym>,
    pub compliance: Option<ConfigCompliance>,
    /// The capped non-compliant count; `None` where it was not given.
    pub noncompliant: Option<CappedCount>,
    /// Whether every page of the rule's NON_COMPLIANT evaluations has been read, so that the
    /// evaluations in the store are the exact list.
    pub details_complete: bool,
    /// The last evaluation error (DescribeConfigRuleEvaluationStatus), if evaluations fail.
    pub evaluation_error: Option<Box<str>>,
    /// The parts of this rule's data that could not be read (its compliance, details,
    /// evaluation status, remediation configuration or executions): unknown, not absent.
    pub unread: PartSet,
    #[serde(with = "crate::model::sym")]
    pub account: Sym,
    #[serde(with = "crate::model::sym")]
    pub region: Sym,
    /// When vigil read this description; rules carry no timestamp of their own.
    pub observed_at: Timestamp,
}

/// A Config rule's (or a CloudWatch alarm's) identity: its name is unique only within one
/// account and region, and an aggregator (or member roles) report the same name from many.
/// Ordered by name first, so that lists read by name; shown as the name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleKey {
    pub name: Sym,
    pub account: Sym,
    pub region: Sym,
}

/// An alarm's identity: as a rule's, a name in one account and region.
pub type AlarmKey = RuleKey;

impl Alarm {
    pub fn key(&self) -> AlarmKey {
        RuleKey::new(&self.name, &self.account, &self.region)
    }
}

impl RuleKey {
    pub fn new(name: &Sym, account: &Sym, region: &Sym) -> Self {
        RuleKey { name: name.clone(), account: account.clone(), region: region.clone() }
    }
}

impl fmt::Display for RuleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl ConfigRule {
    pub fn key(&self) -> RuleKey {
        RuleKey::new(&self.name, &self.account, &self.region)
    }

    /// The managed rule it deploys: its `SourceIdentifier` where the rule's description was
    /// read, else the identifier as Security Hub (`securityhub-<identifier>-<suffix>`) and
    /// conformance packs (`<identifier>-conformance-pack-<id>`) write it into the rule's name,
    /// in kebab case. An aggregator gives names only.
    pub fn managed_identifier(&self) -> Option<std::borrow::Cow<'_, str>> {
        match &self.source_identifier {
            Some(s) => Some(std::borrow::Cow::Borrowed(s)),
            None => identifier_in_name(&self.name).map(std::borrow::Cow::Owned),
        }
    }
}

/// `securityhub-sagemaker-notebook-no-direct-internet-access-1a2b3c4d` and
/// `sagemaker-notebook-no-direct-internet-access-conformance-pack-abcdefghi` both name
/// `SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS`; other names name none.
pub fn identifier_in_name(name: &str) -> Option<String> {
    let kebab = match name.strip_prefix("securityhub-") {
        Some(rest) => rest.rsplit_once('-').filter(|(_, suffix)| is_suffix(suffix)).map(|(kebab, _)| kebab),
        None => name.split_once("-conformance-pack-").filter(|(_, id)| is_suffix(id)).map(|(kebab, _)| kebab),
    }?;
    let valid = !kebab.is_empty()
        && kebab.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    valid.then(|| kebab.to_ascii_uppercase().replace('-', "_"))
}

fn is_suffix(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Evaluation {
    /// Its rule: in the account and region of the resource it evaluated.
    pub fn rule_key(&self) -> RuleKey {
        RuleKey::new(&self.rule, &self.resource.account, &self.resource.region)
    }
}

impl RemediationExecution {
    pub fn rule_key(&self) -> RuleKey {
        RuleKey::new(&self.rule, &self.resource.account, &self.resource.region)
    }
}

impl RemediationConfig {
    pub fn rule_key(&self) -> RuleKey {
        RuleKey::new(&self.rule, &self.account, &self.region)
    }
}

impl Finding {
    /// The Config rule it came from, in its own account and region.
    pub fn rule_key(&self) -> Option<RuleKey> {
        self.related_rule.as_ref().map(|r| RuleKey::new(r, &self.account, &self.region))
    }
}

/// One resource's evaluation under one Config rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluation {
    #[serde(with = "crate::model::sym")]
    pub rule: Sym,
    pub resource: ResourceId,
    pub compliance: ConfigCompliance,
    pub annotation: Option<Box<str>>,
    /// `ResultRecordedTime`.
    pub recorded_at: Timestamp,
}

/// A Security Hub finding, reduced to what vigil uses.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    #[serde(with = "crate::model::sym")]
    pub id: Sym,
    #[serde(with = "crate::model::sym")]
    pub product: Sym,
    /// The security control id (`SageMaker.1`), from `Compliance.SecurityControlId`,
    /// `ProductFields.ControlId` or the `GeneratorId` suffix.
    #[serde(with = "crate::model::sym::opt", default)]
    pub control_id: Option<Sym>,
    /// The Config rule the finding came from (`ProductFields` `RelatedAWSResources:0/name`).
    #[serde(with = "crate::model::sym::opt", default)]
    pub related_rule: Option<Sym>,
    /// Interned: control findings share their titles.
    #[serde(with = "crate::model::sym")]
    pub title: Sym,
    pub severity: Severity,
    pub workflow: WorkflowStatus,
    pub record_state: RecordState,
    pub compliance: Option<FindingCompliance>,
    pub resources: Resources,
    #[serde(with = "crate::model::sym")]
    pub account: Sym,
    #[serde(with = "crate::model::sym")]
    pub region: Sym,
    pub updated_at: Stamp,
    /// `FirstObservedAt` (else `CreatedAt`): when the issue was first seen; `None` where the
    /// data does not say (an older recording).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_observed: Option<Stamp>,
    /// The OCSF class of a finding read through the new Security Hub (an ASFF one has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FindingClass>,
}

impl Finding {
    pub fn is_active(&self) -> bool {
        self.record_state == RecordState::Active
    }
}

/// Metric alarms and composite alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AlarmKind {
    Metric,
    Composite,
}

/// A CloudWatch metric by namespace and name, in the account and region it was read in (empty
/// where no one account's: the demo's, an older recording's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct MetricId {
    #[serde(with = "crate::model::sym")]
    pub namespace: Sym,
    #[serde(with = "crate::model::sym")]
    pub name: Sym,
    #[serde(with = "crate::model::sym", default = "crate::model::no_sym", skip_serializing_if = "is_empty_sym")]
    pub account: Sym,
    #[serde(with = "crate::model::sym", default = "crate::model::no_sym", skip_serializing_if = "is_empty_sym")]
    pub region: Sym,
}

impl MetricId {
    /// A metric of no one account (the demo's).
    pub fn new(namespace: Sym, name: Sym) -> Self {
        MetricId { namespace, name, account: crate::model::no_sym(), region: crate::model::no_sym() }
    }
}

fn is_empty_sym(s: &Sym) -> bool {
    s.is_empty()
}

impl fmt::Display for MetricId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Alarm {
    #[serde(with = "crate::model::sym")]
    pub name: Sym,
    pub kind: AlarmKind,
    pub state: AlarmState,
    pub reason: Box<str>,
    pub metric: Option<MetricId>,
    /// A metric alarm's `Threshold`.
    pub threshold: Option<f64>,
    /// `StateUpdatedTimestamp`.
    pub state_updated_at: Timestamp,
    #[serde(with = "crate::model::sym")]
    pub account: Sym,
    #[serde(with = "crate::model::sym")]
    pub region: Sym,
}

/// Points of a metric, oldest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricSeries {
    pub metric: MetricId,
    pub points: Vec<(Timestamp, f64)>,
}

/// A Config remediation configuration: which SSM document fixes a rule's resources.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RemediationConfig {
    #[serde(with = "crate::model::sym")]
    pub rule: Sym,
    /// The SSM Automation document, e.g. `AWS-DisableS3BucketPublicReadWrite`.
    #[serde(with = "crate::model::sym")]
    pub target: Sym,
    pub automatic: bool,
    /// The resource type it remediates (`ResourceType`, optional in AWS's model): Config starts
    /// it for resources of that type only.
    #[serde(with = "crate::model::sym::opt", default)]
    pub resource_type: Option<Sym>,
    /// How long automatic remediation keeps trying: `MaximumAutomaticAttempts` times
    /// `RetryAttemptSeconds` (AWS's defaults: 5 attempts, 60 seconds).
    pub retry_window: std::time::Duration,
    pub observed_at: Timestamp,
    /// Its rule's account and region.
    #[serde(with = "crate::model::sym", default = "crate::model::no_sym")]
    pub account: Sym,
    #[serde(with = "crate::model::sym", default = "crate::model::no_sym")]
    pub region: Sym,
}

impl RemediationConfig {
    /// AWS's default retry window: 5 attempts, 60 seconds apart.
    pub const DEFAULT_RETRY_WINDOW: std::time::Duration = std::time::Duration::from_secs(5 * 60);
}

/// One remediation execution for one resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RemediationExecution {
    #[serde(with = "crate::model::sym")]
    pub rule: Sym,
    pub resource: ResourceId,
    pub state: ExecutionState,
    pub invoked_at: Timestamp,
    pub updated_at: Timestamp,
    pub message: Option<Box<str>>,
}

/// The result of one offline guardrail (policy) test.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GuardrailResult {
    #[serde(with = "crate::model::sym")]
    pub name: Sym,
    /// The catalog control this test is evidence for.
    #[serde(with = "crate::model::sym::opt", default)]
    pub control: Option<Sym>,
    pub expected: Decision,
    pub actual: Decision,
    pub evaluated_at: Timestamp,
    /// Why the policies decided as they did, ready to show.
    #[serde(with = "shared_detail", default)]
    pub detail: Option<std::sync::Arc<GuardrailDetail>>,
}

/// A guardrail test's explanation: the deciding statements with their policy text, and the
/// statements whose conditions kept them from applying.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GuardrailDetail {
    pub reason: String,
    pub deciding: Vec<ExplainedStatement>,
    pub near_misses: Vec<ExplainedStatement>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExplainedStatement {
    /// `identityPolicies[1]`
    pub layer: String,
    /// `Statement[0] "DenyWithoutVpcSubnets"`
    pub statement: String,
    pub effect: String,
    /// The policy's file.
    pub origin: String,
    /// The whole policy, pretty-printed.
    pub policy_text: String,
    /// The statement's lines in `policy_text`.
    pub lines: std::ops::Range<usize>,
    pub conditions: Vec<ConditionResult>,
}

/// One condition as evaluated: the key, the operator, the values compared, the outcome.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConditionResult {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
    /// The request's values; `None` when the key was absent.
    pub context: Option<Vec<String>>,
    pub matched: bool,
}

/// Serde for the explanation a guardrail test's results share.
mod shared_detail {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::GuardrailDetail;

    pub fn serialize<S: Serializer>(value: &Option<Arc<GuardrailDetail>>, s: S) -> Result<S::Ok, S::Error> {
        value.as_deref().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<GuardrailDetail>>, D::Error> {
        Ok(Option::<GuardrailDetail>::deserialize(d)?.map(Arc::new))
    }
}

impl GuardrailResult {
    pub fn passed(&self) -> bool {
        self.expected == self.actual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_spellings_round_trip() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), *s);
        }
        assert_eq!("NON_COMPLIANT".parse::<ConfigCompliance>().unwrap(), ConfigCompliance::NonCompliant);
        let err = "SEVERE".parse::<Severity>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown Severity `SEVERE`, expected one of: INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL"
        );
    }

    #[test]
    fn managed_identifiers_are_read_from_security_hub_and_conformance_pack_names() {
        let id = "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS";
        assert_eq!(
            identifier_in_name("securityhub-sagemaker-notebook-no-direct-internet-access-1a2b3c4d").as_deref(),
            Some(id)
        );
        assert_eq!(
            identifier_in_name("sagemaker-notebook-no-direct-internet-access-conformance-pack-abcdefghi").as_deref(),
            Some(id)
        );
        assert_eq!(
            identifier_in_name("s3-bucket-ssl-requests-only-conformance-pack-x1").as_deref(),
            Some("S3_BUCKET_SSL_REQUESTS_ONLY")
        );
        for other in [
            "sagemaker-notebook-no-direct-internet-access",
            "ml-notebook-no-direct-internet-access",
            "securityhub-",
            "securityhub-x-",
            "team-nb-tagging-01",
            "Securityhub-Upper-Case-1a",
            "-conformance-pack-abc",
        ] {
            assert_eq!(identifier_in_name(other), None, "{other}");
        }
    }

    #[test]
    fn severity_orders_by_gravity() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Informational);
        assert_eq!(Severity::DESCENDING[0], Severity::Critical);
    }
}
