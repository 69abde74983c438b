//! Warm starts from a local snapshot, over real HTTP against the fake: a report keeps its
//! subject's snapshot; after churn, `report --snapshot` reads only what changed (and a share of
//! the background pass) and still equals the fake's truth; a damaged, foreign or expired
//! snapshot is not used, says why, and is replaced.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::fake_aws::{ACCOUNT, FakeAws, Faults, REGION, World};
use super::vigil_report::{command, scratch};
use super::watching::Watching;

/// The one snapshot kept in a run's folder.
fn snapshot_file(dir: &Path) -> PathBuf {
    let snapshots = dir.join("cache").join("vigil").join("snapshots");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&snapshots)
        .unwrap_or_else(|e| panic!("no snapshots in {}: {e}", snapshots.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.remove(0)
}

fn report(fake: &FakeAws, dir: &Path, extra: &[&str]) -> (std::process::Output, Value) {
    let out = command(&fake.url, REGION, dir, super::CONFIG)
        .args(["report", "--format", "json"])
        .args(extra)
        .output()
        .expect("vigil runs");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out, json)
}

fn now_epoch() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn a_warm_report_after_churn_equals_the_truth_in_a_few_calls() {
    let fake = FakeAws::start(World::account(3_000), Faults::default());
    let dir = scratch("snapshot-warm");
    let (out, cold) = report(&fake, &dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(cold.get("basis").is_none(), "a report reads everything unless asked");
    let file = snapshot_file(&dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "owner only");
    }
    let cold_calls = fake.calls()["GetFindings"];
    assert!(cold_calls >= 25, "3,000 findings are some 30 pages: {cold_calls}");

    // 1% of the findings change in AWS (their UpdatedAt moves).
    let now = now_epoch();
    fake.change(|w| {
        for i in (0..3_000).step_by(100) {
            w.raise(i, now);
        }
    });
    let (out, warm) = report(&fake, &dir, &["--snapshot"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let warm_calls = fake.calls()["GetFindings"] - cold_calls;
    assert!(warm_calls <= 20, "what changed, and a share of the background pass: {warm_calls} calls");
    super::assert_findings_match(&fake.world(), &warm);
    super::assert_rules_match(&fake.world(), &warm);
    let basis = &warm["basis"];
    assert!(basis["snapshot_written_at"].is_string(), "{warm:#}");
    assert!(basis["findings_updated_since"].is_string(), "{basis}");
    assert!(basis["not_seen"].as_str().unwrap().contains("workflow"), "{basis}");
    assert_eq!(warm["subject"]["account"], ACCOUNT);
    fake.assert_checked();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The snapshot's header, changed by `edit`, written back (the body, and its checksum, kept).
fn edit_header(file: &Path, edit: impl FnOnce(&mut Value)) {
    let text = std::fs::read_to_string(file).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let mut header: Value = serde_json::from_str(head).unwrap();
    edit(&mut header);
    std::fs::write(file, format!("{header}\n{body}")).unwrap();
}

#[test]
fn a_damaged_foreign_or_expired_snapshot_is_not_used_says_why_and_is_replaced() {
    let fake = FakeAws::start(World::account(300), Faults::default());
    let dir = scratch("snapshot-refused");
    let (out, _) = report(&fake, &dir, &[]);
    assert_eq!(out.status.code(), Some(0));
    let file = snapshot_file(&dir);
    type Spoil = Box<dyn Fn(&Path)>;
    let cases: [(&str, Spoil); 3] = [
        (
            "it is damaged: its checksum does not match what it holds",
            Box::new(|f: &Path| {
                let mut bytes = std::fs::read(f).unwrap();
                let at = bytes.len() - 10;
                bytes[at] ^= 0x20;
                std::fs::write(f, bytes).unwrap();
            }),
        ),
        (
            "it is of account 999999999999, not 123456789012",
            Box::new(|f: &Path| edit_header(f, |h| h["subject"]["account"] = "999999999999".into())),
        ),
        (
            "older than Security Hub keeps findings (90 days)",
            Box::new(|f: &Path| edit_header(f, |h| h["written_at"] = "2024-01-01T00:00:00Z".into())),
        ),
    ];
    for (why, spoil) in cases {
        spoil(&file);
        let before = fake.calls()["GetFindings"];
        let (out, json) = report(&fake, &dir, &["--snapshot"]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{said}");
        assert!(said.contains("snapshot not used (") && said.contains(why), "{why}: {said}");
        assert_eq!(said.lines().filter(|l| l.contains("snapshot")).count(), 1, "said once: {said}");
        assert!(json.get("basis").is_none(), "read from nothing: {json:#}");
        assert!(fake.calls()["GetFindings"] - before >= 3, "every finding read again");
        super::assert_findings_match(&fake.world(), &json);
        // Replaced: the next warm report uses it.
        let (out, json) = report(&fake, &dir, &["--snapshot"]);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("snapshot not used"));
        assert!(json["basis"].is_object(), "{why}: the replaced snapshot is used");
    }
    // --no-snapshot neither reads nor keeps one.
    std::fs::remove_file(&file).unwrap();
    let (out, _) = report(&fake, &dir, &["--no-snapshot"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!file.exists());
    let _ = Duration::ZERO;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_watch_starts_from_the_snapshot_while_aws_is_down_and_leaves_it_once_each_source_reads() {
    let fake = FakeAws::start(World::account(200), Faults::default());
    let dir = scratch("snapshot-watch");
    let (out, cold) = report(&fake, &dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    fake.set_faults(|f| f.down = ["config", "securityhub", "cloudwatch"].into_iter().collect());
    let config = format!("{}securityhub_interval = 1\nconfig_interval = 1\ncloudwatch_interval = 1\n", super::CONFIG);
    let mut watching = Watching::start(&fake, &dir, &config, (40, 160), &[]);
    // AWS answers nothing, yet the last posture is on screen, marked with the snapshot's age.
    let shown = watching.wait_for(&|s, _| s.contains("◷ snapshot") && s.contains("failed"), "the snapshot's posture");
    let score = |json: &Value| json["score"]["overall"].as_u64().unwrap();
    assert!(shown.contains(&format!("Posture ◷{}%", score(&cold))), "the snapshot's score, marked stale: {shown}");
    let failing =
        cold["controls"].as_array().unwrap().iter().find(|c| c["status"] == "fail").expect("a failing control");
    let id = failing["id"].as_str().unwrap();
    assert!(shown.contains(&format!("◷ {id}")), "{id} as the snapshot had it, stale: {shown}");
    // AWS answers again: each source reads, and the snapshot is gone from the screen.
    fake.set_faults(|f| f.down.clear());
    let shown = watching.wait_for(
        &|s, _| {
            !s.contains("◷ snapshot")
                && ["config", "securityhub", "cloudwatch"].iter().all(|k| s.contains(&format!("{k} ● ok")))
        },
        "each source read again",
    );
    assert!(shown.contains(&format!("Posture {}%", score(&cold))), "nothing changed in AWS: {shown}");
    assert!(shown.contains(&format!("✘ {id}")), "{shown}");
    // Quitting keeps a snapshot of what was read.
    let before = std::fs::metadata(snapshot_file(&dir)).unwrap().modified().unwrap();
    watching.quit();
    assert!(std::fs::metadata(snapshot_file(&dir)).unwrap().modified().unwrap() > before, "kept at exit");
    let _ = std::fs::remove_dir_all(&dir);
}
