"""What strategies derive from market data: indicator readings, chart-pattern hits and trade signals."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, ConfigDict, Field, PlainSerializer, model_validator

from trader.models._base import DomainModel, Violation, raise_violations
from trader.models._types import IndicatorValue, Name, Symbol, Text, UnitFloat, UtcDatetime
from trader.models.timeframe import Timeframe


class SignalDirection(StrEnum):
    """The position a signal or pattern argues for."""

    LONG = "long"
    SHORT = "short"
    FLAT = "flat"


class ReadOnlyValues(Mapping[str, float]):
    """Indicator values that cannot be changed, so a frozen snapshot stays frozen all the way down.

    A plain Mapping over a private dict rather than a MappingProxyType: it pickles and deep-copies,
    which process pools and `model_copy(deep=True)` need.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, float]) -> None:
        self._values = dict(values)

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"ReadOnlyValues({self._values!r})"


class IndicatorSnapshot(DomainModel):
    """Indicator readings for one symbol at one bar. Floats, since indicators are statistics; NaN marks
    an indicator still warming up and survives JSON as the string "NaN"."""

    model_config = ConfigDict(ser_json_inf_nan="strings")

    symbol: Symbol
    timeframe: Timeframe
    timestamp: UtcDatetime
    values: Annotated[
        Mapping[Name, IndicatorValue],
        Field(min_length=1),
        AfterValidator(ReadOnlyValues),
        PlainSerializer(dict, return_type=dict[str, float]),
    ]

    def is_warm(self, name: str) -> bool:
        """Whether indicator `name` has produced a real value yet (KeyError if it is not in the snapshot)."""
        return not math.isnan(self.values[name])


class PatternHit(DomainModel):
    """A chart pattern found over the bars opening from `start` through `end` (inclusive)."""

    symbol: Symbol
    timeframe: Timeframe
    pattern: Name
    start: UtcDatetime
    end: UtcDatetime
    direction: SignalDirection
    confidence: UnitFloat

    @model_validator(mode="after")
    def _start_not_after_end(self) -> Self:
        if self.end < self.start:
            raise_violations(
                type(self), [Violation("end", f"before start {self.start.isoformat()}", self.end)]
            )
        return self


class Signal(DomainModel):
    """A strategy's view on one symbol at one instant.

    `direction` carries the sign and `strength` the conviction in [0, 1]; keeping the two apart means
    a FLAT signal cannot carry a sign and a sizing rule never has to guess what -0.0 meant.
    `signed_strength` gives the familiar [-1, 1] number.
    """

    symbol: Symbol
    timestamp: UtcDatetime
    strategy_id: Name
    direction: SignalDirection
    strength: UnitFloat
    reason: Text

    @model_validator(mode="after")
    def _flat_has_no_strength(self) -> Self:
        if self.direction is SignalDirection.FLAT and self.strength != 0:
            raise_violations(
                type(self), [Violation("strength", "must be 0 for a flat signal", self.strength)]
            )
        return self

    @property
    def signed_strength(self) -> float:
        """Strength with the direction's sign: +strength long, -strength short, 0 flat."""
        if self.direction is SignalDirection.SHORT:
            return -self.strength
        return self.strength
