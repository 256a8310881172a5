//! The order gateway: exactly-once order intent, a crash-safe journal, venues, retries and a circuit breaker.
