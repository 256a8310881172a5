"""Properties of the embedded gateway over random order and bar sequences (hypothesis).

After every sequence: the venue holds one order per client order id the gateway sent (never a second); a
repeated intent comes back flagged duplicate and a changed one is refused; positions equal the exact sum of
the fills reported bar by bar and of the fills on the orders; the venue agrees; nothing halted.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import event, given, settings
from hypothesis import strategies as st

from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import SimSettings
from trader.execution.errors import AlreadyExistsError, GatewayError

T0 = 1_700_006_400_000_000_000
MINUTE_NS = 60_000_000_000


@dataclass(frozen=True)
class Submit:
    cid: str
    symbol: str
    side: str
    qty: int
    kind: str
    price: int
    tif: str

    def content(self) -> tuple[object, ...]:
        return (
            self.symbol,
            self.side,
            self.qty,
            self.kind,
            None if self.kind == "market" else self.price,
            self.tif,
        )


@dataclass(frozen=True)
class Cancel:
    cid: str


@dataclass(frozen=True)
class Replace:
    cid: str
    qty: int
    limit: int


@dataclass(frozen=True)
class Bar:
    symbol: str
    open: int
    up: int
    down: int
    volume: int


ids = st.integers(0, 7).map(lambda i: f"o{i}")  # a small pool, so repeats and clashes happen
symbols = st.sampled_from(("AAPL", "MSFT"))
submits = st.builds(
    Submit,
    ids,
    symbols,
    st.sampled_from(("buy", "sell")),
    st.integers(1, 40),
    st.sampled_from(("market", "limit", "stop")),
    st.integers(90, 110),
    st.sampled_from(("day", "gtc", "ioc")),
)
bars = st.builds(Bar, symbols, st.integers(92, 108), st.integers(0, 6), st.integers(0, 6), st.integers(0, 60))
steps = st.one_of(
    submits,
    submits,
    st.builds(Cancel, ids),
    st.builds(Replace, ids, st.integers(1, 40), st.integers(90, 110)),
    bars,
    bars,
)


def _submit(gw: EmbeddedGateway, step: Submit, sent: dict[str, tuple[object, ...]]) -> None:
    price = Decimal(step.price)
    try:
        view = gw.submit_order(
            step.cid,
            step.symbol,
            step.side,
            str(step.qty),
            step.kind,
            limit_price=price if step.kind == "limit" else None,
            stop_price=price if step.kind == "stop" else None,
            time_in_force=step.tif,
        )
    except AlreadyExistsError:
        assert sent[step.cid] != step.content()
        return
    assert view.duplicate == (step.cid in sent)
    sent.setdefault(step.cid, step.content())


@settings(max_examples=150, deadline=None)
@given(st.lists(steps, max_size=40), st.sampled_from((None, Decimal("0.5"))))
def test_one_venue_order_per_id_and_positions_are_the_sum_of_fills(
    sequence: list[Submit | Cancel | Replace | Bar], volume_share: Decimal | None
) -> None:
    gw = EmbeddedGateway(sim=SimSettings(volume_share=volume_share, slippage_bps=3))
    sent: dict[str, tuple[object, ...]] = {}
    from_events: dict[str, Decimal] = defaultdict(Decimal)
    for index, step in enumerate(sequence):
        if isinstance(step, Submit):
            _submit(gw, step, sent)
        elif isinstance(step, Cancel):
            with contextlib.suppress(GatewayError):  # unknown or no longer open: refused, nothing changes
                gw.cancel(step.cid)
        elif isinstance(step, Replace):
            with contextlib.suppress(GatewayError):
                gw.core.replace(step.cid, f"r{index}", str(step.qty), "limit", limit_price=str(step.limit))
        else:
            o, ts = step.open, T0 + index * MINUTE_NS
            for reported in gw.on_bar(step.symbol, ts, o, o + step.up, o - step.down, o, step.volume):
                if reported.fill is not None:
                    sign = 1 if reported.fill.side == "buy" else -1
                    from_events[reported.fill.symbol] += sign * Decimal(reported.fill.quantity)

    orders = gw.core.orders()
    assert gw.core.venue_order_count == len(orders), "one venue order per client order id, never two"
    assert gw.core.venue_duplicate_submits == 0
    from_orders: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        filled = sum((Decimal(f.quantity) for f in order.fills), Decimal(0))
        assert filled == Decimal(order.filled_quantity) <= Decimal(order.quantity)
        from_orders[order.symbol] += filled * (1 if order.side == "buy" else -1)
    nonzero = {symbol: qty for symbol, qty in from_orders.items() if qty != 0}
    event("some fills" if nonzero else "flat")
    assert gw.positions() == nonzero
    assert {symbol: qty for symbol, qty in from_events.items() if qty != 0} == nonzero
    assert gw.core.unreconciled_symbols() == []
    assert gw.core.halted is None
