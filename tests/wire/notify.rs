//! Watching live against the wire-level fake: a rule turns NON_COMPLIANT in AWS, and within two
//! polls the status line announces the control that turned FAIL, `--notify-command` receives the
//! change as JSON, and `--notify desktop` writes the OSC 777 sequence to the terminal.

use std::time::{Duration, Instant};

use super::fake_aws::{FakeAws, Faults, World};
use super::vigil_report;
use super::watching::Watching;

const ROWS: u16 = 40;
const COLS: u16 = 160;

/// PRV-06 binds SAGEMAKER_DOMAIN_IN_VPC alone: every such rule compliant, so that it starts PASS.
const SOURCE: &str = "SAGEMAKER_DOMAIN_IN_VPC";

#[test]
fn a_rule_turning_noncompliant_is_announced_notified_and_sent_to_the_command() {
    let fake = FakeAws::start(World::account(200), Faults::default());
    fake.change(|w| {
        for r in w.rules.iter_mut().filter(|r| r.source == SOURCE) {
            r.noncompliant.clear();
            r.quiet = "COMPLIANT";
        }
    });
    let dir = vigil_report::scratch("notify");
    let config = format!("{}securityhub_interval = 1\nconfig_interval = 1\ncloudwatch_interval = 1\n", super::CONFIG);
    let told_to = format!("cat >> '{}'", dir.join("told.jsonl").display());
    let mut vigil =
        Watching::start(&fake, &dir, &config, (ROWS, COLS), &["--notify", "desktop", "--notify-command", &told_to]);
    let raw_text = |raw: &[u8]| String::from_utf8_lossy(raw).into_owned();
    // The first complete reads: the baseline, nothing to tell.
    vigil.wait_for(&|s, _| s.contains("config ● ok") && s.contains("✔ PRV-06"), "PRV-06 PASS");
    assert!(!raw_text(&vigil.raw).contains("\x1b]777;"), "nothing told during the first load");
    assert!(!dir.join("told.jsonl").exists(), "nothing sent during the first load");

    // In AWS, a Studio domain outside a VPC.
    fake.change(|w| {
        let rule = w.rules.iter_mut().find(|r| r.source == SOURCE && r.details_readable()).expect("a domain rule");
        rule.noncompliant.push("d-public0001".to_string());
    });
    let told = Instant::now();
    let shown = vigil.wait_for(&|s, _| s.contains("PRV-06 PASS → FAIL: d-public0001"), "the announcement");
    assert!(told.elapsed() < Duration::from_secs(10), "within two polls of a second each (and their calls)");
    vigil.wait_for(
        &|_, raw| {
            let text = String::from_utf8_lossy(raw);
            text.contains("\x1b]777;notify;vigil;") && text.contains("PRV-06 PASS → FAIL: d-public0001")
        },
        "the desktop notification",
    );
    // The header counts it among the changes not yet seen.
    assert!(shown.contains("Δ "), "{shown}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let json = loop {
        let text = std::fs::read_to_string(dir.join("told.jsonl")).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("\"PRV-06\"") && l.contains("\"status\"")) {
            break serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        assert!(Instant::now() < deadline, "the command never received the change: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(json["schema_version"], 1);
    assert_eq!(
        (json["kind"].as_str(), json["from"].as_str(), json["to"].as_str()),
        (Some("status"), Some("PASS"), Some("FAIL"))
    );
    assert_eq!(json["control"]["id"], "PRV-06");
    assert!(json["resource"]["id"].as_str().is_some_and(|id| id.contains("d-public0001")), "{json}");
    assert!(json["via"].as_str().is_some_and(|v| v.starts_with("rule ")), "{json}");
    // `c` lists it, newest first.
    vigil.keys("c");
    let shown =
        vigil.wait_for(&|s, _| s.contains(" Changes ") && s.contains("✘ PRV-06 PASS → FAIL"), "the Changes view");
    assert!(shown.contains("d-public0001"), "{shown}");
    vigil.quit();
    let _ = std::fs::remove_dir_all(&dir);
}
