//! The parts of a poll: each kind of data a source reads, named by the call that reads it. A
//! part can be read, or not, on its own; what was not read is unknown (or keeps its last good
//! value), never absent: a remediation configuration that could not be read is not a missing one.

use std::fmt;

/// One part of what the sources read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Part {
    /// Config: DescribeConfigRules.
    ConfigRules,
    /// Config: DescribeComplianceByConfigRule.
    Compliance,
    /// Config: GetComplianceDetailsByConfigRule (a rule's NON_COMPLIANT resources).
    ComplianceDetails,
    /// Config: DescribeConfigRuleEvaluationStatus.
    EvaluationStatus,
    /// Config: DescribeRemediationConfigurations.
    RemediationConfigs,
    /// Config: DescribeRemediationExecutionStatus.
    RemediationExecutions,
    /// Security Hub: GetEnabledStandards.
    Standards,
    /// Security Hub: GetFindings.
    Findings,
    /// CloudWatch: DescribeAlarms.
    Alarms,
    /// CloudWatch: GetMetricData.
    Metrics,
    /// The offline guardrail tests.
    GuardrailTests,
}

impl Part {
    pub const COUNT: usize = 11;
    pub const ALL: [Part; Part::COUNT] = [
        Part::ConfigRules,
        Part::Compliance,
        Part::ComplianceDetails,
        Part::EvaluationStatus,
        Part::RemediationConfigs,
        Part::RemediationExecutions,
        Part::Standards,
        Part::Findings,
        Part::Alarms,
        Part::Metrics,
        Part::GuardrailTests,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The name the report uses.
    pub fn name(self) -> &'static str {
        match self {
            Part::ConfigRules => "config_rules",
            Part::Compliance => "compliance",
            Part::ComplianceDetails => "compliance_details",
            Part::EvaluationStatus => "evaluation_status",
            Part::RemediationConfigs => "remediation_configurations",
            Part::RemediationExecutions => "remediation_executions",
            Part::Standards => "standards",
            Part::Findings => "findings",
            Part::Alarms => "alarms",
            Part::Metrics => "metrics",
            Part::GuardrailTests => "guardrail_tests",
        }
    }

    /// The call (IAM action) that reads it.
    pub fn call(self) -> &'static str {
        match self {
            Part::ConfigRules => "config:DescribeConfigRules",
            Part::Compliance => "config:DescribeComplianceByConfigRule",
            Part::ComplianceDetails => "config:GetComplianceDetailsByConfigRule",
            Part::EvaluationStatus => "config:DescribeConfigRuleEvaluationStatus",
            Part::RemediationConfigs => "config:DescribeRemediationConfigurations",
            Part::RemediationExecutions => "config:DescribeRemediationExecutionStatus",
            Part::Standards => "securityhub:GetEnabledStandards",
            Part::Findings => "securityhub:GetFindings",
            Part::Alarms => "cloudwatch:DescribeAlarms",
            Part::Metrics => "cloudwatch:GetMetricData",
            Part::GuardrailTests => "vigil policy test",
        }
    }

    /// What it holds, in words.
    pub fn what(self) -> &'static str {
        match self {
            Part::ConfigRules => "Config rules",
            Part::Compliance => "rule compliance",
            Part::ComplianceDetails => "non-compliant resources",
            Part::EvaluationStatus => "rule evaluation status",
            Part::RemediationConfigs => "remediation configurations",
            Part::RemediationExecutions => "remediation executions",
            Part::Standards => "enabled standards",
            Part::Findings => "findings",
            Part::Alarms => "alarms",
            Part::Metrics => "metrics",
            Part::GuardrailTests => "guardrail tests",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what())
    }
}

/// A set of parts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PartSet(u16);

impl PartSet {
    pub const EMPTY: PartSet = PartSet(0);

    pub fn of(parts: &[Part]) -> PartSet {
        parts.iter().fold(PartSet::EMPTY, |s, p| s.with(*p))
    }

    #[must_use]
    pub fn with(self, p: Part) -> PartSet {
        PartSet(self.0 | 1 << p.index())
    }

    #[must_use]
    pub fn without(self, p: Part) -> PartSet {
        PartSet(self.0 & !(1 << p.index()))
    }

    pub fn insert(&mut self, p: Part) {
        *self = self.with(p);
    }

    pub fn remove(&mut self, p: Part) {
        *self = self.without(p);
    }

    pub fn contains(self, p: Part) -> bool {
        self.0 & (1 << p.index()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Part> {
        Part::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

/// A list of parts on the wire.
impl serde::Serialize for PartSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for PartSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Part>::deserialize(d)?.into_iter().collect())
    }
}

impl FromIterator<Part> for PartSet {
    fn from_iter<I: IntoIterator<Item = Part>>(iter: I) -> Self {
        iter.into_iter().fold(PartSet::EMPTY, PartSet::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_what_was_put_in() {
        let s = PartSet::of(&[Part::Compliance, Part::Metrics]);
        assert!(s.contains(Part::Compliance) && s.contains(Part::Metrics) && !s.contains(Part::Alarms));
        assert_eq!(s.iter().collect::<Vec<_>>(), [Part::Compliance, Part::Metrics]);
        assert!(s.without(Part::Compliance).without(Part::Metrics).is_empty());
        assert_eq!(Part::ALL.iter().map(|p| p.index()).collect::<Vec<_>>(), (0..Part::COUNT).collect::<Vec<_>>());
    }
}
