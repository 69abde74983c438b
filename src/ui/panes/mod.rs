//! The three panes: tables of controls with status symbol and counts. What differs between
//! them (the last column) lives in one file per pane.

mod corrective;
mod detective;
mod preventive;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::cells::{self, TableCell, TableRow};
use super::text::{clean, truncate_end, width, wrap};
use super::view::window_start;
use crate::model::{ControlKind, StatusLevel, Timestamp};
use crate::store::{PaneSummary, Posture};
use crate::theme::{Theme, Token};

/// The pane's own column is shown only if the title keeps at least this much room.
const MIN_TITLE: u16 = 16;

/// The pane's own last column: its heading and, per control, its text.
pub struct PaneColumn {
    pub heading: &'static str,
    pub width: u16,
    pub cell: fn(&Posture, usize, Timestamp) -> (Token, String),
}

fn column(kind: ControlKind) -> PaneColumn {
    match kind {
        ControlKind::Preventive => preventive::COLUMN,
        ControlKind::Detective => detective::COLUMN,
        ControlKind::Corrective => corrective::COLUMN,
    }
}

/// The pane's name with its score and counts, for titles and tabs (`compact`: only what needs
/// attention, so that three tabs fit in 80 columns).
pub fn summary_spans(kind: ControlKind, summary: &PaneSummary, theme: &Theme, compact: bool) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let levels: &[StatusLevel] = if compact {
        &[StatusLevel::Fail, StatusLevel::Warn, StatusLevel::Stale]
    } else {
        &[StatusLevel::Fail, StatusLevel::Warn, StatusLevel::Stale, StatusLevel::Unknown, StatusLevel::Pass]
    };
    for &level in levels {
        let n = summary.count(level);
        if n > 0 {
            spans.push(Span::styled(format!(" {}{n}", level.symbol()), theme.style(Token::for_status(level))));
        }
    }
    let score = summary.score().map_or_else(|| "--%".into(), |s| format!("{s}%"));
    let mut out = vec![Span::styled(format!(" {} {} ", kind.index() + 1, kind.title()), theme.style(Token::Title))];
    out.push(Span::styled(format!("{score} "), theme.style(Token::Text)));
    out.extend(spans);
    out.push(Span::raw(" "));
    out
}

/// Status as symbol and word (or symbol alone where space is short): never colour alone.
pub fn status_text(level: StatusLevel, compact: bool) -> String {
    if compact { level.symbol().to_string() } else { format!("{} {}", level.symbol(), level.label()) }
}

/// How long a row stays marked after its status changed.
pub const MARKED: std::time::Duration = std::time::Duration::from_secs(8);

/// Whether a control's status changed within [`MARKED`] of `now`.
pub fn recently_changed(posture: &Posture, index: usize, now: Timestamp) -> bool {
    posture.status_changed_at(index).is_some_and(|at| at <= now && now.duration_since(at).unsigned_abs() <= MARKED)
}

/// How a pane is shown.
pub struct PaneView<'a> {
    pub kind: ControlKind,
    /// The selected row, highlighted when the pane has the focus.
    pub selected: usize,
    pub focused: bool,
    /// Side by side each pane names itself; as tabs, the tab bar does.
    pub titled: bool,
    /// The controls shown (the pane's, or those its filter keeps), as catalog indexes.
    pub controls: &'a [usize],
    /// What narrows the pane (`/bucket`, `≥WARN`), when something does.
    pub narrowed: Option<&'a str>,
    /// The order `:sort` gives its rows (`count`, `age`), when not the catalog's.
    pub sorted: Option<&'static str>,
}

/// Most lines a wrapped title takes.
const MAX_TITLE_LINES: usize = 3;

/// One control's row, its cells as text.
struct RowText {
    /// Its status changed moments ago: the row is marked.
    changed: bool,
    level: StatusLevel,
    id: String,
    title: String,
    count: String,
    extra: (Token, String),
}

