//! The subcommands that print and exit rather than run the dashboard.

pub mod catalog;
pub mod diff;
pub mod policy;
pub mod record;
pub mod report;
pub mod snapshot;

use std::process::ExitCode;

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
