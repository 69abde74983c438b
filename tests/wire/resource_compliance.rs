//! Config's compliance through its advanced query (issue 22): the non-compliant resources of
//! every rule in every account and region from one paged SelectAggregateResourceConfig over
//! `AWS::Config::ResourceCompliance` (SelectResourceConfig in a single account, where it saves
//! calls), each rule cross-checked against the count Config gives, and only the rules the query
//! does not account for (an account that does not record the type, aggregation lag) read one by
//! one. Rule names over GetComplianceDetailsByConfigRule's 64 characters are sent, and read
//! through the query where AWS refuses them.

use std::collections::BTreeMap;

use serde_json::Value;
use vigil::catalog::Catalog;
use vigil::model::ConfigCompliance;
use vigil::sources::aws::config::ConfigPoller;
use vigil::sources::aws::poller::poll_once;
use vigil::sources::aws::{AccountResolver, Mode, Pollers, Scope};
use vigil::sources::system_clock;
use vigil::store::Posture;

use super::fake_aws::world::{LINKED, MEMBERS, resource_id};
use super::fake_aws::{ACCOUNT, FakeAws, Faults, REGION, World};
use super::{assert_all_match, report};

/// Security Hub's longest rule name (76 characters).
const LONG: &str = "securityhub-ec2-managedinstance-association-compliance-status-check-053fe2a4";

/// The report's rule of that name in that account and region.
fn rule<'a>(report: &'a Value, name: &str, account: &str, region: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name && r["account"] == account && r["region"] == region)
        .unwrap_or_else(|| panic!("no rule {name} in {account} {region}"))
}

/// Rows the query finds: ResourceCompliance items whose resource is NON_COMPLIANT.
fn failing_items(items: &[super::fake_aws::world::ResourceCompliance]) -> usize {
    items.iter().filter(|i| i.compliance() == "NON_COMPLIANT").count()
}

