//! AWS's own service models (botocore's `data/<service>/<version>/service-2.json[.gz]`, as pip
//! installed them with moto) as the authority on what a request may hold: every request the
//! fake receives is checked against its operation's input shape (required members, list, map
//! and string lengths, numeric ranges, enums, patterns, types), and every answer the fake gives
//! against the output shape, so that neither vigil nor the fake can drift from what AWS accepts
//! and sends. Nothing of the models is copied into the repository.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// The services the fake speaks, with the model version of each.
pub const SERVICES: [(&str, &str); 4] =
    [("config", "2014-11-12"), ("securityhub", "2018-10-26"), ("cloudwatch", "2010-08-01"), ("sts", "2011-06-15")];

/// One service's model.
pub struct Model {
    pub service: &'static str,
    pub path: PathBuf,
    json: Value,
    /// Compiled patterns by their text; `None` where the pattern is not one Rust's regex takes.
    patterns: std::sync::Mutex<HashMap<String, Option<regex::Regex>>>,
}

/// One broken constraint, in the words AWS's validation uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The member's path, as AWS names it (`configRuleNames`, `filters.recordState.member.1.value`).
    pub path: String,
    /// The value, shortened.
    pub value: String,
    /// What it must satisfy: `Member must have length less than or equal to 25`.
    pub constraint: String,
    /// The member is a page size (`Limit`): Config answers those with InvalidLimitException
    /// where the operation declares it.
    pub limit: bool,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Value {} at '{}' failed to satisfy constraint: {}", self.value, self.path, self.constraint)
    }
}

/// AWS's message for a set of violations: `1 validation error detected: Value ... at ...`.
pub fn message(violations: &[Violation]) -> String {
    let n = violations.len();
    let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
    format!("{n} validation error{} detected: {}", if n == 1 { "" } else { "s" }, list.join("; "))
}

/// Where pip put botocore's data: `VIGIL_BOTOCORE_DATA`, else asked of python3.
pub fn data_dir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("VIGIL_BOTOCORE_DATA") {
        return Ok(PathBuf::from(dir));
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"])
        .output()
        .map_err(|e| format!("python3 could not be run ({e})"))?;
    if !out.status.success() {
        return Err(format!("python3 cannot import botocore: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("data"))
}

fn read_model(dir: &Path, service: &str, version: &str) -> Result<(PathBuf, Value), String> {
    let base = dir.join(service).join(version);
    let plain = base.join("service-2.json");
    let gz = base.join("service-2.json.gz");
    let (path, text) = if plain.exists() {
        let text = std::fs::read_to_string(&plain).map_err(|e| format!("{}: {e}", plain.display()))?;
        (plain, text)
    } else if gz.exists() {
        let file = std::fs::File::open(&gz).map_err(|e| format!("{}: {e}", gz.display()))?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(file).read_to_string(&mut text).map_err(|e| format!("{}: {e}", gz.display()))?;
        (gz, text)
    } else {
        return Err(format!("no service-2.json(.gz) under {}", base.display()));
    };
    let json = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, json))
}

/// The models of every service the fake speaks, loaded once per process. Panics, saying how to
/// install them, when they are missing: a test run without them would check nothing.
pub fn models() -> &'static HashMap<&'static str, Model> {
    static MODELS: OnceLock<HashMap<&'static str, Model>> = OnceLock::new();
    MODELS.get_or_init(|| {
        let load = || -> Result<HashMap<&'static str, Model>, String> {
            let dir = data_dir()?;
            let mut out = HashMap::new();
            for (service, version) in SERVICES {
                let (path, json) = read_model(&dir, service, version)?;
                out.insert(service, Model { service, path, json, patterns: Default::default() });
            }
            Ok(out)
        };
        load().unwrap_or_else(|e| {
            panic!(
                "AWS's service models (botocore's data folder) are needed to check every request the tests send, \
                 and were not found: {e}. Install them with `python3 -m pip install 'moto[server]'` (scripts/test.sh \
                 does), or point VIGIL_BOTOCORE_DATA at botocore's data folder."
            )
        })
    })
}

/// Which side of an operation to check. On input every constraint holds; on output only the
/// shape (types, required members, enum spellings): AWS does not hold its answers to the
/// model's lengths and ranges (DescribeComplianceByConfigRule's output model allows 64-character
/// rule names, yet Security Hub names rules longer than that), and clients must not either.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Side {
    Input,
    Output,
}

