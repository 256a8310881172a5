"""One decision pass over released bars: venue fills, mark, risk's guard, strategy (as in a backtest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from trader._core import GatewayEvent
from trader.engine.booking import book_events
from trader.engine.results import iso_time
from trader.live.reconcile import session_fill
from trader.strategies.bar import Bar

if TYPE_CHECKING:
    from trader.live.broker import LiveBroker
    from trader.live.emulated_stops import EmulatingCore
    from trader.live.feeds import BarFeed
    from trader.live.output import Output
    from trader.live.replay import Due
    from trader.live.stop_timer import TrailTimer
    from trader.strategies.base import Strategy

EQUITY_HEADER = "timestamp,equity,gross_exposure,net_exposure\n"


class Stepper:
    """The per-tick work. Bars released together and closing at the same time form one step, exactly like the
    backtest loop: each symbol's bar goes to the venue (fills booked), the ledger is marked at the closes,
    risk's guard moves SAFE_MODE and the breaker and keeps its stops resting, and only then does the
    strategy see the bars. Identical order, identical fills: that is what makes a paper run comparable to
    its backtest.

    Risk's stops trail on `trail_timer` (the feed's clock) rather than every bar: at a step whose close is
    due, and between bars at the latest closes (`trail`). With an `emulator` (a venue without stop orders)
    each bar's range is also checked against the stops it holds, right after the venue's own matching.
    """

    def __init__(  # noqa: PLR0917 -- the daemon's parts this step joins
        self,
        feed: BarFeed,
        strategy: Strategy,
        broker: LiveBroker,
        out: Output,
        equity_path: Path,
        trail_timer: TrailTimer | None = None,
        emulator: EmulatingCore | None = None,
    ) -> None:
        self.feed = feed
        self.trail_timer = trail_timer
        self.emulator = emulator
        self.strategy = strategy
        self.broker = broker
        self.out = out
        self.bars_processed = 0
        self.last_bar: dict[str, tuple[int, float]] = {}
        self.signals: dict[str, str] = {}
        new = not equity_path.exists()
        self._equity = equity_path.open("a", encoding="utf-8", newline="")
        if new:
            self._equity.write(EQUITY_HEADER)
        self._decisions_seen = 0
        self._last_mark: int | None = None
        self._price_ns = self._trailed_ns = -1
        """Feed-clock stamps of the newest prices seen, and of those the stops were last trailed to."""

    def close(self) -> None:
        self._equity.close()

    def step(self, due: list[Due]) -> None:
        k, n = 0, len(due)
        while k < n:
            end = k + 1
            while end < n and due[end].close_ts == due[k].close_ts:
                end += 1
            self._group(due[k:end])
            k = end
        self._report_decisions()
        self._equity.flush()

    def _group(self, group: list[Due]) -> None:
        broker, portfolio = self.broker, self.broker.portfolio
        # Stamped like the backtest (the bar's open time); with several timeframes closing together, the
        # latest open among them, so the curve's stamps keep increasing.
        ts = max(d.ts for d in group)
        if self._last_mark is not None and ts <= self._last_mark:
            ts = self._last_mark + 1
        self._last_mark = ts
        broker.now_ts = ts
        on_bar, emulator = broker.gateway.core.on_bar, self.emulator
        closes: dict[str, float] = {}
        bars = [self._bar(d) for d in group]
        for bar in bars:
            events = on_bar(bar.symbol, ts, bar.open, bar.high, bar.low, bar.close, bar.volume)
            if events:
                self._book(events)
            if emulator is not None:
                emulator.watch(bar.symbol, bar.low, bar.high, broker.now)
            closes[bar.symbol] = bar.close
        equity = portfolio.mark(ts, closes)
        curve = portfolio.curve
        self._equity.write(
            f"{iso_time(ts)},{equity!r},{curve.gross_exposure[-1]!r},{curve.net_exposure[-1]!r}\n"
        )
        risk, timer = broker.risk, self.trail_timer
        if risk is not None and timer is not None:
            seen = self._price_ns = group[-1].close_ts  # the feed's clock when these bars became visible
            if timer.due(seen):
                self._trailed_ns = seen
                self._trailing(seen, lambda: risk.guard(portfolio, broker.now, closes, trail=True))
            else:
                risk.guard(portfolio, broker.now, closes, trail=False)
        self._decide(group, bars)

    def trail(self) -> None:
        """Between bars: once the interval has passed on the feed's clock, trail risk's stops to the latest
        prices seen, when one came after the last trail (a bar whose step was not due); a new bar's step
        trails by the same timer. A price already trailed to is not trailed to again: a replay then moves
        its stops exactly as its backtest does."""
        broker, timer = self.broker, self.trail_timer
        risk = broker.risk
        if risk is None or timer is None or risk.stops is None or not risk.stops.states:
            return
        if self._price_ns <= self._trailed_ns:
            return
        now = self.feed.clock.now_ns()
        if timer.due(now):
            self._trailed_ns = self._price_ns
            prices = {symbol: close for symbol, (_, close) in self.last_bar.items()}
            self._trailing(now, lambda: risk.trail_stops(broker.portfolio, broker.now, prices))

    def _trailing(self, clock_ns: int, trail: Callable[[], None]) -> None:
        """Run one trail; tell the output which stops it moved, and when by the feed's clock."""
        stops = self.broker.risk.stops if self.broker.risk is not None else None
        before = {} if stops is None else {s: st.stop for s, st in stops.states.items()}
        trail()
        after = {} if stops is None else {s: st.stop for s, st in stops.states.items()}
        moved = {s: format(v, "f") for s, v in sorted(after.items()) if before.get(s) not in (None, v)}
        if moved:
            self.out.event("stop_trailed", clock=iso_time(clock_ns), clock_ns=clock_ns, stops=moved)

    def _bar(self, d: Due) -> Bar:
        """The due bar, read from the columns once for both the venue and the strategy."""
        b, i = self.feed.series[d.symbol], d.index
        return Bar(
            d.symbol,
            d.ts,
            float(b.open[i]),
            float(b.high[i]),
            float(b.low[i]),
            float(b.close[i]),
            float(b.volume[i]),
            i,
        )

    def _decide(self, group: list[Due], bars: list[Bar]) -> None:
        broker, strategy, risk = self.broker, self.strategy, self.broker.risk
        for d, bar in zip(group, bars, strict=True):
            broker.advance(d.symbol, d.index, max(d.ts, broker.now_ts))
            if risk is not None:
                risk.observe(d.symbol, bar.high, bar.low, bar.close)
            strategy.focus(d.symbol)
            strategy.on_bar(bar)
            self.last_bar[d.symbol] = (d.ts, bar.close)
            self.bars_processed += 1

    def replay_decisions(self, done: list[Due]) -> None:
        """Warmup: the strategy (and risk's ATR) see bars a previous run processed; nothing is sent."""
        for d in done:
            self.broker.now_ts = d.ts
            self._decide([d], [self._bar(d)])

    def book(self, events: list[GatewayEvent]) -> None:
        """Book venue events that came between bars (a remote venue fills on its own clock); a fill gets
        its stop (or its stop resized) at once, not at the next bar."""
        if events:
            self._book(events)
            risk = self.broker.risk
            if risk is not None and any(event.fill is not None for event in events):
                risk.trail_stops(self.broker.portfolio, self.broker.now, {})

    def _book(self, events: list[GatewayEvent]) -> None:
        # Fill ids made unique across venue restarts (`session_fill`); otherwise the backtest's booking.
        for fill in book_events(events, self.strategy, self.broker, to_fill=session_fill):
            self.out.event(
                "fill",
                client_order_id=fill.client_order_id,
                symbol=fill.symbol,
                side=fill.side.value,
                qty=format(fill.qty, "f"),
                price=format(fill.price, "f"),
                at=fill.timestamp.isoformat(),
            )

    def _report_decisions(self) -> None:
        decisions = self.broker.decisions
        for d in decisions[self._decisions_seen :]:
            self.signals[d.symbol] = f"{d.side} ({d.status})"
            stop = self.broker.stop_prices.pop(d.client_order_id, None)
            self.out.event(
                "decision",
                client_order_id=d.client_order_id,
                symbol=d.symbol,
                side=d.side,
                qty=d.qty,
                reason=d.reason,
                status=d.status,
                bar=iso_time(d.ts),
                **({} if stop is None else {"order_type": "stop", "stop_price": format(stop, "f")}),
            )
        self._decisions_seen = len(decisions)
