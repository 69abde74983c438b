//! The commands at the edges (issue 20): the dashboard's commands without a terminal say so
//! and exit 2 before anything starts (once their arguments are known good); `vigil report` against an endpoint where nothing listens,
//! or whose host is unknown, exits 3 at once with each source's error said once on stderr, and
//! the dashboard's pollers meet it calmly, polling again each interval without retrying.

#[allow(dead_code)]
mod vigil_report;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// What a dashboard command says without a terminal.
fn needs_terminal(command: &str) -> String {
    format!("vigil: {command} needs a terminal; for a posture without one, use vigil report\n")
}

/// vigil with `args`, its log and HOME in `dir`, and no terminal at all: stdin, stdout and
/// stderr are pipes.
fn piped(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--log-file")
        .arg(dir.join("vigil.log"))
        .args(args)
        .env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("vigil runs")
}

/// A recording good enough to replay: the account, and nothing else.
fn recorded(dir: &Path) -> std::path::PathBuf {
    use vigil::catalog::Catalog;
    use vigil::recording::{Header, Recorder, Subject};
    use vigil::sources::Message;
    let t0: jiff::Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
    let subject = Subject { account: None, region: Some("us-east-1".into()), profile: None };
    let header = Header::new(t0, subject, &[], &Catalog::default_catalog());
    let path = dir.join("incident.jsonl");
    let recorder = Recorder::create(&path, header, false).unwrap();
    recorder.record(t0, &Message::Account("123456789012".into()));
    recorder.finish().unwrap();
    path
}

