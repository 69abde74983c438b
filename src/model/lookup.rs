//! On-demand lookups and corrective actions: what the drill-down asks of a source and what comes
//! back. `update` returns a [`Request`] as a command; a responder (live AWS, the demo) answers
//! with [`Answer`]s, one per section, so that each section shows as soon as it arrives.

use std::fmt;

use super::{ConfigCompliance, ExecutionState, Finding, ResourceId, Sym, Timestamp, WorkflowStatus};

/// What a lookup is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Resource(ResourceId),
    /// A finding, by its id.
    Finding(Sym),
}

/// One part of a lookup, fetched and shown on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Every Config rule's evaluation of the resource (GetComplianceDetailsByResource).
    Evaluations,
    /// The resource's configuration timeline (GetResourceConfigHistory).
    Timeline,
    /// Every active finding on the resource (GetFindings by ResourceId).
    Findings,
    /// The resource's remediation executions (DescribeRemediationExecutionStatus).
    Remediation,
    /// The whole finding (GetFindings by Id).
    Detail,
    /// The finding's changes (GetFindingHistory).
    History,
}

impl Section {
    pub const RESOURCE: [Section; 4] =
        [Section::Evaluations, Section::Timeline, Section::Findings, Section::Remediation];
    pub const FINDING: [Section; 2] = [Section::Detail, Section::History];

    pub fn title(self) -> &'static str {
        match self {
            Section::Evaluations => "Config evaluations",
            Section::Timeline => "Configuration timeline",
            Section::Findings => "Findings",
            Section::Remediation => "Remediation",
            Section::Detail => "Finding",
            Section::History => "History",
        }
    }

    /// The AWS call that fills it, named where it fails.
    pub fn call(self) -> &'static str {
        match self {
            Section::Evaluations => "config:GetComplianceDetailsByResource",
            Section::Timeline => "config:GetResourceConfigHistory",
            Section::Findings | Section::Detail => "securityhub:GetFindings",
            Section::Remediation => "config:DescribeRemediationExecutionStatus",
            Section::History => "securityhub:GetFindingHistory",
        }
    }
}

/// One rule's evaluation of one resource, as GetComplianceDetailsByResource gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEvaluation {
    pub rule: Sym,
    pub compliance: ConfigCompliance,
    pub annotation: Option<Box<str>>,
    pub recorded_at: Timestamp,
}

/// One configuration item of a resource's history.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigItem {
    pub captured_at: Timestamp,
    /// `configurationItemStatus`: OK, ResourceDiscovered, ResourceDeleted, …
    pub status: Box<str>,
    /// The configuration fields that differ from the item before (dotted paths), empty for the
    /// first item.
    pub changed: Vec<String>,
}

/// The configuration timeline, newest first.
#[derive(Debug, Clone, PartialEq)]
pub enum Timeline {
    Items(Vec<ConfigItem>),
    /// Config does not record this resource type (it is not in the model's ResourceType enum).
    NotRecorded,
}

/// One step of a remediation execution (a step of the SSM Automation document).
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionStep {
    pub name: Box<str>,
    pub state: Box<str>,
    pub error: Option<Box<str>>,
    pub started_at: Option<Timestamp>,
    pub stopped_at: Option<Timestamp>,
}

/// One remediation execution for the resource, with its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionHistory {
    pub rule: Sym,
    pub state: ExecutionState,
    pub invoked_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub steps: Vec<ExecutionStep>,
}

/// A finding in full: what the finding view shows beyond the stored [`Finding`].
#[derive(Debug, Clone, PartialEq)]
pub struct FindingDetail {
    pub finding: Finding,
    /// Needed to change the finding (BatchUpdateFindings names a finding by id and product ARN).
    pub product_arn: Box<str>,
    pub product_name: Option<Box<str>>,
    pub description: Box<str>,
    pub types: Vec<Box<str>>,
    pub first_observed: Option<Timestamp>,
    pub last_observed: Option<Timestamp>,
    pub note: Option<Box<str>>,
    pub remediation_text: Option<Box<str>>,
    pub remediation_url: Option<Box<str>>,
}

/// One change to a finding (GetFindingHistory).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub at: Timestamp,
    /// Who changed it: `BATCH_UPDATE_FINDINGS` with the caller, or `BATCH_IMPORT_FINDINGS`.
    pub source: Box<str>,
    pub created: bool,
    /// Field, old value, new value.
    pub changes: Vec<(Box<str>, Box<str>, Box<str>)>,
}

/// What a section holds once answered.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionData {
    Evaluations(Vec<RuleEvaluation>),
    Timeline(Timeline),
    /// In full: the resource view shows each finding's recommended fix.
    Findings(Vec<FindingDetail>),
    Remediation(Vec<ExecutionHistory>),
    Detail(Box<FindingDetail>),
    History(Vec<HistoryRecord>),
    /// The history of a finding read through the new Security Hub only (GetFindingsV2: one that
    /// Security Hub CSPM's GetFindings does not have, or any where the findings are read through
    /// the new Security Hub alone): it keeps no history readable through its API
    /// (GetFindingHistory has no V2 counterpart). An answer, not a failure, and not "no changes".
    HistoryNotKept,
}

