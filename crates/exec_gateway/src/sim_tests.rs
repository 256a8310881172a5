//! Tests of the simulated venue: idempotency, fills against bars, volume caps, time in force, fees and faults.

use super::*;
use crate::fees::FeeModel;
use crate::order::{OrderKind, Side, TimeInForce};

fn p(text: &str) -> Price {
    text.parse().unwrap()
}

pub(crate) fn intent(
    id: &str,
    side: Side,
    quantity: i64,
    kind: OrderKind,
    tif: TimeInForce,
) -> OrderIntent {
    OrderIntent {
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: Symbol::new("AAPL").unwrap(),
        side,
        quantity: Quantity::from_units(quantity),
        kind,
        time_in_force: tif,
        strategy: None,
    }
}

pub(crate) fn bar(day: u64, open: &str, high: &str, low: &str, close: &str, volume: i64) -> Bar {
    Bar {
        symbol: Symbol::new("AAPL").unwrap(),
        timestamp_ns: day * DAY_NS + 1,
        open: p(open),
        high: p(high),
        low: p(low),
        close: p(close),
        volume: Quantity::from_units(volume),
    }
}

fn id(text: &str) -> ClientOrderId {
    ClientOrderId::new(text).unwrap()
}

fn status(venue: &mut SimVenue, name: &str) -> OrderStatus {
    venue.order(&id(name)).unwrap().unwrap().status
}

#[test]
fn a_used_client_order_id_is_refused_and_creates_nothing() {
    let mut venue = SimVenue::new(SimConfig::default());
    let order = intent("a", Side::Buy, 10, OrderKind::Market, TimeInForce::Gtc);
    venue.submit(&order).unwrap();
    assert_eq!(
        venue.submit(&order),
        Err(VenueError::DuplicateClientOrderId(id("a")))
    );
    assert_eq!(venue.refused_duplicates(), 1);
    assert_eq!(venue.order_snapshots().len(), 1);
    assert_eq!(venue.order(&id("zzz")).unwrap(), None);
}

#[test]
fn market_orders_fill_at_the_next_open_and_move_positions() {
    let mut venue = SimVenue::new(SimConfig::default());
    venue
        .submit(&intent(
            "a",
            Side::Buy,
            10,
            OrderKind::Market,
            TimeInForce::Gtc,
        ))
        .unwrap();
    venue
        .on_bar(&bar(1, "100", "101", "99", "100", 1000))
        .unwrap();
    let events = venue.poll_events();
    assert_eq!(events.len(), 1);
    let OrderEvent::Filled(fill) = &events[0].event else {
        panic!("{events:?}")
    };
    assert_eq!(
        (fill.quantity, fill.price),
        (Quantity::from_units(10), p("100"))
    );
    assert_eq!(status(&mut venue, "a"), OrderStatus::Filled);
    let positions = venue.positions().unwrap();
    assert_eq!(positions[0].quantity, Quantity::from_units(10));
}

#[test]
fn fills_are_capped_by_a_share_of_bar_volume_across_orders() {
    let config = SimConfig {
        volume_share: Some(p("0.1")),
        ..SimConfig::default()
    };
    let mut venue = SimVenue::new(config);
    venue
        .submit(&intent(
            "a",
            Side::Buy,
            30,
            OrderKind::Market,
            TimeInForce::Gtc,
        ))
        .unwrap();
    venue
        .submit(&intent(
            "b",
            Side::Buy,
            60,
            OrderKind::Market,
            TimeInForce::Gtc,
        ))
        .unwrap();
    venue
        .on_bar(&bar(1, "100", "101", "99", "100", 255))
        .unwrap(); // cap 25.5 -> 25 whole shares
    assert_eq!(status(&mut venue, "a"), OrderStatus::PartiallyFilled);
    assert_eq!(
        venue.order(&id("b")).unwrap().unwrap().fills.len(),
        0,
        "first come, first filled"
    );
    venue
        .on_bar(&bar(1, "100", "101", "99", "100", 400))
        .unwrap(); // cap 40: 5 to a, 35 to b
    assert_eq!(status(&mut venue, "a"), OrderStatus::Filled);
    assert_eq!(status(&mut venue, "b"), OrderStatus::PartiallyFilled);
    let b = venue.order(&id("b")).unwrap().unwrap();
    assert_eq!(b.fills[0].quantity, Quantity::from_units(35));
}

