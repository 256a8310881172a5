//! Technical indicator kernels: batch functions over slices and streaming structs with O(1) updates.
//!
//! Every indicator TA-Lib has follows TA-Lib's defaults (warm-up length, seeding, MA types). Each one comes as
//! a streaming struct (`new` validates, `update` takes one bar) and a batch function that writes into
//! caller-provided output slices of the input's length, NaN during the warm-up.
//!
//! NaN policy: a bar with a NaN in any input is a gap. Its outputs are NaN and the indicator restarts after
//! it, so outputs from the next bar on are exactly those of the series that starts there (warm-up included).

pub mod average;
mod batch;
mod error;
pub mod momentum;
pub mod volatility;
pub mod volume;
mod window;

#[cfg(test)]
mod proptests;

pub use average::{Ema, Sma, Wma, ema, sma, wma};
pub(crate) use batch::{PIECE, batch1, drive, for_each_piece, for_each_run, with_fma, with_simd};
pub use error::IndicatorError;
pub use momentum::{
    Adx, AdxOutput, Cci, Macd, MacdOutput, Roc, Rsi, Stoch, StochOutput, adx, cci, macd, roc, rsi,
    stoch,
};
pub use volatility::{Atr, BBands, BBandsOutput, StdDev, TRange, atr, bbands, stddev, trange};
pub use volume::{
    Mfi, Obv, Profile, VALUE_AREA_SHARE, VolumeProfile, Vwap, mfi, obv, volume_profile, vwap,
};

/// TA-Lib's `TA_EPSILON`: the relative width of its scale-aware "is zero" test (|a - b| <= 1e-14 (|a| + |b|)).
pub(crate) const ZERO_BAND: f64 = 1e-14;
