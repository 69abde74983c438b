//! The `/` filter of a pane's list: a substring (any case), `~` for a regular expression, a
//! leading `!` to keep what does not match. Pure: the view holds it, the panes and `update`
//! read the same filtered list.

use std::fmt;

use crate::model::StatusLevel;

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

/// Whether a control at `level` is shown under `:status at_least`: `at_least` or worse, in
/// the order of urgency (`:status warn` keeps FAIL and WARN).
pub fn at_or_past(level: StatusLevel, at_least: StatusLevel) -> bool {
    level.urgency() <= at_least.urgency()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keeps_what_is_at_or_past() {
        assert!(at_or_past(StatusLevel::Fail, StatusLevel::Warn));
        assert!(at_or_past(StatusLevel::Warn, StatusLevel::Warn));
        assert!(!at_or_past(StatusLevel::Pass, StatusLevel::Warn));
        assert!(at_or_past(StatusLevel::Pass, StatusLevel::Pass));
    }

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
