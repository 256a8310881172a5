"""EmulatingCore on a real embedded gateway: stops held in front of the venue, every other order passed on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from trader.execution.embedded import EmbeddedGateway
from trader.journal import Journal, JournalKind, read_records
from trader.live.emulated_stops import EmulatedStopsGateway

NOW = datetime(2024, 1, 2, 15, tzinfo=UTC)


def _fields(view: object | None, *names: str) -> tuple[object, ...]:
    assert view is not None
    return tuple(getattr(view, name) for name in names)


def test_a_limit_order_reaches_the_venue_with_every_option_and_a_stop_is_held(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    with EmbeddedGateway() as venue:
        emulated = EmulatedStopsGateway(venue, journal)
        limit = emulated.submit_order(
            "s-SPY-1", "SPY", "buy", Decimal(3), "limit", limit_price=Decimal("99.5"), time_in_force="gtc",
            strategy="s",
        )  # fmt: skip
        at_venue = _fields(
            venue.core.order("s-SPY-1"), "order_type", "limit_price", "time_in_force", "strategy"
        )
        assert at_venue == ("limit", "99.5", "gtc", "s")
        assert limit.status == "accepted"

        stop = emulated.submit_order(
            "risk-stop-SPY-1", "SPY", "sell", Decimal(3), "stop", stop_price=Decimal(95), time_in_force="gtc",
            strategy="risk",
        )  # fmt: skip
        assert (stop.status, stop.stop_price, stop.time_in_force, stop.strategy) == (
            "accepted",
            "95",
            "gtc",
            "risk",
        )
        assert venue.core.order("risk-stop-SPY-1") is None, "a held stop never reaches the venue"
        again = emulated.submit_order(
            "risk-stop-SPY-1", "SPY", "sell", Decimal(3), "stop", stop_price=Decimal(95)
        )
        assert again.duplicate
        assert [o.client_order_id for o in emulated.core.orders()] == ["risk-stop-SPY-1", "s-SPY-1"]

        assert emulated.emulator.watch("SPY", 96.0, 101.0, NOW) == [], "the low stayed above the stop"
        assert emulated.emulator.watch("SPY", 94.5, 101.0, NOW) == ["risk-stop-SPY-1"]
        sent = _fields(venue.core.order("risk-stop-SPY-1"), "order_type", "side", "quantity", "time_in_force")
        assert sent == ("market", "sell", "3", "gtc")
    journal.close()
    events = [
        r.payload["event"] for r in read_records(tmp_path / "journal") if r.kind is JournalKind.GATEWAY_ACK
    ]
    assert events == ["emulated_stop_held", "emulated_stop_triggered"]
