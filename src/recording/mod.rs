//! Recordings: every source event of a session with the moment it arrived, and what it was
//! about (account, region, profile, the catalog), so that it can be replayed in the dashboard or
//! reported on later. JSON lines: a versioned header, then one line per event (README
//! "Recordings"). Never credentials: sources' events hold none.

mod redact;
mod writer;

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use redact::Redactor;
pub use writer::Recorder;

use crate::catalog::Catalog;
use crate::located::{FileError, json_message};
use crate::model::{Payload, SourceError, SourceEvent, SourceKind, Timestamp};

/// The format this vigil writes and reads.
pub const FORMAT: u32 = 1;

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The format's version: [`FORMAT`].
    pub vigil_recording: u32,
    /// The vigil that wrote it.
    pub vigil: String,
    pub started_at: Timestamp,
    pub subject: Subject,
    /// The sources recorded, with their poll intervals (what makes data stale on replay).
    pub feeds: Vec<Feed>,
    /// The catalog in use: the controls the events were read for.
    pub catalog: RecordedCatalog,
    /// Whether account ids were replaced (`--redact`).
    pub redacted: bool,
}

/// What was watched. The account comes in its own line once STS has said it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub account: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    pub source: SourceKind,
    /// `None`: the data never ages (offline guardrail tests).
    pub interval_secs: Option<u64>,
}

impl Feed {
    pub fn interval(&self) -> Option<std::time::Duration> {
        self.interval_secs.map(std::time::Duration::from_secs)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedCatalog {
    /// The file it came from, or the default's name.
    pub origin: String,
    pub text: String,
}

impl Header {
    pub fn new(
        started_at: Timestamp,
        subject: Subject,
        feeds: &[(SourceKind, Option<std::time::Duration>)],
        catalog: &Catalog,
    ) -> Self {
        Header {
            vigil_recording: FORMAT,
            vigil: env!("CARGO_PKG_VERSION").to_string(),
            started_at,
            subject,
            feeds: feeds
                .iter()
                .map(|(source, i)| Feed { source: *source, interval_secs: i.map(|d| d.as_secs()) })
                .collect(),
            catalog: RecordedCatalog { origin: catalog.origin.clone(), text: catalog.text.to_string() },
            redacted: false,
        }
    }
}

/// What a line after the header holds. Events are nearly every line, so they are not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    Event(SourceEvent),
    /// The account id, once STS said it.
    Account(String),
}

/// One line after the header: what arrived and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: Timestamp,
    pub what: Recorded,
}

/// A line as written: `at` and one of `event` and `account`.
#[derive(Serialize)]
struct LineOut<'a> {
    at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<EventOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
}

/// An event as written: `payload` or `error`.
#[derive(Serialize)]
struct EventOut<'a> {
    source: SourceKind,
    fetched_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a Payload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a SourceError>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIn {
    at: Timestamp,
    event: Option<EventIn>,
    account: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventIn {
    source: SourceKind,
    fetched_at: Timestamp,
    payload: Option<Payload>,
    error: Option<SourceError>,
}

impl Entry {
    /// The entry as one JSON value (a line without its newline).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self.line()).expect("an entry always serializes")
    }

    /// Writes the entry as one line, newline included.
    pub fn write_line(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, &self.line())?;
        out.write_all(b"\n")
    }

    fn line(&self) -> LineOut<'_> {
        match &self.what {
            Recorded::Event(e) => {
                let (payload, error) = match &e.result {
                    Ok(p) => (Some(p), None),
                    Err(err) => (None, Some(err)),
                };
                LineOut {
                    at: self.at,
                    event: Some(EventOut { source: e.source, fetched_at: e.fetched_at, payload, error }),
                    account: None,
                }
            }
            Recorded::Account(id) => LineOut { at: self.at, event: None, account: Some(id) },
        }
    }
}

/// A recording read back whole: checked line by line before anything is played.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub header: Header,
    pub entries: Vec<Entry>,
    /// Where it was read from, for messages.
    pub origin: String,
}

