//! Guardrails that cannot work as their authors think: unknown actions and condition keys, a
//! Resource that can never match its actions, `Null` blocks that AND their keys, `ForAllValues`
//! allow-lists that let requests without the key through, and Null checks on keys that no action
//! ever supplies.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::condition::{Base, Condition, SetOperator};
use super::document::{Actions, Effect, Policy, Resources, Statement, StatementParts, parse_document, statement_path};
use super::iam::{self, Action, Service};
use super::pattern::{ArnPattern, NoVariables, Pattern, placeholders_as_wildcards};
use super::spans::{Spans, Step, Target};
use super::suggest::suggest;
use crate::located::{FileError, line_col};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A mistake or a doubtful guardrail, where it is in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub origin: String,
    /// 1-based; 0 when the policy was linted without its text (a document inside a case).
    pub line: usize,
    pub column: usize,
    /// The statement (`Statement[1] "Sid"`); empty for the policy as a whole.
    pub statement: String,
    pub field: String,
    pub severity: Severity,
    pub message: String,
    #[serde(skip)]
    at: Target,
}

impl LintFinding {
    fn located(&self) -> FileError {
        FileError {
            origin: self.origin.clone(),
            line: self.line,
            column: self.column,
            place: self.statement.clone(),
            field: self.field.clone(),
            message: format!("{}: {}", self.severity, self.message),
        }
    }
}

/// `file:line:column: statement: field: severity: message`, as every located error is said.
impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.located())
    }
}

/// Every finding for a parsed policy, in statement order, without lines and columns.
pub fn lint(policy: &Policy) -> Vec<LintFinding> {
    let mut out = Vec::new();
    for s in &policy.statements {
        lint_statement(&policy.origin, &Checked::from(s), &statement_path(&policy.document, s.index), &mut out);
    }
    out
}

/// What the lint reads of a statement: the whole of one that parsed, or the parts that did of
/// one with mistakes (whose Effect may be unknown, whose Action may be missing).
struct Checked<'a> {
    index: usize,
    label: String,
    effect: Option<Effect>,
    actions: Option<&'a Actions>,
    /// `None` also where the statement has no Resource (a trust policy's).
    resources: Option<&'a Resources>,
    conditions: &'a [Condition],
}

impl<'a> From<&'a Statement> for Checked<'a> {
    fn from(s: &'a Statement) -> Self {
        Checked {
            index: s.index,
            label: s.label(),
            effect: Some(s.effect),
            actions: Some(&s.actions),
            resources: s.resources.as_ref(),
            conditions: &s.conditions,
        }
    }
}

impl<'a> From<&'a StatementParts> for Checked<'a> {
    fn from(s: &'a StatementParts) -> Self {
        Checked {
            index: s.index,
            label: s.label(),
            effect: s.effect,
            actions: s.actions.as_ref(),
            resources: s.resources.as_ref().and_then(Option::as_ref),
            conditions: &s.conditions,
        }
    }
}

/// Every mistake in a policy file and every finding of its statements, in the order of the
/// file, each with its line and column: a mistake in one statement does not hide what is wrong
/// with the others, nor with the rest of its own statement (a bad Effect and a misspelt action
/// are both reported).
pub fn lint_text(text: &str, origin: &str) -> Vec<LintFinding> {
    let finding = |e: FileError| LintFinding {
        origin: e.origin,
        line: e.line,
        column: e.column,
        statement: e.place,
        field: e.field,
        severity: Severity::Error,
        message: e.message,
        at: Target::Document,
    };
    let document: Value = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(e) => return vec![finding(FileError::from_json(origin, &e))],
    };
    let spans = Spans::of(text);
    let parsed = parse_document(&document);
    let mut out: Vec<LintFinding> =
        parsed.mistakes.iter().map(|m| finding(m.located(origin, Some((text, &spans))))).collect();
    let mut found = Vec::new();
    let checked = parsed.statements.iter().map(Checked::from).chain(parsed.incomplete.iter().map(Checked::from));
    for s in checked {
        lint_statement(origin, &s, &statement_path(&document, s.index), &mut found);
    }
    for mut f in found {
        (f.line, f.column) = line_col(text, spans.offset(&f.at));
        out.push(f);
    }
    // Stable: findings at one place keep the order in which the checks ran.
    out.sort_by_key(|f| (f.line, f.column));
    out
}

