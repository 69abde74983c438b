//! Sources feed the store: live AWS services, the workshop demo, and tests all speak the same
//! `Source` trait, so the UI cannot tell them apart. Each runs as its own task; one that fails
//! or panics marks its kinds failed and the others go on.

#[cfg(feature = "aws")]
pub mod aws;
pub mod demo;
pub mod guardrails;
pub mod playback;
pub mod replay;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

// The store's input language lives with the model; sources speak it.
pub use crate::model::{
    Answer, Dataset, Message, Payload, Request, SourceError, SourceEvent, SourceKind, Standard, StepInfo, Unread,
};

use crate::model::Timestamp;

/// The clock sources stamp their events with; injected so tests control time.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Timestamp::now)
}

/// Where a source sends what it learns.
#[derive(Clone)]
pub struct Sink {
    tx: mpsc::Sender<Message>,
    clock: Clock,
    refresh: Option<tokio::sync::watch::Receiver<u64>>,
}

impl Sink {
    pub fn new(tx: mpsc::Sender<Message>, clock: Clock) -> Self {
        Sink { tx, clock, refresh: None }
    }

    /// Lets sources hear the user's "refresh now".
    pub fn with_refresh(mut self, refresh: tokio::sync::watch::Receiver<u64>) -> Self {
        self.refresh = Some(refresh);
        self
    }

    /// Waits `d`, or less if the user asks for a refresh meanwhile.
    pub async fn wait(&self, d: Duration) {
        match self.refresh.clone() {
            Some(mut rx) => {
                rx.borrow_and_update();
                tokio::select! {
                    _ = tokio::time::sleep(d) => {}
                    _ = rx.changed() => {}
                }
            }
            None => tokio::time::sleep(d).await,
        }
    }

    /// A sink whose events go nowhere, for a call made outside any source (the account id from
    /// STS, asked once for all of them).
    pub fn detached(clock: Clock) -> Self {
        let (tx, _) = mpsc::channel(1);
        Sink::new(tx, clock)
    }

    pub async fn account(&self, id: String) -> bool {
        self.tx.send(Message::Account(id)).await.is_ok()
    }

    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Sends; `false` once the app has gone, so that the source can stop.
    pub async fn send(&self, event: SourceEvent) -> bool {
        self.tx.send(Message::Event(event)).await.is_ok()
    }

    pub async fn answer(&self, answer: Answer) -> bool {
        self.tx.send(Message::Answer(answer)).await.is_ok()
    }

    pub async fn step(&self, step: crate::model::StepInfo) -> bool {
        self.tx.send(Message::Step(step)).await.is_ok()
    }

    pub async fn reset(&self) -> bool {
        self.tx.send(Message::Reset).await.is_ok()
    }
}

pub type SourceFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `produce` with a sink whose events are collected, in order, until every copy of the sink
/// is gone: `vigil report` (and the tests) take the sources' events this way, with the same
/// clock and through the same sink as the dashboard.
pub async fn collect<F: Future<Output = ()>>(clock: Clock, produce: impl FnOnce(Sink) -> F) -> Vec<SourceEvent> {
    let (tx, mut rx) = mpsc::channel(256);
    let producer = produce(Sink::new(tx, clock));
    let consumer = async {
        let mut events = Vec::new();
        while let Some(message) = rx.recv().await {
            if let Message::Event(e) = message {
                events.push(e);
            }
        }
        events
    };
    let ((), events) = tokio::join!(producer, consumer);
    events
}

/// A producer of evidence: live AWS services, the demo, a recording, a test.
pub trait Source: Send + 'static {
    /// The kinds of data it feeds, with their poll intervals (`None`: never stale).
    fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)>;

    /// Runs until the sink closes.
    fn run(self: Box<Self>, sink: Sink) -> SourceFuture;
}

/// Answers what the drill-down asks (a resource's history, a finding in full) and makes the
/// corrective actions the user confirmed: live AWS, the demo and the tests each have one.
pub trait Responder: Send + Sync + 'static {
    /// Answers `request` through `sink`, one [`Answer`] per section or per change of a write.
    fn respond(&self, request: Request, sink: Sink) -> SourceFuture;
}

/// Starts a source in its own task. If it panics, each kind it feeds is reported failed with
/// the panic's message, and nothing else is affected.
pub fn spawn(source: Box<dyn Source>, sink: Sink) -> JoinHandle<()> {
    let kinds: Vec<SourceKind> = source.feeds().into_iter().map(|(k, _)| k).collect();
    let task = tokio::spawn(source.run(sink.clone()));
    tokio::spawn(async move {
        if let Err(e) = task.await
            && e.is_panic()
        {
            let payload = e.into_panic();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            tracing::error!(?kinds, %message, "source task panicked");
            for kind in kinds {
                let event = SourceEvent {
                    source: kind,
                    fetched_at: sink.now(),
                    result: Err(SourceError::Failed { message: format!("source crashed: {message}") }),
                };
                if !sink.send(event).await {
                    break;
                }
            }
        }
    })
}