impl Recording {
    /// Reads and checks a whole recording. A newer format, a damaged line or lines out of order
    /// are refused with the line and the reason: a recording is never half played.
    pub fn load(path: &Path) -> Result<Recording, FileError> {
        let origin = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| FileError::whole(&origin, format!("cannot read: {e}")))?;
        Recording::read(std::io::BufReader::new(file), &origin)
    }

    /// Reads a recording from `input`; `origin` names it in messages.
    pub fn read(mut input: impl BufRead, origin: &str) -> Result<Recording, FileError> {
        // Columns count from 1, as every located error's do (serde_json says 0 where a read
        // failed at a line's start); a problem with a line as a whole points at its first.
        let at_line = |line: usize, column: usize, message: String| FileError {
            line,
            column: column.max(1),
            ..FileError::whole(origin, message)
        };
        let mut text = String::new();
        let mut number = 0;
        // One line, with whether it ended in a newline; `None` at the end.
        let mut next_line = |text: &mut String| -> Result<Option<bool>, FileError> {
            text.clear();
            number += 1;
            match input.read_line(text) {
                Ok(0) => Ok(None),
                Ok(_) => {
                    let whole = text.ends_with('\n');
                    let trimmed = text.trim_end_matches(['\n', '\r']).len();
                    text.truncate(trimmed);
                    Ok(Some(whole))
                }
                Err(e) => Err(at_line(number, 1, format!("cannot read: {e}"))),
            }
        };
        if next_line(&mut text)?.is_none() {
            return Err(FileError::whole(origin, "not a vigil recording: the file is empty"));
        }
        let header = parse_header(&text).map_err(|(column, message)| at_line(1, column, message))?;
        let mut entries: Vec<Entry> = Vec::new();
        crate::model::interning(|| {
            let mut line = 1;
            while let Some(whole) = next_line(&mut text)? {
                line += 1;
                if text.trim().is_empty() {
                    continue;
                }
                let parsed: LineIn = match serde_json::from_str(&text) {
                    Ok(l) => l,
                    Err(e) if !whole && e.is_eof() => {
                        return Err(at_line(
                            line,
                            e.column(),
                            "the recording stops in the middle of this line (was it cut off?)".into(),
                        ));
                    }
                    Err(e) => return Err(at_line(line, e.column(), format!("damaged line: {}", json_message(&e)))),
                };
                let what = match (parsed.event, parsed.account) {
                    (Some(e), None) => {
                        let result = match (e.payload, e.error) {
                            (Some(p), None) => Ok(p),
                            (None, Some(err)) => Err(err),
                            _ => {
                                return Err(at_line(
                                    line,
                                    1,
                                    "an event needs exactly one of `payload` and `error`".into(),
                                ));
                            }
                        };
                        Recorded::Event(SourceEvent { source: e.source, fetched_at: e.fetched_at, result })
                    }
                    (None, Some(id)) => Recorded::Account(id),
                    _ => return Err(at_line(line, 1, "a line needs exactly one of `event` and `account`".into())),
                };
                if let Some(last) = entries.last()
                    && parsed.at < last.at
                {
                    return Err(at_line(
                        line,
                        1,
                        format!("out of order: {} is before the line above's {}", parsed.at, last.at),
                    ));
                }
                if parsed.at < header.started_at {
                    return Err(at_line(
                        line,
                        1,
                        format!("{} is before the recording's start, {}", parsed.at, header.started_at),
                    ));
                }
                entries.push(Entry { at: parsed.at, what });
            }
            Ok(())
        })?;
        Ok(Recording { header, entries, origin: origin.to_string() })
    }

    /// The catalog the recording was made with.
    pub fn catalog(&self) -> Result<Catalog, FileError> {
        let origin = format!("{} (the catalog recorded in it, from {})", self.origin, self.header.catalog.origin);
        Catalog::parse(&self.header.catalog.text, &origin)
    }

    /// When the last line arrived (the start when there is none).
    pub fn ends_at(&self) -> Timestamp {
        self.entries.last().map_or(self.header.started_at, |e| e.at)
    }

    /// `--at`: a time (2026-11-29T10:05:00Z) or time since the recording's start (90s, 5m),
    /// within the recording. Before its start or after its end it holds nothing to report on,
    /// and a posture of stale or missing data would pass for a real one.
    pub fn moment(&self, text: &str) -> Result<Timestamp, String> {
        let (start, end) = (self.header.started_at, self.ends_at());
        let wrong = || {
            format!(
                "--at `{text}`: expected a time (2026-11-29T10:05:00Z) or time since the recording's start (90s, 5m)"
            )
        };
        let at = match text.parse::<Timestamp>() {
            Ok(t) => t,
            Err(_) => {
                let since: jiff::SignedDuration = text.parse().map_err(|_| wrong())?;
                start.checked_add(since).map_err(|_| wrong())?
            }
        };
        let outside = |where_: &str| {
            let said = if text == at.to_string() { format!("--at {text}") } else { format!("--at {text} ({at})") };
            let length = end.duration_since(start);
            format!("{said} is {where_}: {} runs from {start} to {end} ({length:#})", self.origin)
        };
        if at < start {
            return Err(outside("before the recording's start"));
        }
        if at > end {
            return Err(outside("after the recording's end"));
        }
        Ok(at)
    }

    /// The account as it was known at `at`: the header's, or the last account line before it.
    pub fn account_at(&self, at: Timestamp) -> Option<String> {
        let said = self.entries.iter().take_while(|e| e.at <= at).filter_map(|e| match &e.what {
            Recorded::Account(id) => Some(id.clone()),
            Recorded::Event(_) => None,
        });
        said.last().or_else(|| self.header.subject.account.clone())
    }
}

/// The header, checked for its version before its shape, so that a newer vigil's header is
/// called newer rather than malformed. Errors carry the column and the message.
fn parse_header(text: &str) -> Result<Header, (usize, String)> {
    const NOT: &str = "not a vigil recording: the first line is not a recording's header";
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| (1, NOT.to_string()))?;
    let Some(version) = value.get("vigil_recording") else { return Err((1, NOT.to_string())) };
    let Some(version) = version.as_u64() else {
        return Err((1, format!("vigil_recording: expected a format number, found {version}")));
    };
    if version > u64::from(FORMAT) {
        let by = value.get("vigil").and_then(|v| v.as_str()).unwrap_or("a newer vigil");
        return Err((
            0,
            format!(
                "recorded in format {version} (by vigil {by}); this vigil {} reads format {FORMAT}: replay it with a newer vigil",
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    if version != u64::from(FORMAT) {
        return Err((1, format!("vigil_recording: unknown format {version}")));
    }
    serde_json::from_value(value).map_err(|e| (1, format!("header: {}", json_message(&e))))
}

#[cfg(test)]
mod tests;
