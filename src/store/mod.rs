//! The state store: everything the sources have said, indexed by control and by resource, with
//! each control's aggregates kept up to date as events arrive. No I/O and no clock reads: time
//! comes in with the events and the queries. This file stores (apply, merge, replace); health.rs
//! holds each source's health and each part's freshness, queries.rs reads, status.rs derives
//! statuses, ledger.rs keeps the per-control aggregates.

mod changes;
mod findings;
mod health;
mod ledger;
mod lookups;
mod queries;
mod status;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

pub use changes::{Cause, Change, FEED_MAX, Feed, FindingEvent, Via, What};
pub use health::{Health, PartState, PlaceFailure, PlaceState, SourceCounts, SourceState};
pub use ledger::{ControlEvidence, FindingTotals, GUARDRAIL_TEST, ResourceEvidence, SmallSet, SmallSetIter, Within};
pub use lookups::{SectionState, WriteRecord};
pub use queries::{AccountRow, ControlMetric, Scope};
pub use status::{PaneSummary, REMEDIATION_SLOW};

use crate::catalog::Catalog;
use crate::model::{
    Alarm, AlarmKey, ConfigCompliance, ConfigRule, Dataset, Evaluation, Finding, GuardrailResult, MetricId,
    MetricSeries, Part, PartSet, Payload, RecordState, RemediationConfig, RemediationExecution, ResourceId, RuleKey,
    SourceEvent, SourceKind, Standard, StatusLevel, Sym, Timestamp,
};
use ledger::{Bindings, Ledger, Sign};

/// Points kept per metric series: three hours at one-minute resolution, with room to spare.
pub const METRIC_HISTORY: usize = 256;

/// The state store.
#[derive(Debug)]
pub struct Posture {
    catalog: Catalog,
    bindings: Bindings,
    sources: [SourceState; SourceKind::COUNT],
    parts: [PartState; Part::COUNT],
    rules: BTreeMap<RuleKey, ConfigRule>,
    evaluations: ByRule<Evaluation>,
    findings: findings::FindingTable,
    /// Findings that turned ARCHIVED, with the time they did, so that a late older copy does not
    /// bring them back.
    archived: HashMap<Sym, Timestamp>,
    findings_by_rule: HashMap<RuleKey, HashSet<Sym>>,
    alarms: BTreeMap<AlarmKey, Alarm>,
    metrics: BTreeMap<MetricId, VecDeque<(Timestamp, f64)>>,
    remediation_configs: BTreeMap<RuleKey, RemediationConfig>,
    executions: ByRule<RemediationExecution>,
    guardrails: BTreeMap<Sym, GuardrailResult>,
    standards: Vec<Standard>,
    /// What Security Hub said of the organisation, when it said it.
    hub_scope: Option<crate::model::HubScope>,
    hub_v2: Option<crate::model::HubV2>,
    /// Security Hub's automation rules, of the services whose rules were read.
    automation: crate::model::AutomationRules,
    /// The new Security Hub's counts, read on a cold start: shown until the findings are whole.
    hub_counts: Option<crate::model::HubCounts>,
    /// The Config aggregators of the caller's account, when Config said them.
    config_aggregators: Option<Vec<crate::model::ConfigAggregator>>,
    /// Rules and alarms held per account and region, kept as they come and go: the scope is
    /// read from these every frame, not from an organisation's tens of thousands of rules.
    places: BTreeMap<(Sym, Sym), u32>,
    ledger: Ledger,
    lookups: lookups::Lookups,
    /// The overall score after each change of data, one sample a minute of event time.
    scores: VecDeque<(Timestamp, u32)>,
    /// Each control's status as last sampled, and when it last changed from a known one.
    changes: Vec<(StatusLevel, Option<Timestamp>)>,
    /// What changed, after each source's first complete read.
    feed: Feed,
    /// Findings below this severity are not in the feed.
    feed_severity: crate::model::Severity,
    /// Whether each source's first complete read (its baseline) has been applied.
    baselined: [bool; SourceKind::COUNT],
    /// Each source's last health class, for the feed's health changes.
    health_class: [Option<&'static str>; SourceKind::COUNT],
    /// What the event being applied changed, before it is known whether it is a change or the
    /// baseline: findings and remediations (with their place), and controls' statuses.
    pending: Vec<((Sym, Sym), What)>,
    status_turns: Vec<(usize, StatusLevel, StatusLevel)>,
    /// The event being applied is news (its source's baseline is in): its changes are noted.
    recording: bool,
}

/// Samples of the score kept: four hours at one a minute.
const SCORE_SAMPLES: usize = 240;

impl Posture {
    pub fn new(catalog: Catalog) -> Self {
        let bindings = Bindings::new(&catalog);
        let ledger = Ledger::new(catalog.controls.len());
        Posture {
            catalog,
            bindings,
            sources: SourceKind::ALL.map(SourceState::new),
            parts: Default::default(),
            rules: BTreeMap::new(),
            evaluations: HashMap::new(),
            findings: Default::default(),
            archived: HashMap::new(),
            findings_by_rule: HashMap::new(),
            alarms: BTreeMap::new(),
            metrics: BTreeMap::new(),
            remediation_configs: BTreeMap::new(),
            executions: HashMap::new(),
            guardrails: BTreeMap::new(),
            standards: Vec::new(),
            hub_scope: None,
            hub_v2: None,
            automation: Default::default(),
            hub_counts: None,
            config_aggregators: None,
            places: BTreeMap::new(),
            ledger,
            lookups: Default::default(),
            scores: VecDeque::new(),
            changes: Vec::new(),
            feed: Feed::default(),
            feed_severity: crate::model::Severity::High,
            baselined: [false; SourceKind::COUNT],
            health_class: [None; SourceKind::COUNT],
            pending: Vec::new(),
            status_turns: Vec::new(),
            recording: false,
        }
    }

