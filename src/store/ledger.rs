//! The incremental part of the store: what each evidence item adds to the controls it is bound
//! to. Every item is applied with sign +1 when it arrives and -1 when it leaves or is replaced,
//! so the aggregates are always exactly those of the items held.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::changes::Via;
use crate::catalog::Catalog;
use crate::model::{
    Alarm, AlarmKey, AlarmState, ConfigCompliance, ConfigRule, ControlKind, Evaluation, ExecutionState, Finding,
    FindingClass, FindingCompliance, GuardrailResult, MetricId, Part, RemediationConfig, RemediationExecution,
    ResourceId, RuleKey, Severity, Sym, Timestamp, WorkflowStatus,
};

/// The kind a failing guardrail test is counted under, among a control's failing resources.
pub const GUARDRAIL_TEST: &str = "vigil::GuardrailTest";

/// +1 when an item arrives, -1 when it leaves.
pub(crate) type Sign = i32;

/// What one control has collected from its evidence.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ControlEvidence {
    /// Distinct failing resources, each with the number of evidence items that say so.
    pub failing: BTreeMap<ResourceId, u32>,
    /// Evidence items that are partial or doubtful.
    pub warn: u32,
    /// Evidence items by the part of a poll that delivered them.
    pub evidence: [u32; Part::COUNT],
    /// Bound items whose data of a part could not be read (a rule whose compliance is unknown):
    /// the control's evidence is partial.
    pub unread: [u32; Part::COUNT],
    /// Lower bounds on the failing count from capped counts whose details are unread.
    pub lower_bounds: BTreeMap<u32, u32>,
    /// Open (NEW or NOTIFIED) activity findings by severity.
    pub activity: [u32; 5],
    /// Listed findings that are failing control findings (FAILED, not SUPPRESSED): with the
    /// open activity, what the findings list holds.
    pub failing_findings: u32,
    /// Bound alarms in ALARM.
    pub firing: u32,
    /// Non-compliant resources awaiting a corrective control's remediation.
    pub pending: u32,
    /// Findings listed under the control: failing control findings and open activity, most
    /// severe first.
    pub findings: BTreeSet<(Reverse<Severity>, Sym)>,
    /// The listed findings counted by severity and by workflow status (the detail's charts).
    pub listed_by_severity: [u32; Severity::ALL.len()],
    pub listed_by_workflow: [u32; WorkflowStatus::ALL.len()],
    /// Failing control findings that are SUPPRESSED: not counted, listed apart with why.
    pub suppressed: BTreeSet<(Reverse<Severity>, Sym)>,
    /// A corrective control's rules whose remediation configurations were read and hold none:
    /// a reason it fails, never counted as a failing resource (its due resources are).
    pub unremediated: BTreeSet<RuleKey>,
    /// Remediations queued or running, by rule and resource, with when they started.
    pub in_progress: BTreeMap<(RuleKey, ResourceId), Timestamp>,
    /// Resources a corrective control's rules find NON_COMPLIANT, by rule and resource, with
    /// the evaluation's time: due for remediation since then.
    pub due: BTreeMap<(RuleKey, ResourceId), Timestamp>,
    pub rules: BTreeSet<RuleKey>,
    pub alarms: BTreeSet<AlarmKey>,
    pub metrics: BTreeSet<MetricId>,
    pub remediations: BTreeSet<RuleKey>,
    pub guardrails: BTreeSet<Sym>,
}

impl ControlEvidence {
    pub fn evidence_total(&self) -> u32 {
        self.evidence.iter().sum()
    }

    pub fn lower_bound(&self) -> u32 {
        self.lower_bounds.keys().next_back().copied().unwrap_or(0)
    }

    /// Whether any evidence came from a part.
    pub fn has(&self, part: Part) -> bool {
        self.evidence[part.index()] > 0
    }
}

/// Every stored item's identity, by the resource it names, for drilling into one resource.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ResourceEvidence {
    /// Rules with an evaluation of this resource.
    pub evaluations: BTreeSet<RuleKey>,
    pub findings: SmallSet<Sym>,
    /// Rules with a remediation execution on this resource.
    pub executions: BTreeSet<RuleKey>,
}

