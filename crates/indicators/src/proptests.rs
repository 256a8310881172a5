//! Property tests over random positive price walks (with flats, spikes and NaN gaps). Properties:
//! - streaming equals batch bit for bit (a fresh struct fed bar by bar reproduces the batch output);
//! - warm-up: exactly the documented number of leading NaNs on a clean series;
//! - NaN gaps: the outputs at a NaN bar are NaN and the outputs after it equal the batch output of the
//!   series that starts right after it, bit for bit;
//! - bounds: RSI, MFI, STOCH, ADX, +DI, -DI in [0, 100]; STDDEV, ATR, TRANGE >= 0; lower <= middle <= upper.

use proptest::prelude::*;

use crate::*;

/// Columnar bars.
#[derive(Debug, Clone)]
struct Bars {
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    volume: Vec<f64>,
}

impl Bars {
    fn tail(&self, start: usize) -> Bars {
        Bars {
            high: self.high[start..].to_vec(),
            low: self.low[start..].to_vec(),
            close: self.close[start..].to_vec(),
            volume: self.volume[start..].to_vec(),
        }
    }

    fn len(&self) -> usize {
        self.close.len()
    }
}

/// A positive walk; `flat` repeats the previous bar; a NaN gap blanks every column of a bar.
fn bars(max_len: usize, gaps: bool) -> impl Strategy<Value = Bars> {
    let step = (-0.05f64..0.05, 0u8..10, 0.0f64..0.02, 0.0f64..1000.0);
    prop::collection::vec(step, 1..max_len).prop_map(move |steps| {
        let mut b = Bars {
            high: vec![],
            low: vec![],
            close: vec![],
            volume: vec![],
        };
        let mut price = 100.0f64;
        for (ret, kind, spread, vol) in steps {
            let flat = kind < 3;
            if !flat {
                price *= 1.0 + ret;
            }
            let s = if flat { 0.0 } else { price * spread };
            let gap = gaps && kind == 9;
            let nan_or = |v: f64| if gap { f64::NAN } else { v };
            b.close.push(nan_or(price));
            b.high.push(nan_or(price + s));
            b.low.push(nan_or(price - s));
            b.volume.push(nan_or(vol.floor()));
        }
        b
    })
}

