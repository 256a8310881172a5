//! `trader-gateway --config FILE`: serves the order gateway until SIGTERM or SIGINT.

use std::path::PathBuf;
use std::process::ExitCode;

use gateway_server::config::{Settings, TOKEN_ENV};
use gateway_server::server;

/// mimalloc for every allocation: each request allocates a handful of small buffers and strings (h2 frames,
/// decoded messages, the order); glibc malloc/free took ~12% of the server's CPU samples under load (perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: trader-gateway --config FILE";

fn config_path() -> Result<PathBuf, String> {
    let mut args = std::env::args_os().skip(1);
    match (args.next(), args.next(), args.next()) {
        (Some(flag), Some(path), None) if flag == "--config" => Ok(PathBuf::from(path)),
        (Some(flag), None, None) if flag == "--help" || flag == "-h" => Err(String::new()),
        _ => Err(USAGE.into()),
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

fn main() -> ExitCode {
    let path = match config_path() {
        Ok(path) => path,
        Err(message) if message.is_empty() => {
            println!(
                "{USAGE}\n\nThe bearer token comes from server.token_file or ${TOKEN_ENV}.\n\
                 With [venue] kind = \"alpaca\", the Alpaca keys come from venue.key_id / venue.secret_file or \
                 $APCA_API_KEY_ID / $APCA_API_SECRET_KEY (see gateway.alpaca.example.toml)."
            );
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("trader-gateway: {message}");
            return ExitCode::from(2);
        }
    };
    let settings = match Settings::load(&path, std::env::var(TOKEN_ENV).ok()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("trader-gateway: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("trader-gateway: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let running = match server::start(settings, shutdown_signal()).await {
            Ok(running) => running,
            Err(error) => {
                eprintln!("trader-gateway: {error}");
                return ExitCode::from(2);
            }
        };
        let report = &running.recovery;
        // One machine-readable line, so supervisors and tests learn the bound ports.
        println!(
            "trader-gateway listening grpc={} http={} replayed={} resent={} adopted={}",
            running.grpc_addr,
            running.http_addr,
            report.replayed_records,
            report.resent.len(),
            report.adopted.len()
        );
        match running.wait().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("trader-gateway: {error}");
                ExitCode::FAILURE
            }
        }
    })
}
