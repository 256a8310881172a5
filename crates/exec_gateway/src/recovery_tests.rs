//! Crash-recovery tests: replay, adoption of orders the venue has, resending of orders it never saw.

use crate::gateway::tests::{bar, faulty, id, intent, limit, open};
use crate::money::Quantity;
use crate::order::{Order, OrderKind, OrderStatus, Symbol};
use crate::sim::{FaultConfig, SimConfig, SimVenue};

#[test]
fn after_a_crash_an_order_the_venue_never_saw_is_resent_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(
        &path,
        faulty(FaultConfig {
            timeout_before: 1000,
            ..FaultConfig::default()
        }),
    );
    assert!(gateway.submit(intent("a", 1, limit(100))).is_err());
    let mut venue = gateway.into_venue(); // crash
    venue.set_faults_enabled(false);
    let (gateway, report) = open(&path, venue);
    assert_eq!(report.resent, vec![id("a")]);
    assert!(report.adopted.is_empty() && report.unresolved.is_empty());
    assert_eq!(
        gateway.order(&id("a")).unwrap().status(),
        OrderStatus::Accepted
    );
    assert_eq!(gateway.venue().order_snapshots().len(), 1);
}

#[test]
fn after_a_crash_an_order_the_venue_has_is_adopted_not_resent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    // Every answer is lost: the venue takes the order, the gateway never learns it.
    let (mut gateway, _) = open(
        &path,
        faulty(FaultConfig {
            timeout_after: 1000,
            ..FaultConfig::default()
        }),
    );
    assert!(gateway.submit(intent("a", 5, OrderKind::Market)).is_err());
    let mut venue = gateway.into_venue();
    venue.set_faults_enabled(false);
    venue.on_bar(&bar(100, 101, 99)).unwrap(); // it even fills while the gateway is down
    let (gateway, report) = open(&path, venue);
    assert_eq!(report.adopted, vec![id("a")]);
    assert!(report.resent.is_empty());
    let order = gateway.order(&id("a")).unwrap();
    assert_eq!(order.status(), OrderStatus::Filled);
    assert_eq!(
        gateway.positions()[&Symbol::new("AAPL").unwrap()],
        Quantity::from_units(5)
    );
    assert_eq!(gateway.venue().refused_duplicates(), 0);
    assert_eq!(gateway.halted(), None);
}

#[test]
fn a_timeout_is_resolved_at_once_by_asking_the_venue() {
    let dir = tempfile::tempdir().unwrap();
    // Seeded so the submit's answer is lost and the lookup goes through.
    let faults = FaultConfig {
        seed: 3,
        timeout_after: 500,
        ..FaultConfig::default()
    };
    let (mut gateway, _) = open(&dir.path().join("j"), faulty(faults));
    for n in 0..20 {
        let submitted = gateway.submit(intent(&format!("o{n}"), 1, limit(100)));
        if let Ok(submitted) = submitted {
            assert_eq!(submitted.order.status(), OrderStatus::Accepted);
        }
    }
    assert_eq!(gateway.venue().refused_duplicates(), 0);
    let accepted = gateway
        .orders()
        .filter(|o| o.status() == OrderStatus::Accepted)
        .count();
    assert!(
        accepted >= 15,
        "most orders resolve despite lost answers: {accepted}"
    );
}

#[test]
fn replay_restores_orders_fills_and_positions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(&path, SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 3, OrderKind::Market)).unwrap();
    gateway.submit(intent("b", 4, limit(90))).unwrap();
    gateway.venue_mut().on_bar(&bar(100, 101, 99)).unwrap();
    assert_eq!(gateway.poll_venue().unwrap(), 1);
    gateway.cancel(&id("b")).unwrap();
    let before: Vec<Order> = [id("a"), id("b")]
        .iter()
        .map(|i| gateway.order(i).unwrap().clone())
        .collect();
    let venue = gateway.into_venue();
    let (gateway, report) = open(&path, venue);
    assert_eq!(
        report.replayed_records, 6,
        "2 intents, 2 acks, 1 fill, 1 cancel"
    );
    assert!(report.adopted.is_empty());
    for order in &before {
        assert_eq!(gateway.order(order.client_order_id()).unwrap(), order);
    }
    assert_eq!(
        gateway.positions()[&Symbol::new("AAPL").unwrap()],
        Quantity::from_units(3)
    );
    assert_eq!(gateway.open_order_count(), 0);
}

