"""Operator commands from the status API, each run under the daemon's lock and journaled with who."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trader.live.errors import DaemonError
from trader.live.promotion import promote

if TYPE_CHECKING:
    from trader.live.daemon import Daemon


def dispatch(daemon: Daemon, action: str, who: str, **args: Any) -> dict[str, Any]:
    """Carry out `action` (kill_switch, pause, resume, flatten, emergency_stop, promote, acknowledge)."""
    c = daemon.controller
    if action == "kill_switch":
        if args.get("on") is None:
            raise DaemonError("kill-switch: say on or off")
        c.set_kill_switch(bool(args["on"]), who, "api")
        return {"kill_switch": c.kill_switch}
    if action == "pause":
        c.pause(who, args.get("reason") or "operator pause")
        return {"paused": True}
    if action == "resume":
        lost = daemon.restart_venue(who) if daemon.gateway.core.halted else []
        return {"lifted": c.resume(who), "lost_orders": lost}
    if action == "flatten":
        return {"orders": c.flatten(who, args.get("symbol"))}
    if action == "emergency_stop":
        c.emergency_stop(who, args.get("reason") or "emergency stop")
        return {"stopped": True}
    if action == "acknowledge":
        obs = daemon.health.observation(
            daemon.portfolio.equity(), c.high_water, 0, daemon.feed.clock.now_ns(), daemon.feed.last_close_ns
        )
        c.acknowledge_breaker(who, obs)
        return {"breaker": "closed"}
    if action == "promote":
        return promote(daemon.progression, daemon.state, who, daemon.portfolio, daemon.controller)
    raise DaemonError(f"unknown action {action!r}")
