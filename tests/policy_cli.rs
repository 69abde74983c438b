//! `vigil policy test|simulate|lint` as a user runs them: output and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn vigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).args(args).env("HOME", scratch("home")).output().expect("vigil runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-policy-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

const CASE: &str = r#"{
  "request": {"action": "sagemaker:CreateTrainingJob",
              "resource": {"resource": "arn:aws:sagemaker:us-east-1:123456789012:training-job/t1", "accountId": "123456789012"},
              "principal": "arn:aws:sts::123456789012:assumed-role/DataScientist/alice",
              "context": {"sagemaker:InstanceTypes": ["ml.m5.xlarge"]}},
  "identityPolicies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}},
                       "guard.json"]
}"#;

/// A directory of its own per test: tests run in parallel, and a shared one let one test read
/// `guard.json` while another was copying it afresh.
fn case_dir(test: &str) -> PathBuf {
    let dir = scratch(test);
    std::fs::write(dir.join("case.json"), CASE).unwrap();
    std::fs::copy(repo("tests/data/seed-policies/deny-sagemaker-without-vpc.json"), dir.join("guard.json")).unwrap();
    dir
}

#[test]
fn the_default_guardrail_tests_pass() {
    let o = vigil(&["policy", "test"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("21 tests: 21 passed, 0 failed"), "{}", stdout(&o));
    let o = vigil(&["policy", "test", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["passed"], 21);
    assert_eq!(v["tests"][0]["explain"]["deciding"][0]["layer"], "identityPolicies[1]");
    // The same tests with the policies read from disk.
    let o = vigil(&["policy", "test", "--policies", &repo("guardrails")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_mismatch_exits_1_and_says_why() {
    let dir = scratch("mismatch");
    std::fs::copy(repo("tests/data/seed-policies/deny-sagemaker-without-vpc.json"), dir.join("seed.json")).unwrap();
    std::fs::write(
        dir.join("tests.toml"),
        r#"
[[test]]
name = "a job with subnets but no security groups is denied"
control = "PRV-09"
expect = "ExplicitlyDenied"
identityPolicies = [{ Version = "2012-10-17", Statement = { Effect = "Allow", Action = "sagemaker:*", Resource = "*" } }, "seed.json"]
[test.request]
action = "sagemaker:CreateTrainingJob"
principal = "arn:aws:sts::123456789012:assumed-role/DataScientist/alice"
resource = { resource = "arn:aws:sagemaker:us-east-1:123456789012:training-job/t1", accountId = "123456789012" }
context = { "sagemaker:VpcSubnets" = ["subnet-1"] }
"#,
    )
    .unwrap();
    let o = vigil(&["policy", "test", "--tests", dir.join("tests.toml").to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("1 tests: 0 passed, 1 failed"), "{out}");
    assert!(
        out.contains("✘ a job with subnets but no security groups is denied: expected ExplicitlyDenied, got"),
        "{out}"
    );
    assert!(out.contains("Null sagemaker:VpcSubnets"), "the near miss shows why the seed's Deny did not apply: {out}");
}

#[test]
fn simulate_prints_the_decision_and_its_reasons() {
    let dir = case_dir("simulate_prints_the_decision_and_its_reasons");
    let case = dir.join("case.json");
    let o = vigil(&["policy", "simulate", case.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["result"], "ExplicitlyDenied");
    let deciding = &v["explain"]["deciding"][0];
    assert_eq!(deciding["layer"], "identityPolicies[1]");
    assert_eq!(deciding["sid"], "DenySageMakerWithoutVpc");
    assert_eq!(deciding["conditions"][0]["operator"], "Null");
    assert_eq!(deciding["conditions"][0]["matched"], true);
    let o = vigil(&["policy", "simulate", case.to_str().unwrap()]);
    assert!(stdout(&o).starts_with("ExplicitlyDenied: an explicit Deny matched"), "{}", stdout(&o));
}

#[test]
fn a_malformed_case_exits_2_with_a_clear_message() {
    let dir = scratch("malformed");
    let file = dir.join("bad.json");
    std::fs::write(&file, r#"{"request": {"action": "sagemaker:CreateTrainingJob", "principal": "p"}, "identityPolicies": [{"Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}}]}"#).unwrap();
    let o = vigil(&["policy", "simulate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("identityPolicies[0]") && e.contains("Statement[0]") && e.contains("Effect"), "{e}");
    let o = vigil(&["policy", "simulate", "/nonexistent/case.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/case.json: cannot read"), "{}", stderr(&o));
}

#[test]
fn batch_answers_every_line_in_order() {
    let dir = case_dir("batch_answers_every_line_in_order");
    let one_line: String = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(CASE).unwrap()).unwrap();
    let allowed = one_line.replace(r#""sagemaker:InstanceTypes":["ml.m5.xlarge"]"#, r#""sagemaker:VpcSubnets":["s"]"#);
    let file = dir.join("cases.jsonl");
    std::fs::write(&file, format!("{one_line}\n{{not json\n{allowed}\n{{\"request\": {{}}}}\n")).unwrap();
    let o = vigil(&["policy", "simulate", "--batch", file.to_str().unwrap()]);
    // Every line is answered, then the two malformed ones make it exit 2.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cases.jsonl: 2 of 4 lines malformed"), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["result"], "ExplicitlyDenied");
    assert!(lines[1]["error"].as_str().unwrap().contains("line 2: not valid JSON"), "{}", lines[1]);
    assert_eq!(lines[2]["result"], "Allowed", "subnets present: the seed's ANDed Null block lets it through");
    assert!(lines[3]["error"].as_str().unwrap().contains("request.action: missing"), "{}", lines[3]);
    let good = dir.join("good.jsonl");
    std::fs::write(&good, format!("{one_line}\n{allowed}\n")).unwrap();
    assert_eq!(vigil(&["policy", "simulate", "--batch", good.to_str().unwrap()]).status.code(), Some(0));
    let o = vigil(&["policy", "simulate", "--batch", "/nonexistent.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn lint_flags_the_seed_and_passes_the_shipped_guardrails() {
    let o = vigil(&["policy", "lint", &repo("tests/data/seed-policies/deny-sagemaker-without-vpc.json")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("Statement[0] \"DenySageMakerWithoutVpc\": Condition.Null.sagemaker:VpcSecurityGroup: error:"),
        "{out}"
    );
    assert!(out.contains("did you mean sagemaker:VpcSecurityGroupIds?"), "{out}");
    assert!(out.contains("warning: keys in one Null block are ANDed"), "{out}");
    let shipped: Vec<String> = std::fs::read_dir(repo("guardrails/policies"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let mut args = vec!["policy", "lint", "--json"];
    args.extend(shipped.iter().map(String::as_str));
    let o = vigil(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 0);
}

#[test]
fn a_misspelt_operator_case_is_a_lint_error_and_the_summary_counts_right() {
    let dir = case_dir("a_misspelt_operator_case_is_a_lint_error_and_the_summary_counts_right");
    let file = dir.join("case-typo.json");
    std::fs::write(
        &file,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sagemaker:CreateTrainingJob","Resource":"*","Condition":{"stringEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#,
    )
    .unwrap();
    let o = vigil(&["policy", "lint", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("operator names are case-sensitive, did you mean `StringEquals`?"), "{out}");
    assert!(out.ends_with("1 file: 1 error\n"), "{out}");
}

/// Four statements, each wrong in its own way: a near-miss operator, a bad Effect, a missing
/// Action and a misspelt action beside an ANDed Null block.
const SEVERAL_MISTAKES: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyOutsideVpce",
      "Effect": "Deny",
      "Action": "s3:GetObject",
      "Resource": "*",
      "Condition": {"StringEqual": {"aws:SourceVpce": "vpce-1"}}
    },
    {
      "Sid": "Permit",
      "Effect": "Permit",
      "Action": "s3:PutObject",
      "Resource": "*"
    },
    {
      "Sid": "NoAction",
      "Effect": "Allow",
      "Resource": "*"
    },
    {
      "Sid": "Typos",
      "Effect": "Deny",
      "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateTraningJob"],
      "Resource": "*",
      "Condition": {"Null": {"sagemaker:VpcSubnets": "true", "aws:SourceVpce": "true"}}
    }
  ]
}
"#;

/// One statement wrong three times: its Effect, an action, a condition key.
const ONE_STATEMENT_THREE_MISTAKES: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyTrainingOutsideVpc",
      "Effect": "Dany",
      "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateTraningJob"],
      "Resource": "*",
      "Condition": {"Null": {"sagemaker:VpcSecurityGroup": "true"}}
    }
  ]
}
"#;

#[test]
fn lint_reports_a_bad_effect_and_the_misspelt_names_beside_it_with_their_lines_and_columns() {
    let dir = scratch("one-statement");
    let file = dir.join("guard.json");
    std::fs::write(&file, ONE_STATEMENT_THREE_MISTAKES).unwrap();
    let name = file.to_str().unwrap();
    let o = vigil(&["policy", "lint", name]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let statement = "Statement[0] \"DenyTrainingOutsideVpc\"";
    let expected = [
        format!("{name}:6:17: {statement}: Effect: error: \"Dany\" is not \"Allow\" or \"Deny\""),
        format!(
            "{name}:7:49: {statement}: Action: error: `sagemaker:CreateTraningJob` is not a sagemaker action (did you mean sagemaker:CreateTrainingJob?)"
        ),
        format!(
            "{name}:9:30: {statement}: Condition.Null.sagemaker:VpcSecurityGroup: error: `sagemaker:VpcSecurityGroup` is not a condition key of sagemaker (did you mean sagemaker:VpcSecurityGroupIds?)"
        ),
        "1 file: 3 errors".to_string(),
    ];
    assert_eq!(stdout(&o), expected.join("\n") + "\n");
}

#[test]
fn lint_reports_every_mistake_in_every_statement_with_its_line_and_column() {
    let dir = scratch("several");
    let file = dir.join("several.json");
    std::fs::write(&file, SEVERAL_MISTAKES).unwrap();
    let clean = dir.join("clean.json");
    std::fs::write(
        &clean,
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
    )
    .unwrap();
    let name = file.to_str().unwrap();
    let o = vigil(&["policy", "lint", name, clean.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let expected = [
        format!(
            "{name}:9:21: Statement[0] \"DenyOutsideVpce\": Condition.StringEqual: error: unknown condition operator `StringEqual` (did you mean `StringEquals`?)"
        ),
        format!("{name}:13:17: Statement[1] \"Permit\": Effect: error: \"Permit\" is not \"Allow\" or \"Deny\""),
        format!(
            "{name}:17:5: Statement[2] \"NoAction\": Action: error: missing (a statement needs Action or NotAction)"
        ),
        format!(
            "{name}:25:49: Statement[3] \"Typos\": Action: error: `sagemaker:CreateTraningJob` is not a sagemaker action (did you mean sagemaker:CreateTrainingJob?)"
        ),
        format!(
            "{name}:27:21: Statement[3] \"Typos\": Condition.Null: warning: keys in one Null block are ANDed: it holds only when all of `sagemaker:VpcSubnets` and `aws:SourceVpce` are null; to act when any one is missing, give each key its own statement"
        ),
        "2 files: 4 errors, 1 warning".to_string(),
    ];
    assert_eq!(stdout(&o), expected.join("\n") + "\n");

    let o = vigil(&["policy", "lint", "--json", name]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["errors"].as_u64(), v["warnings"].as_u64()), (Some(4), Some(1)), "{v}");
    let at: Vec<(u64, u64, &str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["severity"].as_str().unwrap(),
                f["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            (9, 21, "error", "Condition.StringEqual"),
            (13, 17, "error", "Effect"),
            (17, 5, "error", "Action"),
            (25, 49, "error", "Action"),
            (27, 21, "warning", "Condition.Null"),
        ]
    );
    assert_eq!(v["findings"][1]["statement"], "Statement[1] \"Permit\"");
    assert!(!v["findings"][0]["message"].as_str().unwrap().contains("line"), "the position is said once: {v}");

    // A clean file alone; a file that is not JSON says where, once.
    let o = vigil(&["policy", "lint", clean.to_str().unwrap()]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), "1 file: no problems\n".to_string()));
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"Statement\": [\n  {\"Effect\": \"Allow\",}\n]}").unwrap();
    let o = vigil(&["policy", "lint", broken.to_str().unwrap()]);
    assert_eq!(
        stdout(&o),
        format!("{}:2:22: error: not valid JSON: trailing comma\n1 file: 1 error\n", broken.display())
    );
}

#[test]
fn simulate_warns_what_lint_knows_and_needs_no_principal() {
    let dir = case_dir("simulate_warns_what_lint_knows_and_needs_no_principal");
    let file = dir.join("case-unknowns.json");
    // No principal: an unnamed caller. A misspelt action and a key no service defines.
    std::fs::write(
        &file,
        r#"{"request": {"action": "sagemaker:CreateTraningJob"},
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*", "Condition": {"StringEquals": {"sagemaker:VpcSubnet": "s"}}},
              {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}]}]}"#,
    )
    .unwrap();
    let o = vigil(&["policy", "simulate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("Allowed:"), "{text}");
    assert!(
        text.contains("warning: `sagemaker:CreateTraningJob` is not an action of sagemaker in the Service Authorization Reference (did you mean sagemaker:CreateTrainingJob?)"),
        "{text}"
    );
    assert!(text.contains("warning: `sagemaker:VpcSubnet` in identityPolicies[0] Statement[0]"), "{text}");
    let o = vigil(&["policy", "simulate", "--json", file.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["warnings"].as_array().unwrap().len(), 2, "{v}");
    // A well-spelt case has none.
    let clean = dir.join("case-clean.json");
    std::fs::write(&clean, r#"{"request": {"action": "sagemaker:CreateTrainingJob"}}"#).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&vigil(&["policy", "simulate", "--json", clean.to_str().unwrap()]))).unwrap();
    assert_eq!(v["result"], "ImplicitlyDenied");
    assert_eq!(v["warnings"], serde_json::json!([]));
}

#[test]
fn get_caller_identity_is_always_allowed_and_time_keys_come_from_the_case() {
    let dir = case_dir("get_caller_identity_is_always_allowed_and_time_keys_come_from_the_case");
    let deny_all = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#;
    let file = dir.join("case-whoami.json");
    std::fs::write(
        &file,
        format!(r#"{{"request": {{"action": "sts:GetCallerIdentity"}}, "serviceControlPolicies": [{{"orgIdentifier": "r-1", "policies": [{deny_all}]}}], "identityPolicies": [{deny_all}]}}"#),
    )
    .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&vigil(&["policy", "simulate", "--json", file.to_str().unwrap()]))).unwrap();
    assert_eq!(v["result"], "Allowed", "{v}");
    assert!(v["explain"]["reason"].as_str().unwrap().contains("always allowed"), "{v}");

    // aws:CurrentTime and aws:EpochTime from the case's time; a service principal's keys. A
    // service has no identity policies: the bucket policy naming it grants.
    let timed = |time: &str| {
        let file = dir.join("case-time.json");
        std::fs::write(
            &file,
            format!(
                r#"{{"request": {{"action": "s3:GetObject", "principal": "sagemaker.amazonaws.com", "time": "{time}"}},
                   "resourcePolicy": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "sagemaker.amazonaws.com"}}, "Action": "s3:GetObject", "Resource": "*",
                     "Condition": {{"DateLessThan": {{"aws:CurrentTime": "2026-12-01T00:00:00Z"}}, "NumericGreaterThan": {{"aws:EpochTime": "1"}},
                                    "Bool": {{"aws:PrincipalIsAWSService": "true"}}, "StringEquals": {{"aws:PrincipalServiceName": "sagemaker.amazonaws.com"}}}}}}]}}}}"#
            ),
        )
        .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&stdout(&vigil(&["policy", "simulate", "--json", file.to_str().unwrap()]))).unwrap();
        v["result"].as_str().unwrap().to_string()
    };
    assert_eq!(timed("2026-11-29T12:00:00Z"), "Allowed");
    assert_eq!(timed("2026-12-02T12:00:00Z"), "ImplicitlyDenied", "past the date the policy allows until");
    let file = dir.join("case-badtime.json");
    std::fs::write(&file, r#"{"request": {"action": "s3:GetObject", "time": "yesterday"}}"#).unwrap();
    let o = vigil(&["policy", "simulate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("request.time: must be an ISO 8601 time"), "{}", stderr(&o));
}

#[test]
fn scps_spare_service_linked_roles_and_resourceless_actions_are_on_star() {
    let dir = case_dir("scps_spare_service_linked_roles_and_resourceless_actions_are_on_star");
    let simulate = |name: &str, case: &str| {
        let file = dir.join(name);
        std::fs::write(&file, case).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&stdout(&vigil(&["policy", "simulate", "--json", file.to_str().unwrap()]))).unwrap();
        v["result"].as_str().unwrap().to_string()
    };
    let case = |principal: &str| {
        format!(
            r#"{{"request": {{"action": "sagemaker:StopNotebookInstance", "principal": "{principal}"}},
                "serviceControlPolicies": [{{"orgIdentifier": "r-1", "policies": [{{"Version": "2012-10-17", "Statement": [{{"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*"}}]}}]}}],
                "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}}]}}]}}"#
        )
    };
    assert_eq!(simulate("slr-user.json", &case("arn:aws:iam::123456789012:user/alice")), "ExplicitlyDenied");
    assert_eq!(
        simulate(
            "slr.json",
            &case(
                "arn:aws:iam::123456789012:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMakerNotebooks"
            )
        ),
        "Allowed",
        "SCPs do not apply to service-linked roles"
    );
    assert_eq!(
        simulate(
            "slr-session.json",
            &case("arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForAmazonSageMakerNotebooks/s")
        ),
        "Allowed"
    );
    // s3:ListAllMyBuckets has no resource types: a statement on a bucket ARN never matches it.
    let listing = |resource: &str| {
        format!(
            r#"{{"request": {{"action": "s3:ListAllMyBuckets", "resource": "arn:aws:s3:::data-bucket", "principal": "arn:aws:iam::123456789012:user/alice"}},
                "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "{resource}"}}]}}]}}"#
        )
    };
    assert_eq!(simulate("list-bucket.json", &listing("arn:aws:s3:::data-bucket")), "ImplicitlyDenied");
    assert_eq!(simulate("list-star.json", &listing("*")), "Allowed");
}

#[test]
fn simulate_takes_a_trust_policy_and_a_key_policy() {
    // A role's trust policy has no Resource: simulate used to refuse it (`Resource: missing`).
    let dir = case_dir("simulate_takes_a_trust_policy_and_a_key_policy");
    let simulate = |name: &str, case: &str| {
        let file = dir.join(name);
        std::fs::write(&file, case).unwrap();
        let o = vigil(&["policy", "simulate", "--json", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let trust = repo("guardrails/policies/execution-role-trust.json");
    let assume = |principal: &str| {
        format!(
            r#"{{"request": {{"action": "sts:AssumeRole", "principal": "{principal}",
                 "resource": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
                 "context": {{"aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/t1"}}}},
                "resourcePolicy": "{trust}"}}"#
        )
    };
    let v = simulate("trust.json", &assume("sagemaker.amazonaws.com"));
    assert_eq!(v["result"], "Allowed", "{v}");
    assert_eq!(v["explain"]["deciding"][0]["sid"], "SageMakerAssumesTheExecutionRole");
    let v = simulate("trust-ec2.json", &assume("ec2.amazonaws.com"));
    assert_eq!(v["result"], "ImplicitlyDenied", "{v}");
    // No key policy: said so, and denied.
    let v = simulate(
        "no-key-policy.json",
        r#"{"request": {"action": "kms:Decrypt", "principal": "arn:aws:sts::123456789012:assumed-role/DataScientist/alice",
             "resource": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "identityPolicies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}}]}"#,
    );
    assert_eq!(v["result"], "ImplicitlyDenied", "{v}");
    assert!(v["explain"]["reason"].as_str().unwrap().starts_with("no key policy given"), "{v}");
}

