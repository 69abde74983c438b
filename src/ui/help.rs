//! The help overlay: the keys in force (so remapped keys show), what the symbols mean.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::text::fit;
use crate::keymap::{Action, Keymap};
use crate::model::StatusLevel;
use crate::theme::{Theme, Token};

/// The legend's rows below the keys (a blank line, the symbols, two explanations).
const LEGEND_ROWS: usize = 4;

pub fn render(frame: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let entry = |action: Action, keys_width: usize, text_width: usize| {
        let keys: Vec<String> = keymap.keys_for(action).iter().map(ToString::to_string).collect();
        vec![
            Span::styled(format!(" {}", fit(&keys.join(" "), keys_width)), theme.style(Token::Key)),
            Span::styled(fit(action.description(), text_width), theme.style(Token::Text)),
        ]
    };
    // One column when every key fits on the screen, else two (80x24 shows them all).
    let two_columns = Action::ALL.len() + LEGEND_ROWS + 2 > area.height as usize && area.width >= 78;
    if two_columns {
        let half = Action::ALL.len().div_ceil(2);
        // The left column as wide as its longest description; the right one takes the rest.
        let left = Action::ALL[..half].iter().map(|a| a.description().chars().count()).max().unwrap_or(0) + 2;
        let right = 78usize.saturating_sub(2 * 13 + left);
        for i in 0..half {
            let mut spans = entry(Action::ALL[i], 12, left);
            if let Some(&other) = Action::ALL.get(i + half) {
                spans.extend(entry(other, 12, right));
            }
            lines.push(Line::from(spans));
        }
    } else {
        for action in Action::ALL {
            lines.push(Line::from(entry(action, 22, 46)));
        }
    }
    lines.push(Line::from(""));
    let mut legend = vec![Span::raw(" ")];
    for level in StatusLevel::ALL {
        legend.push(Span::styled(
            format!("{} {}  ", level.symbol(), level.label()),
            theme.style(Token::for_status(level)),
        ));
    }
    lines.push(Line::from(legend));
    lines.push(Line::from(Span::styled(
        " FAIL n: distinct failing resources; n+: at least n (count capped)",
        theme.style(Token::Muted),
    )));
    lines.push(Line::from(Span::styled(
        " STALE: data older than three poll intervals of its source",
        theme.style(Token::Muted),
    )));
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = if two_columns { 80 } else { 72 }.min(area.width);
    let [v] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(v);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(theme.style(Token::Title))
        .title(Line::from(Span::styled(" Help — Esc or ? to close ", theme.style(Token::Title))));
    frame.render_widget(Paragraph::new(lines).block(block).style(theme.style(Token::Text)), popup);
}
