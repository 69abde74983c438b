//! Local snapshots: the store's last complete state for one subject (profile, region, endpoint;
//! the account inside), so that `watch` (and `report --snapshot`) start warm instead of reading
//! 100,000 findings again at 3 calls a second. JSON lines: a header (versioned, with a checksum of
//! what follows), then each source's full set as a replace event. Owner-only (0600), written to a
//! temporary file and renamed, so that a crash never leaves half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Payload, SourceEvent, SourceKind, Timestamp};

/// The format this vigil writes and reads.
pub const FORMAT: u32 = 1;

/// Findings live 90 days in Security Hub: a snapshot older than that holds nothing still true.
pub const EXPIRES: std::time::Duration = std::time::Duration::from_secs(90 * 24 * 3600);

/// What a snapshot is of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub profile: Option<String>,
    pub region: String,
    /// The endpoint given (`--endpoint-url`): a test fake's snapshot is not AWS's.
    pub endpoint: Option<String>,
    /// The account STS named, once it did.
    pub account: Option<String>,
}

impl Subject {
    /// The file name: the same subject always finds its own file (the account is checked inside,
    /// as it is known only once STS answers).
    pub fn file_name(&self) -> String {
        let mut key = format!(
            "{}|{}|{}",
            self.profile.as_deref().unwrap_or("default"),
            self.region,
            self.endpoint.as_deref().unwrap_or("aws")
        );
        let readable: String = format!("{}-{}", self.profile.as_deref().unwrap_or("default"), self.region)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        key = format!("{:016x}", fnv(key.as_bytes()));
        format!("{readable}-{key}.jsonl")
    }

    /// The same profile, region and endpoint, and the same account where both know it.
    fn is(&self, other: &Subject) -> bool {
        self.profile == other.profile
            && self.region == other.region
            && self.endpoint == other.endpoint
            && (self.account.is_none() || other.account.is_none() || self.account == other.account)
    }
}

/// The first line of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub vigil_snapshot: u32,
    pub vigil: String,
    pub written_at: Timestamp,
    pub subject: Subject,
    /// A checksum of the catalog's text: another catalog binds evidence otherwise.
    pub catalog: String,
    /// Security Hub's newest `UpdatedAt` held: where the warm start's incremental read begins.
    pub watermark: Option<Timestamp>,
    /// Findings held, for `vigil snapshot list`.
    pub findings: u64,
    /// FNV-1a 64 of everything after the header line.
    pub checksum: String,
}

/// One source's full set, as a line is written (borrowed: a snapshot of 100,000 findings is not
/// copied to be written).
#[derive(Serialize)]
struct LineOut<'a> {
    source: SourceKind,
    fetched_at: Timestamp,
    payload: &'a Payload,
}

/// One source's full set, as a line is read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    source: SourceKind,
    fetched_at: Timestamp,
    payload: Payload,
}

/// A snapshot read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub header: Header,
    pub events: Vec<SourceEvent>,
    pub path: PathBuf,
}

/// Why a snapshot is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// There is none yet.
    Missing,
    /// It is of another profile, region, endpoint or account.
    Foreign(String),
    /// It was read for another catalog.
    OtherCatalog,
    /// Older than Security Hub keeps findings.
    Expired(String),
    /// It cannot be read as written (the checksum, a line, the format).
    Damaged(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Missing => f.write_str("no snapshot yet"),
            Refused::Foreign(what) => write!(f, "it is of {what}"),
            Refused::OtherCatalog => f.write_str("it was read for another catalog"),
            Refused::Expired(age) => write!(f, "it is {age} old, older than Security Hub keeps findings (90 days)"),
            Refused::Damaged(why) => write!(f, "it is damaged: {why}"),
        }
    }
}

/// Where snapshots live: `$XDG_CACHE_HOME/vigil/snapshots`, else `~/.cache/vigil/snapshots`.
pub fn dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("vigil").join("snapshots"))
}

/// FNV-1a, 64 bits: a checksum that needs no dependency and never changes with the toolchain.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The catalog's checksum, as a header keeps it.
pub fn catalog_sum(catalog_text: &str) -> String {
    format!("{:016x}", fnv(catalog_text.as_bytes()))
}

