//! The impure half of the app: the loop that feeds `update` terminal input, source messages and
//! ticks, and performs the commands it returns (lookups and writes through the responder,
//! exports to files, the clipboard, snapshots, notifications, recording).

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use super::update::{Command, Presenter, report_subject, reread, update, update_key, write_outcome};
use crate::keymap::Keymap;
use crate::model::{Answer, ControlKind, Request};
use crate::sources::{self, Clock, Message, Responder, Sink, Source};
use crate::store::Posture;
use crate::theme::Theme;
use crate::ui::{self, RenderContext, Screen, View};

/// `vigil-posture-20261129T201500Z.csv`, in the working directory: the name an export starts
/// from (`write_export` makes it unique).
fn export_name(what: &str, extension: &str, now: jiff::Timestamp) -> PathBuf {
    PathBuf::from(format!("vigil-{what}-{}.{extension}", now.strftime("%Y%m%dT%H%M%SZ")))
}

/// The `n`th name tried for a new export: `name` itself, then `-2`, `-3`, ... before its
/// extension.
fn numbered(name: &std::path::Path, n: u32) -> PathBuf {
    if n < 2 {
        return name.to_path_buf();
    }
    let stem = name.file_stem().map_or_else(Default::default, |s| s.to_string_lossy().into_owned());
    let file = match name.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    name.with_file_name(file)
}

/// Opens an export for writing, owner only (0600: it holds the account's posture, as a
/// recording does). A file the user named is written over if it is there (its mode kept);
/// otherwise the first of `fresh`, `fresh-2`, ... that does not exist is created, atomically
/// (`create_new`: a second export in the same second, or another process, cannot be written
/// over).
fn create_export(
    named: Option<&std::path::Path>,
    fresh: &std::path::Path,
) -> std::io::Result<(std::fs::File, PathBuf)> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(0o600);
    if let Some(path) = named {
        return Ok((options.create(true).truncate(true).open(path)?, path.to_path_buf()));
    }
    options.create_new(true);
    for n in 1..=1000 {
        let path = numbered(fresh, n);
        match options.open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "1000 exports of that second are there already"))
}

/// Writes an export to the file the user named, or to a new file named after `fresh`; the flash
/// line's text says where, or why not.
fn write_export(named: Option<&std::path::Path>, fresh: &std::path::Path, text: &str) -> String {
    use std::io::Write as _;
    let shown = named.unwrap_or(fresh);
    let written = create_export(named, fresh).and_then(|(mut file, path)| {
        file.write_all(text.as_bytes())?;
        Ok(path)
    });
    match written {
        Ok(path) => {
            let shown = std::path::absolute(&path).unwrap_or(path);
            tracing::info!(path = %shown.display(), "exported");
            format!("exported to {}", shown.display())
        }
        Err(e) => format!("could not write {}: {e}", shown.display()),
    }
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// A signal asked vigil to stop (its number).
    Signal(i32),
}

/// The shortest time between two frames: about 30 frames a second at most.
const FRAME: Duration = Duration::from_millis(33);

/// Everything the loop runs with.
pub struct App {
    pub posture: Posture,
    pub view: View,
    pub theme: Theme,
    pub keymap: Keymap,
    pub clock: Clock,
    /// Answers lookups and makes confirmed writes; `None` where nothing can be looked up.
    pub responder: Option<std::sync::Arc<dyn Responder>>,
    /// The sources' messages that arrived while the view was frozen, in order.
    pub waiting: Vec<Message>,
    /// The story's clock and controls, when a story plays (the demo).
    pub playback: Option<crate::sources::demo::Playback>,
    /// The sources' feeds, registered again when a story rebuilds the store.
    pub feeds: Vec<(crate::sources::SourceKind, Option<Duration>)>,
    /// When the step just played happened (story time), until its changes are selected.
    pub step_played: Option<jiff::Timestamp>,
    /// Where the sources' messages are recorded (`vigil watch --record`).
    pub recorder: Option<crate::recording::Recorder>,
    /// The feed's last change announced and notified (its number).
    pub announced: u64,
    /// Where changes are told beyond the screen (`--notify`, `--notify-command`).
    pub notifier: Option<crate::notify::Notifier>,
    /// Where the store's last complete state is kept for the next start (`watch`).
    pub keeper: Option<SnapshotKeeper>,
}

/// Keeps the store's last complete state as the subject's snapshot: every few minutes once
/// every source has read its data itself, and at exit.
pub struct SnapshotKeeper {
    subject: crate::snapshot::Subject,
    /// The account of the snapshot the store started from, until STS names the account.
    warm_account: Option<String>,
    last: Option<crate::model::Timestamp>,
}

