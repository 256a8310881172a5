"""The terminal dashboard: a rich Live view redrawn every second from the daemon's status document."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trader.live.output import Output


def render(status: dict[str, Any], events: list[str]) -> Group:
    """Heartbeat line, positions, signals, risk, breaker, the latest decisions with reasons, events."""
    c = status["controller"]
    breaker = c["breaker"]
    beat = datetime.now(UTC).strftime("%H:%M:%S")
    head = Text.assemble(
        (f"♥ {beat}  ", "bold magenta"),
        (f"{status['mode']}/{status['phase']}  ", "bold"),
        f"{status['strategy']}  up {status['uptime_s']} s  market {status['market_time']}  ",
        f"bars {status['bars_processed']}  equity {status['equity']}  P&L {status['pnl']}  ",
        ("TRADING" if c["trading"] else "HALTED", "green" if c["trading"] else "bold red"),
        ("  KILL SWITCH ON" if c["kill_switch"] else "", "bold red"),
        (
            f"  BREAKER {breaker['trigger']}" if breaker["tripped"] else "  breaker closed",
            "bold red" if breaker["tripped"] else "dim",
        ),
    )
    positions = Table(title="Positions", expand=True)
    for name in ("symbol", "qty", "avg", "last", "unrealised", "signal"):
        positions.add_column(name, justify="right" if name != "symbol" else "left")
    symbols = sorted({p["symbol"] for p in status["positions"]} | set(status["signals"]))
    held = {p["symbol"]: p for p in status["positions"]}
    for symbol in symbols:
        p = held.get(symbol, {})
        positions.add_row(
            symbol,
            p.get("qty", "0"),
            p.get("avg_price") or "",
            p.get("last") or "",
            p.get("unrealised") or "",
            status["signals"].get(symbol, ""),
        )
    risk = status["risk"]
    health = status["health"]
    risk_line = Text(
        f"drawdown {float(risk['drawdown']):.2%}  gross {risk['gross_exposure']}  "
        f"round trips {risk['round_trips']}  lag p50 {health['loop_lag_ms_p50']} ms  "
        f"data age {health['data_age_s']} s  gateway {health['gateway']}  "
        f"reconcile: {status['reconciliation']['outcome']}"
    )
    decisions = Table(title="Latest decisions", expand=True)
    for name in ("bar", "order", "side", "qty", "status", "reason"):
        decisions.add_column(name)
    for d in status["decisions"][-8:]:
        decisions.add_row(d["bar"] or "", d["client_order_id"], d["side"], d["qty"], d["status"], d["reason"])
    log = Text("\n".join(events[-6:]) or "no events yet", style="dim")
    return Group(
        Panel(head), positions, Panel(risk_line, title="Risk"), decisions, Panel(log, title="Events")
    )


class Dashboard(Output):
    """The rich view on the terminal; events are kept for the events panel rather than printed."""

    def __init__(self) -> None:
        super().__init__()
        self._events: deque[str] = deque(maxlen=50)
        self._live: Live | None = None

    def event(self, event: str, **fields: Any) -> None:
        detail = " ".join(f"{k}={v}" for k, v in fields.items())
        self._events.append(f"{datetime.now(UTC):%H:%M:%S} {event} {detail}")

    def heartbeat(self, status: dict[str, Any]) -> None:
        view = render(status, list(self._events))
        if self._live is None:
            self._live = Live(view, refresh_per_second=2, transient=False)
            self._live.start()
        else:
            self._live.update(view)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
        for line in list(self._events)[-3:]:
            print(line)