/// A corrective action: a write, made only with `--write`, after the user confirmed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// StartRemediationExecution for one resource under one rule.
    StartRemediation { rule: Sym, resource: ResourceId, document: Sym },
    /// BatchUpdateFindings: the finding's workflow status and a note. Where the findings are read
    /// through the new Security Hub (`[securityhub] api = "v2"`), BatchUpdateFindingsV2 instead:
    /// it names the finding by its account, id and product uid, which the responder derives
    /// from `account`, `region` and `product` (vigil's name of the product, as the finding has
    /// them; empty where they were not known).
    SetWorkflow {
        finding: Sym,
        product_arn: Box<str>,
        account: Sym,
        region: Sym,
        product: Sym,
        status: WorkflowStatus,
        note: String,
        /// Only the new Security Hub holds the finding (an exposure finding): BatchUpdateFindingsV2
        /// whatever API the findings are read through.
        new_hub_only: bool,
    },
}

impl Write {
    /// The IAM action of the AWS operation it calls, which names the call on the screen and in
    /// the audit log. BatchUpdateFindingsV2 is authorised as `securityhub:BatchUpdateFindings`
    /// too (the Service Authorization Reference), so a workflow change names that action
    /// whichever of the two operations makes it.
    pub fn operation(&self) -> &'static str {
        match self {
            Write::StartRemediation { .. } => "config:StartRemediationExecution",
            Write::SetWorkflow { .. } => "securityhub:BatchUpdateFindings",
        }
    }

    /// What the write is about, for the audit log and the screen.
    pub fn target(&self) -> String {
        match self {
            Write::StartRemediation { rule, resource, .. } => format!("{rule} {} {}", resource.kind, resource.id),
            Write::SetWorkflow { finding, .. } => finding.to_string(),
        }
    }

    /// The request's parameters as the audit log records them (never credentials): for a
    /// workflow change, BatchUpdateFindings' (the responder records BatchUpdateFindingsV2's
    /// where it makes that call).
    pub fn parameters(&self) -> serde_json::Value {
        match self {
            Write::StartRemediation { rule, resource, document } => serde_json::json!({
                "ConfigRuleName": &**rule,
                "ResourceKeys": [{
                    "resourceType": &*resource.kind,
                    "resourceId": resource.config_id().unwrap_or(&resource.id),
                }],
                "document": &**document,
            }),
            Write::SetWorkflow { finding, product_arn, status, note, .. } => {
                let mut p = serde_json::json!({
                    "FindingIdentifiers": [{"Id": &**finding, "ProductArn": &**product_arn}],
                    "Workflow": {"Status": status.as_str()},
                });
                if !note.is_empty() {
                    p["Note"] = serde_json::json!({"Text": note, "UpdatedBy": "vigil"});
                }
                p
            }
        }
    }

    /// The subject whose view shows the outcome.
    pub fn subject(&self) -> Subject {
        match self {
            Write::StartRemediation { resource, .. } => Subject::Resource(resource.clone()),
            Write::SetWorkflow { finding, .. } => Subject::Finding(finding.clone()),
        }
    }
}

/// How a write went, as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteState {
    /// Sent, no answer yet.
    Sent,
    /// AWS accepted it; for a remediation, the execution's state as it is followed.
    Accepted { execution: Option<ExecutionState>, detail: Option<String> },
    /// AWS refused it, or it failed (with AWS's reason, or UnprocessedFindings' codes).
    Failed { reason: String },
}

impl WriteState {
    /// Whether nothing more will change: refused, failed, or done (a remediation that ended).
    pub fn is_final(&self) -> bool {
        match self {
            WriteState::Sent => false,
            WriteState::Failed { .. } => true,
            WriteState::Accepted { execution: None, .. } => true,
            WriteState::Accepted { execution: Some(x), .. } => {
                matches!(x, ExecutionState::Succeeded | ExecutionState::Failed)
            }
        }
    }
}

impl fmt::Display for WriteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteState::Sent => f.write_str("sent"),
            WriteState::Accepted { execution: Some(x), detail: Some(d) } => write!(f, "{x}: {d}"),
            WriteState::Accepted { execution: Some(x), detail: None } => write!(f, "{x}"),
            WriteState::Accepted { execution: None, detail: Some(d) } => write!(f, "done: {d}"),
            WriteState::Accepted { execution: None, detail: None } => f.write_str("done"),
            WriteState::Failed { reason } => write!(f, "failed: {reason}"),
        }
    }
}

/// What `update` asks a responder for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `remediation_rules`: the rules with a remediation configured, as the store knows them:
    /// the remediation section asks about those that evaluated the resource.
    Lookup {
        subject: Subject,
        sections: Vec<Section>,
        remediation_rules: Vec<Sym>,
    },
    Write(Write),
}

/// A responder's answer to one section, or news of one write.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Section { subject: Subject, section: Section, at: Timestamp, result: Result<SectionData, String> },
    Write { write: Write, at: Timestamp, state: WriteState },
}

/// Severity sorts a finding list; kept here so that every list of findings agrees.
pub fn by_severity(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id))
}
