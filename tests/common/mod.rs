//! Shared by the integration tests: drive the store with the demo script or fixtures, render a
//! frame on ratatui's `TestBackend`, and turn the buffer into a snapshot that shows colours too.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use unicode_width::UnicodeWidthStr;

use vigil::catalog::Catalog;
use vigil::keymap::Keymap;
use vigil::model::Timestamp;
use vigil::sources::Message;
use vigil::sources::demo::{DemoScript, Scenario};
use vigil::store::Posture;
use vigil::theme::{Theme, Token};
use vigil::ui::{self, Banner, RenderContext, View};

/// When every test's demo starts.
pub fn t0() -> Timestamp {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

pub fn at(seconds: i64) -> Timestamp {
    t0() + jiff::SignedDuration::from_secs(seconds)
}

/// The demo's store and narration as they stand `seconds` after it starts at [`t0`].
pub fn demo(seconds: u64) -> (Posture, View) {
    let (_, posture, view) = demo_script(seconds);
    (posture, view)
}

/// Answers a lookup from the demo's script, as its responder would.
pub fn answer(script: &DemoScript, posture: &mut Posture, request: &vigil::model::Request, now: Timestamp) {
    if let vigil::model::Request::Lookup { subject, sections, .. } = request {
        posture.begin_lookup(subject, sections, now);
        for section in sections {
            let result = script.lookup(subject, *section);
            posture.answer(vigil::model::Answer::Section {
                subject: subject.clone(),
                section: *section,
                at: now,
                result,
            });
        }
    }
}

/// The demo's script too, to answer lookups with.
pub fn demo_script(seconds: u64) -> (DemoScript, Posture, View) {
    let mut script = DemoScript::new(Scenario::workshop(), t0());
    let mut posture = Posture::new(Catalog::default_catalog());
    for (kind, interval) in DemoScript::feeds() {
        posture.register_source(kind, interval);
    }
    let mut view = View::new(Banner::Demo { title: script.title().to_string() });
    let mut messages = script.opening();
    loop {
        for m in messages {
            match m {
                Message::Event(e) => posture.apply(e),
                Message::Step(step) => view.take_step(step),
                Message::Account(_) | Message::Answer(_) | Message::Reset => {}
            }
        }
        let (t, next) = script.next_moment();
        if t > seconds {
            break;
        }
        messages = next;
    }
    (script, posture, view)
}

pub fn render(posture: &Posture, view: &View, theme: &Theme, now: Timestamp, width: u16, height: u16) -> Buffer {
    let keymap = Keymap::default();
    let ctx = RenderContext { theme, keymap: &keymap, now };
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::render(f, posture, view, &ctx)).unwrap();
    terminal.backend().buffer().clone()
}

/// The frame as text, then the same frame as a map of styles (one letter per cell) with a
/// legend naming each style by the theme tokens it matches.
pub fn snapshot(buffer: &Buffer, theme: &Theme) -> String {
    let area = buffer.area;
    let mut text = String::new();
    let mut map = String::new();
    let mut letters: BTreeMap<StyleKey, char> = BTreeMap::new();
    let mut order: Vec<(char, Style)> = Vec::new();
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for y in 0..area.height {
        let mut skip = 0;
        for x in 0..area.width {
            let cell = &buffer[(x, y)];
            let style = cell.style();
            let key = StyleKey::of(style);
            let letter = if key == StyleKey::of(Style::default()) {
                '.'
            } else {
                let n = letters.len();
                *letters.entry(key).or_insert_with(|| {
                    let c = LETTERS.chars().nth(n).unwrap_or('#');
                    order.push((c, style));
                    c
                })
            };
            map.push(letter);
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = cell.symbol();
            text.push_str(symbol);
            skip = symbol.width().saturating_sub(1);
        }
        text.push('\n');
        map.push('\n');
    }
    let mut out = text;
    out.push_str("── styles ──\n");
    out.push_str(&map);
    out.push_str("── legend ──\n");
    for (letter, style) in order {
        let _ = writeln!(out, "{letter} {}{}", describe(style), token_names(style, theme));
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct StyleKey(String, String, u16);

impl StyleKey {
    fn of(s: Style) -> Self {
        let fg = s.fg.map(|c| format!("{c:?}")).unwrap_or_default();
        let bg = s.bg.map(|c| format!("{c:?}")).unwrap_or_default();
        let m = s.add_modifier.difference(s.sub_modifier).bits();
        StyleKey(fg, bg, m)
    }
}

fn color(c: Option<Color>) -> String {
    match c {
        None | Some(Color::Reset) => "-".into(),
        Some(Color::Rgb(r, g, b)) => format!("#{r:02x}{g:02x}{b:02x}"),
        Some(other) => format!("{other:?}"),
    }
}

fn describe(s: Style) -> String {
    let mods = s.add_modifier.difference(s.sub_modifier);
    let mut out = format!("fg={} bg={}", color(s.fg), color(s.bg));
    if mods != Modifier::empty() {
        let _ = write!(out, " {mods:?}");
    }
    out
}

/// The tokens whose colours a style carries, so a snapshot says `pass` rather than a colour.
fn token_names(s: Style, theme: &Theme) -> String {
    let names: Vec<&str> = Token::ALL
        .iter()
        .filter(|t| {
            let ts = theme.style(**t);
            ts.fg.is_some() && ts.fg == s.fg && (ts.bg.is_none() || ts.bg == s.bg)
        })
        .map(|t| t.name())
        .collect();
    if names.is_empty() { String::new() } else { format!("  ({})", names.join(", ")) }
}

/// Compares a frame with its snapshot in the top-level `snapshots/` folder.
pub fn check(name: &str, buffer: &Buffer, theme: &Theme) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, snapshot(buffer, theme)));
}

/// A frame's text, row by row.
pub fn text(buffer: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            s.push_str(buffer[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// A story played up to `step` (0-based; `None`: the baseline) at once, as the presenter's jump
/// leaves it: the posture, and a view with the story's caption bar.
pub fn story(scenario: &str, step: Option<usize>) -> (Posture, View, Timestamp) {
    let scenario = Scenario::built_in(scenario).expect("a built-in scenario");
    let mut script = DemoScript::new(scenario, t0());
    let mut posture = Posture::new(Catalog::default_catalog());
    for (kind, interval) in DemoScript::feeds() {
        posture.register_source(kind, interval);
    }
    let mut view = View::new(Banner::Demo { title: script.title().to_string() });
    view.story = Some(vigil::ui::Story::new(script.steps().len(), true));
    if let Some(story) = &mut view.story {
        story.paused = true;
    }
    let mut messages = script.opening();
    let mut at = 0;
    if let Some(step) = step {
        messages.extend(script.play_through(step));
        at = script.steps()[step].at;
    }
    for m in messages {
        match m {
            Message::Event(e) => posture.apply(e),
            Message::Step(s) => view.take_step(s),
            Message::Reset => {
                posture = Posture::new(Catalog::default_catalog());
                view.restart_story();
            }
            Message::Account(_) | Message::Answer(_) => {}
        }
    }
    if step.is_some() {
        vigil::ui::follow_story(&mut view, &posture, at_secs(at));
    }
    (posture, view, at_secs(at))
}

fn at_secs(seconds: u64) -> Timestamp {
    t0() + jiff::SignedDuration::from_secs(seconds as i64)
}
