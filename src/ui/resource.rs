//! One resource's whole story: what fails on it and what fixes it, every rule's evaluation, its
//! configuration timeline, its findings and its remediation history, each section as its lookup
//! answers. Every row says where Enter leads (a control, a finding) and which action applies.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::list::{Seg, Target, Window, compliance_level, heading, level_seg, render_rows, seg, time};
use super::text::{clean, truncate_end, truncate_start};
use super::view::window_start;
use crate::model::{
    ConfigCompliance, ControlKind, ExecutionState, FindingCompliance, FindingDetail, ResourceId, RuleKey, Section,
    SectionData, StatusLevel, Subject, Sym, Timeline, Timestamp, WriteState,
};
use crate::store::{Posture, SectionState};
use crate::theme::{Theme, Token};

/// A corrective action a row offers.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// Start the rule's remediation for this resource (`x`).
    Remediate { rule: Sym, document: Sym },
    /// Change the finding's workflow (`w`); the product ARN names it to Security Hub.
    Triage { finding: Sym, product_arn: Box<str> },
}

/// A row with where Enter leads and the action it offers.
pub struct Row {
    pub segs: Vec<Seg>,
    pub target: Option<Target>,
    pub act: Option<Act>,
}

fn row(segs: Vec<Seg>) -> Row {
    Row { segs, target: None, act: None }
}

/// The resource view's rows.
pub struct ResourceView {
    pub rows: Vec<Row>,
}

impl ResourceView {
    /// `write` says whether corrective actions are enabled (`--write`); `now` colours the
    /// controls' statuses (rows and targets do not depend on it).
    pub fn new(posture: &Posture, id: &ResourceId, width: usize, write: bool, now: Timestamp) -> Self {
        Self::build(posture, id, width, write, now, true)
    }

    /// The rows with their targets and actions but without the text of the long lists (the
    /// evaluations, timeline, findings and executions a lookup can bring by the thousand): what
    /// `update` needs to move the cursor and follow Enter, at a fraction of the cost.
    pub fn outline(posture: &Posture, id: &ResourceId, write: bool) -> Self {
        Self::build(posture, id, 80, write, Timestamp::UNIX_EPOCH, false)
    }

