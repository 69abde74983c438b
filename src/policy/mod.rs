//! The IAM policy engine: parses policies, evaluates requests with AWS's documented logic and
//! says which statement decided and why, runs guardrail tests, and lints guardrails that cannot
//! work. Pure: no AWS SDK, no I/O except reading the files it is given.
//!
//! In layers, each file using only those below it: the grammar's pieces (`spans`, `pattern`,
//! `iam`, `principal`, `suggest`), the fixed rules (`rules`), the request (`context`), conditions
//! (`condition`), documents (`document`), the evaluator (`evaluate`), lint (`lint`), and the
//! cases and suites that drive them (`case`, `suite`).

pub mod case;
pub mod condition;
pub mod context;
pub mod document;
pub mod evaluate;
pub mod iam;
pub mod lint;
pub mod pattern;
pub mod principal;
pub mod rules;
pub mod spans;
pub mod suggest;
pub mod suite;

pub use case::{load_case, parse_case};
pub use context::{Context, Request};
pub use document::Policy;
pub use evaluate::{Case, Explained, OrgLevel, Organization, Outcome};
pub use lint::{LintFinding, lint};
pub use suite::{Suite, TestResult};
