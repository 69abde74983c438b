//! The request being evaluated and its context keys.

use std::borrow::Cow;

pub use super::pattern::arn_account;
use super::pattern::{ArnParts, Variables};
use super::principal::{self, Identity, PrincipalKind};
use super::rules::{self, FixedRule, ResourcePattern, ResourcePolicyKind};

/// Context keys and their values. Key names compare without regard to case, as in IAM; a key
/// given as a list is multi-valued. A request has a handful of keys: a list searched in order
/// is faster than hashing them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// By lower-cased name.
    keys: Vec<(String, ContextValue)>,
}

#[derive(Debug, Clone, PartialEq)]
struct ContextValue {
    name: String,
    values: Vec<String>,
    multi: bool,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    fn insert(&mut self, key: &str, value: ContextValue) {
        let lower = key.to_lowercase();
        match self.keys.iter_mut().find(|(k, _)| *k == lower) {
            Some((_, v)) => *v = value,
            None => self.keys.push((lower, value)),
        }
    }

    fn find(&self, key_lower: &str) -> Option<&ContextValue> {
        self.keys.iter().find(|(k, _)| k == key_lower).map(|(_, v)| v)
    }

    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = ContextValue { name: key.into(), values: vec![value.into()], multi: false };
        self.insert(key, value);
    }

    /// Sets a multi-valued key.
    pub fn set_list(&mut self, key: &str, values: Vec<String>) {
        self.insert(key, ContextValue { name: key.into(), values, multi: true });
    }

    /// Sets a single-valued key unless the context already has it.
    pub(crate) fn set_if_absent(&mut self, key: &str, value: impl Into<String>) {
        if !self.contains(key) {
            self.set(key, value);
        }
    }

    /// Sets a multi-valued key unless the context already has it.
    pub(crate) fn set_list_if_absent(&mut self, key: &str, values: Vec<String>) {
        if !self.contains(key) {
            self.set_list(key, values);
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.find(&key.to_lowercase()).is_some()
    }

    /// The values of a key, by its lower-cased name.
    pub fn get_lower(&self, key_lower: &str) -> Option<&[String]> {
        self.find(key_lower).map(|v| v.values.as_slice())
    }

    /// Every key as given, with its values, in name order.
    pub fn entries(&self) -> Vec<(&str, &[String])> {
        let mut v: Vec<_> = self.keys.iter().map(|(_, c)| (c.name.as_str(), c.values.as_slice())).collect();
        v.sort();
        v
    }
}

impl Variables for Context {
    /// Only single-valued keys can stand in a policy variable.
    fn variable(&self, key: &str) -> Option<Cow<'_, str>> {
        let v = self.find(&key.to_lowercase())?;
        match (v.multi, v.values.as_slice()) {
            (false, [one]) => Some(Cow::Borrowed(one)),
            _ => None,
        }
    }
}

/// What is being asked: a principal performing an action on a resource, in a context.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub action: String,
    /// The action lower-cased, for case-insensitive matching.
    pub action_lower: String,
    /// The action's service prefix, lower-cased (`sagemaker`).
    pub service: String,
    /// The resource: an ARN, `*`, or a pattern (see `pattern`). Requests are built with
    /// [`Request::new`], which finds its parts.
    pub resource: String,
    /// Where the resource's ARN parts lie, found once for matching it against every statement.
    pub resource_parts: Option<ArnParts>,
    /// The account that owns the resource, where known.
    pub resource_account: Option<String>,
    pub principal: String,
    pub principal_kind: PrincipalKind,
    pub principal_account: Option<String>,
    /// For a role session, its role.
    pub role_arn: Option<String>,
    /// What `Principal` and `NotPrincipal` entries can name: the principal, its role, its
    /// account.
    pub identities: Vec<Identity>,
    /// The resource as a pattern, when the request gives one (`*`, `arn:aws:s3:::bucket/*`) for
    /// an action with resource types: the question is then whether the request is allowed on
    /// some resource it covers. `None` for a literal resource, answered exactly as itself.
    pub pattern: Option<Box<ResourcePattern>>,
    /// Worked out once, for the fast path: the rule no policy can override, the resource policy
    /// the request needs, whether the principal is a service-linked role.
    pub fixed_rule: Option<FixedRule>,
    pub needs: ResourcePolicyKind,
    pub service_linked: bool,
    pub context: Context,
}

impl Request {
    /// Builds a request, deriving the keys AWS always sets when the context does not give them:
    /// `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:ResourceAccount`, `aws:username` for IAM
    /// users, `aws:PrincipalType`, `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName` and
    /// `aws:userid` (see [`user_id`]). `principal_id` is the unique id of the user or of the
    /// session's role (`AIDA...`, `AROA...`), when the case gives it.
    pub fn new(
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        principal: &str,
        principal_id: Option<&str>,
        context: Context,
    ) -> Request {
        Self::build(action, Some(resource), resource_account, principal, principal_id, context)
    }

