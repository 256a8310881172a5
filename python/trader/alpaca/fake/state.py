"""The fake Alpaca broker's book: orders, fills, positions, cash and trade updates, under one lock."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

NINE_PLACES = Decimal("1e-9")
OPEN_STATUSES = frozenset({"accepted", "new", "partially_filled"})


class BrokerError(Exception):
    """A request Alpaca would refuse: HTTP `status` with Alpaca's `{"code", "message"}` body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def unprocessable(message: str) -> BrokerError:
    """Alpaca's 422 for a well-formed request it will not take."""
    return BrokerError(422, 40010001, message)


def now_iso() -> str:
    """Alpaca's timestamp format (RFC 3339, UTC, microseconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_crypto(symbol: str) -> bool:
    """Alpaca spells crypto pairs with a slash in orders (`BTC/USD`)."""
    return "/" in symbol


def position_symbol(symbol: str) -> str:
    """Alpaca's positions name crypto pairs without the slash (`BTCUSD`)."""
    return symbol.replace("/", "")


def parse_decimal(value: object, name: str) -> Decimal:
    """A positive decimal from a JSON string or number, or Alpaca's 422 naming the field."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise unprocessable(f"invalid {name}: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise unprocessable(f"{name} must be > 0")
    if number != number.quantize(NINE_PLACES, rounding=ROUND_DOWN):
        raise unprocessable(f"{name} can have at most 9 decimal places")
    return number


def text(number: Decimal | None) -> str | None:
    """Alpaca sends decimals as strings without exponent or trailing zeros."""
    if number is None:
        return None
    plain = format(number.normalize(), "f")
    return plain


@dataclass
class FakeOrder:
    """One order as the fake broker holds it."""

    id: str
    client_order_id: str
    symbol: str
    side: str
    type: str
    time_in_force: str
    qty: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    stop_price: Decimal | None
    status: str
    created_at: str
    updated_at: str
    filled_qty: Decimal = Decimal(0)
    filled_notional: Decimal = Decimal(0)
    filled_at: str | None = None
    canceled_at: str | None = None
    replaced_at: str | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    triggered: bool = False

    @property
    def remaining(self) -> Decimal:
        """Quantity still to fill (notional orders learn theirs at the first price)."""
        return (self.qty or Decimal(0)) - self.filled_qty

    def to_json(self) -> dict[str, Any]:
        """The order as Alpaca's REST API and trade_updates stream send it."""
        average = self.filled_notional / self.filled_qty if self.filled_qty else None
        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "submitted_at": self.created_at,
            "filled_at": self.filled_at,
            "expired_at": None,
            "expires_at": None,
            "canceled_at": self.canceled_at,
            "failed_at": None,
            "replaced_at": self.replaced_at,
            "replaced_by": self.replaced_by,
            "replaces": self.replaces,
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_URL, self.symbol)),
            "symbol": self.symbol,
            "asset_class": "crypto" if is_crypto(self.symbol) else "us_equity",
            "notional": text(self.notional),
            "qty": text(self.qty) if self.notional is None else None,
            "filled_qty": text(self.filled_qty),
            "filled_avg_price": text(average.quantize(NINE_PLACES)) if average is not None else None,
            "order_class": "",
            "order_type": self.type,
            "type": self.type,
            "side": self.side,
            "time_in_force": self.time_in_force,
            "limit_price": text(self.limit_price),
            "stop_price": text(self.stop_price),
            "status": self.status,
            "extended_hours": False,
            "legs": None,
            "trail_percent": None,
            "trail_price": None,
            "hwm": None,
            "position_intent": "buy_to_open" if self.side == "buy" else "sell_to_close",
        }


@dataclass
class Faults:
    """Fault injection knobs, consumed one request at a time."""

    drop_order_responses: int = 0
    """Accept the next N new orders, then drop the connection unanswered (crash between submit and ack)."""
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    """Answer the next requests with these (HTTP status, Retry-After seconds) without processing them."""
    reject_orders: int = 0
    """Accept the next N orders, then reject them (status `rejected`, a `rejected` trade update)."""


@dataclass
class Position:
    """Net quantity and cost of one symbol."""

    qty: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)


def _book(position: Position, signed: Decimal, price: Decimal) -> None:
    """Adds a fill of signed quantity at `price`: cost grows when opening, shrinks pro rata when closing."""
    held = position.qty
    if held == 0 or (held > 0) == (signed > 0):
        position.cost += signed * price
    else:
        closed = min(abs(signed), abs(held))
        position.cost -= position.cost * closed / abs(held)
        flipped = abs(signed) - closed
        if flipped:
            position.cost += (flipped if signed > 0 else -flipped) * price
    position.qty += signed


