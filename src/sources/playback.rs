//! The story's clock and the presenter's hand on it: story time runs at a speed, pauses, and
//! jumps to a step. The demo and replay sources play by it; the screen's clock reads it, so ages and
//! staleness follow the story, not the wall.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::model::Timestamp;
use crate::sources::{Clock, Message, Sink};

/// The speeds `+` and `-` step through.
pub const SPEEDS: [f64; 6] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0];

/// A jump the presenter asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    Next,
    Previous,
    Restart,
}

#[derive(Debug)]
struct State {
    /// Real time at which story time was `at`.
    anchor: Instant,
    at: f64,
    speed: f64,
    paused: bool,
    /// `--step`: every jump leaves the story paused at its step.
    step_mode: bool,
    jump: Option<Jump>,
}

/// Shared between a story's source (the demo, a replay), the app (keys) and the clock.
#[derive(Clone)]
pub struct Playback {
    start: Timestamp,
    state: Arc<Mutex<State>>,
    wake: Arc<Notify>,
}

impl Playback {
    /// A story that starts at `start`; with `step_mode` it waits for `n` at every step.
    pub fn new(start: Timestamp, step_mode: bool) -> Self {
        let state = State { anchor: Instant::now(), at: 0.0, speed: 1.0, paused: step_mode, step_mode, jump: None };
        Playback { start, state: Arc::new(Mutex::new(state)), wake: Arc::new(Notify::new()) }
    }

    /// Plays at `speed` (a replay's `--speed`), clamped to the speeds `+` and `-` reach.
    #[must_use]
    pub fn with_speed(self, speed: f64) -> Self {
        self.lock().speed = speed.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Seconds of story time since the start.
    pub fn story_secs(&self) -> f64 {
        let s = self.lock();
        if s.paused { s.at } else { s.at + s.anchor.elapsed().as_secs_f64() * s.speed }
    }

    /// The story's start, on the clock the events are stamped with.
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// Story time as a timestamp.
    pub fn now(&self) -> Timestamp {
        self.start + jiff::SignedDuration::from_secs_f64(self.story_secs())
    }

    /// The clock the screen and the store's ages read.
    pub fn clock(&self) -> Clock {
        let me = self.clone();
        Arc::new(move || me.now())
    }

    pub fn paused(&self) -> bool {
        self.lock().paused
    }

    pub fn speed(&self) -> f64 {
        self.lock().speed
    }

    /// Space: pauses or resumes; says whether it is paused now.
    pub fn toggle_pause(&self) -> bool {
        let now = self.story_secs();
        let paused = {
            let mut s = self.lock();
            s.at = now;
            s.anchor = Instant::now();
            s.paused = !s.paused;
            s.paused
        };
        self.wake.notify_one();
        paused
    }

    /// `+` (`faster`) and `-`: the next speed in [`SPEEDS`]; returns it.
    pub fn change_speed(&self, faster: bool) -> f64 {
        let now = self.story_secs();
        let speed = {
            let mut s = self.lock();
            let i = SPEEDS.iter().position(|v| *v >= s.speed).unwrap_or(2);
            let i = if faster { (i + 1).min(SPEEDS.len() - 1) } else { i.saturating_sub(1) };
            s.at = now;
            s.anchor = Instant::now();
            s.speed = SPEEDS[i];
            s.speed
        };
        self.wake.notify_one();
        speed
    }

    /// `n`, `p`, `R`: asks the source to jump.
    pub fn jump(&self, jump: Jump) {
        self.lock().jump = Some(jump);
        self.wake.notify_one();
    }

    /// The jump asked for, once.
    pub(crate) fn take_jump(&self) -> Option<Jump> {
        self.lock().jump.take()
    }

    /// After a jump: story time stands at `secs`; in step mode it stays there.
    pub(crate) fn set_at(&self, secs: f64) {
        let mut s = self.lock();
        s.at = secs;
        s.anchor = Instant::now();
        if s.step_mode {
            s.paused = true;
        }
    }

    /// Story time stands still at `secs` (the end of a recording: nothing more will come).
    pub(crate) fn stop_at(&self, secs: f64) {
        let mut s = self.lock();
        s.at = secs;
        s.anchor = Instant::now();
        s.paused = true;
    }

    /// Real time to wait until story time reaches `secs`: zero when it has, `None` while paused.
    pub(crate) fn until(&self, secs: f64) -> Option<Duration> {
        let now = self.story_secs();
        let s = self.lock();
        if now >= secs {
            return Some(Duration::ZERO);
        }
        (!s.paused).then(|| Duration::from_secs_f64((secs - now) / s.speed))
    }

    /// Waits until the presenter does something.
    pub(super) async fn changed(&self) {
        self.wake.notified().await;
    }
}

/// A story a source plays by the presenter's clock: the demo's script, a recording's polls.
pub trait Script {
    /// Steps played so far, and in all.
    fn played(&self) -> usize;
    fn step_count(&self) -> usize;
    /// What starts the story (a baseline), sent at the start and after every rebuild.
    fn opening(&mut self) -> Vec<Message>;
    /// When the next moment comes, in story seconds; `None` when nothing more will.
    fn next_at(&self) -> Option<f64>;
    /// The next moment's messages.
    fn next_moment(&mut self) -> Vec<Message>;
    /// Every moment up to and including step `step` (0-based) at once, and the story time it
    /// leaves the clock at.
    fn play_through(&mut self, step: usize) -> (Vec<Message>, f64);
    /// Where the clock stops when nothing more will come.
    fn end(&self) -> f64;
}

/// Plays a script by the clock and jumps where the presenter asks (`n`, `p`, `R`). Going back
/// rebuilds: the store is reset and a `fresh` script played from its opening up to the step,
/// so that the posture is exactly that step's. Runs until the sink closes.
pub(crate) async fn play<S: Script>(playback: Playback, sink: Sink, fresh: impl Fn() -> S) {
    let mut script = fresh();
    let opening = script.opening();
    if !send_all(&sink, opening).await {
        return;
    }
    loop {
        if let Some(jump) = playback.take_jump() {
            let (played, total) = (script.played(), script.step_count());
            // The step to stand at after the jump; `None` is the start.
            let (rebuild, target) = match jump {
                Jump::Next if played < total => (false, Some(played)),
                Jump::Next => continue,
                Jump::Previous => (true, played.checked_sub(2)),
                Jump::Restart => (true, None),
            };
            let mut messages = Vec::new();
            if rebuild {
                messages.push(Message::Reset);
                script = fresh();
                messages.extend(script.opening());
            }
            let at = match target {
                Some(step) => {
                    let (played, at) = script.play_through(step);
                    messages.extend(played);
                    at
                }
                None => 0.0,
            };
            playback.set_at(at);
            if !send_all(&sink, messages).await {
                return;
            }
            continue;
        }
        let Some(next) = script.next_at() else {
            // The end: the clock stops there, and waits for `p` or `R`.
            if !playback.paused() {
                playback.stop_at(script.end());
            }
            playback.changed().await;
            continue;
        };
        match playback.until(next) {
            Some(wait) if wait.is_zero() => {
                if !send_all(&sink, script.next_moment()).await {
                    return;
                }
            }
            Some(wait) => {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = playback.changed() => {}
                }
            }
            None => playback.changed().await,
        }
    }
}

