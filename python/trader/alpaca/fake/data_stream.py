"""The fake's market-data websocket (`/v2/{feed}`, `/v1beta3/crypto/{loc}`): msgpack frames, bars only."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import msgpack  # type: ignore[import-untyped]  # msgpack ships no type information
from fastapi import WebSocket, WebSocketDisconnect

from trader.alpaca.fake.state import FakeBroker


def bar_message(symbol: str, bar: dict[str, Any]) -> dict[str, Any]:
    """A bar as the stream sends it: `T: "b"`, the symbol, OHLCV, and the time as a msgpack timestamp."""
    stamp = datetime.fromisoformat(bar["t"])
    return {
        "T": "b",
        "S": symbol,
        "o": bar["o"],
        "h": bar["h"],
        "l": bar["l"],
        "c": bar["c"],
        "v": bar["v"],
        "t": msgpack.Timestamp.from_datetime(stamp),
        "n": bar.get("n", 0),
        "vw": bar.get("vw", bar["c"]),
    }


async def serve_data_stream(websocket: WebSocket, broker: FakeBroker, keys: tuple[str, str]) -> None:
    """Alpaca's protocol: `connected`; `auth` -> `authenticated`; `subscribe` -> `subscription`; then the bars
    published (by tests, via `FakeBroker.publish_bar`) for the subscribed symbols, `*` meaning all."""
    await websocket.accept()

    async def send(*messages: dict[str, Any]) -> None:
        await websocket.send_bytes(msgpack.packb(list(messages), datetime=True))

    async def receive() -> dict[str, Any]:
        message: dict[str, Any] = msgpack.unpackb(await websocket.receive_bytes())
        return message

    try:
        await send({"T": "success", "msg": "connected"})
        auth = await receive()
        if auth.get("action") != "auth" or (auth.get("key"), auth.get("secret")) != keys:
            await send({"T": "error", "code": 402, "msg": "auth failed"})
            await websocket.close()
            return
        await send({"T": "success", "msg": "authenticated"})
        wanted: set[str] = set()
        with broker.lock:
            sent = len(broker.bars)
        listener = asyncio.ensure_future(receive())
        while not broker.closing.is_set():
            if listener.done():
                request = listener.result()
                if request.get("action") == "subscribe":
                    wanted |= set(request.get("bars") or [])
                elif request.get("action") == "unsubscribe":
                    wanted -= set(request.get("bars") or [])
                await send({"T": "subscription", "trades": [], "quotes": [], "bars": sorted(wanted)})
                listener = asyncio.ensure_future(receive())
            with broker.lock:
                fresh = broker.bars[sent:]
            sent += len(fresh)
            chosen = [bar_message(s, b) for s, b in fresh if s in wanted or "*" in wanted]
            if chosen:
                await send(*chosen)
            await asyncio.sleep(0.02)
        listener.cancel()
    except (WebSocketDisconnect, RuntimeError, ValueError):
        return
