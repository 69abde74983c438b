//! The scenario file format: a baseline and steps, each a batch of evidence items with AWS's
//! own names and values.

use serde::Deserialize;
use toml::Spanned;

use crate::located::FileError;
use crate::model::{
    AlarmState, ConfigCompliance, ControlKind, Decision, ExecutionState, FindingCompliance, RecordState, Severity,
    WorkflowStatus,
};

/// The built-in scenarios: name, what it shows, the file.
pub const BUILT_IN: [(&str, &str, &str); 2] = [
    (
        "workshop",
        "the lab's story: a guardrail holds, a detection fires, a remediation repairs",
        include_str!("workshop.toml"),
    ),
    (
        "bad-day",
        "what failing looks like: a guardrail detached, a remediation denied, GuardDuty, CloudTrail off",
        include_str!("bad-day.toml"),
    ),
];

/// A demo scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub title: String,
    pub account: String,
    pub region: String,
    pub baseline: Batch,
    pub steps: Vec<Step>,
}

/// One step of the story: when it comes, what it is called, what the room is told, and the
/// pane and control it is about.
#[derive(Debug, Clone)]
pub struct Step {
    /// Seconds after the demo starts.
    pub at: u64,
    pub title: String,
    pub caption: String,
    pub pane: ControlKind,
    /// The control the step narrates (its id): the cursor goes there and the detail shows it.
    pub control: Option<String>,
    pub batch: Batch,
}

/// Which controls a scenario may name: a control's id gives its pane, `None` when the catalog
/// has no such control.
pub type Controls<'a> = &'a dyn Fn(&str) -> Option<ControlKind>;

impl Scenario {
    /// The embedded workshop scenario.
    pub fn workshop() -> Scenario {
        Scenario::built_in("workshop").expect("the workshop is built in")
    }

    /// A built-in scenario by name, its steps naming the default catalog's controls.
    pub fn built_in(name: &str) -> Option<Scenario> {
        let (_, _, text) = BUILT_IN.iter().find(|(n, _, _)| *n == name)?;
        let catalog = crate::catalog::Catalog::default_catalog();
        let controls = |id: &str| catalog.controls.iter().find(|c| *c.id == *id).map(|c| c.kind);
        Some(Scenario::parse(text, &format!("<{name} scenario>"), &controls).expect("the built-in scenarios are valid"))
    }

    /// A built-in scenario's name, or a scenario file whose steps name controls of `controls`
    /// (the catalog in use). A built-in's step whose control another catalog lacks names none.
    pub fn load(spec: &str, controls: Controls) -> Result<Scenario, FileError> {
        if let Some(mut s) = Scenario::built_in(spec) {
            for step in &mut s.steps {
                step.control = step.control.take().filter(|id| controls(id).is_some());
            }
            return Ok(s);
        }
        let path = std::path::Path::new(spec);
        if !path.exists() && !spec.contains(['/', '.']) {
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _, _)| *n).collect();
            return Err(FileError::whole(
                spec,
                format!("no built-in scenario `{spec}` (built in: {}) and no such file", names.join(", ")),
            ));
        }
        Scenario::parse(&FileError::read(path)?, &path.display().to_string(), controls)
    }

    /// A scenario from its text; `origin` names it in errors, `controls` checks the controls its
    /// steps name.
    pub fn parse(text: &str, origin: &str, controls: Controls) -> Result<Scenario, FileError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| FileError::from_toml(origin, text, &e))?;
        let source = Source { origin, text };
        let mut steps = Vec::with_capacity(raw.step.len());
        let mut previous = 0;
        for (i, step) in raw.step.into_iter().enumerate() {
            let step = source.step(i, step, previous, controls)?;
            previous = step.at;
            steps.push(step);
        }
        let b = &raw.baseline;
        if b.at.is_some() || b.title.is_some() || b.caption.is_some() || b.pane.is_some() || b.control.is_some() {
            return Err(FileError::whole(origin, "the baseline has no `at`, `title`, `caption`, `pane` or `control`"));
        }
        validate(&raw.baseline, origin, text, "baseline", 0)?;
        let (account, region, baseline) = source.baseline(raw.extends, raw.account, raw.region, raw.baseline)?;
        Ok(Scenario { title: raw.title, account, region, baseline, steps })
    }
}

