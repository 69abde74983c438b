//! Policy evaluation as AWS documents it: an explicit Deny anywhere wins; every SCP level must
//! allow; RCPs only restrict, and only for the services AWS lists; VPC endpoint policies,
//! permission boundaries and session policies each limit; identity and resource-based policies
//! grant, within one account or across two.

use std::fmt;

use serde::Serialize;

use super::condition::ConditionTrace;
use super::context::Request;
use super::document::{Effect, Policy, PrincipalSpec, Principals, ResourceEntry, Statement};
use super::iam;
use super::pattern::ArnPattern;
use crate::model::Decision;

/// One level of an organisation (root, OU, account) and its policies.
#[derive(Debug, Clone)]
pub struct OrgLevel {
    pub id: String,
    pub policies: Vec<Policy>,
}

/// A request and every policy that applies to it.
#[derive(Debug, Clone)]
pub struct Case {
    pub request: Request,
    pub identity: Vec<Policy>,
    pub resource: Option<Policy>,
    pub boundaries: Vec<Policy>,
    pub session: Option<Policy>,
    pub endpoints: Vec<Policy>,
    pub scps: Vec<OrgLevel>,
    pub rcps: Vec<OrgLevel>,
}

/// Where a policy sits in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Identity(usize),
    Resource,
    Boundary(usize),
    Session,
    Endpoint(usize),
    Scp(usize, usize),
    Rcp(usize, usize),
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Identity(i) => write!(f, "identityPolicies[{i}]"),
            Layer::Resource => write!(f, "resourcePolicy"),
            Layer::Boundary(i) => write!(f, "permissionBoundaries[{i}]"),
            Layer::Session => write!(f, "sessionPolicy"),
            Layer::Endpoint(i) => write!(f, "endpointPolicies[{i}]"),
            Layer::Scp(l, p) => write!(f, "serviceControlPolicies[{l}].policies[{p}]"),
            Layer::Rcp(l, p) => write!(f, "resourceControlPolicies[{l}].policies[{p}]"),
        }
    }
}

/// A statement that decided, by its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub layer: Layer,
    pub statement: usize,
}

/// Why the decision is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    ExplicitDeny,
    /// An SCP level (its index and id) has no statement that allows the request.
    ScpWithoutAllow(usize, String),
    EndpointWithoutAllow(usize),
    BoundaryWithoutAllow(usize),
    SessionWithoutAllow,
    /// Nothing grants: no identity or resource-based statement allows.
    NoAllow,
    /// Across accounts the resource-based policy must allow too.
    CrossAccountWithoutResourceAllow,
    CrossAccountWithoutIdentityAllow,
    AllowedByIdentity,
    AllowedByResource,
    /// `sts:GetCallerIdentity`, which AWS always allows.
    AlwaysAllowed,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ExplicitDeny => write!(f, "an explicit Deny matched; it overrides every Allow"),
            Reason::AlwaysAllowed => {
                write!(
                    f,
                    "sts:GetCallerIdentity is always allowed: AWS lets no policy deny it, not even an explicit Deny"
                )
            }
            Reason::ScpWithoutAllow(i, id) => {
                write!(
                    f,
                    "no statement in serviceControlPolicies[{i}] ({id}) allows the action: every SCP level must allow"
                )
            }
            Reason::EndpointWithoutAllow(i) => write!(f, "endpointPolicies[{i}] does not allow the request"),
            Reason::BoundaryWithoutAllow(i) => write!(f, "permissionBoundaries[{i}] does not allow the action"),
            Reason::SessionWithoutAllow => write!(f, "the session policy does not allow the action"),
            Reason::NoAllow => write!(f, "no identity-based or resource-based statement allows the request"),
            Reason::CrossAccountWithoutResourceAllow => {
                write!(f, "cross-account request: the resource-based policy does not allow the principal")
            }
            Reason::CrossAccountWithoutIdentityAllow => {
                write!(f, "cross-account request: no identity-based statement allows the action")
            }
            Reason::AllowedByIdentity => {
                write!(f, "an identity-based statement allows, and nothing limits or denies it")
            }
            Reason::AllowedByResource => write!(f, "the resource-based policy allows the principal"),
        }
    }
}

/// A decision and the statements that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub decision: Decision,
    pub reason: Reason,
    /// Empty unless asked for (see [`Case::explain`]).
    pub deciding: Vec<Hit>,
}

