"""Promotion and the live-mode preflight: progression gates, a named approver, keys and confirmation."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trader.live.errors import DaemonError
from trader.risk.progression import ProgressionError, TradingProgression
from trader.risk.progression_config import ProgressionConfig

if TYPE_CHECKING:
    from trader.live.controller import LiveTradingController
    from trader.live.state_dir import StateDir
    from trader.portfolio import Portfolio

KEY_ENVS = ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY")


def equity_points(path: Path) -> list[tuple[datetime, Decimal]]:
    """The (time, equity) rows of the daemon's equity.csv."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")), Decimal(r["equity"])) for r in rows
    ]


def promote(
    progression: TradingProgression,
    state: StateDir,
    who: str,
    portfolio: Portfolio,
    controller: LiveTradingController,
) -> dict[str, Any]:
    """Evaluate the gates on the paper record; promote one step when they pass, else refuse with why."""
    now = datetime.now(UTC)
    before = progression.phase.value
    report = progression.evaluate_gates(
        list(portfolio.trades.closed), equity_points(state.equity), controller.breaches, now
    )
    if not report.passed:
        raise DaemonError(f"promotion from {before} refused: " + "; ".join(report.failures))
    try:
        phase = progression.promote(approved_by=who, gates=report, now=now)
    except ProgressionError as exc:
        raise DaemonError(str(exc)) from None
    controller.mode = phase_mode(phase.value)
    return {"from": before, "to": phase.value, "capital_limit": format(progression.capital_limit, "f")}


def phase_mode(phase: str) -> str:
    """The controller's name for a progression phase: PAPER, LIVE or SCALED."""
    return {"paper": "PAPER", "micro_live": "LIVE", "scaled_live": "SCALED"}.get(phase, phase.upper())


def live_preflight(
    state: StateDir,
    *,
    confirmed: bool,
    gateway: str | None = None,
    feed: str = "alpaca",
    env: dict[str, str] | None = None,
    progression_config: ProgressionConfig | None = None,
) -> None:
    """`--mode live` needs Alpaca keys, --confirm-live, a progression phase that trades real money, a remote
    gateway (`--gateway HOST:PORT`) whose venue is Alpaca (the embedded one only simulates) and Alpaca's
    live bars (`--feed alpaca`), never replayed files. `progression_config` is the risk config's progression
    section (the daemon opens the state with it: the check never reconciles the state to other steps)."""
    env = dict(os.environ) if env is None else env
    missing = [name for name in KEY_ENVS if not env.get(name, "").strip()]
    if missing:
        raise DaemonError(f"--mode live refused: Alpaca keys not configured (set {' and '.join(missing)})")
    if not confirmed:
        raise DaemonError("--mode live refused: real money needs an explicit --confirm-live")
    progression = TradingProgression.open(state.root, progression_config)
    if not progression.allows_live():
        raise DaemonError(
            f"--mode live refused: progression phase is {progression.phase.value}; pass the gates and "
            "`trader daemon --approve-promotion --by NAME` first"
        )
    if gateway is None:
        raise DaemonError(
            f"--mode live refused: phase {progression.phase.value} allows it, but live orders go through a "
            'trader-gateway with [venue] kind = "alpaca": pass --gateway HOST:PORT and --gateway-token-file'
        )
    if feed != "alpaca":
        raise DaemonError(
            f"--mode live refused: --feed {feed} replays files; live trading needs --feed alpaca"
        )
