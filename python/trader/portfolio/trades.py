"""Round-trip trades: entry lots matched first-in first-out against the fills that close them."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from trader.models import Fill
from trader.portfolio.errors import LedgerError
from trader.portfolio.exact import EXACT, pro_rata
from trader.portfolio.fill_effects import FillEffect, fill_effect

_ZERO = Decimal(0)

Direction = Literal["long", "short"]


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One entry lot (or the part of it) closed by one exit fill.

    Matching is FIFO per symbol: an exit closes the oldest open lot first, so an entry in three buys and
    an exit in one sell give three round trips, each with its own entry time and price. Fees are shared
    out pro rata by quantity: the entry fill's fee over its lot, the exit fill's over what it closed.
    """

    symbol: str
    direction: Direction
    qty: Decimal
    entry_time: datetime
    entry_price: Decimal
    exit_time: datetime
    exit_price: Decimal
    gross_pnl: Decimal
    """(exit - entry) x qty for a long, (entry - exit) x qty for a short."""
    fees: Decimal
    """This trade's share of the entry and exit fees, in the quote currency."""
    entry_order: str
    exit_order: str
    initial_risk: Decimal | None = None
    """What the trade stood to lose at entry (risk per unit x qty), when the entry said so."""

    @property
    def pnl(self) -> Decimal:
        """Net P&L: gross P&L less fees."""
        return EXACT.subtract(self.gross_pnl, self.fees)

    @property
    def holding(self) -> timedelta:
        """How long the lot was held: exit time - entry time."""
        return self.exit_time - self.entry_time

    @property
    def r_multiple(self) -> float | None:
        """Net P&L in units of the initial risk (None when the risk is unknown)."""
        if self.initial_risk is None:
            return None
        return float(self.pnl / self.initial_risk)

    def to_row(self) -> dict[str, str]:
        """The trade as text in a fixed field order (a trades.csv row): exact decimals, ISO-8601 times."""
        r = self.r_multiple
        return {
            "symbol": self.symbol,
            "direction": self.direction,
            "qty": _text(self.qty),
            "entry_time": self.entry_time.isoformat(),
            "entry_price": _text(self.entry_price),
            "exit_time": self.exit_time.isoformat(),
            "exit_price": _text(self.exit_price),
            "gross_pnl": _text(self.gross_pnl),
            "fees": _text(self.fees),
            "pnl": _text(self.pnl),
            "holding_seconds": _text(_seconds(self.holding)),
            "r_multiple": "" if r is None else f"{r:.10g}",
            "entry_order": self.entry_order,
            "exit_order": self.exit_order,
        }


def _seconds(span: timedelta) -> Decimal:
    # Exact: total_seconds() is a float, which would turn 1 us into 0.000000999999999...
    whole = Decimal(span.days * 86_400 + span.seconds)
    return whole + Decimal(span.microseconds).scaleb(-6)


def _text(value: Decimal) -> str:
    # Plain digits (str() would write 1E-7), without trailing zeros left over from the arithmetic.
    if value == 0:
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(slots=True)
class _Lot:
    qty: Decimal  # units still open, > 0
    price: Decimal
    time: datetime
    fee: Decimal  # entry fee not yet charged to a round trip
    order: str
    risk_per_unit: Decimal | None


