//! The process's allocator: mimalloc, for the binary, the tests and the benchmarks alike (an
//! allocator set in the library applies to whatever links it). Holding a million findings,
//! glibc's malloc spent a fifth of a frame searching its bins; mimalloc draws that frame in two
//! thirds of the time and applies a million findings a third faster. It touches nothing else.

use crate::model::{Payload, SourceEvent};

#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Whether an event ends a whole read (a replacement, or the end of a pass over Security Hub's
/// findings): after it is applied, [`give_back`] returns what the read's pages and their parsing
/// used. mimalloc otherwise keeps it until later allocations come by: an idle dashboard after a
/// cold load of a million findings kept some 80 MiB of it resident.
pub fn ends_read(event: &SourceEvent) -> bool {
    matches!(event.result, Ok(Payload::Replace(_) | Payload::Sweep { .. }))
}

/// Returns memory held free to the system, in every thread's abandoned pages and the arenas.
pub fn give_back() {
    // SAFETY: mi_collect has no preconditions; it may be called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
