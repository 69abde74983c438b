//! The one place untrusted text passes through before it reaches the terminal, and width-aware
//! truncation.
//!
//! Finding titles, resource ids and every other string from AWS may carry control characters:
//! an ESC starting a CSI or OSC sequence could retitle the window, write the clipboard (OSC 52)
//! or clear the screen; bidi overrides could make a resource id read backwards. `clean` shows
//! them as visible, inert text instead: C0 controls as control pictures (ESC as `␛`), DEL as
//! `␡`, C1 controls and invisible format characters as `\u{..}` escapes. What followed an ESC
//! stays as plain printable text, so the attempt is visible and harmless.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The leading characters of `chars` that fit in `cells` cells.
fn fitting(chars: impl Iterator<Item = char>, cells: usize) -> Vec<char> {
    let mut used = 0;
    chars
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= cells
        })
        .collect()
}

/// Cuts text to `max` cells from the end, with `…`: for titles and prose.
pub fn truncate_end(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = fitting(s.chars(), max.saturating_sub(1)).into_iter().collect();
    if max > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

/// Cuts text to `max` cells from the start, with `…`: for ARNs and ids, whose distinctive
/// part is the tail.
pub fn truncate_start(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    let tail = fitting(s.chars().rev(), max.saturating_sub(1));
    let mut out = String::from(if max > 0 { "…" } else { "" });
    out.extend(tail.into_iter().rev());
    Cow::Owned(out)
}

/// Pads or cuts to exactly `cells` cells.
pub fn fit(s: &str, cells: usize) -> String {
    let t = truncate_end(s, cells);
    let pad = cells.saturating_sub(width(&t));
    format!("{t}{}", " ".repeat(pad))
}

/// A duration as a person reads an age: `42s`, `3m`, `2h05m`, `3d`.
pub fn age(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d", s / 86400),
    }
}

/// A sparkline of the last values that fit in `cells` cells.
pub fn sparkline<'a>(values: impl DoubleEndedIterator<Item = &'a f64>, cells: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let mut last: Vec<f64> = values.rev().take(cells).copied().collect();
    last.reverse();
    let max = last.iter().copied().fold(0.0_f64, f64::max);
    last.iter()
        .map(|v| {
            if max <= 0.0 || !v.is_finite() {
                BARS[0]
            } else {
                BARS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
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

    #[test]
    fn truncation_keeps_the_distinctive_end_of_ids() {
        let arn = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/fraud-detection-nb";
        let t = truncate_start(arn, 30);
        assert_eq!(width(&t), 30);
        assert!(t.ends_with("instance/fraud-detection-nb"), "{t}");
        assert!(t.starts_with('…'));
        assert_eq!(truncate_end("Notebooks run inside a VPC", 10), "Notebooks…");
        assert_eq!(truncate_start("short", 10), "short");
        assert_eq!(width(&truncate_end("日本語のタイトル", 7)), 7);
    }

    #[test]
    fn ages_and_sparklines() {
        use std::time::Duration;
        assert_eq!(age(Duration::from_secs(42)), "42s");
        assert_eq!(age(Duration::from_secs(185)), "3m");
        assert_eq!(age(Duration::from_secs(7500)), "2h05m");
        assert_eq!(sparkline([0.0, 1.0, 2.0, 4.0].iter(), 3), "▃▅█");
        assert_eq!(sparkline([0.0, 0.0].iter(), 4), "▁▁");
    }
}