    fn build(posture: &Posture, id: &ResourceId, width: usize, write: bool, now: Timestamp, full: bool) -> Self {
        let mut rows = Vec::new();
        let subject = Subject::Resource(id.clone());
        identity_rows(&mut rows, id, width);
        failing_rows(&mut rows, posture, id);
        fix_rows(&mut rows, posture, id, &subject, now);
        evaluation_rows(&mut rows, posture, id, &subject, width, full);
        timeline_rows(&mut rows, posture, &subject, width, full);
        finding_rows(&mut rows, posture, id, &subject, width, full);
        remediation_rows(&mut rows, posture, id, &subject, width, full);
        action_rows(&mut rows, posture, &subject, write, width);
        ResourceView { rows }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn target(&self, row: usize) -> Option<Target> {
        self.rows.get(row)?.target.clone()
    }

    /// The action `x` or `w` applies to at `row`: the row's own, else the only one of its kind
    /// in the view.
    pub fn act(&self, row: usize, remediate: bool) -> Option<Act> {
        let fits = |a: &Act| matches!(a, Act::Remediate { .. }) == remediate;
        if let Some(a) = self.rows.get(row).and_then(|r| r.act.as_ref()).filter(|a| fits(a)) {
            return Some(a.clone());
        }
        let mut all: Vec<&Act> = self.rows.iter().filter_map(|r| r.act.as_ref()).filter(|a| fits(a)).collect();
        all.dedup();
        (all.len() == 1).then(|| all[0].clone())
    }
}

fn identity_rows(rows: &mut Vec<Row>, id: &ResourceId, width: usize) {
    rows.push(row(vec![seg(Token::Muted, "Type     "), seg(Token::Text, clean(&id.kind).into_owned())]));
    rows.push(row(vec![
        seg(Token::Muted, "Id       "),
        seg(Token::Text, truncate_start(&clean(&id.id), width.saturating_sub(9)).into_owned()),
    ]));
    rows.push(row(vec![
        seg(Token::Muted, "Account  "),
        seg(Token::Text, clean(&id.account).into_owned()),
        seg(Token::Muted, "   Region  "),
        seg(Token::Text, clean(&id.region).into_owned()),
    ]));
}

fn control_row(posture: &Posture, index: usize, level: StatusLevel, indent: &str) -> Row {
    let c = posture.control(index);
    Row {
        segs: vec![
            seg(Token::Text, indent.to_string()),
            level_seg(level),
            seg(Token::Muted, format!("{} {} ", clean(&c.id), c.kind.name())),
            seg(Token::Text, clean(&c.title).into_owned()),
        ],
        target: Some(Target::Control(index)),
        act: None,
    }
}

fn failing_rows(rows: &mut Vec<Row>, posture: &Posture, id: &ResourceId) {
    let failing = posture.controls_failing(id);
    if failing.is_empty() {
        return;
    }
    rows.push(row(heading(format!("Failing under ({})", failing.len()))));
    for i in failing {
        rows.push(control_row(posture, i, StatusLevel::Fail, ""));
    }
}

/// The rules this resource fails: for each rule, the newer of the evaluation the poller holds
/// and the one the lookup answered.
fn failing_rules(posture: &Posture, id: &ResourceId, subject: &Subject) -> Vec<RuleKey> {
    let mut newest: std::collections::BTreeMap<RuleKey, (Timestamp, ConfigCompliance)> = posture
        .resource(id)
        .map(|e| {
            e.evaluations
                .iter()
                .filter_map(|r| posture.evaluation(r, id))
                .map(|e| (e.rule_key(), (e.recorded_at, e.compliance)))
                .collect()
        })
        .unwrap_or_default();
    if let Some(SectionData::Evaluations(list)) = posture.lookup(subject, Section::Evaluations).and_then(|s| s.data()) {
        for e in list {
            let entry = newest.entry(here(&e.rule, id)).or_insert((e.recorded_at, e.compliance));
            if e.recorded_at > entry.0 {
                *entry = (e.recorded_at, e.compliance);
            }
        }
    }
    newest.into_iter().filter(|(_, (_, c))| *c == ConfigCompliance::NonCompliant).map(|(r, _)| r).collect()
}

/// The remediation attempts known for `rule` on this resource.
fn attempts(posture: &Posture, id: &ResourceId, subject: &Subject, rule: &RuleKey) -> Option<usize> {
    match posture.lookup(subject, Section::Remediation).and_then(|s| s.data()) {
        Some(SectionData::Remediation(list)) => Some(list.iter().filter(|x| x.rule == rule.name).count()),
        _ => posture.execution(rule, id).map(|_| 1),
    }
}

/// For each failing rule: the corrective controls bound to it, the remediation configured and
/// its attempts, and what `x` would start.
fn fix_rows(rows: &mut Vec<Row>, posture: &Posture, id: &ResourceId, subject: &Subject, now: Timestamp) {
    let rules = failing_rules(posture, id, subject);
    if rules.is_empty() {
        return;
    }
    let n = rules.len();
    rows.push(row(heading(format!("What fixes it ({n} failing rule{})", if n == 1 { "" } else { "s" }))));
    for rule in rules {
        let controls = posture.controls_of_rule(&rule);
        rows.push(Row {
            segs: vec![
                level_seg(StatusLevel::Fail),
                seg(Token::Text, format!("Config rule {}", clean(&rule.name))),
                seg(Token::Fail, "  NON_COMPLIANT"),
            ],
            target: controls.first().map(|&i| Target::Control(i)),
            act: None,
        });
        let corrective: Vec<usize> =
            controls.iter().copied().filter(|&i| posture.control(i).kind == ControlKind::Corrective).collect();
        if corrective.is_empty() {
            rows.push(row(vec![seg(Token::Muted, "    no corrective control of the catalog binds this rule")]));
        }
        for i in corrective {
            let level = posture.control_status(i, now).level();
            rows.push(control_row(posture, i, level, "    "));
        }
        match posture.remediation_config(&rule) {
            Some(rc) => {
                let how = if rc.automatic { "automatic" } else { "manual" };
                let tried = match attempts(posture, id, subject, &rule) {
                    Some(0) | None => "not tried yet".to_string(),
                    Some(1) => "1 attempt".to_string(),
                    Some(n) => format!("{n} attempts"),
                };
                rows.push(Row {
                    segs: vec![
                        seg(Token::Text, "    "),
                        seg(Token::Muted, format!("remediation ({how} · {tried}) ")),
                        seg(Token::Text, clean(&rc.target).into_owned()),
                    ],
                    target: posture
                        .controls_of_rule(&rule)
                        .into_iter()
                        .find(|&i| posture.control(i).kind == ControlKind::Corrective)
                        .map(Target::Control),
                    act: Some(Act::Remediate { rule: rule.name.clone(), document: rc.target.clone() }),
                });
            }
            None if posture.rule(&rule).is_some_and(|r| r.unread.contains(crate::model::Part::RemediationConfigs)) => {
                rows.push(row(vec![seg(Token::Text, "    "), seg(Token::Muted, "remediation configuration not read")]))
            }
            None => rows.push(row(vec![seg(Token::Text, "    "), seg(Token::Fail, "no remediation configured")])),
        }
    }
}

/// The heading of a looked-up section, and the data to show under it.
fn section<'a>(
    rows: &mut Vec<Row>,
    posture: &'a Posture,
    subject: &Subject,
    section: Section,
    count: impl Fn(&SectionData) -> Option<usize>,
) -> Option<&'a SectionData> {
    let titled = |title: &str, data: &SectionData| match count(data) {
        Some(n) => format!("{title} ({n})"),
        None => title.to_string(),
    };
    let title = section.title();
    match posture.lookup(subject, section) {
        None => None,
        Some(SectionState::Loading { last: None, .. }) => {
            rows.push(row(vec![seg(Token::Title, title.to_string()), seg(Token::Muted, "  loading…")]));
            None
        }
        Some(SectionState::Loading { last: Some((_, data)), .. }) => {
            rows.push(row(vec![seg(Token::Title, titled(title, data)), seg(Token::Muted, "  refreshing…")]));
            Some(data)
        }
        Some(SectionState::Ready { data, at }) => {
            rows.push(row(vec![
                seg(Token::Title, titled(title, data)),
                seg(Token::Muted, format!("  read {}", at.strftime("%H:%M:%S"))),
            ]));
            Some(data)
        }
        Some(SectionState::Failed { error, last, .. }) => {
            let mut segs = vec![seg(Token::Title, title.to_string()), seg(Token::Muted, "  ")];
            segs.push(level_seg(StatusLevel::Warn));
            segs.push(seg(Token::Warn, format!("{} failed: {}", section.call(), clean(error))));
            if let Some((at, _)) = last {
                segs.push(seg(Token::Muted, format!("  (showing {})", at.strftime("%H:%M:%S"))));
            }
            rows.push(row(segs));
            last.as_ref().map(|(_, d)| d)
        }
    }
}

