//! Automation rules, read from both services: Security Hub CSPM's (ListAutomationRules for the
//! ARNs, BatchGetAutomationRules for their criteria, 100 a call) and the new Security Hub's
//! (ListAutomationRulesV2, then GetAutomationRuleV2 for each rule's criteria), each turned into
//! [`AutomationRule`]s whose criteria vigil can test against a finding
//! ([`crate::model::workflow_reason`]). Paced by Security Hub's limiter for its other calls.

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::{
    AllowedOperators, AutomationRulesConfig, AutomationRulesFindingFilters, CompositeFilter, OcsfFindingFilters,
    OcsfNumberField, OcsfStringField, StringFilter,
};

use super::limiter::RateLimit;
use super::ocsf::{hub_type, severity_of_id, workflow_of_status_id};
use super::retry::{Caller, every_page};
use super::timestamp;
use crate::model::{AutomationRule, Comparison, Criteria, RuleApi, RuleField};
use crate::sources::SourceError;

/// BatchGetAutomationRules takes at most this many ARNs (the API reference).
const BATCH_GET_RULES: usize = 100;
/// A page of either list: AWS allows up to 100.
const RULES_PAGE: i32 = 100;

/// Security Hub CSPM's rules, every one, with their criteria.
pub async fn read_cspm(
    client: &Client,
    caller: &Caller<'_>,
    limit: &RateLimit,
    calls: &mut u64,
) -> Result<Vec<AutomationRule>, SourceError> {
    let mut arns = Vec::new();
    every_page(
        caller,
        limit,
        calls,
        "securityhub:ListAutomationRules",
        |token| client.list_automation_rules().max_results(RULES_PAGE).set_next_token(token).send(),
        |page| {
            arns.extend(page.automation_rules_metadata().iter().filter_map(|m| m.rule_arn().map(str::to_string)));
            page.next_token().map(str::to_string)
        },
    )
    .await
    .map_err(|e| e.error)?;
    let mut rules = Vec::new();
    for chunk in arns.chunks(BATCH_GET_RULES) {
        *calls += 1;
        let got = caller
            .call("securityhub:BatchGetAutomationRules", limit, || {
                client.batch_get_automation_rules().set_automation_rules_arns(Some(chunk.to_vec())).send()
            })
            .await?;
        rules.extend(got.rules().iter().filter_map(cspm_rule));
    }
    Ok(rules)
}

/// The new Security Hub's rules, every one, with their criteria (one call each).
pub async fn read_v2(
    client: &Client,
    caller: &Caller<'_>,
    limit: &RateLimit,
    calls: &mut u64,
) -> Result<Vec<AutomationRule>, SourceError> {
    let mut arns = Vec::new();
    every_page(
        caller,
        limit,
        calls,
        "securityhub:ListAutomationRulesV2",
        |token| client.list_automation_rules_v2().max_results(RULES_PAGE).set_next_token(token).send(),
        |page| {
            arns.extend(page.rules().iter().filter_map(|m| m.rule_arn().map(str::to_string)));
            page.next_token().map(str::to_string)
        },
    )
    .await
    .map_err(|e| e.error)?;
    let mut rules = Vec::new();
    for arn in &arns {
        *calls += 1;
        let got = caller
            .call("securityhub:GetAutomationRuleV2", limit, || client.get_automation_rule_v2().identifier(arn).send())
            .await?;
        // A rule on resources (ResourceCriteria) acts on no finding's workflow.
        let Some(criteria) = got.criteria().and_then(|c| c.as_ocsf_finding_criteria().ok()) else { continue };
        let status = got.actions().iter().find_map(|a| a.finding_fields_update().and_then(|u| u.status_id()));
        rules.push(AutomationRule {
            api: RuleApi::V2,
            arn: got.rule_arn().unwrap_or(arn).to_string(),
            name: got.rule_name().unwrap_or(arn).to_string(),
            order: f64::from(got.rule_order().unwrap_or(1000.0)),
            enabled: got.rule_status().is_some_and(|s| s.as_str() == "ENABLED"),
            terminal: false,
            // The workflow a finding it sets reads as (5 Archived and 6 Deleted: RESOLVED).
            sets_workflow: status.and_then(|id| u64::try_from(id).ok()).and_then(workflow_of_status_id),
            criteria: ocsf_criteria(criteria),
            updated_at: got.updated_at().map(timestamp),
        });
    }
    Ok(rules)
}

