"""One decision pass over released bars: venue fills, then the mark, then the strategy (as in a backtest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from trader._core import GatewayEvent
from trader.journal import JournalKind
from trader.live.reconcile import session_fill
from trader.strategies.bar import Bar

if TYPE_CHECKING:
    from trader.live.broker import LiveBroker
    from trader.live.feeds import BarFeed
    from trader.live.output import Output
    from trader.live.replay import Due
    from trader.strategies.base import Strategy

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EQUITY_HEADER = "timestamp,equity,gross_exposure,net_exposure\n"


def _iso(ns: int) -> str:
    return (_EPOCH + timedelta(microseconds=ns // 1_000)).isoformat().replace("+00:00", "Z")


class Stepper:
    """The per-tick work. Bars released together and closing at the same time form one step, exactly like the
    backtest loop: each symbol's bar goes to the venue (fills booked), the ledger is marked at the closes,
    and only then does the strategy see the bars. Identical order, identical fills: that is what makes a
    paper run comparable to its backtest."""

    def __init__(
        self, feed: BarFeed, strategy: Strategy, broker: LiveBroker, out: Output, equity_path: Path
    ) -> None:
        self.feed = feed
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
        on_bar = broker.gateway.core.on_bar
        closes: dict[str, float] = {}
        bars = [self._bar(d) for d in group]
        for bar in bars:
            events = on_bar(bar.symbol, ts, bar.open, bar.high, bar.low, bar.close, bar.volume)
            if events:
                self._book(events)
            closes[bar.symbol] = bar.close
        equity = portfolio.mark(ts, closes)
        curve = portfolio.curve
        self._equity.write(f"{_iso(ts)},{equity!r},{curve.gross_exposure[-1]!r},{curve.net_exposure[-1]!r}\n")
        self._decide(group, bars)

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
        """Book venue events that came between bars (a remote venue fills on its own clock)."""
        if events:
            self._book(events)

    def _book(self, events: list[GatewayEvent]) -> None:
        broker = self.broker
        journal, stamp = broker.journal, broker.now
        for event in events:
            view = event.fill
            if view is None:
                kind = JournalKind.GATEWAY_REJECT if event.kind == "rejected" else JournalKind.GATEWAY_ACK
                payload = {
                    "client_order_id": event.client_order_id,
                    "event": event.kind,
                    "status": event.status,
                    "detail": event.detail,
                }
                journal.append(kind, payload, ts=stamp)
                continue
            fill = session_fill(view)
            journal.append(JournalKind.FILL, fill, ts=stamp)
            stop = broker.stops.get(fill.client_order_id)
            risk_per_unit = None if stop is None else abs(fill.price - stop)
            broker.portfolio.apply_fill(fill, risk_per_unit=risk_per_unit or None)
            self.strategy.on_fill(fill)
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
            self.out.event(
                "decision",
                client_order_id=d.client_order_id,
                symbol=d.symbol,
                side=d.side,
                qty=d.qty,
                reason=d.reason,
                status=d.status,
                bar=_iso(d.ts),
            )
        self._decisions_seen = len(decisions)
