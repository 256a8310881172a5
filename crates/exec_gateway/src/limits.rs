//! Hard pre-trade limits: kill switch, size and notional caps, open-order cap, price collar, symbol allow-list.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::{Money, Price, Quantity, Rounding};
use crate::order::{OrderIntent, OrderKind, Symbol};

/// The limits; every field is off when absent. Deserializes from a config file section (unknown keys refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Refuse every new order (cancels still pass).
    #[serde(default)]
    pub kill_switch: bool,
    /// Largest notional of one order, valued at its limit (or stop) price, else the last price.
    pub max_order_notional: Option<Money>,
    /// Largest quantity of one order.
    pub max_order_quantity: Option<Quantity>,
    /// Most orders open (not terminal) at once.
    pub max_open_orders: Option<usize>,
    /// Largest distance of a limit or stop price from the last price, in basis points.
    pub price_collar_bps: Option<u32>,
    /// Only these symbols may be traded; absent means any.
    pub allowed_symbols: Option<BTreeSet<Symbol>>,
}

/// Why a limit refused an order, for machines (the gRPC/REST layers send it as a string code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    /// The kill switch is on.
    KillSwitch,
    /// The symbol is not on the allow-list.
    SymbolNotAllowed,
    /// The quantity is above `max_order_quantity`.
    MaxOrderQuantity,
    /// The notional is above `max_order_notional`.
    MaxOrderNotional,
    /// `max_open_orders` orders are already open.
    MaxOpenOrders,
    /// A price is outside the collar around the last price.
    PriceCollar,
    /// A limit needs the last price and there is none (fail closed).
    NoReferencePrice,
}

impl ReasonCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KillSwitch => "KILL_SWITCH",
            Self::SymbolNotAllowed => "SYMBOL_NOT_ALLOWED",
            Self::MaxOrderQuantity => "MAX_ORDER_QUANTITY",
            Self::MaxOrderNotional => "MAX_ORDER_NOTIONAL",
            Self::MaxOpenOrders => "MAX_OPEN_ORDERS",
            Self::PriceCollar => "PRICE_COLLAR",
            Self::NoReferencePrice => "NO_REFERENCE_PRICE",
        }
    }
}

/// A refusal: a machine-readable code and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitRejection {
    /// The reason code.
    pub code: ReasonCode,
    /// What was refused and why, with the numbers.
    pub message: String,
}

impl fmt::Display for LimitRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for LimitRejection {}

fn reject(code: ReasonCode, message: String) -> Result<(), LimitRejection> {
    Err(LimitRejection { code, message })
}

