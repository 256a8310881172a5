//! Batch indicator functions over numpy float64 arrays: zero-copy inputs, one allocation per output, and the
//! GIL released while the kernel runs.

use indicators::IndicatorError;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::error::{indicator_error, invalid_input};

type Array<'py> = Bound<'py, PyArray1<f64>>;
type Input<'py> = PyReadonlyArray1<'py, f64>;

/// The contiguous data of an input array, or an error naming the argument.
fn data<'a>(py: Python<'_>, name: &'static str, array: &'a Input<'_>) -> PyResult<&'a [f64]> {
    array.as_slice().map_err(|_| {
        invalid_input(
            py,
            format!("input `{name}` must be a contiguous 1-D float64 array"),
            name,
        )
    })
}

/// Runs `kernel` over fresh outputs of length `n` with the GIL released.
fn run<'py, const K: usize>(
    py: Python<'py>,
    n: usize,
    kernel: impl FnOnce(&mut [&mut [f64]; K]) -> Result<(), IndicatorError> + Send,
) -> PyResult<[Array<'py>; K]> {
    // SAFETY: f64 has no invalid bit patterns, and every kernel writes every element of its outputs before
    // returning Ok; on Err the arrays are dropped without Python ever seeing them. Skipping the zero fill
    // saves a pass over each output.
    let arrays: [Array<'py>; K] = std::array::from_fn(|_| unsafe { PyArray1::new(py, n, false) });
    {
        let mut guards: Vec<_> = arrays.iter().map(|a| a.readwrite()).collect();
        let mut slices = guards
            .iter_mut()
            .map(|g| g.as_slice_mut().expect("a fresh array is contiguous"));
        let mut outs: [&mut [f64]; K] = std::array::from_fn(|_| slices.next().expect("K guards"));
        py.detach(|| kernel(&mut outs))
            .map_err(|e| indicator_error(py, &e))?;
    }
    Ok(arrays)
}

/// Simple moving average (TA-Lib SMA).
#[pyfunction]
pub fn sma<'py>(py: Python<'py>, close: Input<'py>, period: i64) -> PyResult<Array<'py>> {
    let x = data(py, "close", &close)?;
    let [out] = run(py, x.len(), |[o]| indicators::sma(x, period, o))?;
    Ok(out)
}

/// Exponential moving average (TA-Lib EMA).
#[pyfunction]
pub fn ema<'py>(py: Python<'py>, close: Input<'py>, period: i64) -> PyResult<Array<'py>> {
    let x = data(py, "close", &close)?;
    let [out] = run(py, x.len(), |[o]| indicators::ema(x, period, o))?;
    Ok(out)
}

/// Weighted moving average (TA-Lib WMA).
#[pyfunction]
pub fn wma<'py>(py: Python<'py>, close: Input<'py>, period: i64) -> PyResult<Array<'py>> {
    let x = data(py, "close", &close)?;
    let [out] = run(py, x.len(), |[o]| indicators::wma(x, period, o))?;
    Ok(out)
}

/// Relative strength index (TA-Lib RSI).
#[pyfunction]
pub fn rsi<'py>(py: Python<'py>, close: Input<'py>, period: i64) -> PyResult<Array<'py>> {
    let x = data(py, "close", &close)?;
    let [out] = run(py, x.len(), |[o]| indicators::rsi(x, period, o))?;
    Ok(out)
}

/// Rate of change in percent (TA-Lib ROC).
#[pyfunction]
pub fn roc<'py>(py: Python<'py>, close: Input<'py>, period: i64) -> PyResult<Array<'py>> {
    let x = data(py, "close", &close)?;
    let [out] = run(py, x.len(), |[o]| indicators::roc(x, period, o))?;
    Ok(out)
}

/// Rolling population standard deviation times `nbdev` (TA-Lib STDDEV).
#[pyfunction]
pub fn stddev<'py>(
    py: Python<'py>,
    close: Input<'py>,
    period: i64,
    nbdev: f64,
) -> PyResult<Array<'py>> {
    let x = data(py, "close", &close)?;
    let [out] = run(py, x.len(), |[o]| indicators::stddev(x, period, nbdev, o))?;
    Ok(out)
}