/// A service-linked role (`role/aws-service-role/...`) or one of its sessions
/// (`assumed-role/AWSServiceRoleFor...`).
fn is_service_linked_role(principal: &str) -> bool {
    principal.contains(":role/aws-service-role/") || principal.contains(":assumed-role/AWSServiceRoleFor")
}

/// How a resource-based policy statement names the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Named {
    /// The account (its root or id): the grant is delegated to the account's own policies.
    Account,
    /// `*`, or the role of a role session: limited by boundaries and session policies.
    Broadly,
    /// The exact user or role session ARN: not limited by their implicit denies.
    Exactly,
}

impl Case {
    /// The decision alone: nothing is recorded on the way (the fast path).
    pub fn decide(&self) -> Outcome {
        self.run(false)
    }

    /// The decision with the statements that made it.
    pub fn explain(&self) -> Explained {
        let outcome = self.run(true);
        let deciding = outcome.deciding.iter().map(|h| self.describe(*h)).collect();
        let near_misses = self.near_misses();
        Explained { result: outcome.decision, reason: outcome.reason.to_string(), deciding, near_misses }
    }

    /// The policy at a place in the case.
    pub fn policy(&self, layer: Layer) -> &Policy {
        match layer {
            Layer::Identity(i) => &self.identity[i],
            Layer::Resource => self.resource.as_ref().expect("present"),
            Layer::Boundary(i) => &self.boundaries[i],
            Layer::Session => self.session.as_ref().expect("present"),
            Layer::Endpoint(i) => &self.endpoints[i],
            Layer::Scp(l, p) => &self.scps[l].policies[p],
            Layer::Rcp(l, p) => &self.rcps[l].policies[p],
        }
    }

    /// SCPs and RCPs do not apply to service-linked roles (AWS documents it): their sessions are
    /// not limited by the organisation's policies.
    fn org_policies_apply(&self) -> bool {
        !is_service_linked_role(&self.request.principal)
    }

    /// The SCP levels that limit this request.
    fn scps_in_force(&self) -> &[OrgLevel] {
        if self.org_policies_apply() { &self.scps } else { &[] }
    }

