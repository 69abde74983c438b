//! The detail lists: one control's evidence, failing resources and findings; one resource's
//! every item. Long lists are read only for the rows on screen.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::filter::Filter;
pub use super::list::Target;
use super::list::{Seg, Window, compliance_level, heading, level_seg, render_rows, seg, short_type};
use super::text::{clean, truncate_end, truncate_start, width as cells};
use super::view::{Sort, window_start};
use crate::model::{
    AlarmState, ConfigCompliance, ControlKind, ExecutionState, Finding, Part, ResourceId, Severity, Status,
    StatusLevel, Sym, Timestamp,
};
use crate::store::{GUARDRAIL_TEST, Posture};
use crate::theme::{Theme, Token};

/// One control's detail, as a list of rows.
pub struct ControlDetail<'a> {
    posture: &'a Posture,
    index: usize,
    head: Vec<Vec<Seg>>,
    /// Head rows that lead somewhere (guardrail tests), by row.
    head_targets: Vec<(usize, Target)>,
    resources: usize,
    findings: usize,
    /// With a `/` filter or `:sort`: the failing resources and findings listed, in the list's
    /// order.
    kept: Option<Kept<'a>>,
    /// A `/` filter keeps part of the lists (the headings say `3 of 41`).
    filtered: bool,
    /// The lists' order (the headings say it where it is not the usual one).
    sort: Sort,
    /// `:severity`: findings below it are hidden (the list keeps its first `findings`, the most
    /// severe).
    min_severity: Option<Severity>,
    /// The failing count where it is a lower bound: the list holds the part that was read.
    at_least: Option<u32>,
    /// The time the rows are worded at (how long each resource has been failing).
    now: Timestamp,
}

/// What narrows a control's lists: the `/` filter and `:severity`; and `:sort`, their order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Narrow<'f> {
    pub filter: Option<&'f Filter>,
    pub min_severity: Option<Severity>,
    pub sort: Sort,
}

/// What a filter keeps of a control's lists, in the order `:sort` gives them.
struct Kept<'a> {
    resources: Vec<(&'a ResourceId, u32)>,
    findings: Vec<&'a Sym>,
}

/// Whether `/` keeps a failing resource: on its type and id.
pub(crate) fn resource_matches(filter: &Filter, r: &ResourceId) -> bool {
    filter.matches_fields([&*r.kind, &*r.id])
}

/// Whether `/` keeps a finding: on the severity and workflow its row shows, its title, id and
/// resources.
pub(crate) fn finding_matches(filter: &Filter, f: &Finding) -> bool {
    let words = [f.severity.as_str(), f.workflow.as_str(), &f.title, &f.id];
    filter.matches_fields(words.into_iter().chain(f.resources.iter().map(|r| &*r.id)))
}

/// How long a finding listed under a control has been there: since it was first observed, else
/// since its resource started failing there.
pub(crate) fn finding_since(posture: &Posture, control: usize, f: &Finding) -> Option<Timestamp> {
    f.first_observed
        .map(crate::model::Stamp::get)
        .or_else(|| f.resources.iter().filter_map(|r| posture.failing_since(control, r)).min())
}

/// An age for the lists' column, at `now` (`—`: not known).
pub(crate) fn age_cell(since: Option<Timestamp>, now: Timestamp) -> String {
    match since {
        Some(t) => {
            let d = now.duration_since(t);
            super::text::age(if d.is_negative() { std::time::Duration::ZERO } else { d.unsigned_abs() })
        }
        None => "—".to_string(),
    }
}

/// Sorts what is known first, the oldest first.
fn oldest_first(since: Option<Timestamp>) -> (bool, Option<Timestamp>) {
    (since.is_none(), since)
}

impl<'a> ControlDetail<'a> {
    /// `width` is the cells a row has, so that long names are cut where it matters least. The
    /// rows and their targets do not depend on the time; [`ControlDetail::at`] words them for
    /// a moment.
    pub fn new(posture: &'a Posture, index: usize, width: usize) -> Self {
        Self::at(posture, index, width, Timestamp::UNIX_EPOCH)
    }

    /// The detail as it reads at `now` (how long a resource has been due).
    pub fn at(posture: &'a Posture, index: usize, width: usize, now: Timestamp) -> Self {
        Self::filtered(posture, index, width, now, Narrow::default())
    }

