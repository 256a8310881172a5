//! `AlpacaVenue`: the gateway's [`exec_gateway::venue::Venue`] over Alpaca's Trading API v2 (blocking HTTPS).
//!
//! [`config`] holds the base URL and keys (the secret is never printed); [`http`] sends one request and maps
//! Alpaca's answers to [`exec_gateway::error::VenueError`] (422 duplicate id, 429 with Retry-After, 5xx and
//! timeouts retryable, other 4xx final); [`wire`] is Alpaca's JSON and its conversion to exact fixed-point
//! types ([`timestamp`] reads and writes its RFC 3339 times); [`venue`] is the venue itself. Order events are
//! pushed by the trade_updates websocket ([`stream`]) and checked by polling the orders this venue knows to be
//! open and the account's FILL activities, which alone supply executions (their ids are stable).

pub mod config;
pub mod http;
pub mod stream;
pub mod timestamp;
pub mod venue;
pub mod wire;

pub use config::{AlpacaConfig, Secret};
pub use venue::{AccountSnapshot, AlpacaVenue};

#[cfg(test)]
mod proptests;
