//! The posture as a report for scripts and CI: JSON (schema version 2, or 1 with `--schema 1`;
//! documented in README.md), Markdown or CSV, each written from the typed [`Report`]. Pure:
//! built from the store and the time; it reads the store and the model, never the screen.

mod build;
pub mod csv;
pub mod markdown;
pub mod schema;
pub mod v1;

use serde::Serialize;
use serde_json::Value;

pub use crate::format::Format;
use crate::model::{StatusLevel, Timestamp};
use crate::store::{Health, Posture};
pub use schema::{Basis, Report, SCHEMA_VERSION, Subject};

/// The findings `open_high` lists at most: `vigil diff` tells new ones from resolved ones by id.
pub const OPEN_HIGH_LISTED: usize = 1000;

/// The report in `format`, as `vigil report` prints it.
pub fn render(format: Format, posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    render_schema(format, SCHEMA_VERSION, posture, subject, now)
}

/// As [`render`], JSON in the schema version asked for (1 or 2).
pub fn render_schema(format: Format, schema: u32, posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    let report = Report::of(posture, subject, now);
    match format {
        Format::Json => json_text(&report, schema, None),
        Format::Markdown => markdown::write(&report),
        Format::Csv => csv::write(&report),
    }
}

/// A report and, last, the comparison `--baseline` asked for.
#[derive(Serialize)]
struct Compared<'a, R> {
    #[serde(flatten)]
    report: &'a R,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a Value>,
}

/// The JSON text of `report` in `schema` (1 or 2), pretty, with `baseline` as its last key when
/// given.
pub fn json_text(report: &Report, schema: u32, baseline: Option<&Value>) -> String {
    let text = if schema == 1 {
        serde_json::to_string_pretty(&Compared { report: &v1::Report::from(report), baseline })
    } else {
        serde_json::to_string_pretty(&Compared { report, baseline })
    };
    text.expect("a report's keys are strings") + "\n"
}

/// The report as JSON.
pub fn json(posture: &Posture, subject: &Subject, now: Timestamp) -> Value {
    serde_json::to_value(Report::of(posture, subject, now)).expect("a report's keys are strings")
}

/// A schema 2 report's JSON, as [`json`] gives it, in schema 1 (see [`v1`]).
///
/// # Panics
/// When `v` is not a schema 2 report.
pub fn version_1(v: Value) -> Value {
    let report: Report = serde_json::from_value(v).expect("a schema 2 report");
    serde_json::to_value(v1::Report::from(&report)).expect("a report's keys are strings")
}

/// The report as Markdown.
pub fn markdown(posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    markdown::write(&Report::of(posture, subject, now))
}

/// The report as CSV: one row per control.
pub fn csv(posture: &Posture, subject: &Subject, now: Timestamp) -> String {
    csv::write(&Report::of(posture, subject, now))
}

/// Whether any source failed (the report's exit code 3).
pub fn any_source_failed(posture: &Posture) -> bool {
    build::reported_sources(posture).into_iter().any(|k| matches!(posture.source(k).health, Health::Error(_)))
}

/// The worst control status, for `--fail-on`.
pub fn worst(posture: &Posture, now: Timestamp) -> Option<StatusLevel> {
    (0..posture.catalog().controls.len())
        .map(|i| posture.control_status(i, now).level())
        .filter(|l| matches!(l, StatusLevel::Fail | StatusLevel::Warn))
        .min_by_key(|l| l.urgency())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::model::{Dataset, Part, Payload, SourceError, SourceEvent, SourceKind, Unread};

    #[test]
    fn version_1_gives_empty_lists_and_zeros_for_what_was_not_read() {
        let mut posture = Posture::new(Catalog::default_catalog());
        let now: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        posture.register_source(SourceKind::Config, SourceKind::Config.default_interval());
        let v2 = json(&posture, &Subject::default(), now);
        assert!(v2["rules"].is_null() && v2["findings"].is_null() && v2["controls"][0]["failing"].is_null());
        let v1 = version_1(v2);
        assert_eq!(v1["schema_version"], 1);
        assert!(v1.get("scope").is_none() && v1.get("activity").is_none());
        assert!(v1["sources"][0].get("unread").is_none() && v1["controls"][0].get("not_read").is_none());
        assert_eq!(v1["controls"][0]["failing"], 0);
        let empty = serde_json::json!([]);
        assert_eq!((&v1["rules"], &v1["alarms"], &v1["standards"]), (&empty, &empty, &empty));
        assert_eq!(v1["remediations"], empty);
        assert_eq!(v1["findings"]["total"], 0);
        assert_eq!(v1["findings"]["by_severity"]["CRITICAL"], 0);
        assert_eq!(v1["findings"]["by_workflow"]["SUPPRESSED"], 0);
    }

    #[test]
    fn what_was_not_read_is_null_and_listed() {
        let mut posture = Posture::new(Catalog::default_catalog());
        let now: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        let error = SourceError::Unauthorized { action: "config:DescribeRemediationConfigurations".into() };
        let unread = vec![Unread { part: Part::RemediationConfigs, error }];
        posture.apply(SourceEvent {
            source: SourceKind::Config,
            fetched_at: now,
            result: Ok(Payload::Merge(Dataset { unread, ..Default::default() })),
        });
        let j = json(&posture, &Subject::default(), now);
        assert!(j["remediations"].is_null() && j["alarms"].is_null() && j["findings"].is_null(), "{j:#}");
        let config = &j["sources"][0];
        assert_eq!(config["unread"][0]["call"], "config:DescribeRemediationConfigurations");
        let md = markdown(&posture, &Subject::default(), now);
        assert!(
            md.contains(
                "- remediation configurations (config:DescribeRemediationConfigurations): not authorized to call \
                 config:DescribeRemediationConfigurations"
            ),
            "{md}"
        );
        assert!(md.contains("## Findings\n\nnot read."), "{md}");
    }

    #[test]
    fn the_places_a_source_could_not_read_are_listed_once_per_account_and_error() {
        let mut posture = Posture::new(Catalog::default_catalog());
        let now: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
        let denied = SourceError::Unauthorized { action: "sts:AssumeRole on arn:aws:iam::2:role/R".into() };
        let place = |account: &str, region: &str, error: Option<&SourceError>| crate::model::PlaceRead {
            account: account.into(),
            region: region.into(),
            error: error.cloned(),
        };
        let places = vec![
            place("1", "us-east-1", None),
            place("2", "eu-west-1", Some(&denied)),
            place("2", "us-east-1", Some(&denied)),
        ];
        posture.apply(SourceEvent {
            source: SourceKind::CloudWatch,
            fetched_at: now,
            result: Ok(Payload::Replace(Dataset { places, ..Default::default() })),
        });
        let j = json(&posture, &Subject::default(), now);
        let cloudwatch = j["sources"].as_array().unwrap().iter().find(|s| s["name"] == "cloudwatch").unwrap();
        assert_eq!(
            cloudwatch["places"][0],
            serde_json::json!({"account": "1", "region": "us-east-1", "health": "ok", "last_ok": "2026-11-26T12:00:00Z", "error": null})
        );
        assert_eq!(cloudwatch["places"][1]["health"], "unauthorized");
        let md = markdown(&posture, &Subject::default(), now);
        assert!(
            md.contains("- cloudwatch: 2 in eu-west-1, us-east-1: not authorized to call sts:AssumeRole on arn:aws:iam::2:role/R\n"),
            "{md}"
        );
        assert!(!md.contains("- cloudwatch: 1 "), "a place read is not listed: {md}");
    }
}