    /// Every policy with its layer. No allocation: this is on the fast path.
    fn layers(&self) -> impl Iterator<Item = Layer> + '_ {
        fn levels(levels: &[OrgLevel], make: fn(usize, usize) -> Layer) -> impl Iterator<Item = Layer> + '_ {
            levels.iter().enumerate().flat_map(move |(l, level)| (0..level.policies.len()).map(move |p| make(l, p)))
        }
        let rcps_apply = !self.rcps.is_empty() && iam::rcp_applies(&self.request.service);
        let rcps: &[OrgLevel] = if rcps_apply && self.org_policies_apply() { &self.rcps } else { &[] };
        levels(self.scps_in_force(), Layer::Scp)
            .chain(levels(rcps, Layer::Rcp))
            .chain((0..self.endpoints.len()).map(Layer::Endpoint))
            .chain(self.resource.iter().map(|_| Layer::Resource))
            .chain((0..self.identity.len()).map(Layer::Identity))
            .chain((0..self.boundaries.len()).map(Layer::Boundary))
            .chain(self.session.iter().map(|_| Layer::Session))
    }

    fn run(&self, record: bool) -> Outcome {
        let req = &self.request;
        let mut deciding = Vec::new();
        let outcome = |decision, reason, deciding| Outcome { decision, reason, deciding };

        // 0. The one action AWS allows whatever the policies say.
        if req.action_lower == "sts:getcalleridentity" {
            return outcome(Decision::Allowed, Reason::AlwaysAllowed, deciding);
        }
        // 1. An explicit Deny anywhere.
        for layer in self.layers() {
            for s in &self.policy(layer).statements {
                if s.effect == Effect::Deny && applies(s, req, checks_principal(layer)).is_some() {
                    if !record {
                        return outcome(Decision::ExplicitlyDenied, Reason::ExplicitDeny, deciding);
                    }
                    deciding.push(Hit { layer, statement: s.index });
                }
            }
        }
        if !deciding.is_empty() {
            return outcome(Decision::ExplicitlyDenied, Reason::ExplicitDeny, deciding);
        }
        // 2. Every SCP level must allow (FullAWSAccess counts only when it is listed).
        for (l, level) in self.scps_in_force().iter().enumerate() {
            let layers = (0..level.policies.len()).map(|p| Layer::Scp(l, p));
            match self.first_allow(layers) {
                Some((hit, _)) => push(&mut deciding, record, hit),
                None => {
                    return outcome(
                        Decision::ImplicitlyDenied,
                        Reason::ScpWithoutAllow(l, level.id.clone()),
                        Vec::new(),
                    );
                }
            }
        }
        // RCPs only restrict: AWS attaches RCPFullAWSAccess at every level.
        // 3. Every VPC endpoint policy must allow.
        for i in 0..self.endpoints.len() {
            match self.first_allow([Layer::Endpoint(i)]) {
                Some((hit, _)) => push(&mut deciding, record, hit),
                None => return outcome(Decision::ImplicitlyDenied, Reason::EndpointWithoutAllow(i), Vec::new()),
            }
        }
        // 4. What grants, and what limits it.
        let identity = self.first_allow((0..self.identity.len()).map(Layer::Identity));
        let resource = if self.resource.is_some() { self.first_allow([Layer::Resource]) } else { None };
        let boundary_gap = (0..self.boundaries.len()).find(|&i| self.first_allow([Layer::Boundary(i)]).is_none());
        let session_gap = self.session.is_some() && self.first_allow([Layer::Session]).is_none();
        let limits = |deciding: &mut Vec<Hit>| {
            for i in 0..self.boundaries.len() {
                if let Some((hit, _)) = self.first_allow([Layer::Boundary(i)]) {
                    push(deciding, record, hit);
                }
            }
            if self.session.is_some()
                && let Some((hit, _)) = self.first_allow([Layer::Session])
            {
                push(deciding, record, hit);
            }
        };
        let limited = match (boundary_gap, session_gap) {
            (Some(i), _) => Some(Reason::BoundaryWithoutAllow(i)),
            (None, true) => Some(Reason::SessionWithoutAllow),
            (None, false) => None,
        };
        if req.same_account() {
            if let Some((hit, named)) = resource {
                let unlimited = named == Some(Named::Exactly);
                let grants = named.is_some_and(|n| n >= Named::Broadly);
                if grants && (unlimited || limited.is_none()) {
                    push(&mut deciding, record, hit);
                    if !unlimited {
                        limits(&mut deciding);
                    }
                    return outcome(Decision::Allowed, Reason::AllowedByResource, deciding);
                }
            }
            match (identity, limited) {
                (Some((hit, _)), None) => {
                    push(&mut deciding, record, hit);
                    limits(&mut deciding);
                    outcome(Decision::Allowed, Reason::AllowedByIdentity, deciding)
                }
                (Some(_), Some(reason)) => outcome(Decision::ImplicitlyDenied, reason, Vec::new()),
                (None, _) => outcome(Decision::ImplicitlyDenied, Reason::NoAllow, Vec::new()),
            }
        } else {
            let Some((resource_hit, _)) = resource else {
                return outcome(Decision::ImplicitlyDenied, Reason::CrossAccountWithoutResourceAllow, Vec::new());
            };
            let Some((identity_hit, _)) = identity else {
                return outcome(Decision::ImplicitlyDenied, Reason::CrossAccountWithoutIdentityAllow, Vec::new());
            };
            if let Some(reason) = limited {
                return outcome(Decision::ImplicitlyDenied, reason, Vec::new());
            }
            push(&mut deciding, record, identity_hit);
            push(&mut deciding, record, resource_hit);
            limits(&mut deciding);
            outcome(Decision::Allowed, Reason::AllowedByIdentity, deciding)
        }
    }

    /// The first Allow statement that applies in the given policies, with how a resource-based
    /// statement names the principal.
    fn first_allow(&self, layers: impl IntoIterator<Item = Layer>) -> Option<(Hit, Option<Named>)> {
        for layer in layers {
            for s in &self.policy(layer).statements {
                if s.effect == Effect::Allow
                    && let Some(named) = applies(s, &self.request, checks_principal(layer))
                {
                    return Some((Hit { layer, statement: s.index }, named));
                }
            }
        }
        None
    }

    fn describe(&self, hit: Hit) -> StatementExplained {
        let policy = self.policy(hit.layer);
        let s = &policy.statements[hit.statement];
        let ctx = &self.request.context;
        StatementExplained {
            at: hit.layer,
            layer: hit.layer.to_string(),
            origin: policy.origin.clone(),
            statement: s.label(),
            sid: s.sid.clone(),
            index: s.index,
            effect: s.effect.to_string(),
            conditions: s.conditions.iter().map(|c| c.trace(ctx, ctx)).collect(),
        }
    }

    /// Statements whose action, resource and principal match but whose conditions do not: what
    /// would have decided otherwise.
    fn near_misses(&self) -> Vec<StatementExplained> {
        let mut out = Vec::new();
        for layer in self.layers() {
            for s in &self.policy(layer).statements {
                if matches_target(s, &self.request, checks_principal(layer)).is_some()
                    && !s.conditions.iter().all(|c| c.holds(&self.request.context, &self.request.context))
                {
                    out.push(self.describe(Hit { layer, statement: s.index }));
                }
            }
        }
        out
    }
}

