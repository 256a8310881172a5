//! Property tests of the gateway over a faulty simulated venue, across crashes and torn journal tails.
//!
//! Random interleavings of submit / duplicate submit / cancel / replace / bar (fills) / crash-and-restart, with
//! seeded venue faults (rejects, timeouts before and after processing, disconnects, duplicate acks, late events).
//! A crash drops the gateway with whatever it had not committed, then either tears the last journal record (when
//! it is a venue event, which the venue can tell again) or leaves a torn prefix of an intent that was never sent.
//! After every step:
//! - the venue never refused a submit for a used client order id (nothing was ever sent twice), and never holds an
//!   order the gateway does not know;
//! - the gateway is not halted (every venue event fitted the state machine) and its fills are a prefix of the
//!   venue's for the same order, never more than the order quantity;
//! - gateway positions equal the sum of its fills;
//! - a repeated intent comes back flagged duplicate, a changed one as `AlreadyExists`.
//!
//! At the end, with faults off and one reconciliation, every order and position equals the venue's.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;

use crate::clock::ManualClock;
use crate::error::GatewayError;
use crate::gateway::{Gateway, GatewayConfig};
use crate::journal::{HEADER_LEN, SyncPolicy, encode_record};
use crate::matching::Bar;
use crate::money::{Price, Quantity};
use crate::order::{ClientOrderId, OrderIntent, OrderKind, OrderStatus, Side, Symbol, TimeInForce};
use crate::sim::{FaultConfig, SimConfig, SimVenue};

#[derive(Clone, Debug)]
enum Op {
    Submit {
        slot: u8,
        quantity: i64,
        kind: u8,
        price: i64,
        side: bool,
    },
    Resubmit,
    Cancel {
        slot: u8,
    },
    Replace {
        slot: u8,
        new_slot: u8,
        price: i64,
    },
    Bar {
        open: i64,
        up: i64,
        down: i64,
        volume: i64,
    },
    Crash {
        tear: u8,
        cut: u16,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..12, 1i64..20, 0u8..4, 95i64..106, any::<bool>())
            .prop_map(|(slot, quantity, kind, price, side)| Op::Submit { slot, quantity, kind, price, side }),
        2 => Just(Op::Resubmit),
        2 => (0u8..12).prop_map(|slot| Op::Cancel { slot }),
        1 => (0u8..12, 0u8..12, 95i64..106).prop_map(|(slot, new_slot, price)| Op::Replace { slot, new_slot, price }),
        3 => (97i64..104, 0i64..4, 0i64..4, 0i64..60).prop_map(|(open, up, down, volume)| Op::Bar { open, up, down, volume }),
        1 => (0u8..3, any::<u16>()).prop_map(|(tear, cut)| Op::Crash { tear, cut }),
    ]
}

fn id(slot: u8) -> ClientOrderId {
    ClientOrderId::new(format!("o{slot}")).unwrap()
}

fn symbol() -> Symbol {
    Symbol::new("AAPL").unwrap()
}

fn make_intent(slot: u8, quantity: i64, kind: u8, price: i64, side: bool) -> OrderIntent {
    let price = Price::from_units(price);
    let kind = match kind {
        0 => OrderKind::Market,
        1 | 2 => OrderKind::Limit { limit: price },
        _ => OrderKind::Stop { stop: price },
    };
    OrderIntent {
        client_order_id: id(slot),
        symbol: symbol(),
        side: if side { Side::Buy } else { Side::Sell },
        quantity: Quantity::from_units(quantity),
        kind,
        time_in_force: TimeInForce::Gtc,
        strategy: None,
    }
}

fn open(path: &Path, venue: SimVenue) -> Gateway<SimVenue> {
    let config = GatewayConfig {
        sync: SyncPolicy::OsBuffer,
        clock: Arc::new(ManualClock::default()),
        ..GatewayConfig::default()
    };
    Gateway::open(path, venue, config).unwrap().0
}

