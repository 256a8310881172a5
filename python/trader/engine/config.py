"""What a backtest runs with besides the strategy and the bars: cash, venue simulation, instruments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from trader.execution.embedded_config import InstrumentSpec, SimSettings
from trader.risk import RiskConfig


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """Starting cash, the SimVenue's fees/slippage/latency, instrument specs (default: whole shares), risk.

    With `risk` set, every decision passes `RiskManager.evaluate` (sized, cut or refused) and its verdict
    is journaled; without it orders go to the gateway as decided (its hard limits still apply).

    The run's journal is written with fsync policy `never`: a backtest can be rerun from its inputs, so
    paying a disk flush per record buys nothing (the file is still complete once the run returns).
    """

    starting_cash: Decimal = Decimal(100_000)
    sim: SimSettings = field(default_factory=SimSettings)
    instruments: tuple[InstrumentSpec, ...] = ()
    time_in_force: str = "gtc"
    """Market orders are good till cancelled: one decided at a day's last bar fills at the next open."""

    risk: RiskConfig | None = None
    risk_guards: bool = True
    """With `risk`: SAFE_MODE and the emergency breaker act (a trip cancels orders, flattens if configured,
    halts new risk to the end of the run) and risk's stops rest at the venue, trailed every bar. On by
    default (safety first, as in the CLI); each stop order is a decision of strategy `risk` (reason `stop`
    or `trailing stop`) with a journaled reduce-only verdict. False only to study a run without them."""

    def instruments_for(self, symbols: list[str]) -> list[InstrumentSpec]:
        """The given specs, plus a default (tick 0.01, lot 1) for every symbol without one."""
        given = {spec.symbol: spec for spec in self.instruments}
        return [given.get(symbol) or InstrumentSpec(symbol) for symbol in symbols]

    def describe(self) -> dict[str, object]:
        """The settings as plain JSON values (for summary.json)."""
        return {
            "starting_cash": format(self.starting_cash, "f"),
            "time_in_force": self.time_in_force,
            "sim": json.loads(self.sim.to_json()),
            "instruments": [spec.to_json_obj() for spec in self.instruments],
            "risk": None if self.risk is None else self.risk.model_dump(mode="json"),
            "risk_guards": self.risk is not None and self.risk_guards,
        }
