//! Condition operators: the 27 base operators, the `IfExists` suffix and the `ForAllValues` /
//! `ForAnyValue` set prefixes, with AWS's documented semantics for missing keys and empty sets.

use std::net::IpAddr;

use serde::Serialize;

use super::context::Context;
use super::pattern::Version;
use super::pattern::{ArnPattern, NoVariables, Pattern, Variables, has_variables, substitute_text};
use crate::model::Timestamp;

/// The base operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl Base {
    pub const ALL: [Base; 27] = [
        Base::StringEquals,
        Base::StringNotEquals,
        Base::StringEqualsIgnoreCase,
        Base::StringNotEqualsIgnoreCase,
        Base::StringLike,
        Base::StringNotLike,
        Base::NumericEquals,
        Base::NumericNotEquals,
        Base::NumericLessThan,
        Base::NumericLessThanEquals,
        Base::NumericGreaterThan,
        Base::NumericGreaterThanEquals,
        Base::DateEquals,
        Base::DateNotEquals,
        Base::DateLessThan,
        Base::DateLessThanEquals,
        Base::DateGreaterThan,
        Base::DateGreaterThanEquals,
        Base::Bool,
        Base::BinaryEquals,
        Base::IpAddress,
        Base::NotIpAddress,
        Base::ArnEquals,
        Base::ArnLike,
        Base::ArnNotEquals,
        Base::ArnNotLike,
        Base::Null,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Base::StringEquals => "StringEquals",
            Base::StringNotEquals => "StringNotEquals",
            Base::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            Base::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            Base::StringLike => "StringLike",
            Base::StringNotLike => "StringNotLike",
            Base::NumericEquals => "NumericEquals",
            Base::NumericNotEquals => "NumericNotEquals",
            Base::NumericLessThan => "NumericLessThan",
            Base::NumericLessThanEquals => "NumericLessThanEquals",
            Base::NumericGreaterThan => "NumericGreaterThan",
            Base::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Base::DateEquals => "DateEquals",
            Base::DateNotEquals => "DateNotEquals",
            Base::DateLessThan => "DateLessThan",
            Base::DateLessThanEquals => "DateLessThanEquals",
            Base::DateGreaterThan => "DateGreaterThan",
            Base::DateGreaterThanEquals => "DateGreaterThanEquals",
            Base::Bool => "Bool",
            Base::BinaryEquals => "BinaryEquals",
            Base::IpAddress => "IpAddress",
            Base::NotIpAddress => "NotIpAddress",
            Base::ArnEquals => "ArnEquals",
            Base::ArnLike => "ArnLike",
            Base::ArnNotEquals => "ArnNotEquals",
            Base::ArnNotLike => "ArnNotLike",
            Base::Null => "Null",
        }
    }

    /// Negated operators hold when no value matches, and when the key is absent.
    pub fn negated(self) -> bool {
        matches!(
            self,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::NumericNotEquals
                | Base::DateNotEquals
                | Base::NotIpAddress
                | Base::ArnNotEquals
                | Base::ArnNotLike
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    ForAllValues,
    ForAnyValue,
}

/// The policy's values, compiled for the operator.
#[derive(Debug, Clone)]
enum Values {
    Strings(Vec<String>),
    /// Lower-cased, for the IgnoreCase operators.
    Folded(Vec<String>),
    Patterns(Vec<Pattern>),
    Numbers(Vec<f64>),
    Dates(Vec<Timestamp>),
    Bools(Vec<bool>),
    Networks(Vec<(IpAddr, u8)>),
    Arns(Vec<ArnPattern>),
    /// Null: whether the key must be absent.
    Absent(Vec<bool>),
    /// Holds policy variables: compiled for each request.
    Variables,
}

/// One key of one operator: `"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}`.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The operator as written (`ForAnyValue:StringNotLikeIfExists`).
    pub operator: String,
    pub base: Base,
    pub set: Option<SetOperator>,
    pub if_exists: bool,
    /// The key as written.
    pub key: String,
    pub key_lower: String,
    /// The values as written.
    pub values: Vec<String>,
    compiled: Values,
}

/// How one condition was decided, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionTrace {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
    /// The request's values for the key; `None` when the key is absent.
    pub context: Option<Vec<String>>,
    pub matched: bool,
}

