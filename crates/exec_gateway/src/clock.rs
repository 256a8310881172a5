//! Injectable time: the wall clock in production, a manual clock in tests so nothing ever sleeps for real.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of time that can also wait.
pub trait Clock: Debug + Send + Sync {
    /// Time since the Unix epoch.
    fn now(&self) -> Duration;
    /// Waits for `duration` (a manual clock just moves forward).
    fn sleep(&self, duration: Duration);
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        // A clock before 1970 is a broken host; treat it as the epoch rather than panic in the order path.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock that moves only when told to (or when something sleeps on it).
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A clock standing at `start` since the epoch.
    pub fn new(start: Duration) -> Self {
        Self {
            nanos: AtomicU64::new(duration_nanos(start)),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.nanos.fetch_add(duration_nanos(by), Ordering::SeqCst);
    }

    /// Total time slept or advanced since creation is visible through `now`.
    pub fn set(&self, at: Duration) {
        self.nanos.store(duration_nanos(at), Ordering::SeqCst);
    }
}

fn duration_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Duration::from_secs(10));
        assert_eq!(clock.now(), Duration::from_secs(10));
        clock.sleep(Duration::from_millis(1500));
        assert_eq!(clock.now(), Duration::from_millis(11_500));
        clock.set(Duration::from_secs(1));
        assert_eq!(clock.now(), Duration::from_secs(1));
        assert!(SystemClock.now() > Duration::from_secs(1_600_000_000));
    }
}