fn evaluation_rows(
    rows: &mut Vec<Row>,
    posture: &Posture,
    id: &ResourceId,
    subject: &Subject,
    width: usize,
    full: bool,
) {
    let count = |d: &SectionData| if let SectionData::Evaluations(l) = d { Some(l.len()) } else { None };
    let asked = posture.lookup(subject, Section::Evaluations).is_some();
    if let Some(SectionData::Evaluations(list)) = section(rows, posture, subject, Section::Evaluations, count) {
        if list.is_empty() {
            rows.push(row(vec![seg(Token::Muted, "  no rule has evaluated this resource")]));
        }
        for e in list {
            if full {
                rows.push(evaluation_row(
                    posture,
                    &here(&e.rule, id),
                    e.compliance,
                    e.recorded_at,
                    e.annotation.as_deref(),
                    width,
                ));
            } else {
                rows.push(Row { segs: Vec::new(), target: rule_target(posture, &here(&e.rule, id)), act: None });
            }
        }
        return;
    }
    if asked {
        return;
    }
    // Not looked up (yet): what the pollers hold.
    let held: Vec<_> = posture
        .resource(id)
        .map(|e| e.evaluations.iter().filter_map(|r| posture.evaluation(r, id)).collect())
        .unwrap_or_default();
    if !held.is_empty() {
        rows.push(row(heading(format!("Config evaluations held ({})", held.len()))));
        for e in held {
            rows.push(evaluation_row(
                posture,
                &e.rule_key(),
                e.compliance,
                e.recorded_at,
                e.annotation.as_deref(),
                width,
            ));
        }
    }
}

