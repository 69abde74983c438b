//! GetFindingsV2 over the world's findings as the new Security Hub holds them (OCSF documents:
//! [`World::ocsf_findings`]), in the subset of its filter language vigil sends: composite
//! filters of string filters (`EQUALS`, `PREFIX`, `NOT_EQUALS`, `PREFIX_NOT_EQUALS`), number
//! filters (`Eq`, `Gte`, `Lte`, `Gt`, `Lt`) and date filters (`Start`, `End`, both inclusive),
//! with nested composites, each composite's filters joined by its `Operator` and the composites
//! by `CompositeOperator` (`AND` when absent). A filter's field is an OCSF path into the
//! document (`resources.type` looks into every resource); the model has already held the field
//! names to its enums (`OcsfStringField`, `OcsfNumberField`, `OcsfDateField`).
//!
//! As the API reference says of string filters, the positive comparisons on one field are ORed
//! and the negative ones ANDed, whatever the operator; `EQUALS` with `NOT_EQUALS` or
//! `PREFIX_NOT_EQUALS` on one field is an error. What this fake does not evaluate (`CONTAINS`,
//! `CONTAINS_WORD`, `NOT_CONTAINS`, boolean, map and IP filters, `DateRange`, `Scopes`,
//! `SortCriteria`) is refused as ValidationException, saying so: a test that needs more teaches
//! it more.
//!
//! Findings come sorted by `finding_info.modified_time_dt`, oldest first, then by
//! `finding_info.uid`. AWS does not document the order GetFindingsV2 returns findings in without
//! `SortCriteria` (nor which fields it sorts on): this is the fake's, stable under paging. The
//! `NextToken` is opaque: it names the last finding of the page, and the next page begins after
//! it (a finding whose modified time moves on meanwhile is met again, further on).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::world::World;
use super::{Protocol, Response, error};

/// A page when `MaxResults` is not given: AWS documents no default; 100 is the model's most.
const DEFAULT_PAGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Comparison {
    Equals,
    Prefix,
    NotEquals,
    PrefixNotEquals,
}

impl Comparison {
    fn positive(self) -> bool {
        matches!(self, Comparison::Equals | Comparison::Prefix)
    }

