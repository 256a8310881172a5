//! The venue guard: the circuit breaker and the rate limits a new order must pass before it is sent.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::breaker::{BreakerConfig, BreakerState, CircuitBreaker};
use crate::error::{GatewayError, VenueError};
use crate::rate_limit::TokenBucket;

/// Breaker and rate-limit settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardConfig {
    /// The venue's circuit breaker.
    pub breaker: BreakerConfig,
    /// New orders per minute to the venue (Alpaca allows 200 requests/min).
    pub venue_orders_per_minute: u32,
    /// New orders per minute per strategy (`None`: no per-strategy limit).
    pub strategy_orders_per_minute: Option<u32>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            breaker: BreakerConfig::default(),
            venue_orders_per_minute: 200,
            strategy_orders_per_minute: None,
        }
    }
}

/// Breaker plus buckets for one venue. Cancels and recovery lookups are never held back by it.
#[derive(Debug)]
pub struct VenueGuard {
    config: GuardConfig,
    breaker: CircuitBreaker,
    venue_bucket: Option<TokenBucket>,
    strategy_buckets: HashMap<String, TokenBucket>,
}

const MINUTE: Duration = Duration::from_secs(60);

impl VenueGuard {
    /// A guard with a closed breaker and full buckets.
    pub fn new(config: GuardConfig) -> Self {
        Self {
            breaker: CircuitBreaker::new(config.breaker),
            config,
            venue_bucket: None,
            strategy_buckets: HashMap::new(),
        }
    }

    /// The breaker's state.
    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Lets a new order of `strategy` through at `now`, or says why not and for how long.
    pub fn admit(&mut self, now: Duration, strategy: Option<&str>) -> Result<(), GatewayError> {
        let per_minute = self.config.venue_orders_per_minute;
        let venue = self
            .venue_bucket
            .get_or_insert_with(|| TokenBucket::new(per_minute, MINUTE, now));
        if let Some(retry_in) = venue.wait_time(now) {
            return Err(GatewayError::RateLimited {
                limit: "venue orders/min".into(),
                retry_in,
            });
        }
        if let (Some(strategy), Some(per_minute)) =
            (strategy, self.config.strategy_orders_per_minute)
        {
            let bucket = self
                .strategy_buckets
                .entry(strategy.to_owned())
                .or_insert_with(|| TokenBucket::new(per_minute, MINUTE, now));
            if let Some(retry_in) = bucket.wait_time(now) {
                return Err(GatewayError::RateLimited {
                    limit: format!("strategy {strategy} orders/min"),
                    retry_in,
                });
            }
        }
        self.breaker
            .admit(now)
            .map_err(|retry_in| GatewayError::BreakerOpen { retry_in })?;
        // Both buckets were checked above, so these takes succeed.
        let _ = self
            .venue_bucket
            .as_mut()
            .map(|bucket| bucket.try_take(now));
        if let Some(bucket) = strategy.and_then(|s| self.strategy_buckets.get_mut(s)) {
            let _ = bucket.try_take(now);
        }
        Ok(())
    }

    /// Feeds a venue call's outcome to the breaker: an answer (even a reject) is healthy; a timeout, a dropped
    /// connection or a 5xx is a failure; a 429 says nothing about health.
    pub fn record<T>(&mut self, now: Duration, result: &Result<T, VenueError>) {
        match result {
            Err(VenueError::RateLimited { .. }) => {}
            Err(error) if error.is_retryable() => self.breaker.record(now, false),
            _ => self.breaker.record(now, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_and_venue_limits_and_the_breaker_each_refuse_with_a_reason() {
        let config = GuardConfig {
            venue_orders_per_minute: 3,
            strategy_orders_per_minute: Some(2),
            ..GuardConfig::default()
        };
        let mut guard = VenueGuard::new(config);
        let now = Duration::ZERO;
        guard.admit(now, Some("a")).unwrap();
        guard.admit(now, Some("a")).unwrap();
        let err = guard.admit(now, Some("a")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("rate limit `strategy a orders/min` exhausted"),
            "{err}"
        );
        guard.admit(now, Some("b")).unwrap();
        let err = guard.admit(now, Some("b")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("rate limit `venue orders/min` exhausted"),
            "{err}"
        );

        let mut guard = VenueGuard::new(GuardConfig::default());
        for _ in 0..5 {
            guard.record::<()>(now, &Err(VenueError::Timeout));
        }
        let err = guard.admit(now, None).unwrap_err();
        assert!(
            matches!(err, GatewayError::BreakerOpen { retry_in } if retry_in == Duration::from_secs(10))
        );
        guard.record::<()>(now, &Err(VenueError::RateLimited { retry_after: None }));
        guard.admit(Duration::from_secs(10), None).unwrap();
        guard.record::<()>(
            Duration::from_secs(10),
            &Err(VenueError::Rejected { reason: "x".into() }),
        );
        assert_eq!(
            guard.breaker_state(),
            BreakerState::Closed,
            "a reject proves the venue is answering"
        );
    }
}
