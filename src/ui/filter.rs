//! The `/` filter of a pane's list: a substring (any case), `~` for a regular expression, a
//! leading `!` to keep what does not match. Pure: the view holds it, the panes and `update`
//! read the same filtered list.

use super::command_line::at_or_past;
use std::fmt;

use super::view::View;
use crate::model::ControlKind;
use crate::store::Posture;

#[derive(Clone)]
enum Matcher {
    Substring(String),
    Regex(regex::Regex),
}

/// A filter as typed, ready to match.
#[derive(Clone)]
pub struct Filter {
    text: String,
    invert: bool,
    matcher: Matcher,
}

impl Filter {
    /// The filter for `text`; an error for a regular expression that does not compile.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let (invert, rest) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let matcher = match rest.strip_prefix('~') {
            Some(pattern) => Matcher::Regex(
                regex::RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| format!("not a regular expression: {e}"))?,
            ),
            None => Matcher::Substring(rest.to_lowercase()),
        };
        Ok(Filter { text: text.to_string(), invert, matcher })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, haystack: &str) -> bool {
        let found = match &self.matcher {
            Matcher::Substring(s) => haystack.to_lowercase().contains(s.as_str()),
            Matcher::Regex(r) => r.is_match(haystack),
        };
        found != self.invert
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Filter({:?})", self.text)
    }
}

/// What a control is matched on: its id and title.
fn control_text(posture: &Posture, index: usize) -> String {
    let c = posture.control(index);
    format!("{} {}", c.id, c.title)
}

/// The controls a pane shows: all of them, or those its filter and `:status` keep.
pub fn visible_pane(posture: &Posture, view: &View, kind: ControlKind) -> Vec<usize> {
    let filter = view.filters[kind.index()].as_ref();
    posture
        .pane(kind)
        .into_iter()
        .filter(|&i| filter.is_none_or(|f| f.matches(&control_text(posture, i))))
        .filter(|&i| view.min_status.is_none_or(|min| at_or_past(posture.control_status(i, view.now).level(), min)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_regex_and_inversion() {
        let f = Filter::parse("Bucket").unwrap();
        assert!(f.matches("COR-02 bucket public access block"));
        assert!(!f.matches("PRV-01 notebooks"));
        let f = Filter::parse("~^cor-0[12]").unwrap();
        assert!(f.matches("COR-01 x") && f.matches("COR-02 y") && !f.matches("COR-03 z"));
        let f = Filter::parse("!bucket").unwrap();
        assert!(!f.matches("a bucket") && f.matches("a notebook"));
        assert!(Filter::parse("~(").unwrap_err().contains("not a regular expression"));
    }
}
