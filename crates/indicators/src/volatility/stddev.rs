//! Rolling population standard deviation, TA-Lib `STDDEV(period, nbdev)`: sqrt(E[x^2] - E[x]^2) * nbdev,
//! 0 when the variance is not positive; warm-up `period - 1`.
//!
//! The running sums are kept about an anchor (a recent value) that moves every `period` bars, when the sums
//! are recomputed from the window, and at once when the variance is tiny next to the mean square (a quiet
//! window far from the anchor). This keeps E[x^2] - E[x]^2 from cancelling catastrophically (TA-Lib 0.8 is as
//! careful; plain running sums of x and x^2 are off by ~1e-10 on prices near 100) at O(1) amortised cost on
//! moving prices; a quiet stretch costs O(period) per bar until the anchor is inside it.

use std::fmt;

use crate::error::{check_inputs, check_min, check_non_negative};
use crate::window::Ring;
use crate::{IndicatorError, PIECE};

/// Below this ratio of variance to the largest squared deviation summed since the last re-anchoring, the
/// running sums may have lost too many digits to cancellation.
const CANCELLATION: f64 = 1e-9;

/// Streaming rolling standard deviation.
#[derive(Debug, Clone)]
pub struct StdDev {
    period: usize,
    inv_period: f64,
    nbdev: f64,
    ring: Ring,
    anchor: f64,
    since_anchor: usize,
    sum: f64,
    sum_sq: f64,
    peak: f64,
    value: f64,
}

impl StdDev {
    /// A new rolling standard deviation; `period >= 1`, `nbdev` finite and >= 0 (the result's multiplier).
    pub fn new(period: i64, nbdev: f64) -> Result<Self, IndicatorError> {
        let period = check_min("STDDEV", "period", period, 1)?;
        let nbdev = check_non_negative("STDDEV", "nbdev", nbdev)?;
        Ok(Self {
            period,
            inv_period: 1.0 / period as f64,
            nbdev,
            ring: Ring::new(period),
            anchor: 0.0,
            since_anchor: 0,
            sum: 0.0,
            sum_sq: 0.0,
            peak: 0.0,
            value: f64::NAN,
        })
    }

    /// Feeds one value and returns the standard deviation times `nbdev` (NaN during warm-up and on a NaN
    /// input, which restarts it).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if x.is_nan() {
            self.reset();
            return f64::NAN;
        }
        if let Some((_, var)) = self.moments(x) {
            self.value = deviation(var, self.nbdev);
        }
        self.value
    }

    /// The population variance after `x` (NaN during the warm-up and on a NaN input, which restarts).
    #[inline(always)]
    fn variance(&mut self, x: f64) -> f64 {
        if x.is_nan() {
            self.reset();
            return f64::NAN;
        }
        self.moments(x).map_or(f64::NAN, |(_, var)| var)
    }

    /// Takes a non-NaN value; once the window is full, returns its (mean, population variance).
    #[inline(always)]
    pub(crate) fn moments(&mut self, x: f64) -> Option<(f64, f64)> {
        if self.ring.len() == 0 {
            self.anchor = x;
        }
        self.ring.push(x);
        let d = x - self.anchor;
        self.sum += d;
        self.sum_sq += d * d;
        let dd = d * d;
        self.peak = if dd > self.peak { dd } else { self.peak };
        if !self.ring.is_full() {
            return None;
        }
        let mut mean_sq = self.sum_sq * self.inv_period;
        let mut mean = self.sum * self.inv_period;
        let mut var = mean_sq - mean * mean;
        if var < CANCELLATION * self.peak {
            // Most digits cancelled (a quiet window far from the anchor): recentre on the window and recompute.
            self.reanchor(self.period);
            mean_sq = self.sum_sq * self.inv_period;
            mean = self.sum * self.inv_period;
            var = mean_sq - mean * mean;
        }
        let mean = self.anchor + mean;
        // Drop the window's oldest value now, so the sums hold the `period - 1` values the next bar keeps.
        let oldest = self.ring.get_back(self.period - 1) - self.anchor;
        self.sum -= oldest;
        self.sum_sq -= oldest * oldest;
        self.since_anchor += 1;
        if self.since_anchor >= self.period {
            self.reanchor(self.period - 1);
        }
        Some((mean, var))
    }

    /// Moves the anchor to the newest value and recomputes the sums over the newest `count` values.
    #[inline(always)]
    fn reanchor(&mut self, count: usize) {
        self.anchor = self.ring.get_back(0);
        self.since_anchor = 0;
        self.sum = 0.0;
        self.sum_sq = 0.0;
        self.peak = 0.0;
        let (older, newer) = self.ring.newest(count);
        for &x in older.iter().chain(newer) {
            let d = x - self.anchor;
            self.sum += d;
            self.sum_sq += d * d;
            self.peak = self.peak.max(d * d);
        }
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
        self.since_anchor = 0;
        self.sum = 0.0;
        self.sum_sq = 0.0;
        self.peak = 0.0;
        self.value = f64::NAN;
    }
}

/// sqrt(var) * nbdev, 0 for a variance that is not positive, NaN for NaN; branch-free so a loop of it
/// vectorises.
#[inline(always)]
pub(crate) fn deviation(var: f64, nbdev: f64) -> f64 {
    let root = var.sqrt() * nbdev;
    if var > 0.0 {
        root
    } else if var.is_nan() {
        var
    } else {
        0.0
    }
}

impl fmt::Display for StdDev {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "STDDEV({},{})", self.period, self.nbdev)
    }
}

/// Batch rolling standard deviation into `out` (same length).
pub fn stddev(
    input: &[f64],
    period: i64,
    nbdev: f64,
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut s = StdDev::new(period, nbdev)?;
    check_inputs("STDDEV", &[("input", input.len()), ("out", out.len())])?;
    // Variances first, then the square roots in a second, vectorisable pass over the (cached) piece; the
    // same operations as `update`, so the same bits.
    for (xs, os) in input.chunks(PIECE).zip(out.chunks_mut(PIECE)) {
        for (o, &x) in os.iter_mut().zip(xs) {
            *o = s.variance(x);
        }
        for o in os.iter_mut() {
            *o = deviation(*o, nbdev);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_stddev_and_flat_is_zero() {
        let mut s = StdDev::new(2, 1.0).unwrap();
        s.update(1.0);
        assert_eq!(s.update(3.0), 1.0);
        let mut flat = StdDev::new(3, 2.0).unwrap();
        for _ in 0..4 {
            flat.update(0.1);
        }
        assert_eq!(flat.value(), 0.0);
        assert!(StdDev::new(3, f64::NAN).is_err());
        assert_eq!(s.to_string(), "STDDEV(2,1)");
    }
}
