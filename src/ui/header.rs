//! The header: what is watched, the posture score, the time, and each source's health and age.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, LineGauge, Paragraph};

use super::list::{Seg, fit_row, seg};
use super::text::{age, clean, width};
use super::view::{Banner, View};
use crate::model::{ControlKind, HubV2, SourceError, SourceKind, StatusLevel, Timestamp};
use crate::store::{Health, Posture};
use crate::text::thousands;
use crate::theme::{Theme, Token};

pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, view: &View, theme: &Theme, now: Timestamp) {
    let header = theme.style(Token::Header);
    // Narrow screens show the panes as tabs, which carry the per-pane scores.
    let wide = area.width >= super::layout::WIDE;
    let mut left: Vec<Span> = vec![Span::styled(" vigil ", theme.style(Token::Title).patch(header))];
    // Where the line is too long: pieces to say more briefly, in order (never a count cut).
    let mut shorter: Vec<(usize, String)> = Vec::new();
    banner(&mut left, &mut shorter, view, theme, wide);
    badges(&mut left, &mut shorter, posture, view, theme, (wide, now));
    let first = posture_spans(&mut left, posture, view, theme, (wide, now));
    shorter.splice(0..0, first);
    // Too long: the activity in brief; the score's line and the panes' scores dropped; then
    // the account alone instead of profile, region and account; then `org` alone; so that no
    // count is cut (a cut "✘ 17" reads "✘ 1").
    for (at, brief) in shorter {
        if left.iter().map(|s| width(&s.content)).sum::<usize>() <= area.width as usize {
            break;
        }
        left[at].content = brief.into();
    }
    let top = Rect { height: 1, ..area };
    frame.render_widget(Block::new().style(header), top);
    clock_or_gauge(frame, top, &left, posture, theme, (wide, now));
    let parts: Vec<Vec<Seg>> =
        posture.sources().map(|(kind, state)| source_part(posture, kind, state, wide, now)).collect();
    let sources = sources_line(parts, area.width as usize, theme);
    frame.render_widget(Paragraph::new(Line::from(left)), top);
    let bottom = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
    frame.render_widget(Paragraph::new(Line::from(sources)), bottom);
}

/// What is watched: the demo's title, the live profile, region and account, or the replayed file.
fn banner(left: &mut Vec<Span<'static>>, shorter: &mut Vec<(usize, String)>, view: &View, theme: &Theme, wide: bool) {
    let header = theme.style(Token::Header);
    match &view.banner {
        Banner::Demo { title } => {
            left.push(Span::styled(" DEMO ", theme.style(Token::Key).patch(header)));
            if wide {
                left.push(Span::styled(format!(" {} ", clean(title)), header));
            }
        }
        Banner::Live { profile, region, account } => {
            let profile = profile.as_deref().unwrap_or("default");
            let account = account.as_deref().unwrap_or("account unknown");
            left.push(Span::styled(format!(" {} · {} · {} ", clean(profile), clean(region), clean(account)), header));
            shorter.push((left.len() - 1, format!(" {} ", clean(account))));
        }
        Banner::Replay { file, profile, region, account } => {
            left.push(Span::styled(" REPLAY ", theme.style(Token::Key).patch(header)));
            let account = account.as_deref().unwrap_or("account unknown");
            let region = region.as_deref().unwrap_or("region unknown");
            let text = if wide {
                let profile = profile.as_deref().unwrap_or("default");
                format!(" {} · {} · {} · {} ", clean(file), clean(profile), clean(region), clean(account))
            } else {
                format!(" {} ", clean(account))
            };
            left.push(Span::styled(text, header));
        }
    }
}

