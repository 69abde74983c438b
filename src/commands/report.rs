//! `vigil report`: one full poll of every source, the posture printed, an exit code for CI.
//! While it polls, a terminal's stderr shows each source's progress on one line, rewritten in
//! place and cleared at the end; each source that failed is then said once, on a line of its
//! own. A stderr that is not a terminal (a script, CI) gets the failures only.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[cfg(feature = "aws")]
use crate::catalog::Catalog;
use crate::cli::{FailOn, ReportArgs, Settings};
use crate::model::{StatusLevel, Timestamp};
use crate::policy::Suite;
use crate::recording::{Recorded, Recording};
use crate::report::{self, Format, Subject};
#[cfg(feature = "aws")]
use crate::sources::Sink;
use crate::sources::demo::{DemoScript, Scenario};
use crate::sources::guardrails::GuardrailSource;
use crate::sources::{Clock, Message, Payload, Source, SourceError, SourceEvent, SourceKind};
use crate::store::{Health, Posture};

/// The report's exit codes.
pub const SOURCE_FAILED: u8 = 3;
pub const FAILED_CONTROLS: u8 = 1;

/// Takes the events of a read into `posture` in the order their sink delivered them, as the
/// dashboard takes them (a report has no view: the other messages say nothing to it).
fn feed(posture: &mut Posture, events: impl IntoIterator<Item = SourceEvent>) {
    for event in events {
        posture.apply(event);
    }
}

/// Runs `source` to its end through a sink, as the dashboard runs it, its feeds registered and
/// its events taken into `posture`.
fn read(runtime: &tokio::runtime::Runtime, posture: &mut Posture, source: Box<dyn Source>, clock: Clock) {
    for (kind, interval) in source.feeds() {
        posture.register_source(kind, interval);
    }
    feed(posture, runtime.block_on(crate::sources::collect(clock, |sink| source.run(sink))));
}

/// The demo's baseline.
fn demo(posture: &mut Posture, now: Timestamp) {
    let mut script = DemoScript::new(Scenario::workshop(), now);
    for (kind, interval) in DemoScript::feeds() {
        posture.register_source(kind, interval);
    }
    let opening = script.opening().into_iter().filter_map(|m| match m {
        Message::Event(e) => Some(e),
        _ => None,
    });
    feed(posture, opening);
}

/// What one poll of every AWS source watched, and why the account is unknown when STS could
/// not say it (the poll goes on without it).
#[derive(Debug, Default)]
pub struct Watched {
    pub subject: Subject,
    pub account_error: Option<SourceError>,
}

/// One poll of every AWS source, through `sink` as in the dashboard (the account first, once
/// STS has said it); returns what was watched. `vigil report` and `vigil record` both poll so.
#[cfg(feature = "aws")]
pub async fn poll_everything(
    aws_settings: &crate::config::AwsSettings,
    catalog: &Catalog,
    clock: Clock,
    sink: Sink,
) -> Result<Watched, String> {
    poll_everything_told(aws_settings, catalog, clock, sink, &|_, _| {}).await
}

/// As [`poll_everything`], telling `finished` each source that has delivered its poll and
/// whether the poll failed.
#[cfg(feature = "aws")]
pub async fn poll_everything_told(
    aws_settings: &crate::config::AwsSettings,
    catalog: &Catalog,
    clock: Clock,
    sink: Sink,
    finished: &impl Fn(SourceKind, bool),
) -> Result<Watched, String> {
    poll_everything_warm(aws_settings, catalog, clock, sink, finished, None).await
}

/// Where a warm read starts: the snapshot's account, its newest `UpdatedAt` and how many
/// findings it held.
pub struct WarmFrom {
    pub account: Option<String>,
    pub watermark: Timestamp,
    pub findings: u64,
}

