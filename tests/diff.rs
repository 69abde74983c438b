//! `vigil diff` (issue 21, item 4) run as a user runs it: report files made with the library
//! from the demo and from fixtures, recordings of the workshop read at two moments, a schema 1
//! report against a schema 2 one, damaged input, a side whose sources failed, `vigil report
//! --baseline`; and, over generated pairs of postures, that the controls listed are exactly
//! those whose status or failing resources differ.

mod common;
mod fixtures;
#[allow(dead_code)]
mod vigil_report;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use serde_json::Value;

use fixtures::{FindingSpec, Fixtures};
use vigil::catalog::Catalog;
use vigil::model::*;
use vigil::report::{self, Subject};
use vigil::sources::demo::{DemoScript, Scenario};
use vigil::sources::{Dataset, Message, SourceError, SourceKind};
use vigil::store::Posture;

/// The notebook the workshop's story gives direct internet access at 35s, and its finding.
const FRAUD_NB: &str = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/fraud-detection-nb";
const FRAUD_FINDING: &str =
    "arn:aws:securityhub:us-east-1:123456789012:security-control/SageMaker.1/finding/5e6f7a8b-fraud";

/// A scratch folder of one test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What vigil said: its exit code, standard output and standard error.
struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.out).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.out, self.err))
    }
}

/// vigil with `args`, its config, log and HOME in `dir`.
fn vigil(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .arg("--log-file")
        .arg(dir.join("vigil.log"))
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `posture`'s report (schema 2, or 1) at `now` to `dir/name`; returns its path.
fn write_report(dir: &Path, name: &str, posture: &Posture, subject: &Subject, now: Timestamp, schema: u32) -> String {
    let text = report::render_schema(report::Format::Json, schema, posture, subject, now);
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn demo_subject() -> Subject {
    Subject { demo: true, ..Default::default() }
}

/// The workshop recorded for 300 seconds from [`common::t0`], as `vigil record` writes one.
fn recorded_workshop(dir: &Path) -> String {
    use vigil::recording::{Header, Recorder, Subject};
    let mut script = DemoScript::new(Scenario::workshop(), common::t0());
    let subject = Subject { account: None, region: Some("us-east-1".into()), profile: Some("workshop".into()) };
    let header = Header::new(common::t0(), subject, &DemoScript::feeds(), &Catalog::default_catalog());
    let path = dir.join("workshop.jsonl");
    let recorder = Recorder::create(&path, header, false).unwrap();
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
    path.display().to_string()
}

fn listed(diff: &Value) -> Vec<&str> {
    diff["controls"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect()
}

fn control<'a>(diff: &'a Value, id: &str) -> &'a Value {
    diff["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id} in {diff:#}"))
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect()
}

