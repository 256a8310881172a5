//! MACD, TA-Lib `MACD`: fast EMA minus slow EMA, both first valid at the slow EMA's first bar (the fast EMA
//! is seeded on the last `fast` values of the slow seed window), signal = EMA of the MACD line,
//! histogram = MACD - signal; warm-up `slow - 1 + signal - 1` for all three outputs.

use std::fmt;

use crate::average::Ema;
use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, PIECE, with_fma};

/// One MACD output bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdOutput {
    /// Fast EMA minus slow EMA.
    pub macd: f64,
    /// EMA of the MACD line.
    pub signal: f64,
    /// `macd - signal`.
    pub hist: f64,
}

const NAN3: MacdOutput = MacdOutput {
    macd: f64::NAN,
    signal: f64::NAN,
    hist: f64::NAN,
};

/// Streaming MACD.
#[derive(Debug, Clone)]
pub struct Macd {
    fast_period: usize,
    slow_period: usize,
    signal_period: usize,
    fast: Ema,
    slow: Ema,
    signal: Ema,
    count: usize,
    value: MacdOutput,
}

impl Macd {
    /// A new MACD; `1 <= fast < slow`, `signal >= 1`.
    pub fn new(fast: i64, slow: i64, signal: i64) -> Result<Self, IndicatorError> {
        let fast_period = check_min("MACD", "fast", fast, 1)?;
        let slow_period = check_min("MACD", "slow", slow, 2)?;
        let signal_period = check_min("MACD", "signal", signal, 1)?;
        if fast_period >= slow_period {
            return Err(IndicatorError::FastNotBelowSlow {
                indicator: "MACD",
                fast,
                slow,
            });
        }
        Ok(Self {
            fast_period,
            slow_period,
            signal_period,
            fast: Ema::new(fast)?,
            slow: Ema::new(slow)?,
            signal: Ema::new(signal)?,
            count: 0,
            value: NAN3,
        })
    }

    /// Feeds one value and returns (macd, signal, hist), NaN during warm-up and on a NaN input (which restarts).
    #[inline]
    pub fn update(&mut self, x: f64) -> MacdOutput {
        // Compiled for FMA when the CPU has it (see `with_fma`); the same bits either way.
        with_fma(|| self.update_impl(x))
    }

    #[inline(always)]
    fn update_impl(&mut self, x: f64) -> MacdOutput {
        if x.is_nan() {
            self.reset();
            return NAN3;
        }
        if self.ready() {
            return self.steady(x);
        }
        let slow = self.slow.update(x);
        // TA-Lib starts the fast EMA's seed window `slow - fast` bars late so both EMAs start together.
        if self.count < self.slow_period - self.fast_period {
            self.count += 1;
            return self.value;
        }
        let fast = self.fast.update(x);
        if slow.is_nan() {
            return self.value;
        }
        let line = fast - slow;
        let signal = self.signal.update(line);
        if !signal.is_nan() {
            self.value = MacdOutput {
                macd: line,
                signal,
                hist: line - signal,
            };
        }
        self.value
    }

    /// One step after the warm-up: `update` without the checks (all three EMAs are past their seeds).
    #[inline(always)]
    pub(crate) fn steady(&mut self, x: f64) -> MacdOutput {
        let slow = self.slow.steady(x);
        let line = self.fast.steady(x) - slow;
        let signal = self.signal.steady(line);
        self.value = MacdOutput {
            macd: line,
            signal,
            hist: line - signal,
        };
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> MacdOutput {
        self.value
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        !self.value.macd.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
        self.signal.reset();
        self.count = 0;
        self.value = NAN3;
    }
}

impl fmt::Display for Macd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MACD({},{},{})",
            self.fast_period, self.slow_period, self.signal_period
        )
    }
}

/// Batch MACD of `input` into the three outputs (each of the input's length).
pub fn macd(
    input: &[f64],
    fast: i64,
    slow: i64,
    signal: i64,
    out_macd: &mut [f64],
    out_signal: &mut [f64],
    out_hist: &mut [f64],
) -> Result<(), IndicatorError> {
    let proto = Macd::new(fast, slow, signal)?;
    check_inputs(
        "MACD",
        &[
            ("input", input.len()),
            ("out_macd", out_macd.len()),
            ("out_signal", out_signal.len()),
            ("out_hist", out_hist.len()),
        ],
    )?;
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "fma")]
        fn fma(proto: &Macd, input: &[f64], m: &mut [f64], s: &mut [f64], h: &mut [f64]) {
            macd_body(proto, input, m, s, h);
        }
        // SAFETY: the CPU supports FMA, checked just above.
        unsafe { fma(&proto, input, out_macd, out_signal, out_hist) };
        return Ok(());
    }
    macd_body(&proto, input, out_macd, out_signal, out_hist);
    Ok(())
}

/// As `batch1`: steady pieces watch for NaN in the same pass and are redone through `update` if they hold one.
#[inline(always)]
fn macd_body(
    proto: &Macd,
    input: &[f64],
    out_macd: &mut [f64],
    out_signal: &mut [f64],
    out_hist: &mut [f64],
) {
    let mut s = proto.clone();
    let mut start = 0;
    while start < input.len() {
        let end = (start + PIECE).min(input.len());
        let x = &input[start..end];
        let (m, sg, h) = (
            &mut out_macd[start..end],
            &mut out_signal[start..end],
            &mut out_hist[start..end],
        );
        if s.ready() {
            let saved = s.clone();
            let mut nan = false;
            for (i, &xi) in x.iter().enumerate() {
                nan |= xi.is_nan();
                let o = s.steady(xi);
                (m[i], sg[i], h[i]) = (o.macd, o.signal, o.hist);
            }
            if !nan {
                start = end;
                continue;
            }
            s = saved;
        }
        for (i, &xi) in x.iter().enumerate() {
            let o = s.update(xi);
            (m[i], sg[i], h[i]) = (o.macd, o.signal, o.hist);
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_is_slow_plus_signal_minus_two() {
        let mut m = Macd::new(3, 5, 2).unwrap();
        let xs: Vec<f64> = (0..10).map(|i| f64::from(i) * 2.0).collect();
        let outs: Vec<MacdOutput> = xs.iter().map(|&x| m.update(x)).collect();
        assert!(outs[4].macd.is_nan());
        // A straight line: fast EMA lags (fast-1)/2 steps, slow (slow-1)/2, so the line is 2 * (2 - 1).
        assert!((outs[5].macd - 2.0).abs() < 1e-12);
        assert_eq!(m.to_string(), "MACD(3,5,2)");
    }

    #[test]
    fn fast_must_be_below_slow() {
        assert!(matches!(
            Macd::new(26, 12, 9),
            Err(IndicatorError::FastNotBelowSlow {
                fast: 26,
                slow: 12,
                ..
            })
        ));
        assert!(Macd::new(12, 12, 9).is_err());
    }
}
