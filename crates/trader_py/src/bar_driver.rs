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
use pyo3::types::{PyDict, PyString, PyTuple};

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

/// The `append` methods of the ledger's curve columns (`array.array`s): a strategy may read the curve as it
/// runs, so each row goes in at its bar.
struct Curve<'py> {
    ts: Bound<'py, PyAny>,
    equity: Bound<'py, PyAny>,
    gross: Bound<'py, PyAny>,
    net: Bound<'py, PyAny>,
}

impl<'py> Curve<'py> {
    fn of(curve: &Bound<'py, PyAny>) -> PyResult<Self> {
        let py = curve.py();
        let append = |column: &str| curve.getattr(column)?.getattr(intern!(py, "append"));
        Ok(Self {
            ts: append("ts")?,
            equity: append("equity")?,
            gross: append("gross_exposure")?,
            net: append("net_exposure")?,
        })
    }

    fn push(&self, ts: i64, equity: f64, gross: f64, net: f64) -> PyResult<()> {
        self.ts.call1((ts,))?;
        self.equity.call1((equity,))?;
        self.gross.call1((gross,))?;
        self.net.call1((net,))?;
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
/// (an `EquityCurve`) as they are marked; `last_marked` is its last stamp, if any.
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
    run(py, gateway, symbol, &columns, state, hooks, progress_every)
}

fn run<'py>(
    py: Python<'py>,
    gateway: &Bound<'py, SimGateway>,
    symbol: &Bound<'py, PyString>,
    bars: &Columns<'_>,
    (trade_from, mut cash, mut held, mut last_marked): (i64, f64, f64, Option<i64>),
    hooks: &Bound<'py, PyAny>,
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
    let curve = Curve::of(&hooks.getattr(intern!(py, "curve"))?)?;
    for i in 0..n {
        let (ts, o, h, l, c, v) = (
            bars.ts[i],
            bars.open[i],
            bars.high[i],
            bars.low[i],
            bars.close[i],
            bars.volume[i],
        );
        broker.setattr(now_ts, ts)?;
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
            curve.push(ts, cash + net, gross, net)?;
            last_marked = Some(ts);
        }
        seen.set_item(symbol, i)?;
        let fields = (symbol, ts, o, h, l, c, v, i);
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
