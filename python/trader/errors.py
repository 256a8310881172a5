"""User-facing error types: each names where (file:line, field) and what (the bad value)."""

from __future__ import annotations

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
