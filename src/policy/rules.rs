//! The rules AWS fixes, whatever the policies say: which requests a resource-based policy decides
//! even within one account, what no principal's policy can change (service-linked and IAM
//! Identity Center roles, AWS managed policies and KMS aliases), and a request's resource given
//! as a pattern. Below the request's context and the evaluator, which both use them.

use std::fmt;

use super::iam;
use super::pattern::{ArnPattern, Glob, witness};

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
pub(super) const TRUST_ACTIONS: [&str; 5] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
];

/// Every KMS key, whose key policy a `kms:` action on it needs.
pub(super) const KMS_KEYS: &str = "arn:*:kms:*:*:key/*";

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

/// What no policy can change, whatever allows it: resources AWS or one of its services owns.
/// No Deny statement is involved: these requests are implicitly denied, with the rule as the
/// reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedRule {
    /// AWS managed policies (`arn:aws:iam::aws:policy/...`) live in AWS's own account (IAM User
    /// Guide, "AWS managed policies": "You cannot change the permissions defined in AWS managed
    /// policies"); nor can anyone create a policy there.
    AwsManagedPolicy,
    /// Service-linked roles are changed only by their service (IAM User Guide, "Using
    /// service-linked roles": their permissions and trust policy cannot be edited; they are
    /// deleted with iam:DeleteServiceLinkedRole).
    ServiceLinkedRole,
    /// The roles IAM Identity Center creates for permission sets
    /// (`role/aws-reserved/sso.amazonaws.com/...`, named `AWSReservedSSO_...`): IAM Identity
    /// Center User Guide, "IAM roles created by IAM Identity Center" (it creates and manages
    /// them) and "Using service-linked roles for IAM Identity Center" (its service-linked role
    /// is what creates, changes and deletes them); IAM refuses anyone else ("Cannot perform the
    /// operation on the protected role ... this role is only modifiable by AWS").
    IdentityCenterRole,
    /// Alias names beginning with `alias/aws/` belong to the AWS managed keys AWS services create
    /// (KMS Developer Guide, "About aliases": "AWS creates aliases in your account for AWS
    /// managed keys"; CreateAlias: "The alias/aws/ prefix is reserved for AWS managed keys").
    AwsManagedAlias,
}

impl FixedRule {
    /// The resources the rule protects, as an ARN pattern.
    pub fn pattern(self) -> &'static str {
        match self {
            FixedRule::AwsManagedPolicy => "arn:*:iam::aws:policy/*",
            FixedRule::ServiceLinkedRole => "arn:*:iam::*:role/aws-service-role/*",
            FixedRule::IdentityCenterRole => "arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/*",
            FixedRule::AwsManagedAlias => "arn:*:kms:*:*:alias/aws/*",
        }
    }

    /// Whose the resources are, in a few words.
    pub fn owner(self) -> &'static str {
        match self {
            FixedRule::AwsManagedPolicy => "AWS managed policies",
            FixedRule::ServiceLinkedRole => "service-linked roles",
            FixedRule::IdentityCenterRole => "IAM Identity Center's roles",
            FixedRule::AwsManagedAlias => "AWS managed key aliases",
        }
    }

    /// Whether `action` (lower-cased) is one this rule forbids.
    fn covers(self, action: &str) -> bool {
        match self {
            FixedRule::AwsManagedPolicy => POLICY_WRITES.contains(&action),
            FixedRule::ServiceLinkedRole => ROLE_WRITES.contains(&action),
            FixedRule::IdentityCenterRole => {
                ROLE_WRITES.contains(&action) || IDENTITY_CENTER_ROLE_WRITES.contains(&action)
            }
            FixedRule::AwsManagedAlias => ALIAS_WRITES.contains(&action),
        }
    }

    /// IAM Identity Center's own service-linked role manages its roles.
    fn spares(self, principal: &str) -> bool {
        self == FixedRule::IdentityCenterRole
            && (principal.contains(":assumed-role/AWSServiceRoleForSSO/")
                || principal.contains(":role/aws-service-role/sso.amazonaws.com/"))
    }

    pub(super) const ALL: [FixedRule; 4] = [
        FixedRule::AwsManagedPolicy,
        FixedRule::ServiceLinkedRole,
        FixedRule::IdentityCenterRole,
        FixedRule::AwsManagedAlias,
    ];
}

impl fmt::Display for FixedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FixedRule::AwsManagedPolicy => {
                "the policy is an AWS managed policy (arn:aws:iam::aws:policy/...): it belongs to AWS's own account (`aws`), not to the caller's. A request on another account's resource needs that account's resource-based policy to allow it; managed policies have none, and AWS lets no one create, change or delete policies in its account"
            }
            FixedRule::ServiceLinkedRole => {
                "the role is a service-linked role (role/aws-service-role/...): it belongs to its service, which alone changes its policies, trust policy and boundary; it is deleted only with iam:DeleteServiceLinkedRole"
            }
            FixedRule::IdentityCenterRole => {
                "the role is one IAM Identity Center created for a permission set (role/aws-reserved/sso.amazonaws.com/...): it belongs to IAM Identity Center, which alone creates, changes and deletes it (\"this role is only modifiable by AWS\"); change the permission set instead"
            }
            FixedRule::AwsManagedAlias => {
                "aliases beginning with alias/aws/ belong to AWS: AWS creates them for the AWS managed keys of its services, and the prefix is reserved, so no one creates, changes or deletes them"
            }
        })
    }
}

