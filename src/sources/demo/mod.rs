//! The workshop demo: an embedded scenario (a baseline and a story on a timeline, as data)
//! played through the same `Source` trait as live AWS. `DemoScript` is the pure part: it says
//! what happens at each moment; `DemoSource` only waits for those moments.

mod respond;
mod scenario;

use std::collections::BTreeMap;
use std::time::Duration;

pub use super::playback::{Jump, Playback, SPEEDS};
use super::playback::{Script, play};
pub use respond::{DemoResponder, SharedScript};
pub use scenario::{BUILT_IN, Scenario, Step};
use scenario::{Batch, MetricItem};

use super::{Dataset, Message, Payload, Sink, Source, SourceEvent, SourceFuture, SourceKind, StepInfo};
use crate::model::*;

/// How often each demo source "polls" (re-sends its full data set), as live AWS would.
const POLLS: [(SourceKind, u64); 3] =
    [(SourceKind::Config, 60), (SourceKind::SecurityHub, 30), (SourceKind::CloudWatch, 60)];

/// A finding's description, recommended fix and its address.
type FindingText = (Option<Box<str>>, Option<Box<str>>, Option<Box<str>>);

/// The demo's account as it stands at some moment.
#[derive(Default)]
struct State {
    rules: BTreeMap<Sym, Option<Sym>>,
    evaluations: BTreeMap<(Sym, ResourceId), Evaluation>,
    remediations: BTreeMap<Sym, RemediationConfig>,
    executions: BTreeMap<(Sym, ResourceId), RemediationExecution>,
    findings: BTreeMap<Sym, Finding>,
    automation_rules: Vec<crate::model::AutomationRule>,
    alarms: BTreeMap<Sym, Alarm>,
    metrics: BTreeMap<MetricId, Vec<(Timestamp, f64)>>,
    /// Configuration items by resource, newest first.
    timeline: BTreeMap<ResourceId, Vec<ConfigItem>>,
    /// What the finding view shows beyond the stored finding: description, fix, its address.
    finding_text: BTreeMap<Sym, FindingText>,
    /// Every execution by rule and resource, newest first.
    execution_history: BTreeMap<(Sym, ResourceId), Vec<ExecutionHistory>>,
    /// Changes to findings (BatchUpdateFindings and imports), newest first.
    finding_history: BTreeMap<Sym, Vec<HistoryRecord>>,
    /// Notes set on findings.
    notes: BTreeMap<Sym, Box<str>>,
    /// The workshop's guardrail tests, as the story has them decide.
    guardrails: BTreeMap<Sym, GuardrailResult>,
}

/// The demo as a sequence of moments, each with the messages it sends.
pub struct DemoScript {
    scenario: Scenario,
    start: Timestamp,
    interner: Interner,
    account: Sym,
    region: Sym,
    state: State,
    next_step: usize,
    next_poll: [u64; 3],
}

impl DemoScript {
    /// The script starting at `start`, with the baseline in place.
    pub fn new(scenario: Scenario, start: Timestamp) -> Self {
        let mut interner = Interner::new();
        let account = interner.intern(&scenario.account);
        let region = interner.intern(&scenario.region);
        let mut script = DemoScript {
            scenario,
            start,
            interner,
            account,
            region,
            state: State::default(),
            next_step: 0,
            next_poll: POLLS.map(|(_, every)| every),
        };
        // The workshop's guardrail tests run offline, as `vigil watch --guardrail-tests` would.
        for result in crate::sources::guardrails::results(&crate::policy::Suite::workshop(), start) {
            script.state.guardrails.insert(result.name.clone(), result);
        }
        let baseline = script.scenario.baseline.clone();
        script.apply(&baseline, None);
        script
    }

    /// The steps of the story.
    pub fn steps(&self) -> &[scenario::Step] {
        &self.scenario.steps
    }

    /// How many steps have been played.
    pub fn played(&self) -> usize {
        self.next_step
    }