/// As [`poll_everything_told`]; with `warm`, Security Hub reads only what changed since the
/// snapshot instead of every finding, when STS names the snapshot's account.
#[cfg(feature = "aws")]
pub async fn poll_everything_warm(
    aws_settings: &crate::config::AwsSettings,
    catalog: &Catalog,
    clock: Clock,
    sink: Sink,
    finished: &impl Fn(SourceKind, bool),
    warm: Option<WarmFrom>,
) -> Result<Watched, String> {
    use crate::sources::aws::poller::{Poll, deliver};
    use crate::sources::aws::{Mode, Pollers};
    async fn poll_once<P: Poll>(poll: &mut P, sink: &Sink, finished: &impl Fn(SourceKind, bool)) {
        let polled = Box::pin(poll.poll(sink)).await;
        let failed = polled.error.is_some();
        deliver(poll.kind(), polled, sink).await;
        finished(poll.kind(), failed);
    }
    // The one assembly every command that reads AWS shares; each poller resolves its account
    // from the resolver, which is asked here first so that the report can say whose it is.
    let live = super::live::polling(aws_settings, catalog, Mode::Report, clock).await?;
    let (account, account_error) = match live.resolver.lookup().await {
        Ok(id) => (Some(id), None),
        Err(e) => (None, Some(e)),
    };
    if let Some(id) = &account {
        sink.account(id.clone()).await;
    }
    let subject = Subject {
        account,
        region: Some(live.region.clone()),
        profile: aws_settings.profile.clone(),
        ..Default::default()
    };
    let Pollers { mut config, mut securityhub, mut cloudwatch } = live.pollers;
    if let Some(w) = warm {
        securityhub.warm(w.watermark, w.findings, w.account);
    }
    tokio::join!(
        poll_once(&mut config, &sink, finished),
        poll_once(&mut securityhub, &sink, finished),
        poll_once(&mut cloudwatch, &sink, finished)
    );
    Ok(Watched { subject, account_error })
}

/// The AWS sources one poll reads.
pub const POLLED: [SourceKind; 3] = [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch];

/// One poll of every AWS source into `posture`, its progress on `line` as it goes (when there
/// is one), started from the local snapshot and kept as one as `snapshots` says; returns why
/// the account is unknown, when it is.
#[cfg(feature = "aws")]
async fn live(
    posture: &mut Posture,
    settings: &Settings,
    subject: &mut Subject,
    clock: Clock,
    line: Option<ProgressLine>,
    snapshots: Snapshots,
) -> Result<Option<SourceError>, String> {
    for kind in POLLED {
        posture.register_source(kind, kind.default_interval());
    }
    let catalog = posture.catalog().clone();
    // The subject's snapshot: read to start from (`--snapshot`), and kept after a whole read.
    let snapshot_subject = match snapshots.start_from || snapshots.keep {
        true => Some(snapshot_subject(&settings.config.aws).await?),
        false => None,
    };
    let warm = snapshot_subject.as_ref().filter(|_| snapshots.start_from).and_then(|s| {
        let (warm, note) = super::snapshot::usable(s, &catalog.text, clock());
        if let Some(note) = note {
            eprintln!("vigil: {note}");
        }
        warm
    });
    let mark = warm.as_ref().and_then(|w| {
        let account = w.header.subject.account.clone();
        w.header.watermark.map(|watermark| WarmFrom { account, watermark, findings: w.header.findings })
    });
    let (polled, events) = poll_showing(settings, &catalog, clock.clone(), line, mark).await;
    let watched = polled?;
    *subject = Subject { demo: subject.demo, ..watched.subject };
    if let Some(w) = warm.filter(|w| same_account(w, subject)) {
        subject.basis = Some(warm_start(posture, w, settings.config.aws.overlap));
    }
    feed(posture, events);
    if let (Some(s), true) = (snapshot_subject, snapshots.keep) {
        keep_snapshot(s, posture, subject, clock());
    }
    Ok(watched.account_error)
}

/// Whose snapshot a live read starts from and keeps: the profile's, in its region.
#[cfg(feature = "aws")]
async fn snapshot_subject(aws: &crate::config::AwsSettings) -> Result<crate::snapshot::Subject, String> {
    let region = crate::sources::aws::region(&crate::sources::aws::load(aws).await)?;
    Ok(super::snapshot::subject(aws, &region))
}

