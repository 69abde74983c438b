//! One poller per source: polls at its own interval with one request in flight, reports each
//! failure as the source's health while the last good data stays, backs off when throttled,
//! and polls at once when the user asks for a refresh.

use std::future::Future;
use std::time::Duration;

use crate::sources::{Payload, Sink, Source, SourceError, SourceEvent, SourceFuture, SourceKind};

/// What one poll gave: the payloads to apply, in order, and the error that ended it early, if
/// one did. A first poll that fails half-way still delivers what it read (the rules Config
/// listed before its compliance calls failed, say); later polls keep the last good data instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Polled {
    pub payloads: Vec<Payload>,
    pub error: Option<SourceError>,
}

impl Polled {
    pub fn partial(payloads: Vec<Payload>, error: SourceError) -> Self {
        Polled { payloads, error: Some(error) }
    }
}

/// What a source does on each poll.
pub trait Poll: Send + 'static {
    fn base(&self) -> &super::PollerBase;
    fn kind(&self) -> SourceKind {
        self.base().kind
    }
    fn interval(&self) -> Duration {
        self.base().interval
    }
    /// One poll. Progress and retries go to `sink` as they happen (there is none in `report`).
    fn poll(&mut self, sink: &Sink) -> impl Future<Output = Polled> + Send;
}

/// Sends what a poll gave: its payloads, in order, then the error that ended it. `false` once
/// nobody listens any more. The dashboard and the report both take a poll's results this way.
pub async fn deliver(kind: SourceKind, polled: Polled, sink: &Sink) -> bool {
    if let Some(e) = &polled.error {
        tracing::warn!(source = %kind, error = %e, "poll failed");
    }
    let events = polled.payloads.into_iter().map(Ok).chain(polled.error.map(Err)).map(|result| SourceEvent {
        source: kind,
        fetched_at: sink.now(),
        result,
    });
    for event in events {
        if !sink.send(event).await {
            return false;
        }
    }
    true
}

/// One poll, delivered.
pub async fn poll_once<P: Poll>(poll: &mut P, sink: &Sink) -> bool {
    let polled = Box::pin(poll.poll(sink)).await;
    deliver(poll.kind(), polled, sink).await
}

/// Runs a [`Poll`] as a [`Source`].
pub struct Poller<P>(pub P);

/// After `failures` throttled polls in a row, wait this many intervals (with the SDK calls
/// already retried inside the poll).
fn throttled_wait(interval: Duration, failures: u32) -> Duration {
    interval.saturating_mul(1 << failures.min(3))
}

/// How long to wait after a poll that took `took` before the next: polls start an interval
/// apart, and where a poll takes longer (an organisation's Config poll at 4 calls a second takes
/// some 145 s) a quarter of an interval passes between them, so that vigil does not take the
/// account's whole rate from the other callers. Waiting a whole interval after such a poll left
/// its data 145 + 60 s old before the next arrived, past the three intervals after which it is
/// STALE.
fn next_start(interval: Duration, took: jiff::SignedDuration) -> Duration {
    interval.saturating_sub(Duration::try_from(took).unwrap_or(Duration::ZERO)).max(interval / 4)
}

impl<P: Poll> Source for Poller<P> {
    fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)> {
        vec![(self.0.kind(), Some(self.0.interval()))]
    }

    fn run(self: Box<Self>, sink: Sink) -> SourceFuture {
        Box::pin(async move {
            let mut poll = self.0;
            let kind = poll.kind();
            let interval = poll.interval();
            let mut throttled = 0u32;
            loop {
                let started = sink.now();
                let polled = Box::pin(poll.poll(&sink)).await;
                let wait = match &polled.error {
                    Some(SourceError::Throttled { .. }) => {
                        throttled += 1;
                        throttled_wait(interval, throttled)
                    }
                    _ => {
                        throttled = 0;
                        next_start(interval, sink.now().duration_since(started))
                    }
                };
                if !deliver(kind, polled, &sink).await {
                    return;
                }
                sink.wait(wait).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_start_an_interval_apart_or_a_quarter_of_one_after_a_long_one() {
        let i = Duration::from_secs(60);
        assert_eq!(next_start(i, jiff::SignedDuration::from_secs(5)), Duration::from_secs(55));
        assert_eq!(next_start(i, jiff::SignedDuration::from_secs(50)), Duration::from_secs(15), "a pause still");
        assert_eq!(next_start(i, jiff::SignedDuration::from_secs(145)), Duration::from_secs(15));
        assert_eq!(next_start(i, jiff::SignedDuration::ZERO), i, "a clock that stands still: a whole interval");
        assert_eq!(next_start(i, jiff::SignedDuration::from_secs(-3)), i, "a clock set back");
    }

    #[test]
    fn throttling_stretches_the_interval_up_to_eight_times() {
        let i = Duration::from_secs(30);
        assert_eq!(throttled_wait(i, 1), Duration::from_secs(60));
        assert_eq!(throttled_wait(i, 3), Duration::from_secs(240));
        assert_eq!(throttled_wait(i, 9), Duration::from_secs(240));
    }
}
