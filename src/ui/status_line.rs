//! The status line: the demo's narration or a message, and key hints.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::command_line::{CommandLine, Input};
use super::list::Target;
use super::text::{clean, truncate_end, truncate_start, width};
use super::view::{Screen, View};
use crate::keymap::{Action, Keymap};
use crate::store::Posture;
use crate::theme::{Theme, Token};

/// What Enter does on the row under the cursor, in a word (`None`: nothing).
fn enter_word(view: &View, posture: &Posture) -> Option<&'static str> {
    super::under_cursor(view, posture).map(|t| match t {
        Target::Control(_) => "control",
        Target::Resource(_) => "resource",
        Target::Finding(_) => "finding",
        Target::Guardrail(_) => "test",
        Target::Account(_) => "account",
    })
}

pub fn render(frame: &mut Frame, area: Rect, view: &View, posture: &Posture, keymap: &Keymap, theme: &Theme) {
    if let Some(line) = &view.command {
        command_line(frame, area, line, theme);
        return;
    }
    if let Some(input) = &view.typing {
        filter_line(frame, area, input, view, posture, theme);
        return;
    }
    // Enter's word says what it opens on this row; without a target there is no Enter hint.
    let enter = enter_word(view, posture);
    let hints: Vec<(Action, &str)> = hints_for(&view.screen)
        .into_iter()
        .filter_map(|(a, w)| match a {
            Action::Enter => enter.map(|e| (a, e)),
            _ => Some((a, w)),
        })
        .collect();
    let hints_width = hints_line(frame, area, &hints, keymap, theme);
    let room = (area.width as usize).saturating_sub(hints_width + 1);
    if let Some(m) = view.message_shown(view.wall) {
        let message = format!(" ▶ {}", clean(m));
        let message = truncate_end(&message, room).into_owned();
        let left = Rect { width: width(&message) as u16, ..area };
        frame.render_widget(Paragraph::new(Span::styled(message, theme.style(Token::Title))), left);
    }
}

/// The filter being typed, where the user looks for it, and what Enter and Esc will do.
fn filter_line(
    frame: &mut Frame,
    area: Rect,
    input: &super::command_line::Input,
    view: &View,
    posture: &Posture,
    theme: &Theme,
) {
    let prompt = Line::from(vec![
        Span::styled(prompt(" /", input, area.width), theme.style(Token::Key)),
        Span::styled("  ~regex  !not", theme.style(Token::Muted)),
    ]);
    frame.render_widget(Paragraph::new(prompt), area);
    // Enter opens the overview search's match highlighted, else keeps the filter.
    let enter = if super::search::will_open(view, posture) { " open " } else { " keep " };
    let hints = Line::from(vec![
        Span::styled(" Enter", theme.style(Token::Key)),
        Span::styled(enter, theme.style(Token::Muted)),
        Span::styled(" Esc", theme.style(Token::Key)),
        Span::styled(" clear ", theme.style(Token::Muted)),
    ]);
    frame.render_widget(Paragraph::new(hints).alignment(Alignment::Right), area);
}

