//! A recording played back as a source: each event at the moment it arrived, on the story's
//! clock, with the presenter's controls. Its steps are the polls: `n` and `p` go from one poll
//! to the next, and going back rebuilds the store from the start, as the demo does.

use std::sync::Arc;
use std::time::Duration;

use super::demo::send_all;
use super::playback::{Jump, Playback};
use super::{Message, Sink, Source, SourceFuture, SourceKind, StepInfo};
use crate::model::{ControlKind, Dataset, Payload, SourceEvent};
use crate::recording::{Recorded, Recording};
use crate::text::{counted, thousands};

/// Reads that land within this many seconds of each other are one poll.
const POLL_GAP: f64 = 2.0;

/// One poll: the entries up to `end` (exclusive), the last of which landed `at` seconds after
/// the start.
#[derive(Debug, Clone)]
struct Poll {
    end: usize,
    at: f64,
    info: StepInfo,
}

/// The recording as a sequence of moments: the pure part of the replay.
pub struct ReplayScript {
    recording: Arc<Recording>,
    polls: Vec<Poll>,
    next_entry: usize,
    next_poll: usize,
}

impl ReplayScript {
    pub fn new(recording: Arc<Recording>) -> Self {
        let polls = polls(&recording);
        ReplayScript { recording, polls, next_entry: 0, next_poll: 0 }
    }

    /// The polls, as the caption bar shows them.
    pub fn steps(&self) -> impl Iterator<Item = &StepInfo> {
        self.polls.iter().map(|p| &p.info)
    }

    pub fn step_count(&self) -> usize {
        self.polls.len()
    }

    /// How many polls have been played.
    pub fn played(&self) -> usize {
        self.next_poll
    }

    fn offset(&self, i: usize) -> f64 {
        secs_between(self.recording.header.started_at, self.recording.entries[i].at)
    }

    /// Seconds from the start to the last line: where the story's clock stops.
    pub fn length(&self) -> f64 {
        secs_between(self.recording.header.started_at, self.recording.ends_at())
    }

    /// When the next entry comes, in seconds after the start; `None` at the end.
    pub fn next_at(&self) -> Option<f64> {
        (self.next_entry < self.recording.entries.len()).then(|| self.offset(self.next_entry))
    }

    /// The next entry, and the poll's step when it completes one.
    pub fn next_moment(&mut self) -> Vec<Message> {
        let Some(entry) = self.recording.entries.get(self.next_entry) else { return Vec::new() };
        self.next_entry += 1;
        let mut out = vec![message(&entry.what)];
        if let Some(poll) = self.polls.get(self.next_poll)
            && poll.end == self.next_entry
        {
            out.push(Message::Step(poll.info.clone()));
            self.next_poll += 1;
        }
        out
    }

    /// Everything up to and including poll `step` (0-based) at once; returns it and the time the
    /// poll landed.
    pub fn play_through(&mut self, step: usize) -> (Vec<Message>, f64) {
        let mut out = Vec::new();
        let Some(poll) = self.polls.get(step) else { return (out, 0.0) };
        let at = poll.at;
        while self.next_poll <= step {
            out.extend(self.next_moment());
        }
        (out, at)
    }
}

fn secs_between(from: crate::model::Timestamp, to: crate::model::Timestamp) -> f64 {
    to.duration_since(from).as_secs_f64().max(0.0)
}

fn message(what: &Recorded) -> Message {
    match what {
        Recorded::Event(e) => Message::Event(e.clone()),
        Recorded::Account(id) => Message::Account(id.clone()),
    }
}

/// Whether a source's read ended with this event (data or a failure), not a progress report.
fn landed(event: &SourceEvent) -> bool {
    !matches!(event.result, Ok(Payload::Progress { .. } | Payload::Retrying { .. }))
}

