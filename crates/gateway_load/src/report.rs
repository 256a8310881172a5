//! What a run measured, and how it is printed (text for people, one JSON object for `benches/gateway_load.py`).

use std::time::Duration;

use serde::Serialize;

use crate::args::{Mode, Options};
use crate::stats::LatencySummary;

/// Raw results of one run.
#[derive(Debug, Default)]
pub struct Measured {
    /// Requests issued.
    pub sent: u64,
    /// New orders acknowledged.
    pub accepted: u64,
    /// Requests answered with an error status.
    pub failed: u64,
    /// Requests without an answer when the run ended.
    pub unanswered: u64,
    /// From the start to the last answer.
    pub elapsed: Duration,
    /// Latency of each accepted order, nanoseconds.
    pub latencies_ns: Vec<u64>,
    /// Open loop: how late the pacer issued each request, nanoseconds (client-side delay inside the latency).
    pub send_lags_ns: Vec<u64>,
    /// What the first failed request was told.
    pub first_error: Option<String>,
}

/// The printed result of one run.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `open` or `closed`.
    pub mode: &'static str,
    /// Orders per second offered (open loop).
    pub offered_rate: Option<u64>,
    /// Requests in flight (closed loop).
    pub concurrency: Option<usize>,
    /// HTTP/2 connections.
    pub connections: usize,
    /// Requests issued.
    pub sent: u64,
    /// New orders acknowledged.
    pub accepted: u64,
    /// Requests answered with an error.
    pub failed: u64,
    /// Requests never answered.
    pub unanswered: u64,
    /// Seconds from the first send to the last answer.
    pub elapsed_s: f64,
    /// Acknowledged orders per second.
    pub achieved_rate: f64,
    /// Submit latency of acknowledged orders (open loop: from the scheduled send time).
    pub latency: Option<LatencySummary>,
    /// Open loop: the pacer's lateness, the client's own share of the latency.
    pub send_lag: Option<LatencySummary>,
    /// What the first failed request was told.
    pub first_error: Option<String>,
}

impl Report {
    /// Summarises `measured` for the run described by `options`.
    pub fn new(options: &Options, measured: Measured) -> Self {
        let elapsed_s = measured.elapsed.as_secs_f64();
        let open = options.mode == Mode::Open;
        Self {
            mode: if open { "open" } else { "closed" },
            offered_rate: open.then_some(options.rate),
            concurrency: (!open).then_some(options.concurrency),
            connections: options.connections,
            sent: measured.sent,
            accepted: measured.accepted,
            failed: measured.failed,
            unanswered: measured.unanswered,
            elapsed_s,
            achieved_rate: if elapsed_s > 0.0 {
                measured.accepted as f64 / elapsed_s
            } else {
                0.0
            },
            latency: LatencySummary::from_nanos(measured.latencies_ns),
            send_lag: LatencySummary::from_nanos(measured.send_lags_ns),
            first_error: measured.first_error,
        }
    }

    /// Every request was acknowledged.
    pub fn clean(&self) -> bool {
        self.failed == 0 && self.unanswered == 0 && self.accepted == self.sent
    }

    /// The text form: load, outcome counts, then the latency percentiles in milliseconds.
    pub fn text(&self) -> String {
        let load = match (self.offered_rate, self.concurrency) {
            (Some(rate), _) => format!("open loop, {rate} orders/s offered"),
            (_, Some(concurrency)) => format!("closed loop, {concurrency} in flight"),
            _ => String::new(),
        };
        let mut text = format!(
            "{load} over {} connections: {:.0} orders/s acknowledged ({} sent, {} failed, {} unanswered, {:.2} s)",
            self.connections,
            self.achieved_rate,
            self.sent,
            self.failed,
            self.unanswered,
            self.elapsed_s
        );
        let ms = |us: u64| us as f64 / 1e3;
        if let Some(l) = &self.latency {
            text += &format!(
                "\n  submit latency ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
                ms(l.p50_us),
                ms(l.p90_us),
                ms(l.p99_us),
                ms(l.p999_us),
                ms(l.max_us)
            );
        }
        if let Some(l) = &self.send_lag {
            text += &format!(
                "\n  client send lag ms: p50 {:.3}  p99 {:.3}  max {:.3}",
                ms(l.p50_us),
                ms(l.p99_us),
                ms(l.max_us)
            );
        }
        if let Some(error) = &self.first_error {
            text += &format!("\n  first failure: {error}");
        }
        text
    }
}
