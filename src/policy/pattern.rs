//! Wildcard patterns as IAM uses them: `*` matches any run of characters, `?` exactly one.
//! Policy variables (`${aws:username}`, `${*}`, ...) are substituted before matching, and what
//! they insert is literal text, never a wildcard.

use std::borrow::Cow;

/// The policy language's version: whether `${...}` is a policy variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012,
    /// `2008-10-17` (and a missing Version): `${...}` is plain text.
    V2008,
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Lit(char),
    /// `*`
    Run,
    /// `?`
    One,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// `*` alone.
    Any,
    /// No wildcard: plain comparison.
    Exact(String),
    Glob(Vec<Tok>),
}

/// Looks up a policy variable's value; `None` when the key is absent (or multi-valued).
pub trait Variables {
    fn variable(&self, key: &str) -> Option<Cow<'_, str>>;
}

/// No variables at all (policy version 2008-10-17, or compiling ahead of a request).
pub struct NoVariables;

impl Variables for NoVariables {
    fn variable(&self, _key: &str) -> Option<Cow<'_, str>> {
        None
    }
}

/// Whether text holds a policy variable (`${...}`).
pub fn has_variables(text: &str) -> bool {
    text.contains("${")
}

impl Pattern {
    /// Compiles `text` literally: `*` and `?` are wildcards, `${` is plain text.
    pub fn literal(text: &str) -> Pattern {
        Self::from_toks(text.chars().map(|c| match c {
            '*' => Tok::Run,
            '?' => Tok::One,
            c => Tok::Lit(c),
        }))
    }

    /// Compiles `text` with policy variables substituted. `None` when a variable is absent and
    /// has no default: AWS then treats the element as not matching.
    pub fn with_variables(text: &str, vars: &dyn Variables) -> Option<Pattern> {
        let mut toks = Vec::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            toks.extend(rest[..start].chars().map(wild));
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                // An unclosed `${` is plain text.
                toks.extend(rest[start..].chars().map(wild));
                rest = "";
                break;
            };
            let inner = &after[..end];
            match inner {
                "*" | "?" | "$" => toks.push(Tok::Lit(inner.chars().next().expect("one char"))),
                _ => {
                    let value = substitute(inner, vars)?;
                    toks.extend(value.chars().map(Tok::Lit));
                }
            }
            rest = &after[end + 1..];
        }
        toks.extend(rest.chars().map(wild));
        Some(Self::from_toks(toks.into_iter()))
    }

    fn from_toks(toks: impl Iterator<Item = Tok>) -> Pattern {
        let toks: Vec<Tok> = toks.collect();
        if toks == [Tok::Run] {
            Pattern::Any
        } else if toks.iter().all(|t| matches!(t, Tok::Lit(_))) {
            Pattern::Exact(toks.iter().map(|t| if let Tok::Lit(c) = t { *c } else { unreachable!() }).collect())
        } else {
            Pattern::Glob(toks)
        }
    }

    /// The pattern with every letter lower-cased, for case-insensitive matching against
    /// lower-cased text.
    pub fn lowercase(&self) -> Pattern {
        match self {
            Pattern::Any => Pattern::Any,
            Pattern::Exact(s) => Pattern::Exact(s.to_lowercase()),
            Pattern::Glob(toks) => Pattern::Glob(
                toks.iter()
                    .flat_map(|t| match t {
                        Tok::Lit(c) => c.to_lowercase().map(Tok::Lit).collect::<Vec<_>>(),
                        other => vec![*other],
                    })
                    .collect(),
            ),
        }
    }

    pub fn is_any(&self) -> bool {
        matches!(self, Pattern::Any)
    }

    pub fn matches(&self, text: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(s) => s == text,
            Pattern::Glob(toks) => glob(toks, text),
        }
    }

    /// Whether some string matches both patterns (used by the lint to tell whether a Resource
    /// can ever match a resource type's ARN).
    pub fn intersects(&self, other: &Pattern) -> bool {
        let a = self.toks();
        let b = other.toks();
        // Reachability over pairs of positions: both consume one character at a time.
        let mut seen = vec![false; (a.len() + 1) * (b.len() + 1)];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, j)) = stack.pop() {
            let k = i * (b.len() + 1) + j;
            if seen[k] {
                continue;
            }
            seen[k] = true;
            if i == a.len() && j == b.len() {
                return true;
            }
            // A `*` may match nothing.
            if a.get(i) == Some(&Tok::Run) {
                stack.push((i + 1, j));
            }
            if b.get(j) == Some(&Tok::Run) {
                stack.push((i, j + 1));
            }
            // Or both consume one character they both accept.
            if let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
                let compatible = match (x, y) {
                    (Tok::Lit(p), Tok::Lit(q)) => p == q,
                    _ => true,
                };
                if compatible {
                    let ni = if x == Tok::Run { i } else { i + 1 };
                    let nj = if y == Tok::Run { j } else { j + 1 };
                    if (ni, nj) != (i, j) {
                        stack.push((ni, nj));
                    }
                    // A `*` that consumed a character may also stop here.
                    if x == Tok::Run {
                        stack.push((i + 1, nj));
                    }
                    if y == Tok::Run {
                        stack.push((ni, j + 1));
                    }
                }
            }
        }
        false
    }

    fn toks(&self) -> Cow<'_, [Tok]> {
        match self {
            Pattern::Any => Cow::Owned(vec![Tok::Run]),
            Pattern::Exact(s) => Cow::Owned(s.chars().map(Tok::Lit).collect()),
            Pattern::Glob(t) => Cow::Borrowed(t),
        }
    }
}

