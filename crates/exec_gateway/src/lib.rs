//! The order gateway: exactly-once order intent, a crash-safe journal, venues, retries and a circuit breaker.
//!
//! Every state change goes through [`gateway::Gateway`]: an intent is validated ([`order`], [`instrument`]),
//! checked against hard limits ([`limits`]) and the venue guard ([`guard`]: [`breaker`], [`rate_limit`]), written
//! to the [`journal`] (compact binary [`record`]s) and synced, and only then sent to a [`venue::Venue`] (the
//! simulator in [`sim`], matching bars with [`matching`] and charging [`fees`]). Venue answers and events move orders through the state machine in
//! [`order`]; [`recovery`] replays the journal at start and asks the venue about anything in flight before it
//! resends. Money is exact fixed-point ([`money`]); time comes from an injectable [`clock`].

pub mod breaker;
pub mod clock;
pub mod error;
pub mod fees;
pub mod gateway;
mod gateway_access;
mod gateway_events;
pub mod guard;
pub mod ids;
pub mod instrument;
pub mod journal;
pub mod limits;
pub mod matching;
pub mod money;
pub mod order;
pub mod rate_limit;
pub mod record;
pub mod recovery;
pub mod retry;
pub mod sim;
pub mod venue;

#[cfg(test)]
mod proptests;
