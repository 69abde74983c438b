//! The help overlay: the keys in force in this mode (so remapped keys show, and a live
//! dashboard lists no story keys), what the symbols mean, the commands; as wide as the screen
//! allows, every line whole (descriptions wrap rather than being cut).

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::command_line::COMMANDS;
use super::text::{fit, width, wrap};
use super::view::View;
use crate::keymap::{Action, Keymap};
use crate::model::StatusLevel;
use crate::theme::{Theme, Token};

/// What the words and numbers on screen mean, for a newcomer.
const TERMS: [(&str, &str); 13] = [
    ("Posture 71%", "controls at PASS over controls with data (UNKNOWN ones are not counted)"),
    ("P 56% D 78% C 83%", "the same score for the Preventive, Detective and Corrective panes"),
    ("Fail 3 / —", "failing resources; — means nothing counted (no data, or not a count)"),
    ("0", "counted, and none failing"),
    ("(2 items)", "a resource failing through several rules or findings"),
    ("2h05m", "in a control's lists: how long the resource has been failing there, the finding open"),
    ("config·hub·tests", "Evidence: Config rules, Security Hub, CloudWatch metrics, guardrail tests"),
    ("quiet", "Activity: no alarm firing, no open finding, the metric flat"),
    ("⚑ 1 CRIT · 2 open", "live activity: open CRITICAL or HIGH detections, alarms firing (the control still PASS)"),
    ("2 firing · 3 open", "alarms in ALARM, open findings on the control"),
    ("auto · 1 due", "Remediation: automatic or manual; resources waiting to be fixed"),
    ("n in 27 points", "a metric's sum over the points held, and how many"),
    ("ok 5s · loading", "a source's health and the age of its data; :sources tells more"),
];

/// What decides which keys are in force.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// A story plays (the demo, a replay): the presenter's keys.
    pub story: bool,
    /// Many accounts or regions: the Accounts view and narrowing.
    pub organization: bool,
    /// `--write`: the corrective actions.
    pub write: bool,
}

impl Mode {
    pub fn of(view: &View, organization: bool) -> Mode {
        Mode { story: view.story.is_some(), organization, write: view.write }
    }

    fn in_force(self, action: Action) -> bool {
        use Action::*;
        match action {
            Pause | NextStep | PrevStep | Restart | Faster | Slower | Narration => self.story,
            Accounts | NextAccount | ScrollLeft | ScrollRight => self.organization,
            Remediate | Workflow => self.write,
            _ => true,
        }
    }
}

/// The popup's width on a screen `screen` cells wide.
fn popup_width(screen: u16) -> u16 {
    screen.saturating_sub(4).min(160)
}

/// Cells a key takes in the list.
const KEYS: usize = 14;
/// Cells a term takes before its meaning.
const TERM: usize = 20;

/// The help's lines for a popup `inner` cells wide: keys (in columns where there is room),
/// symbols, terms, commands.
fn lines<'a>(keymap: &Keymap, theme: &Theme, inner: usize, mode: Mode) -> Vec<Line<'a>> {
    let mut lines: Vec<Line> = Vec::new();
    let heading = |text: &str| Line::from(Span::styled(format!(" {text}"), theme.style(Token::Title)));
    lines.push(heading("Keys"));
    let actions: Vec<Action> = Action::ALL.into_iter().filter(|a| mode.in_force(*a)).collect();
    // As many columns as fit with the longest description whole.
    let longest = actions.iter().map(|a| width(a.description())).max().unwrap_or(0);
    let column = 1 + KEYS + longest + 2;
    let columns = (inner / column).clamp(1, 3);
    let rows = actions.len().div_ceil(columns);
    for r in 0..rows {
        let mut spans = Vec::new();
        for c in 0..columns {
            let Some(&action) = actions.get(c * rows + r) else { continue };
            let keys: Vec<String> = keymap.keys_for(action).iter().map(ToString::to_string).collect();
            spans.push(Span::styled(format!(" {}", fit(&keys.join(" "), KEYS)), theme.style(Token::Key)));
            spans.push(Span::styled(fit(action.description(), longest + 2), theme.style(Token::Text)));
        }
        lines.push(Line::from(spans));
    }
    if !mode.write {
        lines.push(Line::from(Span::styled(
            " x (start a remediation) and w (a finding's workflow) need vigil --write",
            theme.style(Token::Muted),
        )));
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
        // The meaning wraps under itself.
        for (i, part) in wrap(meaning, inner.saturating_sub(TERM + 2).max(20)).into_iter().enumerate() {
            let term = if i == 0 { term } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {}", fit(term, TERM)), theme.style(Token::Key)),
                Span::styled(part, theme.style(Token::Text)),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(heading("Commands (:)"));
    let usages: Vec<String> = COMMANDS
        .iter()
        .map(
            |spec| {
                if spec.args.is_empty() { format!(":{}", spec.name) } else { format!(":{} {}", spec.name, spec.args) }
            },
        )
        .collect();
    let usage_width = usages.iter().map(|u| width(u)).max().unwrap_or(0) + 2;
    for (spec, usage) in COMMANDS.iter().zip(usages) {
        // On a narrow screen what it does goes under the command, whole.
        if usage_width + 20 > inner {
            lines.push(Line::from(Span::styled(format!(" {usage}"), theme.style(Token::Key))));
            for part in wrap(spec.about, inner.saturating_sub(4).max(10)) {
                lines.push(Line::from(Span::styled(format!("   {part}"), theme.style(Token::Text))));
            }
            continue;
        }
        for (i, part) in wrap(spec.about, inner.saturating_sub(usage_width + 1).max(10)).into_iter().enumerate() {
            let shown = if i == 0 { usage.as_str() } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {}", fit(shown, usage_width)), theme.style(Token::Key)),
                Span::styled(part, theme.style(Token::Text)),
            ]));
        }
    }
    lines
}

/// The most rows the help has for this view on its screen, for scrolling.
pub fn max_len(view: &View, organization: bool) -> usize {
    let theme = Theme::built_in("dark").expect("built in");
    let screen = if view.width == 0 { 80 } else { view.width };
    let inner = popup_width(screen).saturating_sub(2) as usize;
    lines(&Keymap::default(), &theme, inner, Mode::of(view, organization)).len()
}

pub fn render(frame: &mut Frame, area: Rect, keymap: &Keymap, mode: Mode, theme: &Theme, scroll: usize) {
    let width = popup_width(area.width);
    let lines = lines(keymap, theme, width.saturating_sub(2) as usize, mode);
    let total = lines.len();
    let height = (total as u16 + 2).min(area.height);
    let inner = height.saturating_sub(2) as usize;
    let scroll = scroll.min(total.saturating_sub(inner));
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
