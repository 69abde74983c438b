//! New Security Hub's findings (GetFindingsV2): OCSF documents, converted into the same
//! [`Finding`] the ASFF converter ([`super::securityhub::convert`]) makes, so that a control
//! finding read through both APIs is one finding (same id, same fields).
//!
//! The documents are untyped JSON and their schema version varies (1.5.0, 1.6.0, 1.8.0 have been
//! seen): fields are read by path, unknown ones ignored. A document without what vigil needs is
//! `Err(Unreadable)`, which names the field: skipped and counted by the caller, never fatal.
//!
//! Text is kept as the document gives it, as the ASFF converter keeps it: `crate::text::clean`
//! neutralises it where it is shown. Only [`Unreadable`]'s message, meant for a log line, cleans
//! the value it quotes.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use super::securityhub::control_from_generator;
use crate::model::{
    Finding, FindingClass, FindingCompliance, FindingDetail, Interner, RecordState, ResourceId, Severity, Timestamp,
    WorkflowStatus,
};

/// A finding read from an OCSF document, with what later calls need beside the [`Finding`].
#[derive(Debug, Clone, PartialEq)]
pub struct OcsfFinding {
    pub finding: Finding,
    /// `metadata.uid`: Security Hub's own id of the finding, for BatchUpdateFindingsV2's
    /// `MetadataUids`.
    pub metadata_uid: Option<String>,
    /// `metadata.product.uid`, the third part of BatchUpdateFindingsV2's `FindingIdentifiers`
    /// (with `cloud.account.uid` and `finding_info.uid`).
    pub product_uid: Option<String>,
    /// `class_uid`: 2003 Compliance, 2004 Detection, 2002 Vulnerability, 2006 Data Security.
    pub class_uid: Option<u32>,
}

/// Why a document could not be read: the field at fault, by its OCSF path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub field: &'static str,
    pub problem: Problem,
}

/// What was wrong with the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    /// Present but unusable: what it held (cleaned and shortened, for a log line) and what was
    /// expected.
    Invalid {
        value: String,
        expected: &'static str,
    },
}

impl Unreadable {
    fn missing(field: &'static str) -> Self {
        Unreadable { field, problem: Problem::Missing }
    }

    fn invalid(field: &'static str, value: &Value, expected: &'static str) -> Self {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut value: String = crate::text::clean(&text).chars().take(VALUE_SHOWN).collect();
        if text.chars().count() > VALUE_SHOWN {
            value.push('…');
        }
        Unreadable { field, problem: Problem::Invalid { value, expected } }
    }
}

/// How much of a bad value an [`Unreadable`] quotes.
const VALUE_SHOWN: usize = 80;

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Missing => write!(f, "OCSF finding without {}", self.field),
            Problem::Invalid { value, expected } => {
                write!(f, "OCSF finding with an unusable {} `{value}` (expected {expected})", self.field)
            }
        }
    }
}

impl std::error::Error for Unreadable {}

/// A finding as vigil keeps it, from an OCSF document; `Err` names what it lacks (a
/// `finding_info.uid`, an updated time, `cloud.account.uid`, a severity, a resource).
pub fn convert_ocsf(doc: &Value, interner: &mut Interner) -> Result<Finding, Unreadable> {
    read_ocsf(doc, interner).map(|o| o.finding)
}

/// As [`convert_ocsf`], with the document's `metadata.uid`, product uid and class.
pub fn read_ocsf(doc: &Value, interner: &mut Interner) -> Result<OcsfFinding, Unreadable> {
    if !doc.is_object() {
        return Err(Unreadable::invalid("(document)", doc, "a JSON object"));
    }
    let id = text(doc, &["finding_info", "uid"]).ok_or(Unreadable::missing("finding_info.uid"))?;
    let updated_at = updated_at(doc)?;
    let account = text(doc, &["cloud", "account", "uid"]).ok_or(Unreadable::missing("cloud.account.uid"))?;
    let severity = severity(doc)?;
    let product_uid = text(doc, &["metadata", "product", "uid"]);
    let first_resource_region =
        at(doc, &["resources"]).and_then(Value::as_array).and_then(|rs| rs.iter().find_map(|r| text(r, &["region"])));
    // As the ASFF converter: the finding's region, else where its ARNs say it was generated.
    let region = text(doc, &["cloud", "region"])
        .or(first_resource_region)
        .or_else(|| arn_region(product_uid))
        .or_else(|| arn_region(Some(id)))
        .unwrap_or_default();
    let resources: Vec<ResourceId> = at(doc, &["resources"])
        .and_then(Value::as_array)
        .map(|rs| rs.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let kind = text(r, &["type"])?;
            let rid = text(r, &["uid_alt"])
                .filter(|u| u.starts_with("arn:"))
                .or_else(|| text(r, &["uid"]))
                .or_else(|| text(r, &["name"]))?;
            let region = text(r, &["region"]).unwrap_or(region);
            Some(ResourceId::from_security_hub(interner, &hub_type(kind), rid, account, region))
        })
        .collect();
    if resources.is_empty() {
        // The ASFF converter skips a finding without a resource too.
        return Err(Unreadable::missing("resources[] (with a type and a uid, uid_alt or name)"));
    }
    let control_id = text(doc, &["compliance", "control"]).or_else(|| control_from_uid(id));
    let related_rule = match text(doc, &["finding_info", "analytic", "category"]) {
        Some("AWS::Config::ConfigRule") => text(doc, &["finding_info", "analytic", "name"]),
        _ => None,
    };
    let product = product(product_uid)
        .or_else(|| text(doc, &["metadata", "product", "name"]))
        .or_else(|| product_uid.and_then(|u| u.rsplit('/').next()).filter(|p| !p.is_empty()))
        .unwrap_or("unknown");
    let status_id = int(doc, &["status_id"]);
    let gone = matches!(status_id, Some(5 | 6)) || int(doc, &["activity_id"]) == Some(3);
    let class_uid = int(doc, &["class_uid"]).and_then(|c| u32::try_from(c).ok());
    let by_security_hub = product_uid.is_some_and(|u| u.ends_with("/aws/securityhub"));
    let analytic = text(doc, &["finding_info", "analytic", "name"]);
    let finding = Finding {
        id: interner.id(id),
        product: interner.intern(product),
        control_id: control_id.map(|c| interner.intern(c)),
        related_rule: related_rule.map(|r| interner.intern(r)),
        title: interner.intern(text(doc, &["finding_info", "title"]).unwrap_or_default()),
        severity,
        workflow: workflow(status_id, text(doc, &["status"])),
        record_state: if gone { RecordState::Archived } else { RecordState::Active },
        compliance: compliance(doc),
        resources: resources.into(),
        account: interner.intern(account),
        region: interner.intern(region),
        updated_at: updated_at.into(),
        first_observed: [("first_seen_time_dt", "first_seen_time"), ("created_time_dt", "created_time")]
            .into_iter()
            .find_map(|(dt, ms)| time(doc, dt, ms).and_then(Result::ok))
            .map(Into::into),
        class: class_uid.and_then(|c| FindingClass::of_ocsf(c, analytic, by_security_hub)),
    };
    Ok(OcsfFinding {
        finding,
        metadata_uid: text(doc, &["metadata", "uid"]).map(str::to_string),
        product_uid: product_uid.map(str::to_string),
        class_uid,
    })
}

