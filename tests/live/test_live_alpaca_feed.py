"""Paper trading on Alpaca's live bars: alpaca-py's stream from our fake server feeds a daemon subprocess."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from live_helpers import DaemonProcess, api, journal_records, wait_until

from trader.alpaca.fake import FakeAlpacaServer
from trader.journal import JournalKind

T0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)


def _bar(minute: int, close: float) -> dict[str, object]:
    stamp = (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
    return {"t": stamp, "o": close, "h": close + 0.5, "l": close - 0.5, "c": close, "v": 1000.0}


def test_streamed_bars_are_decided_filled_and_never_traded_twice(tmp_path: Path, samples_dir: Path) -> None:
    config = tmp_path / "daemon.toml"
    config.write_text("[breaker]\nstale_data_seconds = 1000000000\n")  # the fake's bars are from 2024
    home = tmp_path / "home"
    with FakeAlpacaServer(samples_dir) as fake:
        env = fake.client_env()
        daemon = DaemonProcess(
            home,
            "--config",
            str(config),
            "--feed",
            "alpaca",
            "--symbol",
            "AAPL",
            "--tick-interval",
            "0.05",
            "--param",
            "fast=2",
            "--param",
            "slow=4",
            env=env,
        )
        try:
            daemon.wait_event("started")
            minute = 0
            deadline = time.monotonic() + 20
            while api(home, "GET", "/status")[1]["bars_processed"] == 0:  # until the subscription is live
                assert time.monotonic() < deadline, "no streamed bar reached the daemon"
                fake.broker.publish_bar("AAPL", _bar(minute, 100.0))
                minute += 1
                time.sleep(0.2)
            closes = [100.0, 99.0, 98.0, 97.0, 96.0, 97.0, 99.0, 102.0, 106.0, 111.0, 117.0]
            for close in closes:
                fake.broker.publish_bar("AAPL", _bar(minute, close))
                minute += 1
            fake.broker.publish_bar("AAPL", _bar(minute - 3, 1.0))  # an old bar again: dropped, never traded
            bought = daemon.wait_event("decision", where=lambda d: d["side"] == "buy")
            assert bought["reason"] == "EMA2 crossed above EMA4"
            fill = daemon.wait_event(
                "fill", where=lambda f: f["client_order_id"] == bought["client_order_id"]
            )
            assert fill["side"] == "buy"

            def marked_at_last_close() -> bool:
                positions = api(home, "GET", "/status")[1]["positions"]
                return bool(positions) and Decimal(positions[0]["last"]) == 117

            # The repeated old bar (close 1.0) was dropped: the mark stays at the newest bar's close.
            wait_until(marked_at_last_close, what="the position marked at 117")
            time.sleep(0.3)
            assert marked_at_last_close()
        finally:
            daemon.stop()
    marks = [r for r in journal_records(home) if r.kind is JournalKind.FILL]
    assert len(marks) == 1
    assert daemon.wait_event("stopped")["reason"] == "SIGTERM"
