//! The Changes view (`c`, `:changes`): what changed since each source's first complete read,
//! newest first, each line with its time and age; `/`, `:severity`, `:status` and the account or
//! region narrowing apply; Enter goes to the control, resource or finding.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::list::{Seg, Target, Window, render_rows, seg, short_type};
use super::text::{age, clean};
use super::view::{View, window_start};
use crate::model::{AlarmState, ExecutionState, Severity, StatusLevel, Timestamp};
use crate::store::{Change, FindingEvent, GUARDRAIL_TEST, Posture, What};
use crate::theme::{Theme, Token};

/// The changes the view shows, newest first: those of the account and region in view, of the
/// severity and status asked for, that the `/` filter keeps.
pub fn visible<'a>(posture: &'a Posture, view: &View) -> Vec<&'a Change> {
    let within = posture.narrowing();
    posture
        .feed()
        .entries()
        .iter()
        .rev()
        .filter(|c| c.account.is_empty() || within.is_none_or(|w| w.admits(&c.account, &c.region)))
        .filter(|c| match &c.what {
            What::Finding { severity, .. } => view.min_severity.is_none_or(|min| *severity >= min),
            What::Status { to, from, .. } => {
                // `:status fail` keeps the turns into or out of FAIL (a turn is about both ends).
                view.min_status
                    .is_none_or(|min| super::filter::at_or_past(*to, min) || super::filter::at_or_past(*from, min))
            }
            _ => true,
        })
        .filter(|c| view.changes_filter.as_ref().is_none_or(|f| f.matches(&plain(posture, c))))
        .collect()
}

/// How many changes the feed holds after `seen` that the view would show: the header's `Δ n`.
pub fn unseen(posture: &Posture, view: &View) -> usize {
    let within = posture.narrowing();
    posture
        .feed()
        .after(view.changes_seen)
        .filter(|c| c.account.is_empty() || within.is_none_or(|w| w.admits(&c.account, &c.region)))
        .count()
}

/// Where Enter on a change leads.
pub fn target(posture: &Posture, change: &Change) -> Option<Target> {
    match &change.what {
        What::Status { control, .. } => Some(Target::Control(*control)),
        What::Resource { resource, .. } if &*resource.kind == GUARDRAIL_TEST => {
            Some(Target::Guardrail(resource.id.clone()))
        }
        What::Resource { resource, .. } | What::Remediation { resource, .. } => {
            Some(Target::Resource(resource.clone()))
        }
        What::Finding { id, .. } => posture.finding(id).map(|_| Target::Finding(id.clone())),
        // An alarm leads to the control it is bound to.
        What::Alarm { name, .. } => posture
            .catalog()
            .controls
            .iter()
            .position(|c| c.evidence.alarms.iter().any(|a| a == &**name))
            .map(Target::Control),
        What::Health { .. } => None,
    }
}

/// A change in words, without time or style: what the `/` filter matches and what the status
/// line and notifications say.
pub fn plain(posture: &Posture, change: &Change) -> String {
    segs(posture, change).into_iter().map(|(_, s)| s).collect::<String>().trim().to_string()
}

