//! Automation rules, Security Hub CSPM's (ASFF criteria) and the new Security Hub's (OCSF
//! criteria), and why a finding's workflow is what it is. No finding records which rule acted on
//! it, so vigil evaluates the enabled rules' criteria itself, in the order AWS applies them.
//!
//! The criteria are tested against the finding as vigil holds it. A criterion on the workflow
//! (`WorkflowStatus`, `status`) is taken as met: the rule tested the finding before its own action
//! changed that. A criterion on a field vigil does not keep (tags, notes, dates) cannot be
//! tested: a rule that needs one only *may* match, and says which field it is.

use super::{Finding, Timestamp, WorkflowStatus};

/// Which service a rule belongs to: they are kept and applied apart (AWS does not synchronise
/// them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleApi {
    /// Security Hub CSPM: order 1-1000, lowest first; `IsTerminal` stops the evaluation.
    Cspm,
    /// The new Security Hub: order 1-1000 (a float), lowest first; the last to act wins.
    V2,
}

impl RuleApi {
    pub fn name(self) -> &'static str {
        match self {
            RuleApi::Cspm => "Security Hub CSPM",
            RuleApi::V2 => "Security Hub",
        }
    }
}

/// A field of a finding a rule's criteria may test, as vigil holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleField {
    Account,
    Region,
    Product,
    ControlId,
    Title,
    Id,
    ResourceId,
    ResourceType,
    Severity,
    /// The workflow (`WorkflowStatus`, `status`): taken as met (see the module's note).
    Workflow,
    RecordState,
    Compliance,
}

/// A string comparison, as both APIs spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Comparison {
    Equals,
    Prefix,
    NotEquals,
    PrefixNotEquals,
    Contains,
    NotContains,
}

impl Comparison {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "EQUALS" => Comparison::Equals,
            "PREFIX" => Comparison::Prefix,
            "NOT_EQUALS" => Comparison::NotEquals,
            "PREFIX_NOT_EQUALS" => Comparison::PrefixNotEquals,
            "CONTAINS" | "CONTAINS_WORD" => Comparison::Contains,
            "NOT_CONTAINS" => Comparison::NotContains,
            _ => return None,
        })
    }

    fn positive(self) -> bool {
        matches!(self, Comparison::Equals | Comparison::Prefix | Comparison::Contains)
    }

    fn holds(self, text: &str, value: &str) -> bool {
        match self {
            Comparison::Equals => text == value,
            Comparison::Prefix => text.starts_with(value),
            Comparison::Contains => text.contains(value),
            Comparison::NotEquals => text != value,
            Comparison::PrefixNotEquals => !text.starts_with(value),
            Comparison::NotContains => !text.contains(value),
        }
    }
}

/// A rule's criteria: fields' tests joined by AND and OR (ASFF criteria are one AND of fields;
/// OCSF criteria nest composites).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criteria {
    All(Vec<Criteria>),
    Any(Vec<Criteria>),
    /// One field's comparisons: the positive ones ORed, the negative ones ANDed, as both APIs'
    /// references say.
    Field {
        field: RuleField,
        tests: Vec<(Comparison, String)>,
    },
    /// A field vigil does not keep (its name as the rule gives it): cannot be tested.
    Untestable(String),
}

/// Whether criteria hold: yes, no, or cannot be said (a field vigil does not keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    Yes,
    No,
    Unknown,
}

impl Criteria {
    fn holds(&self, f: &Finding) -> Holds {
        match self {
            Criteria::All(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.holds(f) {
                        Holds::No => return Holds::No,
                        Holds::Unknown => unknown = true,
                        Holds::Yes => {}
                    }
                }
                if unknown { Holds::Unknown } else { Holds::Yes }
            }
            Criteria::Any(parts) => {
                let mut unknown = false;
                for p in parts {
                    match p.holds(f) {
                        Holds::Yes => return Holds::Yes,
                        Holds::Unknown => unknown = true,
                        Holds::No => {}
                    }
                }
                if unknown || parts.is_empty() { Holds::Unknown } else { Holds::No }
            }
            Criteria::Field { field: RuleField::Workflow, .. } => Holds::Yes,
            Criteria::Field { field, tests } => {
                let texts = values(f, *field);
                let (positive, negative): (Vec<_>, Vec<_>) = tests.iter().partition(|(c, _)| c.positive());
                let any_positive =
                    positive.is_empty() || positive.iter().any(|(c, v)| texts.iter().any(|t| c.holds(t, v)));
                let all_negative = negative.iter().all(|(c, v)| texts.iter().all(|t| c.holds(t, v)));
                if any_positive && all_negative { Holds::Yes } else { Holds::No }
            }
            Criteria::Untestable(_) => Holds::Unknown,
        }
    }

    /// The fields the criteria test that vigil cannot.
    pub fn untestable(&self) -> Vec<&str> {
        match self {
            Criteria::All(parts) | Criteria::Any(parts) => parts.iter().flat_map(Criteria::untestable).collect(),
            Criteria::Untestable(name) => vec![name.as_str()],
            Criteria::Field { .. } => Vec::new(),
        }
    }
}

