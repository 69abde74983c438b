//! A fake AWS endpoint for wire-level tests and the load benchmark: one local HTTP/1.1 server
//! that speaks each protocol the SDK uses (Config: awsJson1_1; Security Hub: restJson1;
//! CloudWatch: Smithy RPCv2-CBOR, AWS-query-compatible errors; STS: query with XML), shaped after
//! the botocore service models, holding a known account (the ground truth) and injecting faults.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// The account the fake holds.
#[derive(Debug, Clone)]
pub struct Truth {
    pub rules: Vec<Rule>,
    /// Findings are made from their index on demand, so that 100,000 cost nothing here.
    pub findings: usize,
    pub alarms: Vec<(String, &'static str)>,
    pub remediations: Vec<Remediation>,
    /// Seconds since the epoch of the newest `UpdatedAt`.
    pub now: i64,
}

/// A rule's remediation: rule, SSM document, automatic, and executions (resource, state).
pub type Remediation = (String, String, bool, Vec<(String, &'static str)>);

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub source: &'static str,
    /// Resource ids that are NON_COMPLIANT.
    pub noncompliant: Vec<String>,
    pub evaluation_error: Option<String>,
}

impl Rule {
    pub fn compliance(&self) -> &'static str {
        if self.noncompliant.is_empty() { "COMPLIANT" } else { "NON_COMPLIANT" }
    }

    /// What DescribeComplianceByConfigRule says: capped at 100.
    pub fn capped(&self) -> (usize, bool) {
        (self.noncompliant.len().min(100), self.noncompliant.len() > 100)
    }
}

const SOURCES: [&str; 6] = [
    "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS",
    "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC",
    "S3_BUCKET_SSL_REQUESTS_ONLY",
    "VPC_FLOW_LOGS_ENABLED",
    "CLOUD_TRAIL_ENABLED",
    "CUSTOM_LAMBDA",
];
const SEVERITIES: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
const WORKFLOWS: [&str; 4] = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"];

impl Truth {
    /// A deterministic account: 30 rules (more than 25, so names go in several calls), one with
    /// 230 NON_COMPLIANT resources (several detail pages, capped count 100), 120 alarms (two
    /// pages), remediations with executions, and `findings` findings.
    pub fn new(findings: usize) -> Truth {
        let rules = (0..30)
            .map(|i| {
                let source = SOURCES[i % SOURCES.len()];
                let noncompliant = match i {
                    0 => (0..230).map(|n| format!("nb-{n:03}")).collect(),
                    1 => vec!["legacy-nb".to_string()],
                    2 => vec!["ml-scratch".to_string(), "ml-exports".to_string()],
                    _ if i % 7 == 3 => vec![format!("vpc-{i:04}")],
                    _ => Vec::new(),
                };
                Rule {
                    name: format!("rule-{i:02}-{}", source.to_lowercase().replace('_', "-")),
                    source,
                    noncompliant,
                    evaluation_error: (i == 4).then(|| "AccessDenied".to_string()),
                }
            })
            .collect();
        let alarms = (0..120)
            .map(|i| {
                let name = match i {
                    0 => "UnauthorizedAPICalls".to_string(),
                    1 => "SageMakerGuardrailDenials".to_string(),
                    _ => format!("app-alarm-{i:03}"),
                };
                (name, ["OK", "ALARM", "INSUFFICIENT_DATA"][i % 3])
            })
            .collect();
        let remediations = vec![
            (
                "rule-00-sagemaker-notebook-no-direct-internet-access".to_string(),
                "Custom-StopInternetFacingNotebook".to_string(),
                true,
                vec![
                    ("nb-000".to_string(), "SUCCEEDED"),
                    ("nb-001".to_string(), "FAILED"),
                    ("nb-002".to_string(), "IN_PROGRESS"),
                ],
            ),
            (
                "rule-02-s3-bucket-ssl-requests-only".to_string(),
                "AWS-EnableS3BucketEncryption".to_string(),
                false,
                vec![],
            ),
        ];
        Truth { rules, findings, alarms, remediations, now: 1_795_000_000 }
    }

    pub fn finding(&self, i: usize) -> FindingTruth {
        FindingTruth {
            i,
            severity: SEVERITIES[i % 5],
            workflow: WORKFLOWS[(i / 5) % 4],
            archived: i % 17 == 16,
            updated: self.now - (self.findings - i) as i64,
        }
    }