    /// Everything held, as each source's full set at the time it was last read in full: what a
    /// snapshot keeps, and [`Posture::warm_start`] gives back.
    pub fn export(&self) -> Vec<SourceEvent> {
        let mut out = Vec::new();
        for kind in SourceKind::ALL {
            let state = &self.sources[kind.index()];
            let Some(at) = state.last_ok else { continue };
            let unread: Vec<crate::model::Unread> = kind
                .parts()
                .iter()
                .filter_map(|p| {
                    self.parts[p.index()]
                        .error
                        .as_ref()
                        .map(|(_, e)| crate::model::Unread { part: *p, error: e.clone() })
                })
                .collect();
            let data = match kind {
                SourceKind::Config => Dataset {
                    rules: self.rules.values().cloned().collect(),
                    evaluations: self.evaluations.values().flat_map(HashMap::values).cloned().collect(),
                    remediation_configs: self.remediation_configs.values().cloned().collect(),
                    executions: self.executions.values().flat_map(HashMap::values).cloned().collect(),
                    config_aggregators: self.config_aggregators.clone(),
                    ..Default::default()
                },
                SourceKind::SecurityHub => Dataset {
                    findings: self.findings.values().cloned().collect(),
                    standards: self.standards.clone(),
                    hub_scope: self.hub_scope.clone(),
                    hub_v2: self.hub_v2,
                    automation_rules: (!self.automation.apis.is_empty()).then(|| self.automation.clone()),
                    ..Default::default()
                },
                SourceKind::CloudWatch => Dataset {
                    alarms: self.alarms.values().cloned().collect(),
                    metrics: self
                        .metrics
                        .iter()
                        .map(|(m, p)| MetricSeries { metric: m.clone(), points: p.iter().copied().collect() })
                        .collect(),
                    ..Default::default()
                },
                SourceKind::Guardrails => {
                    Dataset { guardrails: self.guardrails.values().cloned().collect(), ..Default::default() }
                }
            };
            let data = Dataset { unread, skipped: state.skipped, ..data };
            out.push(SourceEvent { source: kind, fetched_at: at, result: Ok(Payload::Replace(data)) });
        }
        out
    }

    /// Starts from a snapshot written at `written`: its sources' full sets as they were, each
    /// source then stale until it reads its data again, and none of it a baseline for the
    /// change feed (the first read after it is).
    pub fn warm_start(&mut self, events: Vec<SourceEvent>, written: Timestamp) {
        for event in events {
            let kind = event.source;
            self.apply(event);
            self.sources[kind.index()].snapshot = Some(written);
            self.baselined[kind.index()] = false;
            self.health_class[kind.index()] = None;
        }
    }

    /// When the data of a snapshot still held was written (the oldest, where several).
    pub fn snapshot_age(&self) -> Option<Timestamp> {
        self.sources.iter().filter_map(|s| s.snapshot).min()
    }

    /// What changed since each source's first complete read.
    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// Findings at or above this severity are in the feed (HIGH unless set).
    pub fn set_feed_severity(&mut self, min: crate::model::Severity) {
        self.feed_severity = min;
    }

    pub fn feed_severity(&self) -> crate::model::Severity {
        self.feed_severity
    }

    /// When a control's status last changed (from one known status to another), by event time.
    pub fn status_changed_at(&self, index: usize) -> Option<Timestamp> {
        self.changes.get(index).and_then(|(_, at)| *at)
    }

    /// The overall score over time (event time, one sample a minute, the newest last): the
    /// same events give the same line.
    pub fn score_history(&self) -> &VecDeque<(Timestamp, u32)> {
        &self.scores
    }

    /// Samples the score as it stands after data read at `at`: a new sample each minute, the
    /// latest change within a minute replacing that minute's.
    fn sample_score(&mut self, at: Timestamp) {
        let n = self.catalog.controls.len();
        if self.changes.len() != n {
            self.changes = vec![(StatusLevel::Unknown, None); n];
        }
        // One pass over the statuses serves the change marks and the score.
        let mut summary = PaneSummary::default();
        for i in 0..n {
            let status = self.control_status(i, at);
            summary.tally(&status);
            let level = status.level();
            let (was, changed) = &mut self.changes[i];
            if level != *was {
                // The first evidence is not a change: nothing was known before it.
                if *was != StatusLevel::Unknown {
                    *changed = Some(at);
                    self.status_turns.push((i, *was, level));
                }
                *was = level;
            }
        }
        let Some(score) = summary.score() else { return };
        let minute = at.as_second().div_euclid(60);
        match self.scores.back_mut() {
            Some((t, s)) if t.as_second().div_euclid(60) == minute => {
                *t = at;
                *s = score;
            }
            Some((t, _)) if *t > at => {} // an older event: the line is not rewritten
            _ => {
                self.scores.push_back((at, score));
                if self.scores.len() > SCORE_SAMPLES {
                    self.scores.pop_front();
                }
            }
        }
    }

    /// Announces a source, so that the header shows it before its first data.
    pub fn register_source(&mut self, kind: SourceKind, interval: Option<Duration>) {
        let s = &mut self.sources[kind.index()];
        s.registered = true;
        s.interval = interval;
    }

    /// Marks a lookup's sections as loading (the drill-down asked for them).
    pub fn begin_lookup(
        &mut self,
        subject: &crate::model::Subject,
        sections: &[crate::model::Section],
        now: Timestamp,
    ) {
        self.lookups.begin(subject, sections, now);
    }

