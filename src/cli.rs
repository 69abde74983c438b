//! The command line: subcommands and the global options every one of them takes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::keymap::Keymap;
use crate::located::FileError;
use crate::theme::Theme;

#[derive(Debug, Parser)]
#[command(
    name = "vigil",
    version,
    about = "The live security posture of an AWS SageMaker environment, in preventive, detective and corrective controls",
    long_about = "vigil shows the security posture of an AWS machine-learning (SageMaker) environment in three \
                  panes: preventive controls (what stops a bad action), detective controls (what notices it) \
                  and corrective controls (what repairs it). Each control's status (PASS, FAIL n, WARN, \
                  UNKNOWN, STALE) is derived from its evidence: AWS Config rules, Security Hub findings, \
                  CloudWatch alarms and metrics.\n\nWithout a command, vigil watches the account of the current AWS credentials \
                  (as `vigil watch`). Start with `vigil demo`, which needs no AWS account."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// For `vigil` without a command (it watches).
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Colour theme: dark, light, high-contrast, or a theme file [default: light or dark, as the terminal's background asks]. NO_COLOR is honoured
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Control catalog to use instead of the default SageMaker catalog (see `vigil catalog show`)
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Config file [default: $XDG_CONFIG_HOME/vigil/config.toml when it exists]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log file [default: $XDG_STATE_HOME/vigil/vigil.log]; the level comes from VIGIL_LOG (default info)
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

/// Where AWS is reached: only the commands that call AWS take these.
#[derive(Debug, Args, Default, Clone)]
pub struct AwsArgs {
    /// AWS profile (from ~/.aws/config: keys, SSO, assume-role) [default: AWS_PROFILE, else default]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region [default: AWS_REGION, else the profile's]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call (Config, Security Hub, CloudWatch, STS) to this endpoint (LocalStack, moto, tests)
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// This account and region only: do not ask Security Hub for the organisation's members and
    /// finding aggregator, nor Config for its aggregators
    #[arg(long)]
    pub no_aggregators: bool,
    /// Read Config's rule compliance in every account and region through this Config
    /// aggregator [default: the organisation aggregator, when the account has one]
    #[arg(long, value_name = "NAME", conflicts_with = "no_aggregators")]
    pub config_aggregator: Option<String>,
    /// Assume this role in each member account (arn:aws:iam::ACCOUNT:role/NAME) to read what no
    /// aggregator carries: the remediation of its rules and its CloudWatch alarms
    #[arg(long, value_name = "NAME")]
    pub member_role: Option<String>,
}

impl AwsArgs {
    /// These, or where one is not given, `other`'s (the options before the subcommand).
    pub fn or(&self, other: &AwsArgs) -> AwsArgs {
        AwsArgs {
            profile: self.profile.clone().or_else(|| other.profile.clone()),
            region: self.region.clone().or_else(|| other.region.clone()),
            endpoint_url: self.endpoint_url.clone().or_else(|| other.endpoint_url.clone()),
            no_aggregators: self.no_aggregators || other.no_aggregators,
            config_aggregator: self.config_aggregator.clone().or_else(|| other.config_aggregator.clone()),
            member_role: self.member_role.clone().or_else(|| other.member_role.clone()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Watch a live AWS account: Config, Security Hub and CloudWatch polled into the three panes
    ///
    /// Credentials come from aws-config's standard chain: environment variables, --profile (keys,
    /// SSO, assume-role), container and instance roles. Read-only: vigil only calls Describe, Get
    /// and List actions (see README for the IAM policy).
    Watch(WatchArgs),
    /// Poll every source once, print the posture and exit (for scripts and CI)
    ///
    /// Exit codes: 0 every source answered; 1 --fail-on was given and a control is at or past that
    /// status (with --baseline: something regressed against it, as `vigil diff` says); 2 usage
    /// error; 3 a source failed (the report still shows what the others gave; 3 wins over 1).
    Report(ReportArgs),
    /// Compare two postures: what got worse, what got better, what is newly failing
    ///
    /// Each side is a `vigil report --format json` file (schema 1 or 2), a recording (its end,
    /// or FILE@2026-12-07T09:00:00Z, FILE@5m for a moment of it), or `live` (a fresh read, as
    /// `vigil report` makes). Lists only the controls whose status or failing resources differ.
    /// Exit codes: 0 nothing regressed; 1 something did (a control worse, a resource newly
    /// failing); 2 bad input; 3 a source of a side failed or never answered (3 wins over 1).
    Diff(DiffArgs),
    /// Run a scripted story (no AWS account needed): the workshop by default
    ///
    /// Shows a believable SageMaker account, then plays a scenario's story step by step: by
    /// default the workshop's (a training job without VPC settings denied by the guardrail, the
    /// denials alarm firing, a notebook with direct internet access flagged by Config and Security
    /// Hub, automatic remediation repairing it). A caption bar says each step; the presenter's
    /// keys: space pause, n next, p previous, R restart, + and - speed, N the narration so far.
    Demo(DemoArgs),
    /// Record every source event to a file, without the dashboard (one poll, or for a while)
    ///
    /// Writes what `vigil watch --record` writes: JSON lines, a header with the account, region,
    /// profile and catalog, then every event with the moment it arrived. Never credentials.
    /// Without --duration, records one poll of every source and stops.
    Record(RecordArgs),
    /// Play a recording in the dashboard, with the presenter's keys (n and p go from poll to poll)
    Replay(ReplayArgs),
    /// Show or check a control catalog
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Test, simulate and lint IAM policies offline, with explanations
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Show the config file: where it is read from, or the whole default file
    Config(ConfigArgs),
    /// The local snapshots watch and report start warm from: list them, or clear them
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Each snapshot kept: its profile, region and account, its age, findings and size
    List,
    /// Remove every snapshot kept
    Clear,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print the whole default config file, every key commented out with its default
    #[arg(long)]
    pub print_default: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run guardrail tests: every test with its expected and actual decision; exit 1 on any mismatch
    ///
    /// Without options, runs the workshop's built-in guardrails and tests (see guardrails/).
    Test {
        /// Read the tests' policy files from DIR instead of next to the tests file
        #[arg(long, value_name = "DIR")]
        policies: Option<PathBuf>,
        /// A tests file (TOML or JSON): [[test]] entries with name, expect, control and a case
        #[arg(long, value_name = "FILE")]
        tests: Option<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Evaluate one request against its policies and say which statement decided and why
    ///
    /// CASE.json holds {"request": {"action", "resource": {"resource", "accountId"}, "principal",
    /// "context"}, "identityPolicies": [...], "resourcePolicy", "permissionBoundaries": [...],
    /// "sessionPolicy", "endpointPolicies": [...], "serviceControlPolicies": [{"orgIdentifier",
    /// "policies"}], "resourceControlPolicies": [...]}; a policy is a document or a path relative to
    /// the case file. Exit 0 with any decision, 2 when the case is malformed.
    Simulate {
        /// The case to evaluate
        #[arg(value_name = "CASE.json", required_unless_present = "batch")]
        case: Option<PathBuf>,
        /// Print {"result": ..., "explain": ...}
        #[arg(long)]
        json: bool,
        /// Evaluate one case per line and print one JSON result per line ({"error": ...} for a bad
        /// line); exit 2 after the last line if any was malformed
        #[arg(long, value_name = "FILE.jsonl", conflicts_with = "case")]
        batch: Option<PathBuf>,
    },
    /// Find guardrails that cannot work: unknown actions and condition keys, Resources that never
    /// match, Null blocks that AND their keys, ForAllValues allow-lists; exit 1 on any error
    Lint {
        /// Policy files (JSON)
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args, Default)]
pub struct WatchArgs {
    /// Guardrail tests to run offline and show as evidence of the preventive controls [default:
    /// the config file's `[guardrails] tests`]
    #[arg(long, value_name = "FILE")]
    pub guardrail_tests: Option<PathBuf>,
    /// Record every source event to FILE while watching (see `vigil replay`)
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// In the recording, replace account ids (and the account of every ARN) with made-up ones,
    /// the same id always with the same one
    #[arg(long, requires = "record")]
    pub redact: bool,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
    /// Start from nothing: neither read nor keep a local snapshot (by default watch starts from
    /// the last one of its profile, region and account, and keeps it)
    #[arg(long)]
    pub no_snapshot: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Telling changes beyond the screen (the config file's `[notify]` gives the defaults).
#[derive(Debug, Args, Default, Clone)]
pub struct NotifyArgs {
    /// Tell each burst of changes at or above --notify-on: `bell` (BEL), `desktop` (a system
    /// notification through the terminal: OSC 777 and OSC 9), `none` [default: none]
    #[arg(long, value_name = "HOW")]
    pub notify: Option<crate::notify::Method>,
    /// Which changes are told: `fail` (a control turning FAIL, a CRITICAL or HIGH finding new or
    /// raised), `warn` (also WARN, STALE, MEDIUM findings, failed remediations and sources), `any`
    /// [default: fail]
    #[arg(long, value_name = "LEVEL")]
    pub notify_on: Option<crate::notify::On>,
    /// Run CMD (with `sh -c`) for each change told, the change as one JSON object on its standard
    /// input (README: "Notifications")
    #[arg(long, value_name = "CMD")]
    pub notify_command: Option<String>,
}

impl NotifyArgs {
    /// The notifier these options and the config file's `[notify]` ask for; `None` when nothing
    /// would ever be told.
    pub fn notifier(&self, config: &crate::config::NotifySettings) -> Option<crate::notify::Notifier> {
        let method = self.notify.or(config.method).unwrap_or_default();
        let on = self.notify_on.or(config.on).unwrap_or_default();
        let command = self.notify_command.clone().or_else(|| config.command.clone());
        let notifier = crate::notify::Notifier::new(method, on, command);
        (!notifier.is_quiet()).then_some(notifier)
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The story to play: a built-in scenario's name (see --list) or a scenario file
    #[arg(long, value_name = "NAME|FILE", default_value = "workshop")]
    pub scenario: String,
    /// List the built-in scenarios and exit
    #[arg(long)]
    pub list: bool,
    /// Wait for `n` at every step (the presenter sets the pace)
    #[arg(long)]
    pub step: bool,
    /// Play at this speed, 0.25 to 8 (+ and - change it while playing)
    #[arg(long, value_name = "X", default_value = "1", value_parser = parse_speed)]
    pub speed: f64,
    /// Leave the focus where it is (by default each step's pane gets it)
    #[arg(long)]
    pub no_follow: bool,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The recording to write (JSON lines; replaced if it exists)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Record for this long, polling as the dashboard does (20s, 5m, 1h30m) [default: one poll]
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Replace account ids (and the account of every ARN) with made-up ones, the same id always
    /// with the same one
    #[arg(long)]
    pub redact: bool,
    /// Guardrail tests to run offline and record with the rest [default: the config file's
    /// `[guardrails] tests`]
    #[arg(long, value_name = "FILE")]
    pub guardrail_tests: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A recording made with `vigil record` or `vigil watch --record`
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Play at this speed, 0.25 to 8 (+ and - change it while playing)
    #[arg(long, value_name = "X", default_value = "1", value_parser = parse_speed)]
    pub speed: f64,
    /// Wait for `n` at every poll
    #[arg(long)]
    pub step: bool,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// `20s`, `5m`, `1h30m` (or ISO 8601's `PT20S`).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let d: jiff::SignedDuration =
        text.parse().map_err(|_| format!("`{text}` is not a duration: write it as 20s, 5m or 1h30m"))?;
    if d.is_negative() || d.is_zero() {
        return Err(format!("`{text}`: a duration must be more than zero"));
    }
    Ok(d.unsigned_abs())
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.25..=8.0).contains(&x) => Ok(x),
        _ => Err(format!("`{text}`: the speed is a number from 0.25 to 8")),
    }
}

/// The corrective actions: off unless asked for.
#[derive(Debug, Args, Default, Clone)]
pub struct WriteArgs {
    /// Enable corrective actions (start a remediation with x, set a finding's workflow with w);
    /// each asks for confirmation and is written to the audit log
    #[arg(long)]
    pub write: bool,
    /// Audit log of every write (JSON lines, mode 0600) [default: audit.jsonl next to the log file]
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

pub use crate::format::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Fail,
    Warn,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Start from the local snapshot of this profile, region and account, reading Security Hub
    /// only for what changed since (the JSON's `basis` says what was re-read)
    #[arg(long, conflicts_with_all = ["demo", "replay", "no_snapshot"])]
    pub snapshot: bool,
    /// Neither read nor keep a local snapshot
    #[arg(long)]
    pub no_snapshot: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// The JSON's schema version: 2, or 1 for scripts written against it (see README)
    #[arg(long, value_name = "VERSION", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=2))]
    pub schema: u32,
    /// Exit 1 when a control is at this status or worse (warn counts fail too)
    #[arg(long, value_enum, value_name = "STATUS")]
    pub fail_on: Option<FailOn>,
    /// Report on the workshop demo's baseline instead of AWS
    #[arg(long, conflicts_with = "replay")]
    pub demo: bool,
    /// Report on a recording instead of AWS: the posture as it stood at its end, or --at
    #[arg(long, value_name = "FILE", conflicts_with = "guardrail_tests")]
    pub replay: Option<PathBuf>,
    /// With --replay: the moment to report on, as a time (2026-11-29T10:05:00Z) or as time since
    /// the recording's start (90s, 5m)
    #[arg(long, value_name = "TIME", requires = "replay")]
    pub at: Option<String>,
    /// Guardrail tests to run and include as evidence [default: the config file's `[guardrails]
    /// tests`]
    #[arg(long, value_name = "FILE")]
    pub guardrail_tests: Option<PathBuf>,
    /// Report on one account of an organisation only (as `:account` in the dashboard)
    #[arg(long, value_name = "ID")]
    pub only_account: Option<String>,
    /// Report on one region only (as `:region` in the dashboard)
    #[arg(long, value_name = "NAME")]
    pub only_region: Option<String>,
    /// Add the comparison with an earlier report or recording (as `vigil diff FILE`); exit 1
    /// then means something regressed against it (--fail-on tunes it as for `vigil diff`)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier side: a report file, a recording (FILE, FILE@TIME, FILE@5m) or `live`
    #[arg(value_name = "BEFORE")]
    pub before: String,
    /// The later side: a report file, a recording (FILE, FILE@TIME, FILE@5m) or `live`
    #[arg(value_name = "AFTER")]
    pub after: String,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::diff::Format,
    /// Exit 1 only when a control got worse to this status or past it (warn counts fail too), or
    /// a resource is newly failing [default: any control worse]
    #[arg(long, value_enum, value_name = "STATUS")]
    pub fail_on: Option<FailOn>,
    /// For a `live` side: guardrail tests to run and include as evidence [default: the config
    /// file's `[guardrails] tests`]
    #[arg(long, value_name = "FILE")]
    pub guardrail_tests: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Print the default catalog (TOML), to start a custom one from
    Show,
    /// List the controls of the catalog in use, with their evidence
    List,
    /// Check a catalog file and say every problem in it, each with file, line, column and field
    Check {
        /// The catalog to check
        file: PathBuf,
    },
}

/// The global options resolved against the config file and the environment.
pub struct Settings {
    pub config: Config,
    pub theme: Theme,
    /// Whether the theme was chosen (option or config file); if not, the terminal's background
    /// picks light or dark.
    pub theme_chosen: bool,
    pub catalog: Catalog,
    pub keymap: Keymap,
    pub log_file: PathBuf,
}

impl Settings {
    /// The guardrail tests to run: the file given on the command line, else the config file's
    /// `[guardrails] tests` (relative to its directory); `None` when neither names one.
    pub fn guardrail_suite(&self, given: Option<&PathBuf>) -> Result<Option<crate::policy::Suite>, String> {
        match given.or(self.config.guardrail_tests.as_ref()) {
            Some(path) => crate::policy::Suite::load(path, None).map(Some).map_err(|e| e.to_string()),
            None => Ok(None),
        }
    }

    /// Command-line options win over the config file, which wins over the defaults. `no_color`
    /// is whether `NO_COLOR` is set (non-empty).
    /// `aws`: the AWS options of the command, for those that call AWS.
    pub fn resolve(global: &GlobalArgs, aws: &AwsArgs, no_color: bool) -> Result<Settings, String> {
        let config = Config::load(global.config.as_deref()).map_err(|e| e.to_string())?;
        let chosen = global.theme.as_deref().or(config.theme.as_deref());
        let theme_chosen = chosen.is_some() || no_color;
        let theme_spec = chosen.unwrap_or("dark");
        let theme = Theme::load(theme_spec, no_color).map_err(|e| e.to_string())?;
        let catalog = match global.catalog.as_ref().or(config.catalog.as_ref()) {
            Some(path) => Catalog::from_file(path).map_err(|e| e.to_string())?,
            None => Catalog::default_catalog(),
        };
        let keymap = Keymap::with_overrides(&config.keys).map_err(|e| {
            let origin = global.config.as_ref().map_or_else(|| "config".to_string(), |p| p.display().to_string());
            FileError::whole(&origin, e).to_string()
        })?;
        let log_file =
            global.log_file.clone().or_else(|| config.log_file.clone()).unwrap_or_else(crate::config::default_log_file);
        let mut config = config;
        if aws.profile.is_some() {
            config.aws.profile = aws.profile.clone();
        }
        if aws.region.is_some() {
            config.aws.region = aws.region.clone();
        }
        if aws.endpoint_url.is_some() {
            config.aws.endpoint_url = aws.endpoint_url.clone();
        }
        if aws.no_aggregators {
            config.aws.aggregators = false;
        }
        if aws.config_aggregator.is_some() {
            config.aws.config_aggregator = aws.config_aggregator.clone();
        }
        if aws.member_role.is_some() {
            config.aws.member_role = aws.member_role.clone();
        }
        Ok(Settings { config, theme, theme_chosen, catalog, keymap, log_file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn only_the_commands_that_call_aws_take_its_options() {
        let cli = Cli::try_parse_from(["vigil", "watch", "--profile", "prod", "--region", "eu-west-1"]).unwrap();
        let Some(Command::Watch(w)) = cli.command else { panic!() };
        assert_eq!(w.aws.profile.as_deref(), Some("prod"));
        assert!(Cli::try_parse_from(["vigil", "report", "--endpoint-url", "http://127.0.0.1:1"]).is_ok());
        assert!(Cli::try_parse_from(["vigil", "--profile", "prod"]).is_ok(), "bare vigil watches");
        let e = Cli::try_parse_from(["vigil", "demo", "--profile", "prod"]).unwrap_err();
        assert!(e.to_string().contains("--profile"), "{e}");
        let help = Cli::command().find_subcommand_mut("demo").unwrap().render_long_help().to_string();
        assert!(!help.contains("--region") && !help.contains("--endpoint-url"), "{help}");
    }

    #[test]
    fn watch_runs_the_guardrail_tests_the_config_file_names_unless_the_flag_names_others() {
        let dir = std::env::temp_dir().join(format!("vigil-cli-guardrails-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("policies")).unwrap();
        let suite = |name: &str| {
            format!(
                "[[test]]\nname = \"{name}\"\nexpect = \"ExplicitlyDenied\"\n\
                 identityPolicies = [{{ Version = \"2012-10-17\", Statement = [{{ Effect = \"Deny\", Action = \"s3:*\", Resource = \"*\" }}] }}]\n\
                 [test.request]\naction = \"s3:GetObject\"\nprincipal = \"arn:aws:sts::123456789012:assumed-role/R/a\"\n\
                 resource = {{ resource = \"arn:aws:s3:::b/k\", accountId = \"123456789012\" }}\n"
            )
        };
        std::fs::write(dir.join("policies/tests.toml"), suite("from the config file")).unwrap();
        std::fs::write(dir.join("given.toml"), suite("from the flag")).unwrap();
        std::fs::write(dir.join("config.toml"), "[guardrails]\ntests = \"policies/tests.toml\"\n").unwrap();
        let global = GlobalArgs { theme: None, catalog: None, config: Some(dir.join("config.toml")), log_file: None };
        let settings = Settings::resolve(&global, &AwsArgs::default(), false).unwrap();
        // Relative to the config file, wherever vigil runs from.
        let from_config = settings.guardrail_suite(None).unwrap().unwrap();
        assert_eq!(from_config.origin, dir.join("policies/tests.toml").display().to_string());
        assert_eq!(from_config.run()[0].name, "from the config file");
        let given = dir.join("given.toml");
        let from_flag = settings.guardrail_suite(Some(&given)).unwrap().unwrap();
        assert_eq!(from_flag.run()[0].name, "from the flag");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn demo_plays_at_a_speed_as_replay_does() {
        let speed = |args: &[&str]| match Cli::try_parse_from(args).map(|c| c.command) {
            Ok(Some(Command::Demo(d))) => Ok(d.speed),
            Ok(Some(Command::Replay(r))) => Ok(r.speed),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(speed(&["vigil", "demo"]), Ok(1.0));
        assert_eq!(speed(&["vigil", "demo", "--speed", "4", "--step"]), Ok(4.0));
        assert_eq!(speed(&["vigil", "replay", "r.jsonl", "--speed", "0.25"]), Ok(0.25));
        for refused in [["vigil", "demo", "--speed", "9"], ["vigil", "replay", "--speed", "fast"]] {
            let e = speed(&refused).unwrap_err();
            assert!(e.contains("the speed is a number from 0.25 to 8"), "{e}");
        }
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["vigil", "demo", "--theme", "light"]).unwrap();
        assert_eq!(cli.global.theme.as_deref(), Some("light"));
        assert!(matches!(cli.command, Some(Command::Demo(_))));
    }
}
