//! A fake AWS endpoint for wire-level tests and the load benchmark: one local HTTP/1.1 server
//! that speaks each protocol the SDK uses (Config: awsJson1_1; Security Hub: restJson1;
//! CloudWatch: Smithy RPCv2-CBOR, AWS-query-compatible errors; STS: query with XML).
//!
//! AWS's own service models are the authority (model.rs): every request is checked against its
//! operation's input shape and refused the way AWS refuses it, and every answer the fake gives
//! is checked against the output shape. The account it holds (world.rs) looks like a real one
//! and is the ground truth; faults (throttling, a rate limit with a burst, 500s, hangs, garbage,
//! a service down, an action denied, a restart) are injected on demand.

#![allow(dead_code)]

pub mod model;
pub mod ocsf;
pub mod query;
mod services;
pub mod world;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub use world::{ACCOUNT, REGION, World};

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
    /// Operations denied (AccessDenied, naming the IAM action) after this many calls succeeded.
    pub deny_after: HashMap<&'static str, u64>,
    /// Operations limited as AWS limits them: a token bucket of (calls a second, burst); a call
    /// over it is throttled.
    pub rate: HashMap<&'static str, (f64, f64)>,
    /// Services limited as a whole, every operation together, in each account and region a call
    /// is signed for: (calls a second, burst) by service (`config`). AWS publishes no rates for
    /// Config; the benchmark holds the administrator's home region to vigil's default 4 a second.
    pub service_rate: HashMap<&'static str, (f64, f64)>,
}

/// What the model checks saw.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// Requests checked against their operation's input shape, by operation.
    pub requests: BTreeMap<String, u64>,
    /// Requests refused for breaking the model, with AWS's message.
    pub refused: Vec<(String, String)>,
    /// Requests for operations the fake does not know (none should be).
    pub unknown: Vec<String>,
    /// Answers of the fake that broke the model's output shape (bugs of the fake).
    pub bad_answers: Vec<(String, String)>,
    /// Calls signed with a member role's credentials: `Operation account region`, counted.
    pub signed_by: BTreeMap<String, u64>,
    /// Requests answered although they broke one constraint of the model, because the world says
    /// the service does not hold to it ([`World::long_rule_names`]): operation and AWS's message.
    pub tolerated: Vec<(String, String)>,
    /// The rules whose details were asked for, one call a page: `GetComplianceDetailsByConfigRule
    /// rule` and `GetAggregateComplianceDetailsByConfigRule rule account region`, counted.
    pub details_asked: BTreeMap<String, u64>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub(crate) struct State {
    world: RwLock<World>,
    faults: RwLock<Faults>,
    calls: Mutex<BTreeMap<String, u64>>,
    checks: Mutex<Checks>,
    seq: AtomicU64,
    spent: Mutex<HashSet<(&'static str, String)>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Throttled answers given, by operation.
    throttled: Mutex<BTreeMap<String, u64>>,
    /// Calls let through the rate limits, by service and the account and region that signed them.
    by_signer: Mutex<BTreeMap<String, u64>>,
    /// The advanced query's rows for the world as it is.
    selections: query::Cache,
}

/// A running fake.
pub struct FakeAws {
    pub url: String,
    pub addr: SocketAddr,
    state: Arc<State>,
    /// `true` while the fake listens; a restart sets it `false` (dropping every connection), then
    /// `true` again.
    up: tokio::sync::watch::Sender<bool>,
    _runtime: std::thread::JoinHandle<()>,
}

impl FakeAws {
    pub fn start(world: World, faults: Faults) -> FakeAws {
        // Loaded here, so that a machine without the models fails at once, saying why.
        model::models();
        let state = Arc::new(State {
            world: RwLock::new(world),
            faults: RwLock::new(faults),
            calls: Mutex::new(BTreeMap::new()),
            checks: Mutex::new(Checks::default()),
            seq: AtomicU64::new(0),
            spent: Mutex::new(HashSet::new()),
            buckets: Mutex::new(HashMap::new()),
            throttled: Mutex::new(BTreeMap::new()),
            by_signer: Mutex::new(BTreeMap::new()),
            selections: query::Cache::default(),
        });
        let (up, up_rx) = tokio::sync::watch::channel(true);
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(listen(shared, up_rx, tx));
        });
        let addr = rx.recv().unwrap();
        FakeAws { url: format!("http://{addr}"), addr, state, up, _runtime: thread }
    }

    /// Calls received, by operation.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.calls.lock().unwrap().clone()
    }

    /// Calls let through the rate limits, by `service/account/region` of their signer.
    pub fn calls_by_signer(&self) -> BTreeMap<String, u64> {
        self.state.by_signer.lock().unwrap().clone()
    }

    pub fn throttled(&self) -> BTreeMap<String, u64> {
        self.state.throttled.lock().unwrap().clone()
    }

    /// The world as it is now (read-only).
    pub fn world(&self) -> std::sync::RwLockReadGuard<'_, World> {
        self.state.world.read().unwrap()
    }

    /// Changes the world.
    pub fn change(&self, f: impl FnOnce(&mut World)) {
        f(&mut self.state.world.write().unwrap());
        self.state.selections.changed();
    }

    /// Changes the faults.
    pub fn set_faults(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.state.faults.write().unwrap());
    }

    pub fn checks(&self) -> Checks {
        self.state.checks.lock().unwrap().clone()
    }

    /// Every request was one the model knows and every answer kept to the model: the test's
    /// proof that the whole run was checked.
    /// A request still being answered (its client stopped mid-call: a watch that ended) is
    /// waited for, up to ten seconds: it is counted when it arrives and checked as it is answered.
    pub fn assert_checked(&self) {
        let counts = || {
            let received: u64 = self.calls().values().sum();
            let checked: u64 = self.checks().requests.values().sum();
            (received, checked)
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let (received, checked) = counts();
            if received == checked {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let c = self.checks();
        assert!(c.unknown.is_empty(), "requests for operations the fake does not know: {:?}", c.unknown);
        assert!(c.bad_answers.is_empty(), "the fake answered outside AWS's model: {:?}", c.bad_answers);
        let (received, checked) = counts();
        assert_eq!(received, checked, "every request is checked against the model");
    }

    /// Stops listening and drops every connection for `down`, then listens again on the same
    /// address, with the same world.
    pub fn restart(&self, down: Duration) {
        self.up.send_replace(false);
        std::thread::sleep(down);
        self.up.send_replace(true);
    }
}

impl Drop for FakeAws {
    /// Leaves the count of model-checked requests where `scripts/test.sh` sums them.
    fn drop(&mut self) {
        let Ok(path) = std::env::var("VIGIL_MODEL_CHECK_LOG") else { return };
        let c = self.checks();
        let mut text = String::new();
        for (op, n) in &c.requests {
            text.push_str(&format!("{op} {n}\n"));
        }
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            use std::io::Write;
            let _ = f.write_all(text.as_bytes());
        }
    }
}

