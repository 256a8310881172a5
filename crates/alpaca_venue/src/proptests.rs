//! Properties of the Alpaca conversions:
//! - a timestamp formatted with microseconds parses back to the same instant (truncated to microseconds);
//! - a crypto buy's fee is taken in coins, never more than the fill, and fill minus fee is the position change;

use exec_gateway::money::Quantity;
use exec_gateway::order::{Fee, Side};
use proptest::prelude::*;

use crate::timestamp::{format_rfc3339_micros, parse_rfc3339};
use crate::wire::{WireFill, fill};

fn wire(symbol: &str, side: &str, qty: &Quantity) -> WireFill {
    WireFill {
        id: "a::1".into(),
        order_id: "o".into(),
        price: Some("123.45".into()),
        qty: Some(qty.to_string()),
        side: side.into(),
        symbol: symbol.into(),
        transaction_time: "2024-03-01T10:00:00.5Z".into(),
    }
}

proptest! {
    #[test]
    fn timestamps_round_trip(nanos in -2_000_000_000_000_000_000i64..4_000_000_000_000_000_000i64) {
        let micros = nanos.div_euclid(1000) * 1000;
        prop_assert_eq!(parse_rfc3339(&format_rfc3339_micros(nanos)), Some(micros));
    }

    #[test]
    fn crypto_buy_fee_is_a_part_of_the_fill(raw in 1i128..1_000_000_000_000_000i128, bps in 0u32..=10_000) {
        let quantity = Quantity::from_raw(raw);
        let buy = fill(&wire("ETH/USD", "buy", &quantity), bps).unwrap();
        let Fee::Base(fee) = buy.fee else { panic!("a crypto buy pays in coins") };
        prop_assert!(!fee.is_negative() && fee <= quantity);
        prop_assert_eq!(buy.position_delta(Side::Buy).unwrap(), quantity.checked_sub(fee).unwrap());
        prop_assert_eq!(buy.quantity, quantity);
        let sell = fill(&wire("ETH/USD", "sell", &quantity), bps).unwrap();
        prop_assert!(matches!(sell.fee, Fee::Quote(_)));
        prop_assert_eq!(sell.position_delta(Side::Sell).unwrap(), quantity.checked_neg().unwrap());
    }
}
