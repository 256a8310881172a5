"""User-facing error types: each names where (file:line, field) and what (the bad value)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path


class TraderError(Exception):
    """A mistake in the user's input or configuration; the CLI prints it without a traceback."""


class DataError(TraderError):
    """Malformed market data, located at a file and (when known) a 1-based line and a field."""

    def __init__(
        self,
        problem: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        self.value = value
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        what = self.problem
        if self.field is not None:
            what = f"field {self.field!r}: {what}"
        if self.value is not None:
            what = f"{what} (got {self.value!r})"
        return f"{where}: {what}"


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One problem in a record: the field path (None for the record as a whole), what is wrong, the value."""

    field: str | None
    problem: str
    value: object = None
    missing: bool = False

    def render(self) -> str:
        """`field 'qty': must be > 0 (got '-1')`; a missing field says `(missing)` instead of a value."""
        what = self.problem if self.field is None else f"field {self.field!r}: {self.problem}"
        if self.missing:
            return f"{what} (missing)"
        return f"{what} (got {_show(self.value)})"


class ModelError(TraderError):
    """Input that failed domain-model validation: names the source and, for every issue, field and value."""

    def __init__(self, source: str, issues: Sequence[FieldIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{source}: {issue.render()}" for issue in self.issues))


def _show(value: object, limit: int = 80) -> str:
    # Decimals, instants and enum members read best as the text the user wrote, not as their Python repr.
    if isinstance(value, Decimal):
        text = format(value, "f")  # str() would write 0.0000001 as 1E-7
    elif isinstance(value, datetime):
        text = repr(value.isoformat())
    elif isinstance(value, Enum):
        text = repr(value.value)
    else:
        text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class JournalError(TraderError):
    """A journal that cannot be opened, written or checked as asked; names the file and the seq."""
