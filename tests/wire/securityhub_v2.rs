//! The new Security Hub (V2) over real HTTP: vigil's reader (`securityhub_v2`) against the fake,
//! whose GetFindingsV2 serves the world's findings as OCSF documents. Read in full, they are the
//! findings the ASFF reader reads from the same world (same ids, same fields), and the findings
//! only the new Security Hub has; read since a watermark, only what changed; DescribeSecurityHubV2
//! says whether it is on. Every request is checked against AWS's model.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_securityhub::types::{
    AllowedOperators, CompositeFilter, NumberFilter, OcsfFindingFilters, OcsfNumberField, OcsfNumberFilter,
    OcsfStringField, OcsfStringFilter, StringFilter, StringFilterComparison,
};
use serde_json::Value;
use vigil::catalog::Catalog;
use vigil::config::AwsSettings;
use vigil::model::{Finding, FindingClass, RecordState, Timestamp};
use vigil::sources::aws::limiter::RateLimit;
use vigil::sources::aws::ocsf::OcsfFinding;
use vigil::sources::aws::retry::Retry;
use vigil::sources::aws::securityhub::{SecurityHubPoller, Settings};
use vigil::sources::aws::securityhub_v2::{FindingScope, FindingsV2, FindingsV2Reader, ReadV2, detect};
use vigil::sources::aws::{AccountResolver, PollerBase, Scope};
use vigil::sources::{Clock, Payload, SourceError, SourceKind};

use super::fake_aws::world::{self, Kind, World};
use super::fake_aws::{ACCOUNT, FakeAws, Faults, REGION};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// The world's clock, two minutes on: what a poll at that time sees.
fn clock_of(w: &World) -> Clock {
    let now = Timestamp::from_second(w.now + 120).unwrap();
    std::sync::Arc::new(move || now)
}

/// A Security Hub poller's settings against the fake: enough quick attempts for its faults.
fn base(sdk: &aws_config::SdkConfig, clock: Clock) -> PollerBase {
    PollerBase {
        kind: SourceKind::SecurityHub,
        scope: Scope { account: ACCOUNT.into(), region: REGION.into() },
        resolver: AccountResolver::known(ACCOUNT, sdk.clone(), AwsSettings::default(), clock),
        retry: Retry {
            max_attempts: 8,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            endpoint: None,
        },
        interval: Duration::from_secs(30),
        profile: None,
    }
}

/// The ASFF poller, sharing GetFindings' limit with whoever is given it.
fn asff(sdk: &aws_config::SdkConfig, clock: Clock) -> SecurityHubPoller {
    poller(sdk, clock, vigil::config::HubApi::Cspm, true)
}

/// A poller reading through `api`, its limits off, reading the automation rules or not.
fn poller(sdk: &aws_config::SdkConfig, clock: Clock, api: vigil::config::HubApi, rules: bool) -> SecurityHubPoller {
    SecurityHubPoller::new(
        aws_sdk_securityhub::Client::new(sdk),
        base(sdk, clock),
        Settings {
            discover: false,
            get_findings: RateLimit::unlimited(),
            other: RateLimit::unlimited(),
            reconcile: Duration::from_secs(900),
            overlap: Duration::from_secs(300),
            api,
            automation_rules: rules,
        },
    )
}

/// What the ASFF reader's first load reads: its findings by id, and the findings it skipped.
fn read_asff(
    rt: &tokio::runtime::Runtime,
    poller: &mut SecurityHubPoller,
    clock: Clock,
) -> (BTreeMap<String, Finding>, u64) {
    let mut polled = None;
    let slot = &mut polled;
    let events = rt.block_on(vigil::sources::collect(clock, |sink| async move {
        *slot = Some(poller.cold_load(&sink).await);
    }));
    let polled = polled.unwrap();
    assert_eq!(polled.error, None, "the ASFF reader read in full");
    let payloads = events.into_iter().filter_map(|e| e.result.ok()).chain(polled.payloads);
    let (mut findings, mut skipped) = (BTreeMap::new(), 0);
    for p in payloads {
        if let Payload::Merge(d) = p {
            skipped += d.skipped;
            findings.extend(d.findings.into_iter().map(|f| (f.id.to_string(), f)));
        }
    }
    (findings, skipped)
}

/// One read of the new Security Hub's findings, in full.
fn read_v2(
    rt: &tokio::runtime::Runtime,
    reader: &mut FindingsV2Reader,
    base: &PollerBase,
    clock: Clock,
    request: ReadV2,
) -> FindingsV2 {
    let mut read = None;
    let slot = &mut read;
    rt.block_on(vigil::sources::collect(clock, |sink| async move {
        *slot = Some(reader.read(base, &sink, request).await);
    }));
    read.unwrap().unwrap_or_else(|i| panic!("the read stopped: {}", i.error))
}

fn by_id(read: &FindingsV2) -> BTreeMap<String, &OcsfFinding> {
    let map: BTreeMap<String, &OcsfFinding> = read.findings.iter().map(|f| (f.finding.id.to_string(), f)).collect();
    assert_eq!(map.len(), read.findings.len(), "each finding once");
    map
}

