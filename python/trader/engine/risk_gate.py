"""Risk in the backtest: every decision goes through `RiskManager.evaluate` before the gateway sees it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from trader.data import detect_calendar
from trader.engine.resting_stops import RestingStops
from trader.execution.errors import (
    BreakerOpenError,
    RateLimitedError,
    VenueRejectedError,
    VenueUnavailableError,
)
from trader.indicators import ATR
from trader.models import OrderDecision, OrderType, Side, TimeInForce
from trader.models.orders import OPEN_STATUSES
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
    RiskScalingManager,
    SafeModeState,
    Verdict,
    price_units,
)
from trader.risk.api_window import ApiCallWindow
from trader.risk.emergency import EmergencyActions, EmergencyReport
from trader.risk.events import RiskEvent
from trader.risk.safe_mode import assess, day_key, month_key
from trader.risk.staleness import MissingBars
from trader.strategies.order_request import OrderRequest

if TYPE_CHECKING:
    from trader.data import Bars
    from trader.execution.embedded import EmbeddedGateway
    from trader.execution.embedded_config import InstrumentSpec
    from trader.journal import Journal

_ZERO = Decimal(0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
API_FAILURES = (VenueUnavailableError, VenueRejectedError, BreakerOpenError, RateLimitedError)
"""Gateway errors that count against the API error rate: the venue unreachable, refusing, or shed by the
gateway's own breaker or rate limit. Our hard limits and malformed orders are no API failure."""
POLICY_ACTOR = "backtest-policy"
"""Who acknowledges a trip in a backtest under `breaker.backtest_acknowledge = "after_cooldown"`."""


