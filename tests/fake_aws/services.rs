//! The fake's answers, operation by operation, from the world it holds. Each answer is built
//! as the model's output structure (JSON) and, for CloudWatch, encoded as CBOR; the caller
//! checks the structure against the model.

use serde_json::{Value, json};

use super::world::{ACCOUNT, CALLER, REGION, World};
use super::{Protocol, Response, cbor_response, error, json_response};

/// The operations that change the world, answered under its write lock by [`answer_write`]:
/// the corrective actions, and DescribeRemediationExecutionStatus (the executions it covers
/// move on).
pub(crate) fn writes(op: &str) -> bool {
    matches!(
        op,
        "StartRemediationExecution"
            | "DescribeRemediationExecutionStatus"
            | "BatchUpdateFindings"
            | "BatchUpdateFindingsV2"
    )
}

/// The answer to one request, and its output structure when it succeeded.
pub(crate) fn answer(world: &World, protocol: Protocol, op: &str, input: &Value) -> (Response, Option<Value>) {
    let result = match protocol {
        Protocol::Config => config(world, op, input),
        Protocol::SecurityHub => securityhub(world, op, input),
        Protocol::CloudWatch => cloudwatch(world, op, input),
        Protocol::Sts => sts(world, op, input),
    };
    respond(protocol, result)
}

/// The answer to a request for one of the operations that [`writes`].
pub(crate) fn answer_write(
    world: &mut World,
    protocol: Protocol,
    op: &str,
    input: &Value,
) -> (Response, Option<Value>) {
    let result = match protocol {
        Protocol::Config => config_write(world, op, input),
        Protocol::SecurityHub => securityhub_write(world, op, input),
        _ => Err(error(protocol, 400, "UnknownOperationException", &format!("the fake does not answer {op}"))),
    };
    respond(protocol, result)
}

pub(crate) fn respond(protocol: Protocol, result: Result<Value, Response>) -> (Response, Option<Value>) {
    match result {
        Ok(body) => {
            let response = match protocol {
                Protocol::Config | Protocol::SecurityHub => json_response(protocol, 200, body.clone()),
                Protocol::CloudWatch => cbor_response(200, to_cbor(&body), vec![]),
                Protocol::Sts => sts_xml(&body),
            };
            (response, Some(body))
        }
        Err(response) => (response, None),
    }
}

/// Pages a list by an offset token.
fn page<T: Clone>(items: &[T], token: Option<&str>, size: usize) -> (Vec<T>, Option<String>) {
    let start: usize = token.and_then(|t| t.strip_prefix("offset-")).and_then(|n| n.parse().ok()).unwrap_or(0);
    let end = (start + size.max(1)).min(items.len());
    let next = (end < items.len()).then(|| format!("offset-{end}"));
    (items[start.min(end)..end].to_vec(), next)
}

/// The members `keys` of an object (those it has).
fn pick(v: &Value, keys: &[&str]) -> Value {
    Value::Object(keys.iter().filter_map(|k| v.get(*k).map(|x| (k.to_string(), x.clone()))).collect())
}

fn with_token(mut body: Value, next: Option<String>) -> Value {
    if let Some(n) = next {
        body["NextToken"] = json!(n);
    }
    body
}

