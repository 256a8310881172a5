//! Linearly weighted moving average, TA-Lib `WMA`: weights 1..=period (newest heaviest), warm-up `period - 1`.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::window::Ring;
use crate::{IndicatorError, drive};

/// Streaming WMA in O(1): TA-Lib's running weighted sum, minus the plain window sum after each output.
#[derive(Debug, Clone)]
pub struct Wma {
    period: usize,
    divider: f64,
    ring: Ring,
    plain_sum: f64,
    weighted_sum: f64,
    value: f64,
}

impl Wma {
    /// A new WMA; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("WMA", "period", period, 1)?;
        let divider = (period * (period + 1) / 2) as f64;
        Ok(Self {
            period,
            divider,
            ring: Ring::new(period),
            plain_sum: 0.0,
            weighted_sum: 0.0,
            value: f64::NAN,
        })
    }

    /// Feeds one value and returns the WMA (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if x.is_nan() {
            self.reset();
            return f64::NAN;
        }
        let evicted = self.ring.push(x);
        if !self.ring.is_full() {
            self.plain_sum += x;
            self.weighted_sum += x * self.ring.len() as f64;
            return self.value;
        }
        // One add per bar on each running sum's dependency chain (TA-Lib chains two): the newest value's
        // full weight joins, and every value in the window loses one weight step for the next bar.
        let weighted = x * self.period as f64;
        self.plain_sum += x - evicted.unwrap_or(0.0);
        self.value = (self.weighted_sum + weighted) / self.divider;
        self.weighted_sum += weighted - self.plain_sum;
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        !self.value.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.ring.clear();
        self.plain_sum = 0.0;
        self.weighted_sum = 0.0;
        self.value = f64::NAN;
    }
}

impl fmt::Display for Wma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WMA({})", self.period)
    }
}

/// Batch WMA of `input` into `out` (same length).
pub fn wma(input: &[f64], period: i64, out: &mut [f64]) -> Result<(), IndicatorError> {
    let mut s = Wma::new(period)?;
    check_inputs("WMA", &[("input", input.len()), ("out", out.len())])?;
    drive(&mut s, input, out, Wma::update);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_newest_heaviest() {
        let mut w = Wma::new(3).unwrap();
        w.update(1.0);
        w.update(2.0);
        assert_eq!(w.update(3.0), (1.0 + 4.0 + 9.0) / 6.0);
        assert_eq!(w.update(4.0), (2.0 + 6.0 + 12.0) / 6.0);
        assert_eq!(w.to_string(), "WMA(3)");
    }
}
