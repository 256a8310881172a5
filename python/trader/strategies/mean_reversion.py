"""`mean_reversion`: buy oversold (RSI low or close under the lower Bollinger band), exit at the mean."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Self

from pydantic import Field, model_validator

from trader.indicators import BBANDS, RSI
from trader.strategies.base import Strategy
from trader.strategies.params import Params

if TYPE_CHECKING:
    from trader.strategies.bar import Bar


class MeanReversionParams(Params):
    """RSI and Bollinger settings, the exit levels, a time stop in bars, and a fixed quantity."""

    rsi_period: int = Field(default=14, ge=2)
    rsi_entry: float = Field(default=30.0, gt=0, lt=100)
    rsi_exit: float = Field(default=50.0, gt=0, lt=100)
    bb_period: int = Field(default=20, ge=2)
    bb_dev: float = Field(default=2.0, gt=0)
    max_bars: int = Field(default=10, ge=1)
    qty: Decimal = Field(default=Decimal(100), gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.rsi_exit <= self.rsi_entry:
            raise ValueError(f"rsi_exit ({self.rsi_exit}) must be above rsi_entry ({self.rsi_entry})")
        return self


class MeanReversion(Strategy):
    """Long-only: enter when RSI < rsi_entry or close < lower band; exit when close >= middle band,
    RSI > rsi_exit, or after `max_bars` bars held (time stop). Decided at the close, filled next open.
    """

    name = "mean_reversion"
    Params = MeanReversionParams
    params: MeanReversionParams

    def on_start(self) -> None:
        self._rsi: dict[str, RSI] = {}
        self._bands: dict[str, BBANDS] = {}
        self._held_bars: dict[str, int] = {}

    def on_bar(self, bar: Bar) -> None:
        symbol, p = bar.symbol, self.params
        rsi = self._rsi.get(symbol)
        if rsi is None:
            rsi = self._rsi[symbol] = RSI(p.rsi_period)
            self._bands[symbol] = BBANDS(p.bb_period, p.bb_dev, p.bb_dev)
        bands = self._bands[symbol]
        strength = rsi.update(bar.close)
        bands.update(bar.close)
        if not (rsi.ready and bands.ready):
            return
        if self.position(symbol) > 0:
            held = self._held_bars[symbol] = self._held_bars.get(symbol, 0) + 1
            if bar.close >= bands.middle:
                self.close(symbol, reason="back at the middle band")
            elif strength > p.rsi_exit:
                self.close(symbol, reason=f"RSI {strength:.1f} above {p.rsi_exit}")
            elif held >= p.max_bars:
                self.close(symbol, reason=f"time stop after {held} bars")
            return
        self._held_bars[symbol] = 0
        if strength < p.rsi_entry:
            self.buy(p.qty, symbol, reason=f"RSI {strength:.1f} below {p.rsi_entry}")
        elif bar.close < bands.lower:
            self.buy(p.qty, symbol, reason="close below the lower band")
