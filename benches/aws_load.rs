//! The live sources against the local fake (tests/fake_aws), which checks every request against
//! AWS's service models:
//! - the cold load of 10,000 findings with the client-side rate limit off;
//! - resident memory with 100,000 findings loaded;
//! - the cold load at AWS's limit: the fake enforces GetFindings' documented 3 calls a second
//!   with a burst of 6, and vigil runs with its defaults; the time is compared with the floor
//!   that limit sets, (pages - 6) / 3 seconds;
//! - the API calls each poll costs on a quiet account, with the default limits.
//!
//! `cargo bench --bench aws_load` measures (`-- --organization`: the organisation alone);
//! `-- --serve N [--org] [--deny Operation] [--throttle N]` runs the fake with N findings (an
//! organisation's administrator with `--org`; an operation denied; N calls in ten throttled)
//! and prints its URL, for trying `vigil watch --endpoint-url URL`; `-- --soak MINUTES` runs
//! `vigil watch`'s sources and store headless against a changing, throttling, once restarted
//! fake, printing resident memory and whether the store equals the fake's truth every minute.

#[path = "../tests/fake_aws/mod.rs"]
mod fake_aws;
// The tests' way to run `vigil report` against the fake, cut off from the machine's AWS setup.
#[allow(dead_code)]
#[path = "../tests/vigil_report/mod.rs"]
mod vigil_report;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use fake_aws::world::{SEVERITIES, World};
use fake_aws::{FakeAws, Faults};
use vigil::catalog::Catalog;
use vigil::config::{AwsSettings, RateLimits};
use vigil::model::{ConfigCompliance, Part};
use vigil::sources::aws::poller::{Poll, poll_once};
use vigil::sources::aws::{AccountResolver, Mode, Pollers, Scope};
use vigil::sources::{Message, Payload, Sink, SourceKind};
use vigil::store::Posture;

fn sdk(url: &str) -> SdkConfig {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "bench"))
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .load(),
    )
}

fn pollers(url: &str, settings: &AwsSettings) -> Pollers {
    pollers_in(url, settings, Mode::Watch)
}

fn pollers_in(url: &str, settings: &AwsSettings, mode: Mode) -> Pollers {
    let sdk = sdk(url);
    let resolver =
        AccountResolver::known(fake_aws::ACCOUNT, sdk.clone(), settings.clone(), vigil::sources::system_clock());
    let scope = Scope { account: fake_aws::ACCOUNT.into(), region: fake_aws::REGION.into() };
    Pollers::new(&sdk, settings, scope, resolver, &Catalog::default_catalog(), mode)
}

fn unlimited() -> AwsSettings {
    AwsSettings {
        rate_limits: RateLimits { get_findings: 0.0, securityhub: 0.0, config: 0.0, cloudwatch: 0.0 },
        ..AwsSettings::default()
    }
}

/// One poll's events, not yet applied.
fn events_of<P: Poll>(rt: &tokio::runtime::Runtime, p: &mut P) -> Vec<vigil::sources::SourceEvent> {
    rt.block_on(vigil::sources::collect(vigil::sources::system_clock(), |sink| async move {
        poll_once(p, &sink).await;
    }))
}