/// A CSPM rule as vigil keeps it; `None` without an ARN.
fn cspm_rule(r: &AutomationRulesConfig) -> Option<AutomationRule> {
    let arn = r.rule_arn()?;
    let sets_workflow = r
        .actions()
        .iter()
        .find_map(|a| a.finding_fields_update().and_then(|u| u.workflow()).and_then(|w| w.status()))
        .and_then(|s| s.as_str().parse().ok());
    Some(AutomationRule {
        api: RuleApi::Cspm,
        arn: arn.to_string(),
        name: r.rule_name().unwrap_or(arn).to_string(),
        order: f64::from(r.rule_order().unwrap_or(1000)),
        enabled: r.rule_status().is_some_and(|s| s.as_str() == "ENABLED"),
        terminal: r.is_terminal().unwrap_or(false),
        sets_workflow,
        criteria: r.criteria().map_or(Criteria::All(Vec::new()), asff_criteria),
        updated_at: r.updated_at().map(timestamp),
    })
}

/// CSPM criteria: every field given must hold. The fields vigil keeps are tested; any other one
/// given (tags, dates, notes...) cannot be.
fn asff_criteria(c: &AutomationRulesFindingFilters) -> Criteria {
    let tested: [(RuleField, &[StringFilter]); 12] = [
        (RuleField::Account, c.aws_account_id()),
        (RuleField::Region, c.resource_region()),
        (RuleField::Product, c.product_name()),
        (RuleField::ControlId, c.compliance_security_control_id()),
        (RuleField::Title, c.title()),
        (RuleField::Id, c.id()),
        (RuleField::ResourceId, c.resource_id()),
        (RuleField::ResourceType, c.resource_type()),
        (RuleField::Severity, c.severity_label()),
        (RuleField::Workflow, c.workflow_status()),
        (RuleField::RecordState, c.record_state()),
        (RuleField::Compliance, c.compliance_status()),
    ];
    let mut all: Vec<Criteria> = tested
        .into_iter()
        .filter(|(_, filters)| !filters.is_empty())
        .map(|(field, filters)| Criteria::Field { field, tests: filters.iter().filter_map(test).collect() })
        .collect();
    let untested: [(&str, bool); 25] = [
        ("ProductArn", !c.product_arn().is_empty()),
        ("GeneratorId", !c.generator_id().is_empty()),
        ("Type", !c.r#type().is_empty()),
        ("FirstObservedAt", !c.first_observed_at().is_empty()),
        ("LastObservedAt", !c.last_observed_at().is_empty()),
        ("CreatedAt", !c.created_at().is_empty()),
        ("UpdatedAt", !c.updated_at().is_empty()),
        ("Confidence", !c.confidence().is_empty()),
        ("Criticality", !c.criticality().is_empty()),
        ("Description", !c.description().is_empty()),
        ("SourceUrl", !c.source_url().is_empty()),
        ("CompanyName", !c.company_name().is_empty()),
        ("ResourcePartition", !c.resource_partition().is_empty()),
        ("ResourceTags", !c.resource_tags().is_empty()),
        ("ResourceDetailsOther", !c.resource_details_other().is_empty()),
        ("ComplianceAssociatedStandardsId", !c.compliance_associated_standards_id().is_empty()),
        ("VerificationState", !c.verification_state().is_empty()),
        ("RelatedFindingsProductArn", !c.related_findings_product_arn().is_empty()),
        ("RelatedFindingsId", !c.related_findings_id().is_empty()),
        ("NoteText", !c.note_text().is_empty()),
        ("NoteUpdatedAt", !c.note_updated_at().is_empty()),
        ("NoteUpdatedBy", !c.note_updated_by().is_empty()),
        ("UserDefinedFields", !c.user_defined_fields().is_empty()),
        ("ResourceApplicationArn", !c.resource_application_arn().is_empty()),
        ("AwsAccountName", !c.aws_account_name().is_empty()),
    ];
    all.extend(untested.into_iter().filter(|(_, given)| *given).map(|(name, _)| Criteria::Untestable(name.into())));
    Criteria::All(all)
}

/// One string comparison; `None` for a comparison vigil does not know.
fn test(f: &StringFilter) -> Option<(Comparison, String)> {
    Some((Comparison::parse(f.comparison()?.as_str())?, f.value()?.to_string()))
}

/// OCSF criteria: the composites joined by `CompositeOperator` (AND when absent).
fn ocsf_criteria(f: &OcsfFindingFilters) -> Criteria {
    let parts = f.composite_filters().iter().map(composite).collect();
    join(f.composite_operator(), parts)
}

fn join(operator: Option<&AllowedOperators>, parts: Vec<Criteria>) -> Criteria {
    match operator {
        Some(AllowedOperators::Or) => Criteria::Any(parts),
        _ => Criteria::All(parts),
    }
}

/// One composite: its string filters grouped by field (each field's comparisons one test), its
/// number filters on `severity_id` and `status_id`, its nested composites, joined by its
/// operator; any other filter (dates, maps, booleans, addresses) cannot be tested.
fn composite(c: &CompositeFilter) -> Criteria {
    let mut fields: Vec<(FieldOrName, Vec<(Comparison, String)>)> = Vec::new();
    for s in c.string_filters() {
        let Some(name) = s.field_name() else { continue };
        let Some((comparison, value)) = s.filter().and_then(test) else { continue };
        let (field, value) = ocsf_field(name, value);
        match fields.iter_mut().find(|(f, _)| *f == field) {
            Some((_, tests)) => tests.push((comparison, value)),
            None => fields.push((field, vec![(comparison, value)])),
        }
    }
    let mut parts: Vec<Criteria> = fields
        .into_iter()
        .map(|(field, tests)| match field {
            Ok(field) => Criteria::Field { field, tests },
            Err(name) => Criteria::Untestable(name),
        })
        .collect();
    for n in c.number_filters() {
        let Some(name) = n.field_name() else { continue };
        let eq = n.filter().and_then(|f| f.eq());
        parts.push(match (name, eq) {
            // The workflow a rule tested is taken as met, whatever it compared.
            (OcsfNumberField::StatusId, _) => Criteria::Field { field: RuleField::Workflow, tests: Vec::new() },
            (OcsfNumberField::SeverityId, Some(id)) => match severity_of_id(id as u64) {
                Some(s) => {
                    Criteria::Field { field: RuleField::Severity, tests: vec![(Comparison::Equals, s.as_str().into())] }
                }
                None => Criteria::Untestable(name.as_str().into()),
            },
            _ => Criteria::Untestable(name.as_str().into()),
        });
    }
    let others = [
        (c.date_filters().first().and_then(|d| d.field_name()).map(|f| f.as_str().to_string())),
        (c.map_filters().first().and_then(|m| m.field_name()).map(|f| f.as_str().to_string())),
        (c.boolean_filters().first().and_then(|b| b.field_name()).map(|f| f.as_str().to_string())),
        (c.ip_filters().first().and_then(|i| i.field_name()).map(|f| f.as_str().to_string())),
    ];
    parts.extend(others.into_iter().flatten().map(Criteria::Untestable));
    parts.extend(c.nested_composite_filters().iter().map(composite));
    join(c.operator(), parts)
}

/// A field vigil tests, or the name of one it cannot.
type FieldOrName = Result<RuleField, String>;

/// The field vigil tests for an OCSF string field, with the value as vigil holds it (resource
/// types as ASFF names them, labels in upper case); the field's name where vigil cannot test it.
fn ocsf_field(name: &OcsfStringField, value: String) -> (FieldOrName, String) {
    let upper = |v: String| v.to_ascii_uppercase();
    match name {
        OcsfStringField::CloudAccountUid => (Ok(RuleField::Account), value),
        OcsfStringField::CloudRegion => (Ok(RuleField::Region), value),
        OcsfStringField::MetadataProductName => (Ok(RuleField::Product), value),
        OcsfStringField::ComplianceControl => (Ok(RuleField::ControlId), value),
        OcsfStringField::FindingInfoTitle => (Ok(RuleField::Title), value),
        OcsfStringField::FindingInfoUid => (Ok(RuleField::Id), value),
        OcsfStringField::ResourcesUid => (Ok(RuleField::ResourceId), value),
        OcsfStringField::ResourcesType => (Ok(RuleField::ResourceType), hub_type(&value).into_owned()),
        OcsfStringField::Severity => (Ok(RuleField::Severity), upper(value)),
        OcsfStringField::Status => (Ok(RuleField::Workflow), upper(value)),
        OcsfStringField::ComplianceStatus => {
            let value = match value.as_str() {
                "Pass" => "PASSED".to_string(),
                "Fail" => "FAILED".to_string(),
                "Warning" => "WARNING".to_string(),
                _ => upper(value),
            };
            (Ok(RuleField::Compliance), value)
        }
        other => (Err(other.as_str().to_string()), value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_securityhub::types::{NumberFilter, OcsfNumberFilter, OcsfStringFilter, StringFilterComparison};

    fn leaf(field: OcsfStringField, comparison: StringFilterComparison, value: &str) -> OcsfStringFilter {
        OcsfStringFilter::builder()
            .field_name(field)
            .filter(StringFilter::builder().comparison(comparison).value(value).build())
            .build()
    }

    #[test]
    fn ocsf_criteria_become_tests_on_vigils_fields_with_vigils_spelling() {
        let composite = CompositeFilter::builder()
            .operator(AllowedOperators::And)
            .string_filters(leaf(OcsfStringField::CloudAccountUid, StringFilterComparison::Equals, "111122223333"))
            .string_filters(leaf(OcsfStringField::CloudAccountUid, StringFilterComparison::Equals, "444455556666"))
            .string_filters(leaf(
                OcsfStringField::ResourcesType,
                StringFilterComparison::Equals,
                "AWS::SageMaker::NotebookInstance",
            ))
            .string_filters(leaf(OcsfStringField::ComplianceStatus, StringFilterComparison::Equals, "Fail"))
            .string_filters(leaf(OcsfStringField::FindingInfoDesc, StringFilterComparison::Contains, "dev"))
            .number_filters(
                OcsfNumberFilter::builder()
                    .field_name(OcsfNumberField::SeverityId)
                    .filter(NumberFilter::builder().eq(4.0).build())
                    .build(),
            )
            .build();
        let filters = OcsfFindingFilters::builder().composite_filters(composite).build();
        let tests = |field: RuleField, tests: &[(Comparison, &str)]| Criteria::Field {
            field,
            tests: tests.iter().map(|(c, v)| (*c, v.to_string())).collect(),
        };
        assert_eq!(
            ocsf_criteria(&filters),
            Criteria::All(vec![Criteria::All(vec![
                tests(
                    RuleField::Account,
                    &[(Comparison::Equals, "111122223333"), (Comparison::Equals, "444455556666")]
                ),
                tests(RuleField::ResourceType, &[(Comparison::Equals, "AwsSageMakerNotebookInstance")]),
                tests(RuleField::Compliance, &[(Comparison::Equals, "FAILED")]),
                Criteria::Untestable("finding_info.desc".into()),
                tests(RuleField::Severity, &[(Comparison::Equals, "HIGH")]),
            ])])
        );
    }
}
