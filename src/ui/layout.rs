//! Where things go at a given terminal size.

use ratatui::layout::{Constraint, Layout, Rect};

/// At this width and more, the three panes stand side by side; below it they are tabs.
pub const WIDE: u16 = 120;

pub struct Areas {
    pub header: Rect,
    /// The tab bar, when the panes are tabs.
    pub tabs: Option<Rect>,
    /// One area per pane shown: three when wide, one when tabs.
    pub panes: Vec<Rect>,
    pub detail: Rect,
    pub status: Rect,
}

/// Splits the screen. `pane_rows` is the number of controls in the longest pane shown.
pub fn overview(area: Rect, pane_rows: usize) -> Areas {
    let wide = area.width >= WIDE;
    let [header, body, status] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let (tabs, body) = if wide {
        (None, body)
    } else {
        let [tabs, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
        (Some(tabs), rest)
    };
    // Table rows plus borders and the column header; the detail keeps at least a third.
    let wanted = pane_rows as u16 + 3;
    let table_height = wanted.min(body.height.saturating_sub(body.height / 3).max(5)).min(body.height);
    let [table, detail] = Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(body);
    let panes = if wide { Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(table).to_vec() } else { vec![table] };
    Areas { header, tabs, panes, detail, status }
}

/// Header, body and status line, for the drill-down screens.
pub fn full(area: Rect) -> (Rect, Rect, Rect) {
    let [header, body, status] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    (header, body, status)
}
