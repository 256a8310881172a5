//! Bar matching rules of the simulator: when and at what price an order executes against one OHLCV bar.
//!
//! The path inside a bar is unknown, so every rule is conservative: a limit fills only when the bar trades
//! *through* it (touching is not enough), at the limit, or at the open when the bar gaps through in the order's
//! favour; stops trigger on touch and fill at the stop, or at the open on a gap against the order, plus slippage;
//! a trailing stop checks the stop from the best price seen *before* the bar, then moves it with the bar.

use serde::{Deserialize, Serialize};

use crate::error::MoneyError;
use crate::fees::Liquidity;
use crate::money::{Price, Quantity, Rounding};
use crate::order::{OrderKind, Side, Symbol, TrailingOffset};

/// One OHLCV bar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    /// The instrument.
    pub symbol: Symbol,
    /// Bar open time, nanoseconds since the Unix epoch.
    pub timestamp_ns: u64,
    /// First trade.
    pub open: Price,
    /// Highest trade.
    pub high: Price,
    /// Lowest trade.
    pub low: Price,
    /// Last trade.
    pub close: Price,
    /// Traded quantity.
    pub volume: Quantity,
}

impl Bar {
    /// Checks `low <= open, close <= high`, positive prices and non-negative volume; says which rule broke.
    pub fn validate(&self) -> Result<(), String> {
        let why = if !self.low.is_positive() {
            "low must be positive"
        } else if self.low > self.open.min(self.close) {
            "low is above the open or close"
        } else if self.high < self.open.max(self.close) {
            "high is below the open or close"
        } else if self.volume.is_negative() {
            "volume is negative"
        } else {
            return Ok(());
        };
        Err(format!(
            "bar {} at {} ns: {why}",
            self.symbol, self.timestamp_ns
        ))
    }
}

/// What the matcher remembers about a working order between bars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkingState {
    /// A stop-limit's stop has been hit; it now works as a limit order.
    pub triggered: bool,
    /// A trailing stop's best price so far (high for a sell, low for a buy).
    pub extreme: Option<Price>,
}

/// An execution price and who provided liquidity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Execution {
    /// The fill price.
    pub price: Price,
    /// Maker or taker.
    pub liquidity: Liquidity,
}

/// Where a market-like order executes from `reference`, `slippage_bps` against the order.
pub fn slipped(side: Side, reference: Price, slippage_bps: u32) -> Result<Price, MoneyError> {
    match side {
        Side::Buy => reference.offset_bps(i64::from(slippage_bps), Rounding::Up),
        Side::Sell => reference.offset_bps(-i64::from(slippage_bps), Rounding::Down),
    }
}

fn limit_execution(side: Side, limit: Price, bar: &Bar) -> Option<Execution> {
    let (gapped, traded_through) = match side {
        Side::Buy => (bar.open <= limit, bar.low < limit),
        Side::Sell => (bar.open >= limit, bar.high > limit),
    };
    if gapped {
        Some(Execution {
            price: bar.open,
            liquidity: Liquidity::Taker,
        })
    } else if traded_through {
        Some(Execution {
            price: limit,
            liquidity: Liquidity::Maker,
        })
    } else {
        None
    }
}

/// The price at which a stop triggers in this bar (open on a gap, else the stop), if it does.
fn stop_trigger(side: Side, stop: Price, bar: &Bar) -> Option<Price> {
    match side {
        Side::Buy if bar.open >= stop => Some(bar.open),
        Side::Buy if bar.high >= stop => Some(stop),
        Side::Sell if bar.open <= stop => Some(bar.open),
        Side::Sell if bar.low <= stop => Some(stop),
        _ => None,
    }
}

fn trailing_stop_price(
    side: Side,
    extreme: Price,
    trail: TrailingOffset,
) -> Result<Price, MoneyError> {
    match (side, trail) {
        (Side::Sell, TrailingOffset::Price(distance)) => extreme.checked_sub(distance),
        (Side::Buy, TrailingOffset::Price(distance)) => extreme.checked_add(distance),
        (Side::Sell, TrailingOffset::Percent(pct)) => extreme.checked_mul_ratio(
            100 * crate::money::ONE_RAW - pct.raw(),
            100 * crate::money::ONE_RAW,
            Rounding::Down,
        ),
        (Side::Buy, TrailingOffset::Percent(pct)) => extreme.checked_mul_ratio(
            100 * crate::money::ONE_RAW + pct.raw(),
            100 * crate::money::ONE_RAW,
            Rounding::Up,
        ),
    }
}

/// Matches one order against one bar; updates `state` (trigger, trailing extreme) and returns the execution.
pub fn match_bar(
    side: Side,
    kind: &OrderKind,
    state: &mut WorkingState,
    bar: &Bar,
    slippage_bps: u32,
) -> Result<Option<Execution>, MoneyError> {
    let taker = |price| {
        Ok(Some(Execution {
            price,
            liquidity: Liquidity::Taker,
        }))
    };
    match *kind {
        OrderKind::Market => taker(slipped(side, bar.open, slippage_bps)?),
        OrderKind::Limit { limit } => Ok(limit_execution(side, limit, bar)),
        OrderKind::Stop { stop } => match stop_trigger(side, stop, bar) {
            Some(trigger) => taker(slipped(side, trigger, slippage_bps)?),
            None => Ok(None),
        },
        OrderKind::StopLimit { stop, limit } => {
            if state.triggered {
                return Ok(limit_execution(side, limit, bar));
            }
            let Some(trigger) = stop_trigger(side, stop, bar) else {
                return Ok(None);
            };
            state.triggered = true;
            let marketable = match side {
                Side::Buy => trigger <= limit,
                Side::Sell => trigger >= limit,
            };
            // Marketable at the trigger: fill there. Otherwise it rests as a limit from the next bar on.
            if marketable { taker(trigger) } else { Ok(None) }
        }
        OrderKind::TrailingStop { trail } => {
            let extreme = *state.extreme.get_or_insert(bar.open);
            let stop = trailing_stop_price(side, extreme, trail)?;
            if let Some(trigger) = stop_trigger(side, stop, bar) {
                return taker(slipped(side, trigger, slippage_bps)?);
            }
            state.extreme = Some(match side {
                Side::Sell => extreme.max(bar.high),
                Side::Buy => extreme.min(bar.low),
            });
            Ok(None)
        }
    }
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