/// Bedrock and Glue: services beyond the eleven lint once knew.
const BEDROCK_AND_GLUE_MISTAKES: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "InvokeApprovedModels",
      "Effect": "Allow",
      "Action": ["bedrock:InvokeModel", "bedrock:InvokeModl"],
      "Resource": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.*"
    },
    {
      "Sid": "GlueTablesThroughLakeFormation",
      "Effect": "Deny",
      "Action": "glue:GetTable",
      "Resource": "*",
      "Condition": {"StringNotEquals": {"glue:CredentialIssuingServic": "lakeformation.amazonaws.com"}}
    },
    {
      "Sid": "ListOnlyWithGuardrail",
      "Effect": "Deny",
      "Action": "bedrock:ListFoundationModels",
      "Resource": "*",
      "Condition": {"Null": {"bedrock:GuardrailIdentifier": "true"}}
    }
  ]
}
"#;

const BEDROCK_AND_GLUE_CLEAN: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "InvokeApprovedModelsWithGuardrail",
      "Effect": "Allow",
      "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
      "Resource": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.*",
      "Condition": {"StringEquals": {"bedrock:GuardrailIdentifier": "arn:aws:bedrock:us-east-1:123456789012:guardrail/g1"}}
    },
    {"Sid": "ListModels", "Effect": "Allow", "Action": "bedrock:ListFoundationModels", "Resource": "*"},
    {
      "Sid": "GlueJobsInVpc",
      "Effect": "Deny",
      "Action": "glue:CreateJob",
      "Resource": "*",
      "Condition": {"Null": {"glue:VpcIds": "true"}}
    },
    {
      "Sid": "GlueTablesThroughLakeFormation",
      "Effect": "Deny",
      "Action": "glue:GetTable",
      "Resource": "arn:aws:glue:*:123456789012:table/*",
      "Condition": {"StringNotEquals": {"glue:CredentialIssuingService": "lakeformation.amazonaws.com"}}
    }
  ]
}
"#;

