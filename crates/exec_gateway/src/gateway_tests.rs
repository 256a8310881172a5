//! Scenario tests of the gateway: idempotency, write-ahead journaling, crash recovery, limits and the guard.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::breaker::{BreakerConfig, BreakerState};
use crate::clock::ManualClock;
use crate::journal::read_records;
use crate::limits::ReasonCode;
use crate::matching::Bar;
use crate::order::{OrderKind, Side, TimeInForce};
use crate::record::JournalRecord;
use crate::sim::{FaultConfig, SimConfig, SimVenue};

pub(crate) fn id(text: &str) -> ClientOrderId {
    ClientOrderId::new(text).unwrap()
}

pub(crate) fn intent(name: &str, quantity: i64, kind: OrderKind) -> OrderIntent {
    OrderIntent {
        client_order_id: id(name),
        symbol: Symbol::new("AAPL").unwrap(),
        side: Side::Buy,
        quantity: Quantity::from_units(quantity),
        kind,
        time_in_force: TimeInForce::Gtc,
        strategy: None,
    }
}

pub(crate) fn limit(price: i64) -> OrderKind {
    OrderKind::Limit {
        limit: Price::from_units(price),
    }
}

pub(crate) fn bar(open: i64, high: i64, low: i64) -> Bar {
    Bar {
        symbol: Symbol::new("AAPL").unwrap(),
        timestamp_ns: 1,
        open: Price::from_units(open),
        high: Price::from_units(high),
        low: Price::from_units(low),
        close: Price::from_units(open),
        volume: Quantity::from_units(1_000_000),
    }
}

pub(crate) fn config() -> GatewayConfig {
    GatewayConfig {
        sync: SyncPolicy::OsBuffer,
        clock: Arc::new(ManualClock::default()),
        ..GatewayConfig::default()
    }
}

pub(crate) fn open(
    path: &Path,
    venue: SimVenue,
) -> (Gateway<SimVenue>, crate::recovery::RecoveryReport) {
    Gateway::open(path, venue, config()).unwrap()
}

pub(crate) fn faulty(faults: FaultConfig) -> SimVenue {
    SimVenue::new(SimConfig {
        faults,
        ..SimConfig::default()
    })
}

pub(crate) fn journal_records(path: &Path) -> Vec<JournalRecord> {
    let payloads = read_records(path).unwrap();
    payloads
        .iter()
        .map(|p| crate::record::decode(p).unwrap())
        .collect()
}

#[test]
fn same_intent_twice_returns_the_original_flagged_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let (mut gateway, _) = open(&dir.path().join("j"), SimVenue::new(SimConfig::default()));
    let first = gateway.submit(intent("a", 10, limit(100))).unwrap();
    assert!(!first.duplicate);
    assert_eq!(first.order.status(), OrderStatus::Accepted);
    let again = gateway.submit(intent("a", 10, limit(100))).unwrap();
    assert!(again.duplicate);
    assert_eq!(again.order, first.order);
    let err = gateway.submit(intent("a", 11, limit(100))).unwrap_err();
    assert!(
        matches!(&err, GatewayError::AlreadyExists(taken) if taken == &id("a")),
        "{err}"
    );
    assert_eq!(gateway.venue().order_snapshots().len(), 1);
    assert_eq!(gateway.venue().refused_duplicates(), 0);
}

#[test]
fn the_intent_is_journaled_before_the_venue_is_called() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let down = faulty(FaultConfig {
        timeout_before: 1000,
        ..FaultConfig::default()
    });
    let (mut gateway, _) = open(&path, down);
    let err = gateway.submit(intent("a", 1, limit(100))).unwrap_err();
    assert!(
        matches!(err, GatewayError::VenueUnavailable { attempts: 4, .. }),
        "{err}"
    );
    assert_eq!(gateway.order(&id("a")).unwrap().status(), OrderStatus::New);
    let records = journal_records(&path);
    assert_eq!(records.len(), 1);
    assert!(
        matches!(&records[0], JournalRecord::Intent { intent, .. } if intent.client_order_id == id("a")),
        "{records:?}"
    );
}

