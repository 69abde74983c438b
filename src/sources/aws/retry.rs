//! Explicit retries: throttling, 5xx, time-outs and undecodable responses are tried again with
//! capped, jittered exponential backoff, up to a fixed number of attempts; the source's health
//! says "retrying n" meanwhile. The SDK's own retries are off, so nothing is open-ended. An
//! endpoint given explicitly that cannot be connected to (nothing listens, unknown host) fails
//! at once: another attempt would meet the same closed door.

use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::error::{CallError, HasStatus, classify};
use super::limiter::RateLimit;
use crate::sources::{Payload, Sink, SourceError, SourceEvent, SourceKind};

#[derive(Debug, Clone)]
pub struct Retry {
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// The endpoint given with `--endpoint-url` (or `[aws] endpoint_url`): a call that cannot
    /// connect there is not tried again, and its error names it. `None`: AWS's own endpoints,
    /// where a connection that fails (a network coming back) is retried as any transient error.
    pub endpoint: Option<String>,
}

impl Retry {
    /// The backoff before attempt `attempt + 1`: exponential, capped, with full jitter on its
    /// upper half so that clients that failed together do not retry together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(1u32 << attempt.min(16));
        let capped = exp.min(self.max_backoff);
        capped / 2 + capped.mul_f64(jitter() / 2.0)
    }
}

/// A number in [0, 1) from a cheap generator; good enough to spread retries.
fn jitter() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0x9e37_79b9, |d| d.as_nanos() as u64) | 1
        );
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// Who is calling, for health events and error messages.
pub struct Caller<'a> {
    pub kind: SourceKind,
    pub sink: &'a Sink,
    pub profile: Option<&'a str>,
    pub retry: &'a Retry,
}

impl Caller<'_> {
    /// Runs `call` until it succeeds, fails for good, or the attempts run out; every attempt
    /// waits its turn under `limit`, and tells it when AWS throttled.
    pub async fn call<T, E, R, F, Fut>(&self, action: &str, limit: &RateLimit, mut call: F) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HasStatus,
    {
        let mut attempt = 1;
        loop {
            limit.acquire().await;
            // The SDK's futures are large: on the heap, they keep the task's stack small.
            match Box::pin(call()).await {
                Ok(v) => {
                    limit.succeeded();
                    return Ok(v);
                }
                Err(e) => {
                    let failure = classify(&e, action, self.profile);
                    if matches!(failure.error, SourceError::Throttled { .. }) {
                        limit.throttled();
                    }
                    tracing::debug!(source = %self.kind, action, attempt, error = %failure.error, "call failed");
                    if let (Some(reason), Some(endpoint)) = (&failure.unreachable, &self.retry.endpoint) {
                        let message = format!("{action}: cannot connect to {endpoint}: {reason}");
                        return Err(CallError { error: SourceError::Failed { message }, retryable: false, ..failure });
                    }
                    if !failure.retryable || attempt >= self.retry.max_attempts {
                        return Err(failure);
                    }
                    let event = SourceEvent {
                        source: self.kind,
                        fetched_at: self.sink.now(),
                        result: Ok(Payload::Retrying { attempt, error: failure.error.clone() }),
                    };
                    self.sink.send(event).await;
                    tokio::time::sleep(self.retry.backoff(attempt - 1)).await;
                    attempt += 1;
                }
            }
        }
    }
}

/// Every page of a paginated call, each under the rate limit: `request` makes the call for a
/// page token, `take` keeps the page and returns the next token. Returns the pages read.
pub async fn every_page<O, E, R, F, Fut>(
    caller: &Caller<'_>,
    limit: &RateLimit,
    calls: &mut u64,
    action: &str,
    mut request: F,
    mut take: impl FnMut(O) -> Option<String>,
) -> Result<u32, CallError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        *calls += 1;
        let page = caller.call(action, limit, || request(token.clone())).await?;
        pages += 1;
        token = take(page);
        if token.is_none() {
            return Ok(pages);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let r = Retry {
            max_attempts: 8,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            endpoint: None,
        };
        for attempt in 0..12 {
            let b = r.backoff(attempt);
            let full = Duration::from_millis(200).saturating_mul(1 << attempt).min(Duration::from_secs(10));
            assert!(b >= full / 2 && b <= full, "attempt {attempt}: {b:?} not within [{:?}, {full:?}]", full / 2);
        }
        assert!(r.backoff(30) <= Duration::from_secs(10));
    }
}