/// One indicator's (name, batch outputs, streaming outputs).
type Outputs = (&'static str, Vec<Vec<f64>>, Vec<Vec<f64>>);

/// Every indicator as (name, batch outputs, streaming outputs).
fn all_outputs(b: &Bars) -> Vec<Outputs> {
    let n = b.len();
    let z = || vec![0.0; n];
    let mut res = Vec::new();
    macro_rules! single {
        ($name:literal, $batch:expr, $stream:expr, |$s:ident, $i:ident| $step:expr) => {{
            let mut out = z();
            $batch(&mut out).unwrap();
            let mut $s = $stream.unwrap();
            let streamed: Vec<f64> = (0..n).map(|$i| $step).collect();
            res.push(($name, vec![out], vec![streamed]));
        }};
    }
    single!(
        "SMA",
        |o: &mut [f64]| sma(&b.close, 7, o),
        Sma::new(7),
        |s, i| s.update(b.close[i])
    );
    single!(
        "EMA",
        |o: &mut [f64]| ema(&b.close, 7, o),
        Ema::new(7),
        |s, i| s.update(b.close[i])
    );
    single!(
        "WMA",
        |o: &mut [f64]| wma(&b.close, 7, o),
        Wma::new(7),
        |s, i| s.update(b.close[i])
    );
    single!(
        "RSI",
        |o: &mut [f64]| rsi(&b.close, 5, o),
        Rsi::new(5),
        |s, i| s.update(b.close[i])
    );
    single!(
        "ROC",
        |o: &mut [f64]| roc(&b.close, 3, o),
        Roc::new(3),
        |s, i| s.update(b.close[i])
    );
    single!(
        "STDDEV",
        |o: &mut [f64]| stddev(&b.close, 6, 2.0, o),
        StdDev::new(6, 2.0),
        |s, i| s.update(b.close[i])
    );
    single!(
        "TRANGE",
        |o: &mut [f64]| trange(&b.high, &b.low, &b.close, o),
        Ok::<_, IndicatorError>(TRange::new()),
        |s, i| s.update(b.high[i], b.low[i], b.close[i])
    );
    single!(
        "ATR",
        |o: &mut [f64]| atr(&b.high, &b.low, &b.close, 5, o),
        Atr::new(5),
        |s, i| s.update(b.high[i], b.low[i], b.close[i])
    );
    single!(
        "CCI",
        |o: &mut [f64]| cci(&b.high, &b.low, &b.close, 5, o),
        Cci::new(5),
        |s, i| s.update(b.high[i], b.low[i], b.close[i])
    );
    single!(
        "MFI",
        |o: &mut [f64]| mfi(&b.high, &b.low, &b.close, &b.volume, 4, o),
        Mfi::new(4),
        |s, i| s.update(b.high[i], b.low[i], b.close[i], b.volume[i])
    );
    single!(
        "OBV",
        |o: &mut [f64]| obv(&b.close, &b.volume, o),
        Ok::<_, IndicatorError>(Obv::new()),
        |s, i| s.update(b.close[i], b.volume[i])
    );

    let (mut m, mut sg, mut h) = (z(), z(), z());
    macd(&b.close, 3, 6, 4, &mut m, &mut sg, &mut h).unwrap();
    let mut s = Macd::new(3, 6, 4).unwrap();
    let st: Vec<MacdOutput> = b.close.iter().map(|&x| s.update(x)).collect();
    res.push((
        "MACD",
        vec![m, sg, h],
        vec![
            st.iter().map(|o| o.macd).collect(),
            st.iter().map(|o| o.signal).collect(),
            st.iter().map(|o| o.hist).collect(),
        ],
    ));

    let (mut u, mut mid, mut l) = (z(), z(), z());
    bbands(&b.close, 5, 2.0, 1.0, &mut u, &mut mid, &mut l).unwrap();
    let mut s = BBands::new(5, 2.0, 1.0).unwrap();
    let st: Vec<BBandsOutput> = b.close.iter().map(|&x| s.update(x)).collect();
    res.push((
        "BBANDS",
        vec![u, mid, l],
        vec![
            st.iter().map(|o| o.upper).collect(),
            st.iter().map(|o| o.middle).collect(),
            st.iter().map(|o| o.lower).collect(),
        ],
    ));

    let (mut k, mut d) = (z(), z());
    stoch(&b.high, &b.low, &b.close, 5, 3, 2, &mut k, &mut d).unwrap();
    let mut s = Stoch::new(5, 3, 2).unwrap();
    let st: Vec<StochOutput> = (0..n)
        .map(|i| s.update(b.high[i], b.low[i], b.close[i]))
        .collect();
    res.push((
        "STOCH",
        vec![k, d],
        vec![
            st.iter().map(|o| o.k).collect(),
            st.iter().map(|o| o.d).collect(),
        ],
    ));

    let (mut a, mut p, mut mi) = (z(), z(), z());
    adx(&b.high, &b.low, &b.close, 4, &mut a, &mut p, &mut mi).unwrap();
    let mut s = Adx::new(4).unwrap();
    let st: Vec<AdxOutput> = (0..n)
        .map(|i| s.update(b.high[i], b.low[i], b.close[i]))
        .collect();
    res.push((
        "ADX",
        vec![a, p, mi],
        vec![
            st.iter().map(|o| o.adx).collect(),
            st.iter().map(|o| o.plus_di).collect(),
            st.iter().map(|o| o.minus_di).collect(),
        ],
    ));
    res
}

/// The documented warm-up (leading NaNs) of each output for the parameters used in `all_outputs`.
fn warm_up(name: &str) -> Vec<usize> {
    match name {
        "SMA" | "EMA" | "WMA" => vec![6],
        "RSI" | "ATR" => vec![5],
        "ROC" => vec![3],
        "STDDEV" => vec![5],
        "TRANGE" => vec![1],
        "CCI" => vec![4],
        "MFI" => vec![4],
        "OBV" => vec![0],
        "MACD" => vec![8, 8, 8],
        "BBANDS" => vec![4, 4, 4],
        "STOCH" => vec![4 + 2 + 1, 4 + 2 + 1],
        "ADX" => vec![7, 4, 4],
        other => panic!("no warm-up for {other}"),
    }
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// A seeded 10,000-bar walk with NaN gaps inside and at the edges of the batch drivers' pieces (2048 bars):
/// covers clean steady pieces, pieces redone because of a NaN, and pieces that start in a warm-up.
#[test]
fn streaming_equals_batch_across_pieces() {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut b = Bars {
        high: vec![],
        low: vec![],
        close: vec![],
        volume: vec![],
    };
    let mut price = 100.0;
    for i in 0..10_000 {
        price *= 1.0 + (next() - 0.5) * 0.02;
        let gap = matches!(i, 1_000 | 2_047 | 3_000 | 4_500 | 6_143 | 6_145);
        let v = |x: f64| if gap { f64::NAN } else { x };
        b.close.push(v(price));
        b.high.push(v(price * (1.0 + next() * 0.01)));
        b.low.push(v(price * (1.0 - next() * 0.01)));
        b.volume.push(v((next() * 1000.0).floor()));
    }
    for (name, batch, streamed) in all_outputs(&b) {
        for (k, (x, y)) in batch.iter().zip(&streamed).enumerate() {
            assert!(same_bits(x, y), "{name}[{k}]: batch and streaming differ");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn streaming_equals_batch(b in bars(120, true)) {
        for (name, batch, streamed) in all_outputs(&b) {
            for (k, (x, y)) in batch.iter().zip(&streamed).enumerate() {
                prop_assert!(same_bits(x, y), "{name}[{k}]: batch {x:?} != streaming {y:?}");
            }
        }
    }

    #[test]
    fn warm_up_is_exactly_the_documented_length(b in bars(60, false)) {
        for (name, batch, _) in all_outputs(&b) {
            for (k, (out, &w)) in batch.iter().zip(&warm_up(name)).enumerate() {
                let expected = w.min(out.len());
                prop_assert!(out[..expected].iter().all(|x| x.is_nan()), "{name}[{k}] warm-up has a value");
                prop_assert!(out[expected..].iter().all(|x| !x.is_nan()), "{name}[{k}] NaN after warm-up");
            }
        }
    }

    #[test]
    fn a_nan_bar_restarts_every_indicator(b in bars(80, true)) {
        let full = all_outputs(&b);
        for g in (0..b.len().saturating_sub(1)).filter(|&i| b.close[i].is_nan()) {
            let tail = all_outputs(&b.tail(g + 1));
            for ((name, outs, _), (_, restarted, _)) in full.iter().zip(&tail) {
                for (k, (out, again)) in outs.iter().zip(restarted).enumerate() {
                    prop_assert!(out[g].is_nan(), "{name}[{k}] has a value at gap {g}");
                    prop_assert!(same_bits(&out[g + 1..], again), "{name}[{k}] after gap {g}");
                }
            }
        }
    }

    #[test]
    fn outputs_stay_in_their_ranges(b in bars(120, true)) {
        for (name, batch, _) in all_outputs(&b) {
            let valid = |k: usize| batch[k].iter().copied().filter(|x| !x.is_nan()).collect::<Vec<_>>();
            match name {
                "RSI" | "MFI" | "STOCH" | "ADX" => {
                    for k in 0..batch.len() {
                        prop_assert!(valid(k).iter().all(|x| (0.0..=100.0).contains(x)), "{name}[{k}] out of [0, 100]");
                    }
                }
                "STDDEV" | "ATR" | "TRANGE" => prop_assert!(valid(0).iter().all(|&x| x >= 0.0), "{name} negative"),
                "BBANDS" => {
                    for i in (0..b.len()).filter(|&i| !batch[1][i].is_nan()) {
                        prop_assert!(batch[2][i] <= batch[1][i] && batch[1][i] <= batch[0][i], "bands out of order at {i}");
                    }
                }
                _ => {}
            }
        }
    }
}
