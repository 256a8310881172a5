"""The local status endpoint: FastAPI on 127.0.0.1, bearer token from the state dir, uvicorn in a thread."""

from __future__ import annotations

import hmac
import socket
import threading
import time
from typing import Any, Protocol

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

from trader.errors import TraderError


class Commands(Protocol):
    """What the endpoint may ask of the daemon; each call runs under the daemon's lock."""

    def status(self) -> dict[str, Any]: ...

    def command(self, action: str, who: str, **args: Any) -> dict[str, Any]: ...


class Action(BaseModel):
    """Who asks (journaled as the actor) and, per action, what."""

    by: str = Field(default="api", min_length=1, max_length=64)
    on: bool | None = None
    symbol: str | None = None
    reason: str | None = None


def build_app(daemon: Commands, token: str) -> FastAPI:
    app = FastAPI(title="trader daemon", docs_url=None, redoc_url=None, openapi_url=None)
    expected = f"Bearer {token}".encode()

    def authorised(request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise HTTPException(status_code=401, detail="missing or wrong bearer token (see api.token)")

    guard = [Depends(authorised)]

    @app.get("/status", dependencies=guard)
    def status() -> dict[str, Any]:
        return daemon.status()

    def run(action: str, body: Action) -> dict[str, Any]:
        try:
            return daemon.command(action, body.by, on=body.on, symbol=body.symbol, reason=body.reason)
        except TraderError as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None

    for name in ("kill-switch", "pause", "resume", "flatten", "emergency-stop", "promote", "acknowledge"):
        app.post(f"/{name}", dependencies=guard)(_bind(run, name.replace("-", "_")))
    return app


def _bind(run: Any, action: str) -> Any:
    def handler(body: Action) -> dict[str, Any]:
        return dict(run(action, body))

    handler.__name__ = f"post_{action}"
    return handler


class ApiServer:
    """uvicorn on 127.0.0.1 and a port the OS picks, served from a daemon thread."""

    def __init__(self, app: FastAPI) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="status-api", daemon=True)

    def _serve(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._server.started and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=2)