fn push(deciding: &mut Vec<Hit>, record: bool, hit: Hit) {
    if record {
        deciding.push(hit);
    }
}

/// Principal elements count in resource-based, endpoint and resource control policies.
fn checks_principal(layer: Layer) -> bool {
    matches!(layer, Layer::Resource | Layer::Endpoint(_) | Layer::Rcp(..))
}

/// Whether a statement applies; `Some(how the principal is named)`, where `None` inside means
/// the statement names no principal.
fn applies(s: &Statement, req: &Request, principal: bool) -> Option<Option<Named>> {
    let named = matches_target(s, req, principal)?;
    s.conditions.iter().all(|c| c.holds(&req.context, &req.context)).then_some(named)
}

/// Action, resource and principal, without the conditions.
fn matches_target(s: &Statement, req: &Request, principal: bool) -> Option<Option<Named>> {
    if !s.actions.matches(&req.action_lower) || !resource_matches(s, req) {
        return None;
    }
    match (&s.principal, principal) {
        (Some(spec), true) => principal_matches(spec, req).map(Some),
        _ => Some(None),
    }
}

fn resource_matches(s: &Statement, req: &Request) -> bool {
    let any = s.resources.entries.iter().any(|entry| match entry {
        ResourceEntry::Compiled(p) => p.matches(&req.resource),
        ResourceEntry::WithVariables(text) => {
            ArnPattern::compile(text, &req.context, true).is_some_and(|p| p.matches(&req.resource))
        }
    });
    any != s.resources.negated
}

fn principal_matches(spec: &PrincipalSpec, req: &Request) -> Option<Named> {
    let named = match &spec.principals {
        Principals::Anyone => Some(Named::Broadly),
        Principals::Listed(kinds) => {
            let role = req.role_arn();
            let mut best: Option<Named> = None;
            for (kind, ids) in kinds {
                for id in ids {
                    let n = match kind.as_str() {
                        "AWS" if id == "*" => Some(Named::Broadly),
                        "AWS" if *id == req.principal => Some(Named::Exactly),
                        "AWS" if role.as_deref() == Some(id.as_str()) => Some(Named::Broadly),
                        "AWS" if names_account(id, req.principal_account.as_deref()) => Some(Named::Account),
                        "Service" | "Federated" | "CanonicalUser" if *id == req.principal => Some(Named::Exactly),
                        _ => None,
                    };
                    best = best.max(n);
                }
            }
            best
        }
    };
    match (spec.negated, named) {
        (false, n) => n,
        (true, Some(_)) => None,
        (true, None) => Some(Named::Broadly),
    }
}

fn names_account(id: &str, account: Option<&str>) -> bool {
    let Some(account) = account else { return false };
    id == account || id.strip_prefix("arn:").is_some_and(|_| id.ends_with(&format!(":{account}:root")))
}

/// A decision with its explanation, as `vigil policy simulate --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explained {
    pub result: Decision,
    pub reason: String,
    pub deciding: Vec<StatementExplained>,
    /// Statements that matched the action, resource and principal but whose conditions failed.
    pub near_misses: Vec<StatementExplained>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementExplained {
    #[serde(skip)]
    pub at: Layer,
    /// `identityPolicies[1]`
    pub layer: String,
    /// The policy's file or place.
    pub origin: String,
    /// `Statement[0] "DenyWithoutVpc"`
    pub statement: String,
    pub sid: Option<String>,
    pub index: usize,
    pub effect: String,
    pub conditions: Vec<ConditionTrace>,
}
