//! The store's input language: what a source tells the store (data, a full set or changes,
//! progress, retries, or an error). Plain data, with the model, so that the store and the screen
//! need nothing from the sources that produce it.

use std::fmt;
use std::time::Duration;

use super::{
    Alarm, ConfigRule, Evaluation, Finding, GuardrailResult, MetricSeries, Part, PartSet, RemediationConfig,
    RemediationExecution, Timestamp,
};

crate::enums::named_enum! {
    /// The services vigil reads, each one source; the names are the reports' and the header's.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum SourceKind {
        Config => "config",
        SecurityHub => "securityhub",
        CloudWatch => "cloudwatch",
        /// Offline guardrail (policy) tests.
        Guardrails => "guardrails",
    }
}

impl SourceKind {
    /// The parts it reads.
    pub fn parts(self) -> &'static [Part] {
        match self {
            Self::Config => &[
                Part::ConfigRules,
                Part::Compliance,
                Part::ComplianceDetails,
                Part::EvaluationStatus,
                Part::RemediationConfigs,
                Part::RemediationExecutions,
            ],
            Self::SecurityHub => &[Part::Standards, Part::Findings],
            Self::CloudWatch => &[Part::Alarms, Part::Metrics],
            Self::Guardrails => &[Part::GuardrailTests],
        }
    }

    /// The source that reads a part.
    pub fn of(part: Part) -> SourceKind {
        Self::ALL.into_iter().find(|k| k.parts().contains(&part)).unwrap_or(Self::Config)
    }

    /// How often the source is polled by default. Guardrail tests run offline and never age.
    pub fn default_interval(self) -> Option<Duration> {
        match self {
            Self::Config => Some(Duration::from_secs(60)),
            Self::SecurityHub => Some(Duration::from_secs(30)),
            Self::CloudWatch => Some(Duration::from_secs(60)),
            Self::Guardrails => None,
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Items of every evidence type. A source fills in the collections it owns.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Dataset {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ConfigRule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evaluations: Vec<Evaluation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remediation_configs: Vec<RemediationConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub executions: Vec<RemediationExecution>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<Alarm>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSeries>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guardrails: Vec<GuardrailResult>,
    /// Security Hub standards and whether each is enabled (replaces the held list when given).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub standards: Vec<Standard>,
    /// What Security Hub says of the organisation the caller sees (replaces the held one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_scope: Option<HubScope>,
    /// Whether the new Security Hub (the OCSF API) is on, and whether findings are read through
    /// it (replaces the held one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_v2: Option<HubV2>,
    /// The new Security Hub's counts (GetFindingStatisticsV2), read on a cold start before the
    /// findings: shown, marked as counts, until the findings themselves are read whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_counts: Option<HubCounts>,
    /// Security Hub's automation rules, of each service read (replaces that service's held rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation_rules: Option<super::AutomationRules>,
    /// The Config aggregators of the caller's account and region (replaces the held list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_aggregators: Option<Vec<ConfigAggregator>>,
    /// Items the source read but could not use (a finding without resources, say): skipped and
    /// counted, never fatal.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: u64,
    /// The parts a `Merge` brings fully up to date (a `Replace` brings every part of its source
    /// but those in `unread`).
    #[serde(skip_serializing_if = "no_parts")]
    pub fresh: PartSet,
    /// The parts that could not be read in full, and why: what they feed stays unknown, or keeps
    /// its last good value, never turns into "none".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<Unread>,
    /// How the reads in each other account and region went (an organisation's members, through
    /// their role): every place the source reads besides its own, each time it reads them all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<PlaceRead>,
}

/// How a source's read in one account and region went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlaceRead {
    pub account: String,
    pub region: String,
    /// Why it was not read (in full), or `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<SourceError>,
}

/// A part that could not be read (in full): the rules it concerns say so in their own `unread`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unread {
    pub part: Part,
    pub error: SourceError,
}

impl Dataset {
    /// A data set that only says these parts could not be read, and why.
    pub fn not_read(parts: &[Part], error: &SourceError) -> Dataset {
        let unread = parts.iter().map(|p| Unread { part: *p, error: error.clone() }).collect();
        Dataset { unread, ..Default::default() }
    }

    /// Only says what could not be read: no data, nothing fresh.
    pub fn only_unread(&self) -> bool {
        !self.unread.is_empty()
            && self.fresh.is_empty()
            && self.rules.is_empty()
            && self.evaluations.is_empty()
            && self.remediation_configs.is_empty()
            && self.executions.is_empty()
            && self.findings.is_empty()
            && self.alarms.is_empty()
            && self.metrics.is_empty()
            && self.guardrails.is_empty()
            && self.standards.is_empty()
            && self.hub_scope.is_none()
            && self.config_aggregators.is_none()
            && self.places.is_empty()
            && self.skipped == 0
    }

    /// Whether a part was read in full.
    pub fn read(&self, part: Part) -> bool {
        !self.unread.iter().any(|u| u.part == part)
    }
}

