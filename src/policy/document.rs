//! IAM JSON policies: identity, resource-based, SCP, RCP, permission boundary, session and VPC
//! endpoint policies share this grammar. Parsing keeps what evaluation needs, compiled, and the
//! document itself for display.

use std::fmt;
use std::ops::Range;

use serde_json::Value;

use super::condition::Condition;
use super::pattern::{ArnPattern, NoVariables, Pattern, has_variables};
use crate::located::FileError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012,
    /// `2008-10-17` (and a missing Version): `${...}` is plain text.
    V2008,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// Action or NotAction: patterns compared without regard to case.
#[derive(Debug, Clone)]
pub struct Actions {
    pub negated: bool,
    pub patterns: Vec<Pattern>,
    /// As written, for the lint and explanations.
    pub raw: Vec<String>,
}

impl Actions {
    /// `action` must be lower-case.
    pub fn matches(&self, action: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(action)) != self.negated
    }
}

/// One entry of Resource or NotResource.
#[derive(Debug, Clone)]
pub enum ResourceEntry {
    Compiled(ArnPattern),
    /// Holds policy variables: compiled for each request.
    WithVariables(String),
}

#[derive(Debug, Clone)]
pub struct Resources {
    pub negated: bool,
    pub entries: Vec<ResourceEntry>,
    pub raw: Vec<String>,
}

/// Principal or NotPrincipal, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Principals {
    /// `"*"`
    Anyone,
    /// `{"AWS": [...], "Service": [...], ...}`
    Listed(Vec<(String, Vec<String>)>),
}

#[derive(Debug, Clone)]
pub struct PrincipalSpec {
    pub negated: bool,
    pub principals: Principals,
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalSpec>,
    pub actions: Actions,
    /// `None` in a role's trust policy, whose resource is the role itself.
    pub resources: Option<Resources>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// `"DenyWithoutVpc"` or `Statement[2]`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) => format!("Statement[{}] \"{sid}\"", self.index),
            None => format!("Statement[{}]", self.index),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub version: Version,
    pub statements: Vec<Statement>,
    /// Where it came from: a file path, or a place in a case file.
    pub origin: String,
    /// The document as given, for display.
    pub document: Value,
}

impl Policy {
    /// Parses JSON text.
    pub fn parse_str(text: &str, origin: &str) -> Result<Policy, FileError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            FileError::whole(origin, format!("not valid JSON at line {} column {}: {e}", e.line(), e.column()))
        })?;
        Policy::from_value(value, origin)
    }

    pub fn from_value(document: Value, origin: &str) -> Result<Policy, FileError> {
        // The statement is the place in the file.
        let err =
            |statement: String, field: &str, message: String| FileError::in_place(origin, statement, field, message);
        let Value::Object(map) = &document else {
            return Err(err(String::new(), "", "a policy is a JSON object".into()));
        };
        for key in map.keys() {
            if !["Version", "Id", "Statement"].contains(&key.as_str()) {
                return Err(err(
                    String::new(),
                    key,
                    "unknown top-level element (expected Version, Id, Statement)".into(),
                ));
            }
        }
        let version = match map.get("Version") {
            None => Version::V2008,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008,
            Some(other) => {
                return Err(err(String::new(), "Version", format!("{other} is not 2012-10-17 or 2008-10-17")));
            }
        };
        let raw_statements: Vec<&Value> = match map.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            Some(_) => {
                return Err(err(String::new(), "Statement", "must be an object or an array of objects".into()));
            }
            None => return Err(err(String::new(), "Statement", "missing".into())),
        };
        let mut statements = Vec::with_capacity(raw_statements.len());
        for (index, raw) in raw_statements.into_iter().enumerate() {
            statements.push(
                parse_statement(index, raw, version)
                    .map_err(|(statement, field, message)| err(statement, &field, message))?,
            );
        }
        Ok(Policy { version, statements, origin: origin.to_string(), document })
    }

    /// The document pretty-printed, with the line range of each statement.
    pub fn display(&self) -> (String, Vec<Range<usize>>) {
        let mut lines: Vec<String> = vec!["{".into()];
        let mut ranges = Vec::new();
        if let Value::Object(map) = &self.document {
            let n = map.len();
            for (i, (key, value)) in map.iter().enumerate() {
                let comma = if i + 1 < n { "," } else { "" };
                if key == "Statement" {
                    let items: Vec<&Value> = match value {
                        Value::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    let array = matches!(value, Value::Array(_));
                    if array {
                        lines.push("  \"Statement\": [".into());
                    }
                    for (j, item) in items.iter().enumerate() {
                        let text = serde_json::to_string_pretty(item).unwrap_or_default();
                        let start = lines.len();
                        let indent = if array { "    " } else { "  " };
                        let count = text.lines().count();
                        for (k, line) in text.lines().enumerate() {
                            let prefix = if !array && k == 0 { "\"Statement\": " } else { "" };
                            let end =
                                if k + 1 == count && (j + 1 < items.len() || (!array && i + 1 < n)) { "," } else { "" };
                            lines.push(format!("{indent}{prefix}{line}{end}"));
                        }
                        ranges.push(start..lines.len());
                    }
                    if array {
                        lines.push(format!("  ]{comma}"));
                    }
                } else {
                    lines.push(format!("  \"{key}\": {value}{comma}"));
                }
            }
        }
        lines.push("}".into());
        (lines.join("\n"), ranges)
    }
}

