"""The error raised for bad indicator parameters or inputs (also raised from inside `trader._core`)."""

from __future__ import annotations

from trader.errors import TraderError


class IndicatorError(TraderError, ValueError):
    """A bad indicator parameter or input; `field` names the parameter or array at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)