impl ResourceEvidence {
    fn is_empty(&self) -> bool {
        self.evaluations.is_empty() && self.findings.is_empty() && self.executions.is_empty()
    }
}

/// A set kept as a sorted vector while it is small (most resources are named by one or two
/// findings: 16 bytes each, where a tree's first node takes some 200), as a tree once it is
/// large (an account named by a hundred thousand control findings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmallSet<T> {
    Few(Vec<T>),
    Many(BTreeSet<T>),
}

/// Past this many items a set is a tree.
const FEW: usize = 32;

impl<T> Default for SmallSet<T> {
    fn default() -> Self {
        SmallSet::Few(Vec::new())
    }
}

impl<T: Ord> SmallSet<T> {
    pub fn insert(&mut self, item: T) -> bool {
        match self {
            SmallSet::Many(set) => set.insert(item),
            SmallSet::Few(v) => match v.binary_search(&item) {
                Ok(_) => false,
                Err(_) if v.len() >= FEW => {
                    let mut set: BTreeSet<T> = std::mem::take(v).into_iter().collect();
                    set.insert(item);
                    *self = SmallSet::Many(set);
                    true
                }
                Err(at) => {
                    if v.capacity() == v.len() {
                        // Grow by a little, not by doubling: most sets stay at one or two items.
                        v.reserve_exact(v.len().clamp(1, 8));
                    }
                    v.insert(at, item);
                    true
                }
            },
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, item: &Q) -> bool
    where
        T: std::borrow::Borrow<Q>,
    {
        match self {
            SmallSet::Many(set) => {
                let removed = set.remove(item);
                if set.len() < FEW / 2 {
                    *self = SmallSet::Few(std::mem::take(set).into_iter().collect());
                }
                removed
            }
            SmallSet::Few(v) => match v.binary_search_by(|x| x.borrow().cmp(item)) {
                Ok(at) => {
                    v.remove(at);
                    if v.is_empty() {
                        *v = Vec::new();
                    }
                    true
                }
                Err(_) => false,
            },
        }
    }

    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: std::borrow::Borrow<Q>,
    {
        match self {
            SmallSet::Many(set) => set.contains(item),
            SmallSet::Few(v) => v.binary_search_by(|x| x.borrow().cmp(item)).is_ok(),
        }
    }
}

impl<T> SmallSet<T> {
    /// In order.
    pub fn iter(&self) -> SmallSetIter<'_, T> {
        match self {
            SmallSet::Few(v) => SmallSetIter::Few(v.iter()),
            SmallSet::Many(set) => SmallSetIter::Many(set.iter()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            SmallSet::Few(v) => v.len(),
            SmallSet::Many(set) => set.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub enum SmallSetIter<'a, T> {
    Few(std::slice::Iter<'a, T>),
    Many(std::collections::btree_set::Iter<'a, T>),
}

impl<'a, T> Iterator for SmallSetIter<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        match self {
            SmallSetIter::Few(i) => i.next(),
            SmallSetIter::Many(i) => i.next(),
        }
    }
}

impl<'a, T> IntoIterator for &'a SmallSet<T> {
    type Item = &'a T;
    type IntoIter = SmallSetIter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Counts over ACTIVE findings, as the report and header give them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FindingTotals {
    pub active: u64,
    /// ACTIVE findings still open (NEW or NOTIFIED), by severity index.
    pub open_by_severity: [u64; 5],
    /// ACTIVE findings by workflow status index.
    pub by_workflow: [u64; 4],
    /// ACTIVE findings still open that are activity (a detection, not a control's check: no
    /// compliance status), by severity index: what the header's incident flag counts.
    pub open_activity_by_severity: [u64; 5],
}

impl FindingTotals {
    /// Counts an ACTIVE finding in (`sign` +1) or out (-1).
    fn count(&mut self, f: &Finding, sign: Sign) {
        add64(&mut self.active, sign);
        add64(&mut self.by_workflow[f.workflow.index()], sign);
        if f.workflow.is_open() {
            add64(&mut self.open_by_severity[f.severity.index()], sign);
            if f.compliance.is_none() {
                add64(&mut self.open_activity_by_severity[f.severity.index()], sign);
            }
        }
    }
}

/// Which controls each kind of evidence is bound to.
#[derive(Debug, Default)]
pub struct Bindings {
    pub kinds: Vec<ControlKind>,
    by_id: HashMap<Sym, usize>,
    by_security_control: HashMap<String, Vec<usize>>,
    /// Product names as the catalog spells them, compared ignoring ASCII case.
    by_product: Vec<(String, Vec<usize>)>,
    by_class: Vec<(FindingClass, Vec<usize>)>,
    by_alarm: HashMap<String, Vec<usize>>,
    by_guardrail: HashMap<String, Vec<usize>>,
    /// Each described rule's controls, from the catalog and the rule's description.
    pub rules: HashMap<RuleKey, Vec<usize>>,
}

impl Bindings {
    pub fn new(catalog: &Catalog) -> Self {
        let mut b = Bindings { kinds: catalog.controls.iter().map(|c| c.kind).collect(), ..Default::default() };
        for (i, c) in catalog.controls.iter().enumerate() {
            b.by_id.insert(c.id.clone(), i);
            for id in &c.evidence.security_hub_controls {
                b.by_security_control.entry(id.clone()).or_default().push(i);
            }
            for p in &c.evidence.finding_products {
                match b.by_product.iter_mut().find(|(name, _)| name.eq_ignore_ascii_case(p)) {
                    Some((_, v)) => v.push(i),
                    None => b.by_product.push((p.clone(), vec![i])),
                }
            }
            for &class in &c.evidence.finding_classes {
                match b.by_class.iter_mut().find(|(k, _)| *k == class) {
                    Some((_, v)) => v.push(i),
                    None => b.by_class.push((class, vec![i])),
                }
            }
            for a in &c.evidence.alarms {
                b.by_alarm.entry(a.clone()).or_default().push(i);
            }
            for g in &c.evidence.guardrail_tests {
                b.by_guardrail.entry(g.clone()).or_default().push(i);
            }
        }
        b
    }

