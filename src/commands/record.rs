//! `vigil record`: the sources' events written to a recording, without the dashboard: one poll of
//! every source, or polling as the dashboard does for `--duration`.

use std::process::ExitCode;

use crate::cli::{RecordArgs, Settings};
#[cfg(feature = "aws")]
use crate::sources::{Message, SourceKind};

/// What was recorded, for the closing line.
#[cfg(feature = "aws")]
#[derive(Default)]
struct Tally {
    by_source: std::collections::BTreeMap<SourceKind, u64>,
    failed: u64,
}

#[cfg(feature = "aws")]
impl Tally {
    fn count(&mut self, message: &Message) {
        if let Message::Event(e) = message {
            *self.by_source.entry(e.source).or_default() += 1;
            self.failed += u64::from(e.result.is_err());
        }
    }

    fn describe(&self) -> String {
        let total: u64 = self.by_source.values().sum();
        let each: Vec<String> = self.by_source.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let failed = if self.failed > 0 { format!("; {} failed", self.failed) } else { String::new() };
        format!("{} ({}{failed})", crate::text::counted(total as usize, "event", "events"), each.join(", "))
    }
}

#[cfg(feature = "aws")]
pub fn run(settings: Settings, args: &RecordArgs) -> ExitCode {
    use std::time::Duration;

    use crate::recording::{Header, Recorder, Subject};
    use crate::sources::aws::Mode;
    use crate::sources::guardrails::GuardrailSource;
    use crate::sources::system_clock;
    use crate::sources::{Sink, Source};

    let suite = match settings.guardrail_suite(args.guardrail_tests.as_ref()).map_err(super::refused) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Some(runtime) = super::live::runtime() else { return ExitCode::FAILURE };
    let aws_settings = settings.config.aws.clone();
    let clock = system_clock();
    let outcome: Result<(u64, Tally, bool), String> = runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(1024);
        let sink = Sink::new(tx, clock.clone());
        let mut sources: Vec<Box<dyn Source>> = Vec::new();
        let mut feeds: Vec<(SourceKind, Option<Duration>)> = Vec::new();
        let region = match args.duration {
            // One poll, as `vigil report` makes it.
            None => {
                let region = crate::sources::aws::region(&crate::sources::aws::load(&aws_settings).await)?;
                feeds.extend(super::report::POLLED.map(|k| (k, k.default_interval())));
                let (aws_settings, catalog, sink) = (aws_settings.clone(), settings.catalog.clone(), sink.clone());
                let clock = clock.clone();
                tokio::spawn(async move {
                    if let Err(e) = super::report::poll_everything(&aws_settings, &catalog, clock, sink).await {
                        tracing::error!(error = %e, "the poll could not start");
                    }
                });
                region
            }
            // Polling as the dashboard polls.
            Some(_) => {
                let live = super::live::polling(&aws_settings, &settings.catalog, Mode::Watch, clock.clone()).await?;
                let region = live.region.clone();
                sources = live.into_sources(None);
                feeds.extend(sources.iter().flat_map(|s| s.feeds()));
                region
            }
        };
        if let Some(suite) = suite {
            let source = GuardrailSource::new(suite);
            feeds.extend(source.feeds());
            sources.push(Box::new(source));
        }
        let subject = Subject { account: None, region: Some(region), profile: aws_settings.profile.clone() };
        let header = Header::new(clock(), subject, &feeds, &settings.catalog);
        let recorder = Recorder::create(&args.out, header, args.redact)?;
        for source in sources {
            crate::sources::spawn(source, sink.clone());
        }
        drop(sink);
        let deadline = tokio::time::Instant::now() + args.duration.unwrap_or(Duration::MAX / 4);
        let mut tally = Tally::default();
        let mut interrupted = false;
        loop {
            tokio::select! {
                message = rx.recv() => match message {
                    Some(m) => {
                        recorder.record(clock(), &m);
                        tally.count(&m);
                    }
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
                _ = tokio::signal::ctrl_c() => {
                    interrupted = true;
                    break;
                }
            }
        }
        let lines = recorder.finish()?;
        Ok((lines, tally, interrupted))
    });
    // Pollers may be mid-sleep: do not wait for them.
    runtime.shutdown_background();
    match outcome {
        Ok((_, tally, interrupted)) => {
            let stopped = if interrupted { " (stopped by Ctrl-C)" } else { "" };
            eprintln!("vigil: recorded {} to {}{stopped}", tally.describe(), args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vigil: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "aws"))]
pub fn run(_: Settings, _: &RecordArgs) -> ExitCode {
    super::refused("this vigil was built without the `aws` feature: it cannot record AWS")
}
