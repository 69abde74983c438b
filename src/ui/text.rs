//! Text on the screen: width-aware truncation, ages, sparklines; and `clean` (crate::text), the
//! one place untrusted text passes through before it reaches the terminal.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub use crate::text::clean;

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

/// Breaks text into lines of at most `cells` cells, at spaces where it can and inside a word
/// only when the word alone is longer than a line. Line breaks in the text are kept.
pub fn wrap(s: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut out = Vec::new();
    for paragraph in s.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let needed = width(&line) + usize::from(!line.is_empty()) + width(word);
            if needed <= cells {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            let mut rest: Vec<char> = word.chars().collect();
            while width(&rest.iter().collect::<String>()) > cells {
                let head = fitting(rest.iter().copied(), cells);
                let n = head.len().max(1);
                out.push(rest[..n].iter().collect());
                rest.drain(..n);
            }
            line = rest.into_iter().collect();
        }
        out.push(line);
    }
    out
}

/// Breaks text into lines of at most `cells` cells at spaces, or after a `/` or `:`, never inside
/// a token: an identifier (an ARN) splits only where a person would, and a token longer than a
/// line is left whole (its line is longer) rather than broken.
pub fn wrap_words(s: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut out = vec![String::new()];
    let mut piece = String::new();
    let push = |piece: &mut String, out: &mut Vec<String>| {
        let line = out.last_mut().expect("one line at least");
        if !line.is_empty() && width(line) + width(piece) > cells {
            let trimmed = line.trim_end().to_string();
            *line = trimmed;
            out.push(String::new());
        }
        let line = out.last_mut().expect("one line at least");
        if !(line.is_empty() && piece.trim().is_empty()) {
            line.push_str(piece);
        }
        piece.clear();
    };
    for c in s.chars() {
        piece.push(c);
        if matches!(c, ' ' | '/' | ':') {
            push(&mut piece, &mut out);
        }
    }
    push(&mut piece, &mut out);
    if let Some(last) = out.last_mut() {
        *last = last.trim_end().to_string();
    }
    out
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
    fn wrapping_breaks_at_spaces_and_only_splits_long_words() {
        assert_eq!(wrap("the quick brown fox", 10), vec!["the quick", "brown fox"]);
        assert_eq!(wrap("arn:aws:sagemaker:us-east-1", 10), vec!["arn:aws:sa", "gemaker:us", "-east-1"]);
        assert_eq!(wrap("a\n\nb", 10), vec!["a", "", "b"]);
        assert!(wrap("x y z", 1).iter().all(|l| width(l) <= 1));
    }

    #[test]
    fn identifiers_wrap_only_after_a_slash_or_a_colon() {
        let arn = "arn:aws:securityhub:us-east-1:123456789012:security-control/SageMaker.2/finding/3c9d11e0-legacy";
        let lines = wrap_words(arn, 30);
        assert_eq!(lines.concat(), arn, "nothing lost");
        assert!(lines.len() > 1);
        for l in &lines[..lines.len() - 1] {
            assert!(l.ends_with(['/', ':']) && width(l) <= 30, "{l:?}");
        }
        assert_eq!(wrap_words("the quick brown fox", 10), vec!["the quick", "brown fox"]);
        assert_eq!(wrap_words(&"x".repeat(20), 10), vec!["x".repeat(20)], "a long token is left whole");
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
