"""What risk says about one order decision: approve, resize or reject, with reason codes and a sentence."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from trader.models.market import Side


class Action(StrEnum):
    """The outcome of a risk evaluation."""

    APPROVE = "approve"
    RESIZE = "resize"
    REJECT = "reject"


class ReasonCode(StrEnum):
    """Why a verdict came out as it did; several may apply to one verdict."""

    WITHIN_LIMITS = "within_limits"
    """Every limit holds for the full requested quantity."""
    REDUCE_ONLY = "reduce_only"
    """The (remaining) order only reduces a position, so the new-risk limits do not apply to it."""
    LOT_ROUNDING = "lot_rounding"
    """The new-risk quantity was rounded down to the instrument's lot."""
    SIZED_BY_RISK = "sized_by_risk"
    """Cut to the quantity the fixed-fractional / Kelly / streak / volatility sizing allows."""
    TRADE_LIMIT = "trade_limit"
    """Cut to the largest order notional allowed per trade (fraction of equity)."""
    TOTAL_RISK_LIMIT = "total_risk_limit"
    """Cut so the equity at risk to the stops across all positions stays within its limit."""
    ASSET_LIMIT = "asset_limit"
    """Cut so one asset's market value stays within its fraction of equity."""
    SECTOR_LIMIT = "sector_limit"
    """Cut so one sector's gross market value stays within its fraction of equity."""
    LEVERAGE_LIMIT = "leverage_limit"
    """Cut so gross exposure stays within the leverage limit."""
    CORRELATION_GATE = "correlation_gate"
    """Refused: adds risk in the same direction as a held position it is highly correlated with."""
    TRADE_RATE_LIMIT = "trade_rate_limit"
    """Refused: too many trades within the last minute."""
    SAFE_MODE = "safe_mode"
    """Refused new risk: the daily or monthly loss limit put the account in reduce-only mode."""
    BREAKER_OPEN = "breaker_open"
    """Refused new risk: the emergency circuit breaker has tripped and is not yet recovered."""
    STALE_DATA = "stale_data"
    """Refused new risk: the market data is older than allowed (fail closed)."""
    MISSING_MARKET_DATA = "missing_market_data"
    """Refused: no price (or, for new risk, no ATR) for the symbol."""
    NO_EQUITY = "no_equity"
    """Refused new risk: equity is zero or negative."""
    NEGATIVE_EDGE = "negative_edge"
    """Refused new risk: the strategy's record gives a Kelly fraction of zero or less."""
    BELOW_LOT = "below_lot"
    """Refused: after the limits, less than one lot of new risk was left."""
    NEW_SYMBOL = "new_symbol"
    """The symbol was added recently: its first trades are sized at a reduced multiple."""
    CAPITAL_STEP = "capital_step"
    """The limits were taken on the progression's capital step, which is below the account's equity."""


_PHRASES: dict[ReasonCode, str] = {
    ReasonCode.WITHIN_LIMITS: "within every limit",
    ReasonCode.REDUCE_ONLY: "the reducing part always passes",
    ReasonCode.LOT_ROUNDING: "rounded down to the lot",
    ReasonCode.SIZED_BY_RISK: "cut by risk sizing to the ATR stop",
    ReasonCode.TRADE_LIMIT: "cut by the per-trade notional limit",
    ReasonCode.TOTAL_RISK_LIMIT: "cut by the total-risk limit",
    ReasonCode.ASSET_LIMIT: "cut by the one-asset limit",
    ReasonCode.SECTOR_LIMIT: "cut by the one-sector limit",
    ReasonCode.LEVERAGE_LIMIT: "cut by the leverage limit",
    ReasonCode.CORRELATION_GATE: "correlated with a held position",
    ReasonCode.TRADE_RATE_LIMIT: "too many trades in the last minute",
    ReasonCode.SAFE_MODE: "SAFE_MODE is on: reduce-only",
    ReasonCode.BREAKER_OPEN: "the emergency breaker has tripped",
    ReasonCode.STALE_DATA: "market data is stale",
    ReasonCode.MISSING_MARKET_DATA: "market data is missing",
    ReasonCode.NO_EQUITY: "no equity",
    ReasonCode.NEGATIVE_EDGE: "the strategy's record shows no edge",
    ReasonCode.BELOW_LOT: "less than one lot of new risk left",
    ReasonCode.NEW_SYMBOL: "a newly added symbol trades at reduced size",
    ReasonCode.CAPITAL_STEP: "sized on the progression's capital step",
}


# Rendering reads these per verdict: an enum's .value costs as much as formatting a Decimal.
_SIDES = {side: side.value for side in Side}
_ACTIONS = {action: action.value for action in Action}
_APPROVE, _REJECT = Action.APPROVE, Action.REJECT


@lru_cache(maxsize=1024)
def _codes(reasons: tuple[ReasonCode, ...]) -> tuple[str, ...]:
    """The reason codes as strings (few distinct tuples occur, so each is worked out once)."""
    return tuple(code.value for code in reasons)


@lru_cache(maxsize=1024)
def _why(reasons: tuple[ReasonCode, ...]) -> str:
    """The reasons as one clause."""
    return "; ".join(_PHRASES[code] for code in reasons)


class Verdict(NamedTuple):
    """The risk verdict on one decision. `qty` is the quantity that may be sent (0 when rejected).

    A NamedTuple rather than a frozen dataclass, and the sentence rendered when read rather than built:
    both keep evaluate() inside its 20 us budget (a frozen dataclass costs three times as much to build).

    For a notional decision `requested_qty` is the notional converted at the last price and rounded down
    to the lot; the action is then RESIZE and the caller sends `qty` as a quantity.
    """

    client_order_id: str
    symbol: str
    side: Side
    action: Action
    qty: Decimal
    requested_qty: Decimal
    reasons: tuple[ReasonCode, ...]
    detail: str = ""
    """What a refusing gate saw (its measured value); empty when the reason codes say it all."""
    stop_price: Decimal | None = None
    """Initial protective stop for the new-risk part (entry -/+ ATR multiple), None when nothing new."""
    from_notional: bool = False

    @property
    def allowed(self) -> bool:
        """Whether anything may be sent."""
        return self.action is not _REJECT

    @property
    def message(self) -> str:
        """One sentence for a person: what was decided and why."""
        why = self.detail or _why(self.reasons)
        side, action = _SIDES[self.side], self.action
        if action is _APPROVE:
            return f"approved {side} {self.qty:f} {self.symbol}: {why}"
        if action is _REJECT:
            return f"rejected {side} {self.requested_qty:f} {self.symbol}: {why}"
        if self.from_notional:
            return f"sized a notional order as {side} {self.qty:f} {self.symbol}: {why}"
        return f"resized {side} {self.symbol} from {self.requested_qty:f} to {self.qty:f}: {why}"

    def payload(self) -> dict[str, Any]:
        """The verdict as a journal payload (exact decimals, codes as strings, the sentence)."""
        return {
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": _SIDES[self.side],
            "action": _ACTIONS[self.action],
            "qty": self.qty,
            "requested_qty": self.requested_qty,
            "reasons": list(_codes(self.reasons)),
            "message": self.message,
            "stop_price": self.stop_price,
        }
