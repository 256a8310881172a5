//! True range and average true range, TA-Lib `TRANGE` (warm-up 1) and `ATR` (Wilder smoothing seeded with
//! the mean of the first `period` true ranges, which start at bar 1; warm-up `period`).

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, PIECE, batch3, with_fma, with_simd};

/// Streaming true range: max(high - low, |high - prev close|, |low - prev close|).
#[derive(Debug, Clone)]
pub struct TRange {
    prev_close: f64,
    value: f64,
}

impl Default for TRange {
    fn default() -> Self {
        Self::new()
    }
}

impl TRange {
    /// A new true range (no parameters).
    pub fn new() -> Self {
        Self {
            prev_close: f64::NAN,
            value: f64::NAN,
        }
    }

    /// Feeds one bar and returns its true range (NaN on the first bar and on a NaN input, which restarts).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if high.is_nan() || low.is_nan() || close.is_nan() {
            self.reset();
            return f64::NAN;
        }
        let pc = self.prev_close;
        self.prev_close = close;
        if pc.is_nan() {
            return f64::NAN;
        }
        self.value = true_range(high, low, pc);
        self.value
    }

    /// One step after the first bar: `update` without the checks.
    #[inline(always)]
    pub(crate) fn steady(&mut self, high: f64, low: f64, close: f64) -> f64 {
        self.value = true_range(high, low, self.prev_close);
        self.prev_close = close;
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True once a previous close is known.
    pub fn ready(&self) -> bool {
        !self.value.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.prev_close = f64::NAN;
        self.value = f64::NAN;
    }
}

/// max(high - low, |high - prev_close|, |low - prev_close|), compared in TA-Lib's order.
#[inline(always)]
fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    let mut range = high - low;
    let up = (high - prev_close).abs();
    if up > range {
        range = up;
    }
    let down = (low - prev_close).abs();
    if down > range {
        range = down;
    }
    range
}

impl fmt::Display for TRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TRANGE")
    }
}

/// Streaming ATR.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    keep: f64,
    weight: f64,
    trange: TRange,
    count: usize,
    value: f64,
}

impl Atr {
    /// A new ATR; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("ATR", "period", period, 1)?;
        let p = period as f64;
        Ok(Self {
            period,
            keep: (p - 1.0) / p,
            weight: 1.0 / p,
            trange: TRange::new(),
            count: 0,
            value: f64::NAN,
        })
    }

    /// Feeds one bar and returns the ATR (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> f64 {
        // Compiled for FMA when the CPU has it (see `with_fma`); the same bits either way.
        with_fma(|| self.update_impl(high, low, close))
    }

    #[inline(always)]
    fn update_impl(&mut self, high: f64, low: f64, close: f64) -> f64 {
        if high.is_nan() || low.is_nan() || close.is_nan() {
            self.reset();
            return f64::NAN;
        }
        if self.count >= self.period {
            return self.steady(high, low, close);
        }
        let tr = self.trange.update(high, low, close);
        if tr.is_nan() {
            return f64::NAN; // the first bar of a run has no true range
        }
        // Seed: the mean of the first `period` true ranges.
        self.count += 1;
        self.value = if self.count == 1 { tr } else { self.value + tr };
        if self.count < self.period {
            return f64::NAN;
        }
        self.value /= self.period as f64;
        self.value
    }

    /// One step after the warm-up: `update` without the checks.
    #[inline(always)]
    pub(crate) fn steady(&mut self, high: f64, low: f64, close: f64) -> f64 {
        let tr = self.trange.steady(high, low, close);
        // Wilder: (atr * (p - 1) + tr) / p, as one multiply-add.
        self.value = self.value.mul_add(self.keep, tr * self.weight);
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        if self.ready() { self.value } else { f64::NAN }
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        self.count >= self.period
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.trange.reset();
        self.count = 0;
        self.value = f64::NAN;
    }
}

impl fmt::Display for Atr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ATR({})", self.period)
    }
}

/// Batch true range into `out` (the inputs' length).
pub fn trange(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    check_inputs(
        "TRANGE",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("out", out.len()),
        ],
    )?;
    // Compiled for AVX2 where the CPU has it: the clean pieces' loop then runs four bars per instruction.
    with_simd(|| trange_body(high, low, close, out));
    Ok(())
}

/// The kernel of [`trange`].
#[inline(always)]
fn trange_body(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    // Optimistic pieces: compute assuming clean inputs while watching for NaN in the same pass; a piece with a
    // NaN (or right after one) is redone bar by bar with `update`'s rules. Same arithmetic either way.
    let n = out.len();
    let mut last_nan: Option<usize> = None;
    let mut start = 0;
    while start < n {
        let end = (start + PIECE).min(n);
        let clean_before = start > 0 && last_nan.is_none_or(|g| g + 1 < start);
        if clean_before {
            let mut nan = false;
            let (h, l, pc) = (
                &high[start..end],
                &low[start..end],
                &close[start - 1..end - 1],
            );
            for (((o, &hi), &li), &ci) in out[start..end].iter_mut().zip(h).zip(l).zip(pc) {
                // One test for three: the sum is NaN if any is (or on inf - inf, which the exact path redoes).
                nan |= (hi + li + ci).is_nan();
                *o = true_range(hi, li, ci);
            }
            nan |= close[end - 1].is_nan();
            if !nan {
                start = end;
                continue;
            }
        }
        for i in start..end {
            if high[i].is_nan() || low[i].is_nan() || close[i].is_nan() {
                last_nan = Some(i);
                out[i] = f64::NAN;
            } else if i == 0 || last_nan == Some(i - 1) {
                out[i] = f64::NAN; // the first bar of a run has no previous close
            } else {
                out[i] = true_range(high[i], low[i], close[i - 1]);
            }
        }
        start = end;
    }
}

/// Batch ATR into `out` (the inputs' length).
pub fn atr(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: i64,
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    let proto = Atr::new(period)?;
    check_inputs(
        "ATR",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("out", out.len()),
        ],
    )?;
    batch3(
        &proto,
        high,
        low,
        close,
        out,
        Atr::ready,
        Atr::update,
        Atr::steady,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_range_uses_previous_close_for_gaps() {
        let mut t = TRange::new();
        assert!(t.update(10.0, 9.0, 9.5).is_nan());
        assert_eq!(t.update(12.0, 11.0, 11.5), 2.5);
        assert_eq!(t.to_string(), "TRANGE");
    }

    #[test]
    fn atr_seeds_with_mean_true_range() {
        let mut a = Atr::new(2).unwrap();
        assert!(a.update(10.0, 9.0, 9.5).is_nan());
        assert!(a.update(10.0, 9.0, 9.5).is_nan());
        assert_eq!(a.update(11.0, 9.0, 10.0), 1.5);
        assert_eq!(a.update(11.0, 10.0, 10.5), 1.5 * 0.5 + 1.0 * 0.5);
        assert_eq!(a.to_string(), "ATR(2)");
    }
}
