//! True range, TA-Lib `TRANGE` (warm-up 1): max(high - low, |high - prev close|, |low - prev close|).

use std::fmt;

use crate::error::check_inputs;
use crate::{IndicatorError, PIECE, with_simd};

/// Streaming true range: max(high - low, |high - prev close|, |low - prev close|).
#[derive(Debug, Clone)]
pub struct TRange {
    pub(super) prev_close: f64,
    pub(super) value: f64,
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
pub(super) fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
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

/// Outputs of at least this many bars (4 MiB, twice the L2 cache) are written with streaming stores.
const STREAM_FROM: usize = 1 << 19;

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
    #[cfg(target_arch = "x86_64")]
    if out.len() >= STREAM_FROM {
        // Memory-bound: the wider vectors keep more loads in flight (about a tenth faster on a Zen 4).
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            unsafe { trange_streaming512(high, low, close, out) };
            return Ok(());
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { trange_streaming(high, low, close, out) };
            return Ok(());
        }
    }
    // Compiled for AVX2 where the CPU has it: the clean pieces' loop then runs four bars per instruction.
    with_simd(|| trange_pieces(high, low, close, out, clean_piece));
    Ok(())
}

/// [`trange_pieces`] with [`clean_piece_streaming`]: a large output bypasses the caches on its way to memory,
/// so the line is not first read in (a third less memory traffic) and the inputs stay cached.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn trange_streaming(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    // (The closure inherits the function's target features, so the AVX2 kernel is safe to call from it.)
    trange_pieces(high, low, close, out, |h, l, pc, o| {
        clean_piece_streaming(h, l, pc, o)
    });
    // Streaming stores are weakly ordered: make them visible before the caller (another thread) reads `out`.
    std::arch::x86_64::_mm_sfence();
}

/// [`trange_streaming`] eight bars per instruction, with [`clean_piece_streaming512`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn trange_streaming512(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    trange_pieces(high, low, close, out, |h, l, pc, o| {
        clean_piece_streaming512(h, l, pc, o)
    });
    std::arch::x86_64::_mm_sfence();
}

/// The exact output of bar `i`: NaN for a bar with a NaN (a gap) and for the first bar of a run.
#[inline(always)]
fn exact(high: &[f64], low: &[f64], close: &[f64], i: usize) -> f64 {
    let gap = |k: usize| high[k].is_nan() || low[k].is_nan() || close[k].is_nan();
    if gap(i) || i == 0 || gap(i - 1) {
        f64::NAN
    } else {
        true_range(high[i], low[i], close[i - 1])
    }
}

/// Pieces of [`PIECE`] bars, each computed optimistically by `clean` (assuming no NaN, while watching for one
/// in the same pass); a piece with a NaN, or after a gap, is redone bar by bar with [`exact`]. The arithmetic
/// is the same either way.
#[inline(always)]
fn trange_pieces(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [f64],
    mut clean: impl FnMut(&[f64], &[f64], &[f64], &mut [f64]) -> bool,
) {
    let n = out.len();
    let mut start = 0;
    while start < n {
        let end = (start + PIECE).min(n);
        // The optimistic pass reads the previous close: it needs the bar before its first one clean.
        let from = start.max(1);
        let before = from - 1;
        let clean_before = !(high[before] + low[before] + close[before]).is_nan();
        if clean_before && from < end {
            // One test for three: the sum is NaN if any is (or on inf - inf, which the exact path redoes).
            let nan = clean(
                &high[from..end],
                &low[from..end],
                &close[from - 1..end - 1],
                &mut out[from..end],
            ) || close[end - 1].is_nan();
            if !nan {
                if start == 0 {
                    out[0] = f64::NAN; // the first bar has no previous close
                }
                start = end;
                continue;
            }
        }
        for (i, o) in out.iter_mut().enumerate().take(end).skip(start) {
            *o = exact(high, low, close, i);
        }
        start = end;
    }
}

/// True ranges of a piece from its highs, lows and previous closes; true if an input was NaN.
#[inline(always)]
fn clean_piece(high: &[f64], low: &[f64], prev_close: &[f64], out: &mut [f64]) -> bool {
    let mut nan = false;
    for (((o, &h), &l), &pc) in out.iter_mut().zip(high).zip(low).zip(prev_close) {
        nan |= (h + l + pc).is_nan();
        *o = true_range(h, l, pc);
    }
    nan
}

