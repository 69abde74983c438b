//! AWS errors as source health: throttled, unauthorized (naming the IAM action), expired
//! credentials (saying how to renew them), or failed with a short reason.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::sources::SourceError;

/// What went wrong with one call, and whether another attempt may succeed (throttling, 5xx,
/// time-outs, connection failures, a response that did not decode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub error: SourceError,
    pub retryable: bool,
    /// Why no connection could be made, when none could (nothing listens there, the host is
    /// unknown or cannot be reached): worth another attempt against AWS (a network coming
    /// back), not against an endpoint given explicitly (see [`super::retry::Retry::endpoint`]).
    pub unreachable: Option<String>,
}

impl From<CallError> for SourceError {
    fn from(e: CallError) -> Self {
        e.error
    }
}

/// The raw response's HTTP status (the SDK's `HttpResponse`).
pub trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

const THROTTLING: [&str; 9] = [
    "LimitExceededException",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
];
const DENIED: [&str; 5] =
    ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "AuthorizationError"];
const EXPIRED: [&str; 6] = [
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
];

/// How to renew credentials, for the profile in use.
pub fn renew_hint(profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!("renew them: aws sso login --profile {p} (or refresh the profile's credentials)"),
        None => "renew them: aws sso login, or refresh AWS_ACCESS_KEY_ID / AWS_SESSION_TOKEN".to_string(),
    }
}

/// Classifies an SDK error. `action` is the IAM action of the call (`config:DescribeConfigRules`).
pub fn classify<E, R>(err: &SdkError<E, R>, action: &str, profile: Option<&str>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let failed =
        |message: String| CallError { error: SourceError::Failed { message }, retryable: false, unreachable: None };
    let transient =
        |message: String| CallError { error: SourceError::Failed { message }, retryable: true, unreachable: None };
    match err {
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or_default();
            let message = ctx.err().message().unwrap_or_default();
            if THROTTLING.contains(&code) {
                return CallError {
                    error: SourceError::Throttled { operation: action.to_string() },
                    retryable: true,
                    unreachable: None,
                };
            }
            if DENIED.contains(&code) || message.contains("is not authorized to perform") {
                let denied = message
                    .split("perform: ")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .unwrap_or(action)
                    .to_string();
                return CallError {
                    error: SourceError::Unauthorized { action: denied },
                    retryable: false,
                    unreachable: None,
                };
            }
            if EXPIRED.contains(&code) {
                return CallError {
                    error: SourceError::ExpiredCredentials { fix: renew_hint(profile) },
                    retryable: false,
                    unreachable: None,
                };
            }
            let status = ctx.raw().status_code();
            // A success status with an unmodeled error: the body did not decode.
            if (200..300).contains(&status) && code.is_empty() {
                return transient(format!("{action}: the response could not be decoded"));
            }
            let code = if code.is_empty() { format!("HTTP {status}") } else { code.to_string() };
            let text = format!("{action}: {code}: {}", first_line(message));
            if status >= 500 { transient(text) } else { failed(text) }
        }
        SdkError::TimeoutError(_) => transient(format!("{action}: timed out")),
        SdkError::ResponseError(_) => transient(format!("{action}: the response could not be decoded")),
        SdkError::DispatchFailure(d) => {
            let text = chain(err);
            if d.is_timeout() {
                transient(format!("{action}: timed out"))
            } else if is_credentials_problem(&text) {
                credentials(&text, profile)
            } else if let Some(reason) = d.as_connector_error().filter(|c| c.is_io()).and_then(|c| unreachable(c)) {
                CallError {
                    unreachable: Some(reason.clone()),
                    ..transient(format!("{action}: cannot connect: {reason}"))
                }
            } else if d.is_io() {
                transient(format!("{action}: cannot connect: {}", first_line(&text)))
            } else {
                failed(format!("{action}: {}", first_line(&text)))
            }
        }
        SdkError::ConstructionFailure(_) => {
            let text = chain(err);
            if is_credentials_problem(&text) {
                credentials(&text, profile)
            } else {
                failed(format!("{action}: {}", first_line(&text)))
            }
        }
        other => failed(format!("{action}: {}", first_line(&chain(other)))),
    }
}

fn is_credentials_problem(text: &str) -> bool {
    let t = text.to_lowercase();
    t.contains("credential") || t.contains("sso") || t.contains("token")
}

fn credentials(text: &str, profile: Option<&str>) -> CallError {
    let t = text.to_lowercase();
    let error = if t.contains("expired") || t.contains("sso") {
        SourceError::ExpiredCredentials { fix: renew_hint(profile) }
    } else {
        SourceError::Failed {
            message: format!(
                "no usable credentials ({}): set AWS_PROFILE or pass --profile, or run aws configure / aws sso login",
                first_line(text)
            ),
        }
    };
    CallError { error, retryable: false, unreachable: None }
}

/// Why no connection could be made, when that is what happened: the connection was refused
/// (nothing listens there), the host name did not resolve, or the host or its network cannot be
/// reached. A connection that was made and then broke is not among them (another attempt may
/// well succeed).
fn unreachable(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    use std::io::ErrorKind;
    let mut link = Some(err);
    while let Some(e) = link {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionRefused | ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable
            )
        {
            return Some(first_line(&io.to_string()).to_string());
        }
        // The SDK's own resolver, or hyper's (whose error says only "dns error", its cause why).
        let dns = e.downcast_ref::<aws_smithy_runtime_api::client::dns::ResolveDnsError>().is_some()
            || e.to_string() == "dns error";
        if dns {
            let why = e.source().map(chain).unwrap_or_default();
            return Some(if why.is_empty() {
                "unknown host".to_string()
            } else {
                format!("unknown host ({})", first_line(&why))
            });
        }
        link = e.source();
    }
    None
}

/// The error and its sources on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or_default();
    let end = line.char_indices().nth(200).map_or(line.len(), |(i, _)| i);
    &line[..end]
}

#[cfg(test)]
mod tests {
    use std::io::{Error, ErrorKind};

    use super::unreachable;

    /// An error that says `text` and was caused by `cause`, as the HTTP client's layers do.
    #[derive(Debug)]
    struct Link(&'static str, Box<dyn std::error::Error + Send + Sync>);

    impl std::fmt::Display for Link {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Link {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&*self.1)
        }
    }

    #[test]
    fn a_connection_never_made_is_told_from_one_that_broke() {
        let refused = Link(
            "client error (Connect)",
            Box::new(Link("tcp connect error", Box::new(Error::from(ErrorKind::ConnectionRefused)))),
        );
        assert_eq!(unreachable(&refused).as_deref(), Some("connection refused"));
        let unknown = Link(
            "client error (Connect)",
            Box::new(Link(
                "dns error",
                Box::new(Error::other("failed to lookup address information: Name or service not known")),
            )),
        );
        assert_eq!(
            unreachable(&unknown).as_deref(),
            Some("unknown host (failed to lookup address information: Name or service not known)")
        );
        let sdk_dns = aws_smithy_runtime_api::client::dns::ResolveDnsError::new(Error::other("no such host"));
        assert_eq!(unreachable(&sdk_dns).as_deref(), Some("unknown host (no such host)"));
        // Made, then broken: another attempt may well succeed.
        let reset = Link("connection error", Box::new(Error::from(ErrorKind::ConnectionReset)));
        assert_eq!(unreachable(&reset), None);
        assert_eq!(unreachable(&Error::from(ErrorKind::TimedOut)), None);
    }
}
