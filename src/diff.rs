//! `vigil diff` and `vigil report --baseline`: two postures compared, each as the JSON `vigil
//! report` writes (schema 1 or 2). Pure: the sides are read at the edges
//! (`commands::diff`), compared and written here.
//!
//! A control is listed when its status or its set of failing resources differs. It is worse
//! when its status moved later in the order PASS, UNKNOWN, STALE, WARN, FAIL (the order
//! `:status` filters by, read from its end); something regressed when a control is worse or a
//! resource is newly failing, and `--fail-on` narrows "worse" to a status at or past it.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::located::{FileError, json_message};
use crate::model::StatusLevel;
use crate::text::clean;

/// The version of the diff's own JSON.
pub const SCHEMA_VERSION: u32 = 1;

/// Resources a text line or a Markdown cell lists before `+N more`; the JSON lists them all.
const LISTED: usize = 10;

/// The diff's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

// ── A side: a report as the comparison reads it ──────────────────────────────────────────────

/// A control's status, as the report writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Pass,
    Fail,
    Warn,
    Unknown,
    Stale,
}

impl Level {
    pub fn level(self) -> StatusLevel {
        match self {
            Level::Pass => StatusLevel::Pass,
            Level::Fail => StatusLevel::Fail,
            Level::Warn => StatusLevel::Warn,
            Level::Unknown => StatusLevel::Unknown,
            Level::Stale => StatusLevel::Stale,
        }
    }

    pub fn of(level: StatusLevel) -> Level {
        match level {
            StatusLevel::Pass => Level::Pass,
            StatusLevel::Fail => Level::Fail,
            StatusLevel::Warn => Level::Warn,
            StatusLevel::Unknown => Level::Unknown,
            StatusLevel::Stale => Level::Stale,
        }
    }

    /// `PASS`, `FAIL`, ...
    pub fn upper(self) -> &'static str {
        match self {
            Level::Pass => "PASS",
            Level::Fail => "FAIL",
            Level::Warn => "WARN",
            Level::Unknown => "UNKNOWN",
            Level::Stale => "STALE",
        }
    }
}

