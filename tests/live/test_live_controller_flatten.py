"""An operator's flatten on a real embedded gateway: the daemon's own books closed, journaled with who."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from trader.execution.embedded import EmbeddedGateway
from trader.journal import Journal, JournalKind, read_records
from trader.live.controller import FLATTEN_ATTEMPTS, LiveTradingController
from trader.live.state_dir import StateDir
from trader.portfolio import Portfolio
from trader.risk import RiskConfig

OPEN_NS = int(datetime(2024, 1, 2, 14, 30, tzinfo=UTC).timestamp()) * 10**9


def _fill_at_venue(gateway: EmbeddedGateway, order_id: str, symbol: str, qty: int, strategy: str) -> None:
    gateway.submit_order(order_id, symbol, "buy", Decimal(qty), "market", strategy=strategy)
    gateway.on_bar(symbol, OPEN_NS, 100.0, 101.0, 99.0, 100.0, 1_000_000.0)


def _controller(tmp_path: Path, gateway: EmbeddedGateway, journal: Journal) -> LiveTradingController:
    """A daemon's controller whose books hold 5 SPY and 2 QQQ; at the venue another strategy holds 10 SPY."""
    _fill_at_venue(gateway, "other-SPY-1", "SPY", 10, "other")
    _fill_at_venue(gateway, "mine-SPY-1", "SPY", 5, "mine")
    _fill_at_venue(gateway, "mine-QQQ-1", "QQQ", 2, "mine")
    portfolio = Portfolio(Decimal(100_000))
    for order_id in ("mine-SPY-1", "mine-QQQ-1"):
        view = gateway.core.order(order_id)
        assert view is not None
        portfolio.apply_fill(gateway.to_fill(view.fills[0]))
    return LiveTradingController(StateDir(tmp_path / "home"), journal, gateway, portfolio, risk=RiskConfig())


def test_flatten_closes_the_daemons_own_position_not_the_whole_venues(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    with EmbeddedGateway() as gateway:
        controller = _controller(tmp_path, gateway, journal)
        assert gateway.positions() == {"SPY": Decimal(15), "QQQ": Decimal(2)}
        (order_id,) = controller.flatten("erin", "SPY")
        assert re.fullmatch(r"manual-\d+-1-flatten-SPY-1", order_id), order_id
        view = gateway.core.order(order_id)
        assert view is not None
        assert (view.side, view.quantity, view.order_type, view.strategy) == (
            "sell",
            "5",
            "market",
            "controller",
        )
        assert [v.client_order_id for v in gateway.core.orders() if v.status == "accepted"] == [order_id]
    journal.close()
    flatten = [r for r in read_records(tmp_path / "journal") if r.kind is JournalKind.MANUAL_ACTION]
    assert [(r.actor, r.payload) for r in flatten] == [
        ("erin", {"action": "flatten", "symbol": "SPY", "orders": [order_id]})
    ]


def test_a_flatten_the_gateway_refuses_is_tried_again_then_left_to_the_operator(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    with EmbeddedGateway() as gateway:
        controller = _controller(tmp_path, gateway, journal)
        gateway.set_kill_switch(True)  # a new order is refused, every time
        assert controller.flatten("erin") == []
        assert not [v for v in gateway.core.orders() if v.strategy == "controller"]
    journal.close()
    records = [r for r in read_records(tmp_path / "journal") if r.actor == "erin"]
    failed = [r.payload for r in records if r.payload.get("event") == "flatten_failed"]
    assert [(p["attempt"], p["client_order_id"].rsplit("-", 2)[-2]) for p in failed] == [
        (attempt, symbol) for symbol in ("QQQ", "SPY") for attempt in range(1, FLATTEN_ATTEMPTS + 1)
    ]
    assert all("KILL_SWITCH" in p["detail"] for p in failed), failed
    abandoned = [r.payload["detail"] for r in records if r.payload.get("event") == "flatten_abandoned"]
    assert abandoned == [
        f"{symbol} not flattened after {FLATTEN_ATTEMPTS} attempts: close it by hand"
        for symbol in ("QQQ", "SPY")
    ]
