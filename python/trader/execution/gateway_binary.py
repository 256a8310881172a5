"""Finds the `trader-gateway` binary: an explicit path, the virtualenv's bin/, the cargo build, or PATH."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from trader.errors import TraderError

BINARY_ENV = "TRADER_GATEWAY_BIN"
_NAME = "trader-gateway"
_REPO_ROOT = Path(__file__).resolve().parents[3]


def candidates() -> list[Path]:
    """Where the binary is looked for, in order: $TRADER_GATEWAY_BIN, the venv's bin/, the newer of cargo's
    target/release and target/debug builds (`make setup` builds debug), then PATH."""
    found = [Path(os.environ[BINARY_ENV])] if os.environ.get(BINARY_ENV) else []
    found += [Path(sys.prefix) / "bin" / _NAME]
    builds = [_REPO_ROOT / "target" / profile / _NAME for profile in ("release", "debug")]
    found += sorted(builds, key=lambda p: p.stat().st_mtime if p.exists() else 0.0, reverse=True)
    on_path = shutil.which(_NAME)
    return found + ([Path(on_path)] if on_path else [])


def find_gateway_binary(explicit: Path | None = None) -> Path:
    """The first executable candidate (or `explicit`); a `TraderError` listing where it looked otherwise."""
    if explicit is not None:
        if not (explicit.is_file() and os.access(explicit, os.X_OK)):
            raise TraderError(f"--binary {explicit}: not an executable file")
        return explicit
    looked = candidates()
    for path in looked:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    where = ", ".join(str(p) for p in looked)
    raise TraderError(f"{_NAME} not found (looked in {where}); run `make setup` or set {BINARY_ENV}")
