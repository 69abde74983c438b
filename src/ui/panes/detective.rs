//! The detective pane: what notices it. Activity (alarms firing, open findings, the metric's
//! recent shape) is shown beside the status, never as a failure.

use super::PaneColumn;
use crate::model::{Severity, Timestamp};
use crate::store::Posture;
use crate::theme::Token;
use crate::ui::text::sparkline;

pub const COLUMN: PaneColumn = PaneColumn { heading: "Activity", width: 16, cell };

fn cell(posture: &Posture, index: usize, _now: Timestamp) -> (Token, String) {
    let acc = posture.evidence(index);
    let mut parts = Vec::new();
    let names = posture.control_metric_names(index);
    if let Some(metric) = names.first().and_then(|(ns, name)| posture.control_metric(index, ns, name)) {
        parts.push(sparkline(metric.points.iter().map(|(_, v)| v), 6));
    }
    if acc.firing > 0 {
        parts.push(format!("{} firing", acc.firing));
    }
    let open: u32 = acc.activity.iter().sum();
    if open > 0 {
        parts.push(format!("{open} open"));
    }
    let token = if acc.activity[Severity::Critical.index()] > 0 {
        Token::Critical
    } else if acc.activity[Severity::High.index()] > 0 || acc.firing > 0 {
        Token::High
    } else {
        Token::Muted
    };
    if !parts.is_empty() {
        (token, parts.join(" "))
    } else if posture.unread_parts(index).is_empty() {
        (Token::Muted, "quiet".into())
    } else {
        // Nothing heard, because what would be heard could not be read.
        (Token::Warn, "not read".into())
    }
}
