//! The live AWS sources: Config, Security Hub and CloudWatch pollers, and the account id from
//! STS, built on aws-config's standard credential chain with explicit time-outs.

pub mod automation;
pub mod cloudwatch;
pub mod config;
pub mod drill;
pub mod error;
pub mod limiter;
pub mod limits;
pub mod members;
pub mod ocsf;
pub mod poller;
pub mod retry;
pub mod securityhub;
pub mod securityhub_v2;

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::catalog::Catalog;
use crate::config::{AwsSettings, seconds};
use crate::model::Timestamp;
use crate::sources::{Clock, Payload, Sink, Source, SourceError, SourceEvent, SourceKind};
use cloudwatch::CloudWatchPoller;
use config::ConfigPoller;
use limiter::RateLimit;
use poller::Poller;
use retry::{Caller, Retry};
use securityhub::SecurityHubPoller;

/// The account and region a source reads; every item it makes carries them, so that sources
/// for several accounts and regions can feed one store later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

/// Where the sources run: in the dashboard, or for one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Watch,
    Report,
}

impl Scope {
    /// Fills in the account from STS when it is not known yet.
    pub async fn resolve(&mut self, resolver: &AccountResolver) {
        if self.account.is_empty()
            && let Some(id) = resolver.get().await
        {
            self.account = id;
        }
    }
}

/// What every poller has: which source it is, where it reads, how it calls AWS and how often.
pub struct PollerBase {
    pub kind: SourceKind,
    pub scope: Scope,
    pub resolver: std::sync::Arc<AccountResolver>,
    pub retry: Retry,
    pub interval: Duration,
    /// The credentials profile, named in the advice on expired credentials.
    pub profile: Option<String>,
}

impl PollerBase {
    /// How this poller's calls are retried and reported.
    pub fn caller<'a>(&'a self, sink: &'a Sink) -> Caller<'a> {
        Caller { kind: self.kind, sink, profile: self.profile.as_deref(), retry: &self.retry }
    }

    /// Fills in the account from STS when it is not known yet.
    pub async fn resolve_scope(&mut self) {
        self.scope.resolve(&self.resolver).await;
    }

    /// Reports pages and items read, and the rate allowed, while the first load runs: later
    /// polls keep the health "ok".
    pub async fn first_load_progress(&self, loaded: bool, sink: &Sink, calls: u64, items: u64, rate: Option<f64>) {
        if !loaded {
            progress(sink, self.kind, u32::try_from(calls).unwrap_or(u32::MAX), items, rate).await;
        }
    }
}

/// An SDK time as vigil's.
pub fn timestamp(t: &aws_smithy_types::DateTime) -> Timestamp {
    Timestamp::new(t.secs(), t.subsec_nanos() as i32).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// vigil's time as the SDK's.
pub fn sdk_time(t: Timestamp) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs_and_nanos(t.as_second(), t.subsec_nanosecond().max(0) as u32)
}

async fn progress(sink: &Sink, kind: SourceKind, pages: u32, items: u64, rate: Option<f64>) {
    let rate = rate.map(|r| r as f32);
    let event =
        SourceEvent { source: kind, fetched_at: sink.now(), result: Ok(Payload::Progress { pages, items, rate }) };
    let _ = sink.send(event).await;
}

/// The SDK configuration: aws-config's credential chain (environment, profiles, SSO,
/// assume-role), the region and endpoint given, explicit time-outs, and the SDK's own retries
/// off (vigil retries itself, visibly).
pub async fn load(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(seconds(settings.connect_timeout))
                .operation_attempt_timeout(seconds(settings.attempt_timeout))
                .operation_timeout(seconds(settings.operation_timeout))
                .build(),
        )
        .retry_config(RetryConfig::disabled());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The region in use, or a clear error.
pub fn region(sdk: &SdkConfig) -> Result<String, String> {
    sdk.region().map(|r| r.to_string()).ok_or_else(|| {
        "no AWS region: pass --region, set AWS_REGION, or set one in the profile (aws configure)".to_string()
    })
}