    /// Stores a responder's answer: a section of a lookup, or news of a write. A write AWS
    /// accepted shows at once where the pollers would show it later: a remediation's state among
    /// the executions, a finding's new workflow (BatchUpdateFindings keeps `UpdatedAt`, so the
    /// incremental poll would not bring it back).
    pub fn answer(&mut self, answer: crate::model::Answer) {
        use crate::model::{Answer, Write, WriteState};
        if let Answer::Write { write, at, state: WriteState::Accepted { execution, detail } } = &answer {
            self.ledger.since.clock = Some(*at);
            match write {
                Write::StartRemediation { rule, resource, .. } => {
                    if let Some(state) = execution {
                        let invoked_at = self.lookups.writes().find(|w| w.write == *write).map_or(*at, |w| w.first_at);
                        self.upsert_execution(RemediationExecution {
                            rule: rule.clone(),
                            resource: resource.clone(),
                            state: *state,
                            invoked_at,
                            updated_at: *at,
                            message: detail.as_deref().map(Into::into),
                        });
                    }
                }
                Write::SetWorkflow { finding, status, note, .. } => {
                    if let Some(mut f) = self.findings.get(finding).cloned() {
                        f.workflow = *status;
                        self.upsert_finding(f);
                    }
                    self.lookups.set_workflow(finding, *status, note);
                }
            }
            self.ledger.settle();
        }
        self.lookups.answer(answer);
    }

    /// Applies one event. Data older than what is held is ignored; an equal timestamp with new
    /// content wins (Security Hub workflow changes keep `UpdatedAt`). What it changed goes to the
    /// feed, unless it is its source's baseline (the first complete read, or what came before it).
    pub fn apply(&mut self, event: SourceEvent) {
        let (kind, at) = (event.source, event.fetched_at);
        let recording = self.baselined[kind.index()];
        let completes = completes_baseline(kind, &event);
        // The data's own clock: when a resource is first held failing.
        self.ledger.since.clock = Some(at);
        // A baseline's items are not watched turning: a cold load of 100,000 findings costs
        // nothing more for the feed.
        self.ledger.turned = recording.then(Vec::new);
        self.recording = recording;
        self.apply_event(event);
        self.recording = false;
        self.ledger.settle();
        let turned = changes::net(self.ledger.turned.take().unwrap_or_default());
        let statuses = std::mem::take(&mut self.status_turns);
        let pending = std::mem::take(&mut self.pending);
        if recording {
            self.record(at, turned, pending, statuses);
        }
        // A source's health turning is news whenever it comes (a first read failing too).
        let state = &self.sources[kind.index()];
        if let Some(class) = changes::health_class(&state.health) {
            if let Some(before) = self.health_class[kind.index()]
                && before != class
            {
                let error = match &state.health {
                    Health::Error(e) => Some(e.to_string()),
                    _ => None,
                };
                let what = What::Health { source: kind, from: before, to: class, error };
                self.feed.push(at, (Sym::from(""), Sym::from("")), what);
            }
            self.health_class[kind.index()] = Some(class);
        }
        if completes {
            self.baselined[kind.index()] = true;
        }
    }

    /// Puts one event's changes in the feed: the resources that turned, the findings and
    /// remediations, then each control's status with the resource that turned it.
    fn record(
        &mut self,
        at: Timestamp,
        turned: Vec<changes::Turned>,
        pending: Vec<((Sym, Sym), What)>,
        statuses: Vec<(usize, StatusLevel, StatusLevel)>,
    ) {
        let place = |r: &ResourceId| (r.account.clone(), r.region.clone());
        for t in &turned {
            let what = What::Resource {
                control: t.control,
                resource: t.resource.clone(),
                failing: t.failing,
                via: t.via.clone(),
            };
            self.feed.push(at, place(&t.resource), what);
        }
        for (where_, what) in pending {
            self.feed.push(at, where_, what);
        }
        for (control, from, to) in statuses {
            // The resource that turned the way the status went: failing for a worse one.
            let worse = to == StatusLevel::Fail;
            let cause = turned
                .iter()
                .filter(|t| t.control == control)
                .find(|t| t.failing == worse)
                .map(|t| Cause { resource: t.resource.clone(), via: t.via.clone() });
            let where_ = cause.as_ref().map_or((Sym::from(""), Sym::from("")), |c| place(&c.resource));
            self.feed.push(at, where_, What::Status { control, from, to, cause });
        }
    }

    fn apply_event(&mut self, event: SourceEvent) {
        let kind = event.source;
        let at = event.fetched_at;
        let state = &mut self.sources[kind.index()];
        state.registered = true;
        let newest = state.last_event.is_none_or(|last| at >= last);
        if newest {
            state.last_event = Some(at);
        }
        match event.result {
            Err(error) => {
                state.counts.errors += 1;
                if matches!(error, crate::model::SourceError::Throttled { .. }) {
                    state.counts.throttles += 1;
                }
                if newest {
                    state.health = Health::Error(error.clone());
                    state.last_error = Some((at, error));
                }
            }
            Ok(Payload::Sweep { seen, started_at, skipped }) => {
                // Each pass meets every malformed finding once; the polls between re-read them.
                state.skipped = skipped;
                self.mark_ok(kind, at, newest);
                self.sweep(&seen, started_at);
                self.sample_score(at);
            }
            Ok(Payload::Progress { pages, items, rate }) => {
                state.counts.load_calls = state.counts.load_calls.max(u64::from(pages));
                state.loading_since.get_or_insert(at);
                if newest {
                    state.health = Health::Loading { pages, items, rate };
                }
            }
            Ok(Payload::Retrying { attempt, error }) => {
                state.counts.retries += 1;
                if matches!(error, crate::model::SourceError::Throttled { .. }) {
                    state.counts.throttles += 1;
                }
                if newest {
                    state.health = Health::Retrying { attempt, reason: error.to_string() };
                }
            }
            Ok(Payload::Replace(data)) => {
                if state.last_replace.is_some_and(|last| at < last) {
                    return; // an older full set than the one held
                }
                state.last_replace = Some(at);
                state.skipped = data.skipped;
                state.read_places(&data.places, at, true);
                self.mark_ok(kind, at, newest);
                self.mark_parts(&data, kind.parts().iter().copied().collect(), at);
                self.replace(kind, data, at);
                self.sample_score(at);
            }
            Ok(Payload::Merge(data)) if data.only_unread() => {
                self.mark_parts(&data, PartSet::EMPTY, at);
            }
            Ok(Payload::Merge(data)) => {
                state.skipped += data.skipped;
                state.read_places(&data.places, at, false);
                self.mark_ok(kind, at, newest);
                self.mark_parts(&data, data.fresh, at);
                self.merge(data);
                self.sample_score(at);
            }
        }
    }

