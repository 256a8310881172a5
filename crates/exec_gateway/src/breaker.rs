//! A circuit breaker per venue: closed / open / half-open, on the failure rate over a sliding window of calls.

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// When the breaker trips and how long it stays open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerConfig {
    /// Calls older than this no longer count.
    pub window: Duration,
    /// No verdict on fewer calls than this in the window.
    pub min_calls: u32,
    /// Trip when at least this share of the calls in the window failed, in percent.
    pub failure_rate_percent: u32,
    /// How long the breaker stays open before it lets one probe through.
    pub cooldown: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        // A 10 s cooldown keeps recovery well within a minute of the venue becoming healthy.
        Self {
            window: Duration::from_secs(30),
            min_calls: 5,
            failure_rate_percent: 50,
            cooldown: Duration::from_secs(10),
        }
    }
}

/// Where the breaker stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass; outcomes are counted.
    Closed,
    /// Calls fail fast until `until`.
    Open {
        /// When a probe may go through.
        until: Duration,
    },
    /// One probe is let through; its outcome closes or re-opens the breaker.
    HalfOpen {
        /// When the current probe was let through, if one is out.
        probe_since: Option<Duration>,
    },
}

/// The breaker. Times are passed in (from a [`crate::clock::Clock`]), so it never reads the clock itself.
#[derive(Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: BreakerState,
    calls: VecDeque<(Duration, bool)>,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            state: BreakerState::Closed,
            calls: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// May a call go out at `now`? `Err(wait)` says how long until a probe will be let through.
    pub fn admit(&mut self, now: Duration) -> Result<(), Duration> {
        match self.state {
            BreakerState::Closed => Ok(()),
            BreakerState::Open { until } if now < until => Err(until - now),
            BreakerState::Open { .. } => {
                self.state = BreakerState::HalfOpen {
                    probe_since: Some(now),
                };
                Ok(())
            }
            BreakerState::HalfOpen {
                probe_since: Some(since),
            } if now < since + self.config.cooldown => Err(since + self.config.cooldown - now),
            // No probe out, or the last one never reported back: let one through.
            BreakerState::HalfOpen { .. } => {
                self.state = BreakerState::HalfOpen {
                    probe_since: Some(now),
                };
                Ok(())
            }
        }
    }

    /// Records a call's outcome: `healthy` when the venue answered (even with a reject).
    pub fn record(&mut self, now: Duration, healthy: bool) {
        match self.state {
            BreakerState::Open { .. } => {}
            BreakerState::HalfOpen { .. } if healthy => {
                self.state = BreakerState::Closed;
                self.calls.clear();
            }
            BreakerState::HalfOpen { .. } => self.trip(now),
            BreakerState::Closed => {
                self.calls.push_back((now, healthy));
                while self
                    .calls
                    .front()
                    .is_some_and(|(at, _)| now.saturating_sub(*at) > self.config.window)
                {
                    self.calls.pop_front();
                }
                let total = self.calls.len() as u64;
                let failed = self.calls.iter().filter(|(_, ok)| !ok).count() as u64;
                if total >= u64::from(self.config.min_calls)
                    && failed * 100 >= u64::from(self.config.failure_rate_percent) * total
                {
                    self.trip(now);
                }
            }
        }
    }

    fn trip(&mut self, now: Duration) {
        self.state = BreakerState::Open {
            until: now + self.config.cooldown,
        };
        self.calls.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig {
            window: 10 * S,
            min_calls: 4,
            failure_rate_percent: 50,
            cooldown: 5 * S,
        })
    }

    #[test]
    fn trips_at_the_failure_rate_and_fails_fast_while_open() {
        let mut b = breaker();
        b.record(S, true);
        b.record(S, true);
        b.record(S, false);
        assert_eq!(b.state(), BreakerState::Closed, "below min_calls");
        b.record(2 * S, false);
        assert_eq!(b.state(), BreakerState::Open { until: 7 * S });
        assert_eq!(b.admit(3 * S), Err(4 * S));
        b.record(3 * S, true);
        assert!(
            matches!(b.state(), BreakerState::Open { .. }),
            "outcomes while open change nothing"
        );
    }

    #[test]
    fn old_failures_fall_out_of_the_window() {
        let mut b = breaker();
        for _ in 0..3 {
            b.record(S, false);
        }
        for _ in 0..4 {
            b.record(20 * S, true);
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn half_open_probe_closes_or_reopens() {
        let mut b = breaker();
        for _ in 0..4 {
            b.record(S, false);
        }
        assert!(b.admit(6 * S).is_ok(), "cooldown over: the probe goes");
        assert!(matches!(b.state(), BreakerState::HalfOpen { .. }));
        assert!(b.admit(6 * S).is_err(), "one probe at a time");
        b.record(6 * S, false);
        assert_eq!(b.state(), BreakerState::Open { until: 11 * S });
        assert!(b.admit(11 * S).is_ok());
        b.record(11 * S, true);
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.admit(11 * S).is_ok());
    }

    #[test]
    fn a_lost_probe_does_not_wedge_the_breaker() {
        let mut b = breaker();
        for _ in 0..4 {
            b.record(S, false);
        }
        assert!(b.admit(6 * S).is_ok());
        assert!(
            b.admit(11 * S).is_ok(),
            "the probe never reported: another one goes after the cooldown"
        );
    }
}
