//! One finding in full: title, severity, workflow and its note, record state, product, types,
//! times, the resources it names, its description and recommended fix (wrapped), and its
//! history. Shows the stored finding at once and the rest as the lookup answers.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::list::{Seg, Target, Window, heading, render_rows, seg, time};
use super::resource::{Act, Row, action_rows};
use super::text::{clean, truncate_end, truncate_start, wrap, wrap_words};
use super::view::window_start;
use crate::model::{Finding, FindingDetail, Section, SectionData, Subject, Sym, Timestamp};
use crate::store::{Posture, SectionState};
use crate::theme::{Theme, Token};

/// The finding view's rows.
pub struct FindingView {
    pub rows: Vec<Row>,
}

fn row(segs: Vec<Seg>) -> Row {
    Row { segs, target: None, act: None }
}

/// Prose is wrapped at this width whatever the terminal's, so that the view has as many rows on
/// every screen and `update` can move the cursor without knowing the width (as a man page
/// keeps its measure).
pub const WRAP: usize = 76;

/// An identifier on one row: never broken, even where the screen cuts it (`v` shows it whole,
/// `y` copies it), so that a terminal's selection takes it in one piece.
fn id_field(rows: &mut Vec<Row>, name: &str, value: &str) {
    rows.push(row(vec![seg(Token::Muted, format!("{name:<13}")), seg(Token::Text, clean(value).into_owned())]));
}

fn field(rows: &mut Vec<Row>, name: &str, value: &str) {
    // Values hold identifiers (types, ARNs): they break only at a space, `/` or `:`.
    for (i, line) in wrap_words(&clean(value), WRAP - 13).into_iter().enumerate() {
        let label = if i == 0 { format!("{name:<13}") } else { " ".repeat(13) };
        rows.push(row(vec![seg(Token::Muted, label), seg(Token::Text, line)]));
    }
}

