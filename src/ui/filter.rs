//! The `/` filter of a pane's list: a substring (any case), `~` for a regular expression, a
//! leading `!` to keep what does not match. Pure: the view holds it, the panes and `update`
//! read the same filtered list.

use super::command_line::at_or_past;
use std::fmt;

use super::view::{Sort, View};
use crate::model::ControlKind;
use crate::store::Posture;

#[derive(Clone)]
enum Matcher {
    /// The text in lower case, and for a plain word (ASCII, no space) the same as an ASCII
    /// case-insensitive pattern: what searching many fields fast takes.
    Substring(String, Option<regex::bytes::Regex>),
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
            None => {
                let word = (rest.is_ascii() && !rest.contains(' ') && !rest.is_empty()).then(|| {
                    regex::bytes::RegexBuilder::new(&regex::escape(rest))
                        .case_insensitive(true)
                        .unicode(false)
                        .build()
                        .expect("an escaped literal is a pattern")
                });
                Matcher::Substring(rest.to_lowercase(), word)
            }
        };
        Ok(Filter { text: text.to_string(), invert, matcher })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether it keeps what does not match (`!`).
    pub fn inverts(&self) -> bool {
        self.invert
    }

    pub fn matches(&self, haystack: &str) -> bool {
        let found = match &self.matcher {
            Matcher::Substring(s, _) => haystack.to_lowercase().contains(s.as_str()),
            Matcher::Regex(r) => r.is_match(haystack),
        };
        found != self.invert
    }

    /// Whether it matches `fields` joined by spaces, as [`Filter::matches`] would: a plain
    /// word (ASCII, no space) is looked for in each field without building the text, which is
    /// what searching every finding of a large account needs.
    pub fn matches_fields<'s>(&self, fields: impl IntoIterator<Item = &'s str>) -> bool {
        match &self.matcher {
            Matcher::Substring(_, Some(word)) => fields.into_iter().any(|f| word.is_match(f.as_bytes())) != self.invert,
            _ => self.matches(&fields.into_iter().collect::<Vec<_>>().join(" ")),
        }
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

/// The controls a pane shows: all of them, or those its filter and `:status` keep, in the
/// order `:sort` asks for (ties in the catalog's order).
pub fn visible_pane(posture: &Posture, view: &View, kind: ControlKind) -> Vec<usize> {
    let filter = view.filters[kind.index()].as_ref();
    let mut list: Vec<usize> = posture
        .pane(kind)
        .into_iter()
        .filter(|&i| filter.is_none_or(|f| f.matches(&control_text(posture, i))))
        .filter(|&i| view.min_status.is_none_or(|min| at_or_past(posture.control_status(i, view.now).level(), min)))
        .collect();
    match view.sort {
        Sort::Id => {}
        // The most failing resources first; a FAIL without any (a rule without remediation)
        // before what does not fail.
        Sort::Count => list.sort_by_cached_key(|&i| {
            std::cmp::Reverse(posture.control_status(i, view.now).failing().map(|f| f.resources))
        }),
        // The control whose oldest failing resource has failed longest first.
        Sort::Age => list.sort_by_cached_key(|&i| {
            let since = posture.control_failing_since(i);
            (since.is_none(), since)
        }),
    }
    list
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

    #[test]
    fn fields_match_as_their_text_does() {
        let fields = ["HIGH", "NEW", "S3 buckets should block public access", "arn:aws:s3:::ML-Data-2813"];
        for text in ["ml-data", "high", "zzz", "high new", "~^high new", "!bucket", "!zzz", "é", "NEW S3"] {
            let f = Filter::parse(text).unwrap();
            assert_eq!(f.matches_fields(fields), f.matches(&fields.join(" ")), "{text}");
        }
    }
}
