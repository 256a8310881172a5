//! Exponential backoff with full jitter for retryable venue failures only (timeouts, 5xx, 429 with Retry-After).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::error::VenueError;

/// How many times and how patiently to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The ceiling of the first retry's delay; doubles each attempt.
    pub base_delay: Duration,
    /// The largest ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// Computes retry delays from a seeded generator, so a test run is reproducible.
#[derive(Debug)]
pub struct Backoff {
    policy: RetryPolicy,
    rng: fastrand::Rng,
}

impl Backoff {
    /// A backoff for `policy` whose jitter comes from `seed`.
    pub fn new(policy: RetryPolicy, seed: u64) -> Self {
        Self {
            policy,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The policy.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    /// The wait before attempt `attempt + 1` after `error` ended attempt `attempt` (1-based), or `None` to stop:
    /// the error is not retryable (a reject, a duplicate) or the attempts are used up.
    ///
    /// Full jitter: uniform in `[0, min(max_delay, base_delay * 2^(attempt-1))]`; a 429's Retry-After is a floor.
    pub fn delay_after(&mut self, attempt: u32, error: &VenueError) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.policy.max_attempts {
            return None;
        }
        let doubling = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let ceiling = self
            .policy
            .base_delay
            .saturating_mul(doubling)
            .min(self.policy.max_delay);
        let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let jittered = Duration::from_nanos(self.rng.u64(0..=ceiling_nanos));
        Some(match error {
            VenueError::RateLimited {
                retry_after: Some(after),
            } => jittered.max(*after),
            _ => jittered,
        })
    }

    /// Runs `op` until it succeeds, fails for good, or the attempts are used up, sleeping on `clock` in between.
    /// Returns the last result and the number of attempts made.
    pub fn run<T>(
        &mut self,
        clock: &dyn Clock,
        mut op: impl FnMut() -> Result<T, VenueError>,
    ) -> (Result<T, VenueError>, u32) {
        let mut attempt = 1;
        loop {
            let result = op();
            let Err(error) = &result else {
                return (result, attempt);
            };
            match self.delay_after(attempt, error) {
                Some(delay) => clock.sleep(delay),
                None => return (result, attempt),
            }
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        }
    }

    #[test]
    fn delays_stay_under_the_doubling_ceiling_and_the_cap() {
        let mut backoff = Backoff::new(policy(), 7);
        for _ in 0..200 {
            assert!(
                backoff.delay_after(1, &VenueError::Timeout).unwrap() <= Duration::from_millis(100)
            );
            assert!(
                backoff.delay_after(2, &VenueError::Timeout).unwrap() <= Duration::from_millis(200)
            );
            assert!(
                backoff
                    .delay_after(4, &VenueError::Server { status: 503 })
                    .unwrap()
                    <= Duration::from_millis(300)
            );
        }
        assert_eq!(
            backoff.delay_after(5, &VenueError::Timeout),
            None,
            "attempts used up"
        );
    }

    #[test]
    fn jitter_is_spread_and_reproducible_from_the_seed() {
        let sample = |seed| {
            let mut backoff = Backoff::new(policy(), seed);
            (0..50)
                .map(|_| backoff.delay_after(3, &VenueError::Disconnected).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(sample(1), sample(1));
        assert_ne!(sample(1), sample(2));
        let delays = sample(1);
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(
            distinct.len() > 40,
            "full jitter spreads delays: {distinct:?}"
        );
        assert!(delays.iter().any(|d| *d < Duration::from_millis(100)));
    }

    #[test]
    fn rejects_and_duplicates_are_never_retried() {
        let mut backoff = Backoff::new(policy(), 1);
        assert_eq!(
            backoff.delay_after(1, &VenueError::Rejected { reason: "x".into() }),
            None
        );
        let id = crate::order::ClientOrderId::new("a").unwrap();
        assert_eq!(
            backoff.delay_after(1, &VenueError::DuplicateClientOrderId(id)),
            None
        );
        let clock = ManualClock::default();
        let mut calls = 0;
        let (result, attempts) = backoff.run(&clock, || -> Result<(), _> {
            calls += 1;
            Err(VenueError::Rejected {
                reason: "insufficient funds".into(),
            })
        });
        assert!(result.is_err());
        assert_eq!((attempts, calls), (1, 1));
        assert_eq!(clock.now(), Duration::ZERO, "no waiting on a reject");
    }

    #[test]
    fn retry_after_is_a_floor_and_retries_stop_at_success() {
        let mut backoff = Backoff::new(policy(), 3);
        let after = Duration::from_secs(5);
        assert!(
            backoff
                .delay_after(
                    1,
                    &VenueError::RateLimited {
                        retry_after: Some(after)
                    }
                )
                .unwrap()
                >= after
        );
        let clock = ManualClock::default();
        let mut calls = 0;
        let (result, attempts) = backoff.run(&clock, || {
            calls += 1;
            if calls < 3 {
                Err(VenueError::RateLimited {
                    retry_after: Some(after),
                })
            } else {
                Ok(calls)
            }
        });
        assert_eq!(result, Ok(3));
        assert_eq!(attempts, 3);
        assert!(
            clock.now() >= after * 2,
            "slept at least Retry-After twice: {:?}",
            clock.now()
        );
    }

    #[test]
    fn gives_up_after_max_attempts_with_the_last_error() {
        let mut backoff = Backoff::new(policy(), 3);
        let clock = ManualClock::default();
        let (result, attempts) = backoff.run(&clock, || -> Result<(), _> {
            Err(VenueError::Server { status: 502 })
        });
        assert_eq!(result, Err(VenueError::Server { status: 502 }));
        assert_eq!(attempts, 5);
    }
}
