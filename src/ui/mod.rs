//! Rendering: a pure function of the store, the view, the theme and the time.

pub mod accounts;
mod caption;
mod cells;
pub mod changes;
mod charts;
pub mod command_line;
pub mod detail;
pub mod dialog;
pub mod export;
pub mod filter;
pub mod finding;
pub mod guardrail;
mod header;
pub mod help;
pub mod layout;
pub mod list;
mod panes;
pub mod resource;
mod row_box;
pub mod search;
pub mod sources;
mod status_line;
pub mod text;
mod view;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub use view::{Banner, Dialog, Frozen, RowBox, Screen, Sort, Story, View, visible_pane, window_start};

use crate::keymap::Keymap;
use crate::model::{ControlKind, Timestamp};
use crate::store::Posture;
use crate::theme::{Theme, Token};

/// Everything render needs besides the store and the view.
pub struct RenderContext<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: Timestamp,
}

/// Draws one frame.
pub fn render(frame: &mut Frame, posture: &Posture, view: &View, ctx: &RenderContext) {
    let area = frame.area();
    let theme = ctx.theme;
    frame.render_widget(Block::new().style(theme.style(Token::Text)), area);
    if area.width < 20 || area.height < 8 {
        let msg = Paragraph::new("vigil needs at least 20x8").style(theme.style(Token::Warn));
        frame.render_widget(msg, area);
        return;
    }
    // A story's caption bar takes the foot of the screen; the rest is laid out above it.
    let full_area = area;
    let area = match &view.story {
        Some(story) if area.height >= 12 => {
            let h = caption::height(story, ctx.keymap, area.width).min(area.height / 3);
            let bar = Rect { y: area.bottom() - h, height: h, ..area };
            caption::render(frame, bar, story, ctx.keymap, theme);
            Rect { height: area.height - h, ..area }
        }
        _ => area,
    };
    match &view.screen {
        Screen::Overview => overview(frame, area, posture, view, ctx),
        Screen::Control { index, cursor } => {
            let (header, body, status) = layout::full(area);
            header::render(frame, header, posture, view, theme, ctx.now);
            let narrow = detail::Narrow {
                filter: view.detail_filter.as_ref(),
                min_severity: view.min_severity,
                sort: view.sort,
            };
            detail::render_control(frame, body, posture, *index, Some(*cursor), narrow, theme, ctx.now);
            status_line::render(frame, status, view, posture, ctx.keymap, theme);
        }
        Screen::Resource { id, cursor } => {
            let (header, body, status) = layout::full(area);
            header::render(frame, header, posture, view, theme, ctx.now);
            resource::render(frame, body, posture, id, *cursor, view.write, theme, ctx.now);
            status_line::render(frame, status, view, posture, ctx.keymap, theme);
        }
        Screen::Finding { id, cursor } => {
            let (header, body, status) = layout::full(area);
            header::render(frame, header, posture, view, theme, ctx.now);
            finding::render(frame, body, posture, id, *cursor, view.write, theme, ctx.now);
            status_line::render(frame, status, view, posture, ctx.keymap, theme);
        }
        Screen::Sources { scroll } => {
            let (header, body, status) = layout::full(area);
            header::render(frame, header, posture, view, theme, ctx.now);
            sources::render(frame, body, posture, *scroll, theme, ctx.now);
            status_line::render(frame, status, view, posture, ctx.keymap, theme);
        }
        Screen::Accounts { cursor, column } => {
            let (header, body, status) = layout::full(area);
            header::render(frame, header, posture, view, theme, ctx.now);
            accounts::render(frame, body, posture, (*cursor, *column), theme);
            status_line::render(frame, status, view, posture, ctx.keymap, theme);
        }
        Screen::Guardrail { name, cursor } => {
            let (header, body, status) = layout::full(area);
            header::render(frame, header, posture, view, theme, ctx.now);
            guardrail::render(frame, body, posture, name, *cursor, theme);
            status_line::render(frame, status, view, posture, ctx.keymap, theme);
        }
        Screen::Changes { cursor } => {
            let (header, body, status) = layout::full(area);
            header::render(frame, header, posture, view, theme, ctx.now);
            changes::render(frame, body, posture, view, *cursor, theme, ctx.now);
            status_line::render(frame, status, view, posture, ctx.keymap, theme);
        }
    }
    if let Some(d) = &view.dialog {
        dialog::render(frame, full_area, posture, d, view.audit_log.as_deref(), theme);
    }
    if let Some(story) = &view.story
        && story.history
    {
        caption::render_history(frame, full_area, story, theme);
    }
    if let Some(b) = &view.row_box {
        row_box::render(frame, full_area, b, theme);
    }
    if view.help {
        let mode = help::Mode::of(view, posture.is_organization());
        help::render(frame, full_area, ctx.keymap, mode, theme, view.help_scroll);
    }
}

