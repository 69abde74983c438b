use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use vigil::app::{App, Exit};
use vigil::audit::AuditLog;
use vigil::cli::{AwsArgs, CatalogCommand, Cli, Command, PolicyCommand, Settings, WatchArgs, WriteArgs};
use vigil::sources::demo::{DemoResponder, DemoSource, Playback, Scenario};
use vigil::sources::{Clock, Responder, Source, system_clock};
use vigil::store::Posture;
use vigil::ui::{Banner, View};
use vigil::{commands, terminal};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before the config file is read: it may be the thing being fixed.
    if let Some(Command::Config(args)) = &cli.command {
        return config(args, &cli.global);
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    // The AWS options of the command that takes them; those before it where it gives none.
    let aws = match &cli.command {
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
                return ExitCode::from(2);
            }
            AwsArgs::default()
        }
    };
    let settings = match Settings::resolve(&cli.global, &aws, no_color) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Demo(args)) => demo(settings, args),
        Some(Command::Watch(args)) => watch(settings, args),
        None => watch(settings, WatchArgs::default()),
        Some(Command::Report(args)) => {
            init_logging(&settings);
            let mut out = std::io::stdout().lock();
            commands::finish(commands::report::run(&mut out, settings, &args, system_clock()))
        }
        Some(Command::Diff(args)) => {
            init_logging(&settings);
            let mut out = std::io::stdout().lock();
            commands::finish(commands::diff::run(&mut out, settings, &args, system_clock()))
        }
        Some(Command::Record(args)) => {
            init_logging(&settings);
            commands::record::run(settings, &args)
        }
        Some(Command::Replay(args)) => replay(settings, args),
        Some(Command::Catalog(c)) => catalog(c, &settings),
        Some(Command::Policy(p)) => policy(p),
        Some(Command::Snapshot(c)) => {
            let mut out = std::io::stdout().lock();
            commands::finish(
                match c {
                    vigil::cli::SnapshotCommand::List => commands::snapshot::list(&mut out, jiff::Timestamp::now()),
                    vigil::cli::SnapshotCommand::Clear => commands::snapshot::clear(&mut out),
                }
                .map(|()| ExitCode::SUCCESS),
            )
        }
        Some(Command::Config(_)) => unreachable!("handled before the settings"),
    }
}

/// The dashboard needs a terminal: without one, `command` says so and exits 2, once its
/// arguments are known good and before anything starts (logging, the runtime, AWS).
fn require_terminal(command: &str) -> Result<(), ExitCode> {
    terminal::require(command).map_err(|e| {
        eprintln!("vigil: {e}");
        ExitCode::from(2)
    })
}

/// `vigil config`: the whole default file, or which file is read.
fn config(args: &vigil::cli::ConfigArgs, global: &vigil::cli::GlobalArgs) -> ExitCode {
    if args.print_default {
        print!("{}", vigil::config::default_file());
        return ExitCode::SUCCESS;
    }
    match global.config.clone().or_else(vigil::config::default_path) {
        Some(path) if path.exists() => println!("{} (read)", path.display()),
        Some(path) => {
            println!("{} (not there: the defaults apply; vigil config --print-default shows them)", path.display())
        }
        None => println!("no config file (neither XDG_CONFIG_HOME nor HOME is set)"),
    }
    ExitCode::SUCCESS
}

/// Logs go to a file: the terminal belongs to the UI.
fn init_logging(settings: &Settings) {
    let path = &settings.log_file;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // At debug level the log holds finding details: owner only.
    match vigil::audit::private_append(path) {
        Ok(file) => {
            let filter = EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .init();
        }
        Err(e) => eprintln!("vigil: not logging: cannot open {}: {e}", path.display()),
    }
}

/// The audit log when writes are on, and its path; an error when it cannot be opened (no write
/// without it). `default`: whether a log is kept when `--audit-log` names none (live AWS: yes;
/// the demo, whose writes touch nothing real: no).
fn audit_log(settings: &Settings, args: &WriteArgs, default: bool) -> Result<Option<(Arc<AuditLog>, String)>, String> {
    if !args.write {
        return Ok(None);
    }
    let path = match &args.audit_log {
        Some(path) => path.clone(),
        None if default => settings.log_file.with_file_name("audit.jsonl"),
        None => return Ok(None),
    };
    AuditLog::open(&path)
        .map(|log| Some((Arc::new(log), path.display().to_string())))
        .map_err(|e| format!("cannot open the audit log {}: {e}", path.display()))
}