/// Byte offset where the last record of the journal at `path` starts, with its payload.
fn last_record(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut offset = 0;
    let mut last = None;
    while offset + HEADER_LEN <= bytes.len() {
        let len = u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap()) as usize;
        last = Some((
            offset,
            &bytes[offset + HEADER_LEN..offset + HEADER_LEN + len],
        ));
        offset += HEADER_LEN + len;
    }
    last
}

/// Simulates a crash mid-write: tears the last record if it is a venue event, or appends a torn intent.
fn tear_journal(path: &Path, tear: u8, cut: u16) {
    let mut bytes = std::fs::read(path).unwrap();
    match tear {
        0 => {
            let Some((start, payload)) = last_record(&bytes) else {
                return;
            };
            if matches!(
                crate::record::decode(payload).unwrap(),
                crate::record::JournalRecord::Event { .. }
            ) {
                let len = bytes.len() - start;
                bytes.truncate(start + usize::from(cut) % len);
            }
        }
        1 => {
            let never_sent = make_intent(200, 1, 0, 100, true);
            let record = crate::record::JournalRecord::Intent {
                intent: never_sent,
                replaces: None,
            };
            let mut payload = Vec::new();
            record.encode(&mut payload);
            let encoded = encode_record(&payload);
            bytes.extend_from_slice(&encoded[..usize::from(cut) % encoded.len()]);
        }
        _ => {}
    }
    std::fs::write(path, bytes).unwrap();
}

fn check_invariants(gateway: &Gateway<SimVenue>) -> Result<(), TestCaseError> {
    let venue = gateway.venue();
    prop_assert_eq!(venue.refused_duplicates(), 0, "an order was sent twice");
    prop_assert_eq!(gateway.halted(), None);
    let mut sum: BTreeMap<Symbol, Quantity> = BTreeMap::new();
    for order in gateway.orders() {
        prop_assert!(order.filled_quantity() <= order.intent().quantity);
        let total = order
            .fills()
            .iter()
            .fold(Quantity::ZERO, |s, f| s.checked_add(f.quantity).unwrap());
        prop_assert_eq!(total, order.filled_quantity());
        if order.status() == OrderStatus::PartiallyFilled {
            prop_assert!(
                order.filled_quantity().is_positive()
                    && order.filled_quantity() < order.intent().quantity
            );
        }
        let position = sum
            .entry(order.intent().symbol.clone())
            .or_insert(Quantity::ZERO);
        *position = position
            .checked_add(order.position_delta().unwrap())
            .unwrap();
    }
    sum.retain(|_, q| !q.is_zero());
    prop_assert_eq!(
        &sum,
        gateway.positions(),
        "positions are not the sum of fills"
    );
    for snapshot in venue.order_snapshots() {
        let order = gateway.order(&snapshot.client_order_id);
        prop_assert!(
            order.is_some(),
            "venue holds {} unknown to the gateway",
            snapshot.client_order_id
        );
        // Fills the gateway knows are the venue's (an unreachable venue may delay some, never invent one).
        for fill in order.unwrap().fills() {
            prop_assert!(
                snapshot.fills.contains(fill),
                "fill {} unknown to the venue",
                fill.fill_id
            );
        }
    }
    Ok(())
}

