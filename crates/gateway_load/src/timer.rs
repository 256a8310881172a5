//! A sleep with microsecond resolution on the client's own runtime thread: a timerfd awaited through tokio's reactor.
//!
//! Why not `tokio::time::sleep`: its wheel ticks in whole milliseconds, so a 50 us gap at 20,000 orders/s would
//! become bursts of 20 orders a millisecond late. Why not a pacer thread: handing each order to the runtime from
//! another thread costs a cross-thread wake-up per order (futex, IPI, context switch), on the 2 cores the gateway
//! needs too.

use std::io;
use std::os::fd::OwnedFd;
use std::time::Duration;

use rustix::time::{
    Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
    timerfd_settime,
};
use tokio::io::unix::AsyncFd;

/// A one-shot monotonic timer, re-armed by each [`Timer::sleep`].
#[derive(Debug)]
pub struct Timer {
    fd: AsyncFd<OwnedFd>,
}

impl Timer {
    /// A timer registered with the current runtime's reactor (call inside a runtime).
    pub fn new() -> io::Result<Self> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        // SAFETY: the `OwnedFd` moves into the `AsyncFd`, so the descriptor stays open and the same for as long as
        // it is registered, and `as_raw_fd` on it always returns that one descriptor.
        let fd = unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)?;
        Ok(Self { fd })
    }

    /// Sleeps for `duration` while the runtime goes on with other tasks; returns at once for zero.
    pub async fn sleep(&self, duration: Duration) -> io::Result<()> {
        if duration.is_zero() {
            return Ok(());
        }
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let when = Itimerspec {
            it_interval: zero,
            it_value: Timespec {
                tv_sec: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(duration.subsec_nanos()),
            },
        };
        timerfd_settime(self.fd.get_ref(), TimerfdTimerFlags::empty(), &when)?;
        loop {
            let mut ready = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            match rustix::io::read(ready.get_inner(), &mut expirations) {
                Ok(_) => return Ok(()),
                Err(rustix::io::Errno::AGAIN) => ready.clear_ready(),
                Err(error) => return Err(error.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn sleeps_at_least_as_long_as_asked_and_not_by_whole_milliseconds() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let timer = Timer::new().unwrap();
            let start = Instant::now();
            for _ in 0..20 {
                timer.sleep(Duration::from_micros(100)).await.unwrap();
            }
            let elapsed = start.elapsed();
            assert!(elapsed >= Duration::from_micros(2_000), "{elapsed:?}");
            timer.sleep(Duration::ZERO).await.unwrap();
        });
    }
}
