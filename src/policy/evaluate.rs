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
use super::pattern::{ArnPattern, Glob, regions, substitute_text, witness};
use super::principal::{self, Named, PrincipalKind};
pub use super::rules::{
    FixedRule, ResourcePattern, ResourcePolicyKind, fixed_rule, is_service_linked_role, resource_policy_kind,
};
use super::rules::{KMS_KEYS, TRUST_ACTIONS};
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
    /// A request on a resource pattern too intricate to answer exactly.
    PatternTooComplex,
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
            Reason::PatternTooComplex => write!(
                f,
                "the pattern and the policies' resources together tell apart too many cases to compare exactly: give a narrower pattern"
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
    /// For a request on a resource pattern, when asked for: where within it the request is
    /// allowed, and what keeps the rest closed.
    pub pattern: Option<Box<PatternParts>>,
}

/// What an answer for a resource pattern covers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatternParts {
    /// When allowed: the resources within the pattern the deciding statements allow, as they
    /// name them.
    pub allowed: Vec<String>,
    /// The parts of it a Deny statement or a fixed rule keeps closed.
    pub closed: Vec<ClosedPart>,
    /// When implicitly denied: the statement that allows some of it, and where, that something
    /// else stops (the reason says what).
    pub stopped: Option<String>,
    /// Whether every region of the pattern was looked at; if not (too many), the allowed and
    /// closed parts are those found first.
    pub complete: bool,
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
#[derive(Clone, Copy, Default)]
struct Scope<'a> {
    /// The principal has a permissions boundary: a Deny with NotPrincipal in a resource-based
    /// policy then denies it whatever NotPrincipal lists (IAM User Guide, "Permissions
    /// boundaries for IAM entities").
    bounded: bool,
    /// For a request on a resource pattern: the region of it in question, in place of a
    /// literal resource.
    region: Option<Region<'a>>,
}

/// One region of a resource pattern: resources that every statement's Resource either matches
/// all of or none of, and so are decided alike. A request on a pattern is allowed when it is
/// allowed in some region: exactly when it is allowed on some resource the pattern covers.
#[derive(Clone, Copy)]
struct Region<'a> {
    index: &'a PatternIndex,
    /// Which of the index's globs the region's resources match.
    bits: &'a [bool],
}

impl Region<'_> {
    /// Whether the statement's Resource (or NotResource) entries match the region.
    fn matches(&self, s: &Statement) -> bool {
        self.index.entries(s).iter().any(|&i| self.bits[i])
    }

    fn fixed_rule(&self) -> Option<FixedRule> {
        self.index.fixed.iter().find(|(_, i)| self.bits[*i]).map(|(rule, _)| *rule)
    }

    fn needs(&self) -> ResourcePolicyKind {
        match self.index.key {
            _ if self.index.trust => ResourcePolicyKind::RoleTrust,
            Some(i) if self.bits[i] => ResourcePolicyKind::KeyPolicy,
            _ => ResourcePolicyKind::Ordinary,
        }
    }
}

/// For a request on a resource pattern: the Resource entries of every statement that applies
/// but for its resources (its action, principal and conditions match), as globs, and the
/// resources the fixed rules and key policies concern; what tells the pattern's regions apart.
#[derive(Default)]
struct PatternIndex {
    /// Each once.
    globs: Vec<Glob>,
    /// Each glob's text as shown (policy variables substituted).
    shown: Vec<String>,
    /// Each statement's entries (their globs), by the statement's address.
    statements: std::collections::HashMap<usize, Vec<usize>>,
    /// The fixed rules that may apply, with their glob.
    fixed: Vec<(FixedRule, usize)>,
    /// KMS keys' glob, for a `kms:` action.
    key: Option<usize>,
    /// The action is one a role's trust policy decides.
    trust: bool,
}

impl PatternIndex {
    fn new(case: &Case, p: &ResourcePattern) -> PatternIndex {
        let req = &case.request;
        let mut index =
            PatternIndex { trust: TRUST_ACTIONS.contains(&req.action_lower.as_str()), ..Default::default() };
        let mut at: std::collections::HashMap<Glob, usize> = std::collections::HashMap::new();
        let mut add = |index: &mut PatternIndex, glob: Glob, shown: String| {
            *at.entry(glob.clone()).or_insert_with(|| {
                index.globs.push(glob);
                index.shown.push(shown);
                index.globs.len() - 1
            })
        };
        let scope = case.scope(None);
        for layer in case.layers() {
            for s in &case.policy(layer).statements {
                let Some(resources) = &s.resources else { continue };
                if !s.actions.matches(&req.action_lower)
                    || principal_target(s, req, checks_principal(layer), &scope).is_none()
                    || !s.conditions.iter().all(|c| c.holds(&req.context, &req.context))
                {
                    continue;
                }
                let entries = resources
                    .entries
                    .iter()
                    .zip(&resources.raw)
                    .filter_map(|(entry, raw)| entry_glob(entry, raw, req))
                    .map(|(glob, shown)| add(&mut index, glob, shown))
                    .collect();
                index.statements.insert(s as *const Statement as usize, entries);
            }
        }
        for (rule, glob) in &p.fixed {
            let shown = narrow(&req.resource, rule.pattern()).unwrap_or_else(|| rule.pattern().to_string());
            let i = add(&mut index, glob.clone(), shown);
            index.fixed.push((*rule, i));
        }
        if req.service == "kms" {
            index.key = Some(add(&mut index, Glob::arn(KMS_KEYS), KMS_KEYS.to_string()));
        }
        index
    }

