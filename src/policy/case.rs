//! The CASE.json shape: a request and the policies that apply to it, each policy inline or a
//! path to a file.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::context::{Context, Request};
use super::document::{Policy, strings};
use super::evaluate::{Case, OrgLevel, Organization, ResourcePolicyKind};
use crate::located::FileError;

/// Where policy paths are read from.
pub trait Files {
    fn read(&self, path: &str) -> Result<(String, String), String>;
}

/// Paths relative to a directory.
pub struct Dir(pub PathBuf);

impl Files for Dir {
    fn read(&self, path: &str) -> Result<(String, String), String> {
        let full = self.0.join(path);
        let shown = full.display().to_string();
        std::fs::read_to_string(&full).map(|t| (t, shown.clone())).map_err(|e| format!("cannot read {shown}: {e}"))
    }
}

/// Files built into the binary.
pub struct Embedded(pub &'static [(&'static str, &'static str)]);

impl Files for Embedded {
    fn read(&self, path: &str) -> Result<(String, String), String> {
        let path = path.trim_start_matches("./");
        self.0
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(name, text)| (text.to_string(), format!("<built-in {name}>")))
            .ok_or_else(|| format!("no built-in policy file {path}"))
    }
}

/// Reads a case or tests file, with its name for messages.
pub fn read(path: &Path) -> Result<(String, String), FileError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| FileError::whole(&origin, format!("cannot read: {e}")))?;
    Ok((text, origin))
}

const FIELDS: [&str; 9] = [
    "request",
    "identityPolicies",
    "resourcePolicy",
    "permissionBoundaries",
    "sessionPolicy",
    "endpointPolicies",
    "serviceControlPolicies",
    "resourceControlPolicies",
    "organization",
];

/// Parses a case. `extra` names fields the caller handles (a test's `name`, `expect`, ...).
pub fn parse_case(value: &Value, origin: &str, files: &dyn Files, extra: &[&str]) -> Result<Case, FileError> {
    let err = |field: &str, message: String| FileError::in_field(origin, field, message);
    let Value::Object(map) = value else {
        return Err(err("", "a case is a JSON object with a `request`".into()));
    };
    if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str()) && !extra.contains(&k.as_str())) {
        return Err(err(unknown, format!("unknown field, expected one of {}", FIELDS.join(", "))));
    }
    let request = parse_request(map.get("request").ok_or_else(|| err("request", "missing".into()))?)
        .map_err(|(field, message)| err(&format!("request.{field}"), message))?;
    let policy = |field: &str, v: &Value| -> Result<Policy, FileError> {
        match v {
            Value::String(path) => {
                let (text, shown) = files.read(path).map_err(|m| err(field, m))?;
                Policy::parse_str(&text, &shown).map_err(|e| err(field, e.to_string()))
            }
            Value::Object(_) => {
                Policy::from_value(v.clone(), &format!("{origin} {field}")).map_err(|e| err(field, e.to_string()))
            }
            _ => Err(err(field, "a policy is a JSON object or a path to a policy file".into())),
        }
    };
    let list = |field: &str| -> Result<Vec<Policy>, FileError> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                items.iter().enumerate().map(|(i, v)| policy(&format!("{field}[{i}]"), v)).collect()
            }
            Some(_) => Err(err(field, "must be an array of policies".into())),
        }
    };
    let single = |field: &str| -> Result<Option<Policy>, FileError> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => policy(field, v).map(Some),
        }
    };
    let levels = |field: &str| -> Result<Vec<OrgLevel>, FileError> {
        let items = match map.get(field) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(err(field, "must be an array of {orgIdentifier, policies}, root first".into()));
            }
        };
        items
            .iter()
            .enumerate()
            .map(|(l, level)| {
                let at = format!("{field}[{l}]");
                let Value::Object(level) = level else {
                    return Err(err(&at, "must be an object {orgIdentifier, policies}".into()));
                };
                let id = match level.get("orgIdentifier") {
                    Some(Value::String(s)) => s.clone(),
                    _ => {
                        return Err(err(
                            &format!("{at}.orgIdentifier"),
                            "must be a string (r-..., ou-..., or an account id)".into(),
                        ));
                    }
                };
                let policies = match level.get("policies") {
                    Some(Value::Array(ps)) => ps
                        .iter()
                        .enumerate()
                        .map(|(p, v)| policy(&format!("{at}.policies[{p}]"), v))
                        .collect::<Result<Vec<_>, _>>()?,
                    _ => return Err(err(&format!("{at}.policies"), "must be an array of policies".into())),
                };
                Ok(OrgLevel { id, policies })
            })
            .collect()
    };
    let organization = match map.get("organization") {
        None | Some(Value::Null) => None,
        Some(v) => {
            Some(parse_organization(v).map_err(|(field, message)| err(&format!("organization{field}"), message))?)
        }
    };
    let mut case = Case {
        request,
        identity: list("identityPolicies")?,
        resource: single("resourcePolicy")?,
        boundaries: list("permissionBoundaries")?,
        session: single("sessionPolicy")?,
        endpoints: list("endpointPolicies")?,
        scps: levels("serviceControlPolicies")?,
        rcps: levels("resourceControlPolicies")?,
        organization,
    };
    check_placement(&case).map_err(|(field, message)| err(&field, message))?;
    derive_organization_keys(&mut case);
    Ok(case)
}

