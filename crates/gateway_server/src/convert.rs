//! Conversions between wire messages (decimal strings, snake_case names) and the core's exact types.

use std::fmt::Display;
use std::str::FromStr;

use exec_gateway::matching::Bar;
use exec_gateway::order::{
    ClientOrderId, Fee, Fill, Order, OrderEvent, OrderIntent, OrderKind, Side, Symbol, TimeInForce,
    TrailingOffset,
};

use crate::pb;

/// A wire field that does not parse: names the field (with its message path) and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` = {value:?}: {why}")]
pub struct WireError {
    /// The field, e.g. `intent.quantity`.
    pub field: String,
    /// The value that was sent.
    pub value: String,
    /// What is wrong with it.
    pub why: String,
}

fn wire_error(prefix: &str, field: &str, value: &str, why: impl Display) -> WireError {
    WireError {
        field: format!("{prefix}{field}"),
        value: value.to_owned(),
        why: why.to_string(),
    }
}

fn parse<T>(prefix: &str, field: &str, value: &str) -> Result<T, WireError>
where
    T: FromStr,
    T::Err: Display,
{
    if value.is_empty() {
        return Err(wire_error(prefix, field, value, "is required"));
    }
    value
        .parse()
        .map_err(|e| wire_error(prefix, field, value, e))
}

/// A client order id from the wire; `field` names it in the error.
pub fn client_order_id(field: &str, value: &str) -> Result<ClientOrderId, WireError> {
    ClientOrderId::new(value).map_err(|e| wire_error("", field, value, e))
}

/// Checks that a price field not used by this order type was left empty (never silently ignored).
fn must_be_empty(
    prefix: &str,
    field: &str,
    value: &str,
    order_type: &str,
) -> Result<(), WireError> {
    if value.is_empty() {
        Ok(())
    } else {
        Err(wire_error(
            prefix,
            field,
            value,
            format!("must be empty for order_type {order_type:?}"),
        ))
    }
}

fn order_kind(prefix: &str, intent: &pb::OrderIntent) -> Result<OrderKind, WireError> {
    let kind = intent.order_type.as_str();
    let price = |field: &str, value: &str| parse(prefix, field, value);
    let unused = |fields: &[(&str, &str)]| {
        fields
            .iter()
            .try_for_each(|(field, value)| must_be_empty(prefix, field, value, kind))
    };
    let (limit, stop) = (intent.limit_price.as_str(), intent.stop_price.as_str());
    let (trail_price, trail_percent) = (intent.trail_price.as_str(), intent.trail_percent.as_str());
    match kind {
        "market" => {
            unused(&[
                ("limit_price", limit),
                ("stop_price", stop),
                ("trail_price", trail_price),
                ("trail_percent", trail_percent),
            ])?;
            Ok(OrderKind::Market)
        }
        "limit" => {
            unused(&[
                ("stop_price", stop),
                ("trail_price", trail_price),
                ("trail_percent", trail_percent),
            ])?;
            Ok(OrderKind::Limit {
                limit: price("limit_price", limit)?,
            })
        }
        "stop" => {
            unused(&[
                ("limit_price", limit),
                ("trail_price", trail_price),
                ("trail_percent", trail_percent),
            ])?;
            Ok(OrderKind::Stop {
                stop: price("stop_price", stop)?,
            })
        }
        "stop_limit" => {
            unused(&[
                ("trail_price", trail_price),
                ("trail_percent", trail_percent),
            ])?;
            Ok(OrderKind::StopLimit {
                stop: price("stop_price", stop)?,
                limit: price("limit_price", limit)?,
            })
        }
        "trailing_stop" => {
            unused(&[("limit_price", limit), ("stop_price", stop)])?;
            let trail = match (trail_price.is_empty(), trail_percent.is_empty()) {
                (false, true) => TrailingOffset::Price(price("trail_price", trail_price)?),
                (true, false) => TrailingOffset::Percent(price("trail_percent", trail_percent)?),
                _ => {
                    return Err(wire_error(
                        prefix,
                        "trail_price",
                        trail_price,
                        "a trailing_stop needs exactly one of trail_price and trail_percent",
                    ));
                }
            };
            Ok(OrderKind::TrailingStop { trail })
        }
        other => Err(wire_error(
            prefix,
            "order_type",
            other,
            "expected market, limit, stop, stop_limit or trailing_stop",
        )),
    }
}

