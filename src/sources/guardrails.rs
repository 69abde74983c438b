//! Guardrail tests as a source: the policy engine runs the suite offline and the results become
//! evidence for the preventive controls they name. They never go stale.

use std::sync::Arc;
use std::time::Duration;

use super::{Dataset, Payload, Sink, Source, SourceEvent, SourceFuture, SourceKind};
use crate::model::{ConditionResult, ExplainedStatement, GuardrailDetail, GuardrailResult, Sym, Timestamp};
use crate::policy::evaluate::StatementExplained;
use crate::policy::suite::GuardrailTest;
use crate::policy::{Suite, TestResult};

pub struct GuardrailSource {
    suite: Suite,
}

impl GuardrailSource {
    pub fn new(suite: Suite) -> Self {
        GuardrailSource { suite }
    }
}

/// Runs every test and turns the outcomes into evidence.
pub fn results(suite: &Suite, at: Timestamp) -> Vec<GuardrailResult> {
    suite.tests.iter().zip(suite.run()).map(|(test, result)| evidence(test, &result, at)).collect()
}

fn evidence(test: &GuardrailTest, result: &TestResult, at: Timestamp) -> GuardrailResult {
    let statement = |s: &StatementExplained| {
        let policy = test.case.policy(s.at);
        let (policy_text, ranges) = policy.display();
        ExplainedStatement {
            layer: s.layer.clone(),
            statement: s.statement.clone(),
            effect: s.effect.clone(),
            origin: s.origin.clone(),
            policy_text,
            lines: ranges.get(s.index).cloned().unwrap_or(0..0),
            conditions: s
                .conditions
                .iter()
                .map(|c| ConditionResult {
                    operator: c.operator.clone(),
                    key: c.key.clone(),
                    values: c.values.clone(),
                    context: c.context.clone(),
                    matched: c.matched,
                })
                .collect(),
        }
    };
    let e = &result.explained;
    GuardrailResult {
        name: Sym::from(result.name.as_str()),
        control: result.control.as_deref().map(Sym::from),
        expected: result.expect,
        actual: result.actual(),
        evaluated_at: at,
        detail: Some(Arc::new(GuardrailDetail {
            reason: e.reason.clone(),
            deciding: e.deciding.iter().map(statement).collect(),
            near_misses: e.near_misses.iter().map(statement).collect(),
        })),
    }
}

impl Source for GuardrailSource {
    fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)> {
        vec![(SourceKind::Guardrails, None)]
    }

    fn run(self: Box<Self>, sink: Sink) -> SourceFuture {
        Box::pin(async move {
            let at = sink.now();
            let guardrails = results(&self.suite, at);
            let data = Dataset { guardrails, ..Default::default() };
            sink.send(SourceEvent {
                source: SourceKind::Guardrails,
                fetched_at: at,
                result: Ok(Payload::Replace(data)),
            })
            .await;
        })
    }
}