    /// ACTIVE findings by severity (open ones) and by workflow, as the report counts them.
    pub fn finding_counts(&self) -> (usize, BTreeMap<&'static str, usize>, BTreeMap<&'static str, usize>) {
        let mut total = 0;
        let mut by_severity: BTreeMap<&str, usize> = SEVERITIES.iter().map(|s| (*s, 0)).collect();
        let mut by_workflow: BTreeMap<&str, usize> = WORKFLOWS.iter().map(|w| (*w, 0)).collect();
        for i in 0..self.findings {
            let f = self.finding(i);
            if f.archived {
                continue;
            }
            total += 1;
            *by_workflow.get_mut(f.workflow).unwrap() += 1;
            if matches!(f.workflow, "NEW" | "NOTIFIED") {
                *by_severity.get_mut(f.severity).unwrap() += 1;
            }
        }
        (total, by_severity, by_workflow)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FindingTruth {
    pub i: usize,
    pub severity: &'static str,
    pub workflow: &'static str,
    pub archived: bool,
    pub updated: i64,
}

impl FindingTruth {
    pub fn id(&self) -> String {
        format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:security-control/SageMaker.1/finding/{:08x}", self.i)
    }

    fn json(&self) -> Value {
        let updated =
            jiff::Timestamp::from_second(self.updated).unwrap().strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string();
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": self.id(),
            "ProductArn": format!("arn:aws:securityhub:{REGION}::product/aws/securityhub"),
            "ProductName": "Security Hub",
            "CompanyName": "AWS",
            "Region": REGION,
            "GeneratorId": "security-control/SageMaker.1",
            "AwsAccountId": ACCOUNT,
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "FirstObservedAt": "2026-01-01T00:00:00.000Z",
            "CreatedAt": "2026-01-01T00:00:00.000Z",
            "UpdatedAt": updated,
            "Severity": {"Label": self.severity, "Normalized": 40, "Original": self.severity},
            "Title": "SageMaker notebook instances should not have direct internet access",
            "Description": "This control checks whether direct internet access is disabled for a notebook instance.",
            "ProductFields": {"ControlId": "SageMaker.1", "aws/securityhub/ProductName": "Security Hub"},
            "Resources": [{
                "Type": "AwsSageMakerNotebookInstance",
                "Id": format!("arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/nb-{:06}", self.i / 2),
                "Partition": "aws",
                "Region": REGION,
            }],
            "Compliance": {"Status": if self.i.is_multiple_of(3) { "FAILED" } else { "PASSED" }, "SecurityControlId": "SageMaker.1"},
            "WorkflowState": "NEW",
            "Workflow": {"Status": self.workflow},
            "RecordState": if self.archived { "ARCHIVED" } else { "ACTIVE" },
        })
    }
}

/// What goes wrong, and where.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Throttle this many calls in every ten (3 = 30%), never more than three in a row.
    pub throttle_per_ten: u64,
    /// Operations whose first call gets a 500.
    pub error_500_once: HashSet<&'static str>,
    /// Operations whose first call hangs this long.
    pub hang_once: HashMap<&'static str, Duration>,
    /// Operations whose first call gets a body that does not decode.
    pub malformed_once: HashSet<&'static str>,
    /// Services that answer every call with 503: config, securityhub, cloudwatch, sts.
    pub down: HashSet<&'static str>,
}

struct State {
    truth: Truth,
    faults: Faults,
    calls: Mutex<BTreeMap<String, u64>>,
    seq: AtomicU64,
    spent: Mutex<HashSet<(&'static str, String)>>,
}

/// A running fake.
pub struct FakeAws {
    pub url: String,
    state: Arc<State>,
    _runtime: std::thread::JoinHandle<()>,
}

impl FakeAws {
    pub fn start(truth: Truth, faults: Faults) -> FakeAws {
        let state = Arc::new(State {
            truth,
            faults,
            calls: Mutex::new(BTreeMap::new()),
            seq: AtomicU64::new(0),
            spent: Mutex::new(HashSet::new()),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let state = shared.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, state).await;
                    });
                }
            });
        });
        let addr = rx.recv().unwrap();
        FakeAws { url: format!("http://{addr}"), state, _runtime: thread }
    }

    /// Calls received, by operation.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.calls.lock().unwrap().clone()
    }

    pub fn truth(&self) -> &Truth {
        &self.state.truth
    }
}

