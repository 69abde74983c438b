//! The one place untrusted text passes through before it reaches a person: the terminal, a
//! Markdown or CSV report.
//!
//! Finding titles, resource ids and every other string from AWS may carry control characters:
//! an ESC starting a CSI or OSC sequence could retitle the window, write the clipboard (OSC 52)
//! or clear the screen; bidi overrides could make a resource id read backwards. `clean` shows
//! them as visible, inert text instead: C0 controls as control pictures (ESC as `␛`), DEL as
//! `␡`, C1 controls and invisible format characters as `\u{..}` escapes. What followed an ESC
//! stays as plain printable text, so the attempt is visible and harmless.

use std::borrow::Cow;

fn needs_escape(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || u == 0x7f
        || (0x80..=0x9f).contains(&u)
        || matches!(u, 0x061c | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff)
}

/// Untrusted text made inert and single-line.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        let u = c as u32;
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            _ if u < 0x20 => out.push(char::from_u32(0x2400 + u).expect("control pictures exist")),
            '\u{7f}' => out.push('␡'),
            _ if needs_escape(c) => out.push_str(&format!("\\u{{{u:04x}}}")),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `1 error`, `2 errors`: a count with its noun in the right number.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `3400` as `3,400`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        // OSC 0 (window title), OSC 52 (clipboard write), CSI 2J (clear screen), 8-bit CSI.
        let evil = "a\x1b]0;pwned\x07b\x1b]52;c;ZXZpbA==\x1b\\c\x1b[2Jd\u{9b}31m";
        let shown = clean(evil);
        assert!(!shown.chars().any(|c| (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32))), "{shown}");
        assert_eq!(shown, "a␛]0;pwned␇b␛]52;c;ZXZpbA==␛\\c␛[2Jd\\u{009b}31m");
    }

    #[test]
    fn bidi_overrides_and_line_breaks_are_neutralised() {
        assert_eq!(clean("nb-\u{202e}exe.txt"), "nb-\\u{202e}exe.txt");
        assert_eq!(clean("two\nlines\tand\u{7f}"), "two lines and␡");
        assert!(matches!(clean("plain-arn:aws:s3:::bucket"), Cow::Borrowed(_)));
    }
}
