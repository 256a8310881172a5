//! Instrument specs: tick and lot sizes, minimums, and rounding to increments in a direction that never hurts the trader.

use serde::{Deserialize, Serialize};

use crate::error::{InstrumentError, MoneyError};
use crate::money::{Money, Price, Quantity, Rounding};
use crate::order::{OrderIntent, OrderKind, Side, Symbol, TimeInForce, TrailingOffset};

/// The asset class, as Alpaca names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetClass {
    /// US stocks and ETFs.
    UsEquity,
    /// Crypto pairs such as `BTC/USD`.
    Crypto,
}

/// What a venue accepts for one instrument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    /// The symbol.
    pub symbol: Symbol,
    /// Asset class.
    pub asset_class: AssetClass,
    /// Prices must be multiples of this.
    pub tick_size: Price,
    /// The tick for prices below 1 when it is finer (Alpaca US equities: 0.0001 under $1); absent: `tick_size`.
    #[serde(default)]
    pub sub_dollar_tick_size: Option<Price>,
    /// Quantities must be multiples of this (1 for whole shares).
    pub lot_size: Quantity,
    /// Smallest order quantity.
    pub min_quantity: Quantity,
    /// Smallest order notional (0 for none).
    pub min_notional: Money,
    /// Fractional quantities allowed (then `lot_size` may be below 1).
    pub fractionable: bool,
}

impl Instrument {
    /// Checks the spec: positive tick and lot, non-negative minimums, a whole lot unless fractionable.
    pub fn validate(&self) -> Result<(), InstrumentError> {
        let invalid =
            |field: &'static str, value: String, why: &'static str| InstrumentError::InvalidSpec {
                symbol: self.symbol.to_string(),
                field,
                value,
                why,
            };
        if !self.tick_size.is_positive() {
            return Err(invalid(
                "tick_size",
                self.tick_size.to_string(),
                "must be positive",
            ));
        }
        if let Some(tick) = self.sub_dollar_tick_size
            && !tick.is_positive()
        {
            return Err(invalid(
                "sub_dollar_tick_size",
                tick.to_string(),
                "must be positive",
            ));
        }
        if !self.lot_size.is_positive() {
            return Err(invalid(
                "lot_size",
                self.lot_size.to_string(),
                "must be positive",
            ));
        }
        if !self.fractionable && !self.lot_size.is_multiple_of(Quantity::ONE) {
            return Err(invalid(
                "lot_size",
                self.lot_size.to_string(),
                "must be whole when not fractionable",
            ));
        }
        if self.min_quantity.is_negative() {
            return Err(invalid(
                "min_quantity",
                self.min_quantity.to_string(),
                "must not be negative",
            ));
        }
        if self.min_notional.is_negative() {
            return Err(invalid(
                "min_notional",
                self.min_notional.to_string(),
                "must not be negative",
            ));
        }
        Ok(())
    }

    fn arithmetic(&self, source: MoneyError) -> InstrumentError {
        InstrumentError::Arithmetic {
            symbol: self.symbol.to_string(),
            source,
        }
    }

    /// The tick that applies at `price`.
    pub fn tick_for(&self, price: Price) -> Price {
        match self.sub_dollar_tick_size {
            Some(tick) if price < Price::ONE => tick,
            _ => self.tick_size,
        }
    }

    /// Rounds a limit price to the tick so it is never worse than asked: a buy rounds down, a sell rounds up.
    pub fn round_limit_price(&self, side: Side, price: Price) -> Result<Price, InstrumentError> {
        let mode = match side {
            Side::Buy => Rounding::Down,
            Side::Sell => Rounding::Up,
        };
        price
            .round_to_increment(self.tick_for(price), mode)
            .map_err(|e| self.arithmetic(e))
    }

    /// Rounds a stop price to the tick so the stop never triggers earlier than asked: a buy stop (above the
    /// market) rounds up, a sell stop (below the market) rounds down.
    pub fn round_stop_price(&self, side: Side, price: Price) -> Result<Price, InstrumentError> {
        let mode = match side {
            Side::Buy => Rounding::Up,
            Side::Sell => Rounding::Down,
        };
        price
            .round_to_increment(self.tick_for(price), mode)
            .map_err(|e| self.arithmetic(e))
    }

    /// Rounds a quantity down to the lot: never more than asked.
    pub fn round_quantity(&self, quantity: Quantity) -> Result<Quantity, InstrumentError> {
        quantity
            .round_to_increment(self.lot_size, Rounding::Down)
            .map_err(|e| self.arithmetic(e))
    }