fn demo(settings: Settings, args: vigil::cli::DemoArgs) -> ExitCode {
    if args.list {
        for (name, about, _) in vigil::sources::demo::BUILT_IN {
            let steps = Scenario::built_in(name).map_or(0, |s| s.steps.len());
            println!("{name:<10} {steps} steps  {about}");
        }
        return ExitCode::SUCCESS;
    }
    let catalog = &settings.catalog;
    let controls = |id: &str| catalog.controls.iter().find(|c| *c.id == *id).map(|c| c.kind);
    let scenario = match Scenario::load(&args.scenario, &controls) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(code) = require_terminal("demo") {
        return code;
    }
    init_logging(&settings);
    let write = args.write;
    // The demo's writes touch nothing real: they are logged only where --audit-log says.
    let (audit, audit_path) = match audit_log(&settings, &write, false) {
        Ok(a) => a.unzip(),
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    let banner = Banner::Demo { title: scenario.title.clone() };
    // The story's clock: the screen, the store's ages and the source all read it.
    let playback = Playback::new(jiff::Timestamp::now(), args.step).with_speed(args.speed);
    let story = vigil::ui::Story::new(scenario.steps.len(), !args.no_follow);
    let demo = DemoSource::new(scenario, playback.clone());
    let responder: Arc<dyn Responder> =
        Arc::new(DemoResponder::new(demo.script(), write.write, audit, Duration::from_secs(3)));
    #[allow(unused_mut)]
    let mut sources: Vec<Box<dyn Source>> = vec![Box::new(demo)];
    #[cfg(debug_assertions)]
    if fault::injected("source-panic") {
        sources.push(Box::new(fault::PanickingSource));
    }
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let clock = playback.clock();
    let tui = Tui {
        banner,
        sources,
        clock,
        responder: Some(responder),
        write: write.write,
        audit_path,
        notifier: args.notify.notifier(&settings.config.notify),
        playback: Some((playback, story)),
        recorder: None,
        keeper: None,
        warm: None,
        note: None,
    };
    run_tui(runtime, settings, tui)
}

/// `vigil replay`: a recording in the dashboard, on a story clock that starts when it started.
fn replay(settings: Settings, args: vigil::cli::ReplayArgs) -> ExitCode {
    use vigil::recording::Recording;
    use vigil::sources::replay::{ReplayScript, ReplaySource};
    // Refused whole before the screen opens: never half played.
    let recording = match Recording::load(&args.file) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    let catalog = match recording.catalog() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(code) = require_terminal("replay") {
        return code;
    }
    init_logging(&settings);
    let subject = &recording.header.subject;
    let banner = Banner::Replay {
        file: args.file.display().to_string(),
        profile: subject.profile.clone(),
        region: subject.region.clone(),
        account: subject.account.clone(),
    };
    let playback = ReplaySource::playback(&recording, args.step).with_speed(args.speed);
    use vigil::sources::playback::Script;
    let story = vigil::ui::Story::replay(ReplayScript::new(recording.clone()).step_count());
    let sources: Vec<Box<dyn Source>> = vec![Box::new(ReplaySource::new(recording, playback.clone()))];
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let tui = Tui {
        banner,
        sources,
        clock: playback.clock(),
        responder: None,
        write: false,
        audit_path: None,
        notifier: args.notify.notifier(&settings.config.notify),
        playback: Some((playback, story)),
        recorder: None,
        keeper: None,
        warm: None,
        note: None,
    };
    run_tui(runtime, Settings { catalog, ..settings }, tui)
}

/// Faults the pseudo-terminal tests inject through `VIGIL_FAULT`, in debug builds only.
#[cfg(debug_assertions)]
mod fault {
    use std::time::Duration;

    use vigil::sources::{Sink, Source, SourceFuture, SourceKind};

    pub fn injected(name: &str) -> bool {
        std::env::var("VIGIL_FAULT").is_ok_and(|v| v == name)
    }

    /// A source that panics shortly after it starts.
    pub struct PanickingSource;

    impl Source for PanickingSource {
        fn feeds(&self) -> Vec<(SourceKind, Option<Duration>)> {
            vec![(SourceKind::Guardrails, None)]
        }

        fn run(self: Box<Self>, _sink: Sink) -> SourceFuture {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                panic!("injected fault in a source");
            })
        }
    }
}

