//! Who makes a request, as IAM sees it: the kind of principal decides which policies apply to it
//! (IAM User Guide, "Policy evaluation logic"), and the identities it carries decide which
//! `Principal` and `NotPrincipal` entries name it ("AWS JSON policy elements: Principal").

/// The kind of principal making a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The case names no principal: identity policies apply, no principal keys are derived, and
    /// only `"*"` names it.
    Unnamed,
    /// An unsigned request (`*` or `anonymous`): only resource-based policies can grant it.
    Anonymous,
    /// The account root user (`arn:aws:iam::ACCOUNT:root`): full access in its own account.
    Root,
    /// An IAM user (`arn:aws:iam::ACCOUNT:user/NAME`).
    User,
    /// A role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`), or a role named by its
    /// ARN, which stands for one of its sessions.
    Role,
    /// A federated user (`arn:aws:sts::ACCOUNT:federated-user/NAME`, from GetFederationToken).
    FederatedUser,
    /// An AWS service acting as itself (`sagemaker.amazonaws.com`).
    Service,
    /// A SAML or OIDC identity provider calling AssumeRoleWithSAML or AssumeRoleWithWebIdentity
    /// (`arn:aws:iam::ACCOUNT:saml-provider/NAME`, `accounts.google.com`, ...): named by the
    /// `Federated` key of a trust policy.
    IdentityProvider,
    /// An S3 canonical user id (64 hexadecimal digits): named by the `CanonicalUser` key.
    CanonicalUser,
    /// Any other text: evaluated as an IAM identity whose identity policies apply.
    Other,
}

impl PrincipalKind {
    /// Whether identity-based policies, permission boundaries and session policies can apply:
    /// only to IAM identities (the root user cannot have policies attached; its access in its
    /// own account is implicit).
    pub fn has_identity_policies(self) -> bool {
        matches!(self, Self::Unnamed | Self::User | Self::Role | Self::FederatedUser | Self::Other)
    }

    /// Whether SCPs can apply: they limit the IAM users and roles of member accounts, root
    /// included, never service principals or unsigned callers (Organizations User Guide,
    /// "Service control policies": "SCPs affect only IAM users and roles").
    pub fn scps_can_apply(self) -> bool {
        matches!(self, Self::Unnamed | Self::Root | Self::User | Self::Role | Self::FederatedUser | Self::Other)
    }

    /// A principal with no account of its own, granted only by a resource-based policy.
    pub fn only_resource_policies_grant(self) -> bool {
        matches!(self, Self::Anonymous | Self::Service | Self::IdentityProvider | Self::CanonicalUser)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Unnamed => "an unnamed caller",
            Self::Anonymous => "an anonymous (unsigned) request",
            Self::Root => "the account root user",
            Self::User => "an IAM user",
            Self::Role => "a role session",
            Self::FederatedUser => "a federated user",
            Self::Service => "an AWS service principal",
            Self::IdentityProvider => "a federated identity provider",
            Self::CanonicalUser => "an S3 canonical user",
            Self::Other => "a principal",
        }
    }
}

/// STS calls made with a SAML assertion or an OIDC token instead of AWS credentials.
const FEDERATION_CALLS: [&str; 2] = ["sts:assumerolewithsaml", "sts:assumerolewithwebidentity"];