/// How often a snapshot is kept while watching.
const KEEP_EVERY: Duration = Duration::from_secs(5 * 60);

impl SnapshotKeeper {
    pub fn new(subject: crate::snapshot::Subject, warm_account: Option<String>) -> SnapshotKeeper {
        SnapshotKeeper { subject, warm_account, last: None }
    }

    /// STS named the account: `Some(the snapshot's)` when the store started from another's.
    fn account_is(&mut self, id: &str) -> Option<String> {
        self.subject.account = Some(id.to_string());
        self.warm_account.take().filter(|a| a != id)
    }

    /// Whether the store holds a complete state of its own: every source has read in full and
    /// nothing is left of a snapshot.
    fn complete(posture: &Posture) -> bool {
        posture.snapshot_age().is_none()
            && posture.sources().filter(|(_, s)| s.registered).all(|(_, s)| s.last_ok.is_some())
    }

    fn every_few_minutes(&mut self, posture: &Posture, now: crate::model::Timestamp) {
        let due = self.last.is_none_or(|t| now.duration_since(t).unsigned_abs() >= KEEP_EVERY);
        if due && Self::complete(posture) && self.subject.account.is_some() {
            self.last = Some(now);
            let (subject, events, catalog) =
                (self.subject.clone(), posture.export(), posture.catalog().text.to_string());
            // Serialising 100,000 findings is not the UI's work.
            tokio::task::spawn_blocking(move || {
                if let Err(e) = crate::snapshot::write_at(&subject, &catalog, &events, now) {
                    tracing::warn!(error = %e, "cannot keep the snapshot");
                }
            });
        }
    }

    fn keep(&self, posture: &Posture, now: crate::model::Timestamp) {
        if Self::complete(posture)
            && self.subject.account.is_some()
            && let Err(e) = crate::snapshot::write_at(&self.subject, &posture.catalog().text, &posture.export(), now)
        {
            tracing::warn!(error = %e, "cannot keep the snapshot");
        }
    }
}

impl App {
    /// Starts the sources and runs until the user quits or a signal arrives. Draws only when
    /// something changed, at most every [`FRAME`].
    pub async fn run<B: Backend>(
        mut self,
        terminal: &mut Terminal<B>,
        sources: Vec<Box<dyn Source>>,
    ) -> std::io::Result<Exit>
    where
        B::Error: Send + Sync + 'static,
    {
        let exit = self.serve(terminal, sources).await;
        // The last complete state, for the next start.
        if let Some(keeper) = &self.keeper {
            keeper.keep(&self.posture, (self.clock)());
        }
        exit
    }

