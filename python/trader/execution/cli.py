"""`trader gateway serve --config FILE`: runs `trader-gateway` in the foreground, forwarding signals."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from trader.errors import TraderError
from trader.execution.gateway_binary import find_gateway_binary

gateway_app = typer.Typer(help="The order gateway (trader-gateway): gRPC + REST in front of the venue.")


@gateway_app.callback()
def _gateway() -> None:
    """Keep `trader gateway` a command group."""


@gateway_app.command()
def serve(
    config: Annotated[
        Path, typer.Option("--config", help="The gateway's TOML config (see gateway.example.toml).")
    ],
    binary: Annotated[
        Path | None,
        typer.Option("--binary", help="The trader-gateway binary (default: found automatically)."),
    ] = None,
) -> None:
    """Serve the gateway until SIGTERM/SIGINT; a bad config exits 2 with the gateway's one-line reason."""
    if not config.is_file():
        raise TraderError(f"--config {config}: no such file")
    executable = find_gateway_binary(binary)
    # Its own session, so a terminal's Ctrl-C reaches the gateway once: through us.
    child = subprocess.Popen([str(executable), "--config", str(config)], start_new_session=True)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code != 0:
        sys.exit(code if code > 0 else 128 - code)
