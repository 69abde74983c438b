//! An organisation seen from its delegated administrator in the home region (issue 11): members
//! and finding aggregator discovered, findings of every member account and linked region read
//! once from the home region, Config's rules of every account and region read through the
//! organisation's Config aggregator, all counted by account and region.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::fake_aws::world::{AGGREGATOR, LINKED, MEMBERS, SEVERITIES};
use super::fake_aws::{FakeAws, Faults, REGION, World};
use super::{assert_all_match, report};

/// ACTIVE findings vigil can use, by account (or region): the total and the open ones by
/// severity, as the report counts them.
fn truth(w: &World, key: impl Fn(&super::fake_aws::world::Finding) -> &'static str) -> Value {
    let mut out: BTreeMap<&str, (u64, BTreeMap<&str, u64>)> = BTreeMap::new();
    for f in w.findings().filter(|f| !f.archived && f.usable()) {
        let entry = out.entry(key(&f)).or_insert_with(|| (0, SEVERITIES.iter().map(|s| (*s, 0)).collect()));
        entry.0 += 1;
        if matches!(f.workflow, "NEW" | "NOTIFIED") {
            *entry.1.get_mut(SEVERITIES[f.severity]).unwrap() += 1;
        }
    }
    out.into_iter()
        .map(|(k, (total, by_severity))| (k.to_string(), json!({"total": total, "by_severity": by_severity})))
        .collect()
}

fn dir_of(name: &str) -> std::path::PathBuf {
    super::vigil_report::scratch(name)
}

