"""`trader daemon` (run, --status, --stop, switches) and `trader compare` (paper vs backtest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from trader.errors import TraderError
from trader.live.errors import DaemonError, NotRunningError


def _state(home: Path | None) -> Any:
    from trader.live.state_dir import StateDir, default_home

    return StateDir(home or default_home())


def _print_status(status: dict[str, Any]) -> None:
    c = status["controller"]
    breaker = c["breaker"]
    lines = [
        f"mode        {status['mode']} (phase {status['phase']}), strategy {status['strategy']}, "
        f"pid {status['pid']}",
        f"state dir   {status['state_dir']}",
        f"uptime      {status['uptime_s']} s, last tick {status['last_tick']}, "
        f"market time {status['market_time']}",
        f"bars        {status['bars_processed']} processed, "
        f"replay {'finished' if status['replay_done'] else 'running'}",
        f"equity      {status['equity']} (P&L {status['pnl']}, realised {status['realised_pnl']}, "
        f"cash {status['cash']})",
        f"trading     {'yes' if c['trading'] else 'NO'}; kill switch {'ON' if c['kill_switch'] else 'off'}; "
        f"breaker {'TRIPPED: ' + str(breaker['detail']) if breaker['tripped'] else 'closed'}"
        + (f"; paused by {c['paused']['by']}: {c['paused']['reason']}" if c["paused"] else "")
        + (f"; HELD, {c['stream_lag']}" if c.get("stream_lag") else ""),
        f"reconcile   {status['reconciliation']['outcome']} (policy {status['reconciliation']['policy']})",
    ]
    lines += [
        f"  discrepancy {d['kind']} {d['subject']}: local {d['local']}, venue {d['venue']}"
        for d in status["reconciliation"]["discrepancies"]
    ]
    if c["unreconciled"]:
        lines.append(f"  held until `trader daemon --resume --by NAME`: {c['unreconciled']}")
    lines.append(
        "positions   "
        + (
            ", ".join(
                f"{p['symbol']} {p['qty']} @ {p['avg_price']} (unrealised {p['unrealised']})"
                for p in status["positions"]
            )
            or "none"
        )
    )
    lines.append(f"open orders {len(status['open_orders'])}")
    for line in lines:
        typer.echo(line)


def daemon(
    *,
    mode: Annotated[str, typer.Option(help="paper (SimVenue, replayed bars) or live (Alpaca).")] = "paper",
    config: Annotated[
        Path | None, typer.Option(help="Daemon config file (.toml/.json); flags override it.")
    ] = None,
    home: Annotated[
        Path | None, typer.Option(help="State directory (default $TRADER_HOME or ~/.trader).")
    ] = None,
    tick_interval: Annotated[float | None, typer.Option(help="Seconds between decision passes [1].")] = None,
    data_refresh: Annotated[float | None, typer.Option(help="Seconds between data refreshes [1800].")] = None,
    feed: Annotated[
        str | None, typer.Option(help="Paper bars from: replay (files) or alpaca (live stream, needs keys).")
    ] = None,
    symbol: Annotated[
        list[str] | None, typer.Option(help="Symbol to stream with --feed alpaca (repeat).")
    ] = None,
    timeframe: Annotated[
        str | None, typer.Option(help="Bar length streamed with --feed alpaca [1m].")
    ] = None,
    replay: Annotated[list[Path] | None, typer.Option(help="Bar file to replay (repeat per symbol).")] = None,
    speed: Annotated[
        float | None, typer.Option(help="Replay clock: market seconds per wall second [60].")
    ] = None,
    strategy: Annotated[
        str | None, typer.Option(help="Built-in strategy or file.py:Class (default ema_cross).")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="Strategy parameter NAME=VALUE (repeatable).")
    ] = None,
    risk: Annotated[
        Path | None, typer.Option(help="Risk config file: RiskManager on, breaker settings.")
    ] = None,
    on_shutdown: Annotated[str | None, typer.Option(help="Open orders at shutdown: cancel or keep.")] = None,
    reconcile: Annotated[
        str | None, typer.Option(help="On a restart that disagrees: adopt, flatten, alert.")
    ] = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    no_tui: Annotated[
        bool, typer.Option("--no-tui", help="JSON log lines instead of the dashboard.")
    ] = False,
    status: Annotated[bool, typer.Option("--status", help="Print the running daemon's status.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="With --status: the raw JSON document.")] = False,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the running daemon (SIGTERM) and wait.")] = False,
    kill_switch: Annotated[
        str | None, typer.Option(help="on|off: engage or release the kill switch.")
    ] = None,
    pause: Annotated[bool, typer.Option("--pause", help="Stop taking new orders (positions stay).")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Lift a pause or a reconciliation hold.")] = False,
    flatten: Annotated[str | None, typer.Option(help="Close SYMBOL's position, or `all`.")] = None,
    emergency_stop: Annotated[
        bool, typer.Option("--emergency-stop", help="Trip, cancel, flatten, pause.")
    ] = False,
    acknowledge: Annotated[bool, typer.Option("--acknowledge", help="Recover a tripped breaker.")] = False,
    approve_promotion: Annotated[
        bool, typer.Option("--approve-promotion", help="Promote one phase if gates pass.")
    ] = False,
    by: Annotated[str | None, typer.Option(help="Who does it (journaled with the action).")] = None,
    confirm_live: Annotated[bool, typer.Option("--confirm-live", help="Confirm trading real money.")] = False,
    gateway: Annotated[
        str | None, typer.Option(help="HOST:PORT of a trader-gateway to trade through (required live).")
    ] = None,
    gateway_token_file: Annotated[
        Path | None, typer.Option(help="File with that gateway's bearer token.")
    ] = None,
) -> None:
    """Run the paper/live trading daemon, or talk to the running one."""
    from trader.live import client

    state = _state(home)
    actions = {
        "pause": pause,
        "resume": resume,
        "emergency_stop": emergency_stop,
        "acknowledge": acknowledge,
        "promote": approve_promotion,
    }
    chosen = [name for name, on in actions.items() if on]
    if flatten is not None:
        chosen.append("flatten")
    if kill_switch is not None:
        if kill_switch not in {"on", "off"}:
            raise DaemonError(f"--kill-switch {kill_switch!r}: expected on or off")
        chosen.append("kill_switch")
    if len(chosen) + status + stop > 1:
        raise DaemonError(
            "give one of --status, --stop, --kill-switch, --pause, --resume, --flatten, "
            "--emergency-stop, --acknowledge, --approve-promotion at a time"
        )
    if status:
        try:
            document = client.call(state, "GET", "/status")
        except NotRunningError as exc:
            typer.echo(f"daemon: not running ({exc})")
            raise typer.Exit(1) from None
        if json_out:
            typer.echo(json.dumps(document, indent=2))
        else:
            _print_status(document)
        return
    if stop:
        done = client.stop(state)
        typer.echo(
            "daemon: not running" if done is None else f"daemon pid {done[0]} stopped in {done[1]:.2f} s"
        )
        return
    if chosen:
        _command(state, chosen[0], by, kill_switch, flatten)
        return
    _run(
        state,
        mode=mode,
        config_path=config,
        confirm_live=confirm_live,
        no_tui=no_tui,
        overrides={
            "tick_interval": tick_interval,
            "data_refresh": data_refresh,
            "replay": replay,
            "feed": feed,
            "symbols": symbol or None,
            "timeframe": timeframe,
            "speed": speed,
            "strategy": strategy,
            "params": _params(param),
            "risk": risk,
            "on_shutdown": on_shutdown,
            "reconcile": reconcile,
            "duration": duration,
            "gateway": gateway,
            "gateway_token_file": gateway_token_file,
        },
    )


def _params(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    from trader.strategies import parse_assignments

    return {k: str(v) for k, v in parse_assignments(items).items()}


def _command(state: Any, action: str, by: str | None, kill_switch: str | None, flatten: str | None) -> None:
    from trader.live import client

    if by is None and action in {"pause", "resume", "emergency_stop", "acknowledge", "promote", "flatten"}:
        raise DaemonError(f"--{action.replace('_', '-')}: say who does it with --by NAME (it is journaled)")
    who = by or "cli"
    body: dict[str, Any] = {"by": who}
    if action == "kill_switch":
        body["on"] = kill_switch == "on"
    if action == "flatten" and flatten != "all":
        body["symbol"] = flatten
    try:
        result = client.call(state, "POST", "/" + action.replace("_", "-"), body)
    except NotRunningError:
        if action == "kill_switch":
            state.ensure()
            if kill_switch == "on":
                state.kill_flag.write_text(f"{who} (cli, daemon not running)\n", encoding="utf-8")
            else:
                state.kill_flag.unlink(missing_ok=True)
            typer.echo(
                f"kill switch {kill_switch} (flag file {state.kill_flag}; applies when the daemon starts)"
            )
            return
        raise
    typer.echo(f"{action}: {json.dumps(result)}")


def _run(
    state: Any,
    *,
    mode: str,
    config_path: Path | None,
    confirm_live: bool,
    no_tui: bool,
    overrides: dict[str, Any],
) -> None:
    from trader.live.config import load_config
    from trader.live.daemon import Daemon, risk_config
    from trader.live.output import Output

    overrides["mode"] = mode
    cfg = load_config(config_path, overrides)
    if cfg.mode == "live":
        from trader.live.promotion import live_preflight

        state.ensure()
        steps = risk_config(cfg).progression
        live_preflight(
            state, confirmed=confirm_live, gateway=cfg.gateway, feed=cfg.feed, progression_config=steps
        )
    if no_tui:
        output = Output()
    else:
        from trader.live.dashboard import Dashboard

        output = Dashboard()
    runner = Daemon(cfg, state, output)
    try:
        code = runner.run()
    finally:
        output.close()
    if runner.exit_message is not None:  # stopped, but something is left undone: one line, its own exit code
        typer.echo(runner.exit_message, err=True)
    if code:
        raise typer.Exit(code)


def compare(
    *,
    paper: Annotated[Path, typer.Option(help="The paper daemon's state directory.", show_default=False)],
    backtest: Annotated[Path, typer.Option(help="The backtest's output folder.", show_default=False)],
    json_out: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Compare a paper run with the backtest of the same period: per-trade divergence and metrics."""
    from trader.live.compare import compare_runs, render

    result = compare_runs(paper, backtest)
    if json_out:
        typer.echo(json.dumps(result, indent=2))
    else:
        render(result)


__all__ = ["TraderError", "compare", "daemon"]