fn evaluation_row(
    posture: &Posture,
    rule: &RuleKey,
    compliance: ConfigCompliance,
    at: Timestamp,
    annotation: Option<&str>,
    width: usize,
) -> Row {
    let name = truncate_start(&clean(&rule.name), width.saturating_sub(50).max(20)).into_owned();
    let mut segs = vec![
        level_seg(compliance_level(Some(compliance))),
        seg(Token::Text, format!("{name}  ")),
        seg(Token::Muted, format!("{compliance}  {}", time(at))),
    ];
    if let Some(a) = annotation {
        segs.push(seg(Token::Muted, format!("  {}", clean(a))));
    }
    Row { segs, target: rule_target(posture, rule), act: None }
}

/// A rule the drill-down named for this resource: one of the resource's own account and region.
fn here(rule: &Sym, id: &ResourceId) -> RuleKey {
    RuleKey::new(rule, &id.account, &id.region)
}

/// Enter on a rule leads to the control it is bound to (a corrective one first).
fn rule_target(posture: &Posture, rule: &RuleKey) -> Option<Target> {
    posture.controls_of_rule(rule).first().map(|&i| Target::Control(i))
}

fn timeline_rows(rows: &mut Vec<Row>, posture: &Posture, subject: &Subject, width: usize, full: bool) {
    let count = |d: &SectionData| match d {
        SectionData::Timeline(Timeline::Items(l)) => Some(l.len()),
        _ => None,
    };
    match section(rows, posture, subject, Section::Timeline, count) {
        Some(SectionData::Timeline(Timeline::NotRecorded)) => rows
            .push(row(vec![seg(Token::Muted, "  not recorded by Config (Config does not record this resource type)")])),
        Some(SectionData::Timeline(Timeline::Items(items))) => {
            if items.is_empty() {
                rows.push(row(vec![seg(Token::Muted, "  Config holds no configuration items for it")]));
            }
            for item in items {
                if !full {
                    rows.push(row(Vec::new()));
                    continue;
                }
                let changed = if item.changed.is_empty() {
                    String::new()
                } else {
                    format!("  changed: {}", item.changed.join(", "))
                };
                let room = width.saturating_sub(2 + 19 + 22);
                rows.push(row(vec![
                    seg(Token::Muted, format!("  {}  ", time(item.captured_at))),
                    seg(Token::Text, format!("{:<20}", clean(&item.status))),
                    seg(Token::Muted, truncate_end(&clean(&changed), room).into_owned()),
                ]));
            }
        }
        _ => {}
    }
}

fn finding_rows(rows: &mut Vec<Row>, posture: &Posture, id: &ResourceId, subject: &Subject, width: usize, full: bool) {
    let count = |d: &SectionData| if let SectionData::Findings(l) = d { Some(l.len()) } else { None };
    let asked = posture.lookup(subject, Section::Findings).is_some();
    if let Some(SectionData::Findings(list)) = section(rows, posture, subject, Section::Findings, count) {
        if list.is_empty() {
            rows.push(row(vec![seg(Token::Muted, "  no active finding names this resource")]));
        }
        for d in list {
            push_finding(rows, posture, d, width, full);
        }
        return;
    }
    if asked {
        return;
    }
    let Some(entry) = posture.resource(id) else { return };
    if entry.findings.is_empty() {
        return;
    }
    let mut held: Vec<_> = entry.findings.iter().filter_map(|f| posture.finding(f)).collect();
    held.sort_by(|a, b| crate::model::by_severity(a, b));
    rows.push(row(heading(format!("Findings held ({})", held.len()))));
    for f in held {
        rows.push(Row {
            segs: finding_segs(posture, f, width),
            target: Some(Target::Finding(f.id.clone())),
            act: None,
        });
    }
}

