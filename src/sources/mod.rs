//! Sources feed the store: live AWS services, the workshop demo, and tests all speak the same
//! `Source` trait, so the UI cannot tell them apart.

mod event;

pub use event::{Dataset, Payload, SourceError, SourceEvent, SourceKind};
