//! Streaming indicator classes: one bar per `update` call, O(1) amortised, same numbers as the batch functions.

use pyo3::prelude::*;

use crate::error::indicator_error;

/// Defines a `#[pyclass]` wrapping a streaming indicator struct with `update`, `value`, `ready`, `reset`
/// and a `repr` of `Name(params)`. Multi-output indicators return their main line from `update` (a float is
/// cheaper to hand back than a tuple) and expose every output as a property.
macro_rules! streaming_class {
    (
        $(#[$doc:meta])*
        $class:ident($pyname:literal) wraps $inner:ty;
        new($($arg:ident: $argty:ty $(= $default:literal)?),*) => $ctor:expr;
        update($($input:ident),+) -> $out:ty => |$o:ident| $conv:expr;
        $(outputs { $($getter:ident => |$g:ident| $gexpr:expr;)+ })?
    ) => {
        $(#[$doc])*
        #[pyclass(name = $pyname, module = "trader._core")]
        #[derive(Debug)]
        pub struct $class {
            inner: $inner,
        }

        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = ($($arg $(= $default)?),*))]
            fn new(py: Python<'_>, $($arg: $argty),*) -> PyResult<Self> {
                let inner = $ctor.map_err(|e| indicator_error(py, &e))?;
                Ok(Self { inner })
            }

            /// Feeds one bar and returns the new output (NaN during warm-up).
            fn update(&mut self, $($input: f64),+) -> $out {
                let $o = self.inner.update($($input),+);
                $conv
            }

            /// The last output (NaN until ready).
            #[getter]
            fn value(&self) -> $out {
                let $o = self.inner.value();
                $conv
            }

            /// True once the warm-up is over.
            #[getter]
            fn ready(&self) -> bool {
                self.inner.ready()
            }

            $($(
                /// One output of the last bar (NaN until ready).
                #[getter]
                fn $getter(&self) -> f64 {
                    let $g = self.inner.value();
                    $gexpr
                }
            )+)?

            /// Forgets all input, as if newly constructed.
            fn reset(&mut self) {
                self.inner.reset();
            }

            fn __repr__(&self) -> String {
                self.inner.to_string()
            }
        }
    };
}

streaming_class! {
    /// Streaming simple moving average.
    Sma("SMA") wraps indicators::Sma;
    new(period: i64 = 30) => indicators::Sma::new(period);
    update(value) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming exponential moving average.
    Ema("EMA") wraps indicators::Ema;
    new(period: i64 = 30) => indicators::Ema::new(period);
    update(value) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming weighted moving average.
    Wma("WMA") wraps indicators::Wma;
    new(period: i64 = 30) => indicators::Wma::new(period);
    update(value) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming relative strength index.
    Rsi("RSI") wraps indicators::Rsi;
    new(period: i64 = 14) => indicators::Rsi::new(period);
    update(value) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming rate of change in percent.
    Roc("ROC") wraps indicators::Roc;
    new(period: i64 = 10) => indicators::Roc::new(period);
    update(value) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming rolling standard deviation times `nbdev`.
    StdDev("STDDEV") wraps indicators::StdDev;
    new(period: i64 = 5, nbdev: f64 = 1.0) => indicators::StdDev::new(period, nbdev);
    update(value) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming MACD: `update` returns the MACD line; `signal` and `hist` are properties.
    Macd("MACD") wraps indicators::Macd;
    new(fast: i64 = 12, slow: i64 = 26, signal: i64 = 9) => indicators::Macd::new(fast, slow, signal);
    update(value) -> f64 => |o| o.macd;
    outputs { macd => |o| o.macd; signal => |o| o.signal; hist => |o| o.hist; }
}

streaming_class! {
    /// Streaming Bollinger Bands: `update` returns the middle band; `upper` and `lower` are properties.
    BBands("BBANDS") wraps indicators::BBands;
    new(period: i64 = 20, nbdev_up: f64 = 2.0, nbdev_dn: f64 = 2.0) => indicators::BBands::new(period, nbdev_up, nbdev_dn);
    update(value) -> f64 => |o| o.middle;
    outputs { upper => |o| o.upper; middle => |o| o.middle; lower => |o| o.lower; }
}

streaming_class! {
    /// Streaming true range.
    TRange("TRANGE") wraps indicators::TRange;
    new() => Ok::<_, indicators::IndicatorError>(indicators::TRange::new());
    update(high, low, close) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming average true range.
    Atr("ATR") wraps indicators::Atr;
    new(period: i64 = 14) => indicators::Atr::new(period);
    update(high, low, close) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming commodity channel index (O(period) per update).
    Cci("CCI") wraps indicators::Cci;
    new(period: i64 = 14) => indicators::Cci::new(period);
    update(high, low, close) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming slow stochastic: `update` returns slow %K; `d` is a property.
    Stoch("STOCH") wraps indicators::Stoch;
    new(fastk: i64 = 14, slowk: i64 = 3, slowd: i64 = 3) => indicators::Stoch::new(fastk, slowk, slowd);
    update(high, low, close) -> f64 => |o| o.k;
    outputs { k => |o| o.k; d => |o| o.d; }
}

