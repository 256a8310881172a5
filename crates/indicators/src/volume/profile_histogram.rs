//! The volume profile's histogram: exact integer volume per bucket of a price grid, its point of control and
//! value area.

use std::hint::select_unpredictable;

use crate::with_simd;

/// The share of the volume the value area holds (compared exactly, as 7/10).
pub const VALUE_AREA_SHARE: f64 = 0.7;

/// Units of volume per quantum: each bar's volume is rounded to a multiple of 2^-32 (about 2.3e-10).
const QUANTA_PER_UNIT: f64 = 4_294_967_296.0;

/// Bars beyond this |volume| (2^58, about 2.9e17) are not counted: each bar then holds under 2^90 quanta, so
/// up to [`MAX_BARS`] bars sum, times 10 for the exact 70% test, stay inside i128.
const MAX_VOLUME: f64 = 288_230_376_151_711_744.0;

/// The most bars one profile may hold (window or batch input): 2^32.
pub(super) const MAX_BARS: usize = 1 << 32;

/// The summary of one profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Lowest price in the window (the first bucket's lower edge).
    pub low: f64,
    /// Highest price in the window (the last bucket's upper edge).
    pub high: f64,
    /// Point of control: the centre of the bucket with the most volume.
    pub poc: f64,
    /// Value area low: the lower edge of the value area.
    pub value_area_low: f64,
    /// Value area high: the upper edge of the value area.
    pub value_area_high: f64,
}

pub(super) const NAN_PROFILE: Profile = Profile {
    low: f64::NAN,
    high: f64::NAN,
    poc: f64::NAN,
    value_area_low: f64::NAN,
    value_area_high: f64::NAN,
};

/// A bar as the profile counts it: (price, volume in quanta), or `None` when it is not counted (price NaN or
/// infinite, volume NaN or beyond ±2^58).
#[inline(always)]
pub(super) fn counted(price: f64, volume: f64) -> Option<(f64, i128)> {
    if !price.is_finite() || volume.is_nan() || volume.abs() >= MAX_VOLUME {
        return None;
    }
    // Round to the nearest quantum, ties to even, without a libm call: below 2^52 adding 2^52 to the
    // magnitude leaves no fraction bits, at or above it the value has none to begin with.
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let x = volume * QUANTA_PER_UNIT;
    let whole = if x.abs() < TWO_52 {
        ((x.abs() + TWO_52) - TWO_52).copysign(x)
    } else {
        x
    };
    // One instruction for the usual magnitudes; the rest (up to 2^90) through the general conversion.
    let quanta = if whole.abs() < 9.2e18 {
        i128::from(whole as i64)
    } else {
        whole as i128
    };
    // +0.0 for -0.0, so the extremes (and the grid) do not depend on which zero came first.
    Some((price + 0.0, quanta))
}

/// Lowest and highest of `prices`, NaN (not counted) skipped; (+inf, -inf) when none is counted.
#[inline]
pub(super) fn extremes(prices: &[f64]) -> (f64, f64) {
    // `if p < low` skips NaN (one minsd, no NaN fix-up); four lanes run as independent chains, and min/max
    // are exact in any order.
    let (mut low, mut high) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
    let mut quads = prices.chunks_exact(4);
    for quad in &mut quads {
        for lane in 0..4 {
            let p = quad[lane];
            low[lane] = if p < low[lane] { p } else { low[lane] };
            high[lane] = if p > high[lane] { p } else { high[lane] };
        }
    }
    for &p in quads.remainder() {
        low[0] = if p < low[0] { p } else { low[0] };
        high[0] = if p > high[0] { p } else { high[0] };
    }
    let low = low[0].min(low[1]).min(low[2].min(low[3]));
    let high = high[0].max(high[1]).max(high[2].max(high[3]));
    (low, high)
}

/// floor((price - low) / width) capped at `top` (a whole number below 2^32); `top` for NaN. Needs
/// price >= low (true of every counted bar).
#[inline(always)]
fn bucket_on(price: f64, low: f64, width: f64, top: f64) -> u32 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let x = (price - low) / width;
    let x = if x < top { x } else { top };
    // Floor and conversion in plain arithmetic, which vectorises (a float-to-u32 cast does not before
    // AVX-512, and `floor` is a libm call before SSE4.1): adding 2^52 rounds x to the nearest whole number
    // and leaves it in the low bits; one less if that rounded up.
    let shifted = x + TWO_52;
    let nearest = shifted - TWO_52;
    (shifted.to_bits() as u32) - u32::from(nearest > x)
}

