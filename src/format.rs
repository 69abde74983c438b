//! The formats a report is written in, shared by the command line (`vigil report --format`),
//! the report's writers and the dashboard's `:export`, so that none of them imports another for
//! it. It imports nothing from the crate.

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Markdown,
    Csv,
}

impl Format {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Csv => "csv",
        }
    }
}