    async fn serve<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        sources: Vec<Box<dyn Source>>,
    ) -> std::io::Result<Exit>
    where
        B::Error: Send + Sync + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<Message>(1024);
        let (refresh, refresh_rx) = tokio::sync::watch::channel(0u64);
        self.spawn(sources, &tx, &refresh_rx);
        // Answers come back on the same channel as the sources' events.
        let answers = Sink::new(tx, self.clock.clone());

        let mut input = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        let mut dirty = true;
        let mut last_draw: Option<tokio::time::Instant> = None;
        let mut sources_open = true;

        loop {
            self.before_frame();
            let now = tokio::time::Instant::now();
            let due = last_draw.map_or(now, |t| t + FRAME);
            if dirty && now >= due {
                let ctx = RenderContext { theme: &self.theme, keymap: &self.keymap, now: (self.clock)() };
                if let Err(e) = terminal.draw(|f| ui::render(f, &self.posture, &self.view, &ctx)) {
                    return hung_up_or(std::io::Error::other(e));
                }
                dirty = false;
                last_draw = Some(now);
            }
            tokio::select! {
                event = input.next() => match event {
                    Some(Ok(Event::Key(key))) => match self.key(&key, &refresh, &answers) {
                        Some(Some(exit)) => return Ok(exit),
                        Some(None) => dirty = true,
                        None => {}
                    },
                    Some(Ok(Event::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return hung_up_or(e),
                    None => return hung_up_or(std::io::Error::other("the terminal's input closed")),
                },
                message = rx.recv(), if sources_open => match message {
                    Some(m) => {
                        self.messages(m, &mut rx, &refresh, &answers);
                        dirty = true;
                    }
                    None => sources_open = false,
                },
                _ = tick.tick() => {
                    if crate::terminal::hung_up() {
                        tracing::warn!("the terminal hung up");
                        return Ok(Exit::Signal(1));
                    }
                    if let Some(keeper) = &mut self.keeper {
                        keeper.every_few_minutes(&self.posture, (self.clock)());
                    }
                    dirty = true;
                }
                _ = tokio::time::sleep_until(due), if dirty => {}
                _ = sigterm.recv() => return Ok(Exit::Signal(15)),
                _ = sighup.recv() => return Ok(Exit::Signal(1)),
            }
        }
    }

    /// Starts each source with its own sink, its feeds registered with the store.
    fn spawn(
        &mut self,
        sources: Vec<Box<dyn Source>>,
        tx: &mpsc::Sender<Message>,
        refresh: &tokio::sync::watch::Receiver<u64>,
    ) {
        for source in sources {
            for (kind, interval) in source.feeds() {
                self.posture.register_source(kind, interval);
                self.feeds.push((kind, interval));
            }
            sources::spawn(source, Sink::new(tx.clone(), self.clock.clone()).with_refresh(refresh.clone()));
        }
    }

    /// What the view reads of the clocks and the story before a frame.
    fn before_frame(&mut self) {
        self.view.now = (self.clock)();
        // What the Changes view shows is seen.
        if matches!(self.view.screen, Screen::Changes { .. }) {
            self.view.changes_seen = self.posture.feed().total();
        }
        // Flash messages fade by the wall clock: a paused story's clock stands still.
        self.view.wall = jiff::Timestamp::now();
        self.view.stamp_message(self.view.wall);
        if let (Some(playback), Some(story)) = (&self.playback, &mut self.view.story) {
            story.paused = playback.paused();
            story.speed = playback.speed();
        }
    }

    /// A key: `None` where it did nothing, `Some(None)` where the view changed, `Some(exit)`
    /// where it ends the loop.
    fn key(
        &mut self,
        key: &crossterm::event::KeyEvent,
        refresh: &tokio::sync::watch::Sender<u64>,
        answers: &Sink,
    ) -> Option<Option<Exit>> {
        let commands = match update_key(&mut self.view, &self.posture, key) {
            Some(commands) => commands,
            None => update(&mut self.view, &self.posture, self.keymap.action(key)?),
        };
        for command in commands {
            if self.execute(command, refresh, answers) == Some(Exit::Quit) {
                return Some(Some(Exit::Quit));
            }
        }
        Some(None)
    }

    /// A message and whatever else is waiting (a burst costs one frame), then what they ask.
    fn messages(
        &mut self,
        first: Message,
        rx: &mut mpsc::Receiver<Message>,
        refresh: &tokio::sync::watch::Sender<u64>,
        answers: &Sink,
    ) {
        let mut follow_ups = self.take(first);
        while let Ok(m) = rx.try_recv() {
            follow_ups.extend(self.take(m));
        }
        // A step was played: the cursor goes to the control it narrates.
        if let Some(since) = self.step_played.take()
            && self.view.story.as_ref().is_some_and(|s| s.follow)
            && self.view.screen == Screen::Overview
        {
            crate::ui::follow_story(&mut self.view, &self.posture, since);
        }
        for command in follow_ups {
            self.execute(command, refresh, answers);
        }
        self.tell_changes();
    }

    /// The changes that arrived since the last call: a control turning FAIL is announced on the
    /// status line (`12:03 PRV-02 PASS → FAIL: nb-7`), and the burst is told to the notifier.
    fn tell_changes(&mut self) {
        let feed = self.posture.feed();
        if feed.total() == self.announced {
            return;
        }
        let fresh: Vec<&crate::store::Change> = feed.after(self.announced).collect();
        let turned: Vec<String> =
            fresh.iter().filter_map(|c| crate::ui::changes::announcement(&self.posture, c)).collect();
        match turned.len() {
            0 => {}
            1 => self.view.message = Some(turned[0].clone()),
            n => self.view.message = Some(format!("{} (and {} more turned FAIL: c shows them)", turned[0], n - 1)),
        }
        if let Some(notifier) = &mut self.notifier {
            notifier.tell(&self.posture, &fresh);
        }
        self.announced = feed.total();
    }

    /// Carries out one command of `update`; `Some` when the app must end.
    fn execute(&mut self, command: Command, refresh: &tokio::sync::watch::Sender<u64>, answers: &Sink) -> Option<Exit> {
        match command {
            Command::Quit => return Some(Exit::Quit),
            Command::Refresh => {
                refresh.send_modify(|n| *n += 1);
                self.view.message = Some("refreshing every source now".into());
            }
            Command::Request(request) => {
                let Some(responder) = self.responder.clone() else {
                    self.view.message = Some("nothing to look this up in: no source answers lookups here".into());
                    return None;
                };
                if let Request::Lookup { subject, sections, .. } = &request {
                    self.posture.begin_lookup(subject, sections, (self.clock)());
                }
                tokio::spawn(responder.respond(request, answers.clone()));
            }
            Command::Copy(text) => {
                if let Err(e) = crate::terminal::copy_to_clipboard(&text) {
                    self.view.message = Some(format!("could not copy: {e}"));
                }
            }
            Command::ToggleFreeze => self.toggle_freeze(refresh, answers),
            Command::Narrow(within) => {
                self.view.message = Some(narrowed(&within));
                self.posture.narrow(within);
                self.view.selected = [0; ControlKind::COUNT];
            }
            Command::SetTheme(spec) => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                match Theme::load(&spec, no_color) {
                    Ok(theme) => {
                        self.theme = theme;
                        self.view.message = Some(format!("theme {spec}"));
                    }
                    Err(e) => self.view.message = Some(e.to_string()),
                }
            }
            Command::Export { format, path } => {
                let now = (self.clock)();
                let text = crate::report::render(format, &self.posture, &report_subject(&self.view.banner), now);
                let fresh = export_name("posture", format.extension(), now);
                self.view.message = Some(write_export(path.as_deref(), &fresh, &text));
            }
            Command::ExportView => {
                let now = (self.clock)();
                let ctx = RenderContext { theme: &self.theme, keymap: &self.keymap, now };
                let text = crate::ui::export::view_text(&self.posture, &self.view, &ctx);
                self.view.message = Some(write_export(None, &export_name("view", "txt", now), &text));
            }
            Command::Presenter(p) => self.present(p),
            Command::Open(url) => match crate::terminal::open_with_system(&url) {
                Ok(()) => {}
                Err(e) => self.view.message = Some(format!("{e}; the link: {url}")),
            },
        }
        None
    }

    /// Freezing keeps updates waiting; thawing applies them in order.
    fn toggle_freeze(&mut self, refresh: &tokio::sync::watch::Sender<u64>, answers: &Sink) {
        match self.view.frozen.take() {
            Some(_) => {
                let waited = std::mem::take(&mut self.waiting);
                let n = waited.len();
                for m in waited {
                    for c in self.receive(m) {
                        self.execute(c, refresh, answers);
                    }
                }
                self.view.message = Some(format!("resumed: {n} updates applied"));
            }
            None => {
                self.view.frozen = Some(crate::ui::Frozen { since: (self.clock)(), waiting: 0 });
                self.view.message = Some("frozen: updates wait until f".into());
            }
        }
    }

    /// A presenter's key in the workshop or a replay.
    fn present(&mut self, p: Presenter) {
        use crate::sources::demo::Jump;
        let Some(playback) = &self.playback else { return };
        self.view.message = Some(match p {
            Presenter::Pause if playback.toggle_pause() => "paused: space resumes".into(),
            Presenter::Pause => "playing".into(),
            Presenter::Faster | Presenter::Slower => {
                format!("speed {}x", playback.change_speed(p == Presenter::Faster))
            }
            Presenter::Next => {
                playback.jump(Jump::Next);
                "next step".into()
            }
            Presenter::Previous => {
                playback.jump(Jump::Previous);
                "back one step: the story is rebuilt from its start".into()
            }
            Presenter::Restart => {
                playback.jump(Jump::Restart);
                "the story starts again".into()
            }
        });
    }

    /// A message from the channel: held while the view is frozen (the sources' data and the
    /// narration), else received. Answers the user asked for are never held.
    fn take(&mut self, message: Message) -> Vec<Command> {
        if let Some(recorder) = &self.recorder {
            // As it arrives, frozen or not: a replay shows it at the same moment.
            recorder.record((self.clock)(), &message);
            if let Some(e) = recorder.error() {
                self.view.message = Some(e);
                self.recorder = None;
            }
        }
        if let Some(frozen) = &mut self.view.frozen
            && matches!(message, Message::Event(_) | Message::Step(_) | Message::Reset)
        {
            self.waiting.push(message);
            frozen.waiting = self.waiting.len();
            return Vec::new();
        }
        self.receive(message)
    }

    /// Takes one message; returns what it calls for. News of a write is said on the status line
    /// as AWS answers it; a write that ended has the view that shows its subject read again (its
    /// evaluations, findings and history have moved on).
    fn receive(&mut self, message: Message) -> Vec<Command> {
        let mut follow_ups = Vec::new();
        if let Message::Answer(Answer::Write { write, state, .. }) = &message {
            self.view.message = Some(write_outcome(write, state));
            if state.is_final()
                && let Some(lookup) = reread(&self.view.screen, &self.posture, write)
            {
                follow_ups.push(Command::Request(lookup));
            }
        }
        self.receive_one(message);
        follow_ups
    }

    fn receive_one(&mut self, message: Message) {
        match message {
            Message::Event(event) => {
                if let Err(e) = &event.result {
                    tracing::warn!(source = %event.source, error = %e, "source error");
                }
                let ends_read = crate::allocator::ends_read(&event);
                self.posture.apply(event);
                if ends_read {
                    crate::allocator::give_back();
                }
            }
            Message::Step(step) => {
                tracing::info!(step = step.index + 1, title = %step.title, "story");
                self.view.message = None;
                if let Some(playback) = &self.playback {
                    self.step_played = Some(playback.start() + jiff::SignedDuration::from_secs(step.at as i64));
                }
                self.view.take_step(step);
            }
            Message::Reset => {
                let mut posture = Posture::new(self.posture.catalog().clone());
                posture.set_feed_severity(self.posture.feed_severity());
                for (kind, interval) in &self.feeds {
                    posture.register_source(*kind, *interval);
                }
                // The rebuilt store stays narrowed as the presenter left it.
                if let Some(within) = self.posture.narrowing() {
                    posture.narrow(within.clone());
                }
                self.posture = posture;
                self.view.restart_story();
            }
            Message::Answer(answer) => self.posture.answer(answer),
            Message::Account(id) => {
                // A snapshot of another account (the profile now names another) is not kept on
                // screen: the store starts again from nothing.
                if let Some(keeper) = &mut self.keeper
                    && let Some(other) = keeper.account_is(&id)
                {
                    let mut posture = Posture::new(self.posture.catalog().clone());
                    posture.set_feed_severity(self.posture.feed_severity());
                    for (kind, interval) in &self.feeds {
                        posture.register_source(*kind, *interval);
                    }
                    self.posture = posture;
                    self.view.message = Some(format!("snapshot not used (it is of account {other}, not {id})"));
                }
                if let crate::ui::Banner::Live { account, .. } | crate::ui::Banner::Replay { account, .. } =
                    &mut self.view.banner
                {
                    *account = Some(id);
                }
            }
        }
    }
}

