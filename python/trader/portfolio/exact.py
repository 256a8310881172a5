"""The decimal arithmetic of the ledger: wide enough never to round, and loud if it ever would."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

# Fill amounts carry at most 9 fractional digits, so sums of products carry at most 18; 60 significant
# digits hold any account this side of 1e40 exactly. Trapping Inexact turns a silent rounding into an error.
EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, Overflow, DivisionByZero])
"""For sums and products, which must never round."""

WIDE = Context(prec=60, traps=[InvalidOperation, Overflow, DivisionByZero])
"""For the few quotients (pro-rata cost and fee shares), which round once, then get quantized."""

SHARE_QUANTUM = Decimal("1e-18")
"""Grid of a pro-rata share of cost: products of two 9-digit amounts land on it exactly."""

NINE_DECIMALS = Decimal("1e-9")
"""Grid of a displayed amount (the gateway's fixed-point scale, the models' 9 decimals)."""


def pro_rata(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """total x part / whole, rounded half-even onto the 1e-18 grid (the only rounding in the ledger)."""
    return WIDE.divide(WIDE.multiply(total, part), whole).quantize(SHARE_QUANTUM, ROUND_HALF_EVEN, WIDE)


def round9(value: Decimal) -> Decimal:
    """An amount for display or a domain model: rounded half-even to 9 decimals, trailing zeros off."""
    shown = value.quantize(NINE_DECIMALS, ROUND_HALF_EVEN, WIDE).normalize(WIDE)
    # normalize() writes 100 as 1E+2; a price reads as plain digits.
    exponent = shown.as_tuple().exponent
    return shown.quantize(Decimal(1), context=WIDE) if isinstance(exponent, int) and exponent > 0 else shown
