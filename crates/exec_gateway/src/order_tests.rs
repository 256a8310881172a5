//! Unit tests of the order model and state machine.

use super::*;

pub(crate) fn intent(id: &str, quantity: &str) -> OrderIntent {
    OrderIntent {
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: Symbol::new("AAPL").unwrap(),
        side: Side::Buy,
        quantity: quantity.parse().unwrap(),
        kind: OrderKind::Limit {
            limit: "100".parse().unwrap(),
        },
        time_in_force: TimeInForce::Day,
        strategy: None,
    }
}

fn fill(id: &str, quantity: &str, price: &str) -> OrderEvent {
    OrderEvent::Filled(Fill {
        fill_id: id.into(),
        quantity: quantity.parse().unwrap(),
        price: price.parse().unwrap(),
        fee: Fee::default(),
        timestamp_ns: 0,
    })
}

fn accepted() -> OrderEvent {
    OrderEvent::Accepted {
        venue_order_id: "v1".into(),
    }
}

#[test]
fn happy_path_new_accepted_partial_filled() {
    let mut order = Order::new(intent("a", "10"));
    assert_eq!(order.status(), OrderStatus::New);
    order.apply(&accepted()).unwrap();
    assert_eq!(order.venue_order_id(), Some("v1"));
    order.apply(&fill("f1", "4", "100")).unwrap();
    assert_eq!(order.status(), OrderStatus::PartiallyFilled);
    order.apply(&fill("f2", "6", "101")).unwrap();
    assert_eq!(order.status(), OrderStatus::Filled);
    assert_eq!(order.filled_quantity(), Quantity::from_units(10));
    assert_eq!(order.average_fill_price().unwrap().to_string(), "100.6");
    assert_eq!(order.remaining_quantity(), Quantity::ZERO);
}

#[test]
fn illegal_transitions_are_typed_errors_and_change_nothing() {
    let mut order = Order::new(intent("a", "10"));
    let before = order.clone();
    let err = order.apply(&fill("f1", "1", "100")).unwrap_err();
    assert!(matches!(
        err,
        TransitionError::Illegal {
            from: OrderStatus::New,
            event: "fill",
            ..
        }
    ));
    assert_eq!(order, before);

    order.apply(&accepted()).unwrap();
    assert!(matches!(
        order.apply(&accepted()),
        Err(TransitionError::Illegal {
            event: "accepted",
            ..
        })
    ));
    let rejected = OrderEvent::Rejected {
        reason: "no".into(),
    };
    assert!(matches!(
        order.apply(&rejected),
        Err(TransitionError::Illegal {
            event: "rejected",
            ..
        })
    ));

    order.apply(&OrderEvent::Canceled).unwrap();
    for event in [
        accepted(),
        fill("f1", "1", "1"),
        OrderEvent::Canceled,
        OrderEvent::Expired,
    ] {
        let err = order.apply(&event).unwrap_err();
        assert!(
            matches!(
                err,
                TransitionError::Illegal {
                    from: OrderStatus::Canceled,
                    ..
                }
            ),
            "{err}"
        );
    }
    assert!(
        err_text(&mut order, &OrderEvent::Expired)
            .contains("illegal transition: `expired` while canceled")
    );
}

fn err_text(order: &mut Order, event: &OrderEvent) -> String {
    order.apply(event).unwrap_err().to_string()
}

#[test]
fn overfill_duplicate_and_invalid_fills_are_refused() {
    let mut order = Order::new(intent("a", "10"));
    order.apply(&accepted()).unwrap();
    order.apply(&fill("f1", "7", "100")).unwrap();
    assert!(matches!(
        order.apply(&fill("f2", "4", "100")),
        Err(TransitionError::Overfill { .. })
    ));
    assert!(matches!(
        order.apply(&fill("f1", "1", "100")),
        Err(TransitionError::DuplicateFill { .. })
    ));
    assert!(matches!(
        order.apply(&fill("f3", "0", "100")),
        Err(TransitionError::InvalidFill { .. })
    ));
    assert!(matches!(
        order.apply(&fill("f3", "1", "0")),
        Err(TransitionError::InvalidFill { .. })
    ));
    assert_eq!(order.filled_quantity(), Quantity::from_units(7));
}