/// Findings of the ASFF reader and of the V2 reader that differ in any field.
fn differences(asff: &BTreeMap<String, Finding>, v2: &BTreeMap<String, &OcsfFinding>) -> Vec<String> {
    asff.iter()
        .filter(|(id, f)| v2.get(*id).is_none_or(|o| o.finding != **f))
        .map(|(id, f)| format!("{id}:\n  ASFF {f:?}\n  OCSF {:?}", v2.get(id).map(|o| &o.finding)))
        .collect()
}

#[test]
fn the_new_security_hubs_findings_are_the_asff_readers_and_its_own_exposure_finding() {
    let mut w = World::account(400);
    w.hub_v2 = true;
    let exposure = w.add_exposure_finding();
    // GetFindingsV2 gets the faults GetFindings gets: throttling, a 500, a body that does not decode.
    let faults = Faults {
        throttle_per_ten: 2,
        error_500_once: ["GetFindingsV2"].into(),
        malformed_once: ["GetFindingsV2"].into(),
        ..Faults::default()
    };
    let fake = FakeAws::start(w, faults);
    let rt = runtime();
    let sdk = super::sdk(&fake.url);
    let clock = clock_of(&fake.world());

    let mut poller = asff(&sdk, clock.clone());
    let (asff, asff_skipped) = read_asff(&rt, &mut poller, clock.clone());
    // GetFindings' own limit: the two readers pace together, as AWS counts them together.
    let get_findings = poller.limits().0;
    let mut reader = FindingsV2Reader::new(aws_sdk_securityhub::Client::new(&sdk), get_findings.clone());
    assert!(reader.limit().shares(&get_findings));
    let now = clock();
    let v2 = read_v2(
        &rt,
        &mut reader,
        &base(&sdk, clock.clone()),
        clock,
        ReadV2::new(&FindingScope::everything(), None, now),
    );

    let counts = fake.world().finding_counts();
    assert_eq!(asff.len(), counts.total, "the ASFF reader: every ACTIVE finding vigil can use");
    assert_eq!((asff_skipped, v2.skipped), (counts.skipped as u64, counts.skipped as u64), "the same findings skipped");
    let mut found = by_id(&v2);
    let own = found.remove(&exposure).expect("the exposure finding, which only the new Security Hub has");
    assert_eq!(found.keys().collect::<Vec<_>>(), asff.keys().collect::<Vec<_>>(), "the same ids");
    let differ = differences(&asff, &found);
    assert!(differ.is_empty(), "{} findings differ, the first: {}", differ.len(), differ[0]);

    // What only the OCSF documents say.
    let truth: BTreeMap<String, world::Finding> = fake.world().findings().map(|f| (f.id(), f)).collect();
    let mut uids = BTreeSet::new();
    for (id, f) in &found {
        let t = &truth[id];
        assert_eq!(f.metadata_uid.as_deref(), Some(world::metadata_uid(id).as_str()), "{id}");
        assert!(uids.insert(f.metadata_uid.clone().unwrap()), "{id}: metadata.uid is unique");
        assert_eq!(f.product_uid, Some(t.product_uid()), "{id}");
        let class = match t.kind {
            Kind::Control | Kind::LegacyControl | Kind::SampleLike => 2003,
            Kind::Inspector => 2002,
            Kind::Macie => 2006,
            _ => 2004,
        };
        assert_eq!(f.class_uid, Some(class), "{id}");
    }
    assert!(uids.iter().all(|u| u.len() == 64 && u.bytes().all(|b| b.is_ascii_hexdigit())), "64 hex digits");
    assert_eq!(own.class_uid, Some(2004));
    assert_eq!((&*own.finding.product, own.finding.control_id.as_deref()), ("Security Hub", None));
    assert_eq!(own.finding.record_state, RecordState::Active);
    assert_eq!(&*own.finding.resources[0].kind, world::NOTEBOOK);

    // Every page, and the faults retried.
    let calls = fake.calls();
    assert!(v2.pages >= 4, "{} findings are four pages of 100 at least: {}", v2.findings.len(), v2.pages);
    assert_eq!(reader.calls, u64::from(v2.pages), "one call a page, its retries aside");
    assert!(calls["GetFindingsV2"] >= u64::from(v2.pages) + 2, "the 500 and the garbage retried: {calls:?}");
    assert!(fake.throttled().get("GetFindingsV2").is_some_and(|n| *n > 0), "{:?}", fake.throttled());
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
    fake.assert_checked();
}

