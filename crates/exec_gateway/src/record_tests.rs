//! Journal record encoding: every record round-trips, older JSON records still decode, damage is named.
//!
//! Properties: `decode(encode(r)) == r` for any record; every strict prefix of an encoding is refused (never
//! read as a different record); a JSON record of an older journal decodes to the same record.

use proptest::prelude::*;

use super::*;

fn money_raw() -> impl Strategy<Value = i128> {
    prop_oneof![
        Just(0_i128),
        1_i128..1_000_000_000_000_000,
        any::<i64>().prop_map(i128::from),
        // The whole range the decimal text (older JSON records) can hold: all but i128::MIN.
        Just(-i128::MAX),
        Just(i128::MAX),
        any::<i128>().prop_map(|raw| raw.max(-i128::MAX)),
    ]
}

fn text(pattern: &'static str) -> impl Strategy<Value = String> {
    proptest::string::string_regex(pattern).expect("valid pattern")
}

fn id() -> impl Strategy<Value = ClientOrderId> {
    text("[!-~]{1,40}").prop_map(|s| ClientOrderId::new(s).expect("printable ASCII"))
}

fn kind() -> impl Strategy<Value = OrderKind> {
    let price = || money_raw().prop_map(Price::from_raw);
    prop_oneof![
        Just(OrderKind::Market),
        price().prop_map(|limit| OrderKind::Limit { limit }),
        price().prop_map(|stop| OrderKind::Stop { stop }),
        (price(), price()).prop_map(|(stop, limit)| OrderKind::StopLimit { stop, limit }),
        price().prop_map(|p| OrderKind::TrailingStop {
            trail: TrailingOffset::Price(p)
        }),
        price().prop_map(|p| OrderKind::TrailingStop {
            trail: TrailingOffset::Percent(p)
        }),
    ]
}

fn intent() -> impl Strategy<Value = OrderIntent> {
    (
        id(),
        text("[A-Z0-9./-]{1,12}"),
        0..SIDE_NAMES.len(),
        money_raw(),
        kind(),
        0..TIME_IN_FORCE_NAMES.len(),
        proptest::option::of(text(".{0,20}")),
    )
        .prop_map(
            |(client_order_id, symbol, side, quantity, kind, tif, strategy)| OrderIntent {
                client_order_id,
                symbol: Symbol::new(symbol).expect("symbol characters"),
                side: SIDE_NAMES[side].0,
                quantity: Quantity::from_raw(quantity),
                kind,
                time_in_force: TIME_IN_FORCE_NAMES[tif].0,
                strategy,
            },
        )
}

fn event() -> impl Strategy<Value = OrderEvent> {
    let fill = (
        text(".{0,30}"),
        money_raw(),
        money_raw(),
        any::<bool>(),
        money_raw(),
        any::<u64>(),
    )
        .prop_map(|(fill_id, quantity, price, base, fee, timestamp_ns)| Fill {
            fill_id,
            quantity: Quantity::from_raw(quantity),
            price: Price::from_raw(price),
            fee: if base {
                Fee::Base(Quantity::from_raw(fee))
            } else {
                Fee::Quote(Money::from_raw(fee))
            },
            timestamp_ns,
        });
    prop_oneof![
        text(".{0,30}").prop_map(|venue_order_id| OrderEvent::Accepted { venue_order_id }),
        text(".{0,60}").prop_map(|reason| OrderEvent::Rejected { reason }),
        fill.prop_map(OrderEvent::Filled),
        Just(OrderEvent::Canceled),
        Just(OrderEvent::Expired),
        id().prop_map(|by| OrderEvent::Replaced { by }),
    ]
}

fn record() -> impl Strategy<Value = JournalRecord> {
    prop_oneof![
        (intent(), proptest::option::of(id()))
            .prop_map(|(intent, replaces)| JournalRecord::Intent { intent, replaces }),
        (id(), event()).prop_map(|(client_order_id, event)| JournalRecord::Event {
            client_order_id,
            event
        }),
    ]
}

