"""The stream-lag guard: the daemon trails the gateway's event sequence too far or too long -> no new risk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple


class LagChange(NamedTuple):
    """A hold begins (`hold`) or ends (`resume`); `reason` says by how much or how long, for the journal."""

    action: Literal["hold", "resume"]
    reason: str


@dataclass(slots=True)
class StreamLagGuard:
    """Decides, once per tick, whether the daemon's view of the venue is too old to take new risk on.

    Behind = the gateway's head sequence minus the events the daemon consumed. The guard holds when behind
    exceeds `max_events`, or when the daemon has not been caught up (or could not ask the gateway at all)
    for longer than `max_age_s`. It resumes only once the daemon is caught up again: a hold never flaps on
    a backlog that is merely shrinking.
    """

    max_events: int
    max_age_s: float
    caught_up_at: float
    """Monotonic time the daemon last had consumed everything the gateway held."""
    behind: int | None = 0
    """Events behind at the last observation; None when the gateway could not be asked."""
    holding: str | None = None
    """Why new risk is held, while it is."""

    def observe(self, consumed: int, head: int | None, now: float) -> LagChange | None:
        """One tick's reading (`head` None: the gateway did not answer); a change of state, or None."""
        self.behind = None if head is None else max(0, head - consumed)
        if self.behind == 0:
            self.caught_up_at = now
            if self.holding is None:
                return None
            was = self.holding
            self.holding = None
            return LagChange("resume", f"caught up with the gateway at sequence {consumed} (held: {was})")
        if self.holding is not None:
            return None
        age = now - self.caught_up_at
        if self.behind is not None and self.behind > self.max_events:
            self.holding = (
                f"event stream {self.behind} events behind the gateway's head {head} "
                f"(limit {self.max_events})"
            )
        elif age > self.max_age_s:
            where = "gateway unreachable" if self.behind is None else f"{self.behind} events behind"
            self.holding = f"event stream not caught up for {age:.1f} s ({where}; limit {self.max_age_s:g} s)"
        else:
            return None
        return LagChange("hold", self.holding)

    def describe(self) -> dict[str, object]:
        """For the status document's health section."""
        return {"behind": self.behind, "holding": self.holding}