    /// Rounds every price and the quantity of `intent` to this instrument's increments (see the directions above).
    pub fn round_intent(&self, intent: &OrderIntent) -> Result<OrderIntent, InstrumentError> {
        let side = intent.side;
        let kind = match intent.kind {
            OrderKind::Market => OrderKind::Market,
            OrderKind::Limit { limit } => OrderKind::Limit {
                limit: self.round_limit_price(side, limit)?,
            },
            OrderKind::Stop { stop } => OrderKind::Stop {
                stop: self.round_stop_price(side, stop)?,
            },
            OrderKind::StopLimit { stop, limit } => OrderKind::StopLimit {
                stop: self.round_stop_price(side, stop)?,
                limit: self.round_limit_price(side, limit)?,
            },
            OrderKind::TrailingStop {
                trail: TrailingOffset::Price(distance),
            } => OrderKind::TrailingStop {
                // A narrower trail is never looser than asked.
                trail: TrailingOffset::Price(
                    distance
                        .round_to_increment(self.tick_size, Rounding::Down)
                        .map_err(|e| self.arithmetic(e))?,
                ),
            },
            kind @ OrderKind::TrailingStop {
                trail: TrailingOffset::Percent(_),
            } => kind,
        };
        Ok(OrderIntent {
            quantity: self.round_quantity(intent.quantity)?,
            kind,
            ..intent.clone()
        })
    }