type StatementError = (String, String, String);

fn statement_label(index: usize, sid: Option<&str>) -> String {
    match sid {
        Some(s) => format!("Statement[{index}] \"{s}\""),
        None => format!("Statement[{index}]"),
    }
}

/// A string or an array of strings; JSON numbers and booleans are taken as their text.
pub fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_statement(index: usize, raw: &Value, version: Version) -> Result<Statement, StatementError> {
    let Value::Object(map) = raw else {
        return Err((format!("Statement[{index}]"), String::new(), "a statement is a JSON object".into()));
    };
    let sid = match map.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err((format!("Statement[{index}]"), "Sid".into(), "must be a string".into())),
    };
    let label = statement_label(index, sid.as_deref());
    let fail = |field: &str, message: String| (label.clone(), field.to_string(), message);
    const KNOWN: [&str; 9] =
        ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
    if let Some(unknown) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(fail(unknown, format!("unknown element, expected one of {}", KNOWN.join(", "))));
    }
    let effect = match map.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(other) => return Err(fail("Effect", format!("{other} is not \"Allow\" or \"Deny\""))),
        None => return Err(fail("Effect", "missing".into())),
    };
    let principal = match (map.get("Principal"), map.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(fail("Principal", "Principal and NotPrincipal cannot both be given".into()));
        }
        (Some(p), None) => {
            Some(PrincipalSpec { negated: false, principals: principals(p).map_err(|m| fail("Principal", m))? })
        }
        (None, Some(p)) => {
            Some(PrincipalSpec { negated: true, principals: principals(p).map_err(|m| fail("NotPrincipal", m))? })
        }
        (None, None) => None,
    };
    let (negated, field, raw_actions) = match (map.get("Action"), map.get("NotAction")) {
        (Some(_), Some(_)) => return Err(fail("Action", "Action and NotAction cannot both be given".into())),
        (Some(a), None) => (false, "Action", a),
        (None, Some(a)) => (true, "NotAction", a),
        (None, None) => return Err(fail("Action", "missing (a statement needs Action or NotAction)".into())),
    };
    let raw = strings(raw_actions).ok_or_else(|| fail(field, "must be a string or an array of strings".into()))?;
    for a in &raw {
        if a != "*" && !a.contains(':') {
            return Err(fail(field, format!("`{a}` is not SERVICE:ACTION or *")));
        }
    }
    let actions = Actions { negated, patterns: raw.iter().map(|a| Pattern::literal(a).lowercase()).collect(), raw };
    let resources = match (map.get("Resource"), map.get("NotResource")) {
        (Some(_), Some(_)) => return Err(fail("Resource", "Resource and NotResource cannot both be given".into())),
        (Some(r), None) => Some(resources(false, "Resource", r, version).map_err(|m| fail("Resource", m))?),
        (None, Some(r)) => Some(resources(true, "NotResource", r, version).map_err(|m| fail("NotResource", m))?),
        // A role's trust policy names who may assume the role, never a Resource.
        (None, None) if principal.is_some() => None,
        (None, None) => {
            return Err(fail(
                "Resource",
                "missing (a statement needs Resource or NotResource; only a role's trust policy, with a Principal, leaves it out)".into(),
            ));
        }
    };
    let conditions = match map.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(blocks)) => {
            let mut out = Vec::new();
            for (operator, keys) in blocks {
                let Value::Object(keys) = keys else {
                    return Err(fail(&format!("Condition.{operator}"), "must map condition keys to values".into()));
                };
                for (key, values) in keys {
                    let field = format!("Condition.{operator}.{key}");
                    let values = strings(values)
                        .ok_or_else(|| fail(&field, "values must be a string or an array of strings".into()))?;
                    out.push(Condition::parse(operator, key, values, version).map_err(|m| fail(&field, m))?);
                }
            }
            out
        }
        Some(_) => return Err(fail("Condition", "must be an object of operators".into())),
    };
    Ok(Statement { index, sid, effect, principal, actions, resources, conditions })
}