/// The value at a path of object keys.
fn at<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(doc, |v, k| v.get(k))
}

/// A non-empty string at a path.
fn text<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(doc, path).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// An enumeration's id at a path: a number, leniently also a whole float or a numeric string.
fn int(doc: &Value, path: &[&str]) -> Option<u64> {
    match at(doc, path)? {
        Value::Number(n) => {
            n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn arn_region(arn: Option<&str>) -> Option<&str> {
    arn.filter(|a| a.starts_with("arn:")).and_then(|a| a.split(':').nth(3)).filter(|r| !r.is_empty())
}

/// `finding_info.<dt>` (RFC 3339), else `finding_info.<ms>` (epoch milliseconds): `None` when
/// neither is there, `Err` naming the first one there that is not a time.
fn time(doc: &Value, dt: &'static str, ms: &'static str) -> Option<Result<Timestamp, Unreadable>> {
    times(doc.get("finding_info"), [dt, ms], [dt, ms])
}

/// The time in `dt` (RFC 3339) or else `ms` (epoch milliseconds) of `obj`, each named for the
/// error as `names` says.
fn times(obj: Option<&Value>, [dt, ms]: [&str; 2], names: [&'static str; 2]) -> Option<Result<Timestamp, Unreadable>> {
    let obj = obj?;
    let mut first_error = None;
    if let Some(v) = obj.get(dt).filter(|v| !v.is_null()) {
        match v.as_str().and_then(|s| s.parse::<Timestamp>().ok()) {
            Some(t) => return Some(Ok(t)),
            None => first_error = Some(Unreadable::invalid(names[0], v, "an RFC 3339 time")),
        }
    }
    if let Some(v) = obj.get(ms).filter(|v| !v.is_null()) {
        let millis = v.as_i64().or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64));
        match millis.and_then(|m| Timestamp::from_millisecond(m).ok()) {
            Some(t) => return Some(Ok(t)),
            None => {
                first_error.get_or_insert_with(|| Unreadable::invalid(names[1], v, "epoch milliseconds"));
            }
        }
    }
    first_error.map(Err)
}

/// When the finding last changed: `finding_info.modified_time_dt`, `finding_info.modified_time`,
/// then the event's `time_dt`, `time`.
fn updated_at(doc: &Value) -> Result<Timestamp, Unreadable> {
    let modified = times(
        doc.get("finding_info"),
        ["modified_time_dt", "modified_time"],
        ["finding_info.modified_time_dt", "finding_info.modified_time"],
    );
    let event = times(Some(doc), ["time_dt", "time"], ["time_dt", "time"]);
    // AWS's own sample exposure finding has neither (its `finding.info.modified_time_dt` is a
    // key with dots): a finding never modified was last changed when it was created.
    let created = || {
        times(
            doc.get("finding_info"),
            ["created_time_dt", "created_time"],
            ["finding_info.created_time_dt", "finding_info.created_time"],
        )
    };
    match (modified, event) {
        (Some(Ok(t)), _) | (_, Some(Ok(t))) => Ok(t),
        (Some(Err(e)), _) | (None, Some(Err(e))) => Err(e),
        (None, None) => created().unwrap_or_else(|| {
            Err(Unreadable::missing("finding_info.modified_time_dt (or modified_time, time_dt, time, created_time_dt)"))
        }),
    }
}

/// The severity an OCSF `severity_id` stands for: 1 Informational to 5 Critical, 6 Fatal as
/// CRITICAL; Unknown (0) and Other (99) say nothing.
pub fn severity_of_id(id: u64) -> Option<Severity> {
    Some(match id {
        1 => Severity::Informational,
        2 => Severity::Low,
        3 => Severity::Medium,
        4 => Severity::High,
        5 | 6 => Severity::Critical,
        _ => return None,
    })
}

/// The severity an OCSF `severity` label names, in any case (`Fatal` as CRITICAL).
pub fn severity_of_label(label: &str) -> Option<Severity> {
    match label.trim().to_ascii_uppercase().as_str() {
        "FATAL" => Some(Severity::Critical),
        other => other.parse().ok(),
    }
}

/// `severity_id`, else the `severity` label, else the provider's (`vendor_attributes`), as the
/// ASFF converter falls back to the provider's label. Unknown (0) and Other (99) say nothing;
/// a finding whose severity nothing says is skipped, as the ASFF converter skips one.
fn severity(doc: &Value) -> Result<Severity, Unreadable> {
    let from_id = |id: Option<u64>| id.and_then(severity_of_id);
    let from_label = |label: Option<&str>| label.and_then(severity_of_label);
    from_id(int(doc, &["severity_id"]))
        .or_else(|| from_label(text(doc, &["severity"])))
        .or_else(|| from_id(int(doc, &["vendor_attributes", "severity_id"])))
        .or_else(|| from_label(text(doc, &["vendor_attributes", "severity"])))
        .ok_or_else(|| match at(doc, &["severity_id"]) {
            Some(v) => Unreadable::invalid("severity_id", v, "1 to 6, or a severity label"),
            None => Unreadable::missing("severity_id"),
        })
}

/// The workflow an OCSF `status_id` stands for: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved;
/// 5 Archived and 6 Deleted are no longer open (RESOLVED, the record archived).
pub fn workflow_of_status_id(id: u64) -> Option<WorkflowStatus> {
    Some(match id {
        1 => WorkflowStatus::New,
        2 => WorkflowStatus::Notified,
        3 => WorkflowStatus::Suppressed,
        4..=6 => WorkflowStatus::Resolved,
        _ => return None,
    })
}

/// [`workflow_of_status_id`], else the `status` label; else NEW, as ASFF's default.
fn workflow(status_id: Option<u64>, status: Option<&str>) -> WorkflowStatus {
    status_id
        .and_then(workflow_of_status_id)
        .or_else(|| match status?.trim().to_ascii_uppercase().as_str() {
            "NEW" => Some(WorkflowStatus::New),
            "IN PROGRESS" | "IN_PROGRESS" | "NOTIFIED" => Some(WorkflowStatus::Notified),
            "SUPPRESSED" => Some(WorkflowStatus::Suppressed),
            "RESOLVED" | "ARCHIVED" | "DELETED" => Some(WorkflowStatus::Resolved),
            _ => None,
        })
        .unwrap_or(WorkflowStatus::New)
}

/// The `status_id` that says a workflow status (the inverse of [`workflow`] on 1 to 4): NEW 1,
/// NOTIFIED 2 (In Progress), SUPPRESSED 3, RESOLVED 4; what BatchUpdateFindingsV2's `StatusId`
/// sets.
pub fn status_id(workflow: WorkflowStatus) -> i32 {
    match workflow {
        WorkflowStatus::New => 1,
        WorkflowStatus::Notified => 2,
        WorkflowStatus::Suppressed => 3,
        WorkflowStatus::Resolved => 4,
    }
}

/// The finding view's fields of a whole OCSF document, beside its [`Finding`] (read from the
/// same document by [`read_ocsf`]), as the drill-down's ASFF `detail` gives them from GetFindings:
/// `metadata.product.uid` stands for the product ARN (the new Security Hub's own name of the
/// product), `finding_info.desc` for the description, `finding_info.types` for the types,
/// `finding_info.last_seen_time_dt` for the last observation, `comment` for the note and the
/// `remediation` object's `desc` and first web reference for the recommendation.
pub fn ocsf_detail(doc: &Value, read: OcsfFinding) -> FindingDetail {
    let strings = |path: &[&str]| -> Vec<Box<str>> {
        at(doc, path)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).filter(|s| !s.is_empty()).map(Into::into).collect())
            .unwrap_or_default()
    };
    let url = strings(&["remediation", "references"]).into_iter().find(|r| r.starts_with("http"));
    FindingDetail {
        product_arn: read.product_uid.as_deref().unwrap_or_default().into(),
        product_name: text(doc, &["metadata", "product", "name"]).map(Into::into),
        description: text(doc, &["finding_info", "desc"]).unwrap_or_default().into(),
        types: strings(&["finding_info", "types"]),
        first_observed: read.finding.first_observed.map(crate::model::Stamp::get),
        last_observed: time(doc, "last_seen_time_dt", "last_seen_time").and_then(Result::ok),
        note: text(doc, &["comment"]).map(Into::into),
        remediation_text: text(doc, &["remediation", "desc"]).map(Into::into),
        remediation_url: url,
        finding: read.finding,
    }
}