/// The catalog's scope, over an organisation (members' accounts, linked regions): the findings of
/// its controls and products only, twenty controls a composite filter.
#[test]
fn a_scoped_read_is_the_asff_readers_findings_of_the_scopes_controls_and_products() {
    let mut w = World::organization(600);
    w.hub_v2 = true;
    w.add_exposure_finding();
    let regions: Vec<String> = w.regions().iter().map(|r| r.to_string()).collect();
    let fake = FakeAws::start(w, Faults::default());
    let rt = runtime();
    let sdk = super::sdk(&fake.url);
    let clock = clock_of(&fake.world());
    let mut poller = asff(&sdk, clock.clone());
    let (asff, _) = read_asff(&rt, &mut poller, clock.clone());

    let mut scope = FindingScope::of(&Catalog::default_catalog(), &regions);
    // More than twenty controls (two composites), some the world has, some it has not.
    scope.controls.extend(["Lambda.1", "KMS.4", "IAM.4", "Nope.1", "Nope.2", "Nope.3"].map(String::from));
    assert!(scope.controls.len() > 20, "{}", scope.controls.len());
    let mut reader = FindingsV2Reader::new(aws_sdk_securityhub::Client::new(&sdk), poller.limits().0);
    let now = clock();
    let v2 = read_v2(&rt, &mut reader, &base(&sdk, clock.clone()), clock, ReadV2::new(&scope, None, now));

    let expected: BTreeMap<String, Finding> = asff
        .into_iter()
        .filter(|(_, f)| {
            f.control_id.as_ref().is_some_and(|c| scope.controls.iter().any(|s| **s == **c))
                || scope.products.iter().any(|p| **p == *f.product)
        })
        .collect();
    // Besides them, the exposure finding the catalog binds by its class (DET-10) (Security Hub's
    // own Detection Findings), which GetFindings does not have.
    let (exposures, found): (BTreeMap<_, _>, BTreeMap<_, _>) =
        by_id(&v2).into_iter().partition(|(_, o)| o.finding.class == Some(FindingClass::Exposure));
    assert_eq!(exposures.len(), 1, "{:?}", exposures.keys());
    assert!(exposures.keys().all(|id| id.contains(":exposure-finding/")), "{:?}", exposures.keys());
    let products: BTreeSet<&str> = expected.values().map(|f| &*f.product).collect();
    assert!(products.contains("GuardDuty") && products.contains("Macie"), "{products:?}");
    let accounts: BTreeSet<&str> = expected.values().map(|f| &*f.account).collect();
    let places: BTreeSet<&str> = expected.values().map(|f| &*f.region).collect();
    assert!(accounts.len() > 1 && places.len() == regions.len(), "{accounts:?} {places:?}");
    assert_eq!(found.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "the scope's findings only");
    let differ = differences(&expected, &found);
    assert!(differ.is_empty(), "{} findings differ, the first: {}", differ.len(), differ[0]);
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
    fake.assert_checked();
}

#[test]
fn a_read_since_a_watermark_returns_only_what_was_modified_after_it_closed_findings_included() {
    let mut w = World::account(300);
    w.hub_v2 = true;
    w.add_exposure_finding();
    let watermark = w.now + 1;
    // Re-imported after the watermark: open findings and archived ones.
    let archived: Vec<usize> = (0..300).filter(|i| w.finding(*i).archived).take(2).collect();
    let open: Vec<usize> = (0..300).filter(|i| !w.finding(*i).archived && w.finding(*i).usable()).take(5).collect();
    assert_eq!((archived.len(), open.len()), (2, 5));
    for i in archived.iter().chain(&open) {
        w.raise(*i, w.now + 60);
    }
    let changed: BTreeSet<String> = archived.iter().chain(&open).map(|i| w.finding(*i).id()).collect();
    let fake = FakeAws::start(w, Faults::default());
    let rt = runtime();
    let sdk = super::sdk(&fake.url);
    let clock = clock_of(&fake.world());
    let mut reader = FindingsV2Reader::new(aws_sdk_securityhub::Client::new(&sdk), RateLimit::unlimited());
    let since = Timestamp::from_second(watermark).unwrap();
    let now = clock();
    let base = base(&sdk, clock.clone());
    let read =
        read_v2(&rt, &mut reader, &base, clock.clone(), ReadV2::new(&FindingScope::everything(), Some(since), now));
    let found = by_id(&read);
    assert_eq!(found.keys().cloned().collect::<BTreeSet<_>>(), changed, "what changed since, and nothing else");
    for i in &archived {
        let id = fake.world().finding(*i).id();
        assert_eq!(found[&id].finding.record_state, RecordState::Archived, "{id}: closed, so that it leaves");
    }
    assert!(found.values().all(|f| f.finding.updated_at.get() > since));
    // A watermark past everything: nothing.
    let later = Timestamp::from_second(fake.world().now + 61).unwrap();
    let none = read_v2(&rt, &mut reader, &base, clock, ReadV2::new(&FindingScope::everything(), Some(later), now));
    assert_eq!((none.findings.len(), none.pages), (0, 1));
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
    fake.assert_checked();
}

