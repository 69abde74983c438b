//! The dialogs of the corrective actions: a finding's new workflow and note, then the exact
//! call for the user to confirm (Cancel has the focus).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::list::{Seg, seg, time, to_line};
use super::text::{clean, wrap, wrap_words};
use super::view::Dialog;
use crate::model::{ExecutionState, ResourceId, RuleKey, Section, SectionData, Subject, Sym, Write, WriteState};
use crate::store::Posture;
use crate::theme::{Theme, Token};

/// The rows of the call a write makes, as the confirmation shows them: the call, what is there
/// now (the finding's workflow and note, the remediation's last execution), how the last
/// attempt went when it failed, and where the call is logged (`audit`: the audit log's path,
/// `None` when nothing logs it).
pub fn call_rows(posture: &Posture, write: &Write, width: usize, audit: Option<&str>) -> Vec<Vec<Seg>> {
    let mut fields: Vec<(&str, String, Token)> = vec![("Operation", write.operation().to_string(), Token::Text)];
    let text = |name: &'static str, value: String| (name, value, Token::Text);
    match write {
        Write::StartRemediation { rule, resource, document } => {
            fields.push(text("Account", resource.account.to_string()));
            fields.push(text("Region", resource.region.to_string()));
            fields.push(text("Rule", rule.to_string()));
            fields.push(text("Document", document.to_string()));
            let key = resource.config_id().unwrap_or(&resource.id);
            fields.push(text("ResourceKey", format!("{} {key}", resource.kind)));
            let held = posture.execution(&RuleKey::new(rule, &resource.account, &resource.region), resource);
            let now = match held {
                Some(x) => {
                    let mut s = format!("last execution {} (invoked {})", x.state, time(x.invoked_at));
                    if let Some(m) = &x.message {
                        s.push_str(&format!(": {m}"));
                    }
                    s
                }
                None => "no execution held for it".to_string(),
            };
            let token = if held.is_some_and(|x| x.state == ExecutionState::Failed) { Token::Fail } else { Token::Text };
            fields.push(("Now", now, token));
            // The failed step's error, unless the execution's message already says it.
            if let Some(error) = last_step_error(posture, resource, rule)
                && !held.and_then(|x| x.message.as_deref()).is_some_and(|m| error.contains(m) || m.contains(&error))
            {
                fields.push(("Failed step", error, Token::Fail));
            }
        }
        Write::SetWorkflow { finding, product_arn, status, note, .. } => {
            let detail =
                match posture.lookup(&Subject::Finding(finding.clone()), Section::Detail).and_then(|s| s.data()) {
                    Some(SectionData::Detail(d)) => Some(&**d),
                    _ => None,
                };
            let held = detail.map(|d| &d.finding).or_else(|| posture.finding(finding));
            if let Some(f) = held {
                fields.push(text("Account", f.account.to_string()));
                fields.push(text("Region", f.region.to_string()));
            }
            fields.push(text("Finding", finding.to_string()));
            fields.push(text("ProductArn", product_arn.to_string()));
            let from = held.map_or("?".to_string(), |f| f.workflow.to_string());
            fields.push(text("Workflow", format!("{from} → {status}")));
            let before = detail.and_then(|d| d.note.as_deref()).unwrap_or("(none)");
            let after = if note.is_empty() { "(none: the note is kept)".to_string() } else { note.clone() };
            fields.push(text("Note now", before.to_string()));
            fields.push(text("New note", after));
        }
    }
    // The last time this very call was made and refused or failed.
    if let Some(w) = posture.writes_on(&write.subject()).filter(|w| w.write.operation() == write.operation()).last()
        && let WriteState::Failed { reason } = &w.state
    {
        fields.push(("Last attempt", format!("{} failed: {reason}", time(w.at)), Token::Fail));
    }
    fields.push(match audit {
        Some(path) => text("Audit log", path.to_string()),
        None => ("Audit log", "none: this call is not logged (--audit-log FILE logs it)".to_string(), Token::Warn),
    });
    let mut rows = Vec::new();
    for (name, value, token) in fields {
        for (i, line) in wrap_words(&clean(&value), width.saturating_sub(13).max(10)).into_iter().enumerate() {
            let label = if i == 0 { format!("{name:<13}") } else { " ".repeat(13) };
            rows.push(vec![seg(Token::Muted, label), seg(token, line)]);
        }
    }
    rows
}