/// Cells a row is built at to be read uncut.
const UNCUT: usize = 4096;

/// The row under the cursor as it reads uncut, on the screens that are lists of rows.
pub fn full_row(view: &View, posture: &Posture) -> Option<Vec<list::Seg>> {
    match &view.screen {
        Screen::Control { index, cursor } => {
            let narrow = detail::Narrow {
                filter: view.detail_filter.as_ref(),
                min_severity: view.min_severity,
                sort: view.sort,
            };
            detail::ControlDetail::filtered(posture, *index, UNCUT, view.now, narrow).row(*cursor, UNCUT)
        }
        Screen::Resource { id, cursor } => resource::ResourceView::new(posture, id, UNCUT, view.write, view.now)
            .rows
            .into_iter()
            .nth(*cursor)
            .map(|r| r.segs),
        Screen::Finding { id, cursor } => {
            finding::FindingView::new(posture, id, UNCUT, view.write).rows.into_iter().nth(*cursor).map(|r| r.segs)
        }
        Screen::Guardrail { name, cursor } => guardrail::row_at(posture, name, *cursor, UNCUT),
        Screen::Changes { cursor } => changes::visible(posture, view).get(*cursor).map(|c| {
            let mut row = vec![(crate::theme::Token::Muted, format!("{}  ", c.at.strftime("%Y-%m-%d %H:%M:%S")))];
            row.push((crate::theme::Token::Text, changes::plain(posture, c)));
            row
        }),
        Screen::Overview | Screen::Sources { .. } | Screen::Accounts { .. } => None,
    }
}

/// Whether the row under the cursor is cut on a screen `view.width` wide.
pub fn row_is_cut(view: &View, posture: &Posture) -> bool {
    let inner = if view.width == 0 { 78 } else { view.width.saturating_sub(2) as usize };
    full_row(view, posture).is_some_and(|row| row.iter().map(|(_, s)| text::width(s)).sum::<usize>() > inner)
}

/// After a story's step: the control it narrates gets the focus and the cursor, so that the
/// detail under the caption shows it whether or not its status changed. A step that names no
/// control (a scenario file's may not) selects the control whose status changed last.
pub fn follow_story(view: &mut View, posture: &Posture, since: Timestamp) {
    let named = view.story.as_ref().and_then(|s| s.current()).and_then(|s| s.control.as_deref());
    match named.and_then(|id| posture.control_index(id)) {
        Some(index) => {
            let kind = posture.control(index).kind;
            view.focus = kind;
            let list = view::visible_pane(posture, view, kind);
            // A control the presenter's own filter hides stays hidden.
            if let Some(row) = list.iter().position(|&i| i == index) {
                view.selected[kind.index()] = row;
            }
        }
        None => select_changed(view, posture, since),
    }
}

/// The focused pane's cursor goes to the control whose status changed last (at or after
/// `since`).
pub fn select_changed(view: &mut View, posture: &Posture, since: Timestamp) {
    let list = view::visible_pane(posture, view, view.focus);
    let latest = list
        .iter()
        .enumerate()
        .filter_map(|(row, &i)| posture.status_changed_at(i).filter(|at| *at >= since).map(|at| (at, row)))
        .max_by_key(|(at, row)| (*at, std::cmp::Reverse(*row)));
    if let Some((_, row)) = latest {
        view.selected[view.focus.index()] = row;
    }
}

