//! The report's parts read from the store at a given time: one function per part.

use std::collections::BTreeMap;

use crate::model::{ControlKind, ExecutionState, Finding, Part, Severity, SourceKind, Timestamp, WorkflowReason};
use crate::store::{FindingTotals, Health, Posture};

use super::schema::*;

/// `2026-11-26T12:00:00Z`.
pub fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The sources reported on: the three AWS services, and the guardrail tests when they ran.
pub fn reported_sources(posture: &Posture) -> Vec<SourceKind> {
    SourceKind::ALL.into_iter().filter(|k| *k != SourceKind::Guardrails || posture.source(*k).registered).collect()
}

/// `value()` where `part` was read in full, `None` where it was not.
fn if_read<T>(posture: &Posture, part: Part, value: impl FnOnce() -> T) -> Option<T> {
    posture.part(part).last_ok.is_some().then(value)
}

impl Report {
    /// The posture of `subject` at `now`, as a report.
    pub fn of(posture: &Posture, subject: &Subject, now: Timestamp) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            generated_at: time(now),
            subject: subject.clone(),
            scope: scope(posture),
            score: score(posture, now),
            activity: activity(posture),
            sources: reported_sources(posture).into_iter().map(|k| source(posture, k)).collect(),
            standards: if_read(posture, Part::Standards, || standards(posture)),
            controls: (0..posture.catalog().controls.len()).map(|i| control(posture, subject, i, now)).collect(),
            rules: if_read(posture, Part::ConfigRules, || rules(posture)),
            findings: if_read(posture, Part::Findings, || findings(posture)),
            alarms: if_read(posture, Part::Alarms, || alarms(posture)),
            remediations: if_read(posture, Part::RemediationConfigs, || remediations(posture)),
            basis: subject.basis.clone(),
        }
    }
}

fn scope(posture: &Posture) -> Scope {
    let s = posture.scope();
    let securityhub = posture.hub_scope().map(|h| HubScope {
        members: h.members.clone(),
        aggregator: h.aggregator.as_ref().map(|a| FindingAggregator {
            arn: a.arn.clone(),
            home_region: a.home_region.clone(),
            linking_mode: a.linking_mode.clone(),
            regions: a.regions.clone(),
        }),
    });
    let config = posture.config_aggregators().map(|list| {
        list.iter()
            .map(|a| ConfigAggregator {
                name: a.name.clone(),
                arn: a.arn.clone(),
                organization: a.organization,
                accounts: a.accounts.clone(),
                all_regions: a.all_regions,
                regions: a.regions.clone(),
            })
            .collect()
    });
    Scope {
        mode: if s.organization { "organization" } else { "account" }.into(),
        accounts: s.accounts,
        regions: s.regions,
        only: posture.narrowing().map(|w| Only { account: w.account.clone(), region: w.region.clone() }),
        aggregators: Aggregators { config, securityhub },
    }
}

fn score(posture: &Posture, now: Timestamp) -> Score {
    let pane = |kind| posture.pane_summary(kind, now).score();
    Score {
        overall: posture.overall_summary(now).score(),
        preventive: pane(ControlKind::Preventive),
        detective: pane(ControlKind::Detective),
        corrective: pane(ControlKind::Corrective),
    }
}

fn activity(posture: &Posture) -> Activity {
    Activity {
        open_findings: if_read(posture, Part::Findings, || {
            BySeverity::of(posture.finding_totals().open_activity_by_severity)
        }),
        alarms_firing: if_read(posture, Part::Alarms, || posture.firing_alarms()),
    }
}

fn source(posture: &Posture, kind: SourceKind) -> Source {
    let s = posture.source(kind);
    let error = match &s.health {
        Health::Error(e) => Some(e.to_string()),
        _ => None,
    };
    let loading = s.health == Health::Waiting && s.last_ok.is_none() && !s.registered;
    let unread = kind
        .parts()
        .iter()
        .filter_map(|p| posture.part(*p).error.as_ref().map(|(_, e)| (p, e)))
        .map(|(p, e)| UnreadPart { part: p.name().into(), call: p.call().into(), error: e.to_string() })
        .collect();
    let places = s
        .places
        .iter()
        .map(|((account, region), p)| {
            let error = p.last_error.as_ref().filter(|_| p.failing).map(|(_, e)| e);
            Place {
                account: account.clone(),
                region: region.clone(),
                health: error.map_or("ok", |e| Health::Error(e.clone()).name()).into(),
                last_ok: p.last_ok.map(time),
                error: error.map(|e| e.to_string()),
            }
        })
        .collect();
    Source {
        name: kind.name().into(),
        health: if loading { "loading" } else { s.health.name() }.into(),
        last_ok: s.last_ok.map(time),
        error,
        skipped: s.skipped,
        unread,
        places,
    }
}

