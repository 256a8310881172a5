"""RiskScalingManager: size against the phase's capital step, and at reduced size for newly added symbols.

The capital step caps the equity every sizing budget and limit is a fraction of: an account holding
$100k in micro_live at $1k sizes as if it held $1k. A symbol that joins the universe after trading began
trades at `new_symbol_multiplier` of its size for its first `new_symbol_trades` trades.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from trader.risk.progression_config import ScalingConfig

_ONE = Decimal(1)


class RiskScalingManager:
    """Multipliers on size from the capital step and from how new a symbol is. Not thread-safe: one per
    RiskManager, updated by the loop that owns it."""

    def __init__(
        self,
        config: ScalingConfig,
        capital_limit: Decimal,
        established: Iterable[str] = (),
        trades: Mapping[str, int] | None = None,
    ) -> None:
        if capital_limit <= 0:
            raise ValueError(f"capital_limit must be positive, not {capital_limit}")
        self.config = config
        self._capital = capital_limit
        self._established = frozenset(established)
        self._trades: dict[str, int] = dict(trades or {})
        self.on_trade: Callable[[str, int], None] | None = None
        """Told (symbol, its new count) when a trade of a new symbol is counted, so the owner can keep the
        count (the daemon writes it to the progression's state)."""

    @property
    def capital_limit(self) -> Decimal:
        """The capital the current step may put at stake."""
        return self._capital

    def set_capital_limit(self, capital_limit: Decimal) -> None:
        """Follow a promotion or demotion of the progression."""
        if capital_limit <= 0:
            raise ValueError(f"capital_limit must be positive, not {capital_limit}")
        self._capital = capital_limit

    def effective_equity(self, equity: Decimal) -> Decimal:
        """The equity sizing and limits work from: the account's, capped at the capital step."""
        return min(equity, self._capital)

    def is_new(self, symbol: str) -> bool:
        """Whether `symbol` still trades at reduced size (not established, too few trades yet)."""
        return symbol not in self._established and self._trades.get(symbol, 0) < self.config.new_symbol_trades

    def symbol_multiplier(self, symbol: str) -> Decimal:
        """new_symbol_multiplier for a new symbol, else 1."""
        return self.config.new_symbol_multiplier if self.is_new(symbol) else _ONE

    @property
    def established(self) -> frozenset[str]:
        """The symbols that trade at full size from the start."""
        return self._established

    def trades(self, symbol: str) -> int:
        """Trades of `symbol` counted toward leaving its reduced size."""
        return self._trades.get(symbol, 0)

    def record_trade(self, symbol: str) -> None:
        """Count one (entry) trade of `symbol` toward leaving its reduced size (only a new symbol's count
        matters, so only those are counted and passed to `on_trade`)."""
        if not self.is_new(symbol):
            return
        count = self._trades[symbol] = self._trades.get(symbol, 0) + 1
        if self.on_trade is not None:
            self.on_trade(symbol, count)
