//! The batch steady state of [`Moments`]: the running sums over a NaN-free stretch of the input in short
//! chunks, each in three passes (increments, the sums' chain, the moments), so that the vector passes overlap
//! the chain's latency. Every value is computed by the same operations as `step`, so the bits are streaming's.

use std::ops::Range;

use super::{CANCELLATION, Moments, REANCHOR_PERIODS, Sums, deviation, resum};

/// Bars per chunk: short enough that the CPU overlaps one chunk's vector passes with the next chunk's chain of
/// additions (32 measured best on a Zen 4: 16 pays the per-chunk cost, 64 and more overlap less).
const CHUNK: usize = 32;

impl Moments {
    /// The steady state over `input[range]`, inside a NaN-free run that starts at `run_start` and is past its
    /// warm-up (`self.warm()`): writes `deviation(var, nbdev)` of each bar's variance to `sds` and, when given,
    /// its mean to `means` (both indexed like `input`), the values `push` would give bar by bar. In batch the
    /// window's oldest value is read from the input rather than from the ring; the ring is refilled at the
    /// end, so the state is what `push` leaves.
    pub(crate) fn run_input(
        &mut self,
        input: &[f64],
        run_start: usize,
        range: Range<usize>,
        nbdev: f64,
        sds: &mut [f64],
        means: Option<&mut [f64]>,
    ) {
        let io = Io {
            input,
            run_start,
            nbdev,
        };
        match means {
            Some(means) => self.dispatch::<true>(io, range, sds, means),
            None => self.dispatch::<false>(io, range, sds, &mut []),
        }
    }