/// The scenario file being parsed, for errors that point into it.
struct Source<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, offset: usize, field: impl Into<String>, message: String) -> FileError {
        FileError::at(self.origin, self.text, offset, field, message)
    }

    /// One step: its time (not before the previous step's), narration, pane and control.
    fn step(&self, i: usize, step: Spanned<Batch>, previous: u64, controls: Controls) -> Result<Step, FileError> {
        let span = step.span();
        let s = step.into_inner();
        let field = |name: &str| format!("step[{i}].{name}");
        let missing =
            |name: &str, what: &str| self.error(span.start, field(name), format!("every step needs `{name}` ({what})"));
        let at = s.at.as_ref().ok_or_else(|| missing("at", "seconds after the start"))?;
        if *at.get_ref() < previous {
            return Err(self.error(
                at.span().start,
                field("at"),
                format!("expected a time after the previous step's {previous}, found {}", at.get_ref()),
            ));
        }
        let at = *at.get_ref();
        let title = s.title.clone().ok_or_else(|| missing("title", "a few words the caption bar shows"))?;
        let caption = s.caption.clone().ok_or_else(|| missing("caption", "what the room is told"))?;
        let pane = s.pane.as_ref().ok_or_else(|| missing("pane", "preventive, detective or corrective"))?;
        let pane = ControlKind::from_name(pane.get_ref()).ok_or_else(|| {
            self.error(
                pane.span().start,
                field("pane"),
                format!("expected preventive, detective or corrective, found `{}`", pane.get_ref()),
            )
        })?;
        let control = match &s.control {
            Some(id) => Some(self.step_control(id, pane, &field("control"), controls)?),
            None => None,
        };
        validate(&s, self.origin, self.text, &format!("step[{i}]"), span.start)?;
        Ok(Step { at, title: title.into_inner(), caption: caption.into_inner(), pane, control, batch: s })
    }

    /// The control a step points at: one the catalog has, in the step's pane.
    fn step_control(
        &self,
        id: &Spanned<String>,
        pane: ControlKind,
        field: &str,
        controls: Controls,
    ) -> Result<String, FileError> {
        let kind = controls(id.get_ref()).ok_or_else(|| {
            self.error(
                id.span().start,
                field,
                format!("no control `{}` in the catalog (vigil catalog list names them)", id.get_ref()),
            )
        })?;
        if kind != pane {
            return Err(self.error(
                id.span().start,
                field,
                format!("`{}` is a {} control, but the step's pane is {}", id.get_ref(), kind.name(), pane.name()),
            ));
        }
        Ok(id.get_ref().clone())
    }

    /// The account, region and baseline: a built-in scenario's, extended, or the file's own.
    fn baseline(
        &self,
        extends: Option<Spanned<String>>,
        account: Option<String>,
        region: Option<String>,
        own: Batch,
    ) -> Result<(String, String, Batch), FileError> {
        let Some(name) = extends else {
            let account = account.ok_or_else(|| FileError::whole(self.origin, "missing `account` (or `extends`)"))?;
            let region = region.ok_or_else(|| FileError::whole(self.origin, "missing `region` (or `extends`)"))?;
            return Ok((account, region, own));
        };
        let base = BUILT_IN.iter().find(|(n, _, _)| n == name.get_ref()).ok_or_else(|| {
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _, _)| *n).collect();
            self.error(
                name.span().start,
                "extends",
                format!("expected a built-in scenario ({}), found `{}`", names.join(", "), name.get_ref()),
            )
        })?;
        let base = Scenario::built_in(base.0).expect("a built-in scenario");
        let mut baseline = base.baseline;
        baseline.extend(own);
        Ok((account.unwrap_or(base.account), region.unwrap_or(base.region), baseline))
    }
}

