//! Volatility: true range, ATR, rolling standard deviation and Bollinger Bands.

mod atr;
mod bbands;
mod stddev;

pub use atr::{Atr, TRange, atr, trange};
pub use bbands::{BBands, BBandsOutput, bbands};
pub use stddev::{StdDev, stddev};