/// What kind of principal `principal` is, for an action (lower-cased): a `.amazonaws.com` name
/// calling AssumeRoleWithWebIdentity is an identity provider (Cognito), otherwise a service.
pub fn classify(principal: &str, action_lower: &str) -> PrincipalKind {
    if principal.is_empty() {
        return PrincipalKind::Unnamed;
    }
    if principal == "*" || principal.eq_ignore_ascii_case("anonymous") {
        return PrincipalKind::Anonymous;
    }
    let federation = FEDERATION_CALLS.contains(&action_lower);
    let Some(rest) = principal.strip_prefix("arn:") else {
        if federation {
            return PrincipalKind::IdentityProvider;
        }
        if principal.ends_with(".amazonaws.com") || principal.ends_with(".amazonaws.com.cn") {
            return PrincipalKind::Service;
        }
        if principal.len() == 64 && principal.bytes().all(|b| b.is_ascii_hexdigit()) {
            return PrincipalKind::CanonicalUser;
        }
        return PrincipalKind::Other;
    };
    let mut parts = rest.splitn(5, ':');
    let (service, resource) = (parts.nth(1).unwrap_or_default(), parts.nth(2).unwrap_or_default());
    match (service, resource.split('/').next().unwrap_or_default()) {
        ("iam", "root") => PrincipalKind::Root,
        ("iam", "user") => PrincipalKind::User,
        ("iam", "role") | ("sts", "assumed-role") => PrincipalKind::Role,
        ("sts", "federated-user") => PrincipalKind::FederatedUser,
        ("iam", "saml-provider" | "oidc-provider") => PrincipalKind::IdentityProvider,
        _ => PrincipalKind::Other,
    }
}

/// How a resource-based policy names the principal of a request. Ordered: a statement that
/// names it in several ways counts as the most direct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Named {
    /// The account (its root ARN or id): the grant is delegated to the account's own identity
    /// policies.
    Account,
    /// The role of a role session: limited by boundaries and session policies (IAM User Guide,
    /// "Policy evaluation logic": "Resource-based policies that grant permissions to an IAM role
    /// ARN are limited by an implicit deny in a permissions boundary or session policy").
    Broadly,
    /// Everyone (`*`, or NotPrincipal in an Allow): within one account not limited by
    /// boundaries or session policies ("IAM role principals": they "do not limit permissions
    /// granted using the aws:PrincipalArn condition key with a wildcard(*) in the Principal
    /// element").
    Everyone,
    /// The exact user, role session, federated user, service or provider: not limited by their
    /// identity policies' implicit denies.
    Exactly,
}

/// One identity a request carries. A role session is at once the session, its role and its
/// account; `NotPrincipal` must exclude every one of them ("AWS JSON policy elements:
/// NotPrincipal").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The Principal key that names it: `AWS`, `Service`, `Federated` or `CanonicalUser`.
    pub key: &'static str,
    /// The ARN, account id, service or provider name.
    pub id: String,
    /// How a statement naming this identity names the request.
    pub named: Named,
}

/// The identities of a principal, most direct first. The account identity is its id; it is
/// named by the id or by `arn:PARTITION:iam::ACCOUNT:root`.
pub fn identities(kind: PrincipalKind, principal: &str, account: Option<&str>, role: Option<&str>) -> Vec<Identity> {
    let aws = |id: &str, named| Identity { key: "AWS", id: id.to_string(), named };
    let mut out = Vec::with_capacity(3);
    match kind {
        PrincipalKind::Unnamed | PrincipalKind::Anonymous => {}
        PrincipalKind::Root => {
            // Naming the account names its root user directly.
            if let Some(account) = account {
                out.push(aws(account, Named::Exactly));
            }
        }
        PrincipalKind::User | PrincipalKind::FederatedUser | PrincipalKind::Role | PrincipalKind::Other => {
            match role {
                Some(role) if role == principal => out.push(aws(role, Named::Broadly)),
                Some(role) => {
                    out.push(aws(principal, Named::Exactly));
                    out.push(aws(role, Named::Broadly));
                }
                None => out.push(aws(principal, Named::Exactly)),
            }
            if let Some(account) = account {
                out.push(aws(account, Named::Account));
            }
        }
        PrincipalKind::Service => out.push(Identity { key: "Service", id: principal.into(), named: Named::Exactly }),
        PrincipalKind::IdentityProvider => {
            out.push(Identity { key: "Federated", id: principal.into(), named: Named::Exactly })
        }
        PrincipalKind::CanonicalUser => {
            out.push(Identity { key: "CanonicalUser", id: principal.into(), named: Named::Exactly })
        }
    }
    out
}