    /// When the next moment comes, in seconds after the start (without playing it).
    pub fn next_at(&self) -> u64 {
        let poll_at = *self.next_poll.iter().min().expect("three sources");
        self.scenario.steps.get(self.next_step).map_or(poll_at, |s| s.at.min(poll_at))
    }

    /// Plays every moment up to and including step `step` (0-based) at once, for a presenter
    /// who jumps ahead; returns what they send.
    pub fn play_through(&mut self, step: usize) -> Vec<Message> {
        let mut out = Vec::new();
        while self.next_step <= step && self.next_step < self.scenario.steps.len() {
            out.extend(self.next_moment().1);
        }
        out
    }

    pub fn title(&self) -> &str {
        &self.scenario.title
    }

    /// The kinds the demo feeds, with their intervals (the guardrail tests never age).
    pub fn feeds() -> Vec<(SourceKind, Option<Duration>)> {
        let mut feeds: Vec<_> = POLLS.iter().map(|(k, s)| (*k, Some(Duration::from_secs(*s)))).collect();
        feeds.push((SourceKind::Guardrails, None));
        feeds
    }

    fn time(&self, offset: i64) -> Timestamp {
        self.start + jiff::SignedDuration::from_secs(offset)
    }

    /// The first messages: each source's full baseline, the guardrail tests' results.
    pub fn opening(&mut self) -> Vec<Message> {
        let mut out: Vec<Message> = POLLS.iter().map(|(kind, _)| Message::Event(self.full(*kind, 0))).collect();
        out.push(Message::Event(self.full(SourceKind::Guardrails, 0)));
        out
    }

    /// The next moment after the ones already played: its offset from the start, in seconds,
    /// and what is sent then. Polls go on for ever after the story ends.
    pub fn next_moment(&mut self) -> (u64, Vec<Message>) {
        let step_at = self.scenario.steps.get(self.next_step).map(|s| s.at);
        let poll_at = *self.next_poll.iter().min().expect("three sources");
        let t = step_at.map_or(poll_at, |s| s.min(poll_at));
        let mut out = Vec::new();
        if step_at == Some(t) {
            let step = self.scenario.steps[self.next_step].clone();
            self.next_step += 1;
            out.push(Message::Step(StepInfo {
                index: self.next_step - 1,
                total: self.scenario.steps.len(),
                at: t,
                title: step.title.clone(),
                caption: step.caption.clone(),
                pane: step.pane,
                control: step.control.clone(),
            }));
            let changed = self.apply(&step.batch, Some(t as i64));
            out.extend(
                changed
                    .into_iter()
                    .map(|(kind, data)| Message::Event(self.event(kind, t as i64, Payload::Merge(data)))),
            );
        }
        for (i, (kind, every)) in POLLS.iter().enumerate() {
            if self.next_poll[i] == t {
                out.push(Message::Event(self.full(*kind, t as i64)));
                self.next_poll[i] += every;
            }
        }
        (t, out)
    }

    fn event(&self, kind: SourceKind, offset: i64, payload: Payload) -> SourceEvent {
        SourceEvent { source: kind, fetched_at: self.time(offset), result: Ok(payload) }
    }

    fn full(&self, kind: SourceKind, offset: i64) -> SourceEvent {
        let s = &self.state;
        let data = match kind {
            SourceKind::Config => Dataset {
                rules: self.rules(offset),
                evaluations: s.evaluations.values().cloned().collect(),
                remediation_configs: s.remediations.values().cloned().collect(),
                executions: s.executions.values().cloned().collect(),
                ..Default::default()
            },
            SourceKind::SecurityHub => Dataset {
                findings: s.findings.values().cloned().collect(),
                automation_rules: self.automation_rules(),
                ..Default::default()
            },
            SourceKind::CloudWatch => Dataset {
                alarms: s.alarms.values().cloned().collect(),
                metrics: s
                    .metrics
                    .iter()
                    .map(|(m, points)| MetricSeries { metric: m.clone(), points: points.clone() })
                    .collect(),
                ..Default::default()
            },
            SourceKind::Guardrails => {
                Dataset { guardrails: s.guardrails.values().cloned().collect(), ..Default::default() }
            }
        };
        self.event(kind, offset, Payload::Replace(data))
    }

