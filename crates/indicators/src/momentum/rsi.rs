//! Relative strength index, TA-Lib `RSI`: Wilder smoothing seeded with the plain mean of the first
//! `period` gains and losses, warm-up `period`; a flat window gives 0 as in TA-Lib.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, batch1, with_fma};

/// Streaming RSI; output always in [0, 100].
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    keep: f64,
    weight: f64,
    count: usize,
    prev: f64,
    gain: f64,
    loss: f64,
    value: f64,
}

impl Rsi {
    /// A new RSI; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("RSI", "period", period, 1)?;
        let p = period as f64;
        Ok(Self {
            period,
            keep: (p - 1.0) / p,
            weight: 1.0 / p,
            count: 0,
            prev: f64::NAN,
            gain: 0.0,
            loss: 0.0,
            value: f64::NAN,
        })
    }

    /// Feeds one value and returns the RSI (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        // Compiled for FMA when the CPU has it (see `with_fma`); the same bits either way.
        with_fma(|| self.update_impl(x))
    }

    #[inline(always)]
    fn update_impl(&mut self, x: f64) -> f64 {
        if x.is_nan() {
            self.reset();
            return f64::NAN;
        }
        if self.count > self.period {
            return self.steady(x);
        }
        let change = x - self.prev;
        self.prev = x;
        self.count += 1;
        if self.count == 1 {
            return self.value;
        }
        // Seed: plain sums of the first `period` gains and losses, then their means.
        let (up, down) = split(change);
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

    /// One step after the warm-up: `update` without the checks.
    #[inline(always)]
    pub(crate) fn steady(&mut self, x: f64) -> f64 {
        let change = x - self.prev;
        self.prev = x;
        let (up, down) = split(change);
        // Wilder: avg = (avg * (p - 1) + new) / p, as one multiply-add per side.
        self.gain = self.gain.mul_add(self.keep, up * self.weight);
        self.loss = self.loss.mul_add(self.keep, down * self.weight);
        self.value = ratio(self.gain, self.loss);
        self.value
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
    }
}

/// A change as (gain, loss), both >= 0.
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
    let proto = Rsi::new(period)?;
    check_inputs("RSI", &[("input", input.len()), ("out", out.len())])?;
    batch1(&proto, input, out, Rsi::ready, Rsi::update, Rsi::steady);
    Ok(())
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