/// Whether a Principal entry (`key`, `id`) names an identity. Principal ARNs take no wildcards;
/// `*` alone is everyone (see [`names_everyone`]).
pub fn names(key: &str, id: &str, identity: &Identity) -> bool {
    if key != identity.key {
        return false;
    }
    if identity.key == "AWS" && identity.named == Named::Exactly && !identity.id.starts_with("arn:") {
        // The root user's identity is its account id.
        return names_account(id, &identity.id);
    }
    if identity.key == "AWS" && identity.named == Named::Account {
        return names_account(id, &identity.id);
    }
    id == identity.id
}

/// `"Principal": "*"` and `{"AWS": "*"}` name everyone, anonymous callers and services included
/// ("AWS JSON policy elements: Principal", "All principals").
pub fn names_everyone(key: &str, id: &str) -> bool {
    key == "AWS" && id == "*"
}

/// The account id, or `arn:PARTITION:iam::ACCOUNT:root`.
fn names_account(id: &str, account: &str) -> bool {
    id == account
        || id.strip_prefix("arn:").is_some_and(|rest| {
            let mut parts = rest.splitn(5, ':');
            parts.nth(1) == Some("iam") && parts.nth(1) == Some(account) && parts.next() == Some("root")
        })
}

/// For a role session, its role's ARN; for a role, itself.
pub fn role_arn(principal: &str) -> Option<String> {
    if let Some((prefix, rest)) = principal.split_once(":assumed-role/") {
        let role = rest.split('/').next()?;
        return Some(format!("{}:role/{role}", prefix.replacen(":sts:", ":iam:", 1)));
    }
    (principal.starts_with("arn:") && principal.contains(":iam:") && principal.contains(":role/"))
        .then(|| principal.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_principal_is_recognised() {
        let k = |p: &str| classify(p, "s3:getobject");
        assert_eq!(k(""), PrincipalKind::Unnamed);
        assert_eq!(k("*"), PrincipalKind::Anonymous);
        assert_eq!(k("arn:aws:iam::123456789012:root"), PrincipalKind::Root);
        assert_eq!(k("arn:aws:iam::123456789012:user/eng/bob"), PrincipalKind::User);
        assert_eq!(k("arn:aws:sts::123456789012:assumed-role/DataScientist/alice"), PrincipalKind::Role);
        assert_eq!(k("arn:aws:iam::123456789012:role/DataScientist"), PrincipalKind::Role);
        assert_eq!(k("arn:aws:sts::123456789012:federated-user/carol"), PrincipalKind::FederatedUser);
        assert_eq!(k("sagemaker.amazonaws.com"), PrincipalKind::Service);
        assert_eq!(
            classify("cognito-identity.amazonaws.com", "sts:assumerolewithwebidentity"),
            PrincipalKind::IdentityProvider
        );
        assert_eq!(k("arn:aws:iam::123456789012:saml-provider/Okta"), PrincipalKind::IdentityProvider);
        assert_eq!(k(&"a".repeat(64)), PrincipalKind::CanonicalUser);
    }

    #[test]
    fn a_role_session_is_the_session_its_role_and_its_account() {
        let session = "arn:aws:sts::123456789012:assumed-role/DataScientist/alice";
        let role = role_arn(session).unwrap();
        assert_eq!(role, "arn:aws:iam::123456789012:role/DataScientist");
        let ids = identities(PrincipalKind::Role, session, Some("123456789012"), Some(&role));
        let named: Vec<_> = ids.iter().map(|i| (i.id.as_str(), i.named)).collect();
        assert_eq!(
            named,
            [(session, Named::Exactly), (role.as_str(), Named::Broadly), ("123456789012", Named::Account)]
        );
        assert!(names("AWS", "arn:aws:iam::123456789012:root", &ids[2]));
        assert!(names("AWS", "123456789012", &ids[2]));
        assert!(!names("AWS", "arn:aws:iam::123456789012:user/root", &ids[2]));
        assert!(!names("Service", session, &ids[0]), "the key must be the identity's");
    }
}