fn lint_statement(origin: &str, s: &Checked, path: &[Step], out: &mut Vec<LintFinding>) {
    let mut add = |at: Target, field: String, severity: Severity, message: String| {
        out.push(LintFinding {
            origin: origin.to_string(),
            line: 0,
            column: 0,
            statement: s.label.clone(),
            field,
            severity,
            message,
            at,
        })
    };
    let within = |steps: &[Step]| -> Vec<Step> { path.iter().chain(steps).cloned().collect() };
    let actions = known_actions(s, &within, &mut add);
    check_keys(s, &actions, &within, &mut add);
    check_resources(s, &actions, &within, &mut add);
}

/// Reports a finding: what it points at, field, severity, message.
type Add<'a> = dyn FnMut(Target, String, Severity, String) + 'a;
/// A path within the statement, made absolute.
type Within<'a> = dyn Fn(&[Step]) -> Vec<Step> + 'a;

/// The statement's actions that the data knows (for Action, not NotAction), reporting unknown
/// ones. Wildcards expand to every action they match.
fn known_actions(s: &Checked, within: &Within, add: &mut Add) -> Vec<(&'static Service, &'static Action)> {
    let Some(actions) = s.actions else { return Vec::new() };
    let data = iam::data();
    let field = if actions.negated { "NotAction" } else { "Action" };
    let mut known = Vec::new();
    for (i, raw) in actions.raw.iter().enumerate() {
        let Some((prefix, name)) = raw.split_once(':') else {
            continue;
        };
        let Some(service) = data.service(prefix) else { continue };
        let at = || Target::Value(within(&[Step::from(field), Step::from(i)]));
        if name.contains('*') || name.contains('?') {
            let pattern = Pattern::literal(&name.to_lowercase());
            let matched: Vec<_> =
                service.actions.iter().filter(|(lower, _)| pattern.matches(lower)).map(|(_, a)| a).collect();
            if matched.is_empty() {
                add(at(), field.into(), Severity::Error, format!("`{raw}` matches no {prefix} action"));
            }
            known.extend(matched.into_iter().map(|a| (service, a)));
        } else {
            match service.action(name) {
                Some(a) => known.push((service, a)),
                None => {
                    let hint = suggest(name, service.actions.values().map(|a| a.name.as_str()))
                        .map_or_else(String::new, |s| format!(" (did you mean {prefix}:{s}?)"));
                    add(at(), field.into(), Severity::Error, format!("`{raw}` is not a {prefix} action{hint}"));
                }
            }
        }
    }
    if actions.negated { Vec::new() } else { known }
}

fn check_keys(s: &Checked, actions: &[(&'static Service, &'static Action)], within: &Within, add: &mut Add) {
    let data = iam::data();
    let mut null_blocks: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in s.conditions {
        let field = format!("Condition.{}.{}", c.operator, c.key);
        let at = || {
            Target::Key(within(&[Step::from("Condition"), Step::from(c.operator.as_str()), Step::from(c.key.as_str())]))
        };
        let lower = &c.key_lower;
        let prefix = lower.split(':').next().unwrap_or_default();
        let defined = if prefix == "aws" {
            let ok = data.is_global_key(lower);
            if !ok {
                let hint = suggest(&c.key, data.global_keys.iter().map(|k| k.name.as_str()))
                    .map_or_else(String::new, |s| format!(" (did you mean {s}?)"));
                add(
                    at(),
                    field.clone(),
                    Severity::Error,
                    format!("`{}` is not an AWS global condition key{hint}", c.key),
                );
            }
            ok
        } else if let Some(service) = data.service(prefix) {
            let ok = service.defines_key(lower) || data.is_global_key(lower);
            if !ok {
                let hint = suggest(&c.key, service.keys.iter().map(|k| k.name.as_str()))
                    .map_or_else(String::new, |s| format!(" (did you mean {s}?)"));
                add(
                    at(),
                    field.clone(),
                    Severity::Error,
                    format!("`{}` is not a condition key of {prefix}{hint}", c.key),
                );
            }
            ok
        } else {
            true
        };
        if c.base == Base::Null {
            match null_blocks.iter_mut().find(|(op, _)| *op == c.operator) {
                Some((_, keys)) => keys.push(&c.key),
                None => null_blocks.push((&c.operator, vec![&c.key])),
            }
            let wants_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            let service_key = prefix != "aws" && data.service(prefix).is_some();
            if s.effect == Some(Effect::Deny) && wants_absent && defined && service_key && !actions.is_empty() {
                let supplied = actions.iter().any(|(svc, a)| svc.supplies(a, lower));
                if !supplied {
                    add(
                        at(),
                        field.clone(),
                        Severity::Error,
                        format!(
                            "none of this statement's actions ever supplies `{}`: the Null check is always true and the Deny applies to every request",
                            c.key
                        ),
                    );
                }
            }
        }
        if s.effect == Some(Effect::Allow) && c.set == Some(SetOperator::ForAllValues) && !c.base.negated() {
            let guarded = s.conditions.iter().any(|o| {
                o.base == Base::Null
                    && o.key_lower == *lower
                    && o.values.iter().any(|v| v.eq_ignore_ascii_case("false"))
            });
            if !guarded {
                let how = if c.if_exists { "ForAllValues with IfExists" } else { "ForAllValues" };
                add(
                    at(),
                    field.clone(),
                    Severity::Warning,
                    format!(
                        "{how} holds when `{}` is absent or empty: requests without the key pass this allow-list; add \"Null\": {{\"{}\": \"false\"}}",
                        c.key, c.key
                    ),
                );
            }
        }
    }
    for (operator, keys) in null_blocks {
        if keys.len() > 1 {
            add(
                Target::Key(within(&[Step::from("Condition"), Step::from(operator)])),
                format!("Condition.{operator}"),
                Severity::Warning,
                format!(
                    "keys in one Null block are ANDed: it holds only when all of {} are null; to act when any one is missing, give each key its own statement",
                    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" and ")
                ),
            );
        }
    }
}