/// The text with policy variables substituted, for operators without wildcards; `None` when a
/// variable is absent and has no default.
pub fn substitute_text(text: &str, vars: &dyn Variables) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(out);
        };
        match &after[..end] {
            inner @ ("*" | "?" | "$") => out.push_str(inner),
            inner => out.push_str(&substitute(inner, vars)?),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The text with every `${...}` (a policy variable, or a placeholder in an ARN template)
/// replaced by `*`, for asking what the text could ever match.
pub fn placeholders_as_wildcards(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn wild(c: char) -> Tok {
    match c {
        '*' => Tok::Run,
        '?' => Tok::One,
        c => Tok::Lit(c),
    }
}

/// `key` or `key, 'default'` (AWS allows spaces around the comma).
fn substitute<'a>(inner: &str, vars: &'a dyn Variables) -> Option<Cow<'a, str>> {
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')).unwrap_or(d);
            (k.trim(), Some(d.to_string()))
        }
        None => (inner.trim(), None),
    };
    vars.variable(key).or(default.map(Cow::Owned))
}

/// Backtracking to the last `*` only: linear in practice.
fn glob(toks: &[Tok], text: &str) -> bool {
    let mut t = text.chars();
    let mut pi = 0;
    let mut resume: Option<(usize, std::str::Chars)> = None;
    loop {
        let mut peek = t.clone();
        let c = peek.next();
        match (toks.get(pi), c) {
            (Some(Tok::Run), _) => {
                pi += 1;
                resume = Some((pi, t.clone()));
            }
            (Some(Tok::One), Some(_)) => {
                pi += 1;
                t = peek;
            }
            (Some(Tok::Lit(p)), Some(c)) if *p == c => {
                pi += 1;
                t = peek;
            }
            (None, None) => return true,
            _ => match resume.take() {
                Some((after_star, mut from)) => {
                    if from.next().is_none() {
                        return false;
                    }
                    pi = after_star;
                    t = from.clone();
                    resume = Some((after_star, from));
                }
                None => return false,
            },
        }
    }
}

/// An ARN pattern: each of the first five colon-separated segments is matched on its own, the
/// resource (the rest, colons included) as a whole. A pattern with fewer segments is matched
/// against the whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnPattern {
    Segments(Box<[Pattern; 6]>),
    Whole(Pattern),
}

