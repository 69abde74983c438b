//! IAM JSON policies: identity, resource-based, SCP, RCP, permission boundary, session and VPC
//! endpoint policies share this grammar. Parsing keeps what evaluation needs, compiled, and the
//! document itself for display.

use std::fmt;
use std::ops::Range;

use serde_json::{Map, Value};

use super::condition::{Condition, parse_operator};
pub use super::pattern::Version;
use super::pattern::{ArnPattern, NoVariables, Pattern, has_variables};
use super::spans::{Spans, Step, Target};
use crate::located::FileError;

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
    /// `Statement[2] "DenyWithoutVpc"` or `Statement[2]`.
    pub fn label(&self) -> String {
        statement_label(self.index, self.sid.as_deref())
    }
}

/// What parsed of a statement that has mistakes elsewhere: the lint checks these parts too, so
/// that a bad Effect does not hide a misspelt action beside it. A part that is wrong or missing
/// is `None`.
#[derive(Debug, Clone)]
pub struct StatementParts {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Option<Effect>,
    /// Every entry as written, those that are not `SERVICE:ACTION` included.
    pub actions: Option<Actions>,
    /// `Some(None)`: no Resource, as in a role's trust policy.
    pub resources: Option<Option<Resources>>,
    /// The conditions that parsed.
    pub conditions: Vec<Condition>,
}

impl StatementParts {
    pub fn label(&self) -> String {
        statement_label(self.index, self.sid.as_deref())
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
    /// Parses JSON text; the first mistake, if any, with its line and column.
    pub fn parse_str(text: &str, origin: &str) -> Result<Policy, FileError> {
        let document: Value = serde_json::from_str(text).map_err(|e| FileError::from_json(origin, &e))?;
        let parsed = parse_document(&document);
        if let Some(first) = parsed.mistakes.first() {
            return Err(first.located(origin, Some((text, &Spans::of(text)))));
        }
        Ok(Policy { version: parsed.version, statements: parsed.statements, origin: origin.to_string(), document })
    }

    /// Parses a document (one given inside a case, which has no lines of its own); the first
    /// mistake, if any.
    pub fn from_value(document: Value, origin: &str) -> Result<Policy, FileError> {
        let parsed = parse_document(&document);
        if let Some(first) = parsed.mistakes.first() {
            return Err(first.located(origin, None));
        }
        Ok(Policy { version: parsed.version, statements: parsed.statements, origin: origin.to_string(), document })
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

/// A mistake in a policy document: the statement it is in (empty for the policy as a whole),
/// the field, what it points at and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    pub statement: String,
    pub field: String,
    pub at: Target,
    pub message: String,
}

impl Mistake {
    /// As a [`FileError`], with its line and column when the document's text is given.
    pub fn located(&self, origin: &str, text: Option<(&str, &Spans)>) -> FileError {
        let error = FileError::in_place(origin, &self.statement, &self.field, &self.message);
        match text {
            Some((text, spans)) => {
                let (line, column) = crate::located::line_col(text, spans.offset(&self.at));
                FileError { line, column, ..error }
            }
            None => error,
        }
    }
}

/// A document parsed as far as it goes: every statement without a mistake, what parsed of
/// each statement with one, and every mistake.
#[derive(Debug)]
pub struct Parsed {
    pub version: Version,
    pub statements: Vec<Statement>,
    pub incomplete: Vec<StatementParts>,
    pub mistakes: Vec<Mistake>,
}

/// Parses every statement of a document, going on past mistakes so that all are reported.
pub fn parse_document(document: &Value) -> Parsed {
    let mut parsed =
        Parsed { version: Version::V2012, statements: Vec::new(), incomplete: Vec::new(), mistakes: Vec::new() };
    let mistake = |field: &str, at: Target, message: String| Mistake {
        statement: String::new(),
        field: field.to_string(),
        at,
        message,
    };
    let Value::Object(map) = document else {
        parsed.mistakes.push(mistake("", Target::Document, "a policy is a JSON object".into()));
        return parsed;
    };
    for key in map.keys().filter(|k| !["Version", "Id", "Statement"].contains(&k.as_str())) {
        parsed.mistakes.push(mistake(
            key,
            Target::Key(vec![Step::from(key.as_str())]),
            "unknown top-level element (expected Version, Id, Statement)".into(),
        ));
    }
    parsed.version = match map.get("Version") {
        None => Version::V2008,
        Some(Value::String(v)) if v == "2008-10-17" => Version::V2008,
        Some(Value::String(v)) if v == "2012-10-17" => Version::V2012,
        Some(other) => {
            // The statements are still checked, as the current version's.
            parsed.mistakes.push(mistake(
                "Version",
                Target::Value(vec![Step::from("Version")]),
                format!("{other} is not 2012-10-17 or 2008-10-17"),
            ));
            Version::V2012
        }
    };
    let statements: Vec<(&Value, Vec<Step>)> = match map.get("Statement") {
        Some(Value::Array(items)) => {
            items.iter().enumerate().map(|(i, v)| (v, vec![Step::from("Statement"), Step::from(i)])).collect()
        }
        Some(v @ Value::Object(_)) => vec![(v, vec![Step::from("Statement")])],
        Some(_) => {
            let at = Target::Value(vec![Step::from("Statement")]);
            parsed.mistakes.push(mistake("Statement", at, "must be an object or an array of objects".into()));
            return parsed;
        }
        None => {
            parsed.mistakes.push(mistake("Statement", Target::Document, "missing".into()));
            return parsed;
        }
    };
    for (index, (raw, path)) in statements.into_iter().enumerate() {
        match parse_statement(index, raw, parsed.version, &path, &mut parsed.mistakes) {
            StatementParsed::Whole(statement) => parsed.statements.push(statement),
            StatementParsed::Parts(parts) => parsed.incomplete.push(parts),
        }
    }
    parsed
}

/// The path of a document's statement: `Statement[index]`, or `Statement` when it holds one
/// statement object.
pub fn statement_path(document: &Value, index: usize) -> Vec<Step> {
    match document.get("Statement") {
        Some(Value::Array(_)) => vec![Step::from("Statement"), Step::from(index)],
        _ => vec![Step::from("Statement")],
    }
}

fn statement_label(index: usize, sid: Option<&str>) -> String {
    match sid {
        Some(s) => format!("Statement[{index}] \"{s}\""),
        None => format!("Statement[{index}]"),
    }
}

/// The mistakes of one statement, with paths relative to it.
struct StatementMistakes<'a> {
    label: String,
    path: &'a [Step],
    out: &'a mut Vec<Mistake>,
    found: bool,
}

impl StatementMistakes<'_> {
    fn push(&mut self, field: &str, at: Target, message: String) {
        self.found = true;
        self.out.push(Mistake { statement: self.label.clone(), field: field.to_string(), at, message });
    }

