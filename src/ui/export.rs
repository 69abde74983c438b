//! `e`: what is on screen, as plain text, with every row of its lists (drawn once at the height
//! they need, so nothing is left below the window).

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::detail::{ControlDetail, Narrow};
use super::finding::FindingView;
use super::resource::ResourceView;
use super::{RenderContext, Screen, View, render};
use crate::store::Posture;

/// The width the text is drawn at: the panes side by side, titles whole.
pub const WIDTH: u16 = 200;
/// The most rows a view is drawn with (`:export` writes everything).
const MAX_ROWS: usize = 3_000;

/// The rows the screen needs to show every row of its list.
fn rows_needed(posture: &Posture, view: &View) -> usize {
    const CHROME: usize = 8;
    let width = WIDTH as usize;
    let list = match &view.screen {
        Screen::Overview => {
            let panes = crate::model::ControlKind::ALL.iter().map(|k| posture.pane(*k).len()).max().unwrap_or(0);
            let list = super::view::visible_pane(posture, view, view.focus);
            let detail =
                list.get(view.selected[view.focus.index()].min(list.len().saturating_sub(1))).map_or(0, |&i| {
                    let narrow = Narrow { filter: None, min_severity: view.min_severity, sort: view.sort };
                    ControlDetail::filtered(posture, i, width, view.now, narrow).len()
                });
            // The detail keeps a third of the screen at least.
            (panes + CHROME).max(detail * 3 / 2) + detail
        }
        Screen::Control { index, .. } => {
            let narrow =
                Narrow { filter: view.detail_filter.as_ref(), min_severity: view.min_severity, sort: view.sort };
            ControlDetail::filtered(posture, *index, width, view.now, narrow).len()
        }
        Screen::Resource { id, .. } => ResourceView::new(posture, id, width, view.write, view.now).len(),
        Screen::Finding { id, .. } => FindingView::new(posture, id, width, view.write).len(),
        Screen::Guardrail { name, .. } => super::guardrail::len(posture, name),
        Screen::Sources { .. } => super::sources::MAX_LINES,
        Screen::Accounts { .. } => super::accounts::len(posture) + 1,
        Screen::Changes { .. } => super::changes::len(posture, view),
    };
    (list + CHROME).min(MAX_ROWS)
}

/// The view as text: every line of the screen without trailing blanks, the status line left out.
pub fn view_text(posture: &Posture, view: &View, ctx: &RenderContext) -> String {
    let mut clean = view.clone();
    clean.help = false;
    clean.dialog = None;
    clean.command = None;
    clean.typing = None;
    clean.message = None;
    let height = rows_needed(posture, &clean) as u16;
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, height)).expect("an in-memory terminal");
    terminal.draw(|f| render(f, posture, &clean, ctx)).expect("drawing in memory");
    let buffer = terminal.backend().buffer();
    let mut lines: Vec<String> = (0..height.saturating_sub(1))
        .map(|y| {
            let line: String = (0..WIDTH).map(|x| buffer[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}
