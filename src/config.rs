//! The config file (`--config FILE`, or `$XDG_CONFIG_HOME/vigil/config.toml` when it exists):
//! defaults for the global options and key bindings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::located::FileError;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A built-in theme name or a theme file.
    pub theme: Option<String>,
    /// A catalog file to use instead of the default catalog.
    pub catalog: Option<PathBuf>,
    /// Where the log goes.
    pub log_file: Option<PathBuf>,
    /// Key bindings by action, e.g. `quit = ["q", "ctrl-c"]`.
    #[serde(default)]
    pub keys: HashMap<String, Vec<String>>,
    /// A guardrail tests file whose results `watch` shows as evidence.
    pub guardrail_tests: Option<PathBuf>,
    /// How vigil talks to AWS.
    #[serde(default)]
    pub aws: AwsSettings,
}

/// Connection, time-out, retry, polling and rate settings for the live AWS sources (the config
/// file's `[aws]` table; `--profile`, `--region` and `--endpoint-url` override the first three).
/// Durations are in seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Points every service (and STS) at one endpoint: LocalStack, moto, a test fake.
    pub endpoint_url: Option<String>,
    pub connect_timeout: f64,
    /// Each attempt of a call.
    pub attempt_timeout: f64,
    /// A call with all its attempts.
    pub operation_timeout: f64,
    /// Attempts per call in `watch` (throttling, 5xx, time-outs and undecodable responses).
    pub max_attempts: u32,
    /// Attempts per call in `report`, before the source is marked failed.
    pub report_max_attempts: u32,
    pub initial_backoff: f64,
    pub max_backoff: f64,
    pub securityhub_interval: f64,
    pub config_interval: f64,
    pub cloudwatch_interval: f64,
    /// Security Hub's active set is re-read at least this often (minutes), a page per poll.
    pub reconcile_minutes: f64,
    /// Incremental Security Hub polls look back this far before the watermark (late findings).
    pub overlap: f64,
    /// Hours of metric history for the sparklines.
    pub metric_hours: f64,
    /// Read through AWS's aggregation where the account has it (Security Hub's members and
    /// finding aggregator, Config's aggregators); `--no-aggregators` turns it off.
    pub aggregators: bool,
    /// Read Config's compliance through this aggregator (`--config-aggregator`) rather than
    /// the organisation aggregator discovery finds.
    pub config_aggregator: Option<String>,
    /// The role vigil assumes in each member account (`--member-role`) to read what no
    /// aggregator carries: `arn:aws:iam::<account>:role/<member_role>`.
    pub member_role: Option<String>,
    pub rate_limits: RateLimits,
}

/// Calls per second, per operation family; 0 means no limit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// GetFindings (documented: 3 TPS, burst 6, shared by every caller in the account and
    /// region): the ceiling of the adaptive rate, which halves when AWS throttles.
    pub get_findings: f64,
    /// Other Security Hub calls (documented 10 TPS).
    pub securityhub: f64,
    /// AWS Config (no published limit; it throttles readily).
    pub config: f64,
    /// CloudWatch DescribeAlarms (9 TPS) and GetMetricData (50 TPS).
    pub cloudwatch: f64,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { get_findings: 3.0, securityhub: 5.0, config: 4.0, cloudwatch: 5.0 }
    }
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            profile: None,
            region: None,
            endpoint_url: None,
            connect_timeout: 3.0,
            attempt_timeout: 20.0,
            operation_timeout: 60.0,
            max_attempts: 3,
            report_max_attempts: 8,
            initial_backoff: 0.2,
            max_backoff: 10.0,
            securityhub_interval: 30.0,
            config_interval: 60.0,
            cloudwatch_interval: 60.0,
            reconcile_minutes: 15.0,
            overlap: 300.0,
            metric_hours: 3.0,
            aggregators: true,
            config_aggregator: None,
            member_role: None,
            rate_limits: RateLimits::default(),
        }
    }
}

/// Seconds as a duration (negative or NaN counts as zero).
pub fn seconds(s: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(s.max(0.0)).unwrap_or_default()
}

