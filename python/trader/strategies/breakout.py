"""`breakout`: buy a close above the N-bar high on heavy volume; exit on an ATR trailing stop."""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from trader.indicators import ATR
from trader.strategies.base import Strategy
from trader.strategies.params import Params

if TYPE_CHECKING:
    from trader.strategies.bar import Bar


class BreakoutParams(Params):
    """Lookback of the high, the volume multiple and its average window, the ATR trail, a fixed quantity."""

    lookback: int = Field(default=20, ge=1)
    volume_mult: float = Field(default=2.0, gt=0)
    volume_period: int = Field(default=20, ge=1)
    atr_period: int = Field(default=14, ge=1)
    atr_mult: float = Field(default=3.0, gt=0)
    qty: Decimal = Field(default=Decimal(100), gt=0)


class _State:
    __slots__ = ("atr", "highs", "trail", "volumes")

    def __init__(self, p: BreakoutParams) -> None:
        self.highs: deque[float] = deque(maxlen=p.lookback)
        self.volumes: deque[float] = deque(maxlen=p.volume_period)
        self.atr = ATR(p.atr_period)
        self.trail: float | None = None


class Breakout(Strategy):
    """Long-only: enter when the close tops the previous `lookback` highs with volume at least
    `volume_mult` x the average of the previous `volume_period` bars; exit when a close falls below the
    trailing stop (highest close since entry - `atr_mult` x ATR), checked at each close.
    """

    name = "breakout"
    Params = BreakoutParams
    params: BreakoutParams

    def on_start(self) -> None:
        self._state: dict[str, _State] = {}

    def on_bar(self, bar: Bar) -> None:
        symbol, p = bar.symbol, self.params
        state = self._state.get(symbol)
        if state is None:
            state = self._state[symbol] = _State(p)
        atr = state.atr.update(bar.high, bar.low, bar.close)
        if self.position(symbol) > 0:
            if state.atr.ready:
                level = bar.close - p.atr_mult * atr
                state.trail = level if state.trail is None else max(state.trail, level)
            if state.trail is not None and bar.close < state.trail:
                self.close(symbol, reason=f"close {bar.close} below the ATR trail {state.trail:.4f}")
                state.trail = None
        elif self._breaks_out(bar, state):
            self.buy(p.qty, symbol, reason=f"close above the {p.lookback}-bar high on heavy volume")
        state.highs.append(bar.high)
        state.volumes.append(bar.volume)

    def _breaks_out(self, bar: Bar, state: _State) -> bool:
        p = self.params
        if len(state.highs) < p.lookback or len(state.volumes) < p.volume_period:
            return False
        average = sum(state.volumes) / len(state.volumes)
        return bar.close > max(state.highs) and bar.volume >= p.volume_mult * average
