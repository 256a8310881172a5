//! Volume profile (not in TA-Lib): volume per price bucket over a window, the point of control and the 70%
//! value area.
//!
//! The window's price range [low, high] is cut into `bins` equal buckets (a price equal to `high` falls in the
//! last one); each bar adds its volume to its price's bucket. Point of control (POC) = centre of the bucket
//! with the most volume (the lowest such bucket on ties). Value area: start from the POC bucket and add the
//! neighbouring bucket (above or below) with more volume, above on ties, until the included volume is at least
//! 70% of the total (compared exactly); VAL/VAH are the outer edges of the included buckets. A bar whose price
//! is NaN or infinite, or whose volume is NaN or beyond ±2^58, is not counted. A window with one price has a
//! single bucket of zero width at that price.
//!
//! Volumes are summed exactly, as integers in units of 2^-32 (each bar's volume rounded to the nearest unit),
//! so a bucket's volume does not depend on the order its bars were added or removed in: the streaming struct
//! moves one bar in and one out per update while the grid stays put, and still equals the batch bit for bit.

use std::fmt;

use super::profile_histogram::{Histogram, MAX_BARS, NAN_PROFILE, Profile, counted, extremes};
use crate::IndicatorError;
use crate::error::{check_inputs, check_len_max, check_max, check_min};

/// Streaming volume profile over the last `window` bars. While the window's lowest and highest prices stay
/// put (so does the grid), an update moves one bar's volume in and one out and keeps the POC: O(1), plus
/// O(bins) when the POC bucket shrinks. When the range moves, so does the grid, and the histogram is rebuilt
/// in O(window + bins). `update` returns the POC; the value area is worked out when asked for ([`Self::value`]).
#[derive(Debug, Clone)]
pub struct VolumeProfile {
    window: usize,
    /// The window's bars in ring slots: price (NaN when not counted), volume in quanta (0 when not counted)
    /// and bucket under the current grid.
    prices: Vec<f64>,
    quanta: Vec<i128>,
    buckets: Vec<u32>,
    /// The slot the next bar goes to, and the number of bars seen (up to `window`).
    head: usize,
    len: usize,
    /// The window's volume in quanta.
    total: i128,
    /// Bars at the lowest and at the highest price: the range moves only when one of them drops to zero.
    at_low: usize,
    at_high: usize,
    histogram: Histogram,
}

impl VolumeProfile {
    /// A new profile over `1 <= window <= 2^32` bars with `1 <= bins < 2^32` buckets.
    pub fn new(window: i64, bins: i64) -> Result<Self, IndicatorError> {
        check_max("VOLUME_PROFILE", "window", window, MAX_BARS as i64)?;
        let window = check_min("VOLUME_PROFILE", "window", window, 1)?;
        check_max("VOLUME_PROFILE", "bins", bins, i64::from(u32::MAX))?;
        let bins = check_min("VOLUME_PROFILE", "bins", bins, 1)?;
        Ok(Self {
            window,
            prices: vec![f64::NAN; window],
            quanta: vec![0; window],
            buckets: vec![0; window],
            head: 0,
            len: 0,
            total: 0,
            at_low: 0,
            at_high: 0,
            histogram: Histogram::new(bins),
        })
    }

    /// Feeds one bar and returns the point of control of the last `window` bars (NaN until the window is
    /// full, and while it holds no positive volume).
    #[inline]
    pub fn update(&mut self, price: f64, volume: f64) -> f64 {
        let (price, quanta) = counted(price, volume).unwrap_or((f64::NAN, 0));
        let slot = self.head;
        self.head = if slot + 1 == self.window { 0 } else { slot + 1 };
        let old_price = std::mem::replace(&mut self.prices[slot], price);
        let old_quanta = std::mem::replace(&mut self.quanta[slot], quanta);
        self.total += quanta - old_quanta;
        if self.len < self.window {
            self.len += 1;
            if self.len < self.window {
                return f64::NAN;
            }
            return self.rebuild(extremes(&self.prices));
        }
        let (low, high) = self.histogram.range();
        // The range moves when the new bar falls outside it, or when the leaving bar was the last at one of
        // its ends (NaN compares false: a bar not counted moves nothing).
        if price < low || price > high {
            return self.rebuild(extremes(&self.prices));
        }
        let at_low = self.at_low + usize::from(price == low) - usize::from(old_price == low);
        let at_high = self.at_high + usize::from(price == high) - usize::from(old_price == high);
        if (at_low == 0 || at_high == 0) && low <= high {
            return self.rebuild(extremes(&self.prices));
        }
        (self.at_low, self.at_high) = (at_low, at_high);
        let bucket = self.histogram.bucket(price);
        let old_bucket = std::mem::replace(&mut self.buckets[slot], bucket);
        self.histogram.shift(old_bucket, old_quanta, bucket, quanta);
        self.histogram.poc_price()
    }