/// Statements in the wrong kind of policy: AWS refuses a Principal in identity-based policies,
/// boundaries, session policies and SCPs, and a statement without Resource anywhere but in a
/// role's trust policy.
fn check_placement(case: &Case) -> Result<(), FieldError> {
    let identity_side = case
        .identity
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("identityPolicies[{i}]"), p))
        .chain(case.boundaries.iter().enumerate().map(|(i, p)| (format!("permissionBoundaries[{i}]"), p)))
        .chain(case.session.iter().map(|p| ("sessionPolicy".to_string(), p)))
        .chain(case.scps.iter().enumerate().flat_map(|(l, level)| {
            level
                .policies
                .iter()
                .enumerate()
                .map(move |(i, p)| (format!("serviceControlPolicies[{l}].policies[{i}]"), p))
        }));
    for (field, policy) in identity_side {
        if let Some(s) = policy.statements.iter().find(|s| s.principal.is_some()) {
            return Err((
                field,
                format!(
                    "{}: Principal: not allowed here (only resource-based policies name principals; an identity policy's principal is the identity it is attached to)",
                    s.label()
                ),
            ));
        }
    }
    let resource_side = case.endpoints.iter().enumerate().map(|(i, p)| (format!("endpointPolicies[{i}]"), p)).chain(
        case.rcps.iter().enumerate().flat_map(|(l, level)| {
            level
                .policies
                .iter()
                .enumerate()
                .map(move |(i, p)| (format!("resourceControlPolicies[{l}].policies[{i}]"), p))
        }),
    );
    for (field, policy) in resource_side {
        if let Some(s) = policy.statements.iter().find(|s| s.resources.is_none()) {
            return Err((
                field,
                format!("{}: Resource: missing (only a role's trust policy leaves it out)", s.label()),
            ));
        }
    }
    // A resource policy without Resource is the trust policy of the role in the request.
    if let Some(policy) = &case.resource
        && let Some(s) = policy.statements.iter().find(|s| s.resources.is_none())
        && !is_role_arn(&case.request.resource)
        && !(case.request.pattern.is_some() && case.request.needs == ResourcePolicyKind::RoleTrust)
    {
        return Err((
            "resourcePolicy".into(),
            format!(
                "{}: Resource: missing, which makes this a role's trust policy, but the request's resource `{}` is not a role (arn:aws:iam::ACCOUNT:role/NAME)",
                s.label(),
                case.request.resource
            ),
        ));
    }
    Ok(())
}

fn is_role_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:").is_some_and(|rest| {
        let mut parts = rest.splitn(5, ':');
        parts.nth(1) == Some("iam") && parts.nth(2).is_some_and(|r| r.starts_with("role/"))
    })
}

/// `organization: {"id": "o-...", "managementAccount": "...", "accounts": [...]}`.
fn parse_organization(value: &Value) -> Result<Organization, FieldError> {
    let Value::Object(map) = value else {
        return Err((String::new(), "must be an object {id, managementAccount, accounts}".into()));
    };
    if let Some(unknown) = map.keys().find(|k| !["id", "managementAccount", "accounts"].contains(&k.as_str())) {
        return Err((format!(".{unknown}"), "unknown field, expected id, managementAccount, accounts".into()));
    }
    let id = match map.get("id") {
        Some(Value::String(s)) if s.starts_with("o-") => s.clone(),
        _ => return Err((".id".into(), "must be the organisation's id, such as o-a1b2c3d4e5".into())),
    };
    let account = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let management_account = match map.get("managementAccount") {
        None | Some(Value::Null) => None,
        Some(v) => Some(account(v).ok_or((".managementAccount".to_string(), "must be an account id".to_string()))?),
    };
    let accounts = match map.get("accounts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| account(v).ok_or((".accounts".to_string(), "must be a list of account ids".to_string())))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err((".accounts".into(), "must be a list of account ids".into())),
    };
    Ok(Organization { id, management_account, accounts })
}

