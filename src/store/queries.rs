//! What the store holds, read: by control, rule, resource, finding, alarm, metric. Nothing here
//! changes the store.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use super::{ControlEvidence, FindingTotals, PartState, Posture, ResourceEvidence, SourceState};
use crate::catalog::{Catalog, Control};
use crate::model::{
    Alarm, AlarmKey, ConfigCompliance, ConfigRule, ControlKind, Evaluation, Finding, GuardrailResult, MetricId, Part,
    RemediationConfig, RemediationExecution, ResourceId, RuleKey, SourceKind, Standard, Sym, Timestamp,
};

/// A control's metric as the screen draws it: one account's and region's series, or their sum.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlMetric<'a> {
    /// The one account's and region's metric; `None` for a sum.
    pub id: Option<&'a MetricId>,
    pub points: std::borrow::Cow<'a, VecDeque<(Timestamp, f64)>>,
    /// How many accounts and regions it sums.
    pub places: usize,
}

/// One account in the Accounts view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub account: String,
    /// Its failing resources under each control, by catalog index.
    pub failing: Vec<u32>,
    /// A lower bound on them where a rule's capped count was not read in full (0: none).
    pub at_least: Vec<u32>,
    /// A corrective control's rules there with no remediation configured: it fails for that
    /// reason, whatever its resources.
    pub unremediated: Vec<u32>,
    /// Nothing known to fail, but a bound rule's evidence there was not read (its compliance,
    /// or a corrective control's remediation configuration): unknown, not passing.
    pub unknown: Vec<bool>,
    pub findings: FindingTotals,
}

impl AccountRow {
    /// Whether the account fails the control (a lower bound counts).
    pub fn fails(&self, control: usize) -> bool {
        self.failing[control] > 0 || self.at_least[control] > 0 || self.unremediated[control] > 0
    }
}

/// The accounts and regions a posture covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// More than one account or region, or Security Hub says the caller aggregates others.
    pub organization: bool,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

impl Posture {
    /// The aggregates in view: narrowed to an account or region, or all of them.
    fn view(&self) -> &super::ledger::Ledger {
        match &self.ledger.narrowed {
            Some((_, inner)) => inner,
            None => &self.ledger,
        }
    }

    /// The aggregates over everything, whatever the narrowing.
    fn whole(&self) -> &super::ledger::Ledger {
        &self.ledger
    }

    /// The account or region the posture is narrowed to, if it is.
    pub fn narrowing(&self) -> Option<&super::Within> {
        self.ledger.narrowed.as_ref().map(|(n, _)| n)
    }

    /// The registered sources, in a fixed order.
    pub fn sources(&self) -> impl Iterator<Item = (SourceKind, &SourceState)> {
        SourceKind::ALL.into_iter().map(|k| (k, &self.sources[k.index()])).filter(|(_, s)| s.registered)
    }

    /// How fresh one part of a source's data is.
    pub fn part(&self, part: Part) -> &PartState {
        &self.parts[part.index()]
    }

    pub fn source(&self, kind: SourceKind) -> &SourceState {
        &self.sources[kind.index()]
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn control(&self, index: usize) -> &Control {
        &self.catalog.controls[index]
    }

    pub fn control_index(&self, id: &str) -> Option<usize> {
        self.bindings.control_index(id)
    }

    /// What a control has collected.
    pub fn evidence(&self, index: usize) -> &ControlEvidence {
        &self.view().controls[index]
    }

    /// Alarms in ALARM, in view.
    pub fn firing_alarms(&self) -> u64 {
        self.view().firing_alarms
    }

    pub fn finding_totals(&self) -> FindingTotals {
        self.view().totals
    }

    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.get(id)
    }