    /// With the failing resources and findings a `/` filter keeps (matched on a resource's type
    /// and id; a finding's severity, workflow, title, id and resources), in the order `:sort`
    /// gives them. Without either, nothing is gathered: the lists are read for the rows on
    /// screen only. `:severity` keeps the most severe findings, which come first.
    pub fn filtered(posture: &'a Posture, index: usize, width: usize, now: Timestamp, narrow: Narrow) -> Self {
        let acc = posture.evidence(index);
        let (head, head_targets) = evidence_rows(posture, index, width, now);
        let severe_enough = |s: Severity| narrow.min_severity.is_none_or(|min| s >= min);
        let kept = (narrow.filter.is_some() || narrow.sort != Sort::Id).then(|| {
            let f = narrow.filter;
            let mut resources: Vec<(&ResourceId, u32)> = acc
                .failing
                .iter()
                .filter(|(r, _)| f.is_none_or(|f| resource_matches(f, r)))
                .map(|(r, n)| (r, *n))
                .collect();
            let mut findings: Vec<&Sym> = acc
                .findings
                .iter()
                .take_while(|(s, _)| severe_enough(s.0))
                .map(|(_, id)| id)
                .filter(|id| {
                    f.is_none_or(|f| match posture.finding(id) {
                        Some(x) => finding_matches(f, x),
                        None => f.matches(id),
                    })
                })
                .collect();
            match narrow.sort {
                Sort::Id => {}
                Sort::Count => resources.sort_by_key(|(_, n)| std::cmp::Reverse(*n)),
                Sort::Age => {
                    resources.sort_by_cached_key(|(r, _)| oldest_first(posture.failing_since(index, r)));
                    findings.sort_by_cached_key(|id| {
                        oldest_first(posture.finding(id).and_then(|f| finding_since(posture, index, f)))
                    });
                }
            }
            Kept { resources, findings }
        });
        let (resources, findings) = match &kept {
            Some(k) => (k.resources.len(), k.findings.len()),
            None if narrow.min_severity.is_some() => {
                (acc.failing.len(), acc.findings.iter().take_while(|(s, _)| severe_enough(s.0)).count())
            }
            None => (acc.failing.len(), acc.findings.len()),
        };
        let min_severity = narrow.min_severity;
        let at_least = posture.control_status(index, now).failing().filter(|f| f.at_least).map(|f| f.resources);
        let (filtered, sort) = (narrow.filter.is_some(), narrow.sort);
        ControlDetail {
            posture,
            index,
            head,
            head_targets,
            resources,
            findings,
            kept,
            filtered,
            sort,
            min_severity,
            at_least,
            now,
        }
    }

    /// `(3 of 41)` with a filter, `(41)` without; and the order, where `:sort` changed it.
    fn counted(&self, shown: usize, all: usize) -> String {
        let order = match self.sort {
            Sort::Id => "",
            Sort::Count => ", most items first",
            Sort::Age => ", longest failing first",
        };
        if self.filtered { format!("({shown} of {all}{order})") } else { format!("({shown}{order})") }
    }

    /// The findings heading's count: `(3 of 41, HIGH and above)` under `:severity`; what the
    /// list holds in words when it holds two kinds, so that each figure beside it is found in
    /// it (`(215: 171 open activity · 44 failing control findings)`).
    fn findings_counted(&self, all: usize) -> String {
        let acc = self.posture.evidence(self.index);
        let open: u32 = acc.activity.iter().sum();
        let kinds = match (open, acc.failing_findings) {
            (0, _) | (_, 0) => String::new(),
            (open, failing) => format!(": {open} open activity · {failing} failing control"),
        };
        // Under `:sort count` findings stay most severe first: they have no count.
        let order = if self.sort == Sort::Age { ", oldest first" } else { "" };
        match self.min_severity {
            Some(min) => format!("({} of {all}{kinds}, {} and above{order})", self.findings, min.as_str()),
            None if self.filtered => format!("({} of {all}{kinds}{order})", self.findings),
            None => format!("({}{kinds}{order})", self.findings),
        }
    }

    fn resources_start(&self) -> usize {
        self.head.len() + 1
    }

    fn findings_start(&self) -> usize {
        self.resources_start() + self.resources + 1
    }

    pub fn len(&self) -> usize {
        self.findings_start() + self.findings
    }

    /// Never: the list always has its section headings.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The first row Enter leads somewhere from: where the cursor starts.
    pub fn first_target(&self) -> usize {
        if self.resources > 0 {
            self.resources_start()
        } else if self.findings > 0 {
            self.findings_start()
        } else {
            self.head_targets.first().map_or(0, |(row, _)| *row)
        }
    }

    /// Where Enter on `row` leads: a failing resource, a finding, a guardrail test.
    pub fn target(&self, row: usize) -> Option<Target> {
        let acc = self.posture.evidence(self.index);
        if let Some((_, target)) = self.head_targets.iter().find(|(r, _)| *r == row) {
            return Some(target.clone());
        }
        if (self.resources_start()..self.resources_start() + self.resources).contains(&row) {
            let i = row - self.resources_start();
            let r = match &self.kept {
                Some(k) => k.resources.get(i)?.0,
                None => acc.failing.keys().nth(i)?,
            };
            if &*r.kind == GUARDRAIL_TEST {
                return Some(Target::Guardrail(r.id.clone()));
            }
            return Some(Target::Resource(r.clone()));
        }
        if (self.findings_start()..self.len()).contains(&row) {
            let i = row - self.findings_start();
            let id = match &self.kept {
                Some(k) => *k.findings.get(i)?,
                None => &acc.findings.iter().nth(i)?.1,
            };
            return Some(Target::Finding(id.clone()));
        }
        None
    }

