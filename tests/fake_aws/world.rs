//! The account the fake holds: shaped like a real one (hundreds of Config rules named as
//! Security Hub and conformance packs name them, ten thousand findings of every kind AWS's own
//! samples show, a few hundred alarms), deterministic, and changeable (the soak run's churn).
//! It is also the ground truth the tests compare vigil's report with.

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

pub const NOTEBOOK: &str = "AWS::SageMaker::NotebookInstance";
pub const BUCKET: &str = "AWS::S3::Bucket";
pub const TRAIL: &str = "AWS::CloudTrail::Trail";
pub const VPC: &str = "AWS::EC2::VPC";
pub const ACCOUNT_TYPE: &str = "AWS::::Account";

/// A deterministic hash, so that the world looks varied without a random generator.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn mix_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| mix(h ^ u64::from(b)))
}

/// Config managed rules (their `Source.SourceIdentifier`) and the resource type each evaluates.
const MANAGED: &[(&str, &str)] = &[
    ("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS", NOTEBOOK),
    ("SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC", NOTEBOOK),
    ("SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK", NOTEBOOK),
    ("SAGEMAKER_NOTEBOOK_INSTANCE_KMS_KEY_CONFIGURED", NOTEBOOK),
    ("SAGEMAKER_ENDPOINT_CONFIGURATION_KMS_KEY_CONFIGURED", "AWS::SageMaker::EndpointConfig"),
    ("SAGEMAKER_MODEL_IN_VPC", "AWS::SageMaker::Model"),
    ("SAGEMAKER_MODEL_ISOLATION_ENABLED", "AWS::SageMaker::Model"),
    ("SAGEMAKER_DOMAIN_IN_VPC", "AWS::SageMaker::Domain"),
    ("S3_BUCKET_SSL_REQUESTS_ONLY", BUCKET),
    ("S3_BUCKET_PUBLIC_READ_PROHIBITED", BUCKET),
    ("S3_BUCKET_PUBLIC_WRITE_PROHIBITED", BUCKET),
    ("S3_BUCKET_POLICY_GRANTEE_CHECK", BUCKET),
    ("S3_BUCKET_LOGGING_ENABLED", BUCKET),
    ("S3_BUCKET_VERSIONING_ENABLED", BUCKET),
    ("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", BUCKET),
    ("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", BUCKET),
    ("S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC", ACCOUNT_TYPE),
    ("SERVICE_VPC_ENDPOINT_ENABLED", VPC),
    ("VPC_FLOW_LOGS_ENABLED", VPC),
    ("VPC_DEFAULT_SECURITY_GROUP_CLOSED", "AWS::EC2::SecurityGroup"),
    ("VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", "AWS::EC2::SecurityGroup"),
    ("CLOUD_TRAIL_ENABLED", ACCOUNT_TYPE),
    ("MULTI_REGION_CLOUD_TRAIL_ENABLED", ACCOUNT_TYPE),
    ("CLOUD_TRAIL_ENCRYPTION_ENABLED", TRAIL),
    ("CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", TRAIL),
    ("CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", TRAIL),
    ("GUARDDUTY_ENABLED_CENTRALIZED", ACCOUNT_TYPE),
    ("IAM_ROOT_ACCESS_KEY_CHECK", ACCOUNT_TYPE),
    ("IAM_USER_MFA_ENABLED", "AWS::IAM::User"),
    ("MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "AWS::IAM::User"),
    ("ROOT_ACCOUNT_MFA_ENABLED", ACCOUNT_TYPE),
    ("ROOT_ACCOUNT_HARDWARE_MFA_ENABLED", ACCOUNT_TYPE),
    ("IAM_PASSWORD_POLICY", ACCOUNT_TYPE),
    ("IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", "AWS::IAM::Policy"),
    ("IAM_USER_UNUSED_CREDENTIALS_CHECK", "AWS::IAM::User"),
    ("ACCESS_KEYS_ROTATED", "AWS::IAM::User"),
    ("EC2_EBS_ENCRYPTION_BY_DEFAULT", ACCOUNT_TYPE),
    ("ENCRYPTED_VOLUMES", "AWS::EC2::Volume"),
    ("EC2_INSTANCE_NO_PUBLIC_IP", "AWS::EC2::Instance"),
    ("EC2_IMDSV2_CHECK", "AWS::EC2::Instance"),
    ("RDS_INSTANCE_PUBLIC_ACCESS_CHECK", "AWS::RDS::DBInstance"),
    ("RDS_STORAGE_ENCRYPTED", "AWS::RDS::DBInstance"),
    ("RDS_SNAPSHOTS_PUBLIC_PROHIBITED", "AWS::RDS::DBSnapshot"),
    ("LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", "AWS::Lambda::Function"),
    ("LAMBDA_INSIDE_VPC", "AWS::Lambda::Function"),
    ("KMS_CMK_NOT_SCHEDULED_FOR_DELETION", "AWS::KMS::Key"),
    ("CMK_BACKING_KEY_ROTATION_ENABLED", "AWS::KMS::Key"),
    ("ELB_TLS_HTTPS_LISTENERS_ONLY", "AWS::ElasticLoadBalancing::LoadBalancer"),
    ("DYNAMODB_PITR_ENABLED", "AWS::DynamoDB::Table"),
    ("EFS_ENCRYPTED_CHECK", "AWS::EFS::FileSystem"),
    ("ECR_PRIVATE_IMAGE_SCANNING_ENABLED", "AWS::ECR::Repository"),
    ("SECRETSMANAGER_ROTATION_ENABLED_CHECK", "AWS::SecretsManager::Secret"),
];

/// The standards whose controls Security Hub deploys as Config rules (one rule per standard and
/// managed rule, each with its own suffix).
const STANDARDS: [&str; 6] = ["fsbp", "cis-1.2", "cis-1.4", "cis-3.0", "pci-3.2.1", "nist-800-53"];

/// The SSM documents remediations run.
const DOCUMENTS: [&str; 5] = [
    "AWS-DisableS3BucketPublicReadWrite",
    "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock",
    "AWSConfigRemediation-EnableCloudTrailLogFileValidation",
    "Custom-StopInternetFacingNotebook",
    "AWSConfigRemediation-EnableVPCFlowLog",
];

pub fn kebab(identifier: &str) -> String {
    identifier.to_lowercase().replace('_', "-")
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    /// `Source.SourceIdentifier`: the managed rule, or the custom rule's Lambda ARN.
    pub source: String,
    pub owner: &'static str,
    pub resource_type: &'static str,
    /// Resource ids (as Config names them) that are NON_COMPLIANT.
    pub noncompliant: Vec<String>,
    /// Resource ids it found COMPLIANT (a few only: the featured resources, and those remediated
    /// or fixed since). Never one of `noncompliant`.
    pub compliant: Vec<String>,
    /// The compliance of a rule with nothing non-compliant: COMPLIANT, or a rule that has not
    /// evaluated anything yet.
    pub quiet: &'static str,
    /// The last evaluation error, and whether it is newer than the last success.
    pub evaluation_error: Option<(String, bool)>,
}

impl Rule {
    pub fn compliance(&self) -> &'static str {
        if self.noncompliant.is_empty() { self.quiet } else { "NON_COMPLIANT" }
    }

    /// What DescribeComplianceByConfigRule says: capped at 100.
    pub fn capped(&self) -> (usize, bool) {
        (self.noncompliant.len().min(100), self.noncompliant.len() > 100)
    }

    /// Whether GetComplianceDetailsByConfigRule can be asked about this rule at all: its model
    /// takes rule names of at most 64 characters (`StringWithCharLimit64`).
    pub fn details_readable(&self) -> bool {
        self.name.chars().count() <= 64
    }

    /// Whether its evaluations fail now (the last failure is newer than the last success).
    pub fn failing_evaluations(&self) -> bool {
        self.evaluation_error.as_ref().is_some_and(|(_, newer)| *newer)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Remediation {
    pub rule: String,
    pub target: String,
    pub automatic: bool,
    /// Resource id (Config's) and state: the latest execution for each resource.
    pub executions: Vec<(String, &'static str)>,
    /// Executions started through StartRemediationExecution, by resource id: they advance
    /// (QUEUED, IN_PROGRESS, then SUCCEEDED or FAILED) on each DescribeRemediationExecutionStatus
    /// that returns them. The others keep their state.
    pub started: BTreeMap<String, Started>,
    /// The switch: executions of this remediation end FAILED (the first step denied access)
    /// instead of SUCCEEDED. Set it with [`World::fail_remediations`].
    pub fails: bool,
}

/// An execution started through StartRemediationExecution.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// The resource key's type, as the request gave it.
    pub resource_type: String,
    pub invoked: i64,
    pub updated: i64,
    /// When its first step started, and when it stopped (for SUCCEEDED or FAILED).
    pub step_started: Option<i64>,
    pub stopped: Option<i64>,
}

/// One step of a remediation execution (a step of the SSM Automation document).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub name: &'static str,
    /// PENDING, IN_PROGRESS, SUCCEEDED or FAILED.
    pub state: &'static str,
    pub error: Option<String>,
    pub start: Option<i64>,
    pub stop: Option<i64>,
}

/// A remediation execution as DescribeRemediationExecutionStatus gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub resource_type: String,
    pub resource_id: String,
    pub state: &'static str,
    pub invoked: i64,
    pub updated: i64,
    pub steps: Vec<Step>,
}

/// One rule's evaluation of one resource (GetComplianceDetailsByResource,
/// GetComplianceDetailsByConfigRule).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub rule: String,
    pub resource_type: &'static str,
    pub resource_id: String,
    /// COMPLIANT or NON_COMPLIANT.
    pub compliance: &'static str,
    pub recorded: i64,
    pub invoked: i64,
    /// Only NON_COMPLIANT evaluations carry one, as most managed rules do.
    pub annotation: Option<&'static str>,
}

/// One configuration item of a resource's recorded history (GetResourceConfigHistory).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigItem {
    pub captured: i64,
    /// ResourceDiscovered for the first, OK after.
    pub status: &'static str,
    /// The `configuration` (sent as a JSON string).
    pub configuration: serde_json::Value,
    /// `supplementaryConfiguration`: each value is sent as a JSON string.
    pub supplementary: BTreeMap<String, serde_json::Value>,
    pub tags: BTreeMap<String, String>,
}

/// A finding's note (set by BatchUpdateFindings).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub text: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// One change to a finding, as GetFindingHistory gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub at: i64,
    /// BATCH_IMPORT_FINDINGS (the product) or BATCH_UPDATE_FINDINGS (a customer).
    pub source: &'static str,
    /// The product's ARN, or the caller's.
    pub identity: String,
    pub created: bool,
    /// Field (as ASFF names it: `Workflow.Status`, `Note.Text`), old value, new value.
    pub updates: Vec<(String, Option<String>, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub name: String,
    pub state: &'static str,
    pub composite: bool,
    pub updated: i64,
}

/// What kind of finding, and so which fields it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Consolidated control findings: `security-control/X`, `Compliance.SecurityControlId`.
    Control,
    /// Standard-specific control findings (consolidation off): the FSBP `GeneratorId`,
    /// `ProductFields.ControlId`, no `SecurityControlId`, no `Workflow` (only `WorkflowState`).
    LegacyControl,
    /// As AWS's GetFindings sample: no `Region`, `ProductName` or `CompanyName`, a PCI control
    /// in `ProductFields`, the related Config rule named there.
    SampleLike,
    GuardDuty,
    Inspector,
    Macie,
    /// Without `Severity` at all (the model allows it): vigil skips and counts it.
    NoSeverity,
    /// With an empty `Resources` list (the model allows it): skipped and counted.
    NoResources,
}

/// Security Hub control ids the world's control findings carry, and the resource type of each.
const CONTROLS: &[(&str, &str)] = &[
    ("SageMaker.1", NOTEBOOK),
    ("SageMaker.2", NOTEBOOK),
    ("SageMaker.3", NOTEBOOK),
    ("S3.2", BUCKET),
    ("S3.5", BUCKET),
    ("CloudTrail.1", ACCOUNT_TYPE),
    ("CloudTrail.2", TRAIL),
    ("EC2.6", VPC),
    ("IAM.4", ACCOUNT_TYPE),
    ("Lambda.1", "AWS::Lambda::Function"),
    ("KMS.4", "AWS::KMS::Key"),
];

pub const SEVERITIES: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
pub const WORKFLOWS: [&str; 4] = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"];

