//! The dashboard every interactive command runs (`watch`, `demo`, `replay`): what it runs with,
//! and the terminal, store and loop around the app. It assembles; the app updates and performs.

use std::process::ExitCode;
use std::sync::Arc;

use crate::app::{App, Exit};
use crate::audit::AuditLog;
use crate::cli::{Settings, WriteArgs};
use crate::sources::demo::Playback;
use crate::sources::{Clock, Responder, Source};
use crate::store::Posture;
use crate::terminal;
use crate::ui::{Banner, View};

/// The dashboard needs a terminal: without one, `command` says so and exits 2, once its
/// arguments are known good and before anything starts (logging, the runtime, AWS).
pub fn require_terminal(command: &str) -> Result<(), ExitCode> {
    terminal::require(command).map_err(super::refused)
}

/// The audit log when writes are on, and its path; an error when it cannot be opened (no write
/// without it). `default`: whether a log is kept when `--audit-log` names none (live AWS: yes;
/// the demo, whose writes touch nothing real: no).
pub fn audit_log(
    settings: &Settings,
    args: &WriteArgs,
    default: bool,
) -> Result<Option<(Arc<AuditLog>, String)>, String> {
    if !args.write {
        return Ok(None);
    }
    let path = match &args.audit_log {
        Some(path) => path.clone(),
        None if default => settings.log_file.with_file_name("audit.jsonl"),
        None => return Ok(None),
    };
    AuditLog::open(&path)
        .map(|log| Some((Arc::new(log), path.display().to_string())))
        .map_err(|e| format!("cannot open the audit log {}: {e}", path.display()))
}

/// What the dashboard runs with.
pub struct Tui {
    pub banner: Banner,
    pub sources: Vec<Box<dyn Source>>,
    pub clock: Clock,
    pub responder: Option<Arc<dyn Responder>>,
    pub write: bool,
    /// The audit log's path, for the confirmation to say where a write is logged.
    pub audit_path: Option<String>,
    /// Where changes are told beyond the screen.
    pub notifier: Option<crate::notify::Notifier>,
    /// Where the last complete state is kept (`watch`), the snapshot to start from, and why one
    /// was not used.
    pub keeper: Option<crate::app::SnapshotKeeper>,
    pub warm: Option<crate::snapshot::Snapshot>,
    pub note: Option<String>,
    /// A story's clock and its presenter state (the demo, a replay).
    pub playback: Option<(Playback, crate::ui::Story)>,
    /// `watch --record`: where the sources' events go as well.
    pub recorder: Option<crate::recording::Recorder>,
}

/// Runs the dashboard on `runtime` until the user quits or a signal stops it.
pub fn run(runtime: tokio::runtime::Runtime, settings: Settings, tui: Tui) -> ExitCode {
    let Tui { banner, sources, clock, responder, write, audit_path, notifier, playback, recorder, keeper, warm, note } =
        tui;
    terminal::install_panic_hook(std::thread::current().id());
    let mut view = View::new(banner);
    view.write = write;
    view.audit_log = audit_path;
    let (playback, story) = playback.unzip();
    view.story = story;
    let theme_chosen = settings.theme_chosen;
    let mut app = App {
        posture: {
            let mut posture = Posture::new(settings.catalog);
            if let Some(min) = settings.config.changes.severity {
                posture.set_feed_severity(min);
            }
            posture
        },
        view,
        theme: settings.theme,
        keymap: settings.keymap,
        clock,
        responder,
        waiting: Vec::new(),
        playback,
        feeds: Vec::new(),
        step_played: None,
        recorder,
        announced: 0,
        notifier,
        keeper,
    };
    if let Some(w) = warm {
        app.posture.warm_start(w.events, w.header.written_at);
    }
    app.view.message = note;
    let result = runtime.block_on(async move {
        let (mut tui, guard) = terminal::enter()?;
        if !theme_chosen && terminal::background_is_light(terminal::BACKGROUND_TIMEOUT) == Some(true) {
            tracing::info!("the terminal's background is light: the light theme");
            app.theme = crate::theme::Theme::built_in("light").expect("a built-in theme");
        }
        #[cfg(debug_assertions)]
        if super::fault::injected("ui-panic") {
            // Panic on the UI thread once the app has drawn, as a bug in render would.
            tokio::select! {
                exit = app.run(&mut tui, sources) => return exit,
                _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => panic!("injected fault in the UI"),
            }
        }
        let exit = app.run(&mut tui, sources).await;
        drop(guard);
        exit
    });
    // Sources may be mid-sleep: do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(n)) => ExitCode::from(128 + n as u8),
        Err(e) => {
            eprintln!("vigil: {e}");
            ExitCode::FAILURE
        }
    }
}