/// The account id, asked of STS once and shared by every poller (and the header).
pub struct AccountResolver {
    cell: tokio::sync::OnceCell<Result<Identity, SourceError>>,
    sdk: SdkConfig,
    settings: AwsSettings,
    mode: Mode,
    clock: Clock,
}

impl AccountResolver {
    pub fn new(sdk: SdkConfig, settings: AwsSettings, mode: Mode, clock: Clock) -> std::sync::Arc<Self> {
        std::sync::Arc::new(AccountResolver { cell: tokio::sync::OnceCell::new(), sdk, settings, mode, clock })
    }

    /// A known account id, for tests and the demo.
    pub fn known(account: &str, sdk: SdkConfig, settings: AwsSettings, clock: Clock) -> std::sync::Arc<Self> {
        let identity = Identity { account: account.to_string(), arn: None };
        let cell = tokio::sync::OnceCell::new_with(Some(Ok(identity)));
        std::sync::Arc::new(AccountResolver { cell, sdk, settings, mode: Mode::Report, clock })
    }

    /// The account id; `None` when STS could not say (nothing else fails for it).
    pub async fn get(&self) -> Option<String> {
        self.lookup().await.ok()
    }

    /// The account id, or why STS could not say it.
    pub async fn lookup(&self) -> Result<String, SourceError> {
        self.identity().await.map(|i| i.account)
    }

    /// The caller's ARN, for the audit log.
    pub async fn caller_arn(&self) -> Option<String> {
        self.identity().await.ok().and_then(|i| i.arn)
    }

    async fn identity(&self) -> Result<Identity, SourceError> {
        self.cell
            .get_or_init(|| async {
                // Asked for once, by whichever source needs it first: its retries go nowhere.
                let sink = Sink::detached(self.clock.clone());
                let identity = account(&self.sdk, &self.settings, self.mode, &sink).await;
                if let Err(e) = &identity {
                    tracing::warn!(error = %e, "STS GetCallerIdentity failed: the account shows as unknown");
                }
                identity
            })
            .await
            .clone()
    }
}

/// Tells the header the account id once STS has said it.
pub struct AccountSource(pub std::sync::Arc<AccountResolver>);

impl Source for AccountSource {
    fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)> {
        Vec::new()
    }

    fn run(self: Box<Self>, sink: Sink) -> crate::sources::SourceFuture {
        Box::pin(async move {
            let id = self.0.get().await.unwrap_or_else(|| "account unknown".to_string());
            sink.account(id).await;
        })
    }
}

/// Who the credentials are: the account and the caller's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub arn: Option<String>,
}

/// The account id and caller ARN from STS GetCallerIdentity.
pub async fn account(
    sdk: &SdkConfig,
    settings: &AwsSettings,
    mode: Mode,
    sink: &Sink,
) -> Result<Identity, SourceError> {
    let client = aws_sdk_sts::Client::new(sdk);
    let retry = retry(settings, mode);
    let caller = Caller { kind: SourceKind::Config, sink, profile: settings.profile.as_deref(), retry: &retry };
    let out =
        caller.call("sts:GetCallerIdentity", &RateLimit::unlimited(), || client.get_caller_identity().send()).await?;
    let account =
        out.account().ok_or_else(|| SourceError::Failed { message: "STS gave no account id".into() })?.to_string();
    Ok(Identity { account, arn: out.arn().map(str::to_string) })
}

pub fn retry(settings: &AwsSettings, mode: Mode) -> Retry {
    Retry {
        max_attempts: match mode {
            Mode::Watch => settings.max_attempts,
            Mode::Report => settings.report_max_attempts,
        }
        .max(1),
        initial_backoff: seconds(settings.initial_backoff),
        max_backoff: seconds(settings.max_backoff),
        endpoint: settings.endpoint_url.clone(),
    }
}

/// GetFindings' documented burst.
pub const GET_FINDINGS_BURST: f64 = 6.0;
/// The documented burst of Security Hub's other calls.
pub const SECURITY_HUB_BURST: f64 = 30.0;