fn validate(batch: &Batch, origin: &str, text: &str, at: &str, offset: usize) -> Result<(), FileError> {
    let metrics = batch.metrics.iter().map(|m| m.metric.as_str());
    let alarm_metrics = batch.alarms.iter().filter_map(|a| a.metric.as_deref());
    for (j, m) in metrics.chain(alarm_metrics).enumerate() {
        if !m.split_once('/').is_some_and(|(ns, n)| !ns.is_empty() && !n.is_empty()) {
            let found = text[offset..].find(m).map_or(offset, |o| offset + o);
            return Err(FileError::at(
                origin,
                text,
                found,
                format!("{at}.metrics[{j}]"),
                format!("expected NAMESPACE/METRIC, found `{m}`"),
            ));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    /// A built-in scenario whose baseline (account, region and items) this one starts from.
    extends: Option<Spanned<String>>,
    title: String,
    account: Option<String>,
    region: Option<String>,
    #[serde(default)]
    baseline: Batch,
    #[serde(default)]
    step: Vec<Spanned<Batch>>,
}

/// Items that appear (or change) together; a step also has its time and narration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    at: Option<Spanned<u64>>,
    title: Option<Spanned<String>>,
    caption: Option<Spanned<String>>,
    pane: Option<Spanned<String>>,
    /// The control the step is about, by id.
    control: Option<Spanned<String>>,
    /// Guardrail test results the story changes (the workshop's tests, by name).
    #[serde(default)]
    pub guardrails: Vec<GuardrailItem>,
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
    /// Security Hub CSPM automation rules (why a finding went quiet).
    #[serde(default)]
    pub automation_rules: Vec<AutomationRuleItem>,
    #[serde(default)]
    pub alarms: Vec<AlarmItem>,
    #[serde(default)]
    pub metrics: Vec<MetricItem>,
    /// Configuration items of a resource's timeline, as GetResourceConfigHistory gives them.
    #[serde(default)]
    pub timeline: Vec<TimelineItem>,
}

/// A guardrail test whose decision the story changes: a policy detached, an SCP edited.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardrailItem {
    /// The test's name in the workshop's tests.
    pub name: String,
    pub actual: Decision,
    /// Why it decides so now, for the guardrail's explanation.
    pub reason: String,
}

impl Batch {
    /// Adds another batch's items after these.
    fn extend(&mut self, other: Batch) {
        self.guardrails.extend(other.guardrails);
        self.rules.extend(other.rules);
        self.evaluations.extend(other.evaluations);
        self.remediations.extend(other.remediations);
        self.executions.extend(other.executions);
        self.findings.extend(other.findings);
        self.alarms.extend(other.alarms);
        self.metrics.extend(other.metrics);
        self.timeline.extend(other.timeline);
    }
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
    /// `ResourceType`: the type it remediates.
    pub resource_type: Option<String>,
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
    /// The OCSF class of a finding the new Security Hub makes (`Exposure`).
    pub class: Option<crate::model::FindingClass>,
    pub description: Option<String>,
    /// `Remediation.Recommendation.Text` and `.Url`.
    pub remediation: Option<String>,
    pub url: Option<String>,
}

/// A Security Hub CSPM automation rule: its name, order, the workflow it sets, and its criteria
/// (every one must hold).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutomationRuleItem {
    pub name: String,
    pub order: f64,
    pub sets: WorkflowStatus,
    #[serde(default)]
    pub terminal: bool,
    pub criteria: Vec<CriterionItem>,
}

