//! One canonical identity per resource, whichever service names it.
//!
//! Config names a resource by CloudFormation type and resource id (a notebook's name), Security
//! Hub by its own type name and usually an ARN. Both are turned into a CloudFormation type plus
//! the ARN where the ARN can be built from account, region and id. A type that is not in the
//! table below stays as it came rather than being guessed.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::{Interner, Sym};

/// A CloudFormation-style resource type such as `AWS::SageMaker::NotebookInstance`.
pub type ResourceType = Sym;

/// The identity of a resource. `id` is the ARN where it is known, else the id the source gave;
/// only in that second case do account and region take part in equality.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ResourceId {
    #[serde(with = "crate::model::sym")]
    pub kind: ResourceType,
    #[serde(with = "crate::model::sym")]
    pub id: Sym,
    #[serde(with = "crate::model::sym")]
    pub account: Sym,
    #[serde(with = "crate::model::sym")]
    pub region: Sym,
}

impl ResourceId {
    pub fn is_arn(&self) -> bool {
        self.id.starts_with("arn:")
    }

    /// The identity of a resource as Config names it (type and resource id).
    pub fn from_config(
        interner: &mut Interner,
        cfn_type: &str,
        resource_id: &str,
        account: &str,
        region: &str,
    ) -> Self {
        let id = if resource_id.starts_with("arn:") {
            interner.id(resource_id)
        } else {
            match TYPES.iter().find(|t| t.cfn == cfn_type) {
                Some(t) => interner.id(&t.arn(resource_id, account, region)),
                None => interner.id(resource_id),
            }
        };
        Self { kind: interner.intern(cfn_type), id, account: interner.intern(account), region: interner.intern(region) }
    }

    /// The identity of a resource as Security Hub names it (its own type names, usually an ARN).
    pub fn from_security_hub(
        interner: &mut Interner,
        hub_type: &str,
        resource_id: &str,
        account: &str,
        region: &str,
    ) -> Self {
        match TYPES.iter().find(|t| t.hub == Some(hub_type)) {
            Some(t) if t.cfn == ACCOUNT => {
                // Security Hub writes the account as `AWS::::Account:123456789012`.
                let number = resource_id.rsplit(':').next().unwrap_or(resource_id);
                Self::from_config(interner, t.cfn, number, account, region)
            }
            Some(t) => Self::from_config(interner, t.cfn, resource_id, account, region),
            None => Self {
                kind: interner.intern(hub_type),
                id: interner.id(resource_id),
                account: interner.intern(account),
                region: interner.intern(region),
            },
        }
    }

    /// The part of the identity a person recognises: the id after the ARN's resource prefix.
    pub fn short_name(&self) -> &str {
        if self.is_arn() {
            let tail = self.id.rsplit(':').next().unwrap_or(&self.id);
            tail.rsplit('/').next().unwrap_or(tail)
        } else {
            &self.id
        }
    }

    /// The resource id Config knows it by (a bucket's or notebook's name, not its ARN): the
    /// inverse of [`ResourceId::from_config`]. `None` for a type Config has no name for (Security
    /// Hub's own type names). SageMaker lowercases names in ARNs, so a mixed-case SageMaker name
    /// comes back lowercased.
    pub fn config_id(&self) -> Option<&str> {
        if !self.kind.starts_with("AWS::") {
            return None;
        }
        if !self.is_arn() {
            return Some(&self.id);
        }
        let Some(t) = TYPES.iter().find(|t| t.cfn == &*self.kind) else { return Some(&self.id) };
        match t.shape {
            ArnShape::Regional { prefix, .. } => {
                // arn:partition:service:region:account:{prefix}{id}
                let resource = self.id.splitn(6, ':').nth(5)?;
                Some(resource.strip_prefix(prefix).unwrap_or(resource))
            }
            ArnShape::Global { .. } => self.id.splitn(6, ':').nth(5),
            ArnShape::Verbatim => Some(&self.id),
        }
    }

    fn identity(&self) -> (&str, &str, Option<(&str, &str)>) {
        // An account is one resource in every region: its id is the account itself.
        let global = self.is_arn() || &*self.kind == ACCOUNT;
        let scope = if global { None } else { Some((&*self.account, &*self.region)) };
        (&self.kind, &self.id, scope)
    }
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for ResourceId {}

impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl PartialOrd for ResourceId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ResourceId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.identity().cmp(&other.identity())
    }
}

const ACCOUNT: &str = "AWS::::Account";

