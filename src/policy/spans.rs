//! Where each member and element of a JSON text starts, by its path from the root, so that a
//! mistake in `Statement[2].Condition.StringEquals.aws:SourceVpce` can be given a line and a
//! column (serde_json's `Value` keeps no positions).

use std::collections::HashMap;

/// One step of a path into a JSON document: an object's member or an array's element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl From<&str> for Step {
    fn from(key: &str) -> Step {
        Step::Key(key.to_string())
    }
}

impl From<usize> for Step {
    fn from(index: usize) -> Step {
        Step::Index(index)
    }
}

/// What a mistake points at: a member's key (`"Effect"` in `"Effect": "Permit"`) or a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The document as a whole.
    Document,
    Key(Vec<Step>),
    Value(Vec<Step>),
}

impl Target {
    fn path(&self) -> &[Step] {
        match self {
            Target::Document => &[],
            Target::Key(p) | Target::Value(p) => p,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Span {
    /// The opening quote of the member's key; `None` for array elements and the root.
    key: Option<usize>,
    value: usize,
}

/// The byte offsets of every key and value of a JSON text.
#[derive(Debug, Default)]
pub struct Spans {
    by_path: HashMap<Vec<Step>, Span>,
}

impl Spans {
    /// Scans `text`, which serde_json has accepted: on anything else the offsets are merely
    /// less precise, never a panic.
    pub fn of(text: &str) -> Spans {
        let mut scanner = Scanner { text, bytes: text.as_bytes(), pos: 0, spans: Spans::default() };
        scanner.value(&mut Vec::new(), None);
        scanner.spans
    }

    /// The byte offset of `target`. A path that does not exist falls back to its nearest
    /// enclosing value: `Action[0]` is the string itself where `"Action"` holds one string.
    pub fn offset(&self, target: &Target) -> usize {
        let path = target.path();
        for len in (0..=path.len()).rev() {
            if let Some(span) = self.by_path.get(&path[..len]) {
                return match target {
                    Target::Key(_) if len == path.len() => span.key.unwrap_or(span.value),
                    _ => span.value,
                };
            }
        }
        0
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    spans: Spans,
}

impl Scanner<'_> {
    fn skip_whitespace(&mut self) {
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    /// Records the value at the cursor under `path` and moves past it.
    fn value(&mut self, path: &mut Vec<Step>, key: Option<usize>) {
        self.skip_whitespace();
        let start = self.pos;
        self.spans.by_path.insert(path.clone(), Span { key, value: start });
        match self.bytes.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                loop {
                    self.skip_whitespace();
                    match self.bytes.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'"') => {
                            let key_start = self.pos;
                            let name = self.string();
                            self.skip_whitespace();
                            if self.bytes.get(self.pos) == Some(&b':') {
                                self.pos += 1;
                            }
                            path.push(Step::Key(name));
                            self.value(path, Some(key_start));
                            path.pop();
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        _ => break,
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut index = 0;
                loop {
                    self.skip_whitespace();
                    match self.bytes.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b'}') | None => break,
                        Some(_) => {
                            path.push(Step::Index(index));
                            self.value(path, None);
                            path.pop();
                            index += 1;
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                // A number, true, false or null; always at least one byte, so that a stray
                // character cannot stall the scan.
                self.pos += 1;
                while self.bytes.get(self.pos).is_some_and(|b| !b",]}".contains(b) && !b.is_ascii_whitespace()) {
                    self.pos += 1;
                }
            }
            None => {}
        }
    }

    /// The string at the cursor (an opening quote), unescaped; moves past its closing quote.
    fn string(&mut self) -> String {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            match b {
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                }
                b'"' => break,
                _ => {}
            }
        }
        self.pos = self.pos.min(self.bytes.len());
        let Some(raw) = self.text.get(start..self.pos) else { return String::new() };
        if escaped {
            serde_json::from_str(raw).unwrap_or_default()
        } else {
            raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(steps: &[Step]) -> Target {
        Target::Key(steps.to_vec())
    }

    fn value(steps: &[Step]) -> Target {
        Target::Value(steps.to_vec())
    }

    #[test]
    fn keys_and_values_by_path() {
        let text = "{\n  \"Statement\": [\n    {\"Effect\": \"Permit\", \"Action\": [\"s3:a\", \"s3:b\"]},\n    {\"Sid\": \"x\\\"y\", \"Action\": \"s3:c\"}\n  ]\n}";
        let spans = Spans::of(text);
        let at = |t: &Target| crate::located::line_col(text, spans.offset(t));
        let s0 = |k: &str| vec![Step::from("Statement"), Step::from(0), Step::from(k)];
        assert_eq!(at(&key(&s0("Effect"))), (3, 6));
        assert_eq!(at(&value(&s0("Effect"))), (3, 16));
        let mut second = s0("Action");
        second.push(Step::from(1));
        assert_eq!(at(&value(&second)), (3, 45));
        // A single string stands for a one-element array; an escaped key is unescaped.
        let s1 = vec![Step::from("Statement"), Step::from(1), Step::from("Action"), Step::from(0)];
        assert_eq!(at(&value(&s1)), (4, 31));
        assert_eq!(at(&value(&[Step::from("Statement"), Step::from(1)])), (4, 5));
        assert_eq!(at(&Target::Document), (1, 1));
        assert_eq!(at(&key(&[Step::from("Nowhere")])), (1, 1));
    }

    #[test]
    fn text_that_is_not_json_never_panics() {
        for text in ["", "{", "[", "\"", "{\"a\"", "[}", "{\"a\": [1, }", "\"\\", "[1 2 :]", "{\"é\": \"\\u00e9\"}"] {
            let spans = Spans::of(text);
            assert!(spans.offset(&value(&[Step::from("a"), Step::from(0)])) <= text.len(), "{text}");
        }
    }
}