    /// Records which parts a data set could not read, and which of `fresh` it read in full.
    fn mark_parts(&mut self, data: &Dataset, fresh: PartSet, at: Timestamp) {
        for u in &data.unread {
            self.parts[u.part.index()].error = Some((at, u.error.clone()));
        }
        for p in fresh.iter().filter(|p| data.read(*p)) {
            let state = &mut self.parts[p.index()];
            state.last_ok = Some(state.last_ok.map_or(at, |last| last.max(at)));
            state.error = None;
        }
    }

    fn mark_ok(&mut self, kind: SourceKind, at: Timestamp, newest: bool) {
        let state = &mut self.sources[kind.index()];
        // Read again: what a snapshot gave is now this source's own.
        state.snapshot = None;
        state.counts.updates += 1;
        state.loading_since = None;
        state.last_ok = Some(state.last_ok.map_or(at, |last| last.max(at)));
        if newest {
            state.health = Health::Ok;
        }
    }

    /// Drops findings a full pass did not see, unless they changed after the pass began.
    fn sweep(&mut self, seen: &[Sym], started_at: Timestamp) {
        let seen: HashSet<&str> = seen.iter().map(|s| &**s).collect();
        let gone: Vec<Sym> = self
            .findings
            .values()
            .filter(|f| !seen.contains(&*f.id) && f.updated_at.get() < started_at)
            .map(|f| f.id.clone())
            .collect();
        for id in gone {
            self.finding_gone(&id);
        }
        self.archived.retain(|_, t| *t >= started_at);
    }

    fn merge(&mut self, data: Dataset) {
        if data.fresh.contains(Part::Standards) || !data.standards.is_empty() {
            self.standards = data.standards.clone();
        }
        self.keep_scope(&data);
        // Rules first: evaluations, findings and remediations bind through them.
        for r in data.rules {
            self.upsert_rule(r);
        }
        for rc in data.remediation_configs {
            self.upsert_remediation_config(rc);
        }
        for e in data.evaluations {
            self.upsert_evaluation(e);
        }
        for x in data.executions {
            self.upsert_execution(x);
        }
        for f in data.findings {
            self.upsert_finding(f);
        }
        for a in data.alarms {
            self.upsert_alarm(a);
        }
        for m in data.metrics {
            self.merge_metric(m);
        }
        for g in data.guardrails {
            self.upsert_guardrail(g);
        }
    }

    /// What an aggregator said of the organisation, in a full set or in changes alike: kept
    /// until it says otherwise (a read that failed says nothing).
    fn keep_scope(&mut self, data: &Dataset) {
        if data.hub_scope.is_some() {
            self.hub_scope = data.hub_scope.clone();
        }
        if data.hub_v2.is_some() {
            self.hub_v2 = data.hub_v2;
        }
        if data.hub_counts.is_some() {
            self.hub_counts = data.hub_counts.clone();
        }
        if let Some(read) = &data.automation_rules {
            let held = &mut self.automation;
            held.rules.retain(|r| !read.apis.contains(&r.api));
            held.rules.extend(read.rules.iter().cloned());
            for api in &read.apis {
                if !held.apis.contains(api) {
                    held.apis.push(*api);
                }
            }
        }
        if data.config_aggregators.is_some() {
            self.config_aggregators = data.config_aggregators.clone();
        }
    }

    /// Replaces every collection the source owns with the full set given.
    fn replace(&mut self, kind: SourceKind, mut data: Dataset, at: Timestamp) {
        self.keep_scope(&data);
        match kind {
            SourceKind::Config => {
                // What each rule could not read this time keeps its last good value.
                let unread_now: HashMap<RuleKey, PartSet> = data.rules.iter().map(|r| (r.key(), r.unread)).collect();
                for r in &mut data.rules {
                    if let Some(held) = self.rules.get(&r.key()) {
                        carry_over(held, r);
                    }
                }
                let unread = |rule: &RuleKey, part: Part| unread_now.get(rule).is_some_and(|u| u.contains(part));
                let keep: HashSet<RuleKey> = data.rules.iter().map(ConfigRule::key).collect();
                for key in self.rules.keys().filter(|k| !keep.contains(*k)).cloned().collect::<Vec<_>>() {
                    self.remove_rule(&key);
                }
                let configs: HashSet<RuleKey> =
                    data.remediation_configs.iter().map(RemediationConfig::rule_key).collect();
                let gone: Vec<RuleKey> = self
                    .remediation_configs
                    .keys()
                    .filter(|n| !configs.contains(*n) && (!keep.contains(*n) || !unread(n, Part::RemediationConfigs)))
                    .cloned()
                    .collect();
                for name in gone {
                    self.remove_remediation_config(&name);
                }
                let held = by_rule_keys(&data.evaluations, |e| (e.rule_key(), &e.resource));
                let gone = nested_keys_not_in(&self.evaluations, &held);
                for (rule, resource) in gone {
                    if !(keep.contains(&rule) && unread(&rule, Part::ComplianceDetails)) {
                        self.remove_evaluation(&rule, &resource);
                    }
                }
                let held = by_rule_keys(&data.executions, |x| (x.rule_key(), &x.resource));
                let gone = nested_keys_not_in(&self.executions, &held);
                for (rule, resource) in gone {
                    if !(keep.contains(&rule) && unread(&rule, Part::RemediationExecutions)) {
                        self.remove_execution(&rule, &resource);
                    }
                }
            }
            SourceKind::SecurityHub => {
                if data.read(Part::Standards) {
                    self.standards = data.standards.clone();
                }
                if data.read(Part::Findings) {
                    let keep: HashSet<&Sym> = data.findings.iter().map(|f| &f.id).collect();
                    let gone: Vec<Sym> =
                        self.findings.values().map(|f| &f.id).filter(|id| !keep.contains(id)).cloned().collect();
                    for id in gone {
                        self.finding_gone(&id);
                    }
                    // The full set is the truth as of `at`: older tombstones no longer matter.
                    self.archived.retain(|_, t| *t > at);
                }
            }
            SourceKind::CloudWatch => {
                if data.read(Part::Alarms) {
                    let keep: HashSet<AlarmKey> = data.alarms.iter().map(Alarm::key).collect();
                    let gone: Vec<AlarmKey> = self.alarms.keys().filter(|n| !keep.contains(*n)).cloned().collect();
                    for name in gone {
                        if let Some(a) = self.alarms.remove(&name) {
                            count_place(&mut self.places, &a.account, &a.region, -1);
                            self.ledger.alarm(&self.bindings, &a, -1);
                        }
                    }
                }
                if data.read(Part::Metrics) {
                    let keep: HashSet<&MetricId> = data.metrics.iter().map(|m| &m.metric).collect();
                    let gone: Vec<MetricId> = self.metrics.keys().filter(|m| !keep.contains(m)).cloned().collect();
                    for m in gone {
                        self.metrics.remove(&m);
                        self.ledger.metric(&self.catalog, &m, -1);
                    }
                    // A full set's series replace the held ones rather than extending them.
                    for m in &data.metrics {
                        if let Some(points) = self.metrics.get_mut(&m.metric) {
                            points.clear();
                        }
                    }
                }
            }
            SourceKind::Guardrails => {
                let keep: HashSet<&Sym> = data.guardrails.iter().map(|g| &g.name).collect();
                let gone: Vec<Sym> = self.guardrails.keys().filter(|n| !keep.contains(n)).cloned().collect();
                for name in gone {
                    if let Some(g) = self.guardrails.remove(&name) {
                        self.ledger.guardrail(&self.bindings, &g, -1);
                    }
                }
            }
        }
        self.merge(data);
    }

