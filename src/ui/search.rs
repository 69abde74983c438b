//! The overview's search: the `/` text that narrows the focused pane's controls is also looked
//! for among every control's failing resources and listed findings (in the narrowing), each
//! shown once with the controls it fails under, in the detail area under the panes. They show
//! while the text is typed, and after it is kept where the pane keeps no control; ↓ ↑ choose one
//! and Enter opens it.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::detail::{age_cell, finding_matches, finding_row, finding_since, resource_matches, resource_row};
use super::filter::Filter;
use super::list::{Seg, Target, Window, heading, render_rows, seg};
use super::text::clean;
use super::view::visible_pane;
use super::view::{Screen, Sort, View, window_start};
use crate::model::{Finding, ResourceId, Severity, Sym, Timestamp};
use crate::store::{GUARDRAIL_TEST, Posture};
use crate::theme::{Theme, Token};

/// What the search found: failing resources and findings, each with the controls (catalog
/// indexes) that list it.
pub struct Matches<'a> {
    pub resources: Vec<(&'a ResourceId, Vec<usize>)>,
    pub findings: Vec<(&'a Finding, Vec<usize>)>,
}

impl<'a> Matches<'a> {
    pub fn len(&self) -> usize {
        self.resources.len() + self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What Enter on the `k`th match opens.
    pub fn target(&self, k: usize) -> Option<Target> {
        match self.resources.get(k) {
            Some((r, _)) if &*r.kind == GUARDRAIL_TEST => Some(Target::Guardrail(r.id.clone())),
            Some((r, _)) => Some(Target::Resource((*r).clone())),
            None => self.findings.get(k - self.resources.len()).map(|(f, _)| Target::Finding(f.id.clone())),
        }
    }

    /// The list row of the `k`th match: the resources under their heading, then the findings
    /// under theirs.
    fn row(&self, k: usize) -> usize {
        let resources = if self.resources.is_empty() { 0 } else { 1 + self.resources.len() };
        if k < self.resources.len() { 1 + k } else { resources + 1 + (k - self.resources.len()) }
    }
}

/// Findings most severe first, then by id, as a control lists them.
type FindingKey<'a> = (Reverse<Severity>, &'a Sym);

/// Every failing resource and listed finding the filter matches (a resource on its type and id,
/// a finding as a control's list matches it), in the order `sort` asks for.
pub fn matches<'a>(posture: &'a Posture, filter: &Filter, sort: Sort) -> Matches<'a> {
    let controls = posture.catalog().controls.len();
    let mut resources: BTreeMap<&ResourceId, Vec<usize>> = BTreeMap::new();
    let mut findings: BTreeMap<FindingKey, (&Finding, Vec<usize>)> = BTreeMap::new();
    // Each item is matched where a control lists it: a walk through the lists, not the store
    // (most findings are listed nowhere), and no memory of what did not match (hashing an id
    // costs as much as looking for a word in it).
    for i in 0..controls {
        let acc = posture.evidence(i);
        for r in acc.failing.keys() {
            if let Some(v) = resources.get_mut(r) {
                v.push(i);
            } else if resource_matches(filter, r) {
                resources.insert(r, vec![i]);
            }
        }
        for (severity, id) in &acc.findings {
            if let Some((_, v)) = findings.get_mut(&(*severity, id)) {
                v.push(i);
            } else if let Some(f) = posture.finding(id).filter(|f| finding_matches(filter, f)) {
                findings.insert((*severity, id), (f, vec![i]));
            }
        }
    }
    let mut resources: Vec<(&ResourceId, Vec<usize>)> = resources.into_iter().collect();
    let mut findings: Vec<(&Finding, Vec<usize>)> = findings.into_values().collect();
    let oldest = |t: Option<Timestamp>| (t.is_none(), t);
    match sort {
        Sort::Id => {}
        // Failing under the most controls first.
        Sort::Count => resources.sort_by_key(|(_, cs)| Reverse(cs.len())),
        Sort::Age => {
            resources.sort_by_cached_key(|(r, cs)| oldest(since(posture, r, cs)));
            findings
                .sort_by_cached_key(|(f, cs)| oldest(cs.iter().filter_map(|&i| finding_since(posture, i, f)).min()));
        }
    }
    Matches { resources, findings }
}

/// When a resource started failing under any of `controls`.
fn since(posture: &Posture, r: &ResourceId, controls: &[usize]) -> Option<Timestamp> {
    controls.iter().filter_map(|&i| posture.failing_since(i, r)).min()
}

/// The text the overview searches for: the focused pane's filter, unless it keeps what does not
/// match (`!`), which would find nearly everything.
fn query(view: &View) -> Option<&Filter> {
    if view.screen != Screen::Overview {
        return None;
    }
    view.filters[view.focus.index()].as_ref().filter(|f| !f.inverts())
}

/// The matches the overview shows, if it shows them: while `/` is typed there, or when the
/// filter kept leaves the focused pane with no control; and only where something matches.
pub fn shown<'a>(view: &View, posture: &'a Posture) -> Option<Matches<'a>> {
    let filter = query(view)?;
    if view.typing.is_none() && !pane_is_empty(view, posture) {
        return None;
    }
    let m = matches(posture, filter, view.sort);
    (!m.is_empty()).then_some(m)
}

fn pane_is_empty(view: &View, posture: &Posture) -> bool {
    visible_pane(posture, view, view.focus).is_empty()
}

