//! The vectorised backtest: open/close and entry/exit numpy arrays simulated in one call, GIL released;
//! exact amounts come back as decimal text, the curve as float64 arrays.

use exec_gateway::error::MoneyError;
use exec_gateway::fees::FeeModel;
use exec_gateway::money::{Money, Price, Quantity};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use vector_sim::exact::Wide;
use vector_sim::{Outcome, Settings, Signals, Sizing};

type Array<'py> = Bound<'py, PyArray1<f64>>;
/// (entry index, exit index, long, qty, entry price, exit price, gross P&L, fees): one round trip as text.
type TradeRow = (usize, usize, bool, String, String, String, String, String);

/// A contiguous array's data, or a `ValueError` naming the argument.
fn slice<'a, T: numpy::Element>(
    name: &str,
    array: &'a PyReadonlyArray1<'_, T>,
) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("`{name}` must be a contiguous 1-D array")))
}

fn decimal<T: std::str::FromStr<Err = MoneyError>>(name: &str, text: &str) -> PyResult<T> {
    text.parse()
        .map_err(|e| PyValueError::new_err(format!("setting `{name}`: {e}")))
}

/// An 18-decimal amount as exact decimal text (`-12.5`, `0.000000000000000001`).
fn wide_text(raw: Wide) -> String {
    let sign = if raw < 0 { "-" } else { "" };
    let magnitude = raw.unsigned_abs();
    let one = vector_sim::exact::ONE_E18.unsigned_abs();
    let (whole, fraction) = (magnitude / one, magnitude % one);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:018}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// The exact books of a vectorised run (amounts as decimal text; 18-decimal amounts where noted).
#[pyclass(name = "SignalBooks", module = "trader._core", frozen)]
#[derive(Debug)]
pub struct SignalBooks {
    outcome: Outcome,
}

#[pymethods]
impl SignalBooks {
    /// Every fill: (bar index, side, qty, price, fee).
    fn fills(&self) -> Vec<(usize, &'static str, String, String, String)> {
        self.outcome
            .fills
            .iter()
            .map(|f| {
                (
                    f.index,
                    f.side.as_str(),
                    f.quantity.to_string(),
                    f.price.to_string(),
                    f.fee.to_string(),
                )
            })
            .collect()
    }

    /// Closed round trips: (entry index, exit index, long, qty, entry price, exit price, gross P&L, fees).
    fn trades(&self) -> Vec<TradeRow> {
        self.outcome
            .trades
            .iter()
            .map(|t| {
                (
                    t.entry_index,
                    t.exit_index,
                    t.long,
                    t.quantity.to_string(),
                    t.entry_price.to_string(),
                    t.exit_price.to_string(),
                    wide_text(t.gross_pnl),
                    wide_text(t.fees),
                )
            })
            .collect()
    }

    /// The position held at the end: (entry index, long, qty, entry price, unpaid entry fee), or None.
    fn open_lot(&self) -> Option<(usize, bool, String, String, String)> {
        self.outcome.open_lot.map(|l| {
            (
                l.entry_index,
                l.long,
                l.quantity.to_string(),
                l.entry_price.to_string(),
                wide_text(l.fee),
            )
        })
    }

    /// Number of closed round trips.
    #[getter]
    fn trade_count(&self) -> usize {
        self.outcome.trades.len()
    }

    /// Cash at the end (decimal text).
    #[getter]
    fn cash(&self) -> String {
        wide_text(self.outcome.cash)
    }

    /// Signed units held at the end (decimal text).
    #[getter]
    fn position(&self) -> String {
        self.outcome.position.to_string()
    }

    /// All fees paid (decimal text).
    #[getter]
    fn fees(&self) -> String {
        wide_text(self.outcome.fees)
    }

    /// Cash plus the position at the last close (decimal text).
    #[getter]
    fn final_equity(&self) -> String {
        wide_text(self.outcome.final_equity)
    }
}

/// Simulates entry/exit signals (decided at each close, filled at the next open) over one symbol's bars.
///
/// Returns (equity, net exposure) per bar and the exact books. `qty` or `fraction` sizes an entry; `fees`
/// is the gateway's fee-model JSON. Errors are `ValueError`s naming the bar, field and value.
#[pyfunction]
#[pyo3(signature = (open, close, entries, exits, *, starting_cash, qty=None, fraction=None, long_only=true, slippage_bps=0, fees="{\"model\": \"zero\"}"))]
#[allow(clippy::too_many_arguments)] // one keyword argument per setting, as Python callers pass them
pub fn simulate_signals<'py>(
    py: Python<'py>,
    open: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    entries: PyReadonlyArray1<'py, bool>,
    exits: PyReadonlyArray1<'py, bool>,
    starting_cash: &str,
    qty: Option<&str>,
    fraction: Option<&str>,
    long_only: bool,
    slippage_bps: u32,
    fees: &str,
) -> PyResult<(Array<'py>, Array<'py>, SignalBooks)> {
    let sizing = match (qty, fraction) {
        (Some(qty), None) => Sizing::Fixed(decimal::<Quantity>("qty", qty)?),
        (None, Some(fraction)) => Sizing::Fraction(decimal::<Price>("fraction", fraction)?),
        _ => {
            return Err(PyValueError::new_err(
                "give exactly one of `qty` and `fraction`",
            ));
        }
    };
    let fees: FeeModel = serde_json::from_str(fees)
        .map_err(|e| PyValueError::new_err(format!("setting `fees` = {fees}: {e}")))?;
    let settings = Settings {
        starting_cash: decimal::<Money>("starting_cash", starting_cash)?,
        sizing,
        long_only,
        slippage_bps,
        fees,
    };
    let signals = Signals {
        open: slice("open", &open)?,
        close: slice("close", &close)?,
        entries: slice("entries", &entries)?,
        exits: slice("exits", &exits)?,
    };
    let n = signals.open.len();
    // SAFETY: f64 has no invalid bit patterns, and `simulate` writes every element before returning Ok; on
    // Err the arrays are dropped without Python seeing them.
    let (equity, net) = unsafe { (PyArray1::new(py, n, false), PyArray1::new(py, n, false)) };
    let outcome = {
        let (mut e, mut x) = (equity.readwrite(), net.readwrite());
        let (e, x) = (
            e.as_slice_mut().expect("a fresh array is contiguous"),
            x.as_slice_mut().expect("a fresh array is contiguous"),
        );
        py.detach(|| vector_sim::simulate(signals, &settings, e, x))
            .map_err(|e| match e {
                // Beyond the exact fixed-point range: Python maps it to `VectorRangeError` (the event engine,
                // with unbounded Decimals, can still run it), distinct from bad input.
                vector_sim::VectorSimError::Money {
                    source: MoneyError::Overflow { .. },
                    ..
                } => PyOverflowError::new_err(e.to_string()),
                other => PyValueError::new_err(other.to_string()),
            })?
    };
    Ok((equity, net, SignalBooks { outcome }))
}
