"""The ledger's invariant check: every tracked amount equals the one recomputed from the fills alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from trader.portfolio.errors import ReconcileError
from trader.portfolio.exact import EXACT
from trader.portfolio.fill_effects import FillEffect

_ZERO = Decimal(0)


def reconcile_books(
    *,
    effects: Sequence[FillEffect],
    starting_cash: Decimal,
    currency: str,
    cash: Decimal,
    fees: Decimal,
    realised_pnl: Decimal,
    positions: Mapping[str, tuple[Decimal, Decimal]],
) -> None:
    """Check the books (`positions` maps symbol -> (qty, cost)) against `effects`; raise on a mismatch.

    1. each symbol's quantity is the sum of its fills' position deltas (flat symbols sum to 0);
    2. cash is starting cash + the fills' cash flows - fees paid in cash;
    3. fees are the sum of the fills' fees (valued in the quote currency);
    4. cash + positions at cost is starting cash + realised P&L - fees, which ties cost and realised
       P&L to the fills too (average cost moves cost into realised P&L, never out of the books).
    """
    flows = paid_in_cash = paid = _ZERO
    held: dict[str, Decimal] = {}
    for effect in effects:
        held[effect.symbol] = EXACT.add(held.get(effect.symbol, _ZERO), effect.position_delta)
        flows = EXACT.add(flows, effect.cash_flow)
        paid_in_cash = EXACT.add(paid_in_cash, effect.cash_fee)
        paid = EXACT.add(paid, effect.fee_value)
    for symbol in sorted(held.keys() | positions.keys()):
        tracked = positions.get(symbol, (_ZERO, _ZERO))[0]
        expected = held.get(symbol, _ZERO)
        if tracked != expected:
            raise ReconcileError(symbol, "position quantity", tracked, expected)
    expected_cash = EXACT.subtract(EXACT.add(starting_cash, flows), paid_in_cash)
    if cash != expected_cash:
        raise ReconcileError(currency, "cash", cash, expected_cash)
    if fees != paid:
        raise ReconcileError(currency, "fees paid", fees, paid)
    at_cost = cash
    for _, cost in positions.values():
        at_cost = EXACT.add(at_cost, cost)
    expected_at_cost = EXACT.subtract(EXACT.add(starting_cash, realised_pnl), fees)
    if at_cost != expected_at_cost:
        raise ReconcileError(
            currency,
            "cash + positions at cost (vs starting cash + realised P&L - fees)",
            at_cost,
            expected_at_cost,
        )