/// One test of a rule's criteria: `field`, `comparison` (`EQUALS`, `PREFIX`...) and `value`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionItem {
    pub field: crate::model::RuleField,
    pub comparison: crate::model::Comparison,
    pub value: String,
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

    /// The default catalog's controls.
    fn known(id: &str) -> Option<ControlKind> {
        crate::catalog::Catalog::default_catalog().controls.iter().find(|c| *c.id == *id).map(|c| c.kind)
    }

    fn parse(text: &str) -> Result<Scenario, FileError> {
        Scenario::parse(text, "s.toml", &known)
    }

    #[test]
    fn every_built_in_step_names_the_control_it_narrates() {
        for (name, _, _) in BUILT_IN {
            for (k, step) in Scenario::built_in(name).unwrap().steps.iter().enumerate() {
                let id = step.control.as_deref().unwrap_or_else(|| panic!("{name} step {} names no control", k + 1));
                assert_eq!(known(id), Some(step.pane), "{name} step {}: {id} is in its pane", k + 1);
            }
        }
        // Another catalog without those controls: the steps name none, the story still plays.
        let s = Scenario::load("workshop", &|_| None).unwrap();
        assert!(s.steps.iter().all(|step| step.control.is_none()));
    }

    #[test]
    fn a_step_naming_a_control_the_catalog_lacks_is_refused_where_it_is() {
        let head = "title = \"t\"\naccount = \"1\"\nregion = \"r\"\n[[step]]\nat = 5\ntitle = \"x\"\ncaption = \"y\"\n";
        let e = parse(&format!("{head}pane = \"detective\"\ncontrol = \"DET-99\"\n")).unwrap_err();
        assert_eq!((e.line, e.column, e.field.as_str()), (9, 11, "step[0].control"), "{e}");
        assert!(e.message.contains("no control `DET-99` in the catalog"), "{e}");
        let e = parse(&format!("{head}pane = \"preventive\"\ncontrol = \"DET-03\"\n")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (9, "step[0].control"), "{e}");
        assert!(e.message.contains("`DET-03` is a detective control, but the step's pane is preventive"), "{e}");
        let s = parse(&format!("{head}pane = \"detective\"\ncontrol = \"DET-03\"\n")).unwrap();
        assert_eq!(s.steps[0].control.as_deref(), Some("DET-03"));
        let e =
            parse("title = \"t\"\naccount = \"1\"\nregion = \"r\"\n[baseline]\ncontrol = \"DET-03\"\n").unwrap_err();
        assert!(e.message.contains("the baseline has no"), "{e}");
    }

    #[test]
    fn the_built_in_scenarios_parse() {
        let s = Scenario::workshop();
        assert!(s.steps.len() >= 6);
        assert!(!s.baseline.findings.is_empty());
        for (name, _, _) in BUILT_IN {
            let s = Scenario::built_in(name).unwrap();
            assert!(s.steps.iter().all(|step| !step.title.is_empty() && !step.caption.is_empty()), "{name}");
        }
    }

    #[test]
    fn a_step_with_a_mistake_is_refused_with_line_and_column() {
        let head = "title = \"t\"\naccount = \"1\"\nregion = \"r\"\n[baseline]\n";
        let step = |body: &str| format!("{head}[[step]]\n{body}");
        let e = parse(&step("at = 5\ntitle = \"x\"\ncaption = \"y\"\npane = \"detect\"\n")).unwrap_err();
        assert_eq!((e.line, e.column, e.field.as_str()), (9, 8, "step[0].pane"), "{e}");
        assert!(e.message.contains("expected preventive, detective or corrective, found `detect`"), "{e}");
        let e = parse(&step("at = 5\ntitle = \"x\"\npane = \"detective\"\n")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (5, "step[0].caption"), "{e}");
        let two = format!(
            "{head}[[step]]\nat = 9\ntitle = \"a\"\ncaption = \"b\"\npane = \"preventive\"\n[[step]]\nat = 3\ntitle = \"c\"\ncaption = \"d\"\npane = \"preventive\"\n"
        );
        let e = parse(&two).unwrap_err();
        assert_eq!((e.line, e.column), (11, 6), "{e}");
        assert!(e.message.contains("expected a time after the previous step's 9, found 3"), "{e}");
        assert!(Scenario::load("nonesuch", &known).unwrap_err().message.contains("built in: workshop, bad-day"));
    }

    #[test]
    fn mistakes_are_named() {
        let text = "title = \"t\"\naccount = \"1\"\nregion = \"r\"\n[baseline]\n[[step]]\nat = 5\n[[step.findings]]\nid = \"x\"\nproduct = \"p\"\ntitle = \"t\"\nseverity = \"SEVERE\"\nworkflow = \"NEW\"\ntype = \"AwsS3Bucket\"\nresource = \"arn:aws:s3:::b\"\n";
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, 11, "{e}");
        assert!(e.message.contains("unknown Severity `SEVERE`"), "{e}");
        let typo = "title = \"t\"\naccount = \"1\"\nregion = \"r\"\n[baseline]\n[[baseline.finding]]\nid = \"x\"\n";
        let e = parse(typo).unwrap_err();
        assert!(e.message.contains("unknown field `finding`"), "{e}");
    }
}