/// The error of the last execution's failed step for this rule and resource, where the
/// resource's lookup read its remediation history.
fn last_step_error(posture: &Posture, resource: &ResourceId, rule: &Sym) -> Option<String> {
    let subject = Subject::Resource(resource.clone());
    let Some(SectionData::Remediation(list)) = posture.lookup(&subject, Section::Remediation).and_then(|s| s.data())
    else {
        return None;
    };
    let latest = list.iter().find(|x| x.rule == *rule)?;
    latest.steps.iter().find_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.name)))
}

pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, dialog: &Dialog, audit: Option<&str>, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(96);
    let inner = width.saturating_sub(2) as usize;
    let (title, mut rows) = match dialog {
        Dialog::Confirm { write, confirm_focused } => {
            let mut rows = call_rows(posture, write, inner, audit);
            rows.push(Vec::new());
            let (cancel, confirm) =
                if *confirm_focused { (Token::Muted, Token::Selection) } else { (Token::Selection, Token::Muted) };
            rows.push(vec![
                seg(Token::Text, "   "),
                seg(cancel, "[ Cancel ]"),
                seg(Token::Text, "   "),
                seg(confirm, "[ Confirm ]"),
            ]);
            rows.push(vec![
                seg(Token::Key, "y"),
                seg(Token::Muted, " confirm · "),
                seg(Token::Key, "n/Esc"),
                seg(Token::Muted, " cancel · "),
                seg(Token::Key, "Tab"),
                seg(Token::Muted, " switch · "),
                seg(Token::Key, "Enter"),
                seg(Token::Muted, " the focused button"),
            ]);
            (" Confirm a write to AWS ", rows)
        }
        Dialog::Workflow { finding, status, note, .. } => {
            let mut rows = Vec::new();
            for (i, line) in wrap_words(&clean(finding), inner.saturating_sub(13).max(10)).into_iter().enumerate() {
                let label = if i == 0 { "Finding      " } else { "             " };
                rows.push(vec![seg(Token::Muted, label), seg(Token::Text, line)]);
            }
            rows.push(vec![
                seg(Token::Muted, "Workflow     "),
                seg(Token::Key, "◀ "),
                seg(Token::Selection, status.as_str()),
                seg(Token::Key, " ▶"),
                seg(Token::Muted, "  (Tab, ←, →)"),
            ]);
            let mut note_rows = wrap(&clean(note), inner.saturating_sub(14).max(10));
            if let Some(last) = note_rows.last_mut() {
                last.push('▏');
            }
            for (i, line) in note_rows.into_iter().enumerate() {
                let label = if i == 0 { "Note         " } else { "             " };
                rows.push(vec![seg(Token::Muted, label), seg(Token::Text, line)]);
            }
            rows.push(vec![seg(Token::Muted, format!("             {} of 512 characters", note.chars().count()))]);
            rows.push(Vec::new());
            rows.push(vec![
                seg(Token::Key, "Enter"),
                seg(Token::Muted, " review the call · "),
                seg(Token::Key, "Esc"),
                seg(Token::Muted, " cancel"),
            ]);
            (" Set the finding's workflow ", rows)
        }
    };
    let height = (rows.len() as u16 + 2).min(area.height);
    rows.truncate(height.saturating_sub(2) as usize);
    let rect = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    let block = Block::bordered()
        .border_style(theme.style(Token::Fail))
        .title(Line::from(Span::styled(title, theme.style(Token::Title))));
    let lines: Vec<Line> = rows.into_iter().map(|r| to_line(r, theme)).collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).style(theme.style(Token::Text)).block(block), rect);
}