/// The table's columns, sized to what they hold; the title takes the rest.
struct Columns {
    status: u16,
    compact: bool,
    id: u16,
    count: u16,
    /// The pane's own column, when there is room for it.
    extra: Option<u16>,
    title: u16,
}

fn row_texts(posture: &Posture, kind: ControlKind, controls: &[usize], now: Timestamp) -> Vec<RowText> {
    let extra = column(kind);
    controls
        .iter()
        .map(|&i| {
            let control = posture.control(i);
            let status = posture.control_status(i, now);
            let (token, text) = (extra.cell)(posture, i, now);
            RowText {
                changed: recently_changed(posture, i, now),
                level: status.level(),
                id: clean(&control.id).into_owned(),
                title: clean(&control.title).into_owned(),
                count: status.failing().map_or_else(|| "—".to_string(), |n| n.to_string()),
                extra: (token, clean(&text).into_owned()),
            }
        })
        .collect()
}

fn columns(kind: ControlKind, rows: &[RowText], inner_width: u16) -> Columns {
    let widest =
        |f: &dyn Fn(&RowText) -> usize, at_least: usize| rows.iter().map(f).max().unwrap_or(0).max(at_least) as u16;
    let extra = column(kind);
    let compact = inner_width < 64;
    let status = if compact { 1 } else { widest(&|r| width(&status_text(r.level, false)), 1) };
    let id = widest(&|r| width(&r.id), 2);
    // A cell more than the widest count: the pane's own column starts two cells after it, so
    // that `4` and `171 open` never read as 4,171.
    let count = widest(&|r| width(&r.count) + 1, 5);
    let extra_width = widest(&|r| width(&r.extra.1), width(extra.heading)).min(extra.width);
    // Status, id, title and count, with one cell between columns.
    let fixed = status + id + count + 3;
    let show_extra = inner_width >= fixed + 1 + extra_width + MIN_TITLE;
    let extra = show_extra.then_some(extra_width);
    let title = inner_width.saturating_sub(fixed + extra.map_or(0, |w| w + 1));
    Columns { status, compact, id, count, extra, title }
}

/// The lines each row's title takes when wrapped (at most [`MAX_TITLE_LINES`]).
fn title_lines(title: &str, cells: u16) -> Vec<String> {
    let mut lines = wrap(title, cells as usize);
    if lines.len() > MAX_TITLE_LINES {
        let rest = lines[MAX_TITLE_LINES - 1..].join(" ");
        lines.truncate(MAX_TITLE_LINES - 1);
        lines.push(truncate_end(&rest, cells as usize).into_owned());
    }
    lines
}

/// The rows (lines) the pane's table needs to show every title whole: the heading, the
/// controls' wrapped titles and the borders.
pub fn height_needed(posture: &Posture, kind: ControlKind, controls: &[usize], width: u16, now: Timestamp) -> usize {
    let rows = row_texts(posture, kind, controls, now);
    let cols = columns(kind, &rows, width.saturating_sub(2));
    rows.iter().map(|r| title_lines(&r.title, cols.title).len()).sum::<usize>() + 3
}

