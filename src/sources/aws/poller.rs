//! One poller per source: polls at its own interval with one request in flight, reports each
//! failure as the source's health while the last good data stays, backs off when throttled,
//! and polls at once when the user asks for a refresh.

use std::future::Future;
use std::time::Duration;

use crate::sources::{Payload, Sink, Source, SourceError, SourceEvent, SourceFuture, SourceKind};

/// What a source does on each poll.
pub trait Poll: Send + 'static {
    fn kind(&self) -> SourceKind;
    fn interval(&self) -> Duration;
    /// One poll: the payloads to apply, in order. Progress and retries go to `sink` as they
    /// happen (there is none in `report`).
    fn poll(&mut self, sink: Option<&Sink>) -> impl Future<Output = Result<Vec<Payload>, SourceError>> + Send;
}

/// Runs a [`Poll`] as a [`Source`].
pub struct Poller<P>(pub P);

/// After `failures` throttled polls in a row, wait this many intervals (with the SDK calls
/// already retried inside the poll).
fn throttled_wait(interval: Duration, failures: u32) -> Duration {
    interval.saturating_mul(1 << failures.min(3))
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
                let result = Box::pin(poll.poll(Some(&sink))).await;
                let wait = match &result {
                    Err(SourceError::Throttled { .. }) => {
                        throttled += 1;
                        throttled_wait(interval, throttled)
                    }
                    _ => {
                        throttled = 0;
                        interval
                    }
                };
                let events: Vec<SourceEvent> = match result {
                    Ok(payloads) => payloads
                        .into_iter()
                        .map(|p| SourceEvent { source: kind, fetched_at: sink.now(), result: Ok(p) })
                        .collect(),
                    Err(e) => {
                        tracing::warn!(source = %kind, error = %e, "poll failed");
                        vec![SourceEvent { source: kind, fetched_at: sink.now(), result: Err(e) }]
                    }
                };
                for event in events {
                    if !sink.send(event).await {
                        return;
                    }
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
    fn throttling_stretches_the_interval_up_to_eight_times() {
        let i = Duration::from_secs(30);
        assert_eq!(throttled_wait(i, 1), Duration::from_secs(60));
        assert_eq!(throttled_wait(i, 3), Duration::from_secs(240));
        assert_eq!(throttled_wait(i, 9), Duration::from_secs(240));
    }
}