/// [`clean_piece`] four bars per instruction with streaming stores (the same operations in the same order:
/// `vmaxpd(a, b)` is `if a > b { a } else { b }`, exactly `true_range`'s comparisons).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn clean_piece_streaming(high: &[f64], low: &[f64], prev_close: &[f64], out: &mut [f64]) -> bool {
    use std::arch::x86_64::{
        _CMP_UNORD_Q, _mm256_add_pd, _mm256_andnot_pd, _mm256_cmp_pd, _mm256_loadu_pd,
        _mm256_max_pd, _mm256_movemask_pd, _mm256_or_pd, _mm256_set1_pd, _mm256_setzero_pd,
        _mm256_stream_pd, _mm256_sub_pd,
    };
    let n = out.len();
    let (high, low, prev_close) = (&high[..n], &low[..n], &prev_close[..n]);
    // Plain stores up to the first 32-byte boundary (streaming stores need it), and for the tail.
    let head = (out.as_ptr().align_offset(32)).min(n);
    let mut nan = clean_piece(
        &high[..head],
        &low[..head],
        &prev_close[..head],
        &mut out[..head],
    );
    let sign = _mm256_set1_pd(-0.0);
    let mut nan_lanes = _mm256_setzero_pd();
    let mut i = head;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n, and every slice holds n values, so each 4-wide load and store stays inside its
        // slice; out[i..] is 32-byte aligned (`head` aligned it, and i advances by 4 doubles).
        unsafe {
            let h = _mm256_loadu_pd(high.as_ptr().add(i));
            let l = _mm256_loadu_pd(low.as_ptr().add(i));
            let pc = _mm256_loadu_pd(prev_close.as_ptr().add(i));
            let sum = _mm256_add_pd(_mm256_add_pd(h, l), pc);
            nan_lanes = _mm256_or_pd(nan_lanes, _mm256_cmp_pd::<_CMP_UNORD_Q>(sum, sum));
            let range = _mm256_sub_pd(h, l);
            let up = _mm256_andnot_pd(sign, _mm256_sub_pd(h, pc));
            let down = _mm256_andnot_pd(sign, _mm256_sub_pd(l, pc));
            let range = _mm256_max_pd(down, _mm256_max_pd(up, range));
            _mm256_stream_pd(out.as_mut_ptr().add(i), range);
        }
        i += 4;
    }
    nan |= _mm256_movemask_pd(nan_lanes) != 0;
    nan | clean_piece(&high[i..], &low[i..], &prev_close[i..], &mut out[i..])
}

