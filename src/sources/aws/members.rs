//! Member accounts of an organisation, reached through a role vigil assumes in each
//! (`--member-role NAME`): what no aggregator carries (remediation configurations and their
//! executions) is read in the member itself. STS AssumeRole once per account, its credentials
//! kept until shortly before they expire; one client and one rate limiter per (service,
//! account, region), so that one member's throttling never slows another's reads.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

use super::limiter::RateLimit;
use super::retry::Caller;
use crate::sources::SourceError;

/// Member accounts and regions read at once, each within its own rate limit (AWS throttles
/// each account and region on its own): a member's remediation is some 60 calls, 15 s at
/// Config's 4 a second, so 200 places take about 90 s this many at a time.
pub const MEMBERS_AT_ONCE: usize = 32;

/// Credentials are assumed again this long before they expire.
const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// A member account's assumed role, and the clients made with it, by region.
struct Account {
    expires: Option<SystemTime>,
    provider: SharedCredentialsProvider,
    config: HashMap<String, (aws_sdk_config::Client, RateLimit)>,
    cloudwatch: HashMap<String, (aws_sdk_cloudwatch::Client, RateLimit)>,
}

/// The accounts and regions of an organisation, as its Config aggregator reported them: Config
/// says them (or that there are none beyond the caller's), and CloudWatch waits for that before
/// it reads in the members.
#[derive(Clone)]
pub struct Places {
    tx: Arc<tokio::sync::watch::Sender<Option<PlaceSet>>>,
}

/// Accounts and regions, as (account, region).
pub type PlaceSet = BTreeSet<(String, String)>;

impl Default for Places {
    fn default() -> Self {
        Places { tx: Arc::new(tokio::sync::watch::channel(None).0) }
    }
}

impl Places {
    pub fn set(&self, places: PlaceSet) {
        self.tx.send_replace(Some(places));
    }

    /// Says there are none, unless some are known already (a poll that could not read the
    /// aggregator keeps the last places).
    pub fn known_or_none(&self) {
        self.tx.send_if_modified(|p| {
            let unknown = p.is_none();
            if unknown {
                *p = Some(BTreeSet::new());
            }
            unknown
        });
    }

    /// The places, once Config has said them, or none after `patience`.
    pub async fn get(&self, patience: Duration) -> PlaceSet {
        let mut rx = self.tx.subscribe();
        match tokio::time::timeout(patience, rx.wait_for(Option::is_some)).await {
            Ok(Ok(places)) => places.clone().unwrap_or_default(),
            _ => BTreeSet::new(),
        }
    }
}

pub struct Members {
    /// `None`: only the caller's own account is read (in any region).
    role: Option<String>,
    sdk: SdkConfig,
    sts: aws_sdk_sts::Client,
    /// Config and CloudWatch calls a second in each member account and region.
    config_rate: f64,
    cloudwatch_rate: f64,
    accounts: HashMap<String, Account>,
    /// Roles assumed, for the tests' and the benchmark's counts.
    pub assumed: u64,
}

impl Members {
    /// Roles named `role` assumed through `sts` with the caller's credentials; clients made
    /// from `sdk` with each member's.
    pub fn new(sdk: &SdkConfig, sts: aws_sdk_sts::Client, role: &str, rates: (f64, f64)) -> Self {
        Self::with_role(sdk, sts, Some(role), rates)
    }

    /// As [`Members::new`]; without a role, another account is refused with a message that
    /// says how to reach it.
    pub fn with_role(sdk: &SdkConfig, sts: aws_sdk_sts::Client, role: Option<&str>, rates: (f64, f64)) -> Self {
        Members {
            role: role.map(str::to_string),
            sdk: sdk.clone(),
            sts,
            config_rate: rates.0,
            cloudwatch_rate: rates.1,
            accounts: HashMap::new(),
            assumed: 0,
        }
    }

    /// The role vigil assumes in an account, if it was given one.
    pub fn role_arn(&self, account: &str) -> Option<String> {
        self.role.as_ref().map(|role| format!("arn:aws:iam::{account}:role/{role}"))
    }

