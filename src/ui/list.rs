//! What every list screen shares: rows of styled pieces, what Enter on a row leads to, and
//! drawing a window of a longer list with the cursor row highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::cells;
use crate::model::{ConfigCompliance, ResourceId, StatusLevel, Sym, Timestamp};
use crate::theme::{Theme, Token};

/// A piece of a row: its meaning and its text.
pub type Seg = (Token, String);

pub fn seg(token: Token, text: impl Into<String>) -> Seg {
    (token, text.into())
}

pub fn level_seg(level: StatusLevel) -> Seg {
    seg(Token::for_status(level), format!("{} ", level.symbol()))
}

pub fn heading(text: String) -> Vec<Seg> {
    vec![seg(Token::Title, text)]
}

pub fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// The short form of a resource type: `NotebookInstance` for `AWS::SageMaker::NotebookInstance`.
pub fn short_type(kind: &str) -> &str {
    kind.rsplit("::").next().unwrap_or(kind)
}

/// What Enter on a row leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Resource(ResourceId),
    /// A guardrail test, by name: its explanation.
    Guardrail(Sym),
    /// A control, by catalog index.
    Control(usize),
    /// A finding, by id.
    Finding(Sym),
    /// An account: the dashboard narrowed to it.
    Account(String),
}

pub fn compliance_level(c: Option<ConfigCompliance>) -> StatusLevel {
    match c {
        Some(ConfigCompliance::Compliant) => StatusLevel::Pass,
        Some(ConfigCompliance::NonCompliant) => StatusLevel::Fail,
        _ => StatusLevel::Unknown,
    }
}

/// Where a window of `height` rows from `start` stands in a list of `total`: ` 11-20 of 41 `;
/// nothing when the whole list shows, or when no row can (a tiny terminal).
pub fn position(start: usize, height: usize, total: usize) -> Option<String> {
    if height == 0 || total <= height {
        return None;
    }
    let first = start.min(total - 1) + 1;
    let last = (start + height).min(total);
    Some(format!(" {first}-{last} of {total} "))
}

/// Cuts a row to `cells` cells, ending in `…` where it was cut.
pub fn fit_row(row: Vec<Seg>, cells: usize) -> Vec<Seg> {
    let total: usize = row.iter().map(|(_, s)| super::text::width(s)).sum();
    if total <= cells {
        return row;
    }
    let mut out = Vec::with_capacity(row.len());
    let mut used = 0;
    for (token, text) in row {
        let w = super::text::width(&text);
        if used + w < cells {
            used += w;
            out.push((token, text));
            continue;
        }
        out.push((token, super::text::truncate_end(&text, cells - used).into_owned()));
        break;
    }
    out
}

pub fn to_line(row: Vec<Seg>, theme: &Theme) -> Line<'static> {
    Line::from(row.into_iter().map(|(t, s)| Span::styled(s, theme.style(t))).collect::<Vec<_>>())
}

/// The rows on screen of a longer list.
pub struct Window {
    pub rows: Vec<Vec<Seg>>,
    /// The list position of the first row shown.
    pub start: usize,
    /// The list's length.
    pub total: usize,
    pub cursor: Option<usize>,
}

/// Draws a list's window in a bordered block, with the cursor row highlighted when given.
pub fn render_rows(frame: &mut Frame, area: Rect, title: Vec<Seg>, window: Window, theme: &Theme) {
    let Window { rows, start, total, cursor } = window;
    let height = area.height.saturating_sub(2) as usize;
    let position = position(start, height, total).map(|p| Line::from(Span::styled(p, theme.style(Token::Muted))));
    let inner = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let line = to_line(fit_row(row, inner), theme);
            if cursor == Some(start + i) {
                Line::from(super::selected(line.spans, theme)).style(theme.style(Token::Selection))
            } else {
                line
            }
        })
        .collect();
    // Rows and borders straight into the cells: a list never wraps nor scrolls sideways, and a
    // paragraph's reflow and a block's restyling of every cell cost half of a large frame.
    let buf = frame.buffer_mut();
    let content = cells::draw_box(buf, area, theme.style(Token::Border), &[to_line(title, theme)], position.as_ref());
    for (y, line) in (content.top()..content.bottom()).zip(&lines) {
        cells::put_line(buf, content.x, y, line, content.width);
    }
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn the_position_is_sane_at_any_size() {
        assert_eq!(position(0, 10, 41).as_deref(), Some(" 1-10 of 41 "));
        assert_eq!(position(40, 10, 41).as_deref(), Some(" 41-41 of 41 "));
        assert_eq!(position(0, 0, 6), None, "no rows shown: no position (was `1-0 of 6`)");
        assert_eq!(position(0, 6, 6), None);
    }
}
