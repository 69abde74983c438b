//! A control's status, derived from what the ledger has collected and the age of its sources.

use std::time::Duration;

use super::Posture;
use crate::model::{ControlKind, FailCount, Status, StatusLevel, Timestamp, Verdict};
use crate::sources::SourceKind;

/// A remediation queued or running for longer than this makes its control WARN.
pub const REMEDIATION_SLOW: Duration = Duration::from_secs(15 * 60);

/// A pane's controls counted by status, and its score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaneSummary {
    pub counts: [usize; 5],
}

impl PaneSummary {
    pub fn count(&self, level: StatusLevel) -> usize {
        self.counts[level.index()]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// PASS controls over controls with data, in percent, as Security Hub's security score.
    pub fn score(&self) -> Option<u32> {
        let with_data = self.total() - self.count(StatusLevel::Unknown);
        (with_data > 0).then(|| ((self.count(StatusLevel::Pass) * 100 + with_data / 2) / with_data) as u32)
    }

    fn add(&mut self, other: &PaneSummary) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
    }
}

impl Posture {
    /// The catalog's alarms for a control that CloudWatch does not have, once CloudWatch has
    /// answered: a detection that is missing.
    pub fn missing_alarms(&self, index: usize) -> Vec<&str> {
        if self.source(SourceKind::CloudWatch).last_ok.is_none() {
            return Vec::new();
        }
        self.control(index).evidence.alarms.iter().filter(|a| self.alarm(a).is_none()).map(String::as_str).collect()
    }

    /// Remediations of a corrective control queued or running for longer than
    /// [`REMEDIATION_SLOW`].
    pub fn slow_remediations(&self, index: usize, now: Timestamp) -> usize {
        self.evidence(index)
            .in_progress
            .values()
            .filter(|&&since| now.duration_since(since).unsigned_abs() > REMEDIATION_SLOW && now > since)
            .count()
    }

    /// What the evidence says, before its age is considered; `None` without evidence.
    pub fn verdict(&self, index: usize, now: Timestamp) -> Option<Verdict> {
        let acc = self.evidence(index);
        let missing = self.missing_alarms(index).len() as u32;
        if acc.evidence_total() + missing == 0 {
            return None;
        }
        let failing = acc.failing.len() as u32 + missing;
        let bound = acc.lower_bound();
        Some(if failing > 0 || bound > 0 {
            Verdict::Fail(FailCount { resources: failing.max(bound), at_least: bound > failing })
        } else if acc.warn > 0 || self.slow_remediations(index, now) > 0 {
            Verdict::Warn
        } else {
            Verdict::Pass
        })
    }

    /// A control's status at `now` (DESIGN.md "Status").
    pub fn control_status(&self, index: usize, now: Timestamp) -> Status {
        let Some(verdict) = self.verdict(index, now) else {
            return Status::Unknown;
        };
        let acc = self.evidence(index);
        let mut contributing = SourceKind::ALL.into_iter().filter(|k| acc.evidence[k.index()] > 0).peekable();
        let only_missing = contributing.peek().is_none();
        let all_stale = if only_missing {
            self.source(SourceKind::CloudWatch).is_stale(now)
        } else {
            contributing.all(|k| self.source(k).is_stale(now))
        };
        if all_stale { Status::Stale(verdict) } else { verdict.into() }
    }

    pub fn pane_summary(&self, kind: ControlKind, now: Timestamp) -> PaneSummary {
        let mut summary = PaneSummary::default();
        for (i, _) in self.catalog().of_kind(kind) {
            summary.counts[self.control_status(i, now).level().index()] += 1;
        }
        summary
    }

    /// All three panes together.
    pub fn overall_summary(&self, now: Timestamp) -> PaneSummary {
        let mut all = PaneSummary::default();
        for kind in ControlKind::ALL {
            all.add(&self.pane_summary(kind, now));
        }
        all
    }
}
