"""RiskManager.evaluate: one order decision in, one Verdict out, as a pure function of its inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from trader.models.market import Side
from trader.models.orders import OrderDecision
from trader.risk import safe_mode
from trader.risk.breaker import BreakerState
from trader.risk.config import RiskConfig
from trader.risk.limits import BookView
from trader.risk.safe_mode import SafeModeState
from trader.risk.scaling import RiskScalingManager
from trader.risk.sizing import floor_to_lot, risk_fraction
from trader.risk.state import MarketState, PortfolioState
from trader.risk.verdict import Action, ReasonCode, Verdict

_ZERO = Decimal(0)
_ONE = Decimal(1)
_SIZE_CAPS = frozenset({ReasonCode.SIZED_BY_RISK, ReasonCode.TRADE_LIMIT})
"""The caps that say how big one trade is (as opposed to how much the book may hold)."""


@dataclass(frozen=True, slots=True)
class GuardStatus:
    """The protective modes in force: SAFE_MODE and the emergency breaker (both closed by default)."""

    safe_mode: SafeModeState = field(default_factory=SafeModeState)
    breaker: BreakerState = field(default_factory=BreakerState)


_NORMAL = GuardStatus()


class _Order(NamedTuple):
    """The decision split into the part that closes an opposite position and the part that adds risk."""

    decision: OrderDecision
    price: Decimal
    requested: Decimal
    closing: Decimal
    opening: Decimal
    base: Decimal
    """Size already held in the order's direction (0 when the order flips or opens)."""
    direction: int


class RiskManager:
    """Sizes and checks order decisions against a RiskConfig. Journaling the verdicts is the caller's job."""

    def __init__(self, config: RiskConfig, scaling: RiskScalingManager | None = None) -> None:
        self.config = config
        self.scaling = scaling
        """Progression scaling (capital step, new symbols); None sizes against the whole equity."""
        self._view: BookView | None = None
        self._lots: dict[str, Decimal] = {}

    def _lot(self, symbol: str) -> Decimal:
        lot = self._lots.get(symbol)
        if lot is None:
            lot = self._lots[symbol] = self.config.sizing.lot_for(symbol)
        return lot

    def _book(self, portfolio: PortfolioState, market: MarketState) -> BookView:
        view, scaling = self._view, self.scaling
        equity = None if scaling is None else scaling.effective_equity(portfolio.equity)
        # Reused for the same snapshot, unless the capital step moved (a promotion or a demotion).
        if (
            view is not None
            and view.portfolio is portfolio
            and view.market is market
            and (equity is None or view.equity == equity)
        ):
            return view
        view = self._view = BookView(portfolio, market, self.config, equity)
        return view

    def evaluate(
        self,
        decision: OrderDecision,
        portfolio: PortfolioState,
        market: MarketState,
        now: datetime,
        status: GuardStatus = _NORMAL,
    ) -> Verdict:
        """Approve, resize or reject `decision` at `now`.

        The reducing part of an order (up to the opposite position's size) always passes; only the part
        that adds risk is sized and checked, and it is cut, never grown, to the largest quantity that
        fits every limit, rounded down to the instrument's lot.
        """
        price = market.prices.get(decision.symbol)
        if price is None or price <= 0:
            requested = _ZERO if decision.qty is None else decision.qty
            why = f"no usable price for {decision.symbol} (got {price})"
            return _reject(decision, requested, (ReasonCode.MISSING_MARKET_DATA,), why)
        order = _split(decision, price, portfolio, self._lot(decision.symbol))
        if order.opening == 0:
            return _verdict(order, order.closing, (ReasonCode.REDUCE_ONLY,))
        blocked = self._blocked(order, portfolio, market, now, status)
        if blocked is not None:
            return _cut_to_closing(order, (blocked[0],), blocked[1])
        return self._size(order, portfolio, market)

    def _blocked(
        self,
        order: _Order,
        portfolio: PortfolioState,
        market: MarketState,
        now: datetime,
        status: GuardStatus,
    ) -> tuple[ReasonCode, str] | None:
        """The first gate that refuses new risk outright, with its sentence."""
        config, symbol = self.config, order.decision.symbol
        view = self._book(portfolio, market)
        if status.breaker.tripped and status.breaker.trigger is not None:
            return (
                ReasonCode.BREAKER_OPEN,
                f"the emergency breaker tripped on {status.breaker.trigger.kind.value}",
            )
        # Loss limits are summed once per snapshot; the period bookkeeping only matters when one is hit.
        guarded = status.safe_mode.active or view.loss_limit_hit
        if guarded and safe_mode.in_force(status.safe_mode, portfolio, now, config):
            return ReasonCode.SAFE_MODE, "SAFE_MODE is on after the loss limit: reduce-only"
        age = (now - market.as_of).total_seconds()
        if age >= config.breaker.stale_data_seconds:
            return ReasonCode.STALE_DATA, f"market data is {age:.0f} s old"
        if portfolio.equity <= 0:
            return ReasonCode.NO_EQUITY, f"equity is {portfolio.equity:f}"
        atr = market.atr.get(symbol)
        if atr is None or atr <= 0:
            return ReasonCode.MISSING_MARKET_DATA, f"no ATR for {symbol} to place a stop"
        recent = view.trades_last_minute(now)
        if recent + 1 >= config.limits.trade_rate_limit:
            return ReasonCode.TRADE_RATE_LIMIT, f"{recent} trades in the last minute"
        hit = view.correlated(symbol, order.direction)
        if hit is not None:
            return (
                ReasonCode.CORRELATION_GATE,
                f"correlation {hit[1]:.2f} with held {hit[0]} adds to its risk",
            )
        return None

    def _size(self, order: _Order, portfolio: PortfolioState, market: MarketState) -> Verdict:
        config, decision = self.config, order.decision
        symbol = decision.symbol
        stop_distance = market.atr[symbol] * config.stops.atr_multiple
        fraction = risk_fraction(
            decision.confidence, portfolio.stats, market.realised_vol.get(symbol), config.sizing
        )
        if fraction <= 0:
            return _cut_to_closing(order, (ReasonCode.NEGATIVE_EDGE,))
        price = order.price
        risk_to_value = price / stop_distance
        view = self._book(portfolio, market)
        # The fraction is a statistic (a float); taken to 1e-9 and made exact before it sizes anything.
        budget = view.equity * Decimal(int(fraction * 1_000_000_000)).scaleb(-9)
        rooms = view.rooms(symbol, market.sector(symbol), order.base * price, risk_to_value)
        caps = ((ReasonCode.SIZED_BY_RISK, budget * risk_to_value), *rooms)
        scaling, scale = self.scaling, _ONE
        if scaling is not None:
            scale = scaling.symbol_multiplier(symbol)
            if scale < 1:  # a newly added symbol: its risk and per-trade caps shrink
                caps = tuple((code, cap * scale if code in _SIZE_CAPS else cap) for code, cap in caps)
        room = order.opening * price
        for _, cap in caps:
            room = min(room, cap)
        # Only the tightest limit(s) decided the size; looser ones that also sit below the request are not
        # reasons for this quantity.
        binding = [code for code, cap in caps if cap == room] if room < order.opening * price else []
        if binding and scaling is not None:
            if scale < 1 and any(code in _SIZE_CAPS for code in binding):
                binding.append(ReasonCode.NEW_SYMBOL)
            if view.equity < portfolio.equity:
                binding.append(ReasonCode.CAPITAL_STEP)
        allowed = room / price if binding else order.opening
        lot = self._lot(symbol)
        opening = floor_to_lot(allowed, lot)
        if opening > 0 and opening * price > room:  # the division rounded up across a lot boundary
            opening -= lot
        if opening <= 0:
            binding.append(ReasonCode.BELOW_LOT)
            return _cut_to_closing(order, tuple(binding))
        if opening < allowed:
            binding.append(ReasonCode.LOT_ROUNDING)
        stop = order.price - order.direction * stop_distance
        codes = tuple(binding) if binding else (ReasonCode.WITHIN_LIMITS,)
        return _verdict(order, order.closing + opening, codes, "", stop if stop > 0 else None)