    /// Row `row` as it reads at `width` cells (uncut where `width` is large enough).
    pub fn row(&self, row: usize, width: usize) -> Option<Vec<Seg>> {
        self.rows(row, 1, width).pop()
    }

    /// The rows from `start`, at most `count`, `width` cells wide.
    fn rows(&self, start: usize, count: usize, width: usize) -> Vec<Vec<Seg>> {
        let acc = self.posture.evidence(self.index);
        // Many accounts or regions: each row says where it is.
        let org = self.posture.is_organization();
        let mut out = Vec::with_capacity(count);
        let end = (start + count).min(self.len());
        let mut row = start;
        while row < end {
            if row < self.head.len() {
                out.push(self.head[row].clone());
                row += 1;
            } else if row == self.head.len() {
                let missing = self.posture.missing_alarms(self.index).len();
                let counted = self.counted(self.resources, acc.failing.len());
                // A capped count: the list is the part read, the status the bound.
                let bound = self.at_least.map_or(String::new(), |n| format!(" of at least {n}"));
                let alarms = if missing == 1 { "alarm" } else { "alarms" };
                let mut text = match (self.resources, missing) {
                    (0, 0) if !self.filtered && self.at_least.is_none() => "Failing resources: none".to_string(),
                    (_, 0) => format!("Failing resources {counted}{bound}"),
                    (_, m) => format!("Failing resources {counted}{bound}, and {m} missing {alarms}"),
                };
                // A reason beside the resources, never counted among them.
                match acc.unremediated.len() {
                    0 => {}
                    1 => text.push_str(" · 1 rule has no remediation configured"),
                    n => text.push_str(&format!(" · {n} rules have no remediation configured")),
                }
                out.push(heading(text));
                row += 1;
            } else if row < self.findings_start() - 1 {
                let skip = row - self.resources_start();
                let take = (end - row).min(self.resources - skip);
                let listed: Box<dyn Iterator<Item = (&ResourceId, u32)>> = match &self.kept {
                    Some(k) => Box::new(k.resources.iter().copied()),
                    None => Box::new(acc.failing.iter().map(|(r, n)| (r, *n))),
                };
                for (r, n) in listed.skip(skip).take(take) {
                    // How long it has been failing here: only the rows on screen are asked.
                    let age = age_cell(self.posture.failing_since(self.index, r), self.now);
                    let items = if n > 1 { format!("  ({n} items)") } else { String::new() };
                    out.push(resource_row(r, false, &age, &items, width, org));
                }
                row += take;
            } else if row == self.findings_start() - 1 {
                let text = if self.findings == 0 && !self.filtered && self.min_severity.is_none() {
                    "Findings: none".to_string()
                } else {
                    format!("Findings {}", self.findings_counted(acc.findings.len()))
                };
                out.push(heading(text));
                row += 1;
            } else {
                let skip = row - self.findings_start();
                let take = end - row;
                let ids: Box<dyn Iterator<Item = &Sym>> = match &self.kept {
                    Some(k) => Box::new(k.findings.iter().copied()),
                    None => Box::new(acc.findings.iter().map(|(_, id)| id)),
                };
                for id in ids.skip(skip).take(take) {
                    match self.posture.finding(id) {
                        Some(f) => {
                            let age = age_cell(finding_since(self.posture, self.index, f), self.now);
                            out.push(finding_row(self.posture, f, &age, "", width, org))
                        }
                        None => out.push(vec![seg(Token::Muted, format!("  {}", clean(id)))]),
                    }
                }
                row += take;
            }
        }
        out
    }

    /// The box's title in `width` cells: the control's id and status whole, its title cut first.
    pub fn title(&self, now: Timestamp, width: usize) -> Vec<Seg> {
        let control = self.posture.control(self.index);
        let status: Status = self.posture.control_status(self.index, now);
        let id = format!(" {} ", clean(&control.id));
        let status = (Token::for_status(status.level()), format!("{} {} ", status.level().symbol(), status.describe()));
        let room = width.saturating_sub(2 + cells(&id) + cells(&status.1) + 1);
        vec![
            seg(Token::Title, id),
            seg(Token::Text, format!("{} ", truncate_end(&clean(&control.title), room))),
            status,
        ]
    }
}

/// ` · 111122223333 eu-west-1`: where an item is, in an organisation.
fn place(account: &str, region: &str) -> String {
    format!(" · {} {}", clean(account), clean(region))
}

/// The age column: six cells, then two.
const AGE: usize = 8;