fn run(ops: Vec<Op>, faults: FaultConfig) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal");
    let sim = SimConfig {
        volume_share: Some("0.2".parse().unwrap()),
        faults,
        ..SimConfig::default()
    };
    let mut gateway = open(&path, SimVenue::new(sim));
    let mut last_intent: Option<OrderIntent> = None;
    let mut clock_ns = 1u64;
    for op in ops {
        match op {
            Op::Submit {
                slot,
                quantity,
                kind,
                price,
                side,
            } => {
                let intent = make_intent(slot, quantity, kind, price, side);
                let known = gateway
                    .order(&intent.client_order_id)
                    .map(|o| o.intent().clone());
                let result = gateway.submit(intent.clone());
                match (known, &result) {
                    (Some(previous), Ok(submitted)) => {
                        prop_assert_eq!(&previous, &intent);
                        prop_assert!(submitted.duplicate);
                    }
                    (Some(previous), Err(GatewayError::AlreadyExists(_))) => {
                        prop_assert!(
                            previous != intent
                                || gateway.replaces.contains_key(&intent.client_order_id)
                        );
                    }
                    (Some(_), Err(other)) => prop_assert!(false, "known id gave {other}"),
                    (None, Ok(submitted)) => prop_assert!(!submitted.duplicate),
                    (None, Err(GatewayError::VenueUnavailable { .. })) => {}
                    (None, Err(other)) => prop_assert!(false, "new order gave {other}"),
                }
                last_intent = Some(intent);
            }
            Op::Resubmit => {
                if let Some(intent) = last_intent.clone()
                    && gateway
                        .order(&intent.client_order_id)
                        .is_some_and(|o| o.intent() == &intent)
                {
                    let result = gateway.submit(intent);
                    prop_assert!(
                        matches!(result, Ok(ref s) if s.duplicate)
                            || matches!(result, Err(GatewayError::AlreadyExists(_)))
                    );
                }
            }
            Op::Cancel { slot } => {
                let _ = gateway.cancel(&id(slot));
            }
            Op::Replace {
                slot,
                new_slot,
                price,
            } => {
                let Some(old) = gateway.order(&id(slot)).map(|o| o.intent().clone()) else {
                    continue;
                };
                let new = OrderIntent {
                    client_order_id: id(new_slot),
                    kind: OrderKind::Limit {
                        limit: Price::from_units(price),
                    },
                    ..old
                };
                let _ = gateway.replace(&id(slot), new);
            }
            Op::Bar {
                open,
                up,
                down,
                volume,
            } => {
                clock_ns += 1;
                let bar = Bar {
                    symbol: symbol(),
                    timestamp_ns: clock_ns,
                    open: Price::from_units(open),
                    high: Price::from_units(open + up),
                    low: Price::from_units(open - down),
                    close: Price::from_units(open),
                    volume: Quantity::from_units(volume),
                };
                gateway.venue_mut().on_bar(&bar).unwrap();
                gateway.poll_venue().unwrap();
            }
            Op::Crash { tear, cut } => {
                let venue = gateway.into_venue();
                tear_journal(&path, tear, cut);
                gateway = open(&path, venue);
            }
        }
        check_invariants(&gateway)?;
    }
    gateway.venue_mut().set_faults_enabled(false);
    let report = gateway.reconcile().unwrap();
    prop_assert!(report.unresolved.is_empty());
    gateway.poll_venue().unwrap();
    check_invariants(&gateway)?;
    for snapshot in gateway.venue().order_snapshots() {
        let order = gateway.order(&snapshot.client_order_id).unwrap();
        prop_assert_eq!(
            order.status(),
            snapshot.status,
            "order {}",
            snapshot.client_order_id
        );
        let (mut ours, mut theirs) = (order.fills().to_vec(), snapshot.fills.clone());
        ours.sort_by(|a, b| a.fill_id.cmp(&b.fill_id));
        theirs.sort_by(|a, b| a.fill_id.cmp(&b.fill_id));
        prop_assert_eq!(ours, theirs);
    }
    let venue_positions: BTreeMap<Symbol, Quantity> =
        crate::venue::Venue::positions(gateway.venue_mut())
            .unwrap()
            .into_iter()
            .map(|p| (p.symbol, p.quantity))
            .collect();
    prop_assert_eq!(&venue_positions, gateway.positions());
    Ok(())
}

fn faults() -> impl Strategy<Value = FaultConfig> {
    (
        any::<u64>(),
        0u16..60,
        0u16..150,
        0u16..150,
        0u16..100,
        0u16..300,
        0u16..300,
    )
        .prop_map(
            |(
                seed,
                reject,
                timeout_before,
                timeout_after,
                disconnect,
                duplicate_ack,
                late_events,
            )| FaultConfig {
                seed,
                reject,
                timeout_before,
                timeout_after,
                disconnect,
                duplicate_ack,
                late_events,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn gateway_stays_exactly_once_and_consistent(ops in prop::collection::vec(op(), 1..60), faults in faults()) {
        run(ops, faults)?;
    }
}