    /// Runs the chunks in a function of their own compiled for AVX2 when the CPU has it (not in the caller's
    /// `with_simd`: LLVM does not inline a body this large into the caller's closure, and a function it does
    /// not inline is compiled without the caller's features).
    #[inline(always)]
    fn dispatch<const MEANS: bool>(
        &mut self,
        io: Io<'_>,
        range: Range<usize>,
        sds: &mut [f64],
        means: &mut [f64],
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            #[target_feature(enable = "avx2,fma")]
            fn simd<const MEANS: bool>(
                m: &mut Moments,
                io: Io<'_>,
                range: Range<usize>,
                sds: &mut [f64],
                means: &mut [f64],
            ) {
                m.run_chunks::<MEANS>(io, range, sds, means);
            }
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { simd::<MEANS>(self, io, range, sds, means) };
        }
        self.run_chunks::<MEANS>(io, range, sds, means);
    }

    /// The chunk loop: each chunk ends at the latest at the bar that re-anchors; a bar whose variance cancelled
    /// is recentred on its own and the next chunk starts after it.
    #[inline(always)]
    fn run_chunks<const MEANS: bool>(
        &mut self,
        io: Io<'_>,
        range: Range<usize>,
        sds: &mut [f64],
        means: &mut [f64],
    ) {
        if range.is_empty() {
            return;
        }
        let Io {
            input,
            run_start,
            nbdev,
        } = io;
        let (period, inv) = (self.period, self.inv_period);
        let limit = REANCHOR_PERIODS * period;
        let mut sums = self.sums;
        let (mut inc, mut inc_sq) = ([0.0; CHUNK], [0.0; CHUNK]);
        let mut i = range.start;
        while i < range.end {
            // A chunk never runs past the bar that re-anchors, so the anchor is fixed within it.
            let n = (range.end - i).min(CHUNK).min(limit - sums.since_anchor);
            let xs = &input[i..i + n];
            let olds = &input[i + 1 - period..i + 1 - period + n];
            let (inc, inc_sq) = (&mut inc[..n], &mut inc_sq[..n]);
            increments(xs, olds, sums.anchor, inc, inc_sq);
            let (sum, sum_sq, peak) = running_sums(xs, inc, inc_sq, &sums);
            let before = Before {
                xs,
                sum: inc,
                sum_sq: inc_sq,
                anchor: sums.anchor,
                inv,
            };
            // A variance below the threshold of the chunk's last peak is a candidate: the running peak is no
            // larger, so a chunk with none has no cancellation at all.
            let means_out = if MEANS { &mut means[i..i + n] } else { &mut [] };
            let suspect = moments::<MEANS>(&before, peak, nbdev, &mut sds[i..i + n], means_out);
            let mut done = if suspect {
                first_cancelled(&before, sums.peak)
            } else {
                n
            };
            if done == n {
                (sums.sum, sums.sum_sq, sums.peak) = (sum, sum_sq, peak);
            } else {
                // Most digits cancelled at this bar: recentre on it, as `step` does (the outputs from this
                // bar on are redone).
                let bar = i + done;
                let (mean, var);
                (sums, mean, var) = self.recentre(input, run_start, bar, sums);
                sds[bar] = deviation(var, nbdev);
                if MEANS {
                    means[bar] = mean;
                }
                done += 1;
            }
            sums.since_anchor += done;
            i += done;
            if sums.since_anchor >= limit {
                sums = self.reanchor(input, run_start, i - 1, sums);
            }
        }
        self.sums = sums;
        self.len = period;
        self.load_window(input, run_start, range.end - 1);
    }

    /// Puts the window ending at bar `last` of the run starting at `run_start` into the ring, in the slots
    /// `push` would have used (bar `j` in slot `(j - run_start) % period`), with `head` at the oldest.
    #[inline]
    fn load_window(&mut self, input: &[f64], run_start: usize, last: usize) {
        let period = self.period;
        let oldest = last + 1 - period;
        let head = (oldest - run_start) % period;
        let (older, newer) = input[oldest..=last].split_at(period - head);
        self.buf[head..].copy_from_slice(older);
        self.buf[..head].copy_from_slice(newer);
        self.head = head;
    }

    /// `step`'s recentring at `bar`: the sums over the window about its newest value; returns them with the
    /// bar's (mean, variance). (The sums go by value, so the caller's stay in registers.)
    #[cold]
    #[inline(never)]
    fn recentre(
        &mut self,
        input: &[f64],
        run_start: usize,
        bar: usize,
        mut sums: Sums,
    ) -> (Sums, f64, f64) {
        let x = input[bar];
        self.load_window(input, run_start, bar);
        let (s, q, peak) = resum(&self.buf, x);
        let mean = s * self.inv_period;
        let var = q * self.inv_period - mean * mean;
        let oldest = self.buf[self.head] - x;
        (sums.anchor, sums.peak) = (x, peak);
        sums.sum = s - oldest;
        sums.sum_sq = q - oldest * oldest;
        (sums, x + mean, var)
    }

    /// `step`'s re-anchoring after `bar`: the sums over the values the next bar keeps, about this bar's value.
    #[inline(never)]
    fn reanchor(&mut self, input: &[f64], run_start: usize, bar: usize, mut sums: Sums) -> Sums {
        let x = input[bar];
        self.load_window(input, run_start, bar);
        let (s, q, peak) = resum(&self.buf, x);
        let old = self.buf[self.head] - x;
        (sums.sum, sums.sum_sq, sums.peak) = (s - old, q - old * old, peak);
        sums.anchor = x;
        sums.since_anchor = 0;
        sums
    }
}

/// Each bar's change of the sums, `d - oldest` and `d^2 - oldest^2` (d = x - anchor, as in `step`): an
/// element-wise pass, which vectorises.
#[inline(always)]
fn increments(xs: &[f64], olds: &[f64], anchor: f64, inc: &mut [f64], inc_sq: &mut [f64]) {
    let bars = xs.iter().zip(olds);
    for ((&x, &old), (inc, sq)) in bars.zip(inc.iter_mut().zip(inc_sq.iter_mut())) {
        let d = x - anchor;
        let oldest = old - anchor;
        (*inc, *sq) = (d - oldest, d * d - oldest * oldest);
    }
}

