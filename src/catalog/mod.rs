//! The control catalog: controls and the evidence bound to each, as data.
//!
//! The default catalog (`default.toml`, the SageMaker environment of DESIGN.md section 1) is
//! embedded in the binary; `--catalog FILE` replaces it. A malformed catalog is refused with
//! file, line and field.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::glob;
use crate::located::FileError;
use crate::model::{ConfigRule, ControlKind, FindingClass, MetricId, Sym};

const DEFAULT_CATALOG: &str = include_str!("default.toml");

/// Where the default catalog comes from, in messages.
pub const DEFAULT_ORIGIN: &str = "<default catalog>";

/// A claim about the environment with the evidence that proves or disproves it.
#[derive(Debug, Clone)]
pub struct Control {
    pub id: Sym,
    pub kind: ControlKind,
    pub title: String,
    pub description: String,
    pub evidence: EvidenceBinding,
}

/// What a control's evidence is, by the names AWS uses.
#[derive(Debug, Clone, Default)]
pub struct EvidenceBinding {
    /// Config managed rules by `Source.SourceIdentifier`, whatever the rule is called.
    pub config_rules: Vec<String>,
    /// Config rule names or `*` patterns, for custom rules.
    pub config_rule_names: Vec<String>,
    /// Security Hub security control ids (`SageMaker.1`).
    pub security_hub_controls: Vec<String>,
    /// Finding products whose findings are this control's activity (GuardDuty, Macie).
    pub finding_products: Vec<String>,
    /// OCSF finding classes whose findings are this control's activity (the new Security Hub's
    /// exposure findings, whose product is Security Hub itself).
    pub finding_classes: Vec<FindingClass>,
    pub alarms: Vec<String>,
    pub metrics: Vec<(String, String)>,
    /// Offline guardrail tests by name (the policy engine fills these in).
    pub guardrail_tests: Vec<String>,
}

impl Control {
    /// Whether a Config rule is evidence for this control: by the managed rule it deploys (its
    /// source identifier, or where only its name is known the identifier in its name), or by
    /// name for custom rules.
    pub fn binds_rule(&self, rule: &ConfigRule) -> bool {
        let by_source = rule.managed_identifier().is_some_and(|s| self.evidence.config_rules.iter().any(|r| **r == *s));
        by_source || self.evidence.config_rule_names.iter().any(|p| glob::matches(p, &rule.name))
    }

    pub fn binds_metric(&self, metric: &MetricId) -> bool {
        self.evidence.metrics.iter().any(|(ns, name)| **ns == *metric.namespace && **name == *metric.name)
    }
}

/// The whole catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub controls: Vec<Control>,
    /// The file it came from, or [`DEFAULT_ORIGIN`].
    pub origin: String,
    /// Its text, as read: a recording carries it.
    pub text: std::sync::Arc<str>,
}

impl Catalog {
    /// The embedded default catalog.
    pub fn default_catalog() -> Catalog {
        Catalog::parse(DEFAULT_CATALOG, DEFAULT_ORIGIN).expect("the embedded default catalog is valid")
    }