    fn steps(&self, steps: &[&Step]) -> Vec<Step> {
        self.path.iter().chain(steps.iter().copied()).cloned().collect()
    }

    /// A mistake in a member's name, or about the member as a whole.
    fn at_key(&mut self, field: &str, steps: &[&Step], message: String) {
        let at = Target::Key(self.steps(steps));
        self.push(field, at, message);
    }

    /// A mistake in a value.
    fn at_value(&mut self, field: &str, steps: &[&Step], message: String) {
        let at = Target::Value(self.steps(steps));
        self.push(field, at, message);
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

/// A statement without mistakes, or what parsed of one with them.
enum StatementParsed {
    Whole(Statement),
    Parts(StatementParts),
}

/// One statement, or after reporting every mistake in it, the parts of it that parsed.
fn parse_statement(
    index: usize,
    raw: &Value,
    version: Version,
    path: &[Step],
    out: &mut Vec<Mistake>,
) -> StatementParsed {
    let mut report = StatementMistakes { label: format!("Statement[{index}]"), path, out, found: false };
    let Value::Object(map) = raw else {
        report.at_value("", &[], "a statement is a JSON object".into());
        let nothing =
            StatementParts { index, sid: None, effect: None, actions: None, resources: None, conditions: Vec::new() };
        return StatementParsed::Parts(nothing);
    };
    let sid = parse_sid(map, &mut report);
    // Once the Sid is known, the mistakes after it name the statement by it too.
    report.label = statement_label(index, sid.as_deref());
    report_unknown_elements(map, &mut report);
    // Each part is parsed even after a mistake in another, so that every mistake is reported.
    let effect = parse_effect(map, &mut report);
    let principal = parse_principal(map, &mut report);
    let actions = parse_actions(map, &mut report);
    let resources = parse_resources(map, version, &mut report);
    let conditions = parse_conditions(map, version, &mut report);
    match (report.found, effect, principal, actions, resources, conditions) {
        (false, Some(effect), Some(principal), Some(actions), Some(resources), Some(conditions)) => {
            StatementParsed::Whole(Statement { index, sid, effect, principal, actions, resources, conditions })
        }
        (_, effect, _, actions, resources, conditions) => {
            let conditions = conditions.unwrap_or_default();
            StatementParsed::Parts(StatementParts { index, sid, effect, actions, resources, conditions })
        }
    }
}

/// Which of an element and its negation (Action or NotAction) a statement gives.
enum Given<'a> {
    Neither,
    /// Both: a mistake, already reported.
    Both,
    /// One: its name and its value.
    One(&'static str, &'a Value),
}

/// Which of `element` and `negation` the statement gives; both is one mistake, said at the
/// element, whatever their values.
fn given<'a>(
    map: &'a Map<String, Value>,
    [element, negation]: [&'static str; 2],
    report: &mut StatementMistakes,
) -> Given<'a> {
    match (map.get(element), map.get(negation)) {
        (Some(_), Some(_)) => {
            let message = format!("{element} and {negation} cannot both be given");
            report.at_key(element, &[&Step::from(element)], message);
            Given::Both
        }
        (Some(value), None) => Given::One(element, value),
        (None, Some(value)) => Given::One(negation, value),
        (None, None) => Given::Neither,
    }
}

