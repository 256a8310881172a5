//! The open-loop send schedule: request `i` is due at `i / rate` seconds after the start, whatever the responses do.

use std::time::Duration;

/// A fixed-rate schedule of `count` requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    rate: u64,
    count: u64,
}

impl Schedule {
    /// `rate` requests per second for `duration` (rounded down to whole requests). `rate` must be positive.
    pub fn new(rate: u64, duration: Duration) -> Self {
        assert!(rate > 0, "the offered rate must be positive");
        let count = u128::from(rate) * duration.as_nanos() / 1_000_000_000;
        Self {
            rate,
            count: u64::try_from(count).unwrap_or(u64::MAX),
        }
    }

    /// How many requests the schedule holds.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The offered rate, requests per second.
    pub fn rate(&self) -> u64 {
        self.rate
    }

    /// When request `index` is due, as an offset from the start (exact integer nanoseconds, no drift).
    pub fn due(&self, index: u64) -> Duration {
        let nanos = u128::from(index) * 1_000_000_000 / u128::from(self.rate);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// The number of requests due at or before `elapsed` (the index of the first one not yet due).
    pub fn due_by(&self, elapsed: Duration) -> u64 {
        // floor(i * 1e9 / rate) <= e  <=>  i * 1e9 < (e + 1) * rate, so the count is ceil((e + 1) * rate / 1e9).
        let count = ((elapsed.as_nanos() + 1) * u128::from(self.rate)).div_ceil(1_000_000_000);
        u64::try_from(count).unwrap_or(u64::MAX).min(self.count)
    }
}

#[cfg(test)]
mod tests {
    //! Properties: the schedule holds rate x duration requests; due times never decrease and are spaced by
    //! 1/rate (within a nanosecond of rounding); `due_by(t)` counts exactly the requests with `due(i) <= t`.

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn twenty_thousand_per_second_for_ten_seconds() {
        let schedule = Schedule::new(20_000, Duration::from_secs(10));
        assert_eq!(schedule.count(), 200_000);
        assert_eq!(schedule.due(0), Duration::ZERO);
        assert_eq!(schedule.due(1), Duration::from_micros(50));
        assert_eq!(schedule.due(199_999), Duration::from_nanos(9_999_950_000));
        assert_eq!(schedule.due_by(Duration::ZERO), 1);
        assert_eq!(schedule.due_by(Duration::from_nanos(49_999)), 1);
        assert_eq!(schedule.due_by(Duration::from_micros(50)), 2);
        assert_eq!(schedule.due_by(Duration::from_secs(60)), 200_000);
    }

    proptest! {
        #[test]
        fn due_times_are_evenly_spaced(rate in 1u64..1_000_000, millis in 0u64..20_000, index in 0u64..1_000_000) {
            let schedule = Schedule::new(rate, Duration::from_millis(millis));
            prop_assert_eq!(schedule.count(), rate * millis / 1_000);
            let gap = schedule.due(index + 1).as_nanos() as i128 - schedule.due(index).as_nanos() as i128;
            let exact = 1_000_000_000i128 / i128::from(rate);
            prop_assert!(gap == exact || gap == exact + 1, "gap {} vs {}", gap, exact);
        }

        #[test]
        fn due_by_counts_the_due_requests(rate in 1u64..200_000, millis in 1u64..2_000, at_ns in 0u64..3_000_000_000) {
            let schedule = Schedule::new(rate, Duration::from_millis(millis));
            let at = Duration::from_nanos(at_ns);
            let n = schedule.due_by(at);
            prop_assert!(n <= schedule.count());
            if n > 0 {
                prop_assert!(schedule.due(n - 1) <= at);
            }
            if n < schedule.count() {
                prop_assert!(schedule.due(n) > at);
            }
        }
    }
}
