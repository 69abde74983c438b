//! One row in full, over the screen: what a list cut to fit (`v`, or Enter on a row that is cut
//! and leads nowhere). Identifiers are broken only after `/` and `:`, never inside a token.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::text::{clean, width};
use super::view::RowBox;
use crate::theme::{Theme, Token};

/// The row's text as lines of at most `cells` cells: at spaces, else after `/` or `:`; a token
/// longer than a line is left whole (the line is longer) rather than broken inside.
pub fn lines(row: &[(Token, String)], cells: usize) -> Vec<Vec<(Token, String)>> {
    let cells = cells.max(10);
    let mut out: Vec<Vec<(Token, String)>> = vec![Vec::new()];
    let mut used = 0;
    for (token, text) in row {
        for piece in pieces(&clean(text)) {
            let w = width(&piece);
            if used > 0 && used + w > cells {
                out.push(Vec::new());
                used = 0;
                if piece.trim().is_empty() {
                    continue;
                }
            }
            let line = out.last_mut().expect("one line at least");
            match line.last_mut() {
                Some((t, s)) if t == token => s.push_str(&piece),
                _ => line.push((*token, piece.clone())),
            }
            used += w;
        }
    }
    out
}

/// Text in the pieces a line may end after: each word with the space after it, and inside a
/// word each part up to and including a `/` or `:`.
fn pieces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, ' ' | '/' | ':') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, b: &RowBox, theme: &Theme) {
    let width = area.width.saturating_sub(4).max(20).min(area.width);
    let inner = width.saturating_sub(2) as usize;
    let lines = lines(&b.row, inner);
    let height = (lines.len() as u16 + 2).min(area.height);
    let visible = height.saturating_sub(2) as usize;
    let scroll = b.scroll.min(lines.len().saturating_sub(visible));
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    let mut block = Block::bordered()
        .border_style(theme.style(Token::Title))
        .title(Span::styled(" The whole row — Esc or v to close, y copies it ", theme.style(Token::Title)));
    if scroll + visible < lines.len() {
        let more = format!(" ↓ {} more (j) ", lines.len() - scroll - visible);
        block = block.title_bottom(Line::from(Span::styled(more, theme.style(Token::Key))).right_aligned());
    }
    let text: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(l.into_iter().map(|(t, s)| Span::styled(s, theme.style(t))).collect::<Vec<_>>()))
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text).block(block).style(theme.style(Token::Text)).scroll((scroll as u16, 0)),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(lines: &[Vec<(Token, String)>]) -> Vec<String> {
        lines.iter().map(|l| l.iter().map(|(_, s)| s.as_str()).collect()).collect()
    }

    #[test]
    fn an_arn_breaks_only_after_a_slash_or_a_colon() {
        let arn = "arn:aws:securityhub:us-east-1:123456789012:security-control/SageMaker.1/finding/58aa07c4-1f4e-4cd2-b0b8-31c5c4f1a2b3";
        let row = vec![(Token::Muted, "Id   ".to_string()), (Token::Text, arn.to_string())];
        let shown = joined(&lines(&row, 40));
        assert!(shown.len() > 1, "{shown:?}");
        assert_eq!(shown.concat(), format!("Id   {arn}"), "nothing lost");
        for l in &shown[..shown.len() - 1] {
            assert!(l.ends_with('/') || l.ends_with(':') || l.ends_with(' '), "broken inside a token: {l:?}");
        }
        // A token longer than a line stays whole.
        let long = "x".repeat(60);
        assert_eq!(joined(&lines(&[(Token::Text, long.clone())], 40)), vec![long]);
    }
}
