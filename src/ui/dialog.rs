//! The dialogs of the corrective actions: a finding's new workflow and note, then the exact
//! call for the user to confirm (Cancel has the focus).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::list::{Seg, seg, to_line};
use super::text::{clean, wrap};
use super::view::Dialog;
use crate::model::Write;
use crate::store::Posture;
use crate::theme::{Theme, Token};

/// The rows of the call a write makes, as the confirmation shows them.
pub fn call_rows(posture: &Posture, write: &Write, width: usize) -> Vec<Vec<Seg>> {
    let mut fields: Vec<(&str, String)> = vec![("Operation", write.operation().to_string())];
    match write {
        Write::StartRemediation { rule, resource, document } => {
            fields.push(("Account", resource.account.to_string()));
            fields.push(("Region", resource.region.to_string()));
            fields.push(("Rule", rule.to_string()));
            fields.push(("Document", document.to_string()));
            let key = resource.config_id().unwrap_or(&resource.id);
            fields.push(("ResourceKey", format!("{} {key}", resource.kind)));
        }
        Write::SetWorkflow { finding, product_arn, status, note } => {
            if let Some(f) = posture.finding(finding) {
                fields.push(("Account", f.account.to_string()));
                fields.push(("Region", f.region.to_string()));
            }
            fields.push(("Finding", finding.to_string()));
            fields.push(("ProductArn", product_arn.to_string()));
            fields.push(("Workflow", status.to_string()));
            fields.push(("Note", if note.is_empty() { "(none)".to_string() } else { note.clone() }));
        }
    }
    let mut rows = Vec::new();
    for (name, value) in fields {
        for (i, line) in wrap(&clean(&value), width.saturating_sub(13).max(10)).into_iter().enumerate() {
            let label = if i == 0 { format!("{name:<13}") } else { " ".repeat(13) };
            rows.push(vec![seg(Token::Muted, label), seg(Token::Text, line)]);
        }
    }
    rows
}

pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, dialog: &Dialog, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(96);
    let inner = width.saturating_sub(2) as usize;
    let (title, mut rows) = match dialog {
        Dialog::Confirm { write, confirm_focused } => {
            let mut rows = call_rows(posture, write, inner);
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
            for (i, line) in wrap(&clean(finding), inner.saturating_sub(13).max(10)).into_iter().enumerate() {
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