impl Model {
    fn shape(&self, name: &str) -> &Value {
        &self.json["shapes"][name]
    }

    /// The values of an enum shape, as the model spells them.
    pub fn enum_values(&self, shape: &str) -> Vec<String> {
        self.shape(shape)["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    }

    pub fn has_operation(&self, op: &str) -> bool {
        self.json["operations"][op].is_object()
    }

    /// Whether the operation declares this error shape.
    pub fn declares_error(&self, op: &str, error: &str) -> bool {
        self.json["operations"][op]["errors"].as_array().is_some_and(|e| e.iter().any(|e| e["shape"] == error))
    }

    /// The members of the operation's input that travel outside the body (`uri`, `querystring`,
    /// `header`), with where.
    pub fn located_members(&self, op: &str) -> Vec<(String, String, String)> {
        let Some(input) = self.json["operations"][op]["input"]["shape"].as_str() else { return Vec::new() };
        let Some(members) = self.shape(input)["members"].as_object() else { return Vec::new() };
        members
            .iter()
            .filter_map(|(name, m)| {
                let location = m["location"].as_str()?;
                let wire = m["locationName"].as_str().unwrap_or(name);
                Some((name.clone(), location.to_string(), wire.to_string()))
            })
            .collect()
    }

    /// Checks `value` against the operation's input or output shape.
    pub fn check(&self, op: &str, side: Side, value: &Value) -> Result<Vec<Violation>, String> {
        let key = match side {
            Side::Input => "input",
            Side::Output => "output",
        };
        let operation = &self.json["operations"][op];
        if !operation.is_object() {
            return Err(format!("{} has no operation {op} in {}", self.service, self.path.display()));
        }
        let mut out = Vec::new();
        match operation[key]["shape"].as_str() {
            Some(shape) => self.value(shape, value, "", side, &mut out),
            // An operation without input takes an empty body.
            None => {
                if value.as_object().is_some_and(|o| !o.is_empty()) {
                    out.push(violation("", value, "Member must be empty: the operation takes no input".into()));
                }
            }
        }
        Ok(out)
    }

    fn pattern(&self, pattern: &str) -> Option<regex::Regex> {
        let mut cache = self.patterns.lock().unwrap();
        cache.entry(pattern.to_string()).or_insert_with(|| regex::Regex::new(pattern).ok()).clone()
    }

    fn value(&self, shape_name: &str, value: &Value, path: &str, side: Side, out: &mut Vec<Violation>) {
        let shape = self.shape(shape_name);
        // A document (GetFindingsV2's OCSF findings) is untyped JSON: anything goes.
        if shape["document"] == true {
            return;
        }
        let kind = shape["type"].as_str().unwrap_or_default();
        match kind {
            "structure" => {
                let Some(object) = value.as_object() else {
                    out.push(violation(path, value, "Member must be a structure".into()));
                    return;
                };
                let members = shape["members"].as_object().cloned().unwrap_or_default();
                for required in shape["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if object.get(required).is_none_or(Value::is_null) {
                        out.push(Violation {
                            path: join(path, required),
                            value: "null".into(),
                            constraint: "Member must not be null".into(),
                            limit: false,
                        });
                    }
                }
                for (name, v) in object {
                    if v.is_null() {
                        continue;
                    }
                    match members.get(name) {
                        Some(m) => {
                            let target = m["shape"].as_str().unwrap_or_default();
                            let before = out.len();
                            self.value(target, v, &join(path, name), side, out);
                            if ["limit", "maxresults", "maxrecords"].contains(&name.to_ascii_lowercase().as_str()) {
                                for v in &mut out[before..] {
                                    v.limit = true;
                                }
                            }
                        }
                        // The SDK is generated from the same models: a member the model does not
                        // know is a request (or an answer of the fake's) built by hand, wrongly.
                        None => out.push(violation(
                            &join(path, name),
                            v,
                            format!("Member must be one of the members of {shape_name}"),
                        )),
                    }
                }
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    out.push(violation(path, value, "Member must be a list".into()));
                    return;
                };
                bounds(shape, items.len() as i64, "length", side, path, value, out);
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                for (i, item) in items.iter().enumerate() {
                    self.value(member, item, &format!("{path}.{}.member", i + 1), side, out);
                }
            }
            "map" => {
                let Some(entries) = value.as_object() else {
                    out.push(violation(path, value, "Member must be a map".into()));
                    return;
                };
                bounds(shape, entries.len() as i64, "length", side, path, value, out);
                let key = shape["key"]["shape"].as_str().unwrap_or_default();
                let val = shape["value"]["shape"].as_str().unwrap_or_default();
                for (k, v) in entries {
                    self.value(key, &Value::String(k.clone()), &format!("{path}.{k}.key"), side, out);
                    self.value(val, v, &format!("{path}.{k}.value"), side, out);
                }
            }
            "string" => {
                let Some(s) = value.as_str() else {
                    out.push(violation(path, value, "Member must be a string".into()));
                    return;
                };
                bounds(shape, s.chars().count() as i64, "length", side, path, value, out);
                if let Some(allowed) = shape["enum"].as_array()
                    && !allowed.iter().any(|a| a.as_str() == Some(s))
                {
                    let list: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    out.push(violation(
                        path,
                        value,
                        format!("Member must satisfy enum value set: [{}]", list.join(", ")),
                    ));
                }
                if let Some(p) = shape["pattern"].as_str()
                    && side == Side::Input
                    && let Some(re) = self.pattern(p)
                    && !re.is_match(s)
                {
                    out.push(violation(path, value, format!("Member must satisfy regular expression pattern: {p}")));
                }
            }
            "integer" | "long" => {
                let Some(n) = value.as_i64() else {
                    out.push(violation(path, value, format!("Member must be an {kind}")));
                    return;
                };
                bounds(shape, n, "value", side, path, value, out);
            }
            "float" | "double" => {
                if !value.is_number() {
                    out.push(violation(path, value, format!("Member must be a {kind}")));
                }
            }
            "boolean" => {
                if !value.is_boolean() {
                    out.push(violation(path, value, "Member must be a boolean".into()));
                }
            }
            // Epoch seconds (awsJson, CBOR) or ISO-8601 text (restJson headers, query).
            "timestamp" => {
                if !(value.is_number() || value.as_str().is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok())) {
                    out.push(violation(path, value, "Member must be a timestamp".into()));
                }
            }
            "blob" => {
                if !value.is_string() {
                    out.push(violation(path, value, "Member must be a blob".into()));
                }
            }
            other => out.push(violation(path, value, format!("the model's shape type {other} is not checked"))),
        }
    }
}