/// The new Security Hub (DescribeSecurityHubV2) as last asked: on or not, and which APIs vigil
/// reads the findings through (`[securityhub] api`): its own, Security Hub CSPM's, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubV2 {
    pub on: bool,
    /// The findings are read through the new API.
    pub read: bool,
    /// The findings are read through Security Hub CSPM's API.
    #[serde(default)]
    pub cspm: bool,
}

/// What the new Security Hub counts at once (GetFindingStatisticsV2, within the reader's scope):
/// failing findings per security control (not suppressed), and open ones (NEW, NOTIFIED) per
/// severity, all of them and those that are activity (not a control's check).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubCounts {
    pub failing_by_control: Vec<(String, u64)>,
    /// By [`super::Severity::index`].
    pub open_by_severity: [u64; 5],
    pub open_activity_by_severity: [u64; 5],
}

/// What Security Hub says of the organisation the caller sees: the member accounts it
/// administers (ListMembers) and this region's finding aggregator (ListFindingAggregators,
/// GetFindingAggregator). In an aggregator's home region, GetFindings returns the findings of
/// every member account and linked region.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubScope {
    /// Member accounts associated with the caller as their administrator.
    pub members: Vec<String>,
    pub aggregator: Option<FindingAggregator>,
}

/// An AWS Config aggregator (DescribeConfigurationAggregators): compliance collected from an
/// organisation's accounts, or from accounts named one by one, in some or all regions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigAggregator {
    pub name: String,
    pub arn: String,
    /// Collects from every account of the organisation.
    pub organization: bool,
    /// The accounts named one by one (not an organisation's).
    pub accounts: Vec<String>,
    pub all_regions: bool,
    pub regions: Vec<String>,
}

/// A Security Hub finding aggregator (cross-region aggregation).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FindingAggregator {
    pub arn: String,
    /// The aggregation (home) region.
    pub home_region: String,
    /// `ALL_REGIONS`, `ALL_REGIONS_EXCEPT_SPECIFIED`, `SPECIFIED_REGIONS` or `NO_REGIONS`.
    pub linking_mode: String,
    /// The regions `linking_mode` names.
    pub regions: Vec<String>,
}

/// A Security Hub standard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Standard {
    pub arn: String,
    /// A short name: FSBP, AI Security, CIS, or the ARN's own.
    pub name: String,
    pub enabled: bool,
}

impl Standard {
    /// The short name of a standard from its ARN.
    pub fn short_name(arn: &str) -> String {
        let path = arn.split_once(":standards/").map_or(arn, |(_, p)| p);
        if path.starts_with("aws-foundational-security-best-practices") {
            "FSBP".into()
        } else if path.starts_with("ai-security-best-practices") {
            "AI Security".into()
        } else if path.starts_with("cis-aws-foundations-benchmark") {
            let version = path.rsplit('/').next().unwrap_or_default();
            format!("CIS {version}")
        } else {
            path.split('/').next().unwrap_or(path).to_string()
        }
    }
}

/// What a successful fetch carries.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// The source's full data set: what is not in it is gone.
    Replace(Dataset),
    /// Changes, merged by identity (finding id, rule and resource, alarm name, ...).
    Merge(Dataset),
    /// The end of a pass over Security Hub's whole active set, which began at `started_at`:
    /// held findings it did not see, and that have not changed since it began, are gone.
    /// `skipped`: the malformed findings the pass met, now the count of those held.
    Sweep {
        #[serde(with = "crate::model::sym::vec")]
        seen: Vec<crate::model::Sym>,
        started_at: Timestamp,
        #[serde(default)]
        skipped: u64,
    },
    /// A long load is under way; `rate` is the calls a second it is allowed now, where a rate
    /// limit paces it.
    Progress { pages: u32, items: u64, rate: Option<f32> },
    /// A call failed and is being retried.
    Retrying { attempt: u32, error: SourceError },
}

/// Why a source could not fetch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceError {
    Throttled {
        operation: String,
    },
    /// Access denied, naming the IAM action that was denied.
    Unauthorized {
        action: String,
    },
    /// The credentials expired; `fix` says how to renew them.
    ExpiredCredentials {
        fix: String,
    },
    Failed {
        message: String,
    },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Throttled { operation } => write!(f, "throttled on {operation}"),
            Self::Unauthorized { action } => write!(f, "not authorized to call {action}"),
            Self::ExpiredCredentials { fix } => write!(f, "credentials expired: {fix}"),
            Self::Failed { message } => f.write_str(message),
        }
    }
}

fn no_parts(parts: &PartSet) -> bool {
    parts.is_empty()
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One message from a source to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceEvent {
    pub source: SourceKind,
    /// When the data was read (or the failure seen).
    pub fetched_at: Timestamp,
    pub result: Result<Payload, SourceError>,
}

/// What a source sends to the app, and what a recording keeps: it lives here, below both.
/// Events are by far the most common message, so they are not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Event(SourceEvent),
    /// A step of a story (the demo's scenario) has been played.
    Step(super::StepInfo),
    /// Everything held is to be forgotten: a story going back rebuilds from its start.
    Reset,
    /// The account id, once STS has said it.
    Account(String),
    /// A responder's answer to a lookup or a write.
    Answer(super::Answer),
}