    /// As [`Request::new`]; without a resource the request is on `*`, taken literally (as for an
    /// action without resource-level permissions), where a `*` given is a pattern.
    pub fn build(
        action: &str,
        resource: Option<&str>,
        resource_account: Option<&str>,
        principal: &str,
        principal_id: Option<&str>,
        mut context: Context,
    ) -> Request {
        let given = resource.is_some();
        let resource = resource.unwrap_or("*");
        let action_lower = action.to_lowercase();
        let service = action_lower.split(':').next().unwrap_or_default().to_string();
        // An action without resource-level permissions is evaluated against the resource `*`.
        let name = action.split_once(':').map_or("", |(_, n)| n);
        let no_resource_types = super::iam::data()
            .service(&service)
            .and_then(|s| s.action(name))
            .is_some_and(|a| a.resource_types.is_empty());
        let resource = if no_resource_types { "*" } else { resource };
        let pattern = (given && !no_resource_types && resource.contains(['*', '?']))
            .then(|| Box::new(ResourcePattern::new(&action_lower, resource, principal)));
        let kind = principal::classify(principal, &action_lower);
        // Service principals, providers and unsigned callers belong to no account.
        let principal_account =
            if kind.only_resource_policies_grant() { None } else { arn_account(principal).map(str::to_string) };
        // A pattern's account may be a wildcard, and AWS managed policies (account `aws`) are
        // readable from every account: neither names the account that owns the resource.
        let resource_account = resource_account
            .map(str::to_string)
            .or_else(|| arn_account(resource).filter(|a| *a != "aws" && !a.contains(['*', '?'])).map(str::to_string));
        let role_arn = principal::role_arn(principal);
        if matches!(
            kind,
            PrincipalKind::Root | PrincipalKind::User | PrincipalKind::Role | PrincipalKind::FederatedUser
        ) || (kind == PrincipalKind::Other && principal.starts_with("arn:"))
        {
            context.set_if_absent("aws:PrincipalArn", role_arn.clone().unwrap_or_else(|| principal.to_string()));
        }
        if let Some(account) = &principal_account {
            context.set_if_absent("aws:PrincipalAccount", account.clone());
        }
        if let Some(account) = &resource_account {
            context.set_if_absent("aws:ResourceAccount", account.clone());
        }
        if let Some(user) = iam_user_name(principal) {
            context.set_if_absent("aws:username", user);
        }
        if let Some(id) = user_id(kind, principal, principal_account.as_deref(), principal_id) {
            context.set_if_absent("aws:userid", id);
        }
        if let Some(kind) = principal_type(kind) {
            context.set_if_absent("aws:PrincipalType", kind);
        }
        if !matches!(kind, PrincipalKind::Unnamed | PrincipalKind::Anonymous) {
            let service = kind == PrincipalKind::Service;
            context.set_if_absent("aws:PrincipalIsAWSService", if service { "true" } else { "false" });
            if service {
                context.set_if_absent("aws:PrincipalServiceName", principal);
            }
        }
        let identities = principal::identities(kind, principal, principal_account.as_deref(), role_arn.as_deref());
        let (fixed_rule, needs) = match &pattern {
            Some(p) => (None, p.needs),
            None => (
                rules::fixed_rule(&action_lower, resource, principal),
                rules::resource_policy_kind(&action_lower, resource),
            ),
        };
        let service_linked = rules::is_service_linked_role(principal);
        Request {
            action: action.to_string(),
            action_lower,
            service,
            resource: resource.to_string(),
            resource_parts: ArnParts::of(resource),
            resource_account,
            principal: principal.to_string(),
            principal_kind: kind,
            principal_account,
            role_arn,
            identities,
            pattern,
            fixed_rule,
            needs,
            service_linked,
            context,
        }
    }

    /// Whether the principal and the resource belong to the same account (unknown counts as
    /// the same: a resource without an account in its ARN and none given, such as a bucket).
    pub fn same_account(&self) -> bool {
        match (&self.principal_account, &self.resource_account) {
            (Some(p), Some(r)) => p == r,
            _ => true,
        }
    }
}

/// `aws:PrincipalType` as AWS sets it: Account (the root), User, FederatedUser, AssumedRole
/// (role sessions, and sessions from SAML or OIDC federation), Anonymous; none for a service.
fn principal_type(kind: PrincipalKind) -> Option<&'static str> {
    match kind {
        PrincipalKind::Anonymous => Some("Anonymous"),
        PrincipalKind::Root => Some("Account"),
        PrincipalKind::User => Some("User"),
        PrincipalKind::Role => Some("AssumedRole"),
        PrincipalKind::FederatedUser => Some("FederatedUser"),
        _ => None,
    }
}

