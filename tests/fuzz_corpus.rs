//! Replays the fuzzer's corpus through the parser, lint and evaluation: inputs that once found
//! new paths must keep being refused or accepted without a panic.

use vigil::policy::case::{Embedded, parse_case};
use vigil::policy::lint::lint_text;
use vigil::policy::{Policy, lint};

#[test]
fn the_corpus_never_panics() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/parse_policy");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("the corpus is committed") {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        seen += 1;
        // Lint goes on past mistakes, so it sees more than the parser's accepted policies.
        let _ = lint_text(text, "corpus");
        if let Ok(policy) = Policy::parse_str(text, "corpus") {
            let _ = lint(&policy);
            let _ = policy.display();
            let case = serde_json::json!({
                "request": {"action": "sagemaker:CreateTrainingJob", "resource": "arn:aws:sagemaker:us-east-1:123456789012:training-job/t",
                            "principal": "arn:aws:sts::123456789012:assumed-role/R/s", "context": {"sagemaker:VpcSubnets": ["s"]}},
                "identityPolicies": [policy.document.clone()],
                "resourcePolicy": policy.document.clone(),
            });
            if let Ok(case) = parse_case(&case, "corpus", &Embedded(&[]), &[]) {
                let _ = case.explain();
            }
        }
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text)
            && let Ok(case) = parse_case(&value, "corpus", &Embedded(&[]), &[])
        {
            let _ = case.explain();
        }
    }
    assert!(seen >= 5, "the corpus holds at least the seed policies");
}
