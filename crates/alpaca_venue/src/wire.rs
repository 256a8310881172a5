//! Alpaca's JSON (orders, FILL activities, positions, account) and its conversion to exact gateway types.

use exec_gateway::money::{Money, Price, Quantity, Rounding};
use exec_gateway::order::{
    Fee, Fill, OrderIntent, OrderKind, OrderStatus, TimeInForce, TrailingOffset,
};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::timestamp::parse_rfc3339;

/// Quote currencies of Alpaca's crypto pairs, longest first (positions spell `BTCUSD`, orders `BTC/USD`).
const CRYPTO_QUOTES: [&str; 4] = ["USDT", "USDC", "USD", "BTC"];

/// Alpaca sends decimals as strings, alpaca-py tolerates numbers: accept both, keep the exact text.
fn decimal_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// An order as Alpaca returns it (the fields the venue reads).
#[derive(Clone, Debug, Deserialize)]
pub struct WireOrder {
    /// Alpaca's id.
    pub id: String,
    /// Ours.
    pub client_order_id: String,
    /// The instrument (`BTC/USD` for crypto).
    #[serde(default)]
    pub symbol: Option<String>,
    /// `buy` or `sell`.
    #[serde(default)]
    pub side: Option<String>,
    /// `market`, `limit`, ...
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Alpaca's status name.
    pub status: String,
    /// Filled so far.
    #[serde(default, deserialize_with = "decimal_text")]
    pub filled_qty: Option<String>,
    /// Alpaca id of the replacing order.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// One FILL account activity: a single execution.
#[derive(Clone, Debug, Deserialize)]
pub struct WireFill {
    /// Activity id (unique per execution): our fill id.
    pub id: String,
    /// Alpaca id of the order.
    pub order_id: String,
    /// Execution price.
    #[serde(deserialize_with = "decimal_text")]
    pub price: Option<String>,
    /// Executed quantity.
    #[serde(deserialize_with = "decimal_text")]
    pub qty: Option<String>,
    /// `buy` or `sell`.
    pub side: String,
    /// The instrument.
    pub symbol: String,
    /// When (RFC 3339).
    pub transaction_time: String,
}

/// One position.
#[derive(Clone, Debug, Deserialize)]
pub struct WirePosition {
    /// `AAPL`, or `BTCUSD` for crypto.
    pub symbol: String,
    /// Signed quantity.
    #[serde(deserialize_with = "decimal_text")]
    pub qty: Option<String>,
    /// `us_equity` or `crypto`.
    #[serde(default)]
    pub asset_class: String,
}

/// The account fields the venue reads.
#[derive(Clone, Debug, Deserialize)]
pub struct WireAccount {
    /// Cash.
    #[serde(default, deserialize_with = "decimal_text")]
    pub cash: Option<String>,
    /// Equity.
    #[serde(default, deserialize_with = "decimal_text")]
    pub equity: Option<String>,
    /// Buying power.
    #[serde(default, deserialize_with = "decimal_text")]
    pub buying_power: Option<String>,
}

/// Parses a decimal field exactly, or says which field of what was wrong.
pub fn parse_field<T: std::str::FromStr>(value: Option<&str>, what: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let text = value.ok_or_else(|| format!("{what}: missing"))?;
    text.parse().map_err(|e| format!("{what} = {text:?}: {e}"))
}

/// Our status for Alpaca's: every working name is `accepted` (or `partially_filled` once something filled).
pub fn status(alpaca: &str, filled: Quantity) -> Result<OrderStatus, String> {
    let working = if filled.is_positive() {
        OrderStatus::PartiallyFilled
    } else {
        OrderStatus::Accepted
    };
    Ok(match alpaca {
        "new"
        | "accepted"
        | "pending_new"
        | "accepted_for_bidding"
        | "pending_cancel"
        | "pending_replace"
        | "calculated"
        | "held"
        | "done_for_day"
        | "stopped"
        | "suspended" => working,
        "partially_filled" => OrderStatus::PartiallyFilled,
        "filled" => OrderStatus::Filled,
        "canceled" => OrderStatus::Canceled,
        "expired" => OrderStatus::Expired,
        "rejected" => OrderStatus::Rejected,
        "replaced" => OrderStatus::Replaced,
        other => return Err(format!("unknown Alpaca order status {other:?}")),
    })
}

/// A FILL activity as a gateway fill; crypto fills carry Alpaca's fee (`bps`) as it takes it: in coins on a
/// buy (less received), in dollars on a sell.
pub fn fill(wire: &WireFill, crypto_fee_bps: u32) -> Result<Fill, String> {
    let what = |field: &str| format!("fill {} {field}", wire.id);
    let quantity: Quantity = parse_field(wire.qty.as_deref(), &what("qty"))?;
    let price: Price = parse_field(wire.price.as_deref(), &what("price"))?;
    let timestamp = parse_rfc3339(&wire.transaction_time)
        .and_then(|ns| u64::try_from(ns).ok())
        .ok_or_else(|| {
            format!(
                "{} = {:?}: not an RFC 3339 time",
                what("transaction_time"),
                wire.transaction_time
            )
        })?;
    let bps = i128::from(crypto_fee_bps);
    let fee = match (wire.symbol.contains('/'), wire.side.as_str()) {
        (false, _) => Fee::Quote(Money::ZERO),
        (true, "buy") => Fee::Base(
            quantity
                .checked_mul_ratio(bps, 10_000, Rounding::HalfEven)
                .map_err(|e| format!("{}: {e}", what("fee")))?,
        ),
        (true, _) => Fee::Quote(
            price
                .notional(quantity, Rounding::HalfEven)
                .and_then(|n| n.checked_mul_ratio(bps, 10_000, Rounding::HalfEven))
                .map_err(|e| format!("{}: {e}", what("fee")))?,
        ),
    };
    Ok(Fill {
        fill_id: wire.id.clone(),
        quantity,
        price,
        fee,
        timestamp_ns: timestamp,
    })
}

/// `BTCUSD` (a crypto position) as `BTC/USD`; anything else unchanged.
pub fn pair_symbol(symbol: &str, asset_class: &str) -> String {
    if asset_class == "crypto" && !symbol.contains('/') {
        for quote in CRYPTO_QUOTES {
            if let Some(base) = symbol.strip_suffix(quote).filter(|b| !b.is_empty()) {
                return format!("{base}/{quote}");
            }
        }
    }
    symbol.to_owned()
}

/// Alpaca's `type` name of an order kind.
pub fn kind_name(kind: &OrderKind) -> &'static str {
    match kind {
        OrderKind::Market => "market",
        OrderKind::Limit { .. } => "limit",
        OrderKind::Stop { .. } => "stop",
        OrderKind::StopLimit { .. } => "stop_limit",
        OrderKind::TrailingStop { .. } => "trailing_stop",
    }
}

