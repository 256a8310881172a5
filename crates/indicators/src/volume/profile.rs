//! Volume profile (not in TA-Lib): volume per price bucket over a window, the point of control and the 70%
//! value area.
//!
//! The window's price range [low, high] is cut into `bins` equal buckets (a price equal to `high` falls in the
//! last one); each bar adds its volume to its price's bucket. Point of control (POC) = centre of the bucket
//! with the most volume (the lowest such bucket on ties). Value area: start from the POC bucket and add the
//! neighbouring bucket (above or below) with more volume, above on ties, until the included volume reaches 70%
//! of the total; VAL/VAH are the outer edges of the included buckets. Bars with a NaN price or volume are not
//! counted. A window with one price has a single bucket of zero width at that price.

use std::fmt;

use crate::IndicatorError;
use crate::error::{check_inputs, check_min};
use crate::window::Ring;

/// The share of the volume the value area holds.
pub const VALUE_AREA_SHARE: f64 = 0.7;

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

const NAN_PROFILE: Profile = Profile {
    low: f64::NAN,
    high: f64::NAN,
    poc: f64::NAN,
    value_area_low: f64::NAN,
    value_area_high: f64::NAN,
};

/// Fills `bin_volume` (one slot per bucket) from the (price, volume) pairs of `segments`, taken in order (a ring
/// buffer's window is two segments), and returns the summary; NaN summary when no bar has both a price and a
/// positive total volume.
fn build(segments: [(&[f64], &[f64]); 2], bin_volume: &mut [f64]) -> Profile {
    bin_volume.fill(0.0);
    // Two lanes each for the extremes: min/max are exact in any order, and independent chains run in parallel.
    let (mut low, mut high) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for (prices, volumes) in segments {
        for (i, (&p, &v)) in prices.iter().zip(volumes).enumerate() {
            if !p.is_nan() && !v.is_nan() {
                let lane = i & 1;
                low[lane] = low[lane].min(p);
                high[lane] = high[lane].max(p);
            }
        }
    }
    let (low, high) = (low[0].min(low[1]), high[0].max(high[1]));
    if low > high {
        return NAN_PROFILE;
    }
    let bins = bin_volume.len();
    let width = (high - low) / bins as f64;
    // Consecutive bars in one bucket are summed in a register and added to the bucket once per run: this fixes
    // the summation order as a function of the input sequence alone, so the streaming window (which passes the
    // same pairs in the same order) still equals the batch bit for bit, without a store-to-load chain per bar.
    let (mut total, mut run_bin, mut run) = (0.0, usize::MAX, 0.0);
    for (prices, volumes) in segments {
        for (&p, &v) in prices.iter().zip(volumes) {
            if p.is_nan() || v.is_nan() {
                continue;
            }
            let k = if width > 0.0 {
                (((p - low) / width) as usize).min(bins - 1)
            } else {
                0
            };
            if k == run_bin {
                run += v;
            } else {
                if run_bin != usize::MAX {
                    bin_volume[run_bin] += run;
                    total += run;
                }
                (run_bin, run) = (k, v);
            }
        }
    }
    if run_bin != usize::MAX {
        bin_volume[run_bin] += run;
        total += run;
    }
    if total <= 0.0 {
        return Profile {
            low,
            high,
            ..NAN_PROFILE
        };
    }
    // The fullest bucket, lowest on ties; the running maximum stays in a register (no reload per step).
    let (mut poc_bin, mut fullest) = (0, bin_volume[0]);
    for (k, &volume) in bin_volume.iter().enumerate().skip(1) {
        if volume > fullest {
            (poc_bin, fullest) = (k, volume);
        }
    }
    let (mut lo, mut hi, mut inside) = (poc_bin, poc_bin, bin_volume[poc_bin]);
    while inside < VALUE_AREA_SHARE * total && (lo > 0 || hi + 1 < bins) {
        let below = if lo > 0 {
            bin_volume[lo - 1]
        } else {
            f64::NEG_INFINITY
        };
        let above = if hi + 1 < bins {
            bin_volume[hi + 1]
        } else {
            f64::NEG_INFINITY
        };
        if above >= below {
            hi += 1;
            inside += above;
        } else {
            lo -= 1;
            inside += below;
        }
    }
    let edge = |k: usize| low + width * k as f64;
    Profile {
        low,
        high,
        poc: edge(poc_bin) + width / 2.0,
        value_area_low: edge(lo),
        value_area_high: if hi + 1 == bins { high } else { edge(hi + 1) },
    }
}

