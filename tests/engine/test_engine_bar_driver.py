"""The Rust bar driver and the Python single-symbol loop give the same run, byte for byte, errors included."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from engine_helpers import Recorder, daily_bars
from hypothesis import given, settings
from hypothesis import strategies as st

import trader.engine.backtest as backtest_module
from trader.data import Bars
from trader.engine import BacktestConfig, run_backtest
from trader.engine.backtest import BacktestResult
from trader.errors import DataError
from trader.risk import RiskConfig
from trader.strategies import EmaCross
from trader.strategies.base import Strategy

DRIVER_CALLS: list[str] = []


def _python_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route single-symbol runs to the Python loop (what risk-guarded runs use)."""

    def loop_one(bars: Bars, strategy: Strategy, broker: object, progress: object, **_: object) -> None:
        DRIVER_CALLS.append("python")
        backtest_module._loop_one(bars, strategy, broker, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(backtest_module, "drive_one_symbol", loop_one)


def _run(strategy: Strategy, bars: Bars, folder: Path, trade_from: int | None = None) -> BacktestResult:
    folder.mkdir(parents=True, exist_ok=True)
    return run_backtest(strategy, [bars], folder / "journal.jsonl", trade_from=trade_from)


def _assert_same_run(a: BacktestResult, b: BacktestResult, folder_a: Path, folder_b: Path) -> None:
    for column in ("ts", "equity", "gross_exposure", "net_exposure"):
        left, right = getattr(a.curve, column), getattr(b.curve, column)
        assert left.dtype == right.dtype
        assert left.tobytes() == right.tobytes(), column  # bit for bit, NaN-free floats included
    assert a.trades == b.trades
    assert a.decisions == b.decisions
    assert a.refusals == b.refusals
    assert a.metrics == b.metrics
    assert a.final_equity == b.final_equity
    assert (folder_a / "journal.jsonl").read_bytes() == (folder_b / "journal.jsonl").read_bytes()


def _walk(seed: int, n: int) -> Bars:
    """A random daily walk in whole cents (every price exact at 9 decimals)."""
    rng = np.random.default_rng(seed)
    cents = np.round(10_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n))))
    bars = daily_bars("SPY", (cents / 100).tolist())
    return replace(bars, high=np.round(bars.high, 2), low=np.round(bars.low, 2), open=np.round(bars.open, 2))


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    fast=st.integers(2, 8),
    gap=st.integers(1, 20),
    long_only=st.booleans(),
    fraction=st.sampled_from([None, 0.5]),
    warmup=st.integers(0, 40),
)
def test_driver_and_python_loop_give_identical_ema_cross_runs(  # noqa: PLR0917 -- hypothesis arguments
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    fast: int,
    gap: int,
    long_only: bool,
    fraction: float | None,
    warmup: int,
) -> None:
    bars = _walk(seed, 300)
    params: dict[str, object] = {"fast": fast, "slow": fast + gap, "long_only": long_only}
    params.update({"qty": 3} if fraction is None else {"fraction": fraction})
    trade_from = int(bars.ts[warmup])  # marks and orders start there, as after a warm-up
    root = tmp_path_factory.mktemp("runs")
    driven = _run(EmaCross(params), bars, root / "driver", trade_from)
    with pytest.MonkeyPatch.context() as patch:
        _python_loop(patch)
        looped = _run(EmaCross(params), bars, root / "python", trade_from)
    assert driven.trades, "the walk should trade"
    _assert_same_run(driven, looped, root / "driver", root / "python")


def test_the_strategy_sees_the_curve_and_fills_as_the_python_loop_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bars = daily_bars("SPY", [100, 101, 103, 102, 99, 104, 106])
    driven_strategy = Recorder(buy_at=1, sell_at=4, qty=10)
    driven = _run(driven_strategy, bars, tmp_path / "driver")
    DRIVER_CALLS.clear()
    _python_loop(monkeypatch)
    looped_strategy = Recorder(buy_at=1, sell_at=4, qty=10)
    looped = _run(looped_strategy, bars, tmp_path / "python")
    assert DRIVER_CALLS == ["python"]
    # Each bar's log holds the position and the curve's last equity and length the strategy read then.
    assert driven_strategy.log == looped_strategy.log
    assert any(entry[0] == "fill" for entry in driven_strategy.log)
    _assert_same_run(driven, looped, tmp_path / "driver", tmp_path / "python")


def test_single_symbol_runs_take_the_driver_unless_risk_guards_act(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = backtest_module.drive_one_symbol

    def spy(*args: object, **kwargs: object) -> None:
        calls.append("driver")
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backtest_module, "drive_one_symbol", spy)
    _run(EmaCross({"fast": 2, "slow": 4, "qty": 1}), _walk(1, 50), tmp_path / "a")
    assert calls == ["driver"]
    # With risk on, the guard acts between the mark and the decision: the Python loop runs it.
    (tmp_path / "b").mkdir()
    config = BacktestConfig(risk=RiskConfig())
    guarded = run_backtest(
        EmaCross({"fast": 2, "slow": 4, "qty": 1}), [_walk(1, 50)], tmp_path / "b" / "j.jsonl", config
    )
    assert calls == ["driver"]
    assert guarded.decisions, "the guarded run traded through the Python loop"


def test_a_bar_the_venue_cannot_hold_names_its_file_and_line(tmp_path: Path) -> None:
    bars = daily_bars("SPY", [100, 101, 102.0000000001, 103], gap=0)  # ten decimals: no exact price
    with pytest.raises(
        DataError, match=r"SPY\.csv:3: field `high`: \"103\.0000000001\" has more than 9 decimal places"
    ):
        _run(EmaCross({"fast": 2, "slow": 3, "qty": 1}), bars, tmp_path)


def test_a_zero_price_bar_is_refused_with_its_line_by_both_loops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bars = daily_bars("SPY", [100, 101, 103, 102, 99, 104], gap=0)
    zero = np.array([100, 101, 103, 0.0, 99, 104])
    bars = replace(bars, open=zero, close=zero, low=np.array([99, 100, 102, 0.0, 98, 103]))
    messages = []
    for route in ("driver", "python"):
        if route == "python":
            _python_loop(monkeypatch)
        with pytest.raises(DataError) as caught:
            _run(Recorder(buy_at=1, sell_at=5, qty=1), bars, tmp_path / route)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("SPY.csv:4: ")
    assert "low must be positive" in messages[0]
