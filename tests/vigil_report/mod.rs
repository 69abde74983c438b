//! Runs `vigil report --format json` against a local endpoint, cut off from the machine's own
//! AWS setup: fixed keys, no profile, no config or credentials files, no instance metadata.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// A scratch folder for one run: its config file, log and HOME.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-report-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// vigil with its config file, log and HOME in `dir`, sent to `endpoint`, cut off from the
/// machine's AWS setup; the caller adds the subcommand after the global options.
pub fn command(endpoint: &str, region: &str, dir: &std::path::Path, config: &str) -> Command {
    std::fs::write(dir.join("vigil.toml"), config).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_vigil"));
    command
        .args(["--endpoint-url", endpoint, "--region", region, "--config"])
        .arg(dir.join("vigil.toml"))
        .arg("--log-file")
        .arg(dir.join("vigil.log"))
        .env("HOME", dir)
        // Snapshots (kept after every whole read) in the run's own folder, never the machine's.
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

/// The report's exit status and JSON; panics with both outputs when stdout is not JSON.
pub fn run(endpoint: &str, region: &str, name: &str, config: &str) -> (Output, Value) {
    let dir = scratch(name);
    let out =
        command(endpoint, region, &dir, config).args(["report", "--format", "json"]).output().expect("vigil runs");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}
