"""Strategy parameters, the registry and the order-id scheme: validated input, clear one-line errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import trader
from trader.strategies import (
    BUILTINS,
    EmaCross,
    EmaCrossParams,
    Strategy,
    StrategyError,
    parse_assignments,
    resolve_strategy,
)


def test_trader_exports_the_strategy_base_class() -> None:
    assert trader.Strategy is Strategy
    assert BUILTINS["ema_cross"] is EmaCross


def test_params_are_typed_and_coerced_from_cli_text() -> None:
    strategy = EmaCross(parse_assignments(["fast=5", "slow=20", "qty=7", "long_only=false"]))
    params = strategy.params
    assert isinstance(params, EmaCrossParams)
    assert (params.fast, params.slow, params.qty, params.long_only) == (5, 20, Decimal(7), False)
    assert EmaCross().params == EmaCrossParams(fast=10, slow=30, qty=Decimal(100))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"fast": "abc"}, "parameter 'fast'"),
        ({"fast": 30, "slow": 10}, "fast (30) must be below slow (10)"),
        ({"bogus": 1}, "unknown parameter 'bogus' (known: fast, fraction, long_only, qty, slow)"),
        ({"qty": "-3"}, "parameter 'qty'"),
        ({"qty": 5, "fraction": 0.5}, "either qty or fraction"),
        ({"fraction": 1.5}, "parameter 'fraction'"),
    ],
)
def test_bad_params_name_the_parameter(values: dict[str, object], message: str) -> None:
    with pytest.raises(StrategyError, match="strategy ema_cross") as info:
        EmaCross(values)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_params_are_frozen() -> None:
    params = EmaCross().params
    with pytest.raises(ValueError, match="frozen"):
        params.fast = 3  # type: ignore[misc]


@pytest.mark.parametrize("item", ["fast", "=3", ""])
def test_malformed_assignments_are_refused(item: str) -> None:
    with pytest.raises(StrategyError, match="NAME=VALUE"):
        parse_assignments([item])


def test_repeated_assignment_is_refused() -> None:
    with pytest.raises(StrategyError, match="given twice"):
        parse_assignments(["fast=3", "fast=4"])


def test_client_order_ids_are_deterministic() -> None:
    strategy = EmaCross(strategy_id="trend")
    ids = [strategy.next_order_id("SPY"), strategy.next_order_id("AAPL"), strategy.next_order_id("SPY")]
    assert ids == ["trend-SPY-1", "trend-AAPL-2", "trend-SPY-3"]


def test_helpers_need_an_engine() -> None:
    with pytest.raises(StrategyError, match="not attached"):
        EmaCross().buy(1, "SPY")


def test_user_strategy_is_loaded_from_a_file(tmp_path: Path) -> None:
    source = tmp_path / "mine.py"
    source.write_text(
        "from trader import Strategy\n\n"
        "class Mine(Strategy):\n"
        "    name = 'mine'\n\n"
        "class NotOne:\n"
        "    pass\n",
        encoding="utf-8",
    )
    cls = resolve_strategy(f"{source}:Mine")
    assert issubclass(cls, Strategy)
    assert cls.name == "mine"
    with pytest.raises(StrategyError, match=r"'NotOne' is not a trader\.Strategy subclass"):
        resolve_strategy(f"{source}:NotOne")


def test_unknown_or_broken_strategy_specs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match="not a built-in"):
        resolve_strategy("no_such_strategy")
    with pytest.raises(StrategyError, match="not found"):
        resolve_strategy(f"{tmp_path / 'missing.py'}:X")
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    with pytest.raises(StrategyError, match="import failed: RuntimeError: boom"):
        resolve_strategy(f"{broken}:X")