/// The organisation's scope, the narrowing, a freeze, a warm start's snapshot and the write badge.
fn badges(
    left: &mut Vec<Span<'static>>,
    shorter: &mut Vec<(usize, String)>,
    posture: &Posture,
    view: &View,
    theme: &Theme,
    (wide, now): (bool, Timestamp),
) {
    let header = theme.style(Token::Header);
    if posture.is_organization() {
        let scope = posture.scope();
        // Many accounts or regions: the counts cover them all.
        let accounts = crate::text::counted(scope.accounts.len(), "account", "accounts");
        let text = if wide {
            format!(" org · {accounts} · {} ", crate::text::counted(scope.regions.len(), "region", "regions"))
        } else {
            format!(" org · {accounts} ")
        };
        left.push(Span::styled(text, theme.style(Token::Title).patch(header)));
        shorter.push((left.len() - 1, " org ".to_string()));
    }
    if let Some(within) = posture.narrowing() {
        // Everything on screen is one account's or region's: say which, where it cannot be missed.
        let what: Vec<&str> = [within.account.as_deref(), within.region.as_deref()].into_iter().flatten().collect();
        left.push(Span::styled(
            format!(" ONLY {} ", clean(&what.join(" "))),
            theme.style(Token::Warn).patch(header).add_modifier(Modifier::REVERSED),
        ));
    }
    if let Some(f) = view.frozen {
        // What is on screen is as old as the freeze: say so, in the warning colour.
        let age = super::text::age(now.duration_since(f.since).unsigned_abs());
        let waiting = if f.waiting == 0 { String::new() } else { format!(" · {} waiting", f.waiting) };
        left.push(Span::styled(
            format!(" FROZEN {age}{waiting} "),
            theme.style(Token::Warn).patch(header).add_modifier(Modifier::REVERSED),
        ));
    }
    if let Some(written) = posture.snapshot_age() {
        // Started warm: what is on screen is the snapshot's until each source reads it again.
        let old = super::text::age(now.duration_since(written).unsigned_abs());
        left.push(Span::styled(format!(" ◷ snapshot {old} old "), theme.style(Token::Stale).patch(header)));
        shorter.push((left.len() - 1, format!(" ◷ {old} ")));
    }
    if view.write {
        // Writes are on: the badge is in the fail colour so nobody forgets.
        left.push(Span::styled(" WRITE ", theme.style(Token::Fail).patch(header).add_modifier(Modifier::REVERSED)));
    }
}

/// The posture: its score (and its line and the panes' scores where wide), what fails, the
/// activity and the changes not yet seen. Returns what may be said more briefly first.
fn posture_spans(
    left: &mut Vec<Span<'static>>,
    posture: &Posture,
    view: &View,
    theme: &Theme,
    (wide, now): (bool, Timestamp),
) -> Vec<(usize, String)> {
    let header = theme.style(Token::Header);
    let overall = posture.overall_summary(now);
    left.push(Span::styled(" │ Posture ", header));
    if overall.count(StatusLevel::Stale) > 0 && overall.score().is_some() {
        // Part of the score is what stale evidence last said.
        left.push(Span::styled(StatusLevel::Stale.symbol(), theme.style(Token::Stale).patch(header)));
    }
    left.push(Span::styled(score_text(overall.score()), theme.style(Token::Title).patch(header)));
    // What may go, in order, where the line is too long: pieces that only repeat what is on
    // screen elsewhere (the panes' titles carry their scores), before what is watched.
    let mut extras: Vec<usize> = Vec::new();
    let history = posture.score_history();
    if wide && history.len() >= 2 {
        // The score over the session, 0 to 100% (not scaled to its own range).
        let line: String = history.iter().rev().take(SCORE_CELLS).rev().map(|(_, s)| score_bar(*s)).collect();
        left.push(Span::styled(format!(" {line}"), theme.style(Token::Muted).patch(header)));
        extras.push(left.len() - 1);
    }
    if wide {
        for kind in ControlKind::ALL {
            let s = posture.pane_summary(kind, now);
            left.push(Span::styled(format!("  {} {}", &kind.title()[..1], score_text(s.score())), header));
            extras.push(left.len() - 1);
        }
    }
    let fails = overall.count(StatusLevel::Fail);
    if fails > 0 {
        left.push(Span::styled("  ", header));
        left.push(Span::styled(
            format!("{} {fails} failing", StatusLevel::Fail.symbol()),
            theme.style(Token::Fail).patch(header),
        ));
    }
    // Live activity: a detective control stays PASS while its detections fire (they work), so
    // the incident is said here, in the warning colour.
    let mut first = Vec::new();
    if let Some((text, brief)) = activity_flag(posture) {
        left.push(Span::styled("  ", header));
        left.push(Span::styled(text, theme.style(Token::Warn).patch(header)));
        // Said briefly first, before what is watched is.
        first.push((left.len() - 1, brief));
    }
    // Changes not yet seen (the Changes view, `c`, shows them).
    let unseen = super::changes::unseen(posture, view);
    if unseen > 0 {
        left.push(Span::styled("  ", header));
        left.push(Span::styled(format!("Δ {} ", thousands(unseen as u64)), theme.style(Token::Key).patch(header)));
    }
    first.extend(extras.into_iter().map(|at| (at, String::new())));
    first
}

