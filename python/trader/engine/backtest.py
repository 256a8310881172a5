"""The backtest event loop: venue fills, then the mark at the close, then the strategy, bar after bar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from trader._core import GatewayEvent
from trader.data import Bars, detect_calendar
from trader.engine.broker import BacktestBroker, Decision
from trader.engine.config import BacktestConfig
from trader.engine.feed import Feed, merge
from trader.engine.risk_gate import RiskGate
from trader.errors import DataError
from trader.execution.embedded import EmbeddedGateway
from trader.execution.errors import InvalidOrderError
from trader.journal import FsyncPolicy, Journal, JournalKind, JournalOptions
from trader.portfolio import CurveArrays, Metrics, Portfolio, RoundTrip, compute_metrics, periods_per_year
from trader.strategies.bar import Bar
from trader.strategies.base import Strategy


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """What a run produced: the ledger, its curve and round trips, the metrics, every decision."""

    portfolio: Portfolio
    curve: CurveArrays
    trades: Sequence[RoundTrip]
    metrics: Metrics
    decisions: Sequence[Decision]
    periods_per_year: float
    symbols: list[str]

    @property
    def final_equity(self) -> Decimal:
        """Cash plus positions at the last closes, exact."""
        return self.portfolio.equity()


def annualisation(feed: Feed) -> float:
    """Bars per year of the run: that of the series with the most bars (all must share a timeframe)."""
    frames = {bars.timeframe for bars in feed.bars}
    if None in frames or len(frames) != 1:
        names = ", ".join(f"{b.symbol}={b.timeframe}" for b in feed.bars)
        raise DataError(f"every series needs the same known timeframe for now (got {names})")
    longest = max(feed.bars, key=len)
    assert longest.timeframe is not None
    return float(periods_per_year(longest.timeframe, detect_calendar(longest)))


def run_backtest(
    strategy: Strategy,
    bars: Sequence[Bars],
    journal_path: Path | str,
    config: BacktestConfig | None = None,
) -> BacktestResult:
    """Run `strategy` over `bars` (one series per symbol) and journal every decision, order and fill.

    At each timestamp, for every symbol with a bar there (in symbol order): the SimVenue matches the
    working orders against that bar (a market order decided at the previous close fills at this open),
    fills go to the portfolio and to `on_fill`. Then the portfolio is marked at the closes, and only then
    does the strategy see the bars. It can never see a later bar: the engine hands it one bar at a time
    and `history()` ends at the current one.
    """
    config = config or BacktestConfig()
    feed = merge(bars)
    ppy = annualisation(feed)
    symbols = feed.symbols
    portfolio = Portfolio(config.starting_cash)
    options = JournalOptions(fsync=FsyncPolicy.NEVER)
    with (
        Journal(journal_path, options=options) as journal,
        EmbeddedGateway(instruments=config.instruments_for(symbols), sim=config.sim) as gateway,
    ):
        risk = None if config.risk is None else RiskGate(config.risk)
        broker = BacktestBroker(
            feed, gateway, portfolio, journal, time_in_force=config.time_in_force, risk=risk
        )
        broker.now_ts = int(feed.ts[0])
        journal.append(
            JournalKind.RUN_START,
            {
                "strategy": strategy.strategy_id,
                "params": strategy.params.model_dump(mode="json"),
                "symbols": symbols,
                "config": config.describe(),
            },
            ts=broker.now,
        )
        strategy.bind(broker)
        strategy.on_start()
        _loop(feed, strategy, broker)
        strategy.on_stop()
        portfolio.reconcile()
        journal.append(
            JournalKind.RUN_END,
            {
                "equity": format(portfolio.equity(), "f"),
                "cash": format(portfolio.cash, "f"),
                "fills": len(portfolio.effects),
                "orders": len(broker.decisions),
            },
            ts=broker.now,
        )
    curve = portfolio.curve.arrays()
    trades = list(portfolio.trades.closed)
    metrics = compute_metrics(
        curve.ts, curve.equity, trades, periods_per_year=ppy, gross_exposure=curve.gross_exposure
    )
    return BacktestResult(portfolio, curve, trades, metrics, list(broker.decisions), ppy, symbols)


def _loop(feed: Feed, strategy: Strategy, broker: BacktestBroker) -> None:
    """The per-bar path: plain lists and floats, one light `Bar` per event, no pydantic unless a fill."""
    columns = [
        (b.symbol, b.open.tolist(), b.high.tolist(), b.low.tolist(), b.close.tolist(), b.volume.tolist())
        for b in feed.bars
    ]
    which, index, stamps = feed.which.tolist(), feed.index.tolist(), feed.ts.tolist()
    portfolio, risk = broker.portfolio, broker.risk
    on_bar = broker.gateway.core.on_bar  # the Rust call itself: no Python wrapper per bar
    n, k = len(stamps), 0
    while k < n:
        ts = stamps[k]
        end = k + 1
        while end < n and stamps[end] == ts:
            end += 1
        broker.now_ts = ts
        closes: dict[str, float] = {}
        for e in range(k, end):
            symbol, o, h, low, c, v = columns[which[e]]
            i = index[e]
            try:
                events = on_bar(symbol, ts, o[i], h[i], low[i], c[i], v[i])
            except InvalidOrderError as exc:  # a price the venue cannot hold exactly: say which bar
                bars = feed.bars[which[e]]
                raise DataError(str(exc), path=bars.source, line=int(bars.lines[i])) from None
            if events:
                _book(events, strategy, broker)
            closes[symbol] = c[i]
        portfolio.mark(ts, closes)
        for e in range(k, end):
            symbol, o, h, low, c, v = columns[which[e]]
            i = index[e]
            broker.advance(symbol, i, ts)
            if risk is not None:
                risk.observe(symbol, h[i], low[i], c[i])
            strategy.focus(symbol)
            strategy.on_bar(Bar(symbol, ts, o[i], h[i], low[i], c[i], v[i], i))
        k = end


def _book(events: list[GatewayEvent], strategy: Strategy, broker: BacktestBroker) -> None:
    """Journal the venue's events; book fills in the ledger and tell the strategy."""
    journal, stamp = broker.journal, broker.now
    for event in events:
        fill_view = event.fill
        if fill_view is None:
            kind = event.kind
            record = JournalKind.GATEWAY_REJECT if kind == "rejected" else JournalKind.GATEWAY_ACK
            payload = {
                "client_order_id": event.client_order_id,
                "event": kind,
                "status": event.status,
                "detail": event.detail,
            }
            journal.append(record, payload, ts=stamp)
            continue
        fill = EmbeddedGateway.to_fill(fill_view)
        journal.append(JournalKind.FILL, fill, ts=stamp)
        stop = broker.stops.get(fill.client_order_id)
        risk_per_unit = None if stop is None else abs(fill.price - stop)
        broker.portfolio.apply_fill(fill, risk_per_unit=risk_per_unit or None)
        strategy.on_fill(fill)
