//! What every command that runs sources starts from: the runtime, and for AWS the SDK's
//! configuration, the region, the account resolver and the pollers, assembled in one place.

/// The runtime the dashboard and its sources run on: the UI on this thread, sources on two
/// workers (so that a panicking source is told apart from a panicking UI).
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("vigil: cannot start the runtime: {e}");
            None
        }
    }
}

/// The AWS side of a command that polls as the dashboard does.
#[cfg(feature = "aws")]
pub struct Polling {
    pub sdk: aws_config::SdkConfig,
    pub region: String,
    pub scope: crate::sources::aws::Scope,
    pub resolver: std::sync::Arc<crate::sources::aws::AccountResolver>,
    pub pollers: crate::sources::aws::Pollers,
}

/// The SDK's configuration (aws-config's credential chain, the endpoint override), the region it
/// resolved, and a poller per source in `mode`, sharing one account resolver and one clock.
#[cfg(feature = "aws")]
pub async fn polling(
    aws_settings: &crate::config::AwsSettings,
    catalog: &crate::catalog::Catalog,
    mode: crate::sources::aws::Mode,
    clock: crate::sources::Clock,
) -> Result<Polling, String> {
    use crate::sources::aws::{self, AccountResolver, Pollers, Scope};
    let sdk = aws::load(aws_settings).await;
    let region = aws::region(&sdk)?;
    let resolver = AccountResolver::new(sdk.clone(), aws_settings.clone(), mode, clock);
    let scope = Scope { account: String::new(), region: region.clone() };
    let pollers = Pollers::new(&sdk, aws_settings, scope.clone(), resolver.clone(), catalog, mode);
    Ok(Polling { sdk, region, scope, resolver, pollers })
}

#[cfg(feature = "aws")]
impl Polling {
    /// Every source the pollers make, the account resolver's and the guardrail tests' (`suite`).
    pub fn into_sources(self, suite: Option<crate::policy::Suite>) -> Vec<Box<dyn crate::sources::Source>> {
        let mut sources = self.pollers.into_sources();
        sources.push(Box::new(crate::sources::aws::AccountSource(self.resolver)));
        if let Some(suite) = suite {
            sources.push(Box::new(crate::sources::guardrails::GuardrailSource::new(suite)));
        }
        sources
    }
}
