//! Relative strength index, TA-Lib `RSI`: Wilder smoothing seeded with the plain mean of the first
//! `period` gains and losses, warm-up `period`; a flat window gives 0 as in TA-Lib.
//!
//! After the first Wilder step each average goes two bars at a time, `a[t] = k^2 a[t-2] + (k w m[t-1] +
//! w m[t])` (as in `volatility::atr`): two independent chains per side, so the multiply-add latency is paid once
//! per two bars, and the batch kernel computes the divisions of the ratio in a separate vectorised pass.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, PIECE};

/// Streaming RSI; output always in [0, 100].
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    keep: f64,
    weight: f64,
    /// k^2 and k w of the two-bar step.
    keep2: f64,
    keep_weight: f64,
    count: usize,
    prev: f64,
    gain: f64,
    loss: f64,
    value: f64,
    /// The averages one bar before `gain` / `loss`, and the last bar's up and down moves (the two-bar step
    /// reads them).
    prev_gain: f64,
    prev_loss: f64,
    last_up: f64,
    last_down: f64,
}

impl Rsi {
    /// A new RSI; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("RSI", "period", period, 1)?;
        let p = period as f64;
        let (keep, weight) = ((p - 1.0) / p, 1.0 / p);
        Ok(Self {
            period,
            keep,
            weight,
            keep2: keep * keep,
            keep_weight: keep * weight,
            count: 0,
            prev: f64::NAN,
            gain: 0.0,
            loss: 0.0,
            value: f64::NAN,
            prev_gain: 0.0,
            prev_loss: 0.0,
            last_up: 0.0,
            last_down: 0.0,
        })
    }

    /// Feeds one value and returns the RSI (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        // Compiled for FMA when the CPU has it (see `with_fma`); the same bits either way. A method rather than
        // `with_fma`'s closure: the two-bar step made that closure too big to be inlined into the FMA code.
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports FMA, checked just above.
            return unsafe { self.update_fma(x) };
        }
        self.update_impl(x)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "fma")]
    fn update_fma(&mut self, x: f64) -> f64 {
        self.update_impl(x)
    }

    #[inline(always)]
    fn update_impl(&mut self, x: f64) -> f64 {
        if x.is_nan() {
            self.reset();
            return f64::NAN;
        }
        if self.two_step() {
            return self.steady(x);
        }
        let change = x - self.prev;
        self.prev = x;
        self.count += 1;
        if self.count == 1 {
            return self.value;
        }
        let (up, down) = split(change);
        if self.count == self.period + 2 {
            // The first Wilder step (no averages two bars back yet): one multiply-add each.
            (self.prev_gain, self.prev_loss) = (self.gain, self.loss);
            self.gain = self.gain.mul_add(self.keep, up * self.weight);
            self.loss = self.loss.mul_add(self.keep, down * self.weight);
            (self.last_up, self.last_down) = (up, down);
            self.value = ratio(self.gain, self.loss);
            return self.value;
        }
        // Seed: plain sums of the first `period` gains and losses, then their means.
        self.gain += up;
        self.loss += down;
        if self.count <= self.period {
            return self.value;
        }
        self.gain /= self.period as f64;
        self.loss /= self.period as f64;
        self.value = ratio(self.gain, self.loss);
        self.value
    }

    /// True once the two-bar steps run (the seed and the first Wilder step are done).
    #[inline(always)]
    fn two_step(&self) -> bool {
        self.count > self.period + 1
    }

    /// One two-bar step: `update` without the checks, once [`Self::two_step`].
    #[inline(always)]
    fn steady(&mut self, x: f64) -> f64 {
        let change = x - self.prev;
        self.prev = x;
        let (up, down) = split(change);
        // avg[t] = k^2 avg[t-2] + (k w move[t-1] + w move[t]) per side: only the last multiply-add is on a chain.
        let gain = self.prev_gain.mul_add(
            self.keep2,
            inputs(self.last_up, up, self.keep_weight, self.weight),
        );
        let loss = self.prev_loss.mul_add(
            self.keep2,
            inputs(self.last_down, down, self.keep_weight, self.weight),
        );
        (self.prev_gain, self.gain, self.last_up) = (self.gain, gain, up);
        (self.prev_loss, self.loss, self.last_down) = (self.loss, loss, down);
        self.value = ratio(gain, loss);
        self.value
    }

    /// [`Self::steady`] over a NaN-free run of `xs` (checked: returns false, with `self` and `out` garbage, if
    /// there is a NaN), in blocks of [`BLOCK`] bars and four passes each: the moves and the chains' inputs
    /// element-wise, the two interleaved chains per side (one multiply-add per bar), then the ratios (the
    /// divisions) element-wise. The arithmetic of `steady`, so the same bits.
    #[inline(always)]
    fn steady_piece(&mut self, xs: &[f64], out: &mut [f64]) -> bool {
        let (kw, w, k2) = (self.keep_weight, self.weight, self.keep2);
        let mut nan = false;
        let mut scratch = [[0.0; BLOCK + 1]; 6];
        let [ups, downs, in_gain, in_loss, gains, losses] = &mut scratch;
        for (xb, ob) in xs.chunks(BLOCK).zip(out.chunks_mut(BLOCK)) {
            let len = xb.len();
            // ups[k + 1] / downs[k + 1]: the moves into block bar k; ups[0] / downs[0] the bar's before.
            (ups[0], downs[0]) = (self.last_up, self.last_down);
            nan |= xb[0].is_nan();
            (ups[1], downs[1]) = split(xb[0] - self.prev);
            for (((&x, &before), up), down) in xb[1..]
                .iter()
                .zip(xb)
                .zip(&mut ups[2..=len])
                .zip(&mut downs[2..=len])
            {
                nan |= x.is_nan();
                (*up, *down) = split(x - before);
            }
            for k in 0..len {
                in_gain[k] = inputs(ups[k], ups[k + 1], kw, w);
                in_loss[k] = inputs(downs[k], downs[k + 1], kw, w);
            }
            let (mut g2, mut g1, mut l2, mut l1) =
                (self.prev_gain, self.gain, self.prev_loss, self.loss);
            for k in 0..len {
                (g2, g1) = (g1, g2.mul_add(k2, in_gain[k]));
                (l2, l1) = (l1, l2.mul_add(k2, in_loss[k]));
                (gains[k], losses[k]) = (g1, l1);
            }
            (self.prev_gain, self.gain, self.prev_loss, self.loss) = (g2, g1, l2, l1);
            for ((o, &g), &l) in ob.iter_mut().zip(&gains[..len]).zip(&losses[..len]) {
                *o = ratio(g, l);
            }
            (self.prev, self.last_up, self.last_down) = (xb[len - 1], ups[len], downs[len]);
        }
        self.value = ratio(self.gain, self.loss);
        !nan
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        self.count > self.period
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.count = 0;
        self.prev = f64::NAN;
        self.gain = 0.0;
        self.loss = 0.0;
        self.value = f64::NAN;
        (self.prev_gain, self.prev_loss, self.last_up, self.last_down) = (0.0, 0.0, 0.0, 0.0);
    }
}