    /// Lays the grid over `(low, high)` and refills the histogram from every bar; returns the POC.
    fn rebuild(&mut self, (low, high): (f64, f64)) -> f64 {
        self.histogram.regrid(low, high);
        // Slot order, not age order: the integer sums do not care.
        (self.at_low, self.at_high) =
            self.histogram
                .fill(&self.prices, &self.quanta, &mut self.buckets, self.total);
        self.histogram.poc_price()
    }

    /// The profile of the last `window` bars, value area included (NaN until ready). O(bins).
    pub fn value(&self) -> Profile {
        if self.ready() {
            self.histogram.summary()
        } else {
            NAN_PROFILE
        }
    }

    /// The point of control of the last `window` bars (NaN until ready). O(1).
    pub fn poc(&self) -> f64 {
        if self.ready() {
            self.histogram.poc_price()
        } else {
            f64::NAN
        }
    }

    /// Volume per bucket of the last profile, lowest bucket first (zeros until ready).
    pub fn bin_volume(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.histogram.bins()];
        self.histogram.write_volumes(&mut out);
        out
    }

    /// True once the window is full.
    pub fn ready(&self) -> bool {
        self.len == self.window
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.head = 0;
        self.len = 0;
        self.prices.fill(f64::NAN);
        self.quanta.fill(0);
        self.total = 0;
        self.histogram.regrid(f64::INFINITY, f64::NEG_INFINITY);
    }
}

impl fmt::Display for VolumeProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VOLUME_PROFILE({},{})",
            self.window,
            self.histogram.bins()
        )
    }
}