fn resources(negated: bool, field: &str, value: &Value, version: Version) -> Result<Resources, String> {
    let raw = strings(value).ok_or_else(|| format!("{field} must be a string or an array of strings"))?;
    let entries = raw
        .iter()
        .map(|r| {
            if version == Version::V2012 && has_variables(r) {
                ResourceEntry::WithVariables(r.clone())
            } else {
                ResourceEntry::Compiled(ArnPattern::compile(r, &NoVariables, false).expect("literal patterns compile"))
            }
        })
        .collect();
    Ok(Resources { negated, entries, raw })
}

fn principals(value: &Value) -> Result<Principals, String> {
    match value {
        Value::String(s) if s == "*" => Ok(Principals::Anyone),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (kind, ids) in map {
                if !["AWS", "Service", "Federated", "CanonicalUser"].contains(&kind.as_str()) {
                    return Err(format!("unknown principal type `{kind}` (AWS, Service, Federated, CanonicalUser)"));
                }
                let ids = strings(ids).ok_or_else(|| format!("{kind}: must be a string or an array of strings"))?;
                out.push((kind.clone(), ids));
            }
            Ok(Principals::Listed(out))
        }
        _ => Err("must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_as_object_or_array_and_both_versions() {
        let one = Policy::parse_str(
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
            "p.json",
        )
        .unwrap();
        assert_eq!(one.version, Version::V2008);
        assert_eq!(one.statements.len(), 1);
        let two = Policy::parse_str(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            "p.json",
        )
        .unwrap();
        assert_eq!(two.statements[0].sid.as_deref(), Some("A"));
        assert!(two.statements[0].actions.negated && two.statements[0].resources.as_ref().unwrap().negated);
    }

    #[test]
    fn errors_name_the_file_the_statement_and_the_field() {
        let e = Policy::parse_str(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Bad","Effect":"Permit","Action":"*","Resource":"*"}]}"#,
            "guard.json",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "guard.json: Statement[1] \"Bad\": Effect: \"Permit\" is not \"Allow\" or \"Deny\"");
        let e = Policy::parse_str(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:SourceVpce":"v"}}}}"#,
            "g.json",
        )
        .unwrap_err();
        assert_eq!(e.place, "Statement[0]");
        assert_eq!(e.field, "Condition.StringEqualz.aws:SourceVpce");
        let e = Policy::parse_str("{\"Statement\": [", "g.json").unwrap_err();
        assert!(e.message.starts_with("not valid JSON at line 1"), "{e}");
        let e =
            Policy::parse_str(r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*"}}"#, "g.json")
                .unwrap_err();
        assert_eq!(e.field, "Resource");
    }

    #[test]
    fn display_marks_each_statement() {
        let p = Policy::parse_str(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"B","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
            "p.json",
        )
        .unwrap();
        let (text, ranges) = p.display();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(ranges.len(), 2);
        assert!(lines[ranges[1].start].trim_start().starts_with('{'));
        assert!(lines[ranges[1].clone()].join("\n").contains("\"Sid\": \"B\""));
        let reparsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(reparsed, p.document, "the display is the same document");
    }
}
