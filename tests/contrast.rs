//! The selection is readable in every built-in theme: under it, every token's text reaches
//! WCAG AA contrast (4.5:1) against the selection's background, computed from the rendered
//! buffer's styles: a line of every theme token, and the selected rows of real screens.

mod common;

use common::{at, demo_script, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use vigil::app::update;
use vigil::keymap::Action;
use vigil::theme::{Theme, Token};
use vigil::ui::{self, Screen};

const THEMES: [&str; 3] = ["dark", "light", "high-contrast"];

/// xterm's default palette for the 16 named colours; the 256-colour cube and grey ramp.
fn rgb(c: Color) -> Option<(u8, u8, u8)> {
    const NAMED: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    let named = |i: usize| Some(NAMED[i]);
    match c {
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(i) if i < 16 => named(i as usize),
        Color::Indexed(i) if i < 232 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            let i = i - 16;
            Some((level(i / 36), level((i / 6) % 6), level(i % 6)))
        }
        Color::Indexed(i) => {
            let v = 8 + (i - 232) * 10;
            Some((v, v, v))
        }
        Color::Reset => None,
    }
}

/// WCAG 2.x relative luminance and contrast ratio.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Every cell on the selection's background (reversed cells swap their colours first) must be
/// readable. Returns how many cells were checked.
fn check_selected_cells(buffer: &Buffer, theme: &Theme, what: &str) -> usize {
    let selection = theme.style(Token::Selection);
    let bg = selection.bg.expect("the selection has a background");
    let mut checked = 0;
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            let (mut fg, mut cbg) = (cell.fg, cell.bg);
            if cell.modifier.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut cbg);
            }
            if cbg != bg || cell.symbol().trim().is_empty() {
                continue;
            }
            let (Some(f), Some(b)) = (rgb(fg), rgb(cbg)) else {
                panic!(
                    "{what}: a selected cell at {x},{y} ({:?}) has a colour the theme does not set: {fg:?} on {cbg:?}",
                    cell.symbol()
                );
            };
            let ratio = contrast(f, b);
            assert!(
                ratio >= 4.5,
                "{what}: {:?} at {x},{y} is {fg:?} on {cbg:?}: {ratio:.2}:1, under 4.5:1",
                cell.symbol()
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_token_is_readable_under_the_selection_in_every_theme() {
    for name in THEMES {
        let theme = Theme::load(name, false).unwrap();
        let spans: Vec<Span> =
            Token::ALL.iter().map(|t| Span::styled(format!("{} ", t.name()), theme.style(*t))).collect();
        let line = Line::from(ui::selected(spans, &theme)).style(theme.style(Token::Selection));
        let mut terminal = Terminal::new(TestBackend::new(200, 1)).unwrap();
        terminal.draw(|f| f.render_widget(Paragraph::new(line), f.area())).unwrap();
        let checked = check_selected_cells(terminal.backend().buffer(), &theme, name);
        let letters: usize = Token::ALL.iter().map(|t| t.name().len()).sum();
        assert_eq!(checked, letters, "{name}: every letter of every token is on the selection");
    }
}

#[test]
fn the_selected_rows_of_real_screens_are_readable_in_every_theme() {
    for name in THEMES {
        let theme = Theme::load(name, false).unwrap();
        let (script, mut posture, mut view) = demo_script(40);
        let mut checked = 0;
        // The panes side by side, and as tabs at 80x24.
        checked += check_selected_cells(&render(&posture, &view, &theme, at(40), 160, 48), &theme, name);
        checked += check_selected_cells(&render(&posture, &view, &theme, at(40), 80, 24), &theme, name);
        // A control's detail with its cursor on a failing resource; the resource's view.
        update(&mut view, &posture, Action::Enter);
        checked += check_selected_cells(&render(&posture, &view, &theme, at(40), 160, 48), &theme, name);
        for c in update(&mut view, &posture, Action::Enter) {
            if let vigil::app::Command::Request(r) = c {
                common::answer(&script, &mut posture, &r, at(41));
            }
        }
        assert!(matches!(view.screen, Screen::Resource { .. }));
        for _ in 0..8 {
            update(&mut view, &posture, Action::Down);
            checked += check_selected_cells(&render(&posture, &view, &theme, at(41), 160, 48), &theme, name);
        }
        assert!(checked > 500, "{name}: {checked} selected cells checked");
    }
}
