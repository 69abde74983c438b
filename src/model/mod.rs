//! The domain model: controls, the evidence AWS gives about them, resource identity and status.
//!
//! Everything here is plain data. Strings that come from a source are untrusted and must go
//! through `ui::text` before they reach the terminal.

mod automation;
pub mod config_types;
mod event;
mod evidence;
mod intern;
mod lookup;
mod part;
mod resource;
mod stamp;
mod status;
mod story;

pub use automation::{
    AutomationRule, AutomationRules, Comparison, Criteria, RuleApi, RuleField, WorkflowReason, workflow_reason,
};
pub use event::{
    ConfigAggregator, Dataset, FindingAggregator, HubCounts, HubScope, HubV2, Message, Payload, PlaceRead, SourceError,
    SourceEvent, SourceKind, Standard, Unread,
};
pub use evidence::*;
pub use intern::{Interner, Sym, interning, sym};
pub use lookup::*;
pub use part::{Part, PartSet};
pub use resource::{ResourceId, ResourceType, Resources};
pub use stamp::Stamp;
pub use status::{FailCount, Status, StatusLevel, Verdict};
pub use story::StepInfo;

/// An empty `Sym`, where a recording made before a field existed has none.
pub fn no_sym() -> Sym {
    Sym::from("")
}

/// Every point in time in vigil: Config's epoch seconds and Security Hub's ISO-8601 strings are
/// both converted into this one type before they are compared.
pub type Timestamp = jiff::Timestamp;

crate::enums::named_enum! {
    /// The three kinds of control, which are also the three panes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize)]
    #[serde(rename_all = "lowercase")]
    pub enum ControlKind {
        Preventive => "preventive",
        Detective => "detective",
        Corrective => "corrective",
    }
}

impl ControlKind {
    pub fn title(self) -> &'static str {
        match self {
            Self::Preventive => "Preventive",
            Self::Detective => "Detective",
            Self::Corrective => "Corrective",
        }
    }
}