    /// Narrows every control's aggregates, and so every status, score, list and report, to one
    /// account, one region or both; `Within::default()` widens to everything again. Built once
    /// from the items held, then kept as items come and go.
    pub fn narrow(&mut self, narrow: Within) {
        self.ledger.narrowed = None;
        if narrow.is_everything() {
            return;
        }
        let mut inner = Ledger::new(self.catalog.controls.len());
        let b = &self.bindings;
        let admits = |r: &ResourceId| narrow.admits(&r.account, &r.region);
        for rule in self.rules.values().filter(|r| narrow.admits(&r.account, &r.region)) {
            inner.rule(b, rule, self.remediation_configs.contains_key(&rule.key()), 1);
        }
        for rc in self.remediation_configs.values().filter(|rc| narrow.admits(&rc.account, &rc.region)) {
            inner.remediation_config(b, rc, 1);
        }
        for e in self.evaluations.values().flat_map(HashMap::values).filter(|e| admits(&e.resource)) {
            inner.evaluation(b, e, self.unremediated(&e.rule_key()), 1);
        }
        for x in self.executions.values().flat_map(HashMap::values).filter(|x| admits(&x.resource)) {
            inner.execution(b, x, 1);
        }
        for f in self.findings.values().filter(|f| narrow.admits(&f.account, &f.region)) {
            inner.finding(b, f, 1);
        }
        for a in self.alarms.values().filter(|a| narrow.admits(&a.account, &a.region)) {
            inner.alarm(b, a, 1);
        }
        // A metric of no one account (the demo's) belongs to every narrowing.
        for m in self.metrics.keys().filter(|m| m.account.is_empty() || narrow.admits(&m.account, &m.region)) {
            inner.metric(&self.catalog, m, 1);
        }
        for g in self.guardrails.values() {
            inner.guardrail(b, g, 1);
        }
        self.ledger.narrowed = Some((narrow, Box::new(inner)));
    }

    // ── Config rules and everything bound through them ──────────────────────────────────────

    fn rule_binding(&self, rule: &ConfigRule) -> Vec<usize> {
        self.catalog.controls.iter().enumerate().filter(|(_, c)| c.binds_rule(rule)).map(|(i, _)| i).collect()
    }

    /// Whether a rule is known to have no remediation (its configurations were read): what a
    /// corrective control's failing resources depend on. Every change that could turn it is
    /// bracketed by [`Posture::without_unfixed`].
    fn unremediated(&self, name: &RuleKey) -> bool {
        self.rules.get(name).is_some_and(|r| !r.unread.contains(Part::RemediationConfigs))
            && !self.remediation_configs.contains_key(name)
    }

    /// Runs `change` with the failing resources a rule without remediation gives its corrective
    /// controls taken out around it, then counted again as the rule then stands.
    fn without_unfixed(&mut self, name: &RuleKey, change: impl FnOnce(&mut Self)) {
        let before = self.unremediated(name);
        if before {
            self.unfixed(name, -1);
        }
        change(self);
        if self.unremediated(name) {
            self.unfixed(name, 1);
        }
    }

    fn unfixed(&mut self, name: &RuleKey, sign: Sign) {
        // Most rules bind no corrective control: nothing to count, nothing to walk.
        let kinds = &self.bindings.kinds;
        if !self.bindings.rule(name).iter().any(|&i| kinds[i] == crate::model::ControlKind::Corrective) {
            return;
        }
        for e in self.evaluations.get(name).into_iter().flat_map(HashMap::values) {
            self.ledger.unremediated(&self.bindings, e, sign);
        }
    }

