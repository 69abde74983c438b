//! `vigil report`: one full poll of every source, the posture printed, an exit code for CI.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{FailOn, ReportArgs, Settings};
use crate::model::{StatusLevel, Timestamp};
use crate::policy::Suite;
use crate::report::{self, Subject};
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

#[cfg(feature = "aws")]
async fn live(posture: &mut Posture, settings: &Settings, subject: &mut Subject, clock: Clock) -> Result<(), String> {
    use crate::sources::aws::poller::poll_once;
    use crate::sources::aws::{self, AccountResolver, Mode, Pollers, Scope};
    let aws_settings = &settings.config.aws;
    let sdk = aws::load(aws_settings).await;
    let region = aws::region(&sdk)?;
    let resolver = AccountResolver::new(sdk.clone(), aws_settings.clone(), Mode::Report, clock.clone());
    let account = resolver.get().await;
    subject.account = account.clone();
    subject.region = Some(region.clone());
    subject.profile = aws_settings.profile.clone();
    let scope = Scope { account: account.unwrap_or_default(), region };
    let p = Pollers::new(&sdk, aws_settings, scope, resolver, posture.catalog(), Mode::Report);
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        posture.register_source(kind, kind.default_interval());
    }
    // One poll of each source, through a sink as in the dashboard; the report is what it says.
    let Pollers { mut config, mut securityhub, mut cloudwatch } = p;
    let events = crate::sources::collect(clock, |sink| async move {
        tokio::join!(
            poll_once(&mut config, &sink),
            poll_once(&mut securityhub, &sink),
            poll_once(&mut cloudwatch, &sink)
        );
    })
    .await;
    for event in events {
        posture.apply(event);
    }
    Ok(())
}

#[cfg(not(feature = "aws"))]
async fn live(_: &mut Posture, _: &Settings, _: &mut Subject, _: Clock) -> Result<(), String> {
    Err("this vigil was built without the `aws` feature; use --demo, or rebuild with it".into())
}

pub fn run(out: &mut dyn Write, settings: Settings, args: &ReportArgs, clock: Clock) -> std::io::Result<ExitCode> {
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
    let now = clock();
    let text = report::render(args.format, &posture, &subject, now);
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if report::any_source_failed(&posture) {
        return Ok(ExitCode::from(SOURCE_FAILED));
    }
    let limit = args.fail_on.map(|f| match f {
        FailOn::Fail => StatusLevel::Fail,
        FailOn::Warn => StatusLevel::Warn,
    });
    let failed = matches!(
        (limit, report::worst(&posture, now)),
        (Some(StatusLevel::Fail), Some(StatusLevel::Fail))
            | (Some(StatusLevel::Warn), Some(StatusLevel::Fail | StatusLevel::Warn))
    );
    Ok(if failed { ExitCode::from(FAILED_CONTROLS) } else { ExitCode::SUCCESS })
}