    /// The default catalog's text, to start a custom one from.
    pub fn default_text() -> &'static str {
        DEFAULT_CATALOG
    }

    pub fn from_file(path: &Path) -> Result<Catalog, FileError> {
        Catalog::parse(&FileError::read(path)?, &path.display().to_string())
    }

    /// Parses a catalog; the first of its problems, if any (see [`Catalog::check`] for all).
    pub fn parse(text: &str, origin: &str) -> Result<Catalog, FileError> {
        Catalog::check(text, origin).map_err(|mut problems| problems.remove(0))
    }

    /// Parses a catalog, or says every problem in it (at least one), in the order of the file,
    /// each with its line, column and field: a catalog is fixed in one go, not one run per
    /// mistake. Only a file that is not TOML at all stops at its first error.
    pub fn check(text: &str, origin: &str) -> Result<Catalog, Vec<FileError>> {
        let root = DeTable::parse(text).map_err(|e| vec![FileError::from_toml(origin, text, &e)])?;
        let mut problems = Problems { origin, text, found: Vec::new() };
        let mut entries: &[Spanned<DeValue>] = &[];
        for (key, value) in root.get_ref() {
            match (key.get_ref().as_ref(), value.get_ref()) {
                ("control", DeValue::Array(array)) => entries = array,
                ("control", _) => problems.add(value.span(), "control".into(), "expected [[control]] tables".into()),
                (other, _) => {
                    problems.add(key.span(), other.into(), format!("unknown field `{other}`, expected `control`"))
                }
            }
        }
        if entries.is_empty() && problems.found.is_empty() {
            problems.add(0..0, "control".into(), "the catalog has no [[control]] entries".into());
        }
        let mut seen = HashSet::new();
        let controls: Vec<Control> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| check_control(i, entry, &mut seen, &mut problems))
            .collect();
        if !problems.found.is_empty() {
            let mut found = problems.found;
            // Stable: problems at one place keep the order in which they were found.
            found.sort_by_key(|e| (e.line, e.column));
            return Err(found);
        }
        Ok(Catalog { controls, origin: origin.to_string(), text: text.into() })
    }

    /// The controls of one pane, with their positions in the catalog.
    pub fn of_kind(&self, kind: ControlKind) -> impl Iterator<Item = (usize, &Control)> {
        self.controls.iter().enumerate().filter(move |(_, c)| c.kind == kind)
    }
}

/// The problems found so far in one catalog text.
struct Problems<'a> {
    origin: &'a str,
    text: &'a str,
    found: Vec<FileError>,
}

impl Problems<'_> {
    fn add(&mut self, span: Range<usize>, field: String, message: String) {
        self.found.push(FileError::at(self.origin, self.text, span.start, field, message));
    }

    /// `value` as a `T`, or `None` after saying what is wrong with it.
    fn read<T: DeserializeOwned>(&mut self, value: &Spanned<DeValue>, field: String) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(e.span().unwrap_or(value.span()), field, e.message().to_string());
                None
            }
        }
    }
}

/// The fields of a `[[control]]`.
const CONTROL_FIELDS: [&str; 12] = [
    "id",
    "kind",
    "title",
    "description",
    "config_rules",
    "config_rule_names",
    "security_hub_controls",
    "finding_products",
    "finding_classes",
    "alarms",
    "metrics",
    "guardrail_tests",
];

