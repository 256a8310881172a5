//! Average true range, TA-Lib `ATR` (Wilder smoothing seeded with the mean of the first `period` true ranges,
//! which start at bar 1; warm-up `period`).
//!
//! After its first step the Wilder recursion `a[t] = k a[t-1] + w tr[t]` (k = 1 - 1/p, w = 1/p) is taken two
//! bars at a time, `a[t] = k^2 a[t-2] + (k w tr[t-1] + w tr[t])`: the same value up to rounding (errors still
//! decay by k per bar), but each output waits on the one two bars back, so the even and odd bars form two
//! independent chains and the multiply-add latency is paid once per two bars. Streaming and batch both step
//! this way, so they agree bit for bit.

use std::fmt;

use super::trange::{TRange, true_range};
use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, PIECE};

/// Streaming ATR.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    keep: f64,
    weight: f64,
    /// k^2 and k w of the two-bar step.
    keep2: f64,
    keep_weight: f64,
    trange: TRange,
    /// Bars of the seed so far; `period + 1` once the first Wilder step is done (the two-bar steps follow).
    count: usize,
    value: f64,
    /// The output one bar before `value`, and the true range of `value`'s bar (the two-bar step reads both).
    prev: f64,
    last_tr: f64,
}

impl Atr {
    /// A new ATR; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("ATR", "period", period, 1)?;
        let p = period as f64;
        let (keep, weight) = ((p - 1.0) / p, 1.0 / p);
        Ok(Self {
            period,
            keep,
            weight,
            keep2: keep * keep,
            keep_weight: keep * weight,
            trange: TRange::new(),
            count: 0,
            value: f64::NAN,
            prev: f64::NAN,
            last_tr: f64::NAN,
        })
    }

    /// Feeds one bar and returns the ATR (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        // Compiled for FMA when the CPU has it (see `with_fma`); the same bits either way. A method rather than
        // `with_fma`'s closure, which LLVM may leave out of line (then without FMA, calling libm's `fma`).
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports FMA, checked just above.
            return unsafe { self.update_fma(high, low, close) };
        }
        self.update_impl(high, low, close)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "fma")]
    fn update_fma(&mut self, high: f64, low: f64, close: f64) -> f64 {
        self.update_impl(high, low, close)
    }

    #[inline(always)]
    fn update_impl(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if high.is_nan() || low.is_nan() || close.is_nan() {
            self.reset();
            return f64::NAN;
        }
        if self.two_step() {
            return self.steady(high, low, close);
        }
        let tr = self.trange.update(high, low, close);
        if tr.is_nan() {
            return f64::NAN; // the first bar of a run has no true range
        }
        if self.count == self.period {
            // The first Wilder step (no output two bars back yet): (atr * (p - 1) + tr) / p, one multiply-add.
            self.count += 1;
            self.prev = self.value;
            self.value = self.value.mul_add(self.keep, tr * self.weight);
            self.last_tr = tr;
            return self.value;
        }
        // Seed: the mean of the first `period` true ranges.
        self.count += 1;
        self.value = if self.count == 1 { tr } else { self.value + tr };
        if self.count < self.period {
            return f64::NAN;
        }
        self.value /= self.period as f64;
        self.value
    }

    /// True once the two-bar steps run (the seed and the first Wilder step are done).
    #[inline(always)]
    pub(crate) fn two_step(&self) -> bool {
        self.count > self.period
    }

    /// One two-bar step: `update` without the checks, once [`Self::two_step`].
    #[inline(always)]
    pub(crate) fn steady(&mut self, high: f64, low: f64, close: f64) -> f64 {
        let tr = self.trange.steady(high, low, close);
        // a[t] = k^2 a[t-2] + (k w tr[t-1] + w tr[t]): only the last multiply-add is on the chain.
        let input = self.last_tr.mul_add(self.keep_weight, tr * self.weight);
        let value = self.prev.mul_add(self.keep2, input);
        (self.prev, self.value, self.last_tr) = (self.value, value, tr);
        value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        if self.ready() { self.value } else { f64::NAN }
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        self.count >= self.period
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.trange.reset();
        self.count = 0;
        self.value = f64::NAN;
        self.prev = f64::NAN;
        self.last_tr = f64::NAN;
    }
}

impl fmt::Display for Atr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ATR({})", self.period)
    }
}

/// Batch ATR into `out` (the inputs' length).
pub fn atr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: i64,
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut state = Atr::new(period)?;
    check_inputs(
        "ATR",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("out", out.len()),
        ],
    )?;
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        unsafe { atr_avx2(&mut state, high, low, close, out) };
        return Ok(());
    }
    atr_pieces(&mut state, high, low, close, out);
    Ok(())
}

