"""Stress scenario builders: real sample bars with an injected crash or gap, a strategy that presses against
the limits, and readers of what the engine journaled (every scenario runs through `run_backtest`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from trader import Strategy
from trader.data import Bars
from trader.strategies import Bar

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def shocked(bars: Bars, at: int, move: float) -> Bars:
    """`bars` with a crash inside bar `at`: it opens at the previous close and closes `move` lower (-0.5 is
    a 50 % fall); every later bar is the real one scaled by (1 + move), so the new level persists."""
    scale = np.ones(len(bars))
    scale[at:] = 1.0 + move
    prev = float(bars.close[at - 1])
    open_, high, low, close = (bars.open * scale, bars.high * scale, bars.low * scale, bars.close * scale)
    open_[at] = high[at] = prev
    low[at] = min(low[at], close[at])
    return _rounded(bars, open_, high, low, close)


def gapped(bars: Bars, at: int, gap: float) -> Bars:
    """`bars` with a gap at bar `at`: it and every later bar are the real ones scaled by (1 + gap), so bar
    `at` opens `gap` away from the previous close with nothing traded in between."""
    scale = np.ones(len(bars))
    scale[at:] = 1.0 + gap
    return _rounded(bars, bars.open * scale, bars.high * scale, bars.low * scale, bars.close * scale)


def _rounded(bars: Bars, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> Bars:
    # Prices on the cent, as a venue quotes them (the gateway refuses prices off its tick).
    cents = [np.round(column, 2) for column in (open_, high, low, close)]
    return Bars(bars.symbol, bars.timeframe, bars.ts, *cents, bars.volume, bars.source, bars.lines)


def stamp(bars: Bars, index: int) -> datetime:
    """The UTC instant of bar `index`."""
    return _EPOCH + timedelta(microseconds=int(bars.ts[index]) // 1_000)


def price(bars: Bars, column: str, index: int) -> Decimal:
    """One price of the bars as the exact decimal the venue saw."""
    return Decimal(repr(float(getattr(bars, column)[index])))


class Accumulate(Strategy):
    """Asks for far more than risk allows at every bar in `when` (from bar 20 on by default): risk decides
    the size, so the book is pressed against the limits when the shock comes."""

    name = "accumulate"

    def __init__(self, qty: Decimal, when: Iterable[int] | None = None) -> None:
        super().__init__()
        self.qty = qty
        self.when = None if when is None else frozenset(when)

    def on_bar(self, bar: Bar) -> None:
        if (bar.index >= 20) if self.when is None else (bar.index in self.when):
            self.submit("buy", self.qty, confidence=1.0, reason="accumulate")


def journal(path: Path) -> list[dict[str, Any]]:
    """The backtest's journal records (kind, ts, payload, ...) in order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def at_stamp(records: list[dict[str, Any]], when: datetime) -> list[dict[str, Any]]:
    """The records journaled at the instant `when`, in order."""
    text = when.isoformat().replace("+00:00", "")
    return [r for r in records if r["ts"].removesuffix("Z").startswith(text)]


def event_of(record: dict[str, Any]) -> str:
    """A record's kind, with its event when it names one (`gateway_reject:flatten_failed`)."""
    event = record["payload"].get("event")
    return f"{record['kind']}:{event}" if event else str(record["kind"])


def resting_stop(records: list[dict[str, Any]], symbol: str, before: datetime) -> tuple[str, Decimal] | None:
    """Risk's stop order resting for `symbol` when bar `before` opened: (its id, its stop price), or None.

    Read from the journal: the last stop order the gateway took before that instant, unless it was
    cancelled or filled since."""
    resting: dict[str, Decimal] = {}
    text = before.isoformat().replace("+00:00", "")
    intents: dict[str, Decimal] = {}
    for record in records:
        if record["ts"].removesuffix("Z") >= text:
            break
        payload, kind = record["payload"], record["kind"]
        order_id = str(payload.get("client_order_id", ""))
        if not order_id.startswith(f"risk-stop-{symbol}-"):
            continue
        if kind == "order_intent":
            intents[order_id] = Decimal(str(payload["stop_price"]))
        elif (
            kind == "gateway_ack" and payload.get("status") in {"accepted", "new"} and "event" not in payload
        ):
            resting[order_id] = intents[order_id]
        elif kind == "fill" or payload.get("status") == "canceled":
            resting.pop(order_id, None)
    if not resting:
        return None
    order_id = max(resting, key=lambda name: int(name.rsplit("-", 1)[1]))
    return order_id, resting[order_id]
