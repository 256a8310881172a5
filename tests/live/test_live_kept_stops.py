"""KeptStops at a restart, on a real embedded gateway: adopted from the venue, one per position, ids new."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from trader.execution.embedded import EmbeddedGateway
from trader.execution.embedded_config import SimFaults, SimSettings
from trader.execution.errors import VenueUnavailableError
from trader.journal import Journal, JournalKind, read_records
from trader.live.kept_stops import KeptStops, stop_number
from trader.models import Fill, Side
from trader.portfolio import Portfolio
from trader.risk.config import StopsConfig

NOW = datetime(2024, 1, 2, tzinfo=UTC)


class Calls:
    """Records what the stops tell `on_call` (as the breaker's API error rate hears it)."""

    def __init__(self) -> None:
        self.seen: list[tuple[datetime, Exception | None, str]] = []

    def __call__(self, now: datetime, error: Exception | None, status: str) -> None:
        self.seen.append((now, error, status))


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
        stops.on_call = calls = Calls()
        adopted = stops.adopt(saved, gateway.core.orders(), tmp_path / "journal", Portfolio(Decimal(10_000)))
        assert adopted == ["risk-stop-SPY-3"]
        assert stops.cancel_extra(NOW) == ["risk-stop-SPY-1"]
        assert calls.seen == [(NOW, None, "canceled")], "the cancel is a gateway call the breaker counts"
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


def test_a_second_stop_whose_cancel_fails_is_journaled_and_counted_as_an_api_error(tmp_path: Path) -> None:
    """Every venue answer lost: both stops are in flight (working), and the older one's cancel fails."""
    gateway = EmbeddedGateway(sim=SimSettings(faults=SimFaults(seed=3, timeout_after=1000)))
    journal = Journal(tmp_path / "journal")
    try:
        for order_id, price in (("risk-stop-SPY-1", "90"), ("risk-stop-SPY-2", "95")):
            with pytest.raises(VenueUnavailableError):
                _stop(gateway, order_id, price)
        stops = KeptStops(StopsConfig(), gateway, journal)
        stops.on_call = calls = Calls()
        adopted = stops.adopt(None, gateway.core.orders(), tmp_path / "journal", Portfolio(Decimal(10_000)))
        assert adopted == ["risk-stop-SPY-2"]
        assert stops.cancel_extra(NOW) == [], "a cancel that failed cancelled nothing"
        ((when, error, status),) = calls.seen
        assert (when, status) == (NOW, "")
        assert isinstance(error, VenueUnavailableError)
    finally:
        journal.close()
        gateway.close()
    records = read_records(tmp_path / "journal")
    (failed,) = [r.payload for r in records if r.kind is JournalKind.GATEWAY_REJECT]
    assert (failed["client_order_id"], failed["event"]) == ("risk-stop-SPY-1", "cancel_failed")
