//! Batch drivers shared by the indicators: NaN-gap splitting and the warm-up / steady-state loops.

use std::ops::Range;

/// Calls `f(run, gap_follows)` for each maximal run of bars with no NaN in any input; when `gap_follows`, the
/// bar at `run.end` has a NaN and its outputs must be set to NaN by the caller.
#[inline]
pub(crate) fn for_each_run(inputs: &[&[f64]], mut f: impl FnMut(Range<usize>, bool)) {
    let n = inputs[0].len();
    let mut start = 0;
    while start < n {
        let end = next_nan(inputs, start);
        f(start..end, end < n);
        start = end + 1;
    }
}

/// Index of the first bar at or after `from` with a NaN in any input (or the length).
#[inline]
fn next_nan(inputs: &[&[f64]], from: usize) -> usize {
    const CHUNK: usize = 64;
    let n = inputs[0].len();
    let mut i = from;
    // Branch-free scan of whole chunks (vectorises), then a scalar search inside the chunk that has one.
    while i + CHUNK <= n
        && !inputs
            .iter()
            .any(|x| x[i..i + CHUNK].iter().fold(false, |a, v| a | v.is_nan()))
    {
        i += CHUNK;
    }
    (i..n)
        .find(|&k| inputs.iter().any(|x| x[k].is_nan()))
        .unwrap_or(n)
}

/// Bars per piece: small enough that a piece's inputs are still in cache when the kernel reads them after
/// the NaN scan (a separate scan pass over a whole series would double the memory traffic of cheap kernels).
pub(crate) const PIECE: usize = 2048;

/// Like [`for_each_run`], but hands each run over in pieces of at most [`PIECE`] bars, scanning for NaN just
/// ahead of the kernel: `f(piece, fresh, gap_follows)`, where `fresh` says the piece starts a run (the
/// kernel re-seeds) and `gap_follows` that the bar at `piece.end` has a NaN (the caller writes its outputs).
#[inline]
pub(crate) fn for_each_piece(inputs: &[&[f64]], mut f: impl FnMut(Range<usize>, bool, bool)) {
    let n = inputs[0].len();
    let (mut start, mut fresh) = (0, true);
    while start < n {
        let limit = (start + PIECE).min(n);
        let end = next_nan_before(inputs, start, limit);
        let gap = end < limit;
        f(start..end, fresh, gap);
        (start, fresh) = if gap { (end + 1, true) } else { (end, false) };
    }
}

/// Index of the first bar in `from..limit` with a NaN in any input (or `limit`).
#[inline]
fn next_nan_before(inputs: &[&[f64]], from: usize, limit: usize) -> usize {
    let any_nan = |i: usize, j: usize| {
        inputs
            .iter()
            .any(|x| x[i..j].iter().fold(false, |a, v| a | v.is_nan()))
    };
    if !any_nan(from, limit) {
        return limit;
    }
    (from..limit)
        .find(|&k| inputs.iter().any(|x| x[k].is_nan()))
        .unwrap_or(limit)
}

/// Runs `f` compiled for FMA when the CPU has it (when LLVM inlines `f`, which it does for small closures;
/// the batch drivers use dedicated `#[target_feature]` functions instead). The smoothing recursions use
/// `f64::mul_add`, a fused multiply-add: one rounding, and 4 cycles instead of 7 on the dependency chain.
/// Without the CPU feature `mul_add` calls libm's `fma`, which is correctly rounded too, so every path gives
/// the same bits.
#[inline(always)]
pub(crate) fn with_fma<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "fma")]
        fn run<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports FMA, checked just above.
            return unsafe { run(f) };
        }
    }
    f()
}

/// Runs a whole batch kernel `f` compiled for AVX2 and FMA when the CPU has them: wider vectors for the
/// element-wise passes (square roots, bands, clamps), the fused multiply-add for the recursions. Every IEEE
/// operation gives the same bits at any vector width, so the output does not depend on the path.
#[inline(always)]
pub(crate) fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        fn run<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { run(f) };
        }
    }
    f()
}

/// Fills `out` by running a streaming indicator over `input`: batch equals streaming by construction.
#[inline]
pub(crate) fn drive<S>(
    state: &mut S,
    input: &[f64],
    out: &mut [f64],
    mut step: impl FnMut(&mut S, f64) -> f64,
) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = step(state, x);
    }
}

/// Batch driver for one-input recursive indicators whose state is small (no window): pieces of [`PIECE`] bars
/// go through `steady` (the arithmetic of `update` once `ready`, minus the checks) while watching for NaN in
/// the same pass; a piece that holds a NaN, or that starts before the warm-up is over, is redone from a
/// snapshot through `update` bar by bar. Either way the bits are those of streaming.
pub(crate) fn batch1<S: Clone>(
    proto: &S,
    input: &[f64],
    out: &mut [f64],
    ready: impl Fn(&S) -> bool,
    update: impl Fn(&mut S, f64) -> f64,
    steady: impl Fn(&mut S, f64) -> f64,
) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "fma")]
        fn fma<S: Clone>(
            proto: &S,
            input: &[f64],
            out: &mut [f64],
            ready: impl Fn(&S) -> bool,
            update: impl Fn(&mut S, f64) -> f64,
            steady: impl Fn(&mut S, f64) -> f64,
        ) {
            batch1_body(proto, input, out, ready, update, steady);
        }
        // SAFETY: the CPU supports FMA, checked just above.
        return unsafe { fma(proto, input, out, ready, update, steady) };
    }
    batch1_body(proto, input, out, ready, update, steady);
}

#[inline(always)]
fn batch1_body<S: Clone>(
    proto: &S,
    input: &[f64],
    out: &mut [f64],
    ready: impl Fn(&S) -> bool,
    update: impl Fn(&mut S, f64) -> f64,
    steady: impl Fn(&mut S, f64) -> f64,
) {
    let mut s = proto.clone();
    for (xs, os) in input.chunks(PIECE).zip(out.chunks_mut(PIECE)) {
        if ready(&s) {
            let saved = s.clone();
            let mut nan = false;
            for (o, &x) in os.iter_mut().zip(xs) {
                nan |= x.is_nan();
                *o = steady(&mut s, x);
            }
            if !nan {
                continue;
            }
            s = saved;
        }
        for (o, &x) in os.iter_mut().zip(xs) {
            *o = update(&mut s, x);
        }
    }
}