/// One finding, as the world holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub i: usize,
    pub kind: Kind,
    /// Index into [`SEVERITIES`].
    pub severity: usize,
    pub workflow: &'static str,
    pub archived: bool,
    /// FAILED (or PASSED) for control findings.
    pub failed: bool,
    /// The control id, for control findings.
    pub control: Option<&'static str>,
    /// The account and region it is about (a member's, in an organisation's home region).
    pub account: &'static str,
    pub region: &'static str,
    /// The resource: CloudFormation type and Config-style id.
    pub resource: (&'static str, String),
    pub updated: i64,
    /// Set by BatchUpdateFindings (which leaves `updated` alone).
    pub note: Option<Note>,
}

/// When every finding was created (`CreatedAt`, and its first history record).
pub const CREATED: i64 = 1_767_225_600;

impl Finding {
    /// The ARN of the product that sent it: Security Hub for control findings, the integrated
    /// service for GuardDuty, Inspector and Macie, the account's own default product for the
    /// custom integration's.
    pub fn product_arn(&self) -> String {
        let (account, region) = (self.account, self.region);
        match self.kind {
            Kind::GuardDuty => format!("arn:aws:securityhub:{region}::product/aws/guardduty"),
            Kind::Inspector => format!("arn:aws:securityhub:{region}::product/aws/inspector"),
            Kind::Macie => format!("arn:aws:securityhub:{region}::product/aws/macie"),
            Kind::NoSeverity | Kind::NoResources => {
                format!("arn:aws:securityhub:{region}:{account}:product/{account}/default")
            }
            _ => format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        }
    }

    pub fn id(&self) -> String {
        let path = match (self.kind, self.control) {
            (Kind::Control, Some(c)) => format!("security-control/{c}"),
            (Kind::LegacyControl, Some(c)) => {
                format!("subscription/aws-foundational-security-best-practices/v/1.0.0/{c}")
            }
            (Kind::SampleLike, Some(c)) => format!("subscription/pci-dss/v/3.2.1/{c}"),
            (Kind::GuardDuty, _) => "detector/12abc34d567e8fa901bc2d34e56789f0".to_string(),
            (Kind::Inspector, _) => "inspector2".to_string(),
            (Kind::Macie, _) => "macie".to_string(),
            _ => "custom".to_string(),
        };
        let (account, region) = (self.account, self.region);
        format!("arn:aws:securityhub:{region}:{account}:{path}/finding/{:08x}-0000-4000-8000-{:012x}", self.i, self.i)
    }

    /// Whether vigil can use it (it skips and counts the rest).
    pub fn usable(&self) -> bool {
        !matches!(self.kind, Kind::NoSeverity | Kind::NoResources)
    }

    pub fn is_control(&self) -> bool {
        matches!(self.kind, Kind::Control | Kind::LegacyControl | Kind::SampleLike)
    }

    /// The product name vigil should read (from `ProductName`, `ProductFields`, or the ARN).
    pub fn product(&self) -> &'static str {
        match self.kind {
            Kind::GuardDuty => "GuardDuty",
            Kind::Inspector => "Inspector",
            Kind::Macie => "Macie",
            _ => "Security Hub",
        }
    }

    /// The resource's ARN as Security Hub writes it (or the account as `AWS::::Account:ID`).
    pub fn resource_hub_id(&self) -> String {
        hub_id_in(self.resource.0, &self.resource.1, self.account, self.region)
    }

    /// Its resource's canonical identity (see [`canonical`]).
    pub fn canonical_resource(&self) -> String {
        canonical_in(self.resource.0, &self.resource.1, self.account, self.region)
    }

    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let updated = iso(self.updated);
        let severity = SEVERITIES[self.severity];
        let normalized = [0, 20, 50, 80, 95][self.severity];
        let product_arn = self.product_arn();
        let control = self.control.unwrap_or("none");
        let generator = match self.kind {
            Kind::Control => format!("security-control/{control}"),
            Kind::LegacyControl => format!("aws-foundational-security-best-practices/v/1.0.0/{control}"),
            Kind::SampleLike => format!("pci-dss/v/3.2.1/{control}"),
            Kind::GuardDuty => {
                "arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0".into()
            }
            Kind::Inspector => "AWSInspector".into(),
            Kind::Macie => "macie/SensitiveData:S3Object/Personal".into(),
            Kind::NoSeverity | Kind::NoResources => "custom-integration".into(),
        };
        let resource_type = hub_type(self.resource.0);
        let mut f = json!({
            "SchemaVersion": "2018-10-08",
            "Id": self.id(),
            "ProductArn": product_arn,
            "GeneratorId": generator,
            "AwsAccountId": self.account,
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "FirstObservedAt": iso(CREATED),
            "CreatedAt": iso(CREATED),
            "UpdatedAt": updated,
            "Title": format!("{control} finding {}", self.i),
            "Description": "A finding of the fake account.",
            "Resources": [{"Type": resource_type, "Id": self.resource_hub_id(), "Partition": "aws", "Region": self.region}],
            "RecordState": if self.archived { "ARCHIVED" } else { "ACTIVE" },
        });
        let status = if self.failed { "FAILED" } else { "PASSED" };
        match self.kind {
            Kind::Control => {
                f["Region"] = json!(self.region);
                f["ProductName"] = json!("Security Hub");
                f["CompanyName"] = json!("AWS");
                f["Severity"] = json!({"Label": severity, "Normalized": normalized, "Original": severity});
                f["Compliance"] = json!({"Status": status, "SecurityControlId": control});
                f["ProductFields"] = json!({"aws/securityhub/ProductName": "Security Hub"});
                f["WorkflowState"] = json!("NEW");
                f["Workflow"] = json!({"Status": self.workflow});
            }
            Kind::LegacyControl => {
                f["Region"] = json!(self.region);
                f["ProductName"] = json!("Security Hub");
                // Only the normalized score: vigil maps it to a label as Security Hub does.
                f["Severity"] = json!({"Normalized": normalized, "Product": normalized as f64});
                f["Compliance"] = json!({"Status": status});
                f["ProductFields"] = json!({"ControlId": control, "StandardsArn": "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0"});
                // The older field, with its own spellings.
                f["WorkflowState"] = json!(match self.workflow {
                    "RESOLVED" => "RESOLVED",
                    "SUPPRESSED" => "DEFERRED",
                    _ => "NEW",
                });
                f["Workflow"] = json!({"Status": self.workflow});
                // Resources without Partition or Region, as in the Security Hub user guide.
                f["Resources"] = json!([{"Type": resource_type, "Id": self.resource_hub_id()}]);
            }
            Kind::SampleLike => {
                // No Region, ProductName, CompanyName: as AWS's GetFindings example.
                f["Severity"] = json!({"Label": severity, "Original": severity, "Normalized": normalized});
                f["FindingProviderFields"] = json!({"Severity": {"Label": severity, "Original": severity}, "Types": ["Software and Configuration Checks"]});
                f["Compliance"] = json!({"Status": status, "RelatedRequirements": ["PCI DSS 1.2.1"]});
                f["ProductFields"] = json!({
                    "StandardsArn": "arn:aws:securityhub:::standards/pci-dss/v/3.2.1",
                    "ControlId": control,
                    "RelatedAWSResources:0/name": format!("securityhub-{}-0e904a3b", control.to_lowercase().replace('.', "-")),
                    "RelatedAWSResources:0/type": "AWS::Config::ConfigRule",
                    "aws/securityhub/ProductName": "Security Hub",
                    "aws/securityhub/CompanyName": "AWS",
                });
                f["Remediation"] = json!({"Recommendation": {"Text": "See the PCI DSS documentation.", "Url": "https://docs.aws.amazon.com/console/securityhub/PCI.Lambda.2/remediation"}});
                f["Workflow"] = json!({"Status": self.workflow});
                f["WorkflowState"] = json!("NEW");
            }
            Kind::GuardDuty | Kind::Inspector | Kind::Macie => {
                f["Region"] = json!(self.region);
                f["ProductName"] = json!(self.product());
                f["CompanyName"] = json!("Amazon");
                f["Severity"] = json!({"Label": severity, "Normalized": normalized, "Product": 5.0});
                f["Types"] = json!(["TTPs/Initial Access"]);
                f["Workflow"] = json!({"Status": self.workflow});
            }
            Kind::NoSeverity => {
                f["Region"] = json!(self.region);
                f["Workflow"] = json!({"Status": self.workflow});
            }
            Kind::NoResources => {
                f["Region"] = json!(self.region);
                f["Severity"] = json!({"Label": severity});
                f["Resources"] = json!([]);
            }
        }
        if let Some(n) = &self.note {
            f["Note"] = json!({"Text": n.text, "UpdatedBy": n.updated_by, "UpdatedAt": iso(n.updated_at)});
        }
        f
    }
}

impl Finding {
    /// The ARN of the product that sent it, as the new Security Hub names products
    /// (`metadata.product.uid`): `productv2` where ASFF says `product`.
    pub fn product_uid(&self) -> String {
        self.product_arn().replacen(":product/", ":productv2/", 1)
    }

    /// The finding as the new Security Hub's GetFindingsV2 returns it: an OCSF document, the
    /// inverse of the mapping in the fact sheet (../shared/securityhub-v2.md, section 2), so that
    /// vigil reads from it the finding it reads from [`Finding::json`]. Control findings are
    /// Compliance Findings (2003) whose `finding_info.uid` is the ASFF `Id`; GuardDuty's are
    /// Detection (2004), Inspector's Vulnerability (2002), Macie's Data Security (2006) findings.
    /// Resource types are CloudFormation's (`AWS::S3::Bucket`), the workflow is `status_id`, an
    /// archived finding is closed (`activity_id` 3). The product's name is the API reference's
    /// ("Security Hub CSPM"), not ASFF's: a reader must go by `metadata.product.uid`. The findings
    /// vigil skips in ASFF (no severity, no resources) lack the same in OCSF.
    pub fn ocsf(&self) -> serde_json::Value {
        use serde_json::json;
        let id = self.id();
        let (class_uid, class_name) = match self.kind {
            Kind::Control | Kind::LegacyControl | Kind::SampleLike => (2003, "Compliance Finding"),
            Kind::Inspector => (2002, "Vulnerability Finding"),
            Kind::Macie => (2006, "Data Security Finding"),
            Kind::GuardDuty | Kind::NoSeverity | Kind::NoResources => (2004, "Detection Finding"),
        };
        let (activity_id, activity_name) = if self.archived { (3, "Close") } else { (2, "Update") };
        let (status_id, status) = match self.workflow {
            "NEW" => (1, "New"),
            "NOTIFIED" => (2, "In Progress"),
            "SUPPRESSED" => (3, "Suppressed"),
            _ => (4, "Resolved"),
        };
        let product_name = match self.kind {
            Kind::GuardDuty => "GuardDuty",
            Kind::Inspector => "Inspector",
            Kind::Macie => "Macie",
            Kind::NoSeverity | Kind::NoResources => "Default",
            _ => "Security Hub CSPM",
        };
        let control = self.control.unwrap_or("none");
        // An ARN goes in `uid_alt` with the short id in `uid`, as in AWS's samples; other ids
        // (an account, an instance id) are the `uid` itself.
        let hub_id = self.resource_hub_id();
        let mut resource = json!({"type": self.resource.0, "region": self.region, "cloud_partition": "aws"});
        if hub_id.starts_with("arn:") {
            resource["uid"] = json!(self.resource.1);
            resource["uid_alt"] = json!(hub_id);
        } else {
            resource["uid"] = json!(hub_id);
        }
        let updated = iso(self.updated);
        let mut doc = json!({
            "activity_id": activity_id,
            "activity_name": activity_name,
            "category_uid": 2,
            "category_name": "Findings",
            "class_uid": class_uid,
            "class_name": class_name,
            "type_uid": class_uid * 100 + activity_id,
            "status_id": status_id,
            "status": status,
            "time": self.updated * 1000,
            "time_dt": updated,
            "cloud": {"account": {"uid": self.account}, "provider": "AWS", "region": self.region},
            "finding_info": {
                "uid": id,
                "title": format!("{control} finding {}", self.i),
                "desc": "A finding of the fake account.",
                "types": if self.is_control() {
                    json!(["Software and Configuration Checks/Industry and Regulatory Standards"])
                } else {
                    json!(["TTPs/Initial Access"])
                },
                "created_time_dt": iso(CREATED),
                "first_seen_time_dt": iso(CREATED),
                "modified_time": self.updated * 1000,
                "modified_time_dt": updated,
            },
            "metadata": {
                "uid": metadata_uid(&id),
                "version": "1.6.0",
                "product": {"name": product_name, "uid": self.product_uid(), "vendor_name": "AWS"},
            },
            "resources": [resource],
        });
        if self.kind != Kind::NoSeverity {
            let label = ["Informational", "Low", "Medium", "High", "Critical"][self.severity];
            doc["severity_id"] = json!(self.severity + 1);
            doc["severity"] = json!(label);
        }
        if self.kind == Kind::NoResources {
            doc["resources"] = json!([]);
        }
        if self.is_control() {
            let (status_id, status) = if self.failed { (3, "Fail") } else { (1, "Pass") };
            let standard = match self.kind {
                Kind::SampleLike => "standards/pci-dss/v/3.2.1",
                _ => "standards/aws-foundational-security-best-practices/v/1.0.0",
            };
            doc["compliance"] =
                json!({"control": control, "status_id": status_id, "status": status, "standards": [standard]});
        }
        if self.kind == Kind::SampleLike {
            // The related Config rule, where ASFF names it in `ProductFields`.
            doc["finding_info"]["analytic"] = json!({
                "category": "AWS::Config::ConfigRule",
                "name": format!("securityhub-{}-0e904a3b", control.to_lowercase().replace('.', "-")),
            });
        }
        if let Some(n) = &self.note {
            doc["comment"] = json!(n.text);
        }
        doc
    }
}