/// A failing resource's row: how long it has failed (`age`), its type and id (its short name
/// where `short`), where it is (in an organisation) and `tail` (`  (2 items)`, the controls it
/// fails under).
pub(crate) fn resource_row(r: &ResourceId, short: bool, age: &str, tail: &str, width: usize, org: bool) -> Vec<Seg> {
    let kind = short_type(&r.kind);
    let mut suffix = tail.to_string();
    // Most ARNs say their account and region; a bare id, or an S3 bucket's ARN
    // (`arn:aws:s3:::name`), does not.
    let says_place = !short && r.is_arn() && r.id.split(':').skip(3).take(2).all(|f| !f.is_empty());
    if org && !says_place && !r.account.is_empty() {
        suffix.insert_str(0, &place(&r.account, &r.region));
    }
    // A short name on a narrow screen: the type gives it room.
    let kind_width = if short && width < 100 { 17 } else { 22 };
    let room = width.saturating_sub(4 + AGE + kind_width + super::text::width(&suffix));
    let id = if short { r.short_name() } else { &r.id };
    vec![
        level_seg(StatusLevel::Fail),
        seg(Token::Muted, format!("{age:>6}  ")),
        seg(Token::Muted, format!("{:<kind_width$}", truncate_end(&clean(kind), kind_width - 1))),
        seg(Token::Text, truncate_start(&clean(id), room).into_owned()),
        seg(Token::Muted, suffix),
    ]
}

/// A finding's row: its age, severity, workflow (and why, where an automation rule or a person
/// set it), title, resource and `tail`.
pub(crate) fn finding_row(posture: &Posture, f: &Finding, age: &str, tail: &str, width: usize, org: bool) -> Vec<Seg> {
    let resource = f.resources.first().map(|r| clean(r.short_name()).into_owned()).unwrap_or_default();
    // The title says what happened: on a narrow list the resource gives way first.
    let mut resource = truncate_start(&resource, 28.min(width / 4).max(8)).into_owned();
    if org {
        resource.push_str(&place(&f.account, &f.region));
    }
    resource.push_str(tail);
    let why = posture.workflow_reason(f).and_then(|w| w.short(f.workflow)).map(|w| format!("{} · ", clean(&w)));
    let why_width = why.as_deref().map_or(0, super::text::width);
    let room = width.saturating_sub(2 + AGE + 14 + 11 + why_width + super::text::width(&resource) + 2);
    let mut row = vec![
        seg(Token::Muted, format!("  {age:>6}  ")),
        seg(Token::for_severity(f.severity), format!("{:<14}", f.severity.as_str())),
        seg(Token::Muted, format!("{:<11}", f.workflow.as_str())),
    ];
    row.extend(why.map(|w| seg(Token::Muted, w)));
    row.push(seg(Token::Text, truncate_end(&clean(&f.title), room).into_owned()));
    row.push(seg(Token::Muted, format!("  {resource}")));
    row
}

/// A control's evidence rows as they are built, one kind of evidence at a time, with the rows
/// Enter leads from.
struct Evidence<'a> {
    posture: &'a Posture,
    index: usize,
    width: usize,
    now: Timestamp,
    rows: Vec<Vec<Seg>>,
    targets: Vec<(usize, Target)>,
}

impl<'a> Evidence<'a> {
    fn control(&self) -> &'a crate::catalog::Control {
        self.posture.control(self.index)
    }

    fn acc(&self) -> &'a crate::store::ControlEvidence {
        self.posture.evidence(self.index)
    }
}

/// The evidence section of a control: every binding with what is held for it.
fn evidence_rows(
    posture: &Posture,
    index: usize,
    width: usize,
    now: Timestamp,
) -> (Vec<Vec<Seg>>, Vec<(usize, Target)>) {
    let mut e = Evidence { posture, index, width, now, rows: Vec::new(), targets: Vec::new() };
    let control = e.control();
    if !control.description.is_empty() {
        e.rows.push(vec![seg(Token::Muted, clean(&control.description).into_owned())]);
    }
    e.rows.push(heading("Evidence".into()));
    unread_rows(&mut e);
    rule_rows(&mut e);
    due_rows(&mut e);
    security_hub_rows(&mut e);
    alarm_rows(&mut e);
    metric_rows(&mut e);
    guardrail_rows(&mut e);
    (e.rows, e.targets)
}

