"""Journal appends per second for each fsync policy, against plain json.dumps + write as the peer."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from trader.journal import FsyncPolicy, HmacSigner, Journal, JournalOptions, verify_journal

TARGET_BATCH = 50_000  # records/s the issue asks for with fsync batching
T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def payloads(n: int) -> list[dict[str, Any]]:
    """Fill-like records: exact decimals, an instant, enums as strings, a free-text reason."""
    return [
        {
            "client_order_id": f"sma-cross-AAPL-{i:08d}",
            "symbol": "AAPL",
            "side": "buy" if i % 2 else "sell",
            "qty": Decimal(10 + i % 7),
            "price": Decimal("187.23") + Decimal(i % 100) / 100,
            "fee": Decimal("0.0035"),
            "filled_at": T0 + timedelta(seconds=i),
            "reason": "sma(20) crossed above sma(50)",
        }
        for i in range(n)
    ]


def bench_journal(folder: Path, policy: FsyncPolicy, data: list[dict[str, Any]]) -> float:
    """Records/s through Journal.append (hashing, redaction, canonical JSON, checkpoints, sync policy)."""
    options = JournalOptions(fsync=policy, rotate_bytes=64 * 1024 * 1024)
    signer = HmacSigner(b"bench-key-0123456789abcdef")
    start = time.perf_counter()
    with Journal(folder, options=options, signer=signer) as journal:
        for i, payload in enumerate(data):
            journal.append("fill", payload, ts=T0 + timedelta(microseconds=i))
    elapsed = time.perf_counter() - start
    report = verify_journal(folder, signer=signer)
    if not report.ok or report.records < len(data):
        raise SystemExit(f"benchmark journal does not verify: {report.problem}")
    return len(data) / elapsed


def _plain_default(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def bench_plain(file: Path, data: list[dict[str, Any]]) -> float:
    """Records/s for the peer: json.dumps + buffered write, no hash, no redaction, no fsync until close."""
    start = time.perf_counter()
    with file.open("w", encoding="utf-8") as fh:
        for payload in data:
            fh.write(json.dumps(payload, default=_plain_default) + "\n")
    return len(data) / (time.perf_counter() - start)


def main() -> None:
    """Run every policy and the peer on the same payloads; print rates and the cost of the chain."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000, help="records for batch/never and the peer")
    parser.add_argument("--always-records", type=int, default=2_000, help="records for fsync=always")
    args = parser.parse_args()
    data = payloads(args.records)
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        plain = bench_plain(root / "plain.jsonl", data)
        rates = {
            policy: bench_journal(
                root / policy.value, policy, data[: args.always_records] if policy == "always" else data
            )
            for policy in (FsyncPolicy.BATCH, FsyncPolicy.NEVER, FsyncPolicy.ALWAYS)
        }
    print(f"{'writer':<28}{'records/s':>14}{'vs plain':>10}")
    print(f"{'plain json.dumps + write':<28}{plain:>14,.0f}{1.0:>10.2f}")
    for policy, rate in rates.items():
        print(f"{'journal fsync=' + policy.value:<28}{rate:>14,.0f}{rate / plain:>10.2f}")
    batch = rates[FsyncPolicy.BATCH]
    verdict = "meets" if batch >= TARGET_BATCH else "MISSES"
    print(
        f"batch: {batch:,.0f} records/s {verdict} the {TARGET_BATCH:,}/s target; "
        f"the chain costs x{plain / batch:.2f}"
    )


if __name__ == "__main__":
    main()