impl Condition {
    pub fn parse(operator: &str, key: &str, values: Vec<String>, version: Version) -> Result<Condition, String> {
        let (set, if_exists, base) = parse_operator(operator)?;
        if values.is_empty() {
            return Err("no values".into());
        }
        let variables = version == Version::V2012 && values.iter().any(|v| has_variables(v));
        let compiled = if variables && allows_variables(base) {
            Values::Variables
        } else {
            compile(base, &values, &NoVariables, false)?
        };
        Ok(Condition {
            operator: operator.to_string(),
            base,
            set,
            if_exists,
            key: key.to_string(),
            key_lower: key.to_lowercase(),
            values,
            compiled,
        })
    }

    /// Whether the condition holds for the request.
    pub fn holds(&self, context: &Context, vars: &dyn Variables) -> bool {
        let present = context.get_lower(&self.key_lower);
        if self.base == Base::Null {
            let Values::Absent(wanted) = &self.compiled else { unreachable!("Null compiles to Absent") };
            let absent = present.is_none_or(|v| v.is_empty());
            return wanted.contains(&absent);
        }
        let values = match present {
            Some(v) if !v.is_empty() => v,
            Some(_) if self.set.is_some() => {
                // An empty set: nothing to compare.
                return self.set == Some(SetOperator::ForAllValues) || self.if_exists;
            }
            _ => {
                return self.if_exists
                    || match self.set {
                        Some(SetOperator::ForAllValues) => true,
                        Some(SetOperator::ForAnyValue) => false,
                        None => self.base.negated(),
                    };
            }
        };
        let substituted;
        let compiled = match &self.compiled {
            Values::Variables => match compile(self.base, &self.values, vars, true) {
                Ok(c) => {
                    substituted = c;
                    &substituted
                }
                Err(_) => return self.base.negated(),
            },
            c => c,
        };
        // `hit`: the value matches some policy value under the operator's positive form.
        let hit = |v: &String| matches_any(self.base, compiled, v);
        let negated = self.base.negated();
        match self.set {
            None if negated => !values.iter().any(hit),
            None => values.iter().any(hit),
            Some(SetOperator::ForAnyValue) => values.iter().any(|v| hit(v) != negated),
            Some(SetOperator::ForAllValues) => values.iter().all(|v| hit(v) != negated),
        }
    }

    /// As [`holds`](Self::holds), with the trace of what was compared.
    pub fn trace(&self, context: &Context, vars: &dyn Variables) -> ConditionTrace {
        ConditionTrace {
            operator: self.operator.clone(),
            key: self.key.clone(),
            values: self.values.clone(),
            context: context.get_lower(&self.key_lower).map(<[String]>::to_vec),
            matched: self.holds(context, vars),
        }
    }
}

/// Why an operator is refused: a known one in the wrong case says which it is.
/// An operator's set prefix, `IfExists` suffix and base operator, or what is wrong with it.
pub fn parse_operator(operator: &str) -> Result<(Option<SetOperator>, bool, Base), String> {
    // Operator names are case-sensitive in AWS: `stringEquals` is refused, never a match.
    let (set, rest) = if let Some(r) = operator.strip_prefix("ForAllValues:") {
        (Some(SetOperator::ForAllValues), r)
    } else if let Some(r) = operator.strip_prefix("ForAnyValue:") {
        (Some(SetOperator::ForAnyValue), r)
    } else {
        (None, operator)
    };
    let (if_exists, name) = match rest.strip_suffix("IfExists") {
        Some(name) => (true, name),
        None => (false, rest),
    };
    let base = Base::ALL.into_iter().find(|b| b.name() == name).ok_or_else(|| operator_mistake(operator))?;
    if base == Base::Null && (if_exists || set.is_some()) {
        return Err(format!("`{operator}`: Null takes neither IfExists nor a set operator"));
    }
    Ok((set, if_exists, base))
}

