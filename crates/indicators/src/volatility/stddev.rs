//! Rolling population standard deviation, TA-Lib `STDDEV(period, nbdev)`: sqrt(E[x^2] - E[x]^2) * nbdev,
//! 0 when the variance is not positive; warm-up `period - 1`.
//!
//! The running sums are kept about an anchor (a recent value) that moves every 8 x `period` bars, when the sums
//! are recomputed from the window, and at once when the variance is tiny next to the mean square (a quiet
//! window far from the anchor). This keeps E[x^2] - E[x]^2 from cancelling catastrophically (TA-Lib 0.8 is as
//! careful; plain running sums of x and x^2 are off by ~1e-10 on prices near 100) at O(1) amortised cost on
//! moving prices; a quiet stretch costs O(period) per bar until the anchor is inside it.

use std::fmt;

use crate::IndicatorError;
use crate::error::{check_inputs, check_min, check_non_negative};
use crate::{for_each_piece, with_simd};

mod steady;

/// Below this ratio of variance to the largest squared deviation summed since the last re-anchoring, the
/// running sums may have lost too many digits to cancellation.
const CANCELLATION: f64 = 1e-9;

/// The anchor moves to the newest value every this many windows: often enough that the running sums cannot
/// drift (their rounding grows with the bars since the anchor and the prices' distance from it), rarely
/// enough that recomputing them costs well under one operation per bar.
const REANCHOR_PERIODS: usize = 8;

/// The running sums about the anchor, over the newest `period - 1` values (the part of the window the next
/// bar keeps). `Copy`, so a batch loop keeps it in registers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sums {
    anchor: f64,
    sum: f64,
    sum_sq: f64,
    peak: f64,
    since_anchor: usize,
}

const EMPTY: Sums = Sums {
    anchor: 0.0,
    sum: 0.0,
    sum_sq: 0.0,
    peak: 0.0,
    since_anchor: 0,
};

/// The window of the last `period` values: a ring with its write position; `Moments` is what both the
/// streaming structs (`push`) and the batch loops (`run_input`, in `steady`) step.
#[derive(Debug, Clone)]
pub(crate) struct Moments {
    period: usize,
    inv_period: f64,
    buf: Vec<f64>,
    head: usize,
    len: usize,
    sums: Sums,
}

impl Moments {
    pub(crate) fn new(period: usize) -> Self {
        Self {
            period,
            inv_period: 1.0 / period as f64,
            buf: vec![0.0; period],
            head: 0,
            len: 0,
            sums: EMPTY,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.head = 0;
        self.len = 0;
        self.sums = EMPTY;
    }

    /// True when the next value completes a window (the steady state).
    #[inline(always)]
    pub(crate) fn warm(&self) -> bool {
        self.len + 1 >= self.period
    }

    /// Takes a non-NaN value; once the window is full, returns its (mean, population variance).
    #[inline(always)]
    pub(crate) fn push(&mut self, x: f64) -> Option<(f64, f64)> {
        if self.warm() {
            let (mut sums, mut head) = (self.sums, self.head);
            let out = step(&mut sums, &mut self.buf, &mut head, x, self.inv_period);
            (self.sums, self.head) = (sums, head);
            self.len = self.period;
            return Some(out);
        }
        // Warm-up: the window is not full yet, so nothing is evicted.
        if self.len == 0 {
            self.sums.anchor = x;
        }
        self.buf[self.head] = x;
        self.head = if self.head + 1 == self.period {
            0
        } else {
            self.head + 1
        };
        self.len += 1;
        let d = x - self.sums.anchor;
        self.sums.sum += d;
        self.sums.sum_sq += d * d;
        self.sums.peak = self.sums.peak.max(d * d);
        None
    }
}

/// One steady-state bar: `buf` holds the last `period` values (`head` at the oldest), the sums cover the newest
/// `period - 1`. Pushes `x` and returns the window's (mean, variance); the sums' update is one add per bar on
/// the dependency chain.
#[inline(always)]
fn step(sums: &mut Sums, buf: &mut [f64], head: &mut usize, x: f64, inv: f64) -> (f64, f64) {
    let period = buf.len();
    let d = x - sums.anchor;
    let dd = d * d;
    buf[*head] = x;
    *head = if *head + 1 == period { 0 } else { *head + 1 };
    sums.peak = if dd > sums.peak { dd } else { sums.peak };
    let (mut s, mut q) = (sums.sum + d, sums.sum_sq + dd);
    let mut mean = s * inv;
    let mut var = q * inv - mean * mean;
    // The window's oldest value, dropped from the sums after this bar (the slot `push` writes next).
    let mut oldest = buf[*head] - sums.anchor;
    if var < CANCELLATION * sums.peak {
        // Most digits cancelled (a quiet window far from the anchor): recentre on the window and recompute.
        (s, q, sums.peak) = resum(buf, x);
        sums.anchor = x;
        mean = s * inv;
        var = q * inv - mean * mean;
        oldest = buf[*head] - x;
        sums.sum = s - oldest;
        sums.sum_sq = q - oldest * oldest;
    } else {
        sums.sum += d - oldest;
        sums.sum_sq += dd - oldest * oldest;
    }
    let mean = sums.anchor + mean;
    sums.since_anchor += 1;
    if sums.since_anchor >= REANCHOR_PERIODS * period {
        // Re-anchor on the newest value over the `period - 1` values the next bar keeps (all but `head`).
        let (s, q, peak) = resum(buf, x);
        let old = buf[*head] - x;
        (sums.sum, sums.sum_sq, sums.peak) = (s - old, q - old * old, peak);
        sums.anchor = x;
        sums.since_anchor = 0;
    }
    (mean, var)
}

/// Sums of `v - anchor`, of its square and its largest square over the whole window, with four accumulators
/// (independent of the running sums, so the CPU computes it off the dependency chain).
#[inline(always)]
fn resum(buf: &[f64], anchor: f64) -> (f64, f64, f64) {
    let (mut s, mut q, mut m) = ([0.0; 4], [0.0; 4], [0.0f64; 4]);
    let mut chunks = buf.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            let d = c[k] - anchor;
            s[k] += d;
            q[k] += d * d;
            m[k] = m[k].max(d * d);
        }
    }
    for &v in chunks.remainder() {
        let d = v - anchor;
        s[0] += d;
        q[0] += d * d;
        m[0] = m[0].max(d * d);
    }
    (
        (s[0] + s[1]) + (s[2] + s[3]),
        (q[0] + q[1]) + (q[2] + q[3]),
        m[0].max(m[1]).max(m[2].max(m[3])),
    )
}

