//! The policy engine against the examples of AWS's IAM documentation: each layer of the
//! evaluation logic, NotAction / NotResource / NotPrincipal, variables, wildcards, derived keys,
//! and the explanations.

use serde_json::{Value, json};
use vigil::model::Decision;
use vigil::policy::case::{Embedded, parse_case};
use vigil::policy::lint::lint_text;
use vigil::policy::{Case, Policy, lint};

const ACCOUNT: &str = "123456789012";
const OTHER: &str = "210987654321";
const ROLE_SESSION: &str = "arn:aws:sts::123456789012:assumed-role/DataScientist/alice";
const USER: &str = "arn:aws:iam::123456789012:user/bob";

fn case(v: Value) -> Case {
    parse_case(&v, "test", &Embedded(&[]), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn decide(v: Value) -> Decision {
    case(v).decide().decision
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

fn deny(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": action, "Resource": resource}]})
}

fn request(action: &str, resource: &str, account: &str, principal: &str) -> Value {
    json!({"action": action, "resource": {"resource": resource, "accountId": account}, "principal": principal})
}

const OBJECT: &str = "arn:aws:s3:::ml-project-data/train/churn.csv";

#[test]
fn nothing_allows_means_implicit_deny_and_an_explicit_deny_wins() {
    let r = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
    assert_eq!(decide(json!({"request": r})), Decision::ImplicitlyDenied);
    assert_eq!(decide(json!({"request": r, "identityPolicies": [allow("s3:*", "*")]})), Decision::Allowed);
    assert_eq!(
        decide(
            json!({"request": r, "identityPolicies": [allow("s3:*", "*"), deny("s3:GetObject", "arn:aws:s3:::ml-project-data/*")]})
        ),
        Decision::ExplicitlyDenied
    );
}

#[test]
fn every_scp_level_must_allow_and_full_aws_access_counts_only_when_listed() {
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let r = request(
        "sagemaker:CreateTrainingJob",
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/t",
        ACCOUNT,
        ROLE_SESSION,
    );
    let base = |scps: Value| json!({"request": r, "identityPolicies": [allow("sagemaker:*", "*")], "serviceControlPolicies": scps});
    assert_eq!(
        decide(base(
            json!([{"orgIdentifier": "r-root", "policies": [full]}, {"orgIdentifier": "ou-ml", "policies": [full]}, {"orgIdentifier": ACCOUNT, "policies": [full]}])
        )),
        Decision::Allowed
    );
    // The OU allows only S3: its level has no Allow for SageMaker.
    let c = case(base(
        json!([{"orgIdentifier": "r-root", "policies": [full]}, {"orgIdentifier": "ou-ml", "policies": [allow("s3:*", "*")]}]),
    ));
    let outcome = c.decide();
    assert_eq!(outcome.decision, Decision::ImplicitlyDenied);
    assert!(c.explain().reason.contains("serviceControlPolicies[1] (ou-ml)"), "{}", c.explain().reason);
    // A level with no policies at all allows nothing.
    assert_eq!(decide(base(json!([{"orgIdentifier": "r-root", "policies": []}]))), Decision::ImplicitlyDenied);
    // An SCP Deny.
    assert_eq!(
        decide(base(
            json!([{"orgIdentifier": "r-root", "policies": [full, deny("sagemaker:CreateTrainingJob", "*")]}])
        )),
        Decision::ExplicitlyDenied
    );
}

#[test]
fn rcps_only_restrict_and_only_for_the_services_aws_lists() {
    let rcp = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["s3:*", "sagemaker:*"], "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}}]});
    let s3 = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
    let levels = json!([{"orgIdentifier": "r-root", "policies": [rcp]}]);
    assert_eq!(
        decide(json!({"request": s3, "identityPolicies": [allow("s3:*", "*")], "resourceControlPolicies": levels})),
        Decision::ExplicitlyDenied,
        "an S3 request from outside the organisation is denied"
    );
    let mut inside = s3.clone();
    inside["context"] = json!({"aws:PrincipalOrgID": "o-abc123"});
    assert_eq!(
        decide(json!({"request": inside, "identityPolicies": [allow("s3:*", "*")], "resourceControlPolicies": levels})),
        Decision::Allowed,
        "RCPFullAWSAccess is implied: an RCP without an Allow does not deny"
    );
    let sm =
        request("sagemaker:CreateModel", "arn:aws:sagemaker:us-east-1:123456789012:model/m", ACCOUNT, ROLE_SESSION);
    assert_eq!(
        decide(
            json!({"request": sm, "identityPolicies": [allow("sagemaker:*", "*")], "resourceControlPolicies": levels})
        ),
        Decision::Allowed,
        "SageMaker is not a service RCPs apply to"
    );
}

#[test]
fn resource_policies_within_one_account() {
    let r = request("s3:GetObject", OBJECT, ACCOUNT, USER);
    let bucket = |principal: Value| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-project-data/*"}]});
    assert_eq!(decide(json!({"request": r, "resourcePolicy": bucket(json!({"AWS": USER}))})), Decision::Allowed);
    let c = case(json!({"request": r, "resourcePolicy": bucket(json!({"AWS": USER}))}));
    assert_eq!(c.explain().deciding[0].layer, "resourcePolicy");
    assert_eq!(decide(json!({"request": r, "resourcePolicy": bucket(json!("*"))})), Decision::Allowed);
    // Naming the account delegates to the account's identity policies.
    let account_root = bucket(json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}));
    assert_eq!(decide(json!({"request": r, "resourcePolicy": account_root})), Decision::ImplicitlyDenied);
    assert_eq!(
        decide(json!({"request": r, "resourcePolicy": account_root, "identityPolicies": [allow("s3:GetObject", "*")]})),
        Decision::Allowed
    );
    // Another principal is not named.
    assert_eq!(
        decide(json!({"request": r, "resourcePolicy": bucket(json!({"AWS": "arn:aws:iam::123456789012:user/carol"}))})),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn across_accounts_both_sides_must_allow() {
    let r = request("s3:GetObject", OBJECT, OTHER, ROLE_SESSION);
    let bucket = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-project-data/*"}]});
    let c = case(json!({"request": r, "identityPolicies": [allow("s3:GetObject", "*")]}));
    assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
    assert!(c.explain().reason.contains("no resource-based policy is given"), "{}", c.explain().reason);
    let c = case(json!({"request": r, "identityPolicies": [allow("s3:GetObject", "*")],
        "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject", "Resource": "*"}]}}));
    assert!(c.explain().reason.contains("resource-based policy does not allow"), "{}", c.explain().reason);
    let c = case(json!({"request": r, "resourcePolicy": bucket}));
    assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
    assert!(c.explain().reason.contains("no identity-based statement"));
    let c = case(json!({"request": r, "resourcePolicy": bucket, "identityPolicies": [allow("s3:GetObject", "*")]}));
    assert_eq!(c.decide().decision, Decision::Allowed);
    let layers: Vec<String> = c.explain().deciding.iter().map(|d| d.layer.clone()).collect();
    assert_eq!(layers, ["identityPolicies[0]", "resourcePolicy"]);
}

#[test]
fn permission_boundaries_and_session_policies_limit() {
    let put = request("s3:PutObject", OBJECT, ACCOUNT, ROLE_SESSION);
    let get = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
    let boundary = allow("s3:GetObject", "*");
    assert_eq!(
        decide(json!({"request": get, "identityPolicies": [allow("s3:*", "*")], "permissionBoundaries": [boundary]})),
        Decision::Allowed
    );
    let c = case(json!({"request": put, "identityPolicies": [allow("s3:*", "*")], "permissionBoundaries": [boundary]}));
    assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
    assert!(c.explain().reason.contains("permissionBoundaries[0]"));
    let c =
        case(json!({"request": put, "identityPolicies": [allow("s3:*", "*")], "sessionPolicy": allow("s3:Get*", "*")}));
    assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
    assert!(c.explain().reason.contains("session policy"));
    assert_eq!(
        decide(
            json!({"request": get, "identityPolicies": [allow("s3:*", "*")], "sessionPolicy": allow("s3:Get*", "*")})
        ),
        Decision::Allowed
    );
    // A resource policy naming the role (not the session) is limited by the boundary...
    let by_role = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataScientist"}, "Action": "s3:PutObject", "Resource": "*"}]});
    assert_eq!(
        decide(json!({"request": put, "resourcePolicy": by_role, "permissionBoundaries": [boundary]})),
        Decision::ImplicitlyDenied
    );
    // ...one naming the session itself is not.
    let by_session = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ROLE_SESSION}, "Action": "s3:PutObject", "Resource": "*"}]});
    assert_eq!(
        decide(json!({"request": put, "resourcePolicy": by_session, "permissionBoundaries": [boundary]})),
        Decision::Allowed
    );
}

#[test]
fn every_vpc_endpoint_policy_must_allow() {
    let endpoint = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-project-data/*"}]});
    let get = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
    let put = request("s3:PutObject", OBJECT, ACCOUNT, ROLE_SESSION);
    assert_eq!(
        decide(json!({"request": get, "identityPolicies": [allow("s3:*", "*")], "endpointPolicies": [endpoint]})),
        Decision::Allowed
    );
    let c = case(json!({"request": put, "identityPolicies": [allow("s3:*", "*")], "endpointPolicies": [endpoint]}));
    assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
    assert!(c.explain().reason.contains("endpointPolicies[0]"));
}

#[test]
fn not_action_not_resource_not_principal() {
    // The documented "deny everything except IAM" pattern.
    let except_iam =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}]});
    let s3 = request("s3:GetObject", OBJECT, ACCOUNT, USER);
    let iam = request("iam:ListUsers", "*", ACCOUNT, USER);
    assert_eq!(
        decide(json!({"request": s3, "identityPolicies": [allow("*", "*"), except_iam]})),
        Decision::ExplicitlyDenied
    );
    assert_eq!(decide(json!({"request": iam, "identityPolicies": [allow("*", "*"), except_iam]})), Decision::Allowed);
    let outside = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::ml-project-data", "arn:aws:s3:::ml-project-data/*"]}]});
    let elsewhere = request("s3:GetObject", "arn:aws:s3:::other-bucket/x", ACCOUNT, USER);
    assert_eq!(
        decide(json!({"request": elsewhere, "identityPolicies": [allow("*", "*"), outside]})),
        Decision::ExplicitlyDenied
    );
    assert_eq!(decide(json!({"request": s3, "identityPolicies": [allow("*", "*"), outside]})), Decision::Allowed);
    // "AWS JSON policy elements: NotPrincipal", the IAM role example: the session, its role and
    // their account are all listed, or the Deny still reaches the session through the others.
    let only_role = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:role/DataScientist", ROLE_SESSION, "arn:aws:iam::123456789012:root"]}, "Action": "s3:*", "Resource": "*"}]});
    let alice = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
    assert_eq!(
        decide(json!({"request": alice, "identityPolicies": [allow("s3:*", "*")], "resourcePolicy": only_role})),
        Decision::Allowed
    );
    assert_eq!(
        decide(json!({"request": s3, "identityPolicies": [allow("s3:*", "*")], "resourcePolicy": only_role})),
        Decision::ExplicitlyDenied
    );
    let without_account = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:role/DataScientist", ROLE_SESSION]}, "Action": "s3:*", "Resource": "*"}]});
    assert_eq!(
        decide(json!({"request": alice, "identityPolicies": [allow("s3:*", "*")], "resourcePolicy": without_account})),
        Decision::ExplicitlyDenied,
        "the account is not spared, so neither is the session"
    );
    let without_role = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": [ROLE_SESSION, "arn:aws:iam::123456789012:root"]}, "Action": "s3:*", "Resource": "*"}]});
    assert_eq!(
        decide(json!({"request": alice, "identityPolicies": [allow("s3:*", "*")], "resourcePolicy": without_role})),
        Decision::ExplicitlyDenied,
        "the role is not spared, so neither is the session"
    );
}

#[test]
fn policy_variables_in_resources_and_conditions() {
    // The documented per-user home folder.
    let home = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home-bucket/home/${aws:username}/*"}]});
    let own = request("s3:GetObject", "arn:aws:s3:::home-bucket/home/bob/notes.txt", ACCOUNT, USER);
    let other = request("s3:GetObject", "arn:aws:s3:::home-bucket/home/alice/notes.txt", ACCOUNT, USER);
    assert_eq!(decide(json!({"request": own, "identityPolicies": [home]})), Decision::Allowed);
    assert_eq!(decide(json!({"request": other, "identityPolicies": [home]})), Decision::ImplicitlyDenied);
    // A role session has no aws:username: the element does not match.
    let session = request("s3:GetObject", "arn:aws:s3:::home-bucket/home/bob/notes.txt", ACCOUNT, ROLE_SESSION);
    assert_eq!(decide(json!({"request": session, "identityPolicies": [home]})), Decision::ImplicitlyDenied);
    // Version 2008-10-17 has no variables.
    let mut old = home.clone();
    old["Version"] = json!("2008-10-17");
    assert_eq!(decide(json!({"request": own, "identityPolicies": [old]})), Decision::ImplicitlyDenied);
    // A principal tag in a condition.
    let team = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}]});
    let mut tagged = request(
        "sagemaker:StopNotebookInstance",
        "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb",
        ACCOUNT,
        ROLE_SESSION,
    );
    tagged["context"] = json!({"aws:PrincipalTag/team": "fraud", "aws:ResourceTag/team": "fraud"});
    assert_eq!(decide(json!({"request": tagged, "identityPolicies": [team]})), Decision::Allowed);
    tagged["context"]["aws:ResourceTag/team"] = json!("churn");
    assert_eq!(decide(json!({"request": tagged, "identityPolicies": [team]})), Decision::ImplicitlyDenied);
}

#[test]
fn actions_ignore_case_and_wildcards_work() {
    let r = request("s3:GetObject", OBJECT, ACCOUNT, USER);
    assert_eq!(decide(json!({"request": r, "identityPolicies": [allow("S3:get*", "*")]})), Decision::Allowed);
    assert_eq!(decide(json!({"request": r, "identityPolicies": [allow("s3:GetObjec?", "*")]})), Decision::Allowed);
    assert_eq!(decide(json!({"request": r, "identityPolicies": [allow("s3:Put*", "*")]})), Decision::ImplicitlyDenied);
    assert_eq!(
        decide(json!({"request": r, "identityPolicies": [allow("s3:*", "arn:aws:s3:::ML-PROJECT-DATA/*")]})),
        Decision::ImplicitlyDenied,
        "resources are case-sensitive"
    );
}

#[test]
fn derived_keys_and_numbers_as_text() {
    let own_account = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}]});
    assert_eq!(
        decide(json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, USER), "identityPolicies": [own_account]})),
        Decision::Allowed
    );
    assert_eq!(
        decide(json!({"request": request("s3:GetObject", OBJECT, OTHER, USER), "identityPolicies": [own_account]})),
        Decision::ImplicitlyDenied
    );
    let max_age = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": 3600}, "Bool": {"aws:MultiFactorAuthPresent": true}}}]});
    let mut r = request("s3:GetObject", OBJECT, ACCOUNT, USER);
    r["context"] = json!({"aws:MultiFactorAuthAge": 7200, "aws:MultiFactorAuthPresent": true});
    assert_eq!(
        decide(json!({"request": r, "identityPolicies": [allow("*", "*"), max_age]})),
        Decision::ExplicitlyDenied
    );
    r["context"]["aws:MultiFactorAuthAge"] = json!(60);
    assert_eq!(decide(json!({"request": r, "identityPolicies": [allow("*", "*"), max_age]})), Decision::Allowed);
}

#[test]
fn explanations_name_the_statement_and_each_condition() {
    let guard =
        Policy::parse_str(include_str!("../guardrails/policies/deny-sagemaker-without-vpc.json"), "deny.json").unwrap();
    let c = case(json!({
        "request": {"action": "sagemaker:CreateTrainingJob", "resource": "arn:aws:sagemaker:us-east-1:123456789012:training-job/t",
                    "principal": ROLE_SESSION, "context": {"sagemaker:VpcSubnets": ["subnet-1"]}},
        "identityPolicies": [allow("sagemaker:*", "*"), guard.document],
    }));
    let e = c.explain();
    assert_eq!(e.result, Decision::ExplicitlyDenied);
    let d = &e.deciding[0];
    assert_eq!(d.layer, "identityPolicies[1]");
    assert_eq!(d.sid.as_deref(), Some("DenyWithoutSecurityGroups"));
    assert_eq!(d.statement, "Statement[1] \"DenyWithoutSecurityGroups\"");
    let cond = &d.conditions[0];
    assert_eq!(
        (cond.operator.as_str(), cond.key.as_str(), cond.matched),
        ("Null", "sagemaker:VpcSecurityGroupIds", true)
    );
    assert_eq!(cond.context, None);
    // The subnet statement did not apply: it is a near miss, with the value compared.
    let miss = e.near_misses.iter().find(|s| s.sid.as_deref() == Some("DenyWithoutVpcSubnets")).unwrap();
    assert_eq!(miss.conditions[0].context, Some(vec!["subnet-1".to_string()]));
    assert!(!miss.conditions[0].matched);
}

#[test]
fn malformed_cases_say_where() {
    let bad = |v: Value| parse_case(&v, "case.json", &Embedded(&[]), &[]).unwrap_err().to_string();
    assert_eq!(bad(json!({"identityPolicies": []})), "case.json: request: missing");
    assert_eq!(
        bad(json!({"request": {"action": "GetObject", "principal": USER}})),
        "case.json: request.action: `GetObject` is not SERVICE:ACTION"
    );
    let e = bad(
        json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, USER), "identityPolicies": [{"Statement": {"Effect": "Allow", "Action": "s3:*"}}]}),
    );
    assert!(e.contains("identityPolicies[0]") && e.contains("Statement[0]") && e.contains("Resource"), "{e}");
    let e = bad(json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, USER), "identityPolicy": []}));
    assert!(e.starts_with("case.json: identityPolicy: unknown field"), "{e}");
    let e =
        bad(json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, USER), "identityPolicies": ["missing.json"]}));
    assert!(e.contains("identityPolicies[0]: no built-in policy file missing.json"), "{e}");
}

#[test]
fn the_lint_catches_guardrails_that_cannot_work() {
    let lint_of = |v: Value| {
        let p = Policy::from_value(v, "p.json").unwrap();
        lint(&p).into_iter().map(|f| format!("{:?} {} {}", f.severity, f.field, f.message)).collect::<Vec<_>>()
    };
    let seed =
        Policy::parse_str(include_str!("data/seed-policies/deny-sagemaker-without-vpc.json"), "seed.json").unwrap();
    let found = lint(&seed);
    assert!(found.iter().any(|f| f.message.contains(
        "`sagemaker:VpcSecurityGroup` is not a condition key of sagemaker (did you mean sagemaker:VpcSecurityGroupIds?)"
    )));
    assert!(found.iter().any(|f| f.message.contains("ANDed")));
    // A SageMaker deny scoped to EC2 ARNs can never match.
    let f = lint_of(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "arn:aws:ec2:*:123456789012:*"}]}),
    );
    assert!(f.iter().any(|m| m.starts_with("Error Resource") && m.contains("can never match")), "{f:?}");
    // Unknown actions, with a suggestion.
    let f = lint_of(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["sagemaker:CreateTrainingJobs", "s3:Frobnicate*"], "Resource": "*"}]}),
    );
    assert!(
        f.iter().any(|m| m.contains("not a sagemaker action (did you mean sagemaker:CreateTrainingJob?)")),
        "{f:?}"
    );
    assert!(f.iter().any(|m| m.contains("`s3:Frobnicate*` matches no s3 action")), "{f:?}");
    // ForAllValues allow-lists let requests without the key through.
    let f = lint_of(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
        "Condition": {"ForAllValues:StringLikeIfExists": {"sagemaker:InstanceTypes": ["ml.m5.*"]}}}]}),
    );
    assert!(f.iter().any(|m| m.starts_with("Warning") && m.contains("requests without the key pass")), "{f:?}");
    // A Null check on a key the actions never supply denies every request.
    let f = lint_of(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sagemaker:CreateModel", "Resource": "*",
        "Condition": {"Null": {"sagemaker:InstanceTypes": "true"}}}]}),
    );
    assert!(f.iter().any(|m| m.starts_with("Error") && m.contains("Deny applies to every request")), "{f:?}");
    // Unknown global keys.
    let f =
        lint_of(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:SourceVpcEndpoint": "vpce-1"}}}]}));
    assert!(f.iter().any(|m| m.contains("not an AWS global condition key")), "{f:?}");
    // The shipped guardrails are clean.
    for text in [
        include_str!("../guardrails/policies/deny-sagemaker-without-vpc.json"),
        include_str!("../guardrails/policies/deny-unapproved-instance-types.json"),
        include_str!("../guardrails/policies/bucket-deny-outside-vpce.json"),
        include_str!("../guardrails/policies/data-scientist.json"),
        include_str!("../guardrails/policies/execution-role-trust.json"),
        include_str!("../guardrails/policies/training-data-key-policy.json"),
    ] {
        let p = Policy::parse_str(text, "shipped").unwrap();
        assert_eq!(lint(&p), vec![], "{}", p.origin);
    }
}

#[test]
fn lint_text_reports_every_mistake_within_a_statement_and_across_the_policy() {
    // One statement object (not an array), wrong in four places; the policy's Version too.
    let text = r#"{
  "Version": "2012-10-17x",
  "Statement": {
    "Effect": "allow",
    "Action": ["s3:GetObject", "GetObject"],
    "Resources": "*",
    "Condition": {"StringEquals": {"aws:SourceVpce": []}}
  }
}"#;
    let found: Vec<String> = lint_text(text, "p.json").iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "p.json:2:14: Version: error: \"2012-10-17x\" is not 2012-10-17 or 2008-10-17",
            "p.json:3:16: Statement[0]: Resource: error: missing (a statement needs Resource or NotResource; only a role's trust policy, with a Principal, leaves it out)",
            "p.json:4:15: Statement[0]: Effect: error: \"allow\" is not \"Allow\" or \"Deny\"",
            "p.json:5:32: Statement[0]: Action: error: `GetObject` is not SERVICE:ACTION or *",
            "p.json:6:5: Statement[0]: Resources: error: unknown element, expected one of Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition",
            "p.json:7:54: Statement[0]: Condition.StringEquals.aws:SourceVpce: error: no values",
        ]
    );
    // The parser used by simulate and test stops at the first, and says where it is too.
    let first = Policy::parse_str(text, "p.json").unwrap_err();
    assert_eq!(first.to_string(), "p.json:2:14: Version: \"2012-10-17x\" is not 2012-10-17 or 2008-10-17");
    // A policy that parses lints as before, now with positions.
    let seed = include_str!("data/seed-policies/deny-sagemaker-without-vpc.json");
    let positioned = lint_text(seed, "seed.json");
    let unpositioned = lint(&Policy::parse_str(seed, "seed.json").unwrap());
    assert_eq!(positioned.len(), unpositioned.len());
    assert!(positioned.iter().all(|f| f.line > 0 && f.column > 0), "{positioned:?}");
    assert!(unpositioned.iter().all(|f| f.line == 0), "without the text there is no line to give");
}

mod wildcards {
    use proptest::prelude::*;
    use vigil::policy::pattern::{ArnParts, ArnPattern, Glob, NoVariables, Pattern, witness};

    fn oracle(pattern: &str) -> regex::Regex {
        let mut re = String::from("^");
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap()
    }

    proptest! {
        #[test]
        fn matching_agrees_with_a_regular_expression(p in "[ab:/*?]{0,8}", t in "[ab:/]{0,10}") {
            prop_assert_eq!(Pattern::literal(&p).matches(&t), oracle(&p).is_match(&t), "pattern {:?} text {:?}", p, t);
        }

        /// Matching an ARN split beforehand is matching it.
        #[test]
        fn matching_arn_parts_agrees_with_matching_the_arn(p in "[ab:*?]{0,12}", t in "[ab:]{0,12}") {
            let pattern = ArnPattern::compile(&p, &NoVariables, false).unwrap();
            let parts = ArnParts::of(&t);
            prop_assert_eq!(pattern.matches_parts(&t, parts.as_ref()), pattern.matches(&t), "pattern {:?} text {:?}", p, t);
        }

        #[test]
        fn every_text_matches_itself_with_stars_inserted(t in "[a-z:/.-]{0,12}", at in 0usize..13) {
            let at = at.min(t.len());
            let p = format!("{}*{}", &t[..at], &t[at..]);
            prop_assert!(Pattern::literal(&p).matches(&t));
            prop_assert!(Pattern::literal(&t).matches(&t));
        }

        #[test]
        fn intersection_is_exact(p in "[ab*?]{0,3}", q in "[ab*?]{0,3}") {
            // A common string, if there is one, is no longer than the two patterns together.
            let mut texts = vec![String::new()];
            for _ in 0..6 {
                let longer: Vec<String> = texts.iter().flat_map(|t| [format!("{t}a"), format!("{t}b")]).collect();
                texts.extend(longer);
            }
            texts.sort();
            texts.dedup();
            let (a, b) = (Pattern::literal(&p), Pattern::literal(&q));
            let witness = texts.iter().any(|t| a.matches(t) && b.matches(t));
            prop_assert_eq!(a.intersects(&b), witness, "{:?} and {:?}", p, q);
        }

        /// What resource patterns rest on: some text in two patterns and outside a third (an
        /// Allow's part of a pattern that a Deny leaves open), checked against every short text
        /// over the patterns' letters and one they do not name.
        #[test]
        fn witness_is_exact(p in "[ab*?]{0,2}", q in "[ab*?]{0,2}", r in "[ab*?]{0,2}") {
            let mut texts = vec![String::new()];
            for _ in 0..7 {
                let longer: Vec<String> =
                    texts.iter().flat_map(|t| [format!("{t}a"), format!("{t}b"), format!("{t}c")]).collect();
                texts.extend(longer);
            }
            texts.sort();
            texts.dedup();
            let (a, b, c) = (Pattern::literal(&p), Pattern::literal(&q), Pattern::literal(&r));
            let brute = texts.iter().any(|t| a.matches(t) && b.matches(t) && !c.matches(t));
            let found = witness(&[&[Glob::arn(&p)], &[Glob::arn(&q)]], &[Glob::arn(&r)]);
            prop_assert_eq!(found, Some(brute), "in {:?} and {:?}, not in {:?}", p, q, r);
        }
    }
}

/// Principals of every kind: IAM User Guide, "AWS JSON policy elements: Principal" and "Policy
/// evaluation logic".
mod principals {
    use super::*;

    const BUCKET_OBJECT: &str = "arn:aws:s3:::public-models/model.tar.gz";

    fn bucket_allowing(principal: Value, action: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "arn:aws:s3:::public-models/*"}]})
    }

    #[test]
    fn principal_anonymous_is_granted_only_by_a_resource_policy_allowing_everyone() {
        // "Principal": "*" with Allow grants everyone, anonymous callers included; {"AWS": "*"}
        // is the same ("All principals").
        let anonymous = request("s3:GetObject", BUCKET_OBJECT, ACCOUNT, "*");
        assert_eq!(
            decide(json!({"request": anonymous, "resourcePolicy": bucket_allowing(json!("*"), "s3:GetObject")})),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                json!({"request": anonymous, "resourcePolicy": bucket_allowing(json!({"AWS": "*"}), "s3:GetObject")})
            ),
            Decision::Allowed
        );
        // Identity policies do not apply to an unsigned request.
        let c = case(json!({"request": anonymous, "identityPolicies": [allow("s3:*", "*")]}));
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.contains("anonymous (unsigned) request is allowed only by a resource-based policy"));
        // Naming the account is not naming everyone.
        assert_eq!(
            decide(
                json!({"request": anonymous, "resourcePolicy": bucket_allowing(json!({"AWS": ACCOUNT}), "s3:GetObject")})
            ),
            Decision::ImplicitlyDenied
        );
        // SCPs limit IAM users and roles only; RCPs limit every request on the resource.
        let scp_deny = json!([{"orgIdentifier": "r-root", "policies": [deny("s3:*", "*")]}]);
        assert_eq!(
            decide(
                json!({"request": anonymous, "resourcePolicy": bucket_allowing(json!("*"), "s3:GetObject"), "serviceControlPolicies": scp_deny})
            ),
            Decision::Allowed
        );
        let rcp_deny = json!([{"orgIdentifier": "r-root", "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}}]}]}]);
        assert_eq!(
            decide(
                json!({"request": anonymous, "resourcePolicy": bucket_allowing(json!("*"), "s3:GetObject"), "resourceControlPolicies": rcp_deny})
            ),
            Decision::ExplicitlyDenied
        );
    }

    #[test]
    fn principal_service_is_named_by_the_service_key() {
        // "AWS service principals": {"Service": "logging.s3.amazonaws.com"} in a bucket policy.
        let logging = request("s3:PutObject", BUCKET_OBJECT, ACCOUNT, "logging.s3.amazonaws.com");
        let policy = bucket_allowing(json!({"Service": "logging.s3.amazonaws.com"}), "s3:PutObject");
        assert_eq!(decide(json!({"request": logging, "resourcePolicy": policy})), Decision::Allowed);
        let other = request("s3:PutObject", BUCKET_OBJECT, ACCOUNT, "sagemaker.amazonaws.com");
        let c = case(json!({"request": other, "resourcePolicy": policy, "identityPolicies": [allow("s3:*", "*")]}));
        assert_eq!(
            c.decide().decision,
            Decision::ImplicitlyDenied,
            "another service, and identity policies do not count"
        );
        assert!(c.explain().reason.contains("an AWS service principal is allowed only by a resource-based policy"));
        // The service's ARN form under the AWS key does not name it.
        let by_aws = bucket_allowing(json!({"AWS": "logging.s3.amazonaws.com"}), "s3:PutObject");
        assert_eq!(decide(json!({"request": logging, "resourcePolicy": by_aws})), Decision::ImplicitlyDenied);
    }

    #[test]
    fn principal_root_user_has_full_access_in_its_account_but_not_past_scps_or_other_accounts() {
        // "How AWS enforcement code logic evaluates requests": requests are implicitly denied
        // "with the exception of the AWS account root user, which has full access".
        let root = "arn:aws:iam::123456789012:root";
        let own = request("s3:GetObject", OBJECT, ACCOUNT, root);
        let c = case(json!({"request": own}));
        assert_eq!(c.decide().decision, Decision::Allowed);
        assert!(c.explain().reason.contains("root user has full access"));
        // SCPs apply to the root user of a member account.
        assert_eq!(
            decide(
                json!({"request": own, "serviceControlPolicies": [{"orgIdentifier": "r-root", "policies": [deny("s3:*", "*")]}]})
            ),
            Decision::ExplicitlyDenied
        );
        // Another account's bucket must name the account.
        let other = request("s3:GetObject", OBJECT, OTHER, root);
        assert_eq!(decide(json!({"request": other})), Decision::ImplicitlyDenied);
        let trusting = bucket_allowing(json!({"AWS": ACCOUNT}), "s3:GetObject");
        let mut other_bucket = other.clone();
        other_bucket["resource"]["resource"] = json!(BUCKET_OBJECT);
        assert_eq!(decide(json!({"request": other_bucket, "resourcePolicy": trusting})), Decision::Allowed);
    }

    #[test]
    fn principal_federated_user_named_exactly_is_not_limited_by_the_session_policy() {
        // "Policy evaluation logic", resource-based policies: within one account, a grant to a
        // federated user principal ARN is not limited by an implicit deny in the session policy.
        let carol = "arn:aws:sts::123456789012:federated-user/carol";
        let r = request("s3:PutObject", OBJECT, ACCOUNT, carol);
        let session = allow("s3:GetObject", "*");
        let named = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": carol}, "Action": "s3:PutObject", "Resource": "*"}]});
        assert_eq!(decide(json!({"request": r, "resourcePolicy": named, "sessionPolicy": session})), Decision::Allowed);
        // An identity-based grant is limited by it.
        assert_eq!(
            decide(json!({"request": r, "identityPolicies": [allow("s3:*", "*")], "sessionPolicy": session})),
            Decision::ImplicitlyDenied
        );
        // aws:userid of a federated user is ACCOUNT:NAME.
        let c = case(json!({"request": r}));
        assert_eq!(c.request.context.get_lower("aws:userid").unwrap(), ["123456789012:carol".to_string()]);
    }

    #[test]
    fn principal_canonical_user_is_named_by_its_id() {
        let id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
        let r = request("s3:GetObject", BUCKET_OBJECT, ACCOUNT, id);
        assert_eq!(
            decide(
                json!({"request": r, "resourcePolicy": bucket_allowing(json!({"CanonicalUser": id}), "s3:GetObject")})
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                json!({"request": r, "resourcePolicy": bucket_allowing(json!({"CanonicalUser": "0".repeat(64)}), "s3:GetObject")})
            ),
            Decision::ImplicitlyDenied
        );
    }

    #[test]
    fn the_same_request_flips_between_the_three_decisions() {
        // "Cross-account policy evaluation logic": both sides must allow; a Deny on either wins.
        let r = request("s3:GetObject", OBJECT, OTHER, USER);
        let bucket = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-project-data/*"}]});
        assert_eq!(decide(json!({"request": r, "resourcePolicy": bucket})), Decision::ImplicitlyDenied);
        assert_eq!(
            decide(json!({"request": r, "resourcePolicy": bucket, "identityPolicies": [allow("s3:GetObject", "*")]})),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                json!({"request": r, "resourcePolicy": bucket, "identityPolicies": [allow("s3:GetObject", "*"), deny("s3:*", "*")]})
            ),
            Decision::ExplicitlyDenied
        );
    }
}

/// Role trust policies: IAM User Guide, "Policy evaluation logic" (trust policies must allow
/// even within one account), STS API Reference, "AssumeRole" (within one account, either an
/// identity policy with a trust policy that trusts the account, or the user named directly).
mod trust_policies {
    use super::*;

    const EXECUTION_ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerExecutionRole";

    fn trust(principal: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})
    }

    fn assume(principal: &str) -> Value {
        request("sts:AssumeRole", EXECUTION_ROLE, ACCOUNT, principal)
    }

    #[test]
    fn trust_policy_without_resource_is_the_roles_and_decides_for_a_service() {
        let sagemaker = trust(json!({"Service": "sagemaker.amazonaws.com"}));
        assert_eq!(
            decide(json!({"request": assume("sagemaker.amazonaws.com"), "resourcePolicy": sagemaker})),
            Decision::Allowed
        );
        let c = case(json!({"request": assume("ec2.amazonaws.com"), "resourcePolicy": sagemaker}));
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.contains("trust policy does not allow"), "{}", c.explain().reason);
        let mut denying = sagemaker.clone();
        denying["Statement"].as_array_mut().unwrap().push(
            json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}}),
        );
        let mut confused = assume("sagemaker.amazonaws.com");
        confused["context"] = json!({"aws:SourceAccount": OTHER});
        assert_eq!(decide(json!({"request": confused, "resourcePolicy": denying})), Decision::ExplicitlyDenied);
    }

    #[test]
    fn trust_policy_must_allow_even_when_the_identity_policy_does() {
        let identity = allow("sts:AssumeRole", EXECUTION_ROLE);
        let c = case(json!({"request": assume(USER), "identityPolicies": [identity]}));
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.starts_with("no trust policy given"), "{}", c.explain().reason);
        let of_account = trust(json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}));
        // Trusting the account delegates to the identity policy, which must allow.
        assert_eq!(decide(json!({"request": assume(USER), "resourcePolicy": of_account})), Decision::ImplicitlyDenied);
        let c = case(json!({"request": assume(USER), "resourcePolicy": of_account, "identityPolicies": [identity]}));
        assert_eq!(c.decide().decision, Decision::Allowed);
        let layers: Vec<String> = c.explain().deciding.iter().map(|d| d.layer.clone()).collect();
        assert_eq!(layers, ["identityPolicies[0]", "resourcePolicy"]);
        // A trust policy for another principal: the identity policy alone does not do.
        let c = case(
            json!({"request": assume(USER), "resourcePolicy": trust(json!({"Service": "sagemaker.amazonaws.com"})), "identityPolicies": [identity]}),
        );
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
    }

    #[test]
    fn trust_policy_naming_the_user_needs_no_identity_policy_but_the_boundary_still_limits() {
        let named = trust(json!({"AWS": USER}));
        assert_eq!(decide(json!({"request": assume(USER), "resourcePolicy": named})), Decision::Allowed);
        // "Update a role trust policy": a user named in the trust policy who cannot assume the
        // role: check the user's permissions boundary.
        assert_eq!(
            decide(
                json!({"request": assume(USER), "resourcePolicy": named, "permissionBoundaries": [allow("s3:*", "*")]})
            ),
            Decision::ImplicitlyDenied
        );
        assert_eq!(
            decide(
                json!({"request": assume(USER), "resourcePolicy": named, "permissionBoundaries": [allow("sts:AssumeRole", "*")]})
            ),
            Decision::Allowed
        );
    }

    #[test]
    fn trust_policy_across_accounts_needs_both_sides() {
        let from_other = "arn:aws:sts::210987654321:assumed-role/Auditor/eve";
        let trusting_other = trust(json!({"AWS": OTHER}));
        assert_eq!(
            decide(json!({"request": assume(from_other), "resourcePolicy": trusting_other})),
            Decision::ImplicitlyDenied
        );
        assert_eq!(
            decide(
                json!({"request": assume(from_other), "resourcePolicy": trusting_other, "identityPolicies": [allow("sts:AssumeRole", "*")]})
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                json!({"request": assume(from_other), "resourcePolicy": trust(json!({"AWS": ACCOUNT})), "identityPolicies": [allow("sts:AssumeRole", "*")]})
            ),
            Decision::ImplicitlyDenied
        );
    }

    #[test]
    fn trust_policy_for_saml_federation_and_the_root_user() {
        // "AWS JSON policy elements: Principal", SAML: {"Federated": "arn:aws:iam::ACCOUNT:saml-provider/NAME"}.
        let okta = "arn:aws:iam::123456789012:saml-provider/Okta";
        let saml = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": okta}, "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]});
        let mut r = request("sts:AssumeRoleWithSAML", EXECUTION_ROLE, ACCOUNT, okta);
        r["context"] = json!({"SAML:aud": "https://signin.aws.amazon.com/saml"});
        assert_eq!(decide(json!({"request": r, "resourcePolicy": saml})), Decision::Allowed);
        r["context"] = json!({"SAML:aud": "https://elsewhere.example.com"});
        assert_eq!(decide(json!({"request": r, "resourcePolicy": saml})), Decision::ImplicitlyDenied);
        // STS API Reference, "AssumeRole": root user credentials cannot call it.
        let c = case(
            json!({"request": assume("arn:aws:iam::123456789012:root"), "resourcePolicy": trust(json!({"AWS": ACCOUNT}))}),
        );
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.contains("root user cannot call sts:AssumeRole"));
    }

    #[test]
    fn a_policy_without_resource_must_be_a_roles_trust_policy() {
        let bad = |v: Value| parse_case(&v, "case.json", &Embedded(&[]), &[]).unwrap_err().to_string();
        let e = bad(
            json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, USER), "resourcePolicy": trust(json!({"AWS": USER}))}),
        );
        assert!(
            e.contains("resourcePolicy: Statement[0]: Resource: missing, which makes this a role's trust policy"),
            "{e}"
        );
        let e = bad(json!({"request": assume(USER), "identityPolicies": [trust(json!({"AWS": USER}))]}));
        assert!(e.contains("identityPolicies[0]: Statement[0]: Principal: not allowed here"), "{e}");
    }
}

/// KMS key policies: KMS Developer Guide, "Key policies" and "Default key policy".
mod key_policies {
    use super::*;

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn decrypt(principal: &str) -> Value {
        request("kms:Decrypt", KEY, ACCOUNT, principal)
    }

    /// "Allows access to the AWS account and enables IAM policies".
    fn default_key_policy(account: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM policies", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"}]})
    }

    #[test]
    fn key_policy_trusting_the_account_lets_iam_policies_decide() {
        let key_policy = default_key_policy(ACCOUNT);
        assert_eq!(
            decide(
                json!({"request": decrypt(ROLE_SESSION), "resourcePolicy": key_policy, "identityPolicies": [allow("kms:Decrypt", KEY)]})
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(json!({"request": decrypt(ROLE_SESSION), "resourcePolicy": key_policy})),
            Decision::ImplicitlyDenied
        );
        // "IAM policies that deny access to the key are still effective."
        assert_eq!(
            decide(
                json!({"request": decrypt(ROLE_SESSION), "resourcePolicy": key_policy, "identityPolicies": [allow("kms:*", "*"), deny("kms:Decrypt", "*")]})
            ),
            Decision::ExplicitlyDenied
        );
    }

    #[test]
    fn key_policy_is_needed_even_when_the_identity_policy_allows() {
        let c = case(json!({"request": decrypt(ROLE_SESSION), "identityPolicies": [allow("kms:*", "*")]}));
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.starts_with("no key policy given"), "{}", c.explain().reason);
        // "Without this permission, IAM policies that allow access to the key are ineffective."
        let only_admins = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/KMSAdminRole"}, "Action": "kms:*", "Resource": "*"}]});
        let c = case(
            json!({"request": decrypt(ROLE_SESSION), "resourcePolicy": only_admins, "identityPolicies": [allow("kms:*", "*")]}),
        );
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.contains("IAM policies alone never give access to a KMS key"));
        // kms:CreateKey is not on a key: the identity policy decides.
        assert_eq!(
            decide(
                json!({"request": request("kms:CreateKey", "*", ACCOUNT, ROLE_SESSION), "identityPolicies": [allow("kms:CreateKey", "*")]})
            ),
            Decision::Allowed
        );
    }

    #[test]
    fn key_policy_naming_the_key_user_needs_no_identity_policy() {
        // "Allows key users to use the KMS key": the role named in the key policy.
        let users = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Allow use of the key", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/DataScientist"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}]});
        assert_eq!(decide(json!({"request": decrypt(ROLE_SESSION), "resourcePolicy": users})), Decision::Allowed);
        // The console's default key policy: the account's statement first, the key users' next.
        let mut console = default_key_policy(ACCOUNT);
        console["Statement"].as_array_mut().unwrap().push(users["Statement"][0].clone());
        let c = case(json!({"request": decrypt(ROLE_SESSION), "resourcePolicy": console}));
        assert_eq!(c.decide().decision, Decision::Allowed, "the key users' statement grants without an IAM policy");
        assert_eq!(c.explain().deciding[0].sid.as_deref(), Some("Allow use of the key"));
        assert_eq!(
            decide(
                json!({"request": request("kms:ScheduleKeyDeletion", KEY, ACCOUNT, ROLE_SESSION), "resourcePolicy": users, "identityPolicies": [allow("kms:*", "*")]})
            ),
            Decision::ImplicitlyDenied
        );
    }

    #[test]
    fn key_policy_across_accounts_must_trust_the_other_account_and_its_iam_policy_must_allow() {
        // "Allowing users in other accounts to use a KMS key".
        let outsider = "arn:aws:sts::210987654321:assumed-role/Analyst/eve";
        let mut key_policy = default_key_policy(ACCOUNT);
        assert_eq!(
            decide(
                json!({"request": decrypt(outsider), "resourcePolicy": key_policy, "identityPolicies": [allow("kms:Decrypt", KEY)]})
            ),
            Decision::ImplicitlyDenied
        );
        key_policy["Statement"].as_array_mut().unwrap().push(
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "kms:Decrypt", "Resource": "*"}),
        );
        assert_eq!(
            decide(json!({"request": decrypt(outsider), "resourcePolicy": key_policy})),
            Decision::ImplicitlyDenied
        );
        assert_eq!(
            decide(
                json!({"request": decrypt(outsider), "resourcePolicy": key_policy, "identityPolicies": [allow("kms:Decrypt", KEY)]})
            ),
            Decision::Allowed
        );
    }

    #[test]
    fn key_policy_decides_for_the_root_user_too() {
        let root = "arn:aws:iam::123456789012:root";
        assert_eq!(decide(json!({"request": decrypt(root)})), Decision::ImplicitlyDenied);
        assert_eq!(
            decide(json!({"request": decrypt(root), "resourcePolicy": default_key_policy(ACCOUNT)})),
            Decision::Allowed
        );
    }
}

/// Keys AWS derives from the principal and the organisation: IAM User Guide, "AWS global
/// condition context keys" and "IAM policy elements: Variables" (aws:userid's table);
/// Organizations User Guide, "Service control policies" and "Resource control policies" (the
/// management account).
mod derived {
    use super::*;

    fn key(v: Value, name: &str) -> Option<Vec<String>> {
        case(v).request.context.get_lower(&name.to_lowercase()).map(<[String]>::to_vec)
    }

    #[test]
    fn aws_userid_from_the_principal_and_its_unique_id() {
        let mut r = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
        assert_eq!(key(json!({"request": r}), "aws:userid"), None, "a role's unique id is AWS's to give");
        r["principalId"] = json!("AROAEXAMPLEID");
        assert_eq!(key(json!({"request": r}), "aws:userid"), Some(vec!["AROAEXAMPLEID:alice".to_string()]));
        // The documented per-session pattern: "aws:userid": "AROAEXAMPLEID:*".
        let own_sessions = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}}]});
        assert_eq!(decide(json!({"request": r, "identityPolicies": [own_sessions]})), Decision::Allowed);
        r["principalId"] = json!("AROAOTHERROLE");
        assert_eq!(decide(json!({"request": r, "identityPolicies": [own_sessions]})), Decision::ImplicitlyDenied);
        let mut u = request("s3:GetObject", OBJECT, ACCOUNT, USER);
        u["principalId"] = json!("AIDAEXAMPLEUSER");
        assert_eq!(key(json!({"request": u}), "aws:userid"), Some(vec!["AIDAEXAMPLEUSER".to_string()]));
        let root = request("s3:GetObject", OBJECT, ACCOUNT, "arn:aws:iam::123456789012:root");
        assert_eq!(key(json!({"request": root}), "aws:userid"), Some(vec![ACCOUNT.to_string()]));
        assert_eq!(key(json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, "*")}), "aws:userid"), None);
    }

    #[test]
    fn principal_org_id_and_paths_come_from_the_cases_organization() {
        let org = json!({"id": "o-abc123", "accounts": [ACCOUNT]});
        let scps = json!([{"orgIdentifier": "r-ab12", "policies": [allow("*", "*")]}, {"orgIdentifier": "ou-ab12-ml", "policies": [allow("*", "*")]}, {"orgIdentifier": ACCOUNT, "policies": [allow("*", "*")]}]);
        let r = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
        let with = json!({"request": r, "organization": org, "serviceControlPolicies": scps});
        assert_eq!(key(with.clone(), "aws:PrincipalOrgID"), Some(vec!["o-abc123".to_string()]));
        assert_eq!(key(with, "aws:PrincipalOrgPaths"), Some(vec!["o-abc123/r-ab12/ou-ab12-ml/".to_string()]));
        assert_eq!(key(json!({"request": r}), "aws:PrincipalOrgID"), None, "no organisation named");
        // The documented data-perimeter RCP: deny principals outside the organisation.
        let perimeter = json!([{"orgIdentifier": "r-ab12", "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}]}]);
        let bucket = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": [ACCOUNT, OTHER]}, "Action": "s3:GetObject", "Resource": "*"}]});
        let inside = json!({"request": r, "organization": org, "identityPolicies": [allow("s3:*", "*")], "resourceControlPolicies": perimeter, "resourcePolicy": bucket});
        assert_eq!(decide(inside), Decision::Allowed);
        let outsider = request("s3:GetObject", OBJECT, ACCOUNT, "arn:aws:sts::210987654321:assumed-role/Partner/p");
        let outside = json!({"request": outsider, "organization": org, "identityPolicies": [allow("s3:*", "*")], "resourceControlPolicies": perimeter, "resourcePolicy": bucket});
        assert_eq!(decide(outside), Decision::ExplicitlyDenied);
    }

    #[test]
    fn the_management_account_is_spared_scps_and_its_resources_rcps() {
        let org = json!({"id": "o-abc123", "managementAccount": ACCOUNT});
        let scp_deny = json!([{"orgIdentifier": "r-ab12", "policies": [deny("s3:*", "*")]}]);
        let r = request("s3:GetObject", OBJECT, ACCOUNT, USER);
        assert_eq!(
            decide(json!({"request": r, "identityPolicies": [allow("s3:*", "*")], "serviceControlPolicies": scp_deny})),
            Decision::ExplicitlyDenied
        );
        assert_eq!(
            decide(
                json!({"request": r, "organization": org, "identityPolicies": [allow("s3:*", "*")], "serviceControlPolicies": scp_deny})
            ),
            Decision::Allowed,
            "SCPs don't affect users or roles in the management account"
        );
        let rcp_deny = json!([{"orgIdentifier": "r-ab12", "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}]}]);
        assert_eq!(
            decide(
                json!({"request": r, "organization": org, "identityPolicies": [allow("s3:*", "*")], "resourceControlPolicies": rcp_deny})
            ),
            Decision::Allowed,
            "RCPs don't affect resources in the management account"
        );
        let member_bucket = request("s3:GetObject", OBJECT, OTHER, USER);
        let bucket = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:GetObject", "Resource": "*"}]});
        assert_eq!(
            decide(
                json!({"request": member_bucket, "organization": org, "identityPolicies": [allow("s3:*", "*")], "resourcePolicy": bucket, "resourceControlPolicies": rcp_deny})
            ),
            Decision::ExplicitlyDenied,
            "a member account's resource stays under the RCP, whoever asks"
        );
    }

    #[test]
    fn a_malformed_organization_says_where() {
        let bad = |v: Value| parse_case(&v, "case.json", &Embedded(&[]), &[]).unwrap_err().to_string();
        let r = request("s3:GetObject", OBJECT, ACCOUNT, USER);
        assert_eq!(
            bad(json!({"request": r, "organization": {"id": "abc"}})),
            "case.json: organization.id: must be the organisation's id, such as o-a1b2c3d4e5"
        );
        assert!(
            bad(json!({"request": r, "organization": {"id": "o-abc123", "master": ACCOUNT}}))
                .contains("organization.master: unknown field")
        );
    }
}

/// What AWS owns and no policy can change: implicitly denied (no Deny statement is involved),
/// with the rule as the reason. IAM User Guide, "AWS managed policies" and "Using service-linked
/// roles"; IAM Identity Center User Guide, "IAM roles created by IAM Identity Center"; KMS
/// Developer Guide, "About aliases" and "AWS managed keys".
mod fixed_rules {
    use super::*;

    fn admin(action: &str, resource: &str) -> Case {
        case(
            json!({"request": request(action, resource, ACCOUNT, ROLE_SESSION), "identityPolicies": [allow("*", "*")]}),
        )
    }

    /// Implicitly denied, naming the rule, with no statement as its cause.
    fn refused(c: &Case, says: &str) {
        let e = c.explain();
        assert_eq!(e.result, Decision::ImplicitlyDenied, "{}", e.reason);
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(e.reason.contains(says), "{}", e.reason);
        assert!(e.deciding.is_empty(), "no statement decided: {:?}", e.deciding);
    }

    // IAM User Guide, "AWS managed policies": "You cannot change the permissions defined in AWS
    // managed policies"; they live in AWS's account (`aws` in their ARN), readable from every
    // account.
    #[test]
    fn aws_managed_policies_cannot_be_changed_or_created() {
        for action in ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion", "iam:TagPolicy"] {
            let c = admin(action, "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess");
            refused(&c, "AWS managed policy");
            refused(&c, "belongs to AWS's own account (`aws`)");
        }
        // Creating a policy in AWS's account.
        refused(&admin("iam:CreatePolicy", "arn:aws:iam::aws:policy/MyOwnPolicy"), "no one create");
        // A customer managed policy is the account's to change; reading an AWS one is allowed,
        // also when the case names no account for it.
        assert_eq!(
            admin("iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/DataScientist").decide().decision,
            Decision::Allowed
        );
        assert_eq!(
            admin("iam:GetPolicy", "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess").decide().decision,
            Decision::Allowed
        );
        let read = case(
            json!({"request": {"action": "iam:GetPolicyVersion", "resource": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
            "principal": ROLE_SESSION}, "identityPolicies": [allow("iam:Get*", "*")]}),
        );
        assert_eq!(read.decide().decision, Decision::Allowed);
        // A Deny that matches decides, as always.
        let c = case(
            json!({"request": request("iam:DeletePolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess", ACCOUNT, ROLE_SESSION),
            "identityPolicies": [allow("*", "*"), deny("iam:DeletePolicy", "*")]}),
        );
        assert_eq!(c.decide().decision, Decision::ExplicitlyDenied);
    }

    // IAM User Guide, "Using service-linked roles": permissions and trust policy are the
    // service's; deleted with iam:DeleteServiceLinkedRole; the description can be edited.
    #[test]
    fn service_linked_roles_change_only_through_their_service() {
        let slr = "arn:aws:iam::123456789012:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMakerNotebooks";
        refused(&admin("iam:PutRolePolicy", slr), "service-linked role");
        refused(&admin("iam:UpdateAssumeRolePolicy", slr), "belongs to its service");
        refused(&admin("iam:DeleteRole", slr), "iam:DeleteServiceLinkedRole");
        assert_eq!(admin("iam:DeleteServiceLinkedRole", slr).decide().decision, Decision::Allowed);
        assert_eq!(admin("iam:UpdateRoleDescription", slr).decide().decision, Decision::Allowed);
        assert_eq!(
            admin("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/SageMakerExecutionRole").decide().decision,
            Decision::Allowed
        );
    }

    // IAM Identity Center User Guide, "IAM roles created by IAM Identity Center": it creates the
    // roles of permission sets (AWSReservedSSO_...) and manages them; "Using service-linked
    // roles for IAM Identity Center": AWSServiceRoleForSSO creates, changes and deletes the
    // roles on the path /aws-reserved/sso.amazonaws.com/. IAM refuses anyone else: "Cannot
    // perform the operation on the protected role ... this role is only modifiable by AWS"
    // (AWS re:Post Knowledge Center, "identity-center-aws-reserved-sso").
    #[test]
    fn identity_center_roles_are_protected_like_service_linked_roles() {
        let sso = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef";
        let regional = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_fedcba9876543210";
        for action in [
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:UpdateAssumeRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:DeleteRole",
            "iam:CreateRole",
            "iam:UpdateRoleDescription",
            "iam:TagRole",
        ] {
            refused(&admin(action, sso), "IAM Identity Center");
            refused(&admin(action, regional), "only modifiable by AWS");
        }
        // Reading it, and passing it, are not changes.
        assert_eq!(admin("iam:GetRole", sso).decide().decision, Decision::Allowed);
        assert_eq!(admin("iam:ListRolePolicies", sso).decide().decision, Decision::Allowed);
        // Not even the account's root user.
        let root = case(json!({"request": request("iam:DeleteRole", sso, ACCOUNT, "arn:aws:iam::123456789012:root")}));
        assert_eq!(root.decide().decision, Decision::ImplicitlyDenied);
        // IAM Identity Center itself, through its service-linked role, manages them.
        let identity_center = "arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForSSO/sso";
        let c = case(
            json!({"request": request("iam:PutRolePolicy", sso, ACCOUNT, identity_center), "identityPolicies": [allow("iam:*", "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*")]}),
        );
        assert_eq!(c.decide().decision, Decision::Allowed);
        // A role elsewhere on a path of the account's own is the account's.
        assert_eq!(
            admin("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/aws-reserved-not/sso.amazonaws.com/X")
                .decide()
                .decision,
            Decision::Allowed
        );
    }

    // KMS Developer Guide, "About aliases": "AWS creates aliases in your account for AWS managed
    // keys. These aliases have names of the form alias/aws/<service-name>"; KMS API Reference,
    // CreateAlias: "The alias name cannot begin with alias/aws/. The alias/aws/ prefix is
    // reserved for AWS managed keys."
    #[test]
    fn aws_managed_aliases_are_reserved() {
        refused(
            &admin("kms:CreateAlias", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3"),
            "alias/aws/ belong to AWS",
        );
        refused(&admin("kms:UpdateAlias", "arn:aws:kms:us-east-1:123456789012:alias/aws/ebs"), "AWS managed keys");
        refused(&admin("kms:DeleteAlias", "arn:aws:kms:us-east-1:123456789012:alias/aws/sagemaker"), "reserved");
        assert_eq!(
            admin("kms:CreateAlias", "arn:aws:kms:us-east-1:123456789012:alias/ml-training").decide().decision,
            Decision::Allowed
        );
    }

    // IAM User Guide, "Cross-account policy evaluation logic": a request on another account's
    // resource needs that account's resource-based policy; the explanation says whose it is.
    #[test]
    fn another_accounts_resource_without_a_resource_policy_says_whose_it_is() {
        let r = request("s3:GetObject", OBJECT, OTHER, ROLE_SESSION);
        let e = case(json!({"request": r, "identityPolicies": [allow("s3:*", "*")]})).explain();
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert!(
            e.reason.contains("the resource belongs to account 210987654321, the principal to 123456789012"),
            "{}",
            e.reason
        );
        assert!(e.reason.contains("no resource-based policy is given"), "{}", e.reason);
    }
}

/// A request on a resource pattern asks whether the request is allowed on some resource the
/// pattern covers: an Allow counts where its resources meet the pattern (outside what Deny
/// statements close), a Deny where it covers all of it; a Deny that covers part of it closes
/// that part and the explanation says which. Exact literal requests are answered as before.
mod resource_patterns {
    use super::*;
    use vigil::policy::Explained;

    const BUCKET: &str = "arn:aws:s3:::ml-project-data/*";

    fn get(resource: &str) -> Value {
        request("s3:GetObject", resource, ACCOUNT, ROLE_SESSION)
    }

    fn explain(v: Value) -> Explained {
        case(v).explain()
    }

    fn allowed(e: &Explained) -> Vec<String> {
        e.pattern.as_ref().expect("a pattern answer").allowed.clone()
    }

    fn closed(e: &Explained) -> Vec<(Vec<String>, String)> {
        e.pattern
            .as_ref()
            .expect("a pattern answer")
            .closed
            .iter()
            .map(|c| (c.resources.clone(), c.by.clone()))
            .collect()
    }

    #[test]
    fn an_allow_counts_where_its_resources_meet_the_pattern() {
        // "Can this role call s3:GetObject on anything?"
        let one_object = allow("s3:GetObject", "arn:aws:s3:::ml-project-data/photo.jpg");
        let e = explain(json!({"request": get("*"), "identityPolicies": [one_object]}));
        assert_eq!(e.result, Decision::Allowed);
        assert_eq!(allowed(&e), ["arn:aws:s3:::ml-project-data/photo.jpg"]);
        assert_eq!(e.headline(), "Allowed (for some resources: arn:aws:s3:::ml-project-data/photo.jpg)");
        let logs = allow("s3:GetObject", "arn:aws:s3:::ml-project-data/AWSLogs/*");
        let e = explain(json!({"request": get(BUCKET), "identityPolicies": [logs]}));
        assert_eq!(
            (e.result, allowed(&e)),
            (Decision::Allowed, vec!["arn:aws:s3:::ml-project-data/AWSLogs/*".to_string()])
        );
        // A broader Allow: the pattern itself is what is allowed.
        let e = explain(json!({"request": get(BUCKET), "identityPolicies": [allow("s3:*", "*")]}));
        assert_eq!(allowed(&e), [BUCKET]);
        // Neither contains the other: named as the two meet.
        let e = explain(
            json!({"request": get("arn:aws:s3:::ml-*/train/*"), "identityPolicies": [allow("s3:GetObject", "arn:aws:s3:::ml-project-data/*")]}),
        );
        assert_eq!(allowed(&e), ["arn:aws:s3:::ml-project-data/* within arn:aws:s3:::ml-*/train/*"]);
        // Another bucket does not meet it.
        let other = allow("s3:GetObject", "arn:aws:s3:::other-bucket/*");
        let e = explain(json!({"request": get(BUCKET), "identityPolicies": [other]}));
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert!(e.reason.contains("any resource of the pattern"), "{}", e.reason);
        // A literal request is answered as itself, as before: no pattern answer.
        let e = explain(json!({"request": get(OBJECT), "identityPolicies": [allow("s3:GetObject", BUCKET)]}));
        assert_eq!((e.result, e.pattern.is_none()), (Decision::Allowed, true));
        assert_eq!(
            decide(
                json!({"request": get(OBJECT), "identityPolicies": [allow("s3:GetObject", "arn:aws:s3:::ml-project-data/photo.jpg")]})
            ),
            Decision::ImplicitlyDenied
        );
        // The identity's policy variables are substituted before the pattern is met.
        let home = allow("s3:GetObject", "arn:aws:s3:::home-bucket/home/${aws:username}/*");
        let e = explain(
            json!({"request": request("s3:GetObject", "arn:aws:s3:::home-bucket/*", ACCOUNT, USER), "identityPolicies": [home]}),
        );
        assert_eq!(allowed(&e), ["arn:aws:s3:::home-bucket/home/bob/*"]);
    }

    #[test]
    fn a_deny_counts_where_it_covers_the_whole_pattern_and_otherwise_closes_its_part() {
        let everything = allow("s3:*", "*");
        let deny_private = json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyPrivate", "Effect": "Deny", "Action": "s3:*",
            "Resource": "arn:aws:s3:::ml-project-data/private/*"}]});
        // It covers all of a narrower pattern.
        let e = explain(
            json!({"request": get("arn:aws:s3:::ml-project-data/private/2026/*"), "identityPolicies": [everything, deny_private]}),
        );
        assert_eq!(e.result, Decision::ExplicitlyDenied);
        assert_eq!(e.deciding[0].sid.as_deref(), Some("DenyPrivate"));
        // Of a broader one it closes part, and the rest stays open.
        let e = explain(json!({"request": get(BUCKET), "identityPolicies": [everything, deny_private]}));
        assert_eq!(e.result, Decision::Allowed);
        assert_eq!(
            closed(&e),
            [(
                vec!["arn:aws:s3:::ml-project-data/private/*".to_string()],
                "identityPolicies[1] Statement[0] \"DenyPrivate\"".to_string()
            )]
        );
        assert_eq!(
            e.headline(),
            "Allowed (for some resources: arn:aws:s3:::ml-project-data/*; not arn:aws:s3:::ml-project-data/private/*)"
        );
        // An Allow that reaches only the closed part counts for nothing.
        let only_private = allow("s3:GetObject", "arn:aws:s3:::ml-project-data/private/*");
        let e = explain(json!({"request": get(BUCKET), "identityPolicies": [only_private, deny_private]}));
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert_eq!(closed(&e).len(), 1, "the explanation still says which part the Deny closes");
        // Two Denies that each cover part cover it all together: explicitly denied.
        let halves = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::ml-project-data/private/*"},
            {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::ml-project-data/private/*"}]});
        let e = explain(json!({"request": get(BUCKET), "identityPolicies": [everything, halves]}));
        assert_eq!(e.result, Decision::ExplicitlyDenied);
        assert!(e.reason.contains("together cover every resource"), "{}", e.reason);
        assert_eq!(e.deciding.len(), 2);
        // A Deny with NotResource covers the pattern when the pattern is all outside what it spares.
        let spare_public = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::public-models/*"}]});
        assert_eq!(
            decide(json!({"request": get(BUCKET), "identityPolicies": [everything, spare_public]})),
            Decision::ExplicitlyDenied
        );
        let e = explain(json!({"request": get("*"), "identityPolicies": [everything, spare_public]}));
        assert_eq!(e.result, Decision::Allowed);
        assert_eq!(closed(&e)[0].0, ["everything but arn:aws:s3:::public-models/*"]);
    }

    #[test]
    fn the_pattern_means_the_resources_the_action_acts_on_in_the_principals_partition() {
        // sagemaker:CreateTrainingJob acts on SageMaker resources (a training job, and the
        // training plan or reserved capacity it uses): a Deny on all of them in the principal's
        // partition covers `*`, one on another partition's does not, and one on training jobs
        // alone leaves the others open.
        let train = request("sagemaker:CreateTrainingJob", "*", ACCOUNT, ROLE_SESSION);
        let every_job = deny("sagemaker:CreateTrainingJob", "arn:aws:sagemaker:*:*:*");
        let e = explain(json!({"request": train, "identityPolicies": [allow("sagemaker:*", "*"), every_job]}));
        assert_eq!(e.result, Decision::ExplicitlyDenied);
        let jobs = deny("sagemaker:CreateTrainingJob", "arn:aws:sagemaker:*:*:training-job/*");
        let e = explain(json!({"request": train, "identityPolicies": [allow("sagemaker:*", "*"), jobs]}));
        assert_eq!(e.result, Decision::Allowed);
        let china = deny("sagemaker:CreateTrainingJob", "arn:aws-cn:sagemaker:*:*:*");
        let e = explain(json!({"request": train, "identityPolicies": [allow("sagemaker:*", "*"), china]}));
        assert_eq!((e.result, closed(&e).len()), (Decision::Allowed, 0));
        // s3:GetObject acts on objects and, through access points, on access point objects: a
        // Deny on every object leaves those open.
        let every_object = deny("s3:GetObject", "arn:aws:s3:::*/*");
        let e = explain(json!({"request": get("*"), "identityPolicies": [allow("s3:*", "*"), every_object]}));
        assert_eq!(e.headline(), "Allowed (for some resources: *; not arn:aws:s3:::*/*)");
        // A pattern that covers no object at all.
        let e = explain(json!({"request": get("arn:aws:sagemaker:*"), "identityPolicies": [allow("*", "*")]}));
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert!(e.reason.contains("covers no resource the action acts on"), "{}", e.reason);
    }

    #[test]
    fn not_resource_in_an_allow_counts_for_what_it_leaves_in_the_pattern() {
        let all_but = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": BUCKET}]});
        assert_eq!(decide(json!({"request": get(BUCKET), "identityPolicies": [all_but]})), Decision::ImplicitlyDenied);
        let e = explain(json!({"request": get("*"), "identityPolicies": [all_but]}));
        assert_eq!(e.result, Decision::Allowed);
        assert_eq!(allowed(&e), [format!("* except {BUCKET}")]);
    }

    #[test]
    fn protected_resources_close_their_part_of_a_pattern() {
        let admin = |action: &str, resource: &str| {
            explain(
                json!({"request": request(action, resource, ACCOUNT, ROLE_SESSION), "identityPolicies": [allow("*", "*")]}),
            )
        };
        let e = admin("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/aws-service-role/*");
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert!(e.reason.contains("service-linked role"), "{}", e.reason);
        let e = admin("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/*");
        assert_eq!(e.result, Decision::Allowed);
        let parts: Vec<String> = closed(&e).into_iter().flat_map(|(r, _)| r).collect();
        assert_eq!(
            parts,
            [
                "arn:aws:iam::123456789012:role/aws-service-role/*",
                "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*"
            ]
        );
        let e = admin("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/*");
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert!(e.reason.contains("AWS managed policy"), "{}", e.reason);
        let e = admin("kms:DeleteAlias", "arn:aws:kms:us-east-1:123456789012:alias/*");
        assert_eq!(e.result, Decision::Allowed);
        assert_eq!(closed(&e)[0].0, ["arn:aws:kms:us-east-1:123456789012:alias/aws/*"]);
    }

    #[test]
    fn a_pattern_of_roles_still_needs_their_trust_policy() {
        let r = request("sts:AssumeRole", "arn:aws:iam::123456789012:role/*", ACCOUNT, USER);
        let c = case(json!({"request": r, "identityPolicies": [allow("sts:AssumeRole", "*")]}));
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.starts_with("no trust policy given"), "{}", c.explain().reason);
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}]});
        assert_eq!(decide(json!({"request": r, "resourcePolicy": trust})), Decision::Allowed);
    }

    // Every policy that must allow must allow the same resource: an identity policy allowing
    // one bucket and a boundary (or an SCP) allowing another allow no resource at all, as a
    // literal request on either bucket's objects shows.
    #[test]
    fn every_policy_that_must_allow_must_allow_the_same_resource() {
        let a = allow("s3:GetObject", "arn:aws:s3:::bucket-a/*");
        let b = allow("s3:GetObject", "arn:aws:s3:::bucket-b/*");
        let e = explain(json!({"request": get("*"), "identityPolicies": [a], "permissionBoundaries": [b]}));
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert_eq!(
            e.reason,
            "no resource the pattern covers is allowed: where identityPolicies[0] Statement[0] allows it (arn:aws:s3:::bucket-a/*), but permissionBoundaries[0] does not allow the action"
        );
        for object in ["arn:aws:s3:::bucket-a/k", "arn:aws:s3:::bucket-b/k"] {
            let literal = json!({"request": get(object), "identityPolicies": [a], "permissionBoundaries": [b]});
            assert_eq!(decide(literal), Decision::ImplicitlyDenied, "{object}");
        }
        let scp = json!([{"orgIdentifier": "r-ab12", "policies": [b]}]);
        let e = explain(json!({"request": get("*"), "identityPolicies": [a], "serviceControlPolicies": scp}));
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert!(
            e.reason.contains("(arn:aws:s3:::bucket-a/*), but no statement in serviceControlPolicies[0]"),
            "{}",
            e.reason
        );
        // Where they meet, that is what is allowed, named by the narrower.
        let e = explain(
            json!({"request": get("*"), "identityPolicies": [allow("s3:*", "*")], "permissionBoundaries": [a], "serviceControlPolicies": [{"orgIdentifier": "r-ab12", "policies": [allow("*", "*")]}]}),
        );
        assert_eq!(e.headline(), "Allowed (for some resources: arn:aws:s3:::bucket-a/*)");
        assert_eq!(e.deciding.len(), 3, "the SCP, the identity policy and the boundary: {:?}", e.deciding);
        // A VPC endpoint policy likewise.
        let e = explain(json!({"request": get("*"), "identityPolicies": [a], "endpointPolicies": [b]}));
        assert_eq!(e.result, Decision::ImplicitlyDenied);
    }

    // What a Deny leaves open is named when nothing allows it either.
    #[test]
    fn an_implicit_deny_names_the_part_a_deny_leaves_open() {
        let deny_private = deny("s3:*", "arn:aws:s3:::ml-project-data/private/*");
        let e = explain(json!({"request": get(BUCKET), "identityPolicies": [deny_private]}));
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert_eq!(
            e.reason,
            "no identity-based or resource-based statement allows any resource of the pattern that stays open (arn:aws:s3:::ml-project-data/* but not arn:aws:s3:::ml-project-data/private/*)"
        );
        // A literal request names what it asked for.
        let e = explain(json!({"request": get(OBJECT), "identityPolicies": [deny_private]}));
        assert_eq!(e.reason, format!("no identity-based or resource-based statement allows s3:GetObject on {OBJECT}"));
    }

    // Deny statements that each close a part, many of them: each part is named, in the
    // policies' order, and the answer comes from the shortest resources first, so that a
    // pattern with many parts a resource may or may not fall in is answered at once.
    #[test]
    fn many_deny_statements_each_close_their_part() {
        let mut statements = vec![json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET})];
        for i in 0..8 {
            statements
                .push(json!({"Effect": "Deny", "Action": "s3:*", "Resource": format!("arn:aws:s3:::*/private-{i}/*")}));
        }
        let policy = json!({"Version": "2012-10-17", "Statement": statements});
        let e =
            explain(json!({"request": get("arn:aws:s3:::ml-project-data/private-?/*"), "identityPolicies": [policy]}));
        assert_eq!(e.result, Decision::Allowed, "private-8 and private-9 stay open");
        let parts: Vec<String> = closed(&e).into_iter().flat_map(|(r, _)| r).collect();
        let expected: Vec<String> = (0..8).map(|i| format!("arn:aws:s3:::*/private-{i}/*")).collect();
        assert_eq!(parts, expected);
        // Twenty of them beside sixty buckets: a text may hold any of the twenty, yet the
        // decision comes at once.
        let mut statements: Vec<Value> = (0..60)
            .map(|i| json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::bucket-{i}/*")}))
            .collect();
        statements.extend(
            (0..20).map(
                |i| json!({"Effect": "Deny", "Action": "s3:*", "Resource": format!("arn:aws:s3:::*/private-{i}/*")}),
            ),
        );
        let boundary = allow("s3:*", "arn:aws:s3:::bucket-5*");
        let c = case(
            json!({"request": get("*"), "identityPolicies": [{"Version": "2012-10-17", "Statement": statements}], "permissionBoundaries": [boundary]}),
        );
        let started = std::time::Instant::now();
        assert_eq!(c.decide().decision, Decision::Allowed);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }

    // Across accounts the resource-based policy must open the resources too: the pattern is
    // allowed where the bucket policy and the identity policy both allow.
    #[test]
    fn across_accounts_the_pattern_is_allowed_where_both_sides_allow() {
        let other = |resource: &str| request("s3:GetObject", resource, OTHER, ROLE_SESSION);
        let bucket = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT},
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/public/*"}]});
        let e = explain(
            json!({"request": other("arn:aws:s3:::shared-data/*"), "identityPolicies": [allow("s3:GetObject", "*")], "resourcePolicy": bucket}),
        );
        assert_eq!(e.headline(), "Allowed (for some resources: arn:aws:s3:::shared-data/public/*)");
        // Without the bucket policy nothing can grant it, and the explanation says whose it is.
        let e = explain(
            json!({"request": other("arn:aws:s3:::shared-data/*"), "identityPolicies": [allow("s3:GetObject", "*")]}),
        );
        assert_eq!(e.result, Decision::ImplicitlyDenied);
        assert!(
            e.reason.contains("the resource belongs to account 210987654321, the principal to 123456789012"),
            "{}",
            e.reason
        );
        assert!(e.reason.contains("no resource-based policy is given"), "{}", e.reason);
    }
}

/// A request on a resource pattern is allowed exactly when a literal request on some resource
/// it covers is; explicitly denied exactly when every such request is. Checked against every
/// short resource over the patterns' letters and one they do not name, each decided as a
/// literal request, for random identity policies, boundaries, session policies and resource-based
/// policies (naming the session, its role, its account or everyone), in one account or across two.
mod patterns_agree_with_literal_requests {
    use super::*;
    use proptest::prelude::*;
    use vigil::policy::pattern::Glob;
    use vigil::policy::{Context, Request};

    const BASE: &str = "arn:aws:vigiltest:::";

    fn statement() -> impl Strategy<Value = Value> {
        (any::<bool>(), prop::bool::weighted(0.25), prop::collection::vec("[ab*?]{0,3}", 1..3)).prop_map(
            |(allow, not, resources)| {
                let resources: Vec<String> = resources.iter().map(|r| format!("{BASE}{r}")).collect();
                let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" }, "Action": "vigiltest:Act"});
                s[if not { "NotResource" } else { "Resource" }] = json!(resources);
                s
            },
        )
    }

    fn policy() -> impl Strategy<Value = Value> {
        prop::collection::vec(statement(), 1..4).prop_map(|s| json!({"Version": "2012-10-17", "Statement": s}))
    }

    /// A resource-based policy naming the session, its role, its account or everyone.
    fn resource_policy() -> impl Strategy<Value = Value> {
        let principal = prop_oneof![
            Just(json!({"AWS": ROLE_SESSION})),
            Just(json!({"AWS": "arn:aws:iam::123456789012:role/DataScientist"})),
            Just(json!({"AWS": ACCOUNT})),
            Just(json!("*")),
        ];
        (policy(), principal).prop_map(|(mut p, principal)| {
            for s in p["Statement"].as_array_mut().unwrap() {
                s["Principal"] = principal.clone();
            }
            p
        })
    }

    fn on(resource: &str, account: &str) -> Request {
        Request::new("vigiltest:Act", resource, Some(account), ROLE_SESSION, None, Context::new())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn the_pattern_is_allowed_exactly_when_some_resource_it_covers_is(
            identity in policy(),
            boundary in proptest::option::of(policy()),
            session in proptest::option::of(policy()),
            resource_policy in proptest::option::of(resource_policy()),
            other_account in prop::bool::weighted(0.25),
            pattern in "[ab]{0,1}[*?][ab*?]{0,2}",
        ) {
            let pattern = format!("{BASE}{pattern}");
            let account = if other_account { OTHER } else { ACCOUNT };
            let mut c = json!({"request": request("vigiltest:Act", &pattern, account, ROLE_SESSION), "identityPolicies": [identity]});
            if let Some(b) = boundary {
                c["permissionBoundaries"] = json!([b]);
            }
            if let Some(s) = session {
                c["sessionPolicy"] = s;
            }
            if let Some(r) = resource_policy {
                c["resourcePolicy"] = r;
            }
            let mut c = case(c);
            prop_assert!(c.request.pattern.is_some());
            let explained = c.explain();
            prop_assert_eq!(explained.result, c.decide().decision);
            if explained.result == Decision::ExplicitlyDenied {
                prop_assert!(!explained.deciding.is_empty() && explained.deciding.iter().all(|s| s.effect == "Deny"));
            }
            let mut texts = vec![String::new()];
            for _ in 0..5 {
                let longer: Vec<String> =
                    texts.iter().flat_map(|t| [format!("{t}a"), format!("{t}b"), format!("{t}c")]).collect();
                texts.extend(longer);
            }
            texts.sort();
            texts.dedup();
            let covered = Glob::arn(&pattern);
            let mut literal = Vec::new();
            for t in &texts {
                let resource = format!("{BASE}{t}");
                if covered.matches(&resource) {
                    c.request = on(&resource, account);
                    literal.push(c.decide().decision);
                }
            }
            let allowed = literal.contains(&Decision::Allowed);
            let all_explicit = literal.iter().all(|d| *d == Decision::ExplicitlyDenied);
            prop_assert_eq!(explained.result == Decision::Allowed, allowed, "{:?}: {}", literal, explained.reason);
            prop_assert_eq!(explained.result == Decision::ExplicitlyDenied, all_explicit, "{:?}: {}", literal, explained.reason);
        }
    }
}

/// Permissions boundaries and session policies beside a resource-based policy in one account:
/// whether the implicit deny of a boundary or a session policy limits the grant depends on whom
/// the resource-based policy names. IAM User Guide, "Policy evaluation logic" (How AWS
/// enforcement code logic evaluates requests: "Resource-based policies"), "Permissions
/// boundaries for IAM entities" ("Evaluating effective permissions with boundaries"), "Session
/// policies" (in "Policies and permissions in AWS Identity and Access Management") and "AWS JSON
/// policy elements: Principal" ("IAM role principals").
mod boundaries_and_sessions_beside_resource_policies {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/DataScientist";
    const FEDERATED: &str = "arn:aws:sts::123456789012:federated-user/carol";

    /// A bucket policy allowing s3:PutObject to `principal`.
    fn bucket(principal: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::ml-project-data/*"}]})
    }

    /// The request with the bucket policy naming `named`, and `limit` (a boundary or a session
    /// policy) that allows only s3:GetObject: an implicit deny for s3:PutObject.
    fn put(principal: &str, named: Value, limit: &str) -> Decision {
        let mut c = json!({"request": request("s3:PutObject", OBJECT, ACCOUNT, principal), "resourcePolicy": bucket(named),
            "identityPolicies": [allow("s3:*", "*")]});
        match limit {
            "boundary" => c["permissionBoundaries"] = json!([allow("s3:GetObject", "*")]),
            _ => c["sessionPolicy"] = allow("s3:GetObject", "*"),
        }
        decide(c)
    }

    // "Policy evaluation logic": "Resource-based policies that grant permissions to an IAM role
    // session ARN ... are not limited by an implicit deny in an identity-based policy, a
    // permissions boundary, or session policy"; "Resource-based policies that grant permissions
    // to an IAM role ARN are limited by an implicit deny in a permissions boundary or session
    // policy". "Session policies": a resource-based policy naming the ARN of the session "is
    // not limited by the session policy"; naming the role, "the session policy limits the total
    // permissions granted by the resource-based policy and the identity-based policy".
    #[test]
    fn naming_the_role_session_passes_the_boundary_and_the_session_policy_naming_the_role_does_not() {
        for limit in ["boundary", "session"] {
            assert_eq!(put(ROLE_SESSION, json!({"AWS": ROLE_SESSION}), limit), Decision::Allowed, "{limit}");
            assert_eq!(put(ROLE_SESSION, json!({"AWS": ROLE}), limit), Decision::ImplicitlyDenied, "{limit}");
        }
        // Naming the role, the grant needs no identity policy where the boundary allows:
        // effective permissions are the resource-based policy's and the intersection of the
        // boundary and the identity policies ("Permissions boundaries for IAM entities").
        let c = json!({"request": request("s3:PutObject", OBJECT, ACCOUNT, ROLE_SESSION), "resourcePolicy": bucket(json!({"AWS": ROLE})),
            "permissionBoundaries": [allow("s3:*", "*")]});
        assert_eq!(decide(c), Decision::Allowed);
        // And with neither an identity policy nor a boundary limiting, the session is granted too.
        assert_eq!(
            decide(
                json!({"request": request("s3:PutObject", OBJECT, ACCOUNT, ROLE_SESSION), "resourcePolicy": bucket(json!({"AWS": ROLE}))})
            ),
            Decision::Allowed
        );
    }

    // "Policy evaluation logic": "resource-based policies that grant permissions to an IAM user
    // ARN (that is not a federated user session) are not limited by an implicit deny in an
    // identity-based policy or permissions boundary".
    #[test]
    fn naming_the_user_passes_the_users_boundary() {
        assert_eq!(put(USER, json!({"AWS": USER}), "boundary"), Decision::Allowed);
        let no_identity_policy = json!({"request": request("s3:PutObject", OBJECT, ACCOUNT, USER), "resourcePolicy": bucket(json!({"AWS": USER})),
            "permissionBoundaries": [allow("ec2:*", "*")]});
        assert_eq!(decide(no_identity_policy), Decision::Allowed);
    }

    // "Policy evaluation logic", AWS STS federated user principal: a grant to the federated
    // user's ARN is "not limited by an implicit deny in an identity-based policy, a permissions
    // boundary, or session policy. However, if a resource-based policy grants permission to the
    // ARN of the IAM user who federated, then requests made by the federated user during the
    // session are limited by an implicit deny in a permission boundary or session policy." An
    // IAM user given with a session policy stands for that federated session.
    #[test]
    fn federated_user_sessions_by_the_arn_named() {
        assert_eq!(put(FEDERATED, json!({"AWS": FEDERATED}), "session"), Decision::Allowed);
        assert_eq!(put(FEDERATED, json!({"AWS": FEDERATED}), "boundary"), Decision::Allowed);
        assert_eq!(put(USER, json!({"AWS": USER}), "session"), Decision::ImplicitlyDenied);
    }

    // "AWS JSON policy elements: Principal", IAM role principals: "Identity-based policy types,
    // such as permissions boundaries or session policies, do not limit permissions granted
    // using the aws:PrincipalArn condition key with a wildcard(*) in the Principal element,
    // unless the identity-based policies contain an explicit deny"; "Policy evaluation logic"
    // says the same.
    #[test]
    fn a_wildcard_principal_passes_the_boundary_and_the_session_policy_but_not_a_deny() {
        for limit in ["boundary", "session"] {
            assert_eq!(put(ROLE_SESSION, json!("*"), limit), Decision::Allowed, "{limit}");
            assert_eq!(put(ROLE_SESSION, json!({"AWS": "*"}), limit), Decision::Allowed, "{limit}");
        }
        let by_principal_arn = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::ml-project-data/*", "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE}}}]});
        let c = json!({"request": request("s3:PutObject", OBJECT, ACCOUNT, ROLE_SESSION), "resourcePolicy": by_principal_arn,
            "permissionBoundaries": [allow("s3:GetObject", "*")], "sessionPolicy": allow("s3:GetObject", "*")});
        assert_eq!(decide(c.clone()), Decision::Allowed);
        let mut denied = c;
        denied["identityPolicies"] = json!([deny("s3:PutObject", "*")]);
        assert_eq!(decide(denied), Decision::ExplicitlyDenied);
    }

    // Naming the account delegates to the account's identity policies (IAM User Guide, "AWS
    // JSON policy elements: Principal", AWS account principals), which the boundary and the
    // session policy limit ("Permissions boundaries for IAM entities": the effective permissions
    // are the intersection of the boundary and the identity-based policy).
    #[test]
    fn naming_the_account_leaves_the_boundary_and_the_session_policy_in_force() {
        for limit in ["boundary", "session"] {
            let account = json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")});
            assert_eq!(put(ROLE_SESSION, account, limit), Decision::ImplicitlyDenied, "{limit}");
            assert_eq!(put(USER, json!({"AWS": ACCOUNT}), "boundary"), Decision::ImplicitlyDenied, "{limit}");
        }
    }

    // "Permissions boundaries for IAM entities": the boundary set for ShirleyRodriguez allows
    // S3, CloudWatch and EC2; a permissions policy allowing iam:CreateUser does not get past it.
    #[test]
    fn the_documented_boundary_limits_the_identity_policy() {
        let shirley = "arn:aws:iam::123456789012:user/ShirleyRodriguez";
        let boundary = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}]});
        let create_user = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}});
        let c =
            case(json!({"request": request("iam:CreateUser", "arn:aws:iam::123456789012:user/new", ACCOUNT, shirley),
            "identityPolicies": [create_user], "permissionBoundaries": [boundary]}));
        assert_eq!(c.decide().decision, Decision::ImplicitlyDenied);
        assert!(c.explain().reason.contains("permissionBoundaries[0]"), "{}", c.explain().reason);
    }

    // "Permissions boundaries for IAM entities": "The NotPrincipal element with a Deny effect will
    // always deny any IAM principal that has a permissions boundary policy attached, regardless
    // of the values specified in the NotPrincipal element."
    #[test]
    fn a_deny_with_not_principal_denies_a_principal_with_a_boundary_whatever_it_lists() {
        let spares_alice = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE_SESSION}, "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "NotPrincipal": {"AWS": [ROLE_SESSION, ROLE, "arn:aws:iam::123456789012:root"]}, "Action": "s3:*", "Resource": "*"}]});
        let r = request("s3:GetObject", OBJECT, ACCOUNT, ROLE_SESSION);
        assert_eq!(decide(json!({"request": r, "resourcePolicy": spares_alice})), Decision::Allowed);
        assert_eq!(
            decide(json!({"request": r, "resourcePolicy": spares_alice, "permissionBoundaries": [allow("s3:*", "*")]})),
            Decision::ExplicitlyDenied
        );
    }
}

/// `NotPrincipal` in an Allow: "AWS JSON policy elements: NotPrincipal", NotPrincipal with
/// Allow: the statement allows "all principals except the one named in the NotPrincipal
/// element". A request is each of its identities (its session, its role, its account): any one
/// of them listed, and the statement does not grant it.
mod not_principal_in_an_allow {
    use super::*;

    fn all_but(listed: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": listed}, "Action": "s3:GetObject", "Resource": "*"}]})
    }

    fn get(principal: &str, listed: Value) -> Decision {
        decide(
            json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, principal), "resourcePolicy": all_but(listed)}),
        )
    }

    #[test]
    fn a_principal_listed_by_its_session_its_role_or_its_account_is_not_granted() {
        assert_eq!(get(ROLE_SESSION, json!(ROLE_SESSION)), Decision::ImplicitlyDenied);
        assert_eq!(
            get(ROLE_SESSION, json!("arn:aws:iam::123456789012:role/DataScientist")),
            Decision::ImplicitlyDenied
        );
        assert_eq!(get(ROLE_SESSION, json!("arn:aws:iam::123456789012:root")), Decision::ImplicitlyDenied);
        assert_eq!(get(ROLE_SESSION, json!(ACCOUNT)), Decision::ImplicitlyDenied);
        assert_eq!(get(USER, json!(USER)), Decision::ImplicitlyDenied);
        // Everyone else is granted, an anonymous caller included.
        assert_eq!(get(ROLE_SESSION, json!("arn:aws:iam::123456789012:user/Bob")), Decision::Allowed);
        assert_eq!(get(USER, json!("arn:aws:iam::210987654321:root")), Decision::Allowed);
        assert_eq!(get("*", json!(USER)), Decision::Allowed);
        // The listed principal's own identity policy still grants it within the account.
        let own = json!({"request": request("s3:GetObject", OBJECT, ACCOUNT, USER), "resourcePolicy": all_but(json!(USER)),
            "identityPolicies": [allow("s3:GetObject", "*")]});
        assert_eq!(decide(own), Decision::Allowed);
    }
}

/// The IAM User Guide's worked examples of the evaluation logic.
mod documented_examples {
    use super::*;

    const CARLOS: &str = "arn:aws:iam::123456789012:user/carlossalazar";

    /// "Policy evaluation for requests within a single account", "Example identity-based and
    /// resource-based policy evaluation": Carlos's identity policy (its three statements as the
    /// guide gives them) and a bucket policy on his own bucket allowing him. Saving a file to
    /// amzn-s3-demo-bucket-carlossalazar-logs is denied by DenyS3Logs; to his own bucket it is
    /// allowed.
    fn carlos(resource: &str) -> Case {
        let identity = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"], "Resource": "arn:aws:s3:::*"},
            {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
            {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}]});
        let bucket = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": CARLOS},
            "Action": "s3:*", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*"}]});
        case(
            json!({"request": request("s3:PutObject", resource, ACCOUNT, CARLOS), "identityPolicies": [identity], "resourcePolicy": bucket}),
        )
    }

    #[test]
    fn carlos_saves_a_file_to_his_logs_bucket_and_to_his_own() {
        let e = carlos("arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/notes.txt").explain();
        assert_eq!(e.result, Decision::ExplicitlyDenied);
        assert_eq!(e.deciding[0].sid.as_deref(), Some("DenyS3Logs"));
        let e = carlos("arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/notes.txt").explain();
        assert_eq!(e.result, Decision::Allowed);
        // As patterns: the logs bucket is all denied; of everything, his bucket is open but
        // for what DenyS3Logs closes.
        let e = carlos("arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/*").explain();
        assert_eq!(e.result, Decision::ExplicitlyDenied);
        assert_eq!(e.reason, "an explicit Deny matched; it overrides every Allow");
        let e = carlos("arn:aws:s3:::*").explain();
        assert_eq!(
            e.headline(),
            "Allowed (for some resources: arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*; not arn:aws:s3:::*log*)"
        );
    }

    /// "Cross-account policy evaluation logic": the trusting account's resource-based policy
    /// must name the principal (the account, the user or the role), and the principal's
    /// identity-based policy must allow the access; an explicit Deny on either side wins.
    #[test]
    fn cross_account_access_needs_both_accounts() {
        let bucket = |principal: &str| {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal},
                "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]})
        };
        let object = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv";
        let get = |resource_policy: Value, identity: Value| {
            decide(
                json!({"request": request("s3:GetObject", object, OTHER, USER), "resourcePolicy": resource_policy, "identityPolicies": [identity]}),
            )
        };
        let reads = allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*");
        for named in [ACCOUNT, "arn:aws:iam::123456789012:root", USER] {
            assert_eq!(get(bucket(named), reads.clone()), Decision::Allowed, "{named}");
        }
        assert_eq!(get(bucket(ACCOUNT), allow("s3:ListBucket", "*")), Decision::ImplicitlyDenied);
        assert_eq!(get(bucket("arn:aws:iam::999999999999:root"), reads.clone()), Decision::ImplicitlyDenied);
        let deny_bucket = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"},
            {"Effect": "Deny", "Principal": {"AWS": USER}, "Action": "s3:GetObject", "Resource": "*"}]});
        assert_eq!(get(deny_bucket, reads), Decision::ExplicitlyDenied);
    }
}
