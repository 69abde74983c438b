//! The commands at their edges, as a user runs them: every problem of a catalog said at once, a
//! config file's mistake named by its key, `--at` outside a recording refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vigil::catalog::Catalog;
use vigil::recording::{Header, Recorder, Subject};
use vigil::sources::Message;

/// A folder of the test's own: its files, log, HOME and config home.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-cli-edges-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// vigil with `args`, cut off from the machine's config file and log.
fn vigil(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .arg("--log-file")
        .arg(dir.join("vigil.log"))
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .output()
        .expect("vigil runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn catalog_check_reports_every_problem_then_how_many() {
    let dir = scratch("catalog");
    let file = dir.join("catalog.toml");
    std::fs::write(
        &file,
        "[[control]]\nid = \"PRV-01\"\nkind = \"preventative\"\ntitle = \"Notebooks stay in the VPC\"\nalarms = [\"A\"]\n\n\
         [[control]]\nid = \"DET-01\"\nkind = \"detective\"\ntitle = \"Trail on\"\nmetrics = [\"LogMetrics\"]\nalrams = [\"B\"]\n",
    )
    .unwrap();
    let name = file.display().to_string();
    let o = vigil(&dir, &["catalog", "check", &name]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let said = stderr(&o);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 4, "three problems and their count:\n{said}");
    assert_eq!(
        lines[0],
        format!(
            "vigil: {name}:3:8: control[0].kind: unknown variant `preventative`, expected one of `preventive`, `detective`, `corrective`"
        )
    );
    assert_eq!(lines[1], format!("vigil: {name}:11:12: control[1].metrics[0]: `LogMetrics` is not NAMESPACE/METRIC"));
    assert!(lines[2].starts_with(&format!("vigil: {name}:12:1: control[1].alrams: unknown field `alrams`")), "{said}");
    assert_eq!(lines[3], format!("vigil: {name}: 3 problems"));

    // Fixed, it says so.
    let fixed = std::fs::read_to_string(&file)
        .unwrap()
        .replace("preventative", "preventive")
        .replace("\"LogMetrics\"", "\"LogMetrics/CloudTrailChanges\"")
        .replace("alrams", "alarms");
    std::fs::write(&file, fixed).unwrap();
    let o = vigil(&dir, &["catalog", "check", &name]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), format!("{name}: ok, 2 controls\n"));
}

#[test]
fn a_config_file_mistake_is_named_by_its_key_and_place() {
    let dir = scratch("config");
    let config = dir.join("vigil.toml");
    let name = config.display().to_string();
    let cases = [
        ("theme = \"solarized\"\n", format!("{name}:1:9: theme: `solarized` is neither a built-in theme")),
        ("[keys]\nquit = [\"q\"]\nqiut = [\"x\"]\n", format!("{name}:3:1: keys.qiut: unknown action `qiut`")),
        ("[keys]\nhelp = [\"?\", \"ctl-h\"]\n", format!("{name}:2:14: keys.help: `ctl-h` is not a key")),
        ("[guardrails]\ntests = 3\n", format!("{name}:2:9: guardrails.tests: invalid type: integer `3`")),
    ];
    for (text, expected) in cases {
        std::fs::write(&config, text).unwrap();
        let o = vigil(&dir, &["--config", &name, "catalog", "list"]);
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(&format!("vigil: {expected}")), "{text}: {}", stderr(&o));
    }
}

/// A recording of 20 seconds: the account at its start, again at its end.
fn twenty_seconds(dir: &Path) -> PathBuf {
    let start: jiff::Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
    let path = dir.join("short.jsonl");
    let header = Header::new(start, Subject::default(), &[], &Catalog::default_catalog());
    let recorder = Recorder::create(&path, header, false).unwrap();
    recorder.record(start, &Message::Account("123456789012".into()));
    recorder.record(start + jiff::SignedDuration::from_secs(20), &Message::Account("123456789012".into()));
    recorder.finish().unwrap();
    path
}

#[test]
fn report_at_a_moment_outside_the_recording_is_refused_with_its_span() {
    let dir = scratch("at");
    let path = twenty_seconds(&dir);
    let file = path.display().to_string();
    let report = |at: &str| vigil(&dir, &["report", "--replay", &file, "--at", at]);
    let span = format!("{file} runs from 2026-11-29T10:00:00Z to 2026-11-29T10:00:20Z (20s)");
    let o = report("5m");
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "no report of a moment the recording does not hold");
    assert_eq!(stderr(&o), format!("vigil: --at 5m (2026-11-29T10:05:00Z) is after the recording's end: {span}\n"));
    let o = report("2026-11-29T09:59:00Z");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), format!("vigil: --at 2026-11-29T09:59:00Z is before the recording's start: {span}\n"));
    // Its first and last moments are in it.
    for at in ["0s", "20s", "2026-11-29T10:00:20Z"] {
        let o = report(at);
        assert_eq!(o.status.code(), Some(0), "--at {at}: {}", stderr(&o));
    }
}