#[test]
fn two_reports_a_notebook_newly_failing_is_a_regression_and_its_repair_is_not() {
    let dir = scratch("reports");
    let (quiet, _) = common::demo(30);
    let (flagged, _) = common::demo(40);
    let before = write_report(&dir, "before.json", &quiet, &demo_subject(), common::at(30), 2);
    let after = write_report(&dir, "after.json", &flagged, &demo_subject(), common::at(40), 2);

    let run = vigil(&dir, &["diff", &before, &after]);
    assert_eq!(run.code, Some(1), "a control worse: exit 1\n{}{}", run.out, run.err);
    assert!(
        run.out.contains("  PRV-01 PASS → FAIL +fraud-detection-nb  Notebooks have no direct internet access\n"),
        "{}",
        run.out
    );
    assert!(run.out.contains("posture 70% → 67%\n"), "{}", run.out);
    assert!(run.out.contains("Open findings at HIGH and above: 1 new, 0 resolved\n  + HIGH Amazon SageMaker notebook instances should not have direct internet access (fraud-detection-nb)\n"), "{}", run.out);
    assert!(run.out.ends_with("Regressed: PRV-01 PASS → FAIL (1 resource newly failing).\n"), "{}", run.out);
    assert!(!run.out.contains('\x1b'), "no colour when not a terminal: {}", run.out);
    assert_eq!(run.err, "");

    let json = vigil(&dir, &["diff", &before, &after, "--format", "json"]);
    assert_eq!(json.code, Some(1));
    let d = json.json();
    assert_eq!(d["schema_version"], 1);
    assert_eq!(d["before"]["input"], before.as_str());
    assert_eq!(d["before"]["generated_at"], "2026-11-26T12:00:30Z");
    assert_eq!(d["after"]["subject"]["demo"], true);
    assert_eq!(d["score"], serde_json::json!({"before": 70, "after": 67}));
    assert_eq!(listed(&d), ["PRV-01"], "only what differs");
    assert_eq!(
        control(&d, "PRV-01"),
        &serde_json::json!({
            "id": "PRV-01",
            "title": "Notebooks have no direct internet access",
            "from": "pass",
            "to": "fail",
            "failing_before": 0,
            "failing_after": 1,
            "resources_added": [FRAUD_NB],
            "resources_removed": [],
            "worse": true,
        })
    );
    assert_eq!(ids(&d["findings"]["new"]), [FRAUD_FINDING]);
    assert_eq!(d["findings"]["resolved"], serde_json::json!([]));
    assert_eq!(d["findings"]["by_severity"]["HIGH"], serde_json::json!({"before": 4, "after": 5}));

    // The other way round: the repair, which is no regression.
    let back = vigil(&dir, &["diff", &after, &before, "--format", "json"]);
    assert_eq!(back.code, Some(0), "{}{}", back.out, back.err);
    let d = back.json();
    assert_eq!((&control(&d, "PRV-01")["from"], &control(&d, "PRV-01")["to"]), (&"fail".into(), &"pass".into()));
    assert_eq!(control(&d, "PRV-01")["resources_removed"], serde_json::json!([FRAUD_NB]));
    assert_eq!(ids(&d["findings"]["resolved"]), [FRAUD_FINDING]);

    let md = vigil(&dir, &["diff", &before, &after, "--format", "markdown"]);
    assert_eq!(md.code, Some(1));
    assert!(md.out.starts_with("# vigil diff\n"), "{}", md.out);
    assert!(
        md.out.contains(
            "| PRV-01 Notebooks have no direct internet access | ✔ PASS → ✘ FAIL | 0 → 1 | fraud-detection-nb |  |\n"
        ),
        "{}",
        md.out
    );
    // The same report twice: nothing listed, nothing regressed.
    let same = vigil(&dir, &["diff", &before, &before]);
    assert_eq!(same.code, Some(0));
    assert!(same.out.contains("No control changed.\n") && same.out.ends_with("No regression.\n"), "{}", same.out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_moments_of_one_recording() {
    let dir = scratch("recording");
    let recording = recorded_workshop(&dir);
    let at = |moment: &str| format!("{recording}@{moment}");

    // By time since its start, and by time: before and after the notebook came.
    let run = vigil(&dir, &["diff", &at("30s"), &at("2026-11-26T12:00:40Z"), "--format", "json"]);
    assert_eq!(run.code, Some(1), "{}{}", run.out, run.err);
    let d = run.json();
    assert_eq!(d["before"]["generated_at"], "2026-11-26T12:00:30Z");
    assert_eq!(d["after"]["generated_at"], "2026-11-26T12:00:40Z");
    assert_eq!(d["after"]["subject"]["recording"], recording.as_str());
    assert_eq!(d["after"]["subject"]["account"], "123456789012");
    assert_eq!(listed(&d), ["PRV-01"]);
    assert_eq!(control(&d, "PRV-01")["resources_added"], serde_json::json!([FRAUD_NB]));
    assert_eq!(ids(&d["findings"]["new"]), [FRAUD_FINDING]);

    // At 40s against its end: remediated, the finding resolved.
    let run = vigil(&dir, &["diff", &at("40s"), &recording]);
    assert_eq!(run.code, Some(0), "{}{}", run.out, run.err);
    assert!(run.out.contains("  PRV-01 FAIL → PASS -fraud-detection-nb  "), "{}", run.out);
    assert!(run.out.contains("0 new, 1 resolved\n  - HIGH Amazon SageMaker notebook"), "{}", run.out);
    assert!(
        run.out.contains(&format!("after   {recording} · 2026-11-26T12:05:00Z · account 123456789012 us-east-1\n")),
        "{}",
        run.out
    );

    // A moment the recording does not hold is bad input, said with the span it holds.
    let run = vigil(&dir, &["diff", &at("10m"), &recording]);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.err,
        format!(
            "vigil: @10m (2026-11-26T12:10:00Z) is after the recording's end: {recording} runs from 2026-11-26T12:00:00Z to 2026-11-26T12:05:00Z (5m)\n"
        )
    );
    assert_eq!(run.out, "", "nothing half compared");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A posture of the fixtures: every source answered; Config has one managed rule with one
/// compliant notebook (its evaluations erroring when `erroring`); nothing else.
fn fixture_posture(erroring: bool, hub_failed: bool) -> (Posture, Timestamp) {
    let mut fx = Fixtures::new();
    let mut posture = Posture::new(Catalog::default_catalog());
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        posture.register_source(kind, kind.default_interval());
    }
    let mut rule =
        fx.rule("nb-internet", "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS", ConfigCompliance::Compliant, 0);
    if erroring {
        rule.evaluation_error = Some("Lambda timed out".into());
    }
    let evaluation =
        fx.evaluation("nb-internet", "AWS::SageMaker::NotebookInstance", "nb-1", ConfigCompliance::Compliant, 0);
    posture.apply(fx.replace(
        SourceKind::Config,
        0,
        Dataset { rules: vec![rule], evaluations: vec![evaluation], ..Default::default() },
    ));
    posture.apply(fx.replace(SourceKind::CloudWatch, 0, Dataset::default()));
    if hub_failed {
        let refused = SourceError::Failed { message: "securityhub:GetFindings: connection refused".into() };
        posture.apply(vigil::sources::SourceEvent {
            source: SourceKind::SecurityHub,
            fetched_at: fx.at(0),
            result: Err(refused),
        });
    } else {
        posture.apply(fx.replace(SourceKind::SecurityHub, 0, Dataset::default()));
    }
    (posture, fx.at(0))
}

fn account_subject() -> Subject {
    Subject { account: Some("123456789012".into()), region: Some("us-east-1".into()), ..Default::default() }
}

#[test]
fn a_schema_1_report_against_a_schema_2_one() {
    let dir = scratch("schemas");
    let (posture, now) = fixture_posture(false, false);
    let status = |p: &Posture, level: StatusLevel| {
        (0..p.catalog().controls.len()).filter(|i| p.control_status(*i, now).level() == level).count()
    };
    assert!(status(&posture, StatusLevel::Unknown) > 0, "UNKNOWN controls: schema 1 says 0 failing, 2 says null");
    let v1 = write_report(&dir, "v1.json", &posture, &account_subject(), now, 1);
    let v2 = write_report(&dir, "v2.json", &posture, &account_subject(), now, 2);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&v1).unwrap()).unwrap();
    assert!(written["controls"].as_array().unwrap().iter().any(|c| c["status"] == "unknown" && c["failing"] == 0));

    // The same posture in both schemas: nothing differs, not even UNKNOWN's count.
    let run = vigil(&dir, &["diff", &v1, &v2, "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}{}", run.out, run.err);
    let d = run.json();
    assert_eq!((&d["before"]["schema_version"], &d["after"]["schema_version"]), (&1.into(), &2.into()));
    assert_eq!(d["controls"], serde_json::json!([]));
    // Schema 1 lists no finding ids: new and resolved are unknown, the counts compared.
    assert!(d["findings"]["new"].is_null() && d["findings"]["resolved"].is_null(), "{d:#}");
    assert_eq!(d["findings"]["note"], "the before report lists no finding ids (schema 1, or an older vigil)");
    assert_eq!(d["findings"]["by_severity"]["HIGH"], serde_json::json!({"before": 0, "after": 0}));

    // A change between the schemas is found as between two of schema 2: PRV-01 PASS → WARN.
    let (erroring, _) = fixture_posture(true, false);
    let warn2 = write_report(&dir, "warn2.json", &erroring, &account_subject(), now, 2);
    let between = vigil(&dir, &["diff", &v1, &warn2, "--format", "json"]).json();
    let within = vigil(&dir, &["diff", &v2, &warn2, "--format", "json"]).json();
    assert_eq!(listed(&between), ["PRV-01"]);
    assert_eq!(between["controls"], within["controls"]);
    assert_eq!((&between["controls"][0]["from"], &between["controls"][0]["to"]), (&"pass".into(), &"warn".into()));

    // --fail-on tunes what counts: WARN is worse than PASS, but not a failure.
    let code = |extra: &[&str]| vigil(&dir, &[&["diff", v1.as_str(), warn2.as_str()][..], extra].concat()).code;
    assert_eq!(code(&[]), Some(1), "any control worse");
    assert_eq!(code(&["--fail-on", "warn"]), Some(1));
    assert_eq!(code(&["--fail-on", "fail"]), Some(0));
    let text = vigil(&dir, &["diff", &v1, &warn2, "--fail-on", "fail"]);
    assert!(text.out.ends_with("No regression (--fail-on fail).\n"), "{}", text.out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_or_foreign_input_is_refused_with_its_place() {
    let dir = scratch("damaged");
    let (posture, now) = fixture_posture(false, false);
    let good = write_report(&dir, "good.json", &posture, &account_subject(), now, 2);
    let text = std::fs::read_to_string(&good).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let cut = write("cut.json", &text[..text.len() / 2]);
    let newer = write("newer.json", &text.replacen("\"schema_version\": 2", "\"schema_version\": 3", 1));
    let wrong = write("wrong.json", &text.replacen("\"status\": \"pass\"", "\"status\": \"passed\"", 1));
    let foreign = write("foreign.json", "{\"hello\": \"world\"}\n");
    let recording = recorded_workshop(&dir);
    let mut lines: Vec<String> = std::fs::read_to_string(&recording).unwrap().lines().map(String::from).collect();
    lines[5] = lines[5].replacen(r#""fetched_at":"#, r#""fetched_at":12,"x":"#, 1);
    let broken = write("broken.jsonl", &lines.join("\n"));
    let missing = dir.join("missing.json").display().to_string();

    let refused = |file: &str| {
        let run = vigil(&dir, &["diff", &good, file]);
        assert_eq!(run.code, Some(2), "{file}: {}{}", run.out, run.err);
        assert_eq!(run.out, "", "nothing compared");
        run.err
    };
    let said = refused(&cut);
    assert!(
        said.starts_with(&format!("vigil: {cut}:")) && said.contains(": not valid JSON: EOF while parsing"),
        "{said}"
    );
    assert_eq!(
        refused(&newer),
        format!(
            "vigil: {newer}: schema_version: 3: this vigil reads reports of schema 1 and 2; compare it with a newer vigil\n"
        )
    );
    let said = refused(&wrong);
    assert!(said.starts_with(&format!("vigil: {wrong}:")), "{said}");
    assert!(said.contains(": not a vigil report: unknown variant `passed`, expected one of `pass`"), "{said}");
    assert!(refused(&foreign).starts_with(&format!("vigil: {foreign}: not a vigil report: expected the JSON object")));
    let said = refused(&broken);
    assert!(said.starts_with(&format!("vigil: {broken}:6:")) && said.contains("damaged line"), "{said}");
    assert!(refused(&missing).starts_with(&format!("vigil: {missing}: cannot read: ")));
    assert_eq!(
        refused(&format!("{good}@5m")),
        format!("vigil: {good}@5m: {good} is not a recording: @TIME picks a moment of a recording\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_side_whose_source_failed_exits_3_and_says_which() {
    let dir = scratch("failed");
    let (whole, now) = fixture_posture(false, false);
    let (partial, _) = fixture_posture(true, true);
    let before = write_report(&dir, "before.json", &whole, &account_subject(), now, 2);
    let after = write_report(&dir, "after.json", &partial, &account_subject(), now, 2);
    // 3 wins over 1: PRV-01 is worse too, but half the after side is unknown.
    let run = vigil(&dir, &["diff", &before, &after]);
    assert_eq!(run.code, Some(3), "{}{}", run.out, run.err);
    assert!(
        run.out.contains("after: not read whole: securityhub failed: securityhub:GetFindings: connection refused\n"),
        "{}",
        run.out
    );
    let d = vigil(&dir, &["diff", &before, &after, "--format", "json"]).json();
    assert_eq!(
        d["after"]["failed"],
        serde_json::json!(["securityhub failed: securityhub:GetFindings: connection refused"])
    );
    assert_eq!(d["before"]["failed"], serde_json::json!([]));

    // `live` reads as `vigil report` does: here an endpoint that refuses every call.
    let live = vigil_report::command("http://127.0.0.1:9", "us-east-1", &dir, "")
        .args(["diff", &before, "live", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(live.status.code(), Some(3), "{}", String::from_utf8_lossy(&live.stderr));
    let d: Value = serde_json::from_slice(&live.stdout).unwrap();
    assert_eq!(d["after"]["input"], "live");
    assert_eq!(d["after"]["subject"]["region"], "us-east-1");
    assert_eq!(d["after"]["failed"].as_array().unwrap().len(), 3, "{d:#}");
    let stderr = String::from_utf8_lossy(&live.stderr);
    assert!(stderr.contains("vigil: config failed: config:DescribeConfigRules: cannot connect"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_baseline_adds_the_comparison() {
    let dir = scratch("baseline");
    let recording = recorded_workshop(&dir);
    let (quiet, _) = common::demo(30);
    let baseline = write_report(&dir, "yesterday.json", &quiet, &demo_subject(), common::at(30), 1);
    let run = vigil(&dir, &["report", "--replay", &recording, "--at", "40s", "--baseline", &baseline]);
    assert_eq!(run.code, Some(1), "regressed against the baseline\n{}", run.err);
    let v = run.json();
    assert_eq!(v["schema_version"], 2, "the report as it is, and the comparison");
    assert_eq!(v["baseline"]["before"]["input"], baseline.as_str());
    assert_eq!(v["baseline"]["after"]["input"], "this report");
    assert_eq!(listed(&v["baseline"]), ["PRV-01"]);
    assert!(v["baseline"]["findings"]["new"].is_null(), "a schema 1 baseline lists no finding ids");
    // Against a baseline, --fail-on is about what regressed, not what fails: PRV-02 has
    // failed all along.
    let at_end = vigil(&dir, &["report", "--replay", &recording, "--fail-on", "fail", "--baseline", &baseline]);
    assert_eq!(at_end.code, Some(0), "{}", at_end.err);
    assert_eq!(vigil(&dir, &["report", "--replay", &recording, "--fail-on", "fail"]).code, Some(1));
    let md = vigil(
        &dir,
        &["report", "--replay", &recording, "--at", "40s", "--format", "markdown", "--baseline", &baseline],
    );
    assert_eq!(md.code, Some(1));
    assert!(md.out.starts_with("# vigil posture report\n"), "{}", md.out);
    assert!(md.out.contains("\n## Since the baseline\n") && md.out.contains("| PRV-01 "), "{}", md.out);
    let csv = vigil(&dir, &["report", "--demo", "--format", "csv", "--baseline", &baseline]);
    assert_eq!(csv.code, Some(2));
    assert_eq!(csv.err, "vigil: --baseline adds the comparison to the JSON and Markdown reports, not to CSV\n");
    let _ = std::fs::remove_dir_all(&dir);
}

// ── Over generated pairs of postures ─────────────────────────────────────────────────────────

/// Resources of each type a case may name.
const RESOURCES: usize = 4;
/// Managed rules of the default catalog, by name, source identifier and resource type.
const RULES: [(&str, &str, &str); 3] = [
    ("nb-internet", "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS", "AWS::SageMaker::NotebookInstance"),
    ("nb-vpc", "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC", "AWS::SageMaker::NotebookInstance"),
    ("s3-read", "S3_BUCKET_PUBLIC_READ_PROHIBITED", "AWS::S3::Bucket"),
];
/// Security Hub controls, with the Security Hub type of their resources.
const HUB: [(&str, &str); 3] = [
    ("SageMaker.1", "AwsSageMakerNotebookInstance"),
    ("SageMaker.2", "AwsSageMakerNotebookInstance"),
    ("S3.2", "AwsS3Bucket"),
];
const ALARMS: [&str; 3] = ["UnauthorizedAPICalls", "SageMakerGuardrailDenials", "RootAccountUsage"];
const ACTIVITY: usize = 4;
const SOURCES: [SourceKind; 3] = [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch];

/// One side: every list of a fixed length, so that two sides mix element by element.
#[derive(Debug, Clone)]
struct Case {
    /// Per rule: deployed, and its evaluations erroring.
    deployed: Vec<bool>,
    erroring: Vec<bool>,
    /// Per rule and resource: not evaluated, NON_COMPLIANT (`true`) or COMPLIANT.
    evaluations: Vec<Option<bool>>,
    /// Per Security Hub control and resource: no finding, or FAILED (`true`) or PASSED, and
    /// SUPPRESSED.
    control_findings: Vec<Option<(bool, bool)>>,
    /// Per catalog alarm: absent, or in a state.
    alarms: Vec<Option<AlarmState>>,
    /// GuardDuty findings: absent, or a severity and still open.
    activity: Vec<Option<(Severity, bool)>>,
    /// Per source: answered, and last read an hour ago (stale).
    answered: Vec<bool>,
    stale: Vec<bool>,
}

fn case() -> impl Strategy<Value = Case> {
    let alarm = prop_oneof![
        1 => Just(None),
        3 => Just(Some(AlarmState::Ok)),
        1 => Just(Some(AlarmState::Alarm)),
        1 => Just(Some(AlarmState::InsufficientData)),
    ];
    let severity = proptest::sample::select(Severity::ALL.to_vec());
    (
        proptest::collection::vec(proptest::bool::weighted(0.85), RULES.len()),
        proptest::collection::vec(proptest::bool::weighted(0.1), RULES.len()),
        proptest::collection::vec(proptest::option::weighted(0.6, any::<bool>()), RULES.len() * RESOURCES),
        proptest::collection::vec(
            proptest::option::weighted(0.4, (any::<bool>(), proptest::bool::weighted(0.2))),
            HUB.len() * RESOURCES,
        ),
        proptest::collection::vec(alarm, ALARMS.len()),
        proptest::collection::vec(proptest::option::of((severity, any::<bool>())), ACTIVITY),
        proptest::collection::vec(proptest::bool::weighted(0.9), SOURCES.len()),
        proptest::collection::vec(proptest::bool::weighted(0.1), SOURCES.len()),
    )
        .prop_map(|(deployed, erroring, evaluations, control_findings, alarms, activity, answered, stale)| Case {
            deployed,
            erroring,
            evaluations,
            control_findings,
            alarms,
            activity,
            answered,
            stale,
        })
}

/// `a`, with each element `b`'s where `mask` says so: a second side near the first.
fn mix(a: &Case, b: &Case, mask: &[bool]) -> Case {
    let mut bits = mask.iter().cycle().copied();
    fn pick<T: Clone>(a: &[T], b: &[T], bits: &mut impl Iterator<Item = bool>) -> Vec<T> {
        a.iter().zip(b).map(|(x, y)| if bits.next().unwrap_or(false) { y.clone() } else { x.clone() }).collect()
    }
    Case {
        deployed: pick(&a.deployed, &b.deployed, &mut bits),
        erroring: pick(&a.erroring, &b.erroring, &mut bits),
        evaluations: pick(&a.evaluations, &b.evaluations, &mut bits),
        control_findings: pick(&a.control_findings, &b.control_findings, &mut bits),
        alarms: pick(&a.alarms, &b.alarms, &mut bits),
        activity: pick(&a.activity, &b.activity, &mut bits),
        answered: pick(&a.answered, &b.answered, &mut bits),
        stale: pick(&a.stale, &b.stale, &mut bits),
    }
}

/// The posture a case describes, at the fixtures' time zero.
fn build(c: &Case) -> Posture {
    let mut fx = Fixtures::new();
    let mut posture = Posture::new(Catalog::default_catalog());
    for kind in SOURCES {
        posture.register_source(kind, kind.default_interval());
    }
    let fetched = |source: usize| if c.stale[source] { -3600 } else { 0 };
    if c.answered[0] {
        let mut data = Dataset::default();
        for (r, (name, source, kind)) in RULES.iter().enumerate() {
            if !c.deployed[r] {
                continue;
            }
            let results = &c.evaluations[r * RESOURCES..(r + 1) * RESOURCES];
            let failing = results.contains(&Some(true));
            let compliance = if failing { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
            let mut rule = fx.rule(name, source, compliance, 0);
            if c.erroring[r] {
                rule.evaluation_error = Some("Lambda timed out".into());
            }
            data.rules.push(rule);
            for (n, result) in results.iter().enumerate() {
                let Some(noncompliant) = result else { continue };
                let compliance =
                    if *noncompliant { ConfigCompliance::NonCompliant } else { ConfigCompliance::Compliant };
                let id = if kind.contains("S3") { format!("bucket-{n}") } else { format!("nb-{n}") };
                data.evaluations.push(fx.evaluation(name, kind, &id, compliance, 0));
            }
        }
        posture.apply(fx.replace(SourceKind::Config, fetched(0), data));
    }
    if c.answered[1] {
        let mut findings = Vec::new();
        for (i, spec) in c.control_findings.iter().enumerate() {
            let Some((failed, suppressed)) = spec else { continue };
            let (control, hub_type) = HUB[i / RESOURCES];
            let n = i % RESOURCES;
            let resource = if hub_type == "AwsS3Bucket" {
                format!("arn:aws:s3:::bucket-{n}")
            } else {
                format!("arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-{n}")
            };
            let id = format!("arn:aws:securityhub:us-east-1:123456789012:security-control/{control}/finding/{n}");
            findings.push(fx.finding(FindingSpec {
                id: &id,
                control_id: Some(control),
                severity: Severity::High,
                compliance: Some(if *failed { FindingCompliance::Failed } else { FindingCompliance::Passed }),
                workflow: if *suppressed { WorkflowStatus::Suppressed } else { WorkflowStatus::New },
                resource: (hub_type, &resource),
                ..Default::default()
            }));
        }
        for (i, spec) in c.activity.iter().enumerate() {
            let Some((severity, open)) = spec else { continue };
            let id = format!("arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/g{i}");
            findings.push(fx.finding(FindingSpec {
                id: &id,
                product: "GuardDuty",
                severity: *severity,
                workflow: if *open { WorkflowStatus::New } else { WorkflowStatus::Resolved },
                ..Default::default()
            }));
        }
        posture.apply(fx.replace(SourceKind::SecurityHub, fetched(1), Dataset { findings, ..Default::default() }));
    }
    if c.answered[2] {
        let alarms =
            ALARMS.iter().zip(&c.alarms).filter_map(|(name, state)| state.map(|s| fx.alarm(name, s, 0))).collect();
        posture.apply(fx.replace(SourceKind::CloudWatch, fetched(2), Dataset { alarms, ..Default::default() }));
    }
    posture
}

/// What the diff is checked against, read from the store rather than the report: each
/// control's status and failing resources (ids; missing alarms too).
fn truth(p: &Posture, now: Timestamp) -> Vec<(String, StatusLevel, BTreeSet<String>)> {
    (0..p.catalog().controls.len())
        .map(|i| {
            let mut failing: BTreeSet<String> = p.evidence(i).failing.keys().map(|r| r.id.to_string()).collect();
            failing.extend(p.missing_alarms(i).into_iter().map(String::from));
            (p.control(i).id.to_string(), p.control_status(i, now).level(), failing)
        })
        .collect()
}

/// The open findings at HIGH and above, by id.
fn open_high(p: &Posture) -> BTreeSet<String> {
    p.findings()
        .filter(|f| f.is_active() && f.workflow.is_open() && f.severity >= Severity::High)
        .map(|f| f.id.to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The controls listed are exactly those whose status or failing resources differ, each
    /// with the resources that came and went; whichever schema the earlier side was written in.
    #[test]
    fn the_controls_listed_are_exactly_those_that_differ(
        a in case(),
        b in case(),
        mask in proptest::collection::vec(proptest::bool::weighted(0.2), 1..40),
        before_in_schema_1 in proptest::bool::weighted(0.3),
    ) {
        let now = Fixtures::new().at(0);
        let later = mix(&a, &b, &mask);
        let (before, after) = (build(&a), build(&later));
        let subject = account_subject();
        let mut written = report::json(&before, &subject, now);
        if before_in_schema_1 {
            written = report::version_1(written);
        }
        let side = |input: &str, value: Value| vigil::diff::Side {
            input: input.into(),
            report: vigil::diff::Report::from_value(input, value).unwrap(),
        };
        let d = vigil::diff::compare(&side("before", written), &side("after", report::json(&after, &subject, now)));

        let (was, is) = (truth(&before, now), truth(&after, now));
        let mut expected = Vec::new();
        for ((id, from, kept), (_, to, now_failing)) in was.iter().zip(&is) {
            if from != to || kept != now_failing {
                expected.push(id.clone());
                let c = d.controls.iter().find(|c| c.id == *id);
                prop_assert!(c.is_some(), "{id} differs ({from:?} → {to:?}) but is not listed");
                let c = c.unwrap();
                prop_assert_eq!(c.from.map(|l| l.level()), Some(*from));
                prop_assert_eq!(c.to.map(|l| l.level()), Some(*to));
                let added: BTreeSet<String> = c.resources_added.iter().cloned().collect();
                let removed: BTreeSet<String> = c.resources_removed.iter().cloned().collect();
                prop_assert_eq!(&added, &now_failing.difference(kept).cloned().collect::<BTreeSet<_>>(), "{}", id);
                prop_assert_eq!(&removed, &kept.difference(now_failing).cloned().collect::<BTreeSet<_>>(), "{}", id);
                prop_assert_eq!(c.worse, to.urgency() < from.urgency(), "{}", id);
            }
        }
        let listed: Vec<String> = d.controls.iter().map(|c| c.id.clone()).collect();
        prop_assert_eq!(listed, expected, "listed in the catalog's order, nothing else");

        // Findings by id, where both sides read and list them.
        if before_in_schema_1 || !a.answered[1] || !later.answered[1] {
            prop_assert!(d.findings.new.is_none() && d.findings.resolved.is_none());
        } else {
            let (was, is) = (open_high(&before), open_high(&after));
            let new: BTreeSet<String> = d.findings.new.unwrap().into_iter().map(|f| f.id).collect();
            let resolved: BTreeSet<String> = d.findings.resolved.unwrap().into_iter().map(|f| f.id).collect();
            prop_assert_eq!(new, is.difference(&was).cloned().collect::<BTreeSet<_>>());
            prop_assert_eq!(resolved, was.difference(&is).cloned().collect::<BTreeSet<_>>());
        }
    }
}
