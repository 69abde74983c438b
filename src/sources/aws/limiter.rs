//! A client-side rate limit per operation, so that vigil stays well under AWS's documented
//! limits (GetFindings: 3 TPS) and leaves room for the other tools sharing them.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Spaces calls at least `1 / rate` apart.
#[derive(Debug)]
pub struct RateLimit {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimit {
    /// `per_second` calls a second; zero or less means no limit.
    pub fn per_second(per_second: f64) -> Self {
        let interval = if per_second > 0.0 { Duration::from_secs_f64(1.0 / per_second) } else { Duration::ZERO };
        RateLimit { interval, next: Mutex::new(None) }
    }

    /// Waits for this call's turn.
    pub async fn acquire(&self) {
        if self.interval.is_zero() {
            return;
        }
        let wait_until = {
            let mut next = self.next.lock().expect("not poisoned");
            let now = Instant::now();
            let at = next.map_or(now, |n| n.max(now));
            *next = Some(at + self.interval);
            at
        };
        tokio::time::sleep_until(wait_until).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_are_spaced() {
        let limit = RateLimit::per_second(20.0);
        let start = Instant::now();
        for _ in 0..5 {
            limit.acquire().await;
        }
        // The first call is free, then one every 50 ms.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    }

    #[tokio::test]
    async fn zero_means_unlimited() {
        let limit = RateLimit::per_second(0.0);
        let start = Instant::now();
        for _ in 0..1000 {
            limit.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(100));
    }
}
