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
use super::pattern::ArnPattern;
use super::principal::{self, Named, PrincipalKind};
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

/// The resource-based policy a request needs even within one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourcePolicyKind {
    /// Any other resource: within one account an identity-based Allow is enough.
    Ordinary,
    /// A role's trust policy, for `sts:AssumeRole` and its kin on the role (IAM User Guide,
    /// "Policy evaluation logic": role trust policies must explicitly allow).
    RoleTrust,
    /// A KMS key's key policy, for `kms:` actions on the key (KMS Developer Guide, "Key
    /// policies": IAM policies alone never give access to a KMS key).
    KeyPolicy,
}

/// The STS calls on a role that its trust policy decides.
const TRUST_ACTIONS: [&str; 5] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
];

/// The resource-based policy a request for `action` (lower-cased) on `resource` needs.
pub fn resource_policy_kind(action: &str, resource: &str) -> ResourcePolicyKind {
    match arn_resource(resource) {
        Some(("iam", r)) if r.starts_with("role/") && TRUST_ACTIONS.contains(&action) => ResourcePolicyKind::RoleTrust,
        Some(("kms", r)) if r.starts_with("key/") && action.starts_with("kms:") => ResourcePolicyKind::KeyPolicy,
        _ => ResourcePolicyKind::Ordinary,
    }
}

/// The service and resource parts of an ARN.
fn arn_resource(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.strip_prefix("arn:")?.splitn(5, ':');
    let service = parts.nth(1)?;
    Some((service, parts.nth(2)?))
}

/// What no policy can change, whatever allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedRule {
    /// AWS managed policies (`arn:aws:iam::aws:policy/...`) are AWS's to change (IAM User
    /// Guide, "AWS managed policies": "You cannot change the permissions defined in AWS managed
    /// policies").
    AwsManagedPolicy,
    /// Service-linked roles are changed only by their service (IAM User Guide, "Using
    /// service-linked roles": their permissions and trust policy cannot be edited; they are
    /// deleted with iam:DeleteServiceLinkedRole).
    ServiceLinkedRole,
    /// Alias names beginning with `aws/` are reserved for AWS managed keys (KMS Developer Guide,
    /// "Aliases in AWS KMS").
    AwsManagedAlias,
}

impl fmt::Display for FixedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FixedRule::AwsManagedPolicy => {
                "AWS managed policies (arn:aws:iam::aws:policy/...) cannot be changed or deleted by anyone: AWS maintains them"
            }
            FixedRule::ServiceLinkedRole => {
                "a service-linked role (role/aws-service-role/...) cannot have its policies, trust policy or boundary changed, nor be deleted but with iam:DeleteServiceLinkedRole: its service owns it"
            }
            FixedRule::AwsManagedAlias => {
                "aliases beginning with alias/aws/ are reserved for AWS managed keys: no one can create, change or delete them"
            }
        })
    }
}

/// IAM actions that change or delete a managed policy.
const POLICY_WRITES: [&str; 6] = [
    "iam:createpolicyversion",
    "iam:deletepolicy",
    "iam:deletepolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:tagpolicy",
    "iam:untagpolicy",
];

/// IAM actions that change a role's permissions, trust or existence (iam:DeleteServiceLinkedRole
/// and iam:UpdateRoleDescription, which AWS allows on service-linked roles, are not here).
const ROLE_WRITES: [&str; 9] = [
    "iam:attachrolepolicy",
    "iam:detachrolepolicy",
    "iam:putrolepolicy",
    "iam:deleterolepolicy",
    "iam:updateassumerolepolicy",
    "iam:deleterole",
    "iam:putrolepermissionsboundary",
    "iam:deleterolepermissionsboundary",
    "iam:updaterole",
];

const ALIAS_WRITES: [&str; 3] = ["kms:createalias", "kms:updatealias", "kms:deletealias"];