/// `metadata.uid`: the new Security Hub's own id of a finding, 64 hexadecimal digits (as in AWS's
/// samples), derived here from the finding's id.
pub fn metadata_uid(finding_id: &str) -> String {
    let h = mix_str(finding_id);
    (0..4u64).map(|k| format!("{:016x}", mix(h ^ k.wrapping_mul(0x9e37_79b9)))).collect()
}

/// An exposure finding, as only the new Security Hub makes them: a Detection Finding (2004) of
/// the product Security Hub about a notebook instance reachable from the internet, with no ASFF
/// twin. No public sample shows one whole: its id's form and its fields are illustrative.
pub fn exposure_finding(n: usize, account: &str, region: &str, notebook: &str, updated: i64) -> serde_json::Value {
    use serde_json::json;
    let uid = format!("arn:aws:securityhub:{region}:{account}:exposure-finding/{n:08x}-0000-4000-9000-{n:012x}");
    let arn = hub_id_in(NOTEBOOK, notebook, account, region);
    json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200401,
        "status_id": 1,
        "status": "New",
        "severity_id": 4,
        "severity": "High",
        "cloud": {"account": {"uid": account}, "provider": "AWS", "region": region},
        "finding_info": {
            "uid": uid,
            "title": "Potential Data Exposure: SageMaker notebook instance reachable from the internet",
            "types": ["Exposure"],
            // As AWS's sample exposure finding names its analytic.
            "analytic": {"name": "Exposure", "type": "Rule", "type_id": 1, "uid": "0.0.1"},
            "created_time_dt": iso(updated),
            "first_seen_time_dt": iso(updated),
            "modified_time_dt": iso(updated),
        },
        "metadata": {
            "uid": metadata_uid(&uid),
            "version": "1.6.0",
            "product": {
                "name": "Security Hub",
                "uid": format!("arn:aws:securityhub:{region}::productv2/aws/securityhub"),
                "vendor_name": "AWS",
            },
        },
        "resources": [{"type": NOTEBOOK, "uid": notebook, "uid_alt": arn, "region": region}],
    })
}

pub fn iso(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).unwrap().strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// Security Hub's type name for a CloudFormation type (where it has one the world uses).
pub fn hub_type(cfn: &str) -> String {
    match cfn {
        NOTEBOOK => "AwsSageMakerNotebookInstance".into(),
        BUCKET => "AwsS3Bucket".into(),
        TRAIL => "AwsCloudTrailTrail".into(),
        VPC => "AwsEc2Vpc".into(),
        ACCOUNT_TYPE => "AwsAccount".into(),
        "AWS::Lambda::Function" => "AwsLambdaFunction".into(),
        "AWS::KMS::Key" => "AwsKmsKey".into(),
        "AWS::EC2::Instance" => "AwsEc2Instance".into(),
        other => other.replace("::", ""),
    }
}

/// A resource's id as Security Hub writes it, in the home account and region.
pub fn hub_id(cfn: &str, id: &str) -> String {
    hub_id_in(cfn, id, ACCOUNT, REGION)
}

/// A resource's id as Security Hub writes it, in an account and region.
pub fn hub_id_in(cfn: &str, id: &str, account: &str, region: &str) -> String {
    match cfn {
        NOTEBOOK => format!("arn:aws:sagemaker:{region}:{account}:notebook-instance/{}", id.to_lowercase()),
        BUCKET => format!("arn:aws:s3:::{id}"),
        TRAIL => format!("arn:aws:cloudtrail:{region}:{account}:trail/{id}"),
        VPC => format!("arn:aws:ec2:{region}:{account}:vpc/{id}"),
        ACCOUNT_TYPE => format!("AWS::::Account:{account}"),
        "AWS::Lambda::Function" => format!("arn:aws:lambda:{region}:{account}:function:{id}"),
        "AWS::KMS::Key" => format!("arn:aws:kms:{region}:{account}:key/{id}"),
        _ => id.to_string(),
    }
}

/// The canonical identity vigil should give a resource (its ARN where it can be built), for
/// counting distinct failing resources across Config and Security Hub. `None` for a type vigil
/// keeps as it came (then Config's and Security Hub's names stay distinct).
pub fn canonical(cfn: &str, id: &str) -> String {
    canonical_in(cfn, id, ACCOUNT, REGION)
}

/// [`canonical`] for a resource in an account and region.
pub fn canonical_in(cfn: &str, id: &str, account: &str, region: &str) -> String {
    match cfn {
        ACCOUNT_TYPE => format!("{cfn}|{account}"),
        NOTEBOOK | BUCKET | TRAIL | VPC | "AWS::KMS::Key" => format!("{cfn}|{}", hub_id_in(cfn, id, account, region)),
        _ => format!("{cfn}|{id}|{account}|{region}"),
    }
}

/// The organisation's member accounts (the administrator is [`ACCOUNT`]).
pub const MEMBERS: [&str; 4] = ["111122223333", "444455556666", "777788889999", "210987654321"];
/// The regions linked to the home region [`REGION`] by the finding aggregator.
pub const LINKED: [&str; 2] = ["us-west-2", "eu-west-1"];
/// The organisation's Config aggregator.
pub const CONFIG_AGGREGATOR: &str = "org-aggregator";
/// The finding aggregator in the home region.
pub const AGGREGATOR: &str =
    "arn:aws:securityhub:us-east-1:123456789012:finding-aggregator/123e4567-e89b-12d3-a456-426652340000";

/// A delegated administrator's view: Security Hub members and a finding aggregator, and the
/// rules the organisation's Config aggregator reports from every other account and region.
#[derive(Debug, Clone)]
pub struct Organization {
    pub members: Vec<&'static str>,
    pub linked: Vec<&'static str>,
    /// Every account's and region's rules but the caller's own in the home region (those are
    /// [`World::rules`], as they stand).
    pub elsewhere: Vec<PlacedRule>,
    /// What a call signed with a member's credentials sees, by account and region: its own
    /// rules and their remediations (the members vigil may assume a role in).
    pub views: BTreeMap<(&'static str, &'static str), World>,
    /// Members whose role cannot be assumed (AssumeRole is denied).
    pub unassumable: Vec<&'static str>,
    /// Aggregation lag: what the aggregator's `AWS::Config::ResourceCompliance` items still say
    /// of a rule in an account and region, by (account, region, rule name): the resources it
    /// found NON_COMPLIANT before (see [`World::lag`]). Its compliance and details calls are
    /// up to date.
    pub lagging: BTreeMap<(String, String, String), Vec<String>>,
}

/// A rule in one account and region, as an aggregator reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed<'a> {
    pub account: &'static str,
    pub region: &'static str,
    pub rule: &'a Rule,
}

/// A rule of another account or region than the caller's own.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedRule {
    pub account: &'static str,
    pub region: &'static str,
    pub rule: Rule,
}

/// The rules of the other accounts and regions of an organisation: the Security Hub and
/// conformance pack rules (named, as AWS names them, with a suffix of their own in each account
/// and region) and the teams' custom rules, most of them in each place, some non-compliant.
/// The first member's public-read rule in the first linked region has 130 public buckets: a
/// capped count, two pages of details.
fn elsewhere(home: &[Rule], accounts: &[&'static str], regions: &[&'static str]) -> Vec<PlacedRule> {
    let mut out = Vec::new();
    let places = accounts.iter().flat_map(|a| regions.iter().map(move |r| (*a, *r)));
    for (p, (account, region)) in places.enumerate().filter(|(_, place)| *place != (ACCOUNT, REGION)) {
        for r in home {
            let h = mix_str(&format!("{}/{account}/{region}", r.name));
            let name = if r.name.starts_with("securityhub-") {
                format!("securityhub-{}-{:08x}", kebab(&r.source), (h >> 8) as u32)
            } else if r.name.contains("-conformance-pack-") {
                let id: String = (0..9).map(|j| (b'a' + ((h >> (j * 5)) % 26) as u8) as char).collect();
                format!("{}-conformance-pack-{id}", kebab(&r.source))
            } else if r.owner == "CUSTOM_LAMBDA" {
                r.name.clone()
            } else {
                // A team's own name for a managed rule: deployed in the caller's account only.
                continue;
            };
            if h.is_multiple_of(5) {
                continue;
            }
            let mut rule =
                Rule { name, noncompliant: Vec::new(), compliant: Vec::new(), evaluation_error: None, ..r.clone() };
            if h % 6 == 1 && r.owner != "CUSTOM_LAMBDA" {
                let n = 1 + (h >> 16) % 8;
                let start = 100_000 * (p as u64 + 1) + (h >> 24) % 5_000;
                rule.noncompliant = (start..start + n).map(|j| resource_id(r.resource_type, j)).collect();
                if r.resource_type == ACCOUNT_TYPE {
                    rule.noncompliant = vec![account.to_string()];
                }
            }
            out.push(PlacedRule { account, region, rule });
        }
    }
    let big = out.iter().position(|x| {
        (x.account, x.region) == (accounts[1], regions[1])
            && x.rule.source == "S3_BUCKET_PUBLIC_READ_PROHIBITED"
            && x.rule.name.starts_with("securityhub-")
    });
    if let Some(big) = big {
        out[big].rule.noncompliant = (0..130).map(|n| resource_id(BUCKET, 90_000_000 + n)).collect();
    }
    out
}

/// A resource id (Config's) of a type, the `n`th of its kind.
pub fn resource_id(cfn: &str, n: u64) -> String {
    match cfn {
        NOTEBOOK => format!("nb-{n:06}"),
        BUCKET => format!("ml-bucket-{n:05}"),
        TRAIL => format!("trail-{n:03}"),
        VPC => format!("vpc-{:017x}", mix(n) >> 4),
        ACCOUNT_TYPE => ACCOUNT.to_string(),
        "AWS::KMS::Key" => format!("{:08x}-1111-2222-3333-{n:012}", mix(n) as u32),
        _ => format!("{}-{n:05}", cfn.rsplit("::").next().unwrap_or("resource").to_lowercase()),
    }
}

/// How many items the fake puts in a page where AWS lets the service choose (it may always
/// return fewer than asked): small enough that every paginated call takes several pages.
#[derive(Debug, Clone)]
pub struct Pages {
    pub rules: usize,
    pub compliance: usize,
    pub evaluation_status: usize,
    pub standards: usize,
    /// Datapoints per GetMetricData page.
    pub metric_points: usize,
    /// Evaluations per GetComplianceDetailsByResource page (the call takes no page size).
    pub evaluations_by_resource: usize,
    /// The span of one GetResourceConfigHistory page, in days: AWS limits each call to seven
    /// days of history, so a page often holds fewer items than asked for (with a nextToken).
    pub history_span_days: i64,
    /// Rules per DescribeAggregateComplianceByConfigRules page (fewer than the 1000 asked for).
    pub aggregate_compliance: usize,
}

impl Default for Pages {
    fn default() -> Self {
        Pages {
            rules: 25,
            compliance: 10,
            evaluation_status: 10,
            standards: 2,
            metric_points: 100,
            evaluations_by_resource: 10,
            history_span_days: 7,
            aggregate_compliance: 400,
        }
    }
}

