//! One room per subcommand: each file holds one command's whole run, from its arguments to its
//! exit code; `dashboard` is what `watch`, `demo` and `replay` share, `live` what every command
//! that runs sources starts from. `main.rs` parses and dispatches.

pub mod catalog;
pub mod config;
pub mod dashboard;
pub mod demo;
pub mod diff;
#[cfg(debug_assertions)]
mod fault;
pub mod live;
pub mod policy;
pub mod record;
pub mod replay;
pub mod report;
pub mod snapshot;
pub mod watch;

use std::process::ExitCode;

use crate::cli::Settings;
use tracing_subscriber::EnvFilter;

/// Logs go to a file: the terminal belongs to the UI.
pub fn init_logging(settings: &Settings) {
    let path = &settings.log_file;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // At debug level the log holds finding details: owner only.
    match crate::audit::private_append(path) {
        Ok(file) => {
            let filter = EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .init();
        }
        Err(e) => eprintln!("vigil: not logging: cannot open {}: {e}", path.display()),
    }
}

/// What was wrong with what the user gave (a file, a setting, the terminal), said on stderr:
/// the command stops with code 2 before it starts anything.
pub fn refused(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("vigil: {e}");
    ExitCode::from(2)
}

/// Writing to a closed pipe (`vigil ... | head`) is not an error.
pub fn finish(written: std::io::Result<ExitCode>) -> ExitCode {
    match written {
        Ok(code) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil: {e}");
            ExitCode::FAILURE
        }
    }
}