impl ArnPattern {
    pub fn compile(text: &str, vars: &dyn Variables, variables: bool) -> Option<ArnPattern> {
        let segment = |s: &str| {
            if variables { Pattern::with_variables(s, vars) } else { Some(Pattern::literal(s)) }
        };
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if parts.len() < 6 {
            return segment(text).map(ArnPattern::Whole);
        }
        let mut compiled = Vec::with_capacity(6);
        for p in parts {
            compiled.push(segment(p)?);
        }
        let arr: [Pattern; 6] = compiled.try_into().expect("six segments");
        Some(ArnPattern::Segments(Box::new(arr)))
    }

    pub fn matches(&self, arn: &str) -> bool {
        match self {
            ArnPattern::Whole(p) => p.matches(arn),
            ArnPattern::Segments(segs) => {
                let mut parts = arn.splitn(6, ':');
                for seg in segs.iter() {
                    match parts.next() {
                        Some(part) if seg.matches(part) => {}
                        _ => return false,
                    }
                }
                true
            }
        }
    }

    /// As [`ArnPattern::matches`], with the ARN's parts found beforehand (see [`ArnParts`]):
    /// what a request does for every statement it is checked against.
    pub fn matches_parts(&self, arn: &str, parts: Option<&ArnParts>) -> bool {
        match (self, parts) {
            (ArnPattern::Whole(p), _) => p.matches(arn),
            (ArnPattern::Segments(segs), Some(parts)) => {
                segs.iter().zip(&parts.0).all(|(seg, &(start, end))| seg.matches(&arn[start as usize..end as usize]))
            }
            (ArnPattern::Segments(_), None) => false,
        }
    }

    /// Whether some ARN matches both, segment by segment where both have segments.
    pub fn intersects(&self, other: &ArnPattern) -> bool {
        match (self, other) {
            (ArnPattern::Segments(a), ArnPattern::Segments(b)) => a.iter().zip(b.iter()).all(|(x, y)| x.intersects(y)),
            _ => self.flattened().intersects(&other.flattened()),
        }
    }

    pub fn is_any(&self) -> bool {
        matches!(self, ArnPattern::Whole(Pattern::Any))
    }

    /// The pattern as one wildcard pattern over the whole ARN (segments joined by `:`).
    pub fn flattened(&self) -> Pattern {
        match self {
            ArnPattern::Whole(p) => p.clone(),
            ArnPattern::Segments(segs) => {
                let mut toks = Vec::new();
                for (i, s) in segs.iter().enumerate() {
                    if i > 0 {
                        toks.push(Tok::Lit(':'));
                    }
                    toks.extend(s.toks().iter().copied());
                }
                Pattern::from_toks(toks.into_iter())
            }
        }
    }
}

/// Where an ARN's six parts lie: its first five colon-separated segments and the resource (the
/// rest, colons included), as byte offsets. Found once per request, so that matching it against
/// many patterns does not split it again each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArnParts([(u32, u32); 6]);

impl ArnParts {
    /// `None` for text with fewer than six parts, which no segmented pattern matches.
    pub fn of(arn: &str) -> Option<ArnParts> {
        u32::try_from(arn.len()).ok()?;
        let mut parts = [(0u32, 0u32); 6];
        let mut start = 0;
        for part in parts.iter_mut().take(5) {
            let end = start + arn.as_bytes()[start..].iter().position(|&b| b == b':')?;
            *part = (start as u32, end as u32);
            start = end + 1;
        }
        parts[5] = (start as u32, arn.len() as u32);
        Some(ArnParts(parts))
    }
}

/// One element of a [`Glob`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum G {
    Lit(char),
    /// `?` in the resource part of an ARN, or in a pattern over the whole text: any character.
    One,
    /// `?` in one of an ARN's first five segments: any character but a colon.
    OneInSegment,
    /// `*` in the resource part, or over the whole text: any run of characters.
    Run,
    /// `*` in one of an ARN's first five segments: any run without a colon.
    RunInSegment,
}