/// [`clean_piece_streaming`] eight bars per instruction (AVX-512F: `vmaxpd` as there, `abs` clears the sign
/// bit as `andnot` does there; the NaN test is a lane mask).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn clean_piece_streaming512(
    high: &[f64],
    low: &[f64],
    prev_close: &[f64],
    out: &mut [f64],
) -> bool {
    use std::arch::x86_64::{
        _CMP_UNORD_Q, _mm512_abs_pd, _mm512_add_pd, _mm512_cmp_pd_mask, _mm512_loadu_pd,
        _mm512_max_pd, _mm512_stream_pd, _mm512_sub_pd,
    };
    let n = out.len();
    let (high, low, prev_close) = (&high[..n], &low[..n], &prev_close[..n]);
    // Plain stores up to the first 64-byte boundary (streaming stores need it), and for the tail.
    let head = (out.as_ptr().align_offset(64)).min(n);
    let mut nan = clean_piece(
        &high[..head],
        &low[..head],
        &prev_close[..head],
        &mut out[..head],
    );
    let mut nan_lanes = 0u8;
    let mut i = head;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, and every slice holds n values, so each 8-wide load and store stays inside its
        // slice; out[i..] is 64-byte aligned (`head` aligned it, and i advances by 8 doubles).
        unsafe {
            let h = _mm512_loadu_pd(high.as_ptr().add(i));
            let l = _mm512_loadu_pd(low.as_ptr().add(i));
            let pc = _mm512_loadu_pd(prev_close.as_ptr().add(i));
            let sum = _mm512_add_pd(_mm512_add_pd(h, l), pc);
            nan_lanes |= _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(sum, sum);
            let range = _mm512_sub_pd(h, l);
            let up = _mm512_abs_pd(_mm512_sub_pd(h, pc));
            let down = _mm512_abs_pd(_mm512_sub_pd(l, pc));
            let range = _mm512_max_pd(down, _mm512_max_pd(up, range));
            _mm512_stream_pd(out.as_mut_ptr().add(i), range);
        }
        i += 8;
    }
    nan |= nan_lanes != 0;
    nan | clean_piece(&high[i..], &low[i..], &prev_close[i..], &mut out[i..])
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

    /// A walk of `n` bars with NaN gaps at `gaps` (and a few exact ties between the three candidates).
    fn walk(n: usize, gaps: &[usize]) -> [Vec<f64>; 3] {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut h, mut l, mut c) = (vec![], vec![], vec![]);
        let mut price = 100.0;
        for i in 0..n {
            price *= 1.0 + (next() - 0.5) * 0.02;
            let flat = i % 97 == 0;
            let v = |x: f64| if gaps.contains(&i) { f64::NAN } else { x };
            c.push(v(price));
            h.push(v(if flat {
                price
            } else {
                price * (1.0 + next() * 0.01)
            }));
            l.push(v(if flat {
                price
            } else {
                price * (1.0 - next() * 0.01)
            }));
        }
        [h, l, c]
    }

    /// Large enough for the streaming-store path, with gaps at the first bar, across piece edges and at the
    /// end: the batch equals the streaming struct fed bar by bar, bit for bit.
    #[test]
    fn large_batches_equal_streaming() {
        let n = STREAM_FROM + 3;
        for gaps in [vec![], vec![0, 2_047, 2_048, 5_000, n - 1], vec![1, 4_095]] {
            let [h, l, c] = walk(n, &gaps);
            let mut out = vec![0.0; n];
            trange(&h, &l, &c, &mut out).unwrap();
            let mut t = TRange::new();
            for i in 0..n {
                let want = t.update(h[i], l[i], c[i]);
                assert!(
                    out[i].to_bits() == want.to_bits() || (out[i].is_nan() && want.is_nan()),
                    "bar {i} (gaps {gaps:?}): batch {} != streaming {want}",
                    out[i]
                );
            }
        }
    }

    /// Every offset of the output against a 32-byte boundary takes the streaming kernel's head and tail
    /// paths; the result equals the portable kernel's.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn streaming_kernel_equals_portable_kernel_at_any_alignment() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let [h, l, c] = walk(67, &[]);
        for offset in 0..4 {
            for len in [0, 1, 3, 4, 5, 17, 60] {
                let mut a = vec![0.0; 70];
                let mut b = vec![0.0; 70];
                let args = (&h[1..=len], &l[1..=len], &c[..len]);
                let nan_a = clean_piece(args.0, args.1, args.2, &mut a[offset..offset + len]);
                // SAFETY: the CPU supports AVX2, checked above.
                let nan_b = unsafe {
                    clean_piece_streaming(args.0, args.1, args.2, &mut b[offset..offset + len])
                };
                assert_eq!((a, nan_a), (b, nan_b), "offset {offset}, length {len}");
            }
        }
        let mut out = vec![0.0; 8];
        let mut high = h[1..9].to_vec();
        high[5] = f64::NAN;
        // SAFETY: the CPU supports AVX2, checked above.
        assert!(unsafe { clean_piece_streaming(&high, &l[1..9], &c[..8], &mut out) });
    }

    /// The same for the AVX-512 kernel: every offset against a 64-byte boundary, lengths around its width.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_streaming_kernel_equals_portable_kernel_at_any_alignment() {
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        let [h, l, c] = walk(67, &[]);
        for offset in 0..8 {
            for len in [0, 1, 7, 8, 9, 16, 17, 57] {
                let mut a = vec![0.0; 70];
                let mut b = vec![0.0; 70];
                let args = (&h[1..=len], &l[1..=len], &c[..len]);
                let nan_a = clean_piece(args.0, args.1, args.2, &mut a[offset..offset + len]);
                // SAFETY: the CPU supports AVX-512F, checked above.
                let nan_b = unsafe {
                    clean_piece_streaming512(args.0, args.1, args.2, &mut b[offset..offset + len])
                };
                assert_eq!((a, nan_a), (b, nan_b), "offset {offset}, length {len}");
            }
        }
        for bad in [0, 9, 15] {
            let mut out = vec![0.0; 16];
            let mut close = c[..16].to_vec();
            close[bad] = f64::NAN;
            // SAFETY: the CPU supports AVX-512F, checked above.
            assert!(unsafe { clean_piece_streaming512(&h[1..17], &l[1..17], &close, &mut out) });
        }
    }
}