#[derive(Debug, Clone)]
pub struct World {
    pub rules: Vec<Rule>,
    pub remediations: Vec<Remediation>,
    pub alarms: Vec<Alarm>,
    /// Standards enabled: ARN and status.
    pub standards: Vec<(String, &'static str)>,
    /// Findings made from their index (so that 100,000 cost nothing), and those changed since.
    findings: usize,
    /// How many there were at the start: the generated ones' `UpdatedAt` counts from it, so that
    /// it never moves.
    base: usize,
    changed: HashMap<usize, Finding>,
    /// The world's clock (epoch seconds) when it was made; generated findings are older.
    pub now: i64,
    pub pages: Pages,
    /// Recorded configuration histories (GetResourceConfigHistory), oldest first, by resource
    /// type and id: see [`World::histories_of`].
    pub histories: BTreeMap<(String, String), Vec<ConfigItem>>,
    /// Changes to findings since they were created (GetFindingHistory), oldest first, by index.
    history: HashMap<usize, Vec<HistoryRecord>>,
    /// When an evaluation was recorded, where it is not the default (remediated resources), by
    /// rule name and resource id.
    evaluated: HashMap<(String, String), i64>,
    /// Writes so far: each moves the write clock on (see [`World::tick`]).
    writes: i64,
    /// Set when the caller is an organisation's delegated administrator in the home region.
    pub organization: Option<Organization>,
    /// Accounts whose configuration recorder leaves out `AWS::Config::ResourceCompliance`: the
    /// advanced query finds nothing of theirs, silently (as AWS's documentation warns).
    pub unrecorded: BTreeSet<String>,
    /// GetComplianceDetailsByConfigRule takes rule names over 64 characters, although its model
    /// says 64 (no public source says what AWS answers): by default the fake refuses them as
    /// the model does, with this set it answers them (the request is still checked, and the
    /// one constraint it broke counted in [`super::Checks::tolerated`]).
    pub long_rule_names: bool,
    /// The new Security Hub (V2, OCSF findings) is enabled: DescribeSecurityHubV2 names its hub
    /// and GetFindingsV2 returns the findings as OCSF documents ([`Finding::ocsf`]). Off by
    /// default, as in an account that has not enabled it (DescribeSecurityHubV2 then answers
    /// ResourceNotFoundException).
    pub hub_v2: bool,
    /// Findings only the new Security Hub has (an exposure finding: no ASFF twin), as the OCSF
    /// documents GetFindingsV2 returns: see [`World::add_exposure_finding`].
    pub ocsf_only: Vec<serde_json::Value>,
    /// Findings (by index) the new Security Hub does not have: an integration whose findings
    /// reach Security Hub CSPM only.
    pub cspm_only: std::collections::BTreeSet<usize>,
    /// Security Hub CSPM's automation rules, as BatchGetAutomationRules returns each
    /// (`AutomationRulesConfig`): see [`World::add_cspm_rule`].
    pub automation_rules: Vec<serde_json::Value>,
    /// The new Security Hub's automation rules, as GetAutomationRuleV2 returns each.
    pub automation_rules_v2: Vec<serde_json::Value>,
}

impl World {
    /// A real account's shape: 300+ rules (Security Hub's names for five standards, a
    /// conformance pack, custom rules), 250 alarms, remediations, and `findings` findings.
    pub fn account(findings: usize) -> World {
        World::account_at(findings, 1_795_000_000)
    }

    pub fn account_at(findings: usize, now: i64) -> World {
        let mut rules = Vec::new();
        for (k, (identifier, kind)) in MANAGED.iter().enumerate() {
            for (s, standard) in STANDARDS.iter().enumerate() {
                // Not every standard deploys every rule.
                if !mix((k * 7 + s) as u64).is_multiple_of(6) || s == 0 {
                    let suffix = format!("{:08x}", mix_str(&format!("{identifier}/{standard}")) as u32);
                    rules.push(managed_rule(format!("securityhub-{}-{suffix}", kebab(identifier)), identifier, kind));
                }
            }
            if k % 3 == 0 {
                let suffix: String =
                    (0..9).map(|j| (b'a' + (mix_str(identifier).wrapping_add(j) % 26) as u8) as char).collect();
                rules.push(managed_rule(format!("{}-conformance-pack-{suffix}", kebab(identifier)), identifier, kind));
            }
        }
        // A team's own deployment of a managed rule, under a name of its choosing (short enough
        // for GetComplianceDetailsByConfigRule, unlike Security Hub's names for this rule).
        rules.push(managed_rule(
            "ml-notebook-no-direct-internet-access".into(),
            "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS",
            NOTEBOOK,
        ));
        for i in 0..12 {
            rules.push(Rule {
                name: format!("team-nb-tagging-{i:02}"),
                source: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:team-nb-tagging-{i:02}"),
                owner: "CUSTOM_LAMBDA",
                resource_type: NOTEBOOK,
                noncompliant: Vec::new(),
                compliant: Vec::new(),
                quiet: "COMPLIANT",
                evaluation_error: None,
            });
        }
        // Compliance, errors: varied, deterministic.
        for (i, r) in rules.iter_mut().enumerate() {
            let h = mix_str(&r.name);
            if h.is_multiple_of(7) {
                let n = 1 + (h >> 8) % 12;
                let start = (h >> 16) % 2_000;
                r.noncompliant = (start..start + n).map(|j| resource_id(r.resource_type, j)).collect();
                if r.resource_type == ACCOUNT_TYPE {
                    r.noncompliant = vec![ACCOUNT.to_string()];
                }
            }
            if r.noncompliant.is_empty() && h % 29 == 3 {
                r.quiet = "INSUFFICIENT_DATA";
            } else if r.noncompliant.is_empty() && h % 31 == 4 {
                r.quiet = "NOT_APPLICABLE";
            }
            if i % 23 == 5 {
                r.evaluation_error = Some(("AccessDenied".into(), true));
            } else if i % 23 == 11 {
                // An old failure, since succeeded: not failing.
                r.evaluation_error = Some(("InternalError".into(), false));
            }
        }
        // The story the tests look for: the team's rule with 230 internet-facing notebooks (three
        // pages of details, capped at 100); Security Hub's and the conformance pack's copies of
        // it, whose names are too long to ask for details, overlapping on some of them; and
        // another non-compliant rule whose name is too long.
        let pick = |rules: &mut Vec<Rule>, pred: &dyn Fn(&Rule) -> bool| rules.iter().position(pred).unwrap();
        let a = pick(&mut rules, &|r| r.name == "ml-notebook-no-direct-internet-access");
        rules[a].noncompliant = (0..230).map(|n| resource_id(NOTEBOOK, n)).collect();
        rules[a].evaluation_error = None;
        let sh = pick(&mut rules, &|r| {
            r.source == "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS" && r.name.starts_with("securityhub-")
        });
        rules[sh].noncompliant = (200..260).map(|n| resource_id(NOTEBOOK, n)).collect();
        let b = pick(&mut rules, &|r| {
            r.source == "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS" && r.name.contains("conformance-pack")
        });
        rules[b].noncompliant = (190..260).map(|n| resource_id(NOTEBOOK, n)).collect();
        let c = pick(&mut rules, &|r| r.name.chars().count() > 64 && r.resource_type == NOTEBOOK);
        rules[c].noncompliant = (500..630).map(|n| resource_id(NOTEBOOK, n)).collect();
        // Public buckets: enough remediation executions for two pages.
        let d =
            pick(&mut rules, &|r| r.source == "S3_BUCKET_PUBLIC_READ_PROHIBITED" && r.name.starts_with("securityhub-"));
        rules[d].noncompliant = vec![SCRATCH_BUCKET.into(), EXPORTS_BUCKET.into()];
        rules[d].noncompliant.extend((0..150).map(|n| resource_id(BUCKET, 5_000 + n)));
        // The drill-down's story: a few resources that every rule of their type evaluates, the
        // same way under every copy of a managed rule: NON_COMPLIANT under the managed rules
        // `featured()` names, COMPLIANT under every other rule that has evaluated anything.
        for (kind, id, failing) in featured() {
            for r in rules.iter_mut().filter(|r| r.resource_type == kind) {
                if failing.contains(&r.source.as_str()) {
                    if !r.noncompliant.contains(&id) {
                        r.noncompliant.push(id.clone());
                    }
                } else {
                    r.noncompliant.retain(|x| *x != id);
                    if r.compliance() == "COMPLIANT" || !r.noncompliant.is_empty() {
                        r.compliant.push(id.clone());
                    }
                }
            }
        }

        let mut remediations = remediations(&rules);
        // No execution under way for the featured resources, so that one can be started: one
        // failed attempt only, the scratch bucket's under the public-read rule.
        let startable = [SCRATCH_BUCKET.to_string(), flow_logs_vpc(), AUDIT_TRAIL.to_string()];
        for x in &mut remediations {
            if x.rule == rules[d].name {
                for e in x.executions.iter_mut().filter(|e| e.0 == SCRATCH_BUCKET) {
                    e.1 = "FAILED";
                }
            } else {
                x.executions.retain(|(id, _)| !startable.contains(id));
            }
        }
        let alarms = alarms(now);
        let standards = vec![
            (
                format!("arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"),
                "READY",
            ),
            (format!("arn:aws:securityhub:{REGION}::standards/cis-aws-foundations-benchmark/v/3.0.0"), "READY"),
            (format!("arn:aws:securityhub:{REGION}::standards/ai-security-best-practices/v/1.0.0"), "INCOMPLETE"),
        ];
        let mut world = World {
            rules,
            remediations,
            alarms,
            standards,
            findings,
            base: findings,
            changed: HashMap::new(),
            now,
            pages: Pages::default(),
            histories: histories(now),
            history: HashMap::new(),
            evaluated: HashMap::new(),
            writes: 0,
            organization: None,
            unrecorded: BTreeSet::new(),
            long_rule_names: false,
            hub_v2: false,
            ocsf_only: Vec::new(),
            cspm_only: Default::default(),
            automation_rules: Vec::new(),
            automation_rules_v2: Vec::new(),
        };
        world.feature_findings();
        world
    }

    /// The account of an organisation's delegated administrator in its home region: Security
    /// Hub's members and finding aggregator, and findings from every member account and linked
    /// region (the home region's GetFindings returns them all).
    pub fn organization(findings: usize) -> World {
        let mut world = World::organization_of(MEMBERS.to_vec(), LINKED.to_vec(), findings);
        world.member_views();
        // One member's role cannot be assumed.
        world.organization.as_mut().expect("an organisation").unassumable = vec![MEMBERS[2]];
        world
    }

    /// Each other account's and region's view, for calls signed with its role's credentials:
    /// its own rules and their remediations.
    pub fn member_views(&mut self) {
        let world = &*self;
        let org = world.organization.as_ref().expect("an organisation");
        let mut views = BTreeMap::new();
        for p in &org.elsewhere {
            let view = views.entry((p.account, p.region)).or_insert_with(|| World {
                rules: Vec::new(),
                remediations: Vec::new(),
                organization: None,
                ..World::account_at(0, world.now)
            });
            view.rules.push(p.rule.clone());
        }
        for view in views.values_mut() {
            view.remediations = remediations(&view.rules);
        }
        self.organization.as_mut().expect("an organisation").views = views;
    }

    /// What a call signed in `account` and `region` sees: a member's own view, or this world.
    pub fn seen_by(&self, account: &str, region: &str) -> &World {
        let view =
            self.organization.as_ref().and_then(|o| o.views.iter().find(|((a, r), _)| *a == account && *r == region));
        view.map_or(self, |(_, w)| w)
    }

    pub fn seen_by_mut(&mut self, account: &str, region: &str) -> &mut World {
        let key = self
            .organization
            .as_ref()
            .and_then(|o| o.views.keys().find(|(a, r)| *a == account && *r == region).copied());
        match key {
            Some(key) => self.organization.as_mut().and_then(|o| o.views.get_mut(&key)).expect("held"),
            None => self,
        }
    }

    /// An organisation of any size: `members` besides the caller's account, `linked` regions
    /// besides the home region, `findings` spread over them all.
    pub fn organization_of(members: Vec<&'static str>, linked: Vec<&'static str>, findings: usize) -> World {
        let mut world = World::account(findings);
        let accounts: Vec<&'static str> = std::iter::once(ACCOUNT).chain(members.iter().copied()).collect();
        let regions: Vec<&'static str> = std::iter::once(REGION).chain(linked.iter().copied()).collect();
        let elsewhere = elsewhere(&world.rules, &accounts, &regions);
        world.organization = Some(Organization {
            members,
            linked,
            elsewhere,
            views: BTreeMap::new(),
            unassumable: Vec::new(),
            lagging: BTreeMap::new(),
        });
        world
    }

    /// Every rule the organisation's Config aggregator reports (the caller's own in the home
    /// region as they stand), or none outside an organisation.
    pub fn aggregate_rules(&self) -> Vec<Placed<'_>> {
        let Some(org) = &self.organization else { return Vec::new() };
        let home = self.rules.iter().map(|rule| Placed { account: ACCOUNT, region: REGION, rule });
        home.chain(org.elsewhere.iter().map(|p| Placed { account: p.account, region: p.region, rule: &p.rule }))
            .collect()
    }