fn encoded(record: &JournalRecord) -> Vec<u8> {
    let mut out = Vec::new();
    record.encode(&mut out);
    out
}

proptest! {
    #[test]
    fn every_record_round_trips(record in record()) {
        let bytes = encoded(&record);
        prop_assert_eq!(bytes[0], FORMAT_V1);
        prop_assert_eq!(decode(&bytes).unwrap(), record);
    }

    #[test]
    fn a_cut_short_record_is_refused(record in record(), cut in any::<proptest::sample::Index>()) {
        let bytes = encoded(&record);
        let len = cut.index(bytes.len());
        prop_assert!(decode(&bytes[..len]).is_err(), "a {len}-byte prefix of {} bytes decoded", bytes.len());
    }

    #[test]
    fn older_json_records_decode_to_the_same_record(record in record()) {
        let json = serde_json::to_vec(&record).unwrap();
        prop_assert_eq!(decode(&json).unwrap(), record);
    }
}

#[test]
fn a_json_record_as_older_journals_wrote_it_still_decodes() {
    let json = br#"{"record":"intent","intent":{"client_order_id":"a-1","symbol":"AAPL","side":"buy","quantity":"10","kind":{"type":"limit","limit":"187.5"},"time_in_force":"day"}}"#;
    let JournalRecord::Intent { intent, replaces } = decode(json).unwrap() else {
        panic!("an intent record")
    };
    assert_eq!(intent.client_order_id.as_str(), "a-1");
    assert_eq!(intent.quantity, "10".parse().unwrap());
    assert_eq!(
        intent.kind,
        OrderKind::Limit {
            limit: "187.5".parse().unwrap()
        }
    );
    assert_eq!(replaces, None);
}

#[test]
fn damage_is_named_by_field_and_byte() {
    let record = JournalRecord::Event {
        client_order_id: ClientOrderId::new("x").unwrap(),
        event: OrderEvent::Canceled,
    };
    let mut bytes = encoded(&record);
    let last = bytes.len() - 1;
    bytes[last] = 9;
    assert_eq!(
        decode(&bytes).unwrap_err().to_string(),
        format!("unknown `event` tag 9 at byte {last}")
    );
    bytes[last] = 3;
    bytes.push(0);
    assert_eq!(
        decode(&bytes).unwrap_err().to_string(),
        "1 bytes after the end of the record"
    );
    assert_eq!(
        decode(b"\x07").unwrap_err().to_string(),
        "unknown record format byte 0x07"
    );
    // An id said to be 5 bytes long with 1 byte left.
    let truncated = decode(&[FORMAT_V1, EVENT, 5, 0]).unwrap_err();
    assert_eq!(
        truncated.to_string(),
        "truncated at byte 3: no room for `client_order_id`"
    );
    // A quantity varint of 20 bytes (more than 128 bits).
    let mut long = vec![FORMAT_V1, INTENT, 1, b'a', 1, b'A', 0];
    long.extend([0xff; 19]);
    long.push(0x01);
    assert_eq!(
        decode(&long).unwrap_err().to_string(),
        "`quantity`: varint at byte 7 overflows 128 bits"
    );
}

#[test]
fn the_extremes_of_the_raw_range_round_trip() {
    for raw in [i128::MIN, i128::MIN + 1, -1, 0, 1, i128::MAX] {
        let record = JournalRecord::Event {
            client_order_id: ClientOrderId::new("x").unwrap(),
            event: OrderEvent::Filled(Fill {
                fill_id: "f".into(),
                quantity: Quantity::from_raw(raw),
                price: Price::from_raw(raw),
                fee: Fee::Base(Quantity::from_raw(raw)),
                timestamp_ns: u64::MAX,
            }),
        };
        assert_eq!(decode(&encoded(&record)).unwrap(), record, "raw {raw}");
    }
}
