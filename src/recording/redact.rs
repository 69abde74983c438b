//! `--redact`: every account id is replaced by a made-up one, the same id always by the same
//! fake, so that a redacted recording still tells accounts apart. An account id is what stands
//! in an account field, in an ARN's account field or after `AWS::::Account:`; once known, it is
//! replaced wherever it appears, a finding's text included. Other runs of twelve digits (a
//! resource's number) are left alone.

use std::collections::HashMap;

use serde_json::Value;

/// Fields that hold an account id.
const ACCOUNT_FIELDS: [&str; 3] = ["account", "AwsAccountId", "accountId"];

/// Maps real account ids to fakes, in the order they are first seen.
#[derive(Debug, Default)]
pub struct Redactor {
    fakes: HashMap<String, String>,
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The account ids `text` holds in ARNs (`arn:partition:service:region:ACCOUNT:...`) and after
/// `AWS::::Account:`.
fn accounts_in(text: &str) -> impl Iterator<Item = &str> {
    let arns = text.match_indices("arn:").filter_map(|(i, _)| text[i..].split(':').nth(4));
    let accounts = text.match_indices("AWS::::Account:").filter_map(|(i, m)| text.get(i + m.len()..i + m.len() + 12));
    arns.chain(accounts).filter(|s| is_account_id(s))
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// The fake for `id`: `000000000001`, `000000000002`, ... in order of first sight.
    fn fake(&mut self, id: &str) -> String {
        let next = self.fakes.len() + 1;
        self.fakes.entry(id.to_string()).or_insert_with(|| format!("{next:012}")).clone()
    }

    /// Every string in `value` (keys too) with its account ids replaced.
    pub fn value(&mut self, value: &mut Value) {
        self.learn(value);
        self.replace(value);
    }

    /// Takes note of the account ids `value` holds.
    fn learn(&mut self, value: &Value) {
        match value {
            Value::String(s) => {
                for id in accounts_in(s) {
                    self.fake(id);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn(v)),
            Value::Object(map) => {
                for (k, v) in map {
                    if let Value::String(s) = v
                        && ACCOUNT_FIELDS.contains(&k.as_str())
                        && is_account_id(s)
                    {
                        self.fake(s);
                    }
                    self.learn(v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn replace(&mut self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Some(r) = self.text(s) {
                    *s = r;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.replace(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (k, mut v) in entries {
                    self.replace(&mut v);
                    let k = self.text(&k).unwrap_or(k);
                    map.insert(k, v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// `text` with the account ids known so far replaced; `None` when it has none.
    fn text(&self, text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if let Some(fake) = self.fakes.get(&text[start..i]) {
                let o = out.get_or_insert_with(String::new);
                o.push_str(&text[copied..start]);
                o.push_str(fake);
                copied = i;
            }
        }
        out.map(|mut o| {
            o.push_str(&text[copied..]);
            o
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_id_always_gets_the_same_fake() {
        let mut r = Redactor::new();
        let mut v = serde_json::json!({
            "id": "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb",
            "account": "210987654321",
            "title": "Account 123456789012 trusts 210987654321; AWS::::Account:333344445555",
            "resource": "sg-000000000099",
            "210987654321": [5, null, "1234567890123"],
            "n": 123456789012u64,
        });
        r.value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({
                "id": "arn:aws:sagemaker:us-east-1:000000000001:notebook-instance/nb",
                "account": "000000000002",
                "title": "Account 000000000001 trusts 000000000002; AWS::::Account:000000000003",
                "resource": "sg-000000000099",
                "000000000002": [5, null, "1234567890123"],
                "n": 123456789012u64,
            })
        );
        // Later values keep the same fakes.
        let mut w = serde_json::json!(["arn:aws:iam::210987654321:role/r", "123456789012"]);
        r.value(&mut w);
        assert_eq!(w, serde_json::json!(["arn:aws:iam::000000000002:role/r", "000000000001"]));
    }
}
