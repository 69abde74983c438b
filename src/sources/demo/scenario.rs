//! The scenario file format: a baseline and steps, each a batch of evidence items with AWS's
//! own names and values.

use serde::Deserialize;

use crate::located::FileError;
use crate::model::{
    AlarmState, ConfigCompliance, ExecutionState, FindingCompliance, RecordState, Severity, WorkflowStatus,
};

const WORKSHOP: &str = include_str!("workshop.toml");

/// A demo scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub title: String,
    pub account: String,
    pub region: String,
    pub baseline: Batch,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// Seconds after the demo starts.
    pub at: u64,
    pub say: Option<String>,
    pub batch: Batch,
}

impl Scenario {
    /// The embedded workshop scenario.
    pub fn workshop() -> Scenario {
        Scenario::parse(WORKSHOP, "<workshop scenario>").expect("the embedded scenario is valid")
    }

    pub fn parse(text: &str, origin: &str) -> Result<Scenario, FileError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| FileError::from_toml(origin, text, &e))?;
        let mut steps = Vec::with_capacity(raw.step.len());
        let mut previous = 0;
        for (i, s) in raw.step.into_iter().enumerate() {
            let at = s
                .at
                .ok_or_else(|| whole(origin, format!("step[{i}].at"), "every step needs `at` (seconds after start)"))?;
            if at < previous {
                return Err(whole(
                    origin,
                    format!("step[{i}].at"),
                    format!("{at} comes before the previous step's {previous}"),
                ));
            }
            previous = at;
            validate(&s, origin, &format!("step[{i}]"))?;
            steps.push(Step { at, say: s.say.clone(), batch: s });
        }
        if raw.baseline.at.is_some() || raw.baseline.say.is_some() {
            return Err(whole(origin, "baseline".into(), "the baseline has no `at` or `say`"));
        }
        validate(&raw.baseline, origin, "baseline")?;
        Ok(Scenario { title: raw.title, account: raw.account, region: raw.region, baseline: raw.baseline, steps })
    }
}

fn whole(origin: &str, field: String, message: impl Into<String>) -> FileError {
    let mut e = FileError::whole(origin, message);
    e.field = field;
    e
}

fn validate(batch: &Batch, origin: &str, at: &str) -> Result<(), FileError> {
    let metrics = batch.metrics.iter().map(|m| m.metric.as_str());
    let alarm_metrics = batch.alarms.iter().filter_map(|a| a.metric.as_deref());
    for (j, m) in metrics.chain(alarm_metrics).enumerate() {
        if !m.split_once('/').is_some_and(|(ns, n)| !ns.is_empty() && !n.is_empty()) {
            return Err(whole(origin, format!("{at}.metrics[{j}]"), format!("`{m}` is not NAMESPACE/METRIC")));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    title: String,
    account: String,
    region: String,
    baseline: Batch,
    #[serde(default)]
    step: Vec<Batch>,
}

/// Items that appear (or change) together; a step also has its time and narration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    at: Option<u64>,
    say: Option<String>,
    #[serde(default)]
    pub rules: Vec<RuleItem>,
    #[serde(default)]
    pub evaluations: Vec<EvaluationItem>,
    #[serde(default)]
    pub remediations: Vec<RemediationItem>,
    #[serde(default)]
    pub executions: Vec<ExecutionItem>,
    #[serde(default)]
    pub findings: Vec<FindingItem>,
    #[serde(default)]
    pub alarms: Vec<AlarmItem>,
    #[serde(default)]
    pub metrics: Vec<MetricItem>,
    /// Configuration items of a resource's timeline, as GetResourceConfigHistory gives them.
    #[serde(default)]
    pub timeline: Vec<TimelineItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineItem {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// `configurationItemStatus`: OK, ResourceDiscovered, …
    pub status: String,
    /// The configuration fields this item changed.
    #[serde(default)]
    pub changed: Vec<String>,
    pub age: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleItem {
    pub name: String,
    /// The managed rule's source identifier.
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationItem {
    pub rule: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub compliance: ConfigCompliance,
    pub annotation: Option<String>,
    pub age: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationItem {
    pub rule: String,
    pub target: String,
    pub automatic: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutionItem {
    pub rule: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub state: ExecutionState,
    pub message: Option<String>,
    pub age: Option<u64>,
    /// When a step's execution was invoked, in seconds after start.
    pub invoked: Option<i64>,
}

fn active() -> RecordState {
    RecordState::Active
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingItem {
    pub id: String,
    pub product: String,
    pub control: Option<String>,
    pub rule: Option<String>,
    pub title: String,
    pub severity: Severity,
    pub compliance: Option<FindingCompliance>,
    pub workflow: WorkflowStatus,
    #[serde(default = "active")]
    pub record_state: RecordState,
    #[serde(rename = "type")]
    pub kind: String,
    pub resource: String,
    pub age: Option<u64>,
    pub description: Option<String>,
    /// `Remediation.Recommendation.Text` and `.Url`.
    pub remediation: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmItem {
    pub name: String,
    pub state: AlarmState,
    pub reason: String,
    /// NAMESPACE/METRIC; `LogMetrics/<name>` when not given.
    pub metric: Option<String>,
    /// The value the metric is compared with (`Threshold`).
    pub threshold: Option<f64>,
    pub age: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricItem {
    pub metric: String,
    pub values: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workshop_scenario_parses() {
        let s = Scenario::workshop();
        assert!(s.steps.len() >= 5);
        assert!(!s.baseline.findings.is_empty());
    }

    #[test]
    fn mistakes_are_named() {
        let text = "title = \"t\"\naccount = \"1\"\nregion = \"r\"\n[baseline]\n[[step]]\nat = 5\n[[step.findings]]\nid = \"x\"\nproduct = \"p\"\ntitle = \"t\"\nseverity = \"SEVERE\"\nworkflow = \"NEW\"\ntype = \"AwsS3Bucket\"\nresource = \"arn:aws:s3:::b\"\n";
        let e = Scenario::parse(text, "s.toml").unwrap_err();
        assert_eq!(e.line, 11, "{e}");
        assert!(e.message.contains("unknown Severity `SEVERE`"), "{e}");
        let typo = "title = \"t\"\naccount = \"1\"\nregion = \"r\"\n[baseline]\n[[baseline.finding]]\nid = \"x\"\n";
        let e = Scenario::parse(typo, "s.toml").unwrap_err();
        assert!(e.message.contains("unknown field `finding`"), "{e}");
    }
}