/// The match highlighted: the one chosen with ↓ ↑, else the first where the focused pane keeps
/// no control (so that Enter opens what was searched for); `None`: Enter keeps the filter.
pub fn highlighted(view: &View, posture: &Posture, m: &Matches) -> Option<usize> {
    if m.is_empty() {
        return None;
    }
    match view.search_match {
        Some(k) => Some(k.min(m.len() - 1)),
        None => pane_is_empty(view, posture).then_some(0),
    }
}

/// Whether anything matches, found as soon as one does.
fn any_match(posture: &Posture, filter: &Filter) -> bool {
    (0..posture.catalog().controls.len()).any(|i| {
        let acc = posture.evidence(i);
        acc.failing.keys().any(|r| resource_matches(filter, r))
            || acc.findings.iter().any(|(_, id)| posture.finding(id).is_some_and(|f| finding_matches(filter, f)))
    })
}

/// Whether Enter, while `/` is typed, opens a match rather than keeping the filter: a match was
/// chosen (↓), or the pane keeps no control and something matches. Cheaper than [`chosen`]:
/// the status line asks it every frame.
pub fn will_open(view: &View, posture: &Posture) -> bool {
    let Some(filter) = query(view) else { return false };
    view.search_match.is_some() || (pane_is_empty(view, posture) && any_match(posture, filter))
}

/// What Enter opens from the search, if a match is highlighted.
pub fn chosen(view: &View, posture: &Posture) -> Option<Target> {
    let m = shown(view, posture)?;
    highlighted(view, posture, &m).and_then(|k| m.target(k))
}

/// The highlight after ↓ (`down`) or ↑: from the prompt to the first match and on; up from the
/// first goes back to the prompt, unless the pane keeps no control (the first stays).
pub fn step(view: &View, posture: &Posture, down: bool) -> Option<usize> {
    let m = shown(view, posture)?;
    let current = highlighted(view, posture, &m);
    match (current, down) {
        (None, true) => Some(0),
        (Some(k), true) => Some((k + 1).min(m.len() - 1)),
        (Some(0) | None, false) => pane_is_empty(view, posture).then_some(0),
        (Some(k), false) => Some(k - 1),
    }
}

/// `PRV-04, COR-01`
fn control_ids(posture: &Posture, controls: &[usize]) -> String {
    controls.iter().map(|&i| clean(&posture.control(i).id).into_owned()).collect::<Vec<_>>().join(", ")
}

/// One row of the list: a heading, or the `k`th match.
enum Entry {
    Resources,
    Findings,
    Match(usize),
}

/// The list's rows in order, without their text.
fn entries(m: &Matches) -> Vec<Entry> {
    let mut out = Vec::with_capacity(m.len() + 2);
    if !m.resources.is_empty() {
        out.push(Entry::Resources);
        out.extend((0..m.resources.len()).map(Entry::Match));
    }
    if !m.findings.is_empty() {
        out.push(Entry::Findings);
        out.extend((m.resources.len()..m.len()).map(Entry::Match));
    }
    out
}

/// A row's text: a heading; a failing resource with the controls it fails under; a finding with
/// the controls that list it.
fn row(posture: &Posture, m: &Matches, entry: &Entry, width: usize, now: Timestamp) -> Vec<Seg> {
    let org = posture.is_organization();
    match *entry {
        Entry::Resources => heading(format!("Failing resources ({})", m.resources.len())),
        Entry::Findings => heading(format!("Findings ({})", m.findings.len())),
        Entry::Match(k) => match m.resources.get(k) {
            Some((r, controls)) => {
                let age = age_cell(since(posture, r, controls), now);
                let tail = format!("  fails under {}", control_ids(posture, controls));
                // Its name, as searched for: the type beside it says what it is.
                resource_row(r, true, &age, &tail, width, org)
            }
            None => {
                let (f, controls) = &m.findings[k - m.resources.len()];
                let age = age_cell(controls.iter().filter_map(|&i| finding_since(posture, i, f)).min(), now);
                let tail = format!("  under {}", control_ids(posture, controls));
                finding_row(posture, f, &age, &tail, width, org)
            }
        },
    }
}

/// Draws the matches in the detail area, the highlighted one selected; only the rows on screen
/// are worded.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    posture: &Posture,
    view: &View,
    m: &Matches,
    theme: &Theme,
    now: Timestamp,
) {
    let inner_width = area.width.saturating_sub(2) as usize;
    let text = query(view).map_or(String::new(), |f| clean(f.text()).into_owned());
    let counts: Vec<String> =
        [(m.resources.len(), "failing resource", "failing resources"), (m.findings.len(), "finding", "findings")]
            .into_iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, one, many)| crate::text::counted(n, one, many))
            .collect();
    let mut title: Vec<Seg> = vec![
        seg(Token::Title, format!(" /{text} in every control: ")),
        seg(Token::Text, format!("{} ", counts.join(" · "))),
    ];
    // How to open one, where the border has room for it.
    const HINT: &str = "· ↓ ↑ choose, Enter opens ";
    let used: usize = title.iter().map(|(_, t)| super::text::width(t)).sum();
    if used + super::text::width(HINT) + 4 <= area.width as usize {
        title.push(seg(Token::Muted, HINT));
    }
    let entries = entries(m);
    let cursor = highlighted(view, posture, m).map(|k| m.row(k));
    let height = area.height.saturating_sub(2) as usize;
    let start = window_start(entries.len(), cursor.unwrap_or(0), height);
    let rows = entries.iter().skip(start).take(height).map(|e| row(posture, m, e, inner_width, now)).collect();
    render_rows(frame, area, title, Window { rows, start, total: entries.len(), cursor }, theme);
}
