//! Property tests of the volume profile. Properties:
//! - streaming equals batch bit for bit: after every update of a full window, the summary and the volume per
//!   bucket equal the batch profile of the window's bars (prices on a coarse grid, so the range often stays
//!   put and the incremental path runs, plus NaN/infinite prices, NaN, zero, negative and fractional volumes);
//! - a reset struct replays the same bars to the same points of control;
//! - the volume per bucket sums to the window's counted volume, and the value area holds at least 70% of it.

use proptest::prelude::*;

use super::profile::{VolumeProfile, volume_profile};
use super::profile_histogram::Profile;

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn same_profile(a: &Profile, b: &Profile) -> bool {
    same(a.low, b.low)
        && same(a.high, b.high)
        && same(a.poc, b.poc)
        && same(a.value_area_low, b.value_area_low)
        && same(a.value_area_high, b.value_area_high)
}

/// A bar: a price on a grid of quarters (now and then NaN or infinite) and a volume (now and then NaN, zero,
/// negative or fractional).
fn bar() -> impl Strategy<Value = (f64, f64)> {
    let price = prop_oneof![
        20 => (0u32..24).prop_map(|k| 100.0 + f64::from(k) / 4.0),
        2 => 90.0f64..110.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
    ];
    let volume = prop_oneof![
        14 => (0u32..1000).prop_map(f64::from),
        6 => (0u32..4).prop_map(f64::from), // ties between buckets
        3 => 0.0f64..10.0,
        1 => Just(0.0),
        1 => Just(-5.0),
        1 => Just(f64::NAN),
    ];
    (price, volume)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn streaming_equals_batch(
        bars in prop::collection::vec(bar(), 1..120),
        window in 1usize..25,
        bins in 1usize..12,
    ) {
        let mut stream = VolumeProfile::new(window as i64, bins as i64).unwrap();
        let mut pocs = Vec::new();
        for (i, &(p, v)) in bars.iter().enumerate() {
            let poc = stream.update(p, v);
            pocs.push(poc);
            if i + 1 < window {
                prop_assert!(poc.is_nan() && !stream.ready());
                continue;
            }
            let (price, volume): (Vec<f64>, Vec<f64>) = bars[i + 1 - window..=i].iter().copied().unzip();
            let mut want_bins = vec![0.0; bins];
            let want = volume_profile(&price, &volume, &mut want_bins).unwrap();
            let got = stream.value();
            prop_assert!(same_profile(&got, &want), "bar {i}: streaming {got:?} != batch {want:?}");
            prop_assert!(same(poc, want.poc) && same(stream.poc(), want.poc));
            let got_bins = stream.bin_volume();
            prop_assert!(
                got_bins.iter().zip(&want_bins).all(|(&a, &b)| same(a, b)),
                "bar {i}: streaming bins {got_bins:?} != batch {want_bins:?}"
            );
        }
        // After a reset the struct is as new: the same bars give the same points of control.
        stream.reset();
        for (i, &(p, v)) in bars.iter().enumerate() {
            prop_assert!(same(stream.update(p, v), pocs[i]), "bar {i} after reset");
        }
    }

    #[test]
    fn buckets_hold_the_volume_and_the_value_area_holds_seventy_percent(
        bars in prop::collection::vec((90.0f64..110.0, 0u32..1000), 1..200),
        bins in 1usize..30,
    ) {
        let (price, volume): (Vec<f64>, Vec<f64>) =
            bars.iter().map(|&(p, v)| (p, f64::from(v))).unzip();
        let mut counts = vec![0.0; bins];
        let profile = volume_profile(&price, &volume, &mut counts).unwrap();
        // Whole volumes below 2^53 sum exactly in f64 too.
        let total: f64 = volume.iter().sum();
        prop_assert_eq!(counts.iter().sum::<f64>(), total);
        if total > 0.0 {
            let width = (profile.high - profile.low) / bins as f64;
            let inside: f64 = counts
                .iter()
                .enumerate()
                .filter(|&(k, _)| {
                    let lower = profile.low + width * k as f64;
                    (lower >= profile.value_area_low && lower < profile.value_area_high)
                        || width == 0.0
                })
                .map(|(_, &c)| c)
                .sum();
            prop_assert!(10.0 * inside >= 7.0 * total, "value area holds {inside} of {total}");
            prop_assert!(profile.value_area_low <= profile.poc && profile.poc <= profile.value_area_high);
        }
    }
}