/// Draws one pane's table. Titles wrap when every row fits that way, else each is cut to a line.
pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, pane: PaneView, theme: &Theme, now: Timestamp) {
    let PaneView { kind, selected, focused, titled, controls, narrowed, sorted } = pane;
    let border = if focused { theme.style(Token::Title) } else { theme.style(Token::Border) };
    let mut titles = Vec::new();
    if titled {
        let summary = posture.pane_summary(kind, now);
        titles.push(Line::from(summary_spans(kind, &summary, theme, false)));
    }
    if let Some(text) = narrowed {
        // What is filtered, and how much of the pane it keeps: `/bucket 3 of 10`.
        let counts = format!(" {} of {} ", controls.len(), posture.pane(kind).len());
        titles.push(Line::from(vec![
            Span::styled(format!(" {}", clean(text)), theme.style(Token::Key)),
            Span::styled(counts, theme.style(Token::Muted)),
        ]));
    }
    if let Some(order) = sorted {
        titles.push(Line::from(Span::styled(format!(" by {order} "), theme.style(Token::Muted))));
    }
    let inner = area.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 });
    let texts = row_texts(posture, kind, controls, now);
    let cols = columns(kind, &texts, inner.width);
    let rows_visible = inner.height.saturating_sub(1) as usize;
    let wrapped: Vec<Vec<String>> = texts.iter().map(|r| title_lines(&r.title, cols.title)).collect();
    let wrap = wrapped.iter().map(Vec::len).sum::<usize>() <= rows_visible;
    let selected = selected.min(controls.len().saturating_sub(1));
    let start = if wrap { 0 } else { window_start(controls.len(), selected, rows_visible) };
    let count = if wrap { texts.len() } else { rows_visible };
    // Controls below the window: the border says which are shown (` 1-8 of 10 `).
    let position = (!wrap)
        .then(|| super::list::position(start, rows_visible, controls.len()))
        .flatten()
        .map(|at| Line::from(Span::styled(at, theme.style(Token::Muted))));
    let rows: Vec<TableRow> = texts
        .iter()
        .zip(wrapped)
        .enumerate()
        .skip(start)
        .take(count)
        .map(|(position, (r, lines))| pane_row(r, lines, focused && position == selected, wrap, &cols, theme))
        .collect();
    let mut widths = vec![
        Constraint::Length(cols.status),
        Constraint::Length(cols.id),
        Constraint::Length(cols.title),
        Constraint::Length(cols.count),
    ];
    let mut heading = vec!["", "ID", "Control", "Fail"];
    if let Some(w) = cols.extra {
        widths.push(Constraint::Length(w));
        heading.push(column(kind).heading);
    }
    let header = TableRow {
        cells: heading.into_iter().map(|h| TableCell { lines: vec![Line::from(h)], style: Style::default() }).collect(),
        height: 1,
        style: theme.style(Token::Muted),
    };
    // Drawn straight into the cells: the pane is most of a large frame, and a table widget
    // restyles every cell of it several times over.
    let buf = frame.buffer_mut();
    let inner = cells::draw_box(buf, area, border, &titles, position.as_ref());
    cells::draw_table(buf, inner, &widths, &header, &rows);
}

/// A control's row in its pane: status, id, title (wrapped or cut), failing count and the
/// pane's own column.
fn pane_row<'a>(
    r: &'a RowText,
    lines: Vec<String>,
    is_selected: bool,
    wrap: bool,
    cols: &Columns,
    theme: &Theme,
) -> TableRow<'a> {
    // On the selected row the selection's colours win over each cell's own.
    let style = |token: Token| {
        let own = theme.style(token);
        if is_selected { own.patch(theme.style(Token::Selection)) } else { own }
    };
    let one = |text: String, style: Style| TableCell { lines: vec![Line::from(text)], style };
    let (title, height) = if wrap {
        let height = lines.len().max(1) as u16;
        (lines.into_iter().map(Line::from).collect(), height)
    } else {
        (vec![Line::from(truncate_end(&r.title, cols.title as usize).into_owned())], 1)
    };
    let mut cells = vec![
        one(status_text(r.level, cols.compact), style(Token::for_status(r.level))),
        // A row whose status just changed: its id stands out (reverse video, not colour alone).
        if r.changed {
            one(r.id.clone(), style(Token::Warn).add_modifier(Modifier::REVERSED | Modifier::BOLD))
        } else {
            one(r.id.clone(), style(Token::Muted))
        },
        TableCell { lines: title, style: style(Token::Text) },
        TableCell {
            lines: vec![Line::from(format!("{} ", r.count)).right_aligned()],
            style: style(Token::for_status(r.level)),
        },
    ];
    if let Some(w) = cols.extra {
        let (token, text) = &r.extra;
        cells.push(one(truncate_end(text, w as usize).into_owned(), style(*token)));
    }
    TableRow { cells, height, style: if is_selected { theme.style(Token::Selection) } else { Style::default() } }
}
