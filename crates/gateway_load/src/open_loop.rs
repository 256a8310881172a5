//! Open loop: orders issued on a fixed schedule whatever the responses do, latency counted from the scheduled time.
//!
//! The pacer is a task on the client's runtime that sleeps (on a timerfd, microsecond resolution) until the next
//! order is due and spawns every due order as its own task, so a slow response never delays the next send. Each task's latency runs from its
//! scheduled send time, not from when it was actually sent: a stalled server (or client) shows up as latency
//! instead of silently lowering the offered load (no coordinated omission).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::sync::Notify;

use crate::client::{Clients, Outcome};
use crate::error::LoadError;
use crate::report::Measured;
use crate::schedule::Schedule;
use crate::timer::Timer;

/// A slot of a request not answered yet.
const UNANSWERED: u64 = u64::MAX;

/// Per-request results, written once by the request's own task: `latency_ns << 1 | failed`.
struct Slots {
    slots: Vec<AtomicU64>,
    answered: AtomicU64,
    /// Nanoseconds from the start to the latest answer.
    last_answer_ns: AtomicU64,
    all_answered: Notify,
}

impl Slots {
    fn record(&self, index: u64, start: Instant, scheduled: Instant, outcome: Outcome) {
        let now = Instant::now();
        let latency = now.saturating_duration_since(scheduled).as_nanos() as u64;
        let failed = u64::from(outcome == Outcome::Failed);
        self.slots[index as usize].store(latency << 1 | failed, Ordering::Relaxed);
        self.last_answer_ns.fetch_max(
            now.duration_since(start).as_nanos() as u64,
            Ordering::Relaxed,
        );
        if self.answered.fetch_add(1, Ordering::AcqRel) + 1 == self.slots.len() as u64 {
            self.all_answered.notify_one();
        }
    }
}

/// Runs `schedule` against the gateway with ids `{prefix}-{n}`; waits up to `grace` after the last send for answers.
pub fn run(
    runtime: &Runtime,
    clients: &Clients,
    schedule: Schedule,
    prefix: &str,
    grace: Duration,
) -> Result<Measured, LoadError> {
    let count = schedule.count();
    let slots = Arc::new(Slots {
        slots: (0..count).map(|_| AtomicU64::new(UNANSWERED)).collect(),
        answered: AtomicU64::new(0),
        last_answer_ns: AtomicU64::new(0),
        all_answered: Notify::new(),
    });
    let prefix: Arc<str> = Arc::from(prefix);
    // Shared, so a request costs a reference count, not a copy of the connection list.
    let clients = Arc::new(clients.clone());
    let mut send_lags = Vec::with_capacity(count as usize);
    let paced = runtime.block_on(async {
        // The pacer runs on the runtime's own thread: spawning a due order is a local queue push, no wake-up.
        let timer = Timer::new()?;
        let start = Instant::now();
        let mut next = 0;
        while next < count {
            let due = schedule.due_by(start.elapsed());
            while next < due {
                let scheduled = start + schedule.due(next);
                send_lags.push(scheduled.elapsed().as_nanos() as u64);
                let (clients, prefix, slots, index) = (
                    Arc::clone(&clients),
                    Arc::clone(&prefix),
                    Arc::clone(&slots),
                    next,
                );
                tokio::spawn(async move {
                    let outcome = clients.submit(&prefix, index).await;
                    slots.record(index, start, scheduled, outcome);
                });
                next += 1;
            }
            if next < count {
                // The wake-up's overshoot is measured (send lag) and counted in the latency.
                timer
                    .sleep(schedule.due(next).saturating_sub(start.elapsed()))
                    .await?;
            }
        }
        if count > 0 && slots.answered.load(Ordering::Acquire) < count {
            let _ = tokio::time::timeout(grace, slots.all_answered.notified()).await;
        }
        Ok::<(), std::io::Error>(())
    });
    paced.map_err(LoadError::Runtime)?;
    Ok(collect(&slots, send_lags))
}

fn collect(slots: &Slots, send_lags: Vec<u64>) -> Measured {
    let mut measured = Measured {
        sent: slots.slots.len() as u64,
        elapsed: Duration::from_nanos(slots.last_answer_ns.load(Ordering::Relaxed)),
        send_lags_ns: send_lags,
        ..Measured::default()
    };
    for slot in &slots.slots {
        match slot.load(Ordering::Relaxed) {
            UNANSWERED => measured.unanswered += 1,
            value if value & 1 == 1 => measured.failed += 1,
            value => {
                measured.accepted += 1;
                measured.latencies_ns.push(value >> 1);
            }
        }
    }
    measured
}