/// The clock at the line's end, or during a long first load a gauge of the sources answered.
fn clock_or_gauge(
    frame: &mut Frame,
    top: Rect,
    left: &[Span],
    posture: &Posture,
    theme: &Theme,
    (wide, now): (bool, Timestamp),
) {
    let (header, area) = (theme.style(Token::Header), top);
    let clock =
        if wide { now.strftime(" %Y-%m-%d %H:%M:%SZ ").to_string() } else { now.strftime(" %H:%M:%SZ ").to_string() };
    let used: usize = left.iter().map(|s| width(&s.content)).sum();
    if let Some((done, total)) = first_load(posture, now) {
        // A long first load: how many sources have answered, where the clock was.
        let room = (area.width as usize).saturating_sub(used + 1).min(GAUGE_WIDTH) as u16;
        if room >= 16 {
            let gauge = LineGauge::default()
                .ratio(done as f64 / total.max(1) as f64)
                .label(Span::styled(format!("loading {done}/{total} "), theme.style(Token::Warn).patch(header)))
                .filled_style(theme.style(Token::Warn).patch(header))
                .unfilled_style(theme.style(Token::Muted).patch(header))
                .style(header);
            let at = Rect { x: area.x + area.width - room, width: room, ..top };
            frame.render_widget(gauge, at);
        }
    } else if used + width(&clock) <= area.width as usize {
        frame.render_widget(Paragraph::new(Span::styled(clock, header)).alignment(Alignment::Right), top);
    }
}

/// One source's part of the second line: its health, its data's age, what it skipped, and
/// what it cannot say for an organisation.
fn source_part(
    posture: &Posture,
    kind: SourceKind,
    state: &crate::store::SourceState,
    wide: bool,
    now: Timestamp,
) -> Vec<Seg> {
    let (symbol, token, text) = health(kind, state, now);
    let mut part = vec![seg(Token::Text, format!("{} ", kind.name())), seg(token, format!("{symbol} {text}"))];
    match state.age(now) {
        Some(a) if state.health == Health::Ok => part.push(seg(Token::Muted, format!(" {}", age(a)))),
        Some(a) => part.push(seg(Token::Muted, format!(" (data {} old)", age(a)))),
        None => {}
    }
    if state.skipped > 0 {
        part.push(seg(Token::Warn, format!(" · {} skipped", state.skipped)));
    }
    // No aggregator carries alarms or remediation: in an organisation they are the caller's
    // own account's, unless member roles read the members' too.
    if wide && posture.is_organization() {
        match kind {
            SourceKind::CloudWatch if !of_many(posture.alarms().map(|a| &a.account)) => {
                part.push(seg(Token::Muted, " · this account only"))
            }
            SourceKind::Config if !of_many(posture.remediation_configs().map(|rc| &rc.account)) => {
                part.push(seg(Token::Muted, " · remediation: this account only"))
            }
            _ => {}
        }
    }
    if kind == SourceKind::SecurityHub && wide {
        let on: Vec<String> =
            posture.standards().iter().filter(|s| s.enabled).map(|s| clean(&s.name).into_owned()).collect();
        if !on.is_empty() {
            part.push(seg(Token::Muted, format!(" · {}", on.join(", "))));
        }
        // The new Security Hub: which APIs the findings come through, where it is on.
        match posture.hub_v2() {
            Some(HubV2 { on: true, read: true, cspm: true }) => part.push(seg(Token::Muted, " · CSPM + v2")),
            Some(HubV2 { on: true, read: true, cspm: false }) => part.push(seg(Token::Muted, " · v2")),
            Some(HubV2 { on: true, read: false, .. }) => part.push(seg(Token::Muted, " · v2 on, not read")),
            _ => {}
        }
    }
    part
}