/// A finding's values of a field, as a rule compares them (the labels in AWS's upper case; a
/// finding has several resources).
fn values(f: &Finding, field: RuleField) -> Vec<String> {
    let one = |s: &str| vec![s.to_string()];
    match field {
        RuleField::Account => one(&f.account),
        RuleField::Region => one(&f.region),
        RuleField::Product => one(&f.product),
        RuleField::ControlId => f.control_id.as_deref().map(one).unwrap_or_default(),
        RuleField::Title => one(&f.title),
        RuleField::Id => one(&f.id),
        RuleField::ResourceId => f.resources.iter().map(|r| r.id.to_string()).collect(),
        RuleField::ResourceType => f.resources.iter().map(|r| r.kind.to_string()).collect(),
        RuleField::Severity => one(f.severity.as_str()),
        RuleField::Workflow => one(f.workflow.as_str()),
        RuleField::RecordState => one(f.record_state.as_str()),
        RuleField::Compliance => f.compliance.map(|c| one(c.as_str())).unwrap_or_default(),
    }
}

/// One automation rule, as vigil keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AutomationRule {
    pub api: RuleApi,
    pub arn: String,
    pub name: String,
    pub order: f64,
    pub enabled: bool,
    /// CSPM's `IsTerminal`: no rule after it acts on a finding it matched.
    #[serde(default)]
    pub terminal: bool,
    /// The workflow its action sets (`Workflow.Status`, `StatusId`), if it sets one.
    pub sets_workflow: Option<WorkflowStatus>,
    pub criteria: Criteria,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// The rules of the services read in one poll: they replace the held rules of those services.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AutomationRules {
    pub apis: Vec<RuleApi>,
    pub rules: Vec<AutomationRule>,
}

/// Why a finding's workflow is what it is.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkflowReason<'a> {
    /// An enabled rule that sets this workflow matches the finding; `untested` names the fields
    /// of its criteria vigil could not test (empty: it matches for certain).
    Rule { rule: &'a AutomationRule, untested: Vec<&'a str> },
    /// A control finding RESOLVED because its control passed: Security Hub resolves those
    /// itself (no rule that sets RESOLVED matches).
    ControlPassed,
    /// No enabled rule that sets it matches: someone set it (BatchUpdateFindings, the console).
    ByHand,
}

impl WorkflowReason<'_> {
    /// As the finding view and the lists say it, after the workflow (`suppressed · ...`).
    pub fn describe(&self) -> String {
        match self {
            WorkflowReason::Rule { rule, untested } if untested.is_empty() => {
                format!("matches automation rule \"{}\"", rule.name)
            }
            WorkflowReason::Rule { rule, untested } => {
                format!("may match automation rule \"{}\" (it also tests {})", rule.name, untested.join(", "))
            }
            WorkflowReason::ControlPassed => "by Security Hub (the control passed)".to_string(),
            WorkflowReason::ByHand => "by hand (no automation rule matches)".to_string(),
        }
    }

    /// As a list row says it, before the title: `rule "dev accounts"`, `rule? "tagged"` (may
    /// match), `by hand` for a suppression; `None` where a list need not say it (a finding
    /// notified or resolved by hand, or resolved because its control passed).
    pub fn short(&self, workflow: WorkflowStatus) -> Option<String> {
        match self {
            WorkflowReason::Rule { rule, untested } if untested.is_empty() => Some(format!("rule \"{}\"", rule.name)),
            WorkflowReason::Rule { rule, .. } => Some(format!("rule? \"{}\"", rule.name)),
            WorkflowReason::ByHand if workflow == WorkflowStatus::Suppressed => Some("by hand".to_string()),
            WorkflowReason::ByHand | WorkflowReason::ControlPassed => None,
        }
    }
}

