"""Stress scenario builders: real sample bars with an injected shock or gap, strategies that press against
the limits, a SimVenue with seeded faults, and a guarded replay (risk, SAFE_MODE, breaker, emergency
actions) over the embedded gateway for what the engine does not wire yet."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

import numpy as np

from trader import Strategy
from trader.data import Bars
from trader.errors import TraderError
from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import InstrumentSpec, SimSettings
from trader.indicators import ATR
from trader.journal import Journal
from trader.models import Fill, OrderDecision
from trader.portfolio import Portfolio
from trader.risk import (
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    GuardStatus,
    Holding,
    MarketState,
    PortfolioState,
    RecoveryRefusedError,
    RiskConfig,
    RiskManager,
    SafeModeState,
    price_units,
)
from trader.risk.emergency import EmergencyActions, EmergencyReport
from trader.risk.safe_mode import assess, day_key
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


class Accumulate(Strategy):
    """Asks for far more than risk allows on every bar from `start` on (or once, when `once`): risk decides
    the size, so the book is pressed against the limits when the shock comes. With `protect`, every entry
    fill gets a stop order resting at the venue at the stop risk sized it against (2 ATR under the
    decision's close, the same streaming ATR the risk gate reads)."""

    name = "accumulate"

    def __init__(self, qty: Decimal, *, start: int = 20, protect: bool = False, once: bool = False) -> None:
        super().__init__()
        self.qty, self.start, self.protect, self.once = qty, start, protect, once
        self.atr = ATR(14)
        self.planned: dict[str, Decimal] = {}
        """Entry order id -> the stop price planned for it."""
        self.stops: dict[str, str] = {}
        """Entry order id -> the id of its resting stop order."""

    def on_bar(self, bar: Bar) -> None:
        self.atr.update(bar.high, bar.low, bar.close)
        if bar.index < self.start or (self.once and self.planned):
            return
        order_id = self.submit("buy", self.qty, confidence=1.0, reason="accumulate")
        if self.atr.ready:
            self.planned[order_id] = price_units(bar.close) - 2 * price_units(self.atr.value)

    def on_fill(self, fill: Fill) -> None:
        planned = self.planned.get(fill.client_order_id)
        if not self.protect or planned is None or fill.side.value != "buy":
            return
        stop = planned.quantize(Decimal("0.01"), rounding=ROUND_CEILING)  # on the tick, never looser
        self.stops[fill.client_order_id] = self.submit(
            "sell", fill.qty, order_type="stop", stop_price=stop, reason="protective stop"
        )


@dataclass
class GuardedReplay:
    """Replays bars through the embedded gateway with the whole risk stack in the loop: each bar the venue
    matches, fills go to the ledger, SAFE_MODE and the breaker look at the account, a trip's actions are
    carried out (cancel, flatten) through EmergencyActions, then a buy of `buy_qty` is judged by risk.

    This is the wiring the backtest engine's RiskGate does not have yet (it passes no GuardStatus)."""

    bars: Bars
    config: RiskConfig
    journal: Journal
    sim: SimSettings
    buy_qty: Decimal
    start: int = 20
    cash: Decimal = Decimal(100_000)
    acknowledge_as: str | None = None
    """Who acknowledges a trip as soon as recovery is allowed (None: nobody, the halt stands)."""
    portfolio: Portfolio = field(init=False)
    reports: list[tuple[int, EmergencyReport]] = field(default_factory=list)
    safe: SafeModeState = field(default_factory=SafeModeState)
    breaker: BreakerState = field(default_factory=BreakerState)
    trips: list[int] = field(default_factory=list)
    recoveries: list[int] = field(default_factory=list)
    gateway_failures: int = 0
    final_positions: dict[str, Decimal] = field(default_factory=dict)
    final_working: Decimal = Decimal(0)
    """Buy quantity still in flight at the end (it may yet fill)."""
    _day: str = ""
    _day_start: Decimal = Decimal(0)
    _day_open: float = 0.0
    _hwm: Decimal = Decimal(0)
    emergency_attempts: int = 10
    """Calls EmergencyActions makes per order before leaving it to a person."""
    _working: set[str] = field(default_factory=set)
    _calls: deque[bool] = field(default_factory=lambda: deque(maxlen=50))
    """Whether each of the last 50 order calls to the gateway failed (the breaker's API error rate)."""

    def run(self) -> Portfolio:
        """Replay every bar; returns the ledger."""
        bars, symbol = self.bars, self.bars.symbol
        self.portfolio = Portfolio(self.cash)
        self._hwm = self.cash
        manager, guard = RiskManager(self.config), EmergencyCircuitBreaker(self.config)
        with EmbeddedGateway(instruments=[InstrumentSpec(symbol)], sim=self.sim) as gateway:
            actions, atr = (
                EmergencyActions(gateway, self.journal, max_attempts=self.emergency_attempts),
                ATR(14),
            )
            prev_close = float(bars.close[0])
            for i in range(len(bars)):
                now, ts = stamp(bars, i), int(bars.ts[i])
                o, h, lo, c, v = (
                    float(x[i]) for x in (bars.open, bars.high, bars.low, bars.close, bars.volume)
                )
                for event in gateway.on_bar(symbol, ts, o, h, lo, c, v):
                    if event.fill is not None:
                        fill = EmbeddedGateway.to_fill(event.fill)
                        self.journal.append("fill", fill, ts=now)
                        self.portfolio.apply_fill(fill)
                self.portfolio.mark(ts, {symbol: c})
                atr.update(h, lo, c)
                book = self._book(now, Decimal(repr(c)), prev_close, self._pending(gateway))
                self._guard(guard, actions, book, now, c, i)
                prev_close = c
                if i >= self.start and atr.ready:
                    self._decide(manager, gateway, book, now, price_units(atr.value), i)
            self.final_positions = gateway.positions()
            self.final_working = self._working_qty(gateway)
        return self.portfolio

    def _working_qty(self, gateway: EmbeddedGateway) -> Decimal:
        """Buy quantity still working at the venue (every order here is a buy of the one symbol)."""
        working = Decimal(0)
        for order_id in sorted(self._working):
            view = gateway.core.order(order_id)
            if view is None or view.status not in {"new", "accepted", "partially_filled"}:
                self._working.discard(order_id)
            else:
                working += Decimal(view.quantity) - Decimal(view.filled_quantity)
        return working

    def _pending(self, gateway: EmbeddedGateway) -> dict[str, Decimal]:
        working = self._working_qty(gateway)
        return {self.bars.symbol: working} if working else {}

    def _book(
        self, now: datetime, price: Decimal, prev_close: float, pending: dict[str, Decimal]
    ) -> PortfolioState:
        """The account as risk sees it, with the day's and the all-time reference equity."""
        symbol, equity = self.bars.symbol, self.portfolio.equity()
        if day_key(now) != self._day:  # a new UTC day: its loss and its move count from here
            self._day, self._day_start, self._day_open = day_key(now), equity, prev_close
        self._hwm = max(self._hwm, equity)
        held = self.portfolio.position_qty(symbol)
        return PortfolioState(
            equity=equity,
            cash=self.portfolio.cash,
            positions={symbol: Holding(symbol, held, price, price)} if held else {},
            day_start_equity=self._day_start,
            month_start_equity=self.cash,
            high_water_mark=self._hwm,
            pending=pending,
        )

    def _guard(  # noqa: PLR0917 -- one bar's guard inputs
        self,
        guard: EmergencyCircuitBreaker,
        actions: EmergencyActions,
        book: PortfolioState,
        now: datetime,
        close: float,
        i: int,
    ) -> None:
        """SAFE_MODE and the breaker at this bar: acknowledge when allowed, trip and act when triggered."""
        self.safe, events = assess(self.safe, book, now, self.config)
        observation = BreakerObservation(
            now=now,
            equity=book.equity,
            high_water_mark=self._hwm,
            day_moves={self.bars.symbol: close / self._day_open - 1.0},
            api_calls=len(self._calls),
            api_errors=sum(self._calls),
        )
        if self.breaker.tripped and self.acknowledge_as is not None:
            try:  # the operator acknowledges as soon as the breaker lets them
                self.breaker, recovered = guard.acknowledge(self.breaker, self.acknowledge_as, observation)
            except RecoveryRefusedError:
                pass
            else:
                self.recoveries.append(i)
                events += (recovered,)
        self.breaker, trips = guard.observe(self.breaker, observation)
        for event in (*events, *trips):
            self.journal.append(event.journal_kind, event.record(), ts=event.at, actor=event.actor)
        if trips:
            self.trips.append(i)
            self.reports.append((i, actions.execute(guard.actions(), f"trip{i}", now)))

    def _decide(  # noqa: PLR0917 -- one bar's decision inputs
        self,
        manager: RiskManager,
        gateway: EmbeddedGateway,
        book: PortfolioState,
        now: datetime,
        atr: Decimal,
        i: int,
    ) -> None:
        """Ask for `buy_qty` more; risk (with SAFE_MODE and the breaker) decides what, if anything, goes."""
        symbol = self.bars.symbol
        price = book.positions[symbol].mark if symbol in book.positions else None
        prices = {symbol: price if price is not None else Decimal(repr(float(self.bars.close[i])))}
        market = MarketState(as_of=now, prices=prices, atr={symbol: atr})
        decision = OrderDecision(
            client_order_id=f"replay-{i}",
            symbol=symbol,
            side="buy",
            order_type="market",
            time_in_force="gtc",
            qty=self.buy_qty,
            strategy_id="replay",
            confidence=1.0,
            reason="accumulate",
            created_at=now,
        )
        self.journal.append("order_intent", {"client_order_id": decision.client_order_id}, ts=now)
        verdict = manager.evaluate(decision, book, market, now, GuardStatus(self.safe, self.breaker))
        self.journal.append("risk_verdict", verdict.payload(), ts=now)
        if not verdict.allowed:
            return
        self._working.add(decision.client_order_id)
        try:
            view = gateway.submit_order(
                decision.client_order_id, symbol, "buy", verdict.qty, time_in_force="gtc", strategy="replay"
            )
        except TraderError as exc:
            self.gateway_failures += 1
            self._calls.append(True)
            payload = {"client_order_id": decision.client_order_id, "detail": str(exc)}
            self.journal.append("gateway_reject", payload, ts=now)
        else:
            self._calls.append(False)
            payload = {"client_order_id": view.client_order_id, "status": view.status}
            self.journal.append("gateway_ack", payload, ts=now)
