//! Where things go at a given terminal size.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::model::ControlKind;

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

/// The panes' height as they would like it: with titles wrapped whole, or one line a control.
#[derive(Debug, Clone, Copy)]
pub struct PaneHeight {
    pub wrapped: usize,
    pub single: usize,
}

/// Where the panes' table is drawn as tabs or side by side, for a screen `width` wide.
pub fn pane_width(width: u16) -> u16 {
    if width >= WIDE { width / ControlKind::COUNT as u16 } else { width }
}

/// Splits the screen. The panes take the height their rows need, titles wrapped where that
/// leaves the detail a third of the body (half while a story plays: the detail shows what the
/// caption narrates), else one line a control.
pub fn overview(area: Rect, wanted: PaneHeight, story: bool) -> Areas {
    let wide = area.width >= WIDE;
    let [header, body, status] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let (tabs, body) = if wide {
        (None, body)
    } else {
        let [tabs, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
        (Some(tabs), rest)
    };
    // The detail keeps at least a third, or half.
    let kept = if story { body.height / 2 } else { body.height / 3 };
    let limit = body.height.saturating_sub(kept).max(5);
    let wanted = if wanted.wrapped <= limit as usize { wanted.wrapped } else { wanted.single };
    let table_height = (wanted.min(u16::MAX as usize) as u16).min(limit).min(body.height);
    let [table, detail] = Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(body);
    let panes = if wide {
        Layout::horizontal([Constraint::Ratio(1, ControlKind::COUNT as u32); ControlKind::COUNT]).split(table).to_vec()
    } else {
        vec![table]
    };
    Areas { header, tabs, panes, detail, status }
}

/// Header, body and status line, for the drill-down screens.
pub fn full(area: Rect) -> (Rect, Rect, Rect) {
    let [header, body, status] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    (header, body, status)
}