#[test]
fn without_a_terminal_demo_replay_and_watch_say_so_and_exit_2() {
    let dir = vigil_report::scratch("no-terminal");
    let recording = recorded(&dir);
    let recording = recording.to_str().unwrap();
    for (args, command) in [
        (&["demo"][..], "demo"),
        (&["demo", "--step"][..], "demo"),
        (&["replay", recording][..], "replay"),
        (&["watch"][..], "watch"),
        // Bare `vigil` is `watch`.
        (&[][..], "watch"),
    ] {
        let out = piped(&dir, args);
        assert_eq!(out.status.code(), Some(2), "vigil {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stderr), needs_terminal(command), "vigil {args:?}");
        assert!(out.stdout.is_empty(), "vigil {args:?} wrote to stdout: {:?}", String::from_utf8_lossy(&out.stdout));
        // Said once the arguments were known good, before anything started: not even the log
        // was opened.
        assert!(!dir.join("vigil.log").exists(), "vigil {args:?} started logging");
    }
    // A mistake in the arguments is said first: that needs no terminal to fix.
    let out = piped(&dir, &["replay", dir.join("missing.jsonl").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("missing.jsonl") && !said.contains("needs a terminal"), "{said}");
    // What needs no terminal still works without one.
    let out = piped(&dir, &["demo", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("workshop"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `shell` (with `$VIGIL` the binary and `$DIR` a scratch folder) in a pseudo-terminal:
/// its exit code and everything the terminal showed.
fn in_a_terminal(tag: &str, shell: &str) -> (u32, String) {
    let dir = vigil_report::scratch(tag);
    let pair = native_pty_system()
        .openpty(PtySize { rows: 24, cols: 100, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new("sh");
    cmd.args(["-c", shell]);
    cmd.env("VIGIL", env!("CARGO_BIN_EXE_vigil"));
    cmd.env("DIR", &dir);
    cmd.env("HOME", &dir);
    cmd.env("TERM", "xterm-256color");
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
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut shown = Vec::new();
    let status = loop {
        while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(50)) {
            shown.extend(bytes);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`{shell}` did not end; the terminal shows: {:?}", String::from_utf8_lossy(&shown));
        }
    };
    while let Ok(bytes) = rx.recv_timeout(Duration::from_millis(200)) {
        shown.extend(bytes);
    }
    let _ = std::fs::remove_dir_all(&dir);
    (status.exit_code(), String::from_utf8_lossy(&shown).into_owned())
}

#[test]
fn a_terminal_on_only_one_side_is_not_enough() {
    // Keys from a terminal, the screen into a file: the dashboard would draw into the file.
    let (code, shown) = in_a_terminal("stdout-file", r#"exec "$VIGIL" --log-file "$DIR/vigil.log" demo > "$DIR/out""#);
    assert_eq!(code, 2, "{shown:?}");
    assert!(shown.contains(needs_terminal("demo").trim_end()), "{shown:?}");
    // The screen on a terminal, no keys: nobody could quit it.
    let (code, shown) = in_a_terminal("stdin-null", r#"exec "$VIGIL" --log-file "$DIR/vigil.log" demo < /dev/null"#);
    assert_eq!(code, 2, "{shown:?}");
    assert!(shown.contains(needs_terminal("demo").trim_end()), "{shown:?}");
    assert!(!shown.contains("\x1b[?1049h"), "the alternate screen was entered: {shown:?}");
}

/// A port on this machine where nothing listens (bound, then let go).
#[cfg(feature = "aws")]
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// `vigil report --format json` against `endpoint`, with the default retries (8 attempts a
/// call), timed: the exit code, stderr, the report and how long it took.
#[cfg(feature = "aws")]
fn report_against(endpoint: &str, tag: &str) -> (Option<i32>, String, serde_json::Value, Duration) {
    let dir = vigil_report::scratch(tag);
    let started = Instant::now();
    let out = vigil_report::command(endpoint, "us-east-1", &dir, "")
        .args(["report", "--format", "json"])
        .stdin(Stdio::null())
        .output()
        .expect("vigil runs");
    let took = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {stderr}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), stderr, json, took)
}

/// Each source's error (and the account's) said once on stderr, and nothing else there (no
/// progress: stderr is not a terminal); each naming the endpoint and `why`.
#[cfg(feature = "aws")]
fn assert_each_error_once(stderr: &str, endpoint: &str, why: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(!stderr.contains('\r') && !stderr.contains('\x1b'), "progress on a stderr that is no terminal: {stderr:?}");
    let expected = [
        ("vigil: the account is unknown: sts:GetCallerIdentity: ", "the account"),
        ("vigil: config failed: config:DescribeConfigRules: ", "config"),
        ("vigil: securityhub failed: securityhub:GetFindings: ", "securityhub"),
        ("vigil: cloudwatch failed: cloudwatch:DescribeAlarms: ", "cloudwatch"),
    ];
    assert_eq!(lines.len(), expected.len(), "one line for the account and each source:\n{stderr}");
    for (start, what) in expected {
        let said: Vec<&&str> = lines.iter().filter(|l| l.starts_with(start)).collect();
        assert_eq!(said.len(), 1, "{what}'s error once:\n{stderr}");
        assert!(said[0].contains(&format!("cannot connect to {endpoint}: {why}")), "{what}:\n{stderr}");
    }
}

#[cfg(feature = "aws")]
fn assert_every_source_failed(report: &serde_json::Value, endpoint: &str) {
    for source in report["sources"].as_array().unwrap() {
        assert_eq!(source["health"], "failed", "{source}");
        assert!(source["error"].as_str().unwrap().contains(&format!("cannot connect to {endpoint}")), "{source}");
    }
    assert!(report["subject"]["account"].is_null());
}

#[cfg(feature = "aws")]
#[test]
fn a_report_where_nothing_listens_fails_at_once_saying_each_error_once() {
    let endpoint = format!("http://127.0.0.1:{}", dead_port());
    let (code, stderr, report, took) = report_against(&endpoint, "refused");
    assert_eq!(code, Some(3), "a source failed:\n{stderr}");
    // Retried as before (8 attempts, backing off), this took 82 s.
    assert!(took < Duration::from_secs(5), "took {took:?}:\n{stderr}");
    assert_each_error_once(&stderr, &endpoint, "Connection refused");
    assert_every_source_failed(&report, &endpoint);
}

#[cfg(feature = "aws")]
#[test]
fn a_report_whose_host_is_unknown_fails_at_once_saying_each_error_once() {
    // `.invalid` never resolves (RFC 6761).
    let endpoint = "http://nonexistent.invalid:1";
    let (code, stderr, report, took) = report_against(endpoint, "unknown-host");
    assert_eq!(code, Some(3), "a source failed:\n{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}:\n{stderr}");
    assert_each_error_once(&stderr, endpoint, "unknown host");
    assert_every_source_failed(&report, endpoint);
}

/// The dashboard's pollers against a dead endpoint: each poll fails at once (no retries), the
/// source says why, and it polls again at its next interval rather than stopping.
#[cfg(feature = "aws")]
#[test]
fn watch_polls_a_dead_endpoint_again_each_interval_without_retrying() {
    use vigil::catalog::Catalog;
    use vigil::config::AwsSettings;
    use vigil::model::{Payload, SourceKind};
    use vigil::sources::aws::{AccountResolver, Mode, Pollers, Scope};
    use vigil::sources::{Message, Sink, system_clock};

    let endpoint = format!("http://127.0.0.1:{}", dead_port());
    let settings = AwsSettings {
        endpoint_url: Some(endpoint.clone()),
        config_interval: 0.2,
        securityhub_interval: 0.2,
        cloudwatch_interval: 0.2,
        ..AwsSettings::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"))
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .load()
            .await;
        let resolver = AccountResolver::known("123456789012", sdk.clone(), settings.clone(), system_clock());
        let scope = Scope { account: "123456789012".into(), region: "us-east-1".into() };
        let pollers = Pollers::new(&sdk, &settings, scope, resolver, &Catalog::default_catalog(), Mode::Watch);
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        let sink = Sink::new(tx, system_clock());
        for source in pollers.into_sources() {
            vigil::sources::spawn(source, sink.clone());
        }
        drop(sink);
        let kinds = [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch];
        let mut failed = [0u32; 3];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while failed.iter().any(|n| *n < 3) {
            let message = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .unwrap_or_else(|_| panic!("three failed polls of each source within 20 s; failed {failed:?}"))
                .expect("the sources go on");
            let Message::Event(event) = message else { continue };
            let i = kinds.iter().position(|k| *k == event.source).unwrap();
            match &event.result {
                Err(e) => {
                    assert!(e.to_string().contains(&format!("cannot connect to {endpoint}")), "{e}");
                    failed[i] += 1;
                }
                Ok(Payload::Retrying { attempt, error }) => {
                    panic!("{}: a call that cannot connect was retried ({attempt}: {error})", event.source)
                }
                Ok(_) => {}
            }
        }
    });
    runtime.shutdown_background();
}
