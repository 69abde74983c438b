//! The three panes: tables of controls with status symbol and counts. What differs between
//! them (the last column) lives in one file per pane.

mod corrective;
mod detective;
mod preventive;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::text::{clean, truncate_end};
use super::view::window_start;
use crate::model::{ControlKind, StatusLevel, Timestamp};
use crate::store::{PaneSummary, Posture};
use crate::theme::{Theme, Token};

const ID_WIDTH: u16 = 6;
const FAIL_WIDTH: u16 = 4;
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
    /// The filter, when one is set.
    pub filter: Option<&'a str>,
}

/// Draws one pane's table.
pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, pane: PaneView, theme: &Theme, now: Timestamp) {
    let PaneView { kind, selected, focused, titled, controls, filter } = pane;
    let border = if focused { theme.style(Token::Title) } else { theme.style(Token::Border) };
    let mut block = Block::bordered().border_style(border);
    if titled {
        let summary = posture.pane_summary(kind, now);
        block = block.title(Line::from(summary_spans(kind, &summary, theme, false)));
    }
    if let Some(text) = filter {
        // What is filtered, and how much of the pane it keeps: `/bucket 3 of 10`.
        let counts = format!(" {} of {} ", controls.len(), posture.pane(kind).len());
        block = block.title(Line::from(vec![
            Span::styled(format!(" /{}", clean(text)), theme.style(Token::Key)),
            Span::styled(counts, theme.style(Token::Muted)),
        ]));
    }
    let inner = block.inner(area);
    let extra = column(kind);
    let compact = inner.width < 64;
    let status_width: u16 = if compact { 1 } else { 9 };
    // Status, id and failing count, with one cell between columns.
    let fixed = status_width + ID_WIDTH + FAIL_WIDTH + 3;
    let show_extra = inner.width >= fixed + 1 + extra.width + MIN_TITLE;
    let title_width = inner.width.saturating_sub(fixed + if show_extra { extra.width + 1 } else { 0 });

    let rows_visible = inner.height.saturating_sub(1) as usize;
    let selected = selected.min(controls.len().saturating_sub(1));
    let start = window_start(controls.len(), selected, rows_visible);
    let rows: Vec<Row> = controls
        .iter()
        .enumerate()
        .skip(start)
        .take(rows_visible)
        .map(|(position, &i)| {
            let control = posture.control(i);
            let status = posture.control_status(i, now);
            let level = status.level();
            let count = status.failing().map_or_else(|| "—".to_string(), |n| n.to_string());
            // On the selected row the selection's colours win over each cell's own.
            let is_selected = focused && position == selected;
            let style = |token: Token| {
                let own = theme.style(token);
                if is_selected { own.patch(theme.style(Token::Selection)) } else { own }
            };
            let mut cells = vec![
                Cell::from(status_text(level, compact)).style(style(Token::for_status(level))),
                Cell::from(clean(&control.id).into_owned()).style(style(Token::Muted)),
                Cell::from(truncate_end(&clean(&control.title), title_width as usize).into_owned())
                    .style(style(Token::Text)),
                Cell::from(Line::from(count).right_aligned()).style(style(Token::for_status(level))),
            ];
            if show_extra {
                let (token, text) = (extra.cell)(posture, i, now);
                cells.push(Cell::from(truncate_end(&text, extra.width as usize).into_owned()).style(style(token)));
            }
            let row = Row::new(cells);
            if is_selected { row.style(theme.style(Token::Selection)) } else { row }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(status_width),
        Constraint::Length(ID_WIDTH),
        Constraint::Length(title_width),
        Constraint::Length(FAIL_WIDTH),
    ];
    let mut heading = vec!["", "ID", "Control", "Fail"];
    if show_extra {
        widths.push(Constraint::Length(extra.width));
        heading.push(extra.heading);
    }
    let header = Row::new(heading.into_iter().map(Cell::from)).style(theme.style(Token::Muted));
    let table = Table::new(rows, widths).header(header).block(block).column_spacing(1).style(Style::default());
    frame.render_widget(table, area);
}
