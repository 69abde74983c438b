//! vigil's entry: parses the command line, resolves the settings, and hands each subcommand to
//! its room in `commands`.

use std::process::ExitCode;

use clap::Parser;

use vigil::cli::{AwsArgs, Cli, Command, PolicyCommand, Settings, WatchArgs};
use vigil::commands;
use vigil::sources::system_clock;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before the config file is read: it may be the thing being fixed.
    if let Some(Command::Config(args)) = &cli.command {
        return commands::config::run(args, &cli.global);
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let Some(aws) = aws_options(&cli) else { return ExitCode::from(2) };
    let settings = match Settings::resolve(&cli.global, &aws, no_color).map_err(vigil::commands::refused) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match cli.command {
        Some(Command::Demo(args)) => commands::demo::run(settings, args),
        Some(Command::Watch(args)) => commands::watch::run(settings, args),
        None => commands::watch::run(settings, WatchArgs::default()),
        Some(Command::Report(args)) => {
            commands::init_logging(&settings);
            let mut out = std::io::stdout().lock();
            commands::finish(commands::report::run(&mut out, settings, &args, system_clock()))
        }
        Some(Command::Diff(args)) => {
            commands::init_logging(&settings);
            let mut out = std::io::stdout().lock();
            commands::finish(commands::diff::run(&mut out, settings, &args, system_clock()))
        }
        Some(Command::Record(args)) => {
            commands::init_logging(&settings);
            commands::record::run(settings, &args)
        }
        Some(Command::Replay(args)) => commands::replay::run(settings, args),
        Some(Command::Catalog(c)) => commands::catalog::run(c, &settings),
        Some(Command::Policy(p)) => policy(p),
        Some(Command::Snapshot(c)) => commands::snapshot::run(c),
        Some(Command::Config(_)) => unreachable!("handled before the settings"),
    }
}

/// The AWS options of the command that takes them; those before it where it gives none. `None`
/// (said why) when they were given to a command that reads no AWS.
fn aws_options(cli: &Cli) -> Option<AwsArgs> {
    Some(match &cli.command {
        Some(Command::Watch(w)) => w.aws.or(&cli.aws),
        Some(Command::Report(r)) => r.aws.or(&cli.aws),
        Some(Command::Record(r)) => r.aws.or(&cli.aws),
        Some(Command::Diff(d)) => d.aws.or(&cli.aws),
        None => cli.aws.clone(),
        Some(_) => {
            if cli.aws.profile.is_some()
                || cli.aws.region.is_some()
                || cli.aws.endpoint_url.is_some()
                || cli.aws.no_aggregators
            {
                eprintln!(
                    "vigil: --profile, --region and --endpoint-url are for `vigil watch`, `vigil report`, `vigil record` and `vigil diff`"
                );
                return None;
            }
            AwsArgs::default()
        }
    })
}

fn policy(command: PolicyCommand) -> ExitCode {
    let mut out = std::io::stdout().lock();
    commands::finish(match command {
        PolicyCommand::Test { policies, tests, json } => {
            commands::policy::test(&mut out, policies.as_deref(), tests.as_deref(), json)
        }
        PolicyCommand::Simulate { batch: Some(file), .. } => commands::policy::batch(&mut out, &file),
        PolicyCommand::Simulate { case: Some(case), json, .. } => commands::policy::simulate(&mut out, &case, json),
        PolicyCommand::Simulate { case: None, batch: None, .. } => unreachable!("clap requires a case or --batch"),
        PolicyCommand::Lint { files, json } => commands::policy::lint_files(&mut out, &files, json),
    })
}
