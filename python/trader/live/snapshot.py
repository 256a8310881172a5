"""The daemon's snapshot: positions, cash, open orders, last bar per symbol; written atomically each tick."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trader.live.errors import DaemonError

VERSION = 1


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Local state as of `written_at`; `journal_seq` says which journal records it already includes."""

    written_at: str
    mode: str
    strategy_id: str
    order_seq: int
    journal_seq: int
    starting_cash: str
    cash: str
    equity: str
    positions: dict[str, str]
    open_orders: list[dict[str, str]]
    last_bar: dict[str, dict[str, Any]]
    """symbol -> {"ts_ns": open stamp, "close": price text}"""
    final: bool = False
    version: int = VERSION
    extra: dict[str, Any] = field(default_factory=dict)


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    """Write to a temporary file, then rename over the old one: a reader never sees half a snapshot."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(snapshot), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_snapshot(path: Path) -> Snapshot | None:
    """The snapshot at `path`, None when there is none; a damaged one is refused with where and what."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        if data.get("version") != VERSION:
            raise DaemonError(f"{path}: snapshot version {data.get('version')!r}, expected {VERSION}")
        return Snapshot(**data)
    except (ValueError, TypeError) as exc:
        raise DaemonError(
            f"{path}: damaged snapshot ({exc}); move it away to start from the venue's state"
        ) from None
