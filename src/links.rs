//! AWS console addresses of what vigil shows: a resource's own page for the types of the
//! catalog, Config's resource timeline for any other type Config knows, and a finding's page
//! in Security Hub.

use crate::model::{Finding, ResourceId};

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn console_host(region: &str) -> String {
    if region.starts_with("cn-") {
        format!("https://{region}.console.amazonaws.cn")
    } else if region.starts_with("us-gov-") {
        format!("https://{region}.console.amazonaws-us-gov.com")
    } else {
        format!("https://{region}.console.aws.amazon.com")
    }
}

/// The console page of a resource.
pub fn resource_url(id: &ResourceId) -> String {
    let region = if id.region.is_empty() { "us-east-1" } else { &id.region };
    let host = console_host(region);
    let name = id.config_id().unwrap_or_else(|| id.short_name());
    let sagemaker = |fragment: &str| format!("{host}/sagemaker/home?region={region}#/{fragment}/{}", encode(name));
    match &*id.kind {
        "AWS::SageMaker::NotebookInstance" => sagemaker("notebook-instances"),
        "AWS::SageMaker::Model" => sagemaker("models"),
        "AWS::SageMaker::Endpoint" => sagemaker("endpoints"),
        "AWS::SageMaker::EndpointConfig" => sagemaker("endpointConfig"),
        "AWS::SageMaker::TrainingJob" => sagemaker("jobs"),
        "AWS::SageMaker::Domain" => format!("{host}/sagemaker/home?region={region}#/studio/{}", encode(name)),
        "AWS::S3::Bucket" => format!("https://s3.console.aws.amazon.com/s3/buckets/{}?region={region}", encode(name)),
        "AWS::CloudTrail::Trail" => {
            format!("{host}/cloudtrailv2/home?region={region}#/trails/{}", encode(&id.id))
        }
        "AWS::EC2::VPC" => format!("{host}/vpcconsole/home?region={region}#VpcDetails:VpcId={}", encode(name)),
        "AWS::EC2::SecurityGroup" => {
            format!("{host}/ec2/home?region={region}#SecurityGroup:groupId={}", encode(name))
        }
        "AWS::KMS::Key" => format!("{host}/kms/home?region={region}#/kms/keys/{}", encode(name)),
        "AWS::IAM::Role" => {
            // IAM is global; Config names roles by their unique id, the console by name.
            let role = id.id.rsplit('/').next().unwrap_or(name);
            format!("https://console.aws.amazon.com/iam/home#/roles/details/{}", encode(role))
        }
        kind => format!(
            "{host}/config/home?region={region}#/resources/timeline?resourceId={}&resourceType={}",
            encode(name),
            encode(kind)
        ),
    }
}

/// A finding's page in Security Hub (its id as the search).
pub fn finding_url(f: &Finding) -> String {
    let region = if f.region.is_empty() { "us-east-1" } else { &f.region };
    let search = format!("Id=\\operator\\:EQUALS\\:{}", f.id);
    format!("{}/securityhub/home?region={region}#/findings?search={}", console_host(region), encode(&search))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Interner;

    fn r(kind: &str, id: &str) -> ResourceId {
        ResourceId::from_config(&mut Interner::new(), kind, id, "123456789012", "eu-west-1")
    }

    #[test]
    fn every_catalog_type_has_its_own_page() {
        assert_eq!(
            resource_url(&r("AWS::SageMaker::NotebookInstance", "fraud-nb")),
            "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/notebook-instances/fraud-nb"
        );
        assert_eq!(
            resource_url(&r("AWS::S3::Bucket", "ml-data")),
            "https://s3.console.aws.amazon.com/s3/buckets/ml-data?region=eu-west-1"
        );
        assert!(resource_url(&r("AWS::EC2::VPC", "vpc-1")).ends_with("#VpcDetails:VpcId=vpc-1"));
        assert!(resource_url(&r("AWS::KMS::Key", "1234abcd")).ends_with("#/kms/keys/1234abcd"));
        assert!(resource_url(&r("AWS::SageMaker::Domain", "d-abc")).ends_with("#/studio/d-abc"));
        assert!(resource_url(&r("AWS::SageMaker::Model", "m")).ends_with("#/models/m"));
        assert!(resource_url(&r("AWS::SageMaker::Endpoint", "e")).ends_with("#/endpoints/e"));
        assert!(resource_url(&r("AWS::SageMaker::TrainingJob", "j")).ends_with("#/jobs/j"));
        assert!(
            resource_url(&r("AWS::CloudTrail::Trail", "main"))
                .contains("/cloudtrailv2/home?region=eu-west-1#/trails/arn%3Aaws%3Acloudtrail")
        );
        assert!(resource_url(&r("AWS::IAM::Role", "arn:aws:iam::1:role/ml/exec")).ends_with("#/roles/details/exec"));
    }

    #[test]
    fn other_types_open_configs_timeline() {
        assert_eq!(
            resource_url(&r("AWS::EFS::FileSystem", "fs-1")),
            "https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/timeline?resourceId=fs-1&resourceType=AWS%3A%3AEFS%3A%3AFileSystem"
        );
    }
}