/// Why a part of the control's rules was not read, where no call of the part itself failed:
/// in an organisation, each other account's rules say so by account (the member role that
/// could not be assumed, or that none was given), and details postponed by the aggregated
/// poll's budget name the aggregate call.
fn unread_why(posture: &Posture, index: usize, part: Part) -> Vec<String> {
    let generic = || vec![format!("{} not read ({})", part.what(), part.call())];
    if !posture.is_organization() {
        return generic();
    }
    if part == Part::ComplianceDetails && posture.config_aggregators().is_some_and(|a| !a.is_empty()) {
        let call = "config:GetAggregateComplianceDetailsByConfigRule";
        return vec![format!("{} not read yet ({call}: a share of the rules each poll)", part.what())];
    }
    if !matches!(part, Part::RemediationConfigs | Part::RemediationExecutions) {
        return generic();
    }
    let mut by_why: std::collections::BTreeMap<String, std::collections::BTreeSet<&str>> = Default::default();
    let places = &posture.source(crate::model::SourceKind::Config).places;
    for key in posture.evidence(index).rules.iter() {
        let Some(rule) = posture.rule(key) else { continue };
        if !rule.unread.contains(part) {
            continue;
        }
        let failed = places
            .get(&(key.account.to_string(), key.region.to_string()))
            .filter(|p| p.failing)
            .and_then(|p| p.last_error.as_ref());
        let why = match failed {
            Some((_, e)) => e.to_string(),
            None if places.is_empty() => "other accounts are read through a member role (--member-role NAME)".into(),
            None => format!("not read yet ({})", part.call()),
        };
        by_why.entry(why).or_default().insert(&key.account);
    }
    if by_why.is_empty() {
        return generic();
    }
    by_why
        .into_iter()
        .map(|(why, accounts)| {
            let accounts: Vec<&str> = accounts.into_iter().collect();
            format!("{} not read in {}: {why}", part.what(), accounts.join(", "))
        })
        .collect()
}

/// What could not be read, first: it is why a count is a lower bound or a PASS a WARN.
fn unread_rows(e: &mut Evidence) {
    let (posture, index, width) = (e.posture, e.index, e.width);
    let rows = &mut e.rows;
    let room = width.saturating_sub(2);
    for (part, error) in posture.unread_parts(index) {
        let texts = match error {
            Some(e) => vec![format!("{} not read: {e}", part.what())],
            None => unread_why(posture, index, part),
        };
        for text in texts {
            rows.push(vec![
                level_seg(StatusLevel::Unknown),
                seg(Token::Warn, truncate_end(&clean(&text), room).into_owned()),
            ]);
        }
    }
    for (part, error, last) in posture.failing_parts(index) {
        let text = format!("{} last read {}, since then: {error}", part.what(), last.strftime("%H:%M:%S"));
        rows.push(vec![
            level_seg(StatusLevel::Stale),
            seg(Token::Warn, truncate_end(&clean(&text), room).into_owned()),
        ]);
    }
}

/// Each Config rule the control binds, with its compliance, count, evaluation errors and (for a
/// corrective control) its remediation.
fn rule_rows(e: &mut Evidence) {
    let (posture, width, control, acc) = (e.posture, e.width, e.control(), e.acc());
    let rows = &mut e.rows;
    undeployed_rows(posture, &control.evidence.config_rules, &acc.rules, rows);
    // Many accounts or regions: the same rule name is in many; each row says where.
    let org = posture.is_organization();
    for name in &acc.rules {
        let Some(rule) = posture.rule(name) else { continue };
        rows.push(rule_row(posture, name, rule, org, width));
        if let Some(err) = &rule.evaluation_error {
            rows.push(vec![
                seg(Token::Text, "    "),
                level_seg(StatusLevel::Warn),
                seg(Token::Warn, format!("evaluations fail: {}", clean(err))),
            ]);
        }
        if control.kind == ControlKind::Corrective {
            remediation_rows(posture, name, rule, rows);
        }
    }
}

/// The catalog's Config rules the account has not deployed (or not said yet).
fn undeployed_rows(
    posture: &Posture,
    sources: &[String],
    rules: &std::collections::BTreeSet<crate::model::RuleKey>,
    rows: &mut Vec<Vec<Seg>>,
) {
    let config_answered = posture.part(Part::ConfigRules).last_ok.is_some();
    for source in sources {
        let deployed = rules
            .iter()
            .any(|r| posture.rule(r).and_then(|r| r.managed_identifier()).as_deref() == Some(source.as_str()));
        if !deployed {
            let what = if config_answered { "not deployed" } else { "no data yet" };
            rows.push(vec![
                level_seg(StatusLevel::Unknown),
                seg(Token::Muted, clean(&format!("Config rule {source}: {what}")).into_owned()),
            ]);
        }
    }
}

