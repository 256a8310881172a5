"""Errors of the portfolio: a fill the ledger cannot book, books that do not add up, bad metric inputs."""

from __future__ import annotations

from decimal import Decimal

from trader.errors import TraderError


def _show(value: object) -> str:
    return format(value, "f") if isinstance(value, Decimal) else repr(value)


class LedgerError(TraderError):
    """A fill or a mark the ledger refuses; names the fill (or symbol), the field and the value."""

    def __init__(self, where: str, problem: str, *, field: str | None = None, value: object = None) -> None:
        self.where = where
        self.problem = problem
        self.field = field
        self.value = value
        what = problem if field is None else f"field {field!r}: {problem}"
        if value is not None:
            what = f"{what} (got {_show(value)})"
        super().__init__(f"{where}: {what}")


class ReconcileError(TraderError):
    """The books do not add up: a tracked amount differs from the one recomputed from the fills."""

    def __init__(self, subject: str, what: str, tracked: Decimal, from_fills: Decimal) -> None:
        self.subject = subject
        self.what = what
        self.tracked = tracked
        self.from_fills = from_fills
        super().__init__(
            f"ledger does not reconcile for {subject}: {what} is {tracked:f} "
            f"but the fills give {from_fills:f} (difference {tracked - from_fills:f})"
        )


class MetricsError(TraderError):
    """Input the metrics cannot be computed from (mismatched lengths, unordered timestamps, NaN equity)."""