#[test]
fn an_organisation_is_read_by_one_query_and_only_the_rules_it_does_not_account_for_one_by_one() {
    let mut w = World::organization(300);
    let unrecorded = MEMBERS[3];
    w.unrecorded.insert(unrecorded.to_string());
    // Security Hub's 76-character name in a member that records ResourceCompliance and in one
    // that does not.
    let org = w.organization.as_mut().unwrap();
    for account in [MEMBERS[0], unrecorded] {
        let p = org
            .elsewhere
            .iter_mut()
            .find(|p| p.account == account && p.region == LINKED[1] && !p.rule.noncompliant.is_empty())
            .unwrap();
        // Bound to no control: vigil binds it by the identifier in its name, the truth by its source.
        p.rule.name = LONG.into();
        p.rule.source = "EC2_MANAGEDINSTANCE_ASSOCIATION_COMPLIANCE_STATUS_CHECK".into();
        p.rule.resource_type = "AWS::SSM::AssociationCompliance";
        let n = p.rule.noncompliant.len() as u64;
        p.rule.noncompliant = (0..n).map(|k| resource_id("AWS::SSM::AssociationCompliance", k)).collect();
        p.rule.compliant.clear();
    }
    // Aggregation lag: one rule found another resource failing, another had every resource
    // fixed, and the aggregator's ResourceCompliance items do not say so yet.
    let pick = |w: &World, account: &str, region: &str| {
        let org = w.organization.as_ref().unwrap();
        let p = org.elsewhere.iter().find(|p| {
            (p.account, p.region) == (account, region)
                && p.rule.noncompliant.len() > 1
                && p.rule.resource_type != super::fake_aws::world::ACCOUNT_TYPE
                && p.rule.name != LONG
        });
        p.unwrap().rule.name.clone()
    };
    let grown = (MEMBERS[0], LINKED[0], pick(&w, MEMBERS[0], LINKED[0]));
    w.lag(grown.0, grown.1, &grown.2, |r| r.noncompliant.push(resource_id(r.resource_type, 99_999)));
    let fixed = (MEMBERS[1], REGION, pick(&w, MEMBERS[1], REGION));
    w.lag(fixed.0, fixed.1, &fixed.2, |r| {
        let ids = std::mem::take(&mut r.noncompliant);
        r.compliant.extend(ids);
    });
    w.member_views();

    let fake = FakeAws::start(w, Faults::default());
    let (out, report) = report(&fake, "query-organization");
    assert_eq!(out.status.code(), Some(0), "{:#}", report["sources"]);
    let w = fake.world();
    // Every rule, count and control as the truth has them, the lagging ones included.
    assert_all_match(&w, &report);
    let fixed_rule = rule(&report, &fixed.2, fixed.0, fixed.1);
    assert_eq!(fixed_rule["compliance"], "COMPLIANT", "the count is believed over lagging items: {fixed_rule}");
    for account in [MEMBERS[0], unrecorded] {
        let truth = w.placed_rule(LONG, account, LINKED[1]).unwrap().noncompliant.len();
        assert_eq!(rule(&report, LONG, account, LINKED[1])["noncompliant"], truth, "{LONG} in {account}");
    }

    // The calls: every page of the compliance and of the query, and the details of the rules the
    // query does not account for, each once a page, and of no other.
    let placed = w.aggregate_rules();
    let expected: BTreeMap<String, u64> = placed
        .iter()
        .filter(|p| !p.rule.noncompliant.is_empty())
        .filter(|p| {
            p.account == unrecorded || (p.account, p.region, p.rule.name.as_str()) == (grown.0, grown.1, &grown.2)
        })
        .map(|p| {
            let key = format!("GetAggregateComplianceDetailsByConfigRule {} {} {}", p.rule.name, p.account, p.region);
            (key, p.rule.noncompliant.len().div_ceil(100) as u64)
        })
        .collect();
    let in_unrecorded = expected.keys().filter(|k| k.contains(unrecorded)).count();
    assert!(in_unrecorded > 50, "every non-compliant rule of the member that does not record: {in_unrecorded}");
    assert!(expected.keys().any(|k| k.contains(LONG)), "the long name through the aggregator's details call");
    let checks = fake.checks();
    assert_eq!(checks.details_asked, expected, "only the rules the query does not account for");
    let calls = fake.calls();
    let rows = failing_items(&w.aggregate_resource_compliance());
    println!(
        "organisation of {} rules: DescribeAggregateComplianceByConfigRules {}, SelectAggregateResourceConfig {} ({rows} rows), \
         GetAggregateComplianceDetailsByConfigRule {} ({} rules)",
        placed.len(),
        calls["DescribeAggregateComplianceByConfigRules"],
        calls["SelectAggregateResourceConfig"],
        calls["GetAggregateComplianceDetailsByConfigRule"],
        expected.len()
    );
    assert_eq!(
        calls["DescribeAggregateComplianceByConfigRules"],
        placed.len().div_ceil(w.pages.aggregate_compliance) as u64
    );
    assert_eq!(calls["SelectAggregateResourceConfig"], rows.div_ceil(100) as u64, "100 rows a page, every page");
    assert_eq!(calls["GetAggregateComplianceDetailsByConfigRule"], expected.values().sum::<u64>());
    for never in ["SelectResourceConfig", "GetComplianceDetailsByConfigRule", "DescribeComplianceByConfigRule"] {
        assert!(!calls.contains_key(never), "{never}: {calls:?}");
    }
    assert!(checks.refused.is_empty(), "{:?}", checks.refused);
}

