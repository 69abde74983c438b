//! Writing straight into the frame's cells where ratatui's widgets do more than a large frame
//! can afford: a list's rows (a paragraph reflows and restyles its whole area) and a bordered
//! box (a block restyles every cell inside it, though its style is the default). What lands in
//! the cells is what the widgets would put there; the tests compare the two.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
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

/// Draws `Block::bordered()` with left-aligned titles on top (one cell apart) and a
/// right-aligned one at the bottom, leaving the cells inside untouched; returns the inside.
pub fn draw_box(
    buf: &mut Buffer,
    area: Rect,
    border_style: Style,
    titles: &[Line],
    bottom_right: Option<&Line>,
) -> Rect {
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
    let room = Rect { x: left.saturating_add(1), y: top, width: area.width.saturating_sub(2), height: 1 };
    let mut free = room;
    for title in titles {
        if free.is_empty() {
            break;
        }
        let width = title.width() as u16;
        put_line(buf, free.x, top, title, width.min(free.width));
        let advance = width.saturating_add(1);
        free.x = free.x.saturating_add(advance);
        free.width = free.width.saturating_sub(advance);
    }
    if let Some(line) = bottom_right
        && !room.is_empty()
    {
        let width = (line.width() as u16).min(room.width);
        let x = room.right().saturating_sub(line.width() as u16).max(room.left());
        put_line(buf, x, bottom, line, width);
    }
    area.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 })
}

/// Sets `style` on every cell of `area`, as `Buffer::set_style` does, a row at a time.
pub fn fill_style(buf: &mut Buffer, area: Rect, style: Style) {
    // The default style changes nothing in a cell.
    if style == Style::default() {
        return;
    }
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        let start = usize::from(y - buf.area.y) * usize::from(buf.area.width) + usize::from(area.x - buf.area.x);
        for cell in &mut buf.content[start..start + usize::from(area.width)] {
            cell.set_style(style);
        }
    }
}

/// A cell of a table row: its lines (each with its own alignment) and its style.
pub struct TableCell<'a> {
    pub lines: Vec<Line<'a>>,
    pub style: Style,
}

/// A table row: its cells, its height in lines and the style of its whole width.
pub struct TableRow<'a> {
    pub cells: Vec<TableCell<'a>>,
    pub height: u16,
    pub style: Style,
}

/// Draws what ratatui's `Table` draws with no selection state, column spacing 1 and the
/// default flex (a one-line header, then as many rows as fit and a part of the next), without
/// its restyling of the whole area and its per-cell text widgets.
pub fn draw_table(buf: &mut Buffer, area: Rect, widths: &[Constraint], header: &TableRow, rows: &[TableRow]) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let columns =
        Layout::horizontal(widths.iter().copied()).flex(Flex::Start).spacing(1).split(Rect::new(0, 0, area.width, 1));
    let header_area = Rect { height: header.height.min(area.height), ..area };
    draw_row(buf, header_area, &columns, header);
    let body = Rect { y: header_area.bottom(), height: area.height - header_area.height, ..area };
    let mut y = body.y;
    for row in rows {
        if y >= body.bottom() {
            break;
        }
        // A row that does not fit whole is drawn cut, and is the last.
        let height = row.height.min(body.bottom() - y);
        draw_row(buf, Rect { y, height, ..body }, &columns, row);
        if height < row.height {
            break;
        }
        y += row.height;
    }
}

fn draw_row(buf: &mut Buffer, area: Rect, columns: &[Rect], row: &TableRow) {
    fill_style(buf, area, row.style);
    for (column, cell) in columns.iter().zip(&row.cells) {
        let cell_area = Rect { x: area.x + column.x, width: column.width, ..area }.intersection(buf.area);
        fill_style(buf, cell_area, cell.style);
        for (line, y) in cell.lines.iter().zip(cell_area.top()..cell_area.bottom()) {
            put_aligned(buf, Rect { y, height: 1, ..cell_area }, line);
        }
    }
}