/// The profile of the whole input (at most 2^32 bars): fills `bin_volume` (its length is the number of
/// buckets, >= 1).
pub fn volume_profile(
    price: &[f64],
    volume: &[f64],
    bin_volume: &mut [f64],
) -> Result<Profile, IndicatorError> {
    let n = check_inputs(
        "VOLUME_PROFILE",
        &[("price", price.len()), ("volume", volume.len())],
    )?;
    check_len_max("VOLUME_PROFILE", "price", n, MAX_BARS)?;
    check_min("VOLUME_PROFILE", "bins", bin_volume.len() as i64, 1)?;
    let bars = || {
        price
            .iter()
            .zip(volume)
            .filter_map(|(&p, &v)| counted(p, v))
    };
    let (low, high) = bars().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (p, _)| {
        (lo.min(p), hi.max(p))
    });
    let mut h = Histogram::new(bin_volume.len());
    h.regrid(low, high);
    for (p, q) in bars() {
        h.add(h.bucket(p), q);
    }
    h.rescan_poc();
    h.write_volumes(bin_volume);
    Ok(h.summary())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poc_and_value_area_of_a_simple_profile() {
        // Buckets of width 1 over [0, 4]: volumes 1, 2, 10, 3 (the price 4.0 joins the last bucket).
        let price = [0.0, 1.5, 2.5, 3.5, 4.0];
        let volume = [1.0, 2.0, 10.0, 1.0, 2.0];
        let mut bins = [0.0; 4];
        let p = volume_profile(&price, &volume, &mut bins).unwrap();
        assert_eq!(bins, [1.0, 2.0, 10.0, 3.0]);
        assert_eq!(p.poc, 2.5);
        // 10 of 16 is below 70%; the bucket above (3) beats the one below (2): 13 / 16 >= 70%.
        assert_eq!((p.value_area_low, p.value_area_high), (2.0, 4.0));
    }

    #[test]
    fn exactly_seventy_percent_closes_the_value_area() {
        // 7 of 10 in the middle bucket: the value area is that bucket alone.
        let mut bins = [0.0; 3];
        let p = volume_profile(&[0.0, 1.5, 3.0], &[1.5, 7.0, 1.5], &mut bins).unwrap();
        assert_eq!((p.value_area_low, p.value_area_high), (1.0, 2.0));
    }

    #[test]
    fn volumes_are_rounded_to_the_quantum_and_summed_exactly() {
        let q = 2f64.powi(-32);
        assert_eq!(counted(1.0, 0.1), Some((1.0, 429_496_730)));
        assert_eq!(counted(1.0, 2.5 * q), Some((1.0, 2)), "ties go to even");
        assert_eq!(counted(1.0, -3.5 * q), Some((1.0, -4)));
        assert_eq!(counted(1.0, 1e15), Some((1.0, 1_000_000_000_000_000 << 32)));
        assert_eq!(
            counted(-0.0, 1.0).map(|(p, _)| p.is_sign_positive()),
            Some(true)
        );
        for (p, v) in [
            (f64::NAN, 1.0),
            (f64::INFINITY, 1.0),
            (1.0, f64::NAN),
            (1.0, 1e18),
        ] {
            assert_eq!(counted(p, v), None, "({p}, {v}) is not counted");
        }
        // In f64, 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ; the exact sum of the rounded volumes does not.
        assert_ne!(0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1);
        let (mut up, mut down) = ([0.0], [0.0]);
        volume_profile(&[1.0; 3], &[0.1, 0.2, 0.3], &mut up).unwrap();
        volume_profile(&[1.0; 3], &[0.3, 0.2, 0.1], &mut down).unwrap();
        let exact = f64::from(429_496_730 + 858_993_459 + 1_288_490_189_u32) * q;
        assert_eq!((up, down), ([exact], [exact]));
        assert!((exact - 0.6).abs() < 2.0 * q);
    }

    #[test]
    fn bars_not_counted_leave_no_trace() {
        let mut with = [0.0; 4];
        let mut without = [0.0; 4];
        let a = volume_profile(
            &[1.0, f64::NAN, 3.0, 2.0, f64::INFINITY],
            &[5.0, 9.0, 1.0, f64::NAN, 4.0],
            &mut with,
        )
        .unwrap();
        let b = volume_profile(&[1.0, 3.0], &[5.0, 1.0], &mut without).unwrap();
        assert_eq!((a, with), (b, without));
        let mut bins = [0.0; 2];
        let none = volume_profile(&[f64::NAN], &[1.0], &mut bins).unwrap();
        assert!(none.low.is_nan() && none.poc.is_nan());
    }

    #[test]
    fn streaming_matches_the_batch_profile_of_the_window() {
        let price: Vec<f64> = (0..50).map(|i| 100.0 + f64::from(i % 7)).collect();
        let volume: Vec<f64> = (0..50).map(|i| f64::from(i % 5 + 1)).collect();
        let mut vp = VolumeProfile::new(20, 6).unwrap();
        for i in 0..50 {
            let poc = vp.update(price[i], volume[i]);
            if i >= 19 {
                let mut bins = [0.0; 6];
                let want =
                    volume_profile(&price[i - 19..=i], &volume[i - 19..=i], &mut bins).unwrap();
                assert_eq!((poc, vp.poc()), (want.poc, want.poc));
                assert_eq!(vp.value(), want);
                assert_eq!(vp.bin_volume(), bins);
            } else {
                assert!(poc.is_nan() && !vp.ready());
            }
        }
        assert_eq!(vp.to_string(), "VOLUME_PROFILE(20,6)");
        vp.reset();
        assert!(!vp.ready() && vp.value().poc.is_nan());
        assert_eq!(vp.bin_volume(), [0.0; 6]);
    }

    /// Volumes whose bucket sums pass 2^63 quanta (about 2.1e9 units) take the 128-bit scan: the streaming
    /// POC and value area still equal the batch profile of every window, the POC moving between buckets.
    #[test]
    fn huge_volumes_match_the_batch_profile() {
        let price: Vec<f64> = (0..60).map(|i| 100.0 + f64::from((i * 7) % 11)).collect();
        let volume: Vec<f64> = (0..60)
            .map(|i| f64::from(i % 4 + 1) * 1e15 + f64::from(i % 3))
            .collect();
        let mut vp = VolumeProfile::new(9, 5).unwrap();
        for i in 0..60 {
            vp.update(price[i], volume[i]);
            if i >= 8 {
                let mut bins = [0.0; 5];
                let want =
                    volume_profile(&price[i - 8..=i], &volume[i - 8..=i], &mut bins).unwrap();
                assert_eq!(vp.value(), want, "bar {i}");
                assert_eq!(vp.bin_volume(), bins, "bar {i}");
            }
        }
    }

    #[test]
    fn a_lower_bucket_that_draws_level_takes_the_poc() {
        // Grid [0, 10] in two buckets: 1 below, 3 above (POC above); then the bar at 0 with 1 leaves and one
        // at 0 with 3 comes in: 3 and 3, and the lower bucket wins the tie (the range never moved).
        let mut vp = VolumeProfile::new(3, 2).unwrap();
        for (p, v) in [(0.0, 1.0), (10.0, 3.0), (10.0, 0.0)] {
            vp.update(p, v);
        }
        assert_eq!(vp.poc(), 7.5);
        assert_eq!(vp.update(0.0, 3.0), 2.5);
        assert_eq!(vp.bin_volume(), [3.0, 3.0]);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(VolumeProfile::new(0, 6).is_err());
        assert!(VolumeProfile::new(5, 0).is_err());
        let err = VolumeProfile::new((1 << 32) + 1, 6).unwrap_err();
        assert_eq!(
            err.to_string(),
            "VOLUME_PROFILE: parameter `window` must be <= 4294967296, got 4294967297"
        );
    }
}
