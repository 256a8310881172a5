//! Simple moving average, TA-Lib `SMA`: the mean of the last `period` values, warm-up `period - 1`.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::window::Ring;
use crate::{IndicatorError, PIECE, with_simd};

/// Streaming SMA over a ring buffer; the running sum is updated with `x - oldest` (one add on the
/// dependency chain per bar).
#[derive(Debug, Clone)]
pub struct Sma {
    period: usize,
    ring: Ring,
    sum: f64,
    value: f64,
}

impl Sma {
    /// A new SMA; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("SMA", "period", period, 1)?;
        Ok(Self {
            period,
            ring: Ring::new(period),
            sum: 0.0,
            value: f64::NAN,
        })
    }

    /// Feeds one value and returns the SMA (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if x.is_nan() {
            self.reset();
            return f64::NAN;
        }
        match self.ring.push(x) {
            Some(old) => self.sum += x - old,
            None => self.sum += x,
        }
        if self.ring.is_full() {
            self.value = self.sum / self.period as f64;
        }
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
        self.value = f64::NAN;
    }
}

impl fmt::Display for Sma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SMA({})", self.period)
    }
}

/// Batch SMA of `input` into `out` (same length).
pub fn sma(input: &[f64], period: i64, out: &mut [f64]) -> Result<(), IndicatorError> {
    let p = Sma::new(period)?.period;
    check_inputs("SMA", &[("input", input.len()), ("out", out.len())])?;
    // A hand-rolled copy of `update` that reads the evicted value from the slice instead of the ring;
    // same float operations in the same order, so streaming equals batch bit for bit.
    // Optimistic pieces, as in `roc`: the steady loop watches for NaN in the same pass; a piece with a NaN, or
    // still in a warm-up, is redone bar by bar from the saved sum. The arithmetic is `update`'s, reading the
    // evicted value from the slice instead of the ring.
    with_simd(|| sma_body(input, p, out));
    Ok(())
}

/// The kernel of [`sma`], compiled for AVX2 where the CPU has it (see `with_simd`).
#[inline(always)]
fn sma_body(input: &[f64], p: usize, out: &mut [f64]) {
    let pf = p as f64;
    let n = out.len();
    let (mut sum, mut run_start) = (0.0, 0);
    let mut start = 0;
    while start < n {
        let end = (start + PIECE).min(n);
        if start >= run_start + p {
            let saved = sum;
            let mut nan = false;
            for ((o, &xi), &oi) in out[start..end]
                .iter_mut()
                .zip(&input[start..end])
                .zip(&input[start - p..])
            {
                nan |= xi.is_nan();
                sum += xi - oi;
                *o = sum;
            }
            if !nan {
                // The divisions in a second pass over the (cached) piece: it vectorises, and a division's
                // result does not depend on the vector width, so these are `update`'s bits.
                for o in &mut out[start..end] {
                    *o /= pf;
                }
                start = end;
                continue;
            }
            sum = saved;
        }
        for i in start..end {
            let x = input[i];
            if x.is_nan() {
                (sum, run_start) = (0.0, i + 1);
                out[i] = f64::NAN;
            } else if i < run_start + p {
                sum += x;
                out[i] = if i + 1 == run_start + p {
                    sum / pf
                } else {
                    f64::NAN
                };
            } else {
                sum += x - input[i - p];
                out[i] = sum / pf;
            }
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_last_period_values_after_warm_up() {
        let mut s = Sma::new(3).unwrap();
        assert!(s.update(1.0).is_nan());
        assert!(s.update(2.0).is_nan());
        assert!(!s.ready());
        assert_eq!(s.update(3.0), 2.0);
        assert_eq!(s.update(6.0), 11.0 / 3.0);
        assert!(s.ready());
        assert_eq!(s.to_string(), "SMA(3)");
    }

    #[test]
    fn rejects_period_zero() {
        assert!(matches!(
            Sma::new(0),
            Err(IndicatorError::TooSmall {
                name: "period",
                value: 0,
                ..
            })
        ));
    }

    #[test]
    fn nan_restarts_warm_up() {
        let mut out = [0.0; 6];
        sma(&[1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0], 2, &mut out).unwrap();
        assert_eq!(out[1], 1.5);
        assert!(out[2].is_nan() && out[3].is_nan());
        assert_eq!(&out[4..], &[4.5, 5.5]);
    }
}