    /// The rules as DescribeConfigRules and DescribeComplianceByConfigRule would describe them
    /// now: compliance follows the evaluations.
    fn rules(&self, offset: i64) -> Vec<ConfigRule> {
        self.state
            .rules
            .iter()
            .map(|(name, source)| {
                let evaluations = self.state.evaluations.values().filter(|e| e.rule == *name);
                let (mut any, mut noncompliant) = (false, 0);
                for e in evaluations {
                    any = true;
                    noncompliant += u32::from(e.compliance == ConfigCompliance::NonCompliant);
                }
                let compliance = if noncompliant > 0 {
                    ConfigCompliance::NonCompliant
                } else if any {
                    ConfigCompliance::Compliant
                } else {
                    ConfigCompliance::InsufficientData
                };
                ConfigRule {
                    name: name.clone(),
                    source_identifier: source.clone(),
                    compliance: Some(compliance),
                    noncompliant: Some(CappedCount { count: noncompliant, cap_exceeded: false }),
                    details_complete: true,
                    evaluation_error: None,
                    unread: Default::default(),
                    account: self.account.clone(),
                    region: self.region.clone(),
                    observed_at: self.time(offset),
                }
            })
            .collect()
    }

    /// Applies a batch (the baseline when `at` is `None`) and returns the changes per source.
    fn apply(&mut self, batch: &Batch, at: Option<i64>) -> Vec<(SourceKind, Dataset)> {
        let guardrails = self.apply_guardrails(batch, at);
        let config = self.apply_config(batch, at);
        let findings = batch.findings.iter().map(|f| self.played_finding(f, when(at, f.age))).collect();
        let rules = !batch.automation_rules.is_empty();
        self.state.automation_rules.extend(batch.automation_rules.iter().map(automation_rule));
        let hub = Dataset {
            findings,
            automation_rules: if rules { self.automation_rules() } else { None },
            ..Dataset::default()
        };
        let cloudwatch = self.apply_cloudwatch(batch, at);
        self.apply_timeline(batch, at);
        [
            (SourceKind::Config, config),
            (SourceKind::SecurityHub, hub),
            (SourceKind::CloudWatch, cloudwatch),
            (SourceKind::Guardrails, guardrails),
        ]
        .into_iter()
        .filter(|(_, d)| *d != Dataset::default())
        .collect()
    }

    /// The story changes a test's decision; its explanation says why.
    fn apply_guardrails(&mut self, batch: &Batch, at: Option<i64>) -> Dataset {
        let when = |age: Option<u64>| when(at, age);
        let mut guardrails = Dataset::default();
        for g in &batch.guardrails {
            let Some(result) = self.state.guardrails.get_mut(g.name.as_str()) else {
                tracing::warn!(test = %g.name, "the scenario names a guardrail test the workshop does not have");
                continue;
            };
            result.actual = g.actual;
            result.evaluated_at = self.start + jiff::SignedDuration::from_secs(when(None));
            result.detail = Some(std::sync::Arc::new(GuardrailDetail {
                reason: g.reason.clone(),
                deciding: Vec::new(),
                near_misses: Vec::new(),
            }));
            guardrails.guardrails.push(result.clone());
        }
        guardrails
    }