fn prices(kind: &OrderKind, body: &mut serde_json::Map<String, Value>, trail_key: &str) {
    let mut put = |key: &str, value: Price| {
        body.insert(key.to_owned(), Value::String(value.to_string()));
    };
    match *kind {
        OrderKind::Market => {}
        OrderKind::Limit { limit } => put("limit_price", limit),
        OrderKind::Stop { stop } => put("stop_price", stop),
        OrderKind::StopLimit { stop, limit } => {
            put("stop_price", stop);
            put("limit_price", limit);
        }
        OrderKind::TrailingStop {
            trail: TrailingOffset::Price(p),
        } => put(
            if trail_key.is_empty() {
                "trail_price"
            } else {
                trail_key
            },
            p,
        ),
        OrderKind::TrailingStop {
            trail: TrailingOffset::Percent(p),
        } => put(
            if trail_key.is_empty() {
                "trail_percent"
            } else {
                trail_key
            },
            p,
        ),
    }
}

fn tif(time_in_force: TimeInForce) -> String {
    time_in_force.to_string()
}

/// The `POST /v2/orders` body of an intent (our client order id is Alpaca's).
pub fn order_body(intent: &OrderIntent) -> Value {
    let mut body = json!({
        "symbol": intent.symbol.as_str(),
        "qty": intent.quantity.to_string(),
        "side": intent.side.as_str(),
        "type": kind_name(&intent.kind),
        "time_in_force": tif(intent.time_in_force),
        "client_order_id": intent.client_order_id.as_str(),
    });
    if let Value::Object(map) = &mut body {
        prices(&intent.kind, map, "");
    }
    body
}