fn control(posture: &Posture, subject: &Subject, i: usize, now: Timestamp) -> Control {
    let c = posture.control(i);
    let status = posture.control_status(i, now);
    let acc = posture.evidence(i);
    let mut by_account: BTreeMap<String, u64> = BTreeMap::new();
    for r in acc.failing.keys() {
        *by_account.entry(r.account.to_string()).or_default() += 1;
    }
    let failing = status.failing();
    Control {
        id: c.id.to_string(),
        kind: c.kind.name().into(),
        title: c.title.clone(),
        status: Status::of(status.level()),
        failing: status.has_data().then(|| failing.map_or(0, |f| f.resources.into())),
        no_remediation: acc
            .unremediated
            .iter()
            .map(|r| RuleRef { rule: r.name.to_string(), account: r.account.to_string(), region: r.region.to_string() })
            .collect(),
        failing_at_least: failing.is_some_and(|f| f.at_least),
        resources: resources(posture, subject, i),
        by_account,
        not_read: posture.unread_parts(i).iter().map(|(p, _)| p.call().to_string()).collect(),
    }
}

/// A control's failing resources, then the alarms it expects that do not exist.
fn resources(posture: &Posture, subject: &Subject, i: usize) -> Vec<Resource> {
    let failing = posture.evidence(i).failing.keys().map(|r| Resource {
        id: r.id.to_string(),
        kind: r.kind.to_string(),
        account: Some(r.account.to_string()),
        region: Some(r.region.to_string()),
        missing: false,
        failing_since: posture.failing_since(i, r).map(time),
    });
    let missing = posture.missing_alarms(i).into_iter().map(|alarm| Resource {
        id: alarm.to_string(),
        kind: "AWS::CloudWatch::Alarm".into(),
        account: subject.account.clone(),
        region: subject.region.clone(),
        missing: true,
        failing_since: None,
    });
    failing.chain(missing).collect()
}

fn rules(posture: &Posture) -> Vec<Rule> {
    let mut rules: Vec<Rule> = posture
        .rules()
        .map(|r| Rule {
            name: r.name.to_string(),
            account: r.account.to_string(),
            region: r.region.to_string(),
            source: r.source_identifier.as_deref().map(str::to_string),
            compliance: r.compliance.map(|c| c.as_str().to_string()),
            noncompliant: r.details_complete.then(|| posture.rule_noncompliant(&r.key())),
            capped: r.noncompliant.is_some_and(|c| c.cap_exceeded),
            capped_count: r.noncompliant.map(|c| c.count),
            evaluation_failing: (!r.unread.contains(Part::EvaluationStatus)).then_some(r.evaluation_error.is_some()),
            evaluation_error: r.evaluation_error.as_deref().map(str::to_string),
        })
        .collect();
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    rules
}

fn findings(posture: &Posture) -> Findings {
    let all = posture.finding_totals();
    let each = |map: &BTreeMap<crate::model::Sym, FindingTotals>| {
        map.iter().map(|(k, t)| (k.to_string(), Totals { total: t.active, by_severity: t.into() })).collect()
    };
    let (open_high, more) = open_high(posture);
    Findings {
        total: all.active,
        by_severity: (&all).into(),
        by_workflow: ByWorkflow::of(all.by_workflow),
        by_account: each(posture.findings_by_account()),
        by_region: each(posture.findings_by_region()),
        open_high,
        open_high_more: more as u64,
        workflow_reasons: workflow_reasons(posture),
    }
}