class TradeBook:
    """Open lots per symbol and the round trips closed so far; fed one fill effect at a time."""

    __slots__ = ("_closed", "_long", "_lots")

    def __init__(self) -> None:
        self._lots: dict[str, deque[_Lot]] = {}
        self._long: dict[str, bool] = {}
        self._closed: list[RoundTrip] = []

    @property
    def closed(self) -> Sequence[RoundTrip]:
        """Every round trip closed so far, in the order they closed (a live view: do not modify)."""
        return self._closed

    def open_qty(self, symbol: str) -> Decimal:
        """Signed quantity held in open lots of `symbol`."""
        size = sum((lot.qty for lot in self._lots.get(symbol, ())), _ZERO)
        return size if self._long.get(symbol, True) else -size

    def apply(self, effect: FillEffect, risk_per_unit: Decimal | None = None) -> list[RoundTrip]:
        """Book one fill; return the round trips it closed. `risk_per_unit` applies to the lot it opens."""
        if risk_per_unit is not None and risk_per_unit <= 0:
            where = f"fill {effect.fill_id} ({effect.symbol})"
            raise LedgerError(where, "must be > 0", field="risk_per_unit", value=risk_per_unit)
        delta = effect.position_delta
        size = abs(delta)
        lots = self._lots.get(effect.symbol)
        if lots is None:
            lots = self._lots[effect.symbol] = deque()
        buying = delta > 0
        fee = effect.fee_value
        if not lots or self._long[effect.symbol] == buying:
            self._open(effect, size, fee, risk_per_unit, long=buying)
            return []
        # `sum` of one lot without a generator (the usual case): the same start + qty.
        held = _ZERO + lots[0].qty if len(lots) == 1 else sum((lot.qty for lot in lots), _ZERO)
        closing = min(size, held)
        exit_fee = fee if closing == size else pro_rata(fee, closing, size)
        trades = self._close(effect, lots, closing, exit_fee)
        if closing < size:  # crossed zero: the rest opens the other side
            rest_fee = EXACT.subtract(fee, exit_fee)
            self._open(effect, EXACT.subtract(size, closing), rest_fee, risk_per_unit, long=buying)
        self._closed.extend(trades)
        return trades

    def _open(
        self, effect: FillEffect, qty: Decimal, fee: Decimal, risk: Decimal | None, *, long: bool
    ) -> None:
        self._long[effect.symbol] = long
        lot = _Lot(qty, effect.price, effect.timestamp, fee, effect.client_order_id, risk)
        self._lots[effect.symbol].append(lot)

    def _close(
        self, effect: FillEffect, lots: deque[_Lot], closing: Decimal, exit_fee: Decimal
    ) -> list[RoundTrip]:
        long = self._long[effect.symbol]
        trades: list[RoundTrip] = []
        remaining = closing
        while remaining > 0:
            lot = lots[0]
            matched = min(lot.qty, remaining)
            entry_share = lot.fee if matched == lot.qty else pro_rata(lot.fee, matched, lot.qty)
            exit_share = exit_fee if matched == remaining else pro_rata(exit_fee, matched, remaining)
            move = EXACT.subtract(effect.price, lot.price)
            gross = EXACT.multiply(matched, move if long else -move)
            risk = None if lot.risk_per_unit is None else EXACT.multiply(lot.risk_per_unit, matched)
            trades.append(
                RoundTrip(
                    symbol=effect.symbol,
                    direction="long" if long else "short",
                    qty=matched,
                    entry_time=lot.time,
                    entry_price=lot.price,
                    exit_time=effect.timestamp,
                    exit_price=effect.price,
                    gross_pnl=gross,
                    fees=EXACT.add(entry_share, exit_share),
                    entry_order=lot.order,
                    exit_order=effect.client_order_id,
                    initial_risk=risk,
                )
            )
            lot.qty = EXACT.subtract(lot.qty, matched)
            lot.fee = EXACT.subtract(lot.fee, entry_share)
            exit_fee = EXACT.subtract(exit_fee, exit_share)
            remaining = EXACT.subtract(remaining, matched)
            if lot.qty == 0:
                lots.popleft()
        return trades


def round_trips(
    fills: Iterable[Fill],
    *,
    currency: str = "USD",
    risk_per_unit: Mapping[str, Decimal] | None = None,
) -> list[RoundTrip]:
    """The FIFO round trips of `fills` (in time order); `risk_per_unit` is keyed by entry client_order_id."""
    risks = risk_per_unit or {}
    book = TradeBook()
    for fill in fills:
        book.apply(fill_effect(fill, currency), risks.get(fill.client_order_id))
    return list(book.closed)