impl FindingView {
    pub fn new(posture: &Posture, id: &Sym, width: usize, write: bool) -> Self {
        let subject = Subject::Finding(id.clone());
        let mut rows = Vec::new();
        let detail = match posture.lookup(&subject, Section::Detail).and_then(SectionState::data) {
            Some(SectionData::Detail(d)) => Some(&**d),
            _ => None,
        };
        let stored = posture.finding(id);
        let finding: Option<&Finding> = detail.map(|d| &d.finding).or(stored);
        let act = detail.map(|d| Act::Triage { finding: id.clone(), product_arn: d.product_arn.clone() });
        match finding {
            Some(f) => summary(&mut rows, posture, f, detail, width, act),
            None => field(&mut rows, "Id", id),
        }
        match posture.lookup(&subject, Section::Detail) {
            Some(SectionState::Loading { last: None, .. }) => {
                rows.push(row(vec![seg(Token::Muted, "loading the whole finding…")]))
            }
            Some(SectionState::Failed { error, .. }) => rows.push(row(vec![
                seg(Token::Warn, "! "),
                seg(Token::Warn, format!("{} failed: {}", Section::Detail.call(), clean(error))),
            ])),
            _ => {}
        }
        if let Some(d) = detail {
            if !d.description.is_empty() {
                rows.push(row(heading("Description".into())));
                for line in wrap(&clean(&d.description), WRAP - 2) {
                    rows.push(row(vec![seg(Token::Text, format!("  {line}"))]));
                }
            }
            if d.remediation_text.is_some() || d.remediation_url.is_some() {
                rows.push(row(heading("Remediation".into())));
                if let Some(text) = &d.remediation_text {
                    for line in wrap(&clean(text), WRAP - 2) {
                        rows.push(row(vec![seg(Token::Text, format!("  {line}"))]));
                    }
                }
                if let Some(url) = &d.remediation_url {
                    // One row: an address split over lines cannot be copied from the screen.
                    rows.push(row(vec![seg(Token::Key, format!("  {}", clean(url)))]));
                }
            }
        }
        history(&mut rows, posture, &subject, width);
        action_rows(&mut rows, posture, &subject, write, width);
        FindingView { rows }
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

    /// The workflow change `w` makes: known once the whole finding (its product ARN) is read.
    pub fn triage(&self) -> Option<Act> {
        self.rows.iter().find_map(|r| r.act.clone())
    }
}

fn summary(
    rows: &mut Vec<Row>,
    posture: &Posture,
    f: &Finding,
    detail: Option<&FindingDetail>,
    width: usize,
    act: Option<Act>,
) {
    for line in wrap(&clean(&f.title), WRAP) {
        rows.push(Row { segs: vec![seg(Token::Title, line)], target: None, act: act.clone() });
    }
    let mut status = vec![
        seg(Token::Muted, format!("{:<13}", "Severity")),
        seg(Token::for_severity(f.severity), f.severity.as_str().to_string()),
        seg(Token::Muted, "   Workflow "),
        seg(Token::Text, f.workflow.as_str().to_string()),
        seg(Token::Muted, "   Record "),
        seg(Token::Text, f.record_state.as_str().to_string()),
    ];
    if let Some(c) = f.compliance {
        status.push(seg(Token::Muted, "   Compliance "));
        status.push(seg(
            if c == crate::model::FindingCompliance::Failed { Token::Fail } else { Token::Text },
            c.as_str(),
        ));
    }
    rows.push(Row { segs: status, target: None, act: act.clone() });
    if let Some(why) = posture.workflow_reason(f) {
        let workflow = f.workflow.as_str().to_ascii_lowercase();
        field(rows, "Why", &format!("{workflow} · {}", why.describe()));
    }
    if let Some(note) = detail.and_then(|d| d.note.as_deref()) {
        field(rows, "Note", note);
    }
    let product = match detail.and_then(|d| d.product_name.as_deref()) {
        Some(name) => name.to_string(),
        None => f.product.to_string(),
    };
    field(rows, "Product", &product);
    if let Some(class) = f.class {
        // Read through the new Security Hub: its OCSF class, an exposure finding said as such.
        let class = match class {
            crate::model::FindingClass::Exposure => "Exposure (an OCSF Detection Finding the new Security Hub made)",
            other => other.as_str(),
        };
        field(rows, "Class", class);
    }
    if let Some(control) = &f.control_id {
        id_field(rows, "Control", control);
    }
    if let Some(d) = detail {
        if !d.types.is_empty() {
            field(rows, "Types", &d.types.join(", "));
        }
        let observed = match (d.first_observed, d.last_observed) {
            (Some(a), Some(b)) => format!("{} … {}", time(a), time(b)),
            (Some(a), None) => format!("from {}", time(a)),
            (None, Some(b)) => format!("until {}", time(b)),
            (None, None) => String::new(),
        };
        if !observed.is_empty() {
            field(rows, "Observed", &observed);
        }
    }
    field(rows, "Updated", &time(f.updated_at.get()));
    field(rows, "Account", &format!("{}   Region {}", f.account, f.region));
    id_field(rows, "Id", &f.id);
    rows.push(row(heading(format!("Resources ({})", f.resources.len()))));
    for r in &f.resources {
        let room = width.saturating_sub(4 + 24);
        rows.push(Row {
            segs: vec![
                seg(Token::Muted, format!("  {:<24}", truncate_end(&clean(super::list::short_type(&r.kind)), 23))),
                seg(Token::Text, truncate_start(&clean(&r.id), room).into_owned()),
            ],
            target: Some(Target::Resource(r.clone())),
            act: None,
        });
    }
}

fn history(rows: &mut Vec<Row>, posture: &Posture, subject: &Subject, width: usize) {
    let state = posture.lookup(subject, Section::History);
    let data = state.and_then(SectionState::data);
    let title = Section::History.title();
    match state {
        None => return,
        Some(SectionState::Loading { last: None, .. }) => {
            rows.push(row(vec![seg(Token::Title, title.to_string()), seg(Token::Muted, "  loading…")]));
        }
        Some(SectionState::Failed { error, .. }) => rows.push(row(vec![
            seg(Token::Title, title.to_string()),
            seg(Token::Warn, format!("  ! {} failed: {}", Section::History.call(), clean(error))),
        ])),
        Some(_) if matches!(data, Some(SectionData::HistoryNotKept)) => rows.push(row(vec![
            seg(Token::Title, title.to_string()),
            seg(
                Token::Muted,
                "  not kept: the new Security Hub keeps no history of a finding readable through its API",
            ),
        ])),
        Some(_) => {
            let n = if let Some(SectionData::History(l)) = data { l.len() } else { 0 };
            let changes = if n == 1 { "1 change".to_string() } else { format!("last {n} changes") };
            rows.push(row(heading(format!("{title} ({changes})"))));
        }
    }
    let Some(SectionData::History(records)) = data else { return };
    for r in records {
        let what = if r.created { "created".to_string() } else { String::new() };
        rows.push(row(vec![
            seg(Token::Muted, format!("  {}  ", time(r.at))),
            seg(Token::Text, format!("{} ", clean(&r.source))),
            seg(Token::Muted, what),
        ]));
        for (field, old, new) in &r.changes {
            let text = format!("      {}: {} → {}", clean(field), clean(old), clean(new));
            rows.push(row(vec![seg(Token::Text, truncate_end(&text, width).into_owned())]));
        }
    }
}

/// Draws the finding view.
#[allow(clippy::too_many_arguments)]
pub fn render(
    frame: &mut Frame,
    area: Rect,
    posture: &Posture,
    id: &Sym,
    cursor: usize,
    write: bool,
    theme: &Theme,
    _now: Timestamp,
) {
    let inner_width = area.width.saturating_sub(2) as usize;
    let view = FindingView::new(posture, id, inner_width, write);
    let height = area.height.saturating_sub(2) as usize;
    let total = view.len();
    let start = window_start(total, cursor, height);
    // The box is titled with the finding's own title (its id, before it is known).
    let known = posture
        .finding(id)
        .map(|f| f.title.to_string())
        .or_else(|| match posture.lookup(&Subject::Finding(id.clone()), Section::Detail).and_then(SectionState::data) {
            Some(SectionData::Detail(d)) => Some(d.finding.title.to_string()),
            _ => None,
        })
        .filter(|t| !t.trim().is_empty());
    let name = match known {
        Some(title) => truncate_end(&clean(&title), inner_width.saturating_sub(4)).into_owned(),
        None => format!("Finding {}", truncate_start(&clean(id), inner_width.saturating_sub(12))),
    };
    let title = vec![seg(Token::Title, format!(" {name} "))];
    let rows: Vec<Vec<Seg>> = view.rows.into_iter().skip(start).take(height).map(|r| r.segs).collect();
    render_rows(frame, area, title, Window { rows, start, total, cursor: Some(cursor) }, theme);
}
