//! The control catalog: controls and the evidence bound to each, as data.
//!
//! The default catalog (`default.toml`, the SageMaker environment of DESIGN.md section 1) is
//! embedded in the binary; `--catalog FILE` replaces it. A malformed catalog is refused with
//! file, line and field.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::glob;
use crate::located::FileError;
use crate::model::{ConfigRule, ControlKind, MetricId, Sym};

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

    pub fn parse(text: &str, origin: &str) -> Result<Catalog, FileError> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| FileError::from_toml(origin, text, &e))?;
        let error = |span: Range<usize>, field: String, message: String| {
            FileError::at(origin, text, span.start, field, message)
        };
        if raw.control.is_empty() {
            return Err(error(0..0, "control".into(), "the catalog has no [[control]] entries".into()));
        }
        let mut seen = HashSet::new();
        let mut controls = Vec::with_capacity(raw.control.len());
        for (i, c) in raw.control.into_iter().enumerate() {
            let at = |field: &str| format!("control[{i}].{field}");
            let id = c.id.get_ref().trim();
            if id.is_empty() {
                return Err(error(c.id.span(), at("id"), "a control needs a non-empty id".into()));
            }
            if !seen.insert(id.to_string()) {
                return Err(error(c.id.span(), at("id"), format!("duplicate control id `{id}`")));
            }
            if c.title.get_ref().trim().is_empty() {
                return Err(error(c.title.span(), at("title"), "a control needs a title".into()));
            }
            let mut metrics = Vec::new();
            for (j, m) in c.metrics.iter().enumerate() {
                match m.get_ref().split_once('/') {
                    Some((ns, name)) if !ns.is_empty() && !name.is_empty() => {
                        metrics.push((ns.to_string(), name.to_string()))
                    }
                    _ => {
                        return Err(error(
                            m.span(),
                            at(&format!("metrics[{j}]")),
                            format!("`{}` is not NAMESPACE/METRIC", m.get_ref()),
                        ));
                    }
                }
            }
            let evidence = EvidenceBinding {
                config_rules: c.config_rules,
                config_rule_names: c.config_rule_names,
                security_hub_controls: c.security_hub_controls,
                finding_products: c.finding_products,
                alarms: c.alarms,
                metrics,
                guardrail_tests: c.guardrail_tests,
            };
            if evidence.is_empty() {
                return Err(error(
                    c.id.span(),
                    at("id"),
                    format!("control `{id}` binds no evidence: it could never be anything but UNKNOWN"),
                ));
            }
            controls.push(Control {
                id: Sym::from(id),
                kind: c.kind,
                title: c.title.into_inner(),
                description: c.description,
                evidence,
            });
        }
        Ok(Catalog { controls, origin: origin.to_string(), text: text.into() })
    }

    /// The controls of one pane, with their positions in the catalog.
    pub fn of_kind(&self, kind: ControlKind) -> impl Iterator<Item = (usize, &Control)> {
        self.controls.iter().enumerate().filter(move |(_, c)| c.kind == kind)
    }
}

impl EvidenceBinding {
    fn is_empty(&self) -> bool {
        self.config_rules.is_empty()
            && self.config_rule_names.is_empty()
            && self.security_hub_controls.is_empty()
            && self.finding_products.is_empty()
            && self.alarms.is_empty()
            && self.metrics.is_empty()
            && self.guardrail_tests.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    control: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: Spanned<String>,
    kind: ControlKind,
    title: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    config_rules: Vec<String>,
    #[serde(default)]
    config_rule_names: Vec<String>,
    #[serde(default)]
    security_hub_controls: Vec<String>,
    #[serde(default)]
    finding_products: Vec<String>,
    #[serde(default)]
    alarms: Vec<String>,
    #[serde(default)]
    metrics: Vec<Spanned<String>>,
    #[serde(default)]
    guardrail_tests: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
