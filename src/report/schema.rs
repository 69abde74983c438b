//! The report's schema, version 2: one type per part, in the order its JSON writes the keys
//! (README.md documents each). Read back by `vigil diff` and by scripts; [`super::v1`] derives
//! version 1 from it.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::model::StatusLevel;

/// 2: a part of a poll that was not read is `null` (never an empty list or a zero), sources
/// list what they could not read, controls what they lack, rules say `evaluation_failing`.
pub const SCHEMA_VERSION: u32 = 2;

/// A whole report. `None` parts were not read: unknown, never "none".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub generated_at: String,
    pub subject: Subject,
    pub scope: Scope,
    pub score: Score,
    pub activity: Activity,
    pub sources: Vec<Source>,
    pub standards: Option<Vec<Standard>>,
    pub controls: Vec<Control>,
    pub rules: Option<Vec<Rule>>,
    pub findings: Option<Findings>,
    pub alarms: Option<Vec<Alarm>>,
    pub remediations: Option<Vec<Remediation>>,
    /// Where a warm report started from (`--snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

/// What the report is about.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Subject {
    pub account: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub demo: bool,
    /// The recording the posture was replayed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<String>,
    /// Where the report started from when not from nothing (`--snapshot`): the report's
    /// top-level `basis`.
    #[serde(skip)]
    pub basis: Option<Basis>,
}

/// A report started from a local snapshot: when it was written, what was read again since,
/// and what a warm report cannot see.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Basis {
    pub snapshot_written_at: String,
    /// Security Hub's findings updated since this time (less the overlap) were read again.
    pub findings_updated_since: Option<String>,
    /// The sources read in full again.
    pub reread: Vec<String>,
    pub not_seen: String,
}

/// The accounts and regions the posture covers, and the aggregators that showed them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scope {
    /// `organization` or `account`.
    pub mode: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// The narrowing (`--only-account`, `--only-region`), if any.
    pub only: Option<Only>,
    pub aggregators: Aggregators,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Only {
    pub account: Option<String>,
    pub region: Option<String>,
}

/// `None`: the service was not asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aggregators {
    pub config: Option<Vec<ConfigAggregator>>,
    pub securityhub: Option<HubScope>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigAggregator {
    pub name: String,
    pub arn: String,
    pub organization: bool,
    pub accounts: Vec<String>,
    pub all_regions: bool,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HubScope {
    pub members: Vec<String>,
    pub aggregator: Option<FindingAggregator>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingAggregator {
    pub arn: String,
    pub home_region: String,
    pub linking_mode: String,
    pub regions: Vec<String>,
}

/// Posture scores in percent; `None` where no control has data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Score {
    pub overall: Option<u32>,
    pub preventive: Option<u32>,
    pub detective: Option<u32>,
    pub corrective: Option<u32>,
}

/// Live activity, as the header flags it: open findings that are detections (no compliance
/// status) by severity, and alarms in ALARM; `None` where not read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Activity {
    pub open_findings: Option<BySeverity>,
    pub alarms_firing: Option<u64>,
}

/// One source: its health, what it could not read, and how each member account and region went.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub name: String,
    pub health: String,
    pub last_ok: Option<String>,
    pub error: Option<String>,
    pub skipped: u64,
    pub unread: Vec<UnreadPart>,
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnreadPart {
    pub part: String,
    pub call: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Place {
    pub account: String,
    pub region: String,
    pub health: String,
    pub last_ok: Option<String>,
    /// Why its last read failed; `None` when it did not.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Standard {
    pub arn: String,
    pub name: String,
    pub enabled: bool,
}

/// A control's status, as the report writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Warn,
    Unknown,
    Stale,
}

impl Status {
    pub fn of(level: StatusLevel) -> Status {
        match level {
            StatusLevel::Pass => Status::Pass,
            StatusLevel::Fail => Status::Fail,
            StatusLevel::Warn => Status::Warn,
            StatusLevel::Unknown => Status::Unknown,
            StatusLevel::Stale => Status::Stale,
        }
    }

    pub fn level(self) -> StatusLevel {
        match self {
            Status::Pass => StatusLevel::Pass,
            Status::Fail => StatusLevel::Fail,
            Status::Warn => StatusLevel::Warn,
            Status::Unknown => StatusLevel::Unknown,
            Status::Stale => StatusLevel::Stale,
        }
    }