fn parse_sid(map: &Map<String, Value>, report: &mut StatementMistakes) -> Option<String> {
    match map.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            report.at_value("Sid", &[&Step::from("Sid")], "must be a string".into());
            None
        }
    }
}

fn report_unknown_elements(map: &Map<String, Value>, report: &mut StatementMistakes) {
    const KNOWN: [&str; 9] =
        ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
    for unknown in map.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
        let message = format!("unknown element, expected one of {}", KNOWN.join(", "));
        report.at_key(unknown, &[&Step::from(unknown.as_str())], message);
    }
}

fn parse_effect(map: &Map<String, Value>, report: &mut StatementMistakes) -> Option<Effect> {
    match map.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Some(Effect::Allow),
        Some(Value::String(e)) if e == "Deny" => Some(Effect::Deny),
        Some(other) => {
            report.at_value("Effect", &[&Step::from("Effect")], format!("{other} is not \"Allow\" or \"Deny\""));
            None
        }
        None => {
            report.at_value("Effect", &[], "missing".into());
            None
        }
    }
}

/// `Some(None)`: no Principal, as in an identity-based policy.
fn parse_principal(map: &Map<String, Value>, report: &mut StatementMistakes) -> Option<Option<PrincipalSpec>> {
    match given(map, ["Principal", "NotPrincipal"], report) {
        Given::Both => None,
        Given::One(field, value) => match principals(value) {
            Ok(principals) => Some(Some(PrincipalSpec { negated: field == "NotPrincipal", principals })),
            Err(message) => {
                report.at_value(field, &[&Step::from(field)], message);
                None
            }
        },
        Given::Neither => Some(None),
    }
}

fn parse_actions(map: &Map<String, Value>, report: &mut StatementMistakes) -> Option<Actions> {
    let (field, value) = match given(map, ["Action", "NotAction"], report) {
        Given::Both => return None,
        Given::One(field, value) => (field, value),
        Given::Neither => {
            report.at_value("Action", &[], "missing (a statement needs Action or NotAction)".into());
            return None;
        }
    };
    let Some(raw) = strings(value) else {
        report.at_value(field, &[&Step::from(field)], "must be a string or an array of strings".into());
        return None;
    };
    for (i, a) in raw.iter().enumerate() {
        if a != "*" && !a.contains(':') {
            let at = [&Step::from(field), &Step::Index(i)];
            report.at_value(field, &at, format!("`{a}` is not SERVICE:ACTION or *"));
        }
    }
    // Kept with a malformed entry too (the statement is refused all the same), so that the
    // lint still checks the others.
    Some(Actions {
        negated: field == "NotAction",
        patterns: raw.iter().map(|a| Pattern::literal(a).lowercase()).collect(),
        raw,
    })
}