    /// Checks that `intent` is on tick and lot and above the minimums. `reference_price` values a market or
    /// stop order's notional (its limit price is used when it has one); without it, no notional check is made.
    pub fn check_intent(
        &self,
        intent: &OrderIntent,
        reference_price: Option<Price>,
    ) -> Result<(), InstrumentError> {
        let symbol = || self.symbol.to_string();
        let prices: &[(&'static str, Price)] = match &intent.kind {
            OrderKind::Market
            | OrderKind::TrailingStop {
                trail: TrailingOffset::Percent(_),
            } => &[],
            OrderKind::Limit { limit } => &[("limit_price", *limit)],
            OrderKind::Stop { stop } => &[("stop_price", *stop)],
            OrderKind::StopLimit { stop, limit } => {
                &[("stop_price", *stop), ("limit_price", *limit)]
            }
            OrderKind::TrailingStop {
                trail: TrailingOffset::Price(distance),
            } => &[("trail_price", *distance)],
        };
        if let Some((field, price)) = prices
            .iter()
            .find(|(_, price)| !price.is_multiple_of(self.tick_for(*price)))
        {
            return Err(InstrumentError::OffTick {
                symbol: symbol(),
                field,
                price: *price,
                tick: self.tick_for(*price),
            });
        }
        // Alpaca's rules: crypto takes gtc/ioc only; a fractional equity order must be a day order.
        let fractional = !intent.quantity.is_multiple_of(Quantity::ONE);
        let allowed: &[TimeInForce] = match self.asset_class {
            AssetClass::Crypto => &[TimeInForce::Gtc, TimeInForce::Ioc],
            AssetClass::UsEquity if fractional && self.fractionable => &[TimeInForce::Day],
            AssetClass::UsEquity => &[],
        };
        if !allowed.is_empty() && !allowed.contains(&intent.time_in_force) {
            return Err(InstrumentError::UnsupportedTimeInForce {
                symbol: symbol(),
                time_in_force: intent.time_in_force,
                why: if fractional && self.asset_class == AssetClass::UsEquity {
                    "fractional equity orders must be day orders"
                } else {
                    "crypto orders take gtc or ioc"
                },
            });
        }
        if !intent.quantity.is_multiple_of(self.lot_size) {
            return Err(InstrumentError::OffLot {
                symbol: symbol(),
                quantity: intent.quantity,
                lot: self.lot_size,
            });
        }
        if intent.quantity < self.min_quantity {
            return Err(InstrumentError::BelowMinQuantity {
                symbol: symbol(),
                quantity: intent.quantity,
                minimum: self.min_quantity,
            });
        }
        let price = match intent.kind {
            OrderKind::Limit { limit } | OrderKind::StopLimit { limit, .. } => Some(limit),
            _ => reference_price,
        };
        if let Some(price) = price {
            let notional = price
                .notional(intent.quantity, Rounding::HalfEven)
                .map_err(|e| self.arithmetic(e))?;
            if notional < self.min_notional {
                return Err(InstrumentError::BelowMinNotional {
                    symbol: symbol(),
                    notional,
                    minimum: self.min_notional,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::ClientOrderId;

    fn equity() -> Instrument {
        Instrument {
            symbol: Symbol::new("AAPL").unwrap(),
            asset_class: AssetClass::UsEquity,
            tick_size: "0.01".parse().unwrap(),
            sub_dollar_tick_size: None,
            lot_size: Quantity::ONE,
            min_quantity: Quantity::ONE,
            min_notional: "1".parse().unwrap(),
            fractionable: false,
        }
    }

    fn intent(side: Side, quantity: &str, kind: OrderKind) -> OrderIntent {
        OrderIntent {
            client_order_id: ClientOrderId::new("x").unwrap(),
            symbol: Symbol::new("AAPL").unwrap(),
            side,
            quantity: quantity.parse().unwrap(),
            kind,
            time_in_force: TimeInForce::Day,
            strategy: None,
        }
    }

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    #[test]
    fn limit_prices_round_in_the_traders_favour() {
        let spec = equity();
        assert_eq!(
            spec.round_limit_price(Side::Buy, p("10.019")).unwrap(),
            p("10.01")
        );
        assert_eq!(
            spec.round_limit_price(Side::Sell, p("10.011")).unwrap(),
            p("10.02")
        );
        assert_eq!(
            spec.round_limit_price(Side::Sell, p("10.01")).unwrap(),
            p("10.01")
        );
        assert_eq!(
            spec.round_stop_price(Side::Buy, p("10.011")).unwrap(),
            p("10.02")
        );
        assert_eq!(
            spec.round_stop_price(Side::Sell, p("10.019")).unwrap(),
            p("10.01")
        );
        assert_eq!(
            spec.round_quantity("7.9".parse().unwrap()).unwrap(),
            Quantity::from_units(7)
        );
    }

    #[test]
    fn rounded_intents_pass_the_check() {
        let spec = equity();
        let raw = intent(
            Side::Sell,
            "3.7",
            OrderKind::StopLimit {
                stop: p("9.999"),
                limit: p("9.981"),
            },
        );
        assert!(matches!(
            spec.check_intent(&raw, None),
            Err(InstrumentError::OffTick { .. })
        ));
        let rounded = spec.round_intent(&raw).unwrap();
        assert_eq!(rounded.quantity, Quantity::from_units(3));
        assert_eq!(
            rounded.kind,
            OrderKind::StopLimit {
                stop: p("9.99"),
                limit: p("9.99")
            }
        );
        spec.check_intent(&rounded, None).unwrap();
    }

    #[test]
    fn below_minimums_and_off_lot_are_refused_with_what_and_where() {
        let spec = equity();
        let err = spec
            .check_intent(&intent(Side::Buy, "1.5", OrderKind::Market), None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "AAPL: quantity 1.5 is not a multiple of the lot size 1"
        );
        let crypto = Instrument {
            symbol: Symbol::new("BTC/USD").unwrap(),
            asset_class: AssetClass::Crypto,
            tick_size: p("1"),
            sub_dollar_tick_size: None,
            lot_size: "0.000000001".parse().unwrap(),
            min_quantity: "0.0001".parse().unwrap(),
            min_notional: "10".parse().unwrap(),
            fractionable: true,
        };
        crypto.validate().unwrap();
        let gtc = |quantity| OrderIntent {
            time_in_force: TimeInForce::Gtc,
            ..intent(Side::Buy, quantity, OrderKind::Market)
        };
        let tiny = gtc("0.00005");
        assert!(matches!(
            crypto.check_intent(&tiny, None),
            Err(InstrumentError::BelowMinQuantity { .. })
        ));
        let small = gtc("0.0001");
        let err = crypto.check_intent(&small, Some(p("50000"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BTC/USD: notional 5 is below the minimum 10"
        );
        crypto.check_intent(&small, None).unwrap();
        let day = OrderIntent {
            time_in_force: TimeInForce::Day,
            ..small
        };
        let err = crypto.check_intent(&day, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BTC/USD: time in force day not accepted: crypto orders take gtc or ioc"
        );
        let fractional = Instrument {
            fractionable: true,
            lot_size: "0.001".parse().unwrap(),
            ..equity()
        };
        let gtc_fraction = OrderIntent {
            time_in_force: TimeInForce::Gtc,
            ..intent(Side::Buy, "1.5", OrderKind::Market)
        };
        let err = fractional.check_intent(&gtc_fraction, None).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("fractional equity orders must be day orders"),
            "{err}"
        );
        fractional
            .check_intent(&intent(Side::Buy, "1.5", OrderKind::Market), None)
            .unwrap();
    }

    #[test]
    fn sub_dollar_prices_use_the_finer_tick() {
        let spec = Instrument {
            sub_dollar_tick_size: Some(p("0.0001")),
            ..equity()
        };
        spec.validate().unwrap();
        assert_eq!(
            spec.round_limit_price(Side::Buy, p("0.12345")).unwrap(),
            p("0.1234")
        );
        assert_eq!(
            spec.round_limit_price(Side::Buy, p("1.2345")).unwrap(),
            p("1.23")
        );
        assert_eq!(
            spec.round_limit_price(Side::Sell, p("0.99995")).unwrap(),
            p("1")
        );
        let sub_penny = intent(Side::Buy, "10", OrderKind::Limit { limit: p("0.5005") });
        spec.check_intent(&sub_penny, None).unwrap();
        let above = intent(Side::Buy, "1", OrderKind::Limit { limit: p("1.5005") });
        let err = spec.check_intent(&above, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AAPL: limit_price 1.5005 is not a multiple of the tick size 0.01"
        );
    }

    #[test]
    fn invalid_specs_are_refused() {
        let mut spec = equity();
        spec.lot_size = "0.5".parse().unwrap();
        assert!(
            spec.validate()
                .unwrap_err()
                .to_string()
                .contains("must be whole when not fractionable")
        );
        spec.lot_size = Quantity::ONE;
        spec.tick_size = Price::ZERO;
        assert!(
            spec.validate()
                .unwrap_err()
                .to_string()
                .contains("tick_size")
        );
    }
}
