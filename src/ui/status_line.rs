//! The status line: the demo's narration or a message, and key hints.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{clean, truncate_end, width};
use super::view::{Screen, View};
use crate::keymap::{Action, Keymap};
use crate::theme::{Theme, Token};

pub fn render(frame: &mut Frame, area: Rect, view: &View, keymap: &Keymap, theme: &Theme) {
    if let Some(text) = &view.typing {
        // The filter being typed, where the user looks for it.
        let prompt = Line::from(vec![
            Span::styled(format!(" /{}▏", clean(text)), theme.style(Token::Key)),
            Span::styled("  ~regex  !not", theme.style(Token::Muted)),
        ]);
        frame.render_widget(Paragraph::new(prompt), area);
        let hints = Line::from(vec![
            Span::styled(" Enter", theme.style(Token::Key)),
            Span::styled(" keep ", theme.style(Token::Muted)),
            Span::styled(" Esc", theme.style(Token::Key)),
            Span::styled(" clear ", theme.style(Token::Muted)),
        ]);
        frame.render_widget(Paragraph::new(hints).alignment(Alignment::Right), area);
        return;
    }
    let hints: &[(Action, &str)] = match view.screen {
        Screen::Overview => &[
            (Action::Down, "move"),
            (Action::NextPane, "pane"),
            (Action::Enter, "open"),
            (Action::Filter, "filter"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        Screen::Control { .. } => &[
            (Action::Down, "move"),
            (Action::Enter, "resource"),
            (Action::Back, "back"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        Screen::Resource { .. } => &[
            (Action::Down, "move"),
            (Action::Enter, "open"),
            (Action::Remediate, "fix"),
            (Action::CopyLink, "link"),
            (Action::Refresh, "reload"),
            (Action::Back, "back"),
        ],
        Screen::Finding { .. } => &[
            (Action::Down, "move"),
            (Action::Enter, "resource"),
            (Action::Workflow, "workflow"),
            (Action::CopyLink, "link"),
            (Action::Back, "back"),
        ],
        Screen::Guardrail { .. } => {
            &[(Action::Down, "move"), (Action::Back, "back"), (Action::Help, "help"), (Action::Quit, "quit")]
        }
    };
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
    let hints_width: usize = right.iter().map(|s| width(&s.content)).sum();
    let total = area.width as usize;
    if hints_width < total {
        frame.render_widget(Paragraph::new(Line::from(right)).alignment(Alignment::Right), area);
    }
    let room = total.saturating_sub(hints_width + 1);
    if let Some(m) = view.message.as_deref() {
        let message = format!(" ▶ {}", clean(m));
        let message = truncate_end(&message, room).into_owned();
        let left = Rect { width: width(&message) as u16, ..area };
        frame.render_widget(Paragraph::new(Span::styled(message, theme.style(Token::Title))), left);
    }
}
