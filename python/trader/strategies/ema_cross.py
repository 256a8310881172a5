"""`ema_cross`: trend following on a fast/slow EMA crossover, decided at a close, filled at the next open."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Self

from pydantic import Field, model_validator

from trader.indicators import EMA
from trader.strategies.base import Strategy
from trader.strategies.params import Params

if TYPE_CHECKING:
    from trader.strategies.bar import Bar

_ZERO = Decimal(0)


class EmaCrossParams(Params):
    """fast < slow EMA periods; size: a fixed `qty` (default 100) or a `fraction` of equity; long-only?"""

    fast: int = Field(default=10, ge=1)
    slow: int = Field(default=30, ge=2)
    qty: Decimal = Field(default=Decimal(100), gt=0)
    fraction: float | None = Field(default=None, gt=0, le=1)
    long_only: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be below slow ({self.slow})")
        if self.fraction is not None and "qty" in self.model_fields_set:
            raise ValueError("give either qty or fraction, not both")
        return self


class _Cross:
    """One symbol's EMAs and the last fast - slow difference (one dict lookup per bar, not three)."""

    __slots__ = ("diff", "fast", "slow")

    def __init__(self, fast: int, slow: int) -> None:
        self.fast = EMA(fast)
        self.slow = EMA(slow)
        self.diff: float | None = None


class EmaCross(Strategy):
    """Goes long when the fast EMA crosses above the slow one, exits (or reverses) when it crosses below.

    A cross up means fast <= slow at the previous close and fast > slow at this one (down: the mirror).
    """

    name = "ema_cross"
    Params = EmaCrossParams
    params: EmaCrossParams

    def on_start(self) -> None:
        self._state: dict[str, _Cross] = {}

    def on_bar(self, bar: Bar) -> None:
        symbol, p = bar.symbol, self.params
        state = self._state.get(symbol)
        if state is None:
            state = self._state[symbol] = _Cross(p.fast, p.slow)
        close = bar.close
        diff = state.fast.update(close) - state.slow.update(close)
        before = state.diff
        if before is None:  # not two ready values yet: remember the first one once the slow EMA is ready
            if state.slow.ready:
                state.diff = diff
            return
        state.diff = diff
        if before <= 0 < diff:
            held = self.position(symbol)
            if held > 0:
                return
            qty = self._size(bar) + (-held)
            if qty > 0:
                self.buy(qty, symbol, reason=f"EMA{p.fast} crossed above EMA{p.slow}")
        elif before >= 0 > diff:
            held = self.position(symbol)
            if held < 0:
                return
            if not p.long_only:
                qty = self._size(bar) + held
                if qty > 0:
                    self.sell(qty, symbol, reason=f"EMA{p.fast} crossed below EMA{p.slow}: reverse")
            elif held > 0:
                self.close(symbol, reason=f"EMA{p.fast} crossed below EMA{p.slow}")

    def _size(self, bar: Bar) -> Decimal:
        p = self.params
        if p.fraction is None:
            return p.qty
        budget = self.equity() * Decimal(repr(p.fraction))
        return max((budget / Decimal(repr(bar.close))).to_integral_value(ROUND_FLOOR), _ZERO)
