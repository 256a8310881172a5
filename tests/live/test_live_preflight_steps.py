"""The live preflight reads the progression on the risk file's capital steps, as the daemon opens it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from scaling_daemon import progression_at, state_of

from trader.live.promotion import live_preflight
from trader.live.state_dir import StateDir
from trader.risk import TradingProgression
from trader.risk.progression_config import ProgressionConfig

KEYS = {"APCA_API_KEY_ID": "key-id", "APCA_API_SECRET_KEY": "secret"}
STEPS = ProgressionConfig(capital_steps=(Decimal(2000), Decimal(8000)))


def test_the_preflight_keeps_a_step_of_the_configured_steps(tmp_path: Path) -> None:
    progression_at(tmp_path, 0, "2000", datetime.now(UTC) - timedelta(days=3))  # micro_live on $2k
    live_preflight(
        StateDir(tmp_path),
        confirmed=True,
        gateway="127.0.0.1:50051",
        feed="alpaca",
        env=KEYS,
        progression_config=STEPS,
    )
    state = state_of(tmp_path)
    assert (state["step"], state["capital"], state["history"]) == (0, "2000", [])
    # Read on the default steps ($1k, $5k, ...) the same state is no step, and would be moved down to $1k.
    assert TradingProgression.open(tmp_path).capital_limit == Decimal(1000)