class RiskGate:
    """Feeds `RiskManager` the state it reads: the ledger's book, the last closes and a streaming ATR.

    ATR (Wilder, `atr_period` bars) places the stop the manager sizes against; until it is ready the
    manager refuses new risk (missing market data), exits always pass.

    Once `bind` gives it the run's gateway, every verdict counts the orders still working there. With
    `guards` it also guards the account: `guard` (once per stamp, after the mark) keeps the day's and the
    month's start equity and the high-water mark from the bar clock, moves SAFE_MODE and the
    EmergencyCircuitBreaker, journals their events and carries out a trip's actions; every verdict sees
    SAFE_MODE and the breaker; and risk's stop for each entry rests at the venue as a real stop order,
    trailed every bar (`stops`).

    The breaker reads the book (drawdown, loss streak, day moves), the API error rate of the run's gateway
    calls (`answered`, over `breaker.api_window_seconds` of bar time) and each symbol's missed bars (stale
    data: one symbol stops printing while others go on). In a backtest nobody is there to acknowledge a
    trip: by default new risk stays refused to the end; with `breaker.backtest_acknowledge =
    "after_cooldown"` the run acknowledges it itself (actor `backtest-policy`, journaled) at the first
    stamp after the cooldown where no trigger holds. A trip consumes the loss streak behind it, so
    recovery never waits for a win that a halted account cannot make.
    """

    def __init__(
        self, config: RiskConfig, *, atr_period: int = 14, scaling: RiskScalingManager | None = None
    ) -> None:
        self.manager = RiskManager(config, scaling)
        self.scaling = scaling
        """The progression's scaling (capital step, new symbols) when the run has one; None in a backtest."""
        self._config = config
        self._atr_period = atr_period
        self._atr: dict[str, ATR] = {}
        self._close: dict[str, Decimal] = {}
        self._recent: list[datetime] = []
        self.safe_mode = SafeModeState()
        self.breaker = BreakerState()
        self._breaker = EmergencyCircuitBreaker(config)
        self._gateway: EmbeddedGateway | None = None
        self._journal: Journal | None = None
        self._working: dict[str, tuple[str, int]] = {}
        """Order id -> (symbol, +1 buy / -1 sell) of orders sent and maybe still working."""
        self._day = self._month = ""
        self._day_start: Decimal | None = None
        self._month_start: Decimal | None = None
        self._hwm: Decimal | None = None
        self._last_equity: Decimal | None = None
        self._bar_day: dict[str, str] = {}
        self._prev_day_close: dict[str, float] = {}
        self._day_move: dict[str, float] = {}
        self._last_close: dict[str, float] = {}
        self._trades_seen = 0
        self._losses = 0
        self.reports: list[EmergencyReport] = []
        """What each breaker trip's actions achieved, in order."""
        self.stops: RestingStops | None = None
        self._guarding = False
        self._backtest = False
        self._api = ApiCallWindow(config.breaker.api_window_seconds)
        self._missing = MissingBars((), config.breaker.stale_data_bars)

    def bind(
        self,
        gateway: EmbeddedGateway,
        journal: Journal,
        instruments: Sequence[InstrumentSpec] = (),
        *,
        guards: bool = False,
        series: Sequence[Bars] = (),
        backtest: bool = False,
    ) -> None:
        """Count the orders working at `gateway` in every verdict; with `guards`, also guard the account
        (SAFE_MODE, the breaker, resting stops), journaling to `journal`. `instruments` give the ticks
        stop prices are put on; `series` (the run's bars) the timeframes and calendars stale data is
        judged by. A `backtest` acknowledges trips as `breaker.backtest_acknowledge` says."""
        self._gateway, self._journal, self._backtest = gateway, journal, backtest
        if guards:
            self._guarding = True
            self.stops = RestingStops(self._config.stops, gateway, journal, instruments)
            self.stops.on_call = self.answered
            known = [(b.symbol, b.timeframe, detect_calendar(b)) for b in series if b.timeframe is not None]
            self._missing = MissingBars(known, self._config.breaker.stale_data_bars)

    def answered(self, now: datetime, error: Exception | None = None, status: str = "") -> None:
        """Count one gateway call at `now` toward the API error rate (when guarding): failed when it raised
        one of `API_FAILURES` or the venue answered `rejected`. Other errors (our own limits, a malformed
        order) are not the API failing, and are not counted."""
        if not self._guarding or (error is not None and not isinstance(error, API_FAILURES)):
            return
        self._api.record(now, failed=error is not None or status == "rejected")

    def entered(self, symbol: str, side: str, price: Decimal, stop: Decimal, held_before: Decimal) -> None:
        """An entry filled at `price` with risk's stop at `stop`, `held_before` it: protect it (if bound),
        and count a trade of `symbol` for the scaling when it opened a position (from flat, or flipped),
        so the later fills of one entry order, or adding to the position, are not counted again."""
        scaling = self.scaling
        if scaling is not None and (held_before == 0 or (held_before > 0) != (side == "buy")):
            scaling.record_trade(symbol)
        if self.stops is not None:
            self.stops.entered(symbol, side, price, stop, held_before)

    def observe(self, symbol: str, high: float, low: float, close: float) -> None:
        """Take one closed bar (called by the loop for every bar, before the strategy decides)."""
        atr = self._atr.get(symbol)
        if atr is None:
            atr = self._atr[symbol] = ATR(self._atr_period)
        atr.update(high, low, close)
        self._close[symbol] = Decimal(repr(close))

    def evaluate(
        self, order_id: str, strategy_id: str, request: OrderRequest, portfolio: Portfolio, now: datetime
    ) -> Verdict:
        """The manager's verdict on an order decided at `now`."""
        decision = OrderDecision(
            client_order_id=order_id,
            symbol=request.symbol,
            side=Side(request.side),
            order_type=OrderType(request.order_type),
            time_in_force=TimeInForce.GTC,
            qty=request.qty,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            strategy_id=strategy_id,
            confidence=request.confidence,
            reason=request.reason,
            created_at=now,
        )
        equity = portfolio.equity()
        holdings = {
            s: Holding(
                s,
                portfolio.position_qty(s),
                portfolio.avg_entry_price(s) or Decimal(0),
                portfolio.last_price(s) or Decimal(0),
            )
            for s in portfolio.symbols
        }
        state = PortfolioState(
            equity=equity,
            cash=portfolio.cash,
            positions=holdings,
            day_start_equity=self._day_start,
            month_start_equity=self._month_start,
            high_water_mark=self._hwm,
            recent_trades=tuple(t for t in self._recent if (now - t).total_seconds() < 60),
            pending=self.pending(),
        )
        atr = {s: price_units(a.value) for s, a in self._atr.items() if a.ready}
        market = MarketState(as_of=now, prices=dict(self._close), atr=atr)
        status = GuardStatus(self.safe_mode, self.breaker)
        verdict = self.manager.evaluate(decision, state, market, now, status)
        if verdict.allowed:
            self._recent = [*(t for t in self._recent if (now - t).total_seconds() < 60), now]
        return verdict

    def sent(self, order_id: str, symbol: str, side: str, portfolio: Portfolio, now: datetime) -> None:
        """Note an order the gateway took, so later verdicts count it while it works (when bound)."""
        if self._gateway is not None:
            self._working[order_id] = (symbol, 1 if side == "buy" else -1)
        if self.stops is not None and symbol in self.stops.states:
            # An exit now working shrinks the stop at once, so the two can never both fill past flat.
            self._sync_stop(self.stops, symbol, portfolio, now)

    def pending(self) -> dict[str, Decimal]:
        """Signed quantity still working at the venue per symbol (buys > 0); orders done are forgotten."""
        pending: dict[str, Decimal] = {}
        for (symbol, sign), left in self._left().items():
            pending[symbol] = pending.get(symbol, _ZERO) + sign * left
        return {symbol: qty for symbol, qty in pending.items() if qty}

    def _left(self) -> dict[tuple[str, int], Decimal]:
        """Quantity still working per (symbol, +1 buy / -1 sell); orders done are forgotten."""
        gateway = self._gateway
        left: dict[tuple[str, int], Decimal] = {}
        if gateway is None or not self._working:
            return left
        for order_id, key in list(self._working.items()):
            view = gateway.core.order(order_id)
            if view is None or view.status not in OPEN_STATUSES:
                del self._working[order_id]
                continue
            left[key] = left.get(key, _ZERO) + Decimal(view.quantity) - Decimal(view.filled_quantity)
        return left

    def guard(
        self, portfolio: Portfolio, now: datetime, closes: Mapping[str, float], *, trail: bool = True
    ) -> None:
        """Move SAFE_MODE and the breaker to `now` (after the mark, before the strategy decides).

        A period starts from the equity at the previous stamp's mark, so the first bar of a day already
        counts its own loss; the breaker's actions on a trip go to the bound gateway, journaled. Without
        `trail` the stops are resized but not trailed (live trails on its own timer: `trail_stops`).
        """
        gateway, journal = self._gateway, self._journal
        if gateway is None or journal is None or not self._guarding:
            return
        equity = portfolio.equity()
        start = equity if self._last_equity is None else self._last_equity
        day, month = day_key(now), month_key(now)
        if day != self._day:
            self._day, self._day_start = day, start
        if month != self._month:
            self._month, self._month_start = month, start
        self._hwm = equity if self._hwm is None else max(self._hwm, equity)
        self._last_equity = equity
        self._follow_moves(day, closes)
        calls, errors = self._api.counts(now)
        book = PortfolioState(
            equity=equity,
            cash=portfolio.cash,
            day_start_equity=self._day_start,
            month_start_equity=self._month_start,
            high_water_mark=self._hwm,
        )
        self.safe_mode, events = assess(self.safe_mode, book, now, self._config)
        observation = BreakerObservation(
            now=now,
            equity=equity,
            high_water_mark=self._hwm,
            consecutive_losses=self._loss_streak(portfolio),
            day_moves=dict(self._day_move),
            api_calls=calls,
            api_errors=errors,
            bars_missing=self._missing.update((now - _EPOCH) // _MICROSECOND * 1_000, closes),
        )
        recovery = self._recover(observation)
        self.breaker, trips = self._breaker.observe(self.breaker, observation)
        for event in (*events, *recovery, *trips):
            _journal(journal, event)
        if trips:
            if observation.consecutive_losses >= self._config.breaker.max_consecutive_losses:
                self._losses = 0  # the trip answered this streak; a new one counts from here
            actions = EmergencyActions(gateway, journal, time_in_force="gtc", on_call=self.answered)
            tag = f"breaker-{len(self.reports) + 1}"
            self.reports.append(actions.execute(self._breaker.actions(), tag, now))
        stops = self.stops
        # After a flattening trip the market orders close the book: a stop beside them could overshoot.
        if stops is not None and not (self.breaker.tripped and self._config.breaker.flatten):
            left = self._left()  # the strategy's working orders, read once for every stop
            for symbol in stops.symbols:
                close = closes.get(symbol) if trail else None
                self._sync_stop(stops, symbol, portfolio, now, close, left)

    def _recover(self, observation: BreakerObservation) -> tuple[RiskEvent, ...]:
        """In a backtest under the `after_cooldown` policy, acknowledge a trip once it may recover."""
        policy = self._config.breaker.backtest_acknowledge
        if not (self._backtest and self.breaker.tripped and policy == "after_cooldown"):
            return ()
        try:
            self.breaker, events = self._breaker.acknowledge_by_policy(
                self.breaker, POLICY_ACTOR, observation
            )
        except RecoveryRefusedError:  # the cooldown runs or a trigger still holds: ask again next stamp
            return ()
        return events

    def trail_stops(self, portfolio: Portfolio, now: datetime, prices: Mapping[str, float]) -> None:
        """Trail every resting stop to the latest `prices` and resize it (a symbol without one: resize)."""
        stops = self.stops
        if stops is not None and not (self.breaker.tripped and self._config.breaker.flatten):
            left = self._left()
            for symbol in stops.symbols:
                self._sync_stop(stops, symbol, portfolio, now, prices.get(symbol), left)

    def _follow_moves(self, day: str, closes: Mapping[str, float]) -> None:
        """Each symbol's move since the previous UTC day's last close (the breaker's asset-move trigger)."""
        for symbol, close in closes.items():
            if self._bar_day.get(symbol) != day:
                last = self._last_close.get(symbol)
                if last is not None:
                    self._prev_day_close[symbol] = last
                self._bar_day[symbol] = day
            reference = self._prev_day_close.get(symbol)
            if reference:
                self._day_move[symbol] = close / reference - 1.0
            self._last_close[symbol] = close

    def _sync_stop(  # noqa: PLR0917 -- one stop's inputs
        self,
        stops: RestingStops,
        symbol: str,
        portfolio: Portfolio,
        now: datetime,
        close: float | None = None,
        left: Mapping[tuple[str, int], Decimal] | None = None,
    ) -> None:
        """Trail (with the bar's `close`) and resize the resting stop of `symbol` (or cancel a stale one);
        `left` is `_left()` when the caller already read it."""
        state = stops.states.get(symbol)
        if state is not None and left is None:
            left = self._left()
        # Only the strategy's working exits count (not nett of its working entries, which are no cover).
        exiting = _ZERO if state is None or left is None else left.get((symbol, -state.direction), _ZERO)
        # The guard runs before this stamp's bars reach `observe`: the ATR is the previous bar's, which
        # lags the trail by one bar but can never see past the current close.
        atr = self._atr.get(symbol)
        price = None if close is None else Decimal(repr(close))
        value = None if atr is None or not atr.ready else price_units(atr.value)
        stops.sync(symbol, portfolio.position_qty(symbol), exiting, now, price, value)

    def _loss_streak(self, portfolio: Portfolio) -> int:
        """Losing round trips in a row at the end of the book (followed as trades close)."""
        closed = portfolio.trades.closed
        for trade in closed[self._trades_seen :]:
            self._losses = self._losses + 1 if trade.pnl < 0 else 0
        self._trades_seen = len(closed)
        return self._losses


def _journal(journal: Journal, event: RiskEvent) -> None:
    journal.append(event.journal_kind, event.record(), ts=event.at, actor=event.actor)