    /// The statement's entries; none for a statement that does not apply whatever the
    /// resource.
    fn entries(&self, s: &Statement) -> &[usize] {
        self.statements.get(&(s as *const Statement as usize)).map_or(&[], Vec::as_slice)
    }
}

/// The regions of a resource pattern, each with its decision, in the order found.
struct Regions {
    /// Which of the index's globs each region's resources match.
    found: Vec<Vec<bool>>,
    outcomes: Vec<Outcome>,
    /// Whether every region was looked at (see [`PatternParts::complete`]).
    complete: bool,
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
        let pattern = self.request.pattern.as_ref().map(|_| {
            let parts = outcome.pattern.as_deref().cloned().unwrap_or_default();
            PatternAnswer {
                resource: self.request.resource.clone(),
                allowed: parts.allowed,
                closed: parts
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
            }
        });
        Explained {
            result: outcome.decision,
            reason: self.reason_text(outcome.decision, &outcome.reason, outcome.pattern.as_deref()),
            deciding,
            near_misses,
            pattern,
        }
    }

    /// The reason in words, with what the request says where it helps.
    fn reason_text(&self, decision: Decision, reason: &Reason, parts: Option<&PatternParts>) -> String {
        let req = &self.request;
        let text = match reason {
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
                let text =
                    "no identity-based or resource-based statement allows any resource of the pattern that stays open";
                let closed: Vec<&str> = parts
                    .iter()
                    .flat_map(|p| p.closed.iter().flat_map(|c| c.resources.iter().map(String::as_str)))
                    .collect();
                return if closed.is_empty() {
                    text.into()
                } else {
                    format!("{text} ({} but not {})", req.resource, closed.join(", "))
                };
            }
            Reason::NoAllow => {
                format!("no identity-based or resource-based statement allows {} on {}", req.action, req.resource)
            }
            other => other.to_string(),
        };
        if req.pattern.is_none() {
            return text;
        }
        // On a pattern: what the answer is about.
        match (decision, reason) {
            (Decision::Allowed, Reason::AlwaysAllowed) => text,
            (Decision::Allowed, _) if parts.is_some_and(|p| !p.complete) => format!(
                "for some resources of the pattern: {text} (the pattern and the policies tell apart more cases than vigil compares: the resources named are those found first)"
            ),
            (Decision::Allowed, _) => format!("for some resources of the pattern: {text}"),
            (
                Decision::ImplicitlyDenied,
                Reason::Fixed(_)
                | Reason::ClosedTogether(_)
                | Reason::PatternOutsideAction
                | Reason::PatternTooComplex
                | Reason::ResourcePolicyMissing(_)
                | Reason::RootCannotAssumeRole,
            ) => text,
            (Decision::ImplicitlyDenied, _) => match parts.and_then(|p| p.stopped.as_deref()) {
                Some(stopped) => format!("no resource the pattern covers is allowed: {stopped}, but {text}"),
                None => format!("no resource the pattern covers is allowed: {text}"),
            },
            _ => text,
        }
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
        match self.request.pattern.as_deref() {
            None => self.run_on(&self.scope(None), record),
            Some(pattern) => self.run_pattern(pattern, record),
        }
    }

    /// What statements are checked against: the request's resource, or one region of its
    /// pattern.
    fn scope<'a>(&self, region: Option<Region<'a>>) -> Scope<'a> {
        Scope { bounded: self.boundary_layers() > 0, region }
    }

    /// The decision on the request's resource, or on one region of its pattern.
    fn run_on(&self, scope: &Scope, record: bool) -> Outcome {
        let req = &self.request;
        // 0. The one action AWS allows whatever the policies say.
        if req.action_lower == "sts:getcalleridentity" {
            return outcome(Decision::Allowed, Reason::AlwaysAllowed, Vec::new());
        }
        // 1. An explicit Deny anywhere.
        if let Some(denied) = self.explicit_deny(scope, record) {
            return denied;
        }
        let (fixed_rule, needed) = match &scope.region {
            None => (req.fixed_rule, req.needs),
            Some(region) => (region.fixed_rule(), region.needs()),
        };
        // What no policy can allow: implicitly denied, naming the rule.
        if let Some(rule) = fixed_rule {
            return denied(Reason::Fixed(rule));
        }
        // 2 and 3. The organisation's and the VPC endpoints' policies.
        let mut deciding = Vec::new();
        if let Err(reason) = self.org_and_endpoints_allow(scope, record, &mut deciding) {
            return denied(reason);
        }
        // 4. What grants, and what limits it.
        let grant = Grant { case: self, scope: *scope, record, needed, resource: self.resource_allow(scope), deciding };
        let kind = req.principal_kind;
        if kind.only_resource_policies_grant() {
            grant.by_resource_alone()
        } else if kind == PrincipalKind::Root {
            grant.for_root()
        } else if req.same_account() {
            grant.within_account()
        } else {
            grant.across_accounts()
        }
    }

    /// Step 1: the Deny statements that apply, if any. The decision alone needs no more than
    /// the first.
    fn explicit_deny(&self, scope: &Scope, record: bool) -> Option<Outcome> {
        let mut deciding = Vec::new();
        for layer in self.layers() {
            for s in &self.policy(layer).statements {
                if s.effect == Effect::Deny && applies(s, &self.request, checks_principal(layer), scope).is_some() {
                    if !record {
                        return Some(outcome(Decision::ExplicitlyDenied, Reason::ExplicitDeny, deciding));
                    }
                    deciding.push(Hit { layer, statement: s.index });
                }
            }
        }
        (!deciding.is_empty()).then(|| outcome(Decision::ExplicitlyDenied, Reason::ExplicitDeny, deciding))
    }

    /// Steps 2 and 3: policies that grant nothing but must each allow; the first that does not
    /// is the reason. Their Allow statements go to `deciding`.
    fn org_and_endpoints_allow(&self, scope: &Scope, record: bool, deciding: &mut Vec<Hit>) -> Result<(), Reason> {
        // Every SCP level must allow (FullAWSAccess counts only when it is listed).
        for (l, level) in self.scps_in_force().iter().enumerate() {
            let layers = (0..level.policies.len()).map(|p| Layer::Scp(l, p));
            let (hit, _) =
                self.first_allow(layers, scope).ok_or_else(|| Reason::ScpWithoutAllow(l, level.id.clone()))?;
            push(deciding, record, hit);
        }
        // RCPs only restrict: AWS attaches RCPFullAWSAccess at every level.
        // Every VPC endpoint policy must allow.
        for i in 0..self.endpoints.len() {
            let (hit, _) = self.first_allow([Layer::Endpoint(i)], scope).ok_or(Reason::EndpointWithoutAllow(i))?;
            push(deciding, record, hit);
        }
        Ok(())
    }

    /// What keeps an identity-based grant from the principal: a permissions boundary that does
    /// not allow, else a session policy that does not.
    fn limit_gap(&self, scope: &Scope) -> Option<Reason> {
        let boundary_gap =
            (0..self.boundary_layers()).find(|&i| self.first_allow([Layer::Boundary(i)], scope).is_none());
        let session_gap = self.session_applies() && self.first_allow([Layer::Session], scope).is_none();
        match (boundary_gap, session_gap) {
            (Some(i), _) => Some(Reason::BoundaryWithoutAllow(i)),
            (None, true) => Some(Reason::SessionWithoutAllow),
            (None, false) => None,
        }
    }

    /// A request on a resource pattern: decided region by region (see [`Region`]). Allowed
    /// when some region is; explicitly denied when Deny statements deny every region; otherwise
    /// implicitly denied, for the reason of the region that came nearest to being allowed.
    #[inline(never)]
    fn run_pattern(&self, pattern: &ResourcePattern, record: bool) -> Outcome {
        let index = PatternIndex::new(self, pattern);
        let mut regions = self.decide_regions(pattern, &index, record);
        if !record && regions.outcomes.last().is_some_and(|o| o.decision == Decision::Allowed) {
            let mut allowed = regions.outcomes.pop().expect("the allowed region");
            allowed.deciding.clear();
            return allowed;
        }
        if !regions.complete && !regions.outcomes.iter().any(|o| o.decision == Decision::Allowed) {
            return denied(Reason::PatternTooComplex);
        }
        if regions.found.is_empty() {
            return denied(Reason::PatternOutsideAction);
        }
        let (mut outcome, stopped) = self.combine_regions(&index, &regions);
        if record {
            outcome.pattern = Some(Box::new(self.pattern_parts(pattern, &index, &regions, &outcome, stopped)));
        } else {
            outcome.deciding = Vec::new();
        }
        outcome
    }

    /// Each region of the pattern as it is found, shortest resources first, with its decision;
    /// the decision alone stops at the first that is allowed. Each region's statements are
    /// recorded whatever `record` says: the pattern's decision is made of them.
    fn decide_regions(&self, pattern: &ResourcePattern, index: &PatternIndex, record: bool) -> Regions {
        let mut found: Vec<Vec<bool>> = Vec::new();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let complete = regions(&pattern.clauses(), &index.globs, |bits| {
            let outcome = self.run_on(&self.scope(Some(Region { index, bits })), true);
            let stop = !record && outcome.decision == Decision::Allowed;
            found.push(bits.to_vec());
            outcomes.push(outcome);
            stop
        })
        .is_some();
        Regions { found, outcomes, complete }
    }

    /// The decision on the pattern from its regions' (at least one), and for an implicit deny,
    /// the region an Allow grants that something else stops, if any.
    fn combine_regions(&self, index: &PatternIndex, regions: &Regions) -> (Outcome, Option<(usize, Hit)>) {
        let outcomes = &regions.outcomes;
        let allowed = || outcomes.iter().filter(|o| o.decision == Decision::Allowed);
        let explicit = outcomes.iter().filter(|o| o.decision == Decision::ExplicitlyDenied).count();
        if let Some(first) = allowed().next() {
            (outcome(Decision::Allowed, first.reason.clone(), self.union_hits(allowed())), None)
        } else if explicit == outcomes.len() {
            let (reason, deciding) = self.covering_denies(outcomes);
            (outcome(Decision::ExplicitlyDenied, reason, deciding), None)
        } else {
            let (reason, stopped) = self.implicit_reason(index, regions, explicit > 0);
            (denied(reason), stopped)
        }
    }

    /// Every region explicitly denied: a Deny that denies every region covers the pattern;
    /// else several cover it together.
    fn covering_denies(&self, outcomes: &[Outcome]) -> (Reason, Vec<Hit>) {
        let covering: Vec<Hit> =
            outcomes[0].deciding.iter().filter(|h| outcomes.iter().all(|o| o.deciding.contains(h))).copied().collect();
        if covering.is_empty() {
            (Reason::ExplicitDenyTogether, self.union_hits(outcomes.iter()))
        } else {
            (Reason::ExplicitDeny, covering)
        }
    }

    /// Why no region is allowed where some are not explicitly denied: a fixed rule where fixed
    /// rules (and Deny statements, if `explicit`) close every region; else the reason of the
    /// region nearest to being allowed, with the Allow it stops there, if any.
    fn implicit_reason(
        &self,
        index: &PatternIndex,
        regions: &Regions,
        explicit: bool,
    ) -> (Reason, Option<(usize, Hit)>) {
        let implicit = || regions.outcomes.iter().enumerate().filter(|(_, o)| o.decision == Decision::ImplicitlyDenied);
        let fixed = implicit().find_map(|(_, o)| if let Reason::Fixed(rule) = o.reason { Some(rule) } else { None });
        if let Some(rule) = fixed
            && implicit().all(|(_, o)| matches!(o.reason, Reason::Fixed(_)))
        {
            return (if explicit { Reason::ClosedTogether(rule) } else { Reason::Fixed(rule) }, None);
        }
        // Where an identity-based or resource-based statement grants, what stops it says most;
        // else the step of the evaluation reached last.
        let grant = |r: usize| {
            let scope = self.scope(Some(Region { index, bits: &regions.found[r] }));
            self.identity_allow(&scope).or_else(|| self.resource_allow(&scope)).map(|(hit, _)| hit)
        };
        let (r, o) = implicit()
            .filter(|(_, o)| !matches!(o.reason, Reason::Fixed(_)))
            .min_by_key(|(r, o)| std::cmp::Reverse((grant(*r).is_some(), nearness(&o.reason))))
            .expect("an implicitly denied region");
        let stopped = if o.reason != Reason::NoAllow { grant(r).map(|hit| (r, hit)) } else { None };
        (o.reason.clone(), stopped)
    }

    /// The statements that decided in any of the given regions, each once, in the order of the
    /// evaluation.
    fn union_hits<'o>(&self, of: impl Iterator<Item = &'o Outcome>) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        for hit in of.flat_map(|o| o.deciding.iter()) {
            if !hits.contains(hit) {
                hits.push(*hit);
            }
        }
        hits.sort_by_key(self.hit_order());
        hits
    }

    /// What the answer on a pattern covers, for the explanation.
    fn pattern_parts(
        &self,
        pattern: &ResourcePattern,
        index: &PatternIndex,
        regions: &Regions,
        outcome: &Outcome,
        stopped: Option<(usize, Hit)>,
    ) -> PatternParts {
        let (found, outcomes) = (&regions.found, &regions.outcomes);
        let closed = self.closed_parts(index, found, outcomes, (outcome.decision, &outcome.reason, &outcome.deciding));
        let allowed = if outcome.decision == Decision::Allowed {
            self.allowed_names(pattern, index, found, outcomes)
        } else {
            Vec::new()
        };
        let stopped = stopped.map(|(r, hit)| self.stopped_where(index, &found[r], hit));
        PatternParts { allowed, closed, stopped, complete: regions.complete }
    }

    /// Where an Allow grants that something else stops: the statement, with the entries of its
    /// Resource that match the region, so that one can see which resources it meant.
    fn stopped_where(&self, index: &PatternIndex, bits: &[bool], hit: Hit) -> String {
        let s = &self.policy(hit.layer).statements[hit.statement];
        let what = match &s.resources {
            Some(resources) if !resources.negated => {
                let names: Vec<&str> =
                    index.entries(s).iter().filter(|&&i| bits[i]).map(|&i| index.shown[i].as_str()).collect();
                format!(" ({})", names.join(", "))
            }
            _ => String::new(),
        };
        format!("where {} {} allows it{what}", hit.layer, s.label())
    }

    /// Where a statement comes in the evaluation: its policy's place among those that apply,
    /// then its own.
    fn hit_order(&self) -> impl Fn(&Hit) -> (usize, usize) {
        let layers: Vec<Layer> = self.layers().collect();
        move |hit: &Hit| (layers.iter().position(|l| *l == hit.layer).unwrap_or(usize::MAX), hit.statement)
    }

    /// The parts of a pattern Deny statements and fixed rules keep closed, each named by the
    /// entries (or the rule's pattern) that match it; not the Deny statements that decide by
    /// covering all of it.
    fn closed_parts(
        &self,
        index: &PatternIndex,
        found: &[Vec<bool>],
        outcomes: &[Outcome],
        (decision, reason, deciding): (Decision, &Reason, &[Hit]),
    ) -> Vec<ClosedPart> {
        // Each closer with the regions it closes, in the order met.
        let mut closers: Vec<(Closer, Vec<usize>)> = Vec::new();
        let mut add = |closer: Closer, region: usize| match closers.iter_mut().find(|(c, _)| *c == closer) {
            Some((_, regions)) => regions.push(region),
            None => closers.push((closer, vec![region])),
        };
        for (r, o) in outcomes.iter().enumerate() {
            match (o.decision, &o.reason) {
                (Decision::ExplicitlyDenied, _) => o.deciding.iter().for_each(|hit| add(Closer::Deny(*hit), r)),
                (_, Reason::Fixed(rule)) => add(Closer::Fixed(*rule), r),
                _ => {}
            }
        }
        let covering = decision == Decision::ExplicitlyDenied && *reason == Reason::ExplicitDeny;
        let order = self.hit_order();
        closers.sort_by_key(|(c, _)| match c {
            Closer::Deny(hit) => (0, order(hit)),
            Closer::Fixed(rule) => (1, (FixedRule::ALL.iter().position(|r| r == rule).unwrap_or(0), 0)),
        });
        closers
            .into_iter()
            .filter(|(c, _)| !(covering && matches!(c, Closer::Deny(hit) if deciding.contains(hit))))
            .map(|(by, regions)| {
                let resources = match by {
                    Closer::Fixed(rule) => {
                        index.fixed.iter().filter(|(r, _)| *r == rule).map(|(_, i)| index.shown[*i].clone()).collect()
                    }
                    Closer::Deny(hit) => {
                        let s = &self.policy(hit.layer).statements[hit.statement];
                        let entries = index.entries(s);
                        match &s.resources {
                            Some(resources) if resources.negated => {
                                let shown: Vec<&str> = entries.iter().map(|&i| index.shown[i].as_str()).collect();
                                vec![format!("everything but {}", shown.join(", "))]
                            }
                            Some(_) => entries
                                .iter()
                                .filter(|&&i| regions.iter().any(|&r| found[r][i]))
                                .map(|&i| index.shown[i].clone())
                                .collect(),
                            None => vec![self.request.resource.clone()],
                        }
                    }
                };
                ClosedPart { by, resources }
            })
            .collect()
    }

    /// The resources of the pattern on which the request is allowed, region by region, as the
    /// deciding statements name them: the narrowest entry that matches the region (with the
    /// pattern where the entry reaches beyond it), `except` what a NotResource leaves out; the
    /// pattern itself where nothing narrows it.
    fn allowed_names(
        &self,
        pattern: &ResourcePattern,
        index: &PatternIndex,
        found: &[Vec<bool>],
        outcomes: &[Outcome],
    ) -> Vec<String> {
        let req = &self.request;
        let within = Containment::new(pattern, index);
        // Each name with the first entry it comes from, to list them in the policies' order, and
        // the entry when it is the name alone.
        let mut names: Vec<(usize, String, Option<usize>)> = Vec::new();
        for (bits, o) in found.iter().zip(outcomes).filter(|(_, o)| o.decision == Decision::Allowed) {
            let named = self.region_name(pattern, index, &within, bits, o);
            if !names.iter().any(|(_, n, _)| *n == named.1) {
                names.push(named);
            }
        }
        // Where the pattern itself is allowed, narrower names say less; so does an entry within
        // another named.
        if names.iter().any(|(_, n, _)| *n == req.resource) {
            names.retain(|(_, n, _)| *n == req.resource);
        }
        let alone: Vec<usize> = names.iter().filter_map(|(_, _, a)| *a).collect();
        names.retain(|(_, _, a)| {
            a.is_none_or(|a| !alone.iter().any(|&b| b != a && within.inside(a, Some(b)) && !within.inside(b, Some(a))))
        });
        names.sort_by_key(|(first, _, _)| *first);
        names.into_iter().map(|(_, n, _)| n).collect()
    }

    /// The name of one allowed region (see [`Case::allowed_names`]), with the first entry it
    /// comes from and the entry when it is the name alone.
    fn region_name(
        &self,
        pattern: &ResourcePattern,
        index: &PatternIndex,
        within: &Containment,
        bits: &[bool],
        o: &Outcome,
    ) -> (usize, String, Option<usize>) {
        let (mut entries, except) = self.deciding_entries(index, bits, o);
        // Those that narrow the pattern, and of them those no other is strictly inside.
        entries.retain(|&a| !within.inside(a, None));
        let narrowest: Vec<usize> = entries
            .iter()
            .copied()
            .filter(|&a| !entries.iter().any(|&b| b != a && within.inside(b, Some(a)) && !within.inside(a, Some(b))))
            .collect();
        let name = self.entries_name(pattern, index, &narrowest);
        let alone = match (narrowest.as_slice(), except.is_empty()) {
            ([entry], true) if index.shown[*entry] == name => Some(*entry),
            _ => None,
        };
        let name = if except.is_empty() { name } else { format!("{name} except {}", except.join(", ")) };
        (narrowest.iter().copied().min().unwrap_or(0), name, alone)
    }

    /// The entries of the deciding statements' Resource that match the region, each text
    /// once; and every entry of their NotResource, which the region's name leaves out.
    fn deciding_entries<'i>(&self, index: &'i PatternIndex, bits: &[bool], o: &Outcome) -> (Vec<usize>, Vec<&'i str>) {
        let mut entries: Vec<usize> = Vec::new();
        let mut except: Vec<&str> = Vec::new();
        for hit in &o.deciding {
            let s = &self.policy(hit.layer).statements[hit.statement];
            let Some(resources) = &s.resources else { continue };
            if resources.negated {
                except.extend(index.entries(s).iter().map(|&i| index.shown[i].as_str()));
            } else {
                for &i in index.entries(s).iter().filter(|&&i| bits[i]) {
                    if !entries.iter().any(|&e| index.shown[e] == index.shown[i]) {
                        entries.push(i);
                    }
                }
            }
        }
        (entries, except)
    }

    /// One name for the resources the narrowest entries share: the entries narrowed into one
    /// pattern, or joined by `within`; the pattern itself where there are none.
    fn entries_name(&self, pattern: &ResourcePattern, index: &PatternIndex, narrowest: &[usize]) -> String {
        let req = &self.request;
        let mut texts: Vec<String> = narrowest.iter().map(|&i| index.shown[i].clone()).collect();
        if texts.is_empty() {
            return req.resource.clone();
        }
        // Where no entry is within the pattern as written, name the pattern too.
        let one = |i: usize| std::slice::from_ref(&index.globs[i]);
        if !narrowest.iter().any(|&i| witness(&[one(i)], &pattern.within[0]) == Some(false)) {
            texts.push(req.resource.clone());
        }
        let mut narrowed = Some(texts[0].clone());
        for t in &texts[1..] {
            narrowed = narrowed.and_then(|n| narrow(&n, t));
        }
        narrowed.unwrap_or_else(|| texts.join(" within "))
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

    /// The first identity-based Allow that applies.
    fn identity_allow(&self, scope: &Scope) -> Option<(Hit, Option<Named>)> {
        self.first_allow((0..self.identity_layers()).map(Layer::Identity), scope)
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
    /// would have decided otherwise. For a resource pattern, a statement's resources match when
    /// some resource of the pattern is among them.
    fn near_misses(&self) -> Vec<StatementExplained> {
        let req = &self.request;
        let scope = self.scope(None);
        let target = |s: &Statement, layer: Layer| match req.pattern.as_deref() {
            None => matches_target(s, req, checks_principal(layer), &scope).is_some(),
            Some(pattern) => {
                s.actions.matches(&req.action_lower)
                    && reaches(s, req, pattern)
                    && principal_target(s, req, checks_principal(layer), &scope).is_some()
            }
        };
        let mut out = Vec::new();
        for layer in self.layers() {
            for s in &self.policy(layer).statements {
                if target(s, layer) && !s.conditions.iter().all(|c| c.holds(&req.context, &req.context)) {
                    out.push(self.describe(Hit { layer, statement: s.index }));
                }
            }
        }
        out
    }
}

/// Whether one entry of a [`PatternIndex`] is within another, among the resources a pattern
/// covers. Each question is answered once: names are compared pairwise, and each answer asks
/// the glob solver.
struct Containment<'a> {
    clauses: Vec<&'a [Glob]>,
    globs: &'a [Glob],
    known: std::cell::RefCell<std::collections::HashMap<(usize, Option<usize>), bool>>,
}