/// An order intent from the wire. `prefix` (e.g. `intent.`) is put before field names in errors.
pub fn intent_from_wire(prefix: &str, intent: &pb::OrderIntent) -> Result<OrderIntent, WireError> {
    let side = intent
        .side
        .parse::<Side>()
        .map_err(|e| wire_error(prefix, "side", &intent.side, e))?;
    let time_in_force = intent
        .time_in_force
        .parse::<TimeInForce>()
        .map_err(|e| wire_error(prefix, "time_in_force", &intent.time_in_force, e))?;
    Ok(OrderIntent {
        client_order_id: ClientOrderId::new(intent.client_order_id.as_str())
            .map_err(|e| wire_error(prefix, "client_order_id", &intent.client_order_id, e))?,
        symbol: Symbol::new(intent.symbol.as_str())
            .map_err(|e| wire_error(prefix, "symbol", &intent.symbol, e))?,
        side,
        quantity: parse(prefix, "quantity", &intent.quantity)?,
        kind: order_kind(prefix, intent)?,
        time_in_force,
        strategy: (!intent.strategy.is_empty()).then(|| intent.strategy.clone()),
    })
}

/// The wire form of an intent (the exact inverse of [`intent_from_wire`]).
pub fn intent_to_wire(intent: &OrderIntent) -> pb::OrderIntent {
    let mut wire = pb::OrderIntent {
        client_order_id: intent.client_order_id.to_string(),
        symbol: intent.symbol.to_string(),
        side: intent.side.as_str().to_owned(),
        quantity: intent.quantity.to_string(),
        time_in_force: intent.time_in_force.to_string(),
        strategy: intent.strategy.clone().unwrap_or_default(),
        ..pb::OrderIntent::default()
    };
    wire.order_type = match intent.kind {
        OrderKind::Market => "market",
        OrderKind::Limit { limit } => {
            wire.limit_price = limit.to_string();
            "limit"
        }
        OrderKind::Stop { stop } => {
            wire.stop_price = stop.to_string();
            "stop"
        }
        OrderKind::StopLimit { stop, limit } => {
            wire.stop_price = stop.to_string();
            wire.limit_price = limit.to_string();
            "stop_limit"
        }
        OrderKind::TrailingStop { trail } => {
            match trail {
                TrailingOffset::Price(p) => wire.trail_price = p.to_string(),
                TrailingOffset::Percent(p) => wire.trail_percent = p.to_string(),
            }
            "trailing_stop"
        }
    }
    .to_owned();
    wire
}

/// The wire form of a fill.
pub fn fill_to_wire(fill: &Fill) -> pb::Fill {
    let (fee, fee_currency) = match fill.fee {
        Fee::Quote(amount) => (amount.to_string(), "quote"),
        Fee::Base(amount) => (amount.to_string(), "base"),
    };
    pb::Fill {
        fill_id: fill.fill_id.clone(),
        quantity: fill.quantity.to_string(),
        price: fill.price.to_string(),
        fee,
        fee_currency: fee_currency.to_owned(),
        timestamp_ns: fill.timestamp_ns,
    }
}

/// The wire form of an order.
pub fn order_to_wire(order: &Order) -> pb::Order {
    pb::Order {
        intent: Some(intent_to_wire(order.intent())),
        status: order.status().as_str().to_owned(),
        venue_order_id: order.venue_order_id().unwrap_or_default().to_owned(),
        filled_quantity: order.filled_quantity().to_string(),
        average_fill_price: order
            .average_fill_price()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        fills: order.fills().iter().map(fill_to_wire).collect(),
        reject_reason: order.reject_reason().unwrap_or_default().to_owned(),
        replaced_by: order
            .replaced_by()
            .map(ToString::to_string)
            .unwrap_or_default(),
    }
}

