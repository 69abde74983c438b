//! Policy evaluation as AWS documents it: an explicit Deny anywhere wins; every SCP level must
//! allow; RCPs only restrict, and only for the services AWS lists; VPC endpoint policies,
//! permission boundaries and session policies each limit; identity and resource-based policies
//! grant, within one account or across two. Role trust policies and KMS key policies must allow
//! even within one account; anonymous callers and service principals are granted only by
//! resource-based policies; a few things no policy can change.

use std::fmt;

use serde::Serialize;

use super::condition::ConditionTrace;
use super::context::Request;
use super::document::{Effect, Policy, PrincipalSpec, Principals, ResourceEntry, Statement};
use super::iam;
use super::pattern::{ArnPattern, Glob, substitute_text, witness};
use super::principal::{self, Named, PrincipalKind};
pub use super::rules::{
    FixedRule, ResourcePattern, ResourcePolicyKind, fixed_rule, is_service_linked_role, resource_policy_kind,
};
use crate::model::Decision;

/// One level of an organisation (root, OU, account) and its policies.
#[derive(Debug, Clone)]
pub struct OrgLevel {
    pub id: String,
    pub policies: Vec<Policy>,
}

/// The organisation a case's accounts belong to, as the case names it (`organization`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Organization {
    /// `o-a1b2c3d4e5`: the value of `aws:PrincipalOrgID` and `aws:ResourceOrgID`.
    pub id: String,
    /// SCPs do not apply to its principals, nor RCPs to its resources.
    pub management_account: Option<String>,
    /// The member accounts; empty means the case's principal and resource accounts are members.
    pub accounts: Vec<String>,
}

impl Organization {
    /// Whether an account belongs to the organisation.
    pub fn has(&self, account: &str) -> bool {
        self.accounts.is_empty()
            || self.accounts.iter().any(|a| a == account)
            || self.management_account.as_deref() == Some(account)
    }

    fn is_management(&self, account: Option<&str>) -> bool {
        account.is_some() && self.management_account.as_deref() == account
    }
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
    pub organization: Option<Organization>,
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
    /// A request on a resource pattern: Deny statements that each cover part of it together
    /// cover all of it.
    ExplicitDenyTogether,
    /// What no policy can allow: implicitly denied, no Deny statement involved.
    Fixed(FixedRule),
    /// A request on a resource pattern: Deny statements close part of it and a fixed rule the
    /// rest.
    ClosedTogether(FixedRule),
    /// A request on a resource pattern that covers no resource the action acts on.
    PatternOutsideAction,
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
    /// An anonymous caller, a service or an identity provider: only a resource-based policy
    /// can grant, and it does not.
    NoResourceAllowFor(PrincipalKind),
    /// A trust or key policy is needed and the case gives none.
    ResourcePolicyMissing(ResourcePolicyKind),
    /// A trust or key policy is needed and it does not allow.
    ResourcePolicyWithoutAllow(ResourcePolicyKind),
    /// The root user calling sts:AssumeRole.
    RootCannotAssumeRole,
    AllowedByIdentity,
    AllowedByResource,
    /// The account root user in its own account.
    AllowedAsRoot,
    /// `sts:GetCallerIdentity`, which AWS always allows.
    AlwaysAllowed,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ExplicitDeny => write!(f, "an explicit Deny matched; it overrides every Allow"),
            Reason::ExplicitDenyTogether => write!(
                f,
                "explicit Deny statements together cover every resource the pattern covers; they override every Allow"
            ),
            Reason::Fixed(rule) => write!(f, "no policy can allow this, and none is needed to deny it: {rule}"),
            Reason::ClosedTogether(rule) => write!(
                f,
                "nothing the pattern covers stays open: Deny statements close part of it, and the rest are {} that no policy can open",
                rule.owner()
            ),
            Reason::PatternOutsideAction => write!(
                f,
                "the pattern covers no resource the action acts on (the ARNs of its resource types in the Service Authorization Reference, in the principal's partition)"
            ),
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
            Reason::NoResourceAllowFor(PrincipalKind::Anonymous) => write!(
                f,
                "an anonymous (unsigned) request is allowed only by a resource-based policy that allows everyone (\"Principal\": \"*\"); identity policies, boundaries, session policies and SCPs do not apply to it"
            ),
            Reason::NoResourceAllowFor(kind) => write!(
                f,
                "{} is allowed only by a resource-based policy that names it (or everyone); identity policies, boundaries, session policies and SCPs do not apply to it",
                kind.describe()
            ),
            Reason::ResourcePolicyMissing(kind) => match kind {
                ResourcePolicyKind::KeyPolicy => write!(
                    f,
                    "no key policy given: a KMS key is used only as its key policy allows (directly, or by trusting the account, arn:aws:iam::ACCOUNT:root, so that IAM policies decide); give it as resourcePolicy"
                ),
                _ => write!(
                    f,
                    "no trust policy given: a role is assumed only by principals its trust policy allows, even within its account; give it as resourcePolicy"
                ),
            },
            Reason::ResourcePolicyWithoutAllow(kind) => match kind {
                ResourcePolicyKind::KeyPolicy => write!(
                    f,
                    "the key policy does not allow the request, neither directly nor by trusting the account so that IAM policies decide: IAM policies alone never give access to a KMS key"
                ),
                _ => write!(
                    f,
                    "the role's trust policy does not allow the principal: a role is assumed only by principals its trust policy allows, even within its account"
                ),
            },
            Reason::RootCannotAssumeRole => {
                write!(f, "the account root user cannot call sts:AssumeRole: AWS denies it to root credentials")
            }
            Reason::AllowedByIdentity => {
                write!(f, "an identity-based statement allows, and nothing limits or denies it")
            }
            Reason::AllowedByResource => write!(f, "the resource-based policy allows the principal"),
            Reason::AllowedAsRoot => {
                write!(f, "the account root user has full access to its own account's resources, and nothing denies it")
            }
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
    /// For a request on a resource pattern: the parts of it a Deny statement or a fixed rule
    /// keeps closed (recorded when asked for).
    pub closed: Vec<ClosedPart>,
}

