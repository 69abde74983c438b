//! Config's advanced query (SelectResourceConfig, and SelectAggregateResourceConfig across the
//! organisation's aggregator) over the world's `AWS::Config::ResourceCompliance` items, in the
//! subset AWS's query documentation describes and vigil uses: `SELECT` property paths, and a
//! `WHERE` of conditions joined by `AND`, each an `=`, an `IN (...)` or a `LIKE` with a suffix
//! wildcard only (`'prefix%'`). A condition on a list's members
//! (`configuration.configRuleList.configRuleName = 'x'`) holds when any member matches, each
//! condition on its own: conditions on one list do not correlate, as AWS warns. 100 rows a page
//! at most (the model's `Limit`; 25 when none is asked for, as AWS documents), with a NextToken. What AWS refuses (DISTINCT, HAVING, JOIN, a
//! leading wildcard) is refused as InvalidExpressionException, and so is what this fake does not
//! evaluate (OR, NOT, comparisons, aggregates): a test that needs more teaches it more.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::world::World;
use super::{Protocol, Response, error};

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The selected property paths, as written.
    pub fields: Vec<String>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Equals(String, String),
    In(String, Vec<String>),
    /// `LIKE 'prefix%'`.
    Prefix(String, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Comma,
    Open,
    Close,
    Equals,
    Other(String),
}

fn tokens(expression: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = expression.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => text.push(c),
                        None => return Err("a string literal is not closed".into()),
                    }
                }
                out.push(Token::Text(text));
            }
            ',' | '(' | ')' | '=' => {
                chars.next();
                out.push(match c {
                    ',' => Token::Comma,
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Equals,
                });
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == ':' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '.' || c == ':' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Word(word));
            }
            other => {
                let mut op = other.to_string();
                chars.next();
                while let Some(&c) = chars.peek() {
                    if "<>!=*".contains(c) {
                        op.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Other(op));
            }
        }
    }
    Ok(out)
}

fn keyword(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
}

/// Words of SQL the query language refuses, or that this fake does not evaluate.
const REFUSED: [&str; 14] = [
    "DISTINCT", "HAVING", "JOIN", "OR", "NOT", "BETWEEN", "GROUP", "ORDER", "COUNT", "SUM", "MIN", "MAX", "AVG",
    "LIMIT",
];

fn path(token: Option<Token>) -> Result<String, String> {
    match token {
        Some(Token::Word(w)) if !REFUSED.iter().any(|r| r.eq_ignore_ascii_case(&w)) => Ok(w),
        Some(Token::Word(w)) => Err(format!("{} is not supported", w.to_uppercase())),
        Some(Token::Other(o)) => Err(format!("'{o}' is not supported here")),
        other => Err(format!("a property was expected, not {other:?}")),
    }
}

/// Parses the subset; the error says what is not supported.
pub fn parse(expression: &str) -> Result<Query, String> {
    let mut t = tokens(expression)?.into_iter().peekable();
    if !keyword(t.peek(), "SELECT") {
        return Err("the expression must start with SELECT".into());
    }
    t.next();
    let mut fields = vec![path(t.next())?];
    while t.peek() == Some(&Token::Comma) {
        t.next();
        fields.push(path(t.next())?);
    }
    let mut conditions = Vec::new();
    match t.next() {
        None => return Ok(Query { fields, conditions }),
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("WHERE") => {}
        Some(Token::Word(w)) if REFUSED.iter().any(|r| r.eq_ignore_ascii_case(&w)) => {
            return Err(format!("{} is not supported", w.to_uppercase()));
        }
        Some(other) => return Err(format!("WHERE was expected, not {other:?}")),
    }
    loop {
        let property = path(t.next())?;
        let condition = match t.next() {
            Some(Token::Equals) => match t.next() {
                Some(Token::Text(v)) => Condition::Equals(property, v),
                other => return Err(format!("a string was expected after =, not {other:?}")),
            },
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("IN") => {
                if t.next() != Some(Token::Open) {
                    return Err("IN takes a list in parentheses".into());
                }
                let mut values = Vec::new();
                loop {
                    match t.next() {
                        Some(Token::Text(v)) => values.push(v),
                        other => return Err(format!("a string was expected in IN (...), not {other:?}")),
                    }
                    match t.next() {
                        Some(Token::Comma) => continue,
                        Some(Token::Close) => break,
                        other => return Err(format!("IN (...) is not closed: {other:?}")),
                    }
                }
                Condition::In(property, values)
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("LIKE") => match t.next() {
                Some(Token::Text(v)) => {
                    let prefix = v.strip_suffix('%').unwrap_or(&v);
                    if prefix.contains(['%', '_']) {
                        return Err(format!("LIKE '{v}': only a wildcard at the end is supported"));
                    }
                    Condition::Prefix(property, prefix.to_string())
                }
                other => return Err(format!("a string was expected after LIKE, not {other:?}")),
            },
            Some(Token::Word(w)) if REFUSED.iter().any(|r| r.eq_ignore_ascii_case(&w)) => {
                return Err(format!("{} is not supported", w.to_uppercase()));
            }
            other => return Err(format!("=, IN or LIKE was expected after {property}, not {other:?}")),
        };
        conditions.push(condition);
        match t.next() {
            None => return Ok(Query { fields, conditions }),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("AND") => continue,
            Some(Token::Word(w)) if REFUSED.iter().any(|r| r.eq_ignore_ascii_case(&w)) => {
                return Err(format!("{} is not supported", w.to_uppercase()));
            }
            Some(other) => return Err(format!("AND was expected, not {other:?}")),
        }
    }
}

/// Every value at `path` in `v`, through lists (a list's members each give theirs).
fn values<'a>(v: &'a Value, path: &[&str], out: &mut Vec<&'a Value>) {
    match (v, path.split_first()) {
        (Value::Array(items), _) => items.iter().for_each(|i| values(i, path, out)),
        (_, None) => out.push(v),
        (Value::Object(m), Some((head, rest))) => {
            if let Some(x) = m.get(*head) {
                values(x, rest, out);
            }
        }
        _ => {}
    }
}