#[test]
fn a_lost_fill_record_is_recovered_from_the_venue() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(&path, SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 3, OrderKind::Market)).unwrap();
    gateway.venue_mut().on_bar(&bar(100, 101, 99)).unwrap();
    gateway.poll_venue().unwrap();
    let venue = gateway.into_venue();
    // Tear the last record (the fill) as a crash mid-write would.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let (gateway, report) = open(&path, venue);
    assert!(report.truncated_bytes > 0);
    assert_eq!(report.adopted, vec![id("a")]);
    assert_eq!(
        gateway.order(&id("a")).unwrap().status(),
        OrderStatus::Filled
    );
    assert_eq!(
        gateway.positions()[&Symbol::new("AAPL").unwrap()],
        Quantity::from_units(3)
    );
}

#[test]
fn positions_that_differ_from_the_venue_halt_new_orders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(&path, SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 3, OrderKind::Market)).unwrap();
    gateway.venue_mut().on_bar(&bar(100, 101, 99)).unwrap();
    gateway.check_positions().unwrap_err(); // the fill is still on the event stream
    assert!(
        gateway
            .halted()
            .unwrap()
            .contains("position AAPL: gateway 0, venue 3")
    );
    gateway.poll_venue().unwrap();
    gateway.resume().unwrap();
    gateway.check_positions().unwrap();
}

#[test]
fn a_record_that_does_not_replay_is_an_error_naming_file_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let (mut gateway, _) = open(&path, SimVenue::new(SimConfig::default()));
    gateway.submit(intent("a", 1, limit(90))).unwrap();
    let venue = gateway.into_venue();
    let bogus = br#"{"record":"event","client_order_id":"zz","event":{"event":"canceled"}}"#;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&crate::journal::encode_record(bogus));
    std::fs::write(&path, bytes).unwrap();
    let err =
        crate::gateway::Gateway::open(&path, venue, crate::gateway::tests::config()).unwrap_err();
    let expected = format!(
        "journal {}: replay of record 2: event for unknown client_order_id zz",
        path.display()
    );
    assert_eq!(err.to_string(), expected);
}

#[test]
fn a_journal_of_json_records_from_before_the_binary_format_replays_and_grows() {
    use crate::journal::encode_record;
    use crate::record::{JournalRecord, decode};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let old: &[&[u8]] = &[
        br#"{"record":"intent","intent":{"client_order_id":"old-1","symbol":"AAPL","side":"buy","quantity":"2","kind":{"type":"market"},"time_in_force":"day"}}"#,
        br#"{"record":"event","client_order_id":"old-1","event":{"event":"accepted","venue_order_id":"sim-1"}}"#,
        br#"{"record":"event","client_order_id":"old-1","event":{"event":"filled","fill_id":"sim-1-f1","quantity":"2","price":"100.5","fee":{"currency":"quote","amount":"0.01"},"timestamp_ns":7}}"#,
    ];
    let bytes: Vec<u8> = old.iter().flat_map(|p| encode_record(p)).collect();
    std::fs::write(&path, bytes).unwrap();
    let (mut gateway, report) = open(&path, SimVenue::new(SimConfig::default()));
    assert_eq!(report.replayed_records, 3);
    let order = gateway.order(&id("old-1")).unwrap();
    assert_eq!(order.status(), OrderStatus::Filled);
    assert_eq!(order.average_fill_price(), Some("100.5".parse().unwrap()));
    assert_eq!(
        gateway.positions()[&Symbol::new("AAPL").unwrap()],
        Quantity::from_units(2)
    );
    gateway.submit(intent("new-1", 1, limit(100))).unwrap();
    gateway.flush_journal().unwrap();
    let venue = gateway.into_venue();
    let payloads = crate::journal::read_records(&path).unwrap();
    assert_eq!(
        payloads.len(),
        5,
        "two binary records follow the three JSON ones"
    );
    assert!(matches!(
        decode(&payloads[3]).unwrap(),
        JournalRecord::Intent { intent, .. } if intent.client_order_id == id("new-1")
    ));
    let (gateway, report) = open(&path, venue);
    assert_eq!(report.replayed_records, 5);
    assert_eq!(
        gateway.order(&id("new-1")).unwrap().status(),
        OrderStatus::Accepted
    );
    assert_eq!(
        gateway.order(&id("old-1")).unwrap().status(),
        OrderStatus::Filled
    );
}
