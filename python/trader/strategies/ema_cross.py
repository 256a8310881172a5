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


class EmaCross(Strategy):
    """Goes long when the fast EMA crosses above the slow one, exits (or reverses) when it crosses below.

    A cross up means fast <= slow at the previous close and fast > slow at this one (down: the mirror).
    """

    name = "ema_cross"
    Params = EmaCrossParams
    params: EmaCrossParams

    def on_start(self) -> None:
        self._fast: dict[str, EMA] = {}
        self._slow: dict[str, EMA] = {}
        self._diff: dict[str, float | None] = {}

    def on_bar(self, bar: Bar) -> None:
        symbol, p = bar.symbol, self.params
        fast = self._fast.get(symbol)
        if fast is None:
            fast = self._fast[symbol] = EMA(p.fast)
            self._slow[symbol] = EMA(p.slow)
        slow = self._slow[symbol]
        fast_value = fast.update(bar.close)
        slow_value = slow.update(bar.close)
        if not slow.ready:
            return
        diff = fast_value - slow_value
        before = self._diff.get(symbol)
        self._diff[symbol] = diff
        if before is None:
            return
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
