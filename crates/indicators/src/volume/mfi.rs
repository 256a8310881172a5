//! Money flow index, TA-Lib `MFI`: 100 * positive flow / total flow over `period` bars, flow = typical price *
//! volume signed by the typical price's move (no flow for a move within 1e-14 of the prices; 0 when the
//! window has no flow), as TA-Lib 0.8; warm-up `period`.

use std::fmt;

use crate::IndicatorError;
use crate::ZERO_BAND;

use crate::error::{check_inputs, check_min};
use crate::window::Ring;

/// Streaming MFI with TA-Lib's order of operations (drop the oldest flow, then add the new one).
#[derive(Debug, Clone)]
pub struct Mfi {
    period: usize,
    prev_tp: f64,
    pos: Ring,
    neg: Ring,
    pos_sum: f64,
    neg_sum: f64,
    null_run: usize,
    value: f64,
}

impl Mfi {
    /// A new MFI; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("MFI", "period", period, 1)?;
        Ok(Self {
            period,
            prev_tp: f64::NAN,
            pos: Ring::new(period),
            neg: Ring::new(period),
            pos_sum: 0.0,
            neg_sum: 0.0,
            null_run: 0,
            value: f64::NAN,
        })
    }

    /// Feeds one bar and returns the MFI (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        let tp = (high + low + close) / 3.0;
        if tp.is_nan() || volume.is_nan() {
            self.reset();
            return f64::NAN;
        }
        let prev = self.prev_tp;
        self.prev_tp = tp;
        if prev.is_nan() {
            return f64::NAN;
        }
        if self.pos.is_full() {
            self.pos_sum -= self.pos.get_back(self.period - 1);
            self.neg_sum -= self.neg.get_back(self.period - 1);
        }
        let change = tp - prev;
        // TA-Lib's scale-aware dead zone: a move within ~90 ulp of the prices is no move.
        let flow = if change.abs() <= ZERO_BAND * (tp.abs() + prev.abs()) {
            0.0
        } else {
            tp * volume
        };
        let (up, down) = if change < 0.0 {
            (0.0, flow)
        } else {
            (flow, 0.0)
        };
        self.pos_sum += up;
        self.neg_sum += down;
        self.pos.push(up);
        self.neg.push(down);
        // A full window without flow has sums of exactly zero; drop the rounding residue as TA-Lib does.
        self.null_run = if flow == 0.0 { self.null_run + 1 } else { 0 };
        if self.null_run >= self.period {
            self.null_run = self.period;
            self.pos_sum = 0.0;
            self.neg_sum = 0.0;
        }
        if !self.pos.is_full() {
            return f64::NAN;
        }
        let total = self.pos_sum + self.neg_sum;
        let pos = self.pos_sum.clamp(0.0, total.max(0.0));
        self.value = if total <= 0.0 {
            0.0
        } else {
            100.0 * (pos / total)
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
        self.prev_tp = f64::NAN;
        self.pos.clear();
        self.neg.clear();
        self.pos_sum = 0.0;
        self.neg_sum = 0.0;
        self.null_run = 0;
        self.value = f64::NAN;
    }
}

impl fmt::Display for Mfi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MFI({})", self.period)
    }
}

/// Batch MFI into `out` (the inputs' length).
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    period: i64,
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut s = Mfi::new(period)?;
    check_inputs(
        "MFI",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("volume", volume.len()),
            ("out", out.len()),
        ],
    )?;
    for ((((&h, &l), &c), &v), o) in high
        .iter()
        .zip(low)
        .zip(close)
        .zip(volume)
        .zip(out.iter_mut())
    {
        *o = s.update(h, l, c, v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_up_moves_give_100() {
        let mut m = Mfi::new(2).unwrap();
        assert!(m.update(1.0, 1.0, 1.0, 10.0).is_nan());
        assert!(m.update(2.0, 2.0, 2.0, 10.0).is_nan());
        assert_eq!(m.update(3.0, 3.0, 3.0, 10.0), 100.0);
        assert_eq!(m.update(2.0, 2.0, 2.0, 30.0), 100.0 * (30.0 / 90.0));
        assert_eq!(m.to_string(), "MFI(2)");
    }
}
