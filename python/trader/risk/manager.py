"""RiskManager.evaluate: one order decision in, one Verdict out, as a pure function of its inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from trader.models.market import Side
from trader.models.orders import OrderDecision
from trader.risk import safe_mode
from trader.risk.breaker import BreakerState
from trader.risk.config import RiskConfig
from trader.risk.limits import BookView, Budgets, money_limits, trades_last_minute
from trader.risk.market_view import MarketView, SymbolLine
from trader.risk.safe_mode import SafeModeState, loss_limit_hit
from trader.risk.scaling import RiskScalingManager
from trader.risk.sizing import floor_to_lot, kelly, scaled_fraction, streak_multiplier
from trader.risk.state import MarketState, PortfolioState, TradeStats
from trader.risk.verdict import Action, ReasonCode, Verdict

_ZERO = Decimal(0)
_ONE = Decimal(1)
_NANO = 1_000_000_000
_NANO_STEP = Decimal("1E-9")
# Enum members bound once: looking one up costs as much as a Decimal multiplication on this path.
_BUY = Side.BUY
_APPROVE, _RESIZE, _REJECT = Action.APPROVE, Action.RESIZE, Action.REJECT
_SIZED_BY_RISK = ReasonCode.SIZED_BY_RISK
_REDUCE_ONLY = ReasonCode.REDUCE_ONLY
_MISSING_MARKET_DATA = ReasonCode.MISSING_MARKET_DATA
_NEW_SYMBOL = ReasonCode.NEW_SYMBOL
_CAPITAL_STEP = ReasonCode.CAPITAL_STEP
_BELOW_LOT = ReasonCode.BELOW_LOT
_LOT_ROUNDING = ReasonCode.LOT_ROUNDING
_ONLY_REDUCING = (ReasonCode.REDUCE_ONLY,)
_WITHIN_LIMITS = (ReasonCode.WITHIN_LIMITS,)
_NEGATIVE_EDGE = (ReasonCode.NEGATIVE_EDGE,)
_SIZE_CAPS = frozenset({ReasonCode.SIZED_BY_RISK, ReasonCode.TRADE_LIMIT})
"""The caps that say how big one trade is (as opposed to how much the book may hold)."""

Gate = tuple[ReasonCode, str]
"""A gate that refuses new risk outright: its reason code and what it saw."""


@dataclass(frozen=True, slots=True)
class GuardStatus:
    """The protective modes in force: SAFE_MODE and the emergency breaker (both closed by default)."""

    safe_mode: SafeModeState = field(default_factory=SafeModeState)
    breaker: BreakerState = field(default_factory=BreakerState)


_NORMAL = GuardStatus()


class RiskManager:
    """Sizes and checks order decisions against a RiskConfig. Journaling the verdicts is the caller's job."""

    def __init__(self, config: RiskConfig, scaling: RiskScalingManager | None = None) -> None:
        self._config = config
        self.scaling = scaling
        """Progression scaling (capital step, new symbols); None sizes against the whole equity."""
        self._stale = timedelta(seconds=config.breaker.stale_data_seconds)
        """The age at which market data is stale (the same test as the age in seconds, without the float)."""
        self._rate_limit = config.limits.trade_rate_limit
        self._view: BookView | None = None
        self._market: MarketView | None = None
        self._lots: dict[str, Decimal] = {}
        # What the last snapshots shared, remembered by value or by identity (all of it is frozen): the live
        # loop builds a fresh snapshot per decision, mostly at the same equity and with the same record.
        self._budgets: tuple[Decimal, Budgets] | None = None
        self._record: tuple[TradeStats, tuple[float | None, float]] | None = None
        # The snapshot-wide gates of the last (view, status, now) asked: every decision on one snapshot at
        # one instant shares them.
        self._gated: tuple[BookView, GuardStatus, datetime, Gate | None, Gate | None] | None = None

    @property
    def config(self) -> RiskConfig:
        """The configuration (fixed: what the manager remembers per snapshot is worked out from it)."""
        return self._config

    def _book(self, portfolio: PortfolioState, market: MarketState) -> BookView:
        view, scaling = self._view, self.scaling
        equity = portfolio.equity if scaling is None else scaling.effective_equity(portfolio.equity)
        # Reused for the same snapshot, unless the capital step moved (a promotion or a demotion).
        if (
            view is not None
            and view.portfolio is portfolio
            and view.market is market
            and view.equity == equity
        ):
            return view
        config, budgets, record, stats = self._config, self._budgets, self._record, portfolio.stats
        if budgets is None or budgets[0] != equity:
            budgets = self._budgets = (equity, money_limits(config, equity))
        if record is None or record[0] is not stats:
            sizing = config.sizing
            record = self._record = (stats, (kelly(stats, sizing), streak_multiplier(stats, sizing)))
        view = self._view = BookView(portfolio, market, config, equity, budgets=budgets[1], record=record[1])
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
        symbol = decision.symbol
        price = market.prices.get(symbol)
        if price is None or price <= _ZERO:
            why = f"no usable price for {symbol} (got {price})"
            requested = _ZERO if decision.qty is None else decision.qty
            return _reject(decision, requested, (_MISSING_MARKET_DATA,), why)
        lot = self._lots.get(symbol)
        if lot is None:
            lot = self._lots[symbol] = self._config.sizing.lot_for(symbol)
        qty = decision.qty
        if qty is None:
            assert decision.notional is not None  # OrderShape guarantees exactly one of qty / notional
            requested = floor_to_lot(decision.notional / price, lot)
        else:
            requested = qty
        # Split into the part that closes an opposite position and the part that adds risk on top of
        # `base`, the size already held in the order's direction.
        direction = 1 if decision.side is _BUY else -1
        holding = portfolio.positions.get(symbol)
        held = _ZERO if holding is None else holding.qty
        pending = portfolio.pending
        working = pending.get(symbol) if pending else None
        if working:
            closing, base = _with_working(requested, held, working, direction)
            opening = requested - closing
        elif held < _ZERO if direction > 0 else held > _ZERO:  # held the other way: a close first
            size = abs(held)
            closing = size if size < requested else requested  # min(), spelled out as it is cheaper
            opening, base = requested - closing, _ZERO
        else:
            closing, opening, base = _ZERO, requested, abs(held)
        if opening == _ZERO:
            return _verdict(decision, requested, closing, _ONLY_REDUCING)
        view = self._book(portfolio, market)
        gated = self._gated
        if gated is None or gated[0] is not view or gated[1] is not status or gated[2] != now:
            refused, rate = self._gates(view, now, status)
            gated = self._gated = (view, status, now, refused, rate)
        lines = self._market
        if lines is None or lines.market is not market:
            lines = self._market = MarketView(market, self._config)
        line = lines.line(symbol)
        blocked = gated[3]
        if blocked is None and line is not None:
            blocked = gated[4]
            if blocked is None:
                hit = lines.correlated(symbol, direction, portfolio)
                if hit is None:
                    return self._size(
                        decision, view, line, price, lot, requested, closing, opening, base, direction
                    )
                why = f"correlation {hit[1]:.2f} with held {hit[0]} adds to its risk"
                blocked = ReasonCode.CORRELATION_GATE, why
        if blocked is None:
            blocked = _MISSING_MARKET_DATA, f"no ATR for {symbol} to place a stop"
        return _cut_to_closing(decision, requested, closing, (blocked[0],), blocked[1])

    def _gates(self, view: BookView, now: datetime, status: GuardStatus) -> tuple[Gate | None, Gate | None]:
        """The gates that hold for the whole snapshot at `now`: the first of breaker, SAFE_MODE, stale data
        and no equity that refuses new risk; and the trade rate's refusal (checked after the symbol's ATR)."""
        config, portfolio = self._config, view.portfolio
        breaker = status.breaker
        if breaker.tripped and breaker.trigger is not None:
            return (
                ReasonCode.BREAKER_OPEN,
                f"the emergency breaker tripped on {breaker.trigger.kind.value}",
            ), None
        # The period bookkeeping only matters when a loss limit is hit.
        guarded = status.safe_mode.active or loss_limit_hit(portfolio, config)
        if guarded and safe_mode.in_force(status.safe_mode, portfolio, now, config):
            return (ReasonCode.SAFE_MODE, "SAFE_MODE is on after the loss limit: reduce-only"), None
        lag = now - view.market.as_of
        if lag >= self._stale:
            return (ReasonCode.STALE_DATA, f"market data is {lag.total_seconds():.0f} s old"), None
        if portfolio.equity <= _ZERO:
            return (ReasonCode.NO_EQUITY, f"equity is {portfolio.equity:f}"), None
        recent = trades_last_minute(portfolio.recent_trades, now)
        if recent + 1 >= self._rate_limit:
            return None, (ReasonCode.TRADE_RATE_LIMIT, f"{recent} trades in the last minute")
        return None, None

    def _size(  # noqa: PLR0917 -- the split's parts passed flat: a tuple per decision costs more
        self,
        decision: OrderDecision,
        view: BookView,
        line: SymbolLine,
        price: Decimal,
        lot: Decimal,
        requested: Decimal,
        closing: Decimal,
        opening: Decimal,
        base: Decimal,
        direction: int,
    ) -> Verdict:
        """Cut the new-risk part to the tightest of risk sizing and the limits, then to the lot."""
        _, risk_to_value, _, volatility_scale, long_stop, short_stop = line
        full_kelly, streak = view.record
        fraction = scaled_fraction(
            decision.confidence, full_kelly, streak * volatility_scale, self._config.sizing
        )
        if fraction <= 0:
            return _cut_to_closing(decision, requested, closing, _NEGATIVE_EDGE)
        # The fraction is a statistic (a float); taken to 1e-9 and made exact before it sizes anything.
        risk_cap = view.equity * int(fraction * _NANO) * _NANO_STEP * risk_to_value
        scaling, scale = self.scaling, _ONE
        if scaling is not None:
            scale = scaling.symbol_multiplier(decision.symbol)
            if scale < 1:  # a newly added symbol: its risk and per-trade caps shrink
                risk_cap *= scale
        limit_room, limit_codes = view.room(decision.symbol, base, scale, line)
        wanted = opening * price
        # min(wanted, risk_cap, limit_room) spelled out (it is cheaper): the first of equal caps.
        room = risk_cap if risk_cap < wanted else wanted
        room = limit_room if limit_room < room else room
        # Only the tightest limit(s) decided the size; looser ones that also sit below the request are not
        # reasons for this quantity.
        binding: list[ReasonCode] = []
        if room < wanted:
            if risk_cap == room:
                binding.append(_SIZED_BY_RISK)
            if limit_room == room:
                binding.extend(limit_codes)
            if scaling is not None:
                if scale < 1 and not _SIZE_CAPS.isdisjoint(binding):
                    binding.append(_NEW_SYMBOL)
                if view.equity < view.portfolio.equity:
                    binding.append(_CAPITAL_STEP)
        allowed = room / price if binding else opening
        new = floor_to_lot(allowed, lot)
        if new > _ZERO and new * price > room:  # the division rounded up across a lot boundary
            new -= lot
        if new <= _ZERO:
            binding.append(_BELOW_LOT)
            return _cut_to_closing(decision, requested, closing, tuple(binding))
        if new < allowed:
            binding.append(_LOT_ROUNDING)
        stop = long_stop if direction > 0 else short_stop
        codes = tuple(binding) if binding else _WITHIN_LIMITS
        return _verdict(decision, requested, closing + new, codes, stop=stop)


