//! A control's status, derived from what the ledger has collected and the age of its sources.

use std::time::Duration;

use super::Posture;
use crate::model::{
    ControlKind, ExecutionState, FailCount, Part, ResourceId, RuleKey, SourceError, SourceKind, Status, StatusLevel,
    Timestamp, Verdict,
};

/// A remediation queued or running for longer than this makes its control WARN.
pub const REMEDIATION_SLOW: Duration = Duration::from_secs(15 * 60);

/// A pane's controls counted by status, and its score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaneSummary {
    pub counts: [usize; 5],
    /// STALE controls whose last evidence said PASS: the score counts a stale control as what
    /// it last was (not as failing).
    pub stale_pass: usize,
}

impl PaneSummary {
    pub fn count(&self, level: StatusLevel) -> usize {
        self.counts[level.index()]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// PASS controls over controls with data, in percent, as Security Hub's security score; a
    /// STALE control counts as what its last evidence said.
    pub fn score(&self) -> Option<u32> {
        let with_data = self.total() - self.count(StatusLevel::Unknown);
        let passing = self.count(StatusLevel::Pass) + self.stale_pass;
        (with_data > 0).then(|| ((passing * 100 + with_data / 2) / with_data) as u32)
    }

    /// Counts one control's status.
    pub fn tally(&mut self, status: &Status) {
        self.counts[status.level().index()] += 1;
        if matches!(status, Status::Stale(Verdict::Pass)) {
            self.stale_pass += 1;
        }
    }

    fn add(&mut self, other: &PaneSummary) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self.stale_pass += other.stale_pass;
    }
}

impl Posture {
    /// The catalog's alarms for a control that CloudWatch does not have, once DescribeAlarms has
    /// answered in full: a detection that is missing.
    pub fn missing_alarms(&self, index: usize) -> Vec<&str> {
        if self.part(Part::Alarms).last_ok.is_none() {
            return Vec::new();
        }
        // Narrowed to an account or region whose alarms were not read (CloudWatch is read in
        // the caller's account): an alarm absent there is unknown, not missing.
        if let Some(within) = self.narrowing()
            && !self.alarms().any(|a| within.admits(&a.account, &a.region))
        {
            return Vec::new();
        }
        let absent = |name: &str| self.alarms_named(name).next().is_none();
        self.control(index).evidence.alarms.iter().filter(|a| absent(a)).map(String::as_str).collect()
    }

    /// The parts a control's evidence comes from, as its catalog entry binds them.
    pub fn parts_of(&self, index: usize) -> Vec<Part> {
        let c = self.control(index);
        let b = &c.evidence;
        let mut parts = Vec::new();
        if !b.config_rules.is_empty() || !b.config_rule_names.is_empty() {
            parts.extend([Part::ConfigRules, Part::Compliance, Part::ComplianceDetails, Part::EvaluationStatus]);
            if c.kind == ControlKind::Corrective {
                parts.extend([Part::RemediationConfigs, Part::RemediationExecutions]);
            }
        }
        if !b.security_hub_controls.is_empty() || !b.finding_products.is_empty() || !b.finding_classes.is_empty() {
            parts.push(Part::Findings);
        }
        if !b.alarms.is_empty() {
            parts.push(Part::Alarms);
        }
        if !b.metrics.is_empty() {
            parts.push(Part::Metrics);
        }
        parts
    }

    /// The parts of a control's evidence whose last read failed although an earlier one
    /// succeeded: the last good data is shown, with the error and its time.
    pub fn failing_parts(&self, index: usize) -> Vec<(Part, &SourceError, Timestamp)> {
        self.parts_of(index)
            .into_iter()
            .filter_map(|p| {
                let state = self.part(p);
                match (&state.error, state.last_ok) {
                    (Some((_, e)), Some(at)) => Some((p, e, at)),
                    _ => None,
                }
            })
            .collect()
    }