/// Volume per bucket in quanta over a grid of equal buckets on [low, high], with the total and the point of
/// control (the fullest bucket, lowest on ties), kept current as bars come and go.
#[derive(Debug, Clone)]
pub(super) struct Histogram {
    low: f64,
    high: f64,
    width: f64,
    quanta: Vec<i128>,
    total: i128,
    poc: usize,
    /// At least the volume of every bucket but the POC (the runner-up's after a scan, raised as buckets grow):
    /// while the POC bucket stays above it, it stays the POC without a scan.
    others_at_most: i128,
}

impl Histogram {
    pub(super) fn new(bins: usize) -> Self {
        Self {
            low: f64::INFINITY,
            high: f64::NEG_INFINITY,
            width: f64::NEG_INFINITY,
            quanta: vec![0; bins],
            total: 0,
            poc: 0,
            others_at_most: 0,
        }
    }

    pub(super) fn bins(&self) -> usize {
        self.quanta.len()
    }

    /// The grid's range: (+inf, -inf) when no bar is counted.
    pub(super) fn range(&self) -> (f64, f64) {
        (self.low, self.high)
    }

    /// Empties the buckets and lays the grid over [low, high] (low > high: nothing counted).
    pub(super) fn regrid(&mut self, low: f64, high: f64) {
        self.low = low;
        self.high = high;
        self.width = (high - low) / self.quanta.len() as f64;
        self.quanta.fill(0);
        self.total = 0;
        self.poc = 0;
        self.others_at_most = 0;
    }

    /// The bucket of `price`, floor((price - low) / width) capped at the last bucket (any bucket for a price
    /// that is not counted: its volume is zero). Bars are stored with their bucket as a u32 (bins < 2^32).
    #[inline(always)]
    pub(super) fn bucket(&self, price: f64) -> u32 {
        if self.width > 0.0 {
            bucket_on(price, self.low, self.width, (self.quanta.len() - 1) as f64)
        } else {
            0
        }
    }

    /// Adds every bar (price, quanta) to the freshly regridded buckets, writing each bar's bucket to `buckets`;
    /// `total` is the sum of `quanta` (the caller keeps it as bars come and go, whatever the grid). Returns the
    /// number of bars at the lowest and at the highest price.
    pub(super) fn fill(
        &mut self,
        prices: &[f64],
        quanta: &[i128],
        buckets: &mut [u32],
        total: i128,
    ) -> (usize, usize) {
        // The buckets in a pass of their own (the divisions run side by side, four at a time with AVX2), then
        // the sums (exact: their order does not matter).
        let (low, high, width) = (self.low, self.high, self.width);
        let top = (self.quanta.len() - 1) as f64;
        let ends = with_simd(|| {
            let (mut at_low, mut at_high) = (0, 0);
            if width > 0.0 {
                for (b, &p) in buckets.iter_mut().zip(prices) {
                    *b = bucket_on(p, low, width, top);
                    at_low += usize::from(p == low);
                    at_high += usize::from(p == high);
                }
            } else {
                buckets.fill(0);
                at_low = prices.iter().filter(|&&p| p == low).count();
                at_high = at_low;
            }
            (at_low, at_high)
        });
        for (&b, &q) in buckets.iter().zip(quanta) {
            self.quanta[b as usize] += q;
        }
        self.total = total;
        self.rescan_poc();
        ends
    }

    /// Adds one bar's quanta to a bucket; call [`Self::rescan_poc`] once done.
    #[inline(always)]
    pub(super) fn add(&mut self, bucket: u32, quanta: i128) {
        self.quanta[bucket as usize] += quanta;
        self.total += quanta;
    }