    /// Adds or takes away everything that binds to controls through this rule.
    fn rule_dependents(&mut self, name: &RuleKey, sign: Sign) {
        let has_remediation = self.remediation_configs.contains_key(name);
        let unremediated = self.unremediated(name);
        if let Some(rule) = self.rules.get(name) {
            self.ledger.rule(&self.bindings, rule, has_remediation, sign);
        }
        if let Some(rc) = self.remediation_configs.get(name) {
            self.ledger.remediation_config(&self.bindings, rc, sign);
        }
        for e in self.evaluations.get(name).into_iter().flat_map(HashMap::values) {
            self.ledger.evaluation(&self.bindings, e, unremediated, sign);
        }
        for x in self.executions.get(name).into_iter().flat_map(HashMap::values) {
            self.ledger.execution(&self.bindings, x, sign);
        }
        for id in self.findings_by_rule.get(name).into_iter().flatten() {
            if let Some(f) = self.findings.get(id) {
                self.ledger.finding(&self.bindings, f, sign);
            }
        }
    }

    fn rebind_rule(&mut self, name: &RuleKey, controls: Vec<usize>) {
        if self.bindings.rule(name) == controls.as_slice() {
            return;
        }
        self.rule_dependents(name, -1);
        if controls.is_empty() {
            self.bindings.rules.remove(name);
        } else {
            self.bindings.rules.insert(name.clone(), controls);
        }
        self.rule_dependents(name, 1);
    }

    fn upsert_rule(&mut self, rule: ConfigRule) {
        let name = rule.key();
        if !supersedes(self.rules.get(&name), &rule, |i| i.observed_at) {
            return;
        }
        self.without_unfixed(&name.clone(), |s| s.replace_rule(name, rule));
    }

    fn replace_rule(&mut self, name: RuleKey, rule: ConfigRule) {
        let has_remediation = self.remediation_configs.contains_key(&name);
        if let Some(old) = self.rules.remove(&name) {
            self.ledger.rule(&self.bindings, &old, has_remediation, -1);
            count_place(&mut self.places, &old.account, &old.region, -1);
        }
        let controls = self.rule_binding(&rule);
        self.rebind_rule(&name, controls);
        self.ledger.rule(&self.bindings, &rule, has_remediation, 1);
        count_place(&mut self.places, &rule.account, &rule.region, 1);
        self.rules.insert(name, rule);
    }

    fn remove_rule(&mut self, name: &RuleKey) {
        self.without_unfixed(name, |s| s.take_rule(name));
    }

    fn take_rule(&mut self, name: &RuleKey) {
        let has_remediation = self.remediation_configs.contains_key(name);
        if let Some(old) = self.rules.remove(name) {
            self.ledger.rule(&self.bindings, &old, has_remediation, -1);
            count_place(&mut self.places, &old.account, &old.region, -1);
        }
        self.rebind_rule(name, Vec::new());
    }

    /// Runs `change` on the remediation configurations with the rule's own contribution taken
    /// out around it, since a corrective control fails a rule that has none.
    fn with_rule_detached(&mut self, name: &RuleKey, change: impl FnOnce(&mut Self)) {
        self.without_unfixed(name, |s| {
            let before = s.remediation_configs.contains_key(name);
            if let Some(rule) = s.rules.get(name) {
                s.ledger.rule(&s.bindings, rule, before, -1);
            }
            change(s);
            let after = s.remediation_configs.contains_key(name);
            if let Some(rule) = s.rules.get(name) {
                s.ledger.rule(&s.bindings, rule, after, 1);
            }
        });
    }

    fn upsert_remediation_config(&mut self, rc: RemediationConfig) {
        let name = rc.rule_key();
        if !supersedes(self.remediation_configs.get(&name), &rc, |i| i.observed_at) {
            return;
        }
        self.with_rule_detached(&name, |s| {
            if let Some(old) = s.remediation_configs.remove(&name) {
                s.ledger.remediation_config(&s.bindings, &old, -1);
            }
            s.ledger.remediation_config(&s.bindings, &rc, 1);
            s.remediation_configs.insert(name.clone(), rc);
        });
    }

    fn remove_remediation_config(&mut self, name: &RuleKey) {
        self.with_rule_detached(name, |s| {
            if let Some(old) = s.remediation_configs.remove(name) {
                s.ledger.remediation_config(&s.bindings, &old, -1);
            }
        });
    }

    fn upsert_evaluation(&mut self, e: Evaluation) {
        let unremediated = self.unremediated(&e.rule_key());
        let (ledger, bindings) = (&mut self.ledger, &self.bindings);
        upsert_by_rule(
            &mut self.evaluations,
            e,
            |e| (e.rule_key(), &e.resource),
            |e| e.recorded_at,
            |e, sign| ledger.evaluation(bindings, e, unremediated, sign),
        );
    }

    fn remove_evaluation(&mut self, rule: &RuleKey, resource: &ResourceId) {
        let unremediated = self.unremediated(rule);
        let (ledger, bindings) = (&mut self.ledger, &self.bindings);
        remove_by_rule(&mut self.evaluations, rule, resource, |e, sign| {
            ledger.evaluation(bindings, e, unremediated, sign)
        });
    }

    fn upsert_execution(&mut self, x: RemediationExecution) {
        let held = self.executions.get(&x.rule_key()).and_then(|m| m.get(&x.resource));
        if self.recording
            && supersedes(held, &x, |i| i.updated_at)
            && let Some(state) = execution_event(held, &x)
        {
            let what = What::Remediation { rule: x.rule.clone(), resource: x.resource.clone(), state };
            self.pending.push(((x.resource.account.clone(), x.resource.region.clone()), what));
        }
        let (ledger, bindings) = (&mut self.ledger, &self.bindings);
        upsert_by_rule(
            &mut self.executions,
            x,
            |x| (x.rule_key(), &x.resource),
            |x| x.updated_at,
            |x, sign| ledger.execution(bindings, x, sign),
        );
    }

    fn remove_execution(&mut self, rule: &RuleKey, resource: &ResourceId) {
        let (ledger, bindings) = (&mut self.ledger, &self.bindings);
        remove_by_rule(&mut self.executions, rule, resource, |x, sign| ledger.execution(bindings, x, sign));
    }