/// The sums' chain, one addition per bar each, and the running peak of `d^2`: replaces every increment by the
/// sum before its bar; returns the sums and the peak after the last. (The peak's few operations ride along in
/// the slots the chain's latency leaves idle.)
#[inline(always)]
fn running_sums(xs: &[f64], inc: &mut [f64], inc_sq: &mut [f64], sums: &Sums) -> (f64, f64, f64) {
    let (mut sum, mut sum_sq, mut peak) = (sums.sum, sums.sum_sq, sums.peak);
    for ((&x, inc), sq) in xs.iter().zip(inc.iter_mut()).zip(inc_sq.iter_mut()) {
        let d = x - sums.anchor;
        let dd = d * d;
        // `if dd > peak`, as `step` (a NaN square never becomes the peak).
        peak = if dd > peak { dd } else { peak };
        let (di, dq) = (*inc, *sq);
        (*inc, *sq) = (sum, sum_sq);
        sum += di;
        sum_sq += dq;
    }
    (sum, sum_sq, peak)
}

/// A chunk's bars and the sums before each of them.
struct Before<'a> {
    xs: &'a [f64],
    sum: &'a [f64],
    sum_sq: &'a [f64],
    anchor: f64,
    inv: f64,
}

/// The batch's input, its run's first bar and the deviations' multiplier.
#[derive(Clone, Copy)]
struct Io<'a> {
    input: &'a [f64],
    run_start: usize,
    nbdev: f64,
}

/// Each bar's `deviation(var, nbdev)`, and its mean when `MEANS` (vectorises, square roots included: the CPU
/// overlaps them with the next chunk's chain); true if a variance falls below the cancellation threshold of
/// `peak`.
#[inline(always)]
fn moments<const MEANS: bool>(
    before: &Before<'_>,
    peak: f64,
    nbdev: f64,
    sds: &mut [f64],
    means: &mut [f64],
) -> bool {
    let Before {
        xs,
        sum,
        sum_sq,
        anchor,
        inv,
    } = *before;
    let threshold = CANCELLATION * peak;
    let mut suspect = false;
    let bars = xs.iter().zip(sum).zip(sum_sq);
    if MEANS {
        for (((&x, &s), &q), (sd, m)) in bars.zip(sds.iter_mut().zip(means.iter_mut())) {
            let (mean, var) = moments_of(x, s, q, anchor, inv);
            suspect |= var < threshold;
            (*sd, *m) = (deviation(var, nbdev), anchor + mean);
        }
    } else {
        for (((&x, &s), &q), sd) in bars.zip(sds.iter_mut()) {
            let var = moments_of(x, s, q, anchor, inv).1;
            suspect |= var < threshold;
            *sd = deviation(var, nbdev);
        }
    }
    suspect
}

/// `step`'s window mean (about the anchor) and variance at a bar `x`, from the sums before it.
#[inline(always)]
fn moments_of(x: f64, sum: f64, sum_sq: f64, anchor: f64, inv: f64) -> (f64, f64) {
    let d = x - anchor;
    let mean = (sum + d) * inv;
    (mean, (sum_sq + d * d) * inv - mean * mean)
}

/// The first bar whose variance is below the threshold of the running peak (`peak` before the chunk), as `step`
/// tests it (the chunk's length when none is).
#[cold]
fn first_cancelled(before: &Before<'_>, peak: f64) -> usize {
    let mut peak = peak;
    let bars = before.xs.iter().zip(before.sum).zip(before.sum_sq);
    for (k, ((&x, &sum), &sum_sq)) in bars.enumerate() {
        let d = x - before.anchor;
        let dd = d * d;
        peak = if dd > peak { dd } else { peak };
        if moments_of(x, sum, sum_sq, before.anchor, before.inv).1 < CANCELLATION * peak {
            return k;
        }
    }
    before.xs.len()
}