/// One `[[control]]`, or `None` after reporting every problem in it. Each field is read on its
/// own so that a bad `kind` does not hide a misspelt field beside it.
fn check_control(
    i: usize,
    entry: &Spanned<DeValue>,
    seen: &mut HashSet<String>,
    problems: &mut Problems,
) -> Option<Control> {
    let at = |field: &str| format!("control[{i}].{field}");
    let DeValue::Table(table) = entry.get_ref() else {
        problems.add(entry.span(), format!("control[{i}]"), "expected a table".into());
        return None;
    };
    let before = problems.found.len();
    let unknown_fields = report_unknown_fields(table, &at, problems);
    let required = |name: &str, problems: &mut Problems| -> Option<&Spanned<DeValue>> {
        let value = table.get(name);
        if value.is_none() {
            problems.add(entry.span(), at(name), format!("missing field `{name}`"));
        }
        value
    };
    let id: Option<Spanned<String>> = required("id", problems).and_then(|v| problems.read(v, at("id")));
    let kind: Option<ControlKind> = required("kind", problems).and_then(|v| problems.read(v, at("kind")));
    let title: Option<Spanned<String>> = required("title", problems).and_then(|v| problems.read(v, at("title")));
    let mut optional = |name: &str| -> Option<Vec<String>> {
        table.get(name).map_or(Some(Vec::new()), |v| problems.read(v, at(name)))
    };
    let lists = [
        optional("config_rules"),
        optional("config_rule_names"),
        optional("security_hub_controls"),
        optional("finding_products"),
        optional("alarms"),
        optional("guardrail_tests"),
    ];
    let description: Option<String> =
        table.get("description").map_or(Some(String::new()), |v| problems.read(v, at("description")));
    let raw_metrics: Option<Vec<Spanned<String>>> =
        table.get("metrics").map_or(Some(Vec::new()), |v| problems.read(v, at("metrics")));
    let raw_classes: Option<Vec<Spanned<String>>> =
        table.get("finding_classes").map_or(Some(Vec::new()), |v| problems.read(v, at("finding_classes")));

    let id = id.and_then(|id| unique_id(&id, &at("id"), seen, problems));
    if let Some(title) = &title
        && title.get_ref().trim().is_empty()
    {
        problems.add(title.span(), at("title"), "a control needs a title".into());
    }
    let metrics = split_metrics(raw_metrics.iter().flatten(), &at, problems);
    let finding_classes = finding_classes(raw_classes.iter().flatten(), &at, problems);
    // Whether the control names no evidence at all: not when a field of it could not be read
    // (that is its own problem), nor when its only metrics are malformed, nor when a field is
    // unknown (likely the evidence, misspelt).
    let names_none = !unknown_fields
        && lists.iter().all(|l| l.as_ref().is_some_and(Vec::is_empty))
        && raw_metrics.as_ref().is_some_and(Vec::is_empty)
        && raw_classes.as_ref().is_some_and(Vec::is_empty);
    let [config_rules, config_rule_names, security_hub_controls, finding_products, alarms, guardrail_tests] = lists;
    let evidence = EvidenceBinding {
        config_rules: config_rules.unwrap_or_default(),
        config_rule_names: config_rule_names.unwrap_or_default(),
        security_hub_controls: security_hub_controls.unwrap_or_default(),
        finding_products: finding_products.unwrap_or_default(),
        finding_classes,
        alarms: alarms.unwrap_or_default(),
        metrics,
        guardrail_tests: guardrail_tests.unwrap_or_default(),
    };
    if let Some((id, span)) = &id
        && names_none
    {
        problems.add(
            span.clone(),
            at("id"),
            format!("control `{id}` binds no evidence: it could never be anything but UNKNOWN"),
        );
    }
    if problems.found.len() > before {
        return None;
    }
    Some(Control {
        id: Sym::from(id?.0.as_str()),
        kind: kind?,
        title: title?.into_inner(),
        description: description?,
        evidence,
    })
}

/// Reports every field a control may not have; true when there was one.
fn report_unknown_fields(table: &DeTable, at: &dyn Fn(&str) -> String, problems: &mut Problems) -> bool {
    let mut unknown_fields = false;
    for (key, _) in table {
        let name = key.get_ref();
        if !CONTROL_FIELDS.contains(&name.as_ref()) {
            unknown_fields = true;
            let expected = CONTROL_FIELDS.map(|f| format!("`{f}`")).join(", ");
            problems.add(key.span(), at(name), format!("unknown field `{name}`, expected one of {expected}"));
        }
    }
    unknown_fields
}

/// The control's id, trimmed, when it is non-empty and not already taken.
fn unique_id(
    id: &Spanned<String>,
    field: &str,
    seen: &mut HashSet<String>,
    problems: &mut Problems,
) -> Option<(String, Range<usize>)> {
    let trimmed = id.get_ref().trim();
    if trimmed.is_empty() {
        problems.add(id.span(), field.to_string(), "a control needs a non-empty id".into());
        None
    } else if !seen.insert(trimmed.to_string()) {
        problems.add(id.span(), field.to_string(), format!("duplicate control id `{trimmed}`"));
        None
    } else {
        Some((trimmed.to_string(), id.span()))
    }
}

/// Each `NAMESPACE/METRIC` as its two halves; a malformed one is a problem, not a metric.
fn split_metrics<'a>(
    raw: impl Iterator<Item = &'a Spanned<String>>,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> Vec<(String, String)> {
    let mut metrics = Vec::new();
    for (j, m) in raw.enumerate() {
        match m.get_ref().split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() => metrics.push((ns.to_string(), name.to_string())),
            _ => problems.add(
                m.span(),
                at(&format!("metrics[{j}]")),
                format!("`{}` is not NAMESPACE/METRIC", m.get_ref()),
            ),
        }
    }
    metrics
}

