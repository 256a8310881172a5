//! Invariants of the simulation on random price paths and random signals:
//! - the books reconcile: final equity = starting cash + closed trades' net P&L + the open lot's unrealised
//!   P&L less its unpaid entry fee, exactly; and cash = starting cash - fills' cash flows - fees;
//! - no lookahead: changing anything after bar t changes neither the curve up to t nor the fills up to t;
//! - every fill is at the bar after a signal, at that bar's open moved against the order.

use exec_gateway::fees::FeeModel;
use exec_gateway::money::{Money, Price, Quantity};
use exec_gateway::order::Side;
use proptest::prelude::*;

use crate::exact::{ONE_E9, widen};
use crate::{Outcome, Settings, Signals, Sizing, simulate};

#[derive(Clone, Debug)]
struct Case {
    open: Vec<f64>,
    close: Vec<f64>,
    entries: Vec<bool>,
    exits: Vec<bool>,
    settings: Settings,
}

fn cents(values: Vec<u32>) -> Vec<f64> {
    values.into_iter().map(|c| f64::from(c) / 100.0).collect()
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..60).prop_flat_map(|n| {
        let prices = || prop::collection::vec(100u32..50_000, n);
        let sizing = prop_oneof![
            (1i64..50).prop_map(|q| Sizing::Fixed(Quantity::from_units(q))),
            (1i128..=1_000).prop_map(|f| Sizing::Fraction(Price::from_raw(f * ONE_E9 / 1_000))),
        ];
        let fees = prop_oneof![
            Just(FeeModel::Zero),
            (0u32..100).prop_map(|bps| FeeModel::Bps { bps }),
            (0i128..500, 0i128..300).prop_map(|(per, min)| FeeModel::PerShare {
                per_share: Money::from_raw(per * ONE_E9 / 10_000),
                minimum: Money::from_raw(min * ONE_E9 / 100),
            }),
        ];
        (
            prices(),
            prices(),
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec(any::<bool>(), n),
            sizing,
            any::<bool>(),
            0u32..50,
            fees,
        )
            .prop_map(
                |(open, close, entries, exits, sizing, long_only, slippage_bps, fees)| Case {
                    open: cents(open),
                    close: cents(close),
                    entries,
                    exits,
                    settings: Settings {
                        starting_cash: Money::from_units(100_000),
                        sizing,
                        long_only,
                        slippage_bps,
                        fees,
                    },
                },
            )
    })
}

fn run(case: &Case) -> (Outcome, Vec<f64>) {
    let n = case.open.len();
    let (mut equity, mut net) = (vec![0.0; n], vec![0.0; n]);
    let signals = Signals {
        open: &case.open,
        close: &case.close,
        entries: &case.entries,
        exits: &case.exits,
    };
    let out = simulate(signals, &case.settings, &mut equity, &mut net).unwrap();
    (out, equity)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn books_reconcile_exactly(case in case()) {
        let (out, _) = run(&case);
        let start = widen(case.settings.starting_cash);
        let closed: i128 = out.trades.iter().map(|t| t.gross_pnl - t.fees).sum();
        let last: Price = case.close[case.close.len() - 1].to_string().parse().unwrap();
        let open_part = out.open_lot.map_or(0, |lot| {
            let moved = last.raw() - lot.entry_price.raw();
            lot.quantity.raw() * if lot.long { moved } else { -moved } - lot.fee
        });
        prop_assert_eq!(out.final_equity, start + closed + open_part);
        let flows: i128 = out.fills.iter().map(|f| {
            let signed = if f.side == Side::Buy { f.quantity.raw() } else { -f.quantity.raw() };
            signed * f.price.raw() + widen(f.fee)
        }).sum();
        prop_assert_eq!(out.cash, start - flows);
        let fees: i128 = out.fills.iter().map(|f| widen(f.fee)).sum();
        prop_assert_eq!(out.fees, fees);
    }

    #[test]
    fn nothing_after_a_bar_changes_what_happened_up_to_it(case in case(), cut in 0usize..60) {
        let cut = cut % case.open.len();
        let (out, equity) = run(&case);
        let mut later = case.clone();
        for t in cut + 1..later.open.len() {
            // Other prices still in whole cents: swap open and close, then double the close.
            (later.open[t], later.close[t]) = (later.close[t], later.open[t] * 2.0);
            later.entries[t] = !later.entries[t];
            later.exits[t] = !later.exits[t];
        }
        let (other, other_equity) = run(&later);
        prop_assert_eq!(&equity[..=cut], &other_equity[..=cut]);
        let before = |o: &Outcome| o.fills.iter().filter(|f| f.index <= cut).copied().collect::<Vec<_>>();
        prop_assert_eq!(before(&out), before(&other));
        // The order decided at the cut (filled at the next open) is the same side and size too.
        let decided = |o: &Outcome| o.fills.iter().find(|f| f.index == cut + 1).map(|f| (f.side, f.quantity));
        prop_assert_eq!(decided(&out), decided(&other));
    }

    #[test]
    fn every_fill_follows_a_signal_at_the_next_open(case in case()) {
        let (out, _) = run(&case);
        for fill in &out.fills {
            let decided = fill.index - 1;
            prop_assert!(case.entries[decided] != case.exits[decided]);
            let open: Price = case.open[fill.index].to_string().parse().unwrap();
            match fill.side {
                Side::Buy => prop_assert!(case.entries[decided] && fill.price >= open),
                Side::Sell => prop_assert!(case.exits[decided] && fill.price <= open),
            }
        }
    }
}
