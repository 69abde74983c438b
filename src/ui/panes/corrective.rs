//! The corrective pane: what repairs it. Its last column says how each remediation runs and
//! what it is doing now.

use super::PaneColumn;
use crate::model::{Part, Timestamp};
use crate::store::Posture;
use crate::theme::Token;

pub const COLUMN: PaneColumn = PaneColumn { heading: "Remediation", width: 16, cell };

fn cell(posture: &Posture, index: usize, now: Timestamp) -> (Token, String) {
    let acc = posture.evidence(index);
    if acc.remediations.is_empty() {
        return if acc.unread[Part::RemediationConfigs.index()] > 0 {
            // Unknown, not missing: the configurations could not be read.
            (Token::Warn, "not read".into())
        } else if acc.rules.is_empty() {
            (Token::Muted, "—".into())
        } else {
            (Token::Fail, "none set".into())
        };
    }
    let automatic = acc.remediations.iter().filter_map(|r| posture.remediation_config(r)).all(|rc| rc.automatic);
    let mut text = String::from(if automatic { "auto" } else { "manual" });
    if !acc.unremediated.is_empty() {
        // Some of its rules have a remediation, some none: the ones without are why it fails.
        return (Token::Fail, format!("{text} · {} unset", acc.unremediated.len()));
    }
    let running = acc.in_progress.len();
    let slow = posture.slow_remediations(index, now);
    let mut token = Token::Muted;
    if running > 0 {
        text.push_str(&format!(" · {running} running"));
        token = if slow > 0 { Token::Warn } else { Token::Text };
    } else if acc.pending > 0 {
        text.push_str(&format!(" · {} due", acc.pending));
        token = Token::Text;
    }
    (token, text)
}