def _with_working(
    requested: Decimal, held: Decimal, working: Decimal, direction: int
) -> tuple[Decimal, Decimal]:
    """The closing part and the base of an order whose symbol has orders still working. The closing part
    is still measured against the position held (an exit passes even with a stop resting at the venue),
    but for the limits, working orders going the order's way count as filled: they are held, and so is
    any closing they already cover (it would open new risk once they fill). Working orders going the
    other way are not counted on."""
    closing = min(requested, abs(held)) if held * direction < 0 else _ZERO
    ahead = max(_ZERO, direction * working)
    return closing, max(_ZERO, direction * held, direction * (held + working)) + min(closing, ahead)


def _cut_to_closing(
    decision: OrderDecision,
    requested: Decimal,
    closing: Decimal,
    codes: tuple[ReasonCode, ...],
    why: str = "",
) -> Verdict:
    if closing > _ZERO:
        detail = f"{why}; the reducing part always passes" if why else ""
        return _verdict(decision, requested, closing, (_REDUCE_ONLY, *codes), detail)
    return _reject(decision, requested, codes, why)


def _verdict(
    decision: OrderDecision,
    requested: Decimal,
    qty: Decimal,
    codes: tuple[ReasonCode, ...],
    why: str = "",
    *,
    stop: Decimal | None = None,
) -> Verdict:
    notional = decision.qty is None
    action = _APPROVE if qty == requested and not notional else _RESIZE
    return Verdict(
        decision.client_order_id,
        decision.symbol,
        decision.side,
        action,
        qty,
        requested,
        codes,
        why,
        stop,
        notional,
    )


def _reject(
    decision: OrderDecision, requested: Decimal, codes: tuple[ReasonCode, ...], why: str = ""
) -> Verdict:
    return Verdict(
        decision.client_order_id, decision.symbol, decision.side, _REJECT, _ZERO, requested, codes, why
    )