impl Condition {
    /// Whether the document matches: any value at the path does.
    pub fn holds(&self, doc: &Value) -> bool {
        let property = match self {
            Condition::Equals(p, _) | Condition::In(p, _) | Condition::Prefix(p, _) => p,
        };
        let segments: Vec<&str> = property.split('.').collect();
        let mut found = Vec::new();
        values(doc, &segments, &mut found);
        found.iter().any(|v| v.as_str().is_some_and(|s| self.accepts(s)))
    }

    /// Whether one value meets the condition.
    fn accepts(&self, s: &str) -> bool {
        match self {
            Condition::Equals(_, v) => s == v,
            Condition::In(_, vs) => vs.iter().any(|v| v == s),
            Condition::Prefix(_, v) => s.starts_with(v.as_str()),
        }
    }
}

/// The part of `v` at `path`, shaped as in `v` (through lists, each member's).
fn project(v: &Value, path: &[&str]) -> Option<Value> {
    match (v, path.split_first()) {
        (_, None) => Some(v.clone()),
        (Value::Array(items), _) => Some(Value::Array(items.iter().filter_map(|i| project(i, path)).collect())),
        (Value::Object(m), Some((head, rest))) => {
            let inner = project(m.get(*head)?, rest)?;
            let mut out = serde_json::Map::new();
            out.insert(head.to_string(), inner);
            Some(Value::Object(out))
        }
        _ => None,
    }
}

/// Merges a projection into the row: objects member by member, lists member by member.
fn merge(into: &mut Value, v: Value) {
    match (into, v) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, x) in b {
                match a.get_mut(&k) {
                    Some(held) => merge(held, x),
                    None => {
                        a.insert(k, x);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (held, x) in a.iter_mut().zip(b) {
                merge(held, x);
            }
        }
        (held, x) => *held = x,
    }
}

impl Query {
    /// The row a matching document gives: the selected properties, as JSON text.
    pub fn row(&self, doc: &Value) -> String {
        let mut row = json!({});
        for f in &self.fields {
            let segments: Vec<&str> = f.split('.').collect();
            if let Some(v) = project(doc, &segments) {
                merge(&mut row, v);
            }
        }
        row.to_string()
    }

    pub fn matches(&self, doc: &Value) -> bool {
        self.conditions.iter().all(|c| c.holds(doc))
    }
}

/// A query's rows, computed once for a state of the world.
pub(crate) struct Selected {
    rows: Vec<String>,
    fields: Vec<String>,
}

/// The rows of queries already answered, for the world as it is: paging through thousands of
/// rows must not build them again for every page. Any change to the world forgets them.
#[derive(Default)]
pub(crate) struct Cache {
    generation: AtomicU64,
    held: Mutex<(u64, HashMap<String, Arc<Selected>>)>,
}

