//! The help overlay: the keys in force (so remapped keys show), what the symbols mean.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::keymap::{Action, Keymap};
use crate::model::StatusLevel;
use crate::theme::{Theme, Token};

pub fn render(frame: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    for action in Action::ALL {
        let keys: Vec<String> = keymap.keys_for(action).iter().map(ToString::to_string).collect();
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<22}", keys.join(" ")), theme.style(Token::Key)),
            Span::styled(action.description(), theme.style(Token::Text)),
        ]));
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
    let width = 72.min(area.width);
    let [v] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(v);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(theme.style(Token::Title))
        .title(Line::from(Span::styled(" Help — Esc or ? to close ", theme.style(Token::Title))));
    frame.render_widget(Paragraph::new(lines).block(block).style(theme.style(Token::Text)), popup);
}
