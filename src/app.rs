//! The app: a pure `update` that turns actions into view changes and commands, and the loop
//! that feeds it terminal input, source messages and ticks.

use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::keymap::{Action, Keymap};
use crate::model::ControlKind;
use crate::sources::{self, Clock, Message, Sink, Source};
use crate::store::Posture;
use crate::theme::Theme;
use crate::ui::detail::{ControlDetail, Target, resource_len};
use crate::ui::{self, RenderContext, Screen, View};

/// What `update` asks the loop to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// Poll every source now.
    Refresh,
}

/// Row counts do not depend on the width; any width will do for moving the cursor.
const ROW_WIDTH: usize = 80;

/// Rows a page key moves.
const PAGE: usize = 10;

/// Applies one action to the view. Pure: reads the store, changes only the view.
pub fn update(view: &mut View, posture: &Posture, action: Action) -> Vec<Command> {
    if action == Action::Quit {
        view.quit = true;
        return vec![Command::Quit];
    }
    if view.help {
        if matches!(action, Action::Help | Action::Back) {
            view.help = false;
        }
        return Vec::new();
    }
    match action {
        Action::Quit => unreachable!("handled above"),
        Action::Help => view.help = true,
        Action::Refresh => return vec![Command::Refresh],
        Action::NextPane | Action::PrevPane | Action::Preventive | Action::Detective | Action::Corrective => {
            let i = view.focus.index();
            view.focus = match action {
                Action::NextPane => ControlKind::ALL[(i + 1) % 3],
                Action::PrevPane => ControlKind::ALL[(i + 2) % 3],
                Action::Preventive => ControlKind::Preventive,
                Action::Detective => ControlKind::Detective,
                _ => ControlKind::Corrective,
            };
            view.screen = Screen::Overview;
            view.back.clear();
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            let (cursor, len) = match &mut view.screen {
                Screen::Overview => {
                    let len = posture.pane(view.focus).len();
                    (&mut view.selected[view.focus.index()], len)
                }
                Screen::Control { index, cursor } => (cursor, ControlDetail::new(posture, *index, ROW_WIDTH).len()),
                Screen::Resource { id, cursor } => {
                    let len = resource_len(posture, id);
                    (cursor, len)
                }
                Screen::Guardrail { name, cursor } => {
                    let len = crate::ui::guardrail::len(posture, name);
                    (cursor, len)
                }
            };
            *cursor = moved(*cursor, len, action);
        }
        Action::Enter => match &view.screen {
            Screen::Overview => {
                if let Some(&index) = posture.pane(view.focus).get(view.selected[view.focus.index()]) {
                    view.back.push(Screen::Overview);
                    let cursor = ControlDetail::new(posture, index, ROW_WIDTH).first_target();
                    view.screen = Screen::Control { index, cursor };
                }
            }
            Screen::Control { index, cursor } => {
                let next = match ControlDetail::new(posture, *index, ROW_WIDTH).target(*cursor) {
                    Some(Target::Resource(id)) => Some(Screen::Resource { id, cursor: 0 }),
                    Some(Target::Guardrail(name)) => Some(Screen::Guardrail { name, cursor: 0 }),
                    None => None,
                };
                if let Some(next) = next {
                    view.back.push(view.screen.clone());
                    view.screen = next;
                }
            }
            Screen::Resource { .. } | Screen::Guardrail { .. } => {}
        },
        Action::Back => view.screen = view.back.pop().unwrap_or(Screen::Overview),
    }
    Vec::new()
}

