//! `*` and `?` wildcard matching, as AWS uses it in names, actions and ARNs.

/// Whether `text` matches `pattern`, where `*` matches any run of characters (also none) and
/// `?` exactly one. Linear in the input: it backtracks only to the last `*`.
pub fn matches(pattern: &str, text: &str) -> bool {
    matches_by(pattern, text, |a, b| a == b)
}

/// As [`matches`], comparing characters without regard to ASCII case.
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches_by(pattern, text, |a, b| a.eq_ignore_ascii_case(&b))
}

fn matches_by(pattern: &str, text: &str, eq: impl Fn(char, char) -> bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, text index it matched up to).
    let mut resume: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            pi += 1;
            resume = Some((pi, ti));
        } else if pi < p.len() && (p[pi] == '?' || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((after_star, matched_to)) = resume {
            pi = after_star;
            ti = matched_to + 1;
            resume = Some((after_star, matched_to + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("securityhub-*", "securityhub-sagemaker-notebook-1a2b"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("nb-??", "nb-01"));
        assert!(!matches("nb-??", "nb-1"));
        assert!(matches("**x", "x"));
        assert!(!matches("abc", "abcd"));
        assert!(matches("ab*", "ab"));
        assert!(!matches("", "a"));
    }

    #[test]
    fn case_folding_is_opt_in() {
        assert!(!matches("SageMaker:Create*", "sagemaker:CreateTrainingJob"));
        assert!(matches_ignore_case("SageMaker:Create*", "sagemaker:CreateTrainingJob"));
    }
}
