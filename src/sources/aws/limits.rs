//! The bounds AWS's service models put on what vigil sends, each from botocore's
//! `data/<service>/<version>/service-2.json`. They are the authority, not memory: the wire tests
//! check every request vigil sends against the models themselves (tests/fake_aws/model.rs).

/// Config `ConfigRuleNames` (list, max 25), in every call that takes rule names:
/// DescribeConfigRules, DescribeComplianceByConfigRule, DescribeConfigRuleEvaluationStatus,
/// DescribeRemediationConfigurations.
pub const CONFIG_RULE_NAMES: usize = 25;

/// Config GetComplianceDetailsByConfigRule `Limit` (0 to 100; 0 or none means 10).
pub const COMPLIANCE_DETAILS_LIMIT: i32 = 100;

/// Config GetComplianceDetailsByConfigRule `ConfigRuleName` (`StringWithCharLimit64`, 1 to 64
/// characters), though rule names run to 128 and Security Hub's own reach 76. No public source
/// says what AWS answers for a longer name: vigil sends it, and where AWS refuses it for its
/// length (a ValidationException) reads that rule through the ResourceCompliance query instead.
pub const COMPLIANCE_DETAILS_RULE_NAME: usize = 64;

/// Config SelectResourceConfig and SelectAggregateResourceConfig `Limit` (`Limit`, 0 to 100):
/// rows a page.
pub const SELECT_LIMIT: i32 = 100;

/// Config SelectResourceConfig and SelectAggregateResourceConfig `Expression` (1 to 4,096
/// characters).
pub const SELECT_EXPRESSION: usize = 4096;

/// Config DescribeRemediationExecutionStatus `Limit` (0 to 100).
pub const REMEDIATION_EXECUTIONS_LIMIT: i32 = 100;

/// Security Hub GetFindings, GetFindingsV2 and GetEnabledStandards `MaxResults` (1 to 100).
pub const SECURITY_HUB_PAGE: i32 = 100;

/// CloudWatch DescribeAlarms `MaxRecords` (1 to 100).
pub const ALARMS_PAGE: i32 = 100;

/// CloudWatch GetMetricData: at most 500 queries a call (the API reference; the model gives no
/// bound).
pub const METRIC_QUERIES: usize = 500;

/// Config DescribeAggregateComplianceByConfigRules `Limit` (`GroupByAPILimit`, 0 to 1000).
pub const AGGREGATE_COMPLIANCE_LIMIT: i32 = 1000;

/// Config GetAggregateComplianceDetailsByConfigRule `Limit` (0 to 100). Its `ConfigRuleName`
/// takes 128 characters, so every rule can be asked about through an aggregator.
pub const AGGREGATE_DETAILS_LIMIT: i32 = 100;