impl Cache {
    /// The world changed.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// SelectResourceConfig (over what `account`'s recorder holds in `region`, the request's
/// signer) or SelectAggregateResourceConfig (over the organisation's aggregator).
pub(crate) fn select(
    world: &World,
    cache: &Cache,
    (account, region): (&str, &str),
    op: &str,
    input: &Value,
) -> Result<Value, Response> {
    let p = Protocol::Config;
    let expression = input["Expression"].as_str().unwrap_or_default();
    let aggregate = op == "SelectAggregateResourceConfig";
    if aggregate {
        super::services::no_such_aggregator(world, input)?;
    }
    let query = parse(expression).map_err(|why| {
        error(p, 400, "InvalidExpressionException", &format!("The expression is not valid: {why}: {expression}"))
    })?;
    let key = format!("{op}|{account}|{region}|{expression}");
    let generation = cache.generation.load(Ordering::SeqCst);
    let held = {
        let mut held = cache.held.lock().unwrap();
        if held.0 != generation {
            *held = (generation, HashMap::new());
        }
        held.1.get(&key).cloned()
    };
    let selected = match held {
        Some(s) => s,
        None => {
            let items = if aggregate {
                world.aggregate_resource_compliance()
            } else {
                world.resource_compliance(account, region)
            };
            let rows = items.iter().map(|i| i.document()).filter(|d| query.matches(d)).map(|d| query.row(&d)).collect();
            let s = Arc::new(Selected { rows, fields: query.fields.clone() });
            let mut held = cache.held.lock().unwrap();
            if held.0 == generation {
                held.1.insert(key, s.clone());
            }
            s
        }
    };
    // The model bounds Limit (and the aggregate's MaxResults) to 100; 0 or none: 25, AWS's
    // default page for a query without GROUP BY or an aggregate function.
    let size =
        ["Limit", "MaxResults"].iter().filter_map(|m| input[*m].as_u64()).find(|n| *n > 0).map_or(25, |n| n as usize);
    let start = match input["NextToken"].as_str() {
        None => 0,
        Some(t) => t
            .strip_prefix("offset-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= selected.rows.len())
            .ok_or_else(|| error(p, 400, "InvalidNextTokenException", "The nextToken provided is invalid"))?,
    };
    let end = (start + size).min(selected.rows.len());
    let fields: Vec<Value> = selected.fields.iter().map(|f| json!({"Name": f})).collect();
    let mut body = json!({"Results": selected.rows[start..end], "QueryInfo": {"SelectFields": fields}});
    if end < selected.rows.len() {
        body["NextToken"] = json!(format!("offset-{end}"));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    // The benchmark includes the fake without a test harness: its tests are not built there.
    #[allow(unused_imports)]
    use super::*;

    #[test]
    fn the_documented_subset_parses_and_the_rest_is_refused() {
        let q = parse(
            "SELECT accountId, configuration.configRuleList WHERE resourceType = 'AWS::Config::ResourceCompliance' \
             AND configuration.configRuleList.configRuleName IN ('a', 'it''s') AND resourceId LIKE 'AWS::S3%'",
        )
        .unwrap();
        assert_eq!(q.fields, ["accountId", "configuration.configRuleList"]);
        assert_eq!(q.conditions.len(), 3);
        assert_eq!(
            q.conditions[1],
            Condition::In("configuration.configRuleList.configRuleName".into(), vec!["a".into(), "it's".into()])
        );
        for refused in [
            "SELECT DISTINCT accountId",
            "SELECT accountId WHERE a = 'x' OR b = 'y'",
            "SELECT accountId WHERE resourceId LIKE '%bucket'",
            "SELECT accountId WHERE a != 'x'",
            "SELECT COUNT(*) WHERE a = 'x'",
            "SELECT accountId WHERE a = 'x' GROUP BY accountId",
            "accountId WHERE a = 'x'",
        ] {
            assert!(parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn conditions_on_a_lists_members_do_not_correlate() {
        let doc = json!({"configuration": {"configRuleList": [
            {"configRuleName": "A", "complianceType": "COMPLIANT"},
            {"configRuleName": "B", "complianceType": "NON_COMPLIANT"},
        ]}});
        let q = parse(
            "SELECT configuration.configRuleList.configRuleName WHERE configuration.configRuleList.configRuleName = 'A' \
             AND configuration.configRuleList.complianceType = 'NON_COMPLIANT'",
        )
        .unwrap();
        assert!(q.matches(&doc), "A is compliant, B is not: the conditions hold on different members");
        assert_eq!(
            q.row(&doc),
            r#"{"configuration":{"configRuleList":[{"configRuleName":"A"},{"configRuleName":"B"}]}}"#
        );
    }
}
