//! The one error type for files the user gives vigil (catalog, theme, config, scenario, policy
//! case, tests file, policy): what was wrong and where, as `file:line:column: place: field:
//! message`, each part only where it is known.

use std::fmt;

/// A problem at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub origin: String,
    /// 1-based; 0 when the problem is not about one line (an unreadable file, a JSON value).
    pub line: usize,
    pub column: usize,
    /// A place in the file that is not a line: a policy's statement, `Statement[1] "Sid"`.
    pub place: String,
    /// The field, e.g. `control[3].metrics[0]`; empty when the parser names it in `message`.
    pub field: String,
    pub message: String,
}

impl FileError {
    /// A problem with the file as a whole.
    pub fn whole(origin: &str, message: impl Into<String>) -> Self {
        FileError::in_field(origin, "", message)
    }

    /// A problem with one field (of a JSON document, which has no lines to point to).
    pub fn in_field(origin: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        FileError::in_place(origin, "", field, message)
    }

    /// A problem with one field of one place (a statement of a policy).
    pub fn in_place(
        origin: &str,
        place: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FileError {
            origin: origin.to_string(),
            line: 0,
            column: 0,
            place: place.into(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A problem at byte `offset` of `text`.
    pub fn at(origin: &str, text: &str, offset: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        let (line, column) = line_col(text, offset);
        FileError { line, column, ..FileError::in_field(origin, field, message) }
    }

    /// A TOML syntax or shape error, at the place the parser points to.
    pub fn from_toml(origin: &str, text: &str, e: &toml::de::Error) -> Self {
        match e.span() {
            Some(span) => FileError::at(origin, text, span.start, "", e.message()),
            None => FileError::whole(origin, e.message()),
        }
    }

    /// A JSON syntax error, at the line and column serde_json gives (its message without them,
    /// so that the position is said once).
    pub fn from_json(origin: &str, e: &serde_json::Error) -> Self {
        FileError {
            line: e.line(),
            column: e.column(),
            ..FileError::whole(origin, format!("not valid JSON: {}", json_message(e)))
        }
    }

    /// Reads a whole file, or says which file could not be read.
    pub fn read(path: &std::path::Path) -> Result<String, FileError> {
        std::fs::read_to_string(path)
            .map_err(|e| FileError::whole(&path.display().to_string(), format!("cannot read: {e}")))
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.place.is_empty() {
            write!(f, ": {}", self.place)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FileError {}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// serde_json's message without the ` at line L column C` it appends.
pub fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
