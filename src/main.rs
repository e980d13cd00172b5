use std::process::ExitCode;

use clap::Parser;

use cpbatch::cli::{Cli, Command};

fn main() -> ExitCode {
    cpbatch::panics::install_hook();
    let cli = Cli::parse();
    // Ctrl-C or SIGTERM removes the run's temporary files and ends it, 130 or 143.
    if let Err(e) = cpbatch::report::publish::clean_up_on_signals() {
        eprintln!("cpbatch: error: cannot watch for signals: {e}");
        return ExitCode::from(2);
    }
    let mut stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Validate(args) => cpbatch::validate(&args.into_config(), &mut stdout),
        Command::Watch(args) => cpbatch::cmd::watch::run(&args.into_config(), &mut stdout),
        Command::Template(args) => cpbatch::cmd::template::run(&args.into_config(), &mut stdout),
        Command::Rules { codes, format } => cpbatch::cmd::rules::select(&codes).and_then(|rules| {
            cpbatch::cmd::rules::print(&mut stdout, format.into(), &rules)
                .map(|_| 0)
                .map_err(|e| cpbatch::FileError::Output {
                    path: "stdout".into(),
                    reason: e.to_string(),
                })
        }),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(error) => {
            eprintln!("cpbatch: {}", error.display_with_code());
            ExitCode::from(2)
        }
    }
}