#[test]
fn lint_and_simulate_know_every_service_not_only_the_workshops() {
    let dir = scratch("every-service");
    let broken = dir.join("bedrock-glue.json");
    std::fs::write(&broken, BEDROCK_AND_GLUE_MISTAKES).unwrap();
    let name = broken.to_str().unwrap();
    let o = vigil(&["policy", "lint", name]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let expected = [
        format!(
            "{name}:7:41: Statement[0] \"InvokeApprovedModels\": Action: error: `bedrock:InvokeModl` is not a bedrock action (did you mean bedrock:InvokeModel?)"
        ),
        format!(
            "{name}:15:41: Statement[1] \"GlueTablesThroughLakeFormation\": Condition.StringNotEquals.glue:CredentialIssuingServic: error: `glue:CredentialIssuingServic` is not a condition key of glue (did you mean glue:CredentialIssuingService?)"
        ),
        format!(
            "{name}:22:30: Statement[2] \"ListOnlyWithGuardrail\": Condition.Null.bedrock:GuardrailIdentifier: error: none of this statement's actions ever supplies `bedrock:GuardrailIdentifier`: the Null check is always true and the Deny applies to every request"
        ),
        "1 file: 3 errors".to_string(),
    ];
    assert_eq!(stdout(&o), expected.join("\n") + "\n");

    let clean = dir.join("bedrock-glue-clean.json");
    std::fs::write(&clean, BEDROCK_AND_GLUE_CLEAN).unwrap();
    let o = vigil(&["policy", "lint", clean.to_str().unwrap()]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), "1 file: no problems\n".to_string()));

    // simulate warns the same way for any service.
    let case = dir.join("case-bedrock.json");
    std::fs::write(
        &case,
        r#"{"request": {"action": "bedrock:InvokeModl", "resource": "arn:aws:bedrock:us-east-1::foundation-model/m"},
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*",
              "Condition": {"StringEquals": {"bedrock:GuardrailId": "g1"}}}]}]}"#,
    )
    .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&vigil(&["policy", "simulate", "--json", case.to_str().unwrap()]))).unwrap();
    assert_eq!(
        v["warnings"],
        serde_json::json!([
            "`bedrock:InvokeModl` is not an action of bedrock in the Service Authorization Reference (did you mean bedrock:InvokeModel?)",
            "`bedrock:GuardrailId` in identityPolicies[0] Statement[0] is not a condition key AWS defines: the request never has it"
        ]),
        "{v}"
    );

    // bedrock:ListFoundationModels has no resource-level permissions: it is evaluated on `*`,
    // so a statement scoped to a model's ARN never matches it.
    let listing = |resource: &str| {
        let file = dir.join("case-list-models.json");
        std::fs::write(
            &file,
            format!(
                r#"{{"request": {{"action": "bedrock:ListFoundationModels", "resource": "arn:aws:bedrock:us-east-1::foundation-model/m", "principal": "arn:aws:iam::123456789012:user/alice"}},
                    "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "bedrock:ListFoundationModels", "Resource": "{resource}"}}]}}]}}"#
            ),
        )
        .unwrap();
        let o = vigil(&["policy", "simulate", "--json", file.to_str().unwrap()]);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["result"].as_str().unwrap().to_string()
    };
    assert_eq!(listing("arn:aws:bedrock:us-east-1::foundation-model/m"), "ImplicitlyDenied");
    assert_eq!(listing("*"), "Allowed");
}

