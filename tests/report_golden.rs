//! The report's outputs byte for byte: JSON (schema 2 and 1), Markdown and CSV of fixed
//! postures at fixed times, compared with the files in `tests/report_golden/`. They were written
//! by the report as it stood before its schema became types, so that the types are proved to
//! write the same bytes. `VIGIL_GOLDEN=write cargo test --test report_golden` writes them anew
//! (then read the diff).

mod common;
mod fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use fixtures::{Fixtures, Synthetic};
use vigil::catalog::Catalog;
use vigil::cli::Settings;
use vigil::model::*;
use vigil::report::{self, Basis, Format, Subject};
use vigil::sources::demo::{DemoScript, Scenario};
use vigil::sources::{Dataset, Message, SourceKind};
use vigil::store::{Posture, Within};

/// Compares `text` with the golden file `name`, or writes it when asked to.
fn golden(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/report_golden").join(name);
    if std::env::var("VIGIL_GOLDEN").as_deref() == Ok("write") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if want != text {
        let line = want.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name} differs from its golden file at line {}:\n  golden: {:?}\n  now:    {:?}",
            line + 1,
            want.lines().nth(line),
            text.lines().nth(line)
        );
    }
}

/// The four outputs of one posture, each to its golden file `name.{json,v1.json,md,csv}`.
fn all_four(name: &str, posture: &Posture, subject: &Subject, now: Timestamp) {
    let render = |format, schema| report::render_schema(format, schema, posture, subject, now);
    golden(&format!("{name}.json"), &render(Format::Json, 2));
    golden(&format!("{name}.v1.json"), &render(Format::Json, 1));
    golden(&format!("{name}.md"), &render(Format::Markdown, 2));
    golden(&format!("{name}.csv"), &render(Format::Csv, 2));
}

fn settings() -> Settings {
    Settings {
        config: Default::default(),
        theme: vigil::theme::Theme::load("dark", false).unwrap(),
        theme_chosen: true,
        catalog: Catalog::default_catalog(),
        keymap: Default::default(),
        log_file: std::env::temp_dir().join("vigil-report-golden.log"),
    }
}

/// `vigil report --demo` at a fixed time: the workshop's baseline and its guardrail tests.
#[test]
fn the_demo_report() {
    let now = common::t0();
    let clock: vigil::sources::Clock = Arc::new(move || now);
    let (posture, subject) = vigil::commands::report::fresh(&settings(), true, None, clock).unwrap();
    all_four("demo", &posture, &subject, now);
}

/// Every step of every built-in story, each format in one file per story.
#[test]
fn every_step_of_every_story() {
    for (name, _, _) in vigil::sources::demo::BUILT_IN {
        let steps = Scenario::built_in(name).unwrap().steps.len();
        let subject = Subject { demo: true, ..Default::default() };
        let mut outputs = [String::new(), String::new(), String::new(), String::new()];
        for step in 0..steps {
            let (posture, _, now) = common::story(name, Some(step));
            for (out, (format, schema)) in
                outputs.iter_mut().zip([(Format::Json, 2), (Format::Json, 1), (Format::Markdown, 2), (Format::Csv, 2)])
            {
                out.push_str(&format!("=== step {step} ===\n"));
                out.push_str(&report::render_schema(format, schema, &posture, &subject, now));
            }
        }
        for (out, ext) in outputs.iter().zip(["json", "v1.json", "md", "csv"]) {
            golden(&format!("story-{name}.{ext}"), out);
        }
    }
}

