//! Snapshots for the commands that read AWS: which one is the subject's, whether it can be used,
//! keeping one from the store, and `vigil snapshot list|clear`.

use std::io::Write;
use std::path::PathBuf;

use crate::config::{AwsSettings, Config};
use crate::model::Timestamp;
use crate::snapshot::{self, Refused, Snapshot, Subject};
use crate::store::Posture;

/// Whether snapshots are kept and used: on unless `--no-snapshot` or `[cache] snapshot = false`.
pub fn enabled(no_snapshot: bool, config: &Config) -> bool {
    !no_snapshot && config.cache.snapshot.unwrap_or(true)
}

/// The subject a command reads: its profile, region and endpoint (the account is checked when
/// STS names it).
pub fn subject(aws: &AwsSettings, region: &str) -> Subject {
    Subject {
        profile: aws.profile.clone(),
        region: region.to_string(),
        endpoint: aws.endpoint_url.clone(),
        account: None,
    }
}

/// Where the subject's snapshot is kept (`None` where there is no cache directory).
pub fn path(subject: &Subject) -> Option<PathBuf> {
    snapshot::dir().map(|d| d.join(subject.file_name()))
}

/// The subject's snapshot if it can be used; else why not, in one line (`None` where there is
/// simply none yet).
pub fn usable(subject: &Subject, catalog_text: &str, now: Timestamp) -> (Option<Snapshot>, Option<String>) {
    let Some(path) = path(subject) else { return (None, None) };
    match snapshot::read(&path, subject, catalog_text, now) {
        Ok(mut s) => {
            // Security Hub keeps findings 90 days: older ones are gone from it, so from here.
            let oldest = now - jiff::SignedDuration::try_from(snapshot::EXPIRES).unwrap_or_default();
            for e in &mut s.events {
                if let Ok(crate::model::Payload::Replace(d)) = &mut e.result {
                    d.findings.retain(|f| f.updated_at.get() >= oldest);
                }
            }
            (Some(s), None)
        }
        Err(Refused::Missing) => (None, None),
        Err(why) => (None, Some(format!("snapshot not used ({why}): it will be replaced"))),
    }
}

/// Keeps the posture's last complete state as the subject's snapshot; what went wrong, if it
/// did (a snapshot is a convenience: it never fails a command).
pub fn keep(subject: &Subject, posture: &Posture, now: Timestamp) -> Result<(), String> {
    let events = posture.export();
    if events.is_empty() {
        return Ok(());
    }
    snapshot::write_at(subject, &posture.catalog().text, &events, now)
        .map_err(|e| format!("cannot write the snapshot of {}: {e}", subject.region))
}

/// `vigil snapshot list`: each snapshot kept, its subject, age, findings and size.
pub fn list(out: &mut dyn Write, now: Timestamp) -> std::io::Result<()> {
    let Some(dir) = snapshot::dir() else {
        writeln!(out, "no cache directory (neither XDG_CACHE_HOME nor HOME is set)")?;
        return Ok(());
    };
    let found = snapshot::list(&dir);
    if found.is_empty() {
        writeln!(out, "no snapshots in {}", dir.display())?;
        return Ok(());
    }
    for (path, header, size) in found {
        let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        match header {
            Ok(h) => {
                let s = &h.subject;
                let age = crate::ui::text::age(now.duration_since(h.written_at).unsigned_abs());
                writeln!(
                    out,
                    "{name}  profile {} · region {} · account {}{}  written {} ({age} ago)  {} findings  {} bytes",
                    crate::text::clean(s.profile.as_deref().unwrap_or("default")),
                    crate::text::clean(&s.region),
                    crate::text::clean(s.account.as_deref().unwrap_or("unknown")),
                    s.endpoint.as_deref().map_or(String::new(), |e| format!(" · {}", crate::text::clean(e))),
                    h.written_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    crate::text::thousands(h.findings),
                    crate::text::thousands(size),
                )?;
            }
            Err(why) => writeln!(out, "{name}  not usable: {why}  {} bytes", crate::text::thousands(size))?,
        }
    }
    Ok(())
}

/// `vigil snapshot clear`: removes every snapshot kept; says how many.
pub fn clear(out: &mut dyn Write) -> std::io::Result<()> {
    let Some(dir) = snapshot::dir() else { return writeln!(out, "no cache directory") };
    let mut removed = 0;
    for (path, _, _) in snapshot::list(&dir) {
        std::fs::remove_file(&path)?;
        removed += 1;
    }
    writeln!(out, "{removed} snapshot{} removed from {}", if removed == 1 { "" } else { "s" }, dir.display())
}

/// `vigil snapshot list|clear`.
pub fn run(command: crate::cli::SnapshotCommand) -> std::process::ExitCode {
    let mut out = std::io::stdout().lock();
    super::finish(
        match command {
            crate::cli::SnapshotCommand::List => list(&mut out, jiff::Timestamp::now()),
            crate::cli::SnapshotCommand::Clear => clear(&mut out),
        }
        .map(|()| std::process::ExitCode::SUCCESS),
    )
}