/// [`atr`]'s kernel compiled for AVX2 and FMA: the true ranges four bars at a time, the recursion as fused
/// multiply-adds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn atr_avx2(state: &mut Atr, high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    atr_pieces(state, high, low, close, out);
}

/// Pieces of [`PIECE`] bars: once the two-bar steps run, a piece goes through [`Atr::steady_piece`] (the
/// arithmetic of `update`, in two passes); a piece with a NaN, or before that, is (re)done bar by bar through
/// `update` from a snapshot. Either way the bits are those of streaming.
#[inline(always)]
fn atr_pieces(state: &mut Atr, high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    let mut start = 0;
    while start < out.len() {
        let end = (start + PIECE).min(out.len());
        if state.two_step() {
            let saved = state.clone();
            if state.steady_piece(
                &high[start..end],
                &low[start..end],
                &close[start..end],
                &mut out[start..end],
            ) {
                start = end;
                continue;
            }
            *state = saved;
        }
        for i in start..end {
            out[i] = state.update(high[i], low[i], close[i]);
        }
        start = end;
    }
}

/// Bars per block of [`Atr::steady_piece`]: its true ranges and chain inputs stay in L1 between the two passes.
const BLOCK: usize = 64;

impl Atr {
    /// [`Self::steady`] over a piece, in blocks of [`BLOCK`] bars and two passes each: the chains' inputs
    /// `k w tr[t-1] + w tr[t]` element-wise (vectorised), then the two interleaved chains of the recursion,
    /// `a[t] = k^2 a[t-2] + input[t]`, one multiply-add per bar. Returns false, with `self` and `out` garbage,
    /// when an input is NaN (the caller redoes the piece through `update`).
    #[inline(always)]
    fn steady_piece(&mut self, high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) -> bool {
        let n = out.len();
        let (kw, w, k2) = (self.keep_weight, self.weight, self.keep2);
        let mut nan = close[n - 1].is_nan();
        // The first bar's previous close is the state's; the others' is the bar before.
        nan |= (high[0] + low[0] + self.trange.prev_close).is_nan();
        out[0] = self.steady(high[0], low[0], close[0]);
        let (mut prev, mut value, mut last_tr) = (self.prev, self.value, self.last_tr);
        let (h, l, pc) = (&high[1..], &low[1..], &close[..n - 1]);
        let mut tr = [0.0; BLOCK + 1];
        let mut input = [0.0; BLOCK];
        for (b, o) in out[1..].chunks_mut(BLOCK).enumerate() {
            let (at, len) = (b * BLOCK, o.len());
            let (h, l, pc) = (&h[at..at + len], &l[at..at + len], &pc[at..at + len]);
            // tr[j + 1] is the true range of block bar j; tr[0] the one before the block.
            tr[0] = last_tr;
            for (((t, &h), &l), &pc) in tr[1..=len].iter_mut().zip(h).zip(l).zip(pc) {
                // One test for three: the sum is NaN if any is (or on inf - inf, which the exact path redoes).
                nan |= (h + l + pc).is_nan();
                *t = true_range(h, l, pc);
            }
            for ((i, &before), &now) in input[..len].iter_mut().zip(&tr[..len]).zip(&tr[1..=len]) {
                *i = before.mul_add(kw, now * w);
            }
            for (o, &i) in o.iter_mut().zip(&input[..len]) {
                (prev, value) = (value, prev.mul_add(k2, i));
                *o = value;
            }
            last_tr = tr[len];
        }
        (self.prev, self.value, self.last_tr) = (prev, value, last_tr);
        (self.trange.prev_close, self.trange.value) = (close[n - 1], last_tr);
        !nan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atr_seeds_with_mean_true_range() {
        let mut a = Atr::new(2).unwrap();
        assert!(a.update(10.0, 9.0, 9.5).is_nan());
        assert!(a.update(10.0, 9.0, 9.5).is_nan());
        assert_eq!(a.update(11.0, 9.0, 10.0), 1.5);
        assert_eq!(a.update(11.0, 10.0, 10.5), 1.5 * 0.5 + 1.0 * 0.5);
        // Two-bar steps from here: 0.5^2 * 1.5 + (0.5 * 0.5 * 1.0 + 0.5 * 2.0), exact in binary.
        assert_eq!(
            a.update(12.5, 11.0, 12.0),
            0.25 * 1.5 + (0.25 * 1.0 + 0.5 * 2.0)
        );
        assert_eq!(a.to_string(), "ATR(2)");
    }
}