#[test]
fn a_single_account_is_read_by_one_query_where_it_saves_calls() {
    let fake = FakeAws::start(World::account(300), Faults::default());
    let (out, report) = report(&fake, "query-account");
    assert_eq!(out.status.code(), Some(0), "{:#}", report["sources"]);
    let w = fake.world();
    assert_all_match(&w, &report);
    // Security Hub's names over 64 characters are exact too: no count stays capped for its length.
    let long: Vec<&super::fake_aws::world::Rule> =
        w.rules.iter().filter(|r| !r.details_readable() && !r.noncompliant.is_empty()).collect();
    assert!(long.len() >= 2, "{}", long.len());
    for r in long {
        assert_eq!(rule(&report, &r.name, ACCOUNT, REGION)["noncompliant"], r.noncompliant.len(), "{}", r.name);
    }
    let rows = failing_items(&w.resource_compliance(ACCOUNT, REGION));
    let calls = fake.calls();
    assert_eq!(calls["SelectResourceConfig"], rows.div_ceil(100) as u64, "{rows} rows, 100 a page: {calls:?}");
    assert!(fake.checks().details_asked.is_empty(), "every rule accounted for: {:?}", fake.checks().details_asked);
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
}

#[test]
fn an_account_that_does_not_record_resource_compliance_is_read_rule_by_rule() {
    let mut w = World::account(300);
    w.unrecorded.insert(ACCOUNT.to_string());
    let fake = FakeAws::start(w, Faults::default());
    let (out, report) = report(&fake, "query-unrecorded");
    assert_eq!(out.status.code(), Some(0), "a limit of AWS's, not a failure: {:#}", report["sources"]);
    let w = fake.world();
    // Short names exact; names over 64 characters refused and not in the query: capped, and said.
    assert_all_match(&w, &report);
    let noncompliant: Vec<&super::fake_aws::world::Rule> =
        w.rules.iter().filter(|r| !r.noncompliant.is_empty()).collect();
    let expected: BTreeMap<String, u64> = noncompliant
        .iter()
        .map(|r| {
            let pages = if r.details_readable() { r.noncompliant.len().div_ceil(100) as u64 } else { 1 };
            (format!("GetComplianceDetailsByConfigRule {}", r.name), pages)
        })
        .collect();
    let checks = fake.checks();
    assert_eq!(checks.details_asked, expected, "each rule asked for, the long names once each");
    let long = noncompliant.iter().filter(|r| !r.details_readable()).count();
    assert_eq!(checks.refused.len(), long, "{:?}", checks.refused);
    assert!(
        checks.refused.iter().all(|(_, m)| m.contains("'configRuleName'") && m.ends_with("less than or equal to 64"))
    );
    assert_eq!(fake.calls()["SelectResourceConfig"], 1, "one page, no rows");
    let config = super::source(&report, "config");
    let why = config["unread"].as_array().unwrap().iter().find(|u| u["part"] == "compliance_details");
    let why = why.unwrap_or_else(|| panic!("{config}"))["error"].as_str().unwrap().to_string();
    assert!(why.contains("ResourceCompliance") && why.contains("64 characters"), "{why}");
}

/// The pollers for the fake, as the dashboard makes them.
fn pollers(fake: &FakeAws) -> Pollers {
    let sdk = super::sdk(&fake.url);
    let settings = vigil::config::Config::parse(super::CONFIG, "wire").unwrap().aws;
    let resolver = AccountResolver::known(ACCOUNT, sdk.clone(), settings.clone(), system_clock());
    let scope = Scope { account: ACCOUNT.into(), region: REGION.into() };
    Pollers::new(&sdk, &settings, scope, resolver, &Catalog::default_catalog(), Mode::Watch)
}

fn poll(rt: &tokio::runtime::Runtime, p: &mut ConfigPoller, posture: &mut Posture) {
    let events = rt.block_on(vigil::sources::collect(system_clock(), |sink| async move {
        poll_once(p, &sink).await;
    }));
    for e in events {
        assert!(e.result.is_ok(), "{:?}", e.result);
        posture.apply(e);
    }
}

/// The long rule's count as the store holds it, if its details are whole.
fn held(posture: &Posture) -> Option<u32> {
    let r = posture.rules().find(|r| &*r.name == LONG).expect("the long rule");
    assert_eq!(r.compliance, Some(ConfigCompliance::NonCompliant));
    r.details_complete.then(|| posture.rule_noncompliant(&r.key()))
}

