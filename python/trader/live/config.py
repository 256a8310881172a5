"""DaemonConfig: what the daemon runs and how, from a TOML/JSON file, then overridden by CLI flags."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trader.errors import ModelError
from trader.live.errors import DaemonError
from trader.models.parsing import parse_model

_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


class DaemonConfig(BaseModel):
    """Every daemon setting, with the issue's defaults (tick 1 s, data refresh every 30 minutes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["paper", "live"] = "paper"
    strategy: str = "ema_cross"
    params: dict[str, str] = Field(default_factory=dict)
    feed: Literal["replay", "alpaca"] = "replay"
    """Where bars come from in paper mode: files replayed on an accelerated clock, or Alpaca's live stream."""
    symbols: tuple[str, ...] = ()
    """The symbols streamed with feed = alpaca (stocks, or crypto pairs like BTC/USD)."""
    warmup_bars: int = Field(default=500, ge=0, le=10_000)
    """With feed = alpaca: the newest bars per symbol loaded from Alpaca's history at every start, to warm the
    strategy's indicators before the first streamed bar (0: start cold)."""
    timeframe: Literal["1m", "5m", "15m", "1h", "4h", "1d"] = "1m"
    """The bar length of the daemon's base series (feed = alpaca streams one-minute bars: only "1m" there)."""
    replay: tuple[Path, ...] = ()
    """Bar files replayed on an accelerated clock (paper); empty = the bundled SPY_1d sample."""
    speed: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    """Market seconds per wall second of the replay clock."""
    tick_interval: float = Field(default=1.0, gt=0, le=60, allow_inf_nan=False)
    data_refresh: float = Field(default=1800.0, gt=0, allow_inf_nan=False)
    """Seconds between re-reads of the slower inputs (replay files that grew)."""
    cash: Decimal = Field(default=Decimal(100_000), gt=0)
    fee_bps: int = Field(default=0, ge=0)
    slippage_bps: int = Field(default=0, ge=0)
    risk: Path | None = None
    """Risk config file: orders pass RiskManager, and its breaker section drives the breaker."""
    breaker: dict[str, Any] | None = None
    """BreakerConfig fields over the risk config's own breaker section (a [breaker] table in TOML)."""
    stop_trail_interval: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """Seconds between trails of risk's resting stops on the feed's clock (the replay clock when replaying);
    None: the risk config's `stops.live_update_seconds` (10 s by default)."""
    stop_orders: Literal["venue", "emulated"] = "venue"
    """Risk's stops rest at the venue as stop orders (they outlive a crash of the daemon), or `emulated` for a
    venue that takes none: the daemon holds them and sends a market exit when a price reaches one."""
    on_shutdown: Literal["cancel", "keep"] = "cancel"
    """Open orders at a graceful shutdown: cancel them, or leave them working at the venue."""
    reconcile: Literal["adopt", "flatten", "alert"] = "alert"
    """A restart whose local state disagrees with the venue: take the venue's, flatten, or hold and alert."""
    gateway: str | None = None
    """`host:port` of a trader-gateway to trade through (its venue: Alpaca); None: the embedded SimVenue."""
    gateway_token_file: Path | None = None
    """The file holding that gateway's bearer token (required with `gateway`)."""
    gateway_retry_seconds: float = Field(default=15.0, gt=0, le=600, allow_inf_nan=False)
    """Budget of one gateway call, retries included (UNAVAILABLE/DEADLINE_EXCEEDED, calls safe to repeat)."""
    stream_lag_events: int = Field(default=500, ge=1)
    """Gateway events the daemon may trail the gateway's head by before it takes no new risk."""
    stream_lag_seconds: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    """How long the daemon may stay behind the gateway (or unable to reach it) before it takes no new risk."""
    stream_batch: int = Field(default=1000, ge=1)
    """Most gateway events booked per tick: a burst is worked off over several ticks, a tick stays short."""
    stop_at_replay_end: bool = True
    duration: float | None = Field(default=None, gt=0)
    """Stop after this many wall seconds (demos, tests)."""


def load_config(path: Path | None, overrides: dict[str, Any]) -> DaemonConfig:
    """The file's settings (when given), then every CLI override that was set; errors name file:line."""
    data: dict[str, Any] = {}
    text = ""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DaemonError(f"{path}: cannot read the config: {exc}") from None
        if path.suffix == ".toml":
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise DaemonError(f"{path}: invalid TOML: {exc}") from None
        elif path.suffix == ".json":
            try:
                data = parse_model(_Raw, text, source=str(path)).model_dump()
            except ModelError as exc:
                raise DaemonError(str(exc)) from None
        else:
            raise DaemonError(f"{path}: expected a .toml or .json config (got {path.suffix!r})")
        _relative_paths(data, path.parent)
    data.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return parse_model(DaemonConfig, data, source=str(path or "command line"))
    except ModelError as exc:
        if path is None:
            raise DaemonError(str(exc)) from None
        lines = [f"{path}{_line(text, issue.field)}: {issue.render()}" for issue in exc.issues]
        raise DaemonError("; ".join(lines)) from None


class _Raw(BaseModel):
    model_config = ConfigDict(extra="allow")


def _relative_paths(data: dict[str, Any], base: Path) -> None:
    """Paths in a config file are relative to the file, as a reader of the file expects."""
    replay = data.get("replay")
    if isinstance(replay, list):
        data["replay"] = [
            str(base / p) if isinstance(p, str) and not Path(p).is_absolute() else p for p in replay
        ]
    for key in ("risk", "gateway_token_file"):
        value = data.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            data[key] = str(base / value)


def _line(text: str, field: str | None) -> str:
    if field is None:
        return ""
    key = field.split(".")[0].split("[")[0]
    for number, line in enumerate(text.splitlines(), start=1):
        found = _KEY.match(line) or re.match(rf'^\s*"{re.escape(key)}"\s*:', line)
        if found and (found.groups()[0] if found.groups() else key) == key:
            return f":{number}"
    return ""


def bundled_sample() -> Path:
    """data/samples/SPY_1d.csv of the source tree (the embedded default of paper mode)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
        candidate = base / "data" / "samples" / "SPY_1d.csv"
        if candidate.is_file():
            return candidate
    raise DaemonError(
        "no --replay file given and the bundled data/samples/SPY_1d.csv is not here; give --replay FILE"
    )