/// What is wrong with an unknown operator: its case, or a near spelling (`StringEqual`).
fn operator_mistake(operator: &str) -> String {
    let (set, rest) = if let Some(r) = strip_prefix_ci(operator, "ForAllValues:") {
        ("ForAllValues:", r)
    } else if let Some(r) = strip_prefix_ci(operator, "ForAnyValue:") {
        ("ForAnyValue:", r)
    } else {
        ("", operator)
    };
    let (name, if_exists) = match rest.len().checked_sub(8).filter(|&i| rest.is_char_boundary(i)) {
        Some(i) if rest[i..].eq_ignore_ascii_case("IfExists") => (&rest[..i], "IfExists"),
        _ => (rest, ""),
    };
    match Base::ALL.into_iter().find(|b| b.name().eq_ignore_ascii_case(name)) {
        Some(b) => format!(
            "unknown condition operator `{operator}`: operator names are case-sensitive, did you mean `{set}{}{if_exists}`?",
            b.name()
        ),
        None => match super::suggest::suggest(name, Base::ALL.iter().map(|b| b.name())) {
            Some(near) => format!("unknown condition operator `{operator}` (did you mean `{set}{near}{if_exists}`?)"),
            None => format!(
                "unknown condition operator `{operator}` (e.g. StringEquals, ArnLike, NumericLessThan, Null, with IfExists or ForAllValues:/ForAnyValue:)"
            ),
        },
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

fn allows_variables(base: Base) -> bool {
    matches!(
        base,
        Base::StringEquals
            | Base::StringNotEquals
            | Base::StringEqualsIgnoreCase
            | Base::StringNotEqualsIgnoreCase
            | Base::StringLike
            | Base::StringNotLike
            | Base::ArnEquals
            | Base::ArnLike
            | Base::ArnNotEquals
            | Base::ArnNotLike
    )
}

/// Compiles the values; with `substitute`, policy variables are replaced first and a value
/// whose variable is absent is dropped (it can match nothing).
fn compile(base: Base, values: &[String], vars: &dyn Variables, substitute: bool) -> Result<Values, String> {
    let text: Vec<String> = if substitute {
        values
            .iter()
            .filter_map(|v| match base {
                Base::StringLike
                | Base::StringNotLike
                | Base::ArnEquals
                | Base::ArnLike
                | Base::ArnNotEquals
                | Base::ArnNotLike => Some(v.clone()),
                _ => substitute_text(v, vars),
            })
            .collect()
    } else {
        values.to_vec()
    };
    Ok(match base {
        Base::StringEquals | Base::StringNotEquals | Base::BinaryEquals => Values::Strings(text),
        Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
            Values::Folded(text.iter().map(|v| v.to_lowercase()).collect())
        }
        Base::StringLike | Base::StringNotLike => Values::Patterns(if substitute {
            text.iter().filter_map(|v| Pattern::with_variables(v, vars)).collect()
        } else {
            text.iter().map(|v| Pattern::literal(v)).collect()
        }),
        Base::ArnEquals | Base::ArnLike | Base::ArnNotEquals | Base::ArnNotLike => {
            Values::Arns(text.iter().filter_map(|v| ArnPattern::compile(v, vars, substitute)).collect())
        }
        Base::NumericEquals
        | Base::NumericNotEquals
        | Base::NumericLessThan
        | Base::NumericLessThanEquals
        | Base::NumericGreaterThan
        | Base::NumericGreaterThanEquals => Values::Numbers(
            text.iter()
                .map(|v| v.trim().parse::<f64>().map_err(|_| format!("`{v}` is not a number")))
                .collect::<Result<_, _>>()?,
        ),
        Base::DateEquals
        | Base::DateNotEquals
        | Base::DateLessThan
        | Base::DateLessThanEquals
        | Base::DateGreaterThan
        | Base::DateGreaterThanEquals => Values::Dates(
            text.iter()
                .map(|v| parse_date(v).ok_or_else(|| format!("`{v}` is not a date (ISO 8601 or epoch seconds)")))
                .collect::<Result<_, _>>()?,
        ),
        Base::Bool => Values::Bools(
            text.iter()
                .map(|v| parse_bool(v).ok_or_else(|| format!("`{v}` is not true or false")))
                .collect::<Result<_, _>>()?,
        ),
        Base::IpAddress | Base::NotIpAddress => Values::Networks(
            text.iter()
                .map(|v| parse_network(v).ok_or_else(|| format!("`{v}` is not an IP address or CIDR block")))
                .collect::<Result<_, _>>()?,
        ),
        Base::Null => Values::Absent(
            text.iter()
                .map(|v| parse_bool(v).ok_or_else(|| format!("`{v}` is not true or false")))
                .collect::<Result<_, _>>()?,
        ),
    })
}

fn matches_any(base: Base, compiled: &Values, v: &str) -> bool {
    match compiled {
        Values::Strings(ps) => ps.iter().any(|p| p == v),
        Values::Folded(ps) => ps.iter().any(|p| v.chars().flat_map(char::to_lowercase).eq(p.chars())),
        Values::Patterns(ps) => ps.iter().any(|p| p.matches(v)),
        Values::Arns(ps) => ps.iter().any(|p| p.matches(v)),
        Values::Numbers(ps) => v.trim().parse::<f64>().is_ok_and(|n| ps.iter().any(|p| compare(base, n, *p))),
        Values::Dates(ps) => parse_date(v).is_some_and(|d| ps.iter().any(|p| compare(base, d, *p))),
        Values::Bools(ps) => parse_bool(v).is_some_and(|b| ps.contains(&b)),
        Values::Networks(ps) => v.trim().parse::<IpAddr>().is_ok_and(|ip| ps.iter().any(|n| in_network(ip, *n))),
        Values::Absent(_) | Values::Variables => false,
    }
}

/// The positive comparison of an ordered operator (NotEquals compares as Equals and is negated
/// by the caller).
fn compare<T: PartialOrd>(base: Base, v: T, p: T) -> bool {
    match base {
        Base::NumericLessThan | Base::DateLessThan => v < p,
        Base::NumericLessThanEquals | Base::DateLessThanEquals => v <= p,
        Base::NumericGreaterThan | Base::DateGreaterThan => v > p,
        Base::NumericGreaterThanEquals | Base::DateGreaterThanEquals => v >= p,
        _ => v == p,
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// ISO 8601 (with or without a time; UTC when no offset is given) or epoch seconds.
pub fn parse_date(v: &str) -> Option<Timestamp> {
    let v = v.trim();
    if let Ok(t) = v.parse::<Timestamp>() {
        return Some(t);
    }
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Timestamp::from_second(v.parse().ok()?).ok();
    }
    let utc = jiff::tz::TimeZone::UTC;
    if let Ok(dt) = v.parse::<jiff::civil::DateTime>() {
        return utc.to_timestamp(dt).ok();
    }
    utc.to_timestamp(v.parse::<jiff::civil::Date>().ok()?.to_datetime(jiff::civil::Time::midnight())).ok()
}

fn parse_network(v: &str) -> Option<(IpAddr, u8)> {
    let v = v.trim();
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
        None => {
            let a = v.parse::<IpAddr>().ok()?;
            (a, if a.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((addr, prefix))
}

fn in_network(ip: IpAddr, (net, prefix): (IpAddr, u8)) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition::parse(op, key, values.iter().map(|s| s.to_string()).collect(), Version::V2012).unwrap()
    }

    #[test]
    fn operator_names_are_case_sensitive_as_in_aws() {
        let parse = |op: &str| Condition::parse(op, "aws:SourceVpce", vec!["vpce-1".into()], Version::V2012);
        assert!(parse("StringEquals").is_ok() && parse("ForAnyValue:StringLikeIfExists").is_ok());
        for (wrong, right) in [
            ("stringEquals", "StringEquals"),
            ("StringEqualsIfexists", "StringEqualsIfExists"),
            ("forallvalues:StringLike", "ForAllValues:StringLike"),
            ("ArnLIKE", "ArnLike"),
        ] {
            let e = parse(wrong).unwrap_err();
            assert!(e.contains("case-sensitive") && e.contains(&format!("`{right}`")), "{wrong}: {e}");
        }
        assert_eq!(
            parse("ForAnyValue:StringEqualIfExists").unwrap_err(),
            "unknown condition operator `ForAnyValue:StringEqualIfExists` (did you mean `ForAnyValue:StringEqualsIfExists`?)"
        );
        assert!(parse("Frobnicate").unwrap_err().contains("e.g. StringEquals"), "nothing near: examples");
    }

    fn ctx(pairs: &[(&str, &[&str])]) -> Context {
        let mut c = Context::new();
        for (k, v) in pairs {
            if v.len() == 1 {
                c.set(k, v[0]);
            } else {
                c.set_list(k, v.iter().map(|s| s.to_string()).collect());
            }
        }
        c
    }

    fn holds(c: &Condition, context: &Context) -> bool {
        c.holds(context, context)
    }

    #[test]
    fn operator_names_parse_with_prefixes_and_suffix() {
        let c = cond("ForAnyValue:StringNotLikeIfExists", "sagemaker:InstanceTypes", &["ml.m5.*"]);
        assert_eq!(c.base, Base::StringNotLike);
        assert_eq!(c.set, Some(SetOperator::ForAnyValue));
        assert!(c.if_exists);
        assert!(Condition::parse("StringEqualz", "k", vec!["v".into()], Version::V2012).is_err());
        assert!(Condition::parse("NullIfExists", "k", vec!["true".into()], Version::V2012).is_err());
        assert!(Condition::parse("NumericLessThan", "k", vec!["ten".into()], Version::V2012).is_err());
        assert_eq!(Base::ALL.len(), 27);
    }

    #[test]
    fn missing_keys() {
        let empty = Context::new();
        assert!(!holds(&cond("StringEquals", "k", &["v"]), &empty));
        assert!(holds(&cond("StringNotEquals", "k", &["v"]), &empty), "negated operators hold when the key is absent");
        assert!(holds(&cond("StringEqualsIfExists", "k", &["v"]), &empty));
        assert!(holds(&cond("ForAllValues:StringEquals", "k", &["v"]), &empty), "ForAllValues: vacuously true");
        assert!(!holds(&cond("ForAnyValue:StringEquals", "k", &["v"]), &empty));
        assert!(holds(&cond("ForAnyValue:StringEqualsIfExists", "k", &["v"]), &empty));
        assert!(holds(&cond("Null", "k", &["true"]), &empty));
        assert!(!holds(&cond("Null", "k", &["false"]), &empty));
    }

    #[test]
    fn empty_sets() {
        let mut c = Context::new();
        c.set_list("k", vec![]);
        assert!(holds(&cond("ForAllValues:StringEquals", "k", &["v"]), &c));
        assert!(!holds(&cond("ForAnyValue:StringEquals", "k", &["v"]), &c));
        assert!(holds(&cond("Null", "k", &["true"]), &c), "an empty set counts as null");
    }

    #[test]
    fn multi_valued_keys_with_set_operators() {
        let c = ctx(&[("aws:TagKeys", &["env", "owner"])]);
        assert!(holds(&cond("ForAllValues:StringEquals", "aws:TagKeys", &["env", "owner", "cost"]), &c));
        assert!(!holds(&cond("ForAllValues:StringEquals", "aws:TagKeys", &["env"]), &c));
        assert!(holds(&cond("ForAnyValue:StringEquals", "aws:TagKeys", &["env"]), &c));
        assert!(!holds(&cond("ForAnyValue:StringEquals", "aws:TagKeys", &["cost"]), &c));
        // Negated: ForAllValues: no value is listed; ForAnyValue: some value is not listed.
        assert!(!holds(&cond("ForAllValues:StringNotEquals", "aws:TagKeys", &["env"]), &c));
        assert!(holds(&cond("ForAllValues:StringNotEquals", "aws:TagKeys", &["cost"]), &c));
        assert!(holds(&cond("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"]), &c));
        assert!(!holds(&cond("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env", "owner"]), &c));
    }

    #[test]
    fn string_family() {
        let c = ctx(&[("aws:SourceVpce", &["vpce-0a1b"])]);
        assert!(holds(&cond("StringEquals", "AWS:SOURCEVPCE", &["vpce-0a1b"]), &c), "key names ignore case");
        assert!(!holds(&cond("StringEquals", "aws:SourceVpce", &["VPCE-0A1B"]), &c), "values do not");
        assert!(holds(&cond("StringEqualsIgnoreCase", "aws:SourceVpce", &["VPCE-0A1B"]), &c));
        assert!(!holds(&cond("StringNotEqualsIgnoreCase", "aws:SourceVpce", &["VPCE-0A1B"]), &c));
        assert!(holds(&cond("StringLike", "aws:SourceVpce", &["vpce-*"]), &c));
        assert!(holds(&cond("StringNotLike", "aws:SourceVpce", &["vpce-9*"]), &c));
        assert!(!holds(&cond("StringNotEquals", "aws:SourceVpce", &["vpce-0a1b", "vpce-2"]), &c));
    }

    #[test]
    fn numeric_date_bool_binary() {
        let c = ctx(&[("n", &["10"]), ("d", &["2026-11-26T12:00:00Z"]), ("b", &["true"]), ("bin", &["QmluYXJ5"])]);
        assert!(holds(&cond("NumericEquals", "n", &["10.0"]), &c));
        assert!(holds(&cond("NumericNotEquals", "n", &["11"]), &c));
        assert!(holds(&cond("NumericLessThan", "n", &["11"]), &c));
        assert!(holds(&cond("NumericLessThanEquals", "n", &["10"]), &c));
        assert!(!holds(&cond("NumericGreaterThan", "n", &["10"]), &c));
        assert!(holds(&cond("NumericGreaterThanEquals", "n", &["10"]), &c));
        assert!(holds(&cond("DateGreaterThan", "d", &["2026-01-01"]), &c));
        assert!(holds(&cond("DateLessThan", "d", &["1800000000"]), &c), "epoch seconds");
        assert!(holds(&cond("DateEquals", "d", &["2026-11-26T13:00:00+01:00"]), &c));
        assert!(holds(&cond("DateNotEquals", "d", &["2026-11-26"]), &c));
        assert!(holds(&cond("DateLessThanEquals", "d", &["2026-11-26T12:00:00Z"]), &c));
        assert!(holds(&cond("DateGreaterThanEquals", "d", &["2026-11-26T12:00:00Z"]), &c));
        assert!(holds(&cond("Bool", "b", &["TRUE"]), &c));
        assert!(!holds(&cond("Bool", "b", &["false"]), &c));
        assert!(holds(&cond("BinaryEquals", "bin", &["QmluYXJ5"]), &c));
        let nan = ctx(&[("n", &["ten"])]);
        assert!(!holds(&cond("NumericEquals", "n", &["10"]), &nan), "a value that is not a number matches nothing");
    }

    #[test]
    fn ip_addresses() {
        let c = ctx(&[("aws:SourceIp", &["203.0.113.7"])]);
        assert!(holds(&cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]), &c));
        assert!(!holds(&cond("IpAddress", "aws:SourceIp", &["198.51.100.0/24"]), &c));
        assert!(holds(&cond("NotIpAddress", "aws:SourceIp", &["198.51.100.0/24"]), &c));
        let v6 = ctx(&[("aws:SourceIp", &["2001:db8::1"])]);
        assert!(holds(&cond("IpAddress", "aws:SourceIp", &["2001:db8::/32"]), &v6));
        assert!(!holds(&cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]), &v6));
    }

    #[test]
    fn arns_compare_segment_by_segment() {
        let c = ctx(&[("aws:SourceArn", &["arn:aws:sagemaker:us-east-1:123456789012:training-job/t1"])]);
        assert!(holds(&cond("ArnLike", "aws:SourceArn", &["arn:aws:sagemaker:*:123456789012:training-job/*"]), &c));
        assert!(holds(&cond("ArnEquals", "aws:SourceArn", &["arn:aws:sagemaker:*:*:*"]), &c));
        assert!(holds(&cond("ArnNotLike", "aws:SourceArn", &["arn:aws:s3:::*"]), &c));
        assert!(!holds(&cond("ArnNotEquals", "aws:SourceArn", &["arn:aws:sagemaker:us-east-1:123456789012:*"]), &c));
    }

    #[test]
    fn variables_in_condition_values() {
        let c = ctx(&[("aws:username", &["alice"]), ("s3:prefix", &["home/alice/data"])]);
        assert!(holds(&cond("StringLike", "s3:prefix", &["home/${aws:username}/*"]), &c));
        assert!(!holds(&cond("StringLike", "s3:prefix", &["home/${aws:userid}/*"]), &c), "absent variable");
        assert!(holds(&cond("StringEquals", "aws:username", &["${aws:userid, 'alice'}"]), &c), "default");
        let v2008 =
            Condition::parse("StringEquals", "aws:username", vec!["${aws:username}".into()], Version::V2008).unwrap();
        assert!(!holds(&v2008, &c), "2008-10-17 has no variables: the text is literal");
    }
}