/// Constraints AWS documents that its model leaves out, checked on input as the model's are:
/// BatchUpdateFindings updates 1 to 100 findings at a time, and a note's text and author are
/// 1 to 512 characters; GetFindingsV2's `Filters` (and each of GetFindingStatisticsV2's group-by
/// rules' `Filters`, the same `OcsfFindingFilters`) hold up to 10 composite filters, and each
/// composite up to 20 filters of each type (the model's documentation of `Filters`).
pub fn documented(service: &str, op: &str, input: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    if (service, op) == ("securityhub", "GetFindingsV2") {
        composite_limits(&input["Filters"]["CompositeFilters"], "filters.compositeFilters", &mut out);
    }
    if (service, op) == ("securityhub", "GetFindingStatisticsV2") {
        for (i, rule) in input["GroupByRules"].as_array().into_iter().flatten().enumerate() {
            let path = format!("groupByRules.{}.member.filters.compositeFilters", i + 1);
            composite_limits(&rule["Filters"]["CompositeFilters"], &path, &mut out);
        }
    }
    let mut length = |path: &str, value: &Value, n: usize, max: usize| {
        if n < 1 {
            out.push(violation(path, value, "Member must have length greater than or equal to 1".into()));
        }
        if n > max {
            out.push(violation(path, value, format!("Member must have length less than or equal to {max}")));
        }
    };
    if (service, op) == ("securityhub", "BatchUpdateFindings") {
        let ids = &input["FindingIdentifiers"];
        if let Some(list) = ids.as_array() {
            length("findingIdentifiers", ids, list.len(), 100);
        }
        for member in ["Text", "UpdatedBy"] {
            let v = &input["Note"][member];
            if let Some(text) = v.as_str() {
                length(&join("note", member), v, text.chars().count(), 512);
            }
        }
    }
    out
}

/// At most 10 composite filters in a list (the top level's, or a composite's nested ones), each
/// with at most 20 filters of each type.
fn composite_limits(composites: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(list) = composites.as_array() else { return };
    if list.len() > 10 {
        out.push(violation(path, composites, "Member must have length less than or equal to 10".into()));
    }
    for (i, composite) in list.iter().enumerate() {
        let at = format!("{path}.{}.member", i + 1);
        for kind in ["StringFilters", "DateFilters", "BooleanFilters", "NumberFilters", "MapFilters", "IpFilters"] {
            let filters = &composite[kind];
            if filters.as_array().is_some_and(|f| f.len() > 20) {
                out.push(violation(
                    &join(&at, kind),
                    filters,
                    "Member must have length less than or equal to 20".into(),
                ));
            }
        }
        composite_limits(&composite["NestedCompositeFilters"], &join(&at, "NestedCompositeFilters"), out);
    }
}

