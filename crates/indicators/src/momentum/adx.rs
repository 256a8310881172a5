//! Average directional index with +DI/-DI, TA-Lib `ADX`, `PLUS_DI`, `MINUS_DI`: Wilder-smoothed directional
//! movement and true range; DI warm-up `period`, ADX warm-up `2 * period - 1` (seeded with the mean of the
//! first `period` DX values).

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, with_fma};

/// One ADX output bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdxOutput {
    /// ADX, in [0, 100].
    pub adx: f64,
    /// +DI, in [0, 100].
    pub plus_di: f64,
    /// -DI, in [0, 100].
    pub minus_di: f64,
}

const NAN3: AdxOutput = AdxOutput {
    adx: f64::NAN,
    plus_di: f64::NAN,
    minus_di: f64::NAN,
};

/// Streaming ADX/DMI with TA-Lib's order of operations.
#[derive(Debug, Clone)]
pub struct Adx {
    period: usize,
    keep: f64,
    count: usize,
    prev_high: f64,
    prev_low: f64,
    prev_close: f64,
    plus_dm: f64,
    minus_dm: f64,
    tr: f64,
    sum_dx: f64,
    value: AdxOutput,
}

impl Adx {
    /// A new ADX; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("ADX", "period", period, 1)?;
        let p = period as f64;
        Ok(Self {
            period,
            keep: (p - 1.0) / p,
            count: 0,
            prev_high: 0.0,
            prev_low: 0.0,
            prev_close: 0.0,
            plus_dm: 0.0,
            minus_dm: 0.0,
            tr: 0.0,
            sum_dx: 0.0,
            value: NAN3,
        })
    }

    /// Feeds one bar and returns (adx, +DI, -DI), NaN during warm-up and on a NaN input (which restarts).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> AdxOutput {
        // Compiled for FMA when the CPU has it (see `with_fma`); the same bits either way.
        with_fma(|| self.update_impl(high, low, close))
    }

    #[inline(always)]
    fn update_impl(&mut self, high: f64, low: f64, close: f64) -> AdxOutput {
        if high.is_nan() || low.is_nan() || close.is_nan() {
            self.reset();
            return NAN3;
        }
        let count = self.count;
        self.count += 1;
        if count == 0 {
            (self.prev_high, self.prev_low, self.prev_close) = (high, low, close);
            return self.value;
        }
        let diff_p = high - self.prev_high;
        let diff_m = self.prev_low - low;
        let tr = (high - low)
            .max((high - self.prev_close).abs())
            .max((low - self.prev_close).abs());
        (self.prev_high, self.prev_low, self.prev_close) = (high, low, close);
        let p = self.period as f64;
        if count < self.period {
            // Seed: plain sums over the first `period - 1` moves.
            let (plus, minus) = directional(diff_p, diff_m);
            self.plus_dm += plus;
            self.minus_dm += minus;
            self.tr += tr;
            return self.value;
        }
        // Wilder smoothing x - x / p + new, as x * (1 - 1 / p) + new: a multiply instead of a divide on the
        // dependency chain (agrees with TA-Lib to a few ulp).
        // (The same fused form for DM and TR, so a move that is all +DM keeps +DI at exactly 100.)
        let (plus, minus) = directional(diff_p, diff_m);
        self.plus_dm = self.plus_dm.mul_add(self.keep, plus);
        self.minus_dm = self.minus_dm.mul_add(self.keep, minus);
        self.tr = self.tr.mul_add(self.keep, tr);
        let (mut plus_di, mut minus_di, mut dx) = (0.0, 0.0, f64::NAN);
        if self.tr != 0.0 {
            minus_di = 100.0 * (self.minus_dm / self.tr);
            plus_di = 100.0 * (self.plus_dm / self.tr);
            let sum = minus_di + plus_di;
            if sum != 0.0 {
                dx = 100.0 * ((minus_di - plus_di).abs() / sum);
            }
        }
        let mut adx = self.value.adx;
        if count < 2 * self.period {
            if !dx.is_nan() {
                self.sum_dx += dx;
            }
            if count == 2 * self.period - 1 {
                adx = self.sum_dx / p;
            }
        } else if !dx.is_nan() {
            // TA-Lib's form, which keeps a run of DX = 100 at exactly 100.
            adx = (adx * (p - 1.0) + dx) / p;
        }
        self.value = AdxOutput {
            adx,
            plus_di,
            minus_di,
        };
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> AdxOutput {
        self.value
    }

    /// True once the ADX warm-up is over.
    pub fn ready(&self) -> bool {
        !self.value.adx.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.count = 0;
        self.plus_dm = 0.0;
        self.minus_dm = 0.0;
        self.tr = 0.0;
        self.sum_dx = 0.0;
        self.value = NAN3;
    }
}

/// (+DM, -DM) of one move: the larger positive move wins, the other is 0. Selects, not branches (the winner
/// is a coin flip); adding the loser's 0.0 to a non-negative sum changes nothing, as in TA-Lib's branches.
#[inline(always)]
fn directional(diff_p: f64, diff_m: f64) -> (f64, f64) {
    let minus_wins = (diff_m > 0.0) & (diff_p < diff_m);
    let plus_wins = (diff_p > 0.0) & (diff_p > diff_m);
    (
        if plus_wins { diff_p } else { 0.0 },
        if minus_wins { diff_m } else { 0.0 },
    )
}

impl fmt::Display for Adx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ADX({})", self.period)
    }
}

#[allow(clippy::too_many_arguments)] // three inputs, one period, three outputs
/// Batch ADX, +DI and -DI (each output of the inputs' length).
pub fn adx(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    period: i64,
    out_adx: &mut [f64],
    out_plus_di: &mut [f64],
    out_minus_di: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut s = Adx::new(period)?;
    check_inputs(
        "ADX",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("out_adx", out_adx.len()),
            ("out_plus_di", out_plus_di.len()),
            ("out_minus_di", out_minus_di.len()),
        ],
    )?;
    with_fma(|| {
        for (i, ((&h, &l), &c)) in high.iter().zip(low).zip(close).enumerate() {
            let o = s.update(h, l, c);
            out_adx[i] = o.adx;
            out_plus_di[i] = o.plus_di;
            out_minus_di[i] = o.minus_di;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_ups_and_a_steady_uptrend() {
        let mut a = Adx::new(3).unwrap();
        let outs: Vec<AdxOutput> = (0..12)
            .map(f64::from)
            .map(|x| a.update(x + 1.0, x, x + 0.5))
            .collect();
        assert!(outs[2].plus_di.is_nan());
        assert_eq!(outs[3].minus_di, 0.0);
        assert!(outs[3].plus_di > 0.0);
        assert!(outs[4].adx.is_nan());
        assert_eq!(outs[5].adx, 100.0);
        assert_eq!(a.to_string(), "ADX(3)");
    }
}
