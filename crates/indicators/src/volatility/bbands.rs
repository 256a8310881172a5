//! Bollinger Bands, TA-Lib `BBANDS(period, nbdevup, nbdevdn, SMA)`: middle = SMA, bands = middle +/- nbdev *
//! population standard deviation about that SMA; warm-up `period - 1`.

use std::fmt;

use crate::error::{check_inputs, check_min, check_non_negative};
use crate::volatility::stddev::{Moments, deviation};
use crate::{IndicatorError, for_each_piece, with_simd};

/// One Bollinger Bands output bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBandsOutput {
    /// Middle + nbdev_up * stddev.
    pub upper: f64,
    /// The SMA.
    pub middle: f64,
    /// Middle - nbdev_dn * stddev.
    pub lower: f64,
}

const NAN3: BBandsOutput = BBandsOutput {
    upper: f64::NAN,
    middle: f64::NAN,
    lower: f64::NAN,
};

/// Streaming Bollinger Bands: the mean and standard deviation of the anchored running sums that
/// [`StdDev`](crate::StdDev) keeps.
#[derive(Debug, Clone)]
pub struct BBands {
    period: usize,
    nbdev_up: f64,
    nbdev_dn: f64,
    sd: Moments,
    value: BBandsOutput,
}

impl BBands {
    /// New bands; `period >= 1`, both multipliers finite and >= 0.
    pub fn new(period: i64, nbdev_up: f64, nbdev_dn: f64) -> Result<Self, IndicatorError> {
        let period = check_min("BBANDS", "period", period, 1)?;
        let nbdev_up = check_non_negative("BBANDS", "nbdev_up", nbdev_up)?;
        let nbdev_dn = check_non_negative("BBANDS", "nbdev_dn", nbdev_dn)?;
        let sd = Moments::new(period);
        Ok(Self {
            period,
            nbdev_up,
            nbdev_dn,
            sd,
            value: NAN3,
        })
    }

    /// Feeds one value and returns (upper, middle, lower), NaN during warm-up and on a NaN input (which restarts).
    #[inline]
    pub fn update(&mut self, x: f64) -> BBandsOutput {
        if x.is_nan() {
            self.reset();
            return NAN3;
        }
        let Some((middle, var)) = self.sd.push(x) else {
            return self.value;
        };
        self.value = bands(middle, deviation(var, 1.0), self.nbdev_up, self.nbdev_dn);
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> BBandsOutput {
        self.value
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        !self.value.middle.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.sd.reset();
        self.value = NAN3;
    }
}

/// The bands about `middle` for a standard deviation `sd`.
#[inline(always)]
fn bands(middle: f64, sd: f64, nbdev_up: f64, nbdev_dn: f64) -> BBandsOutput {
    BBandsOutput {
        upper: middle + sd * nbdev_up,
        middle,
        lower: middle - sd * nbdev_dn,
    }
}

impl fmt::Display for BBands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BBANDS({},{},{})",
            self.period, self.nbdev_up, self.nbdev_dn
        )
    }
}

/// Batch Bollinger Bands into the three outputs (each of the input's length).
pub fn bbands(
    input: &[f64],
    period: i64,
    nbdev_up: f64,
    nbdev_dn: f64,
    out_upper: &mut [f64],
    out_middle: &mut [f64],
    out_lower: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut s = BBands::new(period, nbdev_up, nbdev_dn)?;
    check_inputs(
        "BBANDS",
        &[
            ("input", input.len()),
            ("out_upper", out_upper.len()),
            ("out_middle", out_middle.len()),
            ("out_lower", out_lower.len()),
        ],
    )?;
    // Per NaN-free piece: the warm-up through `update`, then the steady state in chunks (see `run_input`:
    // means and deviations), then the bands in a second, vectorisable pass over the (cached) piece. The same
    // operations as `update`, so the same bits.
    let (up, dn) = (s.nbdev_up, s.nbdev_dn);
    let mut run_start = 0;
    with_simd(|| {
        for_each_piece(&[input], |piece, fresh, gap| {
            if fresh {
                s.reset();
                run_start = piece.start;
            }
            let mut i = piece.start;
            while i < piece.end && !s.sd.warm() {
                let o = s.update(input[i]);
                (out_upper[i], out_middle[i], out_lower[i]) = (o.upper, o.middle, o.lower);
                i += 1;
            }
            // The deviation waits in `out_upper` until the bands pass.
            s.sd.run_input(
                input,
                run_start,
                i..piece.end,
                1.0,
                out_upper,
                Some(out_middle),
            );
            let (u, m, l) = (
                &mut out_upper[i..piece.end],
                &out_middle[i..piece.end],
                &mut out_lower[i..piece.end],
            );
            for ((u, &m), l) in u.iter_mut().zip(m).zip(l) {
                let o = bands(m, *u, up, dn);
                (*u, *l) = (o.upper, o.lower);
            }
            if gap {
                (
                    out_upper[piece.end],
                    out_middle[piece.end],
                    out_lower[piece.end],
                ) = (f64::NAN, f64::NAN, f64::NAN);
            }
        })
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_symmetric_about_the_sma() {
        let mut b = BBands::new(2, 2.0, 2.0).unwrap();
        b.update(1.0);
        assert_eq!(
            b.update(3.0),
            BBandsOutput {
                upper: 4.0,
                middle: 2.0,
                lower: 0.0
            }
        );
        assert_eq!(b.to_string(), "BBANDS(2,2,2)");
    }
}
