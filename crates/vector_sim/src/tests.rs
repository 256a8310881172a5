//! Worked examples of the simulation: fill timing, slippage and fee rounding, reversals, refusals.

use exec_gateway::fees::FeeModel;
use exec_gateway::money::{Money, Price, Quantity};
use exec_gateway::order::Side;

use crate::exact::ONE_E18;
use crate::{Settings, Signals, Sizing, VectorSimError, simulate};

fn settings(sizing: Sizing, long_only: bool, slippage_bps: u32, fees: FeeModel) -> Settings {
    Settings {
        starting_cash: Money::from_units(10_000),
        sizing,
        long_only,
        slippage_bps,
        fees,
    }
}

fn run(
    open: &[f64],
    close: &[f64],
    entries: &[bool],
    exits: &[bool],
    settings: &Settings,
) -> Result<(crate::Outcome, Vec<f64>), VectorSimError> {
    let mut equity = vec![0.0; open.len()];
    let mut net = vec![0.0; open.len()];
    let signals = Signals {
        open,
        close,
        entries,
        exits,
    };
    simulate(signals, settings, &mut equity, &mut net).map(|o| (o, equity))
}

fn p(text: &str) -> Price {
    text.parse().unwrap()
}

#[test]
fn a_signal_at_a_close_fills_at_the_next_open_with_slippage_and_fees() {
    let fees = FeeModel::Bps { bps: 10 };
    let s = settings(Sizing::Fixed(Quantity::from_units(3)), true, 5, fees);
    let open = [10.0, 11.0, 12.0, 13.0];
    let close = [10.5, 11.5, 12.5, 13.5];
    let (out, equity) = run(
        &open,
        &close,
        &[true, false, false, false],
        &[false, false, true, false],
        &s,
    )
    .unwrap();
    // Buy 3 at 11 + 5 bps = 11.0055 (rounded up), fee 10 bps of 33.0165 = 0.03301650 (up at 9 decimals).
    assert_eq!(out.fills[0].index, 1);
    assert_eq!(out.fills[0].price, p("11.0055"));
    assert_eq!(out.fills[0].fee, "0.03301650".parse().unwrap());
    // Sell 3 at 13 - 5 bps = 12.9935, fee 0.0389805.
    assert_eq!(out.fills[1].index, 3);
    assert_eq!(out.fills[1].side, Side::Sell);
    assert_eq!(out.fills[1].price, p("12.9935"));
    let trade = out.trades[0];
    assert_eq!(
        (trade.entry_index, trade.exit_index, trade.long),
        (1, 3, true)
    );
    assert_eq!(trade.gross_pnl, 5_964 * ONE_E18 / 1_000);
    assert_eq!(
        trade.fees,
        (33_016_500 + 38_980_500) * ONE_E18 / 1_000_000_000
    );
    let expected = 10_000 * ONE_E18 + trade.gross_pnl - trade.fees;
    assert_eq!(out.final_equity, expected);
    assert_eq!(out.cash, expected);
    assert_eq!(equity[0], 10_000.0);
    assert_eq!(equity[1], 9_966.950_483_5 + 3.0 * 11.5);
    assert!(out.open_lot.is_none());
}

#[test]
fn a_reversal_splits_its_fee_between_the_close_and_the_new_lot() {
    let fees = FeeModel::PerShare {
        per_share: "0.01".parse().unwrap(),
        minimum: Money::ZERO,
    };
    let s = settings(Sizing::Fixed(Quantity::from_units(2)), false, 0, fees);
    let prices = [10.0, 10.0, 10.0, 10.0];
    let (out, _) = run(
        &prices,
        &prices,
        &[false, false, true, false],
        &[true, false, false, false],
        &s,
    )
    .unwrap();
    // Short 2 at bar 1, then buy 4 at bar 3: 2 close the short, 2 open a long; 0.04 fee split 0.02 / 0.02.
    assert_eq!(out.fills[1].quantity, Quantity::from_units(4));
    let trade = out.trades[0];
    assert!(!trade.long);
    assert_eq!(trade.fees, 4 * ONE_E18 / 100);
    let lot = out.open_lot.unwrap();
    assert_eq!(
        (lot.long, lot.quantity, lot.fee),
        (true, Quantity::from_units(2), 2 * ONE_E18 / 100)
    );
    assert_eq!(out.position, Quantity::from_units(2));
}

#[test]
fn fraction_sizing_buys_whole_units_of_equity_at_the_close() {
    let s = settings(Sizing::Fraction(p("0.5")), true, 0, FeeModel::Zero);
    let (out, _) = run(
        &[30.0, 30.0],
        &[33.0, 30.0],
        &[true, false],
        &[false, false],
        &s,
    )
    .unwrap();
    // 10,000 x 0.5 / 33 = 151.5: 151 units.
    assert_eq!(out.fills[0].quantity, Quantity::from_units(151));
}

#[test]
fn entries_while_long_and_conflicting_signals_are_ignored() {
    let s = settings(Sizing::Fixed(Quantity::ONE), true, 0, FeeModel::Zero);
    let prices = [1.0; 5];
    let (out, _) = run(
        &prices,
        &prices,
        &[true, true, true, false, false],
        &[false, false, true, false, true],
        &s,
    )
    .unwrap();
    assert_eq!(out.fills.len(), 1);
    assert_eq!(out.position, Quantity::ONE);
}

#[test]
fn bad_inputs_are_refused_with_where_and_what() {
    let s = settings(Sizing::Fixed(Quantity::ONE), true, 0, FeeModel::Zero);
    let err = run(&[1.0, f64::NAN], &[1.0, 1.0], &[false; 2], &[false; 2], &s).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bar 1: field `open` = NaN: must be positive and finite"
    );
    let err = run(&[1.0], &[1.0, 1.0], &[false; 2], &[false; 2], &s).unwrap_err();
    assert_eq!(err.to_string(), "`close` has 2 values but `open` has 1");
    assert_eq!(
        run(&[], &[], &[], &[], &s).unwrap_err(),
        VectorSimError::Empty
    );
    let crypto = FeeModel::CryptoMakerTaker {
        maker_bps: 1,
        taker_bps: 2,
    };
    let err = run(
        &[1.0],
        &[1.0],
        &[false],
        &[false],
        &settings(Sizing::Fixed(Quantity::ONE), true, 0, crypto),
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("setting `fees`: crypto"),
        "{err}"
    );
    let zero = settings(Sizing::Fraction(Price::ZERO), true, 0, FeeModel::Zero);
    let err = run(&[1.0], &[1.0], &[false], &[false], &zero).unwrap_err();
    assert_eq!(err.to_string(), "setting `fraction`: 0 must be in (0, 1]");
}
