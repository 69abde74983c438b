use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use vigil::app::{App, Exit};
use vigil::cli::{CatalogCommand, Cli, Command, PolicyCommand, Settings};
use vigil::policy::Suite;
use vigil::sources::demo::{DemoSource, Scenario};
use vigil::sources::guardrails::GuardrailSource;
use vigil::sources::{Source, system_clock};
use vigil::store::Posture;
use vigil::ui::{Banner, View};
use vigil::{commands, terminal};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let settings = match Settings::resolve(&cli.global, no_color) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Demo) => demo(settings),
        Some(Command::Catalog(c)) => catalog(c, &settings),
        Some(Command::Policy(p)) => policy(p),
        None => unreachable!("clap prints help when no subcommand is given"),
    }
}

/// Logs go to a file: the terminal belongs to the UI.
fn init_logging(settings: &Settings) {
    let path = &settings.log_file;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::OpenOptions::new().create(true).append(true).open(path) {
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

fn demo(settings: Settings) -> ExitCode {
    init_logging(&settings);
    let scenario = Scenario::workshop();
    let banner = Banner::Demo { title: scenario.title.clone() };
    #[allow(unused_mut)]
    let mut sources: Vec<Box<dyn Source>> =
        vec![Box::new(DemoSource::new(scenario)), Box::new(GuardrailSource::new(Suite::workshop()))];
    #[cfg(debug_assertions)]
    if fault::injected("source-panic") {
        sources.push(Box::new(fault::PanickingSource));
    }
    run_tui(settings, banner, sources)
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

fn run_tui(settings: Settings, banner: Banner, sources: Vec<Box<dyn Source>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vigil: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    terminal::install_panic_hook(std::thread::current().id());
    let app = App {
        posture: Posture::new(settings.catalog),
        view: View::new(banner),
        theme: settings.theme,
        keymap: settings.keymap,
        clock: system_clock(),
    };
    let result = runtime.block_on(async move {
        let (mut tui, guard) = terminal::enter()?;
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
