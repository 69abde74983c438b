//! Record and replay over the wire: 20 s of a watch of the fake recorded, then replayed; the
//! frames rendered at the same moments are equal, `vigil report --replay` equals the fake's
//! truth, and a redacted recording holds none of the fake's account ids.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use vigil::catalog::Catalog;
use vigil::model::{Payload, SourceKind, Timestamp};
use vigil::recording::{Header, Recorder, Recording, Subject};
use vigil::sources::aws::{AccountResolver, AccountSource, Mode, Pollers, Scope};
use vigil::sources::replay::ReplaySource;
use vigil::sources::{Message, Sink, Source, system_clock};
use vigil::store::Posture;
use vigil::ui::{Banner, RenderContext, View};

use super::fake_aws::{ACCOUNT, FakeAws, Faults, REGION, World};
use super::{CONFIG, assert_all_match, sdk, vigil_report};

/// The wire tests' settings, with polls a few seconds apart so that 20 s hold several of each.
fn watch_config() -> String {
    format!("{CONFIG}securityhub_interval = 3\nconfig_interval = 5\ncloudwatch_interval = 4\n")
}

const RECORDED: Duration = Duration::from_secs(20);

/// A frame as the dashboard draws it, with the same view on both sides (the banner and the
/// caption are the replay's own; what is compared is what the store holds).
fn frame(posture: &Posture, now: Timestamp) -> Buffer {
    let theme = vigil::theme::Theme::built_in("dark").unwrap();
    let keymap = vigil::keymap::Keymap::default();
    let view = View::new(Banner::Live { profile: None, region: REGION.into(), account: Some(ACCOUNT.into()) });
    let ctx = RenderContext { theme: &theme, keymap: &keymap, now };
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| vigil::ui::render(f, posture, &view, &ctx)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    buffer
        .content()
        .chunks(buffer.area.width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect()
}

/// Watches the fake for [`RECORDED`] as the dashboard does, recording to `path`; returns the
/// frames drawn each second, with their moments, and the moments events arrived.
fn watch_and_record(fake: &FakeAws, path: &Path) -> (Vec<(Timestamp, Buffer)>, Vec<Timestamp>) {
    let sdk = sdk(&fake.url);
    let settings = vigil::config::Config::parse(&watch_config(), "watch").unwrap().aws;
    let catalog = Catalog::default_catalog();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let clock = system_clock();
        let resolver = AccountResolver::new(sdk.clone(), settings.clone(), Mode::Watch, clock.clone());
        let scope = Scope { account: String::new(), region: REGION.into() };
        let mut sources: Vec<Box<dyn Source>> =
            Pollers::new(&sdk, &settings, scope, resolver.clone(), &catalog, Mode::Watch).into_sources();
        sources.push(Box::new(AccountSource(resolver)));
        let feeds: Vec<_> = sources.iter().flat_map(|s| s.feeds()).collect();
        let subject = Subject { account: None, region: Some(REGION.into()), profile: None };
        let recorder = Recorder::create(path, Header::new(clock(), subject, &feeds, &catalog), false).unwrap();
        let mut posture = Posture::new(catalog.clone());
        for (kind, interval) in &feeds {
            posture.register_source(*kind, *interval);
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(1024);
        for source in sources {
            vigil::sources::spawn(source, Sink::new(tx.clone(), clock.clone()));
        }
        let started = tokio::time::Instant::now();
        let mut tick = tokio::time::interval_at(started + Duration::from_secs(1), Duration::from_secs(1));
        let (mut frames, mut arrivals) = (Vec::new(), Vec::new());
        let mut churned: Option<Timestamp> = None;
        // Reads that completed after the churn, by source: after two, a read begun after it
        // has landed, and what is held is the fake's truth.
        let mut settled: std::collections::BTreeMap<SourceKind, u32> = Default::default();
        loop {
            tokio::select! {
                Some(m) = rx.recv() => {
                    // As the app takes a message: recorded, then applied.
                    let at = clock();
                    recorder.record(at, &m);
                    arrivals.push(at);
                    if let Message::Event(e) = m {
                        let complete = match &e.result {
                            Ok(Payload::Replace(_) | Payload::Sweep { .. }) => true,
                            Ok(Payload::Merge(d)) => !d.fresh.is_empty(),
                            _ => false,
                        };
                        if complete && churned.is_some() {
                            *settled.entry(e.source).or_default() += 1;
                        }
                        posture.apply(e);
                    }
                }
                _ = tick.tick() => {
                    let now = clock();
                    frames.push((now, frame(&posture, now)));
                    if churned.is_none() && started.elapsed() >= Duration::from_secs(8) {
                        // The account moves on: findings, rules and alarms change.
                        fake.change(|w| w.churn(1, now.as_second()));
                        churned = Some(now);
                    }
                    // 20 s, and longer on a busy machine until every source has read the churn.
                    let read_it = settled.len() == 3 && settled.values().all(|n| *n >= 2);
                    if started.elapsed() >= RECORDED && (read_it || started.elapsed() >= 4 * RECORDED) {
                        break;
                    }
                }
            }
        }
        recorder.finish().unwrap();
        (frames, arrivals)
    })
}