/// A source's health as a symbol, its colour and words.
fn health(kind: SourceKind, state: &crate::store::SourceState, now: Timestamp) -> (&'static str, Token, String) {
    match &state.health {
        Health::Waiting => ("…", Token::Muted, "waiting".to_string()),
        Health::Ok if state.is_stale(now) => ("◷", Token::Stale, "stale".to_string()),
        Health::Ok => ("●", Token::Pass, "ok".to_string()),
        Health::Loading { items, pages, rate } => {
            let elapsed = state.loading_since.map(|t| now.duration_since(t).as_secs_f64());
            ("◌", Token::Warn, loading(kind, *items, *pages, observed_rate(*pages, elapsed).or(rate.map(f64::from))))
        }
        Health::Retrying { attempt, .. } => ("↻", Token::Warn, format!("retrying {attempt}")),
        Health::Error(e) => {
            // An error from some of an organisation's accounts and regions says how many
            // (the others were read); `:sources` names each.
            let from_places =
                state.places.values().any(|p| p.failing && p.last_error.as_ref().is_some_and(|(_, x)| x == e));
            let among = match state.places_failing() {
                (failing, all) if from_places => format!(" in {failing} of {all} places"),
                _ => String::new(),
            };
            match e {
                SourceError::Throttled { .. } => ("⧗", Token::Warn, format!("throttled{among}")),
                SourceError::Unauthorized { action } => {
                    ("✘", Token::Fail, format!("unauthorized{among}: {}", clean(action)))
                }
                SourceError::ExpiredCredentials { fix } => {
                    ("✘", Token::Fail, format!("expired credentials{among}: {}", clean(fix)))
                }
                SourceError::Failed { message } => ("✘", Token::Fail, format!("failed{among}: {}", clean(message))),
            }
        }
    }
}

/// The sources' parts on one line: every source keeps its place.
fn sources_line(parts: Vec<Vec<Seg>>, cells: usize, theme: &Theme) -> Vec<Span<'static>> {
    let mut sources: Vec<Span> = vec![Span::raw(" ")];
    if parts.is_empty() {
        sources.push(Span::styled("no sources", theme.style(Token::Muted)));
    }
    // Every source keeps its place: when the line is too short, the longest parts are cut
    // (with `…`) to an equal share, never pushed off the line.
    let widths: Vec<usize> = parts.iter().map(|p| p.iter().map(|(_, t)| width(t)).sum()).collect();
    let room = |gap: usize| cells.saturating_sub(1 + gap * parts.len().saturating_sub(1));
    // Narrower gaps first, then cuts.
    let gap = (1..=SOURCE_GAP).rev().find(|g| widths.iter().sum::<usize>() <= room(*g)).unwrap_or(2);
    let cap = fair_share(&widths, room(gap));
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            sources.push(Span::raw(" ".repeat(gap)));
        }
        for (token, text) in fit_row(part, cap) {
            sources.push(Span::styled(text, theme.style(token)));
        }
    }
    sources
}

/// `⚑ 5 CRITICAL · 24 HIGH open · 2 alarms firing`, and its brief form, when any is.
pub fn activity_flag(posture: &Posture) -> Option<(String, String)> {
    use crate::model::Severity;
    // Before the findings are read whole, the new Security Hub's counts, said to be counts.
    let counted = posture.hub_counts();
    let open = counted.map_or(posture.finding_totals().open_activity_by_severity, |c| c.open_activity_by_severity);
    let (critical, high) = (open[Severity::Critical.index()], open[Severity::High.index()]);
    let firing = posture.firing_alarms();
    if critical + high + firing == 0 {
        return None;
    }
    let mut long = Vec::new();
    let mut brief = Vec::new();
    if critical + high > 0 {
        let mut severities = Vec::new();
        if critical > 0 {
            severities.push(format!("{} CRITICAL", thousands(critical)));
            brief.push(format!("{} CRIT", thousands(critical)));
        }
        if high > 0 {
            severities.push(format!("{} HIGH", thousands(high)));
            brief.push(format!("{} HIGH", thousands(high)));
        }
        let counted_mark = if counted.is_some() { " (counted)" } else { "" };
        long.push(format!("{} open{counted_mark}", severities.join(" · ")));
        if counted.is_some() {
            brief.push("counted".to_string());
        }
    }
    if firing > 0 {
        long.push(crate::text::counted(firing as usize, "alarm firing", "alarms firing"));
        brief.push(format!("{} firing", thousands(firing)));
    }
    // A cell after it, so that the clock never runs into it.
    Some((format!("⚑ {} ", long.join(" · ")), format!("⚑ {} ", brief.join(" · "))))
}

/// Whether items of more than one account are held (member roles read them).
fn of_many<'a>(mut accounts: impl Iterator<Item = &'a crate::model::Sym>) -> bool {
    let first = accounts.next();
    accounts.any(|a| Some(a) != first)
}

/// Cells the score's sparkline takes.
const SCORE_CELLS: usize = 12;

/// A score of 0 to 100 as one bar.
fn score_bar(score: u32) -> char {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    BARS[(score.min(100) as usize * 7).div_ceil(100)]
}

/// Cells between two sources on the health line, when there is room.
const SOURCE_GAP: usize = 3;

