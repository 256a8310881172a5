//! Session-anchored VWAP (not in TA-Lib): cumulative sum of typical price * volume over cumulative volume since
//! the start of the bar's session; sessions are fixed-length UTC intervals shifted by an offset.
//!
//! session(t) = floor((t - offset) / length) for a bar timestamp t in ns since the Unix epoch; a bar whose
//! session differs from the previous bar's starts a new accumulation. VWAP = sum(tp * v) / sum(v) with
//! tp = (high + low + close) / 3; NaN while the session's volume is 0.

use std::fmt;

use crate::error::{IndicatorError, check_inputs};

/// Streaming session VWAP.
#[derive(Debug, Clone)]
pub struct Vwap {
    offset_ns: i64,
    length_ns: i64,
    session: Option<i64>,
    pv: f64,
    vol: f64,
    value: f64,
}

impl Vwap {
    /// A new VWAP with sessions of `length_ns` (> 0) starting at `offset_ns` past each multiple of the length.
    pub fn new(offset_ns: i64, length_ns: i64) -> Result<Self, IndicatorError> {
        if length_ns < 1 {
            return Err(IndicatorError::TooSmall {
                indicator: "VWAP",
                name: "session_length",
                value: length_ns,
                min: 1,
            });
        }
        Ok(Self {
            offset_ns,
            length_ns,
            session: None,
            pv: 0.0,
            vol: 0.0,
            value: f64::NAN,
        })
    }

    /// Feeds one bar stamped `timestamp_ns` and returns the session VWAP (NaN on a NaN input, which restarts
    /// the accumulation at the next bar).
    #[inline]
    pub fn update(
        &mut self,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
        timestamp_ns: i64,
    ) -> f64 {
        let tp = (high + low + close) / 3.0;
        if tp.is_nan() || volume.is_nan() {
            self.reset();
            return f64::NAN;
        }
        let session = timestamp_ns
            .saturating_sub(self.offset_ns)
            .div_euclid(self.length_ns);
        if self.session != Some(session) {
            self.session = Some(session);
            self.pv = 0.0;
            self.vol = 0.0;
        }
        self.pv += tp * volume;
        self.vol += volume;
        self.value = if self.vol != 0.0 {
            self.pv / self.vol
        } else {
            f64::NAN
        };
        self.value
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True once the current session has traded volume.
    pub fn ready(&self) -> bool {
        !self.value.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.session = None;
        self.pv = 0.0;
        self.vol = 0.0;
        self.value = f64::NAN;
    }
}

impl fmt::Display for Vwap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VWAP({},{})", self.offset_ns, self.length_ns)
    }
}

#[allow(clippy::too_many_arguments)] // four price/volume inputs, timestamps, two session parameters, output
/// Batch session VWAP into `out` (the inputs' length).
pub fn vwap(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    timestamps_ns: &[i64],
    offset_ns: i64,
    length_ns: i64,
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut s = Vwap::new(offset_ns, length_ns)?;
    check_inputs(
        "VWAP",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("volume", volume.len()),
            ("timestamps", timestamps_ns.len()),
            ("out", out.len()),
        ],
    )?;
    for (i, o) in out.iter_mut().enumerate() {
        *o = s.update(high[i], low[i], close[i], volume[i], timestamps_ns[i]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000_000_000;

    #[test]
    fn resets_at_each_session_boundary() {
        let mut v = Vwap::new(0, 2 * HOUR).unwrap();
        assert_eq!(v.update(3.0, 3.0, 3.0, 1.0, 0), 3.0);
        assert_eq!(v.update(6.0, 6.0, 6.0, 2.0, HOUR), 5.0);
        assert_eq!(v.update(9.0, 9.0, 9.0, 1.0, 2 * HOUR), 9.0);
        assert!(Vwap::new(0, 0).is_err());
    }

    #[test]
    fn offset_moves_the_boundary() {
        let mut v = Vwap::new(HOUR, 2 * HOUR).unwrap();
        v.update(3.0, 3.0, 3.0, 1.0, 0);
        assert_eq!(v.update(6.0, 6.0, 6.0, 1.0, HOUR), 6.0);
    }
}
