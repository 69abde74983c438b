//! `vigil demo`: a scripted story on the dashboard, with no AWS account: its own clock, its
//! own responder, and writes that touch nothing real.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::Settings;
use crate::sources::demo::{DemoResponder, DemoSource, Playback, Scenario};
use crate::sources::{Responder, Source};
use crate::ui::Banner;

pub fn run(settings: Settings, args: crate::cli::DemoArgs) -> ExitCode {
    if args.list {
        for (name, about, _) in crate::sources::demo::BUILT_IN {
            let steps = Scenario::built_in(name).map_or(0, |s| s.steps.len());
            println!("{name:<10} {steps} steps  {about}");
        }
        return ExitCode::SUCCESS;
    }
    let catalog = &settings.catalog;
    let controls = |id: &str| catalog.controls.iter().find(|c| *c.id == *id).map(|c| c.kind);
    let scenario = match Scenario::load(&args.scenario, &controls).map_err(super::refused) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(code) = super::dashboard::require_terminal("demo") {
        return code;
    }
    super::init_logging(&settings);
    let write = args.write;
    // The demo's writes touch nothing real: they are logged only where --audit-log says.
    let (audit, audit_path) = match super::dashboard::audit_log(&settings, &write, false).map_err(super::refused) {
        Ok(a) => a.unzip(),
        Err(code) => return code,
    };
    let banner = Banner::Demo { title: scenario.title.clone() };
    // The story's clock: the screen, the store's ages and the source all read it.
    let playback = Playback::new(jiff::Timestamp::now(), args.step).with_speed(args.speed);
    let story = crate::ui::Story::new(scenario.steps.len(), !args.no_follow);
    let demo = DemoSource::new(scenario, playback.clone());
    let responder: Arc<dyn Responder> =
        Arc::new(DemoResponder::new(demo.script(), write.write, audit, Duration::from_secs(3)));
    #[allow(unused_mut)]
    let mut sources: Vec<Box<dyn Source>> = vec![Box::new(demo)];
    #[cfg(debug_assertions)]
    if super::fault::injected("source-panic") {
        sources.push(Box::new(super::fault::PanickingSource));
    }
    let Some(runtime) = super::live::runtime() else { return ExitCode::FAILURE };
    let clock = playback.clock();
    let tui = super::dashboard::Tui {
        banner,
        sources,
        clock,
        responder: Some(responder),
        write: write.write,
        audit_path,
        notifier: args.notify.notifier(&settings.config.notify),
        playback: Some((playback, story)),
        recorder: None,
        keeper: None,
        warm: None,
        note: None,
    };
    super::dashboard::run(runtime, settings, tui)
}
