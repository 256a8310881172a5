//! Property tests of the running moments' batch path (STDDEV and BBANDS), on series long enough for many chunks,
//! re-anchorings and pieces. Properties:
//! - streaming equals batch bit for bit, for any period (1 included), through quiet stretches far from the
//!   anchor (the sums are recentred), jumps, infinities and NaN gaps (the run restarts).

use proptest::prelude::*;

use super::{BBands, StdDev, bbands, stddev};

/// Equal bits, or both NaN (the crate's policy: a NaN's payload is not part of the output).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// A series of stretches: a walk, a quiet stretch (a level plus tiny wiggles, the cancellation case), a jump, a
/// NaN gap, or (rarely) an infinity.
fn series() -> impl Strategy<Value = Vec<f64>> {
    let stretch = prop_oneof![
        8 => (1usize..400, -1.0f64..1.0).prop_map(|(n, drift)| (0u8, n, drift)),
        4 => (1usize..400, 0.0f64..1e-6).prop_map(|(n, wiggle)| (1u8, n, wiggle)),
        2 => (-1e4f64..1e4).prop_map(|jump| (2u8, 1, jump)),
        2 => (1usize..3).prop_map(|n| (3u8, n, 0.0)),
        1 => Just((4u8, 1, 0.0)),
    ];
    prop::collection::vec(stretch, 1..12).prop_map(|stretches| {
        let mut xs = vec![];
        let mut level = 1000.0f64;
        for (kind, n, p) in stretches {
            for k in 0..n {
                let x = match kind {
                    0 => {
                        level += p * (((k * 7919) % 13) as f64 - 6.0);
                        level
                    }
                    1 => level + p * (k % 3) as f64,
                    2 => {
                        level += p;
                        level
                    }
                    3 => f64::NAN,
                    _ => f64::INFINITY,
                };
                xs.push(x);
            }
        }
        xs
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn batch_equals_streaming(xs in series(), period in prop_oneof![1i64..8, 8i64..80, Just(300i64)]) {
        let n = xs.len();
        let mut out = vec![0.0; n];
        stddev(&xs, period, 2.0, &mut out).unwrap();
        let (mut u, mut m, mut l) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        bbands(&xs, period, 2.0, 1.5, &mut u, &mut m, &mut l).unwrap();
        let mut s = StdDev::new(period, 2.0).unwrap();
        let mut b = BBands::new(period, 2.0, 1.5).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            let want = s.update(x);
            prop_assert!(same(out[i], want), "STDDEV({period}) bar {i}: batch {} != streaming {want}", out[i]);
            let want = b.update(x);
            prop_assert!(
                same(u[i], want.upper) && same(m[i], want.middle) && same(l[i], want.lower),
                "BBANDS({period}) bar {i}: batch ({}, {}, {}) != streaming {want:?}", u[i], m[i], l[i]
            );
        }
    }
}
