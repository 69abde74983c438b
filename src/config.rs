//! The config file (`--config FILE`, or `$XDG_CONFIG_HOME/vigil/config.toml` when it exists):
//! defaults for the global options and key bindings.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::keymap::{Action, Key};
use crate::located::FileError;

/// How the terminal tells a burst of changes (`--notify`, `[notify] method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyMethod {
    /// The terminal's bell (BEL).
    Bell,
    /// A desktop notification (OSC 777 and OSC 9).
    Desktop,
    /// Nothing on the terminal (a command may still be run).
    #[default]
    None,
}

/// Which changes are told (`--notify-on`, `[notify] on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyOn {
    /// A control turning FAIL, a CRITICAL or HIGH finding new or raised.
    #[default]
    Fail,
    /// Also a control turning WARN or STALE, a MEDIUM finding, a remediation that failed and a
    /// source that failed.
    Warn,
    /// Every change.
    Any,
}

/// What the config file says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// A built-in theme name or a theme file.
    pub theme: Option<String>,
    /// A catalog file to use instead of the default catalog.
    pub catalog: Option<PathBuf>,
    /// Where the log goes.
    pub log_file: Option<PathBuf>,
    /// Key bindings by action, e.g. `quit = ["q", "ctrl-c"]`.
    pub keys: HashMap<String, Vec<String>>,
    /// The guardrail tests file whose results `watch` shows as preventive evidence: `[guardrails]
    /// tests` (or the older top-level `guardrail_tests`). [`Config::load`] makes a relative path
    /// relative to the config file's directory.
    pub guardrail_tests: Option<PathBuf>,
    /// How vigil talks to AWS.
    pub aws: AwsSettings,
    /// Telling changes beyond the screen: the `[notify]` table.
    pub notify: NotifySettings,
    /// What the change feed keeps: the `[changes]` table.
    pub changes: ChangesSettings,
    /// Local snapshots: the `[cache]` table.
    pub cache: CacheSettings,
}

/// Which of Security Hub's two APIs the findings are read through (`[securityhub] api`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HubApi {
    /// Both where the new Security Hub is on (asked at the start and hourly), else Security Hub
    /// CSPM's.
    #[default]
    Auto,
    /// Security Hub CSPM's only (GetFindings, ASFF); the new Security Hub is not asked about.
    Cspm,
    /// The new Security Hub's only (GetFindingsV2, OCSF): CSPM's control findings come through
    /// it too, but not every integration's.
    V2,
    /// Both, one finding for one id: what only one of them has is read too.
    Both,
}

/// The config file's `[securityhub]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecurityHubSettings {
    api: Option<HubApi>,
    /// Whether the automation rules are read (why a finding went quiet); on unless false.
    automation_rules: Option<bool>,
}

/// The config file's `[cache]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// Whether watch and report keep a snapshot and watch starts from it (on unless false).
    pub snapshot: Option<bool>,
}

/// The config file's `[changes]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesSettings {
    /// Findings at or above this severity are in the feed (`HIGH` unless set).
    pub severity: Option<crate::model::Severity>,
}

/// The config file's `[notify]` table: what the command line's `--notify`, `--notify-on` and
/// `--notify-command` default to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// `bell`, `desktop` or `none`.
    pub method: Option<NotifyMethod>,
    /// `fail`, `warn` or `any`.
    pub on: Option<NotifyOn>,
    /// A command run for each change, the change as JSON on its standard input.
    pub command: Option<String>,
}

/// The config file as written; [`Config`] is what it means.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    theme: Option<String>,
    catalog: Option<PathBuf>,
    log_file: Option<PathBuf>,
    #[serde(default)]
    keys: HashMap<String, Vec<String>>,
    /// The older name of `[guardrails] tests`, still read.
    guardrail_tests: Option<PathBuf>,
    #[serde(default)]
    guardrails: GuardrailSettings,
    #[serde(default)]
    aws: AwsSettings,
    #[serde(default)]
    notify: NotifySettings,
    #[serde(default)]
    changes: ChangesSettings,
    #[serde(default)]
    cache: CacheSettings,
    #[serde(default)]
    securityhub: SecurityHubSettings,
}