fn check_resources(s: &Checked, actions: &[(&'static Service, &'static Action)], within: &Within, add: &mut Add) {
    // A trust policy's statements have no Resource: the role is theirs.
    let Some(resources) = s.resources else { return };
    if resources.negated || actions.is_empty() {
        return;
    }
    let entries: Vec<ArnPattern> = resources
        .raw
        .iter()
        .map(|r| {
            ArnPattern::compile(&placeholders_as_wildcards(r), &NoVariables, false).expect("literal patterns compile")
        })
        .collect();
    // `*` reaches every action (and spares looking at thousands when `Action` is `ec2:*`).
    if entries.iter().any(ArnPattern::is_any) {
        return;
    }
    let reachable = |(service, action): &(&Service, &Action)| {
        service.arn_patterns(action).any(|arn| entries.iter().any(|e| e.intersects(arn)))
    };
    let dead: Vec<&str> = actions.iter().filter(|a| !reachable(a)).map(|(_, a)| a.name.as_str()).collect();
    let at = Target::Key(within(&[Step::from("Resource")]));
    let field = "Resource".to_string();
    if dead.len() == actions.len() {
        add(
            at,
            field,
            Severity::Error,
            format!(
                "{} can never match the resource types of the statement's actions{}",
                resources.raw.join(", "),
                resource_types_hint(actions)
            ),
        );
    } else if !dead.is_empty() && dead.len() <= 8 {
        add(
            at,
            field,
            Severity::Warning,
            format!("{} can never match for {}", resources.raw.join(", "), dead.join(", ")),
        );
    }
}

fn resource_types_hint(actions: &[(&Service, &Action)]) -> String {
    let mut types: Vec<&str> = actions.iter().flat_map(|(svc, a)| svc.arns(a)).collect();
    types.sort();
    types.dedup();
    if types.is_empty() {
        " (they take Resource \"*\")".into()
    } else {
        format!(" (e.g. {})", types[..types.len().min(3)].join(", "))
    }
}

/// What lint knows about a simulated request: an action the Service Authorization Reference does
/// not list for its service, and condition keys in the deciding or near-miss statements that no
/// service (or AWS globally) defines. Each would otherwise decide silently.
pub fn simulation_warnings(action: &str, explained: &crate::policy::evaluate::Explained) -> Vec<String> {
    let data = iam::data();
    let mut out = Vec::new();
    let (prefix, name) = action.split_once(':').unwrap_or((action, ""));
    let prefix = prefix.to_lowercase();
    if let Some(service) = data.service(&prefix)
        && !name.contains(['*', '?'])
        && service.action(name).is_none()
    {
        let hint = suggest(name, service.actions.values().map(|a| a.name.as_str()))
            .map_or_else(String::new, |s| format!(" (did you mean {prefix}:{s}?)"));
        out.push(format!("`{action}` is not an action of {prefix} in the Service Authorization Reference{hint}"));
    }
    for s in explained.deciding.iter().chain(&explained.near_misses) {
        for c in &s.conditions {
            let lower = c.key.to_lowercase();
            let key_prefix = lower.split(':').next().unwrap_or_default();
            let known = if key_prefix == "aws" {
                data.is_global_key(&lower)
            } else {
                data.service(key_prefix).is_none_or(|svc| svc.defines_key(&lower) || data.is_global_key(&lower))
            };
            let warning = format!(
                "`{}` in {} {} is not a condition key AWS defines: the request never has it",
                c.key, s.layer, s.statement
            );
            if !known && !out.contains(&warning) {
                out.push(warning);
            }
        }
    }
    out
}