/// What the status line says after narrowing (or widening) to an account and region.
fn narrowed(within: &crate::store::Within) -> String {
    match (&within.account, &within.region) {
        (None, None) => "every account and region (a narrows to one account)".to_string(),
        (a, r) => {
            let what = [a.as_deref().map(|a| format!("account {a}")), r.as_deref().map(|r| format!("region {r}"))];
            format!(
                "narrowed to {} (:account all and :region all widen)",
                what.into_iter().flatten().collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// How the loop ends when the terminal fails it: as on SIGHUP (exit 129) where the terminal is
/// gone (a closed window: whichever of the tick, a write or a read notices first), else `e`.
fn hung_up_or(e: std::io::Error) -> std::io::Result<Exit> {
    if crate::terminal::hung_up() {
        tracing::warn!("the terminal hung up");
        return Ok(Exit::Signal(1));
    }
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory of its own for a test, emptied first.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vigil-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn exports_never_write_over_one_another_and_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("exports");
        let now: jiff::Timestamp = "2026-11-29T20:15:00Z".parse().unwrap();
        let fresh = dir.join(export_name("posture", "csv", now));
        assert_eq!(fresh.file_name().unwrap(), "vigil-posture-20261129T201500Z.csv");
        // Three exports in the same second: three files.
        for n in 1..=3 {
            let said = write_export(None, &fresh, &format!("export {n}"));
            let path = numbered(&fresh, n);
            assert_eq!(said, format!("exported to {}", path.display()));
            assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("export {n}"));
        }
        assert_eq!(numbered(&fresh, 2).file_name().unwrap(), "vigil-posture-20261129T201500Z-2.csv");
        assert_eq!(numbered(&dir.join("plain"), 3).file_name().unwrap(), "plain-3");
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "export 1", "the first was not written over");
        for n in 1..=3 {
            let mode = std::fs::metadata(numbered(&fresh, n)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "owner only, as a recording");
        }
        // A file the user names is written (over what was there, as asked), private if new.
        let named = dir.join("mine.csv");
        write_export(Some(&named), &fresh, "one");
        assert_eq!(std::fs::metadata(&named).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(write_export(Some(&named), &fresh, "two"), format!("exported to {}", named.display()));
        assert_eq!(std::fs::read_to_string(&named).unwrap(), "two");
        assert!(!numbered(&fresh, 4).exists(), "a named export takes no fresh name");
        // Where nothing can be written, the line says so.
        let nowhere = dir.join("no/such/dir/x.csv");
        assert!(write_export(Some(&nowhere), &fresh, "x").starts_with("could not write"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
