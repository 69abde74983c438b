//! The caption bar of a story (the demo): `step k/N`, the step's title and its caption, wrapped
//! rather than cut, in the theme's strongest contrast so that a room can read it; and the
//! narration so far (`N`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::text::{clean, width, wrap};
use super::view::Story;
use crate::keymap::{Action, Keymap};
use crate::theme::{Theme, Token};

/// Most lines the caption's text takes.
const MAX_CAPTION_LINES: usize = 3;

/// The title line and the caption's lines, for a bar `width` wide.
fn lines(story: &Story, keymap: &Keymap, width_cells: u16) -> (String, String, Vec<String>) {
    let measure = (width_cells as usize).saturating_sub(2).max(10);
    let unit = if story.replay { "poll" } else { "step" };
    let (head, caption) = match story.current() {
        None if story.replay => (
            format!(" poll 0/{} · the start of the recording ", story.total),
            format!("Nothing has arrived yet. {} plays the first poll.", keymap.hint(Action::NextStep)),
        ),
        None => (
            format!(" step 0/{} · the baseline ", story.total),
            format!("The account before the story starts. {} plays the first step.", keymap.hint(Action::NextStep)),
        ),
        Some(step) if story.finished() => (
            format!(
                " {unit} {}/{} · {} · the {} is over ",
                step.index + 1,
                step.total,
                clean(&step.title),
                if story.replay { "recording" } else { "story" }
            ),
            format!(
                "{}{} Press {} to play it again, {} to step back.",
                clean(&step.caption),
                // A poll's caption is a list, not a sentence.
                if step.caption.trim_end().ends_with(['.', '!', '?']) { "" } else { "." },
                keymap.hint(Action::Restart),
                keymap.hint(Action::PrevStep)
            ),
        ),
        Some(step) => (
            format!(" {unit} {}/{} · {} ", step.index + 1, step.total, clean(&step.title)),
            clean(&step.caption).into_owned(),
        ),
    };
    let keys = format!(
        "{} next  {} back  {} story   ",
        keymap.hint(Action::NextStep),
        keymap.hint(Action::PrevStep),
        keymap.hint(Action::Narration)
    );
    let pace = if story.paused { format!("⏸ paused · {}x ", story.speed) } else { format!("▶ {}x ", story.speed) };
    // The keys where there is room for them beside the title, the pace always.
    let state = if width(&head) + width(&keys) + width(&pace) < width_cells as usize { keys + &pace } else { pace };
    let mut wrapped = wrap(&caption, measure);
    if wrapped.len() > MAX_CAPTION_LINES {
        let rest = wrapped[MAX_CAPTION_LINES - 1..].join(" ");
        wrapped.truncate(MAX_CAPTION_LINES - 1);
        wrapped.push(super::text::truncate_end(&rest, measure).into_owned());
    }
    (head, state, wrapped)
}

/// Rows the bar takes at this width.
pub fn height(story: &Story, keymap: &Keymap, width: u16) -> u16 {
    1 + lines(story, keymap, width).2.len() as u16
}

pub fn render(frame: &mut Frame, area: Rect, story: &Story, keymap: &Keymap, theme: &Theme) {
    let (head, state, caption) = lines(story, keymap, area.width);
    let strong = theme.style(Token::Selection);
    frame.render_widget(Block::new().style(strong), area);
    let top = Rect { height: 1, ..area };
    frame.render_widget(Paragraph::new(Span::styled(head.clone(), strong)), top);
    // The pace, at the right where the title leaves room.
    if width(&head) + width(&state) < area.width as usize {
        frame.render_widget(Paragraph::new(Span::styled(state, strong)).right_aligned(), top);
    }
    let body = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
    let text: Vec<Line> = caption.into_iter().map(|l| Line::from(Span::styled(format!(" {l}"), strong))).collect();
    frame.render_widget(Paragraph::new(text).style(strong), body);
}

/// `N`: every step played so far, with its caption, over the screen.
pub fn render_history(frame: &mut Frame, area: Rect, story: &Story, theme: &Theme) {
    let popup_width = area.width.saturating_sub(4).min(100);
    // The caption sits under the title, inside the border.
    let measure = (popup_width as usize).saturating_sub(14).max(10);
    let mut lines: Vec<Line> = Vec::new();
    if story.played.is_empty() {
        lines.push(Line::from(Span::styled(" nothing yet: the story has not started", theme.style(Token::Muted))));
    }
    for step in &story.played {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:>2}/{} ", step.index + 1, step.total), theme.style(Token::Key)),
            Span::styled(format!("{:02}:{:02} ", step.at / 60, step.at % 60), theme.style(Token::Muted)),
            Span::styled(clean(&step.title).into_owned(), theme.style(Token::Title)),
            Span::styled(format!("  ({})", step.pane.name()), theme.style(Token::Muted)),
        ]));
        for part in wrap(&clean(&step.caption), measure) {
            lines.push(Line::from(Span::styled(format!("           {part}"), theme.style(Token::Text))));
        }
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let inner = height.saturating_sub(2) as usize;
    // The latest steps are in sight until the presenter scrolls up, as far as the first.
    let last_start = lines.len().saturating_sub(inner);
    let start = last_start.saturating_sub(story.history_back.min(last_start));
    let below = lines.len().saturating_sub(start + inner);
    let [v] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(popup_width)]).flex(Flex::Center).areas(v);
    frame.render_widget(Clear, popup);
    let mut block = Block::bordered()
        .border_style(theme.style(Token::Title))
        .title(Span::styled(" The story so far — N or Esc to close ", theme.style(Token::Title)));
    if start > 0 {
        let more = format!(" ↑ {start} more above (k, PgUp, g) ");
        block = block.title(Line::from(Span::styled(more, theme.style(Token::Key))).right_aligned());
    }
    if below > 0 {
        let more = format!(" ↓ {below} more below (j, PgDn, G) ");
        block = block.title_bottom(Line::from(Span::styled(more, theme.style(Token::Key))).right_aligned());
    }
    let paragraph = Paragraph::new(lines).block(block).style(theme.style(Token::Text)).scroll((start as u16, 0));
    frame.render_widget(paragraph, popup);
}
