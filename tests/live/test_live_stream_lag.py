"""A daemon that falls behind the gateway's event stream takes no new risk until it has caught up.

The daemon books at most 1 gateway event per tick; another client puts 20 orders (40 events) into the
gateway at once. The daemon is then far behind: it holds (journaled, in --status and the health section),
its next decisions are refused, and once it has worked off the backlog it resumes by itself (journaled).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from live_helpers import BARS_PER_SECOND, DaemonProcess, api, cli, journal_records
from test_live_gateway_outage import gateway, remote_daemon_args

from trader.execution.gateway_process import GatewayProcess
from trader.execution.grpc_client import GatewayClient, OrderIntent
from trader.journal import JournalKind, verify_journal

__all__ = ["gateway"]  # the fixture, shared with the outage test

TOKEN = "live-outage-test-token-0123456789"
BIDDING = f"{Path(__file__).parent / 'bidding_strategy.py'}:Bidding"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "daemon.toml"
    path.write_text(
        "stream_batch = 1\nstream_lag_events = 6\nstream_lag_seconds = 60\n"
        "[breaker]\nstale_data_seconds = 100000\n"
    )
    return path


def _flood(target: str, count: int) -> None:
    """Another node's orders: `count` resting bids, two events each at the gateway."""
    with GatewayClient(target, TOKEN) as client:
        for index in range(count):
            intent = OrderIntent(
                client_order_id=f"other-node-{index}",
                symbol="AAPL",
                side="buy",
                quantity=Decimal(1),
                order_type="limit",
                limit_price=Decimal("10.00"),
                time_in_force="gtc",
            )
            client.submit(intent)


def test_a_lagging_event_stream_holds_new_risk_until_caught_up(
    tmp_path: Path, samples_dir: Path, gateway: GatewayProcess
) -> None:
    home = tmp_path / "home"
    args = remote_daemon_args(tmp_path, samples_dir, gateway.grpc_target, BIDDING, tick=0.25)
    args += ["--config", str(_config(tmp_path)), "--speed", str(BARS_PER_SECOND / 1.5)]
    daemon = DaemonProcess(home, *args)
    try:
        daemon.wait_event("decision", where=lambda d: d["status"] == "accepted")
        _flood(gateway.grpc_target, 20)
        hold = daemon.wait_event("stream_lag_hold")
        assert "events behind the gateway's head" in hold["reason"]
        assert "(limit 6)" in hold["reason"]
        status = api(home, "GET", "/status")[1]
        assert status["controller"]["trading"] is False
        assert status["controller"]["stream_lag"] == hold["reason"]
        assert status["health"]["stream"]["holding"] == hold["reason"]
        shown = cli(home, "daemon", "--status")
        assert f"HELD, {hold['reason']}" in shown.output
        refused = daemon.wait_event("decision", where=lambda d: d["status"] == "refused")
        assert refused["reason"] == f"{hold['reason']}: only exits pass"
        resumed = daemon.wait_event("stream_lag_resumed", timeout=30)
        assert resumed["reason"].startswith("caught up with the gateway at sequence ")
        after = len(daemon.lines)
        daemon.wait_event(
            "decision",
            where=lambda d: d["status"] == "accepted" and daemon.lines.index(d) >= after,
        )
        status = api(home, "GET", "/status")[1]
        assert status["controller"]["stream_lag"] is None
        assert status["health"]["stream"]["holding"] is None
        assert status["health"]["stream"]["behind"] <= 6, "its own orders' events, within the limit"
    finally:
        daemon.stop()

    records = journal_records(home)
    changes = [
        (r.actor, r.payload["event"], r.payload["reason"])
        for r in records
        if r.kind is JournalKind.MODE_CHANGE and r.payload.get("event", "").startswith("stream_lag")
    ]
    assert changes == [
        ("health", "stream_lag_hold", hold["reason"]),
        ("health", "stream_lag_resumed", resumed["reason"]),
    ]
    verdicts = [r.payload for r in records if r.kind is JournalKind.RISK_VERDICT]
    held = next(v for v in verdicts if v["client_order_id"] == refused["client_order_id"])
    assert (held["action"], held["reasons"]) == ("reject", ["CONTROLLER_HOLD"])
    assert verify_journal(home / "journal").ok