/// `compliance.status_id` 1 Pass, 2 Warning, 3 Fail, else the `status` label; a compliance
/// object that says neither is NOT_AVAILABLE; no compliance object (a detection finding), none.
fn compliance(doc: &Value) -> Option<FindingCompliance> {
    let c = doc.get("compliance").filter(|c| c.is_object())?;
    let from_id = match int(c, &["status_id"]) {
        Some(1) => Some(FindingCompliance::Passed),
        Some(2) => Some(FindingCompliance::Warning),
        Some(3) => Some(FindingCompliance::Failed),
        _ => None,
    };
    from_id
        .or_else(|| match text(c, &["status"])?.trim().to_ascii_uppercase().as_str() {
            "PASS" | "PASSED" => Some(FindingCompliance::Passed),
            "WARNING" => Some(FindingCompliance::Warning),
            "FAIL" | "FAILED" => Some(FindingCompliance::Failed),
            _ => None,
        })
        .or(Some(FindingCompliance::NotAvailable))
}

/// The product name the ASFF converter gives the same product's findings (their `ProductName`),
/// from `metadata.product.uid` (`arn:aws:securityhub:<region>::productv2/aws/<product>`): the
/// name in `metadata.product.name` differs ("Security Hub" or "Security Hub CSPM").
fn product(uid: Option<&str>) -> Option<&'static str> {
    let (_, tail) = uid?.split_once(":productv2/aws/")?;
    Some(match tail.trim_end_matches('/') {
        "securityhub" => "Security Hub",
        "guardduty" => "GuardDuty",
        "inspector" => "Inspector",
        "macie" => "Macie",
        _ => return None,
    })
}

/// The control in a control finding's id: `…:security-control/SageMaker.1/finding/<uuid>`, or
/// the older `…:subscription/<standard>/v/1.0.0/CloudTrail.2/finding/<uuid>`.
fn control_from_uid(uid: &str) -> Option<&str> {
    let (before, _) = uid.rsplit_once("/finding/")?;
    control_from_generator(before)
}

/// Security Hub's (ASFF) name of a CloudFormation resource type: `AWS::SageMaker::NotebookInstance`
/// is `AwsSageMakerNotebookInstance`, `AWS::EC2::VPC` is `AwsEc2Vpc`, `AWS::::Account` is
/// `AwsAccount`: each part in Pascal case, an acronym capitalised as a word. Given to
/// [`ResourceId::from_security_hub`], the resource gets the identity its ASFF twin gets. A type
/// not in CloudFormation style is kept as it is.
pub fn hub_type(kind: &str) -> Cow<'_, str> {
    let Some(rest) = kind.strip_prefix("AWS::") else { return Cow::Borrowed(kind) };
    let mut out = String::with_capacity(kind.len());
    out.push_str("Aws");
    for part in rest.split("::") {
        let chars: Vec<char> = part.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let after_capital = i > 0 && chars[i - 1].is_ascii_uppercase();
            let word_starts = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            out.push(if c.is_ascii_uppercase() && after_capital && !word_starts { c.to_ascii_lowercase() } else { c });
        }
    }
    Cow::Owned(out)
}