/// IAM actions that create, change or delete a managed policy.
const POLICY_WRITES: [&str; 7] = [
    "iam:createpolicy",
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

/// What IAM Identity Center's service-linked role does to its roles beyond the role writes
/// above, and so no one else may: creating one, its description and its tags.
const IDENTITY_CENTER_ROLE_WRITES: [&str; 4] =
    ["iam:createrole", "iam:updateroledescription", "iam:tagrole", "iam:untagrole"];

const ALIAS_WRITES: [&str; 3] = ["kms:createalias", "kms:updatealias", "kms:deletealias"];

/// The fixed rule a request by `principal` for `action` (lower-cased) on `arn` breaks, if any.
pub fn fixed_rule(action: &str, arn: &str, principal: &str) -> Option<FixedRule> {
    let (service, resource) = arn_resource(arn)?;
    let account = super::pattern::arn_account(arn);
    let rule = match service {
        "iam" if account == Some("aws") && resource.starts_with("policy/") => FixedRule::AwsManagedPolicy,
        "iam" if resource.starts_with("role/aws-service-role/") => FixedRule::ServiceLinkedRole,
        "iam" if resource.starts_with("role/aws-reserved/sso.amazonaws.com/") => FixedRule::IdentityCenterRole,
        "kms" if resource.starts_with("alias/aws/") => FixedRule::AwsManagedAlias,
        _ => return None,
    };
    (rule.covers(action) && !rule.spares(principal)).then_some(rule)
}

/// A request's resource given as a pattern (`*`, `arn:aws:s3:::bucket/*`): the question is then
/// whether the request is allowed on some resource the pattern covers.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePattern {
    /// The resources in question, as an intersection of unions: the pattern; the ARNs of the
    /// action's resource types, where the Service Authorization Reference lists them; the
    /// principal's partition, where its ARN names one.
    pub within: Vec<Vec<Glob>>,
    /// The fixed rules that protect some of them, with their patterns.
    pub fixed: Vec<(FixedRule, Glob)>,
    /// The resource-based policy the request needs.
    pub needs: ResourcePolicyKind,
}

impl ResourcePattern {
    /// `resource` as a pattern for `action` (lower-cased) by `principal`.
    pub fn new(action: &str, resource: &str, principal: &str) -> ResourcePattern {
        let mut within = vec![vec![Glob::arn(resource)]];
        let (prefix, name) = action.split_once(':').unwrap_or((action, ""));
        if let Some(service) = iam::data().service(prefix)
            && let Some(a) = service.action(name)
        {
            let types: Vec<Glob> = service.arn_patterns(a).map(ArnPattern::glob).collect();
            if !types.is_empty() {
                within.push(types);
            }
        }
        if let Some(partition) = principal.strip_prefix("arn:").and_then(|r| r.split(':').next())
            && !partition.is_empty()
        {
            within.push(vec![Glob::arn(&format!("arn:{partition}:*"))]);
        }
        let clauses: Vec<&[Glob]> = within.iter().map(Vec::as_slice).collect();
        let reaches = |glob: &Glob| {
            let mut with = clauses.clone();
            let one = std::slice::from_ref(glob);
            with.push(one);
            witness(&with, &[]) != Some(false)
        };
        let fixed = FixedRule::ALL
            .into_iter()
            .filter(|rule| rule.covers(action) && !rule.spares(principal))
            .map(|rule| (rule, Glob::arn(rule.pattern())))
            .filter(|(_, glob)| reaches(glob))
            .collect();
        let needs = if TRUST_ACTIONS.contains(&action) {
            ResourcePolicyKind::RoleTrust
        } else if prefix == "kms" && reaches(&Glob::arn(KMS_KEYS)) {
            ResourcePolicyKind::KeyPolicy
        } else {
            ResourcePolicyKind::Ordinary
        };
        ResourcePattern { within, fixed, needs }
    }

    pub(super) fn clauses(&self) -> Vec<&[Glob]> {
        self.within.iter().map(Vec::as_slice).collect()
    }
}

/// A service-linked role (`role/aws-service-role/...`) or one of its sessions
/// (`assumed-role/AWSServiceRoleFor...`).
pub fn is_service_linked_role(principal: &str) -> bool {
    principal.contains(":role/aws-service-role/") || principal.contains(":assumed-role/AWSServiceRoleFor")
}