#[test]
fn detect_says_whether_the_new_security_hub_is_on() {
    let rt = runtime();
    let detected = |fake: &FakeAws| {
        let sdk = super::sdk(&fake.url);
        let clock = clock_of(&fake.world());
        let base = base(&sdk, clock.clone());
        let client = aws_sdk_securityhub::Client::new(&sdk);
        rt.block_on(async {
            let sink = vigil::sources::Sink::detached(clock);
            detect(&client, &base.caller(&sink), &RateLimit::unlimited()).await
        })
    };
    let off = FakeAws::start(World::account(10), Faults::default());
    assert_eq!(detected(&off), Ok(None), "off by default: not enabled, no error");
    assert_eq!(off.calls()["DescribeSecurityHubV2"], 1, "not retried");
    let (sdk, clock) = (super::sdk(&off.url), clock_of(&off.world()));
    let mut reader = FindingsV2Reader::new(aws_sdk_securityhub::Client::new(&sdk), RateLimit::unlimited());
    let request = ReadV2::new(&FindingScope::everything(), None, clock());
    let none = read_v2(&rt, &mut reader, &base(&sdk, clock.clone()), clock, request);
    assert!(none.findings.is_empty(), "off, the new Security Hub holds no findings");
    off.assert_checked();

    let mut w = World::account(10);
    w.hub_v2 = true;
    let on = FakeAws::start(w, Faults::default());
    let hub = detected(&on).unwrap().expect("on");
    assert_eq!(hub.arn, format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:hubv2/default"));
    assert_eq!(hub.subscribed_at, Some(Timestamp::from_second(on.world().now - 30 * 86_400).unwrap()));
    on.set_faults(|f| f.deny_after = [("DescribeSecurityHubV2", 0)].into());
    assert_eq!(
        detected(&on),
        Err(SourceError::Unauthorized { action: "securityhub:DescribeSecurityHubV2".into() }),
        "denied is an error, not \"not enabled\""
    );
    on.assert_checked();
}

fn equals(field: OcsfStringField, comparison: StringFilterComparison, value: &str) -> OcsfStringFilter {
    OcsfStringFilter::builder()
        .field_name(field)
        .filter(StringFilter::builder().comparison(comparison).value(value).build())
        .build()
}

fn number(field: OcsfNumberField, filter: NumberFilter) -> OcsfNumberFilter {
    OcsfNumberFilter::builder().field_name(field).filter(filter).build()
}

/// The fake's GetFindingsV2 with the SDK's own client: what breaks AWS's model is refused as the
/// model says (ValidationException, naming the member), what it does not evaluate is refused
/// saying so, and its filters select what the world holds, as the API reference describes them.
#[test]
fn get_findings_v2_keeps_to_the_model_and_filters_as_documented() {
    let mut w = World::account(300);
    w.hub_v2 = true;
    w.add_exposure_finding();
    let fake = FakeAws::start(w, Faults::default());
    let rt = runtime();
    let hub = aws_sdk_securityhub::Client::new(&super::sdk(&fake.url));
    let code = |e: aws_sdk_securityhub::error::SdkError<_, _>| super::code_and_message(e.into_service_error());
    let find = |filters: OcsfFindingFilters, max: i32| -> Vec<Value> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = rt
                .block_on(hub.get_findings_v2().filters(filters.clone()).max_results(max).set_next_token(token).send())
                .unwrap();
            out.extend(page.findings().iter().map(vigil::sources::aws::ocsf::document_to_json));
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return out;
            }
        }
    };

    // The model: MaxResults 1 to 100, field names from its enums; the API reference: ten
    // composite filters at most.
    let (c, m) = code(rt.block_on(hub.get_findings_v2().max_results(101).send()).unwrap_err());
    assert_eq!(c, "ValidationException");
    assert!(m.contains("at 'maxResults'") && m.contains("less than or equal to 100"), "{m}");
    let class_uid = CompositeFilter::builder()
        .number_filters(number(OcsfNumberField::from("class_uid"), NumberFilter::builder().eq(2003.0).build()))
        .build();
    let (c, m) = code(
        rt.block_on(
            hub.get_findings_v2().filters(OcsfFindingFilters::builder().composite_filters(class_uid).build()).send(),
        )
        .unwrap_err(),
    );
    assert_eq!(c, "ValidationException");
    assert!(m.contains("numberFilters.1.member.fieldName") && m.contains("enum value set"), "{m}");
    let open = || {
        CompositeFilter::builder()
            .number_filters(number(OcsfNumberField::ActivityId, NumberFilter::builder().lte(2.0).build()))
            .build()
    };
    let eleven = OcsfFindingFilters::builder().set_composite_filters(Some((0..11).map(|_| open()).collect())).build();
    let (c, m) = code(rt.block_on(hub.get_findings_v2().filters(eleven).send()).unwrap_err());
    assert_eq!(c, "ValidationException");
    assert!(m.contains("less than or equal to 10"), "{m}");
    assert_eq!(fake.checks().refused.len(), 3, "{:#?}", fake.checks().refused);
    // What the fake does not evaluate, and what AWS documents as an error.
    let contains = CompositeFilter::builder()
        .string_filters(equals(OcsfStringField::FindingInfoTitle, StringFilterComparison::Contains, "finding"))
        .build();
    let (c, m) = code(
        rt.block_on(
            hub.get_findings_v2().filters(OcsfFindingFilters::builder().composite_filters(contains).build()).send(),
        )
        .unwrap_err(),
    );
    assert_eq!((c.as_str(), m.as_str()), ("ValidationException", "the fake does not evaluate the comparison CONTAINS"));
    let both = CompositeFilter::builder()
        .string_filters(equals(OcsfStringField::CloudAccountUid, StringFilterComparison::Equals, ACCOUNT))
        .string_filters(equals(OcsfStringField::CloudAccountUid, StringFilterComparison::NotEquals, "1"))
        .build();
    let err = rt
        .block_on(hub.get_findings_v2().filters(OcsfFindingFilters::builder().composite_filters(both).build()).send())
        .unwrap_err();
    assert!(code(err).1.contains("can't provide both an EQUALS filter and a NOT_EQUALS"));
    let err = rt.block_on(hub.get_findings_v2().next_token("not a token").send()).unwrap_err();
    assert_eq!(code(err).0, "ValidationException");

    // Everything, sorted by modified time then uid, the same in pages of 7 as of 100.
    let all = find(OcsfFindingFilters::builder().build(), 100);
    let total = fake.world().finding_count() + 1;
    assert_eq!(all.len(), total, "every finding, the closed ones and the exposure finding");
    let key = |d: &Value| {
        let modified: Timestamp = d["finding_info"]["modified_time_dt"].as_str().unwrap().parse().unwrap();
        (modified, d["finding_info"]["uid"].as_str().unwrap().to_string())
    };
    assert!(all.windows(2).all(|p| key(&p[0]) < key(&p[1])), "ascending, without repeats");
    assert_eq!(find(OcsfFindingFilters::builder().build(), 7), all, "paged by 7");

    // Open SageMaker control findings of the account that are NEW or NOTIFIED (status_id 1 to
    // 2), OR detection findings not GuardDuty's: prefix, equals, range, not-equals, AND in each
    // composite, OR between them.
    let guardduty = format!("arn:aws:securityhub:{REGION}::productv2/aws/guardduty");
    let sagemaker = CompositeFilter::builder()
        .operator(AllowedOperators::And)
        .string_filters(equals(OcsfStringField::ComplianceControl, StringFilterComparison::Prefix, "SageMaker."))
        .string_filters(equals(OcsfStringField::CloudAccountUid, StringFilterComparison::Equals, ACCOUNT))
        .number_filters(number(OcsfNumberField::StatusId, NumberFilter::builder().gte(1.0).lte(2.0).build()))
        .number_filters(number(OcsfNumberField::ActivityId, NumberFilter::builder().lte(2.0).build()))
        .build();
    let detections = CompositeFilter::builder()
        .string_filters(equals(OcsfStringField::ClassName, StringFilterComparison::Equals, "Detection Finding"))
        .string_filters(equals(OcsfStringField::MetadataProductUid, StringFilterComparison::NotEquals, &guardduty))
        .build();
    let filters = OcsfFindingFilters::builder()
        .composite_filters(sagemaker)
        .composite_filters(detections)
        .composite_operator(AllowedOperators::Or)
        .build();
    let got: Vec<String> =
        find(filters, 50).iter().map(|d| d["finding_info"]["uid"].as_str().unwrap().to_string()).collect();
    let w = fake.world();
    let mut expected: Vec<(i64, String)> = w
        .findings()
        .filter(|f| {
            let sagemaker = f.is_control()
                && f.control.is_some_and(|c| c.starts_with("SageMaker."))
                && f.account == ACCOUNT
                && matches!(f.workflow, "NEW" | "NOTIFIED")
                && !f.archived;
            let detection = matches!(f.kind, Kind::NoSeverity | Kind::NoResources);
            sagemaker || detection
        })
        .map(|f| (f.updated, f.id()))
        .collect();
    // The exposure finding is a detection finding of Security Hub's.
    expected.extend(w.ocsf_only.iter().map(|d| (w.now - 60, d["finding_info"]["uid"].as_str().unwrap().to_string())));
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    assert!(expected.len() > 10, "{expected:?}");
    assert_eq!(got, expected);
    drop(w);
    assert_eq!(fake.checks().refused.len(), 3, "{:#?}", fake.checks().refused);
    fake.assert_checked();
}