/// Writes a snapshot of `events` (each source's full set) to `path`: a temporary file beside it,
/// owner-only, then renamed over it.
pub fn write(
    path: &Path,
    subject: &Subject,
    catalog_text: &str,
    events: &[SourceEvent],
    written_at: Timestamp,
) -> std::io::Result<()> {
    let mut body = Vec::new();
    let mut watermark: Option<Timestamp> = None;
    let mut findings = 0u64;
    for e in events {
        if let (SourceKind::SecurityHub, Ok(Payload::Replace(d))) = (e.source, &e.result) {
            findings += d.findings.len() as u64;
            watermark = d.findings.iter().map(|f| f.updated_at.get()).max().max(watermark);
        }
        // Only full sets are kept: a failure is not a state.
        let Ok(payload) = &e.result else { continue };
        let line = LineOut { source: e.source, fetched_at: e.fetched_at, payload };
        serde_json::to_writer(&mut body, &line).map_err(std::io::Error::other)?;
        body.push(b'\n');
    }
    let header = Header {
        vigil_snapshot: FORMAT,
        vigil: env!("CARGO_PKG_VERSION").to_string(),
        written_at,
        subject: subject.clone(),
        catalog: catalog_sum(catalog_text),
        watermark,
        findings,
        checksum: format!("{:016x}", fnv(&body)),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = std::io::BufWriter::new(options.open(&tmp)?);
        serde_json::to_writer(&mut file, &header).map_err(std::io::Error::other)?;
        file.write_all(b"\n")?;
        file.write_all(&body)?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Writes the subject's snapshot where it lives (nothing where there is no cache directory).
pub fn write_at(
    subject: &Subject,
    catalog_text: &str,
    events: &[SourceEvent],
    written_at: Timestamp,
) -> std::io::Result<()> {
    match dir() {
        Some(d) => write(&d.join(subject.file_name()), subject, catalog_text, events, written_at),
        None => Ok(()),
    }
}

/// Reads the snapshot at `path` if it is one for `subject` and `catalog_text`, written at most
/// 90 days before `now`.
pub fn read(path: &Path, subject: &Subject, catalog_text: &str, now: Timestamp) -> Result<Snapshot, Refused> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refused::Missing),
        Err(e) => return Err(Refused::Damaged(format!("cannot read {}: {e}", path.display()))),
    };
    let split = bytes.iter().position(|b| *b == b'\n').ok_or_else(|| Refused::Damaged("no header line".into()))?;
    let header = read_header(&bytes[..split])?;
    let body = &bytes[split + 1..];
    if format!("{:016x}", fnv(body)) != header.checksum {
        return Err(Refused::Damaged("its checksum does not match what it holds".into()));
    }
    if !header.subject.is(subject) {
        let s = &header.subject;
        return Err(Refused::Foreign(format!(
            "profile {} · region {} · account {}",
            s.profile.as_deref().unwrap_or("default"),
            s.region,
            s.account.as_deref().unwrap_or("unknown")
        )));
    }
    if header.catalog != catalog_sum(catalog_text) {
        return Err(Refused::OtherCatalog);
    }
    let age = now.duration_since(header.written_at).unsigned_abs();
    if now > header.written_at && age > EXPIRES {
        return Err(Refused::Expired(format!("{}d", age.as_secs() / 86_400)));
    }
    let mut events = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        let line: Line = serde_json::from_slice(line)
            .map_err(|e| Refused::Damaged(format!("line {}: {}", i + 2, crate::located::json_message(&e))))?;
        events.push(SourceEvent { source: line.source, fetched_at: line.fetched_at, result: Ok(line.payload) });
    }
    Ok(Snapshot { header, events, path: path.to_path_buf() })
}