#[test]
fn time_in_force_rules() {
    let mut venue = SimVenue::new(SimConfig {
        volume_share: Some(p("0.01")),
        ..SimConfig::default()
    });
    let limit = OrderKind::Limit { limit: p("90") };
    venue
        .submit(&intent(
            "ioc",
            Side::Buy,
            50,
            OrderKind::Market,
            TimeInForce::Ioc,
        ))
        .unwrap();
    venue
        .submit(&intent(
            "fok",
            Side::Buy,
            50,
            OrderKind::Market,
            TimeInForce::Fok,
        ))
        .unwrap();
    venue
        .submit(&intent("day", Side::Buy, 5, limit, TimeInForce::Day))
        .unwrap();
    venue
        .submit(&intent("gtc", Side::Buy, 5, limit, TimeInForce::Gtc))
        .unwrap();
    venue
        .submit(&intent(
            "cls",
            Side::Sell,
            5,
            OrderKind::Market,
            TimeInForce::Cls,
        ))
        .unwrap();
    venue
        .on_bar(&bar(1, "100", "101", "99", "100.5", 1000))
        .unwrap(); // cap 10
    let ioc = venue.order(&id("ioc")).unwrap().unwrap();
    assert_eq!(
        (ioc.status, ioc.fills[0].quantity),
        (OrderStatus::Canceled, Quantity::from_units(10))
    );
    let fok = venue.order(&id("fok")).unwrap().unwrap();
    assert_eq!(
        (fok.status, fok.fills.len()),
        (OrderStatus::Canceled, 0),
        "all or nothing"
    );
    assert_eq!(
        venue.order(&id("cls")).unwrap().unwrap().fills.len(),
        0,
        "cap used up by the IOC"
    );
    assert_eq!(status(&mut venue, "cls"), OrderStatus::Canceled);
    venue
        .on_bar(&bar(2, "100", "101", "99", "100", 1000))
        .unwrap();
    assert_eq!(status(&mut venue, "day"), OrderStatus::Expired);
    assert_eq!(status(&mut venue, "gtc"), OrderStatus::Accepted);
}

#[test]
fn closing_auction_fills_at_the_close() {
    let mut venue = SimVenue::new(SimConfig::default());
    venue
        .submit(&intent(
            "cls",
            Side::Sell,
            5,
            OrderKind::Market,
            TimeInForce::Cls,
        ))
        .unwrap();
    venue
        .on_bar(&bar(1, "100", "103", "99", "102.5", 1000))
        .unwrap();
    let cls = venue.order(&id("cls")).unwrap().unwrap();
    assert_eq!(
        (cls.status, cls.fills[0].price),
        (OrderStatus::Filled, p("102.5"))
    );
}

#[test]
fn crypto_fees_reduce_the_received_coins() {
    let fees = FeeModel::CryptoMakerTaker {
        maker_bps: 15,
        taker_bps: 25,
    };
    let config = SimConfig {
        fees,
        quantity_increment: "0.000000001".parse().unwrap(),
        ..SimConfig::default()
    };
    let mut venue = SimVenue::new(config);
    venue
        .submit(&intent(
            "a",
            Side::Buy,
            2,
            OrderKind::Market,
            TimeInForce::Gtc,
        ))
        .unwrap();
    venue
        .on_bar(&bar(1, "100", "101", "99", "100", 1000))
        .unwrap();
    assert_eq!(
        venue.positions().unwrap()[0].quantity,
        "1.995".parse().unwrap()
    );
}

#[test]
fn cancel_and_replace_follow_the_order_status() {
    let mut venue = SimVenue::new(SimConfig::default());
    let limit = OrderKind::Limit { limit: p("90") };
    venue
        .submit(&intent("a", Side::Buy, 5, limit, TimeInForce::Gtc))
        .unwrap();
    venue
        .replace(
            &id("a"),
            &intent(
                "b",
                Side::Buy,
                5,
                OrderKind::Limit { limit: p("91") },
                TimeInForce::Gtc,
            ),
        )
        .unwrap();
    assert_eq!(status(&mut venue, "a"), OrderStatus::Replaced);
    assert!(matches!(
        venue.replace(
            &id("a"),
            &intent("c", Side::Buy, 5, limit, TimeInForce::Gtc)
        ),
        Err(VenueError::Rejected { .. })
    ));
    venue.cancel(&id("b")).unwrap();
    assert!(matches!(
        venue.cancel(&id("b")),
        Err(VenueError::Rejected { .. })
    ));
    assert!(matches!(
        venue.cancel(&id("nope")),
        Err(VenueError::UnknownOrder(_))
    ));
    let events: Vec<&'static str> = venue.poll_events().iter().map(|e| e.event.name()).collect();
    assert_eq!(events, ["replaced", "canceled"]);
}

