//! Commodity channel index, TA-Lib `CCI`: (tp - mean(tp)) / (0.015 * mean absolute deviation) over `period`
//! typical prices tp = (high + low + close) / 3; 0 when the deviation is 0 or tp is within 1e-14 (relative) of
//! the mean, as TA-Lib 0.8; warm-up `period - 1`.

use std::fmt;

use crate::IndicatorError;
use crate::error::{check_inputs, check_min};
use crate::window::Ring;
use crate::{ZERO_BAND, for_each_piece, with_simd};

/// Streaming CCI, O(period) per bar: the mean deviation has no running form.
#[derive(Debug, Clone)]
pub struct Cci {
    period: usize,
    ring: Ring,
    value: f64,
}

impl Cci {
    /// A new CCI; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("CCI", "period", period, 1)?;
        Ok(Self {
            period,
            ring: Ring::new(period),
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
        self.ring.push(tp);
        if !self.ring.is_full() {
            return self.value;
        }
        // TA-Lib's arithmetic: the window's sum and deviation afresh, in circular-buffer slot order.
        self.value = window_cci(self.ring.slots(), &[], tp, self.period as f64);
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

/// The CCI of a bar with typical price `tp` whose window, in slot order, is `a` then `b`: sequential sums,
/// as TA-Lib (a near-flat window's result hangs on the last ulp of the mean, so the order is TA-Lib's).
#[inline(always)]
fn window_cci(a: &[f64], b: &[f64], tp: f64, p: f64) -> f64 {
    let sum = b
        .iter()
        .fold(a.iter().fold(0.0, |s, &v| s + v), |s, &v| s + v);
    let mean = sum / p;
    let dev = a.iter().chain(b).fold(0.0, |d, &v| d + (v - mean).abs());
    cci_value(tp, mean, dev, p)
}

/// The CCI of a bar from its typical price, the window's mean and summed absolute deviation.
#[inline(always)]
fn cci_value(tp: f64, mean: f64, dev: f64, p: f64) -> f64 {
    let diff = tp - mean;
    // TA-Lib 0.8's scale-aware dead zone: a typical price within ~90 ulp of the mean is at the mean.
    let at_mean = diff.abs() <= ZERO_BAND * (tp.abs() + mean.abs());
    if !at_mean && dev != 0.0 {
        diff / (0.015 * (dev / p))
    } else {
        0.0
    }
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
    // Per NaN-free piece: the warm-up through `update`, then `update`'s arithmetic in passes over the piece
    // (typical prices, the running mean, the deviation sums vectorised across bars, the outputs).
    let mut scratch = Vec::new();
    for_each_piece(&[high, low, close], |piece, fresh, gap| {
        if fresh {
            s.reset();
        }
        let mut i = piece.start;
        while i < piece.end && !s.ring.is_full() {
            out[i] = s.update(high[i], low[i], close[i]);
            i += 1;
        }
        if i < piece.end {
            let r = i..piece.end;
            with_simd(|| {
                steady(
                    &mut s,
                    &high[r.clone()],
                    &low[r.clone()],
                    &close[r.clone()],
                    &mut out[r],
                    &mut scratch,
                )
            });
        }
        if gap {
            out[piece.end] = f64::NAN;
        }
    });
    Ok(())
}

/// `update` over bars with no NaN, starting with a full window: the same operations in the same order. Bar
/// `j`'s window in slot order is two runs of the typical prices: from the bar in slot 0 up to `j`, then the
/// older bars that fill the later slots.
#[inline(always)]
fn steady(
    s: &mut Cci,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [f64],
    tp: &mut Vec<f64>,
) {
    let period = s.period;
    let p = period as f64;
    // tp[j + period] is bar j's typical price; the `period` before the piece come from the ring.
    tp.clear();
    let (older, newer) = s.ring.newest(period);
    tp.extend_from_slice(older);
    tp.extend_from_slice(newer);
    tp.extend(
        high.iter()
            .zip(low)
            .zip(close)
            .map(|((&h, &l), &c)| (h + l + c) / 3.0),
    );
    // Bars whose slot-0 bar is the same share `base`; four of them at a time run in vector lanes (lane `l`
    // takes the newer value for slots up to its own, the older one after), each lane adding the same terms
    // in the same order as `window_cci`.
    const LANES: usize = 4;
    let (n, mut j, mut slot) = (out.len(), 0, s.ring.head());
    while j < n {
        let base = j + period - slot;
        let cycle_end = (j + period - slot).min(n);
        while j + LANES <= cycle_end {
            // Slots up to `first` hold newer values in every lane, slots from `first + LANES` older ones.
            let first = slot;
            let mixed = |k: usize, l: usize| {
                if k <= first + l {
                    tp[base + k]
                } else {
                    tp[base + k - period]
                }
            };
            let mut sum = [0.0; LANES];
            for &v in &tp[base..=base + first] {
                sum.iter_mut().for_each(|a| *a += v);
            }
            for k in first + 1..first + LANES {
                sum.iter_mut()
                    .enumerate()
                    .for_each(|(l, a)| *a += mixed(k, l));
            }
            for &v in &tp[base + first + LANES - period..base] {
                sum.iter_mut().for_each(|a| *a += v);
            }
            let mean = sum.map(|x| x / p);
            let mut dev = [0.0; LANES];
            for &v in &tp[base..=base + first] {
                dev.iter_mut()
                    .zip(&mean)
                    .for_each(|(d, &m)| *d += (v - m).abs());
            }
            for k in first + 1..first + LANES {
                dev.iter_mut()
                    .zip(&mean)
                    .enumerate()
                    .for_each(|(l, (d, &m))| *d += (mixed(k, l) - m).abs());
            }
            for &v in &tp[base + first + LANES - period..base] {
                dev.iter_mut()
                    .zip(&mean)
                    .for_each(|(d, &m)| *d += (v - m).abs());
            }
            for (l, o) in out[j..j + LANES].iter_mut().enumerate() {
                *o = cci_value(tp[j + l + period], mean[l], dev[l], p);
            }
            (j, slot) = (j + LANES, slot + LANES);
        }
        while j < cycle_end {
            let t = j + period;
            out[j] = window_cci(&tp[base..=t], &tp[t + 1 - period..base], tp[t], p);
            (j, slot) = (j + 1, slot + 1);
        }
        if slot == period {
            slot = 0;
        }
    }
    for &x in &tp[period..] {
        s.ring.push(x);
    }
    if let Some(&last) = out.last() {
        s.value = last;
    }
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