    /// The account's credentials, assumed now if none are held or they are about to expire. A
    /// role that cannot be assumed is `Unauthorized`, naming the role. The caller's own account
    /// (in its other regions) is read with the caller's own credentials.
    async fn account(&mut self, caller: &Caller<'_>, account: &str, own: bool) -> Result<&mut Account, SourceError> {
        if own && !self.accounts.contains_key(account) {
            let provider = self
                .sdk
                .credentials_provider()
                .ok_or_else(|| SourceError::Failed { message: "no credentials to read this account with".into() })?;
            self.accounts.insert(
                account.to_string(),
                Account { expires: None, provider, config: HashMap::new(), cloudwatch: HashMap::new() },
            );
        }
        let fresh = self.accounts.get(account).is_some_and(|a| {
            a.expires.is_none_or(|at| at.duration_since(SystemTime::now()).is_ok_and(|left| left > REFRESH_BEFORE))
        });
        if !fresh {
            let Some(arn) = self.role_arn(account) else {
                let message = format!(
                    "account {account} is read only through a member role: start vigil with --member-role NAME"
                );
                return Err(SourceError::Failed { message });
            };
            let sts = &self.sts;
            let out = caller
                .call("sts:AssumeRole", &RateLimit::unlimited(), || {
                    sts.assume_role().role_arn(&arn).role_session_name("vigil").send()
                })
                .await
                .map_err(|e| match e.error {
                    SourceError::Unauthorized { .. } => {
                        SourceError::Unauthorized { action: format!("sts:AssumeRole on {arn}") }
                    }
                    other => other,
                })?;
            self.assumed += 1;
            let c = out
                .credentials()
                .ok_or_else(|| SourceError::Failed { message: format!("AssumeRole on {arn} gave no credentials") })?;
            let expires = SystemTime::try_from(*c.expiration()).ok();
            let credentials = Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_string()),
                expires,
                "vigil-member-role",
            );
            let provider = SharedCredentialsProvider::new(credentials);
            self.accounts.insert(
                account.to_string(),
                Account { expires, provider, config: HashMap::new(), cloudwatch: HashMap::new() },
            );
        }
        Ok(self.accounts.get_mut(account).expect("held or just assumed"))
    }

    /// The Config client of an account and region, and its own rate limiter: a member's through
    /// its role, the caller's own (`own`) with the caller's credentials.
    pub async fn config(
        &mut self,
        caller: &Caller<'_>,
        account: &str,
        region: &str,
        own: bool,
    ) -> Result<(aws_sdk_config::Client, RateLimit), SourceError> {
        let (sdk, rate) = (self.sdk.clone(), self.config_rate);
        let held = self.account(caller, account, own).await?;
        Ok(regional(&mut held.config, &sdk, &held.provider, region, rate, aws_sdk_config::Client::new))
    }

    /// The CloudWatch client of an account and region, and its own rate limiter.
    pub async fn cloudwatch(
        &mut self,
        caller: &Caller<'_>,
        account: &str,
        region: &str,
        own: bool,
    ) -> Result<(aws_sdk_cloudwatch::Client, RateLimit), SourceError> {
        let (sdk, rate) = (self.sdk.clone(), self.cloudwatch_rate);
        let held = self.account(caller, account, own).await?;
        Ok(regional(&mut held.cloudwatch, &sdk, &held.provider, region, rate, aws_sdk_cloudwatch::Client::new))
    }
}

/// A service's client of one region with an account's credentials, and its own rate limiter:
/// made on first use, then the same one.
fn regional<C: Clone>(
    clients: &mut HashMap<String, (C, RateLimit)>,
    sdk: &SdkConfig,
    credentials: &SharedCredentialsProvider,
    region: &str,
    rate: f64,
    make: fn(&SdkConfig) -> C,
) -> (C, RateLimit) {
    let (client, limit) = clients.entry(region.to_string()).or_insert_with(|| {
        let conf = sdk
            .to_builder()
            .credentials_provider(credentials.clone())
            .region(aws_config::Region::new(region.to_string()))
            .build();
        (make(&conf), RateLimit::per_second(rate))
    });
    (client.clone(), limit.clone())
}
