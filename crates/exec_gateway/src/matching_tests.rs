//! Tests of the bar matching rules, one rule per test.

use super::*;

fn p(text: &str) -> Price {
    text.parse().unwrap()
}

fn bar(open: &str, high: &str, low: &str, close: &str) -> Bar {
    Bar {
        symbol: Symbol::new("AAPL").unwrap(),
        timestamp_ns: 0,
        open: p(open),
        high: p(high),
        low: p(low),
        close: p(close),
        volume: Quantity::from_units(1000),
    }
}

fn run(
    side: Side,
    kind: OrderKind,
    state: &mut WorkingState,
    bar: &Bar,
) -> Option<(Price, Liquidity)> {
    match_bar(side, &kind, state, bar, 0)
        .unwrap()
        .map(|e| (e.price, e.liquidity))
}

#[test]
fn market_fills_at_the_open_with_slippage_against_the_order() {
    let b = bar("100", "105", "95", "101");
    let buy = match_bar(
        Side::Buy,
        &OrderKind::Market,
        &mut WorkingState::default(),
        &b,
        10,
    )
    .unwrap()
    .unwrap();
    assert_eq!(buy.price, p("100.1"));
    let sell = match_bar(
        Side::Sell,
        &OrderKind::Market,
        &mut WorkingState::default(),
        &b,
        10,
    )
    .unwrap()
    .unwrap();
    assert_eq!(sell.price, p("99.9"));
}

#[test]
fn limit_needs_the_bar_to_trade_through_and_takes_a_favourable_gap() {
    let buy = |limit| OrderKind::Limit { limit: p(limit) };
    let mut s = WorkingState::default();
    assert_eq!(
        run(
            Side::Buy,
            buy("95"),
            &mut s,
            &bar("100", "105", "95", "101")
        ),
        None,
        "touching is not enough"
    );
    assert_eq!(
        run(
            Side::Buy,
            buy("96"),
            &mut s,
            &bar("100", "105", "95", "101")
        ),
        Some((p("96"), Liquidity::Maker))
    );
    assert_eq!(
        run(
            Side::Buy,
            buy("101"),
            &mut s,
            &bar("100", "105", "95", "101")
        ),
        Some((p("100"), Liquidity::Taker))
    );
    let sell = OrderKind::Limit { limit: p("104") };
    assert_eq!(
        run(Side::Sell, sell, &mut s, &bar("100", "105", "95", "101")),
        Some((p("104"), Liquidity::Maker))
    );
    assert_eq!(
        run(Side::Sell, sell, &mut s, &bar("106", "107", "103", "104")),
        Some((p("106"), Liquidity::Taker))
    );
}

#[test]
fn stops_trigger_on_touch_and_fill_at_the_open_on_an_adverse_gap() {
    let mut s = WorkingState::default();
    let sell_stop = OrderKind::Stop { stop: p("95") };
    assert_eq!(
        run(
            Side::Sell,
            sell_stop,
            &mut s,
            &bar("100", "105", "96", "101")
        ),
        None
    );
    assert_eq!(
        run(
            Side::Sell,
            sell_stop,
            &mut s,
            &bar("100", "105", "95", "101")
        )
        .unwrap()
        .0,
        p("95")
    );
    assert_eq!(
        run(Side::Sell, sell_stop, &mut s, &bar("90", "92", "88", "91"))
            .unwrap()
            .0,
        p("90")
    );
    let buy_stop = OrderKind::Stop { stop: p("105") };
    assert_eq!(
        run(Side::Buy, buy_stop, &mut s, &bar("100", "105", "95", "101"))
            .unwrap()
            .0,
        p("105")
    );
    assert_eq!(
        run(
            Side::Buy,
            buy_stop,
            &mut s,
            &bar("110", "111", "109", "110")
        )
        .unwrap()
        .0,
        p("110")
    );
}

#[test]
fn stop_limit_triggers_then_rests_as_a_limit() {
    let kind = OrderKind::StopLimit {
        stop: p("105"),
        limit: p("106"),
    };
    let mut s = WorkingState::default();
    assert_eq!(
        run(Side::Buy, kind, &mut s, &bar("108", "110", "107", "109")),
        None,
        "gap past the limit: no fill"
    );
    assert!(s.triggered);
    assert_eq!(
        run(Side::Buy, kind, &mut s, &bar("107", "108", "105.5", "106")),
        Some((p("106"), Liquidity::Maker))
    );
    let mut fresh = WorkingState::default();
    assert_eq!(
        run(Side::Buy, kind, &mut fresh, &bar("100", "105", "99", "104")),
        Some((p("105"), Liquidity::Taker))
    );
}

#[test]
fn trailing_stop_follows_the_high_and_checks_before_moving() {
    let kind = OrderKind::TrailingStop {
        trail: TrailingOffset::Price(p("5")),
    };
    let mut s = WorkingState::default();
    // Starts at the first open (100): stop 95. The bar's high 110 moves it to 105 only after the check.
    assert_eq!(
        run(Side::Sell, kind, &mut s, &bar("100", "110", "96", "108")),
        None
    );
    assert_eq!(s.extreme, Some(p("110")));
    assert_eq!(
        run(Side::Sell, kind, &mut s, &bar("108", "109", "104", "104"))
            .unwrap()
            .0,
        p("105")
    );

    let pct = OrderKind::TrailingStop {
        trail: TrailingOffset::Percent(p("10")),
    };
    let mut s = WorkingState::default();
    assert_eq!(
        run(Side::Buy, pct, &mut s, &bar("100", "101", "80", "81")),
        None
    );
    assert_eq!(s.extreme, Some(p("80")));
    assert_eq!(
        run(Side::Buy, pct, &mut s, &bar("85", "90", "84", "89"))
            .unwrap()
            .0,
        p("88")
    );
}

#[test]
fn bars_are_validated() {
    assert!(bar("100", "105", "95", "101").validate().is_ok());
    let err = bar("100", "99", "95", "98").validate().unwrap_err();
    assert_eq!(err, "bar AAPL at 0 ns: high is below the open or close");
    assert!(bar("100", "105", "0", "101").validate().is_err());
}
