//! `vigil report`: one full poll of every source, the posture printed, an exit code for CI.

use std::io::Write;
use std::process::ExitCode;

#[cfg(feature = "aws")]
use crate::catalog::Catalog;
use crate::cli::{FailOn, ReportArgs, Settings};
use crate::model::{StatusLevel, Timestamp};
use crate::policy::Suite;
use crate::recording::{Recorded, Recording};
use crate::report::{self, Subject};
#[cfg(feature = "aws")]
use crate::sources::Sink;
use crate::sources::demo::{DemoScript, Scenario};
use crate::sources::{Clock, Dataset, Message, Payload, SourceEvent, SourceKind};
use crate::store::Posture;

/// The report's exit codes.
pub const SOURCE_FAILED: u8 = 3;
pub const FAILED_CONTROLS: u8 = 1;

fn guardrails(posture: &mut Posture, args: &ReportArgs, settings: &Settings, now: Timestamp) -> Result<(), String> {
    let suite = match args.guardrail_tests.as_ref().or(settings.config.guardrail_tests.as_ref()) {
        Some(path) => Suite::load(path, None).map_err(|e| e.to_string())?,
        None if args.demo => Suite::workshop(),
        None => return Ok(()),
    };
    posture.register_source(SourceKind::Guardrails, None);
    let guardrails = crate::sources::guardrails::results(&suite, now);
    posture.apply(SourceEvent {
        source: SourceKind::Guardrails,
        fetched_at: now,
        result: Ok(Payload::Replace(Dataset { guardrails, ..Default::default() })),
    });
    Ok(())
}

/// The demo's baseline.
fn demo(posture: &mut Posture, now: Timestamp) {
    let mut script = DemoScript::new(Scenario::workshop(), now);
    for (kind, interval) in DemoScript::feeds() {
        posture.register_source(kind, interval);
    }
    for m in script.opening() {
        if let Message::Event(e) = m {
            posture.apply(e);
        }
    }
}

/// One poll of every AWS source, through `sink` as in the dashboard (the account first, once
/// STS has said it); returns what was watched. `vigil report` and `vigil record` both poll so.
#[cfg(feature = "aws")]
pub async fn poll_everything(
    aws_settings: &crate::config::AwsSettings,
    catalog: &Catalog,
    clock: Clock,
    sink: Sink,
) -> Result<Subject, String> {
    use crate::sources::aws::poller::poll_once;
    use crate::sources::aws::{self, AccountResolver, Mode, Pollers, Scope};
    let sdk = aws::load(aws_settings).await;
    let region = aws::region(&sdk)?;
    let resolver = AccountResolver::new(sdk.clone(), aws_settings.clone(), Mode::Report, clock);
    let account = resolver.get().await;
    if let Some(id) = &account {
        sink.account(id.clone()).await;
    }
    let subject = Subject {
        account: account.clone(),
        region: Some(region.clone()),
        profile: aws_settings.profile.clone(),
        ..Default::default()
    };
    let scope = Scope { account: account.unwrap_or_default(), region };
    let Pollers { mut config, mut securityhub, mut cloudwatch } =
        Pollers::new(&sdk, aws_settings, scope, resolver, catalog, Mode::Report);
    tokio::join!(poll_once(&mut config, &sink), poll_once(&mut securityhub, &sink), poll_once(&mut cloudwatch, &sink));
    Ok(subject)
}

/// The AWS sources one poll reads.
pub const POLLED: [SourceKind; 3] = [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch];

#[cfg(feature = "aws")]
async fn live(posture: &mut Posture, settings: &Settings, subject: &mut Subject, clock: Clock) -> Result<(), String> {
    for kind in POLLED {
        posture.register_source(kind, kind.default_interval());
    }
    let catalog = posture.catalog().clone();
    let mut polled = Ok(Subject::default());
    let events = crate::sources::collect(clock.clone(), |sink| async {
        polled = poll_everything(&settings.config.aws, &catalog, clock, sink).await;
    })
    .await;
    *subject = Subject { demo: subject.demo, ..polled? };
    for event in events {
        posture.apply(event);
    }
    Ok(())
}