impl<'a> Containment<'a> {
    fn new(pattern: &'a ResourcePattern, index: &'a PatternIndex) -> Containment<'a> {
        Containment { clauses: pattern.clauses(), globs: &index.globs, known: Default::default() }
    }

    /// Whether entry `a` is within entry `b` (`b` none: the pattern).
    fn inside(&self, a: usize, b: Option<usize>) -> bool {
        *self.known.borrow_mut().entry((a, b)).or_insert_with(|| {
            let mut with = self.clauses.clone();
            with.push(self.one(a));
            match b {
                Some(b) => witness(&with, self.one(b)) == Some(false),
                None => witness(&self.clauses, self.one(a)) == Some(false),
            }
        })
    }

    fn one(&self, i: usize) -> &'a [Glob] {
        std::slice::from_ref(&self.globs[i])
    }
}

/// Step 4 of a decision on one resource (or region): what grants the request, and what limits
/// the grant. The steps before it have allowed, and left their statements in `deciding`.
struct Grant<'a> {
    case: &'a Case,
    scope: Scope<'a>,
    record: bool,
    /// The trust or key policy the resource needs, if any.
    needed: ResourcePolicyKind,
    /// The resource-based Allow that names the principal most directly.
    resource: Option<(Hit, Option<Named>)>,
    deciding: Vec<Hit>,
}