/// Where Enter on the cursor row leads, on any screen.
pub fn under_cursor(view: &View, posture: &Posture) -> Option<list::Target> {
    // Row counts and targets depend neither on the width nor on the time.
    const WIDTH: usize = 80;
    match &view.screen {
        Screen::Overview => {
            let list = view::visible_pane(posture, view, view.focus);
            match list.get(view.selected[view.focus.index()].min(list.len().saturating_sub(1))) {
                Some(&i) => Some(list::Target::Control(i)),
                // The pane keeps no control: the search's match highlighted.
                None => search::chosen(view, posture),
            }
        }
        Screen::Control { index, cursor } => {
            let narrow = detail::Narrow {
                filter: view.detail_filter.as_ref(),
                min_severity: view.min_severity,
                sort: view.sort,
            };
            detail::ControlDetail::filtered(posture, *index, WIDTH, Timestamp::UNIX_EPOCH, narrow).target(*cursor)
        }
        Screen::Resource { id, cursor } => resource::ResourceView::outline(posture, id, view.write).target(*cursor),
        Screen::Finding { id, cursor } => finding::FindingView::new(posture, id, WIDTH, view.write).target(*cursor),
        Screen::Accounts { cursor, .. } => accounts::account_at(posture, *cursor).map(list::Target::Account),
        Screen::Changes { cursor } => {
            changes::visible(posture, view).get(*cursor).and_then(|c| changes::target(posture, c))
        }
        Screen::Guardrail { .. } | Screen::Sources { .. } => None,
    }
}

/// The selection's style laid over every span of a line, so that the selection's colours win
/// over each span's own (a span's foreground would otherwise stay, often unreadable on the
/// selection's background).
pub fn selected<'a>(spans: impl IntoIterator<Item = Span<'a>>, theme: &Theme) -> Vec<Span<'a>> {
    let selection = theme.style(Token::Selection);
    // A span's own reverse video would turn the selection inside out under it.
    let keep_reversed = selection.add_modifier.contains(ratatui::style::Modifier::REVERSED);
    spans
        .into_iter()
        .map(|s| {
            let s = s.patch_style(selection);
            if keep_reversed {
                s
            } else {
                s.patch_style(ratatui::style::Style::new().remove_modifier(ratatui::style::Modifier::REVERSED))
            }
        })
        .collect()
}