impl LimitsConfig {
    /// Checks a new order. `last_price` is the latest trade price of its symbol, `open_orders` the number open now.
    pub fn check(
        &self,
        intent: &OrderIntent,
        last_price: Option<Price>,
        open_orders: usize,
    ) -> Result<(), LimitRejection> {
        let id = &intent.client_order_id;
        if self.kill_switch {
            return reject(
                ReasonCode::KillSwitch,
                format!("order {id}: kill switch is on; only cancels are accepted"),
            );
        }
        if let Some(allowed) = &self.allowed_symbols
            && !allowed.contains(&intent.symbol)
        {
            return reject(
                ReasonCode::SymbolNotAllowed,
                format!("order {id}: symbol {} is not allowed", intent.symbol),
            );
        }
        if let Some(max) = self.max_order_quantity
            && intent.quantity > max
        {
            return reject(
                ReasonCode::MaxOrderQuantity,
                format!("order {id}: quantity {} > max {max}", intent.quantity),
            );
        }
        if let Some(max) = self.max_open_orders
            && open_orders >= max
        {
            return reject(
                ReasonCode::MaxOpenOrders,
                format!("order {id}: {open_orders} orders open, max {max}"),
            );
        }
        let order_prices: Vec<Price> = match intent.kind {
            OrderKind::Limit { limit } => vec![limit],
            OrderKind::Stop { stop } => vec![stop],
            OrderKind::StopLimit { stop, limit } => vec![limit, stop],
            OrderKind::Market | OrderKind::TrailingStop { .. } => vec![],
        };
        if let Some(bps) = self.price_collar_bps
            && !order_prices.is_empty()
        {
            let Some(last) = last_price else {
                return reject(
                    ReasonCode::NoReferencePrice,
                    format!(
                        "order {id}: no last price for {} to collar against",
                        intent.symbol
                    ),
                );
            };
            for price in &order_prices {
                // |price - last| / last > bps / 10_000, in exact integers.
                let distance = (price.raw() - last.raw()).unsigned_abs() * 10_000;
                if distance > u128::from(bps) * last.raw().unsigned_abs() {
                    return reject(
                        ReasonCode::PriceCollar,
                        format!(
                            "order {id}: price {price} is more than {bps} bps from the last price {last}"
                        ),
                    );
                }
            }
        }
        if let Some(max) = self.max_order_notional {
            let Some(price) = order_prices.first().copied().or(last_price) else {
                return reject(
                    ReasonCode::NoReferencePrice,
                    format!("order {id}: no price to value the order against max notional"),
                );
            };
            let notional = price.notional(intent.quantity, Rounding::Up);
            match notional {
                Ok(notional) if notional <= max => {}
                Ok(notional) => {
                    return reject(
                        ReasonCode::MaxOrderNotional,
                        format!("order {id}: notional {notional} > max {max}"),
                    );
                }
                Err(_) => {
                    return reject(
                        ReasonCode::MaxOrderNotional,
                        format!("order {id}: notional overflows"),
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{ClientOrderId, Side, TimeInForce};

    fn intent(quantity: &str, kind: OrderKind) -> OrderIntent {
        OrderIntent {
            client_order_id: ClientOrderId::new("o1").unwrap(),
            symbol: Symbol::new("AAPL").unwrap(),
            side: Side::Buy,
            quantity: quantity.parse().unwrap(),
            kind,
            time_in_force: TimeInForce::Day,
            strategy: None,
        }
    }

    fn p(text: &str) -> Price {
        text.parse().unwrap()
    }

    fn code(result: Result<(), LimitRejection>) -> ReasonCode {
        result.unwrap_err().code
    }

    #[test]
    fn no_limits_pass_everything() {
        LimitsConfig::default()
            .check(&intent("1000000", OrderKind::Market), None, 10_000)
            .unwrap();
    }

    #[test]
    fn each_limit_refuses_with_its_code() {
        let limits = LimitsConfig {
            max_order_notional: Some("10000".parse().unwrap()),
            max_order_quantity: Some(Quantity::from_units(100)),
            max_open_orders: Some(3),
            price_collar_bps: Some(100),
            allowed_symbols: Some([Symbol::new("AAPL").unwrap()].into()),
            kill_switch: false,
        };
        let limit = |price: &str| OrderKind::Limit { limit: p(price) };
        let last = Some(p("100"));
        limits.check(&intent("10", limit("101")), last, 2).unwrap();
        assert_eq!(
            code(limits.check(&intent("101", limit("100")), last, 0)),
            ReasonCode::MaxOrderQuantity
        );
        assert_eq!(
            code(limits.check(&intent("10", limit("100")), last, 3)),
            ReasonCode::MaxOpenOrders
        );
        assert_eq!(
            code(limits.check(&intent("10", limit("101.01")), last, 0)),
            ReasonCode::PriceCollar
        );
        assert_eq!(
            code(limits.check(&intent("10", limit("98.99")), last, 0)),
            ReasonCode::PriceCollar
        );
        assert_eq!(
            code(limits.check(&intent("10", limit("100")), None, 0)),
            ReasonCode::NoReferencePrice
        );
        assert_eq!(
            code(limits.check(&intent("100", limit("100.01")), last, 0)),
            ReasonCode::MaxOrderNotional
        );
        limits.check(&intent("100", limit("100")), last, 0).unwrap();
        assert_eq!(
            code(limits.check(&intent("1", OrderKind::Market), None, 0)),
            ReasonCode::NoReferencePrice
        );
        let mut msft = intent("1", OrderKind::Market);
        msft.symbol = Symbol::new("MSFT").unwrap();
        let rejection = limits.check(&msft, last, 0).unwrap_err();
        assert_eq!(
            rejection.to_string(),
            "SYMBOL_NOT_ALLOWED: order o1: symbol MSFT is not allowed"
        );
    }

    #[test]
    fn kill_switch_refuses_every_new_order() {
        let limits = LimitsConfig {
            kill_switch: true,
            ..LimitsConfig::default()
        };
        assert_eq!(
            code(limits.check(&intent("1", OrderKind::Market), Some(p("1")), 0)),
            ReasonCode::KillSwitch
        );
    }

    #[test]
    fn config_parses_from_json_and_refuses_unknown_keys() {
        let config: LimitsConfig = serde_json::from_str(
            r#"{"max_order_notional": "5000.50", "allowed_symbols": ["AAPL", "BTC/USD"]}"#,
        )
        .unwrap();
        assert_eq!(config.max_order_notional, Some("5000.50".parse().unwrap()));
        assert!(!config.kill_switch);
        let err = serde_json::from_str::<LimitsConfig>(r#"{"max_notional": "1"}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `max_notional`"),
            "{err}"
        );
        let err =
            serde_json::from_str::<LimitsConfig>(r#"{"allowed_symbols": ["aapl"]}"#).unwrap_err();
        assert!(err.to_string().contains("invalid symbol"), "{err}");
    }
}
