//! `vigil watch` (and `vigil` alone): the dashboard on live AWS, warm from the last snapshot where
//! there is one, optionally recording what its sources read.

use std::process::ExitCode;

use crate::cli::{Settings, WatchArgs};

#[cfg(feature = "aws")]
pub fn run(settings: Settings, args: WatchArgs) -> ExitCode {
    use super::dashboard::{Tui, audit_log, require_terminal};
    use crate::sources::aws::Mode;
    use crate::sources::system_clock;
    use crate::ui::Banner;

    if let Err(code) = require_terminal("watch") {
        return code;
    }
    super::init_logging(&settings);
    let (audit, audit_path) = match audit_log(&settings, &args.write, true).map_err(super::refused) {
        Ok(a) => a.unzip(),
        Err(code) => return code,
    };
    let aws_settings = settings.config.aws.clone();
    let Some(runtime) = super::live::runtime() else { return ExitCode::FAILURE };
    // One clock for the sources, the store and the screen.
    let clock = system_clock();
    let mut live = match runtime
        .block_on(super::live::polling(&aws_settings, &settings.catalog, Mode::Watch, clock.clone()))
        .map_err(super::refused)
    {
        Ok(live) => live,
        Err(code) => return code,
    };
    let suite = match settings.guardrail_suite(args.guardrail_tests.as_ref()).map_err(super::refused) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let region = live.region.clone();
    // A warm start from the last snapshot of this profile, region and endpoint (its account is
    // checked once STS names it): on screen at once, each source catching up from it.
    let snapshot_subject = super::snapshot::enabled(args.no_snapshot, &settings.config)
        .then(|| super::snapshot::subject(&aws_settings, &region));
    let (warm, note) = match &snapshot_subject {
        Some(s) => super::snapshot::usable(s, &settings.catalog.text, clock()),
        None => (None, None),
    };
    if let Some(w) = &warm
        && let Some(mark) = w.header.watermark
    {
        live.pollers.securityhub.warm(mark, w.header.findings, w.header.subject.account.clone());
    }
    let keeper = snapshot_subject
        .map(|s| crate::app::SnapshotKeeper::new(s, warm.as_ref().and_then(|w| w.header.subject.account.clone())));
    let responder = responder(&live, &aws_settings, audit);
    let sources = live.into_sources(suite);
    let recorder = match &args.record {
        Some(path) => match recorder(path, &sources, &region, &aws_settings, &settings, clock(), args.redact)
            .map_err(super::refused)
        {
            Ok(r) => Some(r),
            Err(code) => return code,
        },
        None => None,
    };
    let banner = Banner::Live { profile: aws_settings.profile.clone(), region, account: None };
    let tui = Tui {
        banner,
        sources,
        clock,
        responder: Some(responder),
        write: args.write.write,
        audit_path,
        notifier: args.notify.notifier(&settings.config.notify),
        playback: None,
        recorder,
        keeper,
        warm,
        note,
    };
    super::dashboard::run(runtime, settings, tui)
}

/// The drill-down's lookups and the corrective actions, through the pollers' own rate limits and
/// member roles, changing findings through the API they are read through.
#[cfg(feature = "aws")]
fn responder(
    live: &super::live::Polling,
    aws_settings: &crate::config::AwsSettings,
    audit: Option<std::sync::Arc<crate::audit::AuditLog>>,
) -> std::sync::Arc<dyn crate::sources::Responder> {
    use crate::sources::aws::drill::AwsResponder;
    use crate::sources::aws::{self, Mode};
    std::sync::Arc::new(
        AwsResponder::new(
            &live.sdk,
            live.scope.clone(),
            live.resolver.clone(),
            aws::retry(aws_settings, Mode::Watch),
            aws_settings.profile.clone(),
            aws_settings.rate_limits.config,
            audit,
            std::time::Duration::from_secs(5),
        )
        .with_members(aws::members::Members::with_role(
            &live.sdk,
            aws_sdk_sts::Client::new(&live.sdk),
            aws_settings.member_role.as_deref(),
            (aws_settings.rate_limits.config, aws_settings.rate_limits.cloudwatch),
        ))
        .with_limits(live.pollers.limits())
        .with_hub_api(aws_settings.securityhub_api),
    )
}

/// `watch --record`: a recording of what the sources read, headed with what they are.
#[cfg(feature = "aws")]
fn recorder(
    path: &std::path::Path,
    sources: &[Box<dyn crate::sources::Source>],
    region: &str,
    aws_settings: &crate::config::AwsSettings,
    settings: &Settings,
    now: crate::model::Timestamp,
    redact: bool,
) -> Result<crate::recording::Recorder, String> {
    use crate::recording::{Header, Recorder, Subject};
    let feeds: Vec<_> = sources.iter().flat_map(|s| s.feeds()).collect();
    let subject = Subject { account: None, region: Some(region.to_string()), profile: aws_settings.profile.clone() };
    Recorder::create(path, Header::new(now, subject, &feeds, &settings.catalog), redact).map_err(|e| e.to_string())
}

#[cfg(not(feature = "aws"))]
pub fn run(_: Settings, _: WatchArgs) -> ExitCode {
    super::refused("this vigil was built without the `aws` feature: try `vigil demo`")
}
