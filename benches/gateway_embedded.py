"""Orders/s through the embedded gateway from Python (submit + fill on the next bar) vs the issue's target.

Three shapes of the engine's loop: one order per bar (the per-order cost of every call), 100 orders per bar
(a portfolio rebalanced at once) sent one `submit` call each, and the same 100 sent in one `submit_orders`
call (one journal commit for the batch). The peer, run on the same orders and bars in the same run, is the
same job in plain Python: an idempotency dict keyed by client order id and Decimal fills at the next open
with a bps fee, no journal and no limits. A ratio above 1: the embedded gateway, journal and all, is faster.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import BpsFee, SimSettings

TARGET_ORDERS_PER_S = 200_000
T0 = 1_700_006_400_000_000_000
MINUTE_NS = 60_000_000_000
FEE_BPS = 5


SYNC: Literal["in_process", "os_buffer", "fsync"] = "in_process"


def embedded(n: int, per_bar: int) -> int:
    """Submits `n` market orders, `per_bar` before each bar, one call each; returns how many filled."""
    gw = EmbeddedGateway(sim=SimSettings(fees=BpsFee(bps=FEE_BPS)), sync=SYNC)
    submit, on_bar = gw.core.submit, gw.core.on_bar
    filled = 0
    for start in range(0, n, per_bar):
        for i in range(start, min(start + per_bar, n)):
            submit(f"o{i}", "AAPL", "buy" if i % 2 else "sell", "1")
        filled += len(on_bar("AAPL", T0 + start * MINUTE_NS, 100.25, 101.0, 99.5, 100.5, 1e9))
    gw.close()
    return filled


def embedded_batch(n: int, per_bar: int) -> int:
    """The same orders as `embedded`, each bar's sent in one `submit_orders` call; returns how many filled."""
    gw = EmbeddedGateway(sim=SimSettings(fees=BpsFee(bps=FEE_BPS)), sync=SYNC)
    submit_orders, on_bar = gw.core.submit_orders, gw.core.on_bar
    filled = 0
    for start in range(0, n, per_bar):
        batch = [
            (f"o{i}", "AAPL", "buy" if i % 2 else "sell", "1") for i in range(start, min(start + per_bar, n))
        ]
        for result in submit_orders(batch):
            if isinstance(result, Exception):
                raise result
        filled += len(on_bar("AAPL", T0 + start * MINUTE_NS, 100.25, 101.0, 99.5, 100.5, 1e9))
    gw.close()
    return filled


@dataclass(slots=True)
class _PyOrder:
    symbol: str
    side: str
    qty: Decimal
    price: Decimal | None = None
    fee: Decimal | None = None


def pure_python(n: int, per_bar: int) -> int:
    """The same orders and bars through a minimal Decimal order book in plain Python."""
    orders: dict[str, _PyOrder] = {}
    working: list[_PyOrder] = []
    position = Decimal(0)
    fee_rate = Decimal(FEE_BPS) / Decimal(10_000)
    filled = 0
    for start in range(0, n, per_bar):
        for i in range(start, min(start + per_bar, n)):
            cid, side, qty = f"o{i}", "buy" if i % 2 else "sell", Decimal("1")
            known = orders.get(cid)
            if known is not None:
                continue
            order = _PyOrder("AAPL", side, qty)
            orders[cid] = order
            working.append(order)
        open_ = Decimal(repr(100.25))
        for order in working:
            order.price = open_
            order.fee = (open_ * order.qty * fee_rate).quantize(Decimal("0.000000001"), ROUND_CEILING)
            position += order.qty if order.side == "buy" else -order.qty
            filled += 1
        working.clear()
    return filled


def measure(run: Callable[[int, int], int], n: int, per_bar: int) -> float:
    started = time.perf_counter()
    filled = run(n, per_bar)
    elapsed = time.perf_counter() - started
    if filled != n:
        raise SystemExit(f"{run.__name__}: {filled} of {n} orders filled")
    return n / elapsed


def median_rate(run: Callable[[int, int], int], n: int, per_bar: int, repeats: int) -> float:
    return statistics.median(measure(run, n, per_bar) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs per shape; the median is printed")
    parser.add_argument("--sync", choices=["in_process", "os_buffer", "fsync"], default="in_process")
    args = parser.parse_args()
    global SYNC  # noqa: PLW0603 -- the journal mode of every run below, set once from the command line
    SYNC = args.sync
    target = TARGET_ORDERS_PER_S
    print(
        f"{args.orders:,} market orders, each filled on the next bar, journal sync {SYNC}; target {target:,} "
        f"orders/s; median of {args.repeats}"
    )
    print(f"{'shape':>26} {'embedded/s':>12} {'plain Python/s':>15} {'ratio':>6} {'vs target':>9}")
    shapes: list[tuple[Callable[[int, int], int], int, str]] = [
        (embedded, 1, "1/bar, submit"),
        (embedded, 100, "100/bar, submit"),
        (embedded_batch, 100, "100/bar, submit_orders"),
    ]
    for run, per_bar, label in shapes:
        ours = median_rate(run, args.orders, per_bar, args.repeats)
        peer = median_rate(pure_python, args.orders, per_bar, args.repeats)
        print(f"{label:>26} {ours:>12,.0f} {peer:>15,.0f} {ours / peer:>6.2f} {ours / target:>9.2f}")


if __name__ == "__main__":
    main()