/// The keys each screen hints at, in the order they are dropped from last on a narrow screen
/// (Enter's word is filled in by the row under the cursor).
fn hints_for(screen: &Screen) -> Vec<(Action, &'static str)> {
    match screen {
        Screen::Overview => vec![
            (Action::Down, "move"),
            (Action::NextPane, "pane"),
            (Action::Enter, ""),
            (Action::Filter, "filter"),
            (Action::Command, "command"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        Screen::Control { .. } => vec![
            (Action::Down, "move"),
            (Action::Enter, ""),
            (Action::ViewRow, "whole row"),
            (Action::Filter, "filter"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        Screen::Resource { .. } => vec![
            (Action::Down, "move"),
            (Action::Enter, ""),
            (Action::Remediate, "fix"),
            (Action::CopyId, "copy ARN"),
            (Action::ViewRow, "whole row"),
            (Action::Refresh, "reload"),
            (Action::Back, "back"),
        ],
        Screen::Finding { .. } => vec![
            (Action::Down, "move"),
            (Action::Enter, ""),
            (Action::Workflow, "workflow"),
            (Action::CopyId, "copy id"),
            (Action::CopyLink, "link"),
            (Action::ViewRow, "whole row"),
            (Action::Back, "back"),
        ],
        Screen::Accounts { .. } => vec![
            (Action::Down, "move"),
            (Action::Enter, ""),
            (Action::ScrollRight, "columns"),
            (Action::NextAccount, "next account"),
            (Action::Preventive, "panes"),
            (Action::Quit, "quit"),
        ],
        Screen::Changes { .. } => vec![
            (Action::Down, "move"),
            (Action::Enter, ""),
            (Action::Filter, "filter"),
            (Action::ViewRow, "whole row"),
            (Action::Back, "back"),
            (Action::Quit, "quit"),
        ],
        Screen::Sources { .. } => {
            vec![
                (Action::Down, "scroll"),
                (Action::Refresh, "poll now"),
                (Action::Back, "back"),
                (Action::Quit, "quit"),
            ]
        }
        Screen::Guardrail { .. } => {
            vec![(Action::Down, "move"), (Action::Back, "back"), (Action::Help, "help"), (Action::Quit, "quit")]
        }
    }
}

/// The hints on the right of the line, as many as fit; how wide they are.
fn hints_line(frame: &mut Frame, area: Rect, hints: &[(Action, &str)], keymap: &Keymap, theme: &Theme) -> usize {
    let mut right: Vec<Span> = Vec::new();
    for (action, what) in hints {
        let keys = if *action == Action::Down {
            format!("{}/{}", keymap.hint(Action::Down), keymap.hint(Action::Up))
        } else {
            keymap.hint(*action)
        };
        right.push(Span::styled(format!(" {keys}"), theme.style(Token::Key)));
        right.push(Span::styled(format!(" {what} "), theme.style(Token::Muted)));
    }
    let total = area.width as usize;
    // On a narrow screen hints go from the end, but help and quit (the last two, where the
    // list ends with quit) stay to the last: the hint before them goes first.
    let kept_last = if hints.last().is_some_and(|(a, _)| *a == Action::Quit) { 2 } else { 0 };
    while right.len() > 2 && right.iter().map(|s| width(&s.content)).sum::<usize>() >= total {
        let shown = right.len() / 2;
        let drop = if shown > kept_last { shown - kept_last - 1 } else { shown - 1 };
        right.drain(drop * 2..drop * 2 + 2);
    }
    let hints_width: usize = right.iter().map(|s| width(&s.content)).sum();
    if hints_width < total {
        frame.render_widget(Paragraph::new(Line::from(right)).alignment(Alignment::Right), area);
    }
    hints_width
}

/// A line being typed after its prompt, with `▏` where the cursor is. Text before the cursor
/// that would push it off the screen is cut from the start (`…`).
fn prompt(before_text: &str, input: &Input, columns: u16) -> String {
    let (before, after) = input.split();
    let before = clean(before);
    // The prompt, the cursor and a cell to spare.
    let room = (columns as usize).saturating_sub(width(before_text) + 2);
    format!("{before_text}{}▏{}", truncate_start(&before, room), clean(after))
}

/// The command line being typed, with what Tab offers on the row above.
fn command_line(frame: &mut Frame, area: Rect, line: &CommandLine, theme: &Theme) {
    let prompt = Line::from(Span::styled(prompt(" :", line.input(), area.width), theme.style(Token::Key)));
    frame.render_widget(Block::new().style(theme.style(Token::Text)), area);
    frame.render_widget(Paragraph::new(prompt), area);
    let hints: Vec<Span> = [("Tab", "complete"), ("↑↓", "history"), ("Enter", "run"), ("Esc", "close")]
        .into_iter()
        .flat_map(|(k, what)| {
            [
                Span::styled(format!(" {k}"), theme.style(Token::Key)),
                Span::styled(format!(" {what} "), theme.style(Token::Muted)),
            ]
        })
        .collect();
    let hints_width: usize = hints.iter().map(|s| width(&s.content)).sum();
    if hints_width + width(line.text()) + 4 <= area.width as usize {
        frame.render_widget(Paragraph::new(Line::from(hints)).alignment(Alignment::Right), area);
    }
    if line.offered.is_empty() || area.y == 0 {
        return;
    }
    // The candidates, the chosen one in the selection's colours, on the row above.
    let above = Rect { y: area.y - 1, ..area };
    let mut spans = vec![Span::styled(" ", theme.style(Token::Header))];
    for (i, candidate) in line.offered.iter().enumerate() {
        let token = if line.chosen == Some(i) { Token::Selection } else { Token::Header };
        spans.push(Span::styled(format!(" {} ", clean(candidate)), theme.style(token)));
        spans.push(Span::styled(" ", theme.style(Token::Header)));
    }
    frame.render_widget(Block::new().style(theme.style(Token::Header)), above);
    frame.render_widget(Paragraph::new(Line::from(spans)), above);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::command_line::Edit;

    #[test]
    fn the_cursor_is_drawn_where_it_is_and_stays_on_the_screen() {
        let mut input = Input::from("pane detective");
        assert_eq!(prompt(" :", &input, 80), " :pane detective▏");
        for _ in 0..9 {
            input.edit(Edit::Left);
        }
        assert_eq!(prompt(" :", &input, 80), " :pane ▏detective");
        // A line longer than the screen loses its start, never the cursor.
        let long = Input::from(format!("export csv /tmp/{}", "x".repeat(60)));
        let shown = prompt(" :", &long, 40);
        assert_eq!(width(&shown), 40 - 1);
        assert!(shown.starts_with(" :…") && shown.ends_with("xx▏"), "{shown}");
    }
}