/// An [`ArnPattern`] as one pattern over the whole text, its segment rule built in: in the first
/// five segments a wildcard never matches a colon. This makes intersection and inclusion of ARN
/// patterns exact (see [`witness`]), where [`ArnPattern::flattened`] lets a `*` run across
/// segments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Glob(Vec<G>);

impl ArnPattern {
    pub fn glob(&self) -> Glob {
        let toks = |p: &Pattern, segment: bool| -> Vec<G> {
            p.toks()
                .iter()
                .map(|t| match (t, segment) {
                    (Tok::Lit(c), _) => G::Lit(*c),
                    (Tok::One, true) => G::OneInSegment,
                    (Tok::One, false) => G::One,
                    (Tok::Run, true) => G::RunInSegment,
                    (Tok::Run, false) => G::Run,
                })
                .collect()
        };
        match self {
            ArnPattern::Whole(p) => Glob(toks(p, false)),
            ArnPattern::Segments(segs) => {
                let mut out = Vec::new();
                for (i, s) in segs.iter().enumerate() {
                    if i > 0 {
                        out.push(G::Lit(':'));
                    }
                    out.extend(toks(s, i < 5));
                }
                Glob(out)
            }
        }
    }
}

impl Glob {
    /// The pattern of an ARN or text as IAM reads a Resource entry.
    pub fn arn(text: &str) -> Glob {
        ArnPattern::compile(text, &NoVariables, false).expect("literal patterns compile").glob()
    }

    /// Whether `text` matches (the same answer as [`ArnPattern::matches`]).
    pub fn matches(&self, text: &str) -> bool {
        let mut at = vec![false; self.0.len() + 1];
        at[0] = true;
        self.close(&mut at);
        for c in text.chars() {
            let mut next = vec![false; at.len()];
            self.step(&at, c, &mut next);
            self.close(&mut next);
            at = next;
        }
        at[self.0.len()]
    }

    /// Adds the positions reachable without reading: a `*` may match nothing.
    fn close(&self, at: &mut [bool]) {
        for i in 0..self.0.len() {
            if at[i] && matches!(self.0[i], G::Run | G::RunInSegment) {
                at[i + 1] = true;
            }
        }
    }

    fn step(&self, at: &[bool], c: char, next: &mut [bool]) {
        for (i, g) in self.0.iter().enumerate() {
            if !at[i] {
                continue;
            }
            match *g {
                G::Lit(p) if p == c => next[i + 1] = true,
                G::One => next[i + 1] = true,
                G::OneInSegment if c != ':' => next[i + 1] = true,
                G::Run => next[i] = true,
                G::RunInSegment if c != ':' => next[i] = true,
                _ => {}
            }
        }
    }

    fn literals(&self, out: &mut Vec<char>) {
        for g in &self.0 {
            if let G::Lit(c) = g
                && !out.contains(c)
            {
                out.push(*c);
            }
        }
    }
}

/// The most states [`witness`] and [`regions`] explore before they give up (patterns in
/// policies are short: a few dozen states at most in practice; many wildcards inside resource
/// names, each of which a text may or may not contain, multiply them).
const WITNESS_LIMIT: usize = 100_000;

/// Whether some text matches at least one glob of every clause of `within` and none of
/// `outside`: `within` is an intersection of unions, `outside` a union. `None` when the search
/// grows past a bound. Exact: a subset construction over all the globs at once, reading only
/// the characters some glob names, the colon, and one character none names (all others behave
/// alike).
pub fn witness(within: &[&[Glob]], outside: &[Glob]) -> Option<bool> {
    let mut found = false;
    Product::new(within, outside).explore(|ends| {
        found = !ends.iter().any(|e| *e);
        found
    })?;
    Some(found)
}

