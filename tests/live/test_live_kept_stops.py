"""KeptStops at a restart, on a real embedded gateway: adopted from the venue, one per position, ids new."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from trader.execution.embedded import EmbeddedGateway
from trader.journal import Journal, JournalKind, read_records
from trader.live.kept_stops import KeptStops, stop_number
from trader.models import Fill, Side
from trader.portfolio import Portfolio
from trader.risk.config import StopsConfig

NOW = datetime(2024, 1, 2, tzinfo=UTC)


def _stop(gateway: EmbeddedGateway, order_id: str, price: str) -> None:
    gateway.submit_order(
        order_id, "SPY", "sell", Decimal(5), "stop", stop_price=Decimal(price), time_in_force="gtc"
    )


def test_the_newest_venue_stop_is_adopted_the_older_cancelled_and_ids_go_on(tmp_path: Path) -> None:
    gateway = EmbeddedGateway()
    journal = Journal(tmp_path / "journal")
    try:
        _stop(gateway, "risk-stop-SPY-1", "90")
        _stop(gateway, "risk-stop-SPY-3", "95")
        saved = {
            "count": 2,
            "states": {"SPY": {"direction": 1, "entry": "100", "stop": "93", "risk": "7", "at_breakeven": 0}},
        }
        stops = KeptStops(StopsConfig(), gateway, journal)
        adopted = stops.adopt(saved, gateway.core.orders(), tmp_path / "journal", Portfolio(Decimal(10_000)))
        assert adopted == ["risk-stop-SPY-3"]
        assert stops.cancel_extra(NOW) == ["risk-stop-SPY-1"]
        # The venue's stop (95) is tighter than the snapshot's (93): the trail never loosens.
        assert stops.states["SPY"].stop == Decimal(95)
        assert stops.saved()["count"] == 3
        statuses = {v.client_order_id: v.status for v in gateway.core.orders()}
        assert statuses == {"risk-stop-SPY-1": "canceled", "risk-stop-SPY-3": "accepted"}
        # In line already: the adopted stop rests as it is, nothing is sent again.
        stops.sync("SPY", Decimal(5), Decimal(0), NOW)
        assert len(gateway.core.orders()) == 2
        # A tighter stop replaces it under the next id, never one used before.
        stops.sync("SPY", Decimal(4), Decimal(0), NOW)
        open_ids = [v.client_order_id for v in gateway.core.orders() if v.status == "accepted"]
        assert open_ids == ["risk-stop-SPY-4"]
    finally:
        journal.close()
        gateway.close()
    cancels = [r.payload for r in read_records(tmp_path / "journal") if r.kind is JournalKind.GATEWAY_ACK]
    assert cancels[0] == {
        "client_order_id": "risk-stop-SPY-1",
        "event": "cancel",
        "status": "canceled",
        "why": "second stop",
    }


def test_a_venue_stop_without_a_saved_state_is_measured_from_the_average_entry(tmp_path: Path) -> None:
    gateway = EmbeddedGateway()
    journal = Journal(tmp_path / "journal")
    try:
        _stop(gateway, "risk-stop-SPY-7", "96")
        stops = KeptStops(StopsConfig(), gateway, journal)
        portfolio = Portfolio(Decimal(10_000))
        portfolio.apply_fill(
            Fill(
                fill_id="f1",
                order_id="o1",
                client_order_id="hold-SPY-1",
                symbol="SPY",
                side=Side.BUY,
                qty=Decimal(5),
                price=Decimal(100),
                fee=Decimal(0),
                fee_currency="USD",
                timestamp=NOW,
            )
        )
        adopted = stops.adopt(None, gateway.core.orders(), tmp_path / "journal", portfolio)
        assert adopted == ["risk-stop-SPY-7"]
        state = stops.states["SPY"]
        assert (state.direction, state.entry, state.stop, state.risk) == (1, 100, 96, 4)
        assert not state.at_breakeven
    finally:
        journal.close()
        gateway.close()
    ids = ("risk-stop-SPY-7", "ema_cross-SPY-7", "risk-stop-BTC/USD-12")
    assert [stop_number(i) for i in ids] == [7, None, 12]
