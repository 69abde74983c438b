//! The policy parser and lint on arbitrary input: they may refuse it, never panic. Whatever
//! parses is also evaluated and explained against a fixed request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vigil::policy::case::{Embedded, parse_case};
use vigil::policy::lint::lint_text;
use vigil::policy::{Policy, lint};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Lint goes on past mistakes, so it sees more than the parser's accepted policies.
    let _ = lint_text(text, "fuzz");
    if let Ok(policy) = Policy::parse_str(text, "fuzz") {
        let _ = lint(&policy);
        let _ = policy.display();
        let case = serde_json::json!({
            "request": {
                "action": "sagemaker:CreateTrainingJob",
                "resource": {"resource": "arn:aws:sagemaker:us-east-1:123456789012:training-job/t", "accountId": "123456789012"},
                "principal": "arn:aws:sts::123456789012:assumed-role/R/s",
                "context": {"sagemaker:VpcSubnets": ["subnet-1"], "aws:username": "u", "aws:CurrentTime": "2026-11-26T12:00:00Z"}
            },
            "identityPolicies": [policy.document.clone()],
            "resourcePolicy": policy.document.clone(),
        });
        if let Ok(case) = parse_case(&case, "fuzz", &Embedded(&[]), &[]) {
            let _ = case.decide();
            let _ = case.explain();
        }
    }
    // Whole cases, too.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(case) = parse_case(&value, "fuzz", &Embedded(&[]), &[]) {
            let _ = case.explain();
        }
    }
});
