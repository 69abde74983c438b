//! The preventive pane: what stops a bad action. Its last column names the evidence behind
//! each control, so a PASS from Config alone reads differently from one backed by tests.

use super::PaneColumn;
use crate::model::{SourceKind, Timestamp};
use crate::store::Posture;
use crate::theme::Token;

pub const COLUMN: PaneColumn = PaneColumn { heading: "Evidence", width: 16, cell };

fn cell(posture: &Posture, index: usize, _now: Timestamp) -> (Token, String) {
    let acc = posture.evidence(index);
    let names: Vec<&str> = SourceKind::ALL
        .into_iter()
        .filter(|k| k.parts().iter().any(|p| acc.has(*p)))
        .map(|k| match k {
            SourceKind::Config => "config",
            SourceKind::SecurityHub => "hub",
            SourceKind::CloudWatch => "metric",
            SourceKind::Guardrails => "tests",
        })
        .collect();
    let c = posture.control(index);
    let untested = !c.evidence.guardrail_tests.is_empty() && !posture.source(SourceKind::Guardrails).registered;
    match (names.is_empty(), untested) {
        // Nothing will come: no tests were named ([guardrails] tests, --guardrail-tests).
        (true, true) => (Token::Warn, "no tests named".into()),
        (true, false) => (Token::Muted, "none yet".into()),
        (false, _) => (Token::Muted, names.join("·")),
    }
}
