//! Faults the pseudo-terminal tests inject through `VIGIL_FAULT`, in debug builds only.
use std::time::Duration;

use crate::sources::{Sink, Source, SourceFuture, SourceKind};

pub fn injected(name: &str) -> bool {
    std::env::var("VIGIL_FAULT").is_ok_and(|v| v == name)
}

/// A source that panics shortly after it starts.
pub struct PanickingSource;

impl Source for PanickingSource {
    fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)> {
        vec![(SourceKind::Guardrails, None)]
    }

    fn run(self: Box<Self>, _sink: Sink) -> SourceFuture {
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            panic!("injected fault in a source");
        })
    }
}