async fn listen(
    state: Arc<State>,
    mut up: tokio::sync::watch::Receiver<bool>,
    ready: std::sync::mpsc::Sender<SocketAddr>,
) {
    let mut addr: Option<SocketAddr> = None;
    loop {
        let listener = match addr {
            None => TcpListener::bind("127.0.0.1:0").await.unwrap(),
            Some(a) => loop {
                match TcpListener::bind(a).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            },
        };
        if addr.is_none() {
            let a = listener.local_addr().unwrap();
            addr = Some(a);
            ready.send(a).unwrap();
        }
        loop {
            let for_connection = up.clone();
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    // Answers go out at once: with Nagle's algorithm a response written in two
                    // parts waits for the client's delayed acknowledgement, 40 ms a call.
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    let mut up = for_connection;
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = serve(stream, state) => {}
                            _ = up.wait_for(|u| !*u) => {}
                        }
                    });
                }
                // Err: the fake was dropped. (wait_for sees a closed channel only after its
                // predicate fails, so the outer wait would find "up" and bind again, forever.)
                down = up.wait_for(|u| !*u) => {
                    if down.is_err() {
                        return;
                    }
                    break;
                }
            }
        }
        drop(listener);
        if up.wait_for(|u| *u).await.is_err() {
            return;
        }
    }
}

pub(crate) struct Request {
    method: String,
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
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("GET").to_string();
    let path = parts.next().unwrap_or("/").to_string();
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
    Ok(Some(Request { method, path, headers, body }))
}