    /// Every held (ACTIVE) finding, in no particular order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.values()
    }

    pub fn finding_count(&self) -> usize {
        self.findings.len()
    }

    pub fn rules(&self) -> impl Iterator<Item = &ConfigRule> {
        self.rules.values()
    }

    pub fn rule(&self, name: &RuleKey) -> Option<&ConfigRule> {
        self.rules.get(name)
    }

    /// The exact number of NON_COMPLIANT evaluations held for a rule.
    pub fn rule_noncompliant(&self, name: &RuleKey) -> u32 {
        self.view().noncompliant_by_rule.get(name).copied().unwrap_or(0)
    }

    pub fn evaluation(&self, rule: &RuleKey, resource: &ResourceId) -> Option<&Evaluation> {
        self.evaluations.get(rule).and_then(|m| m.get(resource))
    }

    pub fn evaluation_count(&self) -> usize {
        self.evaluations.values().map(HashMap::len).sum()
    }

    pub fn execution_count(&self) -> usize {
        self.executions.values().map(HashMap::len).sum()
    }

    /// Metric series held (one per metric, account and region) and their points.
    pub fn metric_count(&self) -> (usize, usize) {
        (self.metrics.len(), self.metrics.values().map(VecDeque::len).sum())
    }

    pub fn alarms(&self) -> impl Iterator<Item = &Alarm> {
        self.alarms.values()
    }

    pub fn alarm(&self, key: &AlarmKey) -> Option<&Alarm> {
        self.alarms.get(key)
    }

    /// The alarms of a name, in every account and region they were read in: a range of the
    /// alarms held (ordered by name first), not a walk through all of them.
    pub fn alarms_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Alarm> + 'a {
        let no_place = crate::model::no_sym();
        let from = AlarmKey { name: Sym::from(name), account: no_place.clone(), region: no_place };
        self.alarms.range(from..).take_while(move |(k, _)| *k.name == *name).map(|(_, a)| a)
    }

    pub fn metric(&self, id: &MetricId) -> Option<&VecDeque<(Timestamp, f64)>> {
        self.metrics.get(id)
    }

    /// The metrics bound to a control, by namespace and name, each once however many accounts
    /// and regions it was read in (in the narrowing).
    pub fn control_metric_names(&self, index: usize) -> Vec<(&str, &str)> {
        let mut names: Vec<(&str, &str)> =
            self.evidence(index).metrics.iter().map(|m| (&*m.namespace, &*m.name)).collect();
        names.dedup();
        names
    }

    /// A metric bound to a control, in the narrowing: the series of the one account and region
    /// that holds it (with its id, for the alarm that watches it), or the sum over every one
    /// (the catalog's metrics are sums a minute), which no one alarm watches.
    pub fn control_metric(&self, index: usize, namespace: &str, name: &str) -> Option<ControlMetric<'_>> {
        let mut held = self
            .evidence(index)
            .metrics
            .iter()
            .filter(|m| *m.namespace == *namespace && *m.name == *name)
            .filter_map(|m| self.metrics.get(m).map(|points| (m, points)));
        let (first_id, first) = held.next()?;
        let Some(second) = held.next() else {
            return Some(ControlMetric { id: Some(first_id), points: std::borrow::Cow::Borrowed(first), places: 1 });
        };
        let mut sum: BTreeMap<Timestamp, f64> = BTreeMap::new();
        let mut places = 0;
        for (_, points) in [(first_id, first), second].into_iter().chain(held) {
            places += 1;
            for (at, value) in points {
                *sum.entry(*at).or_default() += value;
            }
        }
        Some(ControlMetric { id: None, points: std::borrow::Cow::Owned(sum.into_iter().collect()), places })
    }

    pub fn remediation_configs(&self) -> impl Iterator<Item = &RemediationConfig> {
        self.remediation_configs.values()
    }

    pub fn remediation_config(&self, rule: &RuleKey) -> Option<&RemediationConfig> {
        self.remediation_configs.get(rule)
    }

    pub fn execution(&self, rule: &RuleKey, resource: &ResourceId) -> Option<&RemediationExecution> {
        self.executions.get(rule).and_then(|m| m.get(resource))
    }

    /// A rule's executions, in resource order.
    pub fn executions_of(&self, rule: &RuleKey) -> Vec<&RemediationExecution> {
        let mut v: Vec<_> = self.executions.get(rule).into_iter().flat_map(HashMap::values).collect();
        v.sort_by(|a, b| a.resource.cmp(&b.resource));
        v
    }

    /// Security Hub's standards, as last read.
    pub fn standards(&self) -> &[Standard] {
        &self.standards
    }

    /// The Config aggregators of the caller's account, if Config was asked.
    pub fn config_aggregators(&self) -> Option<&[crate::model::ConfigAggregator]> {
        self.config_aggregators.as_deref()
    }

    /// Whether an aggregator (Security Hub's or Config's) says the caller sees other accounts
    /// or regions.
    fn aggregates(&self) -> bool {
        self.hub_scope.as_ref().is_some_and(|h| !h.members.is_empty() || h.aggregator.is_some())
            || self.config_aggregators.iter().flatten().any(|a| a.organization || !a.accounts.is_empty())
    }

    /// What Security Hub said of the organisation, if it was asked.
    pub fn hub_scope(&self) -> Option<&crate::model::HubScope> {
        self.hub_scope.as_ref()
    }

    /// The new Security Hub, as last asked (`None`: not asked, or `[securityhub] api = "cspm"`).
    /// Why a finding's workflow is what it is (see [`crate::model::workflow_reason`]); `None` for
    /// a NEW one, or where no service's automation rules were read (vigil then claims nothing).
    ///
    /// "By hand" is said only where the rules of every API the findings are read through were
    /// read: a rule of a service whose rules could not be read may be the reason.
    pub fn workflow_reason(&self, f: &Finding) -> Option<crate::model::WorkflowReason<'_>> {
        use crate::model::{RuleApi, WorkflowReason};
        let read = &self.automation.apis;
        if read.is_empty() {
            return None;
        }
        let why = crate::model::workflow_reason(f, &self.automation.rules)?;
        let (cspm, v2) = self.hub_v2.map_or((true, false), |h| (h.cspm, h.read));
        let all_read = (!cspm || read.contains(&RuleApi::Cspm)) && (!v2 || read.contains(&RuleApi::V2));
        if why == WorkflowReason::ByHand && !all_read {
            return None;
        }
        Some(why)
    }

    /// The new Security Hub's counts (GetFindingStatisticsV2) while the findings have not yet been
    /// read whole (a cold load); `None` once they have, or where none were read.
    pub fn hub_counts(&self) -> Option<&crate::model::HubCounts> {
        self.hub_counts.as_ref().filter(|_| self.part(Part::Findings).last_ok.is_none())
    }

    /// The automation rules held, and the services they were read from.
    pub fn automation_rules(&self) -> &crate::model::AutomationRules {
        &self.automation
    }

    pub fn hub_v2(&self) -> Option<crate::model::HubV2> {
        self.hub_v2
    }

    /// The accounts and regions the posture covers: those its evidence is about, the members
    /// Security Hub names, and the regions its finding aggregator links.
    pub fn scope(&self) -> Scope {
        let mut accounts: BTreeSet<String> = BTreeSet::new();
        let mut regions: BTreeSet<String> = BTreeSet::new();
        let mut add = |account: &str, region: &str| {
            if !account.is_empty() {
                accounts.insert(account.to_string());
            }
            if !region.is_empty() {
                regions.insert(region.to_string());
            }
        };
        for (account, region) in self.places.keys() {
            add(account, region);
        }
        for account in self.whole().by_account.keys() {
            add(account, "");
        }
        for region in self.whole().by_region.keys() {
            add("", region);
        }
        if let Some(hub) = &self.hub_scope {
            for member in &hub.members {
                add(member, "");
            }
            if let Some(a) = &hub.aggregator {
                add("", &a.home_region);
                for region in &a.regions {
                    add("", region);
                }
            }
        }
        // Members and linked regions count only through `aggregates`, which `is_organization` asks.
        Scope {
            organization: self.is_organization(),
            accounts: accounts.into_iter().collect(),
            regions: regions.into_iter().collect(),
        }
    }

    /// Each account of the scope with its failing resources per control (by catalog index) and
    /// its findings, whatever the narrowing: the Accounts view. Worst first: most failing
    /// controls, then most failing resources, then the account id.
    pub fn accounts_matrix(&self) -> Vec<AccountRow> {
        let whole = self.whole();
        // By account and control: the largest capped count not read in full, and whether a
        // bound rule's evidence is unknown there (as the ledger counts them for the whole).
        // Only rules with something unknown are looked up (most are read in full).
        let mut bounds: HashMap<(&str, usize), u32> = HashMap::new();
        let mut unread: HashSet<(&str, usize)> = HashSet::new();
        let capped = |r: &ConfigRule| r.compliance == Some(ConfigCompliance::NonCompliant) && !r.details_complete;
        for (key, rule) in self.rules.iter().filter(|(_, r)| !r.unread.is_empty() || capped(r)) {
            for &i in self.bindings.rule(key) {
                let at = (&*key.account, i);
                if self.catalog.controls[i].kind == ControlKind::Corrective {
                    if rule.unread.contains(Part::RemediationConfigs) {
                        unread.insert(at);
                    }
                    continue;
                }
                if rule.unread.contains(Part::Compliance) {
                    unread.insert(at);
                }
                if capped(rule) {
                    let bound = bounds.entry(at).or_default();
                    *bound = (*bound).max(rule.noncompliant.map_or(1, |n| n.count.max(1)));
                }
            }
        }
        // Failing resources by account and control, in one pass over each control's.
        let n = whole.controls.len();
        let mut by_account: HashMap<&str, Vec<u32>> = HashMap::new();
        let mut unremediated: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, c) in whole.controls.iter().enumerate() {
            for r in c.failing.keys() {
                by_account.entry(&*r.account).or_insert_with(|| vec![0; n])[i] += 1;
            }
            for rule in &c.unremediated {
                unremediated.entry(&*rule.account).or_insert_with(|| vec![0; n])[i] += 1;
            }
        }
        let mut rows: Vec<AccountRow> = self
            .scope()
            .accounts
            .into_iter()
            .map(|account| {
                let failing = by_account.get(account.as_str()).cloned().unwrap_or_else(|| vec![0; n]);
                let at_least: Vec<u32> =
                    (0..n).map(|i| bounds.get(&(account.as_str(), i)).copied().unwrap_or(0)).collect();
                let unremediated = unremediated.get(account.as_str()).cloned().unwrap_or_else(|| vec![0; n]);
                let unknown = (0..n)
                    .map(|i| {
                        failing[i] == 0
                            && at_least[i] == 0
                            && unremediated[i] == 0
                            && unread.contains(&(account.as_str(), i))
                    })
                    .collect();
                let findings = whole.by_account.get(account.as_str()).copied().unwrap_or_default();
                AccountRow { account, failing, at_least, unremediated, unknown, findings }
            })
            .collect();
        rows.sort_by(|a, b| {
            let key = |r: &AccountRow| {
                let count = |i: usize| r.failing[i].max(r.at_least[i]);
                ((0..r.failing.len()).filter(|i| r.fails(*i)).count(), (0..r.failing.len()).map(count).sum::<u32>())
            };
            key(b).cmp(&key(a)).then_with(|| a.account.cmp(&b.account))
        });
        rows
    }

    /// Whether the posture covers more than one account or region, or an aggregator says the
    /// caller sees others: [`Posture::scope`]'s `organization`, without building its lists (every
    /// frame asks).
    pub fn is_organization(&self) -> bool {
        let whole = self.whole();
        if whole.by_account.len() > 1 || whole.by_region.len() > 1 || self.aggregates() {
            return true;
        }
        // More than one distinct non-empty value, without collecting them.
        fn varies<'a>(values: impl Iterator<Item = &'a Sym>) -> bool {
            let mut values = values.filter(|v| !v.is_empty());
            let Some(first) = values.next() else { return false };
            values.any(|v| v != first)
        }
        let accounts = self.places.keys().map(|(a, _)| a).chain(whole.by_account.keys());
        let regions = self.places.keys().map(|(_, r)| r).chain(whole.by_region.keys());
        varies(accounts) || varies(regions)
    }

    /// ACTIVE findings counted by the account they are about.
    pub fn findings_by_account(&self) -> &BTreeMap<Sym, FindingTotals> {
        &self.view().by_account
    }

    /// ACTIVE findings counted by the region they are about.
    pub fn findings_by_region(&self) -> &BTreeMap<Sym, FindingTotals> {
        &self.view().by_region
    }

    pub fn guardrail(&self, name: &str) -> Option<&GuardrailResult> {
        self.guardrails.get(name)
    }

    /// Everything held about one resource.
    pub fn resource(&self, id: &ResourceId) -> Option<&ResourceEvidence> {
        self.view().resources.get(id)
    }

    pub fn resource_count(&self) -> usize {
        self.view().resources.len()
    }

    /// When a resource started failing under a control, as far as vigil knows (the earliest
    /// time its failing items give, or the data time vigil first held it failing); `None` when
    /// it does not fail there.
    pub fn failing_since(&self, control: usize, resource: &ResourceId) -> Option<Timestamp> {
        self.whole().since.get(control, resource)
    }

    /// When the control's longest failing resource in view started failing.
    pub fn control_failing_since(&self, control: usize) -> Option<Timestamp> {
        match &self.ledger.narrowed {
            None => self.ledger.since.of(control).min(),
            Some(_) => self.evidence(control).failing.keys().filter_map(|r| self.failing_since(control, r)).min(),
        }
    }

    /// The controls that count this resource as failing.
    pub fn controls_failing(&self, id: &ResourceId) -> Vec<usize> {
        (0..self.view().controls.len()).filter(|&i| self.view().controls[i].failing.contains_key(id)).collect()
    }

    /// The controls a rule is bound to, corrective ones first.
    pub fn controls_of_rule(&self, rule: &RuleKey) -> Vec<usize> {
        let mut out: Vec<usize> =
            (0..self.view().controls.len()).filter(|&i| self.view().controls[i].rules.contains(rule)).collect();
        out.sort_by_key(|&i| (self.catalog.controls[i].kind != ControlKind::Corrective, i));
        out
    }

    /// Whether no source has delivered any data yet.
    pub fn is_empty(&self) -> bool {
        self.sources.iter().all(|s| s.last_ok.is_none())
    }

    /// The controls of one pane, as catalog indexes.
    pub fn pane(&self, kind: ControlKind) -> Vec<usize> {
        self.catalog.of_kind(kind).map(|(i, _)| i).collect()
    }
}

impl Posture {
    /// A section of a lookup, if it was asked for.
    pub fn lookup(
        &self,
        subject: &crate::model::Subject,
        section: crate::model::Section,
    ) -> Option<&super::SectionState> {
        self.lookups.section(subject, section)
    }

    /// The writes made on `subject`, oldest first.
    pub fn writes_on<'a>(&'a self, subject: &crate::model::Subject) -> impl Iterator<Item = &'a super::WriteRecord> {
        self.lookups.writes_on(subject)
    }
}
