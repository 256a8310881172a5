//! `gateway-load`: drives a running `trader-gateway` over gRPC in an open loop (fixed offered rate, latency from the
//! scheduled send time) or a closed loop (fixed concurrency), and reports orders/s and latency percentiles.
//!
//! [`args`] reads the command line, [`client`] holds the connections, [`schedule`] says when each order is due,
//! [`open_loop`] and [`closed_loop`] run the load, [`stats`] and [`report`] summarise it; [`run`] ties them up.

pub mod args;
pub mod client;
pub mod closed_loop;
pub mod error;
pub mod open_loop;
pub mod report;
pub mod schedule;
pub mod stats;
pub mod timer;

use std::time::Duration;

use args::{Mode, Options};
use client::Clients;
use error::LoadError;
use report::{Measured, Report};
use schedule::Schedule;

/// How long the open loop waits for the last answers after the last send.
const GRACE: Duration = Duration::from_secs(10);

/// Connects, runs the warm-up (unmeasured) and then the measured load described by `options`.
pub fn run(options: &Options, token: &str) -> Result<Report, LoadError> {
    // One thread (the default) runs everything, pacer included: no cross-thread hand-offs per order, and the
    // client takes as little as it can of the cores it shares with the gateway.
    let runtime = if options.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads)
            .enable_all()
            .build()
    }
    .map_err(LoadError::Runtime)?;
    let clients = runtime.block_on(Clients::connect(
        &options.target,
        token,
        options.connections,
    ))?;
    let load = |duration: Duration, prefix: &str| -> Result<Measured, LoadError> {
        Ok(match options.mode {
            Mode::Open => open_loop::run(
                &runtime,
                &clients,
                Schedule::new(options.rate, duration),
                prefix,
                GRACE,
            )?,
            Mode::Closed => {
                closed_loop::run(&runtime, &clients, options.concurrency, duration, prefix)
            }
        })
    };
    if !options.warmup.is_zero() {
        load(options.warmup, &format!("{}-warm", options.prefix))?;
    }
    let mut measured = load(options.duration, &options.prefix)?;
    measured.first_error = clients.first_error();
    Ok(Report::new(options, measured))
}
