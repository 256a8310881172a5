"""The status document (GET /status, --status, the dashboard) and the snapshot, built from a daemon."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from trader.execution.errors import GatewayError
from trader.live.reconcile import TERMINAL
from trader.live.snapshot import Snapshot

if TYPE_CHECKING:
    from collections.abc import Sequence

    from trader._core import GatewayOrder
    from trader.live.daemon import Daemon
    from trader.live.remote_gateway import OrderView

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_NS = 253_402_300_799 * 1_000_000_000  # 9999-12-31T23:59:59Z


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    ns = min(ns, _LAST_NS)  # a replay clock at a huge speed runs past what a datetime can show
    return (_EPOCH + timedelta(microseconds=ns // 1_000)).isoformat().replace("+00:00", "Z")


def open_orders(daemon: Daemon) -> list[dict[str, str]]:
    """The venue's open orders; with a remote gateway that does not answer, those open when last seen."""
    remote = daemon.remote
    views: Sequence[GatewayOrder | OrderView]
    if remote is None:
        views = daemon.gateway.core.orders()
    else:
        core = remote.remote_core
        try:  # one attempt: this runs every tick and on every status request
            views = core.orders(retry=False)
        except GatewayError:
            views = core.last_known_open()
    return [
        {
            "client_order_id": v.client_order_id,
            "symbol": v.symbol,
            "side": v.side,
            "qty": v.quantity,
            "order_type": v.order_type,
            "status": v.status,
        }
        for v in views
        if v.status not in TERMINAL
    ]


def build_snapshot(daemon: Daemon, *, final: bool) -> Snapshot:
    p = daemon.portfolio
    last = dict(daemon.snapshot_before.last_bar) if daemon.snapshot_before is not None else {}
    for symbol, (ts, close) in daemon.stepper.last_bar.items():
        last[symbol] = {"ts_ns": ts, "ts": _iso(ts), "close": repr(close)}
    return Snapshot(
        written_at=datetime.now(UTC).isoformat(),
        mode=daemon.config.mode,
        strategy_id=daemon.strategy.strategy_id,
        order_seq=daemon.strategy._seq,
        journal_seq=daemon.journal.head[0],
        starting_cash=format(daemon.starting_cash, "f"),
        cash=format(p.cash, "f"),
        equity=format(p.equity(), "f"),
        positions={s: format(p.position_qty(s), "f") for s in p.symbols},
        open_orders=open_orders(daemon),
        last_bar=last,
        final=final,
    )


def progression_status(daemon: Daemon) -> dict[str, Any]:
    """The phase, the capital step sizing works from, the symbols still at reduced size (with trades)."""
    gate = daemon.controller.risk_gate
    scaling = None if gate is None else gate.manager.scaling
    reduced = (
        {} if scaling is None else {s: scaling.trades(s) for s in daemon.feed.symbols if scaling.is_new(s)}
    )
    return {
        "phase": daemon.progression.phase.value,
        "capital_limit": format(daemon.progression.capital_limit, "f"),
        "sized_on_capital_step": scaling is not None,
        "reduced_size_trades": reduced,
    }


def build_status(daemon: Daemon) -> dict[str, Any]:
    p = daemon.portfolio
    now = datetime.now(UTC)
    equity = p.equity()
    positions = []
    for symbol in p.symbols:
        qty = p.position_qty(symbol)
        avg, last = p.avg_entry_price(symbol), p.last_price(symbol)
        unrealised = None if avg is None or last is None else (last - avg) * qty
        positions.append(
            {
                "symbol": symbol,
                "qty": format(qty, "f"),
                "avg_price": None if avg is None else format(avg, "f"),
                "last": None if last is None else format(last, "f"),
                "unrealised": None if unrealised is None else format(unrealised, ".2f"),
            }
        )
    hwm = max(daemon.controller.high_water, equity)
    decisions = [
        {
            "bar": _iso(d.ts),
            "client_order_id": d.client_order_id,
            "symbol": d.symbol,
            "side": d.side,
            "qty": d.qty,
            "reason": d.reason,
            "status": d.status,
        }
        for d in daemon.broker.decisions[-10:]
    ]
    last_tick = getattr(daemon, "last_tick", None)
    return {
        "pid": os.getpid(),
        "mode": daemon.config.mode,
        "phase": daemon.controller.mode,
        "strategy": daemon.strategy.strategy_id,
        "state_dir": str(daemon.state.root),
        "started_at": daemon.started.isoformat(),
        "uptime_s": round((now - daemon.started).total_seconds(), 1),
        "last_tick": None if last_tick is None else last_tick.isoformat(),
        "market_time": _iso(daemon.feed.clock.now_ns()),
        "bars_processed": daemon.stepper.bars_processed,
        "replay_done": daemon.feed.exhausted,
        "cash": format(p.cash, "f"),
        "equity": format(equity, "f"),
        "pnl": format(equity - daemon.starting_cash, "f"),
        "realised_pnl": format(p.realised_pnl, "f"),
        "positions": positions,
        "open_orders": open_orders(daemon),
        "signals": dict(daemon.stepper.signals),
        "risk": {
            "drawdown": format((hwm - equity) / hwm if hwm > 0 else 0, ".4f"),
            "gross_exposure": format(p.gross_exposure(), "f"),
            "round_trips": len(p.trades.closed),
        },
        "progression": progression_status(daemon),
        "controller": daemon.controller.describe(),
        "guard": None if daemon.guard is None else daemon.guard.describe(),
        "reconciliation": daemon.reconciliation,
        "health": daemon.health.describe(),
        "decisions": decisions,
    }
