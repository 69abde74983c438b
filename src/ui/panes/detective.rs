//! The detective pane: what notices it. Activity (alarms firing, open findings, the metric's
//! recent shape) is shown beside the status, never as a failure; open CRITICAL or HIGH findings
//! and firing alarms are flagged (`⚑`) in the warning colour while the control stays PASS.

use super::PaneColumn;
use crate::model::{Severity, Timestamp};
use crate::store::Posture;
use crate::theme::Token;
use crate::ui::text::sparkline;

pub const COLUMN: PaneColumn = PaneColumn { heading: "Activity", width: 22, cell };

fn cell(posture: &Posture, index: usize, _now: Timestamp) -> (Token, String) {
    let acc = posture.evidence(index);
    let mut lead = Vec::new();
    let names = posture.control_metric_names(index);
    if let Some(metric) = names.first().and_then(|(ns, name)| posture.control_metric(index, ns, name)) {
        lead.push(sparkline(metric.points.iter().map(|(_, v)| v), 6));
    }
    let (critical, high) = (acc.activity[Severity::Critical.index()], acc.activity[Severity::High.index()]);
    let flagged = critical + high > 0 || acc.firing > 0;
    if flagged {
        lead.push("⚑".into());
    }
    // Counts apart from each other (`5 CRIT · 171 open`), never run together.
    let mut parts = Vec::new();
    if acc.firing > 0 {
        parts.push(format!("{} firing", acc.firing));
    }
    // The most severe open findings by name, then how many are open in all where that says
    // more (`1 CRIT · 2 open`, but `1 HIGH` alone).
    let open: u32 = acc.activity.iter().sum();
    let named = if critical > 0 {
        parts.push(format!("{critical} CRIT"));
        critical
    } else if high > 0 {
        parts.push(format!("{high} HIGH"));
        high
    } else {
        0
    };
    if open > named {
        parts.push(format!("{open} open"));
    }
    if !parts.is_empty() || !lead.is_empty() {
        lead.push(parts.join(" · "));
        let text = lead.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
        (if flagged { Token::Warn } else { Token::Muted }, text)
    } else if posture.unread_parts(index).is_empty() {
        (Token::Muted, "quiet".into())
    } else {
        // Nothing heard, because what would be heard could not be read.
        (Token::Warn, "not read".into())
    }
}