    /// Config's rules, evaluations, remediation configurations and executions in the batch.
    fn apply_config(&mut self, batch: &Batch, at: Option<i64>) -> Dataset {
        let when = |age: Option<u64>| when(at, age);
        let mut config = Dataset::default();
        for r in &batch.rules {
            let name = self.interner.intern(&r.name);
            let source = r.source.as_deref().map(|s| self.interner.intern(s));
            self.state.rules.insert(name, source);
        }
        for e in &batch.evaluations {
            let evaluation = Evaluation {
                rule: self.interner.intern(&e.rule),
                resource: self.config_resource(&e.kind, &e.id),
                compliance: e.compliance,
                annotation: e.annotation.as_deref().map(Into::into),
                recorded_at: self.time(when(e.age)),
            };
            self.state.evaluations.insert((evaluation.rule.clone(), evaluation.resource.clone()), evaluation.clone());
            config.evaluations.push(evaluation);
        }
        for r in &batch.remediations {
            let rc = RemediationConfig {
                rule: self.interner.intern(&r.rule),
                target: self.interner.intern(&r.target),
                automatic: r.automatic,
                resource_type: r.resource_type.as_deref().map(|t| self.interner.intern(t)),
                retry_window: RemediationConfig::DEFAULT_RETRY_WINDOW,
                observed_at: self.time(when(None)),
                account: self.account.clone(),
                region: self.region.clone(),
            };
            self.state.remediations.insert(rc.rule.clone(), rc.clone());
            config.remediation_configs.push(rc);
        }
        for x in &batch.executions {
            let execution = self.played_execution(x, when(x.age));
            config.executions.push(execution);
        }
        if !config.evaluations.is_empty() || !config.executions.is_empty() || !config.remediation_configs.is_empty() {
            config.rules = self.rules(at.unwrap_or(0));
        }
        config
    }

    fn apply_cloudwatch(&mut self, batch: &Batch, at: Option<i64>) -> Dataset {
        let when = |age: Option<u64>| when(at, age);
        let mut cloudwatch = Dataset::default();
        for a in &batch.alarms {
            let metric = a.metric.as_deref().unwrap_or(&format!("LogMetrics/{}", a.name)).to_string();
            let alarm = Alarm {
                name: self.interner.intern(&a.name),
                kind: AlarmKind::Metric,
                state: a.state,
                reason: a.reason.as_str().into(),
                metric: Some(self.metric_id(&metric)),
                threshold: a.threshold,
                state_updated_at: self.time(when(a.age)),
                account: self.account.clone(),
                region: self.region.clone(),
            };
            self.state.alarms.insert(alarm.name.clone(), alarm.clone());
            cloudwatch.alarms.push(alarm);
        }
        for m in &batch.metrics {
            let series = self.series(m, at);
            self.state.metrics.entry(series.metric.clone()).or_default().extend(series.points.iter().copied());
            cloudwatch.metrics.push(series);
        }
        cloudwatch
    }

    /// Configuration items join each resource's timeline, newest first.
    fn apply_timeline(&mut self, batch: &Batch, at: Option<i64>) {
        let when = |age: Option<u64>| when(at, age);
        for item in &batch.timeline {
            let resource = self.config_resource(&item.kind, &item.id);
            let entry = ConfigItem {
                captured_at: self.time(when(item.age)),
                status: item.status.as_str().into(),
                changed: item.changed.clone(),
            };
            let items = self.state.timeline.entry(resource).or_default();
            items.push(entry);
            items.sort_by_key(|i| std::cmp::Reverse(i.captured_at));
        }
    }

    /// A remediation execution the story plays, kept with its history for the drill-down.
    fn played_execution(&mut self, x: &scenario::ExecutionItem, updated: i64) -> RemediationExecution {
        let execution = RemediationExecution {
            rule: self.interner.intern(&x.rule),
            resource: self.config_resource(&x.kind, &x.id),
            state: x.state,
            invoked_at: self.time(x.invoked.unwrap_or(updated)),
            updated_at: self.time(updated),
            message: x.message.as_deref().map(Into::into),
        };
        let history =
            self.state.execution_history.entry((execution.rule.clone(), execution.resource.clone())).or_default();
        let entry = ExecutionHistory {
            rule: execution.rule.clone(),
            state: execution.state,
            invoked_at: Some(execution.invoked_at),
            updated_at: Some(execution.updated_at),
            steps: vec![ExecutionStep {
                name: "Remediate".into(),
                state: execution.state.as_str().into(),
                error: execution.message.clone(),
                started_at: Some(execution.invoked_at),
                stopped_at: matches!(execution.state, ExecutionState::Succeeded | ExecutionState::Failed)
                    .then_some(execution.updated_at),
            }],
        };
        match history.first_mut() {
            Some(last) if last.invoked_at == entry.invoked_at => *last = entry,
            _ => history.insert(0, entry),
        }
        self.state.executions.insert((execution.rule.clone(), execution.resource.clone()), execution.clone());
        execution
    }

