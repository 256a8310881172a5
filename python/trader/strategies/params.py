"""Typed strategy parameters: a frozen pydantic model per strategy, validated once, varied by sweeps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from trader.strategies.errors import StrategyError


class Params(BaseModel):
    """Base of every strategy's parameters: unknown names are refused, values are checked and frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """`["fast=10", "slow=30"]` -> `{"fast": "10", "slow": "30"}`; a malformed or repeated item is refused."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise StrategyError(f"--param {item!r}: expected NAME=VALUE")
        if name in out:
            raise StrategyError(f"--param {item!r}: {name!r} given twice")
        out[name] = value.strip()
    return out


def build_params(model: type[Params], values: Mapping[str, Any], *, where: str) -> Params:
    """Validate `values` into `model`; a bad one raises `StrategyError` naming the parameter and the value."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "<params>"
            if error["type"] == "extra_forbidden":
                known = ", ".join(sorted(model.model_fields)) or "none"
                problems.append(f"unknown parameter {name!r} (known: {known})")
            else:
                problems.append(f"parameter {name!r}: {error['msg']} (got {error.get('input')!r})")
        raise StrategyError(f"{where}: " + "; ".join(problems)) from None
