"""RiskManager.evaluate latency (p50/p99 over 100k decisions) against the issue's 20 us target.

The peer, run on the same decisions in the same run, is pydantic re-validating each OrderDecision
(`model_validate` of its dict): the cheapest thing an edge check of a decision does. The ratio says how
many such validations one full risk evaluation costs.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from trader.models import OrderDecision
from trader.risk import (
    Holding,
    MarketState,
    PortfolioState,
    RiskConfig,
    RiskManager,
    RiskScalingManager,
    TradeStats,
)

TARGET_P99_US = 20.0
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
SYMBOLS = ("AAPL", "MSFT", "NVDA", "XOM", "JPM", "BTC/USD", "ETH/USD", "SPY")
SECTORS = {"AAPL": "tech", "MSFT": "tech", "NVDA": "tech", "XOM": "energy", "JPM": "finance"}


def market() -> MarketState:
    """Eight symbols with prices, ATRs, volatilities and pairwise correlations."""
    rng = random.Random(7)
    prices = {s: Decimal(rng.randint(20, 600)) + Decimal("0.37") for s in SYMBOLS}
    prices["BTC/USD"] = Decimal("64123.5")
    correlations = {(a, b): rng.uniform(-0.3, 0.65) for i, a in enumerate(SYMBOLS) for b in SYMBOLS[i + 1 :]}
    return MarketState(
        as_of=NOW - timedelta(seconds=5),
        prices=prices,
        atr={s: (p * Decimal("0.02")).quantize(Decimal("0.0001")) for s, p in prices.items()},
        realised_vol={s: rng.uniform(0.1, 0.8) for s in SYMBOLS},
        correlations=correlations,
        sectors=SECTORS,
    )


def portfolio(prices: dict[str, Decimal]) -> PortfolioState:
    """A book holding five positions (one short), a month of record and a few recent trades."""
    held = {
        s: Holding(s, q, prices[s], prices[s], SECTORS.get(s, "crypto"))
        for s, q in (
            ("AAPL", Decimal(20)),
            ("XOM", Decimal(-15)),
            ("JPM", Decimal(10)),
            ("BTC/USD", Decimal("0.05")),
            ("SPY", Decimal(5)),
        )
    }
    return PortfolioState(
        equity=Decimal(100_000),
        cash=Decimal(80_000),
        positions=held,
        day_start_equity=Decimal(101_000),
        month_start_equity=Decimal(98_000),
        high_water_mark=Decimal(104_000),
        stats=TradeStats(trades=60, win_rate=0.55, payoff_ratio=1.4, consecutive_losses=1),
        recent_trades=(NOW - timedelta(seconds=90), NOW - timedelta(seconds=20)),
    )


def decisions(n: int) -> list[OrderDecision]:
    """Buys and sells of random size and confidence across the symbols (adds, reductions, flips)."""
    rng = random.Random(11)
    return [
        OrderDecision(
            client_order_id=f"bench-{i:07d}",
            symbol=(symbol := rng.choice(SYMBOLS)),
            side=rng.choice(("buy", "sell")),
            order_type="market",
            time_in_force="gtc" if "/" in symbol else "day",
            qty=Decimal(rng.randint(1, 400)) if "/" not in symbol else Decimal(rng.randint(1, 300)) / 1000,
            strategy_id="bench",
            confidence=rng.random(),
            reason="benchmark decision",
            created_at=NOW,
        )
        for i in range(n)
    ]


def percentiles(samples_ns: list[int]) -> tuple[float, float]:
    """p50 and p99 in microseconds."""
    ordered = sorted(samples_ns)
    return ordered[len(ordered) // 2] / 1000, ordered[int(len(ordered) * 0.99)] / 1000


def timed(
    manager: RiskManager,
    batch: list[OrderDecision],
    books: list[PortfolioState],
    mkt: MarketState | list[MarketState],
    *,
    render: bool = False,
) -> tuple[list[int], dict[str, int]]:
    """Nanoseconds per evaluate() call (plus payload(), which renders the sentence, when `render`), and
    how many verdicts of each action. `mkt` is one market for every decision, or one per decision."""
    clock = time.perf_counter_ns
    samples: list[int] = []
    actions: dict[str, int] = {}
    markets = mkt if isinstance(mkt, list) else [mkt] * len(batch)
    for d, book, snapshot in zip(batch, books, markets, strict=True):
        start = clock()
        verdict = manager.evaluate(d, book, snapshot, NOW)
        if render:
            verdict.payload()
        samples.append(clock() - start)
        actions[verdict.action.value] = actions.get(verdict.action.value, 0) + 1
    return samples, actions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100_000, help="decisions to evaluate")
    args = parser.parse_args()
    mkt = market()
    shared = portfolio(dict(mkt.prices))
    batch = decisions(args.n)
    manager = RiskManager(RiskConfig())
    timed(manager, batch[:2000], [shared] * 2000, mkt)  # warm caches and the specialising interpreter
    # Many decisions per snapshot (one bar, several signals) reuse the book's sums; a fresh book per
    # decision (a fill between every two decisions of a bar) pays for summing the book each time; the live
    # loop builds both snapshots afresh for every decision, so nothing at all is reused.
    same, actions = timed(manager, batch, [shared] * len(batch), mkt)
    fresh, _ = timed(manager, batch, [replace(shared) for _ in batch], mkt)
    live, _ = timed(manager, batch, [replace(shared) for _ in batch], [replace(mkt) for _ in batch])
    # The engine journals every verdict, which renders its sentence: that cost, on top, for reference.
    rendered, _ = timed(manager, batch, [shared] * len(batch), mkt, render=True)
    # Live on a progression step: sized on a $25k capital step, three symbols still new (reduced size).
    config = RiskConfig()
    scaling = RiskScalingManager(config.progression.scaling, Decimal(25_000), SYMBOLS[:5])
    scaled_manager = RiskManager(config, scaling)
    timed(scaled_manager, batch[:2000], [shared] * 2000, mkt)
    scaled, _ = timed(scaled_manager, batch, [shared] * len(batch), mkt)
    clock = time.perf_counter_ns
    peer: list[int] = []
    for data in [d.model_dump() for d in batch]:
        start = clock()
        OrderDecision.model_validate(data)
        peer.append(clock() - start)
    p50, p99 = percentiles(peer)
    print(f"decisions: {args.n}  verdicts: {actions}")
    print(f"{'peer OrderDecision.model_validate':39s} p50 {p50:6.2f} us  p99 {p99:6.2f} us")
    runs = (
        ("evaluate(), same snapshot", same),
        ("evaluate(), fresh book each", fresh),
        ("evaluate(), fresh book and market each", live),
        ("evaluate() + payload(), same snapshot", rendered),
        ("evaluate(), progression scaling on", scaled),
    )
    for label, samples in runs:
        r50, r99 = percentiles(samples)
        verdict = "OK" if r99 <= TARGET_P99_US else "MISSED"
        print(
            f"{label:39s} p50 {r50:6.2f} us  p99 {r99:6.2f} us  p99/peer {r99 / p99:4.2f}x  "
            f"p99 vs {TARGET_P99_US:.0f} us target: {verdict} ({r99 / TARGET_P99_US:.2f})"
        )


if __name__ == "__main__":
    main()