    fn holds(self, value: &str, wanted: &str) -> bool {
        match self {
            Comparison::Equals => value == wanted,
            Comparison::Prefix => value.starts_with(wanted),
            Comparison::NotEquals => value != wanted,
            Comparison::PrefixNotEquals => !value.starts_with(wanted),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Bounds {
    eq: Option<f64>,
    gte: Option<f64>,
    lte: Option<f64>,
    gt: Option<f64>,
    lt: Option<f64>,
}

impl Bounds {
    fn holds(&self, n: f64) -> bool {
        self.eq.is_none_or(|b| n == b)
            && self.gte.is_none_or(|b| n >= b)
            && self.lte.is_none_or(|b| n <= b)
            && self.gt.is_none_or(|b| n > b)
            && self.lt.is_none_or(|b| n < b)
    }
}

/// One composite filter, parsed.
#[derive(Debug, Default)]
struct Composite {
    /// String filters by field.
    strings: BTreeMap<String, Vec<(Comparison, String)>>,
    numbers: Vec<(String, Bounds)>,
    /// Start and end, inclusive.
    dates: Vec<(String, Option<Timestamp>, Option<Timestamp>)>,
    nested: Vec<Composite>,
    /// `Operator` OR; AND otherwise.
    any: bool,
}

/// `AND`, `OR`, or absent (AND).
fn any(operator: &Value) -> bool {
    operator.as_str() == Some("OR")
}

fn composites(list: &Value) -> Result<Vec<Composite>, String> {
    list.as_array().into_iter().flatten().map(composite).collect()
}

fn composite(c: &Value) -> Result<Composite, String> {
    for kind in ["BooleanFilters", "MapFilters", "IpFilters"] {
        if c[kind].as_array().is_some_and(|f| !f.is_empty()) {
            return Err(format!("the fake does not evaluate {kind}"));
        }
    }
    let field = |f: &Value, kind: &str| {
        f["FieldName"].as_str().map(str::to_string).ok_or_else(|| format!("a filter of {kind} without a FieldName"))
    };
    let mut out = Composite { any: any(&c["Operator"]), ..Composite::default() };
    for f in c["StringFilters"].as_array().into_iter().flatten() {
        let name = field(f, "StringFilters")?;
        let comparison = match f["Filter"]["Comparison"].as_str() {
            Some("EQUALS") => Comparison::Equals,
            Some("PREFIX") => Comparison::Prefix,
            Some("NOT_EQUALS") => Comparison::NotEquals,
            Some("PREFIX_NOT_EQUALS") => Comparison::PrefixNotEquals,
            Some(other) => return Err(format!("the fake does not evaluate the comparison {other}")),
            None => return Err(format!("a string filter on {name} without a Comparison")),
        };
        let value =
            f["Filter"]["Value"].as_str().ok_or_else(|| format!("a string filter on {name} without a Value"))?;
        out.strings.entry(name).or_default().push((comparison, value.to_string()));
    }
    for (name, leaves) in &out.strings {
        let has = |c: Comparison| leaves.iter().any(|(x, _)| *x == c);
        if has(Comparison::Equals) && (has(Comparison::NotEquals) || has(Comparison::PrefixNotEquals)) {
            return Err(format!(
                "You can't provide both an EQUALS filter and a NOT_EQUALS or PREFIX_NOT_EQUALS filter on the same field ({name})"
            ));
        }
    }
    for f in c["NumberFilters"].as_array().into_iter().flatten() {
        let name = field(f, "NumberFilters")?;
        let b = &f["Filter"];
        let bounds = Bounds {
            eq: b["Eq"].as_f64(),
            gte: b["Gte"].as_f64(),
            lte: b["Lte"].as_f64(),
            gt: b["Gt"].as_f64(),
            lt: b["Lt"].as_f64(),
        };
        if [bounds.eq, bounds.gte, bounds.lte, bounds.gt, bounds.lt].iter().all(Option::is_none) {
            return Err(format!("a number filter on {name} without a bound"));
        }
        out.numbers.push((name, bounds));
    }
    for f in c["DateFilters"].as_array().into_iter().flatten() {
        let name = field(f, "DateFilters")?;
        let d = &f["Filter"];
        if !d["DateRange"].is_null() {
            return Err("the fake does not evaluate DateRange".into());
        }
        let time = |member: &str| -> Result<Option<Timestamp>, String> {
            match d[member].as_str() {
                None => Ok(None),
                Some(s) => {
                    s.parse().map(Some).map_err(|_| format!("the date filter's {member} {s:?} is not a timestamp"))
                }
            }
        };
        let (start, end) = (time("Start")?, time("End")?);
        if start.is_none() && end.is_none() {
            return Err(format!("a date filter on {name} without a Start or an End"));
        }
        out.dates.push((name, start, end));
    }
    out.nested = composites(&c["NestedCompositeFilters"])?;
    Ok(out)
}

/// The values at an OCSF path, looking into every member of a list on the way and at the end.
fn values<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let spread = |v: &'a Value| -> Vec<&'a Value> {
        match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        }
    };
    let mut current = vec![doc];
    for key in path.split('.') {
        current = current.into_iter().flat_map(spread).filter_map(|v| v.get(key)).collect();
    }
    current.into_iter().flat_map(spread).filter(|v| !v.is_null()).collect()
}

fn matches(c: &Composite, doc: &Value) -> bool {
    let mut results = Vec::new();
    for (field, leaves) in &c.strings {
        let texts: Vec<&str> = values(doc, field).into_iter().filter_map(Value::as_str).collect();
        let (positive, negative): (Vec<_>, Vec<_>) = leaves.iter().partition(|(cmp, _)| cmp.positive());
        // A finding without the field matches no positive comparison and every negative one.
        let found = positive.is_empty() || positive.iter().any(|(cmp, v)| texts.iter().any(|t| cmp.holds(t, v)));
        let kept = negative.iter().all(|(cmp, v)| texts.iter().all(|t| cmp.holds(t, v)));
        results.push(found && kept);
    }
    for (field, bounds) in &c.numbers {
        results.push(values(doc, field).into_iter().filter_map(Value::as_f64).any(|n| bounds.holds(n)));
    }
    for (field, start, end) in &c.dates {
        let times = values(doc, field).into_iter().filter_map(|v| v.as_str()?.parse::<Timestamp>().ok());
        results.push(times.into_iter().any(|t| start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)));
    }
    results.extend(c.nested.iter().map(|n| matches(n, doc)));
    if c.any { results.iter().any(|r| *r) } else { results.iter().all(|r| *r) }
}

/// Where a finding sorts: its modified time (none first), then its uid.
type Key = (Option<Timestamp>, String);

fn key(doc: &Value) -> Key {
    let modified = doc["finding_info"]["modified_time_dt"].as_str().and_then(|s| s.parse().ok());
    (modified, doc["finding_info"]["uid"].as_str().unwrap_or_default().to_string())
}

/// The opaque token after `key`: hexadecimal of `<epoch ms or ->\n<uid>`.
fn token(key: &Key) -> String {
    let time = key.0.map_or_else(|| "-".to_string(), |t| t.as_millisecond().to_string());
    format!("{time}\n{}", key.1).bytes().map(|b| format!("{b:02x}")).collect()
}

