//! `vigil replay`: a recording on the dashboard, on a story clock that starts when it started.

use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::Settings;
use crate::sources::Source;
use crate::ui::Banner;

pub fn run(settings: Settings, args: crate::cli::ReplayArgs) -> ExitCode {
    use crate::recording::Recording;
    use crate::sources::replay::{ReplayScript, ReplaySource};
    // Refused whole before the screen opens: never half played.
    let recording = match Recording::load(&args.file).map_err(super::refused) {
        Ok(r) => Arc::new(r),
        Err(code) => return code,
    };
    let catalog = match recording.catalog().map_err(super::refused) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = super::dashboard::require_terminal("replay") {
        return code;
    }
    super::init_logging(&settings);
    let subject = &recording.header.subject;
    let banner = Banner::Replay {
        file: args.file.display().to_string(),
        profile: subject.profile.clone(),
        region: subject.region.clone(),
        account: subject.account.clone(),
    };
    let playback = ReplaySource::playback(&recording, args.step).with_speed(args.speed);
    use crate::sources::playback::Script;
    let story = crate::ui::Story::replay(ReplayScript::new(recording.clone()).step_count());
    let sources: Vec<Box<dyn Source>> = vec![Box::new(ReplaySource::new(recording, playback.clone()))];
    let Some(runtime) = super::live::runtime() else { return ExitCode::FAILURE };
    let tui = super::dashboard::Tui {
        banner,
        sources,
        clock: playback.clock(),
        responder: None,
        write: false,
        audit_path: None,
        notifier: args.notify.notifier(&settings.config.notify),
        playback: Some((playback, story)),
        recorder: None,
        keeper: None,
        warm: None,
        note: None,
    };
    super::dashboard::run(runtime, Settings { catalog, ..settings }, tui)
}