/// `vigil report` against a world with the new Security Hub on, with the config's
/// `[securityhub] api`.
fn report_with_api(fake: &FakeAws, name: &str, api: &str) -> (std::process::Output, Value) {
    let config = format!("{}\n[securityhub]\napi = \"{api}\"\n", super::CONFIG);
    super::vigil_report::run(&fake.url, REGION, name, &config)
}

/// With `[securityhub] api = "v2"`, `vigil report` reads the findings through GetFindingsV2 only,
/// and reports the controls, findings and score it reports through GetFindings: the control
/// findings of Security Hub CSPM come through the new API with the same ids.
#[test]
fn a_report_through_the_new_api_says_what_the_report_through_the_old_one_says() {
    let mut w = World::account(400);
    w.hub_v2 = true;
    let fake = FakeAws::start(w, Faults::default());
    let (out, cspm) = report_with_api(&fake, "v2-report-cspm", "cspm");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let asff_calls = fake.checks().requests.get("GetFindings").copied().unwrap_or(0);
    assert!(asff_calls > 0);
    assert_eq!(fake.checks().requests.get("GetFindingsV2"), None, "cspm asks nothing of the new API");
    assert_eq!(fake.checks().requests.get("DescribeSecurityHubV2"), None, "cspm does not ask whether it is on");
    let (out, v2) = report_with_api(&fake, "v2-report-v2", "v2");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let checks = fake.checks();
    assert_eq!(checks.requests.get("GetFindings").copied().unwrap_or(0), asff_calls, "v2 calls GetFindings no more");
    assert!(checks.requests.get("GetFindingsV2").copied().unwrap_or(0) > 0, "{:?}", checks.requests);
    assert_eq!(checks.requests.get("DescribeSecurityHubV2"), Some(&1));
    for part in ["controls", "findings", "score", "activity"] {
        assert_eq!(v2[part], cspm[part], "{part}");
    }
    let health = |r: &Value| {
        r["sources"].as_array().unwrap().iter().find(|s| s["name"] == "securityhub").unwrap()["health"].clone()
    };
    assert_eq!(health(&v2), "ok");
    fake.assert_checked();
}