/// A change's words, styled.
fn segs(posture: &Posture, change: &Change) -> Vec<Seg> {
    let org = posture.is_organization() && !change.account.is_empty();
    let place = if org { format!("  · {} {}", clean(&change.account), clean(&change.region)) } else { String::new() };
    let mut out = match &change.what {
        What::Status { control, from, to, cause } => {
            let c = posture.control(*control);
            let mut v = vec![
                seg(Token::for_status(*to), format!("{} ", to.symbol())),
                seg(Token::Title, format!("{} ", clean(&c.id))),
                seg(Token::for_status(*from), from.label().to_string()),
                seg(Token::Muted, " → "),
                seg(Token::for_status(*to), to.label().to_string()),
            ];
            if let Some(cause) = cause {
                v.push(seg(Token::Text, format!(": {}", clean(cause.resource.short_name()))));
                v.push(seg(Token::Muted, format!(" ({})", clean(&cause.via.to_string()))));
            }
            v.push(seg(Token::Muted, format!("  {}", clean(&c.title))));
            v
        }
        What::Resource { control, resource, failing, via } => {
            let c = posture.control(*control);
            let (level, verb) =
                if *failing { (StatusLevel::Fail, "fails on") } else { (StatusLevel::Pass, "no longer fails on") };
            vec![
                seg(Token::for_status(level), format!("{} ", level.symbol())),
                seg(Token::Title, format!("{} ", clean(&c.id))),
                seg(Token::Text, format!("{verb} ")),
                seg(Token::Muted, format!("{} ", clean(short_type(&resource.kind)))),
                seg(Token::Text, clean(resource.short_name()).into_owned()),
                seg(Token::Muted, format!(" ({})", clean(&via.to_string()))),
            ]
        }
        What::Finding { title, severity, event, .. } => {
            let what = match event {
                FindingEvent::Raised(from) => format!("raised from {from}"),
                other => other.word().to_string(),
            };
            vec![
                seg(Token::for_severity(*severity), format!("● {} ", severity.as_str())),
                seg(Token::Text, format!("finding {what}: ")),
                seg(Token::Text, clean(title).into_owned()),
            ]
        }
        What::Remediation { rule, resource, state } => {
            let (token, word) = match state {
                ExecutionState::Succeeded => (Token::Pass, "succeeded"),
                ExecutionState::Failed => (Token::Fail, "FAILED"),
                _ => (Token::Warn, "started"),
            };
            vec![
                seg(token, format!("● remediation {word}: ")),
                seg(Token::Text, clean(resource.short_name()).into_owned()),
                seg(Token::Muted, format!(" (rule {})", clean(rule))),
            ]
        }
        What::Alarm { name, from, to } => {
            let token = match to {
                AlarmState::Alarm => Token::High,
                AlarmState::Ok => Token::Pass,
                AlarmState::InsufficientData => Token::Warn,
            };
            let verb = if *to == AlarmState::Alarm { " (firing)" } else { "" };
            vec![
                seg(token, "● "),
                seg(Token::Text, format!("alarm {} ", clean(name))),
                seg(Token::Muted, format!("{from} → ")),
                seg(token, format!("{to}{verb}")),
            ]
        }
        What::Health { source, from, to, error } => {
            let token = if *to == "ok" { Token::Pass } else { Token::Fail };
            let mut v = vec![
                seg(token, "● "),
                seg(Token::Text, format!("{} ", source.name())),
                seg(Token::Muted, format!("{from} → ")),
                seg(token, to.to_string()),
            ];
            if let Some(e) = error {
                v.push(seg(Token::Muted, format!(": {}", clean(e))));
            }
            v
        }
    };
    out.push(seg(Token::Muted, place));
    out
}

/// One row: the time, the age, the change.
fn row(posture: &Posture, change: &Change, now: Timestamp) -> Vec<Seg> {
    let ago = if now >= change.at { age(now.duration_since(change.at).unsigned_abs()) } else { "now".into() };
    let mut v = vec![seg(Token::Muted, format!("{}  {:>5}  ", change.at.strftime("%H:%M:%S"), ago))];
    v.extend(segs(posture, change));
    v
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    posture: &Posture,
    view: &View,
    cursor: usize,
    theme: &Theme,
    now: Timestamp,
) {
    let shown = visible(posture, view);
    let height = area.height.saturating_sub(2) as usize;
    let total = shown.len();
    let start = window_start(total, cursor, height);
    let feed = posture.feed();
    let mut title = vec![seg(Token::Title, " Changes "), seg(Token::Muted, format!("{total} "))];
    if total as u64 != feed.entries().len() as u64 {
        title.push(seg(Token::Muted, format!("of {} ", feed.entries().len())));
    }
    if let Some(f) = &view.changes_filter {
        title.push(seg(Token::Key, format!("/{} ", clean(f.text()))));
    }
    if feed.dropped() > 0 {
        title.push(seg(Token::Muted, format!("· {} older dropped ", crate::text::thousands(feed.dropped()))));
    }
    let mut rows: Vec<Vec<Seg>> = shown.iter().skip(start).take(height).map(|c| row(posture, c, now)).collect();
    if total == 0 {
        rows.push(vec![seg(
            Token::Muted,
            if feed.entries().is_empty() {
                "Nothing has changed since each source's first complete read."
            } else {
                "No change here: the filter, :severity, :status or the narrowing hides them."
            },
        )]);
    }
    render_rows(frame, area, title, Window { rows, start, total, cursor: (total > 0).then_some(cursor) }, theme);
}

/// The number of rows, for moving the cursor.
pub fn len(posture: &Posture, view: &View) -> usize {
    visible(posture, view).len()
}

/// What the status line announces for a control turning FAIL: `12:03 PRV-02 PASS → FAIL: nb-7`.
pub fn announcement(posture: &Posture, change: &Change) -> Option<String> {
    match &change.what {
        What::Status { control, from, to: StatusLevel::Fail, cause } => {
            let c = posture.control(*control);
            let on = cause.as_ref().map_or(String::new(), |c| format!(": {}", clean(c.resource.short_name())));
            Some(format!("{} {} {} → FAIL{on}", change.at.strftime("%H:%M"), clean(&c.id), from.label()))
        }
        _ => None,
    }
}

/// Whether a finding change counts as severe for notifications.
pub fn severe_finding(change: &Change, min: Severity) -> bool {
    matches!(&change.what, What::Finding { severity, event: FindingEvent::New | FindingEvent::Raised(_), .. } if *severity >= min)
}