/// The regions of what `within` covers (texts that match a glob of each of its clauses), as
/// `globs` tell them apart: for each region, which of `globs` its texts match. `visit` sees
/// each once, shortest texts first, and may stop the search by returning true. `None` when the
/// search grows past a bound (what `visit` saw until then holds).
pub fn regions(within: &[&[Glob]], globs: &[Glob], mut visit: impl FnMut(&[bool]) -> bool) -> Option<()> {
    let mut seen = std::collections::HashSet::new();
    Product::new(within, globs).explore(|ends| seen.insert(ends.to_vec()) && visit(ends))
}

/// A set of positions of [`Product`]'s globs.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Positions(Vec<u64>);

impl Positions {
    fn empty(n: usize) -> Positions {
        Positions(vec![0; n.div_ceil(64)])
    }

    fn has(&self, p: usize) -> bool {
        self.0[p / 64] & (1 << (p % 64)) != 0
    }

    fn set(&mut self, p: usize) {
        self.0[p / 64] |= 1 << (p % 64);
    }

    fn meets(&self, other: &Positions) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The positions in the set, in order.
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + bit
                })
            })
        })
    }
}

/// The globs of [`witness`] and [`regions`] read together, one character at a time: their
/// positions laid end to end, each glob's tokens followed by its end.
struct Product {
    /// The token at each position; `None` at a glob's end.
    tokens: Vec<Option<G>>,
    /// For each clause of `within`, the positions of its globs, and their ends.
    clauses: Vec<(Positions, Positions)>,
    /// The end of each of the other globs.
    ends: Vec<usize>,
    starts: Vec<usize>,
    alphabet: Vec<char>,
}

impl Product {
    fn new(within: &[&[Glob]], others: &[Glob]) -> Product {
        let total: usize = within.iter().flat_map(|c| c.iter()).chain(others).map(|g| g.0.len() + 1).sum();
        let mut tokens = Vec::with_capacity(total);
        let mut starts = Vec::new();
        let mut alphabet = vec![':'];
        let mut lay = |g: &Glob, tokens: &mut Vec<Option<G>>| {
            starts.push(tokens.len());
            tokens.extend(g.0.iter().copied().map(Some));
            tokens.push(None);
            g.literals(&mut alphabet);
            tokens.len() - 1
        };
        let mut clauses = Vec::with_capacity(within.len());
        for clause in within {
            let (mut all, mut ends) = (Positions::empty(total), Positions::empty(total));
            for g in clause.iter() {
                let start = tokens.len();
                let end = lay(g, &mut tokens);
                (start..=end).for_each(|p| all.set(p));
                ends.set(end);
            }
            clauses.push((all, ends));
        }
        let ends = others.iter().map(|g| lay(g, &mut tokens)).collect();
        let fresh = ('\u{e000}'..).find(|c| !alphabet.contains(c)).expect("a character no pattern names");
        alphabet.push(fresh);
        Product { tokens, clauses, ends, starts, alphabet }
    }

    /// Adds the positions reachable without reading: a `*` may match nothing.
    fn close(&self, state: &mut Positions) {
        let live: Vec<usize> = state.iter().collect();
        for mut p in live {
            // A position set on the way was followed on from there already, or will be.
            while matches!(self.tokens[p], Some(G::Run | G::RunInSegment)) && !state.has(p + 1) {
                p += 1;
                state.set(p);
            }
        }
    }

    fn step(&self, state: &Positions, c: char) -> Positions {
        let mut next = Positions::empty(self.tokens.len());
        for p in state.iter() {
            match self.tokens[p] {
                Some(G::Lit(l)) if l == c => next.set(p + 1),
                Some(G::One) => next.set(p + 1),
                Some(G::OneInSegment) if c != ':' => next.set(p + 1),
                Some(G::Run) => next.set(p),
                Some(G::RunInSegment) if c != ':' => next.set(p),
                _ => {}
            }
        }
        self.close(&mut next);
        next
    }