/// An SDK document as JSON. Object keys are sorted (the SDK's map has no order); a float JSON
/// cannot hold (NaN, infinity) becomes null.
pub fn document_to_json(d: &aws_smithy_types::Document) -> Value {
    use aws_smithy_types::{Document, Number};
    match d {
        Document::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), document_to_json(v))).collect())
        }
        Document::Array(items) => Value::Array(items.iter().map(document_to_json).collect()),
        Document::Number(Number::PosInt(n)) => Value::from(*n),
        Document::Number(Number::NegInt(n)) => Value::from(*n),
        Document::Number(Number::Float(f)) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Document::String(s) => Value::String(s.clone()),
        Document::Bool(b) => Value::Bool(*b),
        Document::Null => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::aws::securityhub::convert;
    use aws_sdk_securityhub::types::{
        AwsSecurityFinding, Compliance, ComplianceStatus, RecordState as SdkRecordState, Resource, SeverityLabel,
        Workflow, WorkflowStatus as SdkWorkflowStatus,
    };
    use serde_json::json;

    const GUARDDUTY: &str = include_str!("../../../tests/fixtures/ocsf/guardduty-2004.json");
    const SAGEMAKER1: &str = include_str!("../../../tests/fixtures/ocsf/sagemaker1-2003.json");
    const EXPOSURE: &str = include_str!("../../../tests/fixtures/ocsf/exposure-2004.json");

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).expect("a fixture is JSON")
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// The SageMaker.1 document with `edit` applied.
    fn sagemaker(edit: impl FnOnce(&mut Value)) -> Value {
        let mut doc = parse(SAGEMAKER1);
        edit(&mut doc);
        doc
    }

    fn read(doc: &Value) -> Result<Finding, Unreadable> {
        convert_ocsf(doc, &mut Interner::new())
    }

    #[test]
    fn the_guardduty_detection_finding() {
        let mut i = Interner::new();
        let o = read_ocsf(&parse(GUARDDUTY), &mut i).unwrap();
        assert_eq!(o.class_uid, Some(2004));
        assert_eq!(o.metadata_uid.as_deref(), Some("1d24e917…"));
        assert_eq!(o.product_uid.as_deref(), Some("arn:aws:securityhub:us-east-1::productv2/aws/guardduty"));
        let f = o.finding;
        assert_eq!(&*f.id, "arn:aws:guardduty:us-east-1:869728294630:detector/b4c7…/finding/06c9…");
        assert_eq!(&*f.product, "GuardDuty");
        assert_eq!(f.control_id, None, "a detector's id is no control");
        assert_eq!(f.related_rule, None);
        assert_eq!(&*f.title, "An AWS CloudTrail trail Aws-Observability-e2esumoqeui was disabled.");
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.workflow, WorkflowStatus::Suppressed);
        assert_eq!(f.record_state, RecordState::Active);
        assert_eq!(f.compliance, None, "a detection finding has no compliance");
        assert_eq!((&*f.account, &*f.region), ("869728294964", "us-east-1"));
        assert_eq!(f.updated_at.get(), t("2025-07-22T03:02:34.272Z"));
        assert_eq!(f.updated_at.get().as_millisecond(), 1753153354272, "agrees with its `time`");
        assert_eq!(f.first_observed, None);
        assert_eq!(f.resources.len(), 1);
        let r = &f.resources[0];
        assert_eq!((&*r.kind, &*r.id), ("AwsIamAccessKey", "ASIA4U76YS3TEOA3O"), "as ASFF names an access key");
        assert_eq!(
            *r,
            ResourceId::from_security_hub(&mut i, "AwsIamAccessKey", "ASIA4U76YS3TEOA3O", "869728294964", "us-east-1")
        );
    }

    #[test]
    fn aws_sample_exposure_finding_is_an_exposure_of_security_hub_dated_by_its_creation() {
        let o = read_ocsf(&parse(EXPOSURE), &mut Interner::new()).unwrap();
        assert_eq!(o.class_uid, Some(2004));
        let f = o.finding;
        assert_eq!(f.class, Some(FindingClass::Exposure), "a Detection Finding whose analytic is Exposure");
        assert_eq!(&*f.product, "Security Hub");
        assert_eq!(f.compliance, None, "activity, not a control's check");
        assert_eq!(f.severity, Severity::High);
        // The sample's only modification time is under a key with dots: its creation dates it.
        assert_eq!(f.updated_at.get(), t("2024-11-15T21:39:26.337224100Z"));
        assert_eq!(f.first_observed.map(crate::model::Stamp::get), Some(t("2024-11-15T21:39:26.337224100Z")));
        assert_eq!((&*f.resources[0].kind, &*f.account), ("AwsLambdaFunction", "123456789012"));
        // GuardDuty's detections stay detections; the new Security Hub's own are exposures even
        // without the analytic; other classes by their uid.
        let guardduty = read(&parse(GUARDDUTY)).unwrap();
        assert_eq!(guardduty.class, Some(FindingClass::Detection));
        let mut own = parse(EXPOSURE);
        own["finding_info"].as_object_mut().unwrap().remove("analytic");
        assert_eq!(read(&own).unwrap().class, Some(FindingClass::Exposure));
        for (uid, class) in
            [(2002, Some(FindingClass::Vulnerability)), (2006, Some(FindingClass::DataSecurity)), (2005, None)]
        {
            let mut doc = parse(GUARDDUTY);
            doc["class_uid"] = json!(uid);
            assert_eq!(read(&doc).unwrap().class, class, "{uid}");
        }
        assert_eq!(read(&parse(SAGEMAKER1)).unwrap().class, Some(FindingClass::Compliance));
    }

    #[test]
    fn the_sagemaker_1_compliance_finding() {
        let mut i = Interner::new();
        let o = read_ocsf(&parse(SAGEMAKER1), &mut i).unwrap();
        assert_eq!(o.class_uid, Some(2003));
        assert_eq!(o.metadata_uid.as_deref(), Some("<64 hex>"));
        let f = o.finding;
        assert_eq!(&*f.id, "arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.1/finding/<uuid>");
        assert_eq!(&*f.product, "Security Hub");
        assert_eq!(f.control_id.as_deref(), Some("SageMaker.1"));
        assert_eq!(
            f.related_rule.as_deref(),
            Some("securityhub-sagemaker-notebook-no-direct-internet-access-<suffix>")
        );
        assert_eq!(&*f.title, "Amazon SageMaker notebook instances should not have direct internet access");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.workflow, WorkflowStatus::New);
        assert_eq!(f.record_state, RecordState::Active);
        assert_eq!(f.compliance, Some(FindingCompliance::Failed));
        assert_eq!((&*f.account, &*f.region), ("111122223333", "eu-west-1"));
        assert_eq!(f.updated_at.get(), t("2026-05-25T10:00:00Z"));
        let r = &f.resources[0];
        assert_eq!(&*r.kind, "AWS::SageMaker::NotebookInstance");
        assert_eq!(&*r.id, "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-1", "uid_alt, an ARN");
        // The notebook Config names, and the one an ASFF finding names.
        let config =
            ResourceId::from_config(&mut i, "AWS::SageMaker::NotebookInstance", "nb-1", "111122223333", "eu-west-1");
        assert_eq!(*r, config);
        let hub = ResourceId::from_security_hub(
            &mut i,
            "AwsSageMakerNotebookInstance",
            "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-1",
            "111122223333",
            "eu-west-1",
        );
        assert_eq!(*r, hub);
    }

    /// AWS's sample control finding (../shared/aws-samples/asff-FSBP-CloudTrail.2-FAILED
    /// .aws-docs-sample.json), through the SDK's builder.
    fn asff_sample() -> aws_sdk_securityhub::types::builders::AwsSecurityFindingBuilder {
        AwsSecurityFinding::builder()
            .schema_version("2018-10-08")
            .id("arn:aws:securityhub:us-east-2:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")
            .product_arn("arn:aws:securityhub:us-east-2::product/aws/securityhub")
            .product_name("Security Hub")
            .company_name("AWS")
            .region("us-east-2")
            .generator_id("aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2")
            .aws_account_id("123456789012")
            .first_observed_at("2020-08-06T02:18:23.076Z")
            .last_observed_at("2021-09-28T16:10:06.956Z")
            .created_at("2020-08-06T02:18:23.076Z")
            .updated_at("2021-09-28T16:10:00.093Z")
            .severity(
                aws_sdk_securityhub::types::Severity::builder()
                    .product(40.0)
                    .label(SeverityLabel::Medium)
                    .normalized(40)
                    .original("MEDIUM")
                    .build(),
            )
            .title("CloudTrail.2 CloudTrail should have encryption at-rest enabled")
            .product_fields("ControlId", "CloudTrail.2")
            .product_fields("RelatedAWSResources:0/name", "securityhub-cloud-trail-encryption-enabled-fe95bf3f")
            .product_fields("RelatedAWSResources:0/type", "AWS::Config::ConfigRule")
            .product_fields("aws/securityhub/ProductName", "Security Hub")
            .resources(
                Resource::builder()
                    .r#type("AwsCloudTrailTrail")
                    .id("arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT")
                    .partition("aws".into())
                    .region("us-east-2")
                    .build(),
            )
            .compliance(
                Compliance::builder().status(ComplianceStatus::Failed).security_control_id("CloudTrail.2").build(),
            )
            .workflow_state("NEW".into())
            .workflow(Workflow::builder().status(SdkWorkflowStatus::New).build())
            .record_state(SdkRecordState::Active)
    }

    /// The same finding as GetFindingsV2 gives it.
    fn ocsf_twin() -> Value {
        json!({
            "activity_id": 2, "activity_name": "Update", "class_name": "Compliance Finding", "class_uid": 2003,
            "category_uid": 2, "type_uid": 200302,
            "severity": "Medium", "severity_id": 3, "status": "New", "status_id": 1,
            "cloud": {"account": {"uid": "123456789012"}, "provider": "AWS", "region": "us-east-2"},
            "finding_info": {
                "uid": "arn:aws:securityhub:us-east-2:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
                "title": "CloudTrail.2 CloudTrail should have encryption at-rest enabled",
                "desc": "This AWS control checks whether AWS CloudTrail is configured to use the server side encryption (SSE) AWS Key Management Service (AWS KMS) customer master key (CMK) encryption.",
                "analytic": {"category": "AWS::Config::ConfigRule", "name": "securityhub-cloud-trail-encryption-enabled-fe95bf3f", "type_id": 1},
                "created_time_dt": "2020-08-06T02:18:23.076Z",
                "first_seen_time_dt": "2020-08-06T02:18:23.076Z",
                "last_seen_time_dt": "2021-09-28T16:10:06.956Z",
                "modified_time_dt": "2021-09-28T16:10:00.093Z",
                "types": ["Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices"]
            },
            // Without the control: it is parsed from `finding_info.uid`.
            "compliance": {"status": "Fail", "status_id": 3, "standards": ["standards/aws-foundational-security-best-practices/v/1.0.0"]},
            "resources": [{"type": "AWS::CloudTrail::Trail", "uid": "arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT", "region": "us-east-2", "cloud_partition": "aws"}],
            "metadata": {
                "product": {"name": "Security Hub CSPM", "uid": "arn:aws:securityhub:us-east-2::productv2/aws/securityhub", "vendor_name": "AWS"},
                "uid": "5b2e7a1c9d0f4e3b8a6c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6",
                "version": "1.6.0",
                "profiles": ["cloud", "datetime"]
            },
            "time_dt": "2021-09-28T16:10:00.093Z"
        })
    }

    /// Every field, the resources' account and region included (their `==` leaves those out
    /// for an ARN).
    fn assert_same(a: &Finding, b: &Finding) {
        assert_eq!(a, b);
        let whole = |f: &Finding| {
            f.resources
                .iter()
                .map(|r| (r.kind.clone(), r.id.clone(), r.account.clone(), r.region.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(whole(a), whole(b));
    }

    #[test]
    fn a_control_finding_read_through_both_apis_is_one_finding() {
        let mut i = Interner::new();
        let asff = convert(&asff_sample().build(), &mut i).unwrap();
        let ocsf = convert_ocsf(&ocsf_twin(), &mut i).unwrap();
        assert_same(&asff, &ocsf);
        // What the equality rests on, spelled out.
        assert_eq!(&*ocsf.product, "Security Hub", "by the product's uid, not its name \"Security Hub CSPM\"");
        assert_eq!(ocsf.control_id.as_deref(), Some("CloudTrail.2"));
        assert_eq!(ocsf.related_rule.as_deref(), Some("securityhub-cloud-trail-encryption-enabled-fe95bf3f"));
        assert_eq!(&*ocsf.resources[0].kind, "AWS::CloudTrail::Trail");
        assert_eq!(ocsf.first_observed.map(crate::model::Stamp::get), Some(t("2020-08-06T02:18:23.076Z")));
    }

    #[test]
    fn twins_stay_equal_through_workflow_severity_and_state() {
        let mut i = Interner::new();
        let cases = [
            (SdkWorkflowStatus::Suppressed, 3, SeverityLabel::Critical, 5, SdkRecordState::Archived, 3),
            (SdkWorkflowStatus::Notified, 2, SeverityLabel::Informational, 1, SdkRecordState::Active, 1),
            (SdkWorkflowStatus::Resolved, 4, SeverityLabel::Low, 2, SdkRecordState::Active, 2),
        ];
        for (workflow, status_id, label, severity_id, state, activity_id) in cases {
            let asff = asff_sample()
                .workflow(Workflow::builder().status(workflow.clone()).build())
                .severity(aws_sdk_securityhub::types::Severity::builder().label(label.clone()).build())
                .record_state(state.clone())
                .build();
            let mut doc = ocsf_twin();
            doc["status_id"] = json!(status_id);
            doc["severity_id"] = json!(severity_id);
            doc["activity_id"] = json!(activity_id);
            let (a, o) = (convert(&asff, &mut i).unwrap(), convert_ocsf(&doc, &mut i).unwrap());
            assert_same(&a, &o);
        }
        // A notebook, in both spellings of its type.
        let nb = "arn:aws:sagemaker:us-east-2:123456789012:notebook-instance/nb-1";
        let asff = asff_sample()
            .set_resources(Some(vec![Resource::builder().r#type("AwsSageMakerNotebookInstance").id(nb).build()]));
        let mut doc = ocsf_twin();
        doc["resources"] = json!([{"type": "AWS::SageMaker::NotebookInstance", "uid": "nb-1", "uid_alt": nb}]);
        assert_same(&convert(&asff.build(), &mut i).unwrap(), &convert_ocsf(&doc, &mut i).unwrap());
    }

    #[test]
    fn severity_ids() {
        let expected = [
            (1, Severity::Informational),
            (2, Severity::Low),
            (3, Severity::Medium),
            (4, Severity::High),
            (5, Severity::Critical),
            (6, Severity::Critical),
        ];
        for (id, severity) in expected {
            let doc = sagemaker(|d| {
                d["severity_id"] = json!(id);
                d["severity"] = json!("Low");
            });
            assert_eq!(read(&doc).unwrap().severity, severity, "severity_id {id} over the label");
        }
        // Unknown (0) and Other (99) say nothing: the label, then the provider's, says.
        for id in [0, 99] {
            let doc = sagemaker(|d| {
                d["severity_id"] = json!(id);
                d["severity"] = json!("Medium");
            });
            assert_eq!(read(&doc).unwrap().severity, Severity::Medium, "severity_id {id}");
            let doc = sagemaker(|d| {
                d["severity_id"] = json!(id);
                d["severity"] = json!("Other");
                d["vendor_attributes"] = json!({"severity": "Critical", "severity_id": 5});
            });
            assert_eq!(read(&doc).unwrap().severity, Severity::Critical, "the provider's, for {id}");
            let doc = sagemaker(|d| {
                d["severity_id"] = json!(id);
                d["severity"] = json!("Unknown");
            });
            // As the ASFF converter skips a finding without a severity.
            let e = read(&doc).unwrap_err();
            assert_eq!(e.field, "severity_id", "{e}");
        }
        let doc = sagemaker(|d| {
            d.as_object_mut().unwrap().remove("severity_id");
            d["severity"] = json!("Fatal");
        });
        assert_eq!(read(&doc).unwrap().severity, Severity::Critical, "the label alone, Fatal as CRITICAL");
        let doc = sagemaker(|d| {
            d.as_object_mut().unwrap().remove("severity_id");
            d.as_object_mut().unwrap().remove("severity");
        });
        assert_eq!(read(&doc).unwrap_err(), Unreadable::missing("severity_id"));
    }

    #[test]
    fn status_ids() {
        let expected = [
            (1, WorkflowStatus::New, RecordState::Active),
            (2, WorkflowStatus::Notified, RecordState::Active),
            (3, WorkflowStatus::Suppressed, RecordState::Active),
            (4, WorkflowStatus::Resolved, RecordState::Active),
            (5, WorkflowStatus::Resolved, RecordState::Archived),
            (6, WorkflowStatus::Resolved, RecordState::Archived),
        ];
        for (id, workflow, state) in expected {
            let f = read(&sagemaker(|d| d["status_id"] = json!(id))).unwrap();
            assert_eq!((f.workflow, f.record_state), (workflow, state), "status_id {id}");
            if id <= 4 {
                assert_eq!(status_id(workflow), id, "the status_id BatchUpdateFindingsV2 sets for {workflow}");
            }
        }
        for (id, label, workflow) in [
            (0, "In Progress", WorkflowStatus::Notified),
            (99, "Suppressed", WorkflowStatus::Suppressed),
            (0, "Unknown", WorkflowStatus::New),
        ] {
            let f = read(&sagemaker(|d| {
                d["status_id"] = json!(id);
                d["status"] = json!(label);
            }))
            .unwrap();
            assert_eq!(f.workflow, workflow, "status_id {id}, status {label}");
        }
        let f = read(&sagemaker(|d| {
            d.as_object_mut().unwrap().remove("status_id");
            d.as_object_mut().unwrap().remove("status");
        }))
        .unwrap();
        assert_eq!(f.workflow, WorkflowStatus::New, "none: NEW, as ASFF's default");
    }

    #[test]
    fn activity_ids() {
        for (id, state) in
            [(1, RecordState::Active), (2, RecordState::Active), (3, RecordState::Archived), (99, RecordState::Active)]
        {
            let f = read(&sagemaker(|d| d["activity_id"] = json!(id))).unwrap();
            assert_eq!(f.record_state, state, "activity_id {id}");
        }
        let f = read(&sagemaker(|d| {
            d.as_object_mut().unwrap().remove("activity_id");
        }))
        .unwrap();
        assert_eq!(f.record_state, RecordState::Active);
    }

    #[test]
    fn compliance_status_ids() {
        let expected = [
            (json!(1), "Fail", Some(FindingCompliance::Passed)),
            (json!(2), "Fail", Some(FindingCompliance::Warning)),
            (json!(3), "Pass", Some(FindingCompliance::Failed)),
            (json!(0), "Pass", Some(FindingCompliance::Passed)),
            (json!(99), "Warning", Some(FindingCompliance::Warning)),
            (json!(0), "Unknown", Some(FindingCompliance::NotAvailable)),
            (Value::Null, "", Some(FindingCompliance::NotAvailable)),
        ];
        for (id, label, compliance) in expected {
            let f = read(&sagemaker(|d| {
                d["compliance"]["status_id"] = id.clone();
                d["compliance"]["status"] = json!(label);
            }))
            .unwrap();
            assert_eq!(f.compliance, compliance, "compliance.status_id {id}, status {label:?}");
        }
        let f = read(&sagemaker(|d| {
            d.as_object_mut().unwrap().remove("compliance");
        }))
        .unwrap();
        assert_eq!(f.compliance, None, "no compliance object, as an ASFF finding without Compliance");
        assert_eq!(f.control_id.as_deref(), Some("SageMaker.1"), "the control from the finding's uid");
    }

    #[test]
    fn what_vigil_needs_is_named_when_missing() {
        let e = read(&sagemaker(|d| {
            d["finding_info"].as_object_mut().unwrap().remove("uid");
        }))
        .unwrap_err();
        assert_eq!(e, Unreadable::missing("finding_info.uid"));
        assert!(e.to_string().contains("finding_info.uid"), "{e}");
        assert_eq!(read(&sagemaker(|d| d["finding_info"]["uid"] = json!(""))).unwrap_err().field, "finding_info.uid");
        assert_eq!(read(&sagemaker(|d| d["finding_info"]["uid"] = json!(42))).unwrap_err().field, "finding_info.uid");

        let e = read(&sagemaker(|d| d["finding_info"]["modified_time_dt"] = json!("yesterday"))).unwrap_err();
        assert_eq!(e.field, "finding_info.modified_time_dt");
        assert_eq!(e.problem, Problem::Invalid { value: "yesterday".into(), expected: "an RFC 3339 time" });
        assert!(e.to_string().contains("finding_info.modified_time_dt") && e.to_string().contains("yesterday"), "{e}");
        let e = read(&sagemaker(|d| {
            d["finding_info"].as_object_mut().unwrap().remove("modified_time_dt");
        }))
        .unwrap_err();
        assert_eq!(e.problem, Problem::Missing);
        assert!(e.field.starts_with("finding_info.modified_time_dt"), "{e}");
        let e = read(&sagemaker(|d| {
            d["finding_info"].as_object_mut().unwrap().remove("modified_time_dt");
            d["finding_info"]["modified_time"] = json!("soon");
        }))
        .unwrap_err();
        assert_eq!(e.field, "finding_info.modified_time");

        let e = read(&sagemaker(|d| {
            d["cloud"].as_object_mut().unwrap().remove("account");
        }))
        .unwrap_err();
        assert_eq!(e, Unreadable::missing("cloud.account.uid"));
        assert!(e.to_string().contains("cloud.account.uid"), "{e}");

        let e = read(&sagemaker(|d| d["resources"] = json!([{"type": "AWS::S3::Bucket"}]))).unwrap_err();
        assert!(e.field.starts_with("resources"), "{e}");
        assert_eq!(read(&json!([1, 2])).unwrap_err().field, "(document)");
    }

    #[test]
    fn updated_time_falls_back_in_order() {
        let ms = 1_780_000_000_123_i64;
        let f = read(&sagemaker(|d| {
            d["finding_info"].as_object_mut().unwrap().remove("modified_time_dt");
            d["finding_info"]["modified_time"] = json!(ms);
            d["time_dt"] = json!("2020-01-01T00:00:00Z");
        }))
        .unwrap();
        assert_eq!(f.updated_at.get().as_millisecond(), ms, "modified_time, in epoch milliseconds");
        let f = read(&sagemaker(|d| {
            d["finding_info"]["modified_time_dt"] = json!("not a time");
            d["time_dt"] = json!("2020-01-01T00:00:00Z");
        }))
        .unwrap();
        assert_eq!(f.updated_at.get(), t("2020-01-01T00:00:00Z"), "an unreadable modified time, then time_dt");
        let f = read(&sagemaker(|d| {
            d["finding_info"].as_object_mut().unwrap().remove("modified_time_dt");
            d["time"] = json!(ms);
        }))
        .unwrap();
        assert_eq!(f.updated_at.get().as_millisecond(), ms, "then time");
        let f = read(&sagemaker(|d| {
            d["finding_info"]["created_time"] = json!(ms);
            d["finding_info"]["first_seen_time_dt"] = json!("never");
        }))
        .unwrap();
        assert_eq!(f.first_observed.map(|t| t.get().as_millisecond()), Some(ms), "first seen, else created");
    }

    #[test]
    fn region_product_and_resource_fallbacks() {
        let f = read(&sagemaker(|d| {
            d["cloud"].as_object_mut().unwrap().remove("region");
            d["resources"][0]["region"] = json!("eu-central-1");
        }))
        .unwrap();
        assert_eq!(&*f.region, "eu-central-1", "the resource's region");
        let f = read(&sagemaker(|d| {
            d["cloud"].as_object_mut().unwrap().remove("region");
            d["resources"][0].as_object_mut().unwrap().remove("region");
        }))
        .unwrap();
        assert_eq!(&*f.region, "eu-west-1", "the ARN's region");

        for (uid, name, product) in [
            ("arn:aws:securityhub:us-east-1::productv2/aws/inspector", "Amazon Inspector", "Inspector"),
            ("arn:aws:securityhub:us-east-1::productv2/aws/macie", "Amazon Macie", "Macie"),
            ("arn:aws:securityhub:us-east-1::productv2/aws/guardduty", "x", "GuardDuty"),
            ("arn:aws:securityhub:us-east-1::productv2/acme/scanner", "Acme Scanner", "Acme Scanner"),
            ("arn:aws:securityhub:us-east-1::productv2/acme/scanner", "", "scanner"),
        ] {
            let f = read(&sagemaker(|d| d["metadata"]["product"] = json!({"uid": uid, "name": name}))).unwrap();
            assert_eq!(&*f.product, product, "{uid}");
        }

        let f = read(&sagemaker(|d| {
            d["resources"] = json!([
                {"type": "AWS::S3::Bucket", "uid": "ml-data", "uid_alt": "not-an-arn"},
                {"type": "AWS::SageMaker::NotebookInstance", "name": "nb-2"},
                {"type": "AWS::EC2::VPC"},
                {"uid": "typeless"},
                {"type": "AwsAccount", "uid": "AWS::::Account:111122223333"},
            ])
        }))
        .unwrap();
        let ids: Vec<&str> = f.resources.iter().map(|r| &*r.id).collect();
        assert_eq!(
            ids,
            ["arn:aws:s3:::ml-data", "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-2", "111122223333",],
            "uid when uid_alt is no ARN, else name; resources without a type or an id dropped"
        );
    }

    #[test]
    fn cloudformation_types_get_security_hubs_names() {
        // Every type vigil's table gives a Security Hub name, and some it does not.
        for (cfn, hub) in [
            ("AWS::::Account", "AwsAccount"),
            ("AWS::S3::Bucket", "AwsS3Bucket"),
            ("AWS::SageMaker::NotebookInstance", "AwsSageMakerNotebookInstance"),
            ("AWS::CloudTrail::Trail", "AwsCloudTrailTrail"),
            ("AWS::EC2::VPC", "AwsEc2Vpc"),
            ("AWS::EC2::SecurityGroup", "AwsEc2SecurityGroup"),
            ("AWS::KMS::Key", "AwsKmsKey"),
            ("AWS::CloudWatch::Alarm", "AwsCloudWatchAlarm"),
            ("AWS::GuardDuty::Detector", "AwsGuardDutyDetector"),
            ("AWS::IAM::Role", "AwsIamRole"),
            ("AWS::IAM::AccessKey", "AwsIamAccessKey"),
            ("AWS::RDS::DBInstance", "AwsRdsDbInstance"),
            ("AWS::DynamoDB::Table", "AwsDynamoDbTable"),
            ("AWS::EC2::NetworkAcl", "AwsEc2NetworkAcl"),
            ("AwsEc2Instance", "AwsEc2Instance"),
            ("Other", "Other"),
        ] {
            assert_eq!(hub_type(cfn), hub, "{cfn}");
        }
        // Those in the table come back as their CloudFormation type, as from an ASFF finding.
        let mut i = Interner::new();
        for cfn in ["AWS::S3::Bucket", "AWS::CloudTrail::Trail", "AWS::EC2::VPC", "AWS::KMS::Key", "AWS::IAM::Role"] {
            let r = ResourceId::from_security_hub(&mut i, &hub_type(cfn), "x", "1", "us-east-1");
            assert_eq!(&*r.kind, cfn);
        }
    }

    #[test]
    fn unknown_fields_and_schema_versions_are_accepted() {
        let want = read(&parse(SAGEMAKER1)).unwrap();
        for version in ["1.5.0", "1.6.0", "1.8.0", "2.0.0-rc"] {
            let doc = sagemaker(|d| {
                d["metadata"]["version"] = json!(version);
                d["unmapped"] = json!({"x": [1, {"y": null}]});
                d["finding_info"]["related_events"] = json!([{"uid": "e"}]);
                d["resources"][0]["tags"] = json!([{"name": "team", "value": "ml"}]);
                d["vendor_attributes"] = json!({"severity": "HIGH", "severity_id": 4});
                d["evidences"] = json!(true);
            });
            assert_eq!(read(&doc).unwrap(), want, "metadata.version {version}");
        }
    }

    #[test]
    fn hostile_text_is_kept_as_asff_keeps_it_and_cleaned_where_shown() {
        let evil = "SageMaker.1 \x1b[2Jgone\x07 \x1b]52;c;ZXZpbA==\x07";
        let mut i = Interner::new();
        let asff = convert(&asff_sample().title(evil).build(), &mut i).unwrap();
        let mut doc = ocsf_twin();
        doc["finding_info"]["title"] = json!(evil);
        let ocsf = convert_ocsf(&doc, &mut i).unwrap();
        assert_eq!(ocsf.title, asff.title, "converted alike: neither converter alters text");
        let shown = crate::text::clean(&ocsf.title);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert_eq!(shown, crate::text::clean(&asff.title));
        assert_eq!(shown, "SageMaker.1 ␛[2Jgone␇ ␛]52;c;ZXZpbA==␇");
        // An error quotes the value, cleaned, for a log line.
        let e = read(&sagemaker(|d| d["finding_info"]["modified_time_dt"] = json!("\x1b[2J\x07"))).unwrap_err();
        assert!(!e.to_string().chars().any(|c| c.is_control()), "{e}");
        assert!(e.to_string().contains("␛[2J␇"), "{e}");
        let long = read(&sagemaker(|d| d["finding_info"]["modified_time_dt"] = json!("9".repeat(500)))).unwrap_err();
        assert!(long.to_string().chars().count() < 200, "{long}");
    }

    /// JSON as the SDK's document, as the SDK hands GetFindingsV2's findings over.
    fn json_to_document(v: &Value) -> aws_smithy_types::Document {
        use aws_smithy_types::{Document, Number};
        match v {
            Value::Null => Document::Null,
            Value::Bool(b) => Document::Bool(*b),
            Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
                Number::PosInt(u)
            } else if let Some(i) = n.as_i64() {
                Number::NegInt(i)
            } else {
                Number::Float(n.as_f64().unwrap())
            }),
            Value::String(s) => Document::String(s.clone()),
            Value::Array(a) => Document::Array(a.iter().map(json_to_document).collect()),
            Value::Object(m) => Document::Object(m.iter().map(|(k, v)| (k.clone(), json_to_document(v))).collect()),
        }
    }

    #[test]
    fn documents_become_json() {
        use aws_smithy_types::{Document, Number};
        let v = json!({
            "a": {"b": [1, -2, 2.5, true, false, null, "s", [], {}], "c": {"d": {"e": 18446744073709551615_u64}}},
            "n": -9223372036854775808_i64,
            "f": 1e-7,
            "whole": 3.0,
            "text": "é\u{1b}"
        });
        let d = json_to_document(&v);
        assert_eq!(document_to_json(&d), v);
        assert_eq!(json_to_document(&document_to_json(&d)), d);
        assert_eq!(document_to_json(&Document::Number(Number::Float(f64::NAN))), Value::Null);
        // Keys come out sorted.
        let keys: Vec<_> = document_to_json(&d).as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["a", "f", "n", "text", "whole"]);
        // A fixture, through the SDK's type, converts as it does from JSON.
        let doc = parse(SAGEMAKER1);
        assert_eq!(read(&document_to_json(&json_to_document(&doc))).unwrap(), read(&doc).unwrap());
    }

    #[test]
    fn a_whole_document_gives_the_finding_views_fields() {
        let doc = json!({
            "finding_info": {
                "uid": "arn:aws:securityhub:us-east-1:123456789012:exposure-finding/1",
                "title": "Notebook reachable from the internet",
                "desc": "The notebook has direct internet access.",
                "types": ["Exposure", ""],
                "first_seen_time_dt": "2026-05-01T00:00:00Z",
                "last_seen_time_dt": "2026-05-02T00:00:00Z",
                "modified_time_dt": "2026-05-02T00:00:00Z",
            },
            "cloud": {"account": {"uid": "123456789012"}, "region": "us-east-1"},
            "severity_id": 4,
            "comment": "tracked in SEC-42",
            "remediation": {"desc": "Turn direct internet access off.", "references": ["SageMaker.2", "https://docs.aws.amazon.com/x"]},
            "resources": [{"type": "AWS::SageMaker::NotebookInstance", "uid": "nb"}],
            "metadata": {"product": {"name": "Security Hub", "uid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub"}},
        });
        let read = read_ocsf(&doc, &mut Interner::new()).unwrap();
        let d = ocsf_detail(&doc, read.clone());
        assert_eq!(d.finding, read.finding);
        assert_eq!(&*d.product_arn, "arn:aws:securityhub:us-east-1::productv2/aws/securityhub");
        assert_eq!(d.product_name.as_deref(), Some("Security Hub"));
        assert_eq!(&*d.description, "The notebook has direct internet access.");
        assert_eq!(d.types, [Box::from("Exposure")]);
        assert_eq!(d.first_observed, Some("2026-05-01T00:00:00Z".parse().unwrap()));
        assert_eq!(d.last_observed, Some("2026-05-02T00:00:00Z".parse().unwrap()));
        assert_eq!(d.note.as_deref(), Some("tracked in SEC-42"));
        assert_eq!(d.remediation_text.as_deref(), Some("Turn direct internet access off."));
        assert_eq!(d.remediation_url.as_deref(), Some("https://docs.aws.amazon.com/x"));
    }
}