/// One line in a one-row area with its alignment, as the `Line` widget draws it.
fn put_aligned(buf: &mut Buffer, area: Rect, line: &Line) {
    let ascii = line.spans.iter().all(|s| s.content.bytes().all(|b| (b' '..=b'~').contains(&b)));
    let width = line.width();
    if !ascii || (width > usize::from(area.width) && line.alignment.is_some_and(|a| a != Alignment::Left)) {
        ratatui::widgets::Widget::render(line, area, buf);
        return;
    }
    if width == 0 || area.is_empty() {
        return;
    }
    fill_style(buf, area, line.style);
    let indent = match line.alignment {
        Some(Alignment::Right) => usize::from(area.width).saturating_sub(width),
        Some(Alignment::Center) => usize::from(area.width).saturating_sub(width) / 2,
        _ => 0,
    } as u16;
    let mut x = area.x + indent;
    for span in &line.spans {
        x = put_ascii(buf, x, area.y, &span.content, area.right().saturating_sub(x), span.style);
    }
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
                .title("two")
                .title_bottom(position.clone().right_aligned());
            Paragraph::new(lines()).block(block).render(area, &mut by_widgets);
            let mut by_hand = Buffer::empty(Rect::new(0, 0, 45, 12));
            let inner = draw_box(
                &mut by_hand,
                area,
                Style::new().fg(Color::Blue),
                &[title.clone(), Line::from("two")],
                Some(&position),
            );
            for (y, line) in (inner.top()..inner.bottom()).zip(&lines()) {
                put_line(&mut by_hand, inner.x, y, line, inner.width);
            }
            assert_eq!(by_hand, by_widgets, "{width}x{height}");
        }
    }

    fn table_rows() -> (TableRow<'static>, Vec<TableRow<'static>>) {
        let cell = |lines: Vec<Line<'static>>, style: Style| TableCell { lines, style };
        let header = TableRow {
            cells: vec![
                cell(vec![], Style::new()),
                cell(vec!["ID".into()], Style::new()),
                cell(vec!["Control".into()], Style::new()),
            ],
            height: 1,
            style: Style::new().dim(),
        };
        let selected = Style::new().bg(Color::Blue);
        let rows = (0..7)
            .map(|i| TableRow {
                cells: vec![
                    cell(vec![Line::from(format!("{i} ")).right_aligned()], Style::new().fg(Color::Red)),
                    cell(
                        vec![Line::from(format!("CTL-{i:02}"))],
                        Style::new().fg(Color::Gray).patch(if i == 2 { selected } else { Style::new() }),
                    ),
                    cell(
                        vec![Line::from("a title that wraps"), Line::from("onto a second line é̀ 日本語")],
                        Style::new().fg(Color::White),
                    ),
                    cell(vec![Line::from("12,345 ").right_aligned()], Style::new()),
                ],
                height: if i % 3 == 0 { 2 } else { 1 },
                style: if i == 2 { selected } else { Style::new() },
            })
            .collect();
        (header, rows)
    }

    fn as_widget(row: &TableRow<'static>) -> ratatui::widgets::Row<'static> {
        let cells = row
            .cells
            .iter()
            .map(|c| ratatui::widgets::Cell::from(ratatui::text::Text::from(c.lines.clone())).style(c.style));
        ratatui::widgets::Row::new(cells.collect::<Vec<_>>()).height(row.height).style(row.style)
    }

    /// A table drawn by hand gives the cells ratatui's `Table` gives.
    #[test]
    fn a_table_by_hand_matches_the_widget() {
        let (header, rows) = table_rows();
        let widths = [Constraint::Length(3), Constraint::Length(6), Constraint::Length(14), Constraint::Length(7)];
        for (width, height) in [(40, 14), (40, 6), (20, 5), (12, 3), (40, 1), (3, 2)] {
            let area = Rect::new(2, 1, width, height);
            let mut by_widget = Buffer::empty(Rect::new(0, 0, 45, 16));
            let table = ratatui::widgets::Table::new(rows.iter().map(as_widget).collect::<Vec<_>>(), widths)
                .header(as_widget(&header))
                .column_spacing(1);
            Widget::render(table, area, &mut by_widget);
            let mut by_hand = Buffer::empty(Rect::new(0, 0, 45, 16));
            draw_table(&mut by_hand, area, &widths, &header, &rows);
            assert_eq!(by_hand, by_widget, "{width}x{height}");
        }
    }
}