    /// Reads every text the clauses cover, as far as it tells anything apart, shortest first,
    /// and shows `visit` which of the other globs match each; stops when `visit` says so. `None`
    /// when the search grows past [`WITNESS_LIMIT`] states.
    fn explore(&self, mut visit: impl FnMut(&[bool]) -> bool) -> Option<()> {
        let mut start = Positions::empty(self.tokens.len());
        self.starts.iter().for_each(|&p| start.set(p));
        self.close(&mut start);
        let mut seen = std::collections::HashSet::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut ends = Vec::with_capacity(self.ends.len());
        while let Some(state) = queue.pop_front() {
            // Every clause must keep a live glob: otherwise nothing further can match it.
            if state.is_empty() || !self.clauses.iter().all(|(all, _)| state.meets(all)) || !seen.insert(state.clone())
            {
                continue;
            }
            if self.clauses.iter().all(|(_, clause_ends)| state.meets(clause_ends)) {
                ends.clear();
                ends.extend(self.ends.iter().map(|&e| state.has(e)));
                if visit(&ends) {
                    return Some(());
                }
            }
            if seen.len() > WITNESS_LIMIT {
                return None;
            }
            for &c in &self.alphabet {
                queue.push_back(self.step(&state, c));
            }
        }
        Some(())
    }
}