/// Each finding class by its name (any case); an unknown one is a problem, not a class.
fn finding_classes<'a>(
    raw: impl Iterator<Item = &'a Spanned<String>>,
    at: &dyn Fn(&str) -> String,
    problems: &mut Problems,
) -> Vec<FindingClass> {
    let mut classes = Vec::new();
    for (j, c) in raw.enumerate() {
        match FindingClass::named(c.get_ref()) {
            Some(class) => classes.push(class),
            None => {
                let expected = FindingClass::ALL.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
                problems.add(
                    c.span(),
                    at(&format!("finding_classes[{j}]")),
                    format!("unknown finding class `{}`, expected one of {expected}", c.get_ref()),
                );
            }
        }
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_classes_are_read_by_name_and_an_unknown_one_names_its_place() {
        let text = "[[control]]\nid = \"X\"\nkind = \"detective\"\ntitle = \"t\"\nfinding_classes = [\"exposure\", \"Vulnerability Finding\"]\n";
        let catalog = Catalog::parse(text, "c.toml").unwrap();
        assert_eq!(catalog.controls[0].evidence.finding_classes, [FindingClass::Exposure, FindingClass::Vulnerability]);
        let text = "[[control]]\nid = \"X\"\nkind = \"detective\"\ntitle = \"t\"\nfinding_classes = [\"Exposure\", \"Exposures\"]\n";
        let err = Catalog::parse(text, "c.toml").unwrap_err();
        assert_eq!((err.field.as_str(), err.line), ("control[0].finding_classes[1]", 5), "{err}");
        assert!(
            err.message.starts_with("unknown finding class `Exposures`, expected one of `Compliance Finding`"),
            "{err}"
        );
    }

    #[test]
    fn the_default_catalog_covers_every_pane() {
        let catalog = Catalog::default_catalog();
        let count = |k| catalog.of_kind(k).count();
        assert!(count(ControlKind::Preventive) >= 6);
        assert!(count(ControlKind::Detective) >= 6);
        assert!(count(ControlKind::Corrective) >= 5);
    }

    #[test]
    fn unknown_fields_name_the_line() {
        let text = "[[control]]\nid = \"X\"\nkind = \"preventive\"\ntitle = \"t\"\nconfg_rules = [\"A\"]\n";
        let err = Catalog::parse(text, "my.toml").unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        assert!(err.to_string().starts_with("my.toml:5:1: "), "{err}");
        assert!(err.message.contains("confg_rules"), "{err}");
    }

    #[test]
    fn a_bad_kind_is_refused_with_its_place() {
        let text = "[[control]]\nid = \"X\"\nkind = \"preventative\"\ntitle = \"t\"\nalarms = [\"A\"]\n";
        let err = Catalog::parse(text, "my.toml").unwrap_err();
        assert_eq!((err.line, err.column), (3, 8), "{err}");
        assert!(err.message.contains("preventative"), "{err}");
    }

    #[test]
    fn duplicate_ids_and_bad_metrics_name_the_field() {
        let text = "[[control]]\nid = \"X\"\nkind = \"detective\"\ntitle = \"t\"\nalarms = [\"A\"]\n\
                    [[control]]\nid = \"X\"\nkind = \"detective\"\ntitle = \"u\"\nalarms = [\"B\"]\n";
        let err = Catalog::parse(text, "c.toml").unwrap_err();
        assert_eq!(err.to_string(), "c.toml:7:6: control[1].id: duplicate control id `X`");

        let text = "[[control]]\nid = \"X\"\nkind = \"detective\"\ntitle = \"t\"\nmetrics = [\"NoSlash\"]\n";
        let err = Catalog::parse(text, "c.toml").unwrap_err();
        assert_eq!(err.field, "control[0].metrics[0]");
        assert_eq!(err.line, 5);
    }

    #[test]
    fn every_problem_is_reported_with_its_place_not_only_the_first() {
        let text = "[[control]]\nid = \"A\"\nkind = \"preventative\"\ntitle = \"t\"\nconfg_rules = [\"X\"]\nalarms = [\"a\"]\n\n\
                    [[control]]\nid = \"A\"\nkind = \"detective\"\ntitle = \"\"\nmetrics = [\"NoSlash\"]\n\n\
                    [[control]]\nid = \"C\"\nkind = \"corrective\"\n";
        let problems: Vec<String> =
            Catalog::check(text, "c.toml").unwrap_err().iter().map(ToString::to_string).collect();
        let fields = "`id`, `kind`, `title`, `description`, `config_rules`, `config_rule_names`, `security_hub_controls`, `finding_products`, `finding_classes`, `alarms`, `metrics`, `guardrail_tests`";
        assert_eq!(
            problems,
            [
                "c.toml:3:8: control[0].kind: unknown variant `preventative`, expected one of `preventive`, `detective`, `corrective`".to_string(),
                format!("c.toml:5:1: control[0].confg_rules: unknown field `confg_rules`, expected one of {fields}"),
                "c.toml:9:6: control[1].id: duplicate control id `A`".into(),
                "c.toml:11:9: control[1].title: a control needs a title".into(),
                "c.toml:12:12: control[1].metrics[0]: `NoSlash` is not NAMESPACE/METRIC".into(),
                "c.toml:14:1: control[2].title: missing field `title`".into(),
                "c.toml:15:6: control[2].id: control `C` binds no evidence: it could never be anything but UNKNOWN".into(),
            ]
        );
        // The first is what a command that only loads the catalog says.
        assert_eq!(Catalog::parse(text, "c.toml").unwrap_err().to_string(), problems[0]);
        // Outside the controls too; a file that is not TOML stops at its syntax error.
        let problems = Catalog::check("title = \"mine\"\n", "c.toml").unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].to_string(), "c.toml:1:1: title: unknown field `title`, expected `control`");
        let problems = Catalog::check("[[control]\nid = \"A\"\n", "c.toml").unwrap_err();
        assert_eq!((problems.len(), problems[0].line), (1, 1), "{problems:?}");
    }

    #[test]
    fn a_control_without_evidence_is_refused() {
        let text = "[[control]]\nid = \"X\"\nkind = \"detective\"\ntitle = \"t\"\n";
        let err = Catalog::parse(text, "c.toml").unwrap_err();
        assert!(err.message.contains("binds no evidence"), "{err}");
    }

    #[test]
    fn rules_bind_by_source_identifier_or_name_pattern() {
        let catalog = Catalog::parse(
            "[[control]]\nid = \"X\"\nkind = \"preventive\"\ntitle = \"t\"\n\
             config_rules = [\"SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS\"]\n\
             config_rule_names = [\"team-nb-*\"]\n",
            "c.toml",
        )
        .unwrap();
        let control = &catalog.controls[0];
        let rule = |name: &str, source: Option<&str>| ConfigRule {
            name: name.into(),
            source_identifier: source.map(Sym::from),
            compliance: None,
            noncompliant: None,
            details_complete: false,
            evaluation_error: None,
            unread: Default::default(),
            account: "1".into(),
            region: "r".into(),
            observed_at: jiff::Timestamp::UNIX_EPOCH,
        };
        assert!(control.binds_rule(&rule(
            "securityhub-sagemaker-notebook-no-direct-internet-access-1a2b3c",
            Some("SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS")
        )));
        assert!(control.binds_rule(&rule("team-nb-guard", None)));
        assert!(!control.binds_rule(&rule("sagemaker-notebook-no-direct-internet-access", None)));
        // Through an aggregator only names are known: the identifier in the name binds it.
        assert!(control.binds_rule(&rule("securityhub-sagemaker-notebook-no-direct-internet-access-9f8e7d6c", None)));
        assert!(
            control.binds_rule(&rule("sagemaker-notebook-no-direct-internet-access-conformance-pack-qwertyuio", None))
        );
        // A custom rule's source (a Lambda ARN) is not overridden by its name.
        assert!(!control.binds_rule(&rule(
            "securityhub-sagemaker-notebook-no-direct-internet-access-1a2b3c",
            Some("arn:aws:lambda:us-east-1:123456789012:function:f")
        )));
    }
}