def _split(decision: OrderDecision, price: Decimal, portfolio: PortfolioState, lot: Decimal) -> _Order:
    if decision.qty is not None:
        requested = decision.qty
    else:
        assert decision.notional is not None  # OrderShape guarantees exactly one of qty / notional
        requested = floor_to_lot(decision.notional / price, lot)
    direction = 1 if decision.side is Side.BUY else -1
    holding = portfolio.positions.get(decision.symbol)
    held = _ZERO if holding is None else holding.qty
    working = portfolio.pending.get(decision.symbol, _ZERO) if portfolio.pending else _ZERO
    if working:
        return _split_with_working(decision, price, requested, held, working, direction)
    if held * direction < 0:
        closing = min(requested, abs(held))
        return _Order(decision, price, requested, closing, requested - closing, _ZERO, direction)
    return _Order(decision, price, requested, _ZERO, requested, abs(held), direction)


def _split_with_working(  # noqa: PLR0917 -- _split's values, for the rarer case
    decision: OrderDecision,
    price: Decimal,
    requested: Decimal,
    held: Decimal,
    working: Decimal,
    direction: int,
) -> _Order:
    """_split when orders of the symbol are still working. The closing part is still measured against the
    position held (an exit passes even with a stop resting at the venue), but for the limits, working
    orders going the order's way count as filled: they are held, and so is any closing they already cover
    (it would open new risk once they fill). Working orders going the other way are not counted on."""
    closing = min(requested, abs(held)) if held * direction < 0 else _ZERO
    ahead = max(_ZERO, direction * working)
    base = max(_ZERO, direction * held, direction * (held + working)) + min(closing, ahead)
    return _Order(decision, price, requested, closing, requested - closing, base, direction)


def _cut_to_closing(order: _Order, codes: tuple[ReasonCode, ...], why: str = "") -> Verdict:
    if order.closing > 0:
        detail = f"{why}; the reducing part always passes" if why else ""
        return _verdict(order, order.closing, (ReasonCode.REDUCE_ONLY, *codes), detail)
    return _reject(order.decision, order.requested, codes, why)


def _verdict(
    order: _Order, qty: Decimal, codes: tuple[ReasonCode, ...], why: str = "", stop: Decimal | None = None
) -> Verdict:
    decision = order.decision
    notional = decision.qty is None
    action = Action.APPROVE if qty == order.requested and not notional else Action.RESIZE
    return Verdict(
        decision.client_order_id,
        decision.symbol,
        decision.side,
        action,
        qty,
        order.requested,
        codes,
        why,
        stop,
        notional,
    )


def _reject(
    decision: OrderDecision, requested: Decimal, codes: tuple[ReasonCode, ...], why: str = ""
) -> Verdict:
    return Verdict(
        decision.client_order_id, decision.symbol, decision.side, Action.REJECT, _ZERO, requested, codes, why
    )
