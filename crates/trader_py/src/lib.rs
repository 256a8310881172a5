//! `trader._core`: the Python face of the Rust crates; every PyO3 item of the project lives here.

mod error;
mod gateway;
mod gateway_args;
mod gateway_error;
mod gateway_types;
mod indicators;
mod streaming;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _core {
    /// Version of the Rust core, equal to the Python package version.
    // Python expects the dunder name, which Rust style would upper-case.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    #[pymodule_export]
    use crate::gateway::SimGateway;
    #[pymodule_export]
    use crate::gateway_types::{GatewayEvent, GatewayFill, GatewayOrder};
    #[pymodule_export]
    use crate::indicators::{
        adx, atr, bbands, cci, ema, macd, mfi, obv, roc, rsi, sma, stddev, stoch, trange,
        volume_profile, vwap, wma,
    };
    #[pymodule_export]
    use crate::streaming::{
        Adx, Atr, BBands, Cci, Ema, Macd, Mfi, Obv, Roc, Rsi, Sma, StdDev, Stoch, TRange,
        VolumeProfile, Vwap, Wma,
    };
}