fn overview(frame: &mut Frame, area: Rect, posture: &Posture, view: &View, ctx: &RenderContext) {
    let theme = ctx.theme;
    let wide = area.width >= layout::WIDE;
    let shown: Vec<ControlKind> = if wide { ControlKind::ALL.to_vec() } else { vec![view.focus] };
    let lists: Vec<Vec<usize>> = ControlKind::ALL.iter().map(|k| view::visible_pane(posture, view, *k)).collect();
    let pane_width = layout::pane_width(area.width);
    let wanted = layout::PaneHeight {
        wrapped: shown
            .iter()
            .map(|k| panes::height_needed(posture, *k, &lists[k.index()], pane_width, ctx.now))
            .max()
            .unwrap_or(3),
        single: shown.iter().map(|k| lists[k.index()].len()).max().unwrap_or(0) + 3,
    };
    let areas = layout::overview(area, wanted, view.story.as_ref().is_some_and(|s| !s.replay));
    header::render(frame, areas.header, posture, view, theme, ctx.now);
    if let Some(tabs) = areas.tabs {
        let mut spans = Vec::new();
        for kind in ControlKind::ALL {
            let summary = posture.pane_summary(kind, ctx.now);
            let mut title = panes::summary_spans(kind, &summary, theme, true);
            if kind == view.focus {
                title = selected(title, theme);
            } else if posture.pane(kind).into_iter().any(|i| panes::recently_changed(posture, i, ctx.now)) {
                // Something changed in a pane nobody is looking at: its tab flashes.
                let flash = theme.style(Token::Warn).add_modifier(ratatui::style::Modifier::REVERSED);
                title = title.into_iter().map(|s| s.patch_style(flash)).collect();
            }
            spans.extend(title);
            spans.push(Span::styled("│", theme.style(Token::Border)));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    }
    for (kind, pane_area) in shown.iter().zip(&areas.panes) {
        let selected = view.selected[kind.index()];
        let narrowed = narrowed(view, *kind);
        let controls = &lists[kind.index()];
        let pane = panes::PaneView {
            kind: *kind,
            selected,
            focused: *kind == view.focus,
            titled: wide,
            controls,
            narrowed: narrowed.as_deref(),
            sorted: (view.sort != Sort::Id).then(|| view.sort.name()),
        };
        panes::render(frame, *pane_area, posture, pane, theme, ctx.now);
    }
    if posture.is_empty() {
        waiting(frame, areas.detail, posture, theme);
    } else if let Some(matches) = search::shown(view, posture) {
        // The search's failing resources and findings, in every control.
        search::render(frame, areas.detail, posture, view, &matches, theme, ctx.now);
    } else if let Some(&index) = {
        let list = &lists[view.focus.index()];
        list.get(view.selected[view.focus.index()].min(list.len().saturating_sub(1)))
    } {
        let narrow = detail::Narrow { filter: None, min_severity: view.min_severity, sort: view.sort };
        detail::render_control(frame, areas.detail, posture, index, None, narrow, theme, ctx.now);
    }
    status_line::render(frame, areas.status, view, posture, ctx.keymap, theme);
}

/// What narrows a pane, for its title: `/bucket`, `≥WARN`, or both.
fn narrowed(view: &View, kind: ControlKind) -> Option<String> {
    let filter = view.filters[kind.index()].as_ref().map(|f| format!("/{}", f.text()));
    let status = view.min_status.map(|l| format!("≥{}", l.label()));
    match (filter, status) {
        (Some(f), Some(s)) => Some(format!("{f} {s}")),
        (f, s) => f.or(s),
    }
}

/// The detail area before any data has arrived: what is awaited, or, when every source has
/// failed, each one's reason.
fn waiting(frame: &mut Frame, area: Rect, posture: &Posture, theme: &Theme) {
    use crate::store::Health;
    let block = Block::bordered().border_style(theme.style(Token::Border));
    let inner_height = area.height.saturating_sub(2);
    let failed: Vec<(&str, String)> = posture
        .sources()
        .filter_map(|(k, s)| match &s.health {
            Health::Error(e) => Some((k.name(), text::clean(&e.to_string()).into_owned())),
            _ => None,
        })
        .collect();
    let all_failed = !failed.is_empty() && failed.len() == posture.sources().count();
    let mut lines: Vec<Line> = Vec::new();
    if all_failed {
        let room = area.width.saturating_sub(4) as usize;
        let top = (inner_height as usize).saturating_sub(failed.len() + 3) / 2;
        lines.extend(std::iter::repeat_n(Line::from(""), top));
        lines.push(Line::from(Span::styled("No data: every source failed", theme.style(Token::Fail))));
        lines.push(Line::from(""));
        for (name, reason) in failed {
            let text = text::truncate_end(&format!("{name}: {reason}"), room).into_owned();
            lines.push(Line::from(Span::styled(text, theme.style(Token::Text))));
        }
        lines.push(Line::from(Span::styled(
            "r tries again now; :sources shows every error in full.",
            theme.style(Token::Muted),
        )));
    } else {
        let names: Vec<&str> = posture.sources().map(|(k, _)| k.name()).collect();
        let from = if names.is_empty() { String::new() } else { format!(" from {}", names.join(", ")) };
        lines.extend(std::iter::repeat_n(Line::from(""), (inner_height / 2).saturating_sub(1) as usize));
        lines.push(Line::from(Span::styled(format!("Waiting for data{from}…"), theme.style(Token::Title))));
        lines.push(Line::from(Span::styled(
            "Controls stay UNKNOWN (?) until their evidence arrives.",
            theme.style(Token::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center).block(block), area);
}
