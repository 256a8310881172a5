"""The fake Alpaca server: the FastAPI app (auth, faults, trade_updates stream, controls) and a runner."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from trader.alpaca.fake.data_stream import serve_data_stream
from trader.alpaca.fake.market_data import BarFiles, market_data_router
from trader.alpaca.fake.state import BrokerError, FakeBroker, parse_decimal
from trader.alpaca.fake.trading import trading_router

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_KEY_ID = "FAKEKEYID"
DEFAULT_SECRET = "fake-secret-key"


def _error_body(code: int, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}).encode()


class _Guard:
    """ASGI middleware: Alpaca's key headers, then the injected faults (5xx, 429, a dropped order answer)."""

    def __init__(self, app: ASGIApp, broker: FakeBroker, key_id: str, secret: str) -> None:
        self.app = app
        self.broker = broker
        self.keys = (key_id, secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(("/v2/", "/v1beta3/")):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        given = (headers.get("apca-api-key-id"), headers.get("apca-api-secret-key"))
        anonymous_crypto = path.startswith("/v1beta3/crypto/") and given == (None, None)
        if given != self.keys and not anonymous_crypto:
            await _respond(send, 401, _error_body(40110000, "request is not authorized"))
            return
        with self.broker.lock:
            failure = self.broker.faults.failures.pop(0) if self.broker.faults.failures else None
            drop = (
                failure is None
                and scope["method"] == "POST"
                and path == "/v2/orders"
                and self.broker.faults.drop_order_responses > 0
            )
        if failure is not None:
            status, retry_after = failure
            extra = [] if retry_after is None else [(b"retry-after", str(retry_after).encode())]
            message = "rate limit exceeded" if status == 429 else "internal server error"
            await _respond(send, status, _error_body(status * 100_000, message), extra)
            return
        if drop:
            await self.app(scope, receive, self._dropping(send))
            return
        await self.app(scope, receive, send)

    def _dropping(self, send: Send) -> Send:
        """Lets an accepted order's headers through, then ends the call: uvicorn closes the connection."""

        async def dropping_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                with self.broker.lock:
                    self.broker.faults.drop_order_responses -= 1
                await send(message)
                raise ConnectionAbortedError(
                    "fake Alpaca: answer dropped after accepting the order (injected)"
                )
            await send(message)

        return dropping_send


async def _respond(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


def create_app(
    broker: FakeBroker, data_dir: Path, key_id: str, secret: str, *, bars_page_size: int = 10_000
) -> ASGIApp:
    """The fake server's ASGI app over `broker`, serving bars from the CSVs in `data_dir` (pages of at most
    `bars_page_size`, Alpaca's 10,000 by default)."""
    app = FastAPI(title="fake Alpaca", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(trading_router(broker))
    app.include_router(market_data_router(BarFiles(data_dir, page_size=bars_page_size)))

    @app.exception_handler(BrokerError)
    async def broker_error(_: Request, error: BrokerError) -> JSONResponse:
        return JSONResponse({"code": error.code, "message": error.message}, status_code=error.status)

    @app.websocket("/stream")
    async def stream(websocket: WebSocket) -> None:
        await _serve_stream(websocket, broker, (key_id, secret))

    @app.websocket("/v2/{feed}")
    async def stock_stream(websocket: WebSocket, feed: str) -> None:
        await serve_data_stream(websocket, broker, (key_id, secret))

    @app.websocket("/v1beta3/crypto/{location}")
    async def crypto_stream(websocket: WebSocket, location: str) -> None:
        await serve_data_stream(websocket, broker, (key_id, secret))

    @app.post("/_fake/price")
    async def set_price(request: Request) -> JSONResponse:
        body = await request.json()
        volume = None if body.get("volume") is None else parse_decimal(body["volume"], "volume")
        broker.set_price(body["symbol"], parse_decimal(body["price"], "price"), volume)
        return JSONResponse({"ok": True})

    @app.post("/_fake/faults")
    async def set_faults(request: Request) -> JSONResponse:
        body = await request.json()
        with broker.lock:
            broker.faults.drop_order_responses = int(body.get("drop_order_responses", 0))
            broker.faults.reject_orders = int(body.get("reject_orders", 0))
            broker.faults.failures = [
                (int(s), None if r is None else int(r)) for s, r in body.get("failures", [])
            ]
        return JSONResponse({"ok": True})

    @app.get("/_fake/stats")
    async def stats() -> JSONResponse:
        with broker.lock:
            return JSONResponse(
                {
                    "orders": len(broker.orders),
                    "submit_attempts": broker.submit_attempts,
                    "refused_duplicates": broker.refused_duplicates,
                }
            )

    return _Guard(app, broker, key_id, secret)


async def _serve_stream(websocket: WebSocket, broker: FakeBroker, keys: tuple[str, str]) -> None:
    """Alpaca's trade_updates protocol: authenticate, listen, then every update as a binary JSON frame."""
    await websocket.accept()

    async def reply(stream: str, data: dict[str, Any]) -> None:
        await websocket.send_bytes(json.dumps({"stream": stream, "data": data}).encode())

    try:
        hello = json.loads(await websocket.receive_text())
        data = hello.get("data") or {}
        if hello.get("action") != "authenticate" or (data.get("key_id"), data.get("secret_key")) != keys:
            await reply("authorization", {"action": "authenticate", "status": "unauthorized"})
            await websocket.close()
            return
        await reply("authorization", {"action": "authenticate", "status": "authorized"})
        listen = json.loads(await websocket.receive_text())
        streams = (listen.get("data") or {}).get("streams") or []
        await reply("listening", {"streams": streams})
        if "trade_updates" not in streams:
            return
        with broker.lock:
            sent = len(broker.updates)
        while not broker.closing.is_set():
            with broker.lock:
                fresh = broker.updates[sent:]
            for update in fresh:
                await websocket.send_bytes(json.dumps(update).encode())
            sent += len(fresh)
            await asyncio.sleep(0.02)
    except (WebSocketDisconnect, RuntimeError, ValueError):
        return


class FakeAlpacaServer:
    """Runs the fake server on 127.0.0.1 (port 0: any free port) in a background thread."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 0,
        key_id: str = DEFAULT_KEY_ID,
        secret: str = DEFAULT_SECRET,
        broker: FakeBroker | None = None,
        bars_page_size: int = 10_000,
    ) -> None:
        self.broker = broker or FakeBroker()
        self.key_id = key_id
        self.secret = secret
        self._socket = socket.create_server(("127.0.0.1", port))
        self.port = int(self._socket.getsockname()[1])
        app = create_app(self.broker, data_dir, key_id, secret, bars_page_size=bars_page_size)
        config = uvicorn.Config(app, log_level="critical", ws="websockets-sansio", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`: the trading and market-data base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def stream_url(self) -> str:
        """The trade_updates websocket URL."""
        return f"ws://127.0.0.1:{self.port}/stream"

    def client_env(self) -> dict[str, str]:
        """The environment that points alpaca-py (and `trader daemon --feed alpaca`) at this fake."""
        return {
            "APCA_API_KEY_ID": self.key_id,
            "APCA_API_SECRET_KEY": self.secret,
            "APCA_API_DATA_URL": self.base_url,
            "APCA_API_DATA_STREAM_URL": f"ws://127.0.0.1:{self.port}",
        }

    def write_gateway_config(
        self, folder: Path, *, trade_updates: bool = True, poll_interval_ms: int = 50
    ) -> Path:
        """A `trader-gateway` config in `folder` that trades against this fake (kind = "alpaca").

        Key id inline, the secret in a file beside it, a short timeout (for tests and demos), the
        trade_updates stream on or off, and `poll_interval_ms` between full polls while it is off or down.
        """
        (folder / "alpaca.secret").write_text(self.secret + "\n")
        config = folder / "gateway.toml"
        config.write_text(
            '[server]\ngrpc_listen = "127.0.0.1:0"\nhttp_listen = "127.0.0.1:0"\n'
            f'[journal]\npath = "{(folder / "gateway.journal").as_posix()}"\n'
            f'[venue]\nkind = "alpaca"\nbase_url = "{self.base_url}"\nkey_id = "{self.key_id}"\n'
            'secret_file = "alpaca.secret"\ntimeout_ms = 2000\n'
            f"poll_interval_ms = {poll_interval_ms}\ntrade_updates = {str(trade_updates).lower()}\n"
        )
        return config

    def set_price(self, symbol: str, price: Decimal | str, volume: Decimal | str | None = None) -> None:
        """Moves the fake market (working orders of `symbol` that can trade fill)."""
        self.broker.set_price(symbol, Decimal(price), None if volume is None else Decimal(volume))

    def end_streams(self) -> None:
        """Closes every open websocket from the server side, as Alpaca does on a disconnect."""
        self.broker.closing.set()

    def start(self) -> Self:
        """Serves in a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Alpaca server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stops serving and waits for the thread."""
        self.end_streams()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
