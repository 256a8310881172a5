"""State changes of SAFE_MODE and the breaker, returned to the caller to journal (never printed here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class RiskEventKind(StrEnum):
    """Each risk state change, finer than the journal's record kinds."""

    SAFE_MODE_ENTERED = "safe_mode_entered"
    SAFE_MODE_ENDED = "safe_mode_ended"
    SAFE_MODE_CLEARED = "safe_mode_cleared"
    BREAKER_TRIPPED = "breaker_tripped"
    BREAKER_ACKNOWLEDGED = "breaker_acknowledged"
    BREAKER_RECOVERED = "breaker_recovered"


# The journal's record kind for each (trader.journal.JournalKind values; risk sits below the journal in the
# dependency order, so it names them rather than importing them).
_JOURNAL_KIND = {
    RiskEventKind.SAFE_MODE_ENTERED: "mode_change",
    RiskEventKind.SAFE_MODE_ENDED: "mode_change",
    RiskEventKind.SAFE_MODE_CLEARED: "manual_action",
    RiskEventKind.BREAKER_TRIPPED: "breaker_trip",
    RiskEventKind.BREAKER_ACKNOWLEDGED: "manual_action",
    RiskEventKind.BREAKER_RECOVERED: "breaker_recovery",
}


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """One state change. Journal it as
    `journal.append(event.journal_kind, event.record(), ts=event.at, actor=event.actor)`."""

    kind: RiskEventKind
    at: datetime
    payload: Mapping[str, Any]
    actor: str | None = None
    """Who caused it, for a manual trip, a clearance or an acknowledgement."""

    @property
    def journal_kind(self) -> str:
        """The journal record kind this event is written as."""
        return _JOURNAL_KIND[self.kind]

    def record(self) -> dict[str, Any]:
        """The journal payload: the event's own kind first, then its details."""
        return {"event": self.kind.value, **self.payload}