#[test]
fn a_delegated_administrators_report_covers_every_member_and_linked_region() {
    let fake = FakeAws::start(World::organization(3_000), Faults::default());
    let (out, report) = report(&fake, "organization");
    assert_eq!(out.status.code(), Some(0), "sources: {:#}", report["sources"]);
    let w = fake.world();
    let scope = &report["scope"];
    assert_eq!(scope["mode"], "organization");
    let mut accounts = w.accounts();
    accounts.sort();
    let mut regions = w.regions();
    regions.sort();
    assert_eq!(scope["accounts"], json!(accounts), "the administrator and its four members");
    assert_eq!(scope["regions"], json!(regions), "the home region and the two it links");
    let hub = &scope["aggregators"]["securityhub"];
    assert_eq!(hub["members"], json!(MEMBERS));
    assert_eq!(
        hub["aggregator"],
        json!({"arn": AGGREGATOR, "home_region": REGION, "linking_mode": "SPECIFIED_REGIONS", "regions": LINKED})
    );
    assert_eq!(
        scope["aggregators"]["config"],
        json!([{
            "name": super::fake_aws::world::CONFIG_AGGREGATOR,
            "arn": "arn:aws:config:us-east-1:123456789012:config-aggregator/config-aggregator-k3x9z2ab",
            "organization": true,
            "accounts": [],
            "all_regions": true,
            "regions": [],
        }]),
        "found, and read through"
    );
    // Every member's and linked region's findings, counted as the top-level figures are.
    let findings = &report["findings"];
    let by_account = truth(&w, |f| f.account);
    let by_region = truth(&w, |f| f.region);
    assert_eq!(by_account.as_object().unwrap().len(), 5);
    assert_eq!(findings["by_account"], by_account);
    assert_eq!(findings["by_region"], by_region);
    let sum: u64 = findings["by_account"].as_object().unwrap().values().map(|v| v["total"].as_u64().unwrap()).sum();
    assert_eq!(findings["total"], sum);
    assert_all_match(&w, &report);
    // Config's rules in every account and region, through the aggregator; alarms and
    // remediations are the administrator's own, in the home region.
    let places: std::collections::BTreeSet<(&str, &str)> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["account"].as_str().unwrap(), r["region"].as_str().unwrap()))
        .collect();
    assert_eq!(places.len(), 15, "five accounts in three regions: {places:?}");
    let big = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account"] == MEMBERS[0] && r["noncompliant"] == 130)
        .expect("the member's rule with 130 public buckets");
    assert_eq!((&big["capped"], &big["capped_count"]), (&json!(true), &json!(100)), "{big}");
    for list in ["alarms", "remediations"] {
        for item in report[list].as_array().unwrap() {
            assert_eq!((&item["account"], &item["region"]), (&json!(super::ACCOUNT), &json!(REGION)), "{list}: {item}");
        }
    }
    // A failing control's resources in member accounts are counted under them.
    let members_failing: u64 = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["by_account"].as_object().unwrap().iter())
        .filter(|(account, _)| MEMBERS.contains(&account.as_str()))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert!(members_failing > 0, "members' failing resources: {:#}", report["controls"]);
    let calls = fake.calls();
    assert_eq!(calls["ListMembers"], 1, "{calls:?}");
    assert_eq!(calls["GetFindingAggregator"], 1, "{calls:?}");
    let placed = w.aggregate_rules();
    let pages = placed.len().div_ceil(w.pages.aggregate_compliance);
    assert_eq!(calls["DescribeAggregateComplianceByConfigRules"], pages as u64, "every page: {calls:?}");
    // Every non-compliant resource of every account and region through one query, 100 rows a
    // page; no rule needed its own details (every account records ResourceCompliance).
    let rows = w.aggregate_resource_compliance().iter().filter(|i| i.compliance() == "NON_COMPLIANT").count();
    assert_eq!(calls["SelectAggregateResourceConfig"], rows.div_ceil(100) as u64, "{rows} rows: {calls:?}");
    for local in [
        "DescribeComplianceByConfigRule",
        "GetComplianceDetailsByConfigRule",
        "GetAggregateComplianceDetailsByConfigRule",
        "SelectResourceConfig",
    ] {
        assert!(!calls.contains_key(local), "the aggregator's query says it all: {calls:?}");
    }
    assert!(fake.checks().refused.is_empty(), "every request within AWS's model: {:?}", fake.checks().refused);

    // The fake's world stays readable to the calls below only once this guard is gone (its
    // remediation executions move on as they are read).
    drop(w);
    // Recorded and reported from the recording: the same organisation.
    let recording = dir_of("org-recording").join("org.jsonl");
    let out = super::vigil_report::command(&fake.url, REGION, &dir_of("org-record"), super::CONFIG)
        .args(["record", "--out", recording.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, replayed) = super::record_replay::replay_report(&recording, &[]);
    for key in ["accounts", "regions", "aggregators", "mode"] {
        assert_eq!(replayed["scope"][key], report["scope"][key], "scope.{key}");
    }
    assert_eq!(replayed["findings"], report["findings"]);
    assert_eq!(replayed["rules"], report["rules"]);
    assert_eq!(replayed["controls"], report["controls"]);

    // One member alone: its findings, as the whole report counted them for it.
    let member = MEMBERS[1];
    let dir = super::vigil_report::scratch("only-member");
    let out = super::vigil_report::command(&fake.url, REGION, &dir, super::CONFIG)
        .args(["report", "--format", "json", "--only-account", member])
        .output()
        .unwrap();
    let only: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{:#}\n{}", only["sources"], String::from_utf8_lossy(&out.stderr));
    assert_eq!(only["scope"]["only"], json!({"account": member, "region": null}));
    assert_eq!(only["scope"]["accounts"], report["scope"]["accounts"], "the scope is still the whole organisation's");
    assert_eq!(only["findings"]["total"], by_account[member]["total"]);
    assert_eq!(only["findings"]["by_account"], json!({member: by_account[member]}));
    for c in only["controls"].as_array().unwrap() {
        let whole = report["controls"].as_array().unwrap().iter().find(|x| x["id"] == c["id"]).unwrap();
        let members_part = whole["by_account"].get(member).cloned().unwrap_or(json!(0));
        if c["status"] == "unknown" {
            // Nothing of the member's counted: null, never 0.
            assert!(c["failing"].is_null() && members_part == json!(0), "{}: {c}", c["id"]);
        } else {
            assert_eq!(c["failing"], members_part, "{}: the member's failing resources", c["id"]);
        }
    }
}

#[test]
fn no_aggregators_keeps_to_the_callers_account_and_region() {
    let fake = FakeAws::start(World::organization(600), Faults::default());
    let dir = super::vigil_report::scratch("no-aggregators");
    let out = super::vigil_report::command(&fake.url, REGION, &dir, super::CONFIG)
        .args(["report", "--format", "json", "--no-aggregators"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["scope"]["aggregators"]["securityhub"].is_null(), "not asked: {}", report["scope"]);
    assert!(report["scope"]["aggregators"]["config"].is_null(), "not asked: {}", report["scope"]);
    for asked in ["ListMembers", "DescribeConfigurationAggregators", "DescribeAggregateComplianceByConfigRules"] {
        assert!(!fake.calls().contains_key(asked), "{asked}");
    }
    // Config's rules are this account's, in this region.
    assert_eq!(report["rules"].as_array().unwrap().len(), fake.world().rules.len());
    // What GetFindings returns is still counted where it comes from.
    assert_eq!(report["findings"]["by_account"].as_object().unwrap().len(), 5);
}

#[test]
fn a_single_account_is_an_account_scope() {
    let fake = FakeAws::start(World::account(300), Faults::default());
    let (_, report) = report(&fake, "single-account");
    let scope = &report["scope"];
    assert_eq!(scope["mode"], "account");
    assert_eq!(scope["accounts"], json!([super::ACCOUNT]));
    assert_eq!(scope["regions"], json!([REGION]));
    assert_eq!(scope["aggregators"]["securityhub"], json!({"members": [], "aggregator": null}));
    assert_eq!(scope["aggregators"]["config"], json!([]), "asked, and none");
}

#[test]
fn an_aggregator_named_on_the_command_line_is_read_and_a_wrong_name_is_a_failed_source() {
    let fake = FakeAws::start(World::organization(300), Faults::default());
    let run = |name: &str, extra: &[&str]| {
        let dir = super::vigil_report::scratch(name);
        let out = super::vigil_report::command(&fake.url, REGION, &dir, super::CONFIG)
            .args(["report", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out, report)
    };
    let (out, report) = run("named-aggregator", &["--config-aggregator", super::fake_aws::world::CONFIG_AGGREGATOR]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report["rules"].as_array().unwrap().len(), fake.world().aggregate_rules().len());
    let (out, report) = run("wrong-aggregator", &["--config-aggregator", "no-such-aggregator"]);
    assert_eq!(out.status.code(), Some(3), "a source failed: {}", String::from_utf8_lossy(&out.stderr));
    let config = report["sources"].as_array().unwrap().iter().find(|s| s["name"] == "config").unwrap();
    assert_eq!(config["health"], "failed", "{config}");
    let error = config["error"].as_str().unwrap();
    assert!(error.contains("NoSuchConfigurationAggregatorException"), "{error}");
    // Both at once is a contradiction, refused before any call.
    let (out, _) = run("both", &["--config-aggregator", "x", "--no-aggregators"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `--member-role`: vigil assumes the role in each member account (STS AssumeRole, once per
/// account) and reads there, with the member's credentials and in each of its regions, what no
/// aggregator carries: its rules' remediation. One member's role cannot be assumed: its
/// remediation stays unknown, the report exits 3 for it alone, and every other account is whole.
#[test]
fn member_roles_read_each_members_remediation_and_an_unassumable_member_fails_alone() {
    let fake = FakeAws::start(World::organization(300), Faults::default());
    let dir = super::vigil_report::scratch("member-roles");
    let out = super::vigil_report::command(&fake.url, REGION, &dir, super::CONFIG)
        .args(["report", "--format", "json", "--member-role", "VigilReadOnly"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(3), "a member could not be read: {}", String::from_utf8_lossy(&out.stderr));
    let refused = MEMBERS[2];
    let config = super::source(&report, "config");
    assert_eq!(config["health"], "unauthorized", "{config}");
    let error = config["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("not authorized to call sts:AssumeRole on arn:aws:iam::{refused}:role/VigilReadOnly")),
        "the role it could not assume: {error}"
    );
    assert_eq!(super::source(&report, "securityhub")["health"], "ok");
    // Each source's health in every other account and region it reads: the refused member's
    // unauthorized in each of its regions, every other one read.
    let w = fake.world();
    let mut expected_places: Vec<(String, String, String)> = w
        .regions()
        .iter()
        .flat_map(|r| w.accounts().into_iter().map(move |a| (a, *r)))
        .filter(|(a, r)| (*a, *r) != (super::ACCOUNT, REGION))
        .map(|(a, r)| (a.to_string(), r.to_string(), if a == refused { "unauthorized" } else { "ok" }.to_string()))
        .collect();
    expected_places.sort();
    drop(w);
    for name in ["config", "cloudwatch"] {
        let places: Vec<(String, String, String)> = super::source(&report, name)["places"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let key = |k: &str| p[k].as_str().unwrap().to_string();
                (key("account"), key("region"), key("health"))
            })
            .collect();
        assert_eq!(places, expected_places, "{name}'s places");
        for p in super::source(&report, name)["places"].as_array().unwrap() {
            match p["health"].as_str() {
                Some("ok") => assert!(p["error"].is_null() && p["last_ok"].is_string(), "{p}"),
                _ => {
                    assert!(p["error"].as_str().unwrap().contains("sts:AssumeRole on") && p["last_ok"].is_null(), "{p}")
                }
            }
        }
    }
    // Every reachable member's remediations, in its own account and region, with their executions.
    let w = fake.world();
    let org = w.organization.as_ref().unwrap();
    let mut expected: BTreeMap<(String, String, String), Value> = BTreeMap::new();
    let mut add = |account: &str, region: &str, view: &World| {
        for r in &view.remediations {
            let mut states: BTreeMap<&str, u64> = BTreeMap::new();
            for (_, s) in &r.executions {
                *states.entry(s).or_default() += 1;
            }
            expected.insert((r.rule.clone(), account.into(), region.into()), json!(states));
        }
    };
    add(super::ACCOUNT, REGION, &w);
    for ((account, region), view) in &org.views {
        if *account != refused {
            add(account, region, view);
        }
    }
    let got: BTreeMap<(String, String, String), Value> = report["remediations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let key = |k: &str| r[k].as_str().unwrap().to_string();
            ((key("rule"), key("account"), key("region")), r["executions"].clone())
        })
        .collect();
    assert!(got.keys().any(|(_, account, _)| account == MEMBERS[0]), "members' remediations are read");
    assert_eq!(got, expected, "every reachable account's and region's remediation, and no other");
    // Alarms too: each reachable account's and region's, of the same names, with their states.
    let alarm_places = |alarms: &World, account: &str, region: &str| -> Vec<(String, String, String, String)> {
        alarms.alarms.iter().map(|a| (a.name.clone(), account.into(), region.into(), a.state.into())).collect()
    };
    let mut expected_alarms = alarm_places(&w, super::ACCOUNT, REGION);
    for ((account, region), view) in &org.views {
        if *account != refused {
            expected_alarms.extend(alarm_places(view, account, region));
        }
    }
    expected_alarms.sort();
    let mut got_alarms: Vec<(String, String, String, String)> = report["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let key = |k: &str| a[k].as_str().unwrap().to_string();
            (key("name"), key("account"), key("region"), key("state"))
        })
        .collect();
    got_alarms.sort();
    assert_eq!(got_alarms.len(), expected_alarms.len(), "every reachable account's and region's alarms");
    assert_eq!(got_alarms, expected_alarms);
    assert_eq!(super::source(&report, "cloudwatch")["health"], "unauthorized", "the refused member's alarms");
    // Read with each member's credentials, in each of its regions; never the refused member's.
    let signed = &fake.checks().signed_by;
    for account in MEMBERS.iter().filter(|a| **a != refused) {
        for region in w.regions() {
            for op in ["DescribeRemediationConfigurations", "DescribeAlarms", "GetMetricData"] {
                let key = format!("{op} {account} {region}");
                assert!(signed.contains_key(&key), "{key}: {signed:?}");
            }
        }
    }
    assert!(!signed.keys().any(|k| k.contains(refused)), "{signed:?}");
    // Once per member account by each of the two pollers that read there (Config, CloudWatch).
    assert_eq!(fake.calls()["AssumeRole"], 2 * MEMBERS.len() as u64, "{:?}", fake.calls());
    // The refused member's rules say their remediation is unknown; the rest matches the truth.
    super::assert_rules_match(&w, &report);
    super::assert_findings_match(&w, &report);
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
}

/// The drill-down and the corrective actions in a member account (issue 11): a member's
/// resource is read, and remediated, with the member role's credentials in its own account and
/// region; the audit log names that account and region; a member whose role cannot be assumed
/// says so in each section, naming the role; without a member role, each section says how to
/// reach the account.
#[test]
fn a_members_resource_is_drilled_into_and_remediated_through_its_role() {
    use std::sync::Arc;
    use std::time::Duration;
    use vigil::model::{Answer, Interner, Request, ResourceId, Section, SectionData, Subject, Write};
    use vigil::sources::aws::drill::AwsResponder;
    use vigil::sources::aws::members::Members;
    use vigil::sources::aws::{AccountResolver, Mode, Scope};
    use vigil::sources::{Message, Responder, Sink, system_clock};

    let fake = FakeAws::start(World::organization(300), Faults::default());
    let sdk = super::sdk(&fake.url);
    let settings: vigil::config::Config = vigil::config::Config::parse(super::CONFIG, "wire").unwrap();
    let aws = settings.aws.clone();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let resolver = AccountResolver::new(sdk.clone(), aws.clone(), Mode::Watch, system_clock());
    let scope = Scope { account: super::ACCOUNT.into(), region: REGION.into() };
    let dir = dir_of("member-drill");
    let audit_path = dir.join("audit.jsonl");
    let audit = Arc::new(vigil::audit::AuditLog::open(&audit_path).unwrap());
    let responder = |role: Option<&str>| {
        let members = Members::with_role(&sdk, aws_sdk_sts::Client::new(&sdk), role, (0.0, 0.0));
        let retry = vigil::sources::aws::retry(&aws, Mode::Watch);
        let (scope, resolver, audit) = (scope.clone(), resolver.clone(), Some(audit.clone()));
        AwsResponder::new(&sdk, scope, resolver, retry, None, 0.0, audit, Duration::from_millis(20))
            .with_members(members)
    };
    let ask = |responder: &AwsResponder, request: Request| {
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        rt.block_on(responder.respond(request, Sink::new(tx, system_clock())));
        let mut answers = Vec::new();
        while let Ok(Message::Answer(a)) = rx.try_recv() {
            answers.push(a);
        }
        answers
    };
    let section = |answers: &[Answer], wanted: Section| -> Result<SectionData, String> {
        answers
            .iter()
            .find_map(|a| match a {
                Answer::Section { section, result, .. } if *section == wanted => Some(result.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {wanted:?} in {answers:?}"))
    };

    // A member's non-compliant bucket under a rule with a remediation, in a linked region.
    let (account, region) = (MEMBERS[0], LINKED[0]);
    let (rule, bucket) = {
        let w = fake.world();
        let view = w.seen_by(account, region);
        let rule = view
            .rules
            .iter()
            .find(|r| {
                r.resource_type == super::fake_aws::world::BUCKET
                    && !r.noncompliant.is_empty()
                    && view.remediation(&r.name).is_some()
            })
            .expect("a member's bucket rule with a remediation")
            .clone();
        (rule.name.clone(), rule.noncompliant[0].clone())
    };
    let id = ResourceId::from_config(&mut Interner::new(), super::fake_aws::world::BUCKET, &bucket, account, region);
    let lookup = |id: &ResourceId| Request::Lookup {
        subject: Subject::Resource(id.clone()),
        sections: Section::RESOURCE.to_vec(),
        remediation_rules: vec![rule.as_str().into()],
    };
    let through_role = responder(Some("VigilReadOnly"));
    let answers = ask(&through_role, lookup(&id));
    let expected = fake.world().seen_by(account, region).evaluations_of(super::fake_aws::world::BUCKET, &bucket).len();
    match section(&answers, Section::Evaluations) {
        Ok(SectionData::Evaluations(l)) => {
            assert_eq!(l.len(), expected, "the member's own evaluations of its bucket");
            assert!(l.iter().any(|e| *e.rule == *rule), "{l:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(section(&answers, Section::Timeline).is_ok(), "{answers:?}");
    assert!(matches!(section(&answers, Section::Remediation), Ok(SectionData::Remediation(_))), "{answers:?}");
    let signed = fake.checks().signed_by.clone();
    for op in ["GetComplianceDetailsByResource", "GetResourceConfigHistory", "DescribeRemediationExecutionStatus"] {
        assert!(
            signed.contains_key(&format!("{op} {account} {region}")),
            "{op} with the member's credentials: {signed:?}"
        );
    }

    // Remediate it: started and followed in the member's account and region, and logged there.
    let write = Write::StartRemediation {
        rule: rule.as_str().into(),
        resource: id.clone(),
        document: "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock".into(),
    };
    let states: Vec<String> = ask(&through_role, Request::Write(write))
        .into_iter()
        .filter_map(|a| if let Answer::Write { state, .. } = a { Some(state.to_string()) } else { None })
        .collect();
    assert_eq!(states, ["sent", "QUEUED", "IN_PROGRESS", "SUCCEEDED"]);
    {
        let w = fake.world();
        let done = w.seen_by(account, region).executions(&rule);
        assert!(done.iter().any(|e| e.resource_id == bucket && e.state == "SUCCEEDED"), "{done:?}");
        assert!(w.executions(&rule).is_empty(), "nothing started in the administrator's account");
    }
    assert!(fake.checks().signed_by.contains_key(&format!("StartRemediationExecution {account} {region}")));
    let log = std::fs::read_to_string(&audit_path).unwrap();
    let entries: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), 2, "the request and its outcome: {log}");
    for e in &entries {
        assert_eq!((e["account"].as_str(), e["region"].as_str()), (Some(account), Some(region)), "{e}");
    }
    assert_eq!(entries[1]["outcome"], "SUCCEEDED");

    // The refused member: each Config section names the role it could not assume; its
    // findings are still read from the home region.
    let refused =
        ResourceId::from_config(&mut Interner::new(), super::fake_aws::world::BUCKET, "b", MEMBERS[2], region);
    let answers = ask(&through_role, lookup(&refused));
    for s in [Section::Evaluations, Section::Timeline, Section::Remediation] {
        let error = section(&answers, s).unwrap_err();
        let role = format!("sts:AssumeRole on arn:aws:iam::{}:role/VigilReadOnly", MEMBERS[2]);
        assert!(error.contains(&role), "{s:?}: {error}");
    }
    assert!(section(&answers, Section::Findings).is_ok());
    // Without a member role, a member's resource says how to reach it; nothing is assumed.
    let assumed = fake.calls().get("AssumeRole").copied().unwrap_or(0);
    let answers = ask(&responder(None), lookup(&id));
    for s in [Section::Evaluations, Section::Timeline, Section::Remediation] {
        let error = section(&answers, s).unwrap_err();
        assert!(error.contains("--member-role"), "{s:?}: {error}");
    }
    assert_eq!(fake.calls().get("AssumeRole").copied().unwrap_or(0), assumed);
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
}

/// `--schema 1` gives version 1's shape for scripts written against it (issue 11): none of
/// version 2's organisation fields, empty lists for what was not read; other versions are a
/// usage error.
#[test]
fn schema_1_reports_as_version_1_did() {
    let fake = FakeAws::start(World::organization(300), Faults::default());
    let dir = dir_of("schema-1");
    let run = |extra: &[&str]| {
        super::vigil_report::command(&fake.url, REGION, &dir, super::CONFIG)
            .args(["report", "--format", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--schema", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v1: Value = serde_json::from_slice(&out.stdout).unwrap();
    let v2: Value = serde_json::from_slice(&run(&[]).stdout).unwrap();
    assert_eq!(v1["schema_version"], 1);
    assert_eq!(v2["schema_version"], 2);
    assert!(v1.get("scope").is_none() && v2["scope"]["mode"] == "organization");
    for (list, gone) in [
        ("sources", &["unread", "places"][..]),
        ("controls", &["not_read", "by_account"]),
        ("rules", &["account", "region", "evaluation_failing"]),
        ("alarms", &["account", "region", "threshold"]),
        ("remediations", &["account", "region"]),
    ] {
        let items = v1[list].as_array().unwrap_or_else(|| panic!("{list} is a list"));
        assert_eq!(items.len(), v2[list].as_array().unwrap().len(), "{list}: the same entries");
        for item in items {
            for key in gone {
                assert!(item.get(*key).is_none(), "{list}[].{key} is version 2's: {item}");
            }
        }
    }
    assert!(v1["findings"].get("by_account").is_none() && v1["findings"]["total"] == v2["findings"]["total"]);
    assert_eq!(v1["score"], v2["score"]);
    let out = run(&["--schema", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--schema"), "{}", String::from_utf8_lossy(&out.stderr));
}
