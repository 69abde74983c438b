//! The change feed: what changed, as the store applied the sources' events, on the data's own
//! clock (an event's `fetched_at`). A source's first complete read is its baseline, never a
//! change; after it, each event's changes are kept in order, the newest last, up to
//! [`FEED_MAX`] (the oldest dropped and counted).

use std::collections::{BTreeMap, VecDeque};

use crate::model::{AlarmState, ExecutionState, ResourceId, Severity, SourceKind, StatusLevel, Sym, Timestamp};

/// Entries the feed keeps.
pub const FEED_MAX: usize = 10_000;

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Its number in the feed: 1 for the first change ever kept (what "not yet seen" counts from).
    pub seq: u64,
    /// When the data that showed it was fetched.
    pub at: Timestamp,
    /// Where it happened (a resource's, a finding's, a place's); empty where it is nowhere in
    /// particular (a guardrail test, a source as a whole).
    pub account: Sym,
    pub region: Sym,
    pub what: What,
}

/// What changed.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// A control's status went from one known status to another, and what made it.
    Status { control: usize, from: StatusLevel, to: StatusLevel, cause: Option<Cause> },
    /// A resource started failing under a control (`failing`), or stopped.
    Resource { control: usize, resource: ResourceId, failing: bool, via: Via },
    /// A finding at or above the feed's severity arrived, was raised, or went.
    Finding { id: Sym, title: Sym, severity: Severity, event: FindingEvent },
    /// A remediation execution started, succeeded or failed.
    Remediation { rule: Sym, resource: ResourceId, state: ExecutionState },
    /// An alarm's state turned (`OK → ALARM`: a detection firing).
    Alarm { name: Sym, from: AlarmState, to: AlarmState },
    /// A source's health turned (`ok`, `throttled`, `unauthorized`, `expired_credentials`,
    /// `failed`), with the error where it failed.
    Health { source: SourceKind, from: &'static str, to: &'static str, error: Option<String> },
}

/// What happened to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingEvent {
    New,
    /// Its severity went up, from this.
    Raised(Severity),
    Resolved,
    Suppressed,
    /// ARCHIVED, or gone from a full read (past its retention).
    Archived,
}

impl FindingEvent {
    pub fn word(self) -> &'static str {
        match self {
            FindingEvent::New => "new",
            FindingEvent::Raised(_) => "raised",
            FindingEvent::Resolved => "resolved",
            FindingEvent::Suppressed => "suppressed",
            FindingEvent::Archived => "archived",
        }
    }
}

/// The evidence item that made a resource fail or pass.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    /// A Config rule's evaluation (or the rule's lack of a remediation, for a corrective control).
    Rule(Sym),
    /// A Security Hub control finding: the control's id, or the finding's.
    Finding(Sym),
    /// A remediation execution of this rule.
    Remediation(Sym),
    /// A guardrail test.
    Test(Sym),
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Rule(r) => write!(f, "rule {r}"),
            Via::Finding(c) => write!(f, "finding {c}"),
            Via::Remediation(r) => write!(f, "remediation of {r}"),
            Via::Test(t) => write!(f, "test {t}"),
        }
    }
}

/// Why a control's status changed: the resource that turned, and through what.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub resource: ResourceId,
    pub via: Via,
}

/// The feed.
#[derive(Debug, Default)]
pub struct Feed {
    entries: VecDeque<Change>,
    /// Changes ever kept: the newest's number.
    total: u64,
    /// Changes dropped from the front to keep [`FEED_MAX`].
    dropped: u64,
}

impl Feed {
    pub fn push(&mut self, at: Timestamp, (account, region): (Sym, Sym), what: What) {
        self.total += 1;
        self.entries.push_back(Change { seq: self.total, at, account, region, what });
        while self.entries.len() > FEED_MAX {
            self.entries.pop_front();
            self.dropped += 1;
        }
    }

    /// Every change held, oldest first.
    pub fn entries(&self) -> &VecDeque<Change> {
        &self.entries
    }

    /// The newest change's number (0: none yet).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Changes dropped to keep the feed bounded.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The changes numbered after `seq`, oldest first.
    pub fn after(&self, seq: u64) -> impl Iterator<Item = &Change> {
        let skip = self.entries.partition_point(|c| c.seq <= seq);
        self.entries.iter().skip(skip)
    }
}

/// A resource that turned during one event, as the ledger saw it.
#[derive(Debug, Clone)]
pub(crate) struct Turned {
    pub control: usize,
    pub resource: ResourceId,
    /// Failing after the bump.
    pub failing: bool,
    pub via: Via,
}

/// The resources that turned during one event, net of the item being taken out and put back
/// (an upsert is -1 then +1): only those failing before and not after, or the reverse.
pub(crate) fn net(turned: Vec<Turned>) -> Vec<Turned> {
    // (control, resource) → (failing before the event, the last turn).
    let mut seen: BTreeMap<(usize, ResourceId), (bool, Turned)> = BTreeMap::new();
    for t in turned {
        let key = (t.control, t.resource.clone());
        match seen.get_mut(&key) {
            Some((_, last)) => *last = t,
            None => {
                let before = !t.failing;
                seen.insert(key, (before, t));
            }
        }
    }
    seen.into_values().filter(|(before, last)| *before != last.failing).map(|(_, last)| last).collect()
}

/// A health's class for the feed: `None` while a source is waiting, loading or retrying.
pub(crate) fn health_class(h: &super::Health) -> Option<&'static str> {
    match h {
        super::Health::Waiting | super::Health::Loading { .. } | super::Health::Retrying { .. } => None,
        other => Some(other.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str) -> ResourceId {
        ResourceId { kind: "AWS::S3::Bucket".into(), id: id.into(), account: "1".into(), region: "r".into() }
    }

    fn turn(control: usize, id: &str, failing: bool) -> Turned {
        Turned { control, resource: r(id), failing, via: Via::Rule("x".into()) }
    }

    #[test]
    fn an_item_taken_out_and_put_back_is_no_turn() {
        let kept = net(vec![turn(0, "a", false), turn(0, "a", true), turn(1, "b", true), turn(2, "c", false)]);
        let got: Vec<(usize, bool)> = kept.iter().map(|t| (t.control, t.failing)).collect();
        assert_eq!(got, [(1, true), (2, false)]);
    }

    #[test]
    fn the_feed_is_bounded_and_counts_what_it_dropped() {
        let mut feed = Feed::default();
        let at = Timestamp::UNIX_EPOCH;
        for _ in 0..FEED_MAX + 5 {
            let what = What::Health { source: SourceKind::Config, from: "ok", to: "failed", error: None };
            feed.push(at, (Sym::from(""), Sym::from("")), what);
        }
        assert_eq!(feed.entries().len(), FEED_MAX);
        assert_eq!((feed.total(), feed.dropped()), (FEED_MAX as u64 + 5, 5));
        assert_eq!(feed.entries().front().unwrap().seq, 6);
        assert_eq!(feed.after(FEED_MAX as u64 + 3).count(), 2);
        assert_eq!(feed.after(0).count(), FEED_MAX);
    }
}