#[cfg(feature = "aws")]
fn watch(settings: Settings, args: WatchArgs) -> ExitCode {
    use vigil::sources::aws::drill::AwsResponder;
    use vigil::sources::aws::{self, AccountResolver, AccountSource, Mode, Pollers, Scope};
    if let Err(code) = require_terminal("watch") {
        return code;
    }
    init_logging(&settings);
    let (audit, audit_path) = match audit_log(&settings, &args.write, true) {
        Ok(a) => a.unzip(),
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    let aws_settings = settings.config.aws.clone();
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let sdk = runtime.block_on(aws::load(&aws_settings));
    let region = match aws::region(&sdk) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    let suite = match settings.guardrail_suite(args.guardrail_tests.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    // One clock for the sources, the store and the screen.
    let clock = system_clock();
    let resolver = AccountResolver::new(sdk.clone(), aws_settings.clone(), Mode::Watch, clock.clone());
    let scope = Scope { account: String::new(), region: region.clone() };
    let mut pollers =
        Pollers::new(&sdk, &aws_settings, scope.clone(), resolver.clone(), &settings.catalog, Mode::Watch);
    // A warm start from the last snapshot of this profile, region and endpoint (its account is
    // checked once STS names it): on screen at once, each source catching up from it.
    let snapshot_subject = commands::snapshot::enabled(args.no_snapshot, &settings.config)
        .then(|| commands::snapshot::subject(&aws_settings, &region));
    let (warm, note) = match &snapshot_subject {
        Some(s) => commands::snapshot::usable(s, &settings.catalog.text, clock()),
        None => (None, None),
    };
    if let Some(w) = &warm
        && let Some(mark) = w.header.watermark
    {
        pollers.securityhub.warm(mark, w.header.findings, w.header.subject.account.clone());
    }
    let keeper = snapshot_subject
        .map(|s| vigil::app::SnapshotKeeper::new(s, warm.as_ref().and_then(|w| w.header.subject.account.clone())));
    let responder: Arc<dyn Responder> = Arc::new(
        AwsResponder::new(
            &sdk,
            scope.clone(),
            resolver.clone(),
            aws::retry(&aws_settings, Mode::Watch),
            aws_settings.profile.clone(),
            aws_settings.rate_limits.config,
            audit,
            Duration::from_secs(5),
        )
        .with_members(aws::members::Members::with_role(
            &sdk,
            aws_sdk_sts::Client::new(&sdk),
            aws_settings.member_role.as_deref(),
            (aws_settings.rate_limits.config, aws_settings.rate_limits.cloudwatch),
        ))
        .with_limits(pollers.limits()),
    );
    let mut sources = pollers.into_sources();
    sources.push(Box::new(AccountSource(resolver)));
    if let Some(suite) = suite {
        sources.push(Box::new(vigil::sources::guardrails::GuardrailSource::new(suite)));
    }
    let recorder = match &args.record {
        Some(path) => {
            use vigil::recording::{Header, Recorder, Subject};
            let feeds: Vec<_> = sources.iter().flat_map(|s| s.feeds()).collect();
            let subject =
                Subject { account: None, region: Some(region.clone()), profile: aws_settings.profile.clone() };
            match Recorder::create(path, Header::new(clock(), subject, &feeds, &settings.catalog), args.redact) {
                Ok(r) => Some(r),
                Err(e) => {
                    eprintln!("vigil: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        None => None,
    };
    let banner = Banner::Live { profile: aws_settings.profile.clone(), region, account: None };
    let tui = Tui {
        banner,
        sources,
        clock,
        responder: Some(responder),
        write: args.write.write,
        audit_path,
        notifier: args.notify.notifier(&settings.config.notify),
        playback: None,
        recorder,
        keeper,
        warm,
        note,
    };
    run_tui(runtime, settings, tui)
}

#[cfg(not(feature = "aws"))]
fn watch(_: Settings, _: WatchArgs) -> ExitCode {
    eprintln!("vigil: this vigil was built without the `aws` feature: try `vigil demo`");
    ExitCode::from(2)
}

/// The runtime the dashboard and its sources run on: the UI on this thread, sources on two
/// workers (so that a panicking source is told apart from a panicking UI).
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("vigil: cannot start the runtime: {e}");
            None
        }
    }
}

/// What the dashboard runs with.
struct Tui {
    banner: Banner,
    sources: Vec<Box<dyn Source>>,
    clock: Clock,
    responder: Option<Arc<dyn Responder>>,
    write: bool,
    /// The audit log's path, for the confirmation to say where a write is logged.
    audit_path: Option<String>,
    /// Where changes are told beyond the screen.
    notifier: Option<vigil::notify::Notifier>,
    /// Where the last complete state is kept (`watch`), the snapshot to start from, and why one
    /// was not used.
    keeper: Option<vigil::app::SnapshotKeeper>,
    warm: Option<vigil::snapshot::Snapshot>,
    note: Option<String>,
    /// A story's clock and its presenter state (the demo, a replay).
    playback: Option<(Playback, vigil::ui::Story)>,
    /// `watch --record`: where the sources' events go as well.
    recorder: Option<vigil::recording::Recorder>,
}

fn run_tui(runtime: tokio::runtime::Runtime, settings: Settings, tui: Tui) -> ExitCode {
    let Tui { banner, sources, clock, responder, write, audit_path, notifier, playback, recorder, keeper, warm, note } =
        tui;
    terminal::install_panic_hook(std::thread::current().id());
    let mut view = View::new(banner);
    view.write = write;
    view.audit_log = audit_path;
    let (playback, story) = playback.unzip();
    view.story = story;
    let theme_chosen = settings.theme_chosen;
    let mut app = App {
        posture: {
            let mut posture = Posture::new(settings.catalog);
            if let Some(min) = settings.config.changes.severity {
                posture.set_feed_severity(min);
            }
            posture
        },
        view,
        theme: settings.theme,
        keymap: settings.keymap,
        clock,
        responder,
        waiting: Vec::new(),
        playback,
        feeds: Vec::new(),
        step_played: None,
        recorder,
        announced: 0,
        notifier,
        keeper,
    };
    if let Some(w) = warm {
        app.posture.warm_start(w.events, w.header.written_at);
    }
    app.view.message = note;
    let result = runtime.block_on(async move {
        let (mut tui, guard) = terminal::enter()?;
        if !theme_chosen && terminal::background_is_light(terminal::BACKGROUND_TIMEOUT) == Some(true) {
            tracing::info!("the terminal's background is light: the light theme");
            app.theme = vigil::theme::Theme::built_in("light").expect("a built-in theme");
        }
        #[cfg(debug_assertions)]
        if fault::injected("ui-panic") {
            // Panic on the UI thread once the app has drawn, as a bug in render would.
            tokio::select! {
                exit = app.run(&mut tui, sources) => return exit,
                _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => panic!("injected fault in the UI"),
            }
        }
        let exit = app.run(&mut tui, sources).await;
        drop(guard);
        exit
    });
    // Sources may be mid-sleep: do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(n)) => ExitCode::from(128 + n as u8),
        Err(e) => {
            eprintln!("vigil: {e}");
            ExitCode::FAILURE
        }
    }
}

fn catalog(command: CatalogCommand, settings: &Settings) -> ExitCode {
    let mut out = std::io::stdout().lock();
    commands::finish(match command {
        CatalogCommand::Show => commands::catalog::show(&mut out),
        CatalogCommand::List => commands::catalog::list(&mut out, &settings.catalog),
        CatalogCommand::Check { file } => commands::catalog::check(&mut out, &file),
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