/// One poll, its events applied to the store as the dashboard applies them; it must succeed.
fn poll_into<P: Poll>(rt: &tokio::runtime::Runtime, p: &mut P, posture: &mut Posture) {
    for e in events_of(rt, p) {
        assert!(e.result.is_ok(), "{:?}", e.result);
        posture.apply(e);
    }
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn cold_load(findings: usize, runs: usize) -> Vec<Duration> {
    let fake = FakeAws::start(World::account(findings), Faults::default());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    (0..runs)
        .map(|_| {
            let mut p = pollers(&fake.url, &unlimited());
            let mut posture = Posture::new(Catalog::default_catalog());
            let start = Instant::now();
            poll_into(&rt, &mut p.securityhub, &mut posture);
            let took = start.elapsed();
            assert_eq!(posture.finding_count(), fake.world().finding_counts().total);
            fake.assert_checked();
            took
        })
        .collect()
}

/// The number of findings that makes `active` ACTIVE ones in the fake's world.
fn findings_for_active(active: usize) -> usize {
    let mut n = active;
    while World::account(n).finding_counts().active_all < active {
        n += (active - World::account(n).finding_counts().active_all).max(1);
    }
    n
}

/// One cold load against a fake that enforces GetFindings' documented rate: (pages, seconds,
/// throttled answers).
fn cold_load_at_the_limit(active: usize) -> (u64, f64, u64) {
    let faults = Faults { rate: [("GetFindings", (3.0, 6.0))].into(), ..Faults::default() };
    let fake = FakeAws::start(World::account(findings_for_active(active)), faults);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut p = pollers(&fake.url, &AwsSettings::default());
    let mut posture = Posture::new(Catalog::default_catalog());
    let start = Instant::now();
    poll_into(&rt, &mut p.securityhub, &mut posture);
    let took = start.elapsed().as_secs_f64();
    assert_eq!(posture.finding_count(), fake.world().finding_counts().total);
    fake.assert_checked();
    let throttled = fake.throttled().get("GetFindings").copied().unwrap_or(0);
    let pages = fake.calls()["GetFindings"] - throttled;
    (pages, took, throttled)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let n = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(2_000);
        // `--deny Operation` (repeatable) denies an operation; `--throttle N` throttles N calls in ten.
        let mut faults = Faults::default();
        for (k, a) in args.iter().enumerate() {
            let value = args.get(k + 1).cloned().unwrap_or_default();
            match a.as_str() {
                "--deny" => {
                    faults.deny_after.insert(Box::leak(value.into_boxed_str()), 0);
                }
                "--throttle" => faults.throttle_per_ten = value.parse().unwrap_or(0),
                _ => {}
            }
        }
        // `--org`: the organisation's delegated administrator, with its aggregators.
        // `--active`: N active findings (the world's total is then a little more).
        let n = if args.iter().any(|a| a == "--active") { findings_for_active(n) } else { n };
        let world = if args.iter().any(|a| a == "--org") { World::organization(n) } else { World::account(n) };
        let fake = FakeAws::start(world, faults);
        println!("{}", fake.url);
        loop {
            std::thread::park();
        }
    }
    if let Some(i) = args.iter().position(|a| a == "--soak") {
        let minutes: f64 = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(30.0);
        soak(minutes);
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--memory") {
        let counts: Vec<usize> = args[i + 1..].iter().map_while(|n| n.parse().ok()).collect();
        let counts = if counts.is_empty() { vec![100_000, 1_000_000] } else { counts };
        if let [n] = counts[..] {
            memory(n);
            return;
        }
        // Each count in a process of its own: memory freed by one is not the next one's start.
        for n in counts {
            let status = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--memory", &n.to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--warm") {
        let n: usize = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
        warm_start(n);
        return;
    }
    if args.iter().any(|a| a == "--organization") {
        // `--at-rate [all|fifth] [report|watch] [member]`: only the organisation at Config's
        // rate, in the scenarios and modes named (all of them by default); `member` reads with
        // a member role in every account (each account and region at its own 4 a second).
        let at_rate = args.iter().any(|a| a == "--at-rate");
        let named = |options: &[&str]| -> Vec<String> {
            let picked: Vec<String> = args.iter().filter(|a| options.contains(&a.as_str())).cloned().collect();
            if picked.is_empty() { options.iter().map(|o| o.to_string()).collect() } else { picked }
        };
        if !at_rate {
            organization(false);
        }
        for scenario in named(&["all", "fifth"]) {
            let modes: Vec<Mode> = named(&["report", "watch"])
                .iter()
                .map(|m| if m == "report" { Mode::Report } else { Mode::Watch })
                .collect();
            let member = args.iter().any(|a| a == "member");
            organization_at_rate(scenario == "fifth", &modes, member);
        }
        return;
    }
    // `cargo test --benches` runs this once, small, to keep it working.
    let quick = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    let (cold, big, at_limit) = if quick { (500, 2_000, 900) } else { (10_000, 100_000, 8_500) };

    let mut times = cold_load(cold, if quick { 1 } else { 5 });
    times.sort();
    println!("cold load of {cold} findings (rate limit off): median {:?} (runs: {times:?})", times[times.len() / 2]);

    // At AWS's documented limit: 3 calls a second, a burst of 6.
    let runs = if quick { 1 } else { 3 };
    for _ in 0..runs {
        let (pages, seconds, throttled) = cold_load_at_the_limit(at_limit);
        let floor = (pages.saturating_sub(6)) as f64 / 3.0;
        println!(
            "cold load of {at_limit} active findings against GetFindings at 3/s burst 6: {pages} pages in {seconds:.1} s; \
             floor {floor:.1} s; ratio {:.3}; {throttled} throttled",
            seconds / floor.max(0.001)
        );
    }

    // Resident memory: the store holding `big` findings, loaded page by page as in `watch`.
    let before = resident_kib();
    {
        let fake = FakeAws::start(World::account(big), Faults::default());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut p = pollers(&fake.url, &unlimited());
        let mut posture = Posture::new(Catalog::default_catalog());
        poll_into(&rt, &mut p.securityhub, &mut posture);
        let loaded = resident_kib();
        println!(
            "resident memory with {} findings in the store: {} MiB (process before: {} MiB)",
            posture.finding_count(),
            loaded / 1024,
            before / 1024
        );
    }

    // API calls per poll on a quiet account, with the default limits.
    let fake = FakeAws::start(World::account(if quick { 300 } else { 1_000 }), Faults::default());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut p = pollers(&fake.url, &AwsSettings::default());
    let mut posture = Posture::new(Catalog::default_catalog());
    poll_into(&rt, &mut p.securityhub, &mut posture);
    let cold_calls = fake.calls().get("GetFindings").copied().unwrap_or(0);
    let polls = if quick { 2 } else { 5 };
    let start = Instant::now();
    for _ in 0..polls {
        poll_into(&rt, &mut p.securityhub, &mut posture);
    }
    let calls = fake.calls();
    let per_poll = (calls.get("GetFindings").copied().unwrap_or(0) - cold_calls) as f64 / polls as f64;
    println!(
        "quiet account, default limits: {per_poll:.1} GetFindings calls per Security Hub poll (cold load: {cold_calls}); {polls} polls took {:?}",
        start.elapsed()
    );
    let before: u64 = fake.calls().values().sum();
    poll_into(&rt, &mut p.config, &mut posture);
    let config_calls: u64 = fake.calls().values().sum::<u64>() - before;
    let before: u64 = fake.calls().values().sum();
    poll_into(&rt, &mut p.cloudwatch, &mut posture);
    let cloudwatch_calls: u64 = fake.calls().values().sum::<u64>() - before;
    let w = fake.world();
    println!(
        "a Config poll: {config_calls} calls ({} rules); a CloudWatch poll: {cloudwatch_calls} calls ({} alarms, the catalog's metrics)",
        w.rules.len(),
        w.alarms.len()
    );
    drop(w);
    fake.assert_checked();
    let checks = fake.checks();
    println!(
        "model-checked: {} requests over {} operations",
        checks.requests.values().sum::<u64>(),
        checks.requests.len()
    );
    if !quick {
        assert!(per_poll <= 2.0, "one incremental call plus one reconcile page");
    }
    organization(quick);
}

/// An organisation read through its aggregators: 50 accounts in 4 regions, some 300 rules in
/// each (the Security Hub, conformance pack and custom rules of the fake's account, each place
/// keeping most), 20 findings per account and region. Config's calls per poll as a report makes
/// them (every non-compliant rule's details) and as the dashboard does (a budget a poll), and
/// the resident memory the store grows by.
fn organization(quick: bool) {
    let (accounts, regions) = if quick { (5, 2) } else { (50, 4) };
    let members: Vec<&'static str> =
        (1..accounts).map(|i| &*Box::leak(format!("{:012}", 200_000_000_000u64 + i as u64).into_boxed_str())).collect();
    let linked = ["us-west-2", "eu-west-1", "ap-southeast-2"][..regions - 1].to_vec();
    let mut world = World::organization_of(members, linked, accounts * regions * 20);
    // What each member's role sees there: its own rules, remediation, alarms and metrics.
    world.member_views();
    let fake = FakeAws::start(world, Faults::default());
    let (placed, noncompliant) = {
        let w = fake.world();
        let placed = w.aggregate_rules();
        (placed.len(), placed.iter().filter(|p| !p.rule.noncompliant.is_empty()).count())
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let total = |fake: &FakeAws| fake.calls().values().sum::<u64>();
    for mode in [Mode::Report, Mode::Watch] {
        let mut p = pollers_in(&fake.url, &unlimited(), mode);
        let mut posture = Posture::new(Catalog::default_catalog());
        let mut line = Vec::new();
        // The store's growth alone: each poll's events are read first, then applied.
        let mut grew = 0;
        for poll in 1..=2 {
            let (before, start) = (total(&fake), Instant::now());
            let config = &mut p.config;
            let events = rt.block_on(vigil::sources::collect(vigil::sources::system_clock(), |sink| async move {
                poll_once(config, &sink).await;
            }));
            line.push(format!("poll {poll}: {} calls in {:.1?}", total(&fake) - before, start.elapsed()));
            let rss = resident_kib();
            for e in events {
                assert!(e.result.is_ok(), "{:?}", e.result);
                posture.apply(e);
            }
            grew += resident_kib().saturating_sub(rss);
            if mode == Mode::Report {
                break;
            }
        }
        let rss = resident_kib();
        poll_into(&rt, &mut p.securityhub, &mut posture);
        grew += resident_kib().saturating_sub(rss);
        println!(
            "organisation of {accounts} accounts x {regions} regions through its aggregators ({mode:?}): {placed} rules \
             ({noncompliant} non-compliant), {} findings; Config {}; store {} rules, {} evaluations; resident memory \
             +{} MiB as they are stored",
            posture.finding_count(),
            line.join(", "),
            posture.rules().count(),
            posture.evaluation_count(),
            grew / 1024
        );
        assert_eq!(posture.rules().count(), placed, "every account's and region's rules");
        // The Accounts view builds its matrix each frame it is drawn.
        let start = Instant::now();
        let rows = posture.accounts_matrix();
        println!("  the Accounts matrix of {} accounts: {:.1?} to build", rows.len(), start.elapsed());
    }
    // The dashboard with member roles: Config's remediation, and CloudWatch's alarms and
    // metrics, read in every other account and region through its role.
    let settings = AwsSettings { member_role: Some("VigilReadOnly".into()), ..unlimited() };
    let mut p = pollers_in(&fake.url, &settings, Mode::Watch);
    let mut posture = Posture::new(Catalog::default_catalog());
    let mut line = Vec::new();
    let rss = resident_kib();
    // The store's growth alone, as above: each poll's events are read first, then applied.
    let mut stored = 0;
    let mut apply = |posture: &mut Posture, events: Vec<vigil::sources::SourceEvent>| {
        let rss = resident_kib();
        for e in events {
            assert!(e.result.is_ok(), "{:?}", e.result);
            posture.apply(e);
        }
        stored += resident_kib().saturating_sub(rss);
    };
    for poll in 1..=2 {
        let (before, start) = (total(&fake), Instant::now());
        let events = events_of(&rt, &mut p.config);
        let config = (total(&fake) - before, start.elapsed());
        apply(&mut posture, events);
        let (before, start) = (total(&fake), Instant::now());
        let events = events_of(&rt, &mut p.cloudwatch);
        let cloudwatch = (total(&fake) - before, start.elapsed());
        apply(&mut posture, events);
        line.push(format!(
            "poll {poll}: Config {} calls in {:.1?}, CloudWatch {} calls in {:.1?}",
            config.0, config.1, cloudwatch.0, cloudwatch.1
        ));
    }
    let remediations = posture.remediation_configs().count();
    let alarms = posture.alarms().count();
    let (series, points) = posture.metric_count();
    println!(
        "organisation of {accounts} accounts x {regions} regions with member roles (Watch): {}; {} AssumeRole; \
         store {remediations} remediation configurations, {} executions, {alarms} alarms, {series} metric series \
         ({points} points); resident memory +{} MiB as they are stored, +{} MiB in all (the pollers, their clients \
         and the in-process fake's answers)",
        line.join("; "),
        fake.calls().get("AssumeRole").copied().unwrap_or(0),
        posture.execution_count(),
        stored / 1024,
        resident_kib().saturating_sub(rss) / 1024
    );
    assert!(fake.checks().signed_by.keys().any(|k| k.starts_with("GetMetricData ")), "members' metrics were read");
    let places = accounts * regions - 1;
    assert_eq!(posture.source(SourceKind::CloudWatch).places.len(), places, "every other account and region");
    fake.assert_checked();
}

/// The config file the warm-start runs of `vigil report` use: vigil's default rates (GetFindings
/// 3 a second), short backoffs.
const WARM_CONFIG: &str = "[aws]\ninitial_backoff = 0.05\nmax_backoff = 1\n";

/// `vigil report` against the fake, with its snapshots under `dir`: (seconds, GetFindings calls
/// it made, the JSON).
fn timed_report(fake: &FakeAws, dir: &std::path::Path, extra: &[&str]) -> (f64, u64, serde_json::Value) {
    let before = fake.calls().get("GetFindings").copied().unwrap_or(0);
    let start = Instant::now();
    let out = vigil_report::command(&fake.url, fake_aws::REGION, dir, WARM_CONFIG)
        .args(["report", "--format", "json"])
        .args(extra)
        .output()
        .expect("vigil runs");
    let took = start.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    (took, fake.calls().get("GetFindings").copied().unwrap_or(0) - before, json)
}

/// Warm start: `findings` findings against the fake enforcing GetFindings' 3 calls a second
/// (burst 6). A cold `vigil report` (which keeps the snapshot), then 1% of the findings change in
/// AWS, then `watch`'s sources and store started from that snapshot (the time to every source
/// read once, each in turn, and whether the store then equals the fake's truth), and
/// `vigil report --snapshot`. GetFindings calls for each.
fn warm_start(findings: usize) {
    let faults = Faults { rate: [("GetFindings", (3.0, 6.0))].into(), ..Faults::default() };
    let fake = FakeAws::start(World::account(findings), faults);
    let dir = std::env::temp_dir().join(format!("vigil-bench-warm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    println!("warm start, {findings} findings, GetFindings held to 3 calls a second (burst 6):");
    let (cold, cold_calls, _) = timed_report(&fake, &dir, &[]);
    println!("  cold report: {cold:.1} s, {cold_calls} GetFindings calls");

    // 1% of the findings change in AWS: their UpdatedAt moves.
    let now = jiff::Timestamp::now().as_second();
    fake.change(|w| {
        for i in (0..findings).step_by(100) {
            w.raise(i, now);
        }
    });

    // `watch` from the snapshot the report kept.
    let snapshots = dir.join("cache").join("vigil").join("snapshots");
    let (path, header, size) = vigil::snapshot::list(&snapshots).pop().expect("the report kept a snapshot");
    let header = header.expect("a usable snapshot");
    let catalog = Catalog::default_catalog();
    let read_start = Instant::now();
    let snapshot = vigil::snapshot::read(&path, &header.subject, &catalog.text, jiff::Timestamp::now()).unwrap();
    let read = read_start.elapsed();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut p = pollers_in(&fake.url, &AwsSettings::default(), Mode::Watch);
    p.securityhub.warm(header.watermark.unwrap(), header.findings, header.subject.account.clone());
    let mut posture = Posture::new(catalog);
    let start = Instant::now();
    posture.warm_start(snapshot.events, header.written_at);
    let on_screen = start.elapsed();
    // The three sources poll at once, as in `watch`; each one's first poll timed.
    let (calls_before, config_before) = (fake.calls(), config_calls_of(&fake));
    let ((hub_events, hub), (config_events, config), (cloudwatch_events, cloudwatch)) = rt.block_on(async {
        tokio::join!(timed_poll(&mut p.securityhub), timed_poll(&mut p.config), timed_poll(&mut p.cloudwatch))
    });
    for e in hub_events.into_iter().chain(config_events).chain(cloudwatch_events) {
        assert!(e.result.is_ok(), "{:?}", e.result);
        posture.apply(e);
    }
    let hub_calls =
        fake.calls().get("GetFindings").copied().unwrap_or(0) - calls_before.get("GetFindings").copied().unwrap_or(0);
    let config_made = config_calls_of(&fake) - config_before;
    let off = differences(&fake.world(), &posture);
    println!(
        "  warm watch: snapshot of {size} bytes read in {:.2} s, on screen {:.2} s later; then, polling at once, \
         Security Hub read in {:.1} s ({hub_calls} GetFindings calls), Config in {:.1} s ({config_made} calls at 4 a \
         second), CloudWatch in {:.1} s: every source read once {:.1} s after start; {} findings held; {}",
        read.as_secs_f64(),
        on_screen.as_secs_f64(),
        hub.as_secs_f64(),
        config.as_secs_f64(),
        cloudwatch.as_secs_f64(),
        (read + on_screen + hub.max(config).max(cloudwatch)).as_secs_f64(),
        posture.finding_count(),
        if off.is_empty() {
            "equal to the fake's truth".to_string()
        } else {
            format!("{} differences: {off:?}", off.len())
        }
    );

    let (warm, warm_calls, json) = timed_report(&fake, &dir, &["--snapshot"]);
    println!("  warm report (--snapshot): {warm:.1} s, {warm_calls} GetFindings calls; basis {}", json["basis"]);
    fake.assert_checked();
    let _ = std::fs::remove_dir_all(&dir);
}

/// One poll, timed: its events and how long it took.
async fn timed_poll<P: Poll>(p: &mut P) -> (Vec<vigil::sources::SourceEvent>, Duration) {
    let start = Instant::now();
    let events = vigil::sources::collect(vigil::sources::system_clock(), |sink| async move {
        poll_once(p, &sink).await;
    })
    .await;
    (events, start.elapsed())
}

/// Config calls the fake has answered (throttled ones not counted).
fn config_calls_of(fake: &FakeAws) -> u64 {
    let (calls, throttled) = (fake.calls(), fake.throttled());
    CONFIG_OPERATIONS
        .iter()
        .map(|op| calls.get(*op).copied().unwrap_or(0) - throttled.get(*op).copied().unwrap_or(0))
        .sum()
}

/// Config's operations, for counting its calls.
const CONFIG_OPERATIONS: [&str; 11] = [
    "DescribeConfigurationAggregators",
    "DescribeAggregateComplianceByConfigRules",
    "GetAggregateComplianceDetailsByConfigRule",
    "SelectAggregateResourceConfig",
    "SelectResourceConfig",
    "DescribeConfigRules",
    "DescribeComplianceByConfigRule",
    "GetComplianceDetailsByConfigRule",
    "DescribeConfigRuleEvaluationStatus",
    "DescribeRemediationConfigurations",
    "DescribeRemediationExecutionStatus",
];

/// The organisation of 50 accounts in 4 regions at Config's rate: the fake holds every Config
/// call the administrator makes in its home region to 4 a second (burst 4), every operation
/// together, and vigil runs with its default Config rate (4 a second, adaptive). Every account
/// records `AWS::Config::ResourceCompliance`, or (`unrecorded_fifth`) a fifth of them do not. A
/// report's Config poll, then two dashboard polls: Config's calls in the home region (all of
/// them: no member role), their time, and how many non-compliant rules' details are whole.
fn organization_at_rate(unrecorded_fifth: bool, modes: &[Mode], member_role: bool) {
    let (accounts, regions) = (50, 4);
    let members: Vec<&'static str> =
        (1..accounts).map(|i| &*Box::leak(format!("{:012}", 200_000_000_000u64 + i as u64).into_boxed_str())).collect();
    let linked = ["us-west-2", "eu-west-1", "ap-southeast-2"][..regions - 1].to_vec();
    let mut world = World::organization_of(members.clone(), linked, accounts * regions * 20);
    if unrecorded_fifth {
        // Every fifth account, the administrator's first (index 0) not among them: 10 of 50.
        world.unrecorded = world.accounts().iter().skip(4).step_by(5).map(|a| a.to_string()).collect();
    }
    if member_role {
        world.member_views();
    }
    let faults = Faults { service_rate: [("config", (4.0, 4.0))].into(), ..Faults::default() };
    let (placed, noncompliant, resources) = {
        let w = &world;
        let placed = w.aggregate_rules();
        let nc: usize = placed.iter().map(|p| p.rule.noncompliant.len()).sum();
        (placed.len(), placed.iter().filter(|p| !p.rule.noncompliant.is_empty()).count(), nc)
    };
    let mut scenario = if unrecorded_fifth {
        format!("{} of {accounts} accounts not recording ResourceCompliance", world.unrecorded.len())
    } else {
        "every account recording ResourceCompliance".to_string()
    };
    if member_role {
        scenario.push_str(", a member role in every account");
    }
    let fake = FakeAws::start(world, faults);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let config_calls = |fake: &FakeAws| -> (u64, BTreeMap<String, u64>) {
        let calls = fake.calls();
        let throttled = fake.throttled();
        let mut by_op = BTreeMap::new();
        for op in CONFIG_OPERATIONS {
            let n = calls.get(op).copied().unwrap_or(0);
            if n > 0 {
                by_op.insert(op.to_string(), n);
            }
        }
        let total =
            by_op.values().sum::<u64>() - CONFIG_OPERATIONS.iter().filter_map(|o| throttled.get(*o)).sum::<u64>();
        (total, by_op)
    };
    println!(
        "organisation of {accounts} accounts x {regions} regions at Config's 4 calls a second, {scenario}: {placed} rules, \
         {noncompliant} non-compliant, {resources} non-compliant (rule, resource) pairs"
    );
    let settings = AwsSettings {
        rate_limits: RateLimits { get_findings: 0.0, securityhub: 0.0, config: 4.0, cloudwatch: 0.0 },
        member_role: member_role.then(|| "VigilReadOnly".to_string()),
        ..AwsSettings::default()
    };
    let home = format!("config/{}/{}", fake_aws::ACCOUNT, fake_aws::REGION);
    let elsewhere = |fake: &FakeAws| -> u64 {
        fake.calls_by_signer().iter().filter(|(k, _)| k.starts_with("config/") && **k != home).map(|(_, n)| n).sum()
    };
    for &mode in modes {
        let mut p = pollers_in(&fake.url, &settings, mode);
        let mut posture = Posture::new(Catalog::default_catalog());
        let polls = if mode == Mode::Report { 1 } else { 2 };
        for poll in 1..=polls {
            let (before, before_by_op) = config_calls(&fake);
            let members_before = elsewhere(&fake);
            let start = Instant::now();
            poll_into(&rt, &mut p.config, &mut posture);
            let took = start.elapsed();
            let (after, by_op) = config_calls(&fake);
            let ops: Vec<String> = by_op
                .iter()
                .map(|(op, n)| (op, n - before_by_op.get(op).copied().unwrap_or(0)))
                .filter(|(_, n)| *n > 0)
                .map(|(op, n)| format!("{op} {n}"))
                .collect();
            let rules: Vec<_> =
                posture.rules().filter(|r| r.compliance == Some(ConfigCompliance::NonCompliant)).collect();
            let whole = rules.iter().filter(|r| r.details_complete).count();
            let in_members = elsewhere(&fake) - members_before;
            println!(
                "  {mode:?} poll {poll}: {} Config calls in the home region, {in_members} in the members' own, in {:.1} s \
                 ({:.1} min); details whole for {whole} of {} non-compliant rules; {} evaluations stored; {} throttled \
                 so far [{}]",
                after - before - in_members,
                took.as_secs_f64(),
                took.as_secs_f64() / 60.0,
                rules.len(),
                posture.evaluation_count(),
                fake.throttled().values().sum::<u64>(),
                ops.join(", ")
            );
        }
    }
    fake.assert_checked();
}

/// When each source last finished a full read, as the headless loop saw it.
#[derive(Default)]
struct Completed {
    /// A Config or CloudWatch full set: the last one, and the one before (so that a poll known
    /// to have begun after a time can be told).
    replaced: BTreeMap<SourceKind, (Option<jiff::Timestamp>, jiff::Timestamp)>,
    /// The start of the last complete pass over Security Hub's active set.
    pass_started: Option<jiff::Timestamp>,
    /// The last incremental Security Hub poll that read in full.
    findings_fresh: Option<jiff::Timestamp>,
}

/// `vigil watch` without the terminal: the pollers as sources, the store fed by their events,
/// against a fake whose account changes, that throttles one call in ten, and that restarts once
/// midway. Every minute or so: churn stops, the next full poll of every source is awaited, and
/// the store is compared with the fake's truth; resident memory is printed.
fn soak(minutes: f64) {
    let start_epoch = jiff::Timestamp::now().as_second();
    let fake = Arc::new(FakeAws::start(
        World::account_at(3_000, start_epoch),
        Faults { throttle_per_ten: 1, ..Faults::default() },
    ));
    let settings = AwsSettings {
        securityhub_interval: 5.0,
        config_interval: 10.0,
        cloudwatch_interval: 10.0,
        reconcile_minutes: 0.25,
        max_attempts: 4,
        initial_backoff: 0.1,
        max_backoff: 1.0,
        attempt_timeout: 5.0,
        operation_timeout: 20.0,
        rate_limits: RateLimits { get_findings: 3.0, securityhub: 0.0, config: 0.0, cloudwatch: 0.0 },
        ..AwsSettings::default()
    };
    let posture = Arc::new(Mutex::new(Posture::new(Catalog::default_catalog())));
    let completed = Arc::new(Mutex::new(Completed::default()));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sources = pollers(&fake.url, &settings).into_sources();
    {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(1024);
        let sink = Sink::new(tx, vigil::sources::system_clock());
        let _guard = rt.enter();
        for s in sources {
            let mut p = posture.lock().unwrap();
            for (kind, interval) in s.feeds() {
                p.register_source(kind, interval);
            }
            drop(p);
            vigil::sources::spawn(s, sink.clone());
        }
        let (posture, completed) = (posture.clone(), completed.clone());
        rt.spawn(async move {
            while let Some(m) = rx.recv().await {
                let Message::Event(e) = m else { continue };
                let mut c = completed.lock().unwrap();
                match &e.result {
                    Ok(Payload::Replace(_)) => {
                        let before = c.replaced.get(&e.source).map(|(_, last)| *last);
                        c.replaced.insert(e.source, (before, e.fetched_at));
                    }
                    Ok(Payload::Sweep { started_at, .. }) => c.pass_started = Some(*started_at),
                    Ok(Payload::Merge(d)) if d.fresh.contains(Part::Findings) => c.findings_fresh = Some(e.fetched_at),
                    _ => {}
                }
                drop(c);
                posture.lock().unwrap().apply(e);
            }
        });
    }

    // Churn every two seconds, unless paused.
    let paused = Arc::new(AtomicBool::new(false));
    {
        let (fake, paused) = (fake.clone(), paused.clone());
        std::thread::spawn(move || {
            let mut step = 0u64;
            loop {
                std::thread::sleep(Duration::from_secs(2));
                if !paused.load(Ordering::SeqCst) {
                    step += 1;
                    let now = jiff::Timestamp::now().as_second();
                    fake.change(|w| w.churn(step, now));
                }
            }
        });
    }

    let started = Instant::now();
    let total = Duration::from_secs_f64(minutes * 60.0);
    let mut restarted = false;
    let mut check = 0;
    let mut all_equal = true;
    println!(
        "soak: {minutes} minutes; 10% of calls throttled; churn every 2 s, paused for each check; one restart midway"
    );
    // Resident memory every minute.
    let rss = Arc::new(Mutex::new(Vec::new()));
    {
        let (rss, posture) = (rss.clone(), posture.clone());
        std::thread::spawn(move || {
            for minute in 1.. {
                std::thread::sleep(Duration::from_secs(60));
                let kib = resident_kib();
                rss.lock().unwrap().push(kib);
                let held = posture.lock().unwrap().finding_count();
                println!("  minute {minute:>2}: RSS {:>6.1} MiB; {held} findings held", kib as f64 / 1024.0);
            }
        });
    }
    while started.elapsed() < total {
        std::thread::sleep(Duration::from_secs(40));
        if !restarted && started.elapsed() >= total / 2 {
            println!("  restarting the fake (down 5 s)");
            fake.restart(Duration::from_secs(5));
            restarted = true;
        }
        // Stop the world, then wait for a full read of everything after that.
        paused.store(true, Ordering::SeqCst);
        let t0 = jiff::Timestamp::now();
        // A pass over the active set that begins after the pause, at a GetFindings rate that
        // throttling keeps halving, can take two minutes and more.
        let deadline = Instant::now() + Duration::from_secs(300);
        let done = loop {
            std::thread::sleep(Duration::from_millis(500));
            let c = completed.lock().unwrap();
            let after = |t: Option<jiff::Timestamp>| t.is_some_and(|t| t > t0);
            // A full set from a poll that began after the pause (the one before it ended after
            // it), a second old (an error would have followed it by now), from a poll that ended
            // well (the source's health is ok).
            let settled = |kind: SourceKind| {
                let (before, last) = c.replaced.get(&kind).copied().unzip();
                after(before.flatten())
                    && last.is_some_and(|r| jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1) > r)
                    && posture.lock().unwrap().source(kind).health == vigil::store::Health::Ok
            };
            let ok = settled(SourceKind::Config)
                && settled(SourceKind::CloudWatch)
                && after(c.pass_started)
                && c.findings_fresh.zip(c.pass_started).is_some_and(|(f, p)| f >= p);
            if ok {
                break true;
            }
            if Instant::now() > deadline {
                break false;
            }
        };
        check += 1;
        let diff = if done {
            differences(&fake.world(), &posture.lock().unwrap())
        } else {
            vec!["no full poll within 300 s".into()]
        };
        all_equal &= diff.is_empty();
        println!(
            "  check {check:>2} ({:>5.1} min): after the next full poll the store equals the truth: {}",
            started.elapsed().as_secs_f64() / 60.0,
            if diff.is_empty() { "yes".to_string() } else { format!("NO: {}", diff.join("; ")) }
        );
        paused.store(false, Ordering::SeqCst);
    }
    // The trend after warm-up (the first three minutes): least-squares slope in KiB a minute.
    let warm: Vec<f64> = rss.lock().unwrap().iter().skip(3).map(|k| *k as f64).collect();
    if warm.len() >= 2 {
        let n = warm.len() as f64;
        let mx = (n - 1.0) / 2.0;
        let my = warm.iter().sum::<f64>() / n;
        let sxy: f64 = warm.iter().enumerate().map(|(i, y)| (i as f64 - mx) * (y - my)).sum();
        let sxx: f64 = (0..warm.len()).map(|i| (i as f64 - mx).powi(2)).sum();
        let (lo, hi) = warm.iter().fold((f64::MAX, 0.0f64), |(lo, hi), y| (lo.min(*y), hi.max(*y)));
        println!(
            "soak RSS after warm-up: {:.1} to {:.1} MiB, trend {:+.1} KiB a minute over {} minutes",
            lo / 1024.0,
            hi / 1024.0,
            sxy / sxx,
            warm.len()
        );
    }
    println!("soak: the store equaled the truth at every check: {}", if all_equal { "yes" } else { "NO" });
    let checks = fake.checks();
    println!(
        "soak: {} requests model-checked, {} refused, {} throttled",
        checks.requests.values().sum::<u64>(),
        checks.refused.len(),
        fake.throttled().values().sum::<u64>()
    );
    assert!(checks.refused.is_empty(), "{:?}", checks.refused);
    assert!(all_equal, "the store did not equal the truth after a full poll");
}

/// What differs between the store and the world: findings (id, workflow, severity, compliance),
/// rules (compliance and exact counts), alarms (state).
fn differences(w: &World, p: &Posture) -> Vec<String> {
    let mut out = Vec::new();
    let want: BTreeMap<String, (String, String, String)> = w
        .findings()
        .filter(|f| !f.archived && f.usable())
        .map(|f| {
            let compliance = if f.is_control() { if f.failed { "FAILED" } else { "PASSED" } } else { "-" };
            (f.id(), (f.workflow.to_string(), SEVERITIES[f.severity].to_string(), compliance.to_string()))
        })
        .collect();
    let have: BTreeMap<String, (String, String, String)> = p
        .findings()
        .map(|f| {
            let compliance = f.compliance.map_or("-", |c| c.as_str());
            (
                f.id.to_string(),
                (f.workflow.as_str().to_string(), f.severity.as_str().to_string(), compliance.to_string()),
            )
        })
        .collect();
    if want != have {
        let missing = want.keys().filter(|k| !have.contains_key(*k)).count();
        let extra = have.keys().filter(|k| !want.contains_key(*k)).count();
        let differ: Vec<String> = want
            .iter()
            .filter_map(|(k, v)| have.get(k).filter(|h| *h != v).map(|h| format!("{k}: {v:?} held as {h:?}")))
            .collect();
        out.push(format!(
            "findings: {missing} missing, {extra} extra, {} differ{}",
            differ.len(),
            differ.first().map(|d| format!(" (e.g. {d})")).unwrap_or_default()
        ));
    }
    let mut rules_off = BTreeSet::new();
    for r in &w.rules {
        match p.rules().find(|held| *held.name == *r.name) {
            None => {
                rules_off.insert(format!("{}: missing", r.name));
            }
            Some(held) => {
                let compliance = held.compliance.map(ConfigCompliance::as_str);
                let count = p.rule_noncompliant(&held.key()) as usize;
                let count_ok = !w.details_readable(r) || r.noncompliant.is_empty() || count == r.noncompliant.len();
                if compliance != Some(r.compliance()) || !count_ok {
                    rules_off.insert(format!(
                        "{}: {} {} held as {compliance:?} {count} (capped {:?}, unread {:?})",
                        r.name,
                        r.compliance(),
                        r.noncompliant.len(),
                        held.noncompliant,
                        held.unread
                    ));
                }
            }
        }
    }
    if !rules_off.is_empty() {
        out.push(format!("{} rules differ (e.g. {})", rules_off.len(), rules_off.iter().next().unwrap()));
    }
    let alarms_off =
        w.alarms.iter().filter(|a| p.alarms_named(&a.name).next().is_none_or(|h| h.state.as_str() != a.state)).count();
    if alarms_off > 0 {
        out.push(format!("{alarms_off} alarms differ"));
    }
    out
}

/// Resident memory with `findings` findings held as `vigil watch` holds them: the Security Hub
/// poller's cold load, its pages applied to the store as they arrive (the poller's own state
/// counted). The fake runs in a child process (`--serve N --active`), so that its world is not
/// counted. `cargo bench --bench aws_load -- --memory [N...]` (100,000 and 1,000,000 by default).
fn memory(findings: usize) {
    use std::io::BufRead;
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe)
        .args(["--serve", &findings.to_string(), "--active"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let url = url.trim().to_string();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let before = resident_kib();
    let mut p = pollers(&url, &unlimited());
    let mut posture = Posture::new(Catalog::default_catalog());
    let start = Instant::now();
    let mut peak = before;
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(64);
        let sink = Sink::new(tx, vigil::sources::system_clock());
        let producer = async move {
            poll_once(&mut p.securityhub, &sink).await;
            p
        };
        let consumer = async {
            let mut n = 0u64;
            while let Some(m) = rx.recv().await {
                if let Message::Event(e) = m {
                    assert!(e.result.is_ok(), "{:?}", e.result);
                    // As the app does after a whole read.
                    let ends_read = vigil::allocator::ends_read(&e);
                    posture.apply(e);
                    if ends_read {
                        vigil::allocator::give_back();
                    }
                    n += 1;
                    if n.is_multiple_of(1_000) {
                        peak = peak.max(resident_kib());
                    }
                }
            }
        };
        let (p, ()) = tokio::join!(producer, consumer);
        // The poller stays alive, as in `watch`, while the memory is read.
        let loaded = resident_kib();
        let held = posture.finding_count();
        println!(
            "memory: {held} findings loaded in {:.1} s; resident {:.0} MiB (process before: {:.0} MiB, peak {:.0} MiB): \
             {:.0} bytes a finding, process included ({:.0} above the start; {} in place)",
            start.elapsed().as_secs_f64(),
            loaded as f64 / 1024.0,
            before as f64 / 1024.0,
            peak.max(loaded) as f64 / 1024.0,
            loaded as f64 * 1024.0 / held as f64,
            loaded.saturating_sub(before) as f64 * 1024.0 / held as f64,
            std::mem::size_of::<vigil::model::Finding>(),
        );
        drop(p);
    });
    let _ = child.kill();
    let _ = child.wait();
}
