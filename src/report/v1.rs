//! Schema 1, derived from schema 2 for the scripts written against it: no `scope`, `activity`,
//! `basis`, `unread`, `places`, `not_read`, `by_account`, `by_region`, `open_high`,
//! `no_remediation`, `evaluation_failing`, `threshold` or `failing_since`; no account or region
//! on rules, alarms and remediations; and where a part was not read, an empty list (or zeros)
//! instead of `null`.
//!
//! Schema 1 was first written by taking schema 2's keys out of its JSON, which moved the last
//! key of an object into the place of each key taken out: the types below keep the keys in
//! that order, so that version 1 reports stay byte for byte what they were.

use indexmap::IndexMap;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::schema::{self, BySeverity, ByWorkflow, Score, Standard, Status};

#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub generated_at: String,
    pub subject: Subject,
    pub remediations: Vec<Remediation>,
    pub score: Score,
    pub alarms: Vec<Alarm>,
    pub sources: Vec<Source>,
    pub standards: Vec<Standard>,
    pub controls: Vec<Control>,
    pub rules: Vec<Rule>,
    pub findings: Findings,
    /// Written from a warm report: its `alarms` and `remediations` swap places.
    #[serde(skip)]
    pub warm: bool,
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Report", 11)?;
        out.serialize_field("schema_version", &self.schema_version)?;
        out.serialize_field("generated_at", &self.generated_at)?;
        out.serialize_field("subject", &self.subject)?;
        if self.warm {
            out.serialize_field("alarms", &self.alarms)?;
        } else {
            out.serialize_field("remediations", &self.remediations)?;
        }
        out.serialize_field("score", &self.score)?;
        if self.warm {
            out.serialize_field("remediations", &self.remediations)?;
        } else {
            out.serialize_field("alarms", &self.alarms)?;
        }
        out.serialize_field("sources", &self.sources)?;
        out.serialize_field("standards", &self.standards)?;
        out.serialize_field("controls", &self.controls)?;
        out.serialize_field("rules", &self.rules)?;
        out.serialize_field("findings", &self.findings)?;
        out.end()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subject {
    pub account: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub demo: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub name: String,
    pub health: String,
    pub last_ok: Option<String>,
    pub error: Option<String>,
    pub skipped: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Control {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub status: Status,
    /// 0 when unknown.
    pub failing: u64,
    pub resources: Vec<Resource>,
    pub failing_at_least: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub account: Option<String>,
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub evaluation_error: Option<String>,
    pub capped_count: Option<u32>,
    pub source: Option<String>,
    pub compliance: Option<String>,
    pub noncompliant: Option<u32>,
    pub capped: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alarm {
    pub name: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Remediation {
    pub rule: String,
    /// Empty when not read.
    pub executions: IndexMap<String, u64>,
    pub automatic: bool,
    pub target: String,
}

/// Zeros when not read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Findings {
    pub total: u64,
    pub by_severity: BySeverity,
    pub by_workflow: ByWorkflow,
}

impl From<&schema::Report> for Report {
    fn from(r: &schema::Report) -> Report {
        Report {
            schema_version: 1,
            generated_at: r.generated_at.clone(),
            subject: subject(&r.subject),
            remediations: list(&r.remediations, remediation),
            score: r.score.clone(),
            alarms: list(&r.alarms, |a: &schema::Alarm| Alarm { name: a.name.clone(), state: a.state.clone() }),
            sources: r.sources.iter().map(source).collect(),
            standards: r.standards.clone().unwrap_or_default(),
            controls: r.controls.iter().map(control).collect(),
            rules: list(&r.rules, rule),
            findings: r.findings.as_ref().map_or_else(Findings::default, |f| Findings {
                total: f.total,
                by_severity: f.by_severity,
                by_workflow: f.by_workflow,
            }),
            warm: r.basis.is_some(),
        }
    }
}

/// A part's items, none where it was not read.
fn list<T, U>(part: &Option<Vec<T>>, each: impl Fn(&T) -> U) -> Vec<U> {
    part.iter().flatten().map(each).collect()
}

fn subject(s: &schema::Subject) -> Subject {
    Subject { account: s.account.clone(), region: s.region.clone(), profile: s.profile.clone(), demo: s.demo }
}

fn source(s: &schema::Source) -> Source {
    Source {
        name: s.name.clone(),
        health: s.health.clone(),
        last_ok: s.last_ok.clone(),
        error: s.error.clone(),
        skipped: s.skipped,
    }
}

fn control(c: &schema::Control) -> Control {
    let resource = |r: &schema::Resource| Resource {
        id: r.id.clone(),
        kind: r.kind.clone(),
        account: r.account.clone(),
        region: r.region.clone(),
        missing: r.missing,
    };
    Control {
        id: c.id.clone(),
        kind: c.kind.clone(),
        title: c.title.clone(),
        status: c.status,
        failing: c.failing.unwrap_or(0),
        resources: c.resources.iter().map(resource).collect(),
        failing_at_least: c.failing_at_least,
    }
}

fn rule(r: &schema::Rule) -> Rule {
    Rule {
        name: r.name.clone(),
        evaluation_error: r.evaluation_error.clone(),
        capped_count: r.capped_count,
        source: r.source.clone(),
        compliance: r.compliance.clone(),
        noncompliant: r.noncompliant,
        capped: r.capped,
    }
}

fn remediation(r: &schema::Remediation) -> Remediation {
    Remediation {
        rule: r.rule.clone(),
        executions: r.executions.clone().unwrap_or_default(),
        automatic: r.automatic,
        target: r.target.clone(),
    }
}
