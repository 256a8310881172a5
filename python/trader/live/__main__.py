"""`python -m trader.live`: the `trader daemon` command alone, without importing every other CLI area."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from trader.errors import TraderError
from trader.live.cli import daemon


def main() -> None:
    """Run `trader daemon` with the same one-line errors (exit 2) as the `trader` command."""
    try:
        typer.run(daemon)
    except TraderError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
