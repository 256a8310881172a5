//! Commodity channel index, TA-Lib `CCI`: (tp - mean(tp)) / (0.015 * mean absolute deviation) over `period`
//! typical prices tp = (high + low + close) / 3; 0 when the deviation is 0 or tp is within 1e-14 (relative) of
//! the mean, as TA-Lib 0.8; warm-up `period - 1`.

use std::fmt;

use crate::IndicatorError;
use crate::ZERO_BAND;
use crate::error::{check_inputs, check_min};
use crate::window::Ring;

/// Streaming CCI, O(period) per bar: the mean deviation has no running form.
#[derive(Debug, Clone)]
pub struct Cci {
    period: usize,
    ring: Ring,
    sum: f64,
    since_resum: usize,
    value: f64,
}

impl Cci {
    /// A new CCI; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("CCI", "period", period, 1)?;
        Ok(Self {
            period,
            ring: Ring::new(period),
            sum: 0.0,
            since_resum: 0,
            value: f64::NAN,
        })
    }

    /// Feeds one bar and returns the CCI (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        let tp = (high + low + close) / 3.0;
        if tp.is_nan() {
            self.reset();
            return f64::NAN;
        }
        let evicted = self.ring.push(tp).unwrap_or(0.0);
        self.sum += tp - evicted;
        if !self.ring.is_full() {
            return self.value;
        }
        let p = self.period as f64;
        let slots = self.ring.slots();
        // A running window sum, re-summed afresh every `period` bars so rounding drift cannot build up.
        self.since_resum += 1;
        if self.since_resum >= self.period {
            self.since_resum = 0;
            self.sum = sum4(slots);
        }
        let mean = self.sum / p;
        let dev = mean_abs_dev_sum(slots, mean);
        let diff = tp - mean;
        // TA-Lib 0.8's scale-aware dead zone: a typical price within ~90 ulp of the mean is at the mean.
        let at_mean = diff.abs() <= ZERO_BAND * (tp.abs() + mean.abs());
        self.value = if !at_mean && dev != 0.0 {
            diff / (0.015 * (dev / p))
        } else {
            0.0
        };
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
        self.sum = 0.0;
        self.since_resum = 0;
        self.value = f64::NAN;
    }
}

/// Sum with four accumulators: independent adds instead of one chain. Only a rounding-level
/// change from TA-Lib's sequential sum, well inside its dead zone, so flat windows still give exactly 0.
#[inline]
fn sum4(values: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        acc[0] += c[0];
        acc[1] += c[1];
        acc[2] += c[2];
        acc[3] += c[3];
    }
    let tail = chunks.remainder().iter().fold(0.0, |a, &v| a + v);
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Sum of |v - mean| with four accumulators.
#[inline]
fn mean_abs_dev_sum(values: &[f64], mean: f64) -> f64 {
    let mut acc = [0.0; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        acc[0] += (c[0] - mean).abs();
        acc[1] += (c[1] - mean).abs();
        acc[2] += (c[2] - mean).abs();
        acc[3] += (c[3] - mean).abs();
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(0.0, |a, &v| a + (v - mean).abs());
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl fmt::Display for Cci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CCI({})", self.period)
    }
}

/// Batch CCI into `out` (the inputs' length).
pub fn cci(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: i64,
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut s = Cci::new(period)?;
    check_inputs(
        "CCI",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("out", out.len()),
        ],
    )?;
    for (((&h, &l), &c), o) in high.iter().zip(low).zip(close).zip(out.iter_mut()) {
        *o = s.update(h, l, c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_window_is_zero_and_breakout_is_positive() {
        let mut c = Cci::new(3).unwrap();
        for _ in 0..3 {
            c.update(0.1, 0.1, 0.1);
        }
        assert_eq!(c.value(), 0.0);
        assert!(c.update(0.2, 0.2, 0.2) > 0.0);
        assert_eq!(c.to_string(), "CCI(3)");
    }
}