#[cfg(not(feature = "aws"))]
async fn live(_: &mut Posture, _: &Settings, _: &mut Subject, _: Clock) -> Result<(), String> {
    Err("this vigil was built without the `aws` feature; use --demo, or rebuild with it".into())
}

/// `--at`: a time, or time since the recording's start.
pub fn moment(text: &str, start: Timestamp) -> Result<Timestamp, String> {
    let wrong = || {
        format!("--at `{text}`: expected a time (2026-11-29T10:05:00Z) or time since the recording's start (90s, 5m)")
    };
    let at = match text.parse::<Timestamp>() {
        Ok(t) => t,
        Err(_) => {
            let since: jiff::SignedDuration = text.parse().map_err(|_| wrong())?;
            start.checked_add(since).map_err(|_| wrong())?
        }
    };
    if at < start {
        return Err(format!("--at {at}: before the recording starts, at {start}"));
    }
    Ok(at)
}

/// `--replay`: the posture a recording holds at `at` (its end by default), the subject it
/// recorded, and that moment.
pub fn replayed(path: &std::path::Path, at: Option<&str>) -> Result<(Posture, Subject, Timestamp), String> {
    let recording = Recording::load(path).map_err(|e| e.to_string())?;
    let catalog = recording.catalog().map_err(|e| e.to_string())?;
    let now = match at {
        Some(text) => moment(text, recording.header.started_at)?,
        None => recording.ends_at(),
    };
    let mut posture = Posture::new(catalog);
    for feed in &recording.header.feeds {
        posture.register_source(feed.source, feed.interval());
    }
    for entry in recording.entries.iter().take_while(|e| e.at <= now) {
        if let Recorded::Event(event) = &entry.what {
            posture.apply(event.clone());
        }
    }
    let header = &recording.header.subject;
    let subject = Subject {
        account: recording.account_at(now),
        region: header.region.clone(),
        profile: header.profile.clone(),
        recording: Some(path.display().to_string()),
        demo: false,
    };
    Ok((posture, subject, now))
}

pub fn run(out: &mut dyn Write, settings: Settings, args: &ReportArgs, clock: Clock) -> std::io::Result<ExitCode> {
    if let Some(path) = &args.replay {
        return match replayed(path, args.at.as_deref()) {
            Ok((mut posture, subject, now)) => conclude(out, args, &mut posture, &subject, now),
            Err(e) => {
                eprintln!("vigil: {e}");
                Ok(ExitCode::from(2))
            }
        };
    }
    let mut posture = Posture::new(settings.catalog.clone());
    let mut subject = Subject { demo: args.demo, ..Default::default() };
    let now = clock();
    if args.demo {
        demo(&mut posture, now);
    } else {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        if let Err(e) = runtime.block_on(live(&mut posture, &settings, &mut subject, clock.clone())) {
            eprintln!("vigil: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    if let Err(e) = guardrails(&mut posture, args, &settings, now) {
        eprintln!("vigil: {e}");
        return Ok(ExitCode::from(2));
    }
    conclude(out, args, &mut posture, &subject, clock())
}

/// Prints the report; the exit code says whether a source failed or a control is past --fail-on.
fn conclude(
    out: &mut dyn Write,
    args: &ReportArgs,
    posture: &mut Posture,
    subject: &Subject,
    now: Timestamp,
) -> std::io::Result<ExitCode> {
    posture.narrow(crate::store::Within { account: args.only_account.clone(), region: args.only_region.clone() });
    let posture = &*posture;
    let text = report::render_schema(args.format, args.schema, posture, subject, now);
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if report::any_source_failed(posture) {
        return Ok(ExitCode::from(SOURCE_FAILED));
    }
    let limit = args.fail_on.map(|f| match f {
        FailOn::Fail => StatusLevel::Fail,
        FailOn::Warn => StatusLevel::Warn,
    });
    let failed = matches!(
        (limit, report::worst(posture, now)),
        (Some(StatusLevel::Fail), Some(StatusLevel::Fail))
            | (Some(StatusLevel::Warn), Some(StatusLevel::Fail | StatusLevel::Warn))
    );
    Ok(if failed { ExitCode::from(FAILED_CONTROLS) } else { ExitCode::SUCCESS })
}
