//! A client-side rate limit per operation family: a token bucket that starts at AWS's documented
//! rate and burst (GetFindings: 3 a second, burst 6), halves its rate when AWS throttles (the
//! limit is shared with every other caller in the account and region), creeps back up after a
//! quiet while, and never goes over the configured ceiling.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Calls are paced this much under the current rate, so that the jitter of the network and of
/// the timers never lands a call a hair early on AWS's own bucket.
const MARGIN: f64 = 0.95;
/// After this long without being throttled, the rate creeps up.
const QUIET: Duration = Duration::from_secs(3);
/// Each creep adds this share of the ceiling.
const CREEP: f64 = 0.1;
/// The rate never halves below this share of the ceiling.
const FLOOR: f64 = 1.0 / 16.0;

#[derive(Debug)]
struct Bucket {
    /// The current rate, calls a second (at most `ceiling`).
    rate: f64,
    tokens: f64,
    at: Instant,
    /// When the rate last changed or AWS last throttled: the quiet while counts from here.
    since: Instant,
}

/// Spaces calls to the current rate, with a burst. A clone shares the bucket: the pollers and
/// the drill-down call the same account's and region's operations, and AWS counts them together.
#[derive(Debug, Clone)]
pub struct RateLimit {
    ceiling: f64,
    burst: f64,
    bucket: Arc<Mutex<Bucket>>,
}

impl RateLimit {
    /// `per_second` calls a second at most, with a burst of `burst` calls; zero or less means no
    /// limit.
    pub fn new(per_second: f64, burst: f64) -> Self {
        let ceiling = if per_second.is_finite() && per_second > 0.0 { per_second } else { 0.0 };
        let burst = burst.max(1.0);
        let now = Instant::now();
        let bucket = Bucket { rate: ceiling, tokens: burst, at: now, since: now };
        RateLimit { ceiling, burst, bucket: Arc::new(Mutex::new(bucket)) }
    }

    /// `per_second` calls a second, with a burst of one second's calls.
    pub fn per_second(per_second: f64) -> Self {
        RateLimit::new(per_second, per_second.ceil())
    }

    /// No limit at all.
    pub fn unlimited() -> Self {
        RateLimit::new(0.0, 1.0)
    }

    /// Whether the two pace together (one is a clone of the other).
    pub fn shares(&self, other: &RateLimit) -> bool {
        Arc::ptr_eq(&self.bucket, &other.bucket)
    }

    fn limited(&self) -> bool {
        self.ceiling > 0.0
    }

    /// The rate calls are allowed at now, if there is a limit.
    pub fn current(&self) -> Option<f64> {
        self.limited().then(|| self.bucket.lock().expect("not poisoned").rate)
    }

