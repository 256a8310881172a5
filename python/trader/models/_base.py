"""The base every domain model shares, and the one way a cross-field rule reports a bad field."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


class DomainModel(BaseModel):
    """Immutable, and strict about shape: an unknown field (a typo in a config) is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken cross-field rule, pinned to the field that has to change."""

    field: str
    message: str
    value: object


def raise_violations(model: type[BaseModel], violations: list[Violation]) -> None:
    """Raise one ValidationError carrying every violation at its field's location (a no-op when empty).

    Raised inside a validator, pydantic keeps these locations (prefixed when the model is nested), so
    the error names `limit_price` rather than the model as a whole.
    """
    if not violations:
        return
    details = [
        InitErrorDetails(
            type=PydanticCustomError("rule", violation.message),
            loc=(violation.field,),
            input=violation.value,
        )
        for violation in violations
    ]
    raise ValidationError.from_exception_data(model.__name__, details)
