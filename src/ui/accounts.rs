//! The Accounts view (`4`): every account of the scope, worst first, by control: each cell the
//! account's failing resources under that control (`N+` a lower bound, `?` not read there, `·`
//! none known). Enter narrows the dashboard to the account.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::text::clean;
use crate::model::{ControlKind, Severity, StatusLevel};
use crate::store::Posture;
use crate::theme::{Theme, Token};

/// Cells of the account column, the findings column and each control's column.
const ACCOUNT: usize = 14;
const FINDINGS: usize = 18;
const CELL: usize = 7;

/// Control columns `<` and `>` move by.
pub const SCROLL: usize = 5;

/// `(cursor, column)`: the selected account's row, and the first control column shown.
pub fn render(frame: &mut Frame, area: Rect, posture: &Posture, (cursor, column): (usize, usize), theme: &Theme) {
    let rows = posture.accounts_matrix();
    let title = format!(" Accounts · {} · failing resources by control · Enter narrows to one ", rows.len());
    let controls = &posture.catalog().controls;
    let inner_width = area.width.saturating_sub(2) as usize;
    // As many control columns as fit, in catalog order from `column`; a family's count says the
    // rest, and the border says which columns are hidden on each side (`<` `>` scroll).
    let room = inner_width.saturating_sub(ACCOUNT + FINDINGS + 3 * 6);
    let first = column.min(controls.len().saturating_sub(1));
    let shown = (room / CELL).min(controls.len() - first);
    let (left, right) = (first, controls.len() - first - shown);
    let mut block = Block::bordered()
        .border_style(theme.style(Token::Border))
        .title(Span::styled(title, theme.style(Token::Title)));
    if left + right > 0 {
        let mark = format!(
            " {}columns {}-{} of {}{} ",
            if left > 0 { format!("◀ {left} · ") } else { String::new() },
            first + 1,
            first + shown,
            controls.len(),
            if right > 0 { format!(" · {right} ▶ (< >)") } else { " (<)".to_string() },
        );
        block = block.title_bottom(Line::from(Span::styled(mark, theme.style(Token::Key))).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut head = vec![
        Span::styled(format!("{:<ACCOUNT$}", "Account"), theme.style(Token::Muted)),
        Span::styled(format!("{:<FINDINGS$}", "Open findings"), theme.style(Token::Muted)),
    ];
    for kind in ControlKind::ALL {
        let short = match kind {
            ControlKind::Preventive => "Prev",
            ControlKind::Detective => "Det",
            ControlKind::Corrective => "Corr",
        };
        head.push(Span::styled(format!("{short:<6}"), theme.style(Token::Muted)));
    }
    for c in controls.iter().skip(first).take(shown) {
        head.push(Span::styled(format!("{:<CELL$}", clean(&c.id)), theme.style(Token::Muted)));
    }
    let mut lines = vec![Line::from(head)];
    if rows.is_empty() {
        lines.push(Line::from(Span::styled("No account has data yet.", theme.style(Token::Muted))));
    }
    let visible = (inner.height as usize).saturating_sub(1).max(1);
    let start = cursor.saturating_sub(visible - 1);
    for (i, row) in rows.iter().enumerate().skip(start).take(visible) {
        let open_high = row.findings.open_by_severity[Severity::Critical.index()]
            + row.findings.open_by_severity[Severity::High.index()];
        let mut spans = vec![
            Span::styled(format!("{:<ACCOUNT$}", clean(&row.account)), theme.style(Token::Text)),
            Span::styled(
                format!("{:<FINDINGS$}", format!("{} ({open_high} high+)", row.findings.active)),
                theme.style(if open_high > 0 { Token::Warn } else { Token::Muted }),
            ),
        ];
        let fail = Token::for_status(StatusLevel::Fail);
        let unknown = (Token::for_status(StatusLevel::Unknown), StatusLevel::Unknown.symbol().to_string());
        for kind in ControlKind::ALL {
            // How many of the family's controls fail in this account; `?` where none is known
            // to but one's evidence there was not read.
            let of_kind = || controls.iter().enumerate().filter(|(_, c)| c.kind == kind).map(|(i, _)| i);
            let failing = of_kind().filter(|i| row.fails(*i)).count();
            let (token, text) = if failing > 0 {
                (fail, format!("{} {failing}", StatusLevel::Fail.symbol()))
            } else if of_kind().any(|i| row.unknown[i]) {
                unknown.clone()
            } else {
                (Token::Muted, "·".to_string())
            };
            spans.push(Span::styled(format!("{text:<6}"), theme.style(token)));
        }
        for i in (first..first + shown).filter(|i| *i < row.failing.len()) {
            let (n, bound) = (row.failing[i], row.at_least[i]);
            let (token, text) = if bound > 0 {
                (fail, format!("{} {}+", StatusLevel::Fail.symbol(), n.max(bound)))
            } else if n > 0 {
                (fail, format!("{} {n}", StatusLevel::Fail.symbol()))
            } else if row.unremediated[i] > 0 {
                // Failing for a reason (a rule without remediation), not for a resource.
                (fail, StatusLevel::Fail.symbol().to_string())
            } else if row.unknown[i] {
                unknown.clone()
            } else {
                (Token::Muted, "·".to_string())
            };
            spans.push(Span::styled(format!("{text:<CELL$}"), theme.style(token)));
        }
        let line = Line::from(spans);
        lines.push(if i == cursor { Line::from(super::selected(line.spans, theme)) } else { line });
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How many rows the view has (for the cursor).
pub fn len(posture: &Posture) -> usize {
    posture.scope().accounts.len()
}

/// The account on the cursor's row.
pub fn account_at(posture: &Posture, cursor: usize) -> Option<String> {
    posture.accounts_matrix().into_iter().nth(cursor).map(|r| r.account)
}