    pub fn control_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn rule(&self, key: &RuleKey) -> &[usize] {
        self.rules.get(key).map_or(&[], Vec::as_slice)
    }

    pub fn alarm(&self, name: &str) -> &[usize] {
        self.by_alarm.get(name).map_or(&[], Vec::as_slice)
    }

    fn guardrail(&self, g: &GuardrailResult) -> Vec<usize> {
        let mut v: Vec<usize> = self.by_guardrail.get(&*g.name).cloned().unwrap_or_default();
        if let Some(i) = g.control.as_deref().and_then(|c| self.control_index(c))
            && !v.contains(&i)
        {
            v.push(i);
        }
        v
    }

    /// The controls a finding is evidence for, and how: as a control finding (by security
    /// control id or by the Config rule it came from) or as activity (by product).
    fn finding(&self, f: &Finding) -> Vec<(usize, FindingRole)> {
        let mut out: Vec<(usize, FindingRole)> = Vec::new();
        let mut add = |i: usize, role: FindingRole| match out.iter_mut().find(|(j, _)| *j == i) {
            Some((_, r)) => *r = r.union(role),
            None => out.push((i, role)),
        };
        if let Some(cid) = f.control_id.as_deref() {
            for &i in self.by_security_control.get(cid).map_or(&[][..], Vec::as_slice) {
                add(i, FindingRole::CONTROL);
            }
        }
        if let Some(rule) = f.rule_key() {
            for &i in self.rule(&rule) {
                add(i, FindingRole::CONTROL);
            }
        }
        if let Some((_, v)) = self.by_product.iter().find(|(p, _)| p.eq_ignore_ascii_case(&f.product)) {
            for &i in v {
                add(i, FindingRole::ACTIVITY);
            }
        }
        if let Some((_, v)) = f.class.and_then(|c| self.by_class.iter().find(|(k, _)| *k == c)) {
            for &i in v {
                add(i, FindingRole::ACTIVITY);
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FindingRole {
    control: bool,
    activity: bool,
}

impl FindingRole {
    const CONTROL: Self = Self { control: true, activity: false };
    const ACTIVITY: Self = Self { control: false, activity: true };

    fn union(self, o: Self) -> Self {
        Self { control: self.control || o.control, activity: self.activity || o.activity }
    }
}

/// The accumulators, kept apart from the items so that an item can be read while they change.
/// One account, one region, or both: what the dashboard is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Within {
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Within {
    pub fn is_everything(&self) -> bool {
        self.account.is_none() && self.region.is_none()
    }

    /// Whether an item of this account and region is within.
    pub fn admits(&self, account: &str, region: &str) -> bool {
        self.account.as_deref().is_none_or(|a| a == account) && self.region.as_deref().is_none_or(|r| r == region)
    }
}

#[derive(Debug, Default)]
pub struct Ledger {
    pub controls: Vec<ControlEvidence>,
    pub resources: HashMap<ResourceId, ResourceEvidence>,
    pub totals: FindingTotals,
    /// The same counts for each account and each region the findings are about.
    pub by_account: BTreeMap<Sym, FindingTotals>,
    pub by_region: BTreeMap<Sym, FindingTotals>,
    /// NON_COMPLIANT evaluations held per rule: the exact count, where details were read.
    pub noncompliant_by_rule: HashMap<RuleKey, u32>,
    /// Alarms held in ALARM, bound to a control or not: live activity for the header.
    pub firing_alarms: u64,
    /// The same aggregates over one account or region only, kept as items come and go while
    /// the dashboard is narrowed to it.
    pub narrowed: Option<(Within, Box<Ledger>)>,
    /// Resources that started or stopped failing since the store last took them (the whole
    /// store's ledger only: `None` in a narrowed one).
    pub(crate) turned: Option<Vec<super::changes::Turned>>,
    /// When each control's failing resources started failing (the whole store's ledger only).
    pub(crate) since: Since,
}

/// When each control's failing resources started failing, as far as vigil knows: the earliest
/// time given by an item that made it fail (an evaluation's ResultRecordedTime, a finding's
/// FirstObservedAt, a failed remediation's invocation, a guardrail test's run) or the data time
/// of the event that first held it failing, whichever is earlier; kept for as long as it fails
/// without a break. Kept where `clock` is set (the whole store's ledger, not a narrowed one).
#[derive(Debug, Default)]
pub(crate) struct Since {
    /// The data time (`fetched_at`) of the event being applied.
    pub clock: Option<Timestamp>,
    /// Ordered maps, not hashed ones: comparing two resource ids is cheaper than hashing one.
    by_control: Vec<BTreeMap<ResourceId, Timestamp>>,
    /// Resources whose last failing item left while an event was applied: forgotten once it is
    /// ([`Ledger::settle`]) unless another came back (a replaced item goes out, then in).
    left: Vec<(usize, ResourceId)>,
}

impl Since {
    /// After a resource was counted in (+1) or out (-1) of `failing`, with the time its item
    /// says it failed at (`None`: it does not say).
    fn note(
        &mut self,
        control: usize,
        failing: &BTreeMap<ResourceId, u32>,
        resource: &ResourceId,
        at: Option<Timestamp>,
        sign: Sign,
    ) {
        let Some(clock) = self.clock else { return };
        if sign < 0 {
            if !failing.contains_key(resource) {
                self.left.push((control, resource.clone()));
            }
            return;
        }
        if self.by_control.len() <= control {
            self.by_control.resize_with(control + 1, BTreeMap::new);
        }
        let at = at.map_or(clock, |t| t.min(clock));
        let held = &mut self.by_control[control];
        match held.get_mut(resource) {
            Some(since) => *since = (*since).min(at),
            None => {
                held.insert(resource.clone(), at);
            }
        }
    }

    pub fn get(&self, control: usize, resource: &ResourceId) -> Option<Timestamp> {
        self.by_control.get(control)?.get(resource).copied()
    }

    /// Every failing resource's time under one control.
    pub fn of(&self, control: usize) -> impl Iterator<Item = Timestamp> + '_ {
        self.by_control.get(control).into_iter().flat_map(|m| m.values().copied())
    }
}

fn bump<K: Ord>(map: &mut BTreeMap<K, u32>, key: K, sign: Sign) {
    if sign > 0 {
        *map.entry(key).or_insert(0) += 1;
    } else if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    }
}

/// A resource counted in (+1) or out (-1) of a control's failing ones; where the ledger keeps
/// turns (the whole store's, not a narrowed one), a resource that starts or stops failing is
/// noted with the item that made it.
fn fail(
    acc: &mut ControlEvidence,
    turned: &mut Option<Vec<super::changes::Turned>>,
    control: usize,
    resource: &ResourceId,
    sign: Sign,
    via: impl FnOnce() -> super::changes::Via,
) {
    let before = acc.failing.contains_key(resource);
    bump(&mut acc.failing, resource.clone(), sign);
    let failing = acc.failing.contains_key(resource);
    if let Some(turned) = turned
        && before != failing
    {
        turned.push(super::changes::Turned { control, resource: resource.clone(), failing, via: via() });
    }
}

fn toggle<K: Ord>(set: &mut BTreeSet<K>, key: K, sign: Sign) {
    if sign > 0 {
        set.insert(key);
    } else {
        set.remove(&key);
    }
}

fn add(n: &mut u32, sign: Sign) {
    *n = n.wrapping_add_signed(sign);
}

fn add64(n: &mut u64, sign: Sign) {
    *n = n.wrapping_add_signed(sign as i64);
}

impl Ledger {
    pub fn new(controls: usize) -> Self {
        Ledger { controls: vec![ControlEvidence::default(); controls], ..Default::default() }
    }

    /// Forgets when the resources that no longer fail started failing: called once an event is
    /// applied, so that an item replaced (out, then in) keeps its resource's time.
    pub fn settle(&mut self) {
        for (i, r) in std::mem::take(&mut self.since.left) {
            if !self.controls[i].failing.contains_key(&r)
                && let Some(held) = self.since.by_control.get_mut(i)
            {
                held.remove(&r);
            }
        }
    }

    fn resource(&mut self, r: &ResourceId, sign: Sign, f: impl FnOnce(&mut ResourceEvidence)) {
        if sign > 0 {
            f(self.resources.entry(r.clone()).or_default());
        } else if let Some(entry) = self.resources.get_mut(r) {
            f(entry);
            if entry.is_empty() {
                self.resources.remove(r);
            }
        }
    }

    /// A rule itself: evidence that it is deployed (once its compliance, or for a corrective
    /// control its remediation configuration, has been read), doubt when its evaluations fail or
    /// its count is capped and unread, and for a corrective control a failure when no
    /// remediation is configured for it. What could not be read is counted as such, never as a
    /// failure.
    /// The narrowed ledger, when an item of `account` and `region` belongs in it.
    fn within(&mut self, account: &str, region: &str) -> Option<&mut Ledger> {
        match &mut self.narrowed {
            Some((n, inner)) if n.admits(account, region) => Some(inner),
            _ => None,
        }
    }

    /// The narrowed ledger, for items that belong to no one account (metrics, guardrail tests).
    fn inner(&mut self) -> Option<&mut Ledger> {
        self.narrowed.as_mut().map(|(_, inner)| &mut **inner)
    }

    pub fn rule(&mut self, b: &Bindings, rule: &ConfigRule, has_remediation: bool, sign: Sign) {
        if let Some(inner) = self.within(&rule.account, &rule.region) {
            inner.rule(b, rule, has_remediation, sign);
        }
        let key = rule.key();
        for &i in b.rule(&key) {
            let acc = &mut self.controls[i];
            toggle(&mut acc.rules, key.clone(), sign);
            if rule.evaluation_error.is_some() {
                add(&mut acc.warn, sign);
            }
            // Whether the rule's data of a part was read; if not, it is counted as unread.
            let was_read = |part: Part, acc: &mut ControlEvidence| {
                if rule.unread.contains(part) {
                    add(&mut acc.unread[part.index()], sign);
                    false
                } else {
                    true
                }
            };
            was_read(Part::EvaluationStatus, acc);
            if b.kinds[i] == ControlKind::Corrective {
                if was_read(Part::RemediationConfigs, acc) {
                    add(&mut acc.evidence[Part::RemediationConfigs.index()], sign);
                    if !has_remediation {
                        toggle(&mut acc.unremediated, key.clone(), sign);
                        // What it finds NON_COMPLIANT fails (nothing fixes it): where those
                        // were not all read, its count is a lower bound.
                        if rule.compliance == Some(ConfigCompliance::NonCompliant) && !rule.details_complete {
                            let bound = rule.noncompliant.map_or(1, |c| c.count.max(1));
                            bump(&mut acc.lower_bounds, bound, sign);
                        }
                    }
                }
                was_read(Part::RemediationExecutions, acc);
                // The resources due are what the rule finds NON_COMPLIANT: unread, they are
                // unknown, and so is whether anything is left unfixed.
                was_read(Part::Compliance, acc);
                was_read(Part::ComplianceDetails, acc);
            } else {
                if was_read(Part::Compliance, acc) {
                    add(&mut acc.evidence[Part::Compliance.index()], sign);
                }
                was_read(Part::ComplianceDetails, acc);
                if rule.compliance == Some(ConfigCompliance::NonCompliant) && !rule.details_complete {
                    let bound = rule.noncompliant.map_or(1, |c| c.count.max(1));
                    bump(&mut acc.lower_bounds, bound, sign);
                }
            }
        }
    }

    /// An evaluation of a rule; `unremediated`: the rule is known to have no remediation, so a
    /// resource it finds NON_COMPLIANT fails the corrective controls bound to it (nothing will
    /// fix it).
    pub fn evaluation(&mut self, b: &Bindings, e: &Evaluation, unremediated: bool, sign: Sign) {
        if let Some(inner) = self.within(&e.resource.account, &e.resource.region) {
            inner.evaluation(b, e, unremediated, sign);
        }
        if unremediated {
            self.unfixed(b, e, sign);
        }
        let key = e.rule_key();
        self.resource(&e.resource, sign, |r| toggle(&mut r.evaluations, key.clone(), sign));
        if e.compliance == ConfigCompliance::NonCompliant {
            let n = self.noncompliant_by_rule.entry(key.clone()).or_insert(0);
            add(n, sign);
            if *n == 0 {
                self.noncompliant_by_rule.remove(&key);
            }
        }
        for &i in b.rule(&key) {
            let acc = &mut self.controls[i];
            add(&mut acc.evidence[Part::ComplianceDetails.index()], sign);
            if e.compliance == ConfigCompliance::NonCompliant {
                if b.kinds[i] == ControlKind::Corrective {
                    add(&mut acc.pending, sign);
                    let key = (key.clone(), e.resource.clone());
                    if sign > 0 {
                        acc.due.insert(key, e.recorded_at);
                    } else {
                        acc.due.remove(&key);
                    }
                } else {
                    fail(acc, &mut self.turned, i, &e.resource, sign, || Via::Rule(key.name.clone()));
                    self.since.note(i, &acc.failing, &e.resource, Some(e.recorded_at), sign);
                }
            }
        }
    }

    /// An evaluation's part that depends on its rule having no remediation, when that changes.
    pub fn unremediated(&mut self, b: &Bindings, e: &Evaluation, sign: Sign) {
        if let Some(inner) = self.within(&e.resource.account, &e.resource.region) {
            inner.unremediated(b, e, sign);
        }
        self.unfixed(b, e, sign);
    }

    /// A NON_COMPLIANT resource of a rule without remediation: failing for the corrective
    /// controls bound to the rule (this ledger only, not the narrowed one).
    fn unfixed(&mut self, b: &Bindings, e: &Evaluation, sign: Sign) {
        if e.compliance != ConfigCompliance::NonCompliant {
            return;
        }
        for &i in b.rule(&e.rule_key()) {
            if b.kinds[i] == ControlKind::Corrective {
                let via = || Via::Rule(e.rule.clone());
                fail(&mut self.controls[i], &mut self.turned, i, &e.resource, sign, via);
                self.since.note(i, &self.controls[i].failing, &e.resource, Some(e.recorded_at), sign);
            }
        }
    }

    pub fn finding(&mut self, b: &Bindings, f: &Finding, sign: Sign) {
        if let Some(inner) = self.within(&f.account, &f.region) {
            inner.finding(b, f, sign);
        }
        if !f.is_active() {
            return;
        }
        self.totals.count(f, sign);
        for (map, key) in [(&mut self.by_account, &f.account), (&mut self.by_region, &f.region)] {
            // Looked up without a clone of the key: nearly every finding's account is held.
            match map.get_mut(key) {
                Some(totals) => {
                    totals.count(f, sign);
                    if totals.active == 0 {
                        map.remove(key);
                    }
                }
                None => map.entry(key.clone()).or_default().count(f, sign),
            }
        }
        for r in &f.resources {
            self.resource(r, sign, |e| {
                if sign > 0 {
                    e.findings.insert(f.id.clone());
                } else {
                    e.findings.remove(&f.id);
                }
            });
        }
        for (i, role) in b.finding(f) {
            let acc = &mut self.controls[i];
            add(&mut acc.evidence[Part::Findings.index()], sign);
            let mut listed = false;
            if role.control {
                match f.compliance {
                    Some(FindingCompliance::Failed) if f.workflow != WorkflowStatus::Suppressed => {
                        add(&mut acc.failing_findings, sign);
                        if b.kinds[i] == ControlKind::Corrective {
                            add(&mut acc.pending, sign);
                        } else {
                            let via = f.control_id.clone().unwrap_or_else(|| f.id.clone());
                            for r in &f.resources {
                                fail(acc, &mut self.turned, i, r, sign, || Via::Finding(via.clone()));
                                self.since.note(
                                    i,
                                    &acc.failing,
                                    r,
                                    f.first_observed.map(crate::model::Stamp::get),
                                    sign,
                                );
                            }
                        }
                        listed = true;
                    }
                    Some(FindingCompliance::Failed) => {
                        toggle(&mut acc.suppressed, (Reverse(f.severity), f.id.clone()), sign)
                    }
                    Some(FindingCompliance::Warning) => add(&mut acc.warn, sign),
                    _ => {}
                }
            }
            if role.activity && f.workflow.is_open() {
                add(&mut acc.activity[f.severity.index()], sign);
                listed = true;
            }
            if listed {
                toggle(&mut acc.findings, (Reverse(f.severity), f.id.clone()), sign);
                add(&mut acc.listed_by_severity[f.severity.index()], sign);
                add(&mut acc.listed_by_workflow[f.workflow.index()], sign);
            }
        }
    }

    pub fn alarm(&mut self, b: &Bindings, a: &Alarm, sign: Sign) {
        if let Some(inner) = self.within(&a.account, &a.region) {
            inner.alarm(b, a, sign);
        }
        if a.state == AlarmState::Alarm {
            add64(&mut self.firing_alarms, sign);
        }
        for &i in b.alarm(&a.name) {
            let acc = &mut self.controls[i];
            add(&mut acc.evidence[Part::Alarms.index()], sign);
            toggle(&mut acc.alarms, a.key(), sign);
            match a.state {
                AlarmState::Alarm => add(&mut acc.firing, sign),
                AlarmState::InsufficientData => add(&mut acc.warn, sign),
                AlarmState::Ok => {}
            }
        }
    }

    pub fn metric(&mut self, catalog: &Catalog, m: &MetricId, sign: Sign) {
        // A metric of no one account (the demo's) belongs to every narrowing.
        let inner = if m.account.is_empty() { self.inner() } else { self.within(&m.account, &m.region) };
        if let Some(inner) = inner {
            inner.metric(catalog, m, sign);
        }
        for (i, c) in catalog.controls.iter().enumerate() {
            if c.binds_metric(m) {
                let acc = &mut self.controls[i];
                add(&mut acc.evidence[Part::Metrics.index()], sign);
                toggle(&mut acc.metrics, m.clone(), sign);
            }
        }
    }

    pub fn remediation_config(&mut self, b: &Bindings, rc: &RemediationConfig, sign: Sign) {
        if let Some(inner) = self.within(&rc.account, &rc.region) {
            inner.remediation_config(b, rc, sign);
        }
        let key = rc.rule_key();
        for &i in b.rule(&key) {
            if b.kinds[i] == ControlKind::Corrective {
                let acc = &mut self.controls[i];
                add(&mut acc.evidence[Part::RemediationConfigs.index()], sign);
                toggle(&mut acc.remediations, key.clone(), sign);
            }
        }
    }

    pub fn execution(&mut self, b: &Bindings, x: &RemediationExecution, sign: Sign) {
        if let Some(inner) = self.within(&x.resource.account, &x.resource.region) {
            inner.execution(b, x, sign);
        }
        let key = x.rule_key();
        self.resource(&x.resource, sign, |r| toggle(&mut r.executions, key.clone(), sign));
        for &i in b.rule(&key) {
            if b.kinds[i] != ControlKind::Corrective {
                continue;
            }
            let acc = &mut self.controls[i];
            add(&mut acc.evidence[Part::RemediationExecutions.index()], sign);
            match x.state {
                ExecutionState::Failed => {
                    fail(acc, &mut self.turned, i, &x.resource, sign, || Via::Remediation(key.name.clone()));
                    self.since.note(i, &acc.failing, &x.resource, Some(x.invoked_at), sign);
                }
                ExecutionState::Queued | ExecutionState::InProgress => {
                    let key = (key.clone(), x.resource.clone());
                    if sign > 0 {
                        acc.in_progress.insert(key, x.invoked_at);
                    } else {
                        acc.in_progress.remove(&key);
                    }
                }
                ExecutionState::Succeeded | ExecutionState::Unknown => {}
            }
        }
    }

    pub fn guardrail(&mut self, b: &Bindings, g: &GuardrailResult, sign: Sign) {
        if let Some(inner) = self.inner() {
            inner.guardrail(b, g, sign);
        }
        for i in b.guardrail(g) {
            let acc = &mut self.controls[i];
            add(&mut acc.evidence[Part::GuardrailTests.index()], sign);
            toggle(&mut acc.guardrails, g.name.clone(), sign);
            if !g.passed() {
                let test = ResourceId {
                    kind: Sym::from(GUARDRAIL_TEST),
                    id: g.name.clone(),
                    account: Sym::from(""),
                    region: Sym::from(""),
                };
                fail(acc, &mut self.turned, i, &test, sign, || Via::Test(g.name.clone()));
                self.since.note(i, &acc.failing, &test, Some(g.evaluated_at), sign);
            }
        }
    }
}

#[cfg(test)]
mod small_set_tests {
    use super::SmallSet;

    #[test]
    fn a_small_set_is_a_set_small_or_large() {
        let mut s = SmallSet::default();
        let mut model = std::collections::BTreeSet::new();
        for k in (0..200u32).map(|k| (k * 37) % 101) {
            assert_eq!(s.insert(k), model.insert(k));
            assert_eq!(s.iter().copied().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
        }
        assert!(matches!(s, SmallSet::Many(_)));
        for k in (0..120u32).map(|k| (k * 13) % 101) {
            assert_eq!(s.remove(&k), model.remove(&k));
            assert_eq!(s.contains(&k), model.contains(&k));
            assert_eq!(s.len(), model.len());
        }
        assert!(matches!(s, SmallSet::Few(_)));
        assert_eq!(s.iter().copied().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
    }
}