/// A large account with what real ones bring: members, aggregators, places not read, a part
/// denied, remediations and their executions, standards; replayed and warm-started.
fn organisation() -> (Posture, Fixtures) {
    let mut fx = Fixtures::new();
    let mut posture = Posture::new(Catalog::default_catalog());
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        posture.register_source(kind, kind.default_interval());
    }
    for event in (Synthetic { findings: 400, evaluations: 240, alarms: 12 }).events(&mut fx) {
        posture.apply(event);
    }
    let remediation_configs = vec![
        fx.remediation("s3-public", "AWS-DisableS3BucketPublicReadWrite", true, 0),
        fx.remediation("sm-internet", "Custom-StopNotebook", false, 0),
    ];
    let executions = vec![
        fx.execution("s3-public", "AWS::S3::Bucket", "resource-00004", ExecutionState::Failed, -600, -300),
        fx.execution("s3-public", "AWS::S3::Bucket", "resource-00009", ExecutionState::InProgress, -60, -30),
        fx.execution("s3-public", "AWS::S3::Bucket", "resource-00014", ExecutionState::Succeeded, -900, -800),
    ];
    let aggregator = ConfigAggregator {
        name: "org".into(),
        arn: "arn:aws:config:us-east-1:123456789012:config-aggregator/config-aggregator-abc".into(),
        organization: true,
        accounts: vec![],
        all_regions: true,
        regions: vec![],
    };
    let denied = SourceError::Unauthorized { action: "config:DescribeConfigRuleEvaluationStatus".into() };
    posture.apply(fx.merge(
        SourceKind::Config,
        10,
        Dataset {
            remediation_configs,
            executions,
            config_aggregators: Some(vec![aggregator]),
            unread: vec![Unread { part: Part::EvaluationStatus, error: denied }],
            ..Default::default()
        },
    ));
    let hub_scope = HubScope {
        members: vec!["210987654321".into(), "345678901234".into()],
        aggregator: Some(FindingAggregator {
            arn: "arn:aws:securityhub:us-east-1:123456789012:finding-aggregator/abc".into(),
            home_region: "us-east-1".into(),
            linking_mode: "SPECIFIED_REGIONS".into(),
            regions: vec!["eu-west-1".into()],
        }),
    };
    let standards = vec![
        Standard {
            arn: "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0".into(),
            name: "FSBP".into(),
            enabled: true,
        },
        Standard {
            arn: "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0".into(),
            name: "CIS | 3.0".into(),
            enabled: false,
        },
    ];
    posture.apply(fx.merge(
        SourceKind::SecurityHub,
        20,
        Dataset { hub_scope: Some(hub_scope), standards, skipped: 3, ..Default::default() },
    ));
    let assume = SourceError::Unauthorized { action: "sts:AssumeRole on arn:aws:iam::345678901234:role/Vigil".into() };
    let place = |account: &str, region: &str, error: Option<&SourceError>| PlaceRead {
        account: account.into(),
        region: region.into(),
        error: error.cloned(),
    };
    let places = vec![
        place("210987654321", "us-east-1", None),
        place("345678901234", "us-east-1", Some(&assume)),
        place("345678901234", "eu-west-1", Some(&assume)),
    ];
    let alarms = Synthetic { findings: 0, evaluations: 0, alarms: 12 }.alarm_list(&mut fx);
    posture.apply(fx.replace(SourceKind::CloudWatch, 30, Dataset { alarms, places, ..Default::default() }));
    (posture, fx)
}

fn organisation_subject(basis: bool) -> Subject {
    Subject {
        account: Some("123456789012".into()),
        region: Some("us-east-1".into()),
        profile: Some("audit".into()),
        demo: false,
        recording: Some("monday.jsonl".into()),
        basis: basis.then(|| Basis {
            snapshot_written_at: "2026-11-26T11:00:00Z".into(),
            findings_updated_since: Some("2026-11-26T10:55:00Z".into()),
            reread: vec!["config".into(), "cloudwatch".into()],
            not_seen: "a finding's workflow changed by hand".into(),
        }),
    }
}

#[test]
fn an_organisation_whole_narrowed_and_warm() {
    let (mut posture, fx) = organisation();
    let now = fx.at(120);
    all_four("organisation", &posture, &organisation_subject(false), now);
    all_four("organisation-warm", &posture, &organisation_subject(true), now);
    posture.narrow(Within { account: Some("123456789012".into()), region: None });
    all_four("organisation-only", &posture, &organisation_subject(false), now);
}