fn untoken(token: &str) -> Option<Key> {
    let bytes: Option<Vec<u8>> =
        (0..token.len()).step_by(2).map(|i| token.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (time, uid) = text.split_once('\n')?;
    let time = match time {
        "-" => None,
        ms => Some(Timestamp::from_millisecond(ms.parse().ok()?).ok()?),
    };
    Some((time, uid.to_string()))
}

/// GetFindingsV2's answer: the page of matching findings after the token, and the next token.
pub fn get_findings_v2(world: &World, input: &Value) -> Result<Value, Response> {
    let refuse = |message: &str| error(Protocol::SecurityHub, 400, "ValidationException", message);
    if !input["Scopes"].is_null() {
        return Err(refuse("the fake does not evaluate Scopes"));
    }
    if input["SortCriteria"].as_array().is_some_and(|s| !s.is_empty()) {
        return Err(refuse("the fake does not evaluate SortCriteria"));
    }
    let filters = &input["Filters"];
    let all = composites(&filters["CompositeFilters"]).map_err(|m| refuse(&m))?;
    let any = any(&filters["CompositeOperator"]);
    let wanted = |doc: &Value| {
        let mut each = all.iter().map(|c| matches(c, doc));
        if all.is_empty() {
            true
        } else if any {
            each.any(|m| m)
        } else {
            each.all(|m| m)
        }
    };
    let after = match input["NextToken"].as_str() {
        None => None,
        Some(t) => Some(untoken(t).ok_or_else(|| refuse("The NextToken is not valid."))?),
    };
    let mut found: Vec<(Key, Value)> = world.ocsf_findings().filter(|d| wanted(d)).map(|d| (key(&d), d)).collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let start = after.map_or(0, |after| found.partition_point(|(k, _)| *k <= after));
    let size = input["MaxResults"].as_u64().map_or(DEFAULT_PAGE, |n| n as usize).max(1);
    let end = (start + size).min(found.len());
    let next = (end < found.len()).then(|| token(&found[end - 1].0));
    let page: Vec<Value> = found.drain(start..end).map(|(_, d)| d).collect();
    let mut body = json!({"Findings": page});
    if let Some(next) = next {
        body["NextToken"] = json!(next);
    }
    Ok(body)
}

/// GetFindingStatisticsV2's answer, from the findings as GetFindingsV2 holds them: for each
/// `GroupByRule`, the findings its `Filters` match (as GetFindingsV2 filters them), counted by
/// the value at its `GroupByField` (a finding with several values, as `resources.type`, counts
/// under each), most first (`SortOrder` `asc` reverses), at most `MaxStatisticResults` (default
/// 100, as the reference says of other statistics calls) values a rule.
pub fn get_finding_statistics_v2(world: &World, input: &Value) -> Result<Value, Response> {
    let refuse = |message: &str| error(Protocol::SecurityHub, 400, "ValidationException", message);
    if !input["Scopes"].is_null() {
        return Err(refuse("the fake does not evaluate Scopes"));
    }
    let limit = input["MaxStatisticResults"].as_u64().map_or(100, |n| n as usize);
    let ascending = input["SortOrder"].as_str() == Some("asc");
    let docs: Vec<Value> = world.ocsf_findings().collect();
    let mut results = Vec::new();
    for rule in input["GroupByRules"].as_array().into_iter().flatten() {
        let field = rule["GroupByField"].as_str().unwrap_or_default();
        let filters = &rule["Filters"];
        let all = composites(&filters["CompositeFilters"]).map_err(|m| refuse(&m))?;
        let any = any(&filters["CompositeOperator"]);
        let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
        for doc in &docs {
            let mut each = all.iter().map(|c| matches(c, doc));
            let wanted = if all.is_empty() {
                true
            } else if any {
                each.any(|m| m)
            } else {
                each.all(|m| m)
            };
            if !wanted {
                continue;
            }
            let mut seen: Vec<String> = values(doc, field)
                .into_iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            seen.sort();
            seen.dedup();
            for v in seen {
                *counts.entry(v).or_default() += 1;
            }
        }
        let mut values: Vec<(String, u64)> = counts.into_iter().collect();
        values.sort_by(|a, b| if ascending { a.1.cmp(&b.1) } else { b.1.cmp(&a.1) }.then_with(|| a.0.cmp(&b.0)));
        values.truncate(limit);
        let values: Vec<Value> = values.into_iter().map(|(v, n)| json!({"FieldValue": v, "Count": n})).collect();
        results.push(json!({"GroupByField": field, "GroupByValues": values}));
    }
    Ok(json!({"GroupByResults": results}))
}
