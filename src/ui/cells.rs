//! Writing straight into the frame's cells where ratatui's widgets do more than a large frame
//! can afford: a list's rows (a paragraph reflows and restyles its whole area) and a bordered
//! box (a block restyles every cell inside it, though its style is the default). What lands in
//! the cells is what the widgets would put there; the tests compare the two.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::Line;

/// Writes `line` at (x, y), at most `max_width` cells, as `Buffer::set_line` does: printable
/// ASCII (nearly every row) goes cell by cell without grapheme segmentation.
pub fn put_line(buf: &mut Buffer, x: u16, y: u16, line: &Line, max_width: u16) -> u16 {
    let mut x = x;
    let mut remaining = max_width;
    for span in line {
        if remaining == 0 {
            break;
        }
        let style = line.style.patch(span.style);
        let text = span.content.as_ref();
        let next = if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            put_ascii(buf, x, y, text, remaining, style)
        } else {
            buf.set_stringn(x, y, text, usize::from(remaining), style).0
        };
        remaining = remaining.saturating_sub(next.saturating_sub(x));
        x = next;
    }
    x
}

fn put_ascii(buf: &mut Buffer, x: u16, y: u16, text: &str, max_width: u16, style: Style) -> u16 {
    let area = buf.area;
    if y < area.top() || y >= area.bottom() || x < area.left() {
        return x;
    }
    let n = (text.len() as u16).min(max_width).min(area.right().saturating_sub(x));
    let start = usize::from(y - area.y) * usize::from(area.width) + usize::from(x - area.x);
    let cells = &mut buf.content[start..start + usize::from(n)];
    for (cell, byte) in cells.iter_mut().zip(text.bytes()) {
        cell.set_char(char::from(byte)).set_style(style);
    }
    x + n
}

/// Draws `Block::bordered()` with a left-aligned title on top and a right-aligned one at the
/// bottom, leaving the cells inside untouched; returns the inside.
pub fn draw_box(buf: &mut Buffer, area: Rect, border_style: Style, title: &Line, bottom_right: Option<&Line>) -> Rect {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return area;
    }
    let set = border::PLAIN;
    let (left, top) = (area.left(), area.top());
    let (right, bottom) = (area.right() - 1, area.bottom() - 1);
    let mut put = |x: u16, y: u16, symbol: &str| {
        buf[(x, y)].set_symbol(symbol).set_style(border_style);
    };
    for y in top.saturating_add(1)..=bottom.saturating_sub(1) {
        put(left, y, set.vertical_left);
    }
    for x in left.saturating_add(1)..=right.saturating_sub(1) {
        put(x, top, set.horizontal_top);
    }
    for y in top.saturating_add(1)..=bottom.saturating_sub(1) {
        put(right, y, set.vertical_right);
    }
    for x in left.saturating_add(1)..=right.saturating_sub(1) {
        put(x, bottom, set.horizontal_bottom);
    }
    put(right, bottom, set.bottom_right);
    put(right, top, set.top_right);
    put(left, bottom, set.bottom_left);
    put(left, top, set.top_left);
    let titles = Rect { x: left.saturating_add(1), y: top, width: area.width.saturating_sub(2), height: 1 };
    if !titles.is_empty() {
        put_line(buf, titles.x, top, title, titles.width);
        if let Some(line) = bottom_right {
            let width = (line.width() as u16).min(titles.width);
            let x = titles.right().saturating_sub(line.width() as u16).max(titles.left());
            put_line(buf, x, bottom, line, width);
        }
    }
    area.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 })
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier, Stylize};
    use ratatui::text::Span;
    use ratatui::widgets::{Block, Paragraph, Widget};

    use super::*;

    fn lines() -> Vec<Line<'static>> {
        vec![
            Line::from(vec![Span::raw("plain "), Span::styled("red", Style::new().fg(Color::Red))]),
            Line::from(vec![Span::raw("wide 日本語 and é̀ combining"), Span::raw(" tail")]).style(Modifier::REVERSED),
            Line::from("a row much longer than the box it is drawn into, cut at its edge"),
            Line::from(vec![Span::raw("tab\there"), Span::raw(" ok")]),
            Line::from("日本語日本語日本語日本語日本語日本語日本語"),
            Line::default(),
        ]
    }

    /// The rows and the box, drawn by hand and by ratatui's widgets, give the same cells.
    #[test]
    fn drawing_by_hand_matches_the_widgets() {
        for (width, height) in [(30, 8), (3, 3), (1, 1), (2, 5), (40, 2), (13, 9)] {
            let area = Rect::new(1, 1, width, height);
            let title = Line::from(vec![Span::styled(" Title ", Style::new().bold()), Span::raw("日本")]);
            let position = Line::from(" 1-6 of 9 ".dim());
            let mut by_widgets = Buffer::empty(Rect::new(0, 0, 45, 12));
            let block = Block::bordered()
                .border_style(Style::new().fg(Color::Blue))
                .title(title.clone())
                .title_bottom(position.clone().right_aligned());
            Paragraph::new(lines()).block(block).render(area, &mut by_widgets);
            let mut by_hand = Buffer::empty(Rect::new(0, 0, 45, 12));
            let inner = draw_box(&mut by_hand, area, Style::new().fg(Color::Blue), &title, Some(&position));
            for (y, line) in (inner.top()..inner.bottom()).zip(&lines()) {
                put_line(&mut by_hand, inner.x, y, line, inner.width);
            }
            assert_eq!(by_hand, by_widgets, "{width}x{height}");
        }
    }
}