/// Sources registered, nothing read yet; then one failed and one answered without a part.
#[test]
fn nothing_read_and_sources_failing() {
    let fx = Fixtures::new();
    let mut posture = Posture::new(Catalog::default_catalog());
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        posture.register_source(kind, kind.default_interval());
    }
    all_four("nothing-read", &posture, &Subject::default(), fx.at(5));
    let expired = SourceError::ExpiredCredentials { fix: "run `aws sso login --profile audit`".into() };
    posture.apply(SourceEvent { source: SourceKind::SecurityHub, fetched_at: fx.at(10), result: Err(expired) });
    let throttled = SourceError::Throttled { operation: "cloudwatch:DescribeAlarms".into() };
    posture.apply(fx.replace(SourceKind::CloudWatch, 10, Dataset::not_read(&[Part::Alarms], &throttled)));
    let denied = SourceError::Unauthorized { action: "config:DescribeRemediationConfigurations".into() };
    posture.apply(fx.replace(
        SourceKind::Config,
        10,
        Dataset::not_read(&[Part::RemediationConfigs, Part::RemediationExecutions], &denied),
    ));
    all_four("sources-failing", &posture, &Subject::default(), fx.at(20));
}

/// The workshop recorded for 300 seconds from [`common::t0`], as `vigil record` writes one.
fn recorded_workshop(dir: &Path) {
    use vigil::recording::{Header, Recorder, Subject};
    let mut script = DemoScript::new(Scenario::workshop(), common::t0());
    let subject = Subject { account: None, region: Some("us-east-1".into()), profile: Some("workshop".into()) };
    let header = Header::new(common::t0(), subject, &DemoScript::feeds(), &Catalog::default_catalog());
    let recorder = Recorder::create(&dir.join("workshop.jsonl"), header, false).unwrap();
    recorder.record(common::t0(), &Message::Account("123456789012".into()));
    let mut moments = vec![(0, script.opening())];
    while moments.last().unwrap().0 < 300 {
        moments.push(script.next_moment());
    }
    for (at, messages) in moments {
        for m in &messages {
            recorder.record(common::at(at as i64), m);
        }
    }
    recorder.finish().unwrap();
}

/// `vigil report` from a recording, as a script runs it: alone, and compared with a baseline
/// (schema 1 and 2, JSON and Markdown).
#[test]
fn the_command_replayed_and_against_a_baseline() {
    let dir: PathBuf = std::env::temp_dir().join(format!("vigil-report-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    recorded_workshop(&dir);
    let vigil = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(args)
            .arg("--log-file")
            .arg(dir.join("vigil.log"))
            .current_dir(&dir)
            .env("HOME", &dir)
            .env("XDG_CONFIG_HOME", &dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .output()
            .unwrap();
        format!("exit {:?}\n{}", out.status.code(), String::from_utf8_lossy(&out.stdout))
    };
    let base = vigil(&["report", "--replay", "workshop.jsonl", "--at", "40s", "--format", "json"]);
    golden("replay-40s.json", &base);
    std::fs::write(dir.join("base.json"), base.split_once('\n').unwrap().1).unwrap();
    golden("replay.v1.json", &vigil(&["report", "--replay", "workshop.jsonl", "--format", "json", "--schema", "1"]));
    golden("replay.md", &vigil(&["report", "--replay", "workshop.jsonl", "--format", "markdown"]));
    for (schema, name) in [("2", "baseline.json"), ("1", "baseline.v1.json")] {
        let args = ["report", "--replay", "workshop.jsonl", "--baseline", "base.json", "--format", "json"];
        golden(name, &vigil(&[&args[..], &["--schema", schema]].concat()));
    }
    golden(
        "baseline.md",
        &vigil(&["report", "--replay", "workshop.jsonl", "--baseline", "base.json", "--format", "markdown"]),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