/// Streaming volume profile over the last `window` bars. Not O(1): the bucket grid follows the window's price
/// range, so each update rebuilds the histogram in O(window + bins).
#[derive(Debug, Clone)]
pub struct VolumeProfile {
    window: usize,
    prices: Ring,
    volumes: Ring,
    bin_volume: Vec<f64>,
    value: Profile,
}

impl VolumeProfile {
    /// A new profile over `window >= 1` bars with `bins >= 1` buckets.
    pub fn new(window: i64, bins: i64) -> Result<Self, IndicatorError> {
        let window = check_min("VOLUME_PROFILE", "window", window, 1)?;
        let bins = check_min("VOLUME_PROFILE", "bins", bins, 1)?;
        Ok(Self {
            window,
            prices: Ring::new(window),
            volumes: Ring::new(window),
            bin_volume: vec![0.0; bins],
            value: NAN_PROFILE,
        })
    }

    /// Feeds one bar and returns the profile of the last `window` bars (NaN until the window is full).
    pub fn update(&mut self, price: f64, volume: f64) -> Profile {
        self.prices.push(price);
        self.volumes.push(volume);
        if self.prices.is_full() {
            // Both rings share capacity and head, so their oldest-first slices line up pair by pair; walking
            // the slices (instead of indexing by age) keeps the order of the batch and keeps the loops tight.
            let (p0, p1) = self.prices.newest(self.window);
            let (v0, v1) = self.volumes.newest(self.window);
            self.value = build([(p0, v0), (p1, v1)], &mut self.bin_volume);
        }
        self.value
    }

    /// The last profile (NaN until ready).
    pub fn value(&self) -> Profile {
        self.value
    }

    /// Volume per bucket of the last profile, lowest bucket first.
    pub fn bin_volume(&self) -> &[f64] {
        &self.bin_volume
    }

    /// True once the window is full.
    pub fn ready(&self) -> bool {
        self.prices.is_full()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.prices.clear();
        self.volumes.clear();
        self.bin_volume.fill(0.0);
        self.value = NAN_PROFILE;
    }
}

impl fmt::Display for VolumeProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VOLUME_PROFILE({},{})",
            self.window,
            self.bin_volume.len()
        )
    }
}

/// The profile of the whole input: fills `bin_volume` (its length is the number of buckets, >= 1).
pub fn volume_profile(
    price: &[f64],
    volume: &[f64],
    bin_volume: &mut [f64],
) -> Result<Profile, IndicatorError> {
    check_inputs(
        "VOLUME_PROFILE",
        &[("price", price.len()), ("volume", volume.len())],
    )?;
    check_min("VOLUME_PROFILE", "bins", bin_volume.len() as i64, 1)?;
    Ok(build([(price, volume), (&[], &[])], bin_volume))
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
    fn streaming_matches_the_batch_profile_of_the_window() {
        let price: Vec<f64> = (0..50).map(|i| 100.0 + f64::from(i % 7)).collect();
        let volume: Vec<f64> = (0..50).map(|i| f64::from(i % 5 + 1)).collect();
        let mut vp = VolumeProfile::new(20, 6).unwrap();
        for i in 0..50 {
            let got = vp.update(price[i], volume[i]);
            if i >= 19 {
                let mut bins = [0.0; 6];
                let want =
                    volume_profile(&price[i - 19..=i], &volume[i - 19..=i], &mut bins).unwrap();
                assert_eq!(got, want);
                assert_eq!(vp.bin_volume(), &bins);
            }
        }
        assert_eq!(vp.to_string(), "VOLUME_PROFILE(20,6)");
        assert!(VolumeProfile::new(0, 6).is_err());
    }
}