#[test]
fn duplicate_acks_are_ignored_and_fills_apply_once() {
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultConfig {
        duplicate_ack: 1000,
        ..FaultConfig::default()
    };
    let (mut gateway, _) = open(&dir.path().join("j"), faulty(faults));
    gateway.submit(intent("a", 3, OrderKind::Market)).unwrap();
    gateway.venue_mut().on_bar(&bar(100, 101, 99)).unwrap();
    assert_eq!(
        gateway.poll_venue().unwrap(),
        1,
        "the repeated ack changes nothing; the fill does"
    );
    assert_eq!(gateway.halted(), None);
    assert_eq!(
        gateway.order(&id("a")).unwrap().status(),
        OrderStatus::Filled
    );
}

#[test]
fn replace_moves_the_order_to_its_successor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(&path, SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 3, limit(90))).unwrap();
    let replaced = gateway
        .replace(&id("a"), intent("b", 3, limit(95)))
        .unwrap();
    assert_eq!(replaced.order.status(), OrderStatus::Accepted);
    assert_eq!(
        gateway.order(&id("a")).unwrap().replaced_by(),
        Some(&id("b"))
    );
    assert_eq!(gateway.open_order_count(), 1);
    gateway.poll_venue().unwrap();
    assert_eq!(gateway.halted(), None);
    let err = gateway
        .replace(&id("a"), intent("c", 3, limit(95)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            GatewayError::NotOpen {
                status: OrderStatus::Replaced,
                ..
            }
        ),
        "{err}"
    );
    let mut sell = intent("d", 3, limit(95));
    sell.side = Side::Sell;
    assert!(
        gateway
            .replace(&id("b"), sell)
            .unwrap_err()
            .to_string()
            .contains("keeps the symbol and side")
    );
    let venue = gateway.into_venue();
    let (gateway, _) = open(&path, venue);
    assert_eq!(
        gateway.order(&id("a")).unwrap().status(),
        OrderStatus::Replaced
    );
    assert_eq!(gateway.open_order_count(), 1);
}

#[test]
fn kill_switch_refuses_new_orders_but_allows_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let (mut gateway, _) = open(&dir.path().join("j"), SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 3, limit(90))).unwrap();
    gateway.set_kill_switch(true);
    let err = gateway.submit(intent("b", 1, limit(90))).unwrap_err();
    assert!(
        matches!(&err, GatewayError::Limit(r) if r.code == ReasonCode::KillSwitch),
        "{err}"
    );
    assert!(
        gateway.order(&id("b")).is_none(),
        "a refused order leaves no trace and its id stays free"
    );
    assert_eq!(
        gateway.cancel(&id("a")).unwrap().status(),
        OrderStatus::Canceled
    );
    let err = gateway.cancel(&id("a")).unwrap_err();
    assert!(matches!(
        err,
        GatewayError::NotOpen {
            action: "cancel",
            ..
        }
    ));
    assert!(matches!(
        gateway.cancel(&id("zz")),
        Err(GatewayError::NotFound(_))
    ));
}

#[test]
fn instrument_rules_apply_to_listed_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Instrument {
        symbol: Symbol::new("AAPL").unwrap(),
        asset_class: crate::instrument::AssetClass::UsEquity,
        tick_size: "0.01".parse().unwrap(),
        sub_dollar_tick_size: None,
        lot_size: Quantity::ONE,
        min_quantity: Quantity::ONE,
        min_notional: crate::money::Money::ZERO,
        fractionable: false,
    };
    let config = GatewayConfig {
        instruments: vec![spec],
        ..config()
    };
    let (mut gateway, _) = Gateway::open(
        &dir.path().join("j"),
        SimVenue::new(SimConfig::default()),
        config,
    )
    .unwrap();
    let off_tick = intent(
        "a",
        1,
        OrderKind::Limit {
            limit: "100.005".parse().unwrap(),
        },
    );
    assert!(matches!(
        gateway.submit(off_tick),
        Err(GatewayError::Instrument(_))
    ));
    let mut msft = intent("b", 1, limit(10));
    msft.symbol = Symbol::new("MSFT").unwrap();
    gateway.submit(msft).unwrap();
}

