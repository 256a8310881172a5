"""Paper-venue epochs: the in-process SimVenue dies with its process, so a restart that finds orders the new
venue cannot know archives the gateway journal and opens a fresh one; every epoch's fills stay on record."""

from __future__ import annotations

import re
from pathlib import Path

from trader._core import GatewayOrder
from trader.execution.embedded import EmbeddedGateway
from trader.journal import JournalKind, read_records
from trader.live.state_dir import StateDir

_EPOCH = re.compile(r"gateway-epoch-(\d+)\.journal$")


def archived(state: StateDir) -> list[Path]:
    """The archived gateway journals, oldest first."""
    found = [p for p in state.root.glob("gateway-epoch-*.journal") if _EPOCH.search(p.name)]
    return sorted(found, key=lambda p: int(_EPOCH.search(p.name).group(1)))  # type: ignore[union-attr]


def archive(state: StateDir) -> Path:
    """Move the current gateway journal aside as the next epoch; the caller has closed its gateway."""
    target = state.root / f"gateway-epoch-{len(archived(state)) + 1:04d}.journal"
    state.gateway_journal.rename(target)
    return target


def archived_orders(state: StateDir) -> list[GatewayOrder]:
    """Every order of every archived epoch (read back from its journal, then released)."""
    orders: list[GatewayOrder] = []
    for path in archived(state):
        gateway = EmbeddedGateway(journal_path=path)
        try:
            orders.extend(gateway.core.orders())
        finally:
            gateway.close()
    return orders


def last_order_seq(journal: Path, strategy_id: str) -> int:
    """The highest order sequence the journal holds an intent for (a new epoch never reuses an id)."""
    prefix, highest = f"{strategy_id}-", 0
    if not journal.exists():
        return 0
    for record in read_records(journal):
        if record.kind is not JournalKind.ORDER_INTENT:
            continue
        order_id = str(record.payload.get("client_order_id", ""))
        tail = order_id.rpartition("-")[2]
        if order_id.startswith(prefix) and tail.isdigit():
            highest = max(highest, int(tail))
    return highest