/// Sends in order; `false` once the app has gone.
pub(crate) async fn send_all(sink: &Sink, messages: Vec<Message>) -> bool {
    for m in messages {
        let sent = match m {
            Message::Event(e) => sink.send(e).await,
            Message::Step(step) => sink.step(step).await,
            Message::Reset => sink.reset().await,
            Message::Account(id) => sink.account(id).await,
            Message::Answer(a) => sink.answer(a).await,
        };
        if !sent {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_speed_and_jumps() {
        let p = Playback::new("2026-11-26T12:00:00Z".parse().unwrap(), false);
        assert!(!p.paused());
        assert!(p.toggle_pause());
        let at = p.story_secs();
        assert_eq!(p.until(at + 10.0), None, "paused: nothing comes");
        assert!(!p.toggle_pause());
        assert_eq!(p.change_speed(true), 2.0);
        assert_eq!(p.change_speed(true), 4.0);
        assert_eq!(p.change_speed(false), 2.0);
        for _ in 0..10 {
            p.change_speed(false);
        }
        assert_eq!(p.speed(), 0.25);
        let wait = p.until(p.story_secs() + 1.0).unwrap();
        assert!(wait > Duration::from_secs(3), "a second of story at 0.25x takes four: {wait:?}");
        p.jump(Jump::Next);
        assert_eq!(p.take_jump(), Some(Jump::Next));
        assert_eq!(p.take_jump(), None);
        p.set_at(35.0);
        assert!(p.story_secs() >= 35.0);

        let stepping = Playback::new("2026-11-26T12:00:00Z".parse().unwrap(), true);
        assert!(stepping.paused(), "--step starts paused");
        stepping.toggle_pause();
        stepping.set_at(10.0);
        assert!(stepping.paused(), "each jump stops at its step");
        assert_eq!(stepping.now().to_string(), "2026-11-26T12:00:10Z");
    }
}
