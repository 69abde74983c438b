//! The app, split by what each half may touch: `update` is pure (the view, the store read-only,
//! commands returned), `run` is the loop that performs those commands (terminal, runtime, files,
//! clipboard, environment).

mod run;
mod update;

pub use run::{App, Exit, SnapshotKeeper};
pub use update::*;