/// MACD line, signal and histogram (TA-Lib MACD).
#[pyfunction]
pub fn macd<'py>(
    py: Python<'py>,
    close: Input<'py>,
    fast: i64,
    slow: i64,
    signal: i64,
) -> PyResult<(Array<'py>, Array<'py>, Array<'py>)> {
    let x = data(py, "close", &close)?;
    let [m, s, h] = run(py, x.len(), |[m, s, h]| {
        indicators::macd(x, fast, slow, signal, m, s, h)
    })?;
    Ok((m, s, h))
}

/// Bollinger Bands upper, middle, lower (TA-Lib BBANDS with SMA).
#[pyfunction]
pub fn bbands<'py>(
    py: Python<'py>,
    close: Input<'py>,
    period: i64,
    nbdev_up: f64,
    nbdev_dn: f64,
) -> PyResult<(Array<'py>, Array<'py>, Array<'py>)> {
    let x = data(py, "close", &close)?;
    let [u, m, l] = run(py, x.len(), |[u, m, l]| {
        indicators::bbands(x, period, nbdev_up, nbdev_dn, u, m, l)
    })?;
    Ok((u, m, l))
}

/// True range (TA-Lib TRANGE).
#[pyfunction]
pub fn trange<'py>(
    py: Python<'py>,
    high: Input<'py>,
    low: Input<'py>,
    close: Input<'py>,
) -> PyResult<Array<'py>> {
    let (h, l, c) = (
        data(py, "high", &high)?,
        data(py, "low", &low)?,
        data(py, "close", &close)?,
    );
    let [out] = run(py, h.len(), |[o]| indicators::trange(h, l, c, o))?;
    Ok(out)
}

/// Average true range (TA-Lib ATR).
#[pyfunction]
pub fn atr<'py>(
    py: Python<'py>,
    high: Input<'py>,
    low: Input<'py>,
    close: Input<'py>,
    period: i64,
) -> PyResult<Array<'py>> {
    let (h, l, c) = (
        data(py, "high", &high)?,
        data(py, "low", &low)?,
        data(py, "close", &close)?,
    );
    let [out] = run(py, h.len(), |[o]| indicators::atr(h, l, c, period, o))?;
    Ok(out)
}

/// Commodity channel index (TA-Lib CCI).
#[pyfunction]
pub fn cci<'py>(
    py: Python<'py>,
    high: Input<'py>,
    low: Input<'py>,
    close: Input<'py>,
    period: i64,
) -> PyResult<Array<'py>> {
    let (h, l, c) = (
        data(py, "high", &high)?,
        data(py, "low", &low)?,
        data(py, "close", &close)?,
    );
    let [out] = run(py, h.len(), |[o]| indicators::cci(h, l, c, period, o))?;
    Ok(out)
}

/// Slow stochastic %K and %D (TA-Lib STOCH with SMA smoothing).
#[pyfunction]
#[allow(clippy::too_many_arguments)] // mirrors TA-Lib's STOCH parameters
pub fn stoch<'py>(
    py: Python<'py>,
    high: Input<'py>,
    low: Input<'py>,
    close: Input<'py>,
    fastk: i64,
    slowk: i64,
    slowd: i64,
) -> PyResult<(Array<'py>, Array<'py>)> {
    let (h, l, c) = (
        data(py, "high", &high)?,
        data(py, "low", &low)?,
        data(py, "close", &close)?,
    );
    let [k, d] = run(py, h.len(), |[k, d]| {
        indicators::stoch(h, l, c, fastk, slowk, slowd, k, d)
    })?;
    Ok((k, d))
}

