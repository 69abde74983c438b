//! The closest known name to one written, for the messages that say what was meant: shared by
//! the conditions' parser and lint.

/// The closest known name, if it is close: a name that extends the one written (the workshop's
/// `VpcSecurityGroup` for `VpcSecurityGroupIds`) or within a third of its length in edits.
pub fn suggest<'a>(written: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let w = written.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let kl = k.to_lowercase();
        let d = if kl.starts_with(&w) { kl.len() - w.len() } else { edit_distance(&w, &kl) };
        if d <= (w.len() / 3).max(2) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
