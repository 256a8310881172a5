"""`python -m trader.alpaca.fake` as a process: prints its port, takes HTTP test controls, stops on TERM."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import urllib.request
from decimal import Decimal
from pathlib import Path

from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, TimeInForce
from alpaca.trading.models import Order
from alpaca.trading.requests import MarketOrderRequest

from trader.alpaca.fake import DEFAULT_KEY_ID, DEFAULT_SECRET


def post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, object] = json.load(answer)
        return result


def test_the_fake_runs_as_a_process_with_http_controls(samples_dir: Path, tmp_path: Path) -> None:
    with (
        (tmp_path / "fake.log").open("w") as log,
        subprocess.Popen(
            [sys.executable, "-m", "trader.alpaca.fake", "--port", "0", "--data-dir", str(samples_dir)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        ) as fake,
    ):
        try:
            assert fake.stdout is not None
            ready, _, _ = select.select([fake.stdout], [], [], 30)
            line = fake.stdout.readline() if ready else ""
            assert line.startswith("fake-alpaca listening port="), line
            base = f"http://127.0.0.1:{int(line.split('=')[1])}"
            post(f"{base}/_fake/price", {"symbol": "SPY", "price": "412.5"})
            post(f"{base}/_fake/faults", {"failures": [[500, None]]})
            trading = TradingClient(DEFAULT_KEY_ID, DEFAULT_SECRET, url_override=base, raw_data=False)
            trading._retry_codes = [500]  # let alpaca-py retry the injected 500 once, as it does 429/504
            trading._retry_wait = 0
            order = trading.submit_order(
                MarketOrderRequest(symbol="SPY", qty=2, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
            )
            assert isinstance(order, Order)
            with urllib.request.urlopen(f"{base}/_fake/stats", timeout=10) as answer:
                stats = json.load(answer)
            assert stats["orders"] == 1
            assert list(stats["submit_attempts"].values()) == [1], "the 500 was answered before processing"
            positions = trading.get_all_positions()
            assert isinstance(positions, list)
            assert [(p.symbol, Decimal(p.qty)) for p in positions] == [("SPY", Decimal(2))]
            fake.send_signal(signal.SIGTERM)
            assert fake.wait(30) == 0
        finally:
            if fake.poll() is None:
                fake.kill()
                fake.wait()
