"""Field types shared by the domain models: exact decimals, UTC timestamps, symbols and identifiers."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, PlainSerializer
from pydantic_core import PydanticCustomError

DECIMAL_PLACES = 9
"""Most fractional digits a money or quantity field may carry: the gateway's fixed-point scale (1e-9)."""

FLOAT_EXACT_DIGITS = 15
"""A decimal of at most 15 significant digits survives the trip through a binary float (DBL_DIG)."""

_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,19}(/[A-Z0-9]{1,10})?")
_CURRENCY = re.compile(r"[A-Z0-9]{2,10}")
_NAME = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


def _reject_bool(value: Any) -> Any:
    # bool is an int subclass: without this, `qty=True` would quietly mean 1.
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "expected a number, not a boolean")
    return value


def _finite_float(value: Any) -> Any:
    # Checked before the bounds, so NaN is called NaN rather than "should be >= 0".
    value = _reject_bool(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "must be a finite number")
    return value


def _exact_decimal(value: Any) -> Any:
    """Let str/int/Decimal through; take a float only when it stands for one short decimal unambiguously.

    A float whose shortest repr has at most 15 significant digits is exactly the decimal literal that
    produced it (e.g. 101.25, 0.1), so we keep that literal. Longer ones (0.1 + 0.2 ==
    0.30000000000000004) are the residue of binary arithmetic, not an amount anyone meant: rejected.
    """
    value = _reject_bool(value)
    if isinstance(value, float) and math.isfinite(value):
        literal = repr(value)
        if len(Decimal(literal).normalize().as_tuple().digits) > FLOAT_EXACT_DIGITS:
            raise PydanticCustomError(
                "inexact_float",
                "float is not an exact amount (more than 15 significant digits): pass a str or Decimal",
            )
        return Decimal(literal)
    return value


def _plain(value: Decimal) -> Decimal:
    # One value per amount: 1E+3 becomes 1000 and -0 becomes 0.
    if value.is_zero():
        return abs(value)
    return Decimal(format(value, "f")) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


def _plain_text(value: Decimal) -> str:
    # str() writes 0.0000001 as '1E-7'; JSON (and the gateway's decimal-text parser) get plain digits.
    return format(value, "f")


def _no_numeric_timestamp(value: Any) -> Any:
    # pydantic would read a number as epoch seconds or milliseconds depending on its size: a guess.
    if isinstance(value, int | float | Decimal):
        raise PydanticCustomError(
            "timestamp_number", "expected an ISO-8601 timestamp with a UTC offset, not a number"
        )
    return value


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _normalise_code(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _check_symbol(value: str) -> str:
    if not _SYMBOL.fullmatch(value):
        raise PydanticCustomError(
            "symbol",
            "not a symbol: expected letters/digits with optional '.' or '-', or a pair like 'BTC/USD'",
        )
    return value


def _check_currency(value: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise PydanticCustomError("currency", "not a currency code: expected 2-10 letters/digits like 'USD'")
    return value


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise PydanticCustomError(
            "name", "not a name: expected 1-64 letters, digits or '_', '.', ':', '-' (no spaces)"
        )
    return value


def _check_client_order_id(value: str) -> str:
    if not _PRINTABLE_ASCII.fullmatch(value) or value != value.strip():
        raise PydanticCustomError(
            "client_order_id",
            "must be printable ASCII without leading or trailing spaces",
        )
    return value


def _check_text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank_text", "must not be blank")
    return value


def _check_finite_or_nan(value: float) -> float:
    if math.isinf(value):
        raise PydanticCustomError("infinite", "must be finite or NaN (NaN marks a warm-up value)")
    return value


ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(_exact_decimal),
    Field(allow_inf_nan=False, decimal_places=DECIMAL_PLACES),
    AfterValidator(_plain),
    PlainSerializer(_plain_text, return_type=str, when_used="json"),
]
"""Any finite exact amount (signed money such as cash or P&L)."""

PositiveDecimal = Annotated[ExactDecimal, Field(gt=0)]
"""Prices, order quantities, notionals: strictly positive."""

NonNegativeDecimal = Annotated[ExactDecimal, Field(ge=0)]
"""Volumes, fees, filled quantities: zero or more."""

Fraction = Annotated[ExactDecimal, Field(gt=0, le=1)]
"""A share of capital or equity in (0, 1]: 0.02 means 2 %."""

UnitFloat = Annotated[float, BeforeValidator(_finite_float), Field(ge=0, le=1, allow_inf_nan=False)]
"""A statistic in [0, 1] (confidence, strength); not money, so a float."""

IndicatorValue = Annotated[float, BeforeValidator(_reject_bool), AfterValidator(_check_finite_or_nan)]
"""An indicator reading: finite, or NaN while the indicator warms up."""

UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_no_numeric_timestamp), AfterValidator(_to_utc)]
"""A timezone-aware instant, normalised to UTC; naive datetimes and bare numbers are rejected."""

Symbol = Annotated[str, BeforeValidator(_normalise_code), AfterValidator(_check_symbol)]
"""A ticker ('SPY', 'BRK.B') or crypto pair ('BTC/USD'), upper-cased."""

Currency = Annotated[str, BeforeValidator(_normalise_code), AfterValidator(_check_currency)]
"""A currency or asset code ('USD', 'BTC', 'USDT'), upper-cased."""

Name = Annotated[str, AfterValidator(_check_name)]
"""An identifier: strategy id, order id, indicator or pattern name."""

ClientOrderId = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_check_client_order_id)]
"""The idempotency key of one order intent; 128 printable ASCII characters at most (Alpaca's limit)."""

Text = Annotated[str, AfterValidator(_check_text)]
"""Free text a human will read (reasons, details): must say something."""

Count = Annotated[int, Field(ge=0, strict=True)]
"""A whole number of things, zero or more."""

PositiveCount = Annotated[int, Field(ge=1, strict=True)]
"""A whole number of things, at least one (limits such as max open positions)."""