/// The fixed rule a request for `action` (lower-cased) on `arn` breaks, if any.
pub fn fixed_rule(action: &str, arn: &str) -> Option<FixedRule> {
    let (service, resource) = arn_resource(arn)?;
    let account = super::context::arn_account(arn);
    match service {
        "iam" if account == Some("aws") && resource.starts_with("policy/") && POLICY_WRITES.contains(&action) => {
            Some(FixedRule::AwsManagedPolicy)
        }
        "iam" if resource.starts_with("role/aws-service-role/") && ROLE_WRITES.contains(&action) => {
            Some(FixedRule::ServiceLinkedRole)
        }
        "kms" if resource.starts_with("alias/aws/") && ALIAS_WRITES.contains(&action) => {
            Some(FixedRule::AwsManagedAlias)
        }
        _ => None,
    }
}

/// Why the decision is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    ExplicitDeny,
    /// What no policy can allow.
    Fixed(FixedRule),
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
            Reason::Fixed(rule) => write!(f, "denied whatever the policies say: {rule}"),
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
}

/// A service-linked role (`role/aws-service-role/...`) or one of its sessions
/// (`assumed-role/AWSServiceRoleFor...`).
pub fn is_service_linked_role(principal: &str) -> bool {
    principal.contains(":role/aws-service-role/") || principal.contains(":assumed-role/AWSServiceRoleFor")
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
        let outcome = |decision, reason, deciding| Outcome { decision, reason, deciding };
        let denied = |reason| Outcome { decision: Decision::ImplicitlyDenied, reason, deciding: Vec::new() };

        // 0. The one action AWS allows whatever the policies say, and what no policy can allow.
        if req.action_lower == "sts:getcalleridentity" {
            return outcome(Decision::Allowed, Reason::AlwaysAllowed, deciding);
        }
        if let Some(rule) = req.fixed_rule {
            return outcome(Decision::ExplicitlyDenied, Reason::Fixed(rule), deciding);
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
                None => return denied(Reason::ScpWithoutAllow(l, level.id.clone())),
            }
        }
        // RCPs only restrict: AWS attaches RCPFullAWSAccess at every level.
        // 3. Every VPC endpoint policy must allow.
        for i in 0..self.endpoints.len() {
            match self.first_allow([Layer::Endpoint(i)]) {
                Some((hit, _)) => push(&mut deciding, record, hit),
                None => return denied(Reason::EndpointWithoutAllow(i)),
            }
        }
        // 4. What grants, and what limits it.
        let kind = req.principal_kind;
        let needed = req.needs;
        let resource = self.resource_allow();
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
                    outcome(Decision::Allowed, Reason::AllowedByResource, deciding)
                }
                _ if needed != ResourcePolicyKind::Ordinary => denied(needed_reason()),
                _ => denied(Reason::NoResourceAllowFor(kind)),
            };
        }
        if kind == PrincipalKind::Root {
            if req.action_lower == "sts:assumerole" {
                return denied(Reason::RootCannotAssumeRole);
            }
            // Root needs no identity policy; it needs the resource's own consent where any
            // principal would: across accounts, and for a KMS key.
            if !req.same_account() || needed != ResourcePolicyKind::Ordinary {
                return match resource {
                    Some((hit, _)) => {
                        push(&mut deciding, record, hit);
                        outcome(Decision::Allowed, Reason::AllowedByResource, deciding)
                    }
                    None if needed != ResourcePolicyKind::Ordinary => denied(needed_reason()),
                    None => denied(Reason::CrossAccountWithoutResourceAllow),
                };
            }
            return outcome(Decision::Allowed, Reason::AllowedAsRoot, deciding);
        }
        let identity = self.first_allow((0..self.identity_layers()).map(Layer::Identity));
        let boundary_gap = (0..self.boundary_layers()).find(|&i| self.first_allow([Layer::Boundary(i)]).is_none());
        let session_gap = self.session_applies() && self.first_allow([Layer::Session]).is_none();
        let limits = |deciding: &mut Vec<Hit>| {
            for i in 0..self.boundary_layers() {
                if let Some((hit, _)) = self.first_allow([Layer::Boundary(i)]) {
                    push(deciding, record, hit);
                }
            }
            if self.session_applies()
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
                // A trust policy naming the user still leaves the user's boundary in force
                // (IAM User Guide, "Update a role trust policy").
                let unlimited = named == Some(Named::Exactly) && needed != ResourcePolicyKind::RoleTrust;
                let grants = named.is_some_and(|n| n >= Named::Broadly);
                if grants && (unlimited || limited.is_none()) {
                    push(&mut deciding, record, hit);
                    if !unlimited {
                        limits(&mut deciding);
                    }
                    return outcome(Decision::Allowed, Reason::AllowedByResource, deciding);
                }
            }
            // An identity-based Allow is enough, except where the trust or key policy must
            // allow too (by trusting the account).
            if needed != ResourcePolicyKind::Ordinary && resource.is_none() {
                return denied(needed_reason());
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
                    outcome(Decision::Allowed, Reason::AllowedByIdentity, deciding)
                }
                (Some(_), Some(reason)) => denied(reason),
                (None, _) => denied(Reason::NoAllow),
            }
        } else {
            let Some((resource_hit, _)) = resource else {
                return denied(if needed != ResourcePolicyKind::Ordinary {
                    needed_reason()
                } else {
                    Reason::CrossAccountWithoutResourceAllow
                });
            };
            let Some((identity_hit, _)) = identity else {
                return denied(Reason::CrossAccountWithoutIdentityAllow);
            };
            if let Some(reason) = limited {
                return denied(reason);
            }
            push(&mut deciding, record, identity_hit);
            push(&mut deciding, record, resource_hit);
            limits(&mut deciding);
            outcome(Decision::Allowed, Reason::AllowedByIdentity, deciding)
        }
    }

    /// The resource-based Allow that names the principal most directly: a key policy that
    /// trusts the account in one statement and names the role in the next grants by the second.
    fn resource_allow(&self) -> Option<(Hit, Option<Named>)> {
        let policy = self.resource.as_ref()?;
        let mut best: Option<(Hit, Option<Named>)> = None;
        for s in &policy.statements {
            if s.effect == Effect::Allow
                && let Some(named) = applies(s, &self.request, true)
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
    // A statement without Resource is in a role's trust policy: the role is its resource.
    let Some(resources) = &s.resources else { return true };
    let any = resources.entries.iter().any(|entry| match entry {
        ResourceEntry::Compiled(p) => p.matches(&req.resource),
        ResourceEntry::WithVariables(text) => {
            ArnPattern::compile(text, &req.context, true).is_some_and(|p| p.matches(&req.resource))
        }
    });
    any != resources.negated
}

fn principal_matches(spec: &PrincipalSpec, req: &Request) -> Option<Named> {
    let Principals::Listed(listed) = &spec.principals else {
        // `"Principal": "*"` names everyone; `"NotPrincipal": "*"` no one.
        return (!spec.negated).then_some(Named::Broadly);
    };
    let entries = || listed.iter().flat_map(|(key, ids)| ids.iter().map(move |id| (key.as_str(), id.as_str())));
    if !spec.negated {
        let mut best: Option<Named> = None;
        for (key, id) in entries() {
            if principal::names_everyone(key, id) {
                best = best.max(Some(Named::Broadly));
            }
            for identity in &req.identities {
                if principal::names(key, id, identity) {
                    best = best.max(Some(identity.named));
                }
            }
        }
        return best;
    }
    // NotPrincipal: the request is each of its identities (session, role, account); the
    // statement spares it only when every one of them is listed ("AWS JSON policy elements:
    // NotPrincipal": list the account and the role beside the session).
    let spared = !req.identities.is_empty()
        && req.identities.iter().all(|identity| {
            entries().any(|(key, id)| principal::names_everyone(key, id) || principal::names(key, id, identity))
        });
    let everyone = entries().any(|(key, id)| principal::names_everyone(key, id));
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
