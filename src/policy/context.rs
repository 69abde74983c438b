//! The request being evaluated and its context keys.

use std::borrow::Cow;

use super::pattern::Variables;

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
    fn set_if_absent(&mut self, key: &str, value: impl Into<String>) {
        if !self.contains(key) {
            self.set(key, value);
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
    pub resource: String,
    /// The account that owns the resource, where known.
    pub resource_account: Option<String>,
    pub principal: String,
    pub principal_account: Option<String>,
    pub context: Context,
}

impl Request {
    /// Builds a request, deriving the keys AWS always sets when the context does not give them:
    /// `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:ResourceAccount`, and `aws:username`
    /// for IAM users.
    pub fn new(
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        principal: &str,
        mut context: Context,
    ) -> Request {
        let action_lower = action.to_lowercase();
        let service = action_lower.split(':').next().unwrap_or_default().to_string();
        let principal_account = arn_account(principal).map(str::to_string);
        let resource_account =
            resource_account.map(str::to_string).or_else(|| arn_account(resource).map(str::to_string));
        if principal.starts_with("arn:") {
            context.set_if_absent("aws:PrincipalArn", principal_arn(principal));
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
        Request {
            action: action.to_string(),
            action_lower,
            service,
            resource: resource.to_string(),
            resource_account,
            principal: principal.to_string(),
            principal_account,
            context,
        }
    }

    /// For a role session, the role's ARN; `None` for other principals.
    pub fn role_arn(&self) -> Option<String> {
        let (prefix, rest) = self.principal.split_once(":assumed-role/")?;
        let role = rest.split('/').next()?;
        Some(format!("{}:role/{role}", prefix.replacen(":sts:", ":iam:", 1)))
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

/// The account segment of an ARN, when it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// `aws:PrincipalArn` of a principal: a role session is known by its role.
fn principal_arn(principal: &str) -> String {
    match principal.split_once(":assumed-role/") {
        Some((prefix, rest)) => {
            let role = rest.split('/').next().unwrap_or(rest);
            format!("{}:role/{role}", prefix.replacen(":sts:", ":iam:", 1))
        }
        None => principal.to_string(),
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
    fn keys_aws_always_sets_are_derived() {
        let r = Request::new(
            "sagemaker:CreateTrainingJob",
            "arn:aws:sagemaker:us-east-1:123456789012:training-job/t1",
            None,
            "arn:aws:sts::123456789012:assumed-role/DataScientist/alice",
            Context::new(),
        );
        assert_eq!(
            r.context.get_lower("aws:principalarn").unwrap(),
            ["arn:aws:iam::123456789012:role/DataScientist".to_string()]
        );
        assert_eq!(r.context.get_lower("aws:resourceaccount").unwrap(), ["123456789012".to_string()]);
        assert_eq!(r.role_arn().as_deref(), Some("arn:aws:iam::123456789012:role/DataScientist"));
        assert!(r.same_account());
        let u = Request::new(
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Some("210987654321"),
            "arn:aws:iam::123456789012:user/eng/bob",
            Context::new(),
        );
        assert_eq!(u.context.get_lower("aws:username").unwrap(), ["bob".to_string()]);
        assert!(!u.same_account());
    }

    #[test]
    fn a_given_key_is_not_overridden() {
        let mut c = Context::new();
        c.set("AWS:PrincipalAccount", "999999999999");
        let r = Request::new("s3:GetObject", "arn:aws:s3:::b", None, "arn:aws:iam::123456789012:user/bob", c);
        assert_eq!(r.context.get_lower("aws:principalaccount").unwrap(), ["999999999999".to_string()]);
    }
}
