//! Closed loop: a fixed number of tasks, each submitting, waiting for the answer and submitting again, for a fixed
//! time. It finds the maximum throughput; its latency is concurrency / throughput (Little's law), not a target.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::client::{Clients, Outcome};
use crate::report::Measured;

/// Runs `concurrency` submit loops for `duration` with ids `{prefix}-{n}`.
pub fn run(
    runtime: &Runtime,
    clients: &Clients,
    concurrency: usize,
    duration: Duration,
    prefix: &str,
) -> Measured {
    let prefix: Arc<str> = Arc::from(prefix);
    runtime.block_on(async move {
        let start = Instant::now();
        let tasks: Vec<_> = (0..concurrency as u64)
            .map(|task| {
                let (clients, prefix) = (clients.clone(), Arc::clone(&prefix));
                tokio::spawn(async move {
                    let mut results = Vec::new();
                    // Task t uses ids t, t + c, t + 2c, ...: unique across tasks without coordination.
                    let mut index = task;
                    while start.elapsed() < duration {
                        let sent = Instant::now();
                        let outcome = clients.submit(&prefix, index).await;
                        results.push((sent.elapsed().as_nanos() as u64, outcome));
                        index += concurrency as u64;
                    }
                    results
                })
            })
            .collect();
        let mut measured = Measured::default();
        for task in tasks {
            for (latency, outcome) in task.await.unwrap_or_default() {
                measured.sent += 1;
                match outcome {
                    Outcome::Accepted => {
                        measured.accepted += 1;
                        measured.latencies_ns.push(latency);
                    }
                    Outcome::Failed => measured.failed += 1,
                }
            }
        }
        measured.elapsed = start.elapsed();
        measured
    })
}