/// A finding's row in the resource view: severity, workflow (and why, where an automation rule
/// or a person set it), compliance, title, product.
pub fn finding_segs(posture: &Posture, f: &crate::model::Finding, width: usize) -> Vec<Seg> {
    let compliance = match f.compliance {
        Some(FindingCompliance::Failed) => seg(Token::Fail, "FAILED "),
        Some(c) => seg(Token::Muted, format!("{c} ")),
        None => seg(Token::Muted, ""),
    };
    let product = format!("  {}", truncate_end(&clean(&f.product), 18));
    let why = posture.workflow_reason(f).and_then(|w| w.short(f.workflow)).map(|w| format!("{} · ", clean(&w)));
    let why_width = why.as_deref().map_or(0, super::text::width);
    // The title takes what the other columns leave.
    let room = width
        .saturating_sub(2 + 14 + 11 + why_width + super::text::width(&compliance.1) + super::text::width(&product));
    let mut segs = vec![
        seg(Token::for_severity(f.severity), format!("  {:<14}", f.severity.as_str())),
        seg(Token::Muted, format!("{:<11}", f.workflow.as_str())),
    ];
    segs.extend(why.map(|w| seg(Token::Muted, w)));
    segs.push(compliance);
    segs.push(seg(Token::Text, truncate_end(&clean(&f.title), room).into_owned()));
    segs.push(seg(Token::Muted, product));
    segs
}

fn push_finding(rows: &mut Vec<Row>, posture: &Posture, d: &FindingDetail, width: usize, full: bool) {
    let f = &d.finding;
    let target = Some(Target::Finding(f.id.clone()));
    let act = Some(Act::Triage { finding: f.id.clone(), product_arn: d.product_arn.clone() });
    let segs = if full { finding_segs(posture, f, width) } else { Vec::new() };
    rows.push(Row { segs, target: target.clone(), act: act.clone() });
    let failing = f.compliance == Some(FindingCompliance::Failed) || f.compliance.is_none();
    if let (true, Some(fix)) = (failing, d.remediation_text.as_deref()) {
        let room = width.saturating_sub(11);
        rows.push(Row {
            segs: if full {
                vec![seg(Token::Muted, "      fix: "), seg(Token::Text, truncate_end(&clean(fix), room).into_owned())]
            } else {
                Vec::new()
            },
            target,
            act,
        });
    }
}

fn remediation_rows(
    rows: &mut Vec<Row>,
    posture: &Posture,
    id: &ResourceId,
    subject: &Subject,
    width: usize,
    full: bool,
) {
    let count = |d: &SectionData| if let SectionData::Remediation(l) = d { Some(l.len()) } else { None };
    let asked = posture.lookup(subject, Section::Remediation).is_some();
    let corrective = |rule: &RuleKey| {
        posture
            .controls_of_rule(rule)
            .into_iter()
            .find(|&i| posture.control(i).kind == ControlKind::Corrective)
            .map(Target::Control)
    };
    if let Some(SectionData::Remediation(list)) = section(rows, posture, subject, Section::Remediation, count) {
        if list.is_empty() {
            rows.push(row(vec![seg(Token::Muted, "  no remediation has run on this resource")]));
        }
        for x in list {
            if !full {
                let target = corrective(&here(&x.rule, id));
                rows.extend((0..=x.steps.len()).map(|_| Row { segs: Vec::new(), target: target.clone(), act: None }));
                continue;
            }
            let level = execution_level(x.state);
            let when = match (x.invoked_at, x.updated_at) {
                (Some(i), Some(u)) => format!("  invoked {} · updated {}", time(i), time(u)),
                (Some(i), None) => format!("  invoked {}", time(i)),
                _ => String::new(),
            };
            rows.push(Row {
                segs: vec![
                    level_seg(level),
                    seg(Token::Text, format!("{}  ", clean(&x.rule))),
                    seg(Token::for_status(level), x.state.to_string()),
                    seg(Token::Muted, when),
                ],
                target: corrective(&here(&x.rule, id)),
                act: None,
            });
            for step in &x.steps {
                let mut segs = vec![
                    seg(Token::Muted, "      step "),
                    seg(Token::Text, format!("{} ", clean(&step.name))),
                    seg(Token::Muted, clean(&step.state).into_owned()),
                ];
                if let Some(e) = &step.error {
                    let room = width.saturating_sub(40);
                    segs.push(seg(Token::Fail, format!("  {}", truncate_end(&clean(e), room))));
                }
                rows.push(Row { segs, target: corrective(&here(&x.rule, id)), act: None });
            }
        }
        return;
    }
    if asked {
        return;
    }
    let Some(entry) = posture.resource(id) else { return };
    if entry.executions.is_empty() {
        return;
    }
    rows.push(row(heading(format!("Remediation held ({})", entry.executions.len()))));
    for rule in &entry.executions {
        if let Some(x) = posture.execution(rule, id) {
            let level = execution_level(x.state);
            let mut segs = vec![
                level_seg(level),
                seg(Token::Text, format!("{}  ", clean(&rule.name))),
                seg(Token::for_status(level), x.state.to_string()),
                seg(Token::Muted, format!("  invoked {} · updated {}", time(x.invoked_at), time(x.updated_at))),
            ];
            if let Some(m) = &x.message {
                segs.push(seg(Token::Muted, format!("  {}", clean(m))));
            }
            rows.push(Row { segs, target: corrective(rule), act: None });
        }
    }
}

