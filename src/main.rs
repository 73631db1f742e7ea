#![forbid(unsafe_code)]
//! The `hawser` binary: parse settings, start logging, run. Everything else is in the library.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use hawser::config::{Cli, Command};
use hawser::{app, healthcheck, telemetry};

/// mimalloc: per-request allocations (headers, bodies, futures) are glibc malloc's slow path
/// under a proxy's alloc/free pattern; measured in bench/RESULTS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hawser: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let options = cli.options.with_file()?;
    if let Some(Command::Healthcheck { url, timeout }) = cli.command {
        let address = url.unwrap_or_else(|| healthcheck::default_address(options.admin_listen()));
        return healthcheck::check(&address, timeout.0).map_err(anyhow::Error::msg);
    }
    let settings = options.resolve()?;
    telemetry::init(settings.log_level, settings.log_format);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(app::run(settings))?;
    Ok(())
}