/// The wire form of a venue event applied to an order (everything but `sequence`).
pub fn order_event_to_wire(
    client_order_id: &ClientOrderId,
    event: &OrderEvent,
) -> pb::GatewayEvent {
    let mut wire = pb::GatewayEvent {
        client_order_id: client_order_id.to_string(),
        kind: event.name().to_owned(),
        ..pb::GatewayEvent::default()
    };
    match event {
        OrderEvent::Accepted { venue_order_id } => wire.venue_order_id = venue_order_id.clone(),
        OrderEvent::Rejected { reason } => wire.reason = reason.clone(),
        OrderEvent::Filled(fill) => wire.fill = Some(fill_to_wire(fill)),
        OrderEvent::Replaced { by } => wire.replaced_by = by.to_string(),
        OrderEvent::Canceled | OrderEvent::Expired => {}
    }
    wire
}

/// A bar from the wire.
pub fn bar_from_wire(bar: &pb::Bar) -> Result<Bar, WireError> {
    let prefix = "bar.";
    Ok(Bar {
        symbol: Symbol::new(bar.symbol.as_str())
            .map_err(|e| wire_error(prefix, "symbol", &bar.symbol, e))?,
        timestamp_ns: bar.timestamp_ns,
        open: parse(prefix, "open", &bar.open)?,
        high: parse(prefix, "high", &bar.high)?,
        low: parse(prefix, "low", &bar.low)?,
        close: parse(prefix, "close", &bar.close)?,
        volume: parse(prefix, "volume", &bar.volume)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit_intent() -> pb::OrderIntent {
        pb::OrderIntent {
            client_order_id: "c-1".into(),
            symbol: "AAPL".into(),
            side: "buy".into(),
            quantity: "1.5".into(),
            order_type: "limit".into(),
            limit_price: "187.25".into(),
            time_in_force: "day".into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_order_type_round_trips_exactly() {
        let mut cases = vec![limit_intent()];
        for (order_type, field, value) in [
            ("market", "", ""),
            ("stop", "stop_price", "99.01"),
            ("trailing_stop", "trail_percent", "1.5"),
            ("trailing_stop", "trail_price", "0.25"),
        ] {
            let mut intent = pb::OrderIntent {
                order_type: order_type.into(),
                limit_price: String::new(),
                ..limit_intent()
            };
            match field {
                "stop_price" => intent.stop_price = value.into(),
                "trail_percent" => intent.trail_percent = value.into(),
                "trail_price" => intent.trail_price = value.into(),
                _ => {}
            }
            cases.push(intent);
        }
        cases.push(pb::OrderIntent {
            order_type: "stop_limit".into(),
            stop_price: "188".into(),
            strategy: "momo".into(),
            ..limit_intent()
        });
        for wire in cases {
            let core = intent_from_wire("intent.", &wire).unwrap();
            assert_eq!(intent_to_wire(&core), wire);
        }
    }

    #[test]
    fn bad_fields_are_named_with_their_value() {
        let bad = |edit: fn(&mut pb::OrderIntent)| {
            let mut intent = limit_intent();
            edit(&mut intent);
            intent_from_wire("intent.", &intent)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            bad(|i| i.quantity = "1e3".into()),
            "field `intent.quantity` = \"1e3\": cannot parse \"1e3\" as a decimal number: unexpected character"
                .replace("unexpected character", &bad_reason("1e3"))
        );
        assert!(bad(|i| i.side = "long".into()).starts_with("field `intent.side` = \"long\""));
        assert!(
            bad(|i| i.stop_price = "5".into())
                .contains("`intent.stop_price` = \"5\": must be empty")
        );
        assert!(
            bad(|i| i.limit_price = String::new())
                .contains("`intent.limit_price` = \"\": is required")
        );
        assert!(
            bad(|i| i.client_order_id = "a b".into())
                .contains("`intent.client_order_id` = \"a b\"")
        );
    }

    fn bad_reason(text: &str) -> String {
        match text.parse::<exec_gateway::money::Quantity>() {
            Err(exec_gateway::error::MoneyError::Parse { why, .. }) => why.to_owned(),
            other => panic!("{other:?}"),
        }
    }
}