#[test]
fn breaker_fails_fast_during_an_outage_and_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Duration::from_secs(1_000)));
    let breaker = BreakerConfig {
        cooldown: Duration::from_secs(10),
        ..BreakerConfig::default()
    };
    let config = GatewayConfig {
        clock: clock.clone(),
        retry: RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        },
        guard: Some(GuardConfig {
            breaker,
            ..Default::default()
        }),
        ..config()
    };
    let venue = faulty(FaultConfig {
        disconnect: 1000,
        ..FaultConfig::default()
    });
    let (mut gateway, _) = Gateway::open(&dir.path().join("j"), venue, config).unwrap();
    let mut n = 0;
    let mut next = || {
        n += 1;
        intent(&format!("o{n}"), 1, limit(90))
    };
    while !matches!(
        gateway.guard().unwrap().breaker_state(),
        BreakerState::Open { .. }
    ) {
        assert!(matches!(
            gateway.submit(next()),
            Err(GatewayError::VenueUnavailable { .. })
        ));
    }
    let err = gateway.submit(next()).unwrap_err();
    assert!(matches!(err, GatewayError::BreakerOpen { .. }), "{err}");
    assert!(err.to_string().starts_with("venue circuit breaker open"));
    gateway.venue_mut().set_faults_enabled(false); // the venue is healthy again
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        gateway.submit(next()).unwrap().order.status(),
        OrderStatus::Accepted,
        "the probe"
    );
    assert_eq!(
        gateway.guard().unwrap().breaker_state(),
        BreakerState::Closed
    );
    gateway.reconcile().unwrap();
    assert_eq!(
        gateway.open_order_count(),
        gateway.venue().order_snapshots().len()
    );
}

#[test]
fn a_venue_event_that_does_not_fit_halts_new_orders() {
    let dir = tempfile::tempdir().unwrap();
    let (mut gateway, _) = open(&dir.path().join("j"), SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 3, limit(90))).unwrap();
    let event = OrderEvent::Filled(crate::order::Fill {
        fill_id: "x".into(),
        quantity: Quantity::from_units(5),
        price: Price::from_units(90),
        fee: crate::order::Fee::default(),
        timestamp_ns: 0,
    });
    assert!(!gateway.apply_venue_event(&id("a"), None, &event).unwrap());
    assert!(
        gateway
            .halted()
            .unwrap()
            .contains("would exceed the order quantity")
    );
    assert!(matches!(
        gateway.submit(intent("b", 1, limit(90))),
        Err(GatewayError::Halted(_))
    ));
}

#[test]
fn batches_commit_once_and_answer_each_intent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(&path, SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 1, limit(90))).unwrap();
    let results = gateway.submit_batch(vec![
        intent("a", 1, limit(90)),
        intent("b", 1, limit(90)),
        intent("a", 2, limit(90)),
    ]);
    assert!(results[0].as_ref().unwrap().duplicate);
    assert_eq!(
        results[1].as_ref().unwrap().order.status(),
        OrderStatus::Accepted
    );
    assert!(matches!(results[2], Err(GatewayError::AlreadyExists(_))));
    assert_eq!(journal_records(&path).len(), 4);
}

#[test]
fn the_same_new_id_twice_in_one_batch_is_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut gateway, _) = open(&dir.path().join("j"), SimVenue::new(SimConfig::default()));
    let results = gateway.submit_batch(vec![intent("a", 1, limit(90)), intent("a", 1, limit(90))]);
    assert!(!results[0].as_ref().unwrap().duplicate);
    assert!(results[1].as_ref().unwrap().duplicate);
    assert_eq!(
        gateway.venue().refused_duplicates(),
        0,
        "the repeat was not resolved by a premature resend"
    );
    assert_eq!(
        gateway.order(&id("a")).unwrap().status(),
        OrderStatus::Accepted
    );
}

#[test]
fn cancelling_an_order_the_venue_has_not_got_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(
        &path,
        faulty(FaultConfig {
            timeout_before: 1000,
            ..FaultConfig::default()
        }),
    );
    assert!(gateway.submit(intent("a", 1, limit(90))).is_err());
    gateway.venue_mut().set_faults_enabled(false);
    let err = gateway.cancel(&id("a")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "order a is new: cannot cancel before the venue has the order"
    );
}