streaming_class! {
    /// Streaming ADX: `update` returns the ADX; `plus_di` and `minus_di` are properties.
    Adx("ADX") wraps indicators::Adx;
    new(period: i64 = 14) => indicators::Adx::new(period);
    update(high, low, close) -> f64 => |o| o.adx;
    outputs { adx => |o| o.adx; plus_di => |o| o.plus_di; minus_di => |o| o.minus_di; }
}

streaming_class! {
    /// Streaming money flow index.
    Mfi("MFI") wraps indicators::Mfi;
    new(period: i64 = 14) => indicators::Mfi::new(period);
    update(high, low, close, volume) -> f64 => |o| o;
}

streaming_class! {
    /// Streaming on-balance volume.
    Obv("OBV") wraps indicators::Obv;
    new() => Ok::<_, indicators::IndicatorError>(indicators::Obv::new());
    update(close, volume) -> f64 => |o| o;
}

/// Streaming session-anchored VWAP; bars are stamped in ns since the Unix epoch.
#[pyclass(name = "VWAP", module = "trader._core")]
#[derive(Debug)]
pub struct Vwap {
    inner: indicators::Vwap,
}

#[pymethods]
impl Vwap {
    #[new]
    #[pyo3(signature = (session_offset_ns = 0, session_length_ns = 86_400_000_000_000))]
    fn new(py: Python<'_>, session_offset_ns: i64, session_length_ns: i64) -> PyResult<Self> {
        let inner = indicators::Vwap::new(session_offset_ns, session_length_ns)
            .map_err(|e| indicator_error(py, &e))?;
        Ok(Self { inner })
    }

    /// Feeds one bar and returns the session VWAP.
    fn update(&mut self, high: f64, low: f64, close: f64, volume: f64, timestamp_ns: i64) -> f64 {
        self.inner.update(high, low, close, volume, timestamp_ns)
    }

    /// The last output (NaN until ready).
    #[getter]
    fn value(&self) -> f64 {
        self.inner.value()
    }

    /// True once the current session has traded volume.
    #[getter]
    fn ready(&self) -> bool {
        self.inner.ready()
    }

    /// Forgets all input, as if newly constructed.
    fn reset(&mut self) {
        self.inner.reset();
    }

    fn __repr__(&self) -> String {
        self.inner.to_string()
    }
}

/// Streaming volume profile over the last `window` bars: O(1) per update while the window's price range holds,
/// O(window + bins) when it moves; the value area is worked out when read (O(bins)).
#[pyclass(name = "VolumeProfile", module = "trader._core")]
#[derive(Debug)]
pub struct VolumeProfile {
    inner: indicators::VolumeProfile,
}

#[pymethods]
impl VolumeProfile {
    #[new]
    #[pyo3(signature = (window, bins = 24))]
    fn new(py: Python<'_>, window: i64, bins: i64) -> PyResult<Self> {
        let inner =
            indicators::VolumeProfile::new(window, bins).map_err(|e| indicator_error(py, &e))?;
        Ok(Self { inner })
    }

    /// Feeds one bar and returns the point of control of the window (NaN until it is full).
    fn update(&mut self, price: f64, volume: f64) -> f64 {
        self.inner.update(price, volume)
    }

    /// The point of control of the last window.
    #[getter]
    fn value(&self) -> f64 {
        self.inner.poc()
    }

    /// The point of control of the last window.
    #[getter]
    fn poc(&self) -> f64 {
        self.inner.poc()
    }

    /// The lower edge of the 70% value area.
    #[getter]
    fn value_area_low(&self) -> f64 {
        self.inner.value().value_area_low
    }

    /// The upper edge of the 70% value area.
    #[getter]
    fn value_area_high(&self) -> f64 {
        self.inner.value().value_area_high
    }

    /// Volume per bucket of the last window, lowest bucket first.
    #[getter]
    fn bin_volume(&self) -> Vec<f64> {
        self.inner.bin_volume().to_vec()
    }

    /// True once the window is full.
    #[getter]
    fn ready(&self) -> bool {
        self.inner.ready()
    }

    /// Forgets all input, as if newly constructed.
    fn reset(&mut self) {
        self.inner.reset();
    }

    fn __repr__(&self) -> String {
        self.inner.to_string()
    }
}
