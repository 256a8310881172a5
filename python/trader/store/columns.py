"""Column types that keep money exact: decimals travel as their text, never as a binary float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from trader.store.errors import StoreError


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored as its plain text ("112345.00"): the same digits back on SQLite and PostgreSQL.

    Numeric would be exact on PostgreSQL but becomes a REAL on SQLite, so text is the one spelling
    both backends keep byte for byte.
    """

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise StoreError(f"exact column: expected a finite Decimal (got {value!r})")
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            raise StoreError(f"exact column: stored value {value!r} is not a decimal") from None