#[test]
fn replace_and_expire_only_from_working_states() {
    let by = ClientOrderId::new("b").unwrap();
    let mut order = Order::new(intent("a", "10"));
    assert!(
        order
            .apply(&OrderEvent::Replaced { by: by.clone() })
            .is_err()
    );
    order.apply(&accepted()).unwrap();
    order
        .apply(&OrderEvent::Replaced { by: by.clone() })
        .unwrap();
    assert_eq!(order.replaced_by(), Some(&by));
    assert!(order.status().is_terminal());

    let mut other = Order::new(intent("c", "10"));
    other
        .apply(&OrderEvent::Rejected {
            reason: "insufficient buying power".into(),
        })
        .unwrap();
    assert_eq!(other.reject_reason(), Some("insufficient buying power"));
    assert!(other.apply(&OrderEvent::Expired).is_err());
}

#[test]
fn base_fees_reduce_the_received_position() {
    let fill = Fill {
        fill_id: "f".into(),
        quantity: "1".parse().unwrap(),
        price: "50000".parse().unwrap(),
        fee: Fee::Base("0.0025".parse().unwrap()),
        timestamp_ns: 0,
    };
    assert_eq!(
        fill.position_delta(Side::Buy).unwrap().to_string(),
        "0.9975"
    );
    let sell = Fill {
        fee: Fee::Quote("125".parse().unwrap()),
        ..fill
    };
    assert_eq!(sell.position_delta(Side::Sell).unwrap().to_string(), "-1");
}

#[test]
fn intents_are_validated_field_by_field() {
    assert!(ClientOrderId::new("").is_err());
    assert!(ClientOrderId::new("has space").is_err());
    assert!(ClientOrderId::new("x".repeat(129)).is_err());
    assert!(Symbol::new("aapl").is_err());
    assert!(Symbol::new("BTC/USD").is_ok());
    let mut bad = intent("a", "0");
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("field `quantity` = 0: must be positive")
    );
    bad.quantity = Quantity::ONE;
    bad.kind = OrderKind::StopLimit {
        stop: Price::ONE,
        limit: Price::ZERO,
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("`limit_price` = 0")
    );
    bad.kind = OrderKind::TrailingStop {
        trail: TrailingOffset::Percent(Price::from_units(100)),
    };
    assert!(bad.validate().is_err());
    assert!(intent("a", "1").validate().is_ok());
}

#[test]
fn intents_round_trip_through_json_exactly() {
    let original = intent("a", "0.123456789");
    let json = serde_json::to_string(&original).unwrap();
    assert!(json.contains("\"quantity\":\"0.123456789\""), "{json}");
    assert!(json.contains("\"type\":\"limit\""), "{json}");
    assert_eq!(
        serde_json::from_str::<OrderIntent>(&json).unwrap(),
        original
    );
    let bad_id = json.replace("\"a\"", "\"\"");
    assert!(
        serde_json::from_str::<OrderIntent>(&bad_id)
            .unwrap_err()
            .to_string()
            .contains("client_order_id")
    );
}

#[test]
fn wire_names_parse_back_to_the_value_they_display() {
    for side in [Side::Buy, Side::Sell] {
        assert_eq!(side.to_string().parse::<Side>(), Ok(side));
    }
    for tif in [
        TimeInForce::Day,
        TimeInForce::Gtc,
        TimeInForce::Ioc,
        TimeInForce::Fok,
        TimeInForce::Opg,
        TimeInForce::Cls,
    ] {
        assert_eq!(tif.to_string().parse::<TimeInForce>(), Ok(tif));
    }
    assert_eq!(Side::Sell.as_str(), "sell");
    let unknown = "Buy".parse::<Side>().unwrap_err();
    assert_eq!(unknown.to_string(), "expected buy or sell");
    let unknown = "gtd".parse::<TimeInForce>().unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "expected day, gtc, ioc, fok, opg or cls"
    );
}
