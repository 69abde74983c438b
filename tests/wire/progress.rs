//! `vigil report`'s progress on a terminal: with stderr a terminal (and the report going to a
//! file), each source's calls, pages and rate on one line rewritten in place, never wider than
//! the terminal, and cleared at the end, leaving the screen as it was.

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use super::fake_aws::{FakeAws, Faults, REGION, World};
use super::vigil_report;

const COLS: u16 = 100;

#[test]
fn a_report_shows_its_progress_on_a_terminal_and_clears_it() {
    let fake = FakeAws::start(World::account(2_000), Faults::default());
    let dir = vigil_report::scratch("progress");
    // Security Hub's 20 pages paced at 10 a second after its burst, and Config's calls at 10 a
    // second: the line has time to move on a loaded machine, whichever source finishes first.
    let config = super::CONFIG.replace("get_findings = 0", "get_findings = 10").replace("config = 0", "config = 10");
    std::fs::write(dir.join("vigil.toml"), config).unwrap();
    let pair = native_pty_system()
        .openpty(PtySize { rows: 24, cols: COLS, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new("sh");
    cmd.args([
        "-c",
        r#"exec "$VIGIL" --endpoint-url "$URL" --region "$REGION" --config "$DIR/vigil.toml" --log-file "$DIR/vigil.log" report --format json > "$DIR/report.json""#,
    ]);
    cmd.env("VIGIL", env!("CARGO_BIN_EXE_vigil"));
    cmd.env("URL", &fake.url);
    cmd.env("REGION", REGION);
    cmd.env("DIR", &dir);
    cmd.env("HOME", &dir);
    cmd.env("TERM", "xterm-256color");
    cmd.env("AWS_ACCESS_KEY_ID", "test");
    cmd.env("AWS_SECRET_ACCESS_KEY", "test");
    cmd.env_remove("AWS_PROFILE");
    cmd.env_remove("AWS_SESSION_TOKEN");
    cmd.env("AWS_CONFIG_FILE", dir.join("no-config"));
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"));
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    cmd.cwd(&dir);
    let mut child = pair.slave.spawn_command(cmd).expect("sh starts");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut raw = Vec::new();
    let status = loop {
        while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(50)) {
            raw.extend(bytes);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the report did not end: {:?}", String::from_utf8_lossy(&raw));
    };
    while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(200)) {
        raw.extend(bytes);
    }
    let shown = String::from_utf8_lossy(&raw).into_owned();
    assert_eq!(status.exit_code(), 0, "{shown:?}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    for source in report["sources"].as_array().unwrap() {
        assert_eq!(source["health"], "ok", "{source}");
    }
    let _ = std::fs::remove_dir_all(&dir);

    // Each drawing starts at the line's start and erases what the last one left.
    let drawings: Vec<&str> = shown.split('\r').filter_map(|d| d.strip_suffix("\x1b[K")).collect();
    assert!(drawings.len() >= 3, "the line was drawn a few times: {shown:?}");
    println!("the progress line, as drawn:\n  {}", drawings.join("\n  "));
    for d in &drawings {
        assert!(d.chars().count() < usize::from(COLS), "wider than the terminal: {d:?}");
    }
    let loading =
        drawings.iter().find(|d| d.contains("securityhub ") && d.contains(" pages ") && d.contains(" findings"));
    assert!(loading.is_some(), "Security Hub's pages and findings as they came: {drawings:?}");
    assert!(drawings.iter().any(|d| d.contains("/s")), "a rate: {drawings:?}");
    assert!(drawings.iter().any(|d| d.contains("config ") && d.contains(" calls")), "Config's calls: {drawings:?}");
    assert!(
        drawings.contains(&"config done · securityhub done · cloudwatch done"),
        "every source done at the end: {drawings:?}"
    );
    // Cleared at the end: the terminal shows nothing of it.
    assert!(shown.ends_with("\r\x1b[K"), "{shown:?}");
    let mut screen = vt100::Parser::new(24.try_into().unwrap(), COLS.try_into().unwrap(), 0);
    screen.process(&raw);
    assert_eq!(screen.screen().contents().trim(), "", "the screen after the report");
}