/// One rule: its name (cut at its start before what follows it is), where it is, its compliance
/// and its count.
fn rule_row(
    posture: &Posture,
    name: &crate::model::RuleKey,
    rule: &crate::model::ConfigRule,
    org: bool,
    width: usize,
) -> Vec<Seg> {
    // Room for a rule name beside its symbol, label and compliance count.
    let name_room = width.saturating_sub(36).max(16);
    let mut tail = Vec::new();
    if org {
        tail.push(seg(Token::Muted, place(&rule.account, &rule.region)));
    }
    if let Some(c) = rule.compliance {
        tail.push(seg(Token::Muted, format!("  {c}")));
    } else if rule.unread.contains(Part::Compliance) {
        tail.push(seg(Token::Muted, "  compliance not read"));
    }
    if rule.compliance == Some(ConfigCompliance::NonCompliant) {
        let count = if rule.details_complete {
            posture.rule_noncompliant(name).to_string()
        } else {
            match rule.noncompliant {
                Some(c) if c.cap_exceeded => format!("{}+", c.count),
                Some(c) if rule.unread.contains(Part::ComplianceDetails) => {
                    format!("{}+ (details not read)", c.count)
                }
                Some(c) => format!("{}+ (details not read yet)", c.count),
                None => "count not read yet".to_string(),
            }
        };
        tail.push(seg(Token::Fail, format!(" {count}")));
    }
    let tail_width: usize = tail.iter().map(|(_, t)| cells(t)).sum();
    let room = name_room.min(width.saturating_sub(2 + "Config rule ".len() + tail_width)).max(16);
    let mut row = vec![
        level_seg(compliance_level(rule.compliance)),
        seg(Token::Text, format!("Config rule {}", truncate_start(&clean(&name.name), room))),
    ];
    row.extend(tail);
    row
}

/// A corrective control's rule: its remediation (or that none is configured) and its executions.
fn remediation_rows(
    posture: &Posture,
    name: &crate::model::RuleKey,
    rule: &crate::model::ConfigRule,
    rows: &mut Vec<Vec<Seg>>,
) {
    match posture.remediation_config(name) {
        None if rule.unread.contains(Part::RemediationConfigs) => rows.push(vec![
            seg(Token::Text, "    "),
            level_seg(StatusLevel::Unknown),
            seg(Token::Muted, "remediation configuration not read"),
        ]),
        Some(rc) => {
            let how = if rc.automatic { "automatic" } else { "manual" };
            // The remediation's mark says how it is doing, never ✔ beside a failure.
            let executions = posture.executions_of(name);
            let (level, note) = if executions.iter().any(|x| x.state == ExecutionState::Failed) {
                (StatusLevel::Fail, " · an execution FAILED")
            } else if executions.iter().any(|x| matches!(x.state, ExecutionState::Queued | ExecutionState::InProgress))
            {
                (StatusLevel::Warn, " · running")
            } else {
                (StatusLevel::Pass, "")
            };
            rows.push(vec![
                seg(Token::Text, "    "),
                level_seg(level),
                // What it does first: the document's name is long and is cut first.
                seg(Token::Text, format!("remediation ({how}{note}) {}", clean(&rc.target))),
            ]);
        }
        None => rows.push(vec![
            seg(Token::Text, "    "),
            level_seg(StatusLevel::Fail),
            seg(Token::Fail, "no remediation configured"),
        ]),
    }
    let executions = posture.executions_of(name);
    if !executions.is_empty() {
        let mut parts = Vec::new();
        for state in ExecutionState::ALL {
            let n = executions.iter().filter(|x| x.state == *state).count();
            if n > 0 {
                parts.push(format!("{n} {state}"));
            }
        }
        rows.push(vec![seg(Token::Muted, format!("      executions: {}", parts.join(" · ")))]);
    }
}

/// A corrective control's due resources, each named with what is (or is not) fixing it.
fn due_rows(e: &mut Evidence) {
    let (posture, index, width, now, control, acc) = (e.posture, e.index, e.width, e.now, e.control(), e.acc());
    let (rows, targets) = (&mut e.rows, &mut e.targets);
    if control.kind == ControlKind::Corrective && !acc.due.is_empty() {
        // Every due resource by name, with what is (or is not) fixing it.
        rows.push(heading(format!("Due for remediation ({})", acc.due.len())));
        let overdue = posture.overdue(index, now);
        let org = posture.is_organization();
        for (rule, resource) in acc.due.keys() {
            let execution = posture.execution(rule, resource);
            let (level, why) = match overdue.iter().find(|(r, x, _)| *r == resource && *x == rule) {
                Some((_, _, reason)) => (StatusLevel::Warn, reason.clone()),
                None => match execution.map(|x| x.state) {
                    Some(ExecutionState::Failed) => (StatusLevel::Fail, "remediation FAILED".to_string()),
                    Some(ExecutionState::Queued | ExecutionState::InProgress) => {
                        (StatusLevel::Warn, "remediation running".to_string())
                    }
                    _ if posture.remediation_config(rule).is_none() => {
                        (StatusLevel::Fail, "no remediation configured".to_string())
                    }
                    _ => (StatusLevel::Pass, "automatic remediation within its retry window".to_string()),
                },
            };
            targets.push((rows.len(), Target::Resource(resource.clone())));
            // A short name does not say where it is: in an organisation, the place does.
            let at = if org { place(&resource.account, &resource.region) } else { String::new() };
            let room = width.saturating_sub(8 + 22 + super::text::width(&why) + super::text::width(&at));
            rows.push(vec![
                seg(Token::Text, "  "),
                level_seg(level),
                seg(Token::Muted, format!("{:<22}", truncate_end(&clean(short_type(&resource.kind)), 21))),
                seg(Token::Text, truncate_start(&clean(resource.short_name()), room.max(12)).into_owned()),
                seg(Token::Muted, at),
                seg(Token::for_status(level), format!("  {why}")),
            ]);
        }
    }
}

