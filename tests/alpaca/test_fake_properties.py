"""Invariants of the fake Alpaca, over random inputs: bar pages tile the file; fills never overfill and the
positions and cash are exactly the sum of the fills (crypto fees taken from the coins received)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from trader.alpaca.fake.market_data import BarFiles, bars_page
from trader.alpaca.fake.state import FakeBroker

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2)
volumes = st.one_of(st.none(), st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5), places=3))


@settings(max_examples=30, deadline=None)
@given(page_size=st.integers(min_value=1, max_value=400), limit=st.integers(min_value=1, max_value=400))
def test_bar_pages_tile_the_file_in_order(samples_dir: Path, page_size: int, limit: int) -> None:
    files = BarFiles(samples_dir, page_size=page_size)
    params = {
        "symbols": "BTC/USD,SPY",
        "timeframe": "1Hour",
        "start": "2013-10-01T00:00:00Z",
        "limit": str(limit),
    }
    whole = [bar for _, bar in files.bars("BTC/USD", "1Hour")]
    seen: list[dict[str, object]] = []
    while True:
        page = bars_page(files, params)
        assert sum(len(rows) for rows in page["bars"].values()) <= min(limit, page_size)
        seen += page["bars"].get("BTC/USD", [])
        if page["next_page_token"] is None:
            break
        params["page_token"] = page["next_page_token"]
    assert seen == whole


@settings(max_examples=40, deadline=None)
@given(
    symbol=st.sampled_from(["AAPL", "BTC/USD"]),
    quantity=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(20), places=2),
    limit=prices,
    moves=st.lists(st.tuples(prices, volumes), max_size=12),
)
def test_fills_never_overfill_and_the_ledger_is_exact(
    symbol: str, quantity: Decimal, limit: Decimal, moves: list[tuple[Decimal, Decimal | None]]
) -> None:
    broker = FakeBroker(cash=Decimal(10**9), crypto_fee_bps=25)
    tif = "gtc" if "/" in symbol else "day"
    body = {"symbol": symbol, "side": "buy", "type": "limit", "time_in_force": tif, "qty": str(quantity)}
    order = broker.submit(body | {"limit_price": str(limit)})
    for price, volume in moves:
        broker.set_price(symbol, price, volume)
    fills = [a for a in broker.activities if a["order_id"] == order.id]
    filled = sum((Decimal(a["qty"]) for a in fills), Decimal(0))
    assert filled == order.filled_qty <= quantity
    assert all(Decimal(a["price"]) <= limit for a in fills)
    assert order.status == ("filled" if filled == quantity else "partially_filled" if filled else "accepted")
    fee_rate = Decimal("0.0025") if "/" in symbol else Decimal(0)
    received = sum(
        (Decimal(a["qty"]) - (Decimal(a["qty"]) * fee_rate).quantize(Decimal("1e-9")) for a in fills),
        Decimal(0),
    )
    held = broker.positions[symbol].qty if symbol in broker.positions else Decimal(0)
    assert held == received
    spent = sum((Decimal(a["qty"]) * Decimal(a["price"]) for a in fills), Decimal(0))
    assert broker.cash == Decimal(10**9) - spent
