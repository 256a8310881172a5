//! On-balance volume, TA-Lib `OBV`: starts at the first bar's volume, then adds the volume on an up close and
//! subtracts it on a down close; no warm-up.

use std::fmt;

use crate::error::check_inputs;
use crate::{IndicatorError, for_each_piece};

/// Streaming OBV.
#[derive(Debug, Clone)]
pub struct Obv {
    prev_close: f64,
    value: f64,
}

impl Default for Obv {
    fn default() -> Self {
        Self::new()
    }
}

impl Obv {
    /// A new OBV (no parameters).
    pub fn new() -> Self {
        Self {
            prev_close: f64::NAN,
            value: f64::NAN,
        }
    }

    /// Feeds one bar and returns the OBV (NaN on a NaN input, which restarts it at the next bar's volume).
    #[inline]
    pub fn update(&mut self, close: f64, volume: f64) -> f64 {
        if close.is_nan() || volume.is_nan() {
            self.reset();
            return f64::NAN;
        }
        self.value = if self.prev_close.is_nan() {
            volume
        } else {
            step(self.value, close, self.prev_close, volume)
        };
        self.prev_close = close;
        self.value
    }

    /// The last output (NaN until the first bar).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True once a bar has been seen.
    pub fn ready(&self) -> bool {
        !self.value.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.prev_close = f64::NAN;
        self.value = f64::NAN;
    }
}

/// One OBV step. Selects rather than branches: the direction of a close is a coin flip, and adding 0.0 for a
/// flat close leaves the level unchanged (as TA-Lib's branch does).
#[inline(always)]
fn step(level: f64, close: f64, prev_close: f64, volume: f64) -> f64 {
    // +1, -1 or 0 from the comparisons, without a branch; volume * ±1 is exact and volume * 0 adds nothing.
    let direction =
        f64::from(u8::from(close > prev_close)) - f64::from(u8::from(close < prev_close));
    level + volume * direction
}

impl fmt::Display for Obv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OBV")
    }
}

/// Batch OBV into `out` (the inputs' length).
pub fn obv(close: &[f64], volume: &[f64], out: &mut [f64]) -> Result<(), IndicatorError> {
    check_inputs(
        "OBV",
        &[
            ("close", close.len()),
            ("volume", volume.len()),
            ("out", out.len()),
        ],
    )?;
    let mut level = 0.0;
    for_each_piece(&[close, volume], |piece, fresh, gap| {
        let mut first = piece.start;
        if fresh && !piece.is_empty() {
            // Same arithmetic as `update`: start at the first volume, then add or subtract on a move.
            level = volume[first];
            out[first] = level;
            first += 1;
        }
        let (c, v, prev) = (
            &close[first..piece.end],
            &volume[first..piece.end],
            &close[first.saturating_sub(1)..],
        );
        for (((o, &ci), &vi), &pi) in out[first..piece.end].iter_mut().zip(c).zip(v).zip(prev) {
            level = step(level, ci, pi, vi);
            *o = level;
        }
        if gap {
            out[piece.end] = f64::NAN;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_on_up_subtracts_on_down_keeps_on_flat() {
        let mut o = Obv::new();
        assert_eq!(o.update(10.0, 5.0), 5.0);
        assert_eq!(o.update(11.0, 2.0), 7.0);
        assert_eq!(o.update(10.5, 3.0), 4.0);
        assert_eq!(o.update(10.5, 9.0), 4.0);
        assert_eq!(o.to_string(), "OBV");
    }
}
