"""Canonical JSON for journal records: exact decimals, UTC instants, no NaN, secrets scrubbed on the way."""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import PurePath
from typing import Any
from uuid import UUID

from trader._core import utc_instant_text
from trader.errors import JournalError
from trader.journal.redact import MASK, Redactor

_SORTED_COMPACT: dict[str, Any] = {
    "ensure_ascii": False,
    "allow_nan": False,
    "sort_keys": True,
    "separators": (",", ":"),
    "check_circular": False,
}
_ENCODER = json.JSONEncoder(**_SORTED_COMPACT)
# The C encoder built once: json.JSONEncoder.encode rebuilds it on every call, which costs a third of
# an append. Inputs are already plain JSON types, so it needs no `default` hook.
_C_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(None, None, encode_basestring, None, ":", ",", True, False, False)
)
_INSTANTS: dict[datetime, str] = {}
_LAST_INSTANT: tuple[datetime | None, str] = (None, "")
_FIELD_MODELS: dict[type, bool] = {}


def dumps(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept as UTF-8; `value` must already be normalised."""
    if _C_ENCODE is not None:
        return "".join(_C_ENCODE(value, 0))
    return _ENCODER.encode(value)


def format_instant(instant: datetime, where: str = "ts") -> str:
    """ISO-8601 in UTC with microseconds and a `Z`: `2024-03-01T14:30:00.000000Z` (one spelling)."""
    global _LAST_INSTANT  # noqa: PLW0603 -- one (instant, text) pair, swapped whole
    last = _LAST_INSTANT
    if instant is last[0]:  # an order's records share one stamp object
        return last[1]
    if instant.tzinfo is UTC and type(instant) is datetime:
        # Spelled in Rust, faster than a cache lookup (hashing an aware datetime) would be.
        text = utc_instant_text(instant) or _cached_instant(instant, where)
    else:
        text = _cached_instant(instant, where)
    _LAST_INSTANT = (instant, text)
    return text


def _cached_instant(instant: datetime, where: str) -> str:
    text = _INSTANTS.get(instant)
    if text is not None and instant.tzinfo is not None:
        return text
    if instant.tzinfo is UTC:
        text = instant.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"
    elif instant.tzinfo is None or instant.utcoffset() is None:
        raise JournalError(
            f"{where}: naive datetime {instant.isoformat()!r}; journal instants need a timezone"
        )
    else:
        text = instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    if len(_INSTANTS) > 1024:  # bars share timestamps; a small cache saves most of the formatting
        _INSTANTS.clear()
    _INSTANTS[instant] = text
    return text


def normalize_payload(payload: object, redactor: Redactor) -> dict[str, Any]:
    """The payload as plain JSON types (a mapping or a pydantic model at the top), secrets masked."""
    if type(payload) is dict:
        return _mapping(payload, redactor, "payload")
    dump = getattr(payload, "model_dump", None)
    if callable(dump):
        # A model that serialises as its fields is read from its __dict__ (a fill per order in a backtest:
        # model_dump costs more than the rest of the append). Others dump in Python mode, which keeps
        # Decimal and datetime objects so they get this module's exact spelling.
        payload = payload.__dict__ if _dumps_as_fields(type(payload)) else dump(mode="python")
    if not isinstance(payload, Mapping):
        raise JournalError(f"payload: expected a mapping or a pydantic model, got {type(payload).__name__}")
    return _mapping(payload, redactor, "payload")


def raw_fields(payload: object) -> dict[str, Any] | None:
    """The mapping `normalize_payload` would walk, when it is a plain dict (the payload itself, or a model's
    field dict); None when Python must dump it first. The Rust encoder normalises such a mapping itself."""
    if type(payload) is dict:
        return payload
    if callable(getattr(payload, "model_dump", None)) and _dumps_as_fields(type(payload)):
        fields = payload.__dict__
        return fields if type(fields) is dict else None
    return None


def _dumps_as_fields(model: type) -> bool:
    """Whether `model_dump(mode="python")` of a `model` equals its __dict__ (nested models aside, which
    `_value` dumps itself): no serializers, computed or excluded fields, and no extra fields allowed."""
    known = _FIELD_MODELS.get(model)
    if known is None:
        decorators = getattr(model, "__pydantic_decorators__", None)
        fields = getattr(model, "model_fields", None)
        config = getattr(model, "model_config", {})
        known = bool(
            decorators is not None
            and fields is not None
            and not decorators.field_serializers
            and not decorators.model_serializers
            and not decorators.computed_fields
            and not any(info.exclude for info in fields.values())
            and config.get("extra") != "allow"
        )
        _FIELD_MODELS[model] = known
    return known


def _mapping(value: Mapping[Any, Any], redactor: Redactor, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # The redactor's caches and the common types are inlined: this loop is most of an append's cost.
    names, texts = redactor.name_cache, redactor.text_cache
    for raw_key, item in value.items():
        key = raw_key if type(raw_key) is str else _key(raw_key, where)
        secret = names.get(key)
        if secret is None:
            secret = redactor.secret_name(key)
        kind = type(item)
        if secret:
            out[key] = MASK
        elif kind is str:
            clean = texts.get(item)
            out[key] = clean if clean is not None else redactor.scrub(item)
        elif kind is Decimal and item.is_finite():
            out[key] = str(item)
        elif kind is int or item is None or kind is bool:
            out[key] = item
        else:
            out[key] = _value(item, redactor, where, key)
    return out


def _key(key: object, where: str) -> str:
    if not isinstance(key, str):
        raise JournalError(f"{where}: keys must be strings, got {type(key).__name__} key")
    return str(key)  # a str subclass (StrEnum member) becomes its plain value


def _value(item: Any, redactor: Redactor, where: str, key: str | int) -> Any:
    # Exact-type checks first: they cover nearly every payload value without isinstance chains.
    kind = type(item)
    if kind is str:
        return redactor.scrub(item)
    if kind is int or kind is bool or item is None:
        return item
    if kind is Decimal:
        return _decimal(item, where, key)
    if kind is float:
        if not math.isfinite(item):
            raise JournalError(f"{_path(where, key)}: {item!r} is not a finite number")
        return item
    if kind is datetime:
        return format_instant(item, _path(where, key))
    if isinstance(item, Enum):
        return _value(item.value, redactor, where, key)
    if isinstance(item, Mapping):
        return _mapping(item, redactor, _path(where, key))
    if isinstance(item, list | tuple):
        inner = _path(where, key)
        return [_value(v, redactor, inner, i) for i, v in enumerate(item)]
    return _other(item, redactor, where, key)


def _other(item: Any, redactor: Redactor, where: str, key: str | int) -> Any:
    # Subclasses and rarer types: checked after the fast path above.
    if isinstance(item, str):
        return redactor.scrub(str(item))
    if isinstance(item, Decimal):
        return _decimal(item, where, key)
    if type(item).__module__ == "numpy" and getattr(item, "ndim", None) == 0:
        return _value(item.item(), redactor, where, key)  # numpy scalar -> its Python value
    if isinstance(item, Fraction):
        return str(item)  # "1/3": exact, where a float would round
    if isinstance(item, numbers.Integral):  # int subclasses (IntFlag is caught as an Enum first)
        return int(item)
    if isinstance(item, numbers.Real):  # float subclasses
        value = float(item)
        if not math.isfinite(value):
            raise JournalError(f"{_path(where, key)}: {value!r} is not a finite number")
        return value
    if isinstance(item, datetime):
        return format_instant(item, _path(where, key))
    if isinstance(item, date):
        return item.isoformat()
    if isinstance(item, UUID | PurePath):
        return redactor.scrub(str(item))
    dump = getattr(item, "model_dump", None)
    if callable(dump):
        return _mapping(dump(mode="python"), redactor, _path(where, key))
    if isinstance(item, set | frozenset):
        raise JournalError(f"{_path(where, key)}: sets have no order; pass a sorted list")
    hint = "; pass .tolist()" if hasattr(item, "tolist") else ""
    raise JournalError(f"{_path(where, key)}: cannot journal a {type(item).__name__}{hint}")


def _decimal(item: Decimal, where: str, key: str | int) -> str:
    if not item.is_finite():
        raise JournalError(f"{_path(where, key)}: {item} is not a finite number")
    # str() is exact and keeps the written scale ("1.50" stays "1.50").
    return str(item)


def _path(where: str, key: str | int) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"