/// The config file's `[guardrails]` table.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardrailSettings {
    /// A guardrail tests file (`vigil policy test --tests`'s format).
    tests: Option<PathBuf>,
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
    /// From the `[securityhub]` table: which API the findings are read through.
    #[serde(skip)]
    pub securityhub_api: HubApi,
    /// From the `[securityhub]` table: whether the automation rules are read.
    #[serde(skip)]
    pub automation_rules: bool,
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
            securityhub_api: HubApi::Auto,
            automation_rules: true,
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
    /// Parses a config file's text. Every error says where and which key: `config.toml:3:9:
    /// keys.quit: ...`, `config.toml:1:9: theme: ...`. Paths are left as written.
    pub fn parse(text: &str, origin: &str) -> Result<Config, FileError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| FileError::from_toml_naming_key(origin, text, &e))?;
        // The text is TOML (it just deserialized): read again for where each key is.
        let root = DeTable::parse(text).map_err(|e| FileError::from_toml(origin, text, &e))?;
        let at = |span: Range<usize>, field: String, message: String| {
            FileError::at(origin, text, span.start, field, message)
        };
        if let Some(theme) = &raw.theme
            && crate::theme::Theme::built_in(theme).is_none()
            && !Path::new(theme).is_file()
        {
            let names = crate::theme::Theme::built_in_names().collect::<Vec<_>>().join(", ");
            let span = value_span(root.get_ref(), &["theme"]).unwrap_or_default();
            return Err(at(
                span,
                "theme".into(),
                format!("`{theme}` is neither a built-in theme ({names}) nor a theme file"),
            ));
        }
        if let Some(DeValue::Table(keys)) = root.get_ref().get("keys").map(Spanned::get_ref) {
            check_keys(keys).map_err(|(span, field, message)| at(span, field, message))?;
        }
        if raw.guardrail_tests.is_some() && raw.guardrails.tests.is_some() {
            let span = value_span(root.get_ref(), &["guardrail_tests"]).unwrap_or_default();
            let message = "the older name of [guardrails] tests, which this file also gives: keep one".to_string();
            return Err(at(span, "guardrail_tests".into(), message));
        }
        Ok(Config {
            theme: raw.theme,
            catalog: raw.catalog,
            log_file: raw.log_file,
            keys: raw.keys,
            guardrail_tests: raw.guardrails.tests.or(raw.guardrail_tests),
            aws: AwsSettings {
                securityhub_api: raw.securityhub.api.unwrap_or_default(),
                automation_rules: raw.securityhub.automation_rules.unwrap_or(true),
                ..raw.aws
            },
            notify: raw.notify,
            changes: raw.changes,
            cache: raw.cache,
        })
    }

    /// The file given, or the default one if it exists, or nothing. The guardrail tests' path
    /// is taken from the file's directory, as the file's author sees it.
    pub fn load(explicit: Option<&Path>) -> Result<Config, FileError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        let mut config = Config::parse(&FileError::read(&path)?, &path.display().to_string())?;
        if let (Some(tests), Some(dir)) = (&config.guardrail_tests, path.parent()) {
            config.guardrail_tests = Some(dir.join(tests));
        }
        Ok(config)
    }
}

