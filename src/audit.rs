//! The audit log of corrective actions: one JSON line per write call and per outcome followed
//! (time, caller, account, region, operation, target, parameters, outcome, request id). Never
//! credentials. The file is created with mode 0600 and made 0600 if it already existed.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::model::Timestamp;

/// One line of the audit log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditEntry {
    pub time: String,
    /// The caller's ARN (STS GetCallerIdentity), or `unknown`.
    pub caller: String,
    pub account: String,
    pub region: String,
    pub operation: String,
    pub target: String,
    pub parameters: serde_json::Value,
    /// `accepted`, `refused: …`, `SUCCEEDED`, `FAILED: …`, `cancelled`.
    pub outcome: String,
    pub request_id: Option<String>,
}

impl AuditEntry {
    pub fn time(t: Timestamp) -> String {
        t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// An append-only JSON-lines file, shared by the tasks that write.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    pub fn open(path: &Path) -> std::io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = private_append(path)?;
        Ok(AuditLog { path: path.to_path_buf(), file: Mutex::new(file) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and flushes it: a write that happened is never only in memory.
    pub fn record(&self, entry: &AuditEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())?;
        file.flush()
    }
}

/// Opens `path` for appending, readable and writable by its owner only.
pub fn private_append(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    // `mode` applies only when the file is created.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// The default audit log: next to the log file, `$XDG_STATE_HOME/vigil/audit.jsonl`.
pub fn default_path() -> PathBuf {
    crate::config::default_log_file().with_file_name("audit.jsonl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn entries_are_json_lines_in_a_private_file() {
        let dir = std::env::temp_dir().join(format!("vigil-audit-{}", std::process::id()));
        let path = dir.join("audit.jsonl");
        let _ = std::fs::remove_file(&path);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let log = AuditLog::open(&path).unwrap();
        let entry = AuditEntry {
            time: "2026-11-29T10:00:00Z".into(),
            caller: "arn:aws:iam::123456789012:role/sec".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            operation: "config:StartRemediationExecution".into(),
            target: "rule AWS::S3::Bucket b".into(),
            parameters: serde_json::json!({"ConfigRuleName": "rule"}),
            outcome: "accepted".into(),
            request_id: Some("r-1".into()),
        };
        log.record(&entry).unwrap();
        log.record(&entry).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let back: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(back["operation"], "config:StartRemediationExecution");
        assert_eq!(back["request_id"], "r-1");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an existing file is made private");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