/// `aws:userid` as the IAM User Guide's table ("IAM policy elements: Variables and tags",
/// "Information available in requests") gives it: the account id for the root user, the user's
/// unique id for an IAM user, `ROLE-ID:SESSION` for a role session, `ACCOUNT:NAME` for a
/// federated user. The unique ids (AIDA..., AROA...) are AWS's to assign: they come from the
/// case's `principalId`; without it a user's or a session's `aws:userid` is absent (a policy
/// that tests it then sees a missing key) rather than a guess.
fn user_id(kind: PrincipalKind, principal: &str, account: Option<&str>, principal_id: Option<&str>) -> Option<String> {
    let last = || principal.rsplit('/').next().unwrap_or_default();
    match kind {
        PrincipalKind::Root => account.map(str::to_string),
        PrincipalKind::FederatedUser => account.map(|a| format!("{a}:{}", last())),
        PrincipalKind::User => principal_id.map(str::to_string),
        PrincipalKind::Role if principal.contains(":assumed-role/") => match principal_id {
            // Given whole (`AROA...:session`), or the role's id alone.
            Some(id) if id.contains(':') => Some(id.to_string()),
            Some(id) => Some(format!("{id}:{}", last())),
            None => None,
        },
        _ => principal_id.map(str::to_string),
    }
}

fn iam_user_name(principal: &str) -> Option<String> {
    let (_, path) = principal.split_once(":user/")?;
    principal.contains(":iam:").then(|| path.rsplit('/').next().unwrap_or(path).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_principal_type_and_service_keys_are_derived() {
        let key = |principal: &str, key: &str| {
            Request::new("s3:GetObject", "*", None, principal, None, Context::new())
                .context
                .get_lower(&key.to_lowercase())
                .map(|v| v.join(","))
        };
        let t = |p: &str| key(p, "aws:PrincipalType");
        assert_eq!(t("arn:aws:iam::123456789012:root").as_deref(), Some("Account"));
        assert_eq!(t("arn:aws:iam::123456789012:user/alice").as_deref(), Some("User"));
        assert_eq!(t("arn:aws:sts::123456789012:assumed-role/DataScientist/alice").as_deref(), Some("AssumedRole"));
        assert_eq!(t("arn:aws:sts::123456789012:federated-user/bob").as_deref(), Some("FederatedUser"));
        assert_eq!(t("*").as_deref(), Some("Anonymous"));
        assert_eq!(t("sagemaker.amazonaws.com"), None);
        assert_eq!(key("sagemaker.amazonaws.com", "aws:PrincipalIsAWSService").as_deref(), Some("true"));
        assert_eq!(
            key("sagemaker.amazonaws.com", "aws:PrincipalServiceName").as_deref(),
            Some("sagemaker.amazonaws.com")
        );
        assert_eq!(key("arn:aws:iam::123456789012:user/alice", "aws:PrincipalIsAWSService").as_deref(), Some("false"));
        assert_eq!(key("*", "aws:PrincipalIsAWSService"), None, "an anonymous request has no principal keys");
        assert_eq!(key("", "aws:PrincipalType"), None, "an unnamed caller: nothing is derived");
    }

    #[test]
    fn keys_aws_always_sets_are_derived() {
        let r = Request::new(
            "sagemaker:CreateTrainingJob",
            "arn:aws:sagemaker:us-east-1:123456789012:training-job/t1",
            None,
            "arn:aws:sts::123456789012:assumed-role/DataScientist/alice",
            None,
            Context::new(),
        );
        assert_eq!(
            r.context.get_lower("aws:principalarn").unwrap(),
            ["arn:aws:iam::123456789012:role/DataScientist".to_string()]
        );
        assert_eq!(r.context.get_lower("aws:resourceaccount").unwrap(), ["123456789012".to_string()]);
        assert_eq!(r.role_arn.as_deref(), Some("arn:aws:iam::123456789012:role/DataScientist"));
        assert!(r.same_account());
        let u = Request::new(
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Some("210987654321"),
            "arn:aws:iam::123456789012:user/eng/bob",
            None,
            Context::new(),
        );
        assert_eq!(u.context.get_lower("aws:username").unwrap(), ["bob".to_string()]);
        assert!(!u.same_account());
    }

    #[test]
    fn a_given_key_is_not_overridden() {
        let mut c = Context::new();
        c.set("AWS:PrincipalAccount", "999999999999");
        let r = Request::new("s3:GetObject", "arn:aws:s3:::b", None, "arn:aws:iam::123456789012:user/bob", None, c);
        assert_eq!(r.context.get_lower("aws:principalaccount").unwrap(), ["999999999999".to_string()]);
    }
}