fn read_header(line: &[u8]) -> Result<Header, Refused> {
    #[derive(Deserialize)]
    struct Version {
        vigil_snapshot: u32,
        vigil: Option<String>,
    }
    let version: Version = serde_json::from_slice(line)
        .map_err(|e| Refused::Damaged(format!("line 1: {}", crate::located::json_message(&e))))?;
    if version.vigil_snapshot != FORMAT {
        return Err(Refused::Damaged(format!(
            "format {} (by vigil {}); this vigil reads format {FORMAT}",
            version.vigil_snapshot,
            version.vigil.as_deref().unwrap_or("?")
        )));
    }
    serde_json::from_slice(line).map_err(|e| Refused::Damaged(format!("line 1: {}", crate::located::json_message(&e))))
}

/// Every snapshot held: its path, its header (or why it cannot be read) and its size.
pub fn list(dir: &Path) -> Vec<(PathBuf, Result<Header, Refused>, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .map(|p| {
            let size = std::fs::metadata(&p).map_or(0, |m| m.len());
            let header = std::fs::File::open(&p).map_err(|e| Refused::Damaged(e.to_string())).and_then(|f| {
                let mut line = String::new();
                std::io::BufRead::read_line(&mut std::io::BufReader::new(f), &mut line)
                    .map_err(|e| Refused::Damaged(e.to_string()))?;
                read_header(line.trim_end().as_bytes())
            });
            (p, header, size)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dataset, Finding};

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + s).unwrap()
    }

    fn subject() -> Subject {
        Subject { profile: Some("p".into()), region: "us-east-1".into(), endpoint: None, account: Some("1".into()) }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vigil-snapshot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn events() -> Vec<SourceEvent> {
        let f = Finding {
            id: "f".into(),
            product: "GuardDuty".into(),
            control_id: None,
            related_rule: None,
            title: "t".into(),
            severity: crate::model::Severity::High,
            workflow: crate::model::WorkflowStatus::New,
            record_state: crate::model::RecordState::Active,
            compliance: None,
            resources: Default::default(),
            account: "1".into(),
            region: "us-east-1".into(),
            updated_at: t(5).into(),
            first_observed: None,
            class: None,
        };
        let data = Dataset { findings: vec![f], ..Default::default() };
        vec![SourceEvent { source: SourceKind::SecurityHub, fetched_at: t(10), result: Ok(Payload::Replace(data)) }]
    }

    #[test]
    fn a_snapshot_reads_back_what_was_written_owner_only() {
        let dir = scratch("round");
        let path = dir.join(subject().file_name());
        write(&path, &subject(), "catalog", &events(), t(20)).unwrap();
        let back = read(&path, &subject(), "catalog", t(30)).unwrap();
        assert_eq!(back.events, events());
        assert_eq!((back.header.watermark, back.header.findings), (Some(t(5)), 1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("tmp")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_foreign_stale_or_other_catalogs_snapshot_is_refused_saying_why() {
        let dir = scratch("refused");
        let path = dir.join(subject().file_name());
        assert_eq!(read(&path, &subject(), "catalog", t(0)), Err(Refused::Missing));
        write(&path, &subject(), "catalog", &events(), t(20)).unwrap();
        let other = Subject { account: Some("2".into()), ..subject() };
        assert!(matches!(read(&path, &other, "catalog", t(30)), Err(Refused::Foreign(s)) if s.contains("account 1")));
        // Not yet known (STS has not answered): the same subject.
        assert!(read(&path, &Subject { account: None, ..subject() }, "catalog", t(30)).is_ok());
        assert_eq!(read(&path, &subject(), "other", t(30)), Err(Refused::OtherCatalog));
        let late = t(20) + jiff::SignedDuration::from_hours(24 * 91);
        assert!(matches!(read(&path, &subject(), "catalog", late), Err(Refused::Expired(a)) if a == "91d"));
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            matches!(read(&path, &subject(), "catalog", t(30)), Err(Refused::Damaged(w)) if w.contains("checksum"))
        );
        std::fs::write(&path, b"{\"vigil_snapshot\": 9, \"vigil\": \"9.0\"}\n").unwrap();
        assert!(
            matches!(read(&path, &subject(), "catalog", t(30)), Err(Refused::Damaged(w)) if w.contains("format 9"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
