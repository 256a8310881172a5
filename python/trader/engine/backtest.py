"""The backtest event loop: venue fills, then the mark at the close, then the strategy, bar after bar."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from trader.data import Bars, detect_calendar
from trader.engine.bar_driver import drive_one_symbol
from trader.engine.booking import book_events
from trader.engine.broker import BacktestBroker, Decision, Refusal
from trader.engine.config import BacktestConfig
from trader.engine.feed import Feed, merge
from trader.engine.risk_gate import RiskGate
from trader.errors import DataError, TraderError
from trader.execution.embedded import EmbeddedGateway
from trader.execution.errors import InvalidOrderError
from trader.journal import FsyncPolicy, Journal, JournalKind, JournalOptions
from trader.portfolio import CurveArrays, Metrics, Portfolio, RoundTrip, compute_metrics, periods_per_year
from trader.strategies.bar import Bar
from trader.strategies.base import Strategy

JOURNAL_BUFFER = 1 << 16
"""Bytes of journal lines a backtest holds before writing them (one write per ~200 records, not one each)."""


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
    refusals: Sequence[Refusal] = ()
    """Decisions risk refused or the gateway rejected, with the reasons."""

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
    *,
    progress: Callable[[int, int], None] | None = None,
    trade_from: int | None = None,
) -> BacktestResult:
    """Run `strategy` over `bars` (one series per symbol) and journal every decision, order and fill.

    At each timestamp, for every symbol with a bar there (in symbol order): the SimVenue matches the
    working orders against that bar (a market order decided at the previous close fills at this open),
    fills go to the portfolio and to `on_fill`. Then the portfolio is marked at the closes, and only then
    does the strategy see the bars. It can never see a later bar: the engine hands it one bar at a time
    and `history()` ends at the current one.

    `progress(done, total)` (events) is called every few thousand events and once at the end.

    With `trade_from` (ns UTC), the bars stamped before it only warm the strategy up: it sees them (its
    indicators and `history()` fill), but its orders are dropped unsent and unjournaled (the order
    helpers return "") and the account is not marked, so the curve and the metrics start at the first
    bar at or after `trade_from`, with the starting cash and no position.
    """
    config = config or BacktestConfig()
    feed = merge(bars)
    if trade_from is not None and trade_from > int(feed.ts[-1]):
        raise TraderError(
            f"trade_from {trade_from} is after the last bar ({int(feed.ts[-1])}): nothing to trade"
        )
    ppy = annualisation(feed)
    symbols = feed.symbols
    portfolio = Portfolio(config.starting_cash)
    options = JournalOptions(fsync=FsyncPolicy.NEVER, buffer_bytes=JOURNAL_BUFFER)
    with (
        Journal(journal_path, options=options) as journal,
        EmbeddedGateway(instruments=config.instruments_for(symbols), sim=config.sim) as gateway,
    ):
        risk = None if config.risk is None else RiskGate(config.risk)
        if risk is not None:
            instruments, guards = config.instruments_for(symbols), config.risk_guards
            risk.bind(gateway, journal, instruments, guards=guards, series=feed.bars, backtest=True)
        broker = BacktestBroker(
            feed, gateway, portfolio, journal, time_in_force=config.time_in_force, risk=risk
        )
        broker.now_ts = int(feed.ts[0])
        if trade_from is not None:
            broker.trade_from = trade_from
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
        for timeframe in strategy.timeframes:  # refuse a bad timeframe before the first bar
            for symbol in symbols:
                broker.timeframes.series(broker.full_series(symbol), timeframe)
        strategy.bind(broker)
        strategy.on_start()
        _loop(feed, strategy, broker, progress)
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
    decisions = list(broker.decisions)
    return BacktestResult(portfolio, curve, trades, metrics, decisions, ppy, symbols, list(broker.refusals))


PROGRESS_EVERY = 1 << 14
"""Events between two progress calls: rare enough to cost nothing per bar."""


def _loop(
    feed: Feed,
    strategy: Strategy,
    broker: BacktestBroker,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """The per-bar path: plain lists and floats, one light `Bar` per event, no pydantic unless a fill."""
    if len(feed.bars) == 1:
        if broker.risk is None:  # no guard acts between the mark and the decision: the loop can run in Rust
            drive_one_symbol(feed.bars[0], strategy, broker, progress, progress_every=PROGRESS_EVERY)
        else:
            _loop_one(feed.bars[0], strategy, broker, progress)
        return
    columns = [
        (b.symbol, b.open.tolist(), b.high.tolist(), b.low.tolist(), b.close.tolist(), b.volume.tolist())
        for b in feed.bars
    ]
    which, index, stamps = feed.which.tolist(), feed.index.tolist(), feed.ts.tolist()
    portfolio, risk, trade_from = broker.portfolio, broker.risk, broker.trade_from
    on_bar = broker.gateway.core.on_bar  # the Rust call itself: no Python wrapper per bar
    n, k = len(stamps), 0
    next_report = PROGRESS_EVERY if progress is not None else n + 1
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
                book_events(events, strategy, broker)
            closes[symbol] = c[i]
        if ts >= trade_from:
            portfolio.mark(ts, closes)
            if risk is not None:
                risk.guard(portfolio, broker.now, closes)
        for e in range(k, end):
            symbol, o, h, low, c, v = columns[which[e]]
            i = index[e]
            broker.advance(symbol, i, ts)
            if risk is not None:
                risk.observe(symbol, h[i], low[i], c[i])
            strategy.focus(symbol)
            strategy.on_bar(Bar(symbol, ts, o[i], h[i], low[i], c[i], v[i], i))
        k = end
        if k >= next_report and progress is not None:
            progress(k, n)
            next_report = k + PROGRESS_EVERY
    if progress is not None:
        progress(n, n)


def _loop_one(
    bars: Bars,
    strategy: Strategy,
    broker: BacktestBroker,
    progress: Callable[[int, int], None] | None,
) -> None:
    """`_loop` for one symbol: every stamp holds exactly one bar, so no grouping and no per-stamp dict."""
    symbol = bars.symbol
    stamps, opens, highs = bars.ts.tolist(), bars.open.tolist(), bars.high.tolist()
    lows, closes, volumes = bars.low.tolist(), bars.close.tolist(), bars.volume.tolist()
    on_bar, mark, advance = broker.gateway.core.on_bar, broker.portfolio.mark, broker.advance
    decide, risk, trade_from = strategy.on_bar, broker.risk, broker.trade_from
    last_close = {symbol: 0.0}  # reused: `mark` reads it and keeps no reference
    n = len(stamps)
    report_every = PROGRESS_EVERY if progress is not None else n + 1
    strategy.focus(symbol)
    for i, (ts, o, h, low, c, v) in enumerate(zip(stamps, opens, highs, lows, closes, volumes, strict=True)):
        broker.now_ts = ts
        try:
            events = on_bar(symbol, ts, o, h, low, c, v)
        except InvalidOrderError as exc:  # a price the venue cannot hold exactly: say which bar
            raise DataError(str(exc), path=bars.source, line=int(bars.lines[i])) from None
        if events:
            book_events(events, strategy, broker)
        last_close[symbol] = c
        if ts >= trade_from:
            mark(ts, last_close)
            if risk is not None:
                risk.guard(broker.portfolio, broker.now, last_close)
        advance(symbol, i, ts)
        if risk is not None:
            risk.observe(symbol, h, low, c)
        decide(Bar(symbol, ts, o, h, low, c, v, i))
        if not (i + 1) % report_every and progress is not None:
            progress(i + 1, n)
    if progress is not None:
        progress(n, n)