/// A change as (gain, loss), both >= 0.
/// Bars per block of [`Rsi::steady_piece`]: its scratch stays in L1.
const BLOCK: usize = 64;

/// The input of a two-bar step, `k w move[t-1] + w move[t]`.
#[inline(always)]
fn inputs(before: f64, now: f64, keep_weight: f64, weight: f64) -> f64 {
    before.mul_add(keep_weight, now * weight)
}

#[inline(always)]
fn split(change: f64) -> (f64, f64) {
    if change > 0.0 {
        (change, 0.0)
    } else {
        (0.0, -change)
    }
}

/// 100 * gain / (gain + loss), 0 for a flat window as in TA-Lib.
#[inline(always)]
fn ratio(gain: f64, loss: f64) -> f64 {
    let total = gain + loss;
    if total == 0.0 {
        0.0
    } else {
        100.0 * (gain / total)
    }
}

impl fmt::Display for Rsi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RSI({})", self.period)
    }
}

/// Batch RSI of `input` into `out` (same length).
pub fn rsi(input: &[f64], period: i64, out: &mut [f64]) -> Result<(), IndicatorError> {
    let mut state = Rsi::new(period)?;
    check_inputs("RSI", &[("input", input.len()), ("out", out.len())])?;
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA, checked just above.
        unsafe { rsi_avx2(&mut state, input, out) };
        return Ok(());
    }
    rsi_pieces(&mut state, input, out);
    Ok(())
}

/// [`rsi`]'s kernel compiled for AVX2 and FMA (the element-wise passes four bars at a time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn rsi_avx2(state: &mut Rsi, input: &[f64], out: &mut [f64]) {
    rsi_pieces(state, input, out);
}

/// Pieces of [`PIECE`] bars: once the two-bar steps run, a piece goes through [`Rsi::steady_piece`]; a piece
/// with a NaN, or before that, is (re)done bar by bar through `update` from a snapshot. Either way the bits are
/// those of streaming.
#[inline(always)]
fn rsi_pieces(state: &mut Rsi, input: &[f64], out: &mut [f64]) {
    for (xs, os) in input.chunks(PIECE).zip(out.chunks_mut(PIECE)) {
        if state.two_step() {
            let saved = state.clone();
            if state.steady_piece(xs, os) {
                continue;
            }
            *state = saved;
        }
        for (o, &x) in os.iter_mut().zip(xs) {
            *o = state.update(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_gains_is_100_and_flat_is_0() {
        let mut r = Rsi::new(2).unwrap();
        assert!(r.update(1.0).is_nan());
        assert!(r.update(2.0).is_nan());
        assert_eq!(r.update(3.0), 100.0);
        let mut flat = Rsi::new(2).unwrap();
        for _ in 0..3 {
            flat.update(5.0);
        }
        assert_eq!(flat.value(), 0.0);
        assert_eq!(r.to_string(), "RSI(2)");
    }
}
