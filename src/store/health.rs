//! Each source's health and each part's freshness, as the header, the detail and the status
//! rules read them.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::{PlaceRead, SourceError, SourceKind, Timestamp};

/// What a source is doing, as the header shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// Registered, nothing heard yet.
    Waiting,
    Ok,
    Loading {
        pages: u32,
        items: u64,
        /// Calls a second the load is allowed now, where a rate limit paces it.
        rate: Option<f32>,
    },
    Retrying {
        attempt: u32,
        reason: String,
    },
    Error(SourceError),
}

impl Health {
    /// The name the report uses.
    pub fn name(&self) -> &'static str {
        match self {
            Health::Waiting | Health::Loading { .. } => "loading",
            Health::Ok => "ok",
            Health::Retrying { .. } => "retrying",
            Health::Error(SourceError::Throttled { .. }) => "throttled",
            Health::Error(SourceError::Unauthorized { .. }) => "unauthorized",
            Health::Error(SourceError::ExpiredCredentials { .. }) => "expired_credentials",
            Health::Error(SourceError::Failed { .. }) => "failed",
        }
    }
}

/// One source's health and the age of its data.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub registered: bool,
    /// `None` for sources whose data never ages (offline tests).
    pub interval: Option<Duration>,
    pub health: Health,
    /// When the data held was fetched.
    pub last_ok: Option<Timestamp>,
    pub last_event: Option<Timestamp>,
    pub(super) last_replace: Option<Timestamp>,
    pub last_error: Option<(Timestamp, SourceError)>,
    /// Items the source could not use (malformed), in the data held.
    pub skipped: u64,
    pub counts: SourceCounts,
    /// When the load under way reported its first progress (until data arrives).
    pub loading_since: Option<Timestamp>,
    /// Each other account and region the source reads (an organisation's members), by
    /// (account, region): as its last full read left them.
    pub places: BTreeMap<(String, String), PlaceState>,
    /// The data held came from a local snapshot written then, and the source has not read it
    /// again since: every figure of it is stale until it does.
    pub snapshot: Option<Timestamp>,
}

/// One account's failure to be read, in the regions it kept from being read.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceFailure<'a> {
    pub account: &'a str,
    pub error: &'a SourceError,
    pub regions: Vec<&'a str>,
    /// When any of those regions was last read in full.
    pub last_ok: Option<Timestamp>,
}

/// How a source's reads in one account and region have gone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaceState {
    /// When it was last read in full.
    pub last_ok: Option<Timestamp>,
    pub last_error: Option<(Timestamp, SourceError)>,
    /// The last read failed (in part).
    pub failing: bool,
}

/// What a source has done since vigil started, for `:sources`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceCounts {
    /// Data sets received (full or changes).
    pub updates: u64,
    /// Polls that ended in an error.
    pub errors: u64,
    /// Calls retried after a failure.
    pub retries: u64,
    /// Throttled calls: retried or failed.
    pub throttles: u64,
    /// Calls the first load took, as its progress reported them.
    pub load_calls: u64,
}

impl SourceState {
    pub(super) fn new(kind: SourceKind) -> Self {
        SourceState {
            registered: false,
            interval: kind.default_interval(),
            health: Health::Waiting,
            last_ok: None,
            last_event: None,
            last_replace: None,
            last_error: None,
            skipped: 0,
            counts: SourceCounts::default(),
            loading_since: None,
            places: BTreeMap::new(),
            snapshot: None,
        }
    }

    /// The places read: a full read's (`whole`) replace those held, each keeping its history;
    /// changes only add to them.
    pub(super) fn read_places(&mut self, reads: &[PlaceRead], at: Timestamp, whole: bool) {
        if whole {
            let read: std::collections::HashSet<(&str, &str)> =
                reads.iter().map(|r| (r.account.as_str(), r.region.as_str())).collect();
            self.places.retain(|(account, region), _| read.contains(&(account.as_str(), region.as_str())));
        }
        for read in reads {
            let place = self.places.entry((read.account.clone(), read.region.clone())).or_default();
            match &read.error {
                None => {
                    place.last_ok = Some(place.last_ok.map_or(at, |last| last.max(at)));
                    place.failing = false;
                }
                Some(error) => {
                    place.last_error = Some((at, error.clone()));
                    place.failing = true;
                }
            }
        }
    }

    /// Each failure of the places whose last read failed, once per account and error: the
    /// regions it kept from being read and the last time any of them was read in full. By
    /// account, then error.
    pub fn place_failures(&self) -> Vec<PlaceFailure<'_>> {
        let mut out: Vec<PlaceFailure> = Vec::new();
        for ((account, region), place) in self.places.iter().filter(|(_, p)| p.failing) {
            let Some((_, error)) = &place.last_error else { continue };
            match out.iter_mut().find(|f| f.account == account.as_str() && f.error == error) {
                Some(f) => {
                    f.regions.push(region);
                    f.last_ok = f.last_ok.max(place.last_ok);
                }
                None => out.push(PlaceFailure { account, error, regions: vec![region], last_ok: place.last_ok }),
            }
        }
        out.sort_by(|a, b| (a.account, a.error.to_string()).cmp(&(b.account, b.error.to_string())));
        out
    }

    /// Places whose last read failed, and all places.
    pub fn places_failing(&self) -> (usize, usize) {
        (self.places.values().filter(|p| p.failing).count(), self.places.len())
    }

    /// Data older than three poll intervals is stale.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        self.stale_at(self.last_ok, now)
    }

    /// Whether data read at `at` is older than three of this source's poll intervals, or came
    /// from a snapshot the source has not read again.
    pub fn stale_at(&self, at: Option<Timestamp>, now: Timestamp) -> bool {
        if at.is_some() && self.snapshot.is_some() {
            return true;
        }
        match (at, self.interval) {
            (Some(at), Some(interval)) => now.duration_since(at).unsigned_abs() > 3 * interval && now > at,
            _ => false,
        }
    }

    /// How old the data is, if there is any.
    pub fn age(&self, now: Timestamp) -> Option<Duration> {
        self.last_ok.map(|at| Duration::try_from(now.duration_since(at)).unwrap_or(Duration::ZERO))
    }
}

/// One part's freshness (DESIGN.md: what was not read is unknown, never negative): when it
/// was last read in full, and the error of the last attempt that could not read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartState {
    pub last_ok: Option<Timestamp>,
    pub error: Option<(Timestamp, SourceError)>,
}

impl PartState {
    /// Never read in full, and the attempt failed: what it feeds is unknown.
    pub fn unread(&self) -> bool {
        self.last_ok.is_none() && self.error.is_some()
    }
}