/// Streaming rolling standard deviation.
#[derive(Debug, Clone)]
pub struct StdDev {
    nbdev: f64,
    moments: Moments,
    value: f64,
}

impl StdDev {
    /// A new rolling standard deviation; `period >= 1`, `nbdev` finite and >= 0 (the result's multiplier).
    pub fn new(period: i64, nbdev: f64) -> Result<Self, IndicatorError> {
        let period = check_min("STDDEV", "period", period, 1)?;
        let nbdev = check_non_negative("STDDEV", "nbdev", nbdev)?;
        Ok(Self {
            nbdev,
            moments: Moments::new(period),
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
        if let Some((_, var)) = self.moments.push(x) {
            self.value = deviation(var, self.nbdev);
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
        self.moments.reset();
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
        write!(f, "STDDEV({},{})", self.moments.period, self.nbdev)
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
    // Per NaN-free piece: the warm-up through `push`, then the steady state in chunks (see `run_input`). The
    // same operations as `update`.
    let m = &mut s.moments;
    let mut run_start = 0;
    with_simd(|| {
        for_each_piece(&[input], |piece, fresh, gap| {
            if fresh {
                m.reset();
                run_start = piece.start;
            }
            let mut i = piece.start;
            while i < piece.end && !m.warm() {
                m.push(input[i]);
                out[i] = f64::NAN;
                i += 1;
            }
            m.run_input(input, run_start, i..piece.end, nbdev, out, None);
            if gap {
                out[piece.end] = f64::NAN;
            }
        })
    });
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

    /// Moves, then a long quiet stretch far from the anchor (the sums are recentred), then moves again, with
    /// periods short and longer than a batch piece (whose warm-up spans pieces): batch and streaming give the
    /// same bits, for STDDEV and for BBANDS (the same running moments).
    #[test]
    fn batch_equals_streaming_through_recentring_and_long_warm_ups() {
        let mut x = 1000.0;
        let series: Vec<f64> = (0..7000)
            .map(|i| {
                if !(2000..3500).contains(&i) {
                    x += ((i * 7919) % 13) as f64 - 6.0;
                }
                x + if (2000..3500).contains(&i) {
                    1e-7 * (i % 3) as f64
                } else {
                    0.0
                }
            })
            .collect();
        for period in [2, 5, 20, 300, 2500] {
            let mut out = vec![0.0; series.len()];
            stddev(&series, period, 2.0, &mut out).unwrap();
            let mut s = StdDev::new(period, 2.0).unwrap();
            for (i, (&x, &o)) in series.iter().zip(&out).enumerate() {
                let v = s.update(x);
                assert!(
                    v.to_bits() == o.to_bits(),
                    "period {period}, bar {i}: {v} != {o}"
                );
            }
        }
    }
}