fn moved(cursor: usize, len: usize, action: Action) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up => cursor.saturating_sub(1),
        Action::Down => (cursor + 1).min(last),
        Action::PageUp => cursor.saturating_sub(PAGE),
        Action::PageDown => (cursor + PAGE).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => cursor,
    }
    .min(last)
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
        let (tx, mut rx) = mpsc::channel::<Message>(1024);
        let (refresh, refresh_rx) = tokio::sync::watch::channel(0u64);
        for source in sources {
            for (kind, interval) in source.feeds() {
                self.posture.register_source(kind, interval);
            }
            sources::spawn(source, Sink::new(tx.clone(), self.clock.clone()).with_refresh(refresh_rx.clone()));
        }
        drop(tx);

        let mut input = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        let mut dirty = true;
        let mut last_draw: Option<tokio::time::Instant> = None;
        let mut sources_open = true;

        loop {
            let now = tokio::time::Instant::now();
            let due = last_draw.map_or(now, |t| t + FRAME);
            if dirty && now >= due {
                let ctx = RenderContext { theme: &self.theme, keymap: &self.keymap, now: (self.clock)() };
                terminal.draw(|f| ui::render(f, &self.posture, &self.view, &ctx)).map_err(std::io::Error::other)?;
                dirty = false;
                last_draw = Some(now);
            }
            tokio::select! {
                event = input.next() => match event {
                    Some(Ok(Event::Key(key))) => {
                        if let Some(action) = self.keymap.action(&key) {
                            for command in update(&mut self.view, &self.posture, action) {
                                match command {
                                    Command::Quit => return Ok(Exit::Quit),
                                    Command::Refresh => {
                                        refresh.send_modify(|n| *n += 1);
                                        self.view.message = Some("refreshing every source now".into());
                                    }
                                }
                            }
                            dirty = true;
                        }
                    }
                    Some(Ok(Event::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e),
                    None => return Err(std::io::Error::other("the terminal's input closed")),
                },
                message = rx.recv(), if sources_open => match message {
                    Some(m) => {
                        self.receive(m);
                        // Take whatever else is waiting, so a burst costs one frame.
                        while let Ok(m) = rx.try_recv() {
                            self.receive(m);
                        }
                        dirty = true;
                    }
                    None => sources_open = false,
                },
                _ = tick.tick() => dirty = true,
                _ = tokio::time::sleep_until(due), if dirty => {}
                _ = sigterm.recv() => return Ok(Exit::Signal(15)),
                _ = sighup.recv() => return Ok(Exit::Signal(1)),
            }
        }
    }

    fn receive(&mut self, message: Message) {
        match message {
            Message::Event(event) => {
                if let Err(e) = &event.result {
                    tracing::warn!(source = %event.source, error = %e, "source error");
                }
                self.posture.apply(event);
            }
            Message::Narration(text) => {
                tracing::info!(%text, "demo");
                self.view.message = Some(text);
            }
            Message::Account(id) => {
                if let crate::ui::Banner::Live { account, .. } = &mut self.view.banner {
                    *account = Some(id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::ui::Banner;

    fn setup() -> (View, Posture) {
        (View::new(Banner::Demo { title: "t".into() }), Posture::new(Catalog::default_catalog()))
    }

    #[test]
    fn panes_switch_with_numbers_and_tab() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Corrective);
        assert_eq!(v.focus, ControlKind::Corrective);
        update(&mut v, &p, Action::NextPane);
        assert_eq!(v.focus, ControlKind::Preventive);
        update(&mut v, &p, Action::PrevPane);
        assert_eq!(v.focus, ControlKind::Corrective);
    }

    #[test]
    fn moving_stays_inside_the_pane() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Up);
        assert_eq!(v.selected[0], 0);
        update(&mut v, &p, Action::Bottom);
        assert_eq!(v.selected[0], p.pane(ControlKind::Preventive).len() - 1);
        update(&mut v, &p, Action::Down);
        assert_eq!(v.selected[0], p.pane(ControlKind::Preventive).len() - 1);
    }

    #[test]
    fn enter_drills_in_and_esc_comes_back() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Down);
        update(&mut v, &p, Action::Enter);
        assert!(matches!(v.screen, Screen::Control { index: 1, .. }));
        update(&mut v, &p, Action::Back);
        assert_eq!(v.screen, Screen::Overview);
        assert_eq!(v.selected[0], 1, "the selection is kept");
    }

    #[test]
    fn help_swallows_keys_until_closed_but_quit_still_quits() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Help);
        update(&mut v, &p, Action::Down);
        assert_eq!(v.selected[0], 0);
        update(&mut v, &p, Action::Back);
        assert!(!v.help);
        update(&mut v, &p, Action::Help);
        assert_eq!(update(&mut v, &p, Action::Quit), vec![Command::Quit]);
    }
}