    // ── Findings ─────────────────────────────────────────────────────────────────────────────

    fn upsert_finding(&mut self, mut f: Finding) {
        // A resource named by many findings keeps its id once: each finding shares the one
        // the store already holds (a poller hands out ids without interning them).
        for r in &mut f.resources {
            if let Some((held, _)) = self.ledger.resources.get_key_value(r)
                && !std::sync::Arc::ptr_eq(&held.id, &r.id)
                && held.id == r.id
            {
                r.id = held.id.clone();
            }
        }
        let held_at =
            self.findings.get(&f.id).map(|o| o.updated_at.get()).or_else(|| self.archived.get(&f.id).copied());
        if held_at.is_some_and(|t| t > f.updated_at.get()) {
            return;
        }
        if self.findings.get(&f.id) == Some(&f) {
            return;
        }
        if self.recording
            && let Some(event) = finding_event(self.findings.get(&f.id), &f, self.feed_severity)
        {
            let what = What::Finding { id: f.id.clone(), title: f.title.clone(), severity: f.severity, event };
            self.pending.push(((f.account.clone(), f.region.clone()), what));
        }
        self.remove_finding(&f.id);
        if f.record_state == RecordState::Archived {
            self.archived.insert(f.id.clone(), f.updated_at.get());
            return;
        }
        self.archived.remove(&f.id);
        self.ledger.finding(&self.bindings, &f, 1);
        if let Some(rule) = f.rule_key() {
            self.findings_by_rule.entry(rule).or_default().insert(f.id.clone());
        }
        self.findings.insert(f);
    }

    /// A finding a full read no longer holds: gone (ARCHIVED, or past its retention).
    fn finding_gone(&mut self, id: &Sym) {
        if let Some(f) = self.findings.get(id).filter(|f| self.recording && f.severity >= self.feed_severity) {
            let event = FindingEvent::Archived;
            let what = What::Finding { id: f.id.clone(), title: f.title.clone(), severity: f.severity, event };
            self.pending.push(((f.account.clone(), f.region.clone()), what));
        }
        self.remove_finding(id);
    }

    fn remove_finding(&mut self, id: &Sym) {
        if let Some(old) = self.findings.remove(id) {
            self.ledger.finding(&self.bindings, &old, -1);
            if let Some(rule) = old.rule_key()
                && let Some(ids) = self.findings_by_rule.get_mut(&rule)
            {
                ids.remove(id);
                if ids.is_empty() {
                    self.findings_by_rule.remove(&rule);
                }
            }
        }
    }

    // ── CloudWatch and guardrails ────────────────────────────────────────────────────────────

    fn upsert_alarm(&mut self, a: Alarm) {
        let key = a.key();
        if !supersedes(self.alarms.get(&key), &a, |i| i.state_updated_at) {
            return;
        }
        if let Some(old) = self.alarms.get(&key).filter(|old| self.recording && old.state != a.state) {
            let what = What::Alarm { name: a.name.clone(), from: old.state, to: a.state };
            self.pending.push(((a.account.clone(), a.region.clone()), what));
        }
        if let Some(old) = self.alarms.remove(&key) {
            self.ledger.alarm(&self.bindings, &old, -1);
            count_place(&mut self.places, &old.account, &old.region, -1);
        }
        count_place(&mut self.places, &a.account, &a.region, 1);
        self.ledger.alarm(&self.bindings, &a, 1);
        self.alarms.insert(key, a);
    }

    fn merge_metric(&mut self, series: MetricSeries) {
        if !self.metrics.contains_key(&series.metric) {
            self.ledger.metric(&self.catalog, &series.metric, 1);
        }
        let points = self.metrics.entry(series.metric).or_default();
        for (at, value) in series.points {
            match points.back() {
                Some((last, _)) if *last > at => {
                    // Late point: insert in order unless that time is already held.
                    let pos = points.partition_point(|(t, _)| *t < at);
                    if points.get(pos).is_none_or(|(t, _)| *t != at) {
                        points.insert(pos, (at, value));
                    } else {
                        points[pos].1 = value;
                    }
                }
                Some((last, _)) if *last == at => points.back_mut().expect("not empty").1 = value,
                _ => points.push_back((at, value)),
            }
        }
        while points.len() > METRIC_HISTORY {
            points.pop_front();
        }
    }