fn join(path: &str, member: &str) -> String {
    // AWS names members in lower camel case in its validation messages.
    let mut chars = member.chars();
    let first: String = chars.next().map(|c| c.to_ascii_lowercase()).into_iter().chain(chars).collect();
    if path.is_empty() { first } else { format!("{path}.{first}") }
}

fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("'{s}'"),
        Value::Array(items) => {
            let inner: Vec<String> =
                items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
            format!("'[{}]'", inner.join(", "))
        }
        other => format!("'{other}'"),
    };
    if text.chars().count() > 64 { format!("{}...'", text.chars().take(60).collect::<String>()) } else { text }
}

fn violation(path: &str, value: &Value, constraint: String) -> Violation {
    Violation { path: path.to_string(), value: shown(value), constraint, limit: false }
}

/// The model's `min` and `max` of a shape, for a length (lists, maps, strings) or a value
/// (numbers). Inputs only: see [`Side`].
fn bounds(shape: &Value, n: i64, what: &str, side: Side, path: &str, value: &Value, out: &mut Vec<Violation>) {
    if side == Side::Output {
        return;
    }
    if let Some(min) = shape["min"].as_i64()
        && n < min
    {
        out.push(violation(path, value, format!("Member must have {what} greater than or equal to {min}")));
    }
    if let Some(max) = shape["max"].as_i64()
        && n > max
    {
        out.push(violation(path, value, format!("Member must have {what} less than or equal to {max}")));
    }
}

/// A CBOR value (CloudWatch's RPCv2-CBOR body) as JSON, for checking: timestamps (tag 1) become
/// epoch seconds, blobs base64-ish text.
pub fn cbor_to_json(v: &ciborium::Value) -> Value {
    use ciborium::Value as C;
    match v {
        C::Integer(i) => {
            let n: i128 = (*i).into();
            serde_json::json!(n as i64)
        }
        C::Float(f) => serde_json::json!(f),
        C::Bool(b) => Value::Bool(*b),
        C::Null => Value::Null,
        C::Text(s) => Value::String(s.clone()),
        C::Bytes(b) => Value::String(format!("<{} bytes>", b.len())),
        C::Array(items) => Value::Array(items.iter().map(cbor_to_json).collect()),
        C::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_text().map_or_else(|| format!("{k:?}"), str::to_string), cbor_to_json(v)))
                .collect(),
        ),
        C::Tag(_, inner) => cbor_to_json(inner),
        _ => Value::Null,
    }
}

/// An AWS query-protocol body (`Action=X&Version=Y&A.member.1=v`) as a structure, for checking.
pub fn query_to_json(body: &str) -> (String, Value) {
    let mut action = String::new();
    let mut root = serde_json::Map::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k), decode(v));
        match k.as_str() {
            "Action" => action = v,
            "Version" => {}
            _ => insert_query(&mut root, &k.split('.').collect::<Vec<_>>(), v),
        }
    }
    (action, Value::Object(root))
}

fn insert_query(map: &mut serde_json::Map<String, Value>, path: &[&str], value: String) {
    match path {
        [] => {}
        [last] => {
            map.insert(last.to_string(), Value::String(value));
        }
        [name, "member", index, rest @ ..] => {
            let list = map.entry(name.to_string()).or_insert_with(|| Value::Array(Vec::new()));
            let i: usize = index.parse::<usize>().unwrap_or(1).max(1) - 1;
            if let Some(items) = list.as_array_mut() {
                while items.len() <= i {
                    items.push(if rest.is_empty() { Value::Null } else { Value::Object(Default::default()) });
                }
                if rest.is_empty() {
                    items[i] = Value::String(value);
                } else if let Some(inner) = items[i].as_object_mut() {
                    insert_query(inner, rest, value);
                }
            }
        }
        [name, rest @ ..] => {
            let inner = map.entry(name.to_string()).or_insert_with(|| Value::Object(Default::default()));
            if let Some(inner) = inner.as_object_mut() {
                insert_query(inner, rest, value);
            }
        }
    }
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