pub fn execution_level(state: ExecutionState) -> StatusLevel {
    match state {
        ExecutionState::Succeeded => StatusLevel::Pass,
        ExecutionState::Failed => StatusLevel::Fail,
        ExecutionState::Queued | ExecutionState::InProgress => StatusLevel::Warn,
        ExecutionState::Unknown => StatusLevel::Unknown,
    }
}

/// The writes made here and how they went; without `--write`, why the actions are off.
pub fn action_rows(rows: &mut Vec<Row>, posture: &Posture, subject: &Subject, write: bool, width: usize) {
    let made: Vec<_> = posture.writes_on(subject).collect();
    if !made.is_empty() {
        rows.push(row(heading(format!("Actions taken ({})", made.len()))));
        for w in made {
            let (level, token) = match &w.state {
                WriteState::Failed { .. } => (StatusLevel::Fail, Token::Fail),
                WriteState::Accepted { execution: Some(ExecutionState::Failed), .. } => {
                    (StatusLevel::Fail, Token::Fail)
                }
                WriteState::Accepted { execution: Some(ExecutionState::Succeeded), .. }
                | WriteState::Accepted { execution: None, .. } => (StatusLevel::Pass, Token::Pass),
                _ => (StatusLevel::Warn, Token::Warn),
            };
            let room = width.saturating_sub(50);
            rows.push(row(vec![
                level_seg(level),
                seg(Token::Text, format!("{}  ", w.write.operation())),
                seg(token, truncate_end(&clean(&w.state.to_string()), room).into_owned()),
                seg(Token::Muted, format!("  {}", time(w.at))),
            ]));
        }
    }
    if !write {
        rows.push(row(vec![
            seg(Token::Muted, "Actions off (read-only): "),
            seg(Token::Text, "x start remediation · w set finding workflow"),
            seg(Token::Muted, " need vigil --write"),
        ]));
    }
}

/// Draws the resource view.
#[allow(clippy::too_many_arguments)]
pub fn render(
    frame: &mut Frame,
    area: Rect,
    posture: &Posture,
    id: &ResourceId,
    cursor: usize,
    write: bool,
    theme: &Theme,
    now: Timestamp,
) {
    let inner_width = area.width.saturating_sub(2) as usize;
    let view = ResourceView::new(posture, id, inner_width, write, now);
    let height = area.height.saturating_sub(2) as usize;
    let total = view.len();
    let start = window_start(total, cursor, height);
    let title = vec![
        seg(Token::Title, " Resource "),
        seg(Token::Text, format!("{} ", truncate_start(&clean(id.short_name()), inner_width.saturating_sub(12)))),
    ];
    let rows: Vec<Vec<Seg>> = view.rows.into_iter().skip(start).take(height).map(|r| r.segs).collect();
    render_rows(frame, area, title, Window { rows, start, total, cursor: Some(cursor) }, theme);
}