    /// The story's automation rules, as Security Hub CSPM's whole set (`None` where it has none).
    fn automation_rules(&self) -> Option<crate::model::AutomationRules> {
        let rules = &self.state.automation_rules;
        (!rules.is_empty())
            .then(|| crate::model::AutomationRules { apis: vec![crate::model::RuleApi::Cspm], rules: rules.clone() })
    }

    /// A finding the story plays, kept with its text and history for the finding view.
    fn played_finding(&mut self, f: &scenario::FindingItem, updated: i64) -> Finding {
        let (account, region) = (self.account.clone(), self.region.clone());
        let mut finding = Finding {
            id: self.interner.intern(&f.id),
            product: self.interner.intern(&f.product),
            control_id: f.control.as_deref().map(|c| self.interner.intern(c)),
            related_rule: f.rule.as_deref().map(|r| self.interner.intern(r)),
            title: f.title.as_str().into(),
            severity: f.severity,
            workflow: f.workflow,
            record_state: f.record_state,
            compliance: f.compliance,
            resources: vec![ResourceId::from_security_hub(&mut self.interner, &f.kind, &f.resource, &account, &region)]
                .into(),
            account,
            region,
            updated_at: self.time(updated).into(),
            first_observed: None,
            class: f.class,
        };
        let text = (
            f.description.as_deref().map(Into::into),
            f.remediation.as_deref().map(Into::into),
            f.url.as_deref().map(Into::into),
        );
        self.state.finding_text.insert(finding.id.clone(), text);
        let records = self.state.finding_history.entry(finding.id.clone()).or_default();
        let created = records.is_empty();
        records.insert(
            0,
            HistoryRecord {
                at: finding.updated_at.get(),
                source: "BATCH_IMPORT_FINDINGS".into(),
                created,
                changes: if created {
                    Vec::new()
                } else {
                    vec![("Workflow.Status".into(), "".into(), finding.workflow.as_str().into())]
                },
            },
        );
        // First observed when its history begins, as the finding's detail says.
        finding.first_observed = records.last().map(|r| r.at.into());
        self.state.findings.insert(finding.id.clone(), finding.clone());
        finding
    }

    fn config_resource(&mut self, kind: &str, id: &str) -> ResourceId {
        let (account, region) = (self.account.clone(), self.region.clone());
        ResourceId::from_config(&mut self.interner, kind, id, &account, &region)
    }

    fn metric_id(&mut self, spec: &str) -> MetricId {
        let (ns, name) = spec.split_once('/').expect("validated when parsed");
        MetricId::new(self.interner.intern(ns), self.interner.intern(name))
    }

    /// Baseline values are one a minute up to the start; a step's values start at its time,
    /// a second apart.
    fn series(&mut self, m: &MetricItem, at: Option<i64>) -> MetricSeries {
        let metric = self.metric_id(&m.metric);
        let n = m.values.len() as i64;
        let points = m
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let offset = match at {
                    Some(t) => t + i as i64,
                    None => -(n - 1 - i as i64) * 60,
                };
                (self.time(offset), *v)
            })
            .collect();
        MetricSeries { metric, points }
    }
}