    /// Moves one bar out of bucket `out` and one into bucket `into` on the same grid, keeping the POC: only
    /// the POC bucket shrinking to the bound of the others calls for a scan; otherwise the POC can only pass
    /// to one of the two buckets.
    #[inline(always)]
    pub(super) fn shift(&mut self, out: u32, out_quanta: i128, into: u32, into_quanta: i128) {
        let (out, into) = (out as usize, into as usize);
        let q = &mut self.quanta;
        let before = q[self.poc];
        q[out] -= out_quanta;
        q[into] += into_quanta;
        self.total += into_quanta - out_quanta;
        if into != self.poc {
            self.others_at_most = self.others_at_most.max(q[into]);
        }
        if q[self.poc] < before {
            // Strictly above every other bucket, it is still the fullest (and no lower bucket ties it).
            if q[self.poc] <= self.others_at_most {
                self.rescan_poc();
            }
            return;
        }
        for k in [into, out] {
            let (volume, fullest) = (self.quanta[k], self.quanta[self.poc]);
            if volume > fullest || (volume == fullest && k < self.poc) {
                self.others_at_most = self.others_at_most.max(fullest);
                self.poc = k;
            }
        }
    }

    /// Finds the fullest bucket again, lowest on ties, and the runner-up's volume.
    pub(super) fn rescan_poc(&mut self) {
        // Usually every bucket fits in 64 bits: the comparisons then take one instruction instead of two, on
        // the dependency chain of the scan.
        let fits = self
            .quanta
            .iter()
            .fold(true, |fits, &v| fits & (v as i64 as i128 == v));
        if fits {
            let (mut poc, mut fullest) = (0, self.quanta[0] as i64);
            let mut second = i64::MIN;
            for (k, &volume) in self.quanta.iter().enumerate().skip(1) {
                let volume = volume as i64;
                let fuller = volume > fullest;
                second = second.max(volume.min(fullest));
                poc = select_unpredictable(fuller, k, poc);
                fullest = select_unpredictable(fuller, volume, fullest);
            }
            self.poc = poc;
            self.others_at_most = i128::from(second);
            return;
        }
        let (mut poc, mut fullest) = (0, self.quanta[0]);
        let mut second = i128::MIN;
        for (k, &volume) in self.quanta.iter().enumerate().skip(1) {
            // Conditional moves, not a branch: which bucket is fuller is as good as random. The runner-up is
            // the larger of itself and the loser of this comparison.
            let fuller = volume > fullest;
            second = second.max(volume.min(fullest));
            poc = select_unpredictable(fuller, k, poc);
            fullest = select_unpredictable(fuller, volume, fullest);
        }
        self.poc = poc;
        self.others_at_most = second;
    }

    /// The centre of the POC bucket; NaN when no bar is counted or the total volume is not positive.
    #[inline(always)]
    pub(super) fn poc_price(&self) -> f64 {
        if self.low > self.high || self.total <= 0 {
            return f64::NAN;
        }
        self.edge(self.poc) + self.width / 2.0
    }

    #[inline(always)]
    fn edge(&self, k: usize) -> f64 {
        self.low + self.width * k as f64
    }

    /// Volume per bucket, each the correctly rounded exact sum of its bars' (rounded) volumes.
    pub(super) fn write_volumes(&self, out: &mut [f64]) {
        for (o, &q) in out.iter_mut().zip(&self.quanta) {
            *o = q as f64 / QUANTA_PER_UNIT;
        }
    }

    /// POC and value area; NaN summary when no bar is counted, NaN POC and value area when the total volume
    /// is not positive.
    pub(super) fn summary(&self) -> Profile {
        let (low, high) = (self.low, self.high);
        if low > high {
            return NAN_PROFILE;
        }
        if self.total <= 0 {
            return Profile {
                low,
                high,
                ..NAN_PROFILE
            };
        }
        let q = &self.quanta;
        let bins = q.len();
        // Grow while inside < VALUE_AREA_SHARE of total, exactly as 7/10: 10 inside < 7 total (no overflow,
        // see MAX_VOLUME).
        let target = 7 * self.total;
        let (mut lo, mut hi, mut inside) = (self.poc, self.poc, q[self.poc]);
        while 10 * inside < target && (lo > 0 || hi + 1 < bins) {
            let below = if lo > 0 { q[lo - 1] } else { i128::MIN };
            let above = if hi + 1 < bins { q[hi + 1] } else { i128::MIN };
            if above >= below {
                hi += 1;
                inside += above;
            } else {
                lo -= 1;
                inside += below;
            }
        }
        Profile {
            low,
            high,
            poc: self.poc_price(),
            value_area_low: self.edge(lo),
            value_area_high: if hi + 1 == bins {
                high
            } else {
                self.edge(hi + 1)
            },
        }
    }
}
