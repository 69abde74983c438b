//! The live sources against the local fake (tests/fake_aws): the cold load of 10,000 findings
//! with the client-side rate limit raised to match an endpoint that does not throttle; resident
//! memory with 100,000 findings loaded; and, with the default limits, the API calls each poll
//! costs on a quiet account.
//!
//! `cargo bench --bench aws_load` measures; `cargo bench --bench aws_load -- --serve N` runs
//! the fake with N findings and prints its URL, for trying `vigil watch --endpoint-url URL`.

#[path = "../tests/fake_aws/mod.rs"]
mod fake_aws;

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use fake_aws::{FakeAws, Faults, Truth};
use vigil::catalog::Catalog;
use vigil::config::{AwsSettings, RateLimits};
use vigil::sources::aws::poller::Poll;
use vigil::sources::aws::{AccountResolver, Mode, Pollers, Scope};
use vigil::sources::{SourceEvent, SourceKind};
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
    let sdk = sdk(url);
    let resolver = AccountResolver::known(fake_aws::ACCOUNT, sdk.clone(), settings.clone());
    let scope = Scope { account: fake_aws::ACCOUNT.into(), region: fake_aws::REGION.into() };
    Pollers::new(&sdk, settings, scope, resolver, &Catalog::default_catalog(), Mode::Watch)
}

fn unlimited() -> AwsSettings {
    AwsSettings {
        rate_limits: RateLimits { get_findings: 0.0, securityhub: 0.0, config: 0.0, cloudwatch: 0.0 },
        ..AwsSettings::default()
    }
}

fn apply(posture: &mut Posture, kind: SourceKind, polled: vigil::sources::aws::poller::Polled) {
    assert!(polled.error.is_none(), "{:?}", polled.error);
    for p in polled.payloads {
        posture.apply(SourceEvent { source: kind, fetched_at: jiff::Timestamp::now(), result: Ok(p) });
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
    let fake = FakeAws::start(Truth::new(findings), Faults::default());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    (0..runs)
        .map(|_| {
            let mut p = pollers(&fake.url, &unlimited());
            let mut posture = Posture::new(Catalog::default_catalog());
            let start = Instant::now();
            let polled = rt.block_on(Box::pin(p.securityhub.poll(None)));
            apply(&mut posture, SourceKind::SecurityHub, polled);
            let took = start.elapsed();
            assert_eq!(posture.finding_count(), fake.truth().finding_counts().0);
            took
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let n = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(2_000);
        let fake = FakeAws::start(Truth::new(n), Faults::default());
        println!("{}", fake.url);
        loop {
            std::thread::park();
        }
    }
    // `cargo test --benches` runs this once, small, to keep it working.
    let quick = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    let (cold, big) = if quick { (500, 2_000) } else { (10_000, 100_000) };

    let mut times = cold_load(cold, if quick { 1 } else { 5 });
    times.sort();
    println!("cold load of {cold} findings (rate limit off): median {:?} (runs: {times:?})", times[times.len() / 2]);

    // Resident memory: the store holding `big` findings, loaded page by page as in `watch`.
    let before = resident_kib();
    {
        let fake = FakeAws::start(Truth::new(big), Faults::default());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut p = pollers(&fake.url, &unlimited());
        let mut posture = Posture::new(Catalog::default_catalog());
        let polled = rt.block_on(Box::pin(p.securityhub.poll(None)));
        apply(&mut posture, SourceKind::SecurityHub, polled);
        let loaded = resident_kib();
        println!(
            "resident memory with {} findings in the store: {} MiB (process before: {} MiB)",
            posture.finding_count(),
            loaded / 1024,
            before / 1024
        );
    }

    // API calls per poll on a quiet account, with the default limits.
    let fake = FakeAws::start(Truth::new(if quick { 300 } else { 1_000 }), Faults::default());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut p = pollers(&fake.url, &AwsSettings::default());
    let mut posture = Posture::new(Catalog::default_catalog());
    let polled = rt.block_on(Box::pin(p.securityhub.poll(None)));
    apply(&mut posture, SourceKind::SecurityHub, polled);
    let cold_calls = fake.calls().get("GetFindings").copied().unwrap_or(0);
    let polls = if quick { 2 } else { 5 };
    let start = Instant::now();
    for _ in 0..polls {
        let polled = rt.block_on(Box::pin(p.securityhub.poll(None)));
        apply(&mut posture, SourceKind::SecurityHub, polled);
    }
    let calls = fake.calls();
    let per_poll = (calls.get("GetFindings").copied().unwrap_or(0) - cold_calls) as f64 / polls as f64;
    println!(
        "quiet account, default limits: {per_poll:.1} GetFindings calls per Security Hub poll (cold load: {cold_calls}); {polls} polls took {:?}",
        start.elapsed()
    );
    let before: u64 = fake.calls().values().sum();
    let polled = rt.block_on(Box::pin(p.config.poll(None)));
    apply(&mut posture, SourceKind::Config, polled);
    let config_calls: u64 = fake.calls().values().sum::<u64>() - before;
    let before: u64 = fake.calls().values().sum();
    let polled = rt.block_on(Box::pin(p.cloudwatch.poll(None)));
    apply(&mut posture, SourceKind::CloudWatch, polled);
    let cloudwatch_calls: u64 = fake.calls().values().sum::<u64>() - before;
    println!(
        "a Config poll: {config_calls} calls (30 rules); a CloudWatch poll: {cloudwatch_calls} calls (121 alarms, 2 metrics)"
    );
    if !quick {
        assert!(per_poll <= 2.0, "one incremental call plus one reconcile page");
    }
}