pub(crate) struct Response {
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
            403 => "Forbidden",
            404 => "Not Found",
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
        if req.headers.get("connection").is_some_and(|c| c.eq_ignore_ascii_case("close")) {
            break;
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Protocol {
    Config,
    SecurityHub,
    CloudWatch,
    Sts,
}

impl Protocol {
    pub(crate) fn service(self) -> &'static str {
        match self {
            Protocol::Config => "config",
            Protocol::SecurityHub => "securityhub",
            Protocol::CloudWatch => "cloudwatch",
            Protocol::Sts => "sts",
        }
    }
}

/// The operation a request is for, and its input as the model's structure.
fn operation(req: &Request) -> (Protocol, String, Value) {
    if let Some(target) = req.headers.get("x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or_default().to_string();
        let input = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        return (Protocol::Config, op, input);
    }
    if let Some(op) = req.path.strip_prefix("/service/GraniteServiceVersion20100801/operation/") {
        let input = ciborium::from_reader::<ciborium::Value, _>(req.body.as_slice())
            .map(|v| model::cbor_to_json(&v))
            .unwrap_or(if req.body.is_empty() { Value::Object(Default::default()) } else { Value::Null });
        return (Protocol::CloudWatch, op.to_string(), input);
    }
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    // The organisation's reads: GETs whose input is in the query string and the path.
    let get = match (req.method.as_str(), path) {
        ("GET", "/members") => Some("ListMembers"),
        ("GET", "/findingAggregator/list") => Some("ListFindingAggregators"),
        ("GET", p) if p.starts_with("/findingAggregator/get/") => Some("GetFindingAggregator"),
        ("GET", "/hubv2") => Some("DescribeSecurityHubV2"),
        ("GET", "/automationrules/list") => Some("ListAutomationRules"),
        ("GET", "/automationrulesv2/list") => Some("ListAutomationRulesV2"),
        ("GET", p) if p.starts_with("/automationrulesv2/") => Some("GetAutomationRuleV2"),
        _ => None,
    };
    if let Some(op) = get {
        let mut input = serde_json::Map::new();
        for (key, value) in query.split('&').filter_map(|kv| kv.split_once('=')) {
            let value = percent_decode(value);
            let typed = match key {
                "MaxResults" => value.parse::<i64>().map_or(Value::String(value.clone()), Value::from),
                "OnlyAssociated" => value.parse::<bool>().map_or(Value::String(value.clone()), Value::from),
                _ => Value::String(value),
            };
            input.insert(key.to_string(), typed);
        }
        if let Some(arn) = path.strip_prefix("/findingAggregator/get/") {
            input.insert("FindingAggregatorArn".into(), Value::String(percent_decode(arn)));
        }
        if let Some(id) = path.strip_prefix("/automationrulesv2/").filter(|id| *id != "list") {
            input.insert("Identifier".into(), Value::String(percent_decode(id)));
        }
        return (Protocol::SecurityHub, op.to_string(), Value::Object(input));
    }
    let hub = match (req.method.as_str(), path) {
        ("POST", "/findings") => Some("GetFindings"),
        ("POST", "/standards/get") => Some("GetEnabledStandards"),
        ("POST", "/findingHistory/get") => Some("GetFindingHistory"),
        ("PATCH", "/findings/batchupdate") => Some("BatchUpdateFindings"),
        ("POST", "/findingsv2") => Some("GetFindingsV2"),
        ("POST", "/findingsv2/statistics") => Some("GetFindingStatisticsV2"),
        ("PATCH", "/findingsv2/batchupdatev2") => Some("BatchUpdateFindingsV2"),
        ("POST", "/automationrules/get") => Some("BatchGetAutomationRules"),
        _ => None,
    };
    if let Some(op) = hub {
        let input = if req.body.is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_slice(&req.body).unwrap_or(Value::Null)
        };
        return (Protocol::SecurityHub, op.to_string(), input);
    }
    let body = String::from_utf8_lossy(&req.body);
    let (action, input) = model::query_to_json(&body);
    (Protocol::Sts, if action.is_empty() { "Unknown".into() } else { action }, input)
}

/// The account and region a request is signed for: a member role's credentials (access key
/// `ASIA<account>`, as the fake's AssumeRole hands them out) are that member's; any other key is
/// the caller's own account. The region is the signature's.
fn signer(req: &Request) -> (String, String) {
    let credential = req
        .headers
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split([',', ' ']).next())
        .unwrap_or_default();
    let mut scope = credential.split('/');
    let key = scope.next().unwrap_or_default();
    let region = scope.nth(1).unwrap_or(REGION).to_string();
    let account = match key.strip_prefix("ASIA") {
        Some(a) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => a.to_string(),
        _ => ACCOUNT.to_string(),
    };
    (account, region)
}

/// `%3A` as `:`: a query string's or a path's escapes undone.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn json_response(protocol: Protocol, status: u16, body: Value) -> Response {
    let content_type = match protocol {
        Protocol::Config => "application/x-amz-json-1.1",
        _ => "application/json",
    };
    Response { status, headers: vec![("content-type", content_type.into())], body: body.to_string().into_bytes() }
}