/// The polls of a recording: reads that landed close together, each with a step saying when,
/// which sources, and what they brought.
fn polls(recording: &Recording) -> Vec<Poll> {
    let start = recording.header.started_at;
    // Entry indices of each group of landed reads.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut last_at = f64::NEG_INFINITY;
    for (i, entry) in recording.entries.iter().enumerate() {
        let Recorded::Event(event) = &entry.what else { continue };
        if !landed(event) {
            continue;
        }
        let at = secs_between(start, entry.at);
        match groups.last_mut() {
            Some(g) if at - last_at <= POLL_GAP => g.push(i),
            _ => groups.push(vec![i]),
        }
        last_at = at;
    }
    let total = groups.len();
    groups
        .into_iter()
        .enumerate()
        .map(|(index, group)| {
            let events: Vec<&SourceEvent> = group
                .iter()
                .filter_map(|i| match &recording.entries[*i].what {
                    Recorded::Event(e) => Some(e),
                    Recorded::Account(_) => None,
                })
                .collect();
            let first = secs_between(start, recording.entries[group[0]].at);
            let last_index = *group.last().expect("a group has a read");
            let landed_at = recording.entries[last_index].at;
            let mut kinds: Vec<SourceKind> = events.iter().map(|e| e.source).collect();
            kinds.sort();
            kinds.dedup();
            let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
            let caption: Vec<String> = kinds
                .iter()
                .map(|k| {
                    let of_kind: Vec<&&SourceEvent> = events.iter().filter(|e| e.source == *k).collect();
                    let last = of_kind.last().expect("a kind of the group has an event");
                    let more = if of_kind.len() > 1 { format!(" ({} reads)", of_kind.len()) } else { String::new() };
                    format!("{k}: {}{more}", summary(last))
                })
                .collect();
            let pane =
                if kinds.contains(&SourceKind::Guardrails) { ControlKind::Preventive } else { ControlKind::Detective };
            Poll {
                end: last_index + 1,
                at: secs_between(start, landed_at),
                info: StepInfo {
                    index,
                    total,
                    at: first.floor() as u64,
                    title: format!("{} · {}", landed_at.strftime("%H:%M:%SZ"), names.join(", ")),
                    caption: caption.join(" · "),
                    pane,
                },
            }
        })
        .collect()
}

/// What a read brought, in a few words.
fn summary(event: &SourceEvent) -> String {
    match &event.result {
        Err(e) => format!("failed: {e}"),
        Ok(Payload::Replace(d)) => format!("read {}", contents(d)),
        Ok(Payload::Merge(d)) => format!("changed {}", contents(d)),
        Ok(Payload::Sweep { seen, .. }) => {
            format!("a pass over findings ended, {} active", thousands(seen.len() as u64))
        }
        Ok(Payload::Progress { items, .. }) => format!("loading, {} read", thousands(*items)),
        Ok(Payload::Retrying { attempt, error }) => format!("retrying (attempt {attempt}): {error}"),
    }
}

