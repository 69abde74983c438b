//! vigil: the live security posture of an AWS SageMaker environment, in preventive, detective
//! and corrective controls.
//!
//! The model, store, catalog and UI are pure and build without the AWS SDK; sources and the
//! terminal live at the edges.

pub mod allocator;
pub mod app;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diff;
mod enums;
pub mod format;
pub mod glob;
pub mod keymap;
pub mod links;
pub mod located;
pub mod model;
pub mod notify;
pub mod policy;
pub mod recording;
pub mod report;
pub mod snapshot;
pub mod sources;
pub mod store;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod ui;
