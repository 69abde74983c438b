//! Against moto's server (a third-party AWS emulator from PyPI, which `.ci/run` installs):
//! findings imported with BatchImportFindings come back through vigil's Security Hub source, and
//! rules created with PutConfigRule through its Config source. Moto cannot answer CloudWatch's
//! CBOR calls nor Config's compliance calls: those sources fail, and the others stay whole.
#![cfg(feature = "aws")]

mod vigil_report;

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_securityhub::types::{AwsSecurityFinding, Resource, Severity, SeverityLabel};

struct Moto(Child, u16);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts moto's server, or says why it cannot. Without moto, the test fails when
/// VIGIL_REQUIRE_MOTO is set (as in CI) and is skipped, loudly, otherwise.
fn moto() -> Option<Moto> {
    let present = Command::new("python3").args(["-c", "import moto.server"]).status().is_ok_and(|s| s.success());
    if !present {
        assert!(
            std::env::var_os("VIGIL_REQUIRE_MOTO").is_none(),
            "moto is not installed: python3 -m pip install 'moto[server]'"
        );
        eprintln!("SKIPPED: moto is not installed (python3 -m pip install 'moto[server]'); CI runs this test");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto starts");
    let server = Moto(child, port);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

fn finding(i: u32, severity: SeverityLabel) -> AwsSecurityFinding {
    AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(format!("moto-finding-{i}"))
        .product_arn("arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default")
        .generator_id("security-control/SageMaker.1")
        .aws_account_id("123456789012")
        .types("Software and Configuration Checks")
        .created_at("2026-11-26T10:00:00.000Z")
        .updated_at("2026-11-26T11:00:00.000Z")
        .severity(Severity::builder().label(severity).build())
        .title("SageMaker notebook instances should not have direct internet access")
        .description("imported through moto")
        .resources(
            Resource::builder()
                .r#type("AwsSageMakerNotebookInstance")
                .id(format!("arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-{i}"))
                .build(),
        )
        .build()
}

#[test]
fn findings_and_rules_come_back_from_moto_and_the_unsupported_sources_fail_alone() {
    let Some(server) = moto() else { return };
    let url = format!("http://127.0.0.1:{}", server.1);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&url)
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .load()
            .await;
        let sh = aws_sdk_securityhub::Client::new(&sdk);
        sh.enable_security_hub().send().await.expect("enable Security Hub in moto");
        let out = sh
            .batch_import_findings()
            .findings(finding(1, SeverityLabel::High))
            .findings(finding(2, SeverityLabel::Critical))
            .findings(finding(3, SeverityLabel::Low))
            .send()
            .await
            .expect("import findings");
        assert_eq!(out.success_count(), Some(3));
        let config = aws_sdk_config::Client::new(&sdk);
        config
            .put_config_rule()
            .config_rule(
                aws_sdk_config::types::ConfigRule::builder()
                    .config_rule_name("moto-notebook-no-direct-internet-access")
                    .source(
                        aws_sdk_config::types::Source::builder()
                            .owner(aws_sdk_config::types::Owner::Aws)
                            .source_identifier("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("put a Config rule");
    });

    let config = "[aws]\nattempt_timeout = 5\ninitial_backoff = 0.01\nmax_backoff = 0.05\nreport_max_attempts = 2\n";
    let (out, report) = vigil_report::run(&url, "us-east-1", "moto", config);
    assert_eq!(out.status.code(), Some(3), "CloudWatch and Config's compliance calls fail in moto");
    let source = |name: &str| report["sources"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!(source("securityhub")["health"], "ok", "{}", source("securityhub"));
    assert_eq!(source("cloudwatch")["health"], "failed");
    assert_eq!(source("config")["health"], "failed", "moto cannot answer DescribeComplianceByConfigRule");
    assert_eq!(report["findings"]["total"], 3, "the imported findings came back");
    assert_eq!(report["findings"]["by_severity"]["CRITICAL"], 1);
    assert_eq!(report["subject"]["account"], "123456789012", "moto's STS answers");
    let rule =
        report["rules"].as_array().unwrap().iter().find(|r| r["name"] == "moto-notebook-no-direct-internet-access");
    let rule = rule.expect("the rule came back through the Config source");
    assert_eq!(rule["source"], "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS");
    // The findings count against the control they name, whatever Config could not say.
    let prv01 = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "PRV-01").unwrap();
    assert_eq!(prv01["failing"], 0, "imported findings carry no FAILED compliance");
}