struct Request {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let body_start = head_end + 4;
    while buf.len() < body_start + length {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[body_start..body_start + length].to_vec();
    buf.drain(..body_start + length);
    Ok(Some(Request { path, headers, body }))
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

async fn serve(mut stream: TcpStream, state: Arc<State>) -> io::Result<()> {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut stream, &mut buf).await? {
        let response = handle(&req, &state).await;
        let reason = match response.status {
            200 => "OK",
            400 => "Bad Request",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\ncontent-length: {}\r\n", response.status, response.body.len());
        for (k, v) in &response.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("x-amzn-requestid: 00000000-0000-0000-0000-000000000000\r\n\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&response.body).await?;
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Protocol {
    Config,
    SecurityHub,
    CloudWatch,
    Sts,
}

impl Protocol {
    fn service(self) -> &'static str {
        match self {
            Protocol::Config => "config",
            Protocol::SecurityHub => "securityhub",
            Protocol::CloudWatch => "cloudwatch",
            Protocol::Sts => "sts",
        }
    }
}

fn operation(req: &Request) -> (Protocol, String) {
    if let Some(target) = req.headers.get("x-amz-target") {
        return (Protocol::Config, target.rsplit('.').next().unwrap_or_default().to_string());
    }
    if let Some(op) = req.path.strip_prefix("/service/GraniteServiceVersion20100801/operation/") {
        return (Protocol::CloudWatch, op.to_string());
    }
    match req.path.as_str() {
        "/findings" => (Protocol::SecurityHub, "GetFindings".into()),
        "/standards/get" => (Protocol::SecurityHub, "GetEnabledStandards".into()),
        _ => {
            let body = String::from_utf8_lossy(&req.body);
            let action = body.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("Unknown");
            (Protocol::Sts, action.to_string())
        }
    }
}

fn json_response(protocol: Protocol, status: u16, body: Value) -> Response {
    let content_type = match protocol {
        Protocol::Config => "application/x-amz-json-1.1",
        _ => "application/json",
    };
    Response { status, headers: vec![("content-type", content_type.into())], body: body.to_string().into_bytes() }
}

fn cbor_response(status: u16, body: ciborium::Value, extra: Vec<(&'static str, String)>) -> Response {
    let mut bytes = Vec::new();
    ciborium::into_writer(&body, &mut bytes).unwrap();
    let mut headers =
        vec![("content-type", "application/cbor".to_string()), ("smithy-protocol", "rpc-v2-cbor".to_string())];
    headers.extend(extra);
    Response { status, headers, body: bytes }
}

/// An error in the protocol's own shape.
fn error(protocol: Protocol, status: u16, code: &str, message: &str) -> Response {
    match protocol {
        Protocol::Config => json_response(protocol, status, json!({"__type": code, "message": message})),
        Protocol::SecurityHub => {
            let mut r = json_response(protocol, status, json!({"Code": code, "Message": message}));
            r.headers.push(("x-amzn-errortype", code.to_string()));
            r
        }
        Protocol::CloudWatch => {
            let query_code = if code == "ThrottlingException" { "Throttling" } else { code };
            cbor_response(
                status,
                cbor_map(vec![("__type", text(&format!("com.amazonaws.cloudwatch#{code}"))), ("message", text(message))]),
                vec![("x-amzn-query-error", format!("{query_code};Sender"))],
            )
        }
        Protocol::Sts => Response {
            status,
            headers: vec![("content-type", "text/xml".into())],
            body: format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>0</RequestId></ErrorResponse>"
            )
            .into_bytes(),
        },
    }
}

fn text(s: &str) -> ciborium::Value {
    ciborium::Value::Text(s.to_string())
}

fn cbor_map(entries: Vec<(&str, ciborium::Value)>) -> ciborium::Value {
    ciborium::Value::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
}

/// RPCv2-CBOR timestamps: tag 1, epoch seconds.
fn cbor_time(seconds: i64) -> ciborium::Value {
    ciborium::Value::Tag(1, Box::new(ciborium::Value::Float(seconds as f64)))
}

fn once(state: &State, kind: &'static str, op: &str) -> bool {
    state.spent.lock().unwrap().insert((kind, op.to_string()))
}

async fn handle(req: &Request, state: &State) -> Response {
    let (protocol, op) = operation(req);
    *state.calls.lock().unwrap().entry(op.clone()).or_default() += 1;
    let f = &state.faults;
    if f.down.contains(protocol.service()) {
        return error(protocol, 503, "ServiceUnavailable", "the service is down (injected)");
    }
    if f.throttle_per_ten > 0 && protocol != Protocol::Sts {
        let n = state.seq.fetch_add(1, Ordering::SeqCst);
        if n % 10 < f.throttle_per_ten {
            return match protocol {
                Protocol::SecurityHub => error(protocol, 429, "LimitExceededException", "Rate exceeded"),
                _ => error(protocol, 400, "ThrottlingException", "Rate exceeded"),
            };
        }
    }
    if let Some(wait) = f.hang_once.get(op.as_str())
        && once(state, "hang", &op)
    {
        tokio::time::sleep(*wait).await;
    }
    if f.error_500_once.contains(op.as_str()) && once(state, "500", &op) {
        return error(protocol, 500, "InternalFailure", "internal error (injected)");
    }
    if f.malformed_once.contains(op.as_str()) && once(state, "malformed", &op) {
        return Response {
            status: 200,
            headers: vec![("content-type", "application/json".into())],
            body: b"{\"this is\": not json".to_vec(),
        };
    }
    let truth = &state.truth;
    match protocol {
        Protocol::Config => config(truth, &op, serde_json::from_slice(&req.body).unwrap_or(json!({}))),
        Protocol::SecurityHub => securityhub(truth, &op, serde_json::from_slice(&req.body).unwrap_or(json!({}))),
        Protocol::CloudWatch => cloudwatch(truth, &op, ciborium::from_reader(req.body.as_slice()).ok()),
        Protocol::Sts => sts(&op),
    }
}

/// Pages a list by an offset token.
fn page<T: Clone>(items: &[T], token: Option<&str>, size: usize) -> (Vec<T>, Option<String>) {
    let start: usize = token.and_then(|t| t.strip_prefix("offset-")).and_then(|n| n.parse().ok()).unwrap_or(0);
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| format!("offset-{end}"));
    (items[start.min(end)..end].to_vec(), next)
}

fn with_token(mut body: Value, field: &str, next: Option<String>) -> Value {
    if let Some(n) = next {
        body[field] = json!(n);
    }
    body
}

fn names(body: &Value) -> Vec<String> {
    body["ConfigRuleNames"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

fn config(truth: &Truth, op: &str, body: Value) -> Response {
    let p = Protocol::Config;
    let token = body["NextToken"].as_str();
    let rule = |name: &str| truth.rules.iter().find(|r| r.name == name);
    match op {
        "DescribeConfigRules" => {
            let all: Vec<Value> = truth
                .rules
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    json!({
                        "ConfigRuleName": r.name,
                        "ConfigRuleArn": format!("arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-{i:06}"),
                        "ConfigRuleId": format!("config-rule-{i:06}"),
                        "Source": {"Owner": if r.source == "CUSTOM_LAMBDA" { "CUSTOM_LAMBDA" } else { "AWS" }, "SourceIdentifier": r.source},
                        "ConfigRuleState": "ACTIVE",
                    })
                })
                .collect();
            let (items, next) = page(&all, token, 25);
            json_response(p, 200, with_token(json!({"ConfigRules": items}), "NextToken", next))
        }
        "DescribeComplianceByConfigRule" => {
            let asked = names(&body);
            if asked.len() > 25 {
                return error(p, 400, "InvalidParameterValueException", "at most 25 rule names");
            }
            let items: Vec<Value> = asked
                .iter()
                .filter_map(|n| rule(n))
                .map(|r| {
                    let (count, exceeded) = r.capped();
                    let mut compliance = json!({"ComplianceType": r.compliance()});
                    if !r.noncompliant.is_empty() {
                        compliance["ComplianceContributorCount"] =
                            json!({"CappedCount": count, "CapExceeded": exceeded});
                    }
                    json!({"ConfigRuleName": r.name, "Compliance": compliance})
                })
                .collect();
            json_response(p, 200, json!({"ComplianceByConfigRules": items}))
        }
        "GetComplianceDetailsByConfigRule" => {
            let Some(r) = body["ConfigRuleName"].as_str().and_then(rule) else {
                return error(p, 400, "NoSuchConfigRuleException", "no such rule");
            };
            let limit = body["Limit"].as_u64().unwrap_or(10).clamp(1, 100) as usize;
            let kind =
                if r.source.starts_with("SAGEMAKER") { "AWS::SageMaker::NotebookInstance" } else { "AWS::S3::Bucket" };
            let all: Vec<Value> = r
                .noncompliant
                .iter()
                .map(|id| {
                    json!({
                        "EvaluationResultIdentifier": {
                            "EvaluationResultQualifier": {"ConfigRuleName": r.name, "ResourceType": kind, "ResourceId": id},
                            "OrderingTimestamp": truth.now - 3600,
                        },
                        "ComplianceType": "NON_COMPLIANT",
                        "ResultRecordedTime": truth.now - 3600,
                        "ConfigRuleInvokedTime": truth.now - 3660,
                        "Annotation": "direct internet access is enabled",
                    })
                })
                .collect();
            let (items, next) = page(&all, token, limit);
            json_response(p, 200, with_token(json!({"EvaluationResults": items}), "NextToken", next))
        }
        "DescribeConfigRuleEvaluationStatus" => {
            let items: Vec<Value> = names(&body)
                .iter()
                .filter_map(|n| rule(n))
                .map(|r| {
                    let mut s = json!({"ConfigRuleName": r.name, "LastSuccessfulEvaluationTime": truth.now - 7200, "FirstEvaluationStarted": true});
                    if let Some(code) = &r.evaluation_error {
                        s["LastErrorCode"] = json!(code);
                        s["LastErrorMessage"] = json!("the rule's role cannot read the resource");
                        s["LastFailedEvaluationTime"] = json!(truth.now - 60);
                    }
                    s
                })
                .collect();
            json_response(p, 200, json!({"ConfigRulesEvaluationStatus": items}))
        }
        "DescribeRemediationConfigurations" => {
            let asked = names(&body);
            let items: Vec<Value> = truth
                .remediations
                .iter()
                .filter(|(rule, ..)| asked.contains(rule))
                .map(|(rule, target, automatic, _)| {
                    json!({"ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT", "TargetId": target, "Automatic": automatic,
                           "MaximumAutomaticAttempts": 5, "RetryAttemptSeconds": 60})
                })
                .collect();
            json_response(p, 200, json!({"RemediationConfigurations": items}))
        }
        "DescribeRemediationExecutionStatus" => {
            let rule = body["ConfigRuleName"].as_str().unwrap_or_default();
            let all: Vec<Value> = truth
                .remediations
                .iter()
                .filter(|(r, ..)| r == rule)
                .flat_map(|(_, _, _, executions)| executions.iter())
                .map(|(id, state)| {
                    json!({
                        "ResourceKey": {"resourceType": "AWS::SageMaker::NotebookInstance", "resourceId": id},
                        "State": state,
                        "InvocationTime": truth.now - 600,
                        "LastUpdatedTime": truth.now - 300,
                        "StepDetails": [{"Name": "StopNotebook", "State": state}],
                    })
                })
                .collect();
            let (items, next) = page(&all, token, body["Limit"].as_u64().unwrap_or(100) as usize);
            json_response(p, 200, with_token(json!({"RemediationExecutionStatuses": items}), "NextToken", next))
        }
        other => error(p, 400, "UnknownOperationException", &format!("the fake does not know {other}")),
    }
}

fn securityhub(truth: &Truth, op: &str, body: Value) -> Response {
    let p = Protocol::SecurityHub;
    match op {
        "GetEnabledStandards" => json_response(
            p,
            200,
            json!({"StandardsSubscriptions": [
                {"StandardsSubscriptionArn": format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:subscription/aws-foundational-security-best-practices/v/1.0.0"),
                 "StandardsArn": format!("arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"),
                 "StandardsInput": {}, "StandardsStatus": "READY"},
                {"StandardsSubscriptionArn": format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:subscription/cis-aws-foundations-benchmark/v/3.0.0"),
                 "StandardsArn": format!("arn:aws:securityhub:{REGION}::standards/cis-aws-foundations-benchmark/v/3.0.0"),
                 "StandardsInput": {}, "StandardsStatus": "READY"}
            ]}),
        ),
        "GetFindings" => {
            let filters = &body["Filters"];
            let active_only = filters["RecordState"]
                .as_array()
                .is_some_and(|f| f.iter().any(|x| x["Value"] == "ACTIVE" && x["Comparison"] == "EQUALS"));
            let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(|t| t.as_second());
            let (start, end) =
                filters["UpdatedAt"].as_array().and_then(|f| f.first()).map_or((i64::MIN, i64::MAX), |d| {
                    (parse(&d["Start"]).unwrap_or(i64::MIN), parse(&d["End"]).unwrap_or(i64::MAX))
                });
            let size = body["MaxResults"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
            let mut offset: usize = body["NextToken"]
                .as_str()
                .and_then(|t| t.strip_prefix("offset-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let mut findings = Vec::with_capacity(size);
            while offset < truth.findings && findings.len() < size {
                let f = truth.finding(offset);
                offset += 1;
                if (active_only && f.archived) || f.updated < start || f.updated > end {
                    continue;
                }
                findings.push(f.json());
            }
            let next = (offset < truth.findings).then(|| format!("offset-{offset}"));
            json_response(p, 200, with_token(json!({"Findings": findings}), "NextToken", next))
        }
        other => error(p, 404, "ResourceNotFoundException", &format!("the fake does not know {other}")),
    }
}

fn cbor_get<'a>(map: &'a ciborium::Value, key: &str) -> Option<&'a ciborium::Value> {
    map.as_map()?.iter().find(|(k, _)| k.as_text() == Some(key)).map(|(_, v)| v)
}

fn cloudwatch(truth: &Truth, op: &str, body: Option<ciborium::Value>) -> Response {
    let body = body.unwrap_or(ciborium::Value::Map(vec![]));
    let token = cbor_get(&body, "NextToken").and_then(|v| v.as_text());
    match op {
        "DescribeAlarms" => {
            let (alarms, next) = page(&truth.alarms, token, 100);
            let metric_alarms: Vec<ciborium::Value> = alarms
                .iter()
                .map(|(name, state)| {
                    cbor_map(vec![
                        ("AlarmName", text(name)),
                        ("AlarmArn", text(&format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"))),
                        ("StateValue", text(state)),
                        ("StateReason", text("Threshold Crossed: 1 datapoint")),
                        ("StateUpdatedTimestamp", cbor_time(truth.now - 120)),
                        ("MetricName", text(name)),
                        ("Namespace", text("LogMetrics")),
                        ("Statistic", text("Sum")),
                        ("Period", ciborium::Value::Integer(300.into())),
                        ("EvaluationPeriods", ciborium::Value::Integer(1.into())),
                        ("Threshold", ciborium::Value::Float(1.0)),
                        ("ComparisonOperator", text("GreaterThanOrEqualToThreshold")),
                    ])
                })
                .collect();
            let mut entries = vec![("MetricAlarms", ciborium::Value::Array(metric_alarms))];
            if token.is_none() {
                entries.push((
                    "CompositeAlarms",
                    ciborium::Value::Array(vec![cbor_map(vec![
                        ("AlarmName", text("ml-platform-health")),
                        ("StateValue", text("OK")),
                        ("StateUpdatedTimestamp", cbor_time(truth.now - 120)),
                    ])]),
                ));
            }
            if let Some(n) = next {
                entries.push(("NextToken", text(&n)));
            }
            cbor_response(200, cbor_map(entries), vec![])
        }
        "GetMetricData" => {
            let queries = cbor_get(&body, "MetricDataQueries").and_then(|q| q.as_array()).cloned().unwrap_or_default();
            let results: Vec<ciborium::Value> = queries
                .iter()
                .filter_map(|q| cbor_get(q, "Id").and_then(|v| v.as_text()))
                .map(|id| {
                    let times: Vec<ciborium::Value> = (0..3).map(|m| cbor_time(truth.now - 120 + m * 60)).collect();
                    let values: Vec<ciborium::Value> =
                        [0.0, 2.0, 5.0].iter().map(|v| ciborium::Value::Float(*v)).collect();
                    cbor_map(vec![
                        ("Id", text(id)),
                        ("Label", text(id)),
                        ("Timestamps", ciborium::Value::Array(times)),
                        ("Values", ciborium::Value::Array(values)),
                        ("StatusCode", text("Complete")),
                    ])
                })
                .collect();
            cbor_response(200, cbor_map(vec![("MetricDataResults", ciborium::Value::Array(results))]), vec![])
        }
        other => {
            error(Protocol::CloudWatch, 400, "UnknownOperationException", &format!("the fake does not know {other}"))
        }
    }
}

fn sts(op: &str) -> Response {
    if op != "GetCallerIdentity" {
        return error(Protocol::Sts, 400, "InvalidAction", op);
    }
    Response {
        status: 200,
        headers: vec![("content-type", "text/xml".into())],
        body: format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/auditor</Arn><UserId>AIDAEXAMPLE</UserId>\
             <Account>{ACCOUNT}</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>"
        )
        .into_bytes(),
    }
}
