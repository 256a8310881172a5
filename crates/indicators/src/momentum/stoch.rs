//! Slow stochastic, TA-Lib `STOCH(fastk, slowk, SMA, slowd, SMA)`: fast %K = 100 * (close - lowest low) /
//! (highest high - lowest low) over `fastk` bars (0 when the range is 0), slow %K = SMA(fast %K, slowk),
//! %D = SMA(slow %K, slowd); warm-up `fastk - 1 + slowk - 1 + slowd - 1` for both outputs.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::window::MonotonicDeque;
use crate::{IndicatorError, PIECE, for_each_run, with_simd};

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
    slow_k: Mean,
    slow_d: Mean,
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
            slow_k: Mean::new(check_min("STOCH", "slowk", slowk, 1)?),
            slow_d: Mean::new(check_min("STOCH", "slowd", slowd, 1)?),
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
        self.smooth_fast_k(fast_k(close, hh, ll))
    }

    /// From the bar's fast %K to (slow %K, %D).
    #[inline(always)]
    fn smooth_fast_k(&mut self, fast: f64) -> StochOutput {
        let k = self.slow_k.update(fast);
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

/// Fast %K: 100 (close - ll) / (hh - ll), 0 for a flat window. One division where TA-Lib has two
/// ((close - ll) / ((hh - ll) / 100)), the same value to an ulp or two: divisions bound this indicator's speed.
#[inline(always)]
fn fast_k(close: f64, hh: f64, ll: f64) -> f64 {
    let range = hh - ll;
    if range != 0.0 {
        (close - ll) * 100.0 / range
    } else {
        0.0
    }
}

/// The SMA that smooths %K and %D: [`crate::Sma`]'s running sum (`sum += x - oldest`), scaled by the
/// reciprocal of the period instead of divided by it (an ulp of difference, a division less per bar).
#[derive(Debug, Clone)]
struct Mean {
    ring: Vec<f64>,
    head: usize,
    len: usize,
    sum: f64,
    inv_period: f64,
}

impl Mean {
    fn new(period: usize) -> Self {
        Self {
            ring: vec![0.0; period],
            head: 0,
            len: 0,
            sum: 0.0,
            inv_period: 1.0 / period as f64,
        }
    }

    /// Takes a value; the mean of the last `period` once that many came, else NaN.
    #[inline(always)]
    fn update(&mut self, x: f64) -> f64 {
        let period = self.ring.len();
        let old = std::mem::replace(&mut self.ring[self.head], x);
        self.head = if self.head + 1 == period {
            0
        } else {
            self.head + 1
        };
        if self.len == period {
            self.sum += x - old;
        } else {
            self.sum += x;
            self.len += 1;
            if self.len < period {
                return f64::NAN;
            }
        }
        self.sum * self.inv_period
    }

    fn reset(&mut self) {
        self.head = 0;
        self.len = 0;
        self.sum = 0.0;
    }
}

/// Writes the max of `high` and the min of `low` over the `period` bars ending at each `i` to `hh[i]` and
/// `ll[i]` (for `i < period - 1`, over the bars so far), by van Herk / Gil-Werman: per block of `period` bars,
/// the running prefix extremes and the suffix extremes of the previous block; O(1) per bar in short
/// branch-free loops. Maxima and minima are exact, so this gives the streaming deques' values.
fn window_extremes(high: &[f64], low: &[f64], period: usize, hh: &mut [f64], ll: &mut [f64]) {
    let n = high.len();
    // The previous block's suffix extremes from each offset on; the sentinel at `period` is neutral.
    let mut suf_hi = vec![f64::NEG_INFINITY; period + 1];
    let mut suf_lo = vec![f64::INFINITY; period + 1];
    let mut base = 0;
    while base < n {
        let end = (base + period).min(n);
        let (hb, lb) = (&high[base..end], &low[base..end]);
        let (ho, lo) = (&mut hh[base..end], &mut ll[base..end]);
        let (mut pre_hi, mut pre_lo) = (f64::NEG_INFINITY, f64::INFINITY);
        for (((oh, ol), &h), &l) in ho.iter_mut().zip(lo.iter_mut()).zip(hb).zip(lb) {
            pre_hi = if h > pre_hi { h } else { pre_hi };
            pre_lo = if l < pre_lo { l } else { pre_lo };
            (*oh, *ol) = (pre_hi, pre_lo);
        }
        // The window ending at offset t spans the previous block from t + 1 on and this block up to t.
        for (((oh, ol), &sh), &sl) in ho
            .iter_mut()
            .zip(lo.iter_mut())
            .zip(&suf_hi[1..])
            .zip(&suf_lo[1..])
        {
            *oh = if sh > *oh { sh } else { *oh };
            *ol = if sl < *ol { sl } else { *ol };
        }
        if end - base == period {
            for j in (0..period).rev() {
                let (h, l) = (hb[j], lb[j]);
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
    // Per NaN-free run, in passes (the last two per cached piece): the window extremes into the outputs, fast
    // %K from them (vectorised, divisions being the costly part), then the smoothing of `update`. The same
    // operations as `update` on the same values, so the same bits.
    with_simd(|| {
        for_each_run(&[high, low, close], |run, gap| {
            let mut st = s.clone();
            let warm = (st.fastk - 1).min(run.len());
            let (ok, od) = (&mut out_k[run.clone()], &mut out_d[run.clone()]);
            window_extremes(&high[run.clone()], &low[run.clone()], st.fastk, ok, od);
            ok[..warm].fill(f64::NAN);
            od[..warm].fill(f64::NAN);
            let c = &close[run.clone()][warm..];
            let (ok, od) = (&mut ok[warm..], &mut od[warm..]);
            for ((ks, ds), cs) in ok
                .chunks_mut(PIECE)
                .zip(od.chunks_mut(PIECE))
                .zip(c.chunks(PIECE))
            {
                for ((&hh, ll), &c) in ks.iter().zip(ds.iter_mut()).zip(cs) {
                    *ll = fast_k(c, hh, *ll);
                }
                for (k, d) in ks.iter_mut().zip(ds.iter_mut()) {
                    let o = st.smooth_fast_k(*d);
                    (*k, *d) = (o.k, o.d);
                }
            }
            if gap {
                out_k[run.end] = f64::NAN;
                out_d[run.end] = f64::NAN;
            }
        });
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
