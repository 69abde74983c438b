//! The fake's answers, operation by operation, from the world it holds. Each answer is built
//! as the model's output structure (JSON) and, for CloudWatch, encoded as CBOR; the caller
//! checks the structure against the model.

use serde_json::{Value, json};

use super::world::{ACCOUNT, REGION, World};
use super::{Protocol, Response, cbor_response, error, json_response};

/// The answer to one request, and its output structure when it succeeded.
pub(crate) fn answer(world: &World, protocol: Protocol, op: &str, input: &Value) -> (Response, Option<Value>) {
    let result = match protocol {
        Protocol::Config => config(world, op, input),
        Protocol::SecurityHub => securityhub(world, op, input),
        Protocol::CloudWatch => cloudwatch(world, op, input),
        Protocol::Sts => sts(op),
    };
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
            let types: Vec<&str> =
                input["ComplianceTypes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let wanted = |t: &str| types.is_empty() || types.contains(&t);
            let all: Vec<Value> = if wanted("NON_COMPLIANT") {
                r.noncompliant
                    .iter()
                    .map(|id| {
                        json!({
                            "EvaluationResultIdentifier": {
                                "EvaluationResultQualifier": {"ConfigRuleName": r.name, "ResourceType": r.resource_type, "ResourceId": id, "EvaluationMode": "DETECTIVE"},
                                "OrderingTimestamp": world.now - 3600,
                            },
                            "ComplianceType": "NON_COMPLIANT",
                            "ResultRecordedTime": world.now - 3600,
                            "ConfigRuleInvokedTime": world.now - 3660,
                            "Annotation": "The resource does not comply with the rule.",
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let (items, next) = page(&all, token, limit(input, "Limit", 10));
            Ok(with_token(json!({"EvaluationResults": items}), next))
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
                    json!({"ConfigRuleName": r.rule, "TargetType": "SSM_DOCUMENT", "TargetId": r.target,
                           "Automatic": r.automatic, "MaximumAutomaticAttempts": 5, "RetryAttemptSeconds": 60,
                           "Arn": format!("arn:aws:config:{REGION}:{ACCOUNT}:remediation-configuration/{}/0000", r.rule)})
                })
                .collect();
            Ok(json!({"RemediationConfigurations": items}))
        }
        "DescribeRemediationExecutionStatus" => {
            let rule = input["ConfigRuleName"].as_str().unwrap_or_default();
            let Some(r) = world.remediations.iter().find(|r| r.rule == rule) else {
                return Err(error(
                    p,
                    400,
                    "NoSuchRemediationConfigurationException",
                    &format!("no remediation configuration for {rule}"),
                ));
            };
            let resource_type = world.rule(rule).map_or(super::world::NOTEBOOK, |r| r.resource_type);
            let all: Vec<Value> = r
                .executions
                .iter()
                .map(|(id, state)| {
                    json!({
                        "ResourceKey": {"resourceType": resource_type, "resourceId": id},
                        "State": state,
                        "InvocationTime": world.now - 600,
                        "LastUpdatedTime": world.now - 300,
                        "StepDetails": [{"Name": "Remediate", "State": if *state == "QUEUED" { "PENDING" } else { state }}],
                    })
                })
                .collect();
            let (items, next) = page(&all, token, limit(input, "Limit", 100));
            Ok(with_token(json!({"RemediationExecutionStatuses": items}), next))
        }
        other => Err(error(p, 400, "UnknownOperationException", &format!("the fake does not answer {other}"))),
    }
}

fn securityhub(world: &World, op: &str, input: &Value) -> Result<Value, Response> {
    let p = Protocol::SecurityHub;
    match op {
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
            let filters = &input["Filters"];
            let active_only = filters["RecordState"]
                .as_array()
                .is_some_and(|f| f.iter().any(|x| x["Value"] == "ACTIVE" && x["Comparison"] == "EQUALS"));
            let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(|t| t.as_second());
            let (start, end) =
                filters["UpdatedAt"].as_array().and_then(|f| f.first()).map_or((i64::MIN, i64::MAX), |d| {
                    (parse(&d["Start"]).unwrap_or(i64::MIN), parse(&d["End"]).unwrap_or(i64::MAX))
                });
            let resource_ids: Vec<&str> = filters["ResourceId"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["Comparison"] == "EQUALS")
                .filter_map(|f| f["Value"].as_str())
                .collect();
            let size = limit(input, "MaxResults", 100);
            let mut offset: usize = input["NextToken"]
                .as_str()
                .and_then(|t| t.strip_prefix("offset-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let total = world.finding_count();
            let mut findings = Vec::with_capacity(size);
            while offset < total && findings.len() < size {
                let f = world.finding(offset);
                offset += 1;
                if (active_only && f.archived) || f.updated < start || f.updated > end {
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
        other => Err(error(p, 404, "ResourceNotFoundException", &format!("the fake does not answer {other}"))),
    }
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

fn sts(op: &str) -> Result<Value, Response> {
    if op != "GetCallerIdentity" {
        return Err(error(Protocol::Sts, 400, "InvalidAction", op));
    }
    Ok(json!({"UserId": "AIDAEXAMPLE", "Account": ACCOUNT, "Arn": format!("arn:aws:iam::{ACCOUNT}:user/auditor")}))
}

fn sts_xml(body: &Value) -> Response {
    let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
    Response {
        status: 200,
        headers: vec![("content-type", "text/xml".into())],
        body: format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>",
            s("Arn"),
            s("UserId"),
            s("Account")
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