    /// `pass`, as the JSON and CSV write it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Unknown => "unknown",
            Status::Stale => "stale",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Control {
    pub id: String,
    /// `preventive`, `detective` or `corrective`.
    pub kind: String,
    pub title: String,
    pub status: Status,
    /// Distinct failing resources; `None` when unknown (0: counted, and none failing).
    pub failing: Option<u64>,
    /// The rules of a corrective control with no remediation configured.
    pub no_remediation: Vec<RuleRef>,
    /// `failing` is a lower bound: the resources listed are the part read.
    pub failing_at_least: bool,
    pub resources: Vec<Resource>,
    /// Distinct failing resources of each account.
    pub by_account: BTreeMap<String, u64>,
    /// The calls whose parts it lacks.
    pub not_read: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleRef {
    pub rule: String,
    pub account: String,
    pub region: String,
}

/// A failing resource, or an alarm the control expects that does not exist (`missing`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub account: Option<String>,
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
    pub failing_since: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub account: String,
    pub region: String,
    /// The managed rule's `Source.SourceIdentifier`.
    pub source: Option<String>,
    pub compliance: Option<String>,
    /// Non-compliant resources, when their details were read in full.
    pub noncompliant: Option<u32>,
    pub capped: bool,
    pub capped_count: Option<u32>,
    /// `None` when the evaluation status was not read.
    pub evaluation_failing: Option<bool>,
    pub evaluation_error: Option<String>,
}

/// Counts of ACTIVE findings: the total, the open ones by severity, all by workflow status, and
/// the open ones at HIGH and above.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Findings {
    pub total: u64,
    pub by_severity: BySeverity,
    pub by_workflow: ByWorkflow,
    pub by_account: IndexMap<String, Totals>,
    pub by_region: IndexMap<String, Totals>,
    /// At most [`super::OPEN_HIGH_LISTED`], CRITICAL first, then by id.
    pub open_high: Vec<OpenFinding>,
    pub open_high_more: u64,
    /// Why the ACTIVE findings that are not NEW are as they are: how many each automation rule
    /// explains, and how many were set by hand. Absent where no automation rules were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_reasons: Option<Vec<WorkflowReasonCount>>,
}

/// The ACTIVE findings of one workflow status that one automation rule explains (or, without a
/// rule, that were set by hand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowReasonCount {
    pub workflow: String,
    /// The rule's name; `None`: by hand (no rule matches), or resolved because the control passed.
    pub rule: Option<String>,
    /// The service whose rule it is (`Security Hub CSPM`, `Security Hub`); `control passed` for a
    /// control finding Security Hub resolved itself; `None` by hand.
    pub service: Option<String>,
    /// Whether the rule matches for certain, or may (its criteria test fields vigil does not keep).
    pub certain: bool,
    pub findings: u64,
}

/// The findings of one account or region.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Totals {
    pub total: u64,
    pub by_severity: BySeverity,
}

/// A count per severity, worst first.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct BySeverity {
    #[serde(rename = "CRITICAL")]
    pub critical: u64,
    #[serde(rename = "HIGH")]
    pub high: u64,
    #[serde(rename = "MEDIUM")]
    pub medium: u64,
    #[serde(rename = "LOW")]
    pub low: u64,
    #[serde(rename = "INFORMATIONAL")]
    pub informational: u64,
}

/// A count per workflow status.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ByWorkflow {
    #[serde(rename = "NEW")]
    pub new: u64,
    #[serde(rename = "NOTIFIED")]
    pub notified: u64,
    #[serde(rename = "RESOLVED")]
    pub resolved: u64,
    #[serde(rename = "SUPPRESSED")]
    pub suppressed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenFinding {
    pub id: String,
    pub severity: String,
    pub title: String,
    pub product: String,
    pub control: Option<String>,
    pub resource: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alarm {
    pub name: String,
    pub account: String,
    pub region: String,
    pub state: String,
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Remediation {
    pub rule: String,
    pub account: String,
    pub region: String,
    /// The SSM Automation document.
    pub target: String,
    pub automatic: bool,
    /// Executions held, by state (only the states that have some); `None` when not read.
    pub executions: Option<IndexMap<String, u64>>,
}