/// How an ARN is built from a Config resource id.
#[derive(Clone, Copy)]
enum ArnShape {
    /// `arn:{partition}:{service}:{region}:{account}:{prefix}{id}`
    Regional { service: &'static str, prefix: &'static str, lowercase: bool },
    /// `arn:{partition}:{service}:::{id}` (S3 buckets have no region or account in their ARN)
    Global { service: &'static str },
    /// The id is kept as it is (the account number, a role's unique id).
    Verbatim,
}

struct TypeMapping {
    cfn: &'static str,
    hub: Option<&'static str>,
    shape: ArnShape,
}

impl TypeMapping {
    fn arn(&self, id: &str, account: &str, region: &str) -> String {
        let partition = partition(region);
        match self.shape {
            ArnShape::Regional { service, prefix, lowercase } => {
                // SageMaker lowercases resource names in its ARNs.
                let id = if lowercase { id.to_lowercase() } else { id.to_string() };
                format!("arn:{partition}:{service}:{region}:{account}:{prefix}{id}")
            }
            ArnShape::Global { service } => format!("arn:{partition}:{service}:::{id}"),
            ArnShape::Verbatim => id.to_string(),
        }
    }
}

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

const fn regional(service: &'static str, prefix: &'static str) -> ArnShape {
    ArnShape::Regional { service, prefix, lowercase: false }
}

const fn sagemaker(prefix: &'static str) -> ArnShape {
    ArnShape::Regional { service: "sagemaker", prefix, lowercase: true }
}

/// The resource types vigil's catalog deals with. Add a row to teach it another one.
const TYPES: &[TypeMapping] = &[
    TypeMapping { cfn: ACCOUNT, hub: Some("AwsAccount"), shape: ArnShape::Verbatim },
    TypeMapping { cfn: "AWS::S3::Bucket", hub: Some("AwsS3Bucket"), shape: ArnShape::Global { service: "s3" } },
    TypeMapping {
        cfn: "AWS::SageMaker::NotebookInstance",
        hub: Some("AwsSageMakerNotebookInstance"),
        shape: sagemaker("notebook-instance/"),
    },
    TypeMapping { cfn: "AWS::SageMaker::EndpointConfig", hub: None, shape: sagemaker("endpoint-config/") },
    TypeMapping { cfn: "AWS::SageMaker::Model", hub: None, shape: sagemaker("model/") },
    TypeMapping { cfn: "AWS::SageMaker::Domain", hub: None, shape: sagemaker("domain/") },
    TypeMapping {
        cfn: "AWS::CloudTrail::Trail",
        hub: Some("AwsCloudTrailTrail"),
        shape: regional("cloudtrail", "trail/"),
    },
    TypeMapping { cfn: "AWS::EC2::VPC", hub: Some("AwsEc2Vpc"), shape: regional("ec2", "vpc/") },
    TypeMapping {
        cfn: "AWS::EC2::SecurityGroup",
        hub: Some("AwsEc2SecurityGroup"),
        shape: regional("ec2", "security-group/"),
    },
    TypeMapping { cfn: "AWS::KMS::Key", hub: Some("AwsKmsKey"), shape: regional("kms", "key/") },
    TypeMapping {
        cfn: "AWS::CloudWatch::Alarm",
        hub: Some("AwsCloudWatchAlarm"),
        shape: regional("cloudwatch", "alarm:"),
    },
    TypeMapping {
        cfn: "AWS::GuardDuty::Detector",
        hub: Some("AwsGuardDutyDetector"),
        shape: regional("guardduty", "detector/"),
    },
    // Config names IAM roles by their unique id (AROA...), from which no ARN can be built.
    TypeMapping { cfn: "AWS::IAM::Role", hub: Some("AwsIamRole"), shape: ArnShape::Verbatim },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn config(i: &mut Interner, t: &str, id: &str) -> ResourceId {
        ResourceId::from_config(i, t, id, "123456789012", "us-east-1")
    }

    fn hub(i: &mut Interner, t: &str, id: &str) -> ResourceId {
        ResourceId::from_security_hub(i, t, id, "123456789012", "us-east-1")
    }

    #[test]
    fn config_ids_come_back_from_the_arn() {
        let mut i = Interner::new();
        assert_eq!(config(&mut i, "AWS::S3::Bucket", "ml-data").config_id(), Some("ml-data"));
        assert_eq!(hub(&mut i, "AwsS3Bucket", "arn:aws:s3:::ml-data").config_id(), Some("ml-data"));
        assert_eq!(config(&mut i, "AWS::SageMaker::NotebookInstance", "nb-1").config_id(), Some("nb-1"));
        assert_eq!(config(&mut i, "AWS::EC2::VPC", "vpc-0a1").config_id(), Some("vpc-0a1"));
        assert_eq!(config(&mut i, "AWS::IAM::Role", "AROAEXAMPLE").config_id(), Some("AROAEXAMPLE"));
        assert_eq!(hub(&mut i, "AwsEc2Instance", "arn:aws:ec2:us-east-1:1:instance/i-1").config_id(), None);
    }

    #[test]
    fn config_and_security_hub_name_the_same_notebook() {
        let mut i = Interner::new();
        let from_config = config(&mut i, "AWS::SageMaker::NotebookInstance", "Fraud-Detection-NB");
        let from_hub = hub(
            &mut i,
            "AwsSageMakerNotebookInstance",
            "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/fraud-detection-nb",
        );
        assert_eq!(from_config, from_hub);
        assert_eq!(&*from_config.kind, "AWS::SageMaker::NotebookInstance");
        assert_eq!(from_config.short_name(), "fraud-detection-nb");
    }

    #[test]
    fn buckets_have_global_arns() {
        let mut i = Interner::new();
        let a = config(&mut i, "AWS::S3::Bucket", "ml-project-data");
        assert_eq!(&*a.id, "arn:aws:s3:::ml-project-data");
        let b = ResourceId::from_security_hub(
            &mut i,
            "AwsS3Bucket",
            "arn:aws:s3:::ml-project-data",
            "123456789012",
            "eu-west-1",
        );
        assert_eq!(a, b, "an ARN identity ignores the region it was reported from");
    }

    #[test]
    fn the_account_resource_matches_both_spellings() {
        let mut i = Interner::new();
        let a = config(&mut i, "AWS::::Account", "123456789012");
        let b = hub(&mut i, "AwsAccount", "AWS::::Account:123456789012");
        assert_eq!(a, b);
        // Control findings about an account come from every region: it is one resource.
        let elsewhere = ResourceId::from_security_hub(
            &mut i,
            "AwsAccount",
            "AWS::::Account:123456789012",
            "123456789012",
            "eu-west-1",
        );
        assert_eq!(a, elsewhere);
    }

    #[test]
    fn unknown_types_stay_distinct_and_scoped() {
        let mut i = Interner::new();
        let a = config(&mut i, "AWS::Some::Thing", "x");
        let b = hub(&mut i, "AwsSomeThing", "x");
        assert_ne!(a, b);
        let other_region = ResourceId::from_config(&mut i, "AWS::Some::Thing", "x", "123456789012", "eu-west-1");
        assert_ne!(a, other_region, "a bare id is only unique within its account and region");
    }

    #[test]
    fn partitions_follow_the_region() {
        let mut i = Interner::new();
        let cn = ResourceId::from_config(&mut i, "AWS::EC2::VPC", "vpc-1", "1", "cn-north-1");
        assert_eq!(&*cn.id, "arn:aws-cn:ec2:cn-north-1:1:vpc/vpc-1");
    }
}

/// The resources a finding names: the one most findings name held in place, more in a boxed
/// slice. A finding used to keep a `Vec`, 24 bytes here and 64 on the heap for its one resource:
/// at a million findings that was 85 MB of the half-gigabyte they may take.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<ResourceId>", into = "Vec<ResourceId>")]
pub enum Resources {
    One(ResourceId),
    Many(Box<[ResourceId]>),
}

// The boxed slice fits beside the first resource's pointers: no room is added for the variant.
const _: () = assert!(std::mem::size_of::<Resources>() == std::mem::size_of::<ResourceId>());

impl Default for Resources {
    fn default() -> Self {
        Resources::Many(Box::default())
    }
}

impl std::ops::Deref for Resources {
    type Target = [ResourceId];