class FakeBroker:
    """The state behind the fake server. Thread-safe: tests set prices from their own thread."""

    def __init__(self, *, cash: Decimal = Decimal(100_000), crypto_fee_bps: int = 25) -> None:
        self.lock = threading.RLock()
        self.cash = cash
        self.crypto_fee_bps = crypto_fee_bps
        self.orders: dict[str, FakeOrder] = {}
        self.by_client_id: dict[str, str] = {}
        self.positions: dict[str, Position] = {}
        self.prices: dict[str, Decimal] = {}
        self.updates: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []
        self.faults = Faults()
        self.submit_attempts: dict[str, int] = {}
        self.refused_duplicates = 0
        self.closing = threading.Event()
        """Set when the server stops: open streams end."""
        self.bars: list[tuple[str, dict[str, Any]]] = []
        """Bars published to the market-data stream, in order: (symbol, Alpaca bar object)."""

    def publish_bar(self, symbol: str, bar: dict[str, Any]) -> None:
        """Sends `bar` (`t`, `o`, `h`, `l`, `c`, `v`) to the data stream; the price moves to its close."""
        with self.lock:
            self.bars.append((symbol, bar))
            self.set_price(symbol, Decimal(str(bar["c"])))

    # -- orders ------------------------------------------------------------------------------------

    def submit(self, body: dict[str, Any]) -> FakeOrder:
        """Validates and books a new order (Alpaca's rules); market orders fill at once at a known price."""
        with self.lock:
            client_id = str(body.get("client_order_id") or uuid.uuid4())
            self.submit_attempts[client_id] = self.submit_attempts.get(client_id, 0) + 1
            if client_id in self.by_client_id:
                self.refused_duplicates += 1
                raise unprocessable("client_order_id must be unique")
            if len(client_id) > 128:
                raise unprocessable("client_order_id must be no more than 128 characters")
            order = self._new_order(body, client_id)
            self._check_buying_power(order)
            self.orders[order.id] = order
            self.by_client_id[client_id] = order.id
            self._publish("new", order)
            if self.faults.reject_orders > 0:
                self.faults.reject_orders -= 1
                order.status = "rejected"
                self._publish("rejected", order)
            else:
                self._match(order)
            return order

    def _new_order(self, body: dict[str, Any], client_id: str, *, replaces: str | None = None) -> FakeOrder:
        symbol = str(body.get("symbol") or "").upper()
        if not symbol:
            raise unprocessable("symbol is required")
        side = body.get("side")
        if side not in ("buy", "sell"):
            raise unprocessable(f"invalid side: {side!r}")
        kind = body.get("type") or body.get("order_type")
        if kind not in ("market", "limit", "stop", "stop_limit"):
            raise unprocessable(f"invalid order type for this account: {kind!r}")
        tif = body.get("time_in_force")
        if tif not in ("day", "gtc", "opg", "cls", "ioc", "fok"):
            raise unprocessable(f"invalid time_in_force: {tif!r}")
        qty = None if body.get("qty") is None else parse_decimal(body["qty"], "qty")
        notional = None if body.get("notional") is None else parse_decimal(body["notional"], "notional")
        if (qty is None) == (notional is None):
            raise unprocessable("qty or notional is required, not both")
        if notional is not None and kind != "market":
            raise unprocessable("notional orders must be market orders")
        crypto = is_crypto(symbol)
        if crypto and tif not in ("gtc", "ioc"):
            raise unprocessable(f"invalid crypto time_in_force: {tif}")
        fractional = notional is not None or (qty is not None and qty != qty.to_integral_value())
        if fractional and not crypto and (tif != "day" or kind not in ("market", "limit")):
            raise unprocessable("fractional orders must be market or limit DAY orders")
        limit = None if body.get("limit_price") is None else parse_decimal(body["limit_price"], "limit_price")
        stop = None if body.get("stop_price") is None else parse_decimal(body["stop_price"], "stop_price")
        if kind in ("limit", "stop_limit") and limit is None:
            raise unprocessable("limit_price is required for limit orders")
        if kind in ("stop", "stop_limit") and stop is None:
            raise unprocessable("stop_price is required for stop orders")
        stamp = now_iso()
        return FakeOrder(
            id=str(uuid.uuid4()),
            client_order_id=client_id,
            symbol=symbol,
            side=side,
            type=kind,
            time_in_force=tif,
            qty=qty,
            notional=notional,
            limit_price=limit if kind in ("limit", "stop_limit") else None,
            stop_price=stop if kind in ("stop", "stop_limit") else None,
            status="accepted",
            created_at=stamp,
            updated_at=stamp,
            replaces=replaces,
        )

    def _check_buying_power(self, order: FakeOrder) -> None:
        held = self.positions.get(order.symbol, Position()).qty
        if order.side == "sell" and is_crypto(order.symbol) and order.qty is not None and order.qty > held:
            raise BrokerError(403, 40310000, f"insufficient balance for {position_symbol(order.symbol)}")
        if order.side != "buy":
            return
        price = order.limit_price or self.prices.get(order.symbol)
        cost = order.notional if order.notional is not None else (order.qty or 0) * (price or 0)
        if cost > self.cash:
            raise BrokerError(403, 40310000, "insufficient buying power")

    def order(self, order_id: str) -> FakeOrder:
        """The order with Alpaca id `order_id`, or Alpaca's 404."""
        with self.lock:
            found = self.orders.get(order_id)
            if found is None:
                raise BrokerError(404, 40410000, "order not found")
            return found

    def order_by_client_id(self, client_id: str) -> FakeOrder:
        """The order with client order id `client_id`, or Alpaca's 404."""
        with self.lock:
            order_id = self.by_client_id.get(client_id)
            if order_id is None:
                raise BrokerError(404, 40410000, "order not found")
            return self.orders[order_id]

    def cancel(self, order_id: str) -> None:
        """Cancels an open order (a `canceled` trade update); a closed one is Alpaca's 422."""
        with self.lock:
            order = self.order(order_id)
            if order.status not in OPEN_STATUSES:
                raise unprocessable(f"order is {order.status} and not cancelable")
            order.status = "canceled"
            order.canceled_at = order.updated_at = now_iso()
            self._publish("canceled", order)

    def replace(self, order_id: str, body: dict[str, Any]) -> FakeOrder:
        """Alpaca's PATCH: a new order with the changed fields; the old one ends `replaced`."""
        with self.lock:
            old = self.order(order_id)
            if old.status not in OPEN_STATUSES:
                raise unprocessable(f"order is {old.status} and cannot be replaced")
            client_id = str(body.get("client_order_id") or uuid.uuid4())
            self.submit_attempts[client_id] = self.submit_attempts.get(client_id, 0) + 1
            if client_id in self.by_client_id:
                self.refused_duplicates += 1
                raise unprocessable("client_order_id must be unique")
            merged = {
                "symbol": old.symbol,
                "side": old.side,
                "type": old.type,
                "time_in_force": body.get("time_in_force") or old.time_in_force,
                "qty": body.get("qty") if body.get("qty") is not None else text(old.qty),
                "limit_price": body.get("limit_price") or text(old.limit_price),
                "stop_price": body.get("stop_price") or text(old.stop_price),
            }
            new = self._new_order(merged, client_id, replaces=old.id)
            if new.qty is not None and new.qty <= old.filled_qty:
                raise unprocessable("qty must be greater than the filled quantity")
            self.orders[new.id] = new
            self.by_client_id[client_id] = new.id
            old.status = "replaced"
            old.replaced_by = new.id
            old.replaced_at = old.updated_at = now_iso()
            self._publish("replaced", old)
            self._publish("new", new)
            self._match(new)
            return new

    # -- prices and matching -----------------------------------------------------------------------

    def set_price(self, symbol: str, price: Decimal, volume: Decimal | None = None) -> None:
        """Moves the market: working orders of `symbol` that can trade fill (at most `volume` in all)."""
        with self.lock:
            self.prices[symbol] = price
            for order in [
                o for o in self.orders.values() if o.symbol == symbol and o.status in OPEN_STATUSES
            ]:
                volume = self._match(order, volume)

    def _match(self, order: FakeOrder, volume: Decimal | None = None) -> Decimal | None:
        price = self.prices.get(order.symbol)
        if price is None or order.status not in OPEN_STATUSES:
            return volume
        if order.stop_price is not None and not order.triggered:
            hit = price >= order.stop_price if order.side == "buy" else price <= order.stop_price
            if not hit:
                return volume
            order.triggered = True
        if order.limit_price is not None:
            crosses = price <= order.limit_price if order.side == "buy" else price >= order.limit_price
            if not crosses:
                return volume
        if order.notional is not None and order.qty is None:
            order.qty = (order.notional / price).quantize(NINE_PLACES, rounding=ROUND_DOWN)
        quantity = order.remaining if volume is None else min(order.remaining, volume)
        if quantity <= 0:
            return volume
        self._fill(order, quantity, price)
        return None if volume is None else volume - quantity

    def _fill(self, order: FakeOrder, quantity: Decimal, price: Decimal) -> None:
        order.filled_qty += quantity
        order.filled_notional += quantity * price
        done = order.filled_qty == order.qty
        order.status = "filled" if done else "partially_filled"
        order.updated_at = now_iso()
        if done:
            order.filled_at = order.updated_at
        position = self.positions.setdefault(order.symbol, Position())
        notional = quantity * price
        fee = Decimal(0)
        if is_crypto(order.symbol):
            # Alpaca takes the crypto fee from what the trade credits: coins on a buy, dollars on a sell.
            rate = Decimal(self.crypto_fee_bps) / 10_000
            fee = (quantity * rate if order.side == "buy" else notional * rate).quantize(
                NINE_PLACES, rounding=ROUND_HALF_EVEN
            )
        signed = quantity if order.side == "buy" else -quantity
        _book(position, signed, price)
        if order.side == "buy":
            position.qty -= fee if is_crypto(order.symbol) else 0
            self.cash -= notional
        else:
            self.cash += notional - fee
        if position.qty == 0:
            self.positions.pop(order.symbol)
        execution_id = str(uuid.uuid4())
        event = "fill" if done else "partial_fill"
        self.activities.append(
            {
                "id": f"{re.sub(r'[-:.]', '', order.updated_at)}::{execution_id}",
                "activity_type": "FILL",
                "transaction_time": order.updated_at,
                "type": event,
                "price": text(price),
                "qty": text(quantity),
                "side": order.side,
                "symbol": order.symbol,
                "leaves_qty": text(order.remaining),
                "order_id": order.id,
                "cum_qty": text(order.filled_qty),
                "order_status": order.status,
            }
        )
        self._publish(event, order, execution_id=execution_id, price=price, qty=quantity)

    # -- the trade_updates log -------------------------------------------------------------------------------

    def _publish(
        self,
        event: str,
        order: FakeOrder,
        *,
        execution_id: str | None = None,
        price: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        data: dict[str, Any] = {"event": event, "timestamp": now_iso(), "order": order.to_json()}
        if execution_id is not None:
            held = self.positions.get(order.symbol, Position()).qty
            data |= {
                "execution_id": execution_id,
                "price": text(price),
                "qty": text(qty),
                "position_qty": text(held),
            }
        self.updates.append({"stream": "trade_updates", "data": data})

    # -- account -----------------------------------------------------------------------------------

    def position_rows(self) -> list[dict[str, Any]]:
        """Open positions as Alpaca's `GET /v2/positions` sends them."""
        with self.lock:
            rows = []
            for symbol, position in sorted(self.positions.items()):
                price = self.prices.get(symbol, position.cost / position.qty if position.qty else Decimal(0))
                rows.append(
                    {
                        "asset_id": str(uuid.uuid5(uuid.NAMESPACE_URL, symbol)),
                        "symbol": position_symbol(symbol),
                        "exchange": "CRYPTO" if is_crypto(symbol) else "NASDAQ",
                        "asset_class": "crypto" if is_crypto(symbol) else "us_equity",
                        "asset_marginable": not is_crypto(symbol),
                        "avg_entry_price": text((position.cost / position.qty).quantize(NINE_PLACES)),
                        "qty": text(position.qty),
                        "side": "long" if position.qty > 0 else "short",
                        "market_value": text((position.qty * price).quantize(NINE_PLACES)),
                        "cost_basis": text(position.cost.quantize(NINE_PLACES)),
                        "current_price": text(price),
                        "qty_available": text(position.qty),
                    }
                )
            return rows

    def account(self) -> dict[str, Any]:
        """The account as Alpaca's `GET /v2/account` sends it."""
        with self.lock:
            market = sum(
                (p.qty * self.prices.get(s, p.cost / p.qty) for s, p in self.positions.items() if p.qty),
                Decimal(0),
            )
            equity = (self.cash + market).quantize(NINE_PLACES)
            cash = self.cash.quantize(NINE_PLACES)
            return {
                "id": "11111111-2222-3333-4444-555555555555",
                "account_number": "PA0FAKE0001",
                "status": "ACTIVE",
                "crypto_status": "ACTIVE",
                "currency": "USD",
                "buying_power": text(cash),
                "regt_buying_power": text(cash),
                "non_marginable_buying_power": text(cash),
                "cash": text(cash),
                "portfolio_value": text(equity),
                "equity": text(equity),
                "last_equity": text(equity),
                "long_market_value": text(market.quantize(NINE_PLACES)),
                "short_market_value": "0",
                "pattern_day_trader": False,
                "trading_blocked": False,
                "transfers_blocked": False,
                "account_blocked": False,
                "trade_suspended_by_user": False,
                "shorting_enabled": True,
                "multiplier": "1",
                "created_at": "2024-01-02T14:30:00Z",
            }
