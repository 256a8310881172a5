//! Vectorised backtests: entry/exit signal arrays of one symbol simulated in one pass, with the event engine's
//! rules (a signal at a close fills at the next open) and the gateway's exact slippage and fee arithmetic.
//!
//! [`simulate`] writes the float equity curve into the caller's buffer and returns the exact books
//! ([`Outcome`]): fills, FIFO round trips, cash and final equity at 18 decimals (see [`exact`]).

mod error;
pub mod exact;
mod settings;
mod simulate;

pub use error::VectorSimError;
pub use settings::{Settings, Sizing};
pub use simulate::{Fill, OpenLot, Outcome, Signals, Trade, simulate};

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests;
