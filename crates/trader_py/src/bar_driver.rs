//! The single-symbol backtest loop in Rust: per bar, the venue's matching, the mark and the equity curve run
//! here, and Python is called for the strategy's decision and, only when the venue reports something, the books.
//!
//! It does what `trader.engine.backtest._loop_one` does, step for step and with the same float arithmetic, so both
//! give identical runs (a test holds them equal); the Python loop stays for runs with risk guards, which act
//! between the mark and the decision.

use exec_gateway::matching::Bar;
use exec_gateway::money::{Price, Quantity};
use exec_gateway::order::Symbol;
use numpy::PyReadonlyArray1;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use crate::gateway::SimGateway;
use crate::gateway_args::float_decimal;
use crate::gateway_error::invalid_input;

/// One symbol's bar columns, all of one length.
struct Columns<'a> {
    ts: &'a [i64],
    open: &'a [f64],
    high: &'a [f64],
    low: &'a [f64],
    close: &'a [f64],
    volume: &'a [f64],
}

/// Rows of the equity curve not yet in the ledger's `EquityCurve` columns (`array.array`s): appended here with
/// no Python call per bar, and moved into the columns in chunks, at the end, and whenever Python reads the curve
/// (the curve holds this as its `pending`, so a strategy reading its equity mid-run sees every row so far).
#[pyclass(module = "trader._core")]
#[derive(Debug)]
pub struct CurveRows {
    ts: Vec<i64>,
    equity: Vec<f64>,
    gross: Vec<f64>,
    net: Vec<f64>,
    /// The `frombytes` methods of the ts, equity, gross and net columns.
    columns: [Py<PyAny>; 4],
}

/// Rows held before they go into the columns anyway: bounds the memory held twice to a few MB.
const CURVE_CHUNK: usize = 1 << 16;

impl CurveRows {
    fn of(curve: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = curve.py();
        let columns = curve.call_method0(intern!(py, "columns"))?;
        let method = |i: usize| -> PyResult<Py<PyAny>> {
            Ok(columns
                .get_item(i)?
                .getattr(intern!(py, "frombytes"))?
                .unbind())
        };
        Ok(Self {
            ts: Vec::new(),
            equity: Vec::new(),
            gross: Vec::new(),
            net: Vec::new(),
            columns: [method(0)?, method(1)?, method(2)?, method(3)?],
        })
    }

    fn push(&mut self, ts: i64, equity: f64, gross: f64, net: f64) {
        self.ts.push(ts);
        self.equity.push(equity);
        self.gross.push(gross);
        self.net.push(net);
    }
}

#[pymethods]
impl CurveRows {
    /// Appends the rows held to the curve's columns (native-endian, as `array.frombytes` reads them).
    fn drain(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.ts.is_empty() {
            return Ok(());
        }
        let ts: Vec<u8> = self.ts.iter().flat_map(|v| v.to_ne_bytes()).collect();
        self.columns[0].call1(py, (PyBytes::new(py, &ts),))?;
        for (column, values) in self.columns[1..]
            .iter()
            .zip([&self.equity, &self.gross, &self.net])
        {
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
            column.call1(py, (PyBytes::new(py, &bytes),))?;
        }
        self.ts.clear();
        self.equity.clear();
        self.gross.clear();
        self.net.clear();
        Ok(())
    }
}

/// Runs `hooks.decide` over every bar of one symbol with the embedded `gateway` matching first.
///
/// Per bar, in the engine's order: `broker.now_ts = ts`; the venue matches the bar (a bar it cannot hold
/// exactly goes to `hooks.invalid_bar(index, message)`, which raises); its events, if any, go to
/// `hooks.book(events)`, which returns the ledger's `(cash, held)` as floats after booking; from `trade_from`
/// on, the bar is marked (`hooks.marks[symbol] = close` while a position is held; a close that is not positive
/// and finite or a stamp not after the last marked one goes to `hooks.bad_mark(ts, close, last)`, which raises) and a curve row recorded; `hooks.seen[symbol]`
/// becomes the index; `hooks.decide(hooks.bar_type(symbol, ts, o, h, l, c, v, index))`; every
/// `progress_every` bars `hooks.progress(done, total)` when it is not None. Curve rows go to `hooks.curve`
/// (an `EquityCurve`) through `CurveRows`, its `pending` while the loop runs; `last_marked` is its last stamp.
#[pyfunction]
#[pyo3(signature = (gateway, symbol, ts, open, high, low, close, volume, *, trade_from, cash, held, last_marked, hooks, progress_every))]
#[allow(clippy::too_many_arguments)]
pub fn drive_bars<'py>(
    py: Python<'py>,
    gateway: &Bound<'py, SimGateway>,
    symbol: &Bound<'py, PyString>,
    ts: PyReadonlyArray1<'py, i64>,
    open: PyReadonlyArray1<'py, f64>,
    high: PyReadonlyArray1<'py, f64>,
    low: PyReadonlyArray1<'py, f64>,
    close: PyReadonlyArray1<'py, f64>,
    volume: PyReadonlyArray1<'py, f64>,
    trade_from: i64,
    cash: f64,
    held: f64,
    last_marked: Option<i64>,
    hooks: &Bound<'py, PyAny>,
    progress_every: usize,
) -> PyResult<()> {
    let columns = Columns {
        ts: ts.as_slice()?,
        open: open.as_slice()?,
        high: high.as_slice()?,
        low: low.as_slice()?,
        close: close.as_slice()?,
        volume: volume.as_slice()?,
    };
    let n = columns.ts.len();
    let lengths = [
        &columns.open,
        &columns.high,
        &columns.low,
        &columns.close,
        &columns.volume,
    ];
    if lengths.iter().any(|column| column.len() != n) {
        return Err(invalid_input(
            py,
            format!("drive_bars: the columns of {symbol} differ in length"),
        ));
    }
    let state = (trade_from, cash, held, last_marked);
    let curve = hooks.getattr(intern!(py, "curve"))?;
    let rows = Bound::new(py, CurveRows::of(&curve)?)?;
    curve.setattr(intern!(py, "pending"), &rows)?;
    let ran = run(
        py,
        gateway,
        symbol,
        &columns,
        state,
        hooks,
        &rows,
        progress_every,
    );
    // Whatever happened, every row marked goes into the columns and the curve stands alone again.
    let drained = rows.borrow_mut().drain(py);
    curve.setattr(intern!(py, "pending"), py.None())?;
    ran.and(drained)
}

