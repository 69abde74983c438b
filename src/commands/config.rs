//! `vigil config`: the whole default file, or which file is read. It runs before the config
//! file is read, which may be the thing being fixed.

use std::process::ExitCode;

pub fn run(args: &crate::cli::ConfigArgs, global: &crate::cli::GlobalArgs) -> ExitCode {
    if args.print_default {
        print!("{}", crate::config::default_file());
        return ExitCode::SUCCESS;
    }
    match global.config.clone().or_else(crate::config::default_path) {
        Some(path) if path.exists() => println!("{} (read)", path.display()),
        Some(path) => {
            println!("{} (not there: the defaults apply; vigil config --print-default shows them)", path.display())
        }
        None => println!("no config file (neither XDG_CONFIG_HOME nor HOME is set)"),
    }
    ExitCode::SUCCESS
}
