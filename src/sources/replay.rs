//! A recording played back as a source: each event at the moment it arrived, on the story's
//! clock, with the presenter's controls. Its steps are the polls: `n` and `p` go from one poll
//! to the next, and going back rebuilds the store from the start, as the demo does.

use std::sync::Arc;
use std::time::Duration;

use super::playback::{Playback, Script, play};
use super::{Message, Sink, Source, SourceFuture, SourceKind, StepInfo};
use crate::model::{ControlKind, Dataset, Payload, SourceEvent};
use crate::recording::{Recorded, Recording};
use crate::text::thousands;

/// Reads that land within this many seconds of the first of them are one poll.
const POLL_WINDOW: f64 = 2.0;

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

    fn offset(&self, i: usize) -> f64 {
        secs_between(self.recording.header.started_at, self.recording.entries[i].at)
    }
}

/// Its moments are the recording's lines; a poll's step follows its last line. The clock stops
/// at the last line.
impl Script for ReplayScript {
    fn played(&self) -> usize {
        self.next_poll
    }

    fn step_count(&self) -> usize {
        self.polls.len()
    }

    fn opening(&mut self) -> Vec<Message> {
        Vec::new()
    }

    fn next_at(&self) -> Option<f64> {
        (self.next_entry < self.recording.entries.len()).then(|| self.offset(self.next_entry))
    }

    fn next_moment(&mut self) -> Vec<Message> {
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

    /// The clock stands where poll `step` landed.
    fn play_through(&mut self, step: usize) -> (Vec<Message>, f64) {
        let mut out = Vec::new();
        let Some(poll) = self.polls.get(step) else { return (out, 0.0) };
        let at = poll.at;
        while self.next_poll <= step {
            out.extend(self.next_moment());
        }
        (out, at)
    }

    fn end(&self) -> f64 {
        secs_between(self.recording.header.started_at, self.recording.ends_at())
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
    let mut first_at = f64::NEG_INFINITY;
    for (i, entry) in recording.entries.iter().enumerate() {
        let Recorded::Event(event) = &entry.what else { continue };
        if !landed(event) {
            continue;
        }
        let at = secs_between(start, entry.at);
        match groups.last_mut() {
            Some(g) if at - first_at <= POLL_WINDOW => g.push(i),
            _ => {
                groups.push(vec![i]);
                first_at = at;
            }
        }
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
                    let of_kind: Vec<&SourceEvent> = events.iter().copied().filter(|e| e.source == *k).collect();
                    format!("{k}: {}", summary(&of_kind))
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
                    control: None,
                },
            }
        })
        .collect()
}

/// What a source's reads in one poll brought, in a few words: the items of its data sets
/// together, whether a pass over findings ended, and its last failure.
fn summary(events: &[&SourceEvent]) -> String {
    let mut sets = Vec::new();
    let (mut full, mut swept, mut failure) = (false, None, None);
    for event in events {
        match &event.result {
            Ok(Payload::Replace(d)) => {
                full = true;
                sets.push(d);
            }
            Ok(Payload::Merge(d)) => sets.push(d),
            Ok(Payload::Sweep { seen, .. }) => swept = Some(seen.len()),
            Ok(Payload::Progress { .. } | Payload::Retrying { .. }) => {}
            Err(e) => failure = Some(e),
        }
    }
    let mut parts = Vec::new();
    let read = contents(&sets);
    if read.is_some() || swept.is_none() && failure.is_none() {
        let verb = if full { "read" } else { "changed" };
        parts.push(format!("{verb} {}", read.unwrap_or_else(|| "nothing".into())));
    }
    if let Some(active) = swept {
        parts.push(format!("a pass over findings ended, {} active", thousands(active as u64)));
    }
    if let Some(e) = failure {
        parts.push(format!("failed: {e}"));
    }
    let reads = if events.len() > 1 { format!(" ({} reads)", events.len()) } else { String::new() };
    parts.join(", ") + &reads
}

/// The items of `sets` together, by kind; `None` when there are none.
fn contents(sets: &[&Dataset]) -> Option<String> {
    let sum = |f: fn(&Dataset) -> usize| sets.iter().map(|d| f(d)).sum::<usize>();
    let n = |count: usize, one: &str, many: &str| {
        (count > 0).then(|| format!("{} {}", thousands(count as u64), if count == 1 { one } else { many }))
    };
    let parts: Vec<String> = [
        n(sum(|d| d.rules.len()), "rule", "rules"),
        n(sum(|d| d.evaluations.len()), "evaluation", "evaluations"),
        n(sum(|d| d.remediation_configs.len()), "remediation configuration", "remediation configurations"),
        n(sum(|d| d.executions.len()), "remediation execution", "remediation executions"),
        n(sum(|d| d.findings.len()), "finding", "findings"),
        n(sum(|d| d.standards.len()), "standard", "standards"),
        n(sum(|d| d.alarms.len()), "alarm", "alarms"),
        n(sum(|d| d.metrics.len()), "metric", "metrics"),
        n(sum(|d| d.guardrails.len()), "guardrail test", "guardrail tests"),
        n(sum(|d| d.unread.len()), "part unread", "parts unread"),
        n(sum(|d| d.skipped as usize), "item skipped", "items skipped"),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
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
            play(playback, sink, || ReplayScript::new(recording.clone())).await;
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

    fn recording_finding() -> Option<crate::model::Finding> {
        use crate::model::*;
        let mut i = Interner::new();
        let r = ResourceId::from_config(&mut i, "AWS::S3::Bucket", "b", "123456789012", "us-east-1");
        Some(Finding {
            id: "f".into(),
            product: "p".into(),
            control_id: None,
            related_rule: None,
            title: "t".into(),
            severity: Severity::Low,
            workflow: WorkflowStatus::New,
            record_state: RecordState::Active,
            compliance: None,
            resources: vec![r].into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            updated_at: "2026-11-29T10:00:00Z".parse::<Timestamp>().unwrap().into(),
            first_observed: None,
            class: None,
        })
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
        let at = "2026-11-29T10:00:00Z".parse().unwrap();
        let page = |findings: usize, skipped: u64| SourceEvent {
            source: SourceKind::SecurityHub,
            fetched_at: at,
            result: Ok(Payload::Merge(Dataset {
                findings: recording_finding().into_iter().cycle().take(findings).collect(),
                skipped,
                ..Default::default()
            })),
        };
        let sweep = SourceEvent {
            result: Ok(Payload::Sweep { seen: vec!["f".into(); 1200], started_at: at, skipped: 0 }),
            ..page(0, 0)
        };
        assert_eq!(
            summary(&[&page(1000, 1), &page(200, 0), &sweep]),
            "changed 1,200 findings, 1 item skipped, a pass over findings ended, 1,200 active (3 reads)"
        );
        assert_eq!(steps[0].at, 2);
        assert_eq!(steps[1].title, "10:00:30Z · cloudwatch");
        assert_eq!(steps[1].caption, "cloudwatch: failed: throttled on DescribeAlarms");
        assert_eq!(script.end(), 30.0);
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