/// How many ACTIVE findings each automation rule explains, per workflow, then those set by hand;
/// `None` where no service's rules were read.
fn workflow_reasons(posture: &Posture) -> Option<Vec<WorkflowReasonCount>> {
    if posture.automation_rules().apis.is_empty() {
        return None;
    }
    let mut counts: Vec<WorkflowReasonCount> = Vec::new();
    for f in posture.findings().filter(|f| f.is_active()) {
        let Some(why) = posture.workflow_reason(f) else { continue };
        let (rule, service, certain) = match &why {
            WorkflowReason::Rule { rule, untested } => {
                (Some(rule.name.clone()), Some(rule.api.name().to_string()), untested.is_empty())
            }
            WorkflowReason::ControlPassed => (None, Some("control passed".to_string()), true),
            WorkflowReason::ByHand => (None, None, true),
        };
        let workflow = f.workflow.as_str().to_string();
        match counts.iter_mut().find(|c| c.workflow == workflow && c.rule == rule && c.service == service) {
            Some(c) => c.findings += 1,
            None => counts.push(WorkflowReasonCount { workflow, rule, service, certain, findings: 1 }),
        }
    }
    // Each workflow together, its rules by name, by hand last.
    counts.sort_by(|a, b| (&a.workflow, a.rule.is_none(), &a.rule).cmp(&(&b.workflow, b.rule.is_none(), &b.rule)));
    Some(counts)
}

impl BySeverity {
    /// From counts indexed by [`Severity::index`].
    pub fn of(counts: [u64; 5]) -> BySeverity {
        let n = |s: Severity| counts[s.index()];
        BySeverity {
            critical: n(Severity::Critical),
            high: n(Severity::High),
            medium: n(Severity::Medium),
            low: n(Severity::Low),
            informational: n(Severity::Informational),
        }
    }

    /// Each severity's count, worst first.
    pub fn each(&self) -> [(Severity, u64); 5] {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Informational, self.informational),
        ]
    }
}

/// The open findings by severity.
impl From<&FindingTotals> for BySeverity {
    fn from(t: &FindingTotals) -> BySeverity {
        BySeverity::of(t.open_by_severity)
    }
}

impl ByWorkflow {
    /// From counts indexed by [`crate::model::WorkflowStatus::index`].
    pub fn of(counts: [u64; 4]) -> ByWorkflow {
        use crate::model::WorkflowStatus as W;
        let n = |w: W| counts[w.index()];
        ByWorkflow { new: n(W::New), notified: n(W::Notified), resolved: n(W::Resolved), suppressed: n(W::Suppressed) }
    }
}

/// ACTIVE findings still open (NEW or NOTIFIED) at HIGH or CRITICAL, within the narrowing:
/// CRITICAL first, then by id, at most [`super::OPEN_HIGH_LISTED`]; and how many more there are.
fn open_high(posture: &Posture) -> (Vec<OpenFinding>, usize) {
    let within = posture.narrowing();
    let mut open: Vec<&Finding> = posture
        .findings()
        .filter(|f| f.is_active() && f.workflow.is_open() && f.severity >= Severity::High)
        .filter(|f| within.is_none_or(|w| w.admits(&f.account, &f.region)))
        .collect();
    open.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    let more = open.len().saturating_sub(super::OPEN_HIGH_LISTED);
    let listed = open
        .into_iter()
        .take(super::OPEN_HIGH_LISTED)
        .map(|f| OpenFinding {
            id: f.id.to_string(),
            severity: f.severity.as_str().into(),
            title: f.title.to_string(),
            product: f.product.to_string(),
            control: f.control_id.as_deref().map(str::to_string),
            resource: f.resources.first().map(|r| r.id.to_string()),
        })
        .collect();
    (listed, more)
}

fn alarms(posture: &Posture) -> Vec<Alarm> {
    posture
        .alarms()
        .map(|a| Alarm {
            name: a.name.to_string(),
            account: a.account.to_string(),
            region: a.region.to_string(),
            state: a.state.as_str().into(),
            threshold: a.threshold,
        })
        .collect()
}

fn remediations(posture: &Posture) -> Vec<Remediation> {
    posture
        .remediation_configs()
        .map(|rc| {
            let key = rc.rule_key();
            let unread = posture.rule(&key).is_none_or(|r| r.unread.contains(Part::RemediationExecutions));
            Remediation {
                rule: rc.rule.to_string(),
                account: rc.account.to_string(),
                region: rc.region.to_string(),
                target: rc.target.to_string(),
                automatic: rc.automatic,
                executions: (!unread).then(|| {
                    let held = posture.executions_of(&key);
                    let count = |s: &ExecutionState| held.iter().filter(|x| x.state == *s).count() as u64;
                    ExecutionState::ALL
                        .iter()
                        .map(|s| (s.as_str().to_string(), count(s)))
                        .filter(|(_, n)| *n > 0)
                        .collect()
                }),
            }
        })
        .collect()
}

fn standards(posture: &Posture) -> Vec<Standard> {
    posture
        .standards()
        .iter()
        .map(|s| Standard { arn: s.arn.clone(), name: s.name.clone(), enabled: s.enabled })
        .collect()
}
