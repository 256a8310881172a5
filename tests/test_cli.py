"""The installed `trader` console script runs and reports its version."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import trader


def test_console_script_prints_version() -> None:
    exe = Path(sys.executable).parent / "trader"
    out = subprocess.run([str(exe), "version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"trader {trader.__version__}"
    assert trader.__version__ == "0.1.0"