#[test]
fn faults_are_seeded_and_lost_answers_still_create_the_order() {
    let faults = FaultConfig {
        seed: 42,
        timeout_after: 1000,
        ..FaultConfig::default()
    };
    let mut venue = SimVenue::new(SimConfig {
        faults,
        ..SimConfig::default()
    });
    let order = intent("a", Side::Buy, 1, OrderKind::Market, TimeInForce::Gtc);
    assert_eq!(venue.submit(&order), Err(VenueError::Timeout));
    venue.set_faults_enabled(false);
    assert_eq!(
        status(&mut venue, "a"),
        OrderStatus::Accepted,
        "processed although the answer was lost"
    );

    let faults = FaultConfig {
        seed: 42,
        timeout_before: 1000,
        ..FaultConfig::default()
    };
    let mut venue = SimVenue::new(SimConfig {
        faults,
        ..SimConfig::default()
    });
    assert_eq!(venue.submit(&order), Err(VenueError::Timeout));
    venue.set_faults_enabled(false);
    assert_eq!(
        venue.order(&id("a")).unwrap(),
        None,
        "a lost request creates nothing"
    );

    let run = |seed| {
        let faults = FaultConfig {
            seed,
            reject: 300,
            disconnect: 300,
            ..FaultConfig::default()
        };
        let mut venue = SimVenue::new(SimConfig {
            faults,
            ..SimConfig::default()
        });
        (0..40)
            .map(|i| {
                venue
                    .submit(&intent(
                        &format!("o{i}"),
                        Side::Buy,
                        1,
                        OrderKind::Market,
                        TimeInForce::Gtc,
                    ))
                    .is_ok()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn duplicate_acks_and_late_events_are_delivered_in_order() {
    let faults = FaultConfig {
        seed: 1,
        duplicate_ack: 1000,
        late_events: 500,
        ..FaultConfig::default()
    };
    let mut venue = SimVenue::new(SimConfig {
        faults,
        ..SimConfig::default()
    });
    venue
        .submit(&intent(
            "a",
            Side::Buy,
            1,
            OrderKind::Market,
            TimeInForce::Gtc,
        ))
        .unwrap();
    venue
        .on_bar(&bar(1, "100", "101", "99", "100", 1000))
        .unwrap();
    let mut seen = Vec::new();
    let mut polls = 0;
    while seen.len() < 2 {
        seen.extend(venue.poll_events().into_iter().map(|e| e.event.name()));
        polls += 1;
        assert!(polls < 100);
    }
    assert_eq!(seen, ["accepted", "fill"]);
}

#[test]
fn invalid_bars_are_refused() {
    let mut venue = SimVenue::new(SimConfig::default());
    let err = venue
        .on_bar(&bar(1, "100", "99", "98", "99", 10))
        .unwrap_err();
    assert!(
        err.to_string().contains("high is below the open or close"),
        "{err}"
    );
}

#[test]
fn latency_delays_matching_by_whole_bars() {
    let mut venue = SimVenue::new(SimConfig {
        latency_bars: 2,
        ..SimConfig::default()
    });
    venue
        .submit(&intent(
            "a",
            Side::Buy,
            1,
            OrderKind::Market,
            TimeInForce::Ioc,
        ))
        .unwrap();
    venue
        .on_bar(&bar(1, "100", "101", "99", "100", 1000))
        .unwrap();
    venue
        .on_bar(&bar(1, "101", "102", "100", "101", 1000))
        .unwrap();
    assert_eq!(
        status(&mut venue, "a"),
        OrderStatus::Accepted,
        "still in transit"
    );
    venue
        .on_bar(&bar(1, "102", "103", "101", "102", 1000))
        .unwrap();
    let a = venue.order(&id("a")).unwrap().unwrap();
    assert_eq!(
        (a.status, a.fills[0].price),
        (OrderStatus::Filled, p("102"))
    );
}

#[test]
fn numbered_ids_read_like_their_format() {
    for n in [0, 1, 9, 10, 99, 1234567890, u64::MAX] {
        assert_eq!(numbered("sim-", "", n), format!("sim-{n}"));
        assert_eq!(numbered("sim-7", "-f", n), format!("sim-7-f{n}"));
    }
}