/// A request on a resource pattern: `simulate` says `Allowed (for some resources: ...)`, names
/// them and the parts Deny statements close; `--json` adds `explain.pattern`. A literal request
/// is answered as before, without it.
#[test]
fn simulate_answers_a_resource_pattern_for_some_resources_and_names_them() {
    let dir = scratch("simulate_answers_a_resource_pattern");
    let case = |resource: &str| {
        format!(
            r#"{{"request": {{"action": "s3:GetObject", "resource": "{resource}",
                 "principal": "arn:aws:sts::123456789012:assumed-role/DataScientist/alice"}},
               "identityPolicies": [{{"Version": "2012-10-17", "Statement": [
                 {{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-project-data/train/*"}},
                 {{"Sid": "DenyPrivate", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::ml-project-data/private/*"}}]}}]}}"#
        )
    };
    let pattern = dir.join("pattern.json");
    std::fs::write(&pattern, case("arn:aws:s3:::ml-project-data/*")).unwrap();
    let o = vigil(&["policy", "simulate", pattern.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with(
            "Allowed (for some resources: arn:aws:s3:::ml-project-data/train/*; not arn:aws:s3:::ml-project-data/private/*): "
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "closed within arn:aws:s3:::ml-project-data/*: arn:aws:s3:::ml-project-data/private/* by identityPolicies[0] Statement[1] \"DenyPrivate\""
        ),
        "{text}"
    );
    let o = vigil(&["policy", "simulate", "--json", pattern.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["result"], "Allowed");
    assert_eq!(v["explain"]["pattern"]["resource"], "arn:aws:s3:::ml-project-data/*");
    assert_eq!(v["explain"]["pattern"]["allowed"], serde_json::json!(["arn:aws:s3:::ml-project-data/train/*"]));
    assert_eq!(v["explain"]["pattern"]["closed"][0]["by"], "identityPolicies[0] Statement[1] \"DenyPrivate\"");
    // A literal request: exactly as before.
    let literal = dir.join("literal.json");
    std::fs::write(&literal, case("arn:aws:s3:::ml-project-data/train/churn.csv")).unwrap();
    let o = vigil(&["policy", "simulate", literal.to_str().unwrap()]);
    assert!(stdout(&o).starts_with("Allowed: an identity-based statement allows"), "{}", stdout(&o));
    let o = vigil(&["policy", "simulate", "--json", literal.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["explain"].get("pattern").is_none(), "{v}");
}

/// What AWS owns: implicitly denied, no Deny statement named, the explanation saying whose the
/// resource is.
#[test]
fn simulate_says_whose_an_aws_owned_resource_is() {
    let dir = scratch("simulate_says_whose_an_aws_owned_resource_is");
    let file = dir.join("case.json");
    std::fs::write(
        &file,
        r#"{"request": {"action": "iam:CreatePolicyVersion", "resource": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
                        "principal": "arn:aws:sts::123456789012:assumed-role/Admin/alice"},
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]}"#,
    )
    .unwrap();
    let o = vigil(&["policy", "simulate", file.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(text.starts_with("ImplicitlyDenied: no policy can allow this"), "{text}");
    assert!(text.contains("it belongs to AWS's own account (`aws`), not to the caller's"), "{text}");
    assert_eq!(text.lines().count(), 1, "no statement decided: {text}");
}

/// `policy test` shows under a test's row what a pattern answer covers, and its expectation is
/// met by `Allowed`.
#[test]
fn policy_test_names_the_resources_a_pattern_is_allowed_for() {
    let dir = scratch("policy_test_names_the_resources_a_pattern_is_allowed_for");
    std::fs::write(
        dir.join("tests.toml"),
        r#"
[[test]]
name = "the data scientist can read some training data"
expect = "Allowed"
identityPolicies = [{ Version = "2012-10-17", Statement = { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::ml-project-data/train/*" } }]
[test.request]
action = "s3:GetObject"
principal = "arn:aws:sts::123456789012:assumed-role/DataScientist/alice"
resource = "*"
"#,
    )
    .unwrap();
    let o = vigil(&["policy", "test", "--tests", dir.join("tests.toml").to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("Allowed (for some resources: arn:aws:s3:::ml-project-data/train/*)"), "{out}");
    let o = vigil(&["policy", "test", "--json", "--tests", dir.join("tests.toml").to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["tests"][0]["explain"]["pattern"]["allowed"][0], "arn:aws:s3:::ml-project-data/train/*");
}

/// A pattern no resource of which is allowed: `simulate` names the statement that grants part of
/// it and what stops it there, and the part a Deny closes; `policy test` expecting
/// `ImplicitlyDenied` passes.
#[test]
fn simulate_says_what_stops_a_grant_on_a_resource_pattern() {
    let dir = scratch("simulate_says_what_stops_a_grant_on_a_resource_pattern");
    let file = dir.join("case.json");
    std::fs::write(
        &file,
        r#"{"request": {"action": "s3:PutObject", "resource": "arn:aws:s3:::ml-project-data/*",
                        "principal": "arn:aws:sts::123456789012:assumed-role/DataScientist/alice"},
            "identityPolicies": [{"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::ml-project-data/*"},
              {"Sid": "DenyPrivate", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::ml-project-data/private/*"}]}],
            "permissionBoundaries": [{"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::ml-project-data/private/*"}]}]}"#,
    )
    .unwrap();
    let o = vigil(&["policy", "simulate", file.to_str().unwrap()]);
    let text = stdout(&o);
    assert_eq!(
        text.lines().next().unwrap(),
        "ImplicitlyDenied: no resource the pattern covers is allowed: where identityPolicies[0] Statement[0] allows it (arn:aws:s3:::ml-project-data/*), but permissionBoundaries[0] does not allow the action"
    );
    assert!(
        text.contains(
            "closed within arn:aws:s3:::ml-project-data/*: arn:aws:s3:::ml-project-data/private/* by identityPolicies[0] Statement[1] \"DenyPrivate\""
        ),
        "{text}"
    );
    std::fs::write(
        dir.join("tests.toml"),
        r#"
[[test]]
name = "nothing in the bucket can be written"
expect = "ImplicitlyDenied"
identityPolicies = [{ Version = "2012-10-17", Statement = { Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::ml-project-data/*" } }]
permissionBoundaries = [{ Version = "2012-10-17", Statement = { Effect = "Allow", Action = "s3:GetObject", Resource = "*" } }]
[test.request]
action = "s3:PutObject"
principal = "arn:aws:sts::123456789012:assumed-role/DataScientist/alice"
resource = "arn:aws:s3:::ml-project-data/*"
"#,
    )
    .unwrap();
    let o = vigil(&["policy", "test", "--tests", dir.join("tests.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("1 tests: 1 passed, 0 failed"), "{}", stdout(&o));
}