/// Suppressed findings shown under a control at most; the search finds the others.
const SUPPRESSED_SHOWN: usize = 5;

/// The control's failing findings that are SUPPRESSED (not counted), the most severe first, each
/// with why: the automation rule that matches it, or by hand.
fn suppressed_rows(
    posture: &Posture,
    acc: &crate::store::ControlEvidence,
    (width, now): (usize, Timestamp),
    rows: &mut Vec<Vec<Seg>>,
    targets: &mut Vec<(usize, Target)>,
) {
    if acc.suppressed.is_empty() {
        return;
    }
    let n = acc.suppressed.len();
    rows.push(vec![seg(Token::Muted, format!("  {} suppressed, not counted:", crate::text::thousands(n as u64)))]);
    let org = posture.is_organization();
    for (_, id) in acc.suppressed.iter().take(SUPPRESSED_SHOWN) {
        let Some(f) = posture.finding(id) else { continue };
        targets.push((rows.len(), Target::Finding(id.clone())));
        // Its age since it last changed (when it went quiet, or after).
        rows.push(finding_row(posture, f, &age_cell(Some(f.updated_at.get()), now), "", width, org));
    }
    if n > SUPPRESSED_SHOWN {
        let more = crate::text::thousands((n - SUPPRESSED_SHOWN) as u64);
        rows.push(vec![seg(Token::Muted, format!("  … {more} more (/ SUPPRESSED finds them)"))]);
    }
}

/// The Security Hub controls and finding products bound, with their open findings.
fn security_hub_rows(e: &mut Evidence) {
    let (control, acc) = (e.control(), e.acc());
    let b = &control.evidence;
    let rows = &mut e.rows;
    if !b.security_hub_controls.is_empty() {
        let mut row = vec![
            seg(Token::Muted, "● "),
            seg(
                Token::Text,
                clean(&format!("Security Hub controls {}", b.security_hub_controls.join(", "))).into_owned(),
            ),
        ];
        if acc.failing_findings > 0 {
            let n = acc.failing_findings as usize;
            row.push(seg(Token::Fail, format!(": {}", crate::text::counted(n, "failing finding", "failing findings"))));
        } else if let Some(counts) = e.posture.hub_counts() {
            // Before the findings are read whole: the new Security Hub's count of them.
            let n: u64 = counts
                .failing_by_control
                .iter()
                .filter(|(c, _)| b.security_hub_controls.iter().any(|s| s == c))
                .map(|(_, n)| n)
                .sum();
            if n > 0 {
                let counted = crate::text::counted(n as usize, "failing finding", "failing findings");
                row.push(seg(Token::Fail, format!(": {counted}")));
                row.push(seg(Token::Muted, " (counted by Security Hub; the findings are loading)"));
            }
        }
        rows.push(row);
        suppressed_rows(e.posture, acc, (e.width, e.now), rows, &mut e.targets);
    }
    if !b.finding_products.is_empty() || !b.finding_classes.is_empty() {
        // One line for the products and classes together: the counts are the control's.
        let named: Vec<String> =
            b.finding_products.iter().cloned().chain(b.finding_classes.iter().map(|c| c.to_string())).collect();
        let products = clean(&named.join(", ")).into_owned();
        let mut row = vec![seg(Token::Muted, "● "), seg(Token::Text, format!("{products} findings:"))];
        let open: u32 = acc.activity.iter().sum();
        if open == 0 {
            row.push(seg(Token::Muted, " none open"));
        } else {
            row.push(seg(Token::Text, format!(" {open} open")));
            let mut first = true;
            for s in Severity::DESCENDING {
                let n = acc.activity[s.index()];
                if n > 0 {
                    row.push(seg(Token::Muted, if first { " (" } else { " · " }));
                    row.push(seg(Token::for_severity(s), format!("{n} {s}")));
                    first = false;
                }
            }
            row.push(seg(Token::Muted, ")"));
        }
        rows.push(row);
    }
}