/// The rule that explains `f`'s workflow among `rules`, or [`WorkflowReason::ByHand`]; `None` for
/// a NEW finding (nothing to explain). Of each service's enabled rules that set this workflow and
/// match: for Security Hub CSPM, the first terminal one in ascending order, else the last one; for
/// the new Security Hub, the last one (the last to act wins). A finding the new Security Hub holds
/// too (it has an OCSF class) is explained by its rules first, then CSPM's; any other by CSPM's
/// first. A certain match is preferred to one that may match. Without a match, a control finding
/// RESOLVED with its control PASSED was resolved by Security Hub itself.
pub fn workflow_reason<'a>(f: &Finding, rules: &'a [AutomationRule]) -> Option<WorkflowReason<'a>> {
    if f.workflow == WorkflowStatus::New {
        return None;
    }
    let order = if f.class.is_some() { [RuleApi::V2, RuleApi::Cspm] } else { [RuleApi::Cspm, RuleApi::V2] };
    for certain in [true, false] {
        for api in order {
            let mut candidates: Vec<&AutomationRule> = rules
                .iter()
                .filter(|r| r.api == api && r.enabled && r.sets_workflow == Some(f.workflow))
                .filter(|r| match r.criteria.holds(f) {
                    Holds::Yes => certain,
                    Holds::Unknown => !certain,
                    Holds::No => false,
                })
                .collect();
            candidates.sort_by(|a, b| a.order.total_cmp(&b.order));
            let decisive = match api {
                RuleApi::Cspm => candidates.iter().find(|r| r.terminal).or(candidates.last()),
                RuleApi::V2 => candidates.last(),
            };
            if let Some(rule) = decisive {
                let untested = if certain { Vec::new() } else { rule.criteria.untestable() };
                return Some(WorkflowReason::Rule { rule, untested });
            }
        }
    }
    if f.workflow == WorkflowStatus::Resolved && f.compliance == Some(super::FindingCompliance::Passed) {
        return Some(WorkflowReason::ControlPassed);
    }
    Some(WorkflowReason::ByHand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FindingClass, Interner, RecordState, ResourceId, Severity};

    fn finding(account: &str, control: &str, workflow: WorkflowStatus) -> Finding {
        let mut i = Interner::new();
        Finding {
            id: i.intern("arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/1"),
            product: i.intern("Security Hub"),
            control_id: Some(i.intern(control)),
            related_rule: None,
            title: i.intern("S3 general purpose buckets should block public access"),
            severity: Severity::High,
            workflow,
            record_state: RecordState::Active,
            compliance: None,
            resources: vec![ResourceId::from_security_hub(
                &mut i,
                "AwsS3Bucket",
                "arn:aws:s3:::dev-scratch",
                account,
                "us-east-1",
            )]
            .into(),
            account: i.intern(account),
            region: i.intern("us-east-1"),
            updated_at: Timestamp::UNIX_EPOCH.into(),
            first_observed: None,
            class: None,
        }
    }

    fn field(field: RuleField, tests: &[(Comparison, &str)]) -> Criteria {
        Criteria::Field { field, tests: tests.iter().map(|(c, v)| (*c, v.to_string())).collect() }
    }

    fn rule(api: RuleApi, name: &str, order: f64, criteria: Vec<Criteria>) -> AutomationRule {
        AutomationRule {
            api,
            arn: format!("arn:aws:securityhub:us-east-1:111122223333:automation-rule/{name}"),
            name: name.into(),
            order,
            enabled: true,
            terminal: false,
            sets_workflow: Some(WorkflowStatus::Suppressed),
            criteria: Criteria::All(criteria),
            updated_at: None,
        }
    }

    #[test]
    fn a_suppression_is_explained_by_the_rule_that_matches_in_awss_order() {
        let dev = rule(
            RuleApi::Cspm,
            "dev accounts",
            2.0,
            vec![
                field(
                    RuleField::Account,
                    &[(Comparison::Equals, "111122223333"), (Comparison::Equals, "444455556666")],
                ),
                // Rules act on NEW findings: the workflow they tested is not the one they set.
                field(RuleField::Workflow, &[(Comparison::Equals, "NEW")]),
            ],
        );
        let buckets = rule(
            RuleApi::Cspm,
            "scratch buckets",
            1.0,
            vec![field(RuleField::ResourceId, &[(Comparison::Prefix, "arn:aws:s3:::dev-")])],
        );
        let prod = rule(RuleApi::Cspm, "prod", 3.0, vec![field(RuleField::Account, &[(Comparison::Equals, "999")])]);
        let rules = vec![dev.clone(), buckets.clone(), prod];
        let f = finding("111122223333", "S3.8", WorkflowStatus::Suppressed);
        // Both match: the later one (order 2) has the last word.
        let why = workflow_reason(&f, &rules).unwrap();
        assert_eq!(why, WorkflowReason::Rule { rule: &rules[0], untested: vec![] });
        assert_eq!(why.describe(), "matches automation rule \"dev accounts\"");
        // A terminal rule stops those after it.
        let mut terminal = rules.clone();
        terminal[1].terminal = true;
        assert_eq!(
            workflow_reason(&f, &terminal).unwrap(),
            WorkflowReason::Rule { rule: &terminal[1], untested: vec![] }
        );
        // A disabled rule, or one that sets another workflow, explains nothing.
        let mut off = rules.clone();
        off[0].enabled = false;
        off[1].sets_workflow = Some(WorkflowStatus::Resolved);
        assert_eq!(workflow_reason(&f, &off), Some(WorkflowReason::ByHand));
        assert_eq!(WorkflowReason::ByHand.describe(), "by hand (no automation rule matches)");
        // Another account: none matches; a NEW finding needs no reason.
        assert_eq!(
            workflow_reason(&finding("999988887777", "IAM.1", WorkflowStatus::Suppressed), std::slice::from_ref(&dev)),
            Some(WorkflowReason::ByHand)
        );
        assert_eq!(workflow_reason(&finding("111122223333", "S3.8", WorkflowStatus::New), &rules), None);
        // Security Hub resolves a control finding itself when its control passes.
        let mut passed = finding("111122223333", "S3.8", WorkflowStatus::Resolved);
        passed.compliance = Some(crate::model::FindingCompliance::Passed);
        assert_eq!(workflow_reason(&passed, &rules), Some(WorkflowReason::ControlPassed));
        assert_eq!(WorkflowReason::ControlPassed.short(WorkflowStatus::Resolved), None, "a list need not say it");
        assert_eq!(WorkflowReason::ByHand.short(WorkflowStatus::Suppressed).as_deref(), Some("by hand"));
    }

    #[test]
    fn comparisons_positive_ored_negative_anded_and_untestable_fields_only_may_match() {
        let f = finding("111122223333", "S3.8", WorkflowStatus::Suppressed);
        let holds = |c: Criteria| c.holds(&f);
        assert_eq!(
            holds(field(RuleField::ControlId, &[(Comparison::Equals, "S3.1"), (Comparison::Prefix, "S3.")])),
            Holds::Yes
        );
        assert_eq!(
            holds(field(RuleField::ControlId, &[(Comparison::Prefix, "S3."), (Comparison::NotEquals, "S3.8")])),
            Holds::No
        );
        assert_eq!(holds(field(RuleField::Title, &[(Comparison::NotContains, "IAM")])), Holds::Yes);
        assert_eq!(holds(field(RuleField::Severity, &[(Comparison::Equals, "CRITICAL")])), Holds::No);
        assert_eq!(holds(Criteria::All(vec![Criteria::Untestable("ResourceTags".into())])), Holds::Unknown);
        assert_eq!(
            holds(Criteria::All(vec![
                Criteria::Untestable("ResourceTags".into()),
                field(RuleField::Account, &[(Comparison::Equals, "1")])
            ])),
            Holds::No,
            "a field that fails decides"
        );
        assert_eq!(
            holds(Criteria::Any(vec![
                Criteria::Untestable("ResourceTags".into()),
                field(RuleField::Account, &[(Comparison::Equals, "111122223333")])
            ])),
            Holds::Yes
        );
        // A rule that needs a tag only may match, and says so; a certain match wins over it.
        let tagged = rule(RuleApi::Cspm, "tagged", 5.0, vec![Criteria::Untestable("ResourceTags".into())]);
        let why = workflow_reason(&f, std::slice::from_ref(&tagged)).unwrap();
        assert_eq!(why.describe(), "may match automation rule \"tagged\" (it also tests ResourceTags)");
        let sure =
            rule(RuleApi::Cspm, "sure", 1.0, vec![field(RuleField::Product, &[(Comparison::Equals, "Security Hub")])]);
        let both = [tagged, sure];
        assert_eq!(workflow_reason(&f, &both).unwrap().describe(), "matches automation rule \"sure\"");
    }

    #[test]
    fn the_new_security_hubs_rules_explain_its_findings_first_the_last_to_act_winning() {
        let mut f = finding("111122223333", "S3.8", WorkflowStatus::Suppressed);
        let v2_early =
            rule(RuleApi::V2, "v2 early", 1.5, vec![field(RuleField::Region, &[(Comparison::Equals, "us-east-1")])]);
        let v2_late =
            rule(RuleApi::V2, "v2 late", 10.25, vec![field(RuleField::ControlId, &[(Comparison::Prefix, "S3")])]);
        let cspm =
            rule(RuleApi::Cspm, "cspm", 1.0, vec![field(RuleField::Account, &[(Comparison::Equals, "111122223333")])]);
        let rules = [v2_early, v2_late, cspm];
        assert_eq!(
            workflow_reason(&f, &rules).unwrap().describe(),
            "matches automation rule \"cspm\"",
            "ASFF: CSPM's first"
        );
        f.class = Some(FindingClass::Compliance);
        assert_eq!(workflow_reason(&f, &rules).unwrap().describe(), "matches automation rule \"v2 late\"");
    }
}