/// `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` for a principal of a member account,
/// `aws:ResourceOrgID` and `aws:ResourceOrgPaths` for a resource of one, unless the context
/// gives them. The paths are the organisation id and the root and OU levels of the case's SCPs
/// (for the principal) and RCPs (for the resource), as `o-id/r-root/ou-id/`.
fn derive_organization_keys(case: &mut Case) {
    let Some(org) = &case.organization else { return };
    let path = |levels: &[OrgLevel]| {
        let mut path = format!("{}/", org.id);
        for level in levels.iter().filter(|l| l.id.starts_with("r-") || l.id.starts_with("ou-")) {
            path.push_str(&level.id);
            path.push('/');
        }
        path
    };
    let (principal_path, resource_path) = (path(&case.scps), path(&case.rcps));
    let request = &mut case.request;
    if let Some(account) = request.principal_account.clone()
        && org.has(&account)
    {
        request.context.set_if_absent("aws:PrincipalOrgID", org.id.clone());
        if !case.scps.is_empty() {
            request.context.set_list_if_absent("aws:PrincipalOrgPaths", vec![principal_path]);
        }
    }
    if let Some(account) = request.resource_account.clone()
        && org.has(&account)
    {
        request.context.set_if_absent("aws:ResourceOrgID", org.id.clone());
        if !case.rcps.is_empty() {
            request.context.set_list_if_absent("aws:ResourceOrgPaths", vec![resource_path]);
        }
    }
}

type FieldError = (String, String);

fn parse_request(value: &Value) -> Result<Request, FieldError> {
    let Value::Object(map) = value else {
        return Err((String::new(), "must be an object {action, resource, principal, context}".into()));
    };
    for key in map.keys() {
        if !["action", "resource", "principal", "principalId", "context", "time"].contains(&key.as_str()) {
            return Err((
                key.clone(),
                "unknown field, expected action, resource, principal, principalId, context, time".into(),
            ));
        }
    }
    let text = |field: &str| match map.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err((field.to_string(), "must be a non-empty string".into())),
        None => Err((field.to_string(), "missing".into())),
    };
    let action = text("action")?;
    if !action.contains(':') {
        return Err(("action".into(), format!("`{action}` is not SERVICE:ACTION")));
    }
    let (resource, account) = match map.get("resource") {
        Some(Value::String(arn)) => (arn.clone(), None),
        Some(Value::Object(r)) => {
            let arn = match r.get("resource") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err(("resource.resource".into(), "must be the resource's ARN".into())),
            };
            let account = match r.get("accountId") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(_) => return Err(("resource.accountId".into(), "must be a string".into())),
            };
            (arn, account)
        }
        Some(_) => {
            return Err(("resource".into(), "must be {\"resource\": ARN, \"accountId\": ...} or an ARN".into()));
        }
        None => (String::new(), None),
    };
    let resource = map.contains_key("resource").then_some(resource);
    // Without a principal the request is an unnamed caller's: no principal keys are derived,
    // and resource policies that name principals do not match it.
    let principal = match map.get("principal") {
        None | Some(Value::Null) => String::new(),
        Some(_) => text("principal")?,
    };
    // The unique id AWS gave the user or the session's role (AIDA..., AROA...), for aws:userid.
    let principal_id = match map.get("principalId") {
        None | Some(Value::Null) => None,
        Some(_) => Some(text("principalId")?),
    };
    let mut context = match map.get("context") {
        None | Some(Value::Null) => Context::new(),
        Some(Value::Object(keys)) => context(keys)?,
        Some(_) => return Err(("context".into(), "must be an object of keys".into())),
    };
    // The request's time, as AWS sets aws:CurrentTime and aws:EpochTime: the case's, or now.
    let time = match map.get("time") {
        None | Some(Value::Null) => jiff::Timestamp::now(),
        Some(Value::String(t)) => t
            .parse::<jiff::Timestamp>()
            .map_err(|e| ("time".to_string(), format!("must be an ISO 8601 time such as 2026-11-29T12:00:00Z: {e}")))?,
        Some(_) => return Err(("time".into(), "must be an ISO 8601 time such as 2026-11-29T12:00:00Z".into())),
    };
    context.set_if_absent("aws:CurrentTime", time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    context.set_if_absent("aws:EpochTime", time.as_second().to_string());
    Ok(Request::build(&action, resource.as_deref(), account.as_deref(), &principal, principal_id.as_deref(), context))
}

fn context(keys: &Map<String, Value>) -> Result<Context, FieldError> {
    let mut c = Context::new();
    for (key, value) in keys {
        let values =
            strings(value).ok_or_else(|| (format!("context.{key}"), "must be a string or a list of strings".into()))?;
        match value {
            Value::Array(_) => c.set_list(key, values),
            _ => c.set(key, values.into_iter().next().unwrap_or_default()),
        }
    }
    Ok(c)
}

/// A case file on disk: policies named by path are read relative to it.
pub fn load_case(path: &Path) -> Result<Case, FileError> {
    let (text, origin) = read(path)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| FileError::from_json(&origin, &e))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_case(&value, &origin, &Dir(dir), &[])
}
