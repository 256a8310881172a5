//! Volatility: true range, ATR, rolling standard deviation and Bollinger Bands.

mod atr;
mod bbands;
mod stddev;
#[cfg(test)]
mod stddev_proptests;
mod trange;

pub use atr::{Atr, atr};
pub use bbands::{BBands, BBandsOutput, bbands};
pub use stddev::{StdDev, stddev};
pub use trange::{TRange, trange};
