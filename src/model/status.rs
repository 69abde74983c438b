//! A control's status, derived from its evidence (DESIGN.md "Status").

/// The number of distinct failing resources. `at_least` is set where only a capped count is
/// known (Config's `CapExceeded`, details not read yet): the screen then shows "N+".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FailCount {
    pub resources: u32,
    pub at_least: bool,
}

impl std::fmt::Display for FailCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at_least { write!(f, "{}+", self.resources) } else { write!(f, "{}", self.resources) }
    }
}

/// What the evidence says, before its age is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Pass,
    Fail(FailCount),
    Warn,
}

/// A control's status as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pass,
    Fail(FailCount),
    Warn,
    /// No evidence has arrived.
    Unknown,
    /// The newest evidence is older than three poll intervals of its source; carries what that
    /// evidence said, so nothing is hidden.
    Stale(Verdict),
}

impl From<Verdict> for Status {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Pass => Status::Pass,
            Verdict::Fail(n) => Status::Fail(n),
            Verdict::Warn => Status::Warn,
        }
    }
}

/// A status without its payload, for counting and styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusLevel {
    Pass,
    Fail,
    Warn,
    Unknown,
    Stale,
}

impl StatusLevel {
    pub const ALL: [StatusLevel; 5] =
        [StatusLevel::Pass, StatusLevel::Fail, StatusLevel::Warn, StatusLevel::Unknown, StatusLevel::Stale];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusLevel::Pass => "PASS",
            StatusLevel::Fail => "FAIL",
            StatusLevel::Warn => "WARN",
            StatusLevel::Unknown => "UNKNOWN",
            StatusLevel::Stale => "STALE",
        }
    }

    /// A symbol for each status, so that status never depends on colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            StatusLevel::Pass => "✔",
            StatusLevel::Fail => "✘",
            StatusLevel::Warn => "▲",
            StatusLevel::Unknown => "?",
            StatusLevel::Stale => "◷",
        }
    }

    /// Sort key: what needs attention first.
    pub fn urgency(self) -> u8 {
        match self {
            StatusLevel::Fail => 0,
            StatusLevel::Warn => 1,
            StatusLevel::Stale => 2,
            StatusLevel::Unknown => 3,
            StatusLevel::Pass => 4,
        }
    }
}

impl Status {
    pub fn level(self) -> StatusLevel {
        match self {
            Status::Pass => StatusLevel::Pass,
            Status::Fail(_) => StatusLevel::Fail,
            Status::Warn => StatusLevel::Warn,
            Status::Unknown => StatusLevel::Unknown,
            Status::Stale(_) => StatusLevel::Stale,
        }
    }

    /// Whether any evidence stands behind this status (the score's denominator).
    pub fn has_data(self) -> bool {
        !matches!(self, Status::Unknown)
    }

    /// The failing count, also for stale data that said FAIL.
    pub fn failing(self) -> Option<FailCount> {
        match self {
            Status::Fail(n) | Status::Stale(Verdict::Fail(n)) => Some(n),
            _ => None,
        }
    }

    /// A short text: `PASS`, `FAIL 3`, `FAIL 100+`, `STALE (was FAIL 2)`; `FAIL` alone where it
    /// fails for a reason with no failing resource (a rule without remediation).
    pub fn describe(self) -> String {
        match self {
            Status::Fail(FailCount { resources: 0, at_least: false }) => "FAIL".to_string(),
            Status::Fail(n) => format!("FAIL {n}"),
            Status::Stale(v) => format!("STALE (was {})", Status::from(v).describe()),
            other => other.level().label().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_keep_counts_honest() {
        let exact = FailCount { resources: 3, at_least: false };
        let capped = FailCount { resources: 100, at_least: true };
        assert_eq!(Status::Fail(exact).describe(), "FAIL 3");
        assert_eq!(Status::Fail(capped).describe(), "FAIL 100+");
        assert_eq!(Status::Stale(Verdict::Fail(exact)).describe(), "STALE (was FAIL 3)");
        assert_eq!(Status::Stale(Verdict::Fail(exact)).failing(), Some(exact));
        assert!(!Status::Unknown.has_data());
        assert!(Status::Stale(Verdict::Pass).has_data());
    }
}
