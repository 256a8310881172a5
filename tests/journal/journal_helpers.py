"""Builders shared by the journal tests: a realistic journal written through the real writer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from trader.journal import FsyncPolicy, HmacSigner, Journal, JournalKind, JournalOptions

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
KEY = b"test-journal-key-0123456789abcdef"
SIGNER = HmacSigner(KEY)

_KINDS = [k for k in JournalKind if k not in (JournalKind.CHECKPOINT, JournalKind.MANUAL_ACTION)]


def payload(i: int) -> dict[str, Any]:
    """A fill-like payload with exact decimals and an instant."""
    return {
        "client_order_id": f"test-{i:06d}",
        "symbol": "AAPL" if i % 2 else "BTC/USD",
        "qty": Decimal(i % 5 + 1),
        "price": Decimal("187.25") + Decimal(i) / 100,
        "at": T0 + timedelta(seconds=i),
        "reasons": ["sma(20) > sma(50)", f"rank {i}"],
    }


def write_journal(
    path: Path,
    records: int,
    *,
    signer: HmacSigner | None = SIGNER,
    options: JournalOptions | None = None,
    start: int = 0,
) -> tuple[int, str]:
    """Append `records` varied records (every 7th a manual action) and return the head after close."""
    opts = options or JournalOptions(fsync=FsyncPolicy.NEVER, checkpoint_every=5)
    with Journal(path, options=opts, signer=signer) as journal:
        for i in range(start, start + records):
            ts = T0 + timedelta(seconds=i)
            if i % 7 == 6:
                journal.append(JournalKind.MANUAL_ACTION, {"action": "flatten"}, ts=ts, actor="alice")
            else:
                journal.append(_KINDS[i % len(_KINDS)], payload(i), ts=ts)
    return journal.head


def lines_of(path: Path) -> list[bytes]:
    """The file's lines with their newlines."""
    return path.read_bytes().splitlines(keepends=True)