/// What the comparison reads of a report: the rest of it is left alone.
#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    #[serde(default)]
    pub generated_at: Option<String>,
    #[serde(default)]
    pub subject: Value,
    #[serde(default)]
    pub score: Score,
    #[serde(default)]
    pub sources: Vec<SourceRow>,
    pub controls: Vec<ControlRow>,
    /// `None`: not read (schema 2's `null`).
    #[serde(default)]
    pub findings: Option<Findings>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Score {
    #[serde(default)]
    pub overall: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SourceRow {
    pub name: String,
    pub health: String,
    #[serde(default)]
    pub error: Option<String>,
    /// Schema 2 only.
    #[serde(default)]
    pub unread: Vec<UnreadPart>,
    /// Schema 2 only.
    #[serde(default)]
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UnreadPart {
    pub part: String,
    #[serde(default)]
    pub call: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Place {
    pub account: String,
    pub region: String,
    pub health: String,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ControlRow {
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub status: Level,
    /// `None` when UNKNOWN: schema 2 writes null, schema 1 wrote 0; both read as unknown.
    #[serde(default)]
    pub failing: Option<u64>,
    #[serde(default)]
    pub resources: Vec<ResourceRow>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResourceRow {
    pub id: String,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

impl ResourceRow {
    /// Who the resource is: its ARN, which names its account and region; else its id within
    /// its account and region.
    fn identity(&self) -> (Option<&str>, Option<&str>, &str) {
        if self.id.starts_with("arn:") {
            (None, None, &self.id)
        } else {
            (self.account.as_deref(), self.region.as_deref(), &self.id)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Findings {
    #[serde(default)]
    pub by_severity: IndexMap<String, u64>,
    /// Schema 2 reports list the open findings at HIGH and above (`None` in schema 1, or from a
    /// vigil that did not list them yet).
    #[serde(default)]
    pub open_high: Option<Vec<FindingRow>>,
    /// How many more there were than the list holds.
    #[serde(default)]
    pub open_high_more: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRow {
    pub id: String,
    pub severity: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub control: Option<String>,
    #[serde(default)]
    pub resource: Option<String>,
}

/// The severities, worst first, as the report names them.
const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"];

impl Report {
    /// A report file's text; `origin` (the file) names it in errors, with the line and column
    /// where the JSON is broken or not a report's.
    pub fn parse(origin: &str, text: &str) -> Result<Report, FileError> {
        let value: Value = serde_json::from_str(text).map_err(|e| FileError::from_json(origin, &e))?;
        check_version(origin, &value)?;
        let report: Report = serde_json::from_str(text).map_err(|e| FileError {
            line: e.line(),
            column: e.column(),
            ..FileError::whole(origin, format!("not a vigil report: {}", json_message(&e)))
        })?;
        Ok(report.normalised())
    }

    /// A report made in this process (`report::json`), named `origin` in errors.
    pub fn from_value(origin: &str, value: Value) -> Result<Report, FileError> {
        check_version(origin, &value)?;
        let report: Report = serde_json::from_value(value)
            .map_err(|e| FileError::whole(origin, format!("not a vigil report: {}", json_message(&e))))?;
        Ok(report.normalised())
    }

    /// Schema 1 wrote 0 failing for an UNKNOWN control: unknown, as schema 2 says.
    fn normalised(mut self) -> Report {
        for c in &mut self.controls {
            if c.status == Level::Unknown {
                c.failing = None;
            }
        }
        self
    }

    /// The sources that failed or never answered: a side that `vigil report` would have
    /// exited 3 for. Empty: every source answered.
    pub fn failed(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| s.health != "ok")
            .map(|s| match (s.health.as_str(), &s.error) {
                ("loading" | "retrying", _) => format!("{} had not answered", s.name),
                (health, Some(e)) => format!("{} {health}: {}", s.name, clean(e)),
                (health, None) => format!("{} {health}", s.name),
            })
            .collect()
    }

    /// The parts and the accounts and regions a source answered without (schema 2): what they
    /// feed is unknown on this side.
    pub fn not_read(&self) -> Vec<String> {
        let mut out = Vec::new();
        // A source that failed is said once, by `failed`, not once per part.
        for s in self.sources.iter().filter(|s| s.health == "ok") {
            for u in &s.unread {
                let call = u.call.as_deref().map_or(String::new(), |c| format!(" ({c})"));
                let error = u.error.as_deref().map_or(String::new(), |e| format!(": {}", clean(e)));
                out.push(format!("{} {}{call}{error}", s.name, u.part.replace('_', " ")));
            }
            for p in s.places.iter().filter(|p| p.health != "ok") {
                let error = p.error.as_deref().map_or(String::new(), |e| format!(": {}", clean(e)));
                out.push(format!("{} in {} {}{error}", s.name, p.account, p.region));
            }
        }
        out
    }
}

fn check_version(origin: &str, value: &Value) -> Result<(), FileError> {
    let not_a_report = || {
        FileError::whole(
            origin,
            "not a vigil report: expected the JSON object `vigil report --format json` writes, with its schema_version",
        )
    };
    match value.as_object().and_then(|o| o.get("schema_version")) {
        None => Err(not_a_report()),
        Some(v) if v == 1 || v == 2 => Ok(()),
        Some(v) => Err(FileError::in_field(
            origin,
            "schema_version",
            format!("{v}: this vigil reads reports of schema 1 and 2; compare it with a newer vigil"),
        )),
    }
}

/// Whether a file's text is a recording (`vigil record`, `watch --record`) rather than a
/// report: its first line is a recording's header.
pub fn is_recording(text: &str) -> bool {
    text.lines().next().is_some_and(|l| l.trim_start().starts_with('{') && l.contains("\"vigil_recording\""))
}

/// One side of a comparison: what was given for it, and the report it became.
#[derive(Debug, Clone)]
pub struct Side {
    /// As given: `yesterday.json`, `r.jsonl@5m`, `live`.
    pub input: String,
    pub report: Report,
}

// ── The comparison ──────────────────────────────────────────────────────────────────────────

/// Two sides compared: what `vigil diff --format json` writes.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub schema_version: u32,
    pub before: SideInfo,
    pub after: SideInfo,
    pub score: BeforeAfter,
    /// Only the controls whose status or failing resources differ, in the after side's order.
    pub controls: Vec<ControlChange>,
    pub findings: FindingChanges,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub input: String,
    pub subject: Value,
    pub generated_at: Option<String>,
    pub schema_version: u32,
    /// Sources that failed or never answered (exit 3).
    pub failed: Vec<String>,
    /// Parts, accounts and regions not read (said, not an exit code of their own).
    pub not_read: Vec<String>,
}

impl SideInfo {
    fn of(side: &Side) -> SideInfo {
        let r = &side.report;
        SideInfo {
            input: side.input.clone(),
            subject: r.subject.clone(),
            generated_at: r.generated_at.clone(),
            schema_version: r.schema_version,
            failed: r.failed(),
            not_read: r.not_read(),
        }
    }
}

/// A number on each side: the overall posture score (percent; null: no control had data), a
/// count of open findings (null: not read).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BeforeAfter {
    pub before: Option<u64>,
    pub after: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlChange {
    pub id: String,
    pub title: String,
    /// `None`: the control is not in that side's catalog.
    pub from: Option<Level>,
    pub to: Option<Level>,
    pub failing_before: Option<u64>,
    pub failing_after: Option<u64>,
    pub resources_added: Vec<String>,
    pub resources_removed: Vec<String>,
    /// The status moved to a worse one.
    pub worse: bool,
}

impl ControlChange {
    /// Whether this change is a regression at `fail_on` (`None`: any worse status): a
    /// resource newly failing always is.
    pub fn regresses(&self, fail_on: Option<StatusLevel>) -> bool {
        if !self.resources_added.is_empty() {
            return true;
        }
        match (self.worse, self.to, fail_on) {
            (false, _, _) | (_, None, _) => false,
            (true, Some(_), None) => true,
            (true, Some(to), Some(limit)) => to.level().urgency() <= limit.urgency(),
        }
    }
}

/// Open findings at HIGH and above, new and resolved by id, when both sides list them; and
/// the open findings by severity on each side.
#[derive(Debug, Clone, Serialize)]
pub struct FindingChanges {
    /// Open (NEW or NOTIFIED) at HIGH or above after, not before: new, or raised to HIGH.
    pub new: Option<Vec<FindingRow>>,
    /// Open at HIGH or above before, not after: resolved, suppressed, archived or lowered.
    pub resolved: Option<Vec<FindingRow>>,
    /// Why `new` and `resolved` are null.
    pub note: Option<String>,
    /// Open findings of each severity: before and after (null: not read on that side).
    pub by_severity: IndexMap<String, BeforeAfter>,
}

/// Whether `to` is worse than `from`: later in PASS, UNKNOWN, STALE, WARN, FAIL. A control new
/// to the catalog is compared with UNKNOWN; one no longer in it is not worse.
fn worse(from: Option<Level>, to: Option<Level>) -> bool {
    match (from, to) {
        (_, None) => false,
        (from, Some(to)) => to.level().urgency() < from.unwrap_or(Level::Unknown).level().urgency(),
    }
}

/// Compares two sides.
pub fn compare(before: &Side, after: &Side) -> Diff {
    let (b, a) = (&before.report, &after.report);
    let earlier: HashMap<&str, &ControlRow> = b.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let later: HashMap<&str, &ControlRow> = a.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let pairs = a
        .controls
        .iter()
        .map(|c| (earlier.get(c.id.as_str()).copied(), Some(c)))
        .chain(b.controls.iter().filter(|c| !later.contains_key(c.id.as_str())).map(|c| (Some(c), None)));
    let mut controls = Vec::new();
    for (was, is) in pairs {
        let (from, to) = (was.map(|c| c.status), is.map(|c| c.status));
        let (kept, now) = (keys(was), keys(is));
        if from == to && kept == now {
            continue;
        }
        let any = is.or(was).expect("one side has it");
        controls.push(ControlChange {
            id: any.id.clone(),
            title: any.title.clone(),
            from,
            to,
            failing_before: was.and_then(|c| c.failing),
            failing_after: is.and_then(|c| c.failing),
            resources_added: only(is, &kept),
            resources_removed: only(was, &now),
            worse: worse(from, to),
        });
    }
    Diff {
        schema_version: SCHEMA_VERSION,
        before: SideInfo::of(before),
        after: SideInfo::of(after),
        score: BeforeAfter { before: b.score.overall, after: a.score.overall },
        controls,
        findings: findings(b, a),
    }
}

/// Who a resource is: see [`ResourceRow::identity`].
type Identity<'a> = (Option<&'a str>, Option<&'a str>, &'a str);

/// A control's failing resources, by who they are.
fn keys(c: Option<&ControlRow>) -> BTreeSet<Identity<'_>> {
    c.into_iter().flat_map(|c| c.resources.iter().map(ResourceRow::identity)).collect()
}

/// The ids of `c`'s failing resources that are not in `other`, each once, in `c`'s order.
fn only(c: Option<&ControlRow>, other: &BTreeSet<Identity<'_>>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    c.into_iter()
        .flat_map(|c| &c.resources)
        .filter(|r| !other.contains(&r.identity()) && seen.insert(r.identity()))
        .map(|r| r.id.clone())
        .collect()
}

fn findings(b: &Report, a: &Report) -> FindingChanges {
    let by_severity = SEVERITIES
        .iter()
        .map(|s| {
            let count = |r: &Report| r.findings.as_ref().map(|f| f.by_severity.get(*s).copied().unwrap_or(0));
            (s.to_string(), BeforeAfter { before: count(b), after: count(a) })
        })
        .collect();
    let listed = |r: &Report, side: &str| -> Result<Vec<FindingRow>, String> {
        let Some(f) = &r.findings else { return Err(format!("the findings were not read on the {side} side")) };
        match &f.open_high {
            None => Err(format!("the {side} report lists no finding ids (schema 1, or an older vigil)")),
            Some(_) if f.open_high_more > 0 => Err(format!(
                "the {side} report lists {} of its {} open findings at HIGH and above",
                crate::report::OPEN_HIGH_LISTED,
                crate::report::OPEN_HIGH_LISTED as u64 + f.open_high_more
            )),
            Some(list) => Ok(list.clone()),
        }
    };
    match (listed(b, "before"), listed(a, "after")) {
        (Ok(was), Ok(is)) => {
            let ids = |list: &[FindingRow]| list.iter().map(|f| f.id.clone()).collect::<BTreeSet<_>>();
            let (was_ids, is_ids) = (ids(&was), ids(&is));
            FindingChanges {
                new: Some(is.into_iter().filter(|f| !was_ids.contains(&f.id)).collect()),
                resolved: Some(was.into_iter().filter(|f| !is_ids.contains(&f.id)).collect()),
                note: None,
                by_severity,
            }
        }
        (Err(why), _) | (_, Err(why)) => FindingChanges { new: None, resolved: None, note: Some(why), by_severity },
    }
}

// ── What it says ────────────────────────────────────────────────────────────────────────────

impl Diff {
    /// The changes that count as regressions at `fail_on`.
    pub fn regressions(&self, fail_on: Option<StatusLevel>) -> Vec<&ControlChange> {
        self.controls.iter().filter(|c| c.regresses(fail_on)).collect()
    }

    /// Whether a side is missing a source (`vigil diff`'s exit 3).
    pub fn incomplete(&self) -> bool {
        !self.before.failed.is_empty() || !self.after.failed.is_empty()
    }

    pub fn json(&self) -> Value {
        serde_json::to_value(self).expect("a diff is plain data")
    }

    /// The diff in `format`; `colour`: ANSI colours in the text (a terminal's).
    pub fn render(&self, format: Format, fail_on: Option<StatusLevel>, colour: bool) -> String {
        match format {
            Format::Json => format!("{:#}\n", self.json()),
            Format::Text => self.text(fail_on, colour),
            Format::Markdown => self.markdown(fail_on, 1),
        }
    }

    /// A short summary for a person: the score, each changed control on a line
    /// (`PRV-02 PASS → FAIL +nb-7 -nb-3  title`), the findings, and whether it regressed.
    pub fn text(&self, fail_on: Option<StatusLevel>, colour: bool) -> String {
        let paint = |code: &str, s: &str| if colour { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
        let status = |l: Option<Level>| match l {
            None => paint("2", "(none)"),
            Some(l @ Level::Fail) => paint("1;31", l.upper()),
            Some(l @ Level::Warn) => paint("33", l.upper()),
            Some(l @ Level::Pass) => paint("32", l.upper()),
            Some(l) => paint("2", l.upper()),
        };
        let mut out = String::new();
        for (name, side) in [("before", &self.before), ("after ", &self.after)] {
            let _ = writeln!(out, "{name}  {}", side_line(side));
        }
        let _ = writeln!(out, "posture {} → {}", percent(self.score.before), percent(self.score.after));
        for (name, side) in [("before", &self.before), ("after", &self.after)] {
            for f in &side.failed {
                let _ = writeln!(out, "{}", paint("1;31", &format!("{name}: not read whole: {f}")));
            }
            for n in &side.not_read {
                let _ = writeln!(out, "{name}: not read: {n}");
            }
        }
        out.push('\n');
        if self.controls.is_empty() {
            out.push_str("No control changed.\n");
        } else {
            let n = self.controls.len();
            let _ = writeln!(out, "{n} {} changed:", if n == 1 { "control" } else { "controls" });
            let width = self.controls.iter().map(|c| c.id.chars().count()).max().unwrap_or(0);
            for c in &self.controls {
                let mut line = format!("  {:<width$} {} → {}", clean(&c.id), status(c.from), status(c.to));
                for (sign, list, code) in [("+", &c.resources_added, "31"), ("-", &c.resources_removed, "32")] {
                    for r in list.iter().take(LISTED) {
                        line.push(' ');
                        line.push_str(&paint(code, &format!("{sign}{}", clean(short(r)))));
                    }
                    if list.len() > LISTED {
                        let _ = write!(line, " {sign}{} more", list.len() - LISTED);
                    }
                }
                let _ = writeln!(out, "{line}  {}", paint("2", &clean(&c.title)));
            }
        }
        let f = &self.findings;
        let counts: Vec<String> = f
            .by_severity
            .iter()
            .filter(|(_, c)| c.before != c.after)
            .map(|(s, c)| format!("{s} {} → {}", count(c.before), count(c.after)))
            .collect();
        if !counts.is_empty() {
            let _ = writeln!(out, "\nOpen findings: {}", counts.join(", "));
        }
        match (&f.new, &f.resolved) {
            (Some(new), Some(resolved)) if !new.is_empty() || !resolved.is_empty() => {
                let _ =
                    writeln!(out, "Open findings at HIGH and above: {} new, {} resolved", new.len(), resolved.len());
                for (sign, list) in [("+", new), ("-", resolved)] {
                    for x in list {
                        let on = x.resource.as_deref().map_or(String::new(), |r| format!(" ({})", clean(short(r))));
                        let _ = writeln!(out, "  {sign} {} {}{on}", x.severity, clean(&x.title));
                    }
                }
            }
            (Some(_), Some(_)) => {}
            _ => {
                if let Some(note) = &f.note {
                    let _ = writeln!(out, "New and resolved findings: unknown: {note}; only their counts are compared");
                }
            }
        }
        out.push('\n');
        out.push_str(&verdict(&self.regressions(fail_on), fail_on));
        out.push('\n');
        out
    }

    /// The diff as Markdown, its headings at `depth`: 1 for `vigil diff` (`# vigil diff`), 2 for
    /// the section `vigil report --baseline` adds (`## Since the baseline`).
    pub fn markdown(&self, fail_on: Option<StatusLevel>, depth: usize) -> String {
        let h = |extra: usize| "#".repeat(depth + extra);
        let mut out = String::new();
        let _ = writeln!(out, "{} {}\n", h(0), if depth <= 1 { "vigil diff" } else { "Since the baseline" });
        out.push_str("| Side | Report | Generated | Subject |\n|---|---|---|---|\n");
        for (name, side) in [("before", &self.before), ("after", &self.after)] {
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} |",
                md(&side.input),
                side.generated_at.as_deref().map_or("—".to_string(), md),
                md(&subject(&side.subject))
            );
        }
        let _ = writeln!(out, "\nPosture **{}** → **{}**", percent(self.score.before), percent(self.score.after));
        let mut unread = Vec::new();
        for (name, side) in [("before", &self.before), ("after", &self.after)] {
            unread.extend(side.failed.iter().map(|f| format!("- {name}: **not read whole**: {}", md(f))));
            unread.extend(side.not_read.iter().map(|n| format!("- {name}: not read: {}", md(n))));
        }
        if !unread.is_empty() {
            let _ = writeln!(out, "\n{}", unread.join("\n"));
        }
        let _ = writeln!(out, "\n{} Controls that changed\n", h(1));
        if self.controls.is_empty() {
            out.push_str("none.\n");
        } else {
            out.push_str("| Control | Status | Failing | Newly failing | No longer failing |\n|---|---|---|---|---|\n");
            let cell = |list: &[String]| {
                let mut shown: Vec<String> = list.iter().take(LISTED).map(|r| md(short(r))).collect();
                if list.len() > LISTED {
                    shown.push(format!("and {} more", list.len() - LISTED));
                }
                shown.join("<br>")
            };
            let status =
                |l: Option<Level>| l.map_or("—".to_string(), |l| format!("{} {}", l.level().symbol(), l.upper()));
            for c in &self.controls {
                let _ = writeln!(
                    out,
                    "| {} {} | {} → {} | {} → {} | {} | {} |",
                    md(&c.id),
                    md(&c.title),
                    status(c.from),
                    status(c.to),
                    count(c.failing_before),
                    count(c.failing_after),
                    cell(&c.resources_added),
                    cell(&c.resources_removed)
                );
            }
        }
        let f = &self.findings;
        let _ = writeln!(out, "\n{} Findings\n", h(1));
        let counts: Vec<String> =
            f.by_severity.iter().map(|(s, c)| format!("{s} {} → {}", count(c.before), count(c.after))).collect();
        let _ = writeln!(out, "Open by severity: {}.\n", counts.join(", "));
        match (&f.new, &f.resolved) {
            (Some(new), Some(resolved)) => {
                let _ = writeln!(out, "Open at HIGH and above: {} new, {} resolved.\n", new.len(), resolved.len());
                for (word, list) in [("new", new), ("resolved", resolved)] {
                    for x in list {
                        let on = x.resource.as_deref().map_or(String::new(), |r| format!(" ({})", md(short(r))));
                        let _ = writeln!(out, "- {word}: {} {}{on}", x.severity, md(&x.title));
                    }
                }
            }
            _ => {
                let note = md(f.note.as_deref().unwrap_or_default());
                let _ = writeln!(out, "New and resolved findings: unknown: {note}; only their counts are compared.");
            }
        }
        let _ = writeln!(out, "\n{}", verdict(&self.regressions(fail_on), fail_on));
        out
    }
}

/// `Regressed: ...` or `No regression.`
fn verdict(regressions: &[&ControlChange], fail_on: Option<StatusLevel>) -> String {
    let at = match fail_on {
        None => String::new(),
        Some(l) => format!(" (--fail-on {})", Level::of(l).upper().to_lowercase()),
    };
    if regressions.is_empty() {
        return format!("No regression{at}.");
    }
    const SAID: usize = 5;
    let mut said: Vec<String> = regressions
        .iter()
        .take(SAID)
        .map(|c| {
            let newly = c.resources_added.len();
            let mut what = clean(&c.id).into_owned();
            if c.worse && c.regresses_by_status(fail_on) {
                let from = c.from.map_or("(none)", Level::upper);
                let _ = write!(what, " {from} → {}", c.to.map_or("(none)", Level::upper));
            }
            if newly > 0 {
                let _ = write!(what, " ({newly} {} newly failing)", if newly == 1 { "resource" } else { "resources" });
            }
            what
        })
        .collect();
    if regressions.len() > SAID {
        said.push(format!("and {} more", regressions.len() - SAID));
    }
    format!("Regressed{at}: {}.", said.join(", "))
}

impl ControlChange {
    /// Whether the status alone makes this a regression at `fail_on`.
    fn regresses_by_status(&self, fail_on: Option<StatusLevel>) -> bool {
        ControlChange { resources_added: Vec::new(), ..self.clone() }.regresses(fail_on)
    }
}

/// `yesterday.json · 2026-12-06T09:00:00Z · account 123456789012 us-east-1`
fn side_line(side: &SideInfo) -> String {
    let mut parts = vec![clean(&side.input).into_owned()];
    if let Some(at) = &side.generated_at {
        parts.push(clean(at).into_owned());
    }
    parts.push(subject(&side.subject));
    parts.join(" · ")
}

/// What a report is about, in words: `account 123456789012 us-east-1`, `workshop demo`.
fn subject(s: &Value) -> String {
    if s["demo"] == true {
        return "workshop demo".into();
    }
    let said = |v: &Value| v.as_str().map_or("unknown".to_string(), |s| clean(s).into_owned());
    format!("account {} {}", said(&s["account"]), said(&s["region"]))
}

fn percent(p: Option<u64>) -> String {
    p.map_or("--".to_string(), |n| format!("{n}%"))
}

/// A count, `—` when unknown.
fn count(n: Option<u64>) -> String {
    n.map_or("—".to_string(), |n| n.to_string())
}

/// A Markdown cell: inert text, pipes escaped.
fn md(s: &str) -> String {
    clean(s).replace('|', "\\|")
}

/// A resource as a person names it: an ARN's last part (`nb-7` of
/// `arn:aws:sagemaker:...:notebook-instance/nb-7`), any other id whole.
pub fn short(id: &str) -> &str {
    if !id.starts_with("arn:") {
        return id;
    }
    let tail = id.rsplit_once('/').map_or_else(|| id.rsplit_once(':').map_or(id, |(_, t)| t), |(_, t)| t);
    if tail.is_empty() { id } else { tail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(schema: u32, controls: Value) -> Report {
        Report::from_value("r", json!({"schema_version": schema, "controls": controls})).unwrap()
    }

    fn side(input: &str, r: Report) -> Side {
        Side { input: input.into(), report: r }
    }

    fn control(id: &str, status: &str, resources: &[&str]) -> Value {
        let resources: Vec<Value> = resources.iter().map(|r| json!({"id": r, "account": "1", "region": "r"})).collect();
        json!({"id": id, "title": format!("{id} title"), "status": status, "failing": resources.len(), "resources": resources})
    }

    #[test]
    fn worse_is_later_in_pass_unknown_stale_warn_fail() {
        let order = [Level::Pass, Level::Unknown, Level::Stale, Level::Warn, Level::Fail];
        for (i, from) in order.iter().enumerate() {
            for (j, to) in order.iter().enumerate() {
                assert_eq!(worse(Some(*from), Some(*to)), j > i, "{from:?} → {to:?}");
            }
        }
        assert!(worse(None, Some(Level::Fail)) && !worse(None, Some(Level::Pass)), "new to the catalog: as UNKNOWN");
        assert!(!worse(Some(Level::Pass), None), "gone from the catalog");
    }

    #[test]
    fn fail_on_narrows_worse_to_a_status_at_or_past_it() {
        let before =
            report(2, json!([control("A", "pass", &[]), control("B", "pass", &[]), control("C", "fail", &["x"])]));
        let after = report(
            2,
            json!([control("A", "warn", &[]), control("B", "unknown", &[]), control("C", "fail", &["x", "y"])]),
        );
        let d = compare(&side("b", before), &side("a", after));
        let ids = |fail_on| d.regressions(fail_on).iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(None), ["A", "B", "C"]);
        assert_eq!(ids(Some(StatusLevel::Warn)), ["A", "C"]);
        assert_eq!(ids(Some(StatusLevel::Fail)), ["C"], "a resource newly failing always counts");
        assert_eq!(d.controls[2].resources_added, ["y"]);
        assert!(!d.controls[2].worse);
    }

    #[test]
    fn schema_1_unknown_zero_reads_as_unknown() {
        let v1 = report(1, json!([{"id": "A", "status": "unknown", "failing": 0, "resources": []}]));
        let v2 = report(2, json!([{"id": "A", "status": "unknown", "failing": null, "resources": []}]));
        assert_eq!(v1.controls[0].failing, None);
        let d = compare(&side("v1", v1), &side("v2", v2));
        assert!(d.controls.is_empty(), "{:?}", d.controls);
    }

    #[test]
    fn a_resource_is_its_arn_or_its_id_in_its_account() {
        let r = |id: &str, account: &str| ResourceRow { id: id.into(), account: Some(account.into()), region: None };
        assert_eq!(r("arn:aws:s3:::b", "1").identity(), r("arn:aws:s3:::b", "2").identity());
        assert_ne!(r("vpc-1", "1").identity(), r("vpc-1", "2").identity());
        assert_eq!(short("arn:aws:sagemaker:us-east-1:1:notebook-instance/nb-7"), "nb-7");
        assert_eq!(short("arn:aws:s3:::ml-data"), "ml-data");
        assert_eq!(short("UnauthorizedAPICalls"), "UnauthorizedAPICalls");
    }

    #[test]
    fn not_a_report_or_a_newer_one_is_said_with_its_place() {
        let e = Report::parse("x.json", "{\"schema_version\": 2,\n \"controls\": [{\"id\": 3}]}").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.to_string().starts_with("x.json:2:"), "{e}");
        assert!(e.to_string().contains("not a vigil report: invalid type: integer `3`, expected a string"), "{e}");
        let e = Report::parse("x.json", "{\"schema_version\": 9, \"controls\": []}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.json: schema_version: 9: this vigil reads reports of schema 1 and 2; compare it with a newer vigil"
        );
        let e = Report::parse("x.json", "[1, 2]").unwrap_err();
        assert!(e.to_string().starts_with("x.json: not a vigil report"), "{e}");
        assert!(is_recording("{\"vigil_recording\":1,\"vigil\":\"0.1.0\"}\n{}") && !is_recording("{\n"));
    }

    #[test]
    fn the_text_says_each_change_on_a_line_and_the_verdict() {
        let before =
            report(2, json!([control("PRV-02", "pass", &[]), control("DET-01", "fail", &["arn:aws:s3:::b/nb-3"])]));
        let after =
            report(2, json!([control("PRV-02", "fail", &["arn:aws:s3:::b/nb-7"]), control("DET-01", "pass", &[])]));
        let d = compare(&side("before.json", before), &side("after.json", after));
        let text = d.text(None, false);
        assert!(text.contains("  PRV-02 PASS → FAIL +nb-7  PRV-02 title\n"), "{text}");
        assert!(text.contains("  DET-01 FAIL → PASS -nb-3  DET-01 title\n"), "{text}");
        assert!(text.ends_with("Regressed: PRV-02 PASS → FAIL (1 resource newly failing).\n"), "{text}");
        assert!(!text.contains('\x1b'), "no colour unless asked");
        assert!(d.text(None, true).contains("\x1b[1;31mFAIL\x1b[0m"));
    }
}
