"""What one fill does to an account: signed quantity, cash flow and fee, with Alpaca's fee currencies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from trader.models import Fill, Side
from trader.portfolio.errors import LedgerError
from trader.portfolio.exact import EXACT

_ZERO = Decimal(0)


class FillEffect(NamedTuple):
    """A fill reduced to the numbers the books need (a tuple: immutable, and cheap to build once per fill).

    A fee is paid either in the quote currency (out of cash) or, for a crypto pair, in the base asset:
    Alpaca takes the fee of a crypto buy from the coins received, so buying 1 BTC with a 0.0025 BTC fee
    leaves 0.9975 BTC in the account. A base-asset fee always leaves the account, whatever the side, so
    `position_delta = traded_qty - base_fee`; it is valued at the fill price in `fee_value`.
    """

    fill_id: str
    client_order_id: str
    symbol: str
    timestamp: datetime
    price: Decimal
    traded_qty: Decimal
    """Signed: positive for a buy, negative for a sell."""
    position_delta: Decimal
    """Change of the position: traded_qty less any fee taken in the base asset."""
    cash_flow: Decimal
    """Change of cash before fees: -traded_qty x price."""
    cash_fee: Decimal
    """Fee paid out of cash (quote currency)."""
    base_fee: Decimal
    """Fee taken in the base asset, in units of it."""
    fee_value: Decimal
    """The whole fee in the quote currency: cash fee plus the base fee valued at the fill price."""


def split_symbol(symbol: str, currency: str) -> tuple[str, str]:
    """(base, quote): 'BTC/USD' -> ('BTC', 'USD'); a ticker 'SPY' is quoted in the account currency."""
    base, slash, quote = symbol.partition("/")
    return (base, quote) if slash else (symbol, currency)


def fill_effect(fill: Fill, currency: str) -> FillEffect:
    """The effect of `fill` on an account keeping its cash in `currency`; refuses fees it cannot book."""
    base, quote = split_symbol(fill.symbol, currency)
    if quote != currency:
        raise LedgerError(
            f"fill {fill.fill_id} ({fill.symbol})",
            f"the pair is quoted in {quote} but the ledger keeps its cash in {currency}",
            field="symbol",
            value=fill.symbol,
        )
    signed = fill.qty if fill.side is Side.BUY else -fill.qty
    cash_fee = base_fee = _ZERO
    if fill.fee_currency == quote:
        cash_fee = fill.fee
    elif fill.fee_currency == base and base != fill.symbol:
        base_fee = fill.fee
        if fill.side is Side.BUY and base_fee >= fill.qty:
            raise LedgerError(
                f"fill {fill.fill_id} ({fill.symbol})",
                f"a fee in {base} must be less than the {fill.qty:f} bought",
                field="fee",
                value=fill.fee,
            )
    else:
        raise LedgerError(
            f"fill {fill.fill_id} ({fill.symbol})",
            f"fee must be in {quote}" + ("" if base == fill.symbol else f" or {base}"),
            field="fee_currency",
            value=fill.fee_currency,
        )
    price = fill.price
    return FillEffect(
        fill.fill_id,
        fill.client_order_id,
        fill.symbol,
        fill.timestamp,
        price,
        signed,
        EXACT.subtract(signed, base_fee),
        EXACT.multiply(-signed, price),
        cash_fee,
        base_fee,
        EXACT.add(cash_fee, EXACT.multiply(base_fee, price)),
    )