/// ADX, +DI and -DI (TA-Lib ADX, PLUS_DI, MINUS_DI).
#[pyfunction]
pub fn adx<'py>(
    py: Python<'py>,
    high: Input<'py>,
    low: Input<'py>,
    close: Input<'py>,
    period: i64,
) -> PyResult<(Array<'py>, Array<'py>, Array<'py>)> {
    let (h, l, c) = (
        data(py, "high", &high)?,
        data(py, "low", &low)?,
        data(py, "close", &close)?,
    );
    let [a, p, m] = run(py, h.len(), |[a, p, m]| {
        indicators::adx(h, l, c, period, a, p, m)
    })?;
    Ok((a, p, m))
}

/// Money flow index (TA-Lib MFI).
#[pyfunction]
pub fn mfi<'py>(
    py: Python<'py>,
    high: Input<'py>,
    low: Input<'py>,
    close: Input<'py>,
    volume: Input<'py>,
    period: i64,
) -> PyResult<Array<'py>> {
    let (h, l, c) = (
        data(py, "high", &high)?,
        data(py, "low", &low)?,
        data(py, "close", &close)?,
    );
    let v = data(py, "volume", &volume)?;
    let [out] = run(py, h.len(), |[o]| indicators::mfi(h, l, c, v, period, o))?;
    Ok(out)
}

/// On-balance volume (TA-Lib OBV).
#[pyfunction]
pub fn obv<'py>(py: Python<'py>, close: Input<'py>, volume: Input<'py>) -> PyResult<Array<'py>> {
    let (c, v) = (data(py, "close", &close)?, data(py, "volume", &volume)?);
    let [out] = run(py, c.len(), |[o]| indicators::obv(c, v, o))?;
    Ok(out)
}

/// Session-anchored VWAP over bars stamped in ns since the Unix epoch.
#[pyfunction]
#[allow(clippy::too_many_arguments)] // four price/volume inputs, timestamps, two session parameters
pub fn vwap<'py>(
    py: Python<'py>,
    high: Input<'py>,
    low: Input<'py>,
    close: Input<'py>,
    volume: Input<'py>,
    timestamps_ns: PyReadonlyArray1<'py, i64>,
    session_offset_ns: i64,
    session_length_ns: i64,
) -> PyResult<Array<'py>> {
    let (h, l, c) = (
        data(py, "high", &high)?,
        data(py, "low", &low)?,
        data(py, "close", &close)?,
    );
    let v = data(py, "volume", &volume)?;
    let t = timestamps_ns.as_slice().map_err(|_| {
        invalid_input(
            py,
            "input `timestamps` must be a contiguous 1-D int64 array".to_owned(),
            "timestamps",
        )
    })?;
    let [out] = run(py, h.len(), |[o]| {
        indicators::vwap(h, l, c, v, t, session_offset_ns, session_length_ns, o)
    })?;
    Ok(out)
}

/// Volume profile of the whole input: (volume per bucket, low, high, poc, value_area_low, value_area_high).
#[pyfunction]
pub fn volume_profile<'py>(
    py: Python<'py>,
    price: Input<'py>,
    volume: Input<'py>,
    bins: i64,
) -> PyResult<(Array<'py>, f64, f64, f64, f64, f64)> {
    let (p, v) = (data(py, "price", &price)?, data(py, "volume", &volume)?);
    let Ok(buckets @ 1..) = usize::try_from(bins) else {
        let err = IndicatorError::TooSmall {
            indicator: "VOLUME_PROFILE",
            name: "bins",
            value: bins,
            min: 1,
        };
        return Err(indicator_error(py, &err));
    };
    let mut summary = None;
    let [out] = run(py, buckets, |[o]| {
        summary = Some(indicators::volume_profile(p, v, o)?);
        Ok(())
    })?;
    let s = summary.expect("set by the kernel on success");
    Ok((
        out,
        s.low,
        s.high,
        s.poc,
        s.value_area_low,
        s.value_area_high,
    ))
}