/// The poll, through a sink as in the dashboard, and the events it sent, in order; its
/// progress on `line` as they come. The poll and the events are awaited together on this
/// thread: each borrows the line only between its awaits.
#[cfg(feature = "aws")]
async fn poll_showing(
    settings: &Settings,
    catalog: &crate::catalog::Catalog,
    clock: Clock,
    line: Option<ProgressLine>,
    mark: Option<WarmFrom>,
) -> (Result<Watched, String>, Vec<SourceEvent>) {
    let line = std::cell::RefCell::new(line);
    let finished = |kind: SourceKind, failed: bool| {
        if let Some(line) = line.borrow_mut().as_mut() {
            line.finish(kind, failed, Instant::now());
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let producer =
        poll_everything_warm(&settings.config.aws, catalog, clock.clone(), Sink::new(tx, clock), &finished, mark);
    let consumer = async {
        let mut events = Vec::new();
        while let Some(message) = rx.recv().await {
            if let Message::Event(e) = message {
                if let Some(line) = line.borrow_mut().as_mut() {
                    line.take(&e, Instant::now());
                }
                events.push(e);
            }
        }
        if let Some(line) = line.borrow_mut().as_mut() {
            line.clear();
        }
        events
    };
    tokio::join!(producer, consumer)
}

/// Whether a snapshot is of the account the poll watched; a snapshot of another is not started
/// from, and said so.
#[cfg(feature = "aws")]
fn same_account(snapshot: &crate::snapshot::Snapshot, subject: &Subject) -> bool {
    let theirs = &snapshot.header.subject.account;
    let other = theirs.is_some() && *theirs != subject.account;
    if other {
        eprintln!(
            "vigil: snapshot not used (it is of account {}, not {})",
            theirs.as_deref().unwrap_or("?"),
            subject.account.as_deref().unwrap_or("unknown")
        );
    }
    !other
}

/// Starts `posture` from the snapshot; returns the report's `basis`: what was read again since
/// (`overlap` seconds before its newest finding) and what a warm report cannot see.
#[cfg(feature = "aws")]
fn warm_start(posture: &mut Posture, snapshot: crate::snapshot::Snapshot, overlap: f64) -> report::Basis {
    let written = snapshot.header.written_at;
    let overlap = jiff::SignedDuration::try_from(Duration::from_secs_f64(overlap)).unwrap_or_default();
    let since = snapshot.header.watermark.map(|m| m - overlap);
    posture.warm_start(snapshot.events, written);
    let time = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    report::Basis {
        snapshot_written_at: time(written),
        findings_updated_since: since.map(time),
        reread: vec!["config".into(), "cloudwatch".into()],
        not_seen: "a finding's workflow changed by hand (BatchUpdateFindings keeps UpdatedAt) since the snapshot \
                   and not yet re-read by a full pass"
            .into(),
    }
}

/// Keeps the read as the next start, when every source answered and the account is known.
#[cfg(feature = "aws")]
fn keep_snapshot(mut snapshot: crate::snapshot::Subject, posture: &Posture, subject: &Subject, now: Timestamp) {
    snapshot.account = subject.account.clone();
    let whole = POLLED.iter().all(|k| !matches!(posture.source(*k).health, Health::Error(_)));
    if whole
        && snapshot.account.is_some()
        && let Err(e) = super::snapshot::keep(&snapshot, posture, now)
    {
        tracing::warn!(error = %e, "cannot keep the snapshot");
    }
}

#[cfg(not(feature = "aws"))]
async fn live(
    _: &mut Posture,
    _: &Settings,
    _: &mut Subject,
    _: Clock,
    _: Option<ProgressLine>,
    _: Snapshots,
) -> Result<Option<SourceError>, String> {
    Err("this vigil was built without the `aws` feature; use --demo, or rebuild with it".into())
}

/// `--replay`: the posture a recording holds at `at` (its end by default), the subject it
/// recorded, and that moment.
pub fn replayed(path: &std::path::Path, at: Option<&str>) -> Result<(Posture, Subject, Timestamp), String> {
    let recording = Recording::load(path).map_err(|e| e.to_string())?;
    let catalog = recording.catalog().map_err(|e| e.to_string())?;
    let now = match at {
        Some(text) => recording.moment(text)?,
        None => recording.ends_at(),
    };
    let mut posture = Posture::new(catalog);
    for feed in &recording.header.feeds {
        posture.register_source(feed.source, feed.interval());
    }
    let events = recording.entries.iter().take_while(|e| e.at <= now).filter_map(|entry| match &entry.what {
        Recorded::Event(event) => Some(event.clone()),
        Recorded::Account(_) => None,
    });
    feed(&mut posture, events);
    let header = &recording.header.subject;
    let subject = Subject {
        account: recording.account_at(now),
        region: header.region.clone(),
        profile: header.profile.clone(),
        recording: Some(path.display().to_string()),
        demo: false,
        basis: None,
    };
    Ok((posture, subject, now))
}

/// A fresh read, as `vigil report` makes one: the workshop demo's baseline (`demo`), or one poll
/// of every AWS source (its progress on a terminal's stderr, then each source that failed said
/// there); then the guardrail tests (`guardrail_tests`, else the config file's). `vigil diff`'s
/// `live` reads so too.
pub fn fresh(
    settings: &Settings,
    demo_baseline: bool,
    guardrail_tests: Option<&PathBuf>,
    clock: Clock,
) -> Result<(Posture, Subject), String> {
    fresh_with(settings, demo_baseline, guardrail_tests, clock, Snapshots::default())
}

/// What a live read does with the local snapshot of its subject.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshots {
    /// Start from it (`--snapshot`).
    pub start_from: bool,
    /// Keep the read's state as the new one, when every source answered.
    pub keep: bool,
}

/// As [`fresh`], starting from the local snapshot and keeping one as `snapshots` says.
pub fn fresh_with(
    settings: &Settings,
    demo_baseline: bool,
    guardrail_tests: Option<&PathBuf>,
    clock: Clock,
    snapshots: Snapshots,
) -> Result<(Posture, Subject), String> {
    let mut posture = Posture::new(settings.catalog.clone());
    let mut subject = Subject { demo: demo_baseline, ..Default::default() };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    if demo_baseline {
        demo(&mut posture, clock());
    } else {
        // Progress only where a person watches: scripts and CI read a clean stderr.
        let stderr = std::io::stderr();
        let line = stderr.is_terminal().then(|| ProgressLine::new(&POLLED, crate::terminal::stderr_width()));
        let account_error =
            runtime.block_on(live(&mut posture, settings, &mut subject, clock.clone(), line, snapshots))?;
        let said = failures(&posture, account_error.as_ref());
        if !said.is_empty() {
            let _ = stderr.lock().write_all(said.as_bytes());
        }
    }
    if let Some(suite) = settings.guardrail_suite(guardrail_tests)?.or_else(|| demo_baseline.then(Suite::workshop)) {
        read(&runtime, &mut posture, Box::new(GuardrailSource::new(suite)), clock);
    }
    Ok((posture, subject))
}

pub fn run(out: &mut dyn Write, settings: Settings, args: &ReportArgs, clock: Clock) -> std::io::Result<ExitCode> {
    // The baseline first: a bad one is said before a long poll.
    let baseline = match &args.baseline {
        Some(_) if args.format == Format::Csv => {
            return Ok(super::refused("--baseline adds the comparison to the JSON and Markdown reports, not to CSV"));
        }
        Some(given) => match super::diff::side_from_file(given) {
            Ok(side) => Some(side),
            Err(e) => return Ok(super::refused(e)),
        },
        None => None,
    };
    if let Some(path) = &args.replay {
        return match replayed(path, args.at.as_deref()) {
            Ok((mut posture, subject, now)) => conclude(out, args, &mut posture, &subject, now, baseline.as_ref()),
            Err(e) => Ok(super::refused(e)),
        };
    }
    let snapshots = Snapshots {
        start_from: args.snapshot,
        keep: !args.demo && super::snapshot::enabled(args.no_snapshot, &settings.config),
    };
    match fresh_with(&settings, args.demo, args.guardrail_tests.as_ref(), clock.clone(), snapshots) {
        Ok((mut posture, subject)) => conclude(out, args, &mut posture, &subject, clock(), baseline.as_ref()),
        Err(e) => Ok(super::refused(e)),
    }
}

/// `--fail-on` as a status.
pub fn fail_on(f: Option<FailOn>) -> Option<StatusLevel> {
    f.map(|f| match f {
        FailOn::Fail => StatusLevel::Fail,
        FailOn::Warn => StatusLevel::Warn,
    })
}

/// Prints the report (with its comparison to `baseline`, when there is one); the exit code says
/// whether a source failed, or a control is past --fail-on (with a baseline: whether something
/// regressed against it).
fn conclude(
    out: &mut dyn Write,
    args: &ReportArgs,
    posture: &mut Posture,
    subject: &Subject,
    now: Timestamp,
    baseline: Option<&crate::diff::Side>,
) -> std::io::Result<ExitCode> {
    posture.narrow(crate::store::Within { account: args.only_account.clone(), region: args.only_region.clone() });
    let posture = &*posture;
    let limit = fail_on(args.fail_on);
    let Some(baseline) = baseline else {
        let text = report::render_schema(args.format, args.schema, posture, subject, now);
        out.write_all(text.as_bytes())?;
        out.flush()?;
        return Ok(if report::any_source_failed(posture) {
            ExitCode::from(SOURCE_FAILED)
        } else if past(limit, report::worst(posture, now)) {
            ExitCode::from(FAILED_CONTROLS)
        } else {
            ExitCode::SUCCESS
        });
    };
    let typed = report::Report::of(posture, subject, now);
    let json = serde_json::to_value(&typed).map_err(std::io::Error::other)?;
    let this = crate::diff::Report::from_value("this report", json).map_err(std::io::Error::other)?;
    let diff = crate::diff::compare(baseline, &crate::diff::Side { input: "this report".into(), report: this });
    let text = match args.format {
        Format::Json => report::json_text(&typed, args.schema, Some(&diff.json())),
        _ => format!("{}\n{}", report::markdown::write(&typed), diff.markdown(limit, 2)),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if report::any_source_failed(posture) || diff.incomplete() {
        ExitCode::from(SOURCE_FAILED)
    } else if !diff.regressions(limit).is_empty() {
        ExitCode::from(FAILED_CONTROLS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether the worst status is at or past `--fail-on`.
fn past(limit: Option<StatusLevel>, worst: Option<StatusLevel>) -> bool {
    matches!(
        (limit, worst),
        (Some(StatusLevel::Fail), Some(StatusLevel::Fail))
            | (Some(StatusLevel::Warn), Some(StatusLevel::Fail | StatusLevel::Warn))
    )
}

/// What went wrong in a poll, for stderr: the account lookup when it failed, then each source
/// that failed, one line each, its error said once (the report itself has the details).
pub fn failures(posture: &Posture, account_error: Option<&SourceError>) -> String {
    let mut out = String::new();
    if let Some(e) = account_error {
        out.push_str(&format!("vigil: the account is unknown: {}\n", crate::text::clean(&e.to_string())));
    }
    for kind in POLLED {
        if let Health::Error(e) = &posture.source(kind).health {
            out.push_str(&format!("vigil: {} failed: {}\n", kind.name(), crate::text::clean(&e.to_string())));
        }
    }
    out
}

/// Where one source's poll has got to.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Nothing heard yet (the account is being looked up, or the first call is out).
    Waiting,
    /// Calls made (for Security Hub, pages of findings), items read so far, since when, and the
    /// calls a second its rate limit allows, where one paces it.
    Loading {
        calls: u32,
        items: u64,
        since: Instant,
        allowed: Option<f32>,
    },
    Retrying {
        attempt: u32,
    },
    Done,
    Failed,
}

/// The progress line of a report: each polled source's stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub sources: Vec<(SourceKind, Stage)>,
}

impl Progress {
    pub fn new(kinds: &[SourceKind]) -> Self {
        Progress { sources: kinds.iter().map(|k| (*k, Stage::Waiting)).collect() }
    }

    /// Takes one event of the poll, heard at `now`: its progress, a retry, its failure. Data
    /// says nothing of the end (Security Hub delivers its findings as it pages), and once a
    /// source has finished what is still on its way changes nothing but a failure.
    pub fn take(&mut self, event: &SourceEvent, now: Instant) {
        let Some((_, stage)) = self.sources.iter_mut().find(|(k, _)| *k == event.source) else { return };
        let next = match (&event.result, &*stage) {
            (Err(_), _) => Stage::Failed,
            (_, Stage::Done | Stage::Failed) => return,
            (Ok(Payload::Progress { pages, items, rate }), current) => {
                let since = match current {
                    Stage::Loading { since, .. } => *since,
                    _ => now,
                };
                Stage::Loading { calls: *pages, items: *items, since, allowed: *rate }
            }
            (Ok(Payload::Retrying { attempt, .. }), _) => Stage::Retrying { attempt: *attempt },
            (Ok(_), _) => return,
        };
        *stage = next;
    }

    /// `kind` has delivered its whole poll; `failed`, it ended in an error.
    pub fn finish(&mut self, kind: SourceKind, failed: bool) {
        if let Some((_, stage)) = self.sources.iter_mut().find(|(k, _)| *k == kind) {
            *stage = if failed || *stage == Stage::Failed { Stage::Failed } else { Stage::Done };
        }
    }

    /// Whether every source has finished, one way or the other.
    pub fn finished(&self) -> bool {
        self.sources.iter().all(|(_, s)| matches!(s, Stage::Done | Stage::Failed))
    }

    /// `config 34 calls · securityhub 12 pages 1,200 findings 2.9/s · cloudwatch done`, at
    /// most `width` columns (cut with `…`). The rate is the calls a second seen since the source
    /// began, once a second has passed; before that, the rate its limit allows, if any.
    pub fn line(&self, now: Instant, width: usize) -> String {
        let parts: Vec<String> = self
            .sources
            .iter()
            .map(|(kind, stage)| {
                let what = match stage {
                    Stage::Waiting => "waiting".to_string(),
                    Stage::Loading { calls, items, since, allowed } => {
                        let mut text = match kind {
                            SourceKind::SecurityHub => {
                                format!(
                                    "{} {}",
                                    noun((*calls).into(), "page", "pages"),
                                    noun(*items, "finding", "findings")
                                )
                            }
                            SourceKind::CloudWatch => {
                                format!(
                                    "{} {}",
                                    noun((*calls).into(), "call", "calls"),
                                    noun(*items, "alarm", "alarms")
                                )
                            }
                            _ => noun((*calls).into(), "call", "calls"),
                        };
                        let elapsed = now.saturating_duration_since(*since);
                        let rate = (elapsed >= Duration::from_secs(1))
                            .then(|| f64::from(*calls) / elapsed.as_secs_f64())
                            .or(allowed.map(f64::from));
                        if let Some(r) = rate {
                            text.push_str(&format!(" {r:.1}/s"));
                        }
                        text
                    }
                    Stage::Retrying { attempt } => format!("retrying {attempt}"),
                    Stage::Done => "done".to_string(),
                    Stage::Failed => "failed".to_string(),
                };
                format!("{} {what}", kind.name())
            })
            .collect();
        let line = parts.join(" · ");
        if line.chars().count() <= width {
            return line;
        }
        let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
        if width > 0 {
            cut.push('…');
        }
        cut
    }
}

/// `1 page`, `1,200 pages`.
fn noun(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", crate::text::thousands(n), if n == 1 { one } else { many })
}

/// The progress line on a terminal's stderr: rewritten in place (`\r`, then erase to the end
/// of the line) at most every tenth of a second, and once more when a source finishes.
pub struct ProgressLine {
    progress: Progress,
    width: usize,
    drawn: Option<(Instant, String)>,
}

/// The least time between two drawings of the progress line.
const REDRAW: Duration = Duration::from_millis(100);

impl ProgressLine {
    /// For `kinds`, on a terminal `width` columns wide (80 when it cannot say). The line keeps
    /// off the last column, where some terminals wrap.
    pub fn new(kinds: &[SourceKind], width: Option<u16>) -> Self {
        let width = usize::from(width.unwrap_or(80)).saturating_sub(1).max(1);
        ProgressLine { progress: Progress::new(kinds), width, drawn: None }
    }

    pub fn take(&mut self, event: &SourceEvent, now: Instant) {
        self.progress.take(event, now);
        if self.drawn.as_ref().is_none_or(|(at, _)| now.saturating_duration_since(*at) >= REDRAW) {
            self.draw(now);
        }
    }

    /// A source has finished: said at once.
    pub fn finish(&mut self, kind: SourceKind, failed: bool, now: Instant) {
        self.progress.finish(kind, failed);
        self.draw(now);
    }

    fn draw(&mut self, now: Instant) {
        let text = self.progress.line(now, self.width);
        if self.drawn.as_ref().is_some_and(|(_, shown)| *shown == text) {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{text}\x1b[K");
        let _ = err.flush();
        self.drawn = Some((now, text));
    }

    /// Takes the line away, leaving the cursor at the start of an empty line.
    pub fn clear(&mut self) {
        if self.drawn.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod progress_tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::sources::Dataset;

    fn event(source: SourceKind, result: Result<Payload, SourceError>) -> SourceEvent {
        SourceEvent { source, fetched_at: Timestamp::UNIX_EPOCH, result }
    }

    fn progress(pages: u32, items: u64, rate: Option<f32>) -> Result<Payload, SourceError> {
        Ok(Payload::Progress { pages, items, rate })
    }

    #[test]
    fn the_line_says_each_sources_calls_pages_rate_and_end() {
        let t0 = Instant::now();
        let mut p = Progress::new(&POLLED);
        assert_eq!(p.line(t0, 200), "config waiting · securityhub waiting · cloudwatch waiting");
        p.take(&event(SourceKind::Config, progress(1, 309, None)), t0);
        p.take(&event(SourceKind::SecurityHub, progress(1, 100, Some(3.0))), t0);
        // Before a second has passed, the rate its limit allows.
        assert_eq!(p.line(t0, 200), "config 1 call · securityhub 1 page 100 findings 3.0/s · cloudwatch waiting");
        let t1 = t0 + Duration::from_millis(4140);
        p.take(&event(SourceKind::Config, progress(34, 309, None)), t1);
        p.take(&event(SourceKind::SecurityHub, progress(12, 1200, Some(3.0))), t1);
        // Data says nothing of the end: Security Hub delivers its findings page by page.
        p.take(&event(SourceKind::SecurityHub, Ok(Payload::Merge(Dataset::default()))), t1);
        p.finish(SourceKind::CloudWatch, false);
        // What was still on its way when it finished changes nothing.
        p.take(&event(SourceKind::CloudWatch, progress(3, 250, None)), t1);
        // After a second, the rate seen since the source began: 12 pages in 4.14 s.
        assert_eq!(
            p.line(t1, 200),
            "config 34 calls 8.2/s · securityhub 12 pages 1,200 findings 2.9/s · cloudwatch done"
        );
        assert!(!p.finished());
        let denied = SourceError::Throttled { operation: "config:DescribeConfigRules".into() };
        p.take(&event(SourceKind::Config, Ok(Payload::Retrying { attempt: 2, error: denied.clone() })), t1);
        assert!(p.line(t1, 200).starts_with("config retrying 2 · "), "{}", p.line(t1, 200));
        p.take(&event(SourceKind::Config, Err(denied)), t1);
        p.finish(SourceKind::Config, true);
        p.finish(SourceKind::SecurityHub, false);
        assert_eq!(p.line(t1, 200), "config failed · securityhub done · cloudwatch done");
        assert!(p.finished());
    }

    #[test]
    fn the_line_keeps_to_the_terminals_width() {
        let t0 = Instant::now();
        let mut p = Progress::new(&POLLED);
        p.take(&event(SourceKind::SecurityHub, progress(1200, 120_000, None)), t0);
        let whole = p.line(t0, 200);
        assert_eq!(whole, "config waiting · securityhub 1,200 pages 120,000 findings · cloudwatch waiting");
        let cut = p.line(t0, 30);
        assert_eq!(cut.chars().count(), 30);
        assert_eq!(cut, "config waiting · securityhub …");
        // A line is never wider than its terminal, narrow as it may be.
        let narrow = ProgressLine::new(&POLLED, Some(10));
        assert_eq!(narrow.progress.line(t0, narrow.width).chars().count(), 9);
        assert_eq!(ProgressLine::new(&POLLED, None).width, 79);
    }

    #[test]
    fn each_failed_source_and_the_account_are_said_once() {
        let catalog = crate::catalog::Catalog::default_catalog();
        let mut posture = Posture::new(catalog);
        for kind in POLLED {
            posture.register_source(kind, kind.default_interval());
        }
        let refused = |action: &str| SourceError::Failed {
            message: format!("{action}: cannot connect to http://127.0.0.1:9: Connection refused (os error 111)"),
        };
        posture.apply(event(SourceKind::Config, Err(refused("config:DescribeConfigRules"))));
        posture.apply(event(SourceKind::CloudWatch, Err(SourceError::Failed { message: "a\x1b[2Jb".into() })));
        posture.apply(event(SourceKind::SecurityHub, Ok(Payload::Replace(Dataset::default()))));
        let said = failures(&posture, Some(&refused("sts:GetCallerIdentity")));
        assert_eq!(
            said,
            "vigil: the account is unknown: sts:GetCallerIdentity: cannot connect to http://127.0.0.1:9: Connection refused (os error 111)\n\
             vigil: config failed: config:DescribeConfigRules: cannot connect to http://127.0.0.1:9: Connection refused (os error 111)\n\
             vigil: cloudwatch failed: a␛[2Jb\n"
        );
        assert_eq!(failures(&Posture::new(crate::catalog::Catalog::default_catalog()), None), "");
    }
}