    /// Waits for this call's turn.
    pub async fn acquire(&self) {
        if !self.limited() {
            return;
        }
        loop {
            let wait = self.take(Instant::now());
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Takes a token at `now`, or says how long until one is there.
    fn take(&self, now: Instant) -> Option<Duration> {
        let mut b = self.bucket.lock().expect("not poisoned");
        let pace = b.rate * MARGIN;
        b.tokens = (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * pace).min(self.burst);
        b.at = b.at.max(now);
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            None
        } else {
            // At least a millisecond, so that rounding never makes a wait of nothing.
            Some(Duration::from_secs_f64((1.0 - b.tokens) / pace).max(Duration::from_millis(1)))
        }
    }

    /// AWS throttled a call: halve the rate, and start from an empty bucket (AWS's is empty too).
    pub fn throttled(&self) {
        self.throttled_at(Instant::now());
    }

    fn throttled_at(&self, now: Instant) {
        if !self.limited() {
            return;
        }
        let mut b = self.bucket.lock().expect("not poisoned");
        b.rate = (b.rate / 2.0).max(self.ceiling * FLOOR);
        b.tokens = 0.0;
        b.at = b.at.max(now);
        b.since = now;
        tracing::debug!(rate = b.rate, "throttled: rate halved");
    }

    /// A call went through: after a quiet while, the rate creeps back towards the ceiling.
    pub fn succeeded(&self) {
        self.succeeded_at(Instant::now());
    }

    fn succeeded_at(&self, now: Instant) {
        if !self.limited() {
            return;
        }
        let mut b = self.bucket.lock().expect("not poisoned");
        if b.rate < self.ceiling && now.saturating_duration_since(b.since) >= QUIET {
            b.rate = (b.rate + self.ceiling * CREEP).min(self.ceiling);
            b.since = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `n` tokens from `at` on, waiting as `acquire` would; returns when the last went.
    fn take_n(limit: &RateLimit, mut at: Instant, n: usize) -> Instant {
        for _ in 0..n {
            while let Some(wait) = limit.take(at) {
                at += wait;
            }
        }
        at
    }

    #[test]
    fn the_burst_goes_at_once_then_calls_are_paced() {
        let limit = RateLimit::new(10.0, 3.0);
        let start = Instant::now();
        assert_eq!(take_n(&limit, start, 3), start, "the burst");
        // Ten more at 10 a second, paced a little under.
        let elapsed = take_n(&limit, start, 10).duration_since(start).as_secs_f64();
        assert!((1.0 / MARGIN - 0.01..1.0 / MARGIN + 0.01).contains(&elapsed), "{elapsed}");
    }

    #[test]
    fn a_clone_paces_with_its_original() {
        let poller = RateLimit::new(3.0, 6.0);
        let drill = poller.clone();
        let start = Instant::now();
        assert_eq!(take_n(&poller, start, 6), start, "the poller takes the whole burst");
        assert!(drill.take(start).is_some(), "the drill-down's next call waits: the burst is spent");
        drill.throttled_at(start);
        assert!(poller.current().unwrap() < 3.0, "a throttle one of them met slows both");
        assert!(drill.shares(&poller) && !drill.shares(&RateLimit::new(3.0, 6.0)));
    }

    #[test]
    fn throttling_halves_the_rate_and_quiet_brings_it_back() {
        let limit = RateLimit::new(3.0, 6.0);
        let start = Instant::now();
        assert_eq!(limit.current(), Some(3.0));
        limit.throttled_at(start);
        assert_eq!(limit.current(), Some(1.5));
        limit.throttled_at(start);
        assert_eq!(limit.current(), Some(0.75));
        for _ in 0..20 {
            limit.throttled_at(start);
        }
        assert_eq!(limit.current(), Some(3.0 / 16.0), "never below the floor");
        limit.succeeded_at(start + QUIET / 2);
        assert_eq!(limit.current(), Some(3.0 / 16.0), "not quiet long enough yet");
        let mut rate = 3.0 / 16.0;
        let mut at = start;
        for _ in 0..12 {
            at += QUIET;
            limit.succeeded_at(at);
            let now = limit.current().unwrap();
            assert!(now > rate || now == 3.0, "creeps up: {rate} -> {now}");
            rate = now;
        }
        assert_eq!(limit.current(), Some(3.0), "and never over the ceiling");
    }

    #[test]
    fn after_throttling_the_bucket_is_empty() {
        let limit = RateLimit::new(2.0, 5.0);
        let start = Instant::now();
        limit.throttled_at(start);
        // One token at 1 call a second (halved), paced a little under.
        let elapsed = take_n(&limit, start, 1).duration_since(start).as_secs_f64();
        assert!((1.0 / MARGIN - 0.01..1.0 / MARGIN + 0.01).contains(&elapsed), "{elapsed}");
    }

    #[tokio::test]
    async fn zero_means_unlimited() {
        let limit = RateLimit::per_second(0.0);
        let start = Instant::now();
        for _ in 0..1000 {
            limit.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(100));
        assert_eq!(limit.current(), None);
    }
}
