//! The help overlay: the keys in force (so remapped keys show), what the symbols mean.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::command_line::COMMANDS;
use super::text::{fit, wrap};
use crate::keymap::{Action, Keymap};
use crate::model::StatusLevel;
use crate::theme::{Theme, Token};

/// What the words and numbers on screen mean, for a newcomer.
const TERMS: [(&str, &str); 11] = [
    ("Posture 71%", "controls at PASS over controls with data (UNKNOWN ones are not counted)"),
    ("P 56% D 78% C 83%", "the same score for the Preventive, Detective and Corrective panes"),
    ("Fail 3 / —", "failing resources; — means nothing counted (no data, or not a count)"),
    ("0", "counted, and none failing"),
    ("(2 items)", "a resource failing through several rules or findings"),
    ("config·hub·tests", "Evidence: Config rules, Security Hub, CloudWatch metrics, guardrail tests"),
    ("quiet", "Activity: no alarm firing, no open finding, the metric flat"),
    ("2 firing · 3 open", "alarms in ALARM, active findings on the control"),
    ("auto · 1 due", "Remediation: automatic or manual; resources waiting to be fixed"),
    ("n in 27 points", "a metric's sum over the points held, and how many"),
    ("ok 5s · loading", "a source's health and the age of its data; :sources tells more"),
];

/// The help's lines: keys, commands, symbols and terms. `two_columns` puts the keys side by side.
fn lines<'a>(keymap: &Keymap, theme: &Theme, two_columns: bool) -> Vec<Line<'a>> {
    let mut lines: Vec<Line> = Vec::new();
    let entry = |action: Action, keys_width: usize, text_width: usize| {
        let keys: Vec<String> = keymap.keys_for(action).iter().map(ToString::to_string).collect();
        vec![
            Span::styled(format!(" {}", fit(&keys.join(" "), keys_width)), theme.style(Token::Key)),
            Span::styled(fit(action.description(), text_width), theme.style(Token::Text)),
        ]
    };
    let heading = |text: &str| Line::from(Span::styled(format!(" {text}"), theme.style(Token::Title)));
    lines.push(heading("Keys"));
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
    lines.push(heading("Symbols"));
    let mut legend = vec![Span::raw(" ")];
    for level in StatusLevel::ALL {
        legend.push(Span::styled(
            format!("{} {}  ", level.symbol(), level.label()),
            theme.style(Token::for_status(level)),
        ));
    }
    lines.push(Line::from(legend));
    for text in [
        " FAIL n: distinct failing resources; n+: at least n (count capped)",
        " STALE: data older than three poll intervals of its source",
    ] {
        lines.push(Line::from(Span::styled(text, theme.style(Token::Muted))));
    }
    lines.push(Line::from(""));
    lines.push(heading("Terms"));
    for (term, meaning) in TERMS {
        // The meaning wraps under itself, inside the 80-column popup.
        for (i, part) in wrap(meaning, 56).into_iter().enumerate() {
            let term = if i == 0 { term } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {}", fit(term, 19)), theme.style(Token::Key)),
                Span::styled(part, theme.style(Token::Text)),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(heading("Commands (:)"));
    for spec in &COMMANDS {
        let usage =
            if spec.args.is_empty() { format!(":{}", spec.name) } else { format!(":{} {}", spec.name, spec.args) };
        lines.push(Line::from(vec![
            Span::styled(format!(" {}", fit(&usage, 45)), theme.style(Token::Key)),
            Span::styled(spec.about, theme.style(Token::Text)),
        ]));
    }
    lines
}

/// The most rows the help has (keys in one column), for scrolling.
pub fn max_len() -> usize {
    let theme = Theme::built_in("dark").expect("built in");
    lines(&Keymap::default(), &theme, false).len()
}

/// Two columns of keys where one would not leave room for the rest (80x24 shows every key).
fn two_columns(area: Rect) -> bool {
    Action::ALL.len() + 2 > (area.height as usize).saturating_sub(8) && area.width >= 78
}

pub fn render(frame: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme, scroll: usize) {
    let two_columns = two_columns(area);
    let lines = lines(keymap, theme, two_columns);
    let total = lines.len();
    let height = (total as u16 + 2).min(area.height);
    let inner = height.saturating_sub(2) as usize;
    let scroll = scroll.min(total.saturating_sub(inner));
    let width = 80.min(area.width);
    let [v] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(v);
    frame.render_widget(Clear, popup);
    let more =
        if scroll + inner < total { format!(" ↓ {} more (j, PgDn) ", total - scroll - inner) } else { String::new() };
    let block = Block::bordered()
        .border_style(theme.style(Token::Title))
        .title(Line::from(Span::styled(" Help — Esc or ? to close ", theme.style(Token::Title))))
        .title_bottom(Line::from(Span::styled(more, theme.style(Token::Key))).right_aligned());
    let paragraph = Paragraph::new(lines).block(block).style(theme.style(Token::Text)).scroll((scroll as u16, 0));
    frame.render_widget(paragraph, popup);
}
