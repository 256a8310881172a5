"""Validate untrusted input into a domain model, turning every pydantic error into one located ModelError."""

from __future__ import annotations

import difflib
import json
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from trader.errors import FieldIssue, ModelError

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_model(model_cls: type[ModelT], data: object, *, source: str) -> ModelT:
    """Validate `data` (a mapping, or JSON text/bytes) as `model_cls`; `source` says where it came from.

    JSON numbers are read as exact Decimals, never through a binary float, and a key repeated in one
    object is an error (json.loads would silently keep the last). Raises ModelError naming the source,
    each field path and each offending value.
    """
    if isinstance(data, str | bytes | bytearray):
        data = _load_json(data, source)
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        issues = [_issue(model_cls, error) for error in exc.errors(include_url=False)]
        raise ModelError(source, issues) from None


def _load_json(text: str | bytes | bytearray, source: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        near = exc.doc[exc.pos : exc.pos + 20] or "end of input"
        issue = FieldIssue(None, f"invalid JSON: {exc.msg}", near)
        raise ModelError(f"{source}:{exc.lineno}:{exc.colno}", [issue]) from None
    except _DuplicateKeyError as exc:
        issue = FieldIssue(exc.key, "key appears twice in one JSON object", exc.value)
        raise ModelError(source, [issue]) from None


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str, value: object) -> None:
        super().__init__(key)
        self.key = key
        self.value = value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key, value)
        result[key] = value
    return result


def _issue(model_cls: type[BaseModel], error: ErrorDetails) -> FieldIssue:
    loc = error["loc"]
    kind = error["type"]
    if loc and loc[-1] == "[key]":
        # pydantic locates a bad mapping key as (..., key, "[key]"): name the mapping, show the key.
        return FieldIssue(_field_path(loc[:-2]), f"bad key: {error['msg']}", error["input"])
    field = _field_path(loc)
    if kind == "missing":
        return FieldIssue(field, "required field", missing=True)
    if kind == "extra_forbidden":
        return FieldIssue(field, _unknown_field_problem(model_cls, loc), error["input"])
    return FieldIssue(field, error["msg"], error["input"])


def _field_path(loc: tuple[int | str, ...]) -> str | None:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


def _unknown_field_problem(model_cls: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    # Only top-level names are suggested: the models are flat, and a wrong guess would mislead.
    if len(loc) != 1:
        return "unknown field"
    known = sorted(model_cls.model_fields)
    close = difflib.get_close_matches(str(loc[0]), known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(known)}"
    return f"unknown field, {hint}"