    fn deref(&self) -> &[ResourceId] {
        match self {
            Resources::One(r) => std::slice::from_ref(r),
            Resources::Many(rs) => rs,
        }
    }
}

impl std::ops::DerefMut for Resources {
    fn deref_mut(&mut self) -> &mut [ResourceId] {
        match self {
            Resources::One(r) => std::slice::from_mut(r),
            Resources::Many(rs) => rs,
        }
    }
}

impl From<Vec<ResourceId>> for Resources {
    fn from(mut v: Vec<ResourceId>) -> Self {
        match v.len() {
            1 => Resources::One(v.pop().expect("one resource")),
            _ => Resources::Many(v.into_boxed_slice()),
        }
    }
}

impl From<Resources> for Vec<ResourceId> {
    fn from(r: Resources) -> Self {
        match r {
            Resources::One(r) => vec![r],
            Resources::Many(rs) => rs.into_vec(),
        }
    }
}

impl FromIterator<ResourceId> for Resources {
    fn from_iter<I: IntoIterator<Item = ResourceId>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<_>>().into()
    }
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a ResourceId;
    type IntoIter = std::slice::Iter<'a, ResourceId>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Resources {
    type Item = &'a mut ResourceId;
    type IntoIter = std::slice::IterMut<'a, ResourceId>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}
