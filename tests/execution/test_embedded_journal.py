"""The embedded gateway on a journal file: drop it, reopen on the same journal, and the orders are back."""

from __future__ import annotations

import gc
from decimal import Decimal
from pathlib import Path

import pytest

from trader.execution.embedded import EmbeddedGateway
from trader.execution.errors import GatewayJournalError

T0 = 1_700_006_400_000_000_000


def test_reopen_on_the_same_journal_restores_orders_and_flags_a_resubmit_duplicate(tmp_path: Path) -> None:
    journal = tmp_path / "gateway.journal"
    gw = EmbeddedGateway(journal_path=journal)
    gw.submit_order("j1", "AAPL", "buy", "10")
    gw.submit_order("j2", "AAPL", "sell", "4", "limit", limit_price=Decimal(90))
    gw.on_bar("AAPL", T0, "100", "101", "99", "100", "1000")
    before = [(o.client_order_id, o.status, o.filled_qty, o.filled_avg_price) for o in gw.orders()]
    assert before == [("j1", "filled", 10, Decimal(100)), ("j2", "filled", 4, Decimal(100))]
    del gw
    gc.collect()  # the journal is flushed when the gateway goes away

    reopened = EmbeddedGateway(journal_path=journal)
    assert reopened.core.replayed_records > 0
    after = [(o.client_order_id, o.status, o.filled_qty, o.filled_avg_price) for o in reopened.orders()]
    assert after == before
    assert reopened.positions() == {"AAPL": Decimal(6)}
    again = reopened.submit_order("j1", "AAPL", "buy", "10")
    assert again.duplicate
    assert again.status == "filled"
    assert reopened.core.venue_order_count == 0, "nothing was sent to the (new) venue again"
    assert reopened.core.halted is None


def test_a_journal_is_held_by_one_gateway_at_a_time(tmp_path: Path) -> None:
    journal = tmp_path / "gateway.journal"
    with EmbeddedGateway(journal_path=journal) as first:
        first.submit_order("h1", "AAPL", "buy", "1")
        with pytest.raises(GatewayJournalError, match="already open elsewhere"):
            EmbeddedGateway(journal_path=journal)
    assert first.core.closed
    with EmbeddedGateway(journal_path=journal) as second:
        again = second.submit_order("h1", "AAPL", "buy", "1")
        assert again.duplicate


def test_a_working_order_unknown_to_a_fresh_venue_halts_the_reopened_gateway(tmp_path: Path) -> None:
    # The simulated venue lives in memory: after a reopen it no longer has the resting order, and the gateway
    # refuses new risk rather than guess (fail closed).
    journal = tmp_path / "gateway.journal"
    gw = EmbeddedGateway(journal_path=journal)
    gw.submit_order("w1", "AAPL", "buy", "1", "limit", limit_price=Decimal(50), time_in_force="gtc")
    gw.close()
    reopened = EmbeddedGateway(journal_path=journal)
    assert reopened.core.halted is not None
    assert "w1 is accepted here but unknown to the venue" in reopened.core.halted
