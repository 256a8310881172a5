"""The Trading API v2 routes of the fake server: orders, positions, account, clock and fill activities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from trader.alpaca.fake.state import OPEN_STATUSES, FakeBroker, unprocessable


def _moment(text: str) -> datetime:
    """An RFC 3339 time from a query or a record; a malformed one is Alpaca's 422."""
    try:
        moment = datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise unprocessable(f"invalid timestamp: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _orders_page(broker: FakeBroker, params: dict[str, str]) -> list[dict[str, Any]]:
    status = params.get("status", "open")
    limit = int(params.get("limit", "50"))
    wanted_symbols = {s for s in params.get("symbols", "").split(",") if s}
    with broker.lock:
        orders = sorted(
            broker.orders.values(), key=lambda o: o.created_at, reverse=params.get("direction") != "asc"
        )
        rows = []
        for order in orders:
            is_open = order.status in OPEN_STATUSES
            if (status == "open" and not is_open) or (status == "closed" and is_open):
                continue
            if params.get("after") and _moment(order.created_at) <= _moment(params["after"]):
                continue
            if wanted_symbols and order.symbol not in wanted_symbols:
                continue
            rows.append(order.to_json())
        return rows[:limit]


def _activities(broker: FakeBroker, params: dict[str, str]) -> list[dict[str, Any]]:
    direction = params.get("direction", "desc")
    size = min(int(params.get("page_size", "100")), 100)
    with broker.lock:
        rows = list(broker.activities)
    if direction == "desc":
        rows.reverse()
    if params.get("after"):
        after = _moment(params["after"])
        rows = [r for r in rows if _moment(r["transaction_time"]) > after]
    if params.get("page_token"):
        ids = [r["id"] for r in rows]
        if params["page_token"] in ids:
            rows = rows[ids.index(params["page_token"]) + 1 :]
    return rows[:size]


def trading_router(broker: FakeBroker) -> APIRouter:
    """Routes under `/v2` speaking Alpaca's JSON."""
    router = APIRouter(prefix="/v2")

    @router.post("/orders")
    async def submit(request: Request) -> JSONResponse:
        body = await _json_body(request)
        order = broker.submit(body)
        snapshot = order.to_json()
        if snapshot["status"] != "rejected":
            snapshot |= {"status": "accepted", "filled_qty": "0", "filled_avg_price": None, "filled_at": None}
        return JSONResponse(snapshot)

    @router.get("/orders")
    async def list_orders(request: Request) -> JSONResponse:
        return JSONResponse(_orders_page(broker, dict(request.query_params)))

    @router.get("/orders:by_client_order_id")
    async def by_client_id(client_order_id: str) -> JSONResponse:
        return JSONResponse(broker.order_by_client_id(client_order_id).to_json())

    @router.get("/orders/{order_id}")
    async def get_order(order_id: str) -> JSONResponse:
        return JSONResponse(broker.order(order_id).to_json())

    @router.patch("/orders/{order_id}")
    async def replace(order_id: str, request: Request) -> JSONResponse:
        return JSONResponse(broker.replace(order_id, await _json_body(request)).to_json())

    @router.delete("/orders/{order_id}")
    async def cancel(order_id: str) -> Response:
        broker.cancel(order_id)
        return Response(status_code=204)

    @router.get("/positions")
    async def positions() -> JSONResponse:
        return JSONResponse(broker.position_rows())

    @router.get("/account")
    async def account() -> JSONResponse:
        return JSONResponse(broker.account())

    @router.get("/account/activities/{activity_type}")
    async def activities(activity_type: str, request: Request) -> JSONResponse:
        if activity_type != "FILL":
            return JSONResponse([])
        return JSONResponse(_activities(broker, dict(request.query_params)))

    @router.get("/clock")
    async def clock() -> JSONResponse:
        now = datetime.now(UTC).replace(microsecond=0)
        day = now.replace(hour=14, minute=30, second=0)
        opened, closes = day, day + timedelta(hours=6, minutes=30)
        is_open = now.weekday() < 5 and opened <= now < closes
        next_open = opened if now < opened else opened + timedelta(days=1)
        next_close = closes if now < closes else closes + timedelta(days=1)
        return JSONResponse(
            {
                "timestamp": now.isoformat(),
                "is_open": is_open,
                "next_open": next_open.isoformat(),
                "next_close": next_close.isoformat(),
            }
        )

    return router


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise unprocessable("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise unprocessable("request body must be a JSON object")
    return body