/// The `PATCH /v2/orders/{id}` body replacing an order by `new` (Alpaca's one `trail` field for trailing stops).
pub fn replace_body(new: &OrderIntent) -> Value {
    let mut body = json!({
        "qty": new.quantity.to_string(),
        "time_in_force": tif(new.time_in_force),
        "client_order_id": new.client_order_id.as_str(),
    });
    if let Value::Object(map) = &mut body {
        prices(&new.kind, map, "trail");
    }
    body
}

/// Why Alpaca cannot replace `old` by `new` (it changes only quantity, prices and time in force), if it cannot.
pub fn replace_mismatch(old: &WireOrder, new: &OrderIntent) -> Option<String> {
    let checks = [
        ("symbol", old.symbol.as_deref(), new.symbol.as_str()),
        ("side", old.side.as_deref(), new.side.as_str()),
        ("type", old.kind.as_deref(), kind_name(&new.kind)),
    ];
    checks.into_iter().find_map(|(field, was, wanted)| {
        (was != Some(wanted)).then(|| {
            format!(
                "Alpaca replaces only quantity, prices and time in force: {field} would change from {} to {wanted}",
                was.unwrap_or("?")
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use exec_gateway::order::Side;

    fn wire_fill(symbol: &str, side: &str, qty: &str, price: &str) -> WireFill {
        WireFill {
            id: "20240101::e1".into(),
            order_id: "o1".into(),
            price: Some(price.into()),
            qty: Some(qty.into()),
            side: side.into(),
            symbol: symbol.into(),
            transaction_time: "2024-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn crypto_buys_pay_in_coins_sells_in_dollars_stocks_nothing() {
        let buy = fill(&wire_fill("BTC/USD", "buy", "0.1", "40000"), 25).unwrap();
        assert_eq!(buy.fee, Fee::Base("0.00025".parse().unwrap()));
        assert_eq!(
            buy.position_delta(Side::Buy).unwrap(),
            "0.09975".parse().unwrap()
        );
        let sell = fill(&wire_fill("BTC/USD", "sell", "0.1", "40000"), 25).unwrap();
        assert_eq!(sell.fee, Fee::Quote("10".parse().unwrap()));
        let stock = fill(&wire_fill("AAPL", "buy", "3", "187.5"), 25).unwrap();
        assert_eq!(stock.fee, Fee::Quote(Money::ZERO));
        assert_eq!(stock.timestamp_ns, 1_704_067_200_000_000_000);
    }

    #[test]
    fn bad_fields_are_named() {
        let error = fill(&wire_fill("AAPL", "buy", "1e3", "1"), 0).unwrap_err();
        assert!(error.contains("fill 20240101::e1 qty = \"1e3\""), "{error}");
    }

    #[test]
    fn statuses_and_symbols() {
        assert_eq!(status("new", Quantity::ZERO), Ok(OrderStatus::Accepted));
        assert_eq!(
            status("pending_cancel", Quantity::ONE),
            Ok(OrderStatus::PartiallyFilled)
        );
        assert_eq!(
            status("replaced", Quantity::ZERO),
            Ok(OrderStatus::Replaced)
        );
        assert!(status("teleported", Quantity::ZERO).is_err());
        assert_eq!(pair_symbol("BTCUSD", "crypto"), "BTC/USD");
        assert_eq!(pair_symbol("ETHUSDT", "crypto"), "ETH/USDT");
        assert_eq!(pair_symbol("AAPL", "us_equity"), "AAPL");
    }
}