    /// Every account whose findings the world holds: the caller's first.
    pub fn accounts(&self) -> Vec<&'static str> {
        let members = self.organization.as_ref().map_or(&[][..], |o| &o.members[..]);
        std::iter::once(ACCOUNT).chain(members.iter().copied()).collect()
    }

    /// Every region whose findings the world holds: the home region first.
    pub fn regions(&self) -> Vec<&'static str> {
        let linked = self.organization.as_ref().map_or(&[][..], |o| &o.linked[..]);
        std::iter::once(REGION).chain(linked.iter().copied()).collect()
    }

    /// Findings ever made (including archived ones).
    pub fn finding_count(&self) -> usize {
        self.findings
    }

    /// The `i`th finding, as it is now.
    pub fn finding(&self, i: usize) -> Finding {
        if let Some(f) = self.changed.get(&i) {
            return f.clone();
        }
        let h = mix(i as u64);
        let kind = match h % 100 {
            0..=59 => Kind::Control,
            60..=74 => Kind::LegacyControl,
            75..=77 => Kind::SampleLike,
            78..=86 => Kind::GuardDuty,
            87..=91 => Kind::Inspector,
            92..=96 => Kind::Macie,
            97..=98 => Kind::NoSeverity,
            _ => Kind::NoResources,
        };
        let (control, resource) = match kind {
            Kind::Control | Kind::LegacyControl | Kind::SampleLike => {
                let (c, t) = CONTROLS[((h >> 8) % CONTROLS.len() as u64) as usize];
                (Some(c), (t, resource_id(t, (h >> 16) % 3_000)))
            }
            Kind::Macie => (None, (BUCKET, resource_id(BUCKET, (h >> 16) % 500))),
            _ => (None, ("AWS::EC2::Instance", resource_id("AWS::EC2::Instance", (h >> 16) % 800))),
        };
        // In an organisation, findings come from every account and linked region.
        let (accounts, regions) = (self.accounts(), self.regions());
        Finding {
            i,
            kind,
            account: accounts[i % accounts.len()],
            region: regions[(i / accounts.len()) % regions.len()],
            severity: ((h >> 24) % 5) as usize,
            workflow: WORKFLOWS[((h >> 28) % 4) as usize],
            archived: (h >> 32).is_multiple_of(17),
            failed: (h >> 36).is_multiple_of(3),
            control,
            resource,
            updated: self.now - (self.base.saturating_sub(i)) as i64,
            note: None,
        }
    }

    pub fn findings(&self) -> impl Iterator<Item = Finding> + '_ {
        (0..self.findings).map(|i| self.finding(i))
    }

    /// Every finding as the new Security Hub holds it: each of [`World::findings`] as an OCSF
    /// document, then those only it has.
    pub fn ocsf_findings(&self) -> impl Iterator<Item = serde_json::Value> + '_ {
        self.findings()
            .filter(|f| !self.cspm_only.contains(&f.i))
            .map(|f| f.ocsf())
            .chain(self.ocsf_only.iter().cloned())
    }

    /// A Security Hub CSPM automation rule that suppresses the findings of `control` (order
    /// `order`), as a person would write it: `ComplianceSecurityControlId EQUALS control` and
    /// `WorkflowStatus EQUALS NEW` (rules act on new findings), action `Workflow.Status
    /// SUPPRESSED`. The fake does not apply it: the world's findings keep their workflow, and a
    /// test counts which ones it explains.
    pub fn add_cspm_rule(&mut self, name: &str, order: i64, control: &str) -> String {
        use serde_json::json;
        let arn = format!(
            "arn:aws:securityhub:{REGION}:{ACCOUNT}:automation-rule/{:08x}-0000-4000-a000-{:012x}",
            order, order
        );
        self.automation_rules.push(json!({
            "RuleArn": arn,
            "RuleStatus": "ENABLED",
            "RuleOrder": order,
            "RuleName": name,
            "Description": format!("Suppress {control} findings"),
            "IsTerminal": false,
            "Criteria": {
                "ComplianceSecurityControlId": [{"Value": control, "Comparison": "EQUALS"}],
                "WorkflowStatus": [{"Value": "NEW", "Comparison": "EQUALS"}],
            },
            "Actions": [{"Type": "FINDING_FIELDS_UPDATE", "FindingFieldsUpdate": {
                "Workflow": {"Status": "SUPPRESSED"},
                "Note": {"Text": format!("Suppressed by {name}"), "UpdatedBy": "automation"},
            }}],
            "CreatedAt": iso(self.now - 10 * 86_400),
            "UpdatedAt": iso(self.now - 10 * 86_400),
            "CreatedBy": format!("arn:aws:iam::{ACCOUNT}:role/Admin"),
        }));
        arn
    }

    /// A new Security Hub automation rule that suppresses (`StatusId` 3) the findings of
    /// `control` (`compliance.control EQUALS control`), at `order`.
    pub fn add_v2_rule(&mut self, name: &str, order: f64, control: &str) -> String {
        use serde_json::json;
        let id = format!("{:08x}-0000-4000-b000-000000000000", self.automation_rules_v2.len() + 1);
        let arn = format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:automation-rulev2/{id}");
        self.automation_rules_v2.push(json!({
            "RuleArn": arn,
            "RuleId": id,
            "RuleOrder": order,
            "RuleName": name,
            "RuleStatus": "ENABLED",
            "Description": format!("Suppress {control} findings"),
            "Criteria": {"OcsfFindingCriteria": {
                "CompositeFilters": [{
                    "Operator": "AND",
                    "StringFilters": [{"FieldName": "compliance.control", "Filter": {"Value": control, "Comparison": "EQUALS"}}],
                }],
                "CompositeOperator": "AND",
            }},
            "Actions": [{"Type": "FINDING_FIELDS_UPDATE", "FindingFieldsUpdate": {"StatusId": 3, "Comment": format!("Suppressed by {name}")}}],
            "CreatedAt": iso(self.now - 5 * 86_400),
            "UpdatedAt": iso(self.now - 5 * 86_400),
        }));
        arn
    }

    /// Adds an exposure finding ([`exposure_finding`]) about a notebook of the caller's, updated
    /// a minute before the world's `now`; returns its `finding_info.uid`.
    pub fn add_exposure_finding(&mut self) -> String {
        let n = self.ocsf_only.len();
        let doc = exposure_finding(n, ACCOUNT, REGION, &resource_id(NOTEBOOK, 7 + n as u64), self.now - 60);
        let uid = doc["finding_info"]["uid"].as_str().unwrap_or_default().to_string();
        self.ocsf_only.push(doc);
        uid
    }

    /// ACTIVE usable findings, by severity (open ones) and by workflow, as the report counts
    /// them; and the ACTIVE findings vigil must skip.
    pub fn finding_counts(&self) -> FindingCounts {
        let mut c = FindingCounts {
            by_severity: SEVERITIES.iter().map(|s| (*s, 0)).collect(),
            by_workflow: WORKFLOWS.iter().map(|w| (*w, 0)).collect(),
            ..FindingCounts::default()
        };
        for f in self.findings() {
            if f.archived {
                continue;
            }
            c.active_all += 1;
            if !f.usable() {
                c.skipped += 1;
                continue;
            }
            c.total += 1;
            *c.by_workflow.get_mut(f.workflow).unwrap() += 1;
            if matches!(f.workflow, "NEW" | "NOTIFIED") {
                *c.by_severity.get_mut(SEVERITIES[f.severity]).unwrap() += 1;
            }
        }
        c
    }

    /// Distinct failing resources (canonical ids) for a set of managed rule identifiers and
    /// Security Hub control ids, as vigil must count them: every NON_COMPLIANT resource of the
    /// rules whose details can be read, every ACTIVE FAILED control finding not SUPPRESSED; and
    /// the largest capped count of the rules whose details cannot (a lower bound).
    pub fn failing(&self, rules: &[&str], controls: &[&str]) -> (BTreeSet<String>, usize) {
        let mut out = BTreeSet::new();
        let mut bound = 0;
        for (account, region, r, readable) in self.config_truth() {
            if r.noncompliant.is_empty() || !rules.contains(&r.source.as_str()) {
                continue;
            }
            if readable {
                out.extend(r.noncompliant.iter().map(|id| canonical_in(r.resource_type, id, account, region)));
            } else {
                bound = bound.max(r.capped().0.max(1));
            }
        }
        for f in self.findings() {
            if f.archived || !f.usable() || !f.is_control() || !f.failed || f.workflow == "SUPPRESSED" {
                continue;
            }
            if f.control.is_some_and(|c| controls.contains(&c)) {
                out.insert(f.canonical_resource());
            }
        }
        (out, bound)
    }

    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// The rule of that name in that account and region, through the organisation's aggregator.
    pub fn placed_rule(&self, name: &str, account: &str, region: &str) -> Option<&Rule> {
        let org = self.organization.as_ref()?;
        if (account, region) == (ACCOUNT, REGION) {
            return self.rule(name);
        }
        org.elsewhere
            .iter()
            .find(|p| p.rule.name == name && p.account == account && p.region == region)
            .map(|p| &p.rule)
    }

    /// The rules vigil reads, where, and whether their details can be read: this account's, or
    /// in an organisation every account's and region's through the aggregator (whose details
    /// call takes any rule name).
    pub fn config_truth(&self) -> Vec<(&'static str, &'static str, Rule, bool)> {
        match &self.organization {
            Some(_) => {
                self.aggregate_rules().into_iter().map(|p| (p.account, p.region, p.rule.clone(), true)).collect()
            }
            None => self.rules.iter().map(|r| (ACCOUNT, REGION, r.clone(), self.details_readable(r))).collect(),
        }
    }

    /// Whether a rule of this account's can have its NON_COMPLIANT resources listed: by
    /// GetComplianceDetailsByConfigRule (a name of 64 characters at most, or any where the
    /// service takes longer ones), or through the advanced query over the account's
    /// ResourceCompliance items (where the account records them).
    pub fn details_readable(&self, r: &Rule) -> bool {
        r.details_readable() || self.long_rule_names || !self.unrecorded.contains(ACCOUNT)
    }

    /// The `AWS::Config::ResourceCompliance` items an account's own recorder holds in a region
    /// (SelectResourceConfig signed there): one per resource the rules there evaluated, each
    /// rule's verdict in its `configRuleList`; none where the account does not record the type.
    pub fn resource_compliance(&self, account: &str, region: &str) -> Vec<ResourceCompliance> {
        if self.unrecorded.contains(account) {
            return Vec::new();
        }
        let view = self.seen_by(account, region);
        let mut items = BTreeMap::new();
        for (i, r) in view.rules.iter().enumerate() {
            let arn = format!("arn:aws:config:{region}:{account}:config-rule/config-rule-{i:06x}");
            self.record(&mut items, (account, region), r, arn, None);
        }
        items.into_values().collect()
    }

    /// The ResourceCompliance items the organisation's aggregator holds
    /// (SelectAggregateResourceConfig): every account's and region's, as aggregation has them
    /// (lagging where [`Organization::lagging`] says), and none of the accounts that do not
    /// record the type.
    pub fn aggregate_resource_compliance(&self) -> Vec<ResourceCompliance> {
        let Some(org) = &self.organization else { return Vec::new() };
        let mut items = BTreeMap::new();
        for p in self.aggregate_rules() {
            if self.unrecorded.contains(p.account) {
                continue;
            }
            let id = mix_str(&format!("{}/{}/{}", p.rule.name, p.account, p.region)) & 0xff_ffff;
            let arn = format!("arn:aws:config:{}:{}:config-rule/config-rule-{id:06x}", p.region, p.account);
            let stale = org.lagging.get(&(p.account.to_string(), p.region.to_string(), p.rule.name.clone()));
            self.record(&mut items, (p.account, p.region), p.rule, arn, stale);
        }
        items.into_values().collect()
    }

    /// Adds a rule's verdicts to the items of its account and region: NON_COMPLIANT for what it
    /// finds so (or found so, where aggregation lags: `stale`), COMPLIANT for the rest it
    /// evaluated. An item is captured when its newest evaluation was recorded.
    fn record(
        &self,
        items: &mut BTreeMap<(String, String, &'static str, String), ResourceCompliance>,
        (account, region): (&str, &str),
        r: &Rule,
        arn: String,
        stale: Option<&Vec<String>>,
    ) {
        let failing: &[String] = stale.map_or(&r.noncompliant, |s| s);
        let passing = r.noncompliant.iter().chain(&r.compliant).filter(|id| !failing.contains(id));
        let verdicts = failing.iter().map(|id| (id, "NON_COMPLIANT")).chain(passing.map(|id| (id, "COMPLIANT")));
        for (id, verdict) in verdicts {
            let at = self.evaluated.get(&(r.name.clone(), id.clone())).copied().unwrap_or(self.now - 3600);
            let key = (account.to_string(), region.to_string(), r.resource_type, id.clone());
            let item = items.entry(key).or_insert_with(|| ResourceCompliance {
                account: account.to_string(),
                region: region.to_string(),
                resource_type: r.resource_type,
                resource_id: id.clone(),
                rules: Vec::new(),
                captured: at,
            });
            item.captured = item.captured.max(at);
            item.rules.push((r.name.clone(), arn.clone(), verdict));
        }
    }

    /// Aggregation lag: the aggregator's ResourceCompliance items keep saying what the rule
    /// named `rule` in `account` and `region` finds NON_COMPLIANT now, while `change` moves the
    /// rule on (its compliance and details calls say the new state).
    pub fn lag(&mut self, account: &str, region: &str, rule: &str, change: impl FnOnce(&mut Rule)) {
        let r = match self.organization.as_mut() {
            Some(org) if (account, region) != (ACCOUNT, REGION) => org
                .elsewhere
                .iter_mut()
                .find(|p| p.rule.name == rule && p.account == account && p.region == region)
                .map(|p| &mut p.rule),
            _ => self.rules.iter_mut().find(|r| r.name == rule),
        };
        let r = r.expect("a rule of that name there");
        let before = r.noncompliant.clone();
        change(r);
        let org = self.organization.as_mut().expect("an organisation");
        org.lagging.insert((account.to_string(), region.to_string(), rule.to_string()), before);
    }

    pub fn metric_alarm_count(&self) -> usize {
        self.alarms.iter().filter(|a| !a.composite).count()
    }

    /// The world moves on: findings change (some keeping `UpdatedAt`, as workflow updates do),
    /// are archived and appear; rules flip; alarms change state; remediations run. `step`
    /// varies what changes; `now` stamps it.
    /// Finding `i` re-imported at `now` one severity higher (its `UpdatedAt` moves, as a
    /// product's update does): what an incremental read sees.
    pub fn raise(&mut self, i: usize, now: i64) {
        let mut f = self.finding(i);
        f.severity = (f.severity + 1).min(4);
        f.updated = now;
        self.changed.insert(i, f);
    }

    pub fn churn(&mut self, step: u64, now: i64) {
        let h = mix(step);
        let n = self.findings.max(1);
        for j in 0..20u64 {
            let i = (mix(h ^ j) % n as u64) as usize;
            let mut f = self.finding(i);
            if f.archived {
                continue;
            }
            let before = f.clone();
            let (field, old, new) = match j % 5 {
                0 => {
                    f.failed = !f.failed;
                    let status = |failed: bool| if failed { "FAILED" } else { "PASSED" };
                    ("Compliance.Status", status(before.failed), status(f.failed))
                }
                1 => {
                    f.severity = (f.severity + 1) % 5;
                    ("Severity.Label", SEVERITIES[before.severity], SEVERITIES[f.severity])
                }
                2 => {
                    f.archived = true;
                    ("RecordState", "ACTIVE", "ARCHIVED")
                }
                // A workflow change: Security Hub keeps UpdatedAt for BatchUpdateFindings.
                3 => {
                    f.workflow = WORKFLOWS[(WORKFLOWS.iter().position(|w| *w == f.workflow).unwrap() + 1) % 4];
                    let record = HistoryRecord {
                        at: now,
                        source: "BATCH_UPDATE_FINDINGS",
                        identity: CALLER.to_string(),
                        created: false,
                        updates: vec![(
                            "Workflow.Status".into(),
                            Some(before.workflow.into()),
                            Some(f.workflow.into()),
                        )],
                    };
                    self.history.entry(i).or_default().push(record);
                    self.changed.insert(i, f);
                    continue;
                }
                _ => {
                    f.workflow = "NOTIFIED";
                    ("Workflow.Status", before.workflow, "NOTIFIED")
                }
            };
            if old != new {
                let record = HistoryRecord {
                    at: now,
                    source: "BATCH_IMPORT_FINDINGS",
                    identity: f.product_arn(),
                    created: false,
                    updates: vec![(field.into(), Some(old.into()), Some(new.into()))],
                };
                self.history.entry(i).or_default().push(record);
            }
            f.updated = now;
            self.changed.insert(i, f);
        }
        // As many appear as were archived: the active set keeps its size.
        for _ in 0..4 {
            let i = self.findings;
            self.findings += 1;
            let mut f = self.finding(i);
            f.archived = false;
            f.updated = now;
            self.changed.insert(i, f);
        }
        for j in 0..3u64 {
            let k = (mix(h ^ (100 + j)) % self.rules.len() as u64) as usize;
            let r = &mut self.rules[k];
            if r.noncompliant.len() > 100 {
                continue;
            }
            if r.noncompliant.is_empty() {
                let start = (h >> 8) % 2_000;
                r.noncompliant = (start..start + 1 + j).map(|n| resource_id(r.resource_type, n)).collect();
                // One account, however many times it is named.
                r.noncompliant.dedup();
                let now_failing = r.noncompliant.clone();
                r.compliant.retain(|x| !now_failing.contains(x));
            } else if let Some(fixed) = r.noncompliant.pop() {
                r.compliant.push(fixed);
            }
        }
        for j in 0..5u64 {
            let k = (mix(h ^ (200 + j)) % self.alarms.len() as u64) as usize;
            let a = &mut self.alarms[k];
            a.state = ["OK", "ALARM", "INSUFFICIENT_DATA"][((h >> (j * 4)) % 3) as usize];
            a.updated = now;
        }
        if let Some(r) = self.remediations.iter_mut().find(|r| !r.executions.is_empty()) {
            let k = (h % r.executions.len() as u64) as usize;
            r.executions[k].1 = ["SUCCEEDED", "FAILED", "IN_PROGRESS", "QUEUED"][((h >> 12) % 4) as usize];
        }
    }
}