impl Grant<'_> {
    /// Anonymous callers, services and identity providers: identity policies, boundaries,
    /// session policies and SCPs do not apply to them, so only a resource-based policy that
    /// names them (or everyone) can grant.
    fn by_resource_alone(mut self) -> Outcome {
        match self.resource {
            Some((hit, Some(named))) if named >= Named::Broadly => {
                self.push(hit);
                self.allowed(Reason::AllowedByResource)
            }
            _ if self.needed != ResourcePolicyKind::Ordinary => denied(self.without_consent()),
            _ => denied(Reason::NoResourceAllowFor(self.case.request.principal_kind)),
        }
    }

    /// The account root user.
    fn for_root(mut self) -> Outcome {
        let req = &self.case.request;
        if req.action_lower == "sts:assumerole" {
            return denied(Reason::RootCannotAssumeRole);
        }
        // Root needs no identity policy; it needs the resource's own consent where any
        // principal would: across accounts, and for a KMS key.
        if !req.same_account() || self.needed != ResourcePolicyKind::Ordinary {
            return match self.resource {
                Some((hit, _)) => {
                    self.push(hit);
                    self.allowed(Reason::AllowedByResource)
                }
                None if self.needed != ResourcePolicyKind::Ordinary => denied(self.without_consent()),
                None => denied(Reason::CrossAccountWithoutResourceAllow),
            };
        }
        self.allowed(Reason::AllowedAsRoot)
    }

    /// Within one account either side may grant: the resource-based policy, or an
    /// identity-based statement within the limits.
    fn within_account(mut self) -> Outcome {
        let identity = self.case.identity_allow(&self.scope);
        let limited = self.case.limit_gap(&self.scope);
        if let Some((hit, named)) = self.resource {
            let unlimited = self.grants_past_limits(named);
            let grants = named.is_some_and(|n| n >= Named::Broadly);
            if grants && (unlimited || limited.is_none()) {
                self.push(hit);
                if !unlimited {
                    self.push_limits();
                }
                return self.allowed(Reason::AllowedByResource);
            }
        }
        // An identity-based Allow is enough, except where the trust or key policy must allow
        // too (by trusting the account).
        if self.needed != ResourcePolicyKind::Ordinary && self.resource.is_none() {
            return denied(self.without_consent());
        }
        match (identity, limited) {
            (Some((hit, _)), None) => {
                self.push(hit);
                if let Some((resource_hit, _)) = self.resource
                    && self.needed != ResourcePolicyKind::Ordinary
                {
                    self.push(resource_hit);
                }
                self.push_limits();
                self.allowed(Reason::AllowedByIdentity)
            }
            (Some(_), Some(reason)) => denied(reason),
            (None, _) => denied(Reason::NoAllow),
        }
    }

    /// Across accounts both sides must allow: the resource-based policy, and an identity-based
    /// statement within the limits.
    fn across_accounts(mut self) -> Outcome {
        let identity = self.case.identity_allow(&self.scope);
        let limited = self.case.limit_gap(&self.scope);
        let Some((resource_hit, _)) = self.resource else {
            return denied(if self.needed != ResourcePolicyKind::Ordinary {
                self.without_consent()
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
        self.push(identity_hit);
        self.push(resource_hit);
        self.push_limits();
        self.allowed(Reason::AllowedByIdentity)
    }

    /// Whether, within one account, a resource-based statement that names the principal so
    /// grants past an implicit deny in its boundary and session policy.
    ///
    /// One that names the user, the role session or the federated user itself, or everyone
    /// (`*`), does; one that names a role is limited by them (IAM User Guide, "Policy
    /// evaluation logic" and "IAM role principals"). Except where an IAM user stands for its
    /// federated session (a session policy is given): naming the user who federated is limited
    /// by both ("Policy evaluation logic", AWS STS federated user principals). A trust policy
    /// naming the user still leaves the user's boundary in force (IAM User Guide, "Update a
    /// role trust policy").
    fn grants_past_limits(&self, named: Option<Named>) -> bool {
        let case = self.case;
        let by_name = match named {
            Some(Named::Exactly) => !(case.request.principal_kind == PrincipalKind::User && case.session_applies()),
            Some(Named::Everyone) => true,
            _ => false,
        };
        by_name && self.needed != ResourcePolicyKind::RoleTrust
    }

    /// The trust or key policy the request needs is missing, or does not allow.
    fn without_consent(&self) -> Reason {
        if self.case.resource.is_none() {
            Reason::ResourcePolicyMissing(self.needed)
        } else {
            Reason::ResourcePolicyWithoutAllow(self.needed)
        }
    }

    /// The boundary and session statements that let a grant through decide it too.
    fn push_limits(&mut self) {
        let case = self.case;
        for i in 0..case.boundary_layers() {
            if let Some((hit, _)) = case.first_allow([Layer::Boundary(i)], &self.scope) {
                self.push(hit);
            }
        }
        if case.session_applies()
            && let Some((hit, _)) = case.first_allow([Layer::Session], &self.scope)
        {
            self.push(hit);
        }
    }

    fn push(&mut self, hit: Hit) {
        push(&mut self.deciding, self.record, hit);
    }

    fn allowed(self, reason: Reason) -> Outcome {
        outcome(Decision::Allowed, reason, self.deciding)
    }
}

/// Whether a statement's Resource (or NotResource) takes in some resource of the pattern.
fn reaches(s: &Statement, req: &Request, pattern: &ResourcePattern) -> bool {
    let Some(resources) = &s.resources else { return true };
    let globs: Vec<Glob> = resources
        .entries
        .iter()
        .zip(&resources.raw)
        .filter_map(|(e, raw)| entry_glob(e, raw, req))
        .map(|(g, _)| g)
        .collect();
    let mut within = pattern.clauses();
    if resources.negated {
        witness(&within, &globs) != Some(false)
    } else {
        within.push(&globs);
        witness(&within, &[]) != Some(false)
    }
}

/// How near a region's implicit deny came to an Allow: the later the step of the evaluation
/// that stopped it, the nearer.
fn nearness(reason: &Reason) -> u8 {
    match reason {
        Reason::ScpWithoutAllow(..) => 1,
        Reason::EndpointWithoutAllow(_) => 2,
        Reason::BoundaryWithoutAllow(_) | Reason::SessionWithoutAllow => 4,
        Reason::Fixed(_) | Reason::ClosedTogether(_) | Reason::PatternOutsideAction | Reason::PatternTooComplex => 0,
        _ => 3,
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

fn outcome(decision: Decision, reason: Reason, deciding: Vec<Hit>) -> Outcome {
    Outcome { decision, reason, deciding, pattern: None }
}

/// Implicitly denied: nothing allows, so no statement decides.
fn denied(reason: Reason) -> Outcome {
    outcome(Decision::ImplicitlyDenied, reason, Vec::new())
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
    let any = match &scope.region {
        None => {
            let parts = req.resource_parts.as_ref();
            resources.entries.iter().any(|entry| match entry {
                ResourceEntry::Compiled(p) => p.matches_parts(&req.resource, parts),
                ResourceEntry::WithVariables(text) => {
                    ArnPattern::compile(text, &req.context, true).is_some_and(|p| p.matches_parts(&req.resource, parts))
                }
            })
        }
        Some(region) => region.matches(s),
    };
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
