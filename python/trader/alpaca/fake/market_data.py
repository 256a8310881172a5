"""The market-data routes of the fake server: historical stock and crypto bars from CSV files, paginated."""

from __future__ import annotations

import base64
import csv
import functools
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from trader.alpaca.fake.state import BrokerError

_TIMEFRAME = re.compile(r"^(?P<n>\d+)(?P<unit>Min|T|Hour|H|Day|D)$")
_UNIT_SUFFIX = {"Min": "m", "T": "m", "Hour": "h", "H": "h", "Day": "d", "D": "d"}
MAX_LIMIT = 10_000


def _bad_request(message: str) -> BrokerError:
    return BrokerError(400, 42210000, message)


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise _bad_request(f"invalid {name}: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=32)
def _load(path: Path) -> tuple[tuple[datetime, dict[str, Any]], ...]:
    """Rows of a `timestamp,open,high,low,close,volume` CSV as Alpaca bar objects, keyed by their time."""
    rows = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            stamp = _moment(row["timestamp"], "timestamp")
            close = float(row["close"])
            bar = {
                "t": stamp.isoformat().replace("+00:00", "Z"),
                "o": float(row["open"]),
                "h": float(row["high"]),
                "l": float(row["low"]),
                "c": close,
                "v": float(row["volume"]),
                "n": 0,
                "vw": close,
            }
            rows.append((stamp, bar))
    return tuple(rows)


class BarFiles:
    """Finds the CSV for a symbol and timeframe: `BTC/USD` at `1Hour` is `<dir>/BTCUSD_1h.csv`."""

    def __init__(self, directory: Path, *, page_size: int = MAX_LIMIT) -> None:
        self.directory = directory
        self.page_size = page_size

    def bars(self, symbol: str, timeframe: str) -> tuple[tuple[datetime, dict[str, Any]], ...]:
        """Every bar on file (none when there is no file: Alpaca answers an unknown symbol with no bars)."""
        match = _TIMEFRAME.match(timeframe)
        if match is None:
            raise _bad_request(f"invalid timeframe: {timeframe!r}")
        suffix = f"{int(match['n'])}{_UNIT_SUFFIX[match['unit']]}"
        path = self.directory / f"{symbol.replace('/', '')}_{suffix}.csv"
        return _load(path) if path.is_file() else ()


def bars_page(files: BarFiles, params: dict[str, str]) -> dict[str, Any]:
    """One page of Alpaca's bars answer for the query `params` (symbols, timeframe, start, end, limit, sort,
    page_token): symbols in name order, each in time order, with the token of the next page or None."""
    symbols = [s for s in params.get("symbols", "").split(",") if s]
    if not symbols:
        raise _bad_request("symbols is required")
    timeframe = params.get("timeframe")
    if not timeframe:
        raise _bad_request("timeframe is required")
    start = _moment(params["start"], "start") if params.get("start") else None
    end = _moment(params["end"], "end") if params.get("end") else None
    limit = int(params.get("limit") or 1000)
    if not 1 <= limit <= MAX_LIMIT:
        raise _bad_request(f"invalid limit: {limit}")
    ordered: list[tuple[str, dict[str, Any]]] = []
    for symbol in sorted(symbols):
        rows = [
            bar
            for stamp, bar in files.bars(symbol, timeframe)
            if (start is None or stamp >= start) and (end is None or stamp <= end)
        ]
        if params.get("sort") == "desc":
            rows.reverse()
        ordered += [(symbol, bar) for bar in rows]
    offset = 0
    if params.get("page_token"):
        try:
            offset = int(base64.urlsafe_b64decode(params["page_token"]).decode())
        except ValueError:
            raise _bad_request("invalid page_token") from None
    limit = min(limit, files.page_size)
    chunk = ordered[offset : offset + limit]
    bars: dict[str, list[dict[str, Any]]] = {}
    for symbol, bar in chunk:
        bars.setdefault(symbol, []).append(bar)
    more = offset + limit < len(ordered)
    token = base64.urlsafe_b64encode(str(offset + limit).encode()).decode() if more else None
    return {"bars": bars, "next_page_token": token}


def market_data_router(files: BarFiles) -> APIRouter:
    """`/v2/stocks/bars` and `/v1beta3/crypto/us/bars`."""
    router = APIRouter()

    @router.get("/v2/stocks/bars")
    async def stock_bars(request: Request) -> JSONResponse:
        return JSONResponse(bars_page(files, dict(request.query_params)))

    @router.get("/v1beta3/crypto/{location}/bars")
    async def crypto_bars(location: str, request: Request) -> JSONResponse:
        if location != "us":
            raise BrokerError(404, 40410000, f"unknown crypto location {location!r}")
        return JSONResponse(bars_page(files, dict(request.query_params)))

    return router