#[allow(clippy::too_many_arguments)] // the loop's inputs, each used once per bar
fn run<'py>(
    py: Python<'py>,
    gateway: &Bound<'py, SimGateway>,
    symbol: &Bound<'py, PyString>,
    bars: &Columns<'_>,
    (trade_from, mut cash, mut held, mut last_marked): (i64, f64, f64, Option<i64>),
    hooks: &Bound<'py, PyAny>,
    rows: &Bound<'py, CurveRows>,
    progress_every: usize,
) -> PyResult<()> {
    let venue_symbol =
        Symbol::new(symbol.to_str()?).map_err(|e| invalid_input(py, e.to_string()))?;
    let broker = hooks.getattr(intern!(py, "broker"))?;
    let seen = hooks.getattr(intern!(py, "seen"))?.cast_into::<PyDict>()?;
    let marks = hooks.getattr(intern!(py, "marks"))?.cast_into::<PyDict>()?;
    let book = hooks.getattr(intern!(py, "book"))?;
    let decide = hooks.getattr(intern!(py, "decide"))?;
    let bar_type = hooks.getattr(intern!(py, "bar_type"))?;
    let progress = hooks.getattr(intern!(py, "progress"))?;
    let invalid_error = py
        .import("trader.execution.errors")?
        .getattr("InvalidOrderError")?;
    let now_ts = intern!(py, "now_ts");
    let n = bars.ts.len();
    for i in 0..n {
        let (ts, o, h, l, c, v) = (
            bars.ts[i],
            bars.open[i],
            bars.high[i],
            bars.low[i],
            bars.close[i],
            bars.volume[i],
        );
        // One Python int each for the stamp and the index: the broker, the seen table and the Bar share them.
        let stamp = ts.into_pyobject(py)?;
        broker.setattr(now_ts, &stamp)?;
        let matched = venue_bar(py, &venue_symbol, ts, [o, h, l, c], v)
            .and_then(|bar| gateway.borrow_mut().feed_bar(py, &bar));
        let events = match matched {
            Ok(events) => events,
            Err(err) if err.is_instance(py, &invalid_error) => {
                let message = err.value(py).str()?;
                hooks.call_method1(intern!(py, "invalid_bar"), (i, message))?;
                return Err(err); // invalid_bar raises; this is only reached if it did not
            }
            Err(err) => return Err(err),
        };
        if !events.is_empty() {
            (cash, held) = book.call1((events,))?.extract()?;
        }
        if ts >= trade_from {
            if last_marked.is_some_and(|last| ts <= last)
                || !(held == 0.0 || (c > 0.0 && c.is_finite()))
            {
                hooks.call_method1(intern!(py, "bad_mark"), (ts, c, last_marked))?;
                return Err(invalid_input(
                    py,
                    format!("bar {i} of {symbol} cannot be marked"),
                ));
            }
            // The ledger's arithmetic, operation for operation: net and gross start at 0.0 and add the one
            // position's value, equity is cash plus net (cash alone when flat).
            let (mut net, mut gross) = (0.0_f64, 0.0_f64);
            if held != 0.0 {
                marks.set_item(symbol, c)?;
                let value = held * c;
                net += value;
                gross += value.abs();
            }
            let mut held_rows = rows.borrow_mut();
            held_rows.push(ts, cash + net, gross, net);
            if held_rows.ts.len() >= CURVE_CHUNK {
                held_rows.drain(py)?;
            }
            drop(held_rows); // the strategy may read the curve below: it drains through this object
            last_marked = Some(ts);
        }
        let index = i.into_pyobject(py)?;
        seen.set_item(symbol, &index)?;
        let fields = (symbol, stamp, o, h, l, c, v, index);
        decide.call1((bar_type.call1(fields)?,))?;
        if progress_every != 0 && (i + 1) % progress_every == 0 && !progress.is_none() {
            progress.call1(PyTuple::new(py, [i + 1, n])?)?;
        }
    }
    Ok(())
}

/// The venue's bar: prices and volume read exactly, as `SimGateway.on_bar` reads float arguments.
fn venue_bar(
    py: Python<'_>,
    symbol: &Symbol,
    ts: i64,
    [o, h, l, c]: [f64; 4],
    v: f64,
) -> PyResult<Bar> {
    Ok(Bar {
        symbol: symbol.clone(),
        timestamp_ns: u64::try_from(ts)
            .map_err(|_| invalid_input(py, format!("field `ts` = {ts}: before 1970")))?,
        open: float_decimal::<Price>(py, o, "open")?,
        high: float_decimal::<Price>(py, h, "high")?,
        low: float_decimal::<Price>(py, l, "low")?,
        close: float_decimal::<Price>(py, c, "close")?,
        volume: float_decimal::<Quantity>(py, v, "volume")?,
    })
}
