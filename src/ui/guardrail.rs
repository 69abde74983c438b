//! One guardrail test's explanation: the decision, why, the deciding statements with each
//! condition's result, and the policy text with the deciding statement highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::text::{clean, truncate_start};
use super::view::window_start;
use crate::model::{ExplainedStatement, StatusLevel, Sym};
use crate::store::Posture;
use crate::theme::{Theme, Token};

/// A row: its pieces, and whether it is part of the deciding statement's text.
struct Row {
    segs: Vec<(Token, String)>,
    highlight: bool,
}

fn row(segs: Vec<(Token, String)>) -> Row {
    Row { segs, highlight: false }
}

fn text(token: Token, s: impl Into<String>) -> (Token, String) {
    (token, s.into())
}

fn statement_rows(rows: &mut Vec<Row>, s: &ExplainedStatement, deciding: bool, width: usize) {
    let marker = if deciding { "▶ " } else { "  " };
    rows.push(row(vec![
        text(Token::Title, marker),
        text(Token::Text, format!("{} {} ({}) ", clean(&s.layer), clean(&s.statement), clean(&s.effect))),
        text(Token::Muted, format!("in {}", truncate_start(&clean(&s.origin), width.saturating_sub(40)))),
    ]));
    for c in &s.conditions {
        let (level, token) =
            if c.matched { (StatusLevel::Pass, Token::Pass) } else { (StatusLevel::Fail, Token::Fail) };
        let context = match &c.context {
            Some(v) => format!("{v:?}"),
            None => "(absent)".into(),
        };
        rows.push(row(vec![
            text(Token::Text, "    "),
            text(token, format!("{} ", level.symbol())),
            text(Token::Text, clean(&format!("{} {} {:?}", c.operator, c.key, c.values)).into_owned()),
            text(Token::Muted, clean(&format!("  request: {context}")).into_owned()),
        ]));
    }
    if deciding {
        for (i, line) in s.policy_text.lines().enumerate() {
            let inside = s.lines.contains(&i);
            let gutter = if inside { "    ▌ " } else { "    │ " };
            let token = if inside { Token::Text } else { Token::Muted };
            rows.push(Row {
                segs: vec![
                    text(if inside { Token::Title } else { Token::Border }, gutter),
                    text(token, clean(line).into_owned()),
                ],
                highlight: inside,
            });
        }
    }
}

fn rows(posture: &Posture, name: &str, width: usize) -> (String, Vec<Row>) {
    let Some(g) = posture.guardrail(name) else {
        return (name.to_string(), vec![row(vec![text(Token::Muted, "This guardrail test is no longer held.")])]);
    };
    let passed = g.passed();
    let (level, token) = if passed { (StatusLevel::Pass, Token::Pass) } else { (StatusLevel::Fail, Token::Fail) };
    let mut out = vec![row(vec![
        text(token, format!("{} {} ", level.symbol(), level.label())),
        text(Token::Text, format!("expected {}, got {}", g.expected, g.actual)),
        text(Token::Muted, g.control.as_deref().map_or_else(String::new, |c| format!("   evidence for {}", clean(c)))),
    ])];
    if let Some(d) = &g.detail {
        out.push(row(vec![text(Token::Muted, "why: "), text(Token::Text, clean(&d.reason).into_owned())]));
        if !d.deciding.is_empty() {
            out.push(row(vec![text(Token::Title, "Deciding statements")]));
        }
        for s in &d.deciding {
            statement_rows(&mut out, s, true, width);
        }
        if !d.near_misses.is_empty() {
            out.push(row(vec![text(Token::Title, "Near misses: action and resource match, conditions do not")]));
        }
        for s in &d.near_misses {
            statement_rows(&mut out, s, false, width);
        }
    }
    (g.name.to_string(), out)
}

/// Row `i` as it reads at `width` cells.
pub fn row_at(posture: &Posture, name: &Sym, i: usize, width: usize) -> Option<Vec<(Token, String)>> {
    rows(posture, name, width).1.into_iter().nth(i).map(|r| r.segs)
}

/// The number of rows, for moving the cursor.
pub fn len(posture: &Posture, name: &Sym) -> usize {
    rows(posture, name, 80).1.len()
}

pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, name: &Sym, cursor: usize, theme: &Theme) {
    let width = area.width.saturating_sub(2) as usize;
    let (title, rows) = rows(posture, name, width);
    let height = area.height.saturating_sub(2) as usize;
    let total = rows.len();
    let start = window_start(total, cursor, height);
    let lines: Vec<Line> = rows
        .into_iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, r)| {
            let mut line =
                Line::from(r.segs.into_iter().map(|(t, s)| Span::styled(s, theme.style(t))).collect::<Vec<_>>());
            if i == cursor {
                line = Line::from(super::selected(line.spans, theme)).style(theme.style(Token::Selection));
            } else if r.highlight {
                line = line.patch_style(theme.style(Token::Key));
            }
            line
        })
        .collect();
    let mut block = Block::bordered().border_style(theme.style(Token::Border)).title(Line::from(vec![
        Span::styled(" Guardrail test ", theme.style(Token::Title)),
        Span::styled(format!("{} ", clean(&title)), theme.style(Token::Text)),
    ]));
    if let Some(position) = super::list::position(start, height, total) {
        block = block.title_bottom(Line::from(Span::styled(position, theme.style(Token::Muted))).right_aligned());
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