/// Part of a resource pattern that stays closed, and what closes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedPart {
    pub by: Closer,
    /// The part, as the statement or the rule names it.
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closer {
    Deny(Hit),
    Fixed(FixedRule),
}

/// What statements are checked against beyond the request itself. Small: it is on the fast
/// path.
#[derive(Default)]
struct Scope {
    /// The principal has a permissions boundary: a Deny with NotPrincipal in a resource-based
    /// policy then denies it whatever NotPrincipal lists (IAM User Guide, "Permissions
    /// boundaries for IAM entities").
    bounded: bool,
    /// For a request on a resource pattern: what Deny statements and fixed rules close of it.
    closed: Option<Box<Closed>>,
}

/// The resources Deny statements and fixed rules close: those outside every one of `outside`
/// and inside one of each of `inside` (a Deny with NotResource closes everything but what it
/// lists).
#[derive(Default)]
struct Closed {
    outside: Vec<Glob>,
    inside: Vec<Vec<Glob>>,
    parts: Vec<ClosedPart>,
}

/// How much of a resource pattern a statement's Resource or NotResource reaches.
enum Reach {
    None,
    /// Part of it: the statement's resources (Resource), or everything but them (NotResource).
    Part {
        globs: Vec<Glob>,
        negated: bool,
        shown: Vec<String>,
    },
    All,
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
        let pattern = self.request.pattern.as_deref().map(|p| PatternAnswer {
            resource: self.request.resource.clone(),
            allowed: if outcome.decision == Decision::Allowed {
                self.allowed_within(p, &outcome.deciding)
            } else {
                Vec::new()
            },
            closed: outcome
                .closed
                .iter()
                .map(|c| ClosedExplained {
                    resources: c.resources.clone(),
                    by: match c.by {
                        Closer::Deny(hit) => {
                            format!("{} {}", hit.layer, self.policy(hit.layer).statements[hit.statement].label())
                        }
                        Closer::Fixed(rule) => format!("{} (no policy can open them)", rule.owner()),
                    },
                })
                .collect(),
        });
        Explained {
            result: outcome.decision,
            reason: self.reason_text(&outcome.reason),
            deciding,
            near_misses,
            pattern,
        }
    }

    /// The reason in words, with what the request says where it helps.
    fn reason_text(&self, reason: &Reason) -> String {
        let req = &self.request;
        match reason {
            Reason::CrossAccountWithoutResourceAllow => {
                let whose = match (&req.resource_account, &req.principal_account) {
                    (Some(r), Some(p)) => format!("the resource belongs to account {r}, the principal to {p}: "),
                    _ => String::new(),
                };
                let what = if self.resource.is_some() {
                    "the resource-based policy does not allow the principal"
                } else {
                    "no resource-based policy is given"
                };
                format!(
                    "cross-account request: {whose}only the resource's own resource-based policy can open it to another account, and {what}"
                )
            }
            Reason::NoAllow if req.pattern.is_some() => {
                "no identity-based or resource-based statement allows any resource of the pattern that stays open"
                    .into()
            }
            other => other.to_string(),
        }
    }

    /// The resources of the pattern the deciding Allow statements grant, as they name them.
    fn allowed_within(&self, p: &ResourcePattern, deciding: &[Hit]) -> Vec<String> {
        let req = &self.request;
        let clauses = p.clauses();
        let mut names: Vec<String> = Vec::new();
        for hit in deciding.iter().filter(|h| matches!(h.layer, Layer::Identity(_) | Layer::Resource)) {
            let s = &self.policy(hit.layer).statements[hit.statement];
            let Some(resources) = &s.resources else { continue };
            if resources.negated {
                names.push(format!("{} except {}", req.resource, resources.raw.join(", ")));
                continue;
            }
            for (entry, raw) in resources.entries.iter().zip(&resources.raw) {
                let Some((glob, shown)) = entry_glob(entry, raw, req) else { continue };
                let mut with = clauses.clone();
                with.push(std::slice::from_ref(&glob));
                if witness(&with, &[]) == Some(false) {
                    continue;
                }
                let name = if witness(&clauses, std::slice::from_ref(&glob)) == Some(false) {
                    req.resource.clone()
                } else if witness(&[std::slice::from_ref(&glob)], &p.within[0]) == Some(false) {
                    shown
                } else {
                    narrow(&req.resource, &shown).unwrap_or_else(|| format!("{shown} within {}", req.resource))
                };
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        // The most specific names: the pattern itself only when nothing narrows it.
        if names.len() > 1 {
            names.retain(|n| *n != req.resource);
        }
        if names.is_empty() {
            names.push(req.resource.clone());
        }
        names
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

    fn management(&self, account: Option<&str>) -> bool {
        self.organization.as_ref().is_some_and(|o| o.is_management(account))
    }

    /// The SCP levels that limit this request: SCPs limit the IAM users and roles of member
    /// accounts, never service-linked roles nor the management account's principals
    /// (Organizations User Guide, "Service control policies").
    fn scps_in_force(&self) -> &[OrgLevel] {
        let req = &self.request;
        let apply = req.principal_kind.scps_can_apply()
            && !req.service_linked
            && !self.management(req.principal_account.as_deref());
        if apply { &self.scps } else { &[] }
    }

    /// The RCP levels that limit this request: only for the services AWS lists, never for
    /// service-linked roles nor on the management account's resources (Organizations User
    /// Guide, "Resource control policies").
    fn rcps_in_force(&self) -> &[OrgLevel] {
        let req = &self.request;
        let apply = !self.rcps.is_empty()
            && iam::rcp_applies(&req.service)
            && !req.service_linked
            && !self.management(req.resource_account.as_deref());
        if apply { &self.rcps } else { &[] }
    }

    /// The identity-side layers that apply: none for the root user, services, providers and
    /// anonymous callers.
    fn identity_layers(&self) -> usize {
        if self.request.principal_kind.has_identity_policies() { self.identity.len() } else { 0 }
    }

    fn boundary_layers(&self) -> usize {
        if self.request.principal_kind.has_identity_policies() { self.boundaries.len() } else { 0 }
    }

    fn session_applies(&self) -> bool {
        self.session.is_some() && self.request.principal_kind.has_identity_policies()
    }

    /// Every policy that applies, with its layer. No allocation: this is on the fast path.
    fn layers(&self) -> impl Iterator<Item = Layer> + '_ {
        fn levels(levels: &[OrgLevel], make: fn(usize, usize) -> Layer) -> impl Iterator<Item = Layer> + '_ {
            levels.iter().enumerate().flat_map(move |(l, level)| (0..level.policies.len()).map(move |p| make(l, p)))
        }
        levels(self.scps_in_force(), Layer::Scp)
            .chain(levels(self.rcps_in_force(), Layer::Rcp))
            .chain((0..self.endpoints.len()).map(Layer::Endpoint))
            .chain(self.resource.iter().map(|_| Layer::Resource))
            .chain((0..self.identity_layers()).map(Layer::Identity))
            .chain((0..self.boundary_layers()).map(Layer::Boundary))
            .chain(self.session_applies().then_some(Layer::Session))
    }

    fn run(&self, record: bool) -> Outcome {
        let req = &self.request;
        let mut deciding = Vec::new();
        let mut scope = Scope { bounded: self.boundary_layers() > 0, ..Scope::default() };
        let outcome =
            |decision, reason, deciding, scope: Scope| Outcome { decision, reason, deciding, closed: scope.parts() };
        let denied = |reason, scope: Scope| Outcome {
            decision: Decision::ImplicitlyDenied,
            reason,
            deciding: Vec::new(),
            closed: scope.parts(),
        };

        // 0. The one action AWS allows whatever the policies say.
        if req.action_lower == "sts:getcalleridentity" {
            return outcome(Decision::Allowed, Reason::AlwaysAllowed, deciding, scope);
        }
        // 1. An explicit Deny anywhere; for a resource pattern, one that covers all of it.
        if let Some(pattern) = req.pattern.as_deref() {
            if let Some(done) = self.pattern_denies(pattern, &mut scope, record) {
                return done;
            }
        } else {
            for layer in self.layers() {
                for s in &self.policy(layer).statements {
                    if s.effect == Effect::Deny && applies(s, req, checks_principal(layer), &scope).is_some() {
                        if !record {
                            return outcome(Decision::ExplicitlyDenied, Reason::ExplicitDeny, deciding, scope);
                        }
                        deciding.push(Hit { layer, statement: s.index });
                    }
                }
            }
            if !deciding.is_empty() {
                return outcome(Decision::ExplicitlyDenied, Reason::ExplicitDeny, deciding, scope);
            }
            // What no policy can allow: implicitly denied, naming the rule.
            if let Some(rule) = req.fixed_rule {
                return denied(Reason::Fixed(rule), scope);
            }
        }
        // 2. Every SCP level must allow (FullAWSAccess counts only when it is listed).
        for (l, level) in self.scps_in_force().iter().enumerate() {
            let layers = (0..level.policies.len()).map(|p| Layer::Scp(l, p));
            match self.first_allow(layers, &scope) {
                Some((hit, _)) => push(&mut deciding, record, hit),
                None => return denied(Reason::ScpWithoutAllow(l, level.id.clone()), scope),
            }
        }
        // RCPs only restrict: AWS attaches RCPFullAWSAccess at every level.
        // 3. Every VPC endpoint policy must allow.
        for i in 0..self.endpoints.len() {
            match self.first_allow([Layer::Endpoint(i)], &scope) {
                Some((hit, _)) => push(&mut deciding, record, hit),
                None => return denied(Reason::EndpointWithoutAllow(i), scope),
            }
        }
        // 4. What grants, and what limits it.
        let kind = req.principal_kind;
        let needed = req.needs;
        let resource = self.resource_allow(&scope);
        // The trust or key policy the request needs is missing, or does not allow.
        let needed_reason = || {
            if self.resource.is_none() {
                Reason::ResourcePolicyMissing(needed)
            } else {
                Reason::ResourcePolicyWithoutAllow(needed)
            }
        };
        if kind.only_resource_policies_grant() {
            return match resource {
                Some((hit, Some(named))) if named >= Named::Broadly => {
                    push(&mut deciding, record, hit);
                    outcome(Decision::Allowed, Reason::AllowedByResource, deciding, scope)
                }
                _ if needed != ResourcePolicyKind::Ordinary => denied(needed_reason(), scope),
                _ => denied(Reason::NoResourceAllowFor(kind), scope),
            };
        }
        if kind == PrincipalKind::Root {
            if req.action_lower == "sts:assumerole" {
                return denied(Reason::RootCannotAssumeRole, scope);
            }
            // Root needs no identity policy; it needs the resource's own consent where any
            // principal would: across accounts, and for a KMS key.
            if !req.same_account() || needed != ResourcePolicyKind::Ordinary {
                return match resource {
                    Some((hit, _)) => {
                        push(&mut deciding, record, hit);
                        outcome(Decision::Allowed, Reason::AllowedByResource, deciding, scope)
                    }
                    None if needed != ResourcePolicyKind::Ordinary => denied(needed_reason(), scope),
                    None => denied(Reason::CrossAccountWithoutResourceAllow, scope),
                };
            }
            return outcome(Decision::Allowed, Reason::AllowedAsRoot, deciding, scope);
        }
        let identity = self.first_allow((0..self.identity_layers()).map(Layer::Identity), &scope);
        let boundary_gap =
            (0..self.boundary_layers()).find(|&i| self.first_allow([Layer::Boundary(i)], &scope).is_none());
        let session_gap = self.session_applies() && self.first_allow([Layer::Session], &scope).is_none();
        let limits = |deciding: &mut Vec<Hit>| {
            for i in 0..self.boundary_layers() {
                if let Some((hit, _)) = self.first_allow([Layer::Boundary(i)], &scope) {
                    push(deciding, record, hit);
                }
            }
            if self.session_applies()
                && let Some((hit, _)) = self.first_allow([Layer::Session], &scope)
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
                // Within one account a resource-based policy that names the user, the role
                // session or the federated user itself, or everyone (`*`), grants past an
                // implicit deny in their boundary and session policy; one that names a role is
                // limited by them (IAM User Guide, "Policy evaluation logic" and "IAM role
                // principals"). Except where an IAM user stands for its federated session (a
                // session policy is given): naming the user who federated is limited by both
                // ("Policy evaluation logic", AWS STS federated user principals). A trust policy
                // naming the user still leaves the user's boundary in force (IAM User Guide,
                // "Update a role trust policy").
                let unlimited = match named {
                    Some(Named::Exactly) => !(kind == PrincipalKind::User && self.session_applies()),
                    Some(Named::Everyone) => true,
                    _ => false,
                } && needed != ResourcePolicyKind::RoleTrust;
                let grants = named.is_some_and(|n| n >= Named::Broadly);
                if grants && (unlimited || limited.is_none()) {
                    push(&mut deciding, record, hit);
                    if !unlimited {
                        limits(&mut deciding);
                    }
                    return outcome(Decision::Allowed, Reason::AllowedByResource, deciding, scope);
                }
            }
            // An identity-based Allow is enough, except where the trust or key policy must
            // allow too (by trusting the account).
            if needed != ResourcePolicyKind::Ordinary && resource.is_none() {
                return denied(needed_reason(), scope);
            }
            match (identity, limited) {
                (Some((hit, _)), None) => {
                    push(&mut deciding, record, hit);
                    if let Some((resource_hit, _)) = resource
                        && needed != ResourcePolicyKind::Ordinary
                    {
                        push(&mut deciding, record, resource_hit);
                    }
                    limits(&mut deciding);
                    outcome(Decision::Allowed, Reason::AllowedByIdentity, deciding, scope)
                }
                (Some(_), Some(reason)) => denied(reason, scope),
                (None, _) => denied(Reason::NoAllow, scope),
            }
        } else {
            let Some((resource_hit, _)) = resource else {
                return denied(
                    if needed != ResourcePolicyKind::Ordinary {
                        needed_reason()
                    } else {
                        Reason::CrossAccountWithoutResourceAllow
                    },
                    scope,
                );
            };
            let Some((identity_hit, _)) = identity else {
                return denied(Reason::CrossAccountWithoutIdentityAllow, scope);
            };
            if let Some(reason) = limited {
                return denied(reason, scope);
            }
            push(&mut deciding, record, identity_hit);
            push(&mut deciding, record, resource_hit);
            limits(&mut deciding);
            outcome(Decision::Allowed, Reason::AllowedByIdentity, deciding, scope)
        }
    }

    /// Step 1 for a request on a resource pattern: a Deny counts when it covers every resource
    /// of the pattern; one that covers part of it closes that part (an Allow then counts only
    /// for what stays open). Likewise a fixed rule. `Some` when nothing stays open.
    fn pattern_denies(&self, pattern: &ResourcePattern, scope: &mut Scope, record: bool) -> Option<Outcome> {
        let req = &self.request;
        let clauses = pattern.clauses();
        let mut closed = Closed::default();
        let done = |decision, reason, deciding, closed: Closed| {
            Some(Outcome { decision, reason, deciding, closed: closed.parts })
        };
        if witness(&clauses, &[]) == Some(false) {
            return done(Decision::ImplicitlyDenied, Reason::PatternOutsideAction, Vec::new(), closed);
        }
        let mut covering = Vec::new();
        for layer in self.layers() {
            for s in &self.policy(layer).statements {
                if s.effect != Effect::Deny
                    || !s.actions.matches(&req.action_lower)
                    || principal_target(s, req, checks_principal(layer), scope).is_none()
                    || !s.conditions.iter().all(|c| c.holds(&req.context, &req.context))
                {
                    continue;
                }
                let hit = Hit { layer, statement: s.index };
                match reach(s, req, &clauses) {
                    Reach::All => {
                        if !record {
                            return done(Decision::ExplicitlyDenied, Reason::ExplicitDeny, Vec::new(), closed);
                        }
                        covering.push(hit);
                    }
                    Reach::Part { globs, negated, shown } => {
                        closed.close(globs, negated, ClosedPart { by: Closer::Deny(hit), resources: shown });
                    }
                    Reach::None => {}
                }
            }
        }
        if !covering.is_empty() {
            return done(Decision::ExplicitlyDenied, Reason::ExplicitDeny, covering, closed);
        }
        let denied_parts: Vec<Hit> =
            closed.parts.iter().filter_map(|p| if let Closer::Deny(h) = p.by { Some(h) } else { None }).collect();
        if !denied_parts.is_empty() && closed.open(&clauses) == Some(false) {
            return done(Decision::ExplicitlyDenied, Reason::ExplicitDenyTogether, denied_parts, closed);
        }
        if let Some(&(first, _)) = pattern.fixed.first() {
            let protected: Vec<Glob> = pattern.fixed.iter().map(|(_, g)| g.clone()).collect();
            if witness(&clauses, &protected) == Some(false) {
                return done(Decision::ImplicitlyDenied, Reason::Fixed(first), Vec::new(), closed);
            }
            for (rule, glob) in &pattern.fixed {
                let shown = narrow(&req.resource, rule.pattern()).unwrap_or_else(|| rule.pattern().to_string());
                closed.close(
                    vec![glob.clone()],
                    false,
                    ClosedPart { by: Closer::Fixed(*rule), resources: vec![shown] },
                );
            }
            if closed.open(&clauses) == Some(false) {
                return done(Decision::ImplicitlyDenied, Reason::ClosedTogether(first), Vec::new(), closed);
            }
        }
        scope.closed = Some(Box::new(closed));
        None
    }

    /// The resource-based Allow that names the principal most directly: a key policy that
    /// trusts the account in one statement and names the role in the next grants by the second.
    fn resource_allow(&self, scope: &Scope) -> Option<(Hit, Option<Named>)> {
        let policy = self.resource.as_ref()?;
        let mut best: Option<(Hit, Option<Named>)> = None;
        for s in &policy.statements {
            if s.effect == Effect::Allow
                && let Some(named) = applies(s, &self.request, true, scope)
                && best.is_none_or(|(_, b)| named > b)
            {
                best = Some((Hit { layer: Layer::Resource, statement: s.index }, named));
                if named == Some(Named::Exactly) {
                    break;
                }
            }
        }
        best
    }

    /// The first Allow statement that applies in the given policies, with how a resource-based
    /// statement names the principal.
    fn first_allow(&self, layers: impl IntoIterator<Item = Layer>, scope: &Scope) -> Option<(Hit, Option<Named>)> {
        for layer in layers {
            for s in &self.policy(layer).statements {
                if s.effect == Effect::Allow
                    && let Some(named) = applies(s, &self.request, checks_principal(layer), scope)
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
        let scope = Scope { bounded: self.boundary_layers() > 0, ..Scope::default() };
        let mut out = Vec::new();
        for layer in self.layers() {
            for s in &self.policy(layer).statements {
                if matches_target(s, &self.request, checks_principal(layer), &scope).is_some()
                    && !s.conditions.iter().all(|c| c.holds(&self.request.context, &self.request.context))
                {
                    out.push(self.describe(Hit { layer, statement: s.index }));
                }
            }
        }
        out
    }
}

impl Scope {
    fn parts(self) -> Vec<ClosedPart> {
        self.closed.map(|c| c.parts).unwrap_or_default()
    }
}

impl Closed {
    fn close(&mut self, globs: Vec<Glob>, negated: bool, part: ClosedPart) {
        if negated {
            self.inside.push(globs);
        } else {
            self.outside.extend(globs);
        }
        self.parts.push(part);
    }

    /// Whether some resource of the pattern stays open: in the pattern and not closed.
    fn open(&self, clauses: &[&[Glob]]) -> Option<bool> {
        let mut within = clauses.to_vec();
        within.extend(self.inside.iter().map(Vec::as_slice));
        witness(&within, &self.outside)
    }
}

/// The resources two ARN patterns share, written as one pattern where each segment of one
/// contains the other's (`arn:aws:iam::123456789012:role/*` and
/// `arn:*:iam::*:role/aws-service-role/*` share `arn:aws:iam::123456789012:role/aws-service-role/*`).
fn narrow(a: &str, b: &str) -> Option<String> {
    let split = |t: &str| -> Option<Vec<String>> {
        let parts: Vec<String> = t.splitn(6, ':').map(str::to_string).collect();
        (parts.len() == 6).then_some(parts)
    };
    let (a, b) = (split(a)?, split(b)?);
    let within = |x: &str, y: &str| {
        witness(&[std::slice::from_ref(&Glob::arn(x))], std::slice::from_ref(&Glob::arn(y))) == Some(false)
    };
    let mut out = Vec::with_capacity(6);
    for (x, y) in a.iter().zip(&b) {
        if within(x, y) {
            out.push(x.as_str());
        } else if within(y, x) {
            out.push(y.as_str());
        } else {
            return None;
        }
    }
    Some(out.join(":"))
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
fn applies(s: &Statement, req: &Request, principal: bool, scope: &Scope) -> Option<Option<Named>> {
    let named = matches_target(s, req, principal, scope)?;
    s.conditions.iter().all(|c| c.holds(&req.context, &req.context)).then_some(named)
}

/// Action, resource and principal, without the conditions.
fn matches_target(s: &Statement, req: &Request, principal: bool, scope: &Scope) -> Option<Option<Named>> {
    if !s.actions.matches(&req.action_lower) || !resource_matches(s, req, scope) {
        return None;
    }
    principal_target(s, req, principal, scope)
}

fn principal_target(s: &Statement, req: &Request, principal: bool, scope: &Scope) -> Option<Option<Named>> {
    match (&s.principal, principal) {
        (Some(spec), true) => principal_matches(spec, req, s.effect, scope.bounded).map(Some),
        _ => Some(None),
    }
}

fn resource_matches(s: &Statement, req: &Request, scope: &Scope) -> bool {
    // A statement without Resource is in a role's trust policy: the role is its resource.
    let Some(resources) = &s.resources else { return true };
    if let Some(pattern) = req.pattern.as_deref() {
        return pattern_matches(s.effect, resources, req, pattern, scope);
    }
    let any = resources.entries.iter().any(|entry| match entry {
        ResourceEntry::Compiled(p) => p.matches(&req.resource),
        ResourceEntry::WithVariables(text) => {
            ArnPattern::compile(text, &req.context, true).is_some_and(|p| p.matches(&req.resource))
        }
    });
    any != resources.negated
}

/// A Resource entry as a glob, with its text as shown (variables substituted); `None` when a
/// variable has no value, and the entry then matches nothing.
fn entry_glob(entry: &ResourceEntry, raw: &str, req: &Request) -> Option<(Glob, String)> {
    match entry {
        ResourceEntry::Compiled(p) => Some((p.glob(), raw.to_string())),
        ResourceEntry::WithVariables(text) => {
            let p = ArnPattern::compile(text, &req.context, true)?;
            Some((p.glob(), substitute_text(text, &req.context).unwrap_or_else(|| text.clone())))
        }
    }
}

fn globs(resources: &super::document::Resources, req: &Request) -> (Vec<Glob>, Vec<String>) {
    resources.entries.iter().zip(&resources.raw).filter_map(|(e, raw)| entry_glob(e, raw, req)).unzip()
}

/// For a request on a resource pattern: an Allow counts when some resource it allows is in the
/// pattern and not closed by a Deny or a fixed rule; a Deny (for the near misses) when it
/// reaches any of the pattern.
fn pattern_matches(
    effect: Effect,
    resources: &super::document::Resources,
    req: &Request,
    pattern: &ResourcePattern,
    scope: &Scope,
) -> bool {
    let (globs, _) = globs(resources, req);
    let mut within = pattern.clauses();
    if effect == Effect::Deny {
        return if resources.negated {
            witness(&within, &globs) != Some(false)
        } else {
            within.push(&globs);
            witness(&within, &[]) != Some(false)
        };
    }
    let closed = scope.closed.as_deref();
    within.extend(closed.iter().flat_map(|c| c.inside.iter().map(Vec::as_slice)));
    let outside: Vec<Glob> = closed.iter().flat_map(|c| c.outside.iter()).cloned().collect();
    if resources.negated {
        let outside: Vec<Glob> = outside.into_iter().chain(globs).collect();
        witness(&within, &outside) != Some(false)
    } else {
        within.push(&globs);
        witness(&within, &outside) != Some(false)
    }
}

/// How much of the pattern (`clauses`) a Deny statement's resources reach.
fn reach(s: &Statement, req: &Request, clauses: &[&[Glob]]) -> Reach {
    let Some(resources) = &s.resources else { return Reach::All };
    let (globs, shown) = globs(resources, req);
    let mut with = clauses.to_vec();
    with.push(&globs);
    if resources.negated {
        // Denies everything but what it lists.
        if witness(&with, &[]) == Some(false) {
            return Reach::All;
        }
        if witness(clauses, &globs) == Some(false) {
            return Reach::None;
        }
        let shown = vec![format!("everything but {}", shown.join(", "))];
        Reach::Part { globs, negated: true, shown }
    } else {
        if witness(clauses, &globs) == Some(false) {
            return Reach::All;
        }
        if witness(&with, &[]) == Some(false) {
            return Reach::None;
        }
        // Name only the entries that reach the pattern.
        let shown = globs
            .iter()
            .zip(shown)
            .filter(|(g, _)| {
                let mut one = clauses.to_vec();
                one.push(std::slice::from_ref(*g));
                witness(&one, &[]) != Some(false)
            })
            .map(|(_, s)| s)
            .collect();
        Reach::Part { globs, negated: false, shown }
    }
}

fn principal_matches(spec: &PrincipalSpec, req: &Request, effect: Effect, bounded: bool) -> Option<Named> {
    let Principals::Listed(listed) = &spec.principals else {
        // `"Principal": "*"` names everyone; `"NotPrincipal": "*"` no one.
        return (!spec.negated).then_some(Named::Everyone);
    };
    let entries = || listed.iter().flat_map(|(key, ids)| ids.iter().map(move |id| (key.as_str(), id.as_str())));
    if !spec.negated {
        let mut best: Option<Named> = None;
        for (key, id) in entries() {
            if principal::names_everyone(key, id) {
                best = best.max(Some(Named::Everyone));
            }
            for identity in &req.identities {
                if principal::names(key, id, identity) {
                    best = best.max(Some(identity.named));
                }
            }
        }
        return best;
    }
    let everyone = entries().any(|(key, id)| principal::names_everyone(key, id));
    let listed = |identity| entries().any(|(key, id)| principal::names(key, id, identity));
    if effect == Effect::Allow {
        // NotPrincipal in an Allow grants everyone but what it lists: a request is not granted
        // when any of its identities (its session, its role, its account) is listed ("AWS JSON
        // policy elements: NotPrincipal", "NotPrincipal with Allow").
        return (!everyone && !req.identities.iter().any(listed)).then_some(Named::Everyone);
    }
    // NotPrincipal in a Deny: the request is each of its identities (session, role, account);
    // the statement spares it only when every one of them is listed ("AWS JSON policy
    // elements: NotPrincipal": list the account and the role beside the session), and never
    // a principal with a permissions boundary ("Permissions boundaries for IAM entities": such
    // a statement "will always deny any IAM principal that has a permissions boundary policy
    // attached, regardless of the values specified in the NotPrincipal element").
    if bounded {
        return Some(Named::Broadly);
    }
    let spared = !req.identities.is_empty() && req.identities.iter().all(listed);
    (!spared && !everyone).then_some(Named::Broadly)
}

/// A decision with its explanation, as `vigil policy simulate --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explained {
    pub result: Decision,
    pub reason: String,
    pub deciding: Vec<StatementExplained>,
    /// Statements that matched the action, resource and principal but whose conditions failed.
    pub near_misses: Vec<StatementExplained>,
    /// For a request on a resource pattern: what the answer covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<PatternAnswer>,
}

impl Explained {
    /// `Allowed`, or for a request on a resource pattern `Allowed (for some resources: ...)`.
    pub fn headline(&self) -> String {
        match &self.pattern {
            Some(p) if self.result == Decision::Allowed => {
                let mut out = format!("Allowed (for some resources: {}", p.allowed.join(", "));
                let closed: Vec<&str> = p.closed.iter().flat_map(|c| c.resources.iter().map(String::as_str)).collect();
                if !closed.is_empty() {
                    out.push_str(&format!("; not {}", closed.join(", ")));
                }
                out.push(')');
                out
            }
            _ => self.result.to_string(),
        }
    }
}

/// What an answer for a resource pattern covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternAnswer {
    /// The pattern, as the request gives it.
    pub resource: String,
    /// When allowed: the resources within it the deciding statements allow, as they name them
    /// (`X within PATTERN` where neither contains the other).
    pub allowed: Vec<String>,
    /// The parts of it a Deny statement or a fixed rule keeps closed.
    pub closed: Vec<ClosedExplained>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedExplained {
    pub resources: Vec<String>,
    /// `identityPolicies[1] Statement[0] "DenyPrivate"`, or the rule.
    pub by: String,
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
