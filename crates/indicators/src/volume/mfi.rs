//! Money flow index, TA-Lib `MFI`: 100 * positive flow / total flow over `period` bars, flow = typical price *
//! volume signed by the typical price's move (no flow for a move within 1e-14 of the prices; 0 when the
//! window has no flow), as TA-Lib 0.8; warm-up `period`.

use std::fmt;

use crate::error::{check_inputs, check_min};
use crate::{IndicatorError, ZERO_BAND, for_each_piece};

/// The running state besides the two flow windows; `Copy`, so a batch loop keeps it in registers.
#[derive(Debug, Clone, Copy)]
struct Flows {
    prev_tp: f64,
    pos_sum: f64,
    neg_sum: f64,
    null_run: usize,
    /// The next slot to write, which holds the window's oldest flow once the window is full.
    head: usize,
}

const START: Flows = Flows {
    prev_tp: f64::NAN,
    pos_sum: 0.0,
    neg_sum: 0.0,
    null_run: 0,
    head: 0,
};

/// Streaming MFI with TA-Lib's order of operations (drop the oldest flow, then add the new one).
#[derive(Debug, Clone)]
pub struct Mfi {
    period: usize,
    pos: Vec<f64>,
    neg: Vec<f64>,
    len: usize,
    flows: Flows,
    value: f64,
}

impl Mfi {
    /// A new MFI; `period >= 1`.
    pub fn new(period: i64) -> Result<Self, IndicatorError> {
        let period = check_min("MFI", "period", period, 1)?;
        Ok(Self {
            period,
            pos: vec![0.0; period],
            neg: vec![0.0; period],
            len: 0,
            flows: START,
            value: f64::NAN,
        })
    }

    /// Feeds one bar and returns the MFI (NaN during warm-up and on a NaN input, which restarts it).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64, volume: f64) -> f64 {
        let tp = typical(high, low, close);
        if tp.is_nan() || volume.is_nan() {
            self.reset();
            return f64::NAN;
        }
        if self.flows.prev_tp.is_nan() {
            self.flows.prev_tp = tp;
            return f64::NAN;
        }
        let full = self.len == self.period;
        self.len = self.period.min(self.len + 1);
        let mfi = step(
            &mut self.flows,
            &mut self.pos,
            &mut self.neg,
            tp,
            volume,
            full,
        );
        if self.len == self.period {
            self.value = mfi;
        }
        self.value
    }

    /// True when the next bar is a steady-state step (the flow window is full).
    #[inline(always)]
    fn steady(&self) -> bool {
        self.len == self.period
    }

    /// The last output (NaN until ready).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True once the warm-up is over.
    pub fn ready(&self) -> bool {
        !self.value.is_nan()
    }

    /// Forgets all input.
    pub fn reset(&mut self) {
        self.len = 0;
        self.flows = START;
        self.value = f64::NAN;
    }
}

/// TA-Lib's typical price.
#[inline(always)]
fn typical(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

/// `x` where `keep`, else +0.0: a bit mask rather than a branch, since the sign of a price move is a coin flip.
#[inline(always)]
fn select(keep: bool, x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0u64.wrapping_sub(u64::from(keep)))
}

/// One bar after the first of a run: drops the oldest flow when the window is `full`, adds this bar's and
/// returns the MFI of the window (meaningful once it is full). Branch-free but for the rare flat windows.
#[inline(always)]
fn step(f: &mut Flows, pos: &mut [f64], neg: &mut [f64], tp: f64, volume: f64, full: bool) -> f64 {
    let period = pos.len();
    let prev = f.prev_tp;
    f.prev_tp = tp;
    let change = tp - prev;
    // TA-Lib's scale-aware dead zone: a move within ~90 ulp of the prices is no move.
    let moved = change.abs() > ZERO_BAND * (tp.abs() + prev.abs());
    let flow = select(moved, tp * volume);
    // Split by multiplying with 0 or 1: a select here compiles to a branch, mispredicted half the time.
    let falling = f64::from(u8::from(change < 0.0));
    let down = flow * falling;
    let up = flow - down;
    // TA-Lib's order (drop the oldest, then add): the rounding residue of a window that empties must match.
    f.pos_sum -= select(full, pos[f.head]);
    f.neg_sum -= select(full, neg[f.head]);
    f.pos_sum += up;
    f.neg_sum += down;
    pos[f.head] = up;
    neg[f.head] = down;
    f.head = if f.head + 1 == period { 0 } else { f.head + 1 };
    // A full window without flow has sums of exactly zero; drop the rounding residue as TA-Lib does.
    f.null_run = (f.null_run + 1) * usize::from(flow == 0.0);
    if f.null_run >= period {
        f.null_run = period;
        f.pos_sum = 0.0;
        f.neg_sum = 0.0;
    }
    let total = f.pos_sum + f.neg_sum;
    let positive = f.pos_sum.clamp(0.0, total.max(0.0));
    if total <= 0.0 {
        0.0
    } else {
        100.0 * (positive / total)
    }
}

impl fmt::Display for Mfi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MFI({})", self.period)
    }
}

/// Batch MFI into `out` (the inputs' length).
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    period: i64,
    out: &mut [f64],
) -> Result<(), IndicatorError> {
    let mut s = Mfi::new(period)?;
    check_inputs(
        "MFI",
        &[
            ("high", high.len()),
            ("low", low.len()),
            ("close", close.len()),
            ("volume", volume.len()),
            ("out", out.len()),
        ],
    )?;
    // Per NaN-free piece: the warm-up through `update`, then `update`'s steady step with the state in locals.
    for_each_piece(&[high, low, close, volume], |piece, fresh, gap| {
        if fresh {
            s.reset();
        }
        let mut i = piece.start;
        while i < piece.end && !s.steady() {
            out[i] = s.update(high[i], low[i], close[i], volume[i]);
            i += 1;
        }
        let r = i..piece.end;
        let mut flows = s.flows;
        let (pos, neg) = (&mut s.pos[..], &mut s.neg[..]);
        for ((((&h, &l), &c), &v), o) in high[r.clone()]
            .iter()
            .zip(&low[r.clone()])
            .zip(&close[r.clone()])
            .zip(&volume[r.clone()])
            .zip(&mut out[r])
        {
            *o = step(&mut flows, pos, neg, typical(h, l, c), v, true);
        }
        s.flows = flows;
        if gap {
            out[piece.end] = f64::NAN;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_up_moves_give_100() {
        let mut m = Mfi::new(2).unwrap();
        assert!(m.update(1.0, 1.0, 1.0, 10.0).is_nan());
        assert!(m.update(2.0, 2.0, 2.0, 10.0).is_nan());
        assert_eq!(m.update(3.0, 3.0, 3.0, 10.0), 100.0);
        assert_eq!(m.update(2.0, 2.0, 2.0, 30.0), 100.0 * (30.0 / 90.0));
        assert_eq!(m.to_string(), "MFI(2)");
    }
}
