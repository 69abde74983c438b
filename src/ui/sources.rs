//! `:sources`: every source's health in full: its whole error, its last success, and what it
//! has done (updates, errors, retries, throttles, the first load's calls).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::text::{age, clean, wrap};
use crate::model::{SourceError, Timestamp};
use std::collections::BTreeMap;

use crate::store::{Health, PlaceState, Posture, SourceState};
use crate::text::counted;
use crate::theme::{Theme, Token};

/// The health word and its colour, as the header shows it but never cut.
pub fn health_text(state: &SourceState, now: Timestamp) -> (Token, String) {
    match &state.health {
        Health::Waiting => (Token::Muted, "… waiting for its first answer".into()),
        Health::Ok if state.is_stale(now) => (Token::Stale, "◷ stale: no answer for three polls".into()),
        Health::Ok => (Token::Pass, "● ok".into()),
        Health::Loading { pages, items, rate } => {
            let rate = rate.map_or_else(String::new, |r| format!(", paced at {r:.1} calls/s"));
            (Token::Warn, format!("◌ loading: {items} items in {pages} calls{rate}"))
        }
        Health::Retrying { attempt, reason } => {
            (Token::Warn, format!("↻ retrying (attempt {attempt}): {}", clean(reason)))
        }
        Health::Error(e @ SourceError::Throttled { .. }) => (Token::Warn, format!("⧗ {}", clean(&e.to_string()))),
        Health::Error(e) => (Token::Fail, format!("✘ {}", clean(&e.to_string()))),
    }
}

fn when(at: Timestamp, now: Timestamp) -> String {
    let ago = age(now.duration_since(at).unsigned_abs());
    format!("{} ({ago} ago)", at.strftime("%Y-%m-%d %H:%M:%SZ"))
}

/// The most lines the view scrolls through (an organisation's places take one line per account).
pub const MAX_LINES: usize = 2_000;

/// The symbol and colour of one account's and region's last read.
fn place_mark(place: &PlaceState) -> (Token, &'static str) {
    match &place.last_error {
        Some((_, SourceError::Throttled { .. })) if place.failing => (Token::Warn, "⧗"),
        Some(_) if place.failing => (Token::Fail, "✘"),
        _ => (Token::Pass, "●"),
    }
}

/// A source's reads in each other account and region: a line of regions per account, each
/// marked with how its last read went, then every failure in full, grouped by account and
/// error.
fn place_lines<'a>(
    state: &SourceState,
    theme: &Theme,
    now: Timestamp,
    width: usize,
    label: &dyn Fn(&str) -> Span<'a>,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if state.places.is_empty() {
        return lines;
    }
    let (failing, all) = state.places_failing();
    let summary = format!(
        "{}: {} ok · {failing} failing",
        counted(all, "other account and region", "other accounts and regions"),
        all - failing
    );
    let token = if failing > 0 { Token::Fail } else { Token::Text };
    for (i, part) in wrap(&summary, width.saturating_sub(16).max(20)).into_iter().enumerate() {
        lines.push(Line::from(vec![label(if i == 0 { "places" } else { "" }), Span::styled(part, theme.style(token))]));
    }
    let mut by_account: BTreeMap<&str, Vec<(&str, &PlaceState)>> = BTreeMap::new();
    for ((account, region), place) in &state.places {
        by_account.entry(account).or_default().push((region, place));
    }
    for (account, regions) in &by_account {
        // The account came from AWS: untrusted text.
        let mut spans = vec![label(""), Span::styled(format!("{:<13}", clean(account)), theme.style(Token::Text))];
        let mut used = 16 + 13;
        for (region, place) in regions {
            let cell = clean(region).chars().count() + 3;
            if used + cell > width && spans.len() > 2 {
                lines.push(Line::from(std::mem::take(&mut spans)));
                spans = vec![label(""), Span::raw(" ".repeat(13))];
                used = 16 + 13;
            }
            let (token, mark) = place_mark(place);
            spans.push(Span::styled(format!("{mark} "), theme.style(token)));
            spans.push(Span::styled(format!("{}  ", clean(region)), theme.style(Token::Muted)));
            used += cell;
        }
        lines.push(Line::from(spans));
    }
    // Each failure once per account: the regions it kept from being read, and the last time
    // any of them was read in full.
    for f in state.place_failures() {
        let token = if matches!(f.error, SourceError::Throttled { .. }) { Token::Warn } else { Token::Fail };
        let success = f.last_ok.map_or_else(|| "never".to_string(), |at| when(at, now));
        // The account, the regions and the error are AWS's text: all of it is neutralised.
        let text = format!("{} in {}: {} (last read in full: {success})", f.account, f.regions.join(", "), f.error);
        let text = clean(&text);
        for (i, part) in wrap(&text, width.saturating_sub(16).max(20)).into_iter().enumerate() {
            lines.push(Line::from(vec![
                label(if i == 0 { "place error" } else { "" }),
                Span::styled(part, theme.style(token)),
            ]));
        }
    }
    lines
}

pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, scroll: usize, theme: &Theme, now: Timestamp) {
    let mut block = Block::bordered()
        .border_style(theme.style(Token::Border))
        .title(Span::styled(" Sources ", theme.style(Token::Title)));
    let inner = block.inner(area);
    let measure = (inner.width as usize).saturating_sub(16).max(20);
    let label = |text: &str| Span::styled(format!("  {text:<13} "), theme.style(Token::Muted));
    let mut lines: Vec<Line> = Vec::new();
    for (kind, state) in posture.sources() {
        let (token, health) = health_text(state, now);
        let every = state.interval.map_or_else(|| "offline".to_string(), |i| format!("polled every {}", age(i)));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<13} ", kind.name()), theme.style(Token::Title)),
            Span::styled(every, theme.style(Token::Muted)),
        ]));
        for (i, part) in wrap(&health, measure).into_iter().enumerate() {
            lines.push(Line::from(vec![
                label(if i == 0 { "health" } else { "" }),
                Span::styled(part, theme.style(token)),
            ]));
        }
        let success = state.last_ok.map_or_else(|| "never".to_string(), |at| when(at, now));
        lines.push(Line::from(vec![label("last success"), Span::styled(success, theme.style(Token::Text))]));
        match &state.last_error {
            Some((at, error)) => {
                let text = format!("{}: {}", when(*at, now), clean(&error.to_string()));
                for (i, part) in wrap(&text, measure).into_iter().enumerate() {
                    let token = if matches!(error, SourceError::Throttled { .. }) { Token::Warn } else { Token::Fail };
                    lines.push(Line::from(vec![
                        label(if i == 0 { "last error" } else { "" }),
                        Span::styled(part, theme.style(token)),
                    ]));
                }
            }
            None => lines.push(Line::from(vec![label("last error"), Span::styled("none", theme.style(Token::Muted))])),
        }
        let c = state.counts;
        let load = if c.load_calls > 0 { format!(" · first load {} calls", c.load_calls) } else { String::new() };
        let counts = format!(
            "{} · {} · {} · {} throttled{load} · {} skipped",
            counted(c.updates as usize, "update", "updates"),
            counted(c.errors as usize, "error", "errors"),
            counted(c.retries as usize, "retry", "retries"),
            c.throttles,
            state.skipped
        );
        for (i, part) in wrap(&counts, measure).into_iter().enumerate() {
            lines.push(Line::from(vec![
                label(if i == 0 { "since start" } else { "" }),
                Span::styled(part, theme.style(Token::Text)),
            ]));
        }
        lines.extend(place_lines(state, theme, now, inner.width as usize, &label));
        lines.push(Line::from(""));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("no sources", theme.style(Token::Muted))));
    }
    let shown = (inner.height as usize).max(1);
    let scroll = scroll.min(lines.len().saturating_sub(shown));
    if lines.len() > shown {
        let more = format!(" {}-{} of {} ", scroll + 1, (scroll + shown).min(lines.len()), lines.len());
        block = block.title_bottom(Line::from(Span::styled(more, theme.style(Token::Muted))).right_aligned());
    }
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll as u16, 0)), area);
}
