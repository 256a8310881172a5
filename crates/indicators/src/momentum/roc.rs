//! Rate of change, TA-Lib `ROC`: `(x / x[t - period] - 1) * 100`, 0 when the old value is 0, warm-up `period`.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::window::Ring;
use crate::{IndicatorError, PIECE};

/// Streaming ROC over a ring of the last `period + 1` values.
#[derive(Debug, Clone)]
pub struct Roc {
    period: usize,
    ring: Ring,
    value: f64,
}

impl Roc {
    /// A new ROC; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("ROC", "period", period, 1)?;
        Ok(Self {
            period,
            ring: Ring::new(period + 1),
            value: f64::NAN,
        })
    }

    /// Feeds one value and returns the ROC in percent (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, x: f64) -> f64 {
        if x.is_nan() {
            self.reset();
            return f64::NAN;
        }
        self.ring.push(x);
        if self.ring.is_full() {
            let old = self.ring.get_back(self.period);
            self.value = change_pct(x, old);
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
        self.value = f64::NAN;
    }
}

impl fmt::Display for Roc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ROC({})", self.period)
    }
}

/// Batch ROC of `input` into `out` (same length).
pub fn roc(input: &[f64], period: i64, out: &mut [f64]) -> Result<(), IndicatorError> {
    let p = Roc::new(period)?.period;
    check_inputs("ROC", &[("input", input.len()), ("out", out.len())])?;
    // Optimistic pieces, as in `trange`: a piece whose first bar already has `period` clean predecessors is
    // computed in one pass while watching for NaN; otherwise (or on a NaN) it is redone bar by bar.
    let n = out.len();
    let mut last_nan: Option<usize> = None;
    let mut start = 0;
    while start < n {
        let end = (start + PIECE).min(n);
        let run_start = last_nan.map_or(0, |g| g + 1);
        if start >= run_start + p {
            let mut nan = false;
            for ((o, &xi), &oi) in out[start..end]
                .iter_mut()
                .zip(&input[start..end])
                .zip(&input[start - p..])
            {
                nan |= xi.is_nan();
                *o = change_pct(xi, oi);
            }
            if !nan {
                start = end;
                continue;
            }
        }
        for i in start..end {
            if input[i].is_nan() {
                last_nan = Some(i);
                out[i] = f64::NAN;
            } else if i < last_nan.map_or(0, |g| g + 1) + p {
                out[i] = f64::NAN;
            } else {
                out[i] = change_pct(input[i], input[i - p]);
            }
        }
        start = end;
    }
    Ok(())
}

/// (x / old - 1) * 100, or 0 when `old` is 0 (TA-Lib).
#[inline(always)]
fn change_pct(x: f64, old: f64) -> f64 {
    if old == 0.0 {
        0.0
    } else {
        (x / old - 1.0) * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_change_over_period() {
        let mut r = Roc::new(2).unwrap();
        assert!(r.update(100.0).is_nan());
        assert!(r.update(50.0).is_nan());
        assert_eq!(r.update(110.0), (110.0 / 100.0 - 1.0) * 100.0);
        assert_eq!(r.to_string(), "ROC(2)");
    }
}