/// The span of the value at `path` (`["keys", "quit"]`).
fn value_span(root: &DeTable, path: &[&str]) -> Option<Range<usize>> {
    let (last, tables) = path.split_last()?;
    let mut table = root;
    for name in tables {
        match table.get(*name)?.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    table.get(*last).map(Spanned::span)
}

/// A problem in `[keys]`: where, which key, what.
type KeyProblem = (Range<usize>, String, String);

/// Checks `[keys]` as the keymap will read it, so that each mistake is said with its place:
/// an action that does not exist, a key that does not parse, a key bound to two actions.
fn check_keys(keys: &DeTable) -> Result<(), KeyProblem> {
    // The keys written for each action, with where each is.
    let mut written: HashMap<Action, Vec<(String, Range<usize>)>> = HashMap::new();
    for (name, value) in keys {
        let field = format!("keys.{}", name.get_ref());
        let Some(action) = Action::from_name(name.get_ref()) else {
            let names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
            let message = format!("unknown action `{}`, expected one of: {}", name.get_ref(), names.join(", "));
            return Err((name.span(), field, message));
        };
        // The shape (an array of strings) was checked when the file was read.
        let DeValue::Array(items) = value.get_ref() else { continue };
        let mut specs = Vec::new();
        for item in items.iter() {
            let DeValue::String(spec) = item.get_ref() else { continue };
            Key::parse(spec).map_err(|message| (item.span(), field.clone(), message))?;
            specs.push((spec.to_string(), item.span()));
        }
        written.insert(action, specs);
    }
    // Bound as the keymap binds them: each action's keys, the defaults where none are written.
    let mut bound: HashMap<Key, (Action, Option<Range<usize>>)> = HashMap::new();
    for action in Action::ALL {
        let specs: Vec<(String, Option<Range<usize>>)> = match written.get(&action) {
            Some(specs) => specs.iter().map(|(spec, span)| (spec.clone(), Some(span.clone()))).collect(),
            None => action.default_keys().iter().map(|spec| (spec.to_string(), None)).collect(),
        };
        for (spec, span) in specs {
            let Ok(key) = Key::parse(&spec) else { continue };
            if let Some((other, other_span)) = bound.get(&key)
                && *other != action
            {
                let by_default = |owner: Action| {
                    let name = owner.name();
                    format!("`{spec}` is {name}'s by default: give {name} other keys in [keys] too, or choose another")
                };
                // Said where it was written: this binding, or the other action's.
                let problem = match (&span, other_span) {
                    (Some(span), Some(_)) => {
                        Some((span.clone(), action, format!("`{spec}` is already bound to {}", other.name())))
                    }
                    (Some(span), None) => Some((span.clone(), action, by_default(*other))),
                    (None, Some(other_span)) => Some((other_span.clone(), *other, by_default(action))),
                    // The defaults never share a key (the keymap's tests say so).
                    (None, None) => None,
                };
                if let Some((span, written_for, message)) = problem {
                    return Err((span, format!("keys.{}", written_for.name()), message));
                }
            }
            bound.insert(key, (action, span));
        }
    }
    Ok(())
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
    let mut out = String::from(
        "# vigil's config file: $XDG_CONFIG_HOME/vigil/config.toml (or ~/.config/vigil/config.toml),\n\
         # or --config FILE. Every key is optional; command-line options win over it. Uncomment a\n\
         # line to change it. Durations are in seconds.\n\n",
    );
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
    out.push_str(
        "\n# Key bindings: each action's keys (q, G, ctrl-c, shift-tab, f5, space, enter, esc, ...).\n# [keys]\n",
    );
    for action in crate::keymap::Action::ALL {
        let keys: Vec<String> = action.default_keys().iter().map(|k| format!("{k:?}")).collect();
        out.push_str(&format!("# {} = [{}]  # {}\n", action.name(), keys.join(", "), action.description()));
    }
    out.push_str(
        "\n# Offline guardrail tests (vigil policy test's format) whose results `vigil watch`, `report` and\n\
         # `record` show as preventive evidence; --guardrail-tests wins over it. A relative path is\n\
         # taken from this file's directory.\n# [guardrails]\n",
    );
    key(&mut out, "The tests file (unset: no guardrail tests run)", "tests = \"guardrails/tests.toml\"".into());
    out.push_str(
        "\n# Telling changes beyond the screen (--notify, --notify-on and --notify-command win over it).\n# [notify]\n",
    );
    key(&mut out, "bell, desktop (OSC 777 / OSC 9) or none", "method = \"none\"".into());
    key(&mut out, "fail (a control turning FAIL, a CRITICAL or HIGH finding), warn or any", "on = \"fail\"".into());
    key(
        &mut out,
        "Run for each change told, the change as JSON on its standard input",
        "command = \"cat >> changes.jsonl\"".into(),
    );
    out.push_str(
        "\n# Local snapshots (vigil snapshot list): watch starts warm from its subject's last one.\n# [cache]\n",
    );
    key(&mut out, "Keep and use snapshots (--no-snapshot turns them off for one run)", "snapshot = true".into());
    out.push_str(
        "\n# Security Hub's two APIs: cspm (GetFindings), v2 (the new Security Hub's GetFindingsV2),\n\
         # both, or auto: both where the new Security Hub is on, else cspm.\n\
         # [securityhub]\n",
    );
    key(&mut out, "auto, cspm, v2 or both", "api = \"auto\"".into());
    key(
        &mut out,
        "Read the automation rules, to say why a finding went quiet (false: a role without their permissions)",
        "automation_rules = true".into(),
    );
    out.push_str("\n# What the change feed (the Changes view, c) keeps.\n# [changes]\n");
    key(
        &mut out,
        "Findings at or above this severity (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL)",
        "severity = \"HIGH\"".into(),
    );
    aws_section(&mut out);
    out
}

/// The default file's `[aws]` and `[aws.rate_limits]` tables, each key at its default.
fn aws_section(out: &mut String) {
    let a = AwsSettings::default();
    let r = &a.rate_limits;
    out.push_str(
        "\n# How vigil talks to AWS (--profile, --region and --endpoint-url override the first three).\n# [aws]\n",
    );
    key(out, "AWS profile from ~/.aws/config (unset: AWS_PROFILE, else default)", "profile = \"default\"".into());
    key(out, "AWS region (unset: AWS_REGION, else the profile's)", "region = \"us-east-1\"".into());
    key(
        out,
        "One endpoint for every service (LocalStack, moto, tests)",
        "endpoint_url = \"http://localhost:4566\"".into(),
    );
    let numbers: [(&str, &str, f64); 13] = [
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
    ];
    for (name, about, value) in numbers {
        // Counts are integers in the file; durations keep their fraction.
        let value = if name.ends_with("attempts") { format!("{value}") } else { format!("{value:?}") };
        key(out, about, format!("{name} = {value}"));
    }
    key(
        out,
        "Discover the organisation (Security Hub's members and finding aggregator, Config's aggregators); false: this account only",
        format!("aggregators = {}", a.aggregators),
    );
    key(
        out,
        "Read Config's compliance through this aggregator (unset: the organisation aggregator discovery finds)",
        "config_aggregator = \"org-aggregator\"".into(),
    );
    key(
        out,
        "The role assumed in each member account for its remediation and alarms (unset: this account's only)",
        "member_role = \"VigilReadOnly\"".into(),
    );
    out.push_str("\n# Calls a second per operation family; 0 means no limit.\n# [aws.rate_limits]\n");
    key(
        out,
        "GetFindings (AWS: 3/s, burst 6, shared by every caller); halves when throttled",
        format!("get_findings = {:?}", r.get_findings),
    );
    key(out, "Other Security Hub calls", format!("securityhub = {:?}", r.securityhub));
    key(out, "AWS Config calls", format!("config = {:?}", r.config));
    key(out, "CloudWatch calls", format!("cloudwatch = {:?}", r.cloudwatch));
}

/// A key of the default file, commented out, with what it does above it.
fn key(out: &mut String, about: &str, line: String) {
    out.push_str(&format!("# {about}\n# {line}\n"));
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
        assert_eq!(c.guardrail_tests, Some(PathBuf::from("guardrails/tests.toml")));
        assert_eq!(c.keys.len(), crate::keymap::Action::COUNT, "every action's keys");
        let keymap = crate::keymap::Keymap::with_overrides(&c.keys).unwrap();
        for action in crate::keymap::Action::ALL {
            assert_eq!(keymap.keys_for(action), crate::keymap::Keymap::default().keys_for(action));
        }
    }

    #[test]
    fn a_config_sets_defaults_and_keys() {
        let c = Config::parse("theme = \"light\"\n[keys]\nquit = [\"ctrl-q\"]\n", "c.toml").unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.keys["quit"], vec!["ctrl-q"]);
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
    fn a_config_error_names_its_key_and_its_place() {
        let error = |text: &str| Config::parse(text, "c.toml").unwrap_err().to_string();
        assert_eq!(
            error("theme = \"solarised\"\n"),
            "c.toml:1:9: theme: `solarised` is neither a built-in theme (dark, light, high-contrast) nor a theme file"
        );
        assert_eq!(error("theme = 3\n"), "c.toml:1:9: theme: invalid type: integer `3`, expected a string");
        let unknown = error("[keys]\nquit = [\"q\"]\nqiut = [\"x\"]\n");
        assert!(
            unknown.starts_with("c.toml:3:1: keys.qiut: unknown action `qiut`, expected one of: quit, "),
            "{unknown}"
        );
        assert_eq!(
            error("[keys]\nquit = [\"q\", \"ctrl-\"]\n"),
            "c.toml:2:14: keys.quit: `ctrl-` is not a key (e.g. q, G, ctrl-c, shift-tab, enter, f5)"
        );
        assert_eq!(
            error("[keys]\nquit = \"q\"\n"),
            "c.toml:2:8: keys.quit: invalid type: string \"q\", expected a sequence"
        );
        assert_eq!(
            error("[aws]\nconnect_timeout = \"3s\"\n"),
            "c.toml:2:19: aws.connect_timeout: invalid type: string \"3s\", expected f64"
        );
        // A key bound twice is said where it was written, whichever action comes first.
        assert_eq!(
            error("[keys]\nhelp = [\"z\"]\nquit = [\"z\"]\n"),
            "c.toml:2:9: keys.help: `z` is already bound to quit"
        );
        assert_eq!(
            error("[keys]\nquit = [\"j\"]\n"),
            "c.toml:2:9: keys.quit: `j` is down's by default: give down other keys in [keys] too, or choose another"
        );
        assert!(Config::parse("[keys]\nquit = [\"j\"]\ndown = [\"down\"]\n", "c.toml").is_ok(), "down gave j up");
    }

    #[test]
    fn the_notify_table_sets_what_the_options_default_to() {
        let c = Config::parse("[notify]\nmethod = \"desktop\"\non = \"warn\"\ncommand = \"cat\"\n", "c.toml").unwrap();
        assert_eq!(c.notify.method, Some(NotifyMethod::Desktop));
        assert_eq!(c.notify.on, Some(NotifyOn::Warn));
        assert_eq!(c.notify.command.as_deref(), Some("cat"));
        let e = Config::parse("[notify]\nmethod = \"pager\"\n", "c.toml").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (2, "notify.method"), "{e}");
        // What --print-default shows parses, every line commented out.
        assert!(default_file().contains("# [notify]\n") && default_file().contains("# [changes]\n"));
        let c = Config::parse("[changes]\nseverity = \"MEDIUM\"\n", "c.toml").unwrap();
        assert_eq!(c.changes.severity, Some(crate::model::Severity::Medium));
    }

    #[test]
    fn guardrail_tests_come_from_the_guardrails_table_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("vigil-config-guardrails-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            Config::load(Some(&file))
        };
        let tests = |text: &str| load(text).unwrap().guardrail_tests;
        assert_eq!(tests("[guardrails]\ntests = \"policies/tests.toml\"\n"), Some(dir.join("policies/tests.toml")));
        assert_eq!(tests("[guardrails]\ntests = \"/srv/tests.toml\"\n"), Some(PathBuf::from("/srv/tests.toml")));
        assert_eq!(tests("guardrail_tests = \"t.toml\"\n"), Some(dir.join("t.toml")), "the older name");
        assert_eq!(tests("[guardrails]\n"), None);
        let both = load("guardrail_tests = \"a.toml\"\n[guardrails]\ntests = \"b.toml\"\n").unwrap_err();
        assert_eq!((both.line, both.column, both.field.as_str()), (1, 19, "guardrail_tests"), "{both}");
        let misspelt = load("[guardrails]\ntest = \"b.toml\"\n").unwrap_err();
        assert_eq!((misspelt.line, misspelt.field.as_str()), (2, "guardrails.test"), "{misspelt}");
        // Parsed without a file, the path is as written.
        let parsed = Config::parse("[guardrails]\ntests = \"t.toml\"\n", "c.toml").unwrap();
        assert_eq!(parsed.guardrail_tests, Some(PathBuf::from("t.toml")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_explicit_file_must_exist() {
        let e = Config::load(Some(Path::new("/nonexistent/vigil.toml"))).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/vigil.toml: cannot read"), "{e}");
    }
}
