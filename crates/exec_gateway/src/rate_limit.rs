//! Token buckets for request rates (Alpaca: 200 requests/min) and per-strategy order rates, in exact integers.

use std::time::Duration;

/// A token bucket holding up to `capacity` tokens, refilled at `capacity` per `period`.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    capacity: u128,
    period_nanos: u128,
    /// Tokens scaled by `period_nanos`, so refilling is exact integer arithmetic.
    level: u128,
    last: Duration,
}

impl TokenBucket {
    /// A full bucket of `capacity` tokens per `period`, as of `now`. A zero capacity or period never grants.
    pub fn new(capacity: u32, period: Duration, now: Duration) -> Self {
        let period_nanos = period.as_nanos().max(1);
        let capacity = u128::from(capacity);
        Self {
            capacity,
            period_nanos,
            level: capacity * period_nanos,
            last: now,
        }
    }

    /// Alpaca's default: 200 requests per minute.
    pub fn alpaca_default(now: Duration) -> Self {
        Self::new(200, Duration::from_secs(60), now)
    }

    fn refill(&mut self, now: Duration) {
        let elapsed = now.saturating_sub(self.last).as_nanos();
        self.last = self.last.max(now);
        self.level = (self.level + elapsed * self.capacity).min(self.capacity * self.period_nanos);
    }

    /// How long until a token is available at `now` (`None`: one is available now).
    pub fn wait_time(&mut self, now: Duration) -> Option<Duration> {
        self.refill(now);
        if self.level >= self.period_nanos {
            return None;
        }
        if self.capacity == 0 {
            return Some(Duration::MAX);
        }
        let missing = self.period_nanos - self.level;
        let nanos = missing.div_ceil(self.capacity);
        Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }

    /// Takes a token, or says how long to wait for one.
    pub fn try_take(&mut self, now: Duration) -> Result<(), Duration> {
        match self.wait_time(now) {
            Some(wait) => Err(wait),
            None => {
                self.level -= self.period_nanos;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_full_bucket_grants_its_capacity_then_refills_at_the_rate() {
        let mut bucket = TokenBucket::alpaca_default(Duration::ZERO);
        for _ in 0..200 {
            bucket.try_take(Duration::ZERO).unwrap();
        }
        // 200 per minute = one every 300 ms.
        assert_eq!(bucket.try_take(Duration::ZERO), Err(300 * MS));
        assert_eq!(bucket.try_take(299 * MS), Err(MS));
        bucket.try_take(300 * MS).unwrap();
        assert!(bucket.try_take(300 * MS).is_err());
    }

    #[test]
    fn refill_is_capped_at_capacity() {
        let mut bucket = TokenBucket::new(3, Duration::from_secs(1), Duration::ZERO);
        for _ in 0..3 {
            bucket.try_take(Duration::ZERO).unwrap();
        }
        let later = Duration::from_secs(3600);
        for _ in 0..3 {
            bucket.try_take(later).unwrap();
        }
        assert!(bucket.try_take(later).is_err());
    }

    #[test]
    fn zero_capacity_never_grants_and_time_going_back_is_harmless() {
        let mut empty = TokenBucket::new(0, Duration::from_secs(1), Duration::ZERO);
        assert_eq!(empty.try_take(Duration::from_secs(100)), Err(Duration::MAX));
        let mut bucket = TokenBucket::new(1, Duration::from_secs(1), Duration::from_secs(10));
        bucket.try_take(Duration::from_secs(10)).unwrap();
        assert!(bucket.try_take(Duration::from_secs(5)).is_err());
        bucket.try_take(Duration::from_secs(11)).unwrap();
    }
}
