//! Slow stochastic, TA-Lib `STOCH(fastk, slowk, SMA, slowd, SMA)`: fast %K = 100 * (close - lowest low) /
//! (highest high - lowest low) over `fastk` bars (0 when the range is 0), slow %K = SMA(fast %K, slowk),
//! %D = SMA(slow %K, slowd); warm-up `fastk - 1 + slowk - 1 + slowd - 1` for both outputs.

use std::fmt;

use crate::average::Sma;
use crate::error::{check_inputs, check_min};
use crate::window::MonotonicDeque;
use crate::{IndicatorError, for_each_run};

/// One stochastic output bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochOutput {
    /// Slow %K.
    pub k: f64,
    /// %D, the SMA of slow %K.
    pub d: f64,
}

const NAN2: StochOutput = StochOutput {
    k: f64::NAN,
    d: f64::NAN,
};

/// Streaming slow stochastic; rolling high/low by monotonic deques (O(1) amortised).
#[derive(Debug, Clone)]
pub struct Stoch {
    fastk: usize,
    slowk: usize,
    slowd: usize,
    highest: MonotonicDeque,
    lowest: MonotonicDeque,
    count: usize,
    slow_k: Sma,
    slow_d: Sma,
    value: StochOutput,
}

impl Stoch {
    /// A new stochastic; every period `>= 1`.
    pub fn new(fastk: i64, slowk: i64, slowd: i64) -> Result<Self, IndicatorError> {
        let fast = check_min("STOCH", "fastk", fastk, 1)?;
        Ok(Self {
            fastk: fast,
            slowk: check_min("STOCH", "slowk", slowk, 1)?,
            slowd: check_min("STOCH", "slowd", slowd, 1)?,
            highest: MonotonicDeque::new(fast, true),
            lowest: MonotonicDeque::new(fast, false),
            count: 0,
            slow_k: Sma::new(slowk)?,
            slow_d: Sma::new(slowd)?,
            value: NAN2,
        })
    }

    /// Feeds one bar and returns (slow %K, %D), NaN during warm-up and on a NaN input (which restarts).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> StochOutput {
        if high.is_nan() || low.is_nan() || close.is_nan() {
            self.reset();
            return NAN2;
        }
        let hh = self.highest.push(high);
        let ll = self.lowest.push(low);
        if self.count + 1 < self.fastk {
            self.count += 1;
            return self.value;
        }
        self.smooth(close, hh, ll)
    }

    /// From the bar's close and the window's highest high and lowest low to (slow %K, %D).
    #[inline(always)]
    fn smooth(&mut self, close: f64, hh: f64, ll: f64) -> StochOutput {
        let k = self.slow_k.update(fast_k(close, hh, ll));
        if k.is_nan() {
            return self.value;
        }
        let d = self.slow_d.update(k);
        if !d.is_nan() {
            // The running sums of the SMAs can drift an ulp past the bounds on a pinned window; clamp.
            self.value = StochOutput {
                k: k.clamp(0.0, 100.0),
                d: d.clamp(0.0, 100.0),
            };
        }
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> StochOutput {
        self.value
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        !self.value.k.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.highest.clear();
        self.lowest.clear();
        self.count = 0;
        self.slow_k.reset();
        self.slow_d.reset();
        self.value = NAN2;
    }
}

/// Fast %K in TA-Lib's form: (close - ll) / ((hh - ll) / 100), 0 for a flat window.
#[inline(always)]
fn fast_k(close: f64, hh: f64, ll: f64) -> f64 {
    let range = (hh - ll) / 100.0;
    if range != 0.0 {
        (close - ll) / range
    } else {
        0.0
    }
}

/// Rolling max and min of `high` and `low` over `period` bars by van Herk / Gil-Werman: per block of
/// `period` bars, a running prefix extreme and the suffix extremes of the previous block; branch-free and
/// O(1) per bar. Calls `f(i, hh, ll)` for every `i >= period - 1`.
fn rolling_extremes(high: &[f64], low: &[f64], period: usize, mut f: impl FnMut(usize, f64, f64)) {
    let n = high.len();
    // suffix[j] = extreme of the previous block from offset j on; the sentinel at `period` is neutral.
    let mut suf_hi = vec![f64::NEG_INFINITY; period + 1];
    let mut suf_lo = vec![f64::INFINITY; period + 1];
    let mut base = 0;
    while base < n {
        let end = (base + period).min(n);
        let (mut pre_hi, mut pre_lo) = (f64::NEG_INFINITY, f64::INFINITY);
        for i in base..end {
            let t = i - base;
            pre_hi = if high[i] > pre_hi { high[i] } else { pre_hi };
            pre_lo = if low[i] < pre_lo { low[i] } else { pre_lo };
            if i + 1 >= period {
                let (s_hi, s_lo) = (suf_hi[t + 1], suf_lo[t + 1]);
                f(
                    i,
                    if s_hi > pre_hi { s_hi } else { pre_hi },
                    if s_lo < pre_lo { s_lo } else { pre_lo },
                );
            }
        }
        if end - base == period {
            for j in (0..period).rev() {
                let (h, l) = (high[base + j], low[base + j]);
                suf_hi[j] = if h > suf_hi[j + 1] { h } else { suf_hi[j + 1] };
                suf_lo[j] = if l < suf_lo[j + 1] { l } else { suf_lo[j + 1] };
            }
        }
        base = end;
    }
}

impl fmt::Display for Stoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "STOCH({},{},{})", self.fastk, self.slowk, self.slowd)
    }
}

#[allow(clippy::too_many_arguments)] // three inputs, three periods, two outputs
/// Batch slow stochastic into `out_k` and `out_d` (each of the inputs' length).
pub fn stoch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk: i64,
    slowk: i64,
    slowd: i64,
    out_k: &mut [f64],
    out_d: &mut [f64],
) -> Result<(), IndicatorError> {
    let s = Stoch::new(fastk, slowk, slowd)?;
    check_inputs(
        "STOCH",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("out_k", out_k.len()),
            ("out_d", out_d.len()),
        ],
    )?;
    for_each_run(&[high, low, close], |run, gap| {
        let mut st = s.clone();
        let (h, l) = (&high[run.clone()], &low[run.clone()]);
        let warm = st.fastk - 1;
        out_k[run.start..run.start + warm.min(run.len())].fill(f64::NAN);
        out_d[run.start..run.start + warm.min(run.len())].fill(f64::NAN);
        // The same smoothing as `update`; the window extremes come from the slices (exact, so identical).
        rolling_extremes(h, l, st.fastk, |i, hh, ll| {
            let o = st.smooth(close[run.start + i], hh, ll);
            out_k[run.start + i] = o.k;
            out_d[run.start + i] = o.d;
        });
        if gap {
            out_k[run.end] = f64::NAN;
            out_d[run.end] = f64::NAN;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_at_high_is_100_and_flat_is_0() {
        let mut s = Stoch::new(2, 1, 1).unwrap();
        assert!(s.update(2.0, 1.0, 1.5).k.is_nan());
        assert_eq!(s.update(3.0, 2.0, 3.0), StochOutput { k: 100.0, d: 100.0 });
        let mut flat = Stoch::new(2, 1, 1).unwrap();
        flat.update(1.0, 1.0, 1.0);
        assert_eq!(flat.update(1.0, 1.0, 1.0).k, 0.0);
    }
}