    fn upsert_guardrail(&mut self, g: GuardrailResult) {
        if !supersedes(self.guardrails.get(&g.name), &g, |i| i.evaluated_at) {
            return;
        }
        if let Some(old) = self.guardrails.remove(&g.name) {
            self.ledger.guardrail(&self.bindings, &old, -1);
        }
        self.ledger.guardrail(&self.bindings, &g, 1);
        self.guardrails.insert(g.name.clone(), g);
    }
}

/// Whether an event is its source's first complete read (or completes it): a full set, the end
/// of a pass over the findings, or the source's main part read in full.
fn completes_baseline(kind: SourceKind, event: &SourceEvent) -> bool {
    let main = match kind {
        SourceKind::Config => Part::ConfigRules,
        SourceKind::SecurityHub => Part::Findings,
        SourceKind::CloudWatch => Part::Alarms,
        SourceKind::Guardrails => Part::GuardrailTests,
    };
    match &event.result {
        Ok(Payload::Replace(_) | Payload::Sweep { .. }) => true,
        Ok(Payload::Merge(d)) => d.fresh.contains(main) && d.read(main),
        _ => false,
    }
}

/// What a finding's new version is, for the feed: new, raised to, resolved, suppressed or
/// archived at or above `min` (a passed control check is no news).
fn finding_event(old: Option<&Finding>, new: &Finding, min: crate::model::Severity) -> Option<FindingEvent> {
    use crate::model::{FindingCompliance, WorkflowStatus};
    let severe = new.severity >= min || old.is_some_and(|o| o.severity >= min);
    if !severe {
        return None;
    }
    let open = new.workflow.is_open() && new.compliance != Some(FindingCompliance::Passed);
    match old {
        _ if new.record_state == RecordState::Archived => old.map(|_| FindingEvent::Archived),
        None => (open && new.severity >= min).then_some(FindingEvent::New),
        Some(o) if o.workflow != new.workflow => match new.workflow {
            WorkflowStatus::Resolved => Some(FindingEvent::Resolved),
            WorkflowStatus::Suppressed => Some(FindingEvent::Suppressed),
            _ => None,
        },
        Some(o) if new.severity > o.severity && new.severity >= min && open => Some(FindingEvent::Raised(o.severity)),
        Some(_) => None,
    }
}

/// What an execution's new version is, for the feed: started, succeeded or failed.
fn execution_event(
    old: Option<&RemediationExecution>,
    new: &RemediationExecution,
) -> Option<crate::model::ExecutionState> {
    use crate::model::ExecutionState::*;
    let rerun = old.is_none_or(|o| o.invoked_at != new.invoked_at);
    match new.state {
        Queued | InProgress if rerun || old.is_some_and(|o| matches!(o.state, Succeeded | Failed)) => Some(new.state),
        Succeeded | Failed if old.is_none_or(|o| o.state != new.state) => Some(new.state),
        _ => None,
    }
}

/// Gives a rule the last good value of each part it could not read this time (its compliance,
/// details, evaluation status; its remediation configuration and executions stay in the store).
fn carry_over(held: &ConfigRule, new: &mut ConfigRule) {
    let now = new.unread;
    let had = |p: Part| !held.unread.contains(p);
    if now.contains(Part::Compliance) && had(Part::Compliance) {
        new.compliance = held.compliance;
        new.noncompliant = held.noncompliant;
        new.unread.remove(Part::Compliance);
    }
    // Details are known when there are none to read, or when the held ones are of the same
    // compliance and were read in full.
    let no_details = new.compliance.is_some_and(|c| c != ConfigCompliance::NonCompliant);
    let held_details = had(Part::ComplianceDetails) && held.details_complete && held.compliance == new.compliance;
    if now.contains(Part::ComplianceDetails) && (no_details || held_details) {
        new.details_complete = true;
        new.unread.remove(Part::ComplianceDetails);
    }
    if now.contains(Part::EvaluationStatus) && had(Part::EvaluationStatus) {
        new.evaluation_error = held.evaluation_error.clone();
        new.unread.remove(Part::EvaluationStatus);
    }
    for p in [Part::RemediationConfigs, Part::RemediationExecutions] {
        if now.contains(p) && had(p) {
            new.unread.remove(p);
        }
    }
}

/// Counts an item in (+1) or out (-1) of its account and region.
fn count_place(places: &mut BTreeMap<(Sym, Sym), u32>, account: &Sym, region: &Sym, sign: Sign) {
    let key = (account.clone(), region.clone());
    if sign > 0 {
        *places.entry(key).or_insert(0) += 1;
    } else if let Some(n) = places.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            places.remove(&key);
        }
    }
}

/// Whether `new` should replace what is held: the store keeps the newest version of each item
/// by its own timestamp; on a tie, different content wins (Security Hub workflow changes keep
/// `UpdatedAt`).
fn supersedes<T: PartialEq>(held: Option<&T>, new: &T, at: impl Fn(&T) -> Timestamp) -> bool {
    held.is_none_or(|old| at(old) <= at(new) && old != new)
}

/// Items held by rule, then resource (evaluations, remediation executions).
type ByRule<T> = HashMap<RuleKey, HashMap<ResourceId, T>>;

/// Puts an item into a by-rule map if it supersedes the one held, moving the contributions:
/// the old item's out, the new one's in.
fn upsert_by_rule<T: PartialEq>(
    map: &mut ByRule<T>,
    item: T,
    key: impl Fn(&T) -> (RuleKey, &ResourceId),
    at: impl Fn(&T) -> Timestamp,
    mut contribute: impl FnMut(&T, Sign),
) {
    let (rule, resource) = key(&item);
    let by_resource = map.entry(rule).or_default();
    if !supersedes(by_resource.get(resource), &item, at) {
        return;
    }
    let resource = resource.clone();
    if let Some(old) = by_resource.remove(&resource) {
        contribute(&old, -1);
    }
    contribute(&item, 1);
    by_resource.insert(resource, item);
}

fn remove_by_rule<T>(map: &mut ByRule<T>, rule: &RuleKey, resource: &ResourceId, mut contribute: impl FnMut(&T, Sign)) {
    if let Some(by_resource) = map.get_mut(rule) {
        if let Some(old) = by_resource.remove(resource) {
            contribute(&old, -1);
        }
        if by_resource.is_empty() {
            map.remove(rule);
        }
    }
}

/// The keys of a nested map that are not in `keep`.
fn nested_keys_not_in<V>(map: &ByRule<V>, keep: &HashMap<RuleKey, HashSet<&ResourceId>>) -> Vec<(RuleKey, ResourceId)> {
    map.iter()
        .flat_map(|(rule, by_resource)| by_resource.keys().map(move |r| (rule, r)))
        .filter(|(rule, r)| !keep.get(*rule).is_some_and(|held| held.contains(r)))
        .map(|(rule, r)| (rule.clone(), r.clone()))
        .collect()
}

/// Items' (rule, resource) keys, grouped by rule.
fn by_rule_keys<'a, T>(
    items: &'a [T],
    key: impl Fn(&'a T) -> (RuleKey, &'a ResourceId),
) -> HashMap<RuleKey, HashSet<&'a ResourceId>> {
    let mut out: HashMap<RuleKey, HashSet<&ResourceId>> = HashMap::new();
    for item in items {
        let (rule, resource) = key(item);
        out.entry(rule).or_default().insert(resource);
    }
    out
}
