//! `gateway-load --target HOST:PORT ...`: load on a running `trader-gateway`; see `gateway_load::args::USAGE`.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use gateway_load::args::{Options, USAGE};
use gateway_load::error::LoadError;

/// mimalloc: the client shares the machine's 2 cores with the server, so its per-request allocations matter.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A prefix unique to this process keeps every order id new to a gateway that has seen earlier runs.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let prefix = format!("load-{}-{nanos}", std::process::id());
    let result =
        Options::parse(std::env::args().skip(1), prefix).and_then(|options| match options {
            None => Ok(None),
            Some(options) => {
                let token =
                    std::env::var("TRADER_GATEWAY_TOKEN").map_err(|_| LoadError::MissingToken)?;
                gateway_load::run(&options, &token).map(|report| Some((options, report)))
            }
        });
    match result {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Some((options, report))) => {
            if options.json {
                println!(
                    "{}",
                    serde_json::to_string(&report).expect("a report is plain data")
                );
            } else {
                println!("{}", report.text());
            }
            // A run with refused or lost orders measured something other than what it claims.
            if report.clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error @ (LoadError::Usage(_) | LoadError::BadValue { .. })) => {
            eprintln!("gateway-load: {error}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("gateway-load: {error}");
            ExitCode::from(2)
        }
    }
}
