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

    /// A TOML syntax or shape error, at the place the parser points to, naming the key there
    /// (`aws.connect_timeout`, `keys.quit`): the parser's message names a type, not a key.
    pub fn from_toml_naming_key(origin: &str, text: &str, e: &toml::de::Error) -> Self {
        let key = e.span().and_then(|span| toml_key_at(text, span.start));
        FileError { field: key.unwrap_or_default(), ..FileError::from_toml(origin, text, e) }
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

/// The dotted key of a TOML text whose key or value holds byte `offset`, the innermost one
/// (`aws.rate_limits.config`; `control[2].id` within an array of tables); `None` where the
/// text is not TOML or no key holds it.
pub fn toml_key_at(text: &str, offset: usize) -> Option<String> {
    use toml::de::{DeTable, DeValue};
    type Spanned<'a> = toml::Spanned<DeValue<'a>>;
    fn in_table(table: &DeTable, offset: usize, prefix: &str) -> Option<String> {
        table.iter().find_map(|(key, value)| {
            let path =
                if prefix.is_empty() { key.get_ref().to_string() } else { format!("{prefix}.{}", key.get_ref()) };
            // Deeper first: a table's own span may be its header only.
            in_value(value, offset, &path)
                .or_else(|| (key.span().contains(&offset) || value.span().contains(&offset)).then_some(path))
        })
    }
    fn in_value(value: &Spanned, offset: usize, path: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::Table(table) => in_table(table, offset, path),
            // An element of an array of tables is named by its index; a scalar one by its array.
            DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| match item.get_ref() {
                DeValue::Table(_) => {
                    let path = format!("{path}[{i}]");
                    in_value(item, offset, &path).or_else(|| item.span().contains(&offset).then_some(path))
                }
                _ => None,
            }),
            _ => None,
        }
    }
    let root = DeTable::parse(text).ok()?;
    in_table(root.get_ref(), offset, "")
}

/// serde_json's message without the ` at line L column C` it appends.
pub fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toml_key_at_a_place_is_the_innermost_one() {
        let text = "theme = 3\n[aws]\nrate_limits = { config = \"x\" }\n[[control]]\nid = \"A\"\n[[control]]\nid = 2\n";
        let key_of = |needle: &str| toml_key_at(text, text.find(needle).unwrap());
        assert_eq!(key_of("3").as_deref(), Some("theme"));
        assert_eq!(key_of("\"x\"").as_deref(), Some("aws.rate_limits.config"));
        assert_eq!(key_of("rate_limits").as_deref(), Some("aws.rate_limits"));
        assert_eq!(key_of("2").as_deref(), Some("control[1].id"));
        assert_eq!(toml_key_at("theme = [", 8), None, "not TOML");
    }
}