/// Replays `path` in virtual time and draws a frame at each of `moments`.
fn replay(path: &Path, moments: &[Timestamp]) -> Vec<Buffer> {
    let recording = Arc::new(Recording::load(path).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
    rt.block_on(async {
        let start = recording.header.started_at;
        let began = tokio::time::Instant::now();
        let playback = ReplaySource::playback(&recording, false);
        let mut posture = Posture::new(recording.catalog().unwrap());
        let source = ReplaySource::new(recording.clone(), playback.clone());
        for (kind, interval) in source.feeds() {
            posture.register_source(kind, interval);
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(1024);
        vigil::sources::spawn(Box::new(source), Sink::new(tx, playback.clock()));
        let mut frames = Vec::new();
        for moment in moments {
            let since = moment.duration_since(start).unsigned_abs();
            // In virtual time every event due before the moment has been sent when it comes.
            tokio::time::sleep_until(began + since).await;
            while let Ok(m) = rx.try_recv() {
                if let Message::Event(e) = m {
                    posture.apply(e);
                }
            }
            frames.push(frame(&posture, *moment));
        }
        frames
    })
}

#[test]
fn a_recorded_watch_replays_frame_for_frame_and_reports_the_truth() {
    let fake = FakeAws::start(World::account_at(300, jiff::Timestamp::now().as_second()), Faults::default());
    let dir = vigil_report::scratch("record-watch");
    let path = dir.join("watch.jsonl");
    let (live, arrivals) = watch_and_record(&fake, &path);
    fake.assert_checked();
    assert!(live.len() >= 19, "a frame a second: {}", live.len());

    // The timer a replay sleeps on counts whole milliseconds: a moment within a few of an
    // arrival could fall either side of it, so such moments are not compared.
    let clear = |m: &Timestamp| arrivals.iter().all(|a| m.duration_since(*a).unsigned_abs() > Duration::from_millis(5));
    let compared: Vec<&(Timestamp, Buffer)> = live.iter().filter(|(m, _)| clear(m)).collect();
    assert!(compared.len() >= 15, "most moments are clear of arrivals: {} of {}", compared.len(), live.len());
    let moments: Vec<Timestamp> = compared.iter().map(|(m, _)| *m).collect();
    let replayed = replay(&path, &moments);
    let mut distinct = std::collections::BTreeSet::new();
    for ((moment, expected), got) in compared.iter().zip(&replayed) {
        assert_eq!(text(got), text(expected), "the frame at {moment}");
        assert_eq!(got, expected, "the frame's colours at {moment}");
        distinct.insert(text(got));
    }
    assert!(distinct.len() >= 3, "the frames change over the 20 s (loading, loaded, churned): {}", distinct.len());

    // The posture at the end of the recording is the fake's truth.
    let (out, report) = replay_report(&path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report["subject"]["account"], ACCOUNT);
    assert_eq!(report["subject"]["recording"], path.display().to_string());
    assert_all_match(&fake.world(), &report);
    // Before the churn it was something else, as it stood then.
    let (_, early) = replay_report(&path, &["--at", "7s"]);
    assert_ne!(early["findings"], report["findings"], "the churn changed the findings");
}

pub fn replay_report(path: &Path, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["report", "--format", "json", "--replay"])
        .arg(path)
        .args(extra)
        .arg("--log-file")
        .arg(path.with_extension("log"))
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out, json)
}

/// Every account id in `text`: in an ARN's account field or an account field.
fn account_ids(text: &str) -> std::collections::BTreeSet<String> {
    let re = regex::Regex::new(r#"(arn:[^:"]*:[^:"]*:[^:"]*:|"account":"|"AwsAccountId":")([0-9]{12})"#).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    for line in text.lines() {
        let mut at = 0;
        while let Some(c) = re.captures_at(line, at) {
            let m = c.get(2).unwrap();
            ids.insert(m.as_str().to_string());
            at = m.end();
        }
    }
    ids
}

#[test]
fn vigil_record_makes_one_poll_and_redacts_every_account_id() {
    let fake = FakeAws::start(World::account(300), Faults::default());
    let dir = vigil_report::scratch("record-redact");
    let record = |out: &str, redact: bool| {
        let path = dir.join(out);
        let mut extra = vec!["record", "--out", path.to_str().unwrap()];
        if redact {
            extra.push("--redact");
        }
        let output = vigil_report::command(&fake.url, REGION, &dir, CONFIG).args(&extra).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let said = String::from_utf8_lossy(&output.stderr).to_string();
        (std::fs::read_to_string(&path).unwrap(), said, path)
    };
    let (plain, said, plain_path) = record("plain.jsonl", false);
    assert!(said.starts_with("vigil: recorded "), "{said}");
    let events = plain.lines().filter(|l| l.contains(r#""event":"#)).count();
    assert!(said.starts_with(&format!("vigil: recorded {events} events (config ")), "{said}");
    assert!(said.contains(", securityhub ") && said.contains(", cloudwatch "), "{said}");
    let ids = account_ids(&plain);
    assert!(ids.contains(ACCOUNT), "the recording holds the account: {ids:?}");
    let (redacted, _, redacted_path) = record("redacted.jsonl", true);
    for id in &ids {
        assert!(!redacted.contains(id.as_str()), "{id} is in the redacted recording");
    }
    assert_eq!(plain.lines().count(), redacted.lines().count());
    let header: serde_json::Value = serde_json::from_str(redacted.lines().next().unwrap()).unwrap();
    assert_eq!(header["redacted"], true);
    // The same posture, under made-up account ids.
    let (_, a) = replay_report(&plain_path, &[]);
    let (_, b) = replay_report(&redacted_path, &[]);
    assert_eq!(b["subject"]["account"], "000000000001", "the first id seen is the first fake");
    assert_eq!(a["controls"].as_array().unwrap().len(), b["controls"].as_array().unwrap().len());
    for (x, y) in a["controls"].as_array().unwrap().iter().zip(b["controls"].as_array().unwrap()) {
        assert_eq!((&x["id"], &x["status"], &x["failing"]), (&y["id"], &y["status"], &y["failing"]));
    }
    assert_eq!(a["findings"]["total"], b["findings"]["total"]);
    assert_all_match(&fake.world(), &a);
}