/// Each CloudWatch alarm bound: a firing alarm is a working detection, a missing one fails.
fn alarm_rows(e: &mut Evidence) {
    let (posture, control) = (e.posture, e.control());
    let b = &control.evidence;
    let rows = &mut e.rows;
    let cloudwatch_answered = posture.part(Part::Alarms).last_ok.is_some();
    let alarms_unread = posture.part(Part::Alarms).unread();
    // Many accounts or regions: an alarm of the same name in each says where it is.
    let org = posture.is_organization();
    for name in &b.alarms {
        let held: Vec<_> = posture.alarms_named(name).collect();
        for a in &held {
            // A firing alarm is a working detection: activity, not a failure.
            let (symbol, token) = match a.state {
                AlarmState::Ok => (level_seg(StatusLevel::Pass), Token::Pass),
                AlarmState::Alarm => (seg(Token::High, "● "), Token::High),
                AlarmState::InsufficientData => (level_seg(StatusLevel::Warn), Token::Warn),
            };
            let state = if a.state == AlarmState::Alarm { "ALARM (firing)".to_string() } else { a.state.to_string() };
            let mut row = vec![symbol, seg(Token::Text, format!("alarm {}", clean(name)))];
            if org {
                row.push(seg(Token::Muted, place(&a.account, &a.region)));
            }
            row.extend([
                seg(Token::Text, "  "),
                seg(token, state),
                seg(Token::Muted, format!("  {}", clean(&a.reason))),
            ]);
            rows.push(row);
        }
        if !held.is_empty() {
            continue;
        }
        rows.push(if cloudwatch_answered {
            vec![
                level_seg(StatusLevel::Fail),
                seg(Token::Fail, clean(&format!("alarm {name}: missing (no detection)")).into_owned()),
            ]
        } else {
            let why = if alarms_unread { "not read" } else { "no data yet" };
            vec![
                level_seg(StatusLevel::Unknown),
                seg(Token::Muted, clean(&format!("alarm {name}: {why}")).into_owned()),
            ]
        });
    }
}

/// Each metric bound, with a sparkline of its points.
fn metric_rows(e: &mut Evidence) {
    let (posture, control) = (e.posture, e.control());
    let b = &control.evidence;
    let rows = &mut e.rows;
    for (ns, name) in &b.metrics {
        match posture.control_metric(e.index, ns, name) {
            Some(metric) => {
                let points = &metric.points;
                let total: f64 = points.iter().map(|(_, v)| v).sum();
                let over = match metric.places {
                    1 => String::new(),
                    n => format!(", summed over {n} accounts and regions"),
                };
                rows.push(vec![
                    seg(Token::Muted, "● "),
                    seg(Token::Text, clean(&format!("metric {ns}/{name}  ")).into_owned()),
                    seg(Token::High, super::text::sparkline(points.iter().map(|(_, v)| v), 24)),
                    seg(Token::Muted, format!("  {total} in {} points{over}", points.len())),
                ]);
            }
            None => rows.push(vec![
                level_seg(StatusLevel::Unknown),
                seg(Token::Muted, clean(&format!("metric {ns}/{name}: no data yet")).into_owned()),
            ]),
        }
    }
}

/// Each guardrail test bound, with its decision; Enter explains it.
fn guardrail_rows(e: &mut Evidence) {
    let (posture, control, acc) = (e.posture, e.control(), e.acc());
    let b = &control.evidence;
    let (rows, targets) = (&mut e.rows, &mut e.targets);
    if !b.guardrail_tests.is_empty() && !posture.source(crate::model::SourceKind::Guardrails).registered {
        // No tests were named, so none will run: say how to add them, not "not run".
        rows.push(vec![
            level_seg(StatusLevel::Unknown),
            seg(
                Token::Warn,
                format!(
                    "{} guardrail tests bound, none run: name a tests file ([guardrails] tests = FILE in the config file, or --guardrail-tests FILE)",
                    b.guardrail_tests.len()
                ),
            ),
        ]);
        return;
    }
    for test in &b.guardrail_tests {
        if !acc.guardrails.contains(test.as_str()) {
            rows.push(vec![
                level_seg(StatusLevel::Unknown),
                seg(Token::Muted, clean(&format!("guardrail test {test}: not run")).into_owned()),
            ]);
        }
    }
    for name in &acc.guardrails {
        if let Some(g) = posture.guardrail(name) {
            targets.push((rows.len(), Target::Guardrail(name.clone())));
            let level = if g.passed() { StatusLevel::Pass } else { StatusLevel::Fail };
            rows.push(vec![
                level_seg(level),
                seg(
                    Token::Text,
                    format!("guardrail test {}: expected {}, got {}  (Enter: why)", clean(name), g.expected, g.actual),
                ),
            ]);
        }
    }
}

/// The selected control's detail, with a cursor when drilled in.
#[allow(clippy::too_many_arguments)]
pub fn render_control(
    frame: &mut Frame,
    area: Rect,
    posture: &Posture,
    index: usize,
    cursor: Option<usize>,
    narrow: Narrow,
    theme: &Theme,
    now: Timestamp,
) {
    // The pictures (metric, findings) take their part first; the list keeps the rest.
    let area = super::charts::render_beside(frame, area, posture, index, theme);
    let inner_width = area.width.saturating_sub(2) as usize;
    let detail = ControlDetail::filtered(posture, index, inner_width, now, narrow);
    let height = area.height.saturating_sub(2) as usize;
    let start = window_start(detail.len(), cursor.unwrap_or(0), height);
    let rows = detail.rows(start, height, inner_width);
    let window = Window { rows, start, total: detail.len(), cursor };
    render_rows(frame, area, detail.title(now, area.width as usize), window, theme);
}
