//! Latency percentiles (nearest rank) over the recorded samples of one run.

use std::time::Duration;

use serde::Serialize;

/// Percentiles of a set of latencies, in microseconds (exact nearest-rank values of the samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LatencySummary {
    /// How many samples.
    pub count: usize,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// The slowest sample.
    pub max_us: u64,
}

/// The nearest-rank `per_mille`/1000 quantile of `sorted` (ascending, not empty): the smallest sample such that at
/// least that share of samples is at or below it.
pub fn nearest_rank(sorted: &[u64], per_mille: u64) -> u64 {
    debug_assert!(!sorted.is_empty() && per_mille <= 1000);
    let n = sorted.len() as u64;
    // ceil(per_mille * n / 1000), at least rank 1.
    let rank = (per_mille * n).div_ceil(1000).max(1);
    sorted[(rank - 1) as usize]
}

impl LatencySummary {
    /// Summarises latencies given in nanoseconds; `None` when there are none.
    pub fn from_nanos(mut samples: Vec<u64>) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        let us = |per_mille| nearest_rank(&samples, per_mille) / 1_000;
        Some(Self {
            count: samples.len(),
            p50_us: us(500),
            p90_us: us(900),
            p99_us: us(990),
            p999_us: us(999),
            max_us: us(1000),
        })
    }

    /// The 99th percentile as a duration.
    pub fn p99(&self) -> Duration {
        Duration::from_micros(self.p99_us)
    }
}

#[cfg(test)]
mod tests {
    //! Properties: a percentile is one of the samples, at least the asked share of samples is at or below it and
    //! fewer than that share lies strictly below it; percentiles are ordered p50 <= p90 <= p99 <= p999 <= max.

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_values() {
        let samples: Vec<u64> = (1..=1000).collect();
        assert_eq!(nearest_rank(&samples, 500), 500);
        assert_eq!(nearest_rank(&samples, 990), 990);
        assert_eq!(nearest_rank(&samples, 999), 999);
        assert_eq!(nearest_rank(&samples, 1000), 1000);
        assert_eq!(nearest_rank(&[7], 990), 7);
        let summary = LatencySummary::from_nanos(vec![3_000, 1_000, 2_000]).unwrap();
        assert_eq!((summary.p50_us, summary.p99_us, summary.max_us), (2, 3, 3));
        assert_eq!(LatencySummary::from_nanos(Vec::new()), None);
    }

    proptest! {
        #[test]
        fn nearest_rank_is_the_defining_sample(mut samples in prop::collection::vec(0u64..1_000_000, 1..400), per_mille in 1u64..=1000) {
            samples.sort_unstable();
            let value = nearest_rank(&samples, per_mille);
            prop_assert!(samples.contains(&value));
            let n = samples.len() as u64;
            let at_or_below = samples.iter().filter(|&&s| s <= value).count() as u64;
            let below = samples.iter().filter(|&&s| s < value).count() as u64;
            prop_assert!(at_or_below * 1000 >= per_mille * n, "too few at or below");
            prop_assert!(below * 1000 < per_mille * n, "a smaller sample would do");
        }

        #[test]
        fn summary_is_ordered(samples in prop::collection::vec(0u64..10_000_000_000, 1..400)) {
            let s = LatencySummary::from_nanos(samples.clone()).unwrap();
            prop_assert_eq!(s.count, samples.len());
            prop_assert!(s.p50_us <= s.p90_us && s.p90_us <= s.p99_us && s.p99_us <= s.p999_us && s.p999_us <= s.max_us);
            prop_assert_eq!(s.max_us, samples.iter().max().unwrap() / 1_000);
        }
    }
}
