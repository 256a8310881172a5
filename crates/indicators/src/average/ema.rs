//! Exponential moving average, TA-Lib `EMA`: k = 2 / (period + 1), seeded with the SMA of the first
//! `period` values, warm-up `period - 1`.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, batch1, with_fma};

/// Streaming EMA. The recursion is `e * (1 - k) + x * k`, which keeps one multiply and one add on the
/// dependency chain (TA-Lib's `(x - e) * k + e` has three ops); the two agree to a few ulps.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    keep: f64,
    count: usize,
    sum: f64,
    value: f64,
}

impl Ema {
    /// A new EMA; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("EMA", "period", period, 1)?;
        let k = 2.0 / (period as f64 + 1.0);
        Ok(Self {
            period,
            k,
            keep: 1.0 - k,
            count: 0,
            sum: 0.0,
            value: f64::NAN,
        })
    }

    /// Feeds one value and returns the EMA (NaN during warm-up and on a NaN input, which restarts it).
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
        if self.count >= self.period {
            return self.steady(x);
        } else {
            self.count += 1;
            self.sum += x;
            if self.count == self.period {
                self.value = self.sum / self.period as f64;
            }
        }
        self.value
    }

    /// One step after the warm-up: `update` without the checks.
    #[inline(always)]
    pub(crate) fn steady(&mut self, x: f64) -> f64 {
        self.value = self.value.mul_add(self.keep, x * self.k);
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        self.count >= self.period
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.count = 0;
        self.sum = 0.0;
        self.value = f64::NAN;
    }
}

impl fmt::Display for Ema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EMA({})", self.period)
    }
}

/// Batch EMA of `input` into `out` (same length).
pub fn ema(input: &[f64], period: i64, out: &mut [f64]) -> Result<(), IndicatorError> {
    let proto = Ema::new(period)?;
    check_inputs("EMA", &[("input", input.len()), ("out", out.len())])?;
    batch1(&proto, input, out, Ema::ready, Ema::update, Ema::steady);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_with_sma_then_smooths() {
        let mut e = Ema::new(3).unwrap();
        assert!(e.update(1.0).is_nan());
        assert!(e.update(2.0).is_nan());
        assert_eq!(e.update(3.0), 2.0);
        assert_eq!(e.update(6.0), 2.0 * 0.5 + 6.0 * 0.5);
        assert_eq!(e.to_string(), "EMA(3)");
    }

    #[test]
    fn rejects_negative_period() {
        assert!(Ema::new(-3).is_err());
    }
}