/// The most cells any one part may take so that all fit in `room`: parts shorter than that keep
/// their length, the others share what is left equally.
fn fair_share(widths: &[usize], room: usize) -> usize {
    if widths.iter().sum::<usize>() <= room {
        return usize::MAX;
    }
    let (mut low, mut high) = (0, widths.iter().copied().max().unwrap_or(0));
    while low < high {
        let mid = (low + high).div_ceil(2);
        if widths.iter().map(|w| (*w).min(mid)).sum::<usize>() <= room {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    low
}

fn score_text(score: Option<u32>) -> String {
    score.map_or_else(|| "--%".to_string(), |s| format!("{s}%"))
}

/// `loading 3,400 findings · 34 calls · 2.9/s`: what has arrived, the calls it took, and how
/// many calls a second it goes at.
fn loading(kind: SourceKind, items: u64, calls: u32, rate: Option<f64>) -> String {
    let noun = match kind {
        SourceKind::SecurityHub => "findings",
        SourceKind::CloudWatch => "alarms",
        _ => "items",
    };
    let mut text = format!("loading {} {noun}", thousands(items));
    if calls > 0 {
        text.push_str(&format!(" · {calls} calls"));
    }
    if let Some(r) = rate {
        text.push_str(&format!(" · {r:.1}/s"));
    }
    text
}

/// Calls a second since the load began, once a second has passed.
fn observed_rate(calls: u32, elapsed: Option<f64>) -> Option<f64> {
    elapsed.filter(|e| *e >= 1.0).map(|e| f64::from(calls) / e)
}

/// Cells the first load's gauge takes at most.
const GAUGE_WIDTH: usize = 36;

/// A first load has taken more than this: the header shows its progress.
const SLOW_LOAD: std::time::Duration = std::time::Duration::from_secs(3);

/// While some source's first load has run longer than [`SLOW_LOAD`]: the sources that have
/// answered, of those registered.
fn first_load(posture: &Posture, now: Timestamp) -> Option<(usize, usize)> {
    let slow = posture.sources().any(|(_, s)| {
        s.last_ok.is_none() && s.loading_since.is_some_and(|t| now.duration_since(t).unsigned_abs() > SLOW_LOAD)
    });
    if !slow {
        return None;
    }
    let total = posture.sources().count();
    let done = posture.sources().filter(|(_, s)| s.last_ok.is_some() || matches!(s.health, Health::Error(_))).count();
    Some((done, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_keeps_a_fair_share_of_the_line() {
        assert_eq!(fair_share(&[10, 10, 10], 40), usize::MAX, "all fit");
        assert_eq!(fair_share(&[10, 80, 10], 60), 40, "the long one is cut to what is left");
        assert_eq!(fair_share(&[50, 50, 10], 60), 25);
        assert_eq!(fair_share(&[5, 5], 0), 0);
    }

    #[test]
    fn before_the_findings_are_whole_the_flag_gives_the_new_security_hubs_counts_as_counts() {
        use crate::model::{Dataset, HubCounts, Payload, SourceEvent};
        let mut posture = Posture::new(crate::catalog::Catalog::default_catalog());
        posture.register_source(SourceKind::SecurityHub, Some(std::time::Duration::from_secs(30)));
        assert_eq!(activity_flag(&posture), None);
        let counts = HubCounts { open_activity_by_severity: [0, 0, 0, 24, 5], ..Default::default() };
        let data = Dataset { hub_counts: Some(counts), ..Default::default() };
        posture.apply(SourceEvent {
            source: SourceKind::SecurityHub,
            fetched_at: jiff::Timestamp::UNIX_EPOCH,
            result: Ok(Payload::Merge(data)),
        });
        let (long, brief) = activity_flag(&posture).unwrap();
        assert_eq!(long, "⚑ 5 CRITICAL · 24 HIGH open (counted) ");
        assert_eq!(brief, "⚑ 5 CRIT · 24 HIGH · counted ");
    }

    #[test]
    fn score_bars_are_absolute() {
        assert_eq!([0, 1, 50, 99, 100].map(score_bar), ['▁', '▂', '▅', '█', '█']);
    }

    #[test]
    fn loading_says_how_much_and_how_fast() {
        assert_eq!(loading(SourceKind::SecurityHub, 3400, 34, Some(2.9)), "loading 3,400 findings · 34 calls · 2.9/s");
        assert_eq!(loading(SourceKind::Config, 12, 0, None), "loading 12 items");
        assert_eq!(observed_rate(30, Some(10.0)), Some(3.0));
        assert_eq!(observed_rate(3, Some(0.5)), None, "too soon to say");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
