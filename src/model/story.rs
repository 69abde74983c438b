//! A story's steps as the screen shows them (the demo's scenario, a replay's polls).

use super::ControlKind;

/// One step of a story, as it is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepInfo {
    /// 0-based.
    pub index: usize,
    pub total: usize,
    /// Seconds after the story's start.
    pub at: u64,
    pub title: String,
    pub caption: String,
    /// The pane the step is about.
    pub pane: ControlKind,
    /// The control the step narrates, by id (a replay's polls name none).
    pub control: Option<String>,
}
