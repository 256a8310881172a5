//! `trader._core`: the Python face of the Rust crates; every PyO3 item of the project lives here.

mod bar_driver;
mod error;
mod gateway;
mod gateway_args;
mod gateway_batch;
mod gateway_error;
mod gateway_types;
mod indicators;
mod journal_line;
mod streaming;
mod vector_sim;

use pyo3::prelude::*;

/// mimalloc for every Rust allocation of the extension: the embedded gateway allocates a few small strings and
/// vectors per order, and glibc's malloc spent a third of a backtest's order flow allocating and freeing them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[pymodule(gil_used = false)]
mod _core {
    /// Version of the Rust core, equal to the Python package version.
    // Python expects the dunder name, which Rust style would upper-case.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    #[pymodule_export]
    use crate::bar_driver::drive_bars;
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
    use crate::journal_line::{journal_line, journal_record, utc_instant_text};
    #[pymodule_export]
    use crate::streaming::{
        Adx, Atr, BBands, Cci, Ema, Macd, Mfi, Obv, Roc, Rsi, Sma, StdDev, Stoch, TRange,
        VolumeProfile, Vwap, Wma,
    };
    #[pymodule_export]
    use crate::vector_sim::{SignalBooks, simulate_signals};
}