pub(crate) fn cbor_response(status: u16, body: ciborium::Value, extra: Vec<(&'static str, String)>) -> Response {
    let mut bytes = Vec::new();
    ciborium::into_writer(&body, &mut bytes).unwrap();
    let mut headers =
        vec![("content-type", "application/cbor".to_string()), ("smithy-protocol", "rpc-v2-cbor".to_string())];
    headers.extend(extra);
    Response { status, headers, body: bytes }
}

/// An error in the protocol's own shape.
pub(crate) fn error(protocol: Protocol, status: u16, code: &str, message: &str) -> Response {
    match protocol {
        Protocol::Config => json_response(protocol, status, serde_json::json!({"__type": code, "message": message})),
        Protocol::SecurityHub => {
            let mut r = json_response(protocol, status, serde_json::json!({"Code": code, "Message": message}));
            r.headers.push(("x-amzn-errortype", code.to_string()));
            r
        }
        Protocol::CloudWatch => {
            let query_code = if code == "ThrottlingException" { "Throttling" } else { code };
            cbor_response(
                status,
                services::cbor_map(vec![
                    ("__type", services::text(&format!("com.amazonaws.cloudwatch#{code}"))),
                    ("message", services::text(message)),
                ]),
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

/// How each service refuses a request that breaks its model.
fn refusal(protocol: Protocol, op: &str, violations: &[model::Violation]) -> Response {
    let text = model::message(violations);
    match protocol {
        Protocol::Config => {
            let all_limits = violations.iter().all(|v| v.limit);
            let declared = model::models()["config"].declares_error(op, "InvalidLimitException");
            let code = if all_limits && declared { "InvalidLimitException" } else { "ValidationException" };
            error(protocol, 400, code, &text)
        }
        // The new Security Hub's operations (V2) declare ValidationException instead.
        Protocol::SecurityHub if !declares(protocol, op, "InvalidInputException") => {
            error(protocol, 400, "ValidationException", &text)
        }
        Protocol::SecurityHub => error(protocol, 400, "InvalidInputException", &text),
        Protocol::CloudWatch => error(protocol, 400, "ValidationError", &text),
        Protocol::Sts => error(protocol, 400, "ValidationError", &text),
    }
}

/// Whether the operation's model declares the error.
fn declares(protocol: Protocol, op: &str, code: &str) -> bool {
    model::models()[protocol.service()].declares_error(op, code)
}

fn once(state: &State, kind: &'static str, op: &str) -> bool {
    state.spent.lock().unwrap().insert((kind, op.to_string()))
}

/// A token bucket per operation: `true` when the call may go through.
fn within_rate(state: &State, op: &str, rate: f64, burst: f64) -> bool {
    let mut buckets = state.buckets.lock().unwrap();
    let now = Instant::now();
    let b = buckets.entry(op.to_string()).or_insert(Bucket { tokens: burst, at: now });
    b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
    b.at = now;
    if b.tokens >= 1.0 {
        b.tokens -= 1.0;
        true
    } else {
        false
    }
}

fn throttle(state: &State, protocol: Protocol, op: &str) -> Response {
    *state.throttled.lock().unwrap().entry(op.to_string()).or_default() += 1;
    match protocol {
        // The new Security Hub's operations (V2) declare ThrottlingException instead.
        Protocol::SecurityHub if declares(protocol, op, "ThrottlingException") => {
            error(protocol, 429, "ThrottlingException", "Rate exceeded")
        }
        Protocol::SecurityHub => error(protocol, 429, "LimitExceededException", "Rate exceeded"),
        _ => error(protocol, 400, "ThrottlingException", "Rate exceeded"),
    }
}

/// The IAM action of an operation, as AccessDenied names it: GetFindingsV2 is authorised as
/// GetFindings, BatchUpdateFindingsV2 as BatchUpdateFindings (the Service Authorization
/// Reference).
fn action(protocol: Protocol, op: &str) -> String {
    let op = match op {
        "GetFindingsV2" => "GetFindings",
        "GetFindingStatisticsV2" => "GetAdhocInsightResults",
        "BatchUpdateFindingsV2" => "BatchUpdateFindings",
        op => op,
    };
    format!("{}:{op}", protocol.service())
}

async fn handle(req: &Request, state: &State) -> Response {
    let (protocol, op, input) = operation(req);
    let n = {
        let mut calls = state.calls.lock().unwrap();
        let n = calls.entry(op.clone()).or_default();
        *n += 1;
        *n
    };
    // The model first: every request is checked, whatever else happens to it.
    let models = model::models();
    let service_model = &models[protocol.service()];
    if !service_model.has_operation(&op) {
        state.checks.lock().unwrap().unknown.push(op.clone());
        return error(protocol, 400, "UnknownOperationException", &format!("no operation {op}"));
    }
    let mut violations = service_model.check(&op, model::Side::Input, &input).unwrap();
    violations.extend(model::documented(protocol.service(), &op, &input));
    *state.checks.lock().unwrap().requests.entry(op.clone()).or_default() += 1;
    let asked = |m: &str| input[m].as_str().unwrap_or_default().to_string();
    let details = match op.as_str() {
        // Asked with a member's credentials: in that member's account and region.
        "GetComplianceDetailsByConfigRule" => match signer(req) {
            (account, region) if account == ACCOUNT && region == REGION => {
                Some(format!("{op} {}", asked("ConfigRuleName")))
            }
            (account, region) => Some(format!("{op} {} {account} {region}", asked("ConfigRuleName"))),
        },
        "GetAggregateComplianceDetailsByConfigRule" => {
            Some(format!("{op} {} {} {}", asked("ConfigRuleName"), asked("AccountId"), asked("AwsRegion")))
        }
        _ => None,
    };
    if let Some(key) = details {
        *state.checks.lock().unwrap().details_asked.entry(key).or_default() += 1;
    }
    // A service that takes longer rule names than its model says: the request is checked all
    // the same, and the one constraint it is let off is counted.
    if op == "GetComplianceDetailsByConfigRule" && state.world.read().unwrap().long_rule_names {
        let (let_off, kept): (Vec<_>, Vec<_>) = violations
            .into_iter()
            .partition(|v| v.path == "configRuleName" && v.constraint.ends_with("less than or equal to 64"));
        if !let_off.is_empty() {
            state.checks.lock().unwrap().tolerated.push((op.clone(), model::message(&let_off)));
        }
        violations = kept;
    }
    if !violations.is_empty() {
        let response = refusal(protocol, &op, &violations);
        state.checks.lock().unwrap().refused.push((op.clone(), model::message(&violations)));
        return response;
    }
    let f = state.faults.read().unwrap().clone();
    if f.down.contains(protocol.service()) {
        return error(protocol, 503, "ServiceUnavailable", "the service is down (injected)");
    }
    if let Some(&(rate, burst)) = f.rate.get(op.as_str())
        && !within_rate(state, &op, rate, burst)
    {
        return throttle(state, protocol, &op);
    }
    // A call signed with a member role's credentials sees that member's account and region.
    let (account, region) = signer(req);
    let signed = format!("{}/{account}/{region}", protocol.service());
    if let Some(&(rate, burst)) = f.service_rate.get(protocol.service())
        && !within_rate(state, &signed, rate, burst)
    {
        return throttle(state, protocol, &op);
    }
    *state.by_signer.lock().unwrap().entry(signed).or_default() += 1;
    if f.throttle_per_ten > 0 && protocol != Protocol::Sts {
        let k = state.seq.fetch_add(1, Ordering::SeqCst);
        if k % 10 < f.throttle_per_ten {
            return throttle(state, protocol, &op);
        }
    }
    if let Some(&after) = f.deny_after.get(op.as_str())
        && n > after
    {
        let message = format!(
            "User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: {} because no identity-based policy allows the {} action",
            action(protocol, &op),
            action(protocol, &op)
        );
        return match protocol {
            Protocol::CloudWatch | Protocol::Sts => error(protocol, 403, "AccessDenied", &message),
            // The new Security Hub's operations (V2): AccessDeniedException is a 403 in the model.
            Protocol::SecurityHub if declares(protocol, &op, "ThrottlingException") => {
                error(protocol, 403, "AccessDeniedException", &message)
            }
            _ => error(protocol, 400, "AccessDeniedException", &message),
        };
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
    if account != ACCOUNT {
        *state.checks.lock().unwrap().signed_by.entry(format!("{op} {account} {region}")).or_default() += 1;
    }
    let (response, answer) = if services::writes(&op) {
        let mut world = state.world.write().unwrap();
        let answered = services::answer_write(world.seen_by_mut(&account, &region), protocol, &op, &input);
        state.selections.changed();
        answered
    } else if matches!(op.as_str(), "SelectResourceConfig" | "SelectAggregateResourceConfig") {
        let world = state.world.read().unwrap();
        services::respond(protocol, query::select(&world, &state.selections, (&account, &region), &op, &input))
    } else {
        let world = state.world.read().unwrap();
        let seen = if protocol == Protocol::Sts { &*world } else { world.seen_by(&account, &region) };
        services::answer(seen, protocol, &op, &input)
    };
    // The fake's own answers are held to the model too.
    if let Some(answer) = answer {
        let bad = service_model.check(&op, model::Side::Output, &answer).unwrap();
        if !bad.is_empty() {
            state.checks.lock().unwrap().bad_answers.push((op.clone(), model::message(&bad)));
        }
    }
    response
}