#[test]
fn a_76_character_rule_name_is_sent_and_where_refused_read_through_the_query_from_then_on() {
    // Only Security Hub's 76-character rule fails, on 130 resources: its own pages cost as many
    // calls as the query's, so vigil asks for them by name.
    let world = |long_names: bool| {
        let mut w = World::account(0);
        for r in &mut w.rules {
            r.noncompliant.clear();
        }
        let r = w.rules.iter_mut().find(|r| r.name.chars().count() > 64).unwrap();
        r.name = LONG.into();
        r.resource_type = "AWS::SSM::AssociationCompliance";
        r.noncompliant = (0..130).map(|n| resource_id(r.resource_type, n)).collect();
        r.compliant.clear();
        w.long_rule_names = long_names;
        w
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let asked =
        |fake: &FakeAws| fake.checks().details_asked.get(&format!("GetComplianceDetailsByConfigRule {LONG}")).copied();
    let queried = |fake: &FakeAws| fake.calls().get("SelectResourceConfig").copied();

    // As the model says: the name is refused for its length once, then read through the query,
    // on this poll and the next.
    let fake = FakeAws::start(world(false), Faults::default());
    let (mut p, mut posture) = (pollers(&fake), Posture::new(Catalog::default_catalog()));
    poll(&rt, &mut p.config, &mut posture);
    assert_eq!(held(&posture), Some(130), "exact, through the query");
    assert_eq!((asked(&fake), queried(&fake)), (Some(1), Some(2)), "refused once; two pages of the query");
    let refused = fake.checks().refused;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].1.contains("'configRuleName'") && refused[0].1.ends_with("less than or equal to 64"),
        "{refused:?}"
    );
    poll(&rt, &mut p.config, &mut posture);
    assert_eq!(held(&posture), Some(130));
    assert_eq!((asked(&fake), queried(&fake)), (Some(1), Some(4)), "not asked by name again");
    fake.assert_checked();

    // A service that takes the name: its own two pages, no query.
    let fake = FakeAws::start(world(true), Faults::default());
    let (mut p, mut posture) = (pollers(&fake), Posture::new(Catalog::default_catalog()));
    poll(&rt, &mut p.config, &mut posture);
    assert_eq!(held(&posture), Some(130), "exact, by name");
    assert_eq!((asked(&fake), queried(&fake)), (Some(2), None));
    let checks = fake.checks();
    assert!(checks.refused.is_empty(), "{:?}", checks.refused);
    assert_eq!(checks.tolerated.len(), 2, "the model's 64 let off, each page: {:?}", checks.tolerated);
    fake.assert_checked();
}

/// Config's calls halve their rate when AWS throttles and creep back (the bucket GetFindings has):
/// a Config that allows 20 calls a second against vigil's ceiling of 80 throttles it a few
/// times, not three calls in four, and the report is whole.
#[test]
fn configs_calls_slow_down_when_throttled_and_the_report_stays_whole() {
    let faults = Faults { service_rate: [("config", (20.0, 20.0))].into(), ..Faults::default() };
    let fake = FakeAws::start(World::account(300), faults);
    let config = super::CONFIG.replace("config = 0", "config = 80");
    let (out, report) = super::vigil_report::run(&fake.url, REGION, "config-adaptive", &config);
    fake.assert_checked();
    assert_eq!(out.status.code(), Some(0), "{:#}", report["sources"]);
    assert_all_match(&fake.world(), &report);
    let calls = fake.calls();
    let config_calls: u64 = calls
        .iter()
        .filter(|(op, _)| {
            !["GetFindings", "GetEnabledStandards", "DescribeAlarms", "GetMetricData", "GetCallerIdentity"]
                .contains(&op.as_str())
                && !op.starts_with("List")
                && !op.starts_with("GetFinding")
        })
        .map(|(_, n)| n)
        .sum();
    let throttled: u64 = fake.throttled().values().sum();
    println!("Config at 80/s against 20/s: {config_calls} calls, {throttled} throttled");
    assert!(throttled > 0, "80 a second is throttled at first");
    assert!(throttled * 5 < config_calls, "the rate halves: {throttled} of {config_calls} throttled");
}