/// `Some(None)`: no Resource, as in a role's trust policy.
fn parse_resources(
    map: &Map<String, Value>,
    version: Version,
    report: &mut StatementMistakes,
) -> Option<Option<Resources>> {
    match given(map, ["Resource", "NotResource"], report) {
        Given::Both => None,
        Given::One(field, value) => match resources(field == "NotResource", value, version) {
            Ok(resources) => Some(Some(resources)),
            Err(message) => {
                report.at_value(field, &[&Step::from(field)], message);
                None
            }
        },
        // A role's trust policy names who may assume the role, never a Resource.
        Given::Neither if map.contains_key("Principal") || map.contains_key("NotPrincipal") => Some(None),
        Given::Neither => {
            report.at_value(
                "Resource",
                &[],
                "missing (a statement needs Resource or NotResource; only a role's trust policy, with a Principal, leaves it out)".into(),
            );
            None
        }
    }
}

/// Every condition that parses; `None` when Condition is not an object at all.
fn parse_conditions(
    map: &Map<String, Value>,
    version: Version,
    report: &mut StatementMistakes,
) -> Option<Vec<Condition>> {
    match map.get("Condition") {
        None => Some(Vec::new()),
        Some(Value::Object(blocks)) => {
            let mut conditions = Vec::new();
            for (operator, keys) in blocks {
                parse_condition_block(operator, keys, version, report, &mut conditions);
            }
            Some(conditions)
        }
        Some(_) => {
            report.at_value("Condition", &[&Step::from("Condition")], "must be an object of operators".into());
            None
        }
    }
}

/// The conditions of one operator's block, added to `conditions`; those with a mistake are
/// reported and left out.
fn parse_condition_block(
    operator: &str,
    keys: &Value,
    version: Version,
    report: &mut StatementMistakes,
    conditions: &mut Vec<Condition>,
) {
    let block_field = format!("Condition.{operator}");
    let block = [&Step::from("Condition"), &Step::from(operator)];
    // A wrong operator is said once, not once for each of its keys.
    if let Err(message) = parse_operator(operator) {
        report.at_key(&block_field, &block, message);
        return;
    }
    let Value::Object(keys) = keys else {
        report.at_value(&block_field, &block, "must map condition keys to values".into());
        return;
    };
    for (name, values) in keys {
        let field = format!("Condition.{operator}.{name}");
        let steps = [&Step::from("Condition"), &Step::from(operator), &Step::from(name.as_str())];
        let Some(values) = strings(values) else {
            report.at_value(&field, &steps, "values must be a string or an array of strings".into());
            continue;
        };
        match Condition::parse(operator, name, values, version) {
            Ok(c) => conditions.push(c),
            Err(message) => report.at_value(&field, &steps, message),
        }
    }
}

fn resources(negated: bool, value: &Value, version: Version) -> Result<Resources, String> {
    let raw = strings(value).ok_or("must be a string or an array of strings")?;
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
        assert_eq!(
            e.to_string(),
            "guard.json:1:107: Statement[1] \"Bad\": Effect: \"Permit\" is not \"Allow\" or \"Deny\""
        );
        let e = Policy::parse_str(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:SourceVpce":"v"}}}}"#,
            "g.json",
        )
        .unwrap_err();
        assert_eq!(e.place, "Statement[0]");
        assert_eq!(e.field, "Condition.StringEqualz");
        let e = Policy::parse_str("{\"Statement\": [", "g.json").unwrap_err();
        assert_eq!(e.to_string(), "g.json:1:15: not valid JSON: EOF while parsing a list", "one position, not two");
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
