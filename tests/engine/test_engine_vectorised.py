"""The vectorised path gives the event-driven engine's trades, curve and exact equity, without lookahead."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import numpy as np
import pytest
from engine_helpers import daily_bars
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trader import Strategy
from trader.data import Bars, load_bars
from trader.engine import BacktestConfig, run_backtest
from trader.engine.backtest import BacktestResult
from trader.engine.vectorised import (
    NotVectorisable,
    VectorConfig,
    VectorError,
    VectorRangeError,
    VectorResult,
    ema_cross_signals,
    run_signals,
    run_strategy,
)
from trader.execution.embedded_config import (
    BpsFee,
    CryptoFee,
    FeeModel,
    InstrumentSpec,
    PerShareFee,
    SimSettings,
    ZeroFee,
)
from trader.indicators import EMA
from trader.risk import RiskConfig
from trader.strategies import Bar, EmaCross

_CASES = [
    ("SPY_1d.csv", {}, SimSettings(slippage_bps=5, fees=BpsFee(10))),
    (
        "SPY_1d.csv",
        {"fraction": 0.5, "long_only": False},
        SimSettings(slippage_bps=3, fees=PerShareFee(Decimal("0.005"), Decimal(1))),
    ),
    ("BTCUSD_1h.csv", {"fraction": 0.9, "fast": 5, "slow": 20}, SimSettings(slippage_bps=7, fees=BpsFee(25))),
    ("BTCUSD_1h.csv", {"qty": 2, "long_only": False}, SimSettings(slippage_bps=10, fees=BpsFee(15))),
]


def _same_run(event: BacktestResult, vector: VectorResult) -> None:
    """Trades field by field, fills, the curve bit for bit, metrics, and the exact final books."""
    assert vector.trades == list(event.trades)
    effects = event.portfolio.effects
    assert [(f.price, abs(f.qty), f.fee) for f in vector.fills] == [
        (e.price, abs(e.traded_qty), e.cash_fee) for e in effects
    ]
    assert vector.final_equity == event.final_equity
    assert vector.cash == event.portfolio.cash
    assert vector.fees == event.portfolio.fees
    assert np.array_equal(vector.curve.equity, event.curve.equity)
    assert np.array_equal(vector.curve.gross_exposure, event.curve.gross_exposure)
    assert vector.metrics == event.metrics


@pytest.mark.parametrize(("name", "params", "sim"), _CASES)
def test_ema_cross_matches_the_event_engine_on_real_data(
    samples_dir: Path, tmp_path: Path, name: str, params: dict[str, object], sim: SimSettings
) -> None:
    bars = load_bars(samples_dir / name)
    config = BacktestConfig(sim=sim)
    event = run_backtest(EmaCross(params), [bars], tmp_path / "journal.jsonl", config)
    vector = run_strategy(EmaCross(params), [bars], config)
    assert len(vector.trades) >= 5  # the comparison means something
    _same_run(event, vector)


class _Signals(Strategy):
    """Trades given entry/exit arrays by the vectorised rules, through the event-driven engine."""

    name = "signals"

    def __init__(
        self, entries: list[bool], exits: list[bool], qty: int | None, fraction: str | None, long_only: bool
    ) -> None:
        super().__init__()
        self.entries, self.exits = entries, exits
        self.qty, self.fraction, self.long_only = qty, fraction, long_only

    def _size(self, bar: Bar) -> Decimal:
        if self.fraction is None:
            return Decimal(self.qty or 0)
        budget = self.equity() * Decimal(self.fraction)
        return max((budget / Decimal(repr(bar.close))).to_integral_value(ROUND_FLOOR), Decimal(0))

    def on_bar(self, bar: Bar) -> None:
        entry, exit_ = self.entries[bar.index], self.exits[bar.index]
        held = self.position()
        if entry and not exit_ and held <= 0:
            qty = self._size(bar) - held
            if qty > 0:
                self.buy(qty)
        elif exit_ and not entry and held >= 0:
            qty = held if self.long_only else self._size(bar) + held
            if qty > 0:
                self.sell(qty)


_RUN_NUMBERS = itertools.count()
_FEES: list[FeeModel] = [ZeroFee(), BpsFee(7), PerShareFee(Decimal("0.01"), Decimal("0.5"))]


@st.composite
def _runs(draw: st.DrawFn) -> tuple[Bars, list[bool], list[bool], VectorConfig]:
    n = draw(st.integers(2, 40))
    cents = st.lists(st.integers(100, 20_000), min_size=n, max_size=n)
    # Whole cents divided once: every price is the float nearest a 2-decimal number, as read from a file.
    opens, closes = np.array(draw(cents)), np.array(draw(cents))
    bars = replace(
        daily_bars("XYZ", (closes / 100).tolist()),
        open=opens / 100,
        high=(np.maximum(opens, closes) + 100) / 100,
        low=(np.minimum(opens, closes) - 50) / 100,
    )
    flags = st.lists(st.booleans(), min_size=n, max_size=n)
    fraction = draw(st.sampled_from([None, 0.25, 1.0]))
    config = VectorConfig(
        starting_cash=Decimal(draw(st.integers(1_000, 50_000))),
        qty=None if fraction is not None else Decimal(draw(st.integers(1, 40))),
        fraction=fraction,
        long_only=draw(st.booleans()),
        slippage_bps=draw(st.integers(0, 30)),
        fees=draw(st.sampled_from(_FEES)),
    )
    return bars, draw(flags), draw(flags), config


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run=_runs())
def test_random_signals_match_the_event_engine_and_reconcile(
    tmp_path: Path, run: tuple[Bars, list[bool], list[bool], VectorConfig]
) -> None:
    bars, entries, exits, config = run
    share = None if config.fraction is None else repr(config.fraction)
    units = None if config.qty is None else int(config.qty)
    strategy = _Signals(entries, exits, units, share, config.long_only)
    sim = SimSettings(slippage_bps=config.slippage_bps, fees=config.fees)
    backtest = BacktestConfig(starting_cash=config.starting_cash, sim=sim)
    journal = tmp_path / f"journal-{next(_RUN_NUMBERS)}.jsonl"
    try:
        vector = run_signals(bars, np.array(entries), np.array(exits), config, strategy_id="signals")
    except VectorRangeError:
        # Compounding whole-equity reversals can leave i128's exact range (~1.7e11 at 27 decimals); the event
        # engine must then still book the run, and its money must really be that large.
        event = run_backtest(strategy, [bars], journal, backtest)
        curve = event.curve
        assert max(float(np.abs(curve.equity).max()), float(curve.gross_exposure.max())) > 1e11
        return
    # The books reconcile with the trades exactly: closed net P&L, plus the open lot, make the equity.
    last = Decimal(repr(float(bars.close[-1])))
    unrealised = Decimal(0)
    lot = vector.books.open_lot()
    if lot is not None:
        _, long, qty, price, unpaid_fee = lot
        move = (last - Decimal(price)) * Decimal(qty)
        unrealised = (move if long else -move) - Decimal(unpaid_fee)
    closed = sum((t.pnl for t in vector.trades), Decimal(0))
    assert vector.final_equity == config.starting_cash + closed + unrealised
    flows = sum(((f.qty if f.side == "buy" else -f.qty) * f.price + f.fee for f in vector.fills), Decimal(0))
    assert vector.cash == config.starting_cash - flows
    assert vector.final_equity == vector.cash + vector.position * last
    # ... and the event-driven engine, fed the same signals, books the very same run.
    _same_run(run_backtest(strategy, [bars], journal, backtest), vector)


def test_a_signal_fills_at_the_next_open_and_later_bars_change_nothing_before() -> None:
    closes = [10.0, 11.0, 12.0, 11.0, 10.0, 12.0, 13.0, 12.0]
    bars = daily_bars("XYZ", closes)
    entries = np.array([False, True, False, False, False, True, False, False])
    exits = np.array([False, False, False, True, False, False, False, True])
    config = VectorConfig(qty=Decimal(5), slippage_bps=10)
    result = run_signals(bars, entries, exits, config)
    assert [(f.bar, f.side) for f in result.fills] == [(2, "buy"), (4, "sell"), (6, "buy")]
    for fill in result.fills:
        open_ = Decimal(repr(float(bars.open[fill.bar])))
        assert fill.price == (open_ * Decimal("1.001") if fill.side == "buy" else open_ * Decimal("0.999"))
    cut = 3
    later = daily_bars("XYZ", [*closes[: cut + 1], 50.0, 1.0, 70.0, 2.0])
    changed = entries.copy()
    changed[cut + 1 :] = ~changed[cut + 1 :]
    other = run_signals(later, changed, exits, config)
    assert np.array_equal(other.equity[: cut + 1], result.equity[: cut + 1])
    # The fills up to bar cut + 1: that one was decided at the cut's close, at an open left unchanged.
    assert other.fills[:2] == result.fills[:2]
    assert other.fills[1].bar == cut + 1


def test_ema_cross_signals_are_the_streaming_crosses() -> None:
    close = 100 + np.cumsum(np.random.default_rng(7).normal(0, 1, 2_000))
    entries, exits = ema_cross_signals(close, 5, 20)
    fast, slow = EMA(5), EMA(20)
    ups, downs, before = [], [], None
    for i, price in enumerate(close.tolist()):  # the strategy's own streaming rule, bar by bar
        diff = fast.update(price) - slow.update(price)
        if not slow.ready:
            continue
        if before is not None and before <= 0 < diff:
            ups.append(i)
        elif before is not None and before >= 0 > diff:
            downs.append(i)
        before = diff
    assert len(ups) > 20
    assert np.flatnonzero(entries).tolist() == ups
    assert np.flatnonzero(exits).tolist() == downs
    with pytest.raises(VectorError, match=r"1 <= fast < slow \(got fast=3, slow=3\)"):
        ema_cross_signals(close, 3, 3)


def test_bad_input_is_refused_naming_bar_field_and_value() -> None:
    bars = daily_bars("XYZ", [10.0, 11.0, 12.0])
    yes, no = np.array([True, False, False]), np.zeros(3, dtype=bool)
    bad = replace(bars, open=np.array([10.0, np.nan, 12.0]))
    with pytest.raises(VectorError, match=r"XYZ.csv: bar 1: field `open` = NaN: must be positive and finite"):
        run_signals(bad, yes, no)
    inexact = replace(bars, open=np.array([10.0, 0.1 + 0.2, 12.0]))
    with pytest.raises(
        VectorError, match=r"bar 1: field `open` = 0.30000000000000004: .* more than 9 decimal"
    ):
        run_signals(inexact, yes, no)
    with pytest.raises(VectorError, match=r"`entries` must be a boolean array \(got dtype int64\)"):
        run_signals(bars, np.array([1, 0, 0]), no)
    with pytest.raises(VectorError, match=r"`exits` has shape \(2,\) but there are 3 bars"):
        run_signals(bars, yes, no[:2])
    with pytest.raises(VectorError, match="either qty or fraction"):
        run_signals(bars, yes, no, VectorConfig(qty=Decimal(1), fraction=0.5))
    with pytest.raises(VectorError, match=r"setting `qty`: -1 must be > 0"):
        run_signals(bars, yes, no, VectorConfig(qty=Decimal(-1)))
    strided = run_signals(bars.take(slice(None, None, 2)), yes[::2], no[::2])
    assert [(f.bar, f.price) for f in strided.fills] == [(1, Decimal("11.5"))]
    untimed = run_signals(replace(bars, timeframe=None), yes, no)
    assert untimed.final_equity == Decimal(100_000) + 100 * (Decimal(12) - Decimal("10.5"))
    with pytest.raises(VectorError, match=r"XYZ\.csv: the bars need a known timeframe for the metrics"):
        _ = untimed.metrics


@pytest.mark.parametrize(
    ("config", "why"),
    [
        (BacktestConfig(risk=RiskConfig()), "risk manager"),
        (BacktestConfig(sim=SimSettings(latency_bars=1)), "latency_bars"),
        (BacktestConfig(sim=SimSettings(volume_share=Decimal("0.1"))), "volume_share"),
        (BacktestConfig(sim=SimSettings(fees=CryptoFee(10, 25))), "traded coin"),
        (BacktestConfig(time_in_force="opg"), "time_in_force 'opg'"),
        (BacktestConfig(instruments=(InstrumentSpec("XYZ", lot_size=Decimal(7)),)), "off XYZ's lot"),
        (
            BacktestConfig(instruments=(InstrumentSpec("XYZ", min_notional=Decimal(5)),)),
            "XYZ has order minimums",
        ),
    ],
)
def test_what_has_no_vectorised_form_says_why(config: BacktestConfig, why: str) -> None:
    bars = daily_bars("XYZ", [10.0, 11.0, 12.0])
    with pytest.raises(NotVectorisable, match=why):
        run_strategy(EmaCross({}), [bars], config)


def test_only_single_symbol_ema_cross_is_vectorised() -> None:
    bars = daily_bars("XYZ", [10.0, 11.0, 12.0])
    with pytest.raises(NotVectorisable, match="one symbol"):
        run_strategy(EmaCross({}), [bars, daily_bars("ABC", [1.0, 2.0, 3.0])], BacktestConfig())
    with pytest.raises(NotVectorisable, match="'signals' has no signal-array form"):
        run_strategy(_Signals([], [], 1, None, long_only=True), [bars], BacktestConfig())


def test_money_beyond_the_exact_range_is_a_range_error_naming_the_bar() -> None:
    # Long at 1, out at 150, again and again, with all the equity: it compounds 150x per round trip.
    n = 24
    opens = [1.0 if i % 2 == 0 else 150.0 for i in range(n)]
    bars = replace(daily_bars("XYZ", [1.0] * n), open=np.array(opens), high=np.full(n, 151.0))
    entries = np.array([i % 2 == 1 for i in range(n)])
    exits = np.array([i % 2 == 0 and i > 0 for i in range(n)])
    config = VectorConfig(starting_cash=Decimal(10_000), fraction=1.0)
    with pytest.raises(VectorRangeError, match=r"XYZ.csv: bar \d+: .*overflow.*run the event-driven engine"):
        run_signals(bars, entries, exits, config)


class _QuietCross(EmaCross):
    """An EmaCross subclass that never trades: it keeps the name, not the behaviour."""

    def on_bar(self, bar: Bar) -> None:
        return None


def test_a_subclass_of_ema_cross_is_not_run_as_ema_cross(samples_dir: Path) -> None:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    with pytest.raises(NotVectorisable, match="no signal-array form"):
        run_strategy(_QuietCross({"fast": 10, "slow": 30}), [bars], BacktestConfig())
    # The plain class still takes the vectorised path.
    assert run_strategy(EmaCross({"fast": 10, "slow": 30}), [bars], BacktestConfig()).trades