fn names(input: &Value) -> Vec<String> {
    input["ConfigRuleNames"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

/// A page size asked for, where 0 or nothing means the service's default.
fn limit(input: &Value, member: &str, default: usize) -> usize {
    match input[member].as_u64() {
        Some(0) | None => default,
        Some(n) => n as usize,
    }
}

fn config(world: &World, op: &str, input: &Value) -> Result<Value, Response> {
    let p = Protocol::Config;
    let token = input["NextToken"].as_str();
    let no_such = |name: &str| {
        error(
            p,
            400,
            "NoSuchConfigRuleException",
            &format!("The ConfigRule '{name}' provided in the request is invalid. Please check the configRule name."),
        )
    };
    // The rules asked for by name (each must exist), or all of them.
    let asked = |input: &Value| -> Result<Vec<&super::world::Rule>, Response> {
        let asked = names(input);
        if asked.is_empty() {
            return Ok(world.rules.iter().collect());
        }
        asked.iter().map(|n| world.rule(n).ok_or_else(|| no_such(n))).collect()
    };
    match op {
        // An organisation's delegated administrator has an organisation aggregator.
        "DescribeConfigurationAggregators" => {
            let all: Vec<Value> = world
                .organization
                .iter()
                .map(|_| {
                    json!({
                        "ConfigurationAggregatorName": super::world::CONFIG_AGGREGATOR,
                        "ConfigurationAggregatorArn": format!("arn:aws:config:{REGION}:{ACCOUNT}:config-aggregator/config-aggregator-k3x9z2ab"),
                        "OrganizationAggregationSource": {"RoleArn": format!("arn:aws:iam::{ACCOUNT}:role/ConfigAggregatorRole"), "AllAwsRegions": true},
                        "CreationTime": world.now - 86_400,
                        "LastUpdatedTime": world.now - 86_400,
                        "CreatedBy": "vigil-fake",
                    })
                })
                .collect();
            let (items, next) = page(&all, input["NextToken"].as_str(), limit(input, "Limit", 10));
            Ok(with_token(json!({"ConfigurationAggregators": items}), next))
        }
        // The organisation aggregator: every account's and region's rules.
        "DescribeAggregateComplianceByConfigRules" => {
            no_such_aggregator(world, input)?;
            let filters = &input["Filters"];
            let wanted = |member: &str, value: &str| filters[member].as_str().is_none_or(|f| f == value);
            let all: Vec<_> = world
                .aggregate_rules()
                .into_iter()
                .filter(|p| {
                    wanted("ConfigRuleName", &p.rule.name)
                        && wanted("AccountId", p.account)
                        && wanted("AwsRegion", p.region)
                        && wanted("ComplianceType", p.rule.compliance())
                })
                .collect();
            // Only the page asked for is written out: an organisation has tens of thousands.
            let size = limit(input, "Limit", world.pages.aggregate_compliance).min(world.pages.aggregate_compliance);
            let (items, next) = page(&all, token, size);
            let items: Vec<Value> = items
                .iter()
                .map(|p| {
                    let r = &p.rule;
                    let mut compliance = json!({"ComplianceType": r.compliance()});
                    if !r.noncompliant.is_empty() {
                        let (count, exceeded) = r.capped();
                        compliance["ComplianceContributorCount"] =
                            json!({"CappedCount": count, "CapExceeded": exceeded});
                    }
                    json!({"ConfigRuleName": r.name, "Compliance": compliance, "AccountId": p.account, "AwsRegion": p.region})
                })
                .collect();
            Ok(with_token(json!({"AggregateComplianceByConfigRules": items}), next))
        }
        "GetAggregateComplianceDetailsByConfigRule" => {
            no_such_aggregator(world, input)?;
            let (name, account, region) = (
                input["ConfigRuleName"].as_str().unwrap_or_default(),
                input["AccountId"].as_str().unwrap_or_default(),
                input["AwsRegion"].as_str().unwrap_or_default(),
            );
            let wanted = input["ComplianceType"].as_str();
            let all: Vec<Value> = world
                .placed_rule(name, account, region)
                .into_iter()
                .flat_map(|r| world.evaluations_by(r))
                .filter(|e| wanted.is_none_or(|w| w == e.compliance))
                .map(|e| {
                    let mut v = evaluation(&e);
                    v["AccountId"] = json!(account);
                    v["AwsRegion"] = json!(region);
                    v
                })
                .collect();
            // AWS's default page here is 50.
            let (items, next) = page(&all, token, limit(input, "Limit", 50));
            Ok(with_token(json!({"AggregateEvaluationResults": items}), next))
        }
        "DescribeConfigRules" => {
            let rules = asked(input)?;
            let (items, next) = page(&rules, token, world.pages.rules);
            let items: Vec<Value> = items
                .iter()
                .map(|r| {
                    let i = world.rules.iter().position(|x| x.name == r.name).unwrap_or(0);
                    json!({
                        "ConfigRuleName": r.name,
                        "ConfigRuleArn": format!("arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-{i:06x}"),
                        "ConfigRuleId": format!("config-rule-{i:06x}"),
                        "Source": {"Owner": r.owner, "SourceIdentifier": r.source},
                        "Scope": {"ComplianceResourceTypes": [r.resource_type]},
                        "ConfigRuleState": "ACTIVE",
                        "EvaluationModes": [{"Mode": "DETECTIVE"}],
                    })
                })
                .collect();
            Ok(with_token(json!({"ConfigRules": items}), next))
        }
        "DescribeComplianceByConfigRule" => {
            let rules = asked(input)?;
            let (items, next) = page(&rules, token, world.pages.compliance);
            let items: Vec<Value> = items
                .iter()
                .map(|r| {
                    let mut compliance = json!({"ComplianceType": r.compliance()});
                    if !r.noncompliant.is_empty() {
                        let (count, exceeded) = r.capped();
                        compliance["ComplianceContributorCount"] =
                            json!({"CappedCount": count, "CapExceeded": exceeded});
                    }
                    json!({"ConfigRuleName": r.name, "Compliance": compliance})
                })
                .collect();
            Ok(with_token(json!({"ComplianceByConfigRules": items}), next))
        }
        "GetComplianceDetailsByConfigRule" => {
            let name = input["ConfigRuleName"].as_str().unwrap_or_default();
            let r = world.rule(name).ok_or_else(|| no_such(name))?;
            let types = compliance_types(input);
            let all: Vec<Value> = world
                .evaluations_by(r)
                .iter()
                .filter(|e| types.is_empty() || types.contains(&e.compliance))
                .map(evaluation)
                .collect();
            let (items, next) = page(&all, token, limit(input, "Limit", 10));
            Ok(with_token(json!({"EvaluationResults": items}), next))
        }
        "GetComplianceDetailsByResource" => {
            let types = compliance_types(input);
            if types.contains(&"INSUFFICIENT_DATA") {
                return Err(error(
                    p,
                    400,
                    "InvalidParameterValueException",
                    "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results.",
                ));
            }
            let all: Vec<Value> = match (input["ResourceType"].as_str(), input["ResourceId"].as_str()) {
                (Some(kind), Some(id)) => world
                    .evaluations_of(kind, id)
                    .iter()
                    .filter(|e| types.is_empty() || types.contains(&e.compliance))
                    .map(evaluation)
                    .collect(),
                // Proactive evaluations: the world has none.
                _ if input["ResourceEvaluationId"].is_string() => Vec::new(),
                _ => {
                    return Err(error(
                        p,
                        400,
                        "InvalidParameterValueException",
                        "Specify either a ResourceEvaluationId, or a ResourceType and a ResourceId.",
                    ));
                }
            };
            // The call takes no page size: the service chooses it.
            let (items, next) = page(&all, token, world.pages.evaluations_by_resource);
            Ok(with_token(json!({"EvaluationResults": items}), next))
        }
        "GetResourceConfigHistory" => {
            let kind = input["resourceType"].as_str().unwrap_or_default();
            let id = input["resourceId"].as_str().unwrap_or_default();
            let time = |member: &str| input[member].as_f64().map(|t| t as i64);
            let (earlier, later) = (time("earlierTime").unwrap_or(i64::MIN), time("laterTime").unwrap_or(i64::MAX));
            if earlier > later {
                return Err(error(
                    p,
                    400,
                    "InvalidTimeRangeException",
                    "The specified time range is not valid. The earlier time is not chronologically before the later time.",
                ));
            }
            let history = world.histories_of(kind, id);
            if history.is_empty() && !world.discovered(kind, id) {
                return Err(error(
                    p,
                    400,
                    "ResourceNotDiscoveredException",
                    &format!("Resource {id} of resourceType:{kind} is unknown or has not been discovered"),
                ));
            }
            let mut items: Vec<&super::world::ConfigItem> =
                history.iter().filter(|c| c.captured >= earlier && c.captured <= later).collect();
            if input["chronologicalOrder"] != "Forward" {
                items.reverse();
            }
            // A page spans seven days at most (AWS's limit per call), so it often holds fewer
            // items than asked for.
            let start: usize = input["nextToken"]
                .as_str()
                .and_then(|t| t.strip_prefix("offset-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
                .min(items.len());
            let size = limit(input, "limit", 10);
            let span = world.pages.history_span_days * 86_400;
            let first = items.get(start).map_or(0, |c| c.captured);
            let end = (start..items.len())
                .take(size)
                .take_while(|k| (items[*k].captured - first).abs() <= span)
                .last()
                .map_or(start, |k| k + 1);
            let created = history.first().map_or(0, |c| c.captured);
            let page: Vec<Value> = items[start..end].iter().map(|c| configuration_item(kind, id, created, c)).collect();
            let mut body = json!({"configurationItems": page});
            if end < items.len() {
                body["nextToken"] = json!(format!("offset-{end}"));
            }
            Ok(body)
        }
        "DescribeConfigRuleEvaluationStatus" => {
            let rules = asked(input)?;
            let (items, next) = page(&rules, token, limit(input, "Limit", 50).min(world.pages.evaluation_status));
            let items: Vec<Value> = items
                .iter()
                .map(|r| {
                    let mut s = json!({
                        "ConfigRuleName": r.name,
                        "ConfigRuleArn": format!("arn:aws:config:{REGION}:{ACCOUNT}:config-rule/{}", r.name),
                        "LastSuccessfulInvocationTime": world.now - 7200,
                        "LastSuccessfulEvaluationTime": world.now - 7200,
                        "FirstEvaluationStarted": true,
                    });
                    if let Some((code, newer)) = &r.evaluation_error {
                        s["LastErrorCode"] = json!(code);
                        s["LastErrorMessage"] = json!("The rule's role cannot read the resource.");
                        s["LastFailedEvaluationTime"] = json!(if *newer { world.now - 60 } else { world.now - 86_400 });
                    }
                    s
                })
                .collect();
            Ok(with_token(json!({"ConfigRulesEvaluationStatus": items}), next))
        }
        "DescribeRemediationConfigurations" => {
            let asked = names(input);
            let items: Vec<Value> = world
                .remediations
                .iter()
                .filter(|r| asked.contains(&r.rule))
                .map(|r| {
                    let kind = world.rule(&r.rule).map(|rule| rule.resource_type);
                    json!({"ConfigRuleName": r.rule, "TargetType": "SSM_DOCUMENT", "TargetId": r.target, "ResourceType": kind,
                           "Automatic": r.automatic, "MaximumAutomaticAttempts": 5, "RetryAttemptSeconds": 60,
                           "Arn": format!("arn:aws:config:{REGION}:{ACCOUNT}:remediation-configuration/{}/0000", r.rule)})
                })
                .collect();
            Ok(json!({"RemediationConfigurations": items}))
        }
        other => Err(error(p, 400, "UnknownOperationException", &format!("the fake does not answer {other}"))),
    }
}

/// An aggregator of another name than the organisation's: Config's own error.
pub(crate) fn no_such_aggregator(world: &World, input: &Value) -> Result<(), Response> {
    let name = input["ConfigurationAggregatorName"].as_str().unwrap_or_default();
    if world.organization.is_some() && name == super::world::CONFIG_AGGREGATOR {
        return Ok(());
    }
    Err(error(
        Protocol::Config,
        400,
        "NoSuchConfigurationAggregatorException",
        &format!("The configuration aggregator '{name}' does not exist."),
    ))
}

fn compliance_types(input: &Value) -> Vec<&str> {
    input["ComplianceTypes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect()
}

/// An EvaluationResult.
fn evaluation(e: &super::world::Evaluation) -> Value {
    let mut v = json!({
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {"ConfigRuleName": e.rule, "ResourceType": e.resource_type, "ResourceId": e.resource_id, "EvaluationMode": "DETECTIVE"},
            "OrderingTimestamp": e.recorded,
        },
        "ComplianceType": e.compliance,
        "ResultRecordedTime": e.recorded,
        "ConfigRuleInvokedTime": e.invoked,
    });
    if let Some(a) = e.annotation {
        v["Annotation"] = json!(a);
    }
    v
}

/// A ConfigurationItem, as GetResourceConfigHistory gives it: `configuration` and each
/// `supplementaryConfiguration` value as JSON text.
fn configuration_item(kind: &str, id: &str, created: i64, c: &super::world::ConfigItem) -> Value {
    let mut item = json!({
        "version": "1.3",
        "accountId": ACCOUNT,
        "configurationItemCaptureTime": c.captured,
        "configurationItemDeliveryTime": c.captured + 90,
        "configurationItemStatus": c.status,
        "configurationStateId": (c.captured * 1000).to_string(),
        "configurationItemMD5Hash": "",
        "arn": super::world::hub_id(kind, id),
        "resourceType": kind,
        "resourceId": id,
        "awsRegion": REGION,
        "availabilityZone": if kind == super::world::VPC { "Multiple Availability Zones" } else { "Regional" },
        "resourceCreationTime": created,
        "tags": c.tags,
        "relatedEvents": [],
        "relationships": [],
        "configuration": c.configuration.to_string(),
        "supplementaryConfiguration": c.supplementary.iter().map(|(k, v)| (k.clone(), json!(v.to_string()))).collect::<serde_json::Map<_, _>>(),
        "recordingFrequency": "CONTINUOUS",
    });
    if let Some(name) = c.configuration["name"].as_str() {
        item["resourceName"] = json!(name);
    }
    item
}

fn no_remediation(rule: &str) -> Response {
    error(
        Protocol::Config,
        400,
        "NoSuchRemediationConfigurationException",
        &format!("No RemediationConfiguration for rule {rule} exists."),
    )
}

/// The resource keys of a request: (resourceType, resourceId).
fn resource_keys(input: &Value) -> Vec<(String, String)> {
    input["ResourceKeys"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| {
            let s = |m: &str| k[m].as_str().unwrap_or_default().to_string();
            (s("resourceType"), s("resourceId"))
        })
        .collect()
}

fn config_write(world: &mut World, op: &str, input: &Value) -> Result<Value, Response> {
    let rule = input["ConfigRuleName"].as_str().unwrap_or_default();
    if world.remediation(rule).is_none() {
        return Err(no_remediation(rule));
    }
    match op {
        "StartRemediationExecution" => {
            let mut failed = Vec::new();
            let mut reasons = Vec::new();
            for (kind, id) in resource_keys(input) {
                if let Err(reason) = world.start_remediation(rule, &kind, &id) {
                    failed.push(json!({"resourceType": kind, "resourceId": id}));
                    reasons.push(reason);
                }
            }
            let mut body = json!({"FailedItems": failed});
            if !reasons.is_empty() {
                body["FailureMessage"] = json!(reasons.join(" "));
            }
            Ok(body)
        }
        "DescribeRemediationExecutionStatus" => {
            let keys = resource_keys(input);
            let covered = |e: &super::world::Execution| {
                keys.is_empty() || keys.iter().any(|(t, i)| *t == e.resource_type && *i == e.resource_id)
            };
            let ids: Vec<String> =
                world.executions(rule).into_iter().filter(|e| covered(e)).map(|e| e.resource_id).collect();
            let (ids, next) = page(&ids, input["NextToken"].as_str(), limit(input, "Limit", 100));
            // The started executions this answer covers move on, then are told as they are.
            for id in &ids {
                world.advance_execution(rule, id);
            }
            let now = world.executions(rule);
            let items: Vec<Value> = ids
                .iter()
                .filter_map(|id| now.iter().find(|e| e.resource_id == *id && covered(e)))
                .map(|e| {
                    let steps: Vec<Value> = e
                        .steps
                        .iter()
                        .map(|s| {
                            let mut step = json!({"Name": s.name, "State": s.state});
                            if let Some(m) = &s.error {
                                step["ErrorMessage"] = json!(m);
                            }
                            if let Some(t) = s.start {
                                step["StartTime"] = json!(t);
                            }
                            if let Some(t) = s.stop {
                                step["StopTime"] = json!(t);
                            }
                            step
                        })
                        .collect();
                    json!({
                        "ResourceKey": {"resourceType": e.resource_type, "resourceId": e.resource_id},
                        "State": e.state,
                        "InvocationTime": e.invoked,
                        "LastUpdatedTime": e.updated,
                        "StepDetails": steps,
                    })
                })
                .collect();
            Ok(with_token(json!({"RemediationExecutionStatuses": items}), next))
        }
        other => {
            Err(error(Protocol::Config, 400, "UnknownOperationException", &format!("the fake does not answer {other}")))
        }
    }
}

fn securityhub(world: &World, op: &str, input: &Value) -> Result<Value, Response> {
    let p = Protocol::SecurityHub;
    match op {
        // Only an administrator has members: any other account gets an empty list.
        "ListMembers" => {
            let members: Vec<Value> = world
                .organization
                .iter()
                .flat_map(|o| o.members.iter())
                .map(|account| {
                    json!({
                        "AccountId": account,
                        "Email": format!("security+{account}@example.com"),
                        "AdministratorId": ACCOUNT,
                        "MasterId": ACCOUNT,
                        "MemberStatus": "Enabled",
                        "InvitedAt": super::world::iso(world.now - 86_400),
                        "UpdatedAt": super::world::iso(world.now - 86_400),
                    })
                })
                .collect();
            let size = limit(input, "MaxResults", 50);
            let (items, next) = page(&members, input["NextToken"].as_str(), size);
            Ok(with_token(json!({"Members": items}), next))
        }
        "ListFindingAggregators" => {
            let all: Vec<Value> =
                world.organization.iter().map(|_| json!({"FindingAggregatorArn": super::world::AGGREGATOR})).collect();
            let (items, next) = page(&all, input["NextToken"].as_str(), limit(input, "MaxResults", 100));
            Ok(with_token(json!({"FindingAggregators": items}), next))
        }
        "GetFindingAggregator" => match &world.organization {
            Some(o) if input["FindingAggregatorArn"] == super::world::AGGREGATOR => Ok(json!({
                "FindingAggregatorArn": super::world::AGGREGATOR,
                "FindingAggregationRegion": REGION,
                "RegionLinkingMode": "SPECIFIED_REGIONS",
                "Regions": o.linked,
            })),
            _ => Err(error(p, 404, "ResourceNotFoundException", "no such finding aggregator")),
        },
        "GetEnabledStandards" => {
            let all: Vec<Value> = world
                .standards
                .iter()
                .map(|(arn, status)| {
                    let path = arn.split_once(":standards/").map_or("x", |(_, p)| p);
                    json!({
                        "StandardsSubscriptionArn": format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:subscription/{path}"),
                        "StandardsArn": arn,
                        "StandardsInput": {},
                        "StandardsStatus": status,
                    })
                })
                .collect();
            let size = limit(input, "MaxResults", 10).min(world.pages.standards);
            let (items, next) = page(&all, input["NextToken"].as_str(), size);
            Ok(with_token(json!({"StandardsSubscriptions": items}), next))
        }
        "GetFindings" => {
            // The filters the fake honours: EQUALS on Id, ProductArn, ResourceId, RecordState and
            // WorkflowStatus (values of one field ORed), and UpdatedAt's range; different
            // fields ANDed, as Security Hub combines them.
            let filters = &input["Filters"];
            let equals = |field: &str| -> Vec<&str> {
                filters[field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|f| f["Comparison"] == "EQUALS")
                    .filter_map(|f| f["Value"].as_str())
                    .collect()
            };
            let (ids, products, states, workflows) =
                (equals("Id"), equals("ProductArn"), equals("RecordState"), equals("WorkflowStatus"));
            let indexes: Vec<usize> = ids.iter().filter_map(|id| world.finding_index(id)).collect();
            let allows = |values: &[&str], value: &str| values.is_empty() || values.contains(&value);
            let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(|t| t.as_second());
            let (start, end) =
                filters["UpdatedAt"].as_array().and_then(|f| f.first()).map_or((i64::MIN, i64::MAX), |d| {
                    (parse(&d["Start"]).unwrap_or(i64::MIN), parse(&d["End"]).unwrap_or(i64::MAX))
                });
            let resource_ids = equals("ResourceId");
            let size = limit(input, "MaxResults", 100);
            let mut offset: usize = input["NextToken"]
                .as_str()
                .and_then(|t| t.strip_prefix("offset-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let total = world.finding_count();
            let mut findings = Vec::with_capacity(size);
            while offset < total && findings.len() < size {
                if !ids.is_empty() && !indexes.contains(&offset) {
                    offset += 1;
                    continue;
                }
                let f = world.finding(offset);
                offset += 1;
                if !allows(&states, if f.archived { "ARCHIVED" } else { "ACTIVE" })
                    || !allows(&workflows, f.workflow)
                    || !allows(&products, &f.product_arn())
                    || f.updated < start
                    || f.updated > end
                {
                    continue;
                }
                if !resource_ids.is_empty() && !resource_ids.contains(&f.resource_hub_id().as_str()) {
                    continue;
                }
                findings.push(f.json());
            }
            let next = (offset < total).then(|| format!("offset-{offset}"));
            Ok(with_token(json!({"Findings": findings}), next))
        }
        // The new Security Hub: its hub when it is on (the ARN's form is illustrative);
        // ResourceNotFoundException when it is not (a 404 in the model), as AWS answers an
        // account that has not enabled it.
        "DescribeSecurityHubV2" if world.hub_v2 => Ok(json!({
            "HubV2Arn": format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:hubv2/default"),
            "SubscribedAt": super::world::iso(world.now - 30 * 86_400),
        })),
        "DescribeSecurityHubV2" => Err(error(
            p,
            404,
            "ResourceNotFoundException",
            "Security Hub is not enabled for this account in this Region.",
        )),
        "ListAutomationRules" => {
            let keys = [
                "RuleArn",
                "RuleStatus",
                "RuleOrder",
                "RuleName",
                "Description",
                "IsTerminal",
                "CreatedAt",
                "UpdatedAt",
                "CreatedBy",
            ];
            let all: Vec<Value> = world.automation_rules.iter().map(|r| pick(r, &keys)).collect();
            let (items, next) = page(&all, input["NextToken"].as_str(), limit(input, "MaxResults", 100));
            Ok(with_token(json!({"AutomationRulesMetadata": items}), next))
        }
        "BatchGetAutomationRules" => {
            let asked: Vec<&str> =
                input["AutomationRulesArns"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let rules: Vec<&Value> = world
                .automation_rules
                .iter()
                .filter(|r| asked.contains(&r["RuleArn"].as_str().unwrap_or_default()))
                .collect();
            let unprocessed: Vec<Value> = asked
                .iter()
                .filter(|a| !rules.iter().any(|r| r["RuleArn"] == **a))
                .map(|a| json!({"RuleArn": a, "ErrorCode": 404, "ErrorMessage": "The rule does not exist."}))
                .collect();
            Ok(json!({"Rules": rules, "UnprocessedAutomationRules": unprocessed}))
        }
        "ListAutomationRulesV2" => {
            let keys =
                ["RuleArn", "RuleId", "RuleOrder", "RuleName", "RuleStatus", "Description", "CreatedAt", "UpdatedAt"];
            let all: Vec<Value> = world
                .automation_rules_v2
                .iter()
                .map(|r| {
                    let mut m = pick(r, &keys);
                    let types: Vec<Value> =
                        r["Actions"].as_array().into_iter().flatten().map(|a| json!({"Type": a["Type"]})).collect();
                    m["Actions"] = json!(types);
                    m
                })
                .collect();
            let (items, next) = page(&all, input["NextToken"].as_str(), limit(input, "MaxResults", 100));
            Ok(with_token(json!({"Rules": items}), next))
        }
        "GetAutomationRuleV2" => {
            let id = input["Identifier"].as_str().unwrap_or_default();
            match world.automation_rules_v2.iter().find(|r| r["RuleArn"] == id || r["RuleId"] == id) {
                Some(r) => Ok(r.clone()),
                None => Err(error(p, 404, "ResourceNotFoundException", "The automation rule does not exist.")),
            }
        }
        "GetFindingsV2" if world.hub_v2 => super::ocsf::get_findings_v2(world, input),
        "GetFindingStatisticsV2" if world.hub_v2 => super::ocsf::get_finding_statistics_v2(world, input),
        "GetFindingStatisticsV2" => Ok(json!({"GroupByResults": []})),
        // AWS does not document what GetFindingsV2 answers where the new Security Hub is off:
        // the fake says it holds no findings.
        "GetFindingsV2" => Ok(json!({"Findings": []})),
        "GetFindingHistory" => {
            let id = &input["FindingIdentifier"];
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            // A finding Security Hub does not hold has no history.
            let Some(i) = world.find_finding(&s(&id["Id"]), &s(&id["ProductArn"])) else {
                return Ok(json!({"Records": []}));
            };
            let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(|t| t.as_second());
            let (from, to) =
                (parse(&input["StartTime"]).unwrap_or(i64::MIN), parse(&input["EndTime"]).unwrap_or(i64::MAX));
            // Oldest first, from the finding's creation on.
            let all: Vec<Value> = world
                .finding_history(i)
                .iter()
                .filter(|r| r.at >= from && r.at <= to)
                .map(|r| {
                    let updates: Vec<Value> = r
                        .updates
                        .iter()
                        .map(|(field, old, new)| {
                            let mut u = json!({"UpdatedField": field});
                            if let Some(old) = old {
                                u["OldValue"] = json!(old);
                            }
                            if let Some(new) = new {
                                u["NewValue"] = json!(new);
                            }
                            u
                        })
                        .collect();
                    json!({
                        "FindingIdentifier": {"Id": id["Id"], "ProductArn": id["ProductArn"]},
                        "UpdateTime": super::world::iso(r.at),
                        "FindingCreated": r.created,
                        "UpdateSource": {"Type": r.source, "Identity": r.identity},
                        "Updates": updates,
                    })
                })
                .collect();
            let (items, next) = page(&all, input["NextToken"].as_str(), limit(input, "MaxResults", 100));
            Ok(with_token(json!({"Records": items}), next))
        }
        other => Err(error(p, 404, "ResourceNotFoundException", &format!("the fake does not answer {other}"))),
    }
}

fn securityhub_write(world: &mut World, op: &str, input: &Value) -> Result<Value, Response> {
    match op {
        "BatchUpdateFindings" => {
            let identifiers: Vec<(String, String)> = input["FindingIdentifiers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    let s = |m: &str| f[m].as_str().unwrap_or_default().to_string();
                    (s("Id"), s("ProductArn"))
                })
                .collect();
            let workflow = input["Workflow"]["Status"].as_str();
            let note = input["Note"]["Text"].as_str().zip(input["Note"]["UpdatedBy"].as_str());
            // One time for the whole batch; UpdatedAt stays as it was.
            let at = world.tick();
            let (mut processed, mut unprocessed) = (Vec::new(), Vec::new());
            for (id, product) in &identifiers {
                let identifier = json!({"Id": id, "ProductArn": product});
                let refused = |code: &str, message: &str| json!({"FindingIdentifier": identifier, "ErrorCode": code, "ErrorMessage": message});
                if identifiers.iter().filter(|x| x.0 == *id && x.1 == *product).count() > 1 {
                    unprocessed.push(refused("DuplicatedFindingIdentifier", "Finding Identifier is duplicated"));
                    continue;
                }
                let Some(i) = world.find_finding(id, product) else {
                    unprocessed.push(refused("FindingNotFound", "Finding Not Found"));
                    continue;
                };
                world.update_finding(i, workflow, note, CALLER, at);
                processed.push(identifier);
            }
            Ok(json!({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}))
        }
        "BatchUpdateFindingsV2" => batch_update_findings_v2(world, input),
        other => Err(error(
            Protocol::SecurityHub,
            404,
            "ResourceNotFoundException",
            &format!("the fake does not answer {other}"),
        )),
    }
}

/// BatchUpdateFindingsV2 on the findings the new Security Hub holds (none where it is off): each
/// named by its `FindingIdentifiers` (`cloud.account.uid`, `finding_info.uid` and
/// `metadata.product.uid` all as the finding has them) or its `MetadataUids`, never both. Its
/// `StatusId` (1 New, 2 In Progress, 3 Suppressed, 4 Resolved: the statuses ASFF's workflow
/// has) and `Comment` change the world's finding, so that GetFindingsV2 and GetFindings both
/// show them (the comment as ASFF's note, by the caller) and its history records them; its
/// modified time (`UpdatedAt`) stays as it was, as AWS documents. A finding not held is
/// unprocessed, ResourceNotFoundException. What the fake does not apply (`SeverityId`, the
/// statuses ASFF's workflow lacks) is refused as ValidationException, saying so.
fn batch_update_findings_v2(world: &mut World, input: &Value) -> Result<Value, Response> {
    let refuse = |message: &str| error(Protocol::SecurityHub, 400, "ValidationException", message);
    let list = |member: &str| input[member].as_array().filter(|l| !l.is_empty()).cloned().unwrap_or_default();
    let (identifiers, uids) = (list("FindingIdentifiers"), list("MetadataUids"));
    match (identifiers.is_empty(), uids.is_empty()) {
        (false, false) => return Err(refuse("Customers cannot use MetadataUids together with FindingIdentifiers.")),
        (true, true) => return Err(refuse("Provide FindingIdentifiers or MetadataUids.")),
        _ => {}
    }
    if !input["SeverityId"].is_null() {
        return Err(refuse("the fake does not apply SeverityId"));
    }
    let status = match input["StatusId"].as_i64() {
        None => None,
        Some(1) => Some(("NEW", "New")),
        Some(2) => Some(("NOTIFIED", "In Progress")),
        Some(3) => Some(("SUPPRESSED", "Suppressed")),
        Some(4) => Some(("RESOLVED", "Resolved")),
        Some(n @ (0 | 5 | 99)) => return Err(refuse(&format!("the fake does not apply StatusId {n}"))),
        Some(n) => return Err(refuse(&format!("StatusId {n} is not one of 0, 1, 2, 3, 4, 5, 99"))),
    };
    let comment = input["Comment"].as_str();
    // What each names: the finding's uid, if the new Security Hub holds it.
    let held: Vec<Value> = if world.hub_v2 { world.ocsf_findings().collect() } else { Vec::new() };
    let text = |doc: &Value, path: &[&str]| path.iter().fold(doc, |v, k| &v[*k]).as_str().map(str::to_string);
    let named: Vec<(Value, Option<String>)> = if identifiers.is_empty() {
        uids.iter()
            .map(|uid| {
                let found = held.iter().find(|d| d["metadata"]["uid"] == *uid);
                (json!({"MetadataUid": uid}), found.and_then(|d| text(d, &["finding_info", "uid"])))
            })
            .collect()
    } else {
        identifiers
            .iter()
            .map(|id| {
                let found = held.iter().find(|d| {
                    d["cloud"]["account"]["uid"] == id["CloudAccountUid"]
                        && d["finding_info"]["uid"] == id["FindingInfoUid"]
                        && d["metadata"]["product"]["uid"] == id["MetadataProductUid"]
                });
                (json!({"FindingIdentifier": id}), found.and_then(|d| text(d, &["finding_info", "uid"])))
            })
            .collect()
    };
    // One time for the whole batch; the modified time stays as it was.
    let at = world.tick();
    let (mut processed, mut unprocessed) = (Vec::new(), Vec::new());
    for (which, uid) in named {
        let Some(uid) = uid else {
            let mut refused = which;
            refused["ErrorCode"] = json!("ResourceNotFoundException");
            refused["ErrorMessage"] = json!("Finding Not Found");
            unprocessed.push(refused);
            continue;
        };
        match world.finding_index(&uid) {
            Some(i) => {
                world.update_finding(i, status.map(|s| s.0), comment.map(|c| (c, CALLER)), CALLER, at);
            }
            // A finding only the new Security Hub has: its document changes.
            None => {
                if let Some(doc) = world.ocsf_only.iter_mut().find(|d| d["finding_info"]["uid"] == *uid.as_str()) {
                    if let Some((_, label)) = status {
                        doc["status_id"] = input["StatusId"].clone();
                        doc["status"] = json!(label);
                    }
                    if let Some(c) = comment {
                        doc["comment"] = json!(c);
                    }
                }
            }
        }
        processed.push(which);
    }
    Ok(json!({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}))
}

fn cloudwatch(world: &World, op: &str, input: &Value) -> Result<Value, Response> {
    let token = input["NextToken"].as_str();
    match op {
        "DescribeAlarms" => {
            let types: Vec<&str> =
                input["AlarmTypes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            // Without AlarmTypes, DescribeAlarms returns metric alarms only.
            let wanted = |composite: bool| {
                if types.is_empty() {
                    !composite
                } else {
                    types.contains(&if composite { "CompositeAlarm" } else { "MetricAlarm" })
                }
            };
            let mut all: Vec<&super::world::Alarm> = world.alarms.iter().filter(|a| wanted(a.composite)).collect();
            all.sort_by_key(|a| a.composite);
            let (items, next) = page(&all, token, limit(input, "MaxRecords", 50));
            let mut metric = Vec::new();
            let mut composite = Vec::new();
            for a in items {
                let arn = format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{}", a.name);
                if a.composite {
                    composite.push(json!({
                        "AlarmName": a.name, "AlarmArn": arn, "StateValue": a.state,
                        "StateReason": "Composite alarm rule evaluated", "StateUpdatedTimestamp": a.updated,
                        "AlarmRule": "ALARM(ml-platform-000-latency) OR ALARM(ml-platform-001-errors)",
                    }));
                } else {
                    metric.push(json!({
                        "AlarmName": a.name, "AlarmArn": arn, "StateValue": a.state,
                        "StateReason": "Threshold Crossed: 1 datapoint [2.0 (29/11/26 12:00:00)] was greater than or equal to the threshold (1.0).",
                        "StateReasonData": "{\"version\":\"1.0\",\"queryDate\":\"2026-11-29T12:00:00.000+0000\"}",
                        "StateUpdatedTimestamp": a.updated,
                        "MetricName": a.name, "Namespace": "LogMetrics", "Statistic": "Sum", "Period": 300,
                        "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                        "ActionsEnabled": true, "AlarmActions": [format!("arn:aws:sns:{REGION}:{ACCOUNT}:security-alerts")],
                    }));
                }
            }
            Ok(with_token(json!({"MetricAlarms": metric, "CompositeAlarms": composite}), next))
        }
        "GetMetricData" => {
            let start = input["StartTime"].as_f64().unwrap_or(0.0) as i64;
            let end = input["EndTime"].as_f64().unwrap_or(0.0) as i64;
            // Every datapoint of every query, in order; a page is a run of them.
            let mut points: Vec<(usize, i64, f64)> = Vec::new();
            let queries = input["MetricDataQueries"].as_array().cloned().unwrap_or_default();
            for (q, query) in queries.iter().enumerate() {
                let period = query["MetricStat"]["Period"].as_i64().unwrap_or(60).max(1);
                let namespace = query["MetricStat"]["Metric"]["Namespace"].as_str().unwrap_or_default();
                if namespace != "LogMetrics" {
                    continue;
                }
                let mut t = start - start.rem_euclid(period);
                while t < end {
                    if t >= start {
                        points.push((q, t, ((super::world::mix(t as u64 ^ q as u64) % 7) as f64).max(0.0)));
                    }
                    t += period;
                }
            }
            let (items, next) = page(&points, token, world.pages.metric_points);
            let mut results: Vec<Value> = Vec::new();
            for (q, query) in queries.iter().enumerate() {
                let mine: Vec<&(usize, i64, f64)> = items.iter().filter(|(i, _, _)| *i == q).collect();
                if mine.is_empty() && token.is_some() {
                    continue;
                }
                results.push(json!({
                    "Id": query["Id"],
                    "Label": query["MetricStat"]["Metric"]["MetricName"],
                    "Timestamps": mine.iter().map(|(_, t, _)| json!(t)).collect::<Vec<_>>(),
                    "Values": mine.iter().map(|(_, _, v)| json!(v)).collect::<Vec<_>>(),
                    "StatusCode": if next.is_some() { "PartialData" } else { "Complete" },
                }));
            }
            Ok(with_token(json!({"MetricDataResults": results, "Messages": []}), next))
        }
        other => Err(error(
            Protocol::CloudWatch,
            400,
            "UnknownOperationException",
            &format!("the fake does not answer {other}"),
        )),
    }
}

fn sts(world: &World, op: &str, input: &Value) -> Result<Value, Response> {
    match op {
        "GetCallerIdentity" => Ok(
            json!({"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": format!("arn:aws:iam::{ACCOUNT}:user/auditor")}),
        ),
        // A member's role, as its trust policy lets the administrator's account assume it:
        // credentials whose access key names the member, good for an hour.
        "AssumeRole" => {
            let arn = input["RoleArn"].as_str().unwrap_or_default();
            let account = arn.strip_prefix("arn:aws:iam::").and_then(|r| r.split(':').next()).unwrap_or_default();
            let org = world.organization.as_ref();
            let member = org.is_some_and(|o| o.members.contains(&account) && !o.unassumable.contains(&account));
            if !member {
                return Err(error(
                    Protocol::Sts,
                    403,
                    "AccessDenied",
                    &format!(
                        "User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: sts:AssumeRole on resource: {arn}"
                    ),
                ));
            }
            let session = input["RoleSessionName"].as_str().unwrap_or_default();
            let role = arn.rsplit('/').next().unwrap_or_default();
            Ok(json!({
                "Credentials": {
                    "AccessKeyId": format!("ASIA{account}"),
                    "SecretAccessKey": "member-secret",
                    "SessionToken": format!("member-session-{account}"),
                    // An hour from now, by the real clock that clients check credentials by.
                    "Expiration": jiff::Timestamp::now().as_second() + 3600,
                },
                "AssumedRoleUser": {
                    "AssumedRoleId": format!("AROAEXAMPLE:{session}"),
                    "Arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                },
            }))
        }
        _ => Err(error(Protocol::Sts, 400, "InvalidAction", op)),
    }
}

fn sts_xml(body: &Value) -> Response {
    let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    let result = if body["Credentials"].is_object() {
        let c = &body["Credentials"];
        let u = &body["AssumedRoleUser"];
        let expiration = jiff::Timestamp::from_second(c["Expiration"].as_i64().unwrap_or(0)).unwrap_or_default();
        format!(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
             <Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
             <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
             <AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
             </AssumeRoleResult>",
            c["AccessKeyId"].as_str().unwrap_or_default(),
            c["SecretAccessKey"].as_str().unwrap_or_default(),
            c["SessionToken"].as_str().unwrap_or_default(),
            expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
            u["AssumedRoleId"].as_str().unwrap_or_default(),
            u["Arn"].as_str().unwrap_or_default(),
        )
    } else {
        format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult>",
            s("Arn"),
            s("UserId"),
            s("Account")
        )
    };
    let end = if body["Credentials"].is_object() { "AssumeRoleResponse" } else { "GetCallerIdentityResponse" };
    Response {
        status: 200,
        headers: vec![("content-type", "text/xml".into())],
        body: format!(
            "{result}<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></{end}>"
        )
        .into_bytes(),
    }
}

pub(crate) fn text(s: &str) -> ciborium::Value {
    ciborium::Value::Text(s.to_string())
}

pub(crate) fn cbor_map(entries: Vec<(&str, ciborium::Value)>) -> ciborium::Value {
    ciborium::Value::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
}

/// Members whose values are timestamps in CloudWatch's answers: RPCv2-CBOR sends them as tag 1.
const CBOR_TIMESTAMPS: [&str; 5] = [
    "StateUpdatedTimestamp",
    "AlarmConfigurationUpdatedTimestamp",
    "StateTransitionedTimestamp",
    "Timestamps",
    "ActionsSuppressedReason",
];

fn to_cbor(v: &Value) -> ciborium::Value {
    to_cbor_in(v, false)
}

fn to_cbor_in(v: &Value, timestamp: bool) -> ciborium::Value {
    use ciborium::Value as C;
    match v {
        Value::Null => C::Null,
        Value::Bool(b) => C::Bool(*b),
        Value::Number(n) if timestamp => C::Tag(1, Box::new(C::Float(n.as_f64().unwrap_or(0.0)))),
        Value::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => C::Integer(i.into()),
            _ => C::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => C::Text(s.clone()),
        Value::Array(items) => C::Array(items.iter().map(|i| to_cbor_in(i, timestamp)).collect()),
        Value::Object(map) => C::Map(
            map.iter()
                .map(|(k, v)| (C::Text(k.clone()), to_cbor_in(v, CBOR_TIMESTAMPS.contains(&k.as_str()))))
                .collect(),
        ),
    }
}
