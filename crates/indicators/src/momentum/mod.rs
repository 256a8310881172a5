//! Momentum oscillators: RSI, MACD, Stochastic, CCI, ADX/DMI and rate of change.

mod adx;
mod cci;
mod macd;
mod roc;
mod rsi;
mod stoch;

pub use adx::{Adx, AdxOutput, adx};
pub use cci::{Cci, cci};
pub use macd::{Macd, MacdOutput, macd};
pub use roc::{Roc, roc};
pub use rsi::{Rsi, rsi};
pub use stoch::{Stoch, StochOutput, stoch};