    /// The parts of a control's evidence that could not be read, with why: rules whose
    /// compliance (or remediation configuration, for a corrective control) is unknown, and
    /// findings, alarms or metrics never read in full because their call failed.
    pub fn unread_parts(&self, index: usize) -> Vec<(Part, Option<&SourceError>)> {
        let acc = self.evidence(index);
        let bound = self.parts_of(index);
        Part::ALL
            .into_iter()
            .filter(|&part| {
                // The rules' own parts are counted rule by rule (a chunk of other rules that failed
                // says nothing of this control's); the others are read as a whole.
                let whole = matches!(part, Part::ConfigRules | Part::Findings | Part::Alarms | Part::Metrics);
                acc.unread[part.index()] > 0 || (whole && bound.contains(&part) && self.part(part).unread())
            })
            .map(|part| (part, self.part(part).error.as_ref().map(|(_, e)| e)))
            .collect()
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

    /// A corrective control's resources that are due and that nothing is fixing: under a manual
    /// remediation nobody has started, or due for longer than an automatic remediation's retry
    /// window without one running. Each with its reason.
    pub fn overdue(&self, index: usize, now: Timestamp) -> Vec<(&ResourceId, &RuleKey, String)> {
        let acc = self.evidence(index);
        let mut out = Vec::new();
        for ((rule, resource), since) in &acc.due {
            let Some(rc) = self.remediation_config(rule) else { continue };
            let execution = self.execution(rule, resource);
            let running =
                execution.is_some_and(|x| matches!(x.state, ExecutionState::Queued | ExecutionState::InProgress));
            // A failed execution already fails the control.
            let failed = execution.is_some_and(|x| x.state == ExecutionState::Failed);
            if running || failed {
                continue;
            }
            let tried_since = execution.is_some_and(|x| x.invoked_at >= *since);
            if !rc.automatic && !tried_since {
                out.push((resource, rule, "manual remediation not started".to_string()));
            } else if rc.automatic
                && !tried_since
                && now > *since
                && now.duration_since(*since).unsigned_abs() > rc.retry_window
            {
                let minutes = rc.retry_window.as_secs().div_ceil(60);
                out.push((resource, rule, format!("due for longer than its retry window ({minutes} min)")));
            }
        }
        out
    }

    /// What the evidence says, before its age is considered; `None` without evidence. Evidence
    /// that could not be read never fails a control: it makes a passing control WARN (partial)
    /// and a failing count a lower bound.
    pub fn verdict(&self, index: usize, now: Timestamp) -> Option<Verdict> {
        let acc = self.evidence(index);
        let missing = self.missing_alarms(index).len() as u32;
        if acc.evidence_total() + missing == 0 {
            return None;
        }
        let partial = !self.unread_parts(index).is_empty();
        let failing = acc.failing.len() as u32 + missing;
        let bound = acc.lower_bound();
        // A corrective control fails a rule with no remediation: a reason, not a resource.
        Some(if failing > 0 || bound > 0 || !acc.unremediated.is_empty() {
            // `0+` where the control fails for a reason and its resources were not all read: a
            // count of none would be a wrong exact number.
            Verdict::Fail(FailCount { resources: failing.max(bound), at_least: bound > failing || partial })
        } else if acc.warn > 0
            || partial
            || self.slow_remediations(index, now) > 0
            || !self.overdue(index, now).is_empty()
        {
            Verdict::Warn
        } else {
            Verdict::Pass
        })
    }

    /// Whether a part's data is older than three poll intervals of its source. A part whose
    /// reads fail ages from its last good read while the rest of the source stays fresh; any
    /// other part is as fresh as its source.
    fn part_stale(&self, part: Part, now: Timestamp) -> bool {
        let source = self.source(SourceKind::of(part));
        let state = self.part(part);
        let at = if state.error.is_some() { state.last_ok.or(source.last_ok) } else { source.last_ok };
        source.stale_at(at, now)
    }

    /// A control's status at `now` (DESIGN.md "Status").
    pub fn control_status(&self, index: usize, now: Timestamp) -> Status {
        let Some(verdict) = self.verdict(index, now) else {
            return Status::Unknown;
        };
        let acc = self.evidence(index);
        let mut contributing = Part::ALL.into_iter().filter(|p| acc.has(*p)).peekable();
        let only_missing = contributing.peek().is_none();
        let all_stale = if only_missing {
            self.part_stale(Part::Alarms, now)
        } else {
            contributing.all(|p| self.part_stale(p, now))
        };
        if all_stale { Status::Stale(verdict) } else { verdict.into() }
    }

    pub fn pane_summary(&self, kind: ControlKind, now: Timestamp) -> PaneSummary {
        let mut summary = PaneSummary::default();
        for (i, _) in self.catalog().of_kind(kind) {
            summary.tally(&self.control_status(i, now));
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
