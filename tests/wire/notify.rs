//! Watching live against the wire-level fake: a rule turns NON_COMPLIANT in AWS, and within two
//! polls the status line announces the control that turned FAIL, `--notify-command` receives the
//! change as JSON, and `--notify desktop` writes the OSC 777 sequence to the terminal.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use super::fake_aws::{FakeAws, Faults, REGION, World};
use super::vigil_report;

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
    std::fs::write(dir.join("vigil.toml"), config).unwrap();
    let pair = native_pty_system()
        .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_vigil"));
    cmd.args(["--endpoint-url", &fake.url, "--region", REGION, "--theme", "dark"]);
    cmd.arg("--config");
    cmd.arg(dir.join("vigil.toml"));
    cmd.arg("--log-file");
    cmd.arg(dir.join("vigil.log"));
    cmd.args(["watch", "--notify", "desktop", "--notify-command"]);
    cmd.arg(format!("cat >> '{}'", dir.join("told.jsonl").display()));
    cmd.env("HOME", &dir);
    cmd.env("XDG_CACHE_HOME", dir.join("cache"));
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("TMUX");
    cmd.env("AWS_ACCESS_KEY_ID", "test");
    cmd.env("AWS_SECRET_ACCESS_KEY", "test");
    cmd.env_remove("AWS_PROFILE");
    cmd.env_remove("AWS_SESSION_TOKEN");
    cmd.env("AWS_CONFIG_FILE", dir.join("no-config"));
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"));
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    cmd.cwd(&dir);
    let mut child = pair.slave.spawn_command(cmd).expect("vigil starts");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = vt100::Parser::new(ROWS.try_into().unwrap(), COLS.try_into().unwrap(), 0);
    let mut raw: Vec<u8> = Vec::new();
    let mut wait_for = |what: &dyn Fn(&str, &[u8]) -> bool, why: &str| {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(50)) {
                // The terminal's questions (its background colour) go unanswered: vigil gives up.
                screen.process(&bytes);
                raw.extend(bytes);
            }
            let contents = screen.screen().contents();
            if what(&contents, &raw) {
                return (contents, String::from_utf8_lossy(&raw).into_owned());
            }
            assert!(Instant::now() < deadline, "{why}: never came; the screen:\n{contents}");
        }
    };
    // The first complete reads: the baseline, nothing to tell.
    let (_, so_far) = wait_for(&|s, _| s.contains("config ● ok") && s.contains("✔ PRV-06"), "PRV-06 PASS");
    assert!(!so_far.contains("\x1b]777;"), "nothing told during the first load");
    assert!(!dir.join("told.jsonl").exists(), "nothing sent during the first load");

    // In AWS, a Studio domain outside a VPC.
    fake.change(|w| {
        let rule = w.rules.iter_mut().find(|r| r.source == SOURCE && r.details_readable()).expect("a domain rule");
        rule.noncompliant.push("d-public0001".to_string());
    });
    let told = Instant::now();
    let (shown, _) = wait_for(&|s, _| s.contains("PRV-06 PASS → FAIL: d-public0001"), "the announcement");
    assert!(told.elapsed() < Duration::from_secs(10), "within two polls of a second each (and their calls)");
    wait_for(
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
    writer.write_all(b"c").unwrap();
    writer.flush().unwrap();
    let (shown, _) =
        wait_for(&|s, _| s.contains(" Changes ") && s.contains("✘ PRV-06 PASS → FAIL"), "the Changes view");
    assert!(shown.contains("d-public0001"), "{shown}");
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "vigil did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