/// The three pollers, ready to run.
pub struct Pollers {
    pub config: ConfigPoller,
    pub securityhub: SecurityHubPoller,
    pub cloudwatch: CloudWatchPoller,
}

/// The rate limits of the caller's own account and region that the drill-down shares with the
/// pollers: Config's, GetFindings' and Security Hub's other calls'.
#[derive(Debug, Clone)]
pub struct SharedLimits {
    pub config: RateLimit,
    pub get_findings: RateLimit,
    pub securityhub: RateLimit,
}

impl Pollers {
    /// `scope.account` may be empty: each poller then asks `resolver` before its first poll.
    pub fn new(
        sdk: &SdkConfig,
        settings: &AwsSettings,
        scope: Scope,
        resolver: std::sync::Arc<AccountResolver>,
        catalog: &Catalog,
        mode: Mode,
    ) -> Pollers {
        let r = &settings.rate_limits;
        let retry = retry(settings, mode);
        let base = |kind, interval| PollerBase {
            kind,
            scope: scope.clone(),
            resolver: resolver.clone(),
            retry: retry.clone(),
            interval: seconds(interval),
            profile: settings.profile.clone(),
        };
        let mut config = ConfigPoller::new(
            aws_sdk_config::Client::new(sdk),
            base(SourceKind::Config, settings.config_interval),
            RateLimit::per_second(r.config),
        );
        config.discover = settings.aggregators;
        config.aggregator = settings.config_aggregator.clone().filter(|_| settings.aggregators);
        // Member roles: each poller assumes them with its own clients; Config says the places.
        let member =
            |role: &str| members::Members::new(sdk, aws_sdk_sts::Client::new(sdk), role, (r.config, r.cloudwatch));
        let places = members::Places::default();
        config.members = settings.member_role.as_deref().map(member);
        config.places = places.clone();
        // A report reads every rule's details; the dashboard a share each poll.
        config.details_budget = match mode {
            Mode::Watch => Some(config::AGGREGATE_DETAILS_PER_POLL),
            Mode::Report => None,
        };
        let securityhub = SecurityHubPoller::new(
            aws_sdk_securityhub::Client::new(sdk),
            base(SourceKind::SecurityHub, settings.securityhub_interval),
            securityhub::Settings {
                discover: settings.aggregators,
                // AWS's documented buckets: GetFindings 3 a second with a burst of 6, the other
                // calls 10 a second with a burst of 30; the configured rates are the ceilings.
                get_findings: RateLimit::new(r.get_findings, GET_FINDINGS_BURST),
                other: RateLimit::new(r.securityhub, SECURITY_HUB_BURST),
                reconcile: seconds(settings.reconcile_minutes * 60.0),
                overlap: seconds(settings.overlap),
                api: settings.securityhub_api,
                automation_rules: settings.automation_rules,
            },
        );
        let metrics = catalog.controls.iter().flat_map(|c| c.evidence.metrics.iter().cloned()).collect();
        let cloudwatch = CloudWatchPoller::new(
            aws_sdk_cloudwatch::Client::new(sdk),
            base(SourceKind::CloudWatch, settings.cloudwatch_interval),
            RateLimit::per_second(r.cloudwatch),
            Duration::from_secs_f64(settings.metric_hours.max(0.1) * 3600.0),
            metrics,
        );
        let mut cloudwatch = cloudwatch;
        cloudwatch.members = settings.member_role.as_deref().map(member);
        cloudwatch.places = places;
        cloudwatch.patience = seconds(settings.operation_timeout);
        Pollers { config, securityhub, cloudwatch }
    }

    /// The caller's own rate limits, for the drill-down to share.
    pub fn limits(&self) -> SharedLimits {
        let (get_findings, securityhub) = self.securityhub.limits();
        SharedLimits { config: self.config.limit.clone(), get_findings, securityhub }
    }

    /// As sources for the dashboard.
    pub fn into_sources(self) -> Vec<Box<dyn Source>> {
        vec![Box::new(Poller(self.securityhub)), Box::new(Poller(self.config)), Box::new(Poller(self.cloudwatch))]
    }
}
