//! Guardrail tests as data: cases in the CASE.json shape with a name, the decision expected and
//! the catalog control they are evidence for. TOML or JSON; policies inline or by path.

use std::path::Path;

use serde_json::Value;

use super::case::{Dir, Embedded, Files, parse_case};
use super::evaluate::{Case, Explained};
use crate::located::FileError;
use crate::model::Decision;

/// The workshop's guardrails and tests, built in.
const WORKSHOP_TESTS: &str = include_str!("../../guardrails/tests.toml");
const WORKSHOP_FILES: &[(&str, &str)] = &[
    ("policies/data-scientist.json", include_str!("../../guardrails/policies/data-scientist.json")),
    (
        "policies/deny-sagemaker-without-vpc.json",
        include_str!("../../guardrails/policies/deny-sagemaker-without-vpc.json"),
    ),
    (
        "policies/deny-unapproved-instance-types.json",
        include_str!("../../guardrails/policies/deny-unapproved-instance-types.json"),
    ),
    ("policies/bucket-deny-outside-vpce.json", include_str!("../../guardrails/policies/bucket-deny-outside-vpce.json")),
    ("policies/execution-role-trust.json", include_str!("../../guardrails/policies/execution-role-trust.json")),
    ("policies/training-data-key-policy.json", include_str!("../../guardrails/policies/training-data-key-policy.json")),
];

/// Where the built-in tests say they come from.
pub const WORKSHOP_ORIGIN: &str = "<built-in guardrails/tests.toml>";

#[derive(Debug, Clone)]
pub struct GuardrailTest {
    pub name: String,
    pub control: Option<String>,
    pub expect: Decision,
    pub case: Case,
}

#[derive(Debug, Clone)]
pub struct Suite {
    pub origin: String,
    pub tests: Vec<GuardrailTest>,
}

/// One test's outcome.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub control: Option<String>,
    pub expect: Decision,
    pub explained: Explained,
}

impl TestResult {
    pub fn actual(&self) -> Decision {
        self.explained.result
    }

    pub fn passed(&self) -> bool {
        self.expect == self.actual()
    }
}

impl Suite {
    pub fn workshop() -> Suite {
        Suite::parse(WORKSHOP_TESTS, WORKSHOP_ORIGIN, false, &Embedded(WORKSHOP_FILES))
            .expect("the built-in tests are valid")
    }

    /// A tests file on disk; policy paths are relative to `policies` when given, else to the
    /// file's own folder.
    pub fn load(path: &Path, policies: Option<&Path>) -> Result<Suite, FileError> {
        let (text, origin) = super::case::read(path)?;
        let dir =
            policies.map(Path::to_path_buf).unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
        let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Suite::parse(&text, &origin, json, &Dir(dir))
    }

    /// The built-in tests with their policies read from `policies` instead.
    pub fn workshop_with_policies(policies: &Path) -> Result<Suite, FileError> {
        Suite::parse(WORKSHOP_TESTS, WORKSHOP_ORIGIN, false, &Dir(policies.to_path_buf()))
    }

    pub fn parse(text: &str, origin: &str, json: bool, files: &dyn Files) -> Result<Suite, FileError> {
        let err = |field: String, message: String| FileError::in_field(origin, field, message);
        let value: Value = if json {
            serde_json::from_str(text).map_err(|e| FileError::from_json(origin, &e))?
        } else {
            toml::from_str(text).map_err(|e| FileError::from_toml(origin, text, &e))?
        };
        let items = match value.get("test") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(err(
                    "test".into(),
                    "expected a list of tests ([[test]] in TOML, \"test\": [...] in JSON)".into(),
                ));
            }
        };
        let mut tests = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = format!("test[{i}]");
            let name = match item.get("name") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                _ => return Err(err(format!("{at}.name"), "every test needs a name".into())),
            };
            let at = format!("test[{i}] \"{name}\"");
            let expect = match item.get("expect") {
                Some(Value::String(s)) => {
                    s.parse::<Decision>().map_err(|e| err(format!("{at}.expect"), e.to_string()))?
                }
                _ => {
                    return Err(err(
                        format!("{at}.expect"),
                        "missing: Allowed, ImplicitlyDenied or ExplicitlyDenied".into(),
                    ));
                }
            };
            let control = match item.get("control") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(err(format!("{at}.control"), "must be a catalog control id".into())),
            };
            let case = parse_case(item, &format!("{origin}: {at}"), files, &["name", "expect", "control"])?;
            tests.push(GuardrailTest { name, control, expect, case });
        }
        Ok(Suite { origin: origin.to_string(), tests })
    }

    pub fn run(&self) -> Vec<TestResult> {
        self.tests
            .iter()
            .map(|t| TestResult {
                name: t.name.clone(),
                control: t.control.clone(),
                expect: t.expect,
                explained: t.case.explain(),
            })
            .collect()
    }
}