/// `api = "v2"` where the new Security Hub is off: the findings are not read, and the report
/// says why and what to change; `auto` reads Security Hub CSPM's and asks once whether it is on.
#[test]
fn the_new_api_where_it_is_off_says_so_and_auto_reads_cspm() {
    let fake = FakeAws::start(World::account(120), Faults::default());
    let (_, v2) = report_with_api(&fake, "v2-report-off", "v2");
    let source = v2["sources"].as_array().unwrap().iter().find(|s| s["name"] == "securityhub").unwrap().clone();
    let error = source["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("the new Security Hub is not on") && error.contains("api"), "{source}");
    assert_eq!(fake.checks().requests.get("GetFindingsV2"), None, "nothing asked of what is off");
    let (out, auto) = report_with_api(&fake, "v2-report-auto", "auto");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let checks = fake.checks();
    assert!(checks.requests.get("GetFindings").copied().unwrap_or(0) > 0);
    assert_eq!(checks.requests.get("GetFindingsV2"), None);
    assert_eq!(checks.requests.get("DescribeSecurityHubV2"), Some(&2), "once by each report");
    assert_eq!(auto["findings"]["total"].as_u64().map(|n| n > 0), Some(true), "{}", auto["findings"]);
    fake.assert_checked();
}

/// `auto` (where the new Security Hub is on) and `both` read each API, and hold one finding for
/// one id: Security Hub CSPM's control findings once, what only CSPM has (an integration that
/// does not reach the new Security Hub) and what only the new Security Hub has (an exposure
/// finding) too. `v2` alone misses the first, `cspm` alone the second.
#[test]
fn auto_and_both_read_each_api_and_hold_one_finding_for_one_id() {
    let mut w = World::account(400);
    w.hub_v2 = true;
    w.add_exposure_finding();
    let only: Vec<usize> = w.findings().filter(|f| !f.archived && f.usable()).map(|f| f.i).take(3).collect();
    w.cspm_only.extend(only.iter().copied());
    let fake = FakeAws::start(w, Faults::default());
    let total = |r: &Value| r["findings"]["total"].as_u64().unwrap_or_else(|| panic!("{}", r["findings"]));
    let (_, cspm) = report_with_api(&fake, "v2-both-cspm", "cspm");
    let (_, v2) = report_with_api(&fake, "v2-both-v2", "v2");
    assert_eq!(total(&v2), total(&cspm) - 3 + 1, "v2: the new Security Hub's findings only");
    for api in ["both", "auto"] {
        let before = fake.checks().requests.clone();
        let (out, report) = report_with_api(&fake, &format!("v2-both-{api}"), api);
        assert!(out.status.success(), "{api}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(total(&report), total(&cspm) + 1, "{api}: every finding once");
        let calls =
            |op: &str| fake.checks().requests.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
        assert!(calls("GetFindings") > 0 && calls("GetFindingsV2") > 0, "{api}: through both");
        let health = report["sources"].as_array().unwrap().iter().find(|s| s["name"] == "securityhub").unwrap();
        assert_eq!(health["health"], "ok", "{api}: {health}");
    }
    fake.assert_checked();
}

/// `both`, watched: after churn (findings archived, changed, and workflow changes that keep
/// `UpdatedAt`), the incremental polls and the background pass through both APIs leave the store
/// holding, once each, the active findings either API has: CSPM's (those only it has included)
/// and the new Security Hub's own.
#[test]
fn both_apis_watched_through_churn_hold_what_either_has() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use vigil::sources::aws::poller::Poll;
    let mut w = World::account(300);
    w.hub_v2 = true;
    let exposure = w.add_exposure_finding();
    let only: Vec<usize> = w.findings().filter(|f| !f.archived && f.usable()).map(|f| f.i).take(3).collect();
    w.cspm_only.extend(only.iter().copied());
    let start = w.now + 120;
    let fake = FakeAws::start(w, Faults::default());
    let rt = runtime();
    let sdk = super::sdk(&fake.url);
    let seconds = Arc::new(AtomicI64::new(start));
    let clock: Clock = {
        let seconds = seconds.clone();
        Arc::new(move || Timestamp::from_second(seconds.load(Ordering::SeqCst)).unwrap())
    };
    let mut poller = SecurityHubPoller::new(
        aws_sdk_securityhub::Client::new(&sdk),
        base(&sdk, clock.clone()),
        Settings {
            discover: false,
            get_findings: RateLimit::unlimited(),
            other: RateLimit::unlimited(),
            reconcile: Duration::from_secs(300),
            overlap: Duration::from_secs(60),
            api: vigil::config::HubApi::Both,
            automation_rules: true,
        },
    );
    let mut posture = vigil::store::Posture::new(Catalog::default_catalog());
    let mut poll = |posture: &mut vigil::store::Posture| {
        let mut polled = None;
        let slot = &mut polled;
        let poller = &mut poller;
        let events = rt.block_on(vigil::sources::collect(clock.clone(), |sink| async move {
            *slot = Some(poller.poll(&sink).await);
        }));
        let polled = polled.unwrap();
        assert_eq!(polled.error, None);
        let at = clock();
        for e in events {
            posture.apply(e);
        }
        for p in polled.payloads {
            posture.apply(vigil::sources::SourceEvent {
                source: SourceKind::SecurityHub,
                fetched_at: at,
                result: Ok(p),
            });
        }
    };
    let truth = |fake: &FakeAws| -> BTreeSet<String> {
        let w = fake.world();
        w.findings().filter(|f| !f.archived && f.usable()).map(|f| f.id()).chain([exposure.clone()]).collect()
    };
    let held = |posture: &vigil::store::Posture| -> BTreeSet<String> {
        posture.findings().filter(|f| f.is_active()).map(|f| f.id.to_string()).collect()
    };
    poll(&mut posture);
    assert_eq!(held(&posture), truth(&fake), "the first load: both APIs' findings, once each");
    for step in 1..=3 {
        seconds.fetch_add(30, Ordering::SeqCst);
        fake.change(|w| w.churn(step, seconds.load(Ordering::SeqCst)));
    }
    // A whole background pass through both APIs (a page a poll over the 300 s window).
    for _ in 0..12 {
        seconds.fetch_add(30, Ordering::SeqCst);
        poll(&mut posture);
    }
    assert_eq!(held(&posture), truth(&fake), "after churn, the incremental polls and the pass");
    let workflows = |posture: &vigil::store::Posture| -> BTreeMap<String, String> {
        posture
            .findings()
            .filter(|f| f.is_active())
            .map(|f| (f.id.to_string(), f.workflow.as_str().to_string()))
            .collect()
    };
    let w = fake.world();
    let expected: BTreeMap<String, String> =
        w.findings().filter(|f| !f.archived && f.usable()).map(|f| (f.id(), f.workflow.to_string())).collect();
    let got = workflows(&posture);
    for (id, workflow) in &expected {
        assert_eq!(got.get(id), Some(workflow), "{id}: a workflow change (UpdatedAt kept) found by the pass");
    }
    drop(w);
    fake.assert_checked();
}

/// A cold start where the new Security Hub's findings are read: one GetFindingStatisticsV2 call
/// (three group-by rules) comes before the first page, and its counts are what the findings
/// say once they are read whole: each catalog control's failing findings, the open findings by
/// severity, and the open activity the header flags (`counted` until then: the header's tests).
#[test]
fn a_cold_start_counts_at_once_what_the_findings_then_say() {
    let mut w = World::organization(900);
    w.hub_v2 = true;
    w.add_exposure_finding();
    let fake = FakeAws::start(w, Faults::default());
    let rt = runtime();
    let sdk = super::sdk(&fake.url);
    let clock = clock_of(&fake.world());
    let mut poller = poller(&sdk, clock.clone(), vigil::config::HubApi::V2, false);
    let mut polled = None;
    let slot = &mut polled;
    let events = rt.block_on(vigil::sources::collect(clock.clone(), |sink| async move {
        *slot = Some(poller.cold_load(&sink).await);
    }));
    let polled = polled.unwrap();
    assert_eq!(polled.error, None);
    // The counts first, before any finding.
    let first_findings =
        events.iter().position(|e| matches!(&e.result, Ok(Payload::Merge(d)) if !d.findings.is_empty()));
    let counted_at = events.iter().position(|e| matches!(&e.result, Ok(Payload::Merge(d)) if d.hub_counts.is_some()));
    assert!(counted_at.unwrap() < first_findings.unwrap(), "{counted_at:?} {first_findings:?}");
    assert_eq!(fake.calls()["GetFindingStatisticsV2"], 1, "at most five calls: one");

    // Applied in order, the header says `counted` until the findings are whole.
    let catalog = Catalog::default_catalog();
    let mut posture = vigil::store::Posture::new(catalog.clone());
    posture.register_source(SourceKind::SecurityHub, Some(Duration::from_secs(30)));
    let mut events = events.into_iter();
    for e in events.by_ref().take(counted_at.unwrap() + 1) {
        posture.apply(e);
    }
    let counts = posture.hub_counts().expect("the counts, before the findings").clone();
    for e in events {
        posture.apply(e);
    }
    for p in polled.payloads {
        posture.apply(vigil::model::SourceEvent {
            source: SourceKind::SecurityHub,
            fetched_at: clock(),
            result: Ok(p),
        });
    }
    assert!(posture.hub_counts().is_none(), "the findings are whole: the counts give way to them");
    // Security Hub counts the findings vigil skips (no resources: it cannot bind them) too.
    let mut skipped = [0u64; 5];
    for f in fake.world().findings() {
        if f.kind == Kind::NoResources && !f.archived && matches!(f.workflow, "NEW" | "NOTIFIED") {
            skipped[f.severity] += 1;
        }
    }
    assert!(skipped.iter().sum::<u64>() > 0, "the world has some");
    let totals = posture.finding_totals();
    let plus = |a: [u64; 5]| std::array::from_fn::<u64, 5, _>(|k| a[k] + skipped[k]);
    assert_eq!(counts.open_by_severity, plus(totals.open_by_severity), "open findings by severity");
    assert_eq!(counts.open_activity_by_severity, plus(totals.open_activity_by_severity), "open activity by severity");
    assert!(counts.open_activity_by_severity.iter().sum::<u64>() > 0, "{counts:?}");
    let mut checked = 0;
    for (i, control) in catalog.controls.iter().enumerate() {
        if control.evidence.security_hub_controls.is_empty() || control.kind == vigil::model::ControlKind::Corrective {
            continue;
        }
        let counted: u64 = counts
            .failing_by_control
            .iter()
            .filter(|(c, _)| control.evidence.security_hub_controls.contains(c))
            .map(|(_, n)| n)
            .sum();
        assert_eq!(counted, u64::from(posture.evidence(i).failing_findings), "{}", control.id);
        checked += u64::from(counted > 0);
    }
    assert!(checked > 0, "some control has failing findings: {counts:?}");
    assert!(fake.checks().refused.is_empty(), "{:?}", fake.checks().refused);
    fake.assert_checked();
}

/// GetFindingStatisticsV2's group-by rules carry GetFindingsV2's filters, with their documented
/// bounds: a composite of 21 string filters is refused, naming the member. vigil's counts within
/// a catalog's scope of 45 controls (three composites a rule, with the rule's own filter beside
/// each control list) keep to them, and equal GetFindingsV2's findings of the same controls.
#[test]
fn statistics_filters_keep_to_the_documented_bounds() {
    use aws_sdk_securityhub::types::{GroupByField, GroupByRule};
    use vigil::sources::aws::securityhub_v2::counts;

    let mut w = World::account(600);
    w.hub_v2 = true;
    let fake = FakeAws::start(w, Faults::default());
    let rt = runtime();
    let sdk = super::sdk(&fake.url);
    let hub = aws_sdk_securityhub::Client::new(&sdk);
    let composite = (0..21).fold(CompositeFilter::builder().operator(AllowedOperators::And), |c, k| {
        c.string_filters(equals(OcsfStringField::ComplianceControl, StringFilterComparison::Equals, &format!("S3.{k}")))
    });
    let rule = GroupByRule::builder()
        .group_by_field(GroupByField::Severity)
        .filters(OcsfFindingFilters::builder().composite_filters(composite.build()).build())
        .build();
    let refused = rt.block_on(hub.get_finding_statistics_v2().group_by_rules(rule).send()).unwrap_err();
    let (code, message) = super::code_and_message(refused.into_service_error());
    assert_eq!(code, "ValidationException");
    assert!(message.contains("groupByRules.1.member.filters.compositeFilters.1.member.stringFilters"), "{message}");

    let mut scope = FindingScope::of(&Catalog::default_catalog(), &[]);
    scope.controls = (0..45).map(|k| format!("S3.{k}")).collect();
    scope.products.clear();
    scope.classes.clear();
    let clock = clock_of(&fake.world());
    let base = base(&sdk, clock.clone());
    let mut got = None;
    let slot = &mut got;
    rt.block_on(vigil::sources::collect(clock.clone(), |sink| async move {
        *slot = Some(counts(&hub, &base.caller(&sink), &RateLimit::unlimited(), &scope, clock()).await);
    }));
    let got = got.unwrap().expect("the counts within the bounds");
    let checks = fake.checks();
    assert_eq!(checks.refused.len(), 1, "only the 21 filters: {:?}", checks.refused);
    // The truth: failing, not suppressed, not closed findings of those controls.
    let mut truth: BTreeMap<String, u64> = BTreeMap::new();
    for f in fake.world().findings() {
        let Some(control) = f.control.filter(|c| c.starts_with("S3.")) else { continue };
        if f.is_control() && f.failed && !f.archived && f.workflow != "SUPPRESSED" {
            *truth.entry(control.to_string()).or_default() += 1;
        }
    }
    assert!(!truth.is_empty());
    assert_eq!(got.failing_by_control.into_iter().collect::<BTreeMap<_, _>>(), truth);
}