/// One `AWS::Config::ResourceCompliance` configuration item: a resource the rules of one
/// account and region evaluated, with each rule's verdict (what SelectResourceConfig and
/// SelectAggregateResourceConfig query). No annotations, no evaluation times.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceCompliance {
    pub account: String,
    pub region: String,
    pub resource_type: &'static str,
    pub resource_id: String,
    /// Each rule that evaluated it: name, ARN, COMPLIANT or NON_COMPLIANT.
    pub rules: Vec<(String, String, &'static str)>,
    /// When the item was captured: when the newest of its evaluations was recorded.
    pub captured: i64,
}

impl ResourceCompliance {
    /// The resource's overall status: NON_COMPLIANT when any rule finds it so.
    pub fn compliance(&self) -> &'static str {
        if self.rules.iter().any(|r| r.2 == "NON_COMPLIANT") { "NON_COMPLIANT" } else { "COMPLIANT" }
    }

    /// The item as the advanced query sees it: the configuration item's properties, with
    /// `configuration.complianceType`, `targetResourceId`, `targetResourceType` and
    /// `configRuleList[]`.
    pub fn document(&self) -> serde_json::Value {
        let rules: Vec<serde_json::Value> = self
            .rules
            .iter()
            .map(|(name, arn, verdict)| {
                let id = arn.rsplit('/').next().unwrap_or_default();
                serde_json::json!({"configRuleName": name, "configRuleArn": arn, "configRuleId": id, "complianceType": verdict})
            })
            .collect();
        serde_json::json!({
            "version": "1.3",
            "accountId": self.account,
            "awsRegion": self.region,
            "resourceType": "AWS::Config::ResourceCompliance",
            "resourceId": format!("{}/{}", self.resource_type, self.resource_id),
            "availabilityZone": "Not Applicable",
            "configurationItemCaptureTime": iso(self.captured),
            "configurationItemStatus": "OK",
            "configuration": {
                "complianceType": self.compliance(),
                "targetResourceId": self.resource_id,
                "targetResourceType": self.resource_type,
                "configRuleList": rules,
            },
            "tags": [],
            "relationships": [],
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingCounts {
    /// ACTIVE findings vigil can use.
    pub total: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
    pub by_workflow: BTreeMap<&'static str, usize>,
    /// ACTIVE findings it must skip (and count).
    pub skipped: usize,
    /// Every ACTIVE finding.
    pub active_all: usize,
}

fn managed_rule(name: String, identifier: &str, kind: &'static str) -> Rule {
    Rule {
        name,
        source: identifier.to_string(),
        owner: "AWS",
        resource_type: kind,
        noncompliant: Vec::new(),
        compliant: Vec::new(),
        quiet: "COMPLIANT",
        evaluation_error: None,
    }
}

/// Remediation for the rules the corrective controls stand for (all but one of them, so that one
/// corrective control has a rule without any), and a few others; executions for the
/// non-compliant resources, the notebooks' over two pages.
fn remediations(rules: &[Rule]) -> Vec<Remediation> {
    let document = |source: &str| match source {
        "S3_BUCKET_PUBLIC_READ_PROHIBITED" => DOCUMENTS[0],
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED" => DOCUMENTS[1],
        "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED" => DOCUMENTS[2],
        "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS" | "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC" => DOCUMENTS[3],
        "VPC_FLOW_LOGS_ENABLED" => DOCUMENTS[4],
        _ => "AWS-PublishSNSNotification",
    };
    let corrective = [
        "S3_BUCKET_PUBLIC_READ_PROHIBITED",
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
        "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS",
        "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC",
        "VPC_FLOW_LOGS_ENABLED",
    ];
    let mut out = Vec::new();
    for r in rules {
        let wanted = corrective.contains(&r.source.as_str()) || mix_str(&r.name).is_multiple_of(11);
        // VPC flow logs' conformance-pack rule has none: COR-06 fails for it.
        let left_out = r.source == "VPC_FLOW_LOGS_ENABLED" && r.name.contains("conformance-pack");
        if !wanted || left_out || r.owner != "AWS" {
            continue;
        }
        // A remediation's ResourceKey takes only the types Config records (the model's
        // ResourceType enum): SageMaker notebook instances and the account are not among them.
        let keyed = !matches!(r.resource_type, NOTEBOOK | ACCOUNT_TYPE | "AWS::SageMaker::EndpointConfig");
        let executions: Vec<(String, &'static str)> = r
            .noncompliant
            .iter()
            .filter(|_| keyed)
            .take(150)
            .enumerate()
            .map(|(k, id)| {
                let state = match mix(k as u64 ^ mix_str(&r.name)) % 10 {
                    0 => "FAILED",
                    1 => "IN_PROGRESS",
                    2 => "QUEUED",
                    _ => "SUCCEEDED",
                };
                (id.clone(), state)
            })
            .collect();
        out.push(Remediation {
            rule: r.name.clone(),
            target: document(&r.source).to_string(),
            automatic: !r.name.contains("conformance-pack"),
            executions,
            started: BTreeMap::new(),
            fails: false,
        });
    }
    out
}

/// The catalog's CIS alarms but one (SecurityGroupChanges is missing: a detection not in place),
/// the guardrail-denials alarm, application alarms, and three composite alarms.
fn alarms(now: i64) -> Vec<Alarm> {
    let named = [
        "UnauthorizedAPICalls",
        "RootAccountUsage",
        "IAMPolicyChanges",
        "CloudTrailChanges",
        "ConsoleSigninFailures",
        "S3BucketPolicyChanges",
        "SageMakerGuardrailDenials",
    ];
    let mut out: Vec<Alarm> = named
        .iter()
        .enumerate()
        .map(|(i, n)| Alarm {
            name: n.to_string(),
            state: ["OK", "ALARM"][i % 2],
            composite: false,
            updated: now - 120,
        })
        .collect();
    for i in 0..240 {
        out.push(Alarm {
            name: format!("ml-platform-{:03}-{}", i, ["latency", "errors", "throttles", "cpu"][i % 4]),
            state: ["OK", "ALARM", "INSUFFICIENT_DATA", "OK"][(mix(i as u64) % 4) as usize],
            composite: false,
            updated: now - 60 * (i as i64 % 50),
        });
    }
    for i in 0..3 {
        out.push(Alarm {
            name: format!("ml-platform-health-{i}"),
            state: ["OK", "ALARM", "OK"][i],
            composite: true,
            updated: now - 300,
        });
    }
    out
}

/// The caller, as STS names it (the identity of BatchUpdateFindings' history records).
pub const CALLER: &str = "arn:aws:iam::123456789012:user/auditor";

/// The featured resources: the drill-down's story (see [`featured`]).
pub const SCRATCH_BUCKET: &str = "ml-scratch";
pub const EXPORTS_BUCKET: &str = "ml-exports";
/// A bucket every bucket rule finds COMPLIANT.
pub const MODELS_BUCKET: &str = "ml-models";
pub const AUDIT_TRAIL: &str = "trail-000";

/// The VPC without flow logs.
pub fn flow_logs_vpc() -> String {
    resource_id(VPC, 7)
}

/// Resources that every rule of their type evaluates, the same way under every copy of a
/// managed rule: NON_COMPLIANT under the managed rules (`Source.SourceIdentifier`) named here,
/// COMPLIANT under every other rule of the type that has evaluated anything.
pub fn featured() -> Vec<(&'static str, String, &'static [&'static str])> {
    vec![
        (
            BUCKET,
            SCRATCH_BUCKET.into(),
            &[
                "S3_BUCKET_PUBLIC_READ_PROHIBITED",
                "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
                "S3_BUCKET_LOGGING_ENABLED",
            ],
        ),
        (BUCKET, EXPORTS_BUCKET.into(), &["S3_BUCKET_PUBLIC_READ_PROHIBITED"]),
        (BUCKET, MODELS_BUCKET.into(), &[]),
        (VPC, flow_logs_vpc(), &["VPC_FLOW_LOGS_ENABLED"]),
        (TRAIL, AUDIT_TRAIL.into(), &["CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED"]),
    ]
}

/// What a remediation document runs: its steps, the API its first step calls, and the IAM
/// action that call needs.
fn document_steps(document: &str) -> (&'static [&'static str], &'static str, &'static str) {
    match document {
        "AWS-DisableS3BucketPublicReadWrite" => {
            (&["DisableS3BucketPublicReadWrite"], "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock")
        }
        "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock" => (
            &["PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock"],
            "PutPublicAccessBlock",
            "s3:PutBucketPublicAccessBlock",
        ),
        "AWSConfigRemediation-EnableCloudTrailLogFileValidation" => {
            (&["UpdateTrail", "VerifyTrail"], "UpdateTrail", "cloudtrail:UpdateTrail")
        }
        "Custom-StopInternetFacingNotebook" => {
            (&["StopNotebookInstance"], "StopNotebookInstance", "sagemaker:StopNotebookInstance")
        }
        "AWSConfigRemediation-EnableVPCFlowLog" => {
            (&["CreateFlowLog", "VerifyFlowLogCreated"], "CreateFlowLogs", "ec2:CreateFlowLogs")
        }
        _ => (&["PublishSNSNotification"], "Publish", "sns:Publish"),
    }
}

/// The first step's error when the remediation role may not make its call, as SSM Automation
/// words it.
fn denied(document: &str, resource_type: &str, id: &str) -> String {
    let (steps, api, action) = document_steps(document);
    format!(
        "Step fails when it is Executing. Fail to execute step {}. An error occurred (AccessDenied) when calling the {api} \
         operation: User: arn:aws:sts::{ACCOUNT}:assumed-role/AWSConfigRemediationRole/Automation-0a1b2c3d is not \
         authorized to perform: {action} on resource: {} because no identity-based policy allows the {action} action",
        steps[0],
        hub_id(resource_type, id)
    )
}

impl World {
    /// The write clock: each write (a remediation started or moving on, a finding updated)
    /// happens a little after the one before, all after the world was made.
    pub fn tick(&mut self) -> i64 {
        self.writes += 1;
        self.now + 30 * self.writes
    }

    /// A rule's evaluation of a resource, if it evaluated it.
    pub fn evaluation(&self, r: &Rule, id: &str) -> Option<Evaluation> {
        let compliance = if r.noncompliant.iter().any(|x| x == id) {
            "NON_COMPLIANT"
        } else if r.compliant.iter().any(|x| x == id) {
            "COMPLIANT"
        } else {
            return None;
        };
        Some(self.evaluation_as(r, id, compliance))
    }

    /// A rule's evaluation of a resource whose compliance is known.
    fn evaluation_as(&self, r: &Rule, id: &str, compliance: &'static str) -> Evaluation {
        let recorded = self.evaluated.get(&(r.name.clone(), id.to_string())).copied().unwrap_or(self.now - 3600);
        Evaluation {
            rule: r.name.clone(),
            resource_type: r.resource_type,
            resource_id: id.to_string(),
            compliance,
            recorded,
            invoked: recorded - 60,
            annotation: (compliance == "NON_COMPLIANT").then_some("The resource does not comply with the rule."),
        }
    }

    /// Every evaluation of a rule, NON_COMPLIANT ones first (GetComplianceDetailsByConfigRule).
    /// Built from the lists directly: a search per resource would be quadratic in big rules.
    pub fn evaluations_by(&self, r: &Rule) -> Vec<Evaluation> {
        let noncompliant = r.noncompliant.iter().map(|id| self.evaluation_as(r, id, "NON_COMPLIANT"));
        noncompliant.chain(r.compliant.iter().map(|id| self.evaluation_as(r, id, "COMPLIANT"))).collect()
    }

    /// Every rule's evaluation of a resource, in the order of the rules
    /// (GetComplianceDetailsByResource).
    pub fn evaluations_of(&self, resource_type: &str, id: &str) -> Vec<Evaluation> {
        self.rules.iter().filter(|r| r.resource_type == resource_type).filter_map(|r| self.evaluation(r, id)).collect()
    }

    /// A resource's recorded configuration history, oldest first (empty when it has none).
    pub fn histories_of(&self, resource_type: &str, id: &str) -> &[ConfigItem] {
        self.histories.get(&(resource_type.to_string(), id.to_string())).map_or(&[], Vec::as_slice)
    }

    /// Whether Config knows the resource at all: a rule evaluated it, or it has a history.
    pub fn discovered(&self, resource_type: &str, id: &str) -> bool {
        !self.histories_of(resource_type, id).is_empty()
            || self.rules.iter().any(|r| {
                r.resource_type == resource_type
                    && (r.noncompliant.iter().any(|x| x == id) || r.compliant.iter().any(|x| x == id))
            })
            || self.remediations.iter().any(|x| x.executions.iter().any(|(e, _)| e == id))
    }

    pub fn remediation(&self, rule: &str) -> Option<&Remediation> {
        self.remediations.iter().find(|x| x.rule == rule)
    }

    /// The switch: the rule's remediation executions end FAILED, their first step denied
    /// access, instead of SUCCEEDED (those under way too, when they next move on). Panics when
    /// the rule has no remediation configuration.
    pub fn fail_remediations(&mut self, rule: &str) {
        self.remediations.iter_mut().find(|x| x.rule == rule).expect("a rule with a remediation configuration").fails =
            true;
    }

    /// StartRemediationExecution for one resource key of a rule that has a remediation
    /// configuration: a QUEUED execution, or why none could start (the resource is COMPLIANT
    /// already, or an execution for it is still QUEUED or IN_PROGRESS).
    pub fn start_remediation(&mut self, rule: &str, resource_type: &str, id: &str) -> Result<(), String> {
        if self.rule(rule).is_some_and(|r| r.compliant.iter().any(|x| x == id)) {
            return Err(format!("The resource {id} is already compliant with the rule {rule}."));
        }
        let at = self.tick();
        let x = self.remediations.iter_mut().find(|x| x.rule == rule).expect("a rule with a remediation configuration");
        let started = Started {
            resource_type: resource_type.to_string(),
            invoked: at,
            updated: at,
            step_started: None,
            stopped: None,
        };
        match x.executions.iter_mut().find(|e| e.0 == id) {
            Some(e) if matches!(e.1, "QUEUED" | "IN_PROGRESS") => {
                return Err(format!(
                    "An execution for {resource_type} {id} is still {}: it must complete before another can start.",
                    e.1
                ));
            }
            Some(e) => e.1 = "QUEUED",
            None => x.executions.push((id.to_string(), "QUEUED")),
        }
        x.started.insert(id.to_string(), started);
        Ok(())
    }

    /// A DescribeRemediationExecutionStatus answer covered this execution: a started one moves
    /// on (QUEUED to IN_PROGRESS, IN_PROGRESS to SUCCEEDED, or FAILED where the remediation
    /// fails); when it succeeds, the resource turns COMPLIANT under the rule, and the fix shows
    /// in its configuration history. Others keep their state.
    pub fn advance_execution(&mut self, rule: &str, id: &str) {
        let Some(k) = self.remediations.iter().position(|x| x.rule == rule && x.started.contains_key(id)) else {
            return;
        };
        let Some(e) = self.remediations[k].executions.iter().position(|e| e.0 == id) else { return };
        let state = self.remediations[k].executions[e].1;
        if !matches!(state, "QUEUED" | "IN_PROGRESS") {
            return;
        }
        let at = self.tick();
        let x = &mut self.remediations[k];
        let fails = x.fails;
        let started = x.started.get_mut(id).unwrap();
        started.updated = at;
        let resource_type = started.resource_type.clone();
        if state == "QUEUED" {
            started.step_started = Some(at);
            x.executions[e].1 = "IN_PROGRESS";
            return;
        }
        started.stopped = Some(at);
        x.executions[e].1 = if fails { "FAILED" } else { "SUCCEEDED" };
        if !fails {
            self.remediated(rule, &resource_type, id, at);
        }
    }

    /// A remediation fixed the resource: COMPLIANT under the rule from `at`, and a new
    /// configuration item where its history is recorded.
    fn remediated(&mut self, rule: &str, resource_type: &str, id: &str, at: i64) {
        if let Some(r) = self.rules.iter_mut().find(|r| r.name == rule) {
            r.noncompliant.retain(|x| x != id);
            if !r.compliant.iter().any(|x| x == id) {
                r.compliant.push(id.to_string());
            }
        }
        self.evaluated.insert((rule.to_string(), id.to_string()), at);
        if let Some(items) = self.histories.get_mut(&(resource_type.to_string(), id.to_string()))
            && let Some(last) = items.last()
        {
            let mut next = last.clone();
            next.captured = at;
            next.status = "OK";
            match resource_type {
                BUCKET => {
                    next.supplementary.insert("PublicAccessBlockConfiguration".into(), public_access_block(true, true));
                }
                TRAIL => next.configuration["logFileValidationEnabled"] = serde_json::json!(true),
                _ => return,
            }
            items.push(next);
        }
    }

    /// Every execution of a rule's remediation, in order (DescribeRemediationExecutionStatus).
    pub fn executions(&self, rule: &str) -> Vec<Execution> {
        let Some(x) = self.remediation(rule) else { return Vec::new() };
        let rule_type = self.rule(rule).map_or(NOTEBOOK, |r| r.resource_type);
        let (names, _, _) = document_steps(&x.target);
        x.executions
            .iter()
            .map(|(id, state)| {
                let (resource_type, invoked, updated, step_started, stopped) = match x.started.get(id) {
                    Some(s) => (s.resource_type.clone(), s.invoked, s.updated, s.step_started, s.stopped),
                    None => {
                        let terminal = matches!(*state, "SUCCEEDED" | "FAILED");
                        let started = (*state != "QUEUED").then_some(self.now - 590);
                        (
                            rule_type.to_string(),
                            self.now - 600,
                            self.now - 300,
                            started,
                            terminal.then_some(self.now - 300),
                        )
                    }
                };
                let steps = names
                    .iter()
                    .copied()
                    .enumerate()
                    .map(|(n, name)| {
                        let (state, error, start, stop) = match (*state, n) {
                            ("IN_PROGRESS", 0) => ("IN_PROGRESS", None, step_started, None),
                            ("SUCCEEDED", _) => ("SUCCEEDED", None, step_started, stopped),
                            ("FAILED", 0) => {
                                ("FAILED", Some(denied(&x.target, &resource_type, id)), step_started, stopped)
                            }
                            _ => ("PENDING", None, None, None),
                        };
                        Step { name, state, error, start, stop }
                    })
                    .collect();
                Execution { resource_type, resource_id: id.clone(), state, invoked, updated, steps }
            })
            .collect()
    }

    /// The index of the finding with this id.
    pub fn finding_index(&self, id: &str) -> Option<usize> {
        let hex = id.rsplit('-').next()?;
        let i = usize::from_str_radix(hex, 16).ok()?;
        (hex.len() == 12 && i < self.findings && self.finding(i).id() == id).then_some(i)
    }

    /// The index of the finding with this id and product ARN (as BatchUpdateFindings and
    /// GetFindingHistory name a finding).
    pub fn find_finding(&self, id: &str, product_arn: &str) -> Option<usize> {
        self.finding_index(id).filter(|i| self.finding(*i).product_arn() == product_arn)
    }

    /// The usable findings on a resource (Config's type and id).
    pub fn findings_on(&self, resource_type: &str, id: &str) -> Vec<Finding> {
        self.findings().filter(|f| f.usable() && f.resource.0 == resource_type && f.resource.1 == id).collect()
    }

    /// A finding's history, oldest first: its creation (by its product), then every change.
    pub fn finding_history(&self, i: usize) -> Vec<HistoryRecord> {
        let created = HistoryRecord {
            at: CREATED,
            source: "BATCH_IMPORT_FINDINGS",
            identity: self.finding(i).product_arn(),
            created: true,
            updates: Vec::new(),
        };
        std::iter::once(created).chain(self.history.get(&i).into_iter().flatten().cloned()).collect()
    }

    /// BatchUpdateFindings on one finding, at `at` (see [`World::tick`]): the workflow status and
    /// the note change, `UpdatedAt` does not (as AWS documents); a history record lists what
    /// changed. Returns it, if anything did.
    pub fn update_finding(
        &mut self,
        i: usize,
        workflow: Option<&str>,
        note: Option<(&str, &str)>,
        identity: &str,
        at: i64,
    ) -> Option<HistoryRecord> {
        let mut f = self.finding(i);
        let mut updates = Vec::new();
        if let Some(w) = workflow.and_then(|w| WORKFLOWS.iter().find(|x| **x == w))
            && *w != f.workflow
        {
            updates.push(("Workflow.Status".to_string(), Some(f.workflow.to_string()), Some(w.to_string())));
            f.workflow = w;
        }
        if let Some((text, by)) = note {
            let old = f.note.take();
            let field = |name: &str, old: Option<String>, new: String| (format!("Note.{name}"), old, Some(new));
            if old.as_ref().is_none_or(|o| o.text != text) {
                updates.push(field("Text", old.as_ref().map(|o| o.text.clone()), text.to_string()));
            }
            if old.as_ref().is_none_or(|o| o.updated_by != by) {
                updates.push(field("UpdatedBy", old.as_ref().map(|o| o.updated_by.clone()), by.to_string()));
            }
            updates.push(field("UpdatedAt", old.as_ref().map(|o| iso(o.updated_at)), iso(at)));
            f.note = Some(Note { text: text.to_string(), updated_by: by.to_string(), updated_at: at });
        }
        if updates.is_empty() {
            return None;
        }
        self.changed.insert(i, f);
        let record = HistoryRecord {
            at,
            source: "BATCH_UPDATE_FINDINGS",
            identity: identity.to_string(),
            created: false,
            updates,
        };
        self.history.entry(i).or_default().push(record.clone());
        Some(record)
    }

    /// A few control findings on the featured resources, so that a resource's drill-down finds
    /// findings too: the first two S3.2 control findings on the scratch bucket (FAILED, as its
    /// evaluations), the first EC2.6 on the flow-logs VPC (FAILED), the first CloudTrail.2 on the
    /// audit trail (PASSED: it is encrypted). All ACTIVE and NEW.
    fn feature_findings(&mut self) {
        let wanted = [
            ("S3.2", BUCKET, SCRATCH_BUCKET.to_string(), 2, true),
            ("EC2.6", VPC, flow_logs_vpc(), 1, true),
            ("CloudTrail.2", TRAIL, AUDIT_TRAIL.to_string(), 1, false),
        ];
        for (control, kind, id, n, failed) in wanted {
            let picked: Vec<Finding> =
                self.findings().filter(|f| f.kind == Kind::Control && f.control == Some(control)).take(n).collect();
            for mut f in picked {
                f.resource = (kind, id.clone());
                f.failed = failed;
                f.archived = false;
                f.workflow = "NEW";
                self.changed.insert(f.i, f);
            }
        }
    }
}

/// A bucket's `PublicAccessBlockConfiguration`, as Config records it.
fn public_access_block(acls: bool, policy: bool) -> serde_json::Value {
    serde_json::json!({"blockPublicAcls": acls, "ignorePublicAcls": acls, "blockPublicPolicy": policy, "restrictPublicBuckets": policy})
}

/// When each featured resource's configuration items were captured, in hours before the
/// world's `now`, oldest first: gaps of a few hours to a week, so that a page (seven days at
/// most) holds fewer items than asked for.
const CAPTURED_HOURS_AGO: [i64; 12] = [960, 912, 792, 696, 528, 504, 360, 288, 216, 120, 48, 12];

/// The recorded configuration histories: the scratch bucket (public access opened, closed,
/// opened again; encryption, versioning and tags changing), the flow-logs VPC (CIDR blocks,
/// DHCP options and tags changing) and the audit trail (log file validation turned off).
/// Twelve items each, the oldest ResourceDiscovered.
fn histories(now: i64) -> BTreeMap<(String, String), Vec<ConfigItem>> {
    use serde_json::json;
    let mut out = BTreeMap::new();
    let timeline = |first: ConfigItem, change: &dyn Fn(usize, &mut ConfigItem)| -> Vec<ConfigItem> {
        let mut item = first;
        CAPTURED_HOURS_AGO
            .iter()
            .enumerate()
            .map(|(k, hours)| {
                change(k, &mut item);
                item.captured = now - hours * 3600;
                item.status = if k == 0 { "ResourceDiscovered" } else { "OK" };
                item.clone()
            })
            .collect()
    };

    let bucket = ConfigItem {
        captured: 0,
        status: "OK",
        configuration: json!({
            "name": SCRATCH_BUCKET,
            "owner": {"displayName": null, "id": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
            "creationDate": iso(now - 960 * 3600 - 600),
        }),
        supplementary: [
            ("PublicAccessBlockConfiguration", public_access_block(true, true)),
            ("BucketPolicy", json!({"policyText": null})),
            (
                "ServerSideEncryptionConfiguration",
                json!({"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256", "kmsMasterKeyID": null}, "bucketKeyEnabled": false}]}),
            ),
            ("BucketVersioningConfiguration", json!({"status": "Off", "isMfaDeleteEnabled": null})),
            ("BucketLoggingConfiguration", json!({"destinationBucketName": null, "logFilePrefix": null})),
            ("IsRequesterPaysEnabled", json!(false)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        tags: [("team", "ml"), ("env", "dev")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    let public_policy = json!({"policyText": format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":\"PublicRead\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::{SCRATCH_BUCKET}/*\"}},{{\"Sid\":\"TlsOnly\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::{SCRATCH_BUCKET}/*\",\"Condition\":{{\"Bool\":{{\"aws:SecureTransport\":\"false\"}}}}}}]}}"
    )});
    let items = timeline(bucket, &|k, item| {
        let s = &mut item.supplementary;
        match k {
            1 => {
                item.tags.insert("env".into(), "staging".into());
            }
            2 => {
                s.insert(
                    "BucketVersioningConfiguration".into(),
                    json!({"status": "Enabled", "isMfaDeleteEnabled": false}),
                );
            }
            3 | 7 => {
                s.insert("PublicAccessBlockConfiguration".into(), public_access_block(true, false));
            }
            4 => {
                s.insert("BucketPolicy".into(), public_policy.clone());
            }
            5 => {
                item.tags.insert("owner".into(), "data-science".into());
            }
            6 => {
                s.insert("PublicAccessBlockConfiguration".into(), public_access_block(true, true));
            }
            8 => {
                s.insert(
                    "ServerSideEncryptionConfiguration".into(),
                    json!({"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyID": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", resource_id("AWS::KMS::Key", 1))}, "bucketKeyEnabled": true}]}),
                );
            }
            9 => {
                item.tags.insert("purpose".into(), "scratch".into());
            }
            10 => {
                item.tags.insert("env".into(), "prod".into());
            }
            11 => {
                s.insert("PublicAccessBlockConfiguration".into(), public_access_block(false, false));
            }
            _ => {}
        }
        let tags: serde_json::Map<String, serde_json::Value> =
            item.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        item.supplementary.insert("BucketTaggingConfiguration".into(), json!({"tagSets": [{"tags": tags}]}));
    });
    out.insert((BUCKET.to_string(), SCRATCH_BUCKET.to_string()), items);

    let vpc_id = flow_logs_vpc();
    let association = |n: u32, cidr: &str, state: &str| json!({"associationId": format!("vpc-cidr-assoc-{:017x}", mix(u64::from(n)) >> 4), "cidrBlock": cidr, "cidrBlockState": {"state": state, "statusMessage": null}});
    let vpc = ConfigItem {
        captured: 0,
        status: "OK",
        configuration: json!({
            "cidrBlock": "10.20.0.0/16",
            "dhcpOptionsId": "dopt-0a1b2c3d4e5f60718",
            "state": "available",
            "vpcId": vpc_id,
            "ownerId": ACCOUNT,
            "instanceTenancy": "default",
            "ipv6CidrBlockAssociationSet": [],
            "cidrBlockAssociationSet": [association(0, "10.20.0.0/16", "associated")],
            "isDefault": false,
            "tags": [],
        }),
        supplementary: BTreeMap::new(),
        tags: [("Name", "ml-platform")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    let items = timeline(vpc, &|k, item| {
        let c = &mut item.configuration;
        match k {
            1 => {
                item.tags.insert("env".into(), "dev".into());
            }
            2 => {
                c["cidrBlockAssociationSet"] =
                    json!([association(0, "10.20.0.0/16", "associated"), association(1, "10.21.0.0/16", "associating")])
            }
            3 => {
                c["cidrBlockAssociationSet"] =
                    json!([association(0, "10.20.0.0/16", "associated"), association(1, "10.21.0.0/16", "associated")])
            }
            4 => c["dhcpOptionsId"] = json!("dopt-0fedcba9876543210"),
            5 => {
                item.tags.insert("owner".into(), "platform".into());
            }
            6 => {
                item.tags.insert("Name".into(), "ml-platform-prod".into());
            }
            7 => c["cidrBlockAssociationSet"] = json!([association(0, "10.20.0.0/16", "associated")]),
            8 => {
                item.tags.insert("env".into(), "prod".into());
            }
            9 => {
                c["ipv6CidrBlockAssociationSet"] = json!([{"associationId": "vpc-cidr-assoc-0ipv6", "ipv6CidrBlock": "2600:1f18:1234:5600::/56", "ipv6CidrBlockState": {"state": "associated", "statusMessage": null}, "networkBorderGroup": REGION, "ipv6Pool": "Amazon"}])
            }
            10 => {
                item.tags.insert("cost-center".into(), "4711".into());
            }
            11 => c["dhcpOptionsId"] = json!("dopt-0a1b2c3d4e5f60718"),
            _ => {}
        }
        item.configuration["tags"] = item.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
    });
    out.insert((VPC.to_string(), vpc_id), items);

    let trail = ConfigItem {
        captured: 0,
        status: "OK",
        configuration: json!({
            "name": AUDIT_TRAIL,
            "s3BucketName": "ml-audit-logs",
            "includeGlobalServiceEvents": true,
            "isMultiRegionTrail": true,
            "homeRegion": REGION,
            "trailARN": hub_id(TRAIL, AUDIT_TRAIL),
            "logFileValidationEnabled": true,
            "hasCustomEventSelectors": false,
            "hasInsightSelectors": false,
            "isOrganizationTrail": false,
        }),
        supplementary: BTreeMap::new(),
        tags: BTreeMap::new(),
    };
    let items = timeline(trail, &|k, item| {
        let c = &mut item.configuration;
        match k {
            1 => {
                c["kmsKeyId"] = json!(format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", resource_id("AWS::KMS::Key", 2)))
            }
            2 => c["s3KeyPrefix"] = json!("cloudtrail"),
            3 => {
                c["cloudWatchLogsLogGroupArn"] =
                    json!(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:cloudtrail/{AUDIT_TRAIL}:*"));
                c["cloudWatchLogsRoleArn"] =
                    json!(format!("arn:aws:iam::{ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role"));
            }
            4 | 9 => c["logFileValidationEnabled"] = json!(false),
            5 => c["logFileValidationEnabled"] = json!(true),
            6 => c["hasInsightSelectors"] = json!(true),
            7 => {
                item.tags.insert("team".into(), "security".into());
            }
            8 => c["hasCustomEventSelectors"] = json!(true),
            10 => c["s3KeyPrefix"] = json!("cloudtrail/v2"),
            11 => c["hasInsightSelectors"] = json!(false),
            _ => {}
        }
    });
    out.insert((TRAIL.to_string(), AUDIT_TRAIL.to_string()), items);
    out
}