fn contents(d: &Dataset) -> String {
    let n = |count: usize, one: &str, many: &str| {
        (count > 0).then(|| {
            let text = counted(count, one, many);
            text.replacen(&count.to_string(), &thousands(count as u64), 1)
        })
    };
    let parts: Vec<String> = [
        n(d.rules.len(), "rule", "rules"),
        n(d.evaluations.len(), "evaluation", "evaluations"),
        n(d.remediation_configs.len(), "remediation configuration", "remediation configurations"),
        n(d.executions.len(), "remediation execution", "remediation executions"),
        n(d.findings.len(), "finding", "findings"),
        n(d.standards.len(), "standard", "standards"),
        n(d.alarms.len(), "alarm", "alarms"),
        n(d.metrics.len(), "metric", "metrics"),
        n(d.guardrails.len(), "guardrail test", "guardrail tests"),
        n(d.unread.len(), "part unread", "parts unread"),
        n(d.skipped as usize, "item skipped", "items skipped"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { "nothing".into() } else { parts.join(", ") }
}

/// A recording as a source: plays by the story's clock and jumps where the presenter asks. When
/// the last line has played, the clock stops there.
pub struct ReplaySource {
    recording: Arc<Recording>,
    playback: Playback,
}

impl ReplaySource {
    pub fn new(recording: Arc<Recording>, playback: Playback) -> Self {
        ReplaySource { recording, playback }
    }

    /// The playback's clock starts at the recording's start.
    pub fn playback(recording: &Recording, step_mode: bool) -> Playback {
        Playback::new(recording.header.started_at, step_mode)
    }
}

impl Source for ReplaySource {
    fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)> {
        self.recording.header.feeds.iter().map(|f| (f.source, f.interval())).collect()
    }

    fn run(self: Box<Self>, sink: Sink) -> SourceFuture {
        Box::pin(async move {
            let ReplaySource { recording, playback } = *self;
            let mut script = ReplayScript::new(recording.clone());
            loop {
                if let Some(jump) = playback.take_jump() {
                    let (played, total) = (script.played(), script.step_count());
                    let (rebuild, target) = match jump {
                        Jump::Next if played < total => (false, Some(played)),
                        Jump::Next => continue,
                        Jump::Previous => (true, played.checked_sub(2)),
                        Jump::Restart => (true, None),
                    };
                    let mut messages = Vec::new();
                    if rebuild {
                        messages.push(Message::Reset);
                        script = ReplayScript::new(recording.clone());
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
                    // The end: the clock stops at the last line, and waits for `p` or `R`.
                    if !playback.paused() {
                        playback.stop_at(script.length());
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::{Entry, Header, Subject};

    fn event(source: SourceKind, at: &str, result: Result<Payload, crate::model::SourceError>) -> Entry {
        let at = at.parse().unwrap();
        Entry { at, what: Recorded::Event(SourceEvent { source, fetched_at: at, result }) }
    }

    pub(crate) fn recording() -> Recording {
        let start = "2026-11-29T10:00:00Z".parse().unwrap();
        let header = Header::new(start, Subject::default(), &[], &crate::catalog::Catalog::default_catalog());
        let full = || Ok(Payload::Replace(Dataset::default()));
        let entries = vec![
            event(
                SourceKind::SecurityHub,
                "2026-11-29T10:00:01Z",
                Ok(Payload::Progress { pages: 1, items: 100, rate: None }),
            ),
            event(SourceKind::Config, "2026-11-29T10:00:02Z", full()),
            event(SourceKind::SecurityHub, "2026-11-29T10:00:03Z", full()),
            Entry { at: "2026-11-29T10:00:04Z".parse().unwrap(), what: Recorded::Account("123456789012".into()) },
            event(
                SourceKind::CloudWatch,
                "2026-11-29T10:00:30Z",
                Err(crate::model::SourceError::Throttled { operation: "DescribeAlarms".into() }),
            ),
        ];
        Recording { header, entries, origin: "r.jsonl".into() }
    }

    #[test]
    fn polls_are_reads_that_land_together() {
        let script = ReplayScript::new(Arc::new(recording()));
        let steps: Vec<&StepInfo> = script.steps().collect();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].title, "10:00:03Z · config, securityhub");
        assert_eq!(steps[0].caption, "config: read nothing · securityhub: read nothing");
        assert_eq!(steps[0].at, 2);
        assert_eq!(steps[1].title, "10:00:30Z · cloudwatch");
        assert_eq!(steps[1].caption, "cloudwatch: failed: throttled on DescribeAlarms");
        assert_eq!(script.length(), 30.0);
    }

    #[test]
    fn a_step_is_sent_after_the_last_read_of_its_poll() {
        let mut script = ReplayScript::new(Arc::new(recording()));
        let kinds = |ms: &[Message]| {
            ms.iter()
                .map(|m| match m {
                    Message::Event(e) => e.source.name().to_string(),
                    Message::Step(s) => format!("step {}", s.index + 1),
                    Message::Account(_) => "account".into(),
                    _ => "other".into(),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(&script.next_moment()), ["securityhub"]);
        assert_eq!(kinds(&script.next_moment()), ["config"]);
        assert_eq!(kinds(&script.next_moment()), ["securityhub", "step 1"]);
        let (rest, at) = script.play_through(1);
        assert_eq!(kinds(&rest), ["account", "cloudwatch", "step 2"]);
        assert_eq!(at, 30.0);
        assert_eq!(script.next_at(), None);
    }
}
