//! `linkx`: parse the command line, run the command, map errors to exit codes
//! (0 ok, 1 runtime failure, 2 bad usage or unusable input).

use clap::Parser;
use linkx::settings::UsageError;
use std::process::ExitCode;

/// mimalloc: parsing and serving allocate many small short-lived values; glibc's allocator
/// spent a third of feed-parsing time in malloc/free (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = linkx::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINKX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(linkx::commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let usage = err
                .chain()
                .any(|e| e.downcast_ref::<UsageError>().is_some());
            eprintln!("error: {err:#}");
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}