/// With a member role, the (rule, account, region)s the query does not account for are read in
/// their own account and region (GetComplianceDetailsByConfigRule, at that place's own rate, not
/// the administrator's), and through the aggregator only what that route cannot read: the
/// member whose role cannot be assumed, and a name longer than that call's model allows.
#[test]
fn with_a_member_role_the_rules_the_query_misses_are_read_in_their_own_accounts() {
    let mut w = World::organization(300);
    let (unrecorded, unassumable) = (MEMBERS[3], MEMBERS[2]);
    w.unrecorded.extend([unrecorded.to_string(), unassumable.to_string()]);
    let org = w.organization.as_mut().unwrap();
    let p = org
        .elsewhere
        .iter_mut()
        .find(|p| p.account == unrecorded && p.region == LINKED[1] && !p.rule.noncompliant.is_empty())
        .unwrap();
    p.rule.name = LONG.into();
    p.rule.source = "EC2_MANAGEDINSTANCE_ASSOCIATION_COMPLIANCE_STATUS_CHECK".into();
    w.member_views();

    let fake = FakeAws::start(w, Faults::default());
    let dir = super::vigil_report::scratch("query-members");
    let out = super::vigil_report::command(&fake.url, REGION, &dir, super::CONFIG)
        .args(["report", "--format", "json", "--member-role", "VigilReadOnly"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Exit 3: the unassumable member's remediation is unknown; its compliance is whole.
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    fake.assert_checked();
    let w = fake.world();
    super::assert_rules_match(&w, &report);

    let mut in_members = BTreeMap::new();
    let mut through_aggregator = BTreeMap::new();
    for p in w.aggregate_rules().iter().filter(|p| !p.rule.noncompliant.is_empty()) {
        let pages = p.rule.noncompliant.len().div_ceil(100) as u64;
        let (name, account, region) = (&p.rule.name, p.account, p.region);
        let aggregate = format!("GetAggregateComplianceDetailsByConfigRule {name} {account} {region}");
        if account == unassumable {
            through_aggregator.insert(aggregate, pages);
        } else if account == unrecorded {
            let member = format!("GetComplianceDetailsByConfigRule {name} {account} {region}");
            if name.chars().count() > 64 {
                // Refused for its length there, once; then read through the aggregator.
                in_members.insert(member, 1);
                through_aggregator.insert(aggregate, pages);
            } else {
                in_members.insert(member, pages);
            }
        }
    }
    assert!(
        in_members.len() > 50 && through_aggregator.len() > 50,
        "{} {}",
        in_members.len(),
        through_aggregator.len()
    );
    let mut expected = in_members.clone();
    expected.extend(through_aggregator.clone());
    let checks = fake.checks();
    let differ: Vec<String> = expected
        .keys()
        .chain(checks.details_asked.keys())
        .filter(|k| expected.get(*k) != checks.details_asked.get(*k))
        .map(|k| format!("{k}: expected {:?}, asked {:?}", expected.get(k), checks.details_asked.get(k)))
        .collect();
    assert!(differ.is_empty(), "each rule the query misses, by one route: {differ:#?}");
    assert!(expected.keys().any(|k| k.contains(LONG)), "the 76-character name");
    let calls = fake.calls();
    assert_eq!(calls["GetAggregateComplianceDetailsByConfigRule"], through_aggregator.values().sum::<u64>());
    // The members' details went to their own limits: the administrator's calls do not include them.
    let by_signer = fake.calls_by_signer();
    let member_details: u64 = in_members.values().sum();
    let elsewhere: u64 =
        by_signer.iter().filter(|(k, _)| k.starts_with(&format!("config/{unrecorded}/"))).map(|(_, n)| n).sum();
    assert!(elsewhere >= member_details, "{by_signer:?}");
    let long = in_members.keys().filter(|k| k.split(' ').nth(1).is_some_and(|n| n.len() > 64)).count();
    assert_eq!(checks.refused.len(), long, "only the long names, once each: {:?}", checks.refused);
}