impl Config {
    pub fn parse(text: &str, origin: &str) -> Result<Config, FileError> {
        toml::from_str(text).map_err(|e| FileError::from_toml(origin, text, &e))
    }

    /// The file given, or the default one if it exists, or nothing.
    pub fn load(explicit: Option<&Path>) -> Result<Config, FileError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        Config::parse(&FileError::read(&path)?, &path.display().to_string())
    }
}

/// `$XDG_CONFIG_HOME/vigil/config.toml`, else `~/.config/vigil/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("vigil").join("config.toml"))
}

/// Where the log goes by default: `$XDG_STATE_HOME/vigil/vigil.log`, else
/// `~/.local/state/vigil/vigil.log`, else the temporary directory.
pub fn default_log_file() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))
        .map(|base| base.join("vigil").join("vigil.log"))
        .unwrap_or_else(|| std::env::temp_dir().join("vigil.log"))
}

/// The whole default config file, every key commented out with its default value and what it
/// does (`vigil config --print-default`). Written from the defaults themselves, so it cannot
/// drift from them.
pub fn default_file() -> String {
    let a = AwsSettings::default();
    let r = &a.rate_limits;
    let mut out = String::from(
        "# vigil's config file: $XDG_CONFIG_HOME/vigil/config.toml (or ~/.config/vigil/config.toml),\n\
         # or --config FILE. Every key is optional; command-line options win over it. Uncomment a\n\
         # line to change it. Durations are in seconds.\n\n",
    );
    let key = |out: &mut String, about: &str, line: String| {
        out.push_str(&format!("# {about}\n# {line}\n"));
    };
    key(
        &mut out,
        "Colour theme: dark, light, high-contrast or a theme file (unset: the terminal's background decides)",
        "theme = \"dark\"".into(),
    );
    key(
        &mut out,
        "A control catalog to use instead of the built-in SageMaker one (vigil catalog show)",
        "catalog = \"catalog.toml\"".into(),
    );
    key(&mut out, "Where the log goes", format!("log_file = {:?}", default_log_file().display().to_string()));
    key(
        &mut out,
        "Guardrail tests whose results `vigil watch` shows as preventive evidence",
        "guardrail_tests = \"guardrails/tests.toml\"".into(),
    );
    out.push_str(
        "\n# Key bindings: each action's keys (q, G, ctrl-c, shift-tab, f5, space, enter, esc, ...).\n# [keys]\n",
    );
    for action in crate::keymap::Action::ALL {
        let keys: Vec<String> = action.default_keys().iter().map(|k| format!("{k:?}")).collect();
        out.push_str(&format!("# {} = [{}]  # {}\n", action.name(), keys.join(", "), action.description()));
    }
    out.push_str(
        "\n# How vigil talks to AWS (--profile, --region and --endpoint-url override the first three).\n# [aws]\n",
    );
    key(&mut out, "AWS profile from ~/.aws/config (unset: AWS_PROFILE, else default)", "profile = \"default\"".into());
    key(&mut out, "AWS region (unset: AWS_REGION, else the profile's)", "region = \"us-east-1\"".into());
    key(
        &mut out,
        "One endpoint for every service (LocalStack, moto, tests)",
        "endpoint_url = \"http://localhost:4566\"".into(),
    );
    let numbers: [(&str, &str, f64); 14] = [
        ("connect_timeout", "Connecting to AWS", a.connect_timeout),
        ("attempt_timeout", "Each attempt of a call", a.attempt_timeout),
        ("operation_timeout", "A call with all its attempts", a.operation_timeout),
        ("max_attempts", "Attempts per call in watch", f64::from(a.max_attempts)),
        ("report_max_attempts", "Attempts per call in report", f64::from(a.report_max_attempts)),
        ("initial_backoff", "First wait before a retry", a.initial_backoff),
        ("max_backoff", "Longest wait before a retry", a.max_backoff),
        ("securityhub_interval", "Security Hub poll interval", a.securityhub_interval),
        ("config_interval", "AWS Config poll interval", a.config_interval),
        ("cloudwatch_interval", "CloudWatch poll interval", a.cloudwatch_interval),
        (
            "reconcile_minutes",
            "Security Hub's active set is re-read at least this often (minutes)",
            a.reconcile_minutes,
        ),
        ("overlap", "Incremental Security Hub polls look back this far for late findings", a.overlap),
        ("metric_hours", "Hours of metric history for the charts", a.metric_hours),
        ("", "", 0.0),
    ];
    for (name, about, value) in numbers.iter().filter(|n| !n.0.is_empty()) {
        // Counts are integers in the file; durations keep their fraction.
        let value = if name.ends_with("attempts") { format!("{value}") } else { format!("{value:?}") };
        key(&mut out, about, format!("{name} = {value}"));
    }
    key(
        &mut out,
        "Discover the organisation (Security Hub's members and finding aggregator, Config's aggregators); false: this account only",
        format!("aggregators = {}", a.aggregators),
    );
    key(
        &mut out,
        "Read Config's compliance through this aggregator (unset: the organisation aggregator discovery finds)",
        "config_aggregator = \"org-aggregator\"".into(),
    );
    key(
        &mut out,
        "The role assumed in each member account for its remediation and alarms (unset: this account's only)",
        "member_role = \"VigilReadOnly\"".into(),
    );
    out.push_str("\n# Calls a second per operation family; 0 means no limit.\n# [aws.rate_limits]\n");
    key(
        &mut out,
        "GetFindings (AWS: 3/s, burst 6, shared by every caller); halves when throttled",
        format!("get_findings = {:?}", r.get_findings),
    );
    key(&mut out, "Other Security Hub calls", format!("securityhub = {:?}", r.securityhub));
    key(&mut out, "AWS Config calls", format!("config = {:?}", r.config));
    key(&mut out, "CloudWatch calls", format!("cloudwatch = {:?}", r.cloudwatch));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_uncommented_is_the_defaults() {
        let text = default_file();
        // Uncomment every setting line (and table header), keep the explanations commented.
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[') || rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) =>
                {
                    rest.split("  # ").next().unwrap_or(rest).to_string()
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::parse(&uncommented, "default").unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        let defaults = AwsSettings {
            profile: Some("default".into()),
            region: Some("us-east-1".into()),
            endpoint_url: Some("http://localhost:4566".into()),
            config_aggregator: Some("org-aggregator".into()),
            member_role: Some("VigilReadOnly".into()),
            ..AwsSettings::default()
        };
        assert_eq!(c.aws, defaults);
        assert_eq!(c.theme.as_deref(), Some("dark"));
        assert_eq!(c.keys.len(), crate::keymap::Action::COUNT, "every action's keys");
        let keymap = crate::keymap::Keymap::with_overrides(&c.keys).unwrap();
        for action in crate::keymap::Action::ALL {
            assert_eq!(keymap.keys_for(action), crate::keymap::Keymap::default().keys_for(action));
        }
    }

    #[test]
    fn a_config_sets_defaults_and_keys() {
        let c = Config::parse("theme = \"light\"\n[keys]\nquit = [\"x\"]\n", "c.toml").unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.keys["quit"], vec!["x"]);
    }

    #[test]
    fn aws_settings_default_to_the_documented_limits() {
        let c =
            Config::parse("[aws]\nregion = \"eu-west-1\"\nrate_limits = { get_findings = 1.0 }\n", "c.toml").unwrap();
        assert_eq!(c.aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.aws.rate_limits.get_findings, 1.0);
        assert_eq!(c.aws.rate_limits.config, 4.0);
        assert_eq!((c.aws.connect_timeout, c.aws.attempt_timeout, c.aws.operation_timeout), (3.0, 20.0, 60.0));
        assert_eq!(c.aws.max_backoff, 10.0);
        assert_eq!(c.aws.report_max_attempts, 8);
        let e = Config::parse("[aws]\nconect_timeout = 1\n", "c.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn unknown_settings_are_refused_with_their_line() {
        let e = Config::parse("theme = \"light\"\ncolour = \"red\"\n", "c.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("colour"), "{e}");
    }

    #[test]
    fn an_explicit_file_must_exist() {
        let e = Config::load(Some(Path::new("/nonexistent/vigil.toml"))).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/vigil.toml: cannot read"), "{e}");
    }
}