/// The demo as a source: plays the script by the story's clock, and jumps where the presenter
/// asks (`n`, `p`, `R`). Going back rebuilds: the store is reset and the story played again from
/// its baseline up to the step, so the posture is exactly that step's.
pub struct DemoSource {
    scenario: Scenario,
    shared: SharedScript,
    playback: Playback,
}

impl DemoSource {
    pub fn new(scenario: Scenario, playback: Playback) -> Self {
        DemoSource { scenario, shared: Default::default(), playback }
    }

    /// The script as it plays, for the demo's responder.
    pub fn script(&self) -> SharedScript {
        self.shared.clone()
    }
}

/// The script in play, as the responder shares it: every call locks it.
struct InPlay(SharedScript);

impl InPlay {
    fn with<T>(&self, f: impl FnOnce(&mut DemoScript) -> T) -> T {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(guard.as_mut().expect("the script is set before it plays"))
    }
}

impl Script for InPlay {
    fn played(&self) -> usize {
        self.with(|s| s.played())
    }

    fn step_count(&self) -> usize {
        self.with(|s| s.steps().len())
    }

    fn opening(&mut self) -> Vec<Message> {
        self.with(|s| s.opening())
    }

    fn next_at(&self) -> Option<f64> {
        // Polls go on for ever after the story.
        Some(self.with(|s| s.next_at()) as f64)
    }

    fn next_moment(&mut self) -> Vec<Message> {
        self.with(|s| s.next_moment().1)
    }

    fn play_through(&mut self, step: usize) -> (Vec<Message>, f64) {
        self.with(|s| {
            let messages = s.play_through(step);
            (messages, s.steps()[step].at as f64)
        })
    }

    fn end(&self) -> f64 {
        self.with(|s| s.next_at()) as f64
    }
}

impl Source for DemoSource {
    fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)> {
        DemoScript::feeds()
    }

    fn run(self: Box<Self>, sink: Sink) -> SourceFuture {
        Box::pin(async move {
            let DemoSource { scenario, shared, playback } = *self;
            let start = playback.start();
            // Each rebuild is a new script from the baseline, where the responder sees it too.
            let fresh = || {
                *shared.lock().unwrap_or_else(|e| e.into_inner()) = Some(DemoScript::new(scenario.clone(), start));
                InPlay(shared.clone())
            };
            play(playback, sink, fresh).await;
        })
    }
}

/// A played item's time: the step's, or (in the baseline) its age before the start, an hour by default.
fn when(at: Option<i64>, age: Option<u64>) -> i64 {
    at.unwrap_or(-(age.unwrap_or(3600) as i64))
}

/// A scenario's automation rule as Security Hub CSPM would hold it.
fn automation_rule(r: &scenario::AutomationRuleItem) -> crate::model::AutomationRule {
    use crate::model::Criteria;
    crate::model::AutomationRule {
        api: crate::model::RuleApi::Cspm,
        arn: format!("arn:aws:securityhub:us-east-1:123456789012:automation-rule/{}", r.name.replace(' ', "-")),
        name: r.name.clone(),
        order: r.order,
        enabled: true,
        terminal: r.terminal,
        sets_workflow: Some(r.sets),
        criteria: Criteria::All(
            r.criteria
                .iter()
                .map(|c| Criteria::Field { field: c.field, tests: vec![(c.comparison, c.value.clone())] })
                .collect(),
        ),
        updated_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_story_plays_in_order_and_polls_go_on() {
        let mut script = DemoScript::new(Scenario::workshop(), "2026-11-26T12:00:00Z".parse().unwrap());
        assert_eq!(script.opening().len(), 4, "three services and the guardrail tests");
        let mut last = 0;
        let mut narrations = 0;
        for _ in 0..30 {
            let (at, messages) = script.next_moment();
            assert!(at >= last, "moments come in order");
            last = at;
            narrations += messages.iter().filter(|m| matches!(m, Message::Step(_))).count();
        }
        assert_eq!(narrations, Scenario::workshop().steps.len());
        assert!(last > 300, "polls continue after the story");
    }
}