/// The account segment of an ARN, when it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Vars(HashMap<&'static str, &'static str>);

    impl Variables for Vars {
        fn variable(&self, key: &str) -> Option<Cow<'_, str>> {
            self.0.get(key).map(|v| Cow::Borrowed(*v))
        }
    }

    #[test]
    fn wildcards() {
        let p = Pattern::literal("arn:aws:s3:::bucket/*");
        assert!(p.matches("arn:aws:s3:::bucket/a/b.csv"));
        assert!(!p.matches("arn:aws:s3:::bucket"));
        assert!(Pattern::literal("ml.?5.*").matches("ml.m5.xlarge"));
        assert!(!Pattern::literal("ml.?5.*").matches("ml.m55.xlarge"));
        assert!(Pattern::literal("*").matches(""));
        assert!(Pattern::literal("a*b*c").matches("abbbc"));
        assert!(!Pattern::literal("a*b*c").matches("abbb"));
    }

    #[test]
    fn variables_insert_literal_text() {
        let vars = Vars(HashMap::from([("aws:username", "al*ce")]));
        let p = Pattern::with_variables("home/${aws:username}/*", &vars).unwrap();
        assert!(p.matches("home/al*ce/notes"));
        assert!(!p.matches("home/alice-x/notes"), "the inserted * is not a wildcard");
        let p = Pattern::with_variables("a${*}b${?}${$}", &vars).unwrap();
        assert!(p.matches("a*b?$"));
        assert!(!p.matches("aXb?$"));
        assert!(Pattern::with_variables("${aws:userid}", &vars).is_none(), "absent, no default");
        let p = Pattern::with_variables("${aws:userid, 'nobody'}", &vars).unwrap();
        assert!(p.matches("nobody"));
    }

    #[test]
    fn arns_match_segment_by_segment() {
        let p = ArnPattern::compile("arn:aws:sagemaker:*:123456789012:*", &NoVariables, false).unwrap();
        assert!(p.matches("arn:aws:sagemaker:us-east-1:123456789012:training-job/t1"));
        assert!(!p.matches("arn:aws:sagemaker:us-east-1:210987654321:training-job/t1"));
        // A `*` in one segment does not reach into the next.
        let p = ArnPattern::compile("arn:aws:s*:::b", &NoVariables, false).unwrap();
        assert!(!p.matches("arn:aws:s3:x:y:::b"), "the service's * stops at its colon");
        assert!(Pattern::literal("arn:aws:s*:::b").matches("arn:aws:s3:x:y:::b"), "as one string it would not");
        let p = ArnPattern::compile("arn:aws:s3:*:*:*", &NoVariables, false).unwrap();
        assert!(p.matches("arn:aws:s3:::b"), "a * matches an empty segment");
        let p = ArnPattern::compile("arn:aws:*", &NoVariables, false).unwrap();
        assert!(p.matches("arn:aws:s3:::b/k"), "fewer segments: matched as a whole");
        let p = ArnPattern::compile("arn:aws:logs:*:*:log-group:/aws/*:*", &NoVariables, false).unwrap();
        assert!(p.matches("arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker:log-stream:x"));
    }

    #[test]
    fn placeholders_become_wildcards() {
        assert_eq!(placeholders_as_wildcards("arn:${Partition}:s3:::${BucketName}/${ObjectName}"), "arn:*:s3:::*/*");
        assert_eq!(placeholders_as_wildcards("home/${aws:username}/x${"), "home/*/x${");
    }

    #[test]
    fn intersection_of_patterns() {
        let arn = |s: &str| ArnPattern::compile(s, &NoVariables, false).unwrap();
        let resource = arn("arn:aws:ec2:*:123456789012:*");
        let training = arn("arn:*:sagemaker:*:*:training-job/*");
        assert!(!resource.intersects(&training));
        assert!(resource.flattened().intersects(&training.flattened()), "flat, a * would span segments");
        assert!(arn("arn:aws:sagemaker:*:123456789012:*").intersects(&training));
        assert!(!arn("arn:aws:sagemaker:*:123456789012:model/*").intersects(&training));
        assert!(Pattern::literal("a?c").intersects(&Pattern::literal("*b*")));
        assert!(!Pattern::literal("abc").intersects(&Pattern::literal("abd")));
        assert!(Pattern::literal("*").intersects(&Pattern::literal("")));
    }

    #[test]
    fn globs_keep_wildcards_inside_their_segment() {
        let g = Glob::arn("arn:aws:s*:::b");
        assert!(!g.matches("arn:aws:s3:x:y:::b"), "as ArnPattern::matches");
        assert!(g.matches("arn:aws:s3:::b"));
        let g = Glob::arn("arn:aws:logs:*:*:log-group:/aws/*:*");
        assert!(g.matches("arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker:log-stream:x"));
        assert!(Glob::arn("*").matches("arn:aws:s3:::b/k"));
    }

    #[test]
    fn witnesses_for_intersection_and_inclusion() {
        let g = Glob::arn;
        let yes = |within: &[&[Glob]], outside: &[Glob]| witness(within, outside) == Some(true);
        // Intersection: some ARN in both.
        assert!(yes(&[&[g("arn:aws:s3:::bucket/*")], &[g("arn:aws:s3:::bucket/photo.jpg")]], &[]));
        assert!(!yes(&[&[g("arn:aws:s3:::bucket/*")], &[g("arn:aws:s3:::other/*")]], &[]));
        // The service's `*` stops at its colon: `arn:aws:s*:::b` and `arn:aws:s3:x:y:::b` share nothing.
        assert!(!yes(&[&[g("arn:aws:s*:::b")], &[g("arn:aws:s3:x:y:::b")]], &[]));
        // Inclusion: nothing in the pattern outside the union.
        assert!(!yes(&[&[g("arn:aws:s3:::bucket/private/*")]], &[g("arn:aws:s3:::bucket/*")]));
        assert!(yes(&[&[g("arn:aws:s3:::bucket/*")]], &[g("arn:aws:s3:::bucket/private/*")]));
        assert!(
            !yes(&[&[g("arn:aws:s3:::bucket/*")]], &[g("arn:aws:s3:::bucket/a*"), g("arn:aws:s3:::bucket/*")]),
            "a union covers"
        );
        assert!(!yes(&[&[g("ab*")]], &[g("a*")]));
        assert!(yes(&[&[g("a*")]], &[g("ab*"), g("a")]), "`ac` is in a* and in neither");
        assert!(!yes(&[&[g("a*")]], &[g("ab*"), g("a"), g("a?*")]));
        // `?` is one character: `a?` is not within `a`.
        assert!(yes(&[&[g("a?")]], &[g("a")]));
        // Several clauses: in both unions and outside a third.
        assert!(yes(&[&[g("x*")], &[g("*1"), g("*2")]], &[g("x1")]), "x2");
        assert!(!yes(&[&[g("x?")], &[g("*1")]], &[g("x1")]));
    }
}
