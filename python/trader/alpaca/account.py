"""Account, positions and orders read from Alpaca through alpaca-py, for reconciliation: exact `Decimal`s."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from alpaca.trading.client import TradingClient
from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.models import Order, Position, TradeAccount
from alpaca.trading.requests import GetOrdersRequest

from trader.alpaca.calls import call
from trader.alpaca.errors import AlpacaError
from trader.alpaca.settings import AlpacaSettings

_CRYPTO_QUOTES = ("USDT", "USDC", "USD", "BTC")


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Cash, equity and buying power."""

    cash: Decimal
    equity: Decimal
    buying_power: Decimal


@dataclass(frozen=True, slots=True)
class VenueOrderView:
    """One order as Alpaca has it."""

    client_order_id: str
    venue_order_id: str
    symbol: str
    side: str
    qty: Decimal | None
    filled_qty: Decimal
    status: str


def pair_symbol(symbol: str, asset_class: str) -> str:
    """Alpaca's positions spell crypto pairs `BTCUSD`; orders and our books spell them `BTC/USD`."""
    if asset_class != "crypto" or "/" in symbol:
        return symbol
    for quote in _CRYPTO_QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return f"{symbol[: -len(quote)]}/{quote}"
    return symbol


def _decimal(value: object, what: str) -> Decimal:
    if value is None:
        raise AlpacaError(f"Alpaca {what}: missing")
    return Decimal(str(value))


class AlpacaAccount:
    """Read-only views of the Alpaca account (orders go through the gateway's AlpacaVenue, not here)."""

    def __init__(self, settings: AlpacaSettings) -> None:
        self.settings = settings
        self._client = TradingClient(
            settings.key_id, settings.secret_key, url_override=settings.base_url, raw_data=False
        )

    def account(self) -> AccountSnapshot:
        """Cash, equity and buying power now."""
        raw = call(self.settings, "account", self._client.get_account)
        if not isinstance(raw, TradeAccount):
            raise AlpacaError(f"Alpaca account: unexpected answer {type(raw).__name__}")
        return AccountSnapshot(
            cash=_decimal(raw.cash, "account.cash"),
            equity=_decimal(raw.equity, "account.equity"),
            buying_power=_decimal(raw.buying_power, "account.buying_power"),
        )

    def positions(self) -> dict[str, Decimal]:
        """Signed quantity per symbol (crypto as `BTC/USD`)."""
        raw = call(self.settings, "positions", self._client.get_all_positions)
        if not isinstance(raw, list):
            raise AlpacaError(f"Alpaca positions: unexpected answer {type(raw).__name__}")
        out: dict[str, Decimal] = {}
        for position in raw:
            if not isinstance(position, Position):
                raise AlpacaError(f"Alpaca positions: unexpected row {type(position).__name__}")
            symbol = pair_symbol(position.symbol, str(position.asset_class.value))
            out[symbol] = _decimal(position.qty, f"position {symbol}.qty")
        return out

    def orders(self, *, open_only: bool = True, limit: int = 500) -> list[VenueOrderView]:
        """Open (or all recent) orders, newest first."""
        status = QueryOrderStatus.OPEN if open_only else QueryOrderStatus.ALL
        request = GetOrdersRequest(status=status, limit=limit)
        raw = call(self.settings, "orders", lambda: self._client.get_orders(request))
        if not isinstance(raw, list):
            raise AlpacaError(f"Alpaca orders: unexpected answer {type(raw).__name__}")
        return [self._view(order) for order in raw if isinstance(order, Order)]

    @staticmethod
    def _view(order: Order) -> VenueOrderView:
        return VenueOrderView(
            client_order_id=order.client_order_id,
            venue_order_id=str(order.id),
            symbol=order.symbol or "",
            side=order.side.value if order.side is not None else "",
            qty=None if order.qty is None else Decimal(str(order.qty)),
            filled_qty=Decimal(str(order.filled_qty or 0)),
            status=order.status.value,
        )
