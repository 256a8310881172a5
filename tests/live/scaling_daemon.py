"""A paper daemon with progression scaling, opened in this process and driven bar by bar on a replay clock."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from trader.live.config import load_config
from trader.live.daemon import Daemon
from trader.live.output import Output
from trader.live.replay import ReplayClock
from trader.live.state_dir import StateDir

FLIP = f"{Path(__file__).parent / 'flip_strategy.py'}:Flip"
DAY = timedelta(days=1)
STRETCH = 900
"""Where the replayed sessions begin in the bundled daily files (2001-07-30): AAPL trades at $15-$26 there
and no day moves 10 % (the breaker's asset-move trigger stays quiet unless a test injects a shock)."""
TRADE_FRACTION = Decimal("0.05")
"""The per-trade limit (the risk config's default): the cap that sizes every entry in these tests."""

RISK = """\
authorised_users = ["alice"]
[sizing]
# Neither Kelly nor a loss streak may shrink the risk budget: the per-trade limit alone sizes each entry.
kelly_min_trades = 100000
loss_streak = 1000
[breaker]
max_drawdown_fraction = 0.9
max_consecutive_losses = 1000
stale_data_seconds = 100000
cooldown_seconds = 1
[progression]
capital_steps = ["1000", "5000", "10000"]
[progression.scaling]
new_symbol_trades = 2
new_symbol_multiplier = "0.5"
[progression.gates.micro_live]
min_trades = 1
min_win_rate = 0
min_profit_factor = 0
max_drawdown = "1"
min_sharpe = -10
min_days = 1
"""


def restamped(
    samples_dir: Path, symbol: str, folder: Path, first: datetime, count: int, *, shock_at: int | None = None
) -> Path:
    """`count` sessions of the bundled `symbol` daily bars from STRETCH, stamped one per day from `first`.
    With `shock_at`, that bar and every later one are the real ones times 0.7: a 30 % gap down that stays."""
    with (samples_dir / f"{symbol}_1d.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[STRETCH : STRETCH + count]
    path = folder / f"{symbol}_1d.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("timestamp,open,high,low,close,volume\n")
        for index, row in enumerate(rows):
            scale = Decimal("0.7") if shock_at is not None and index >= shock_at else Decimal(1)
            prices = [
                (Decimal(row[k]) * scale).quantize(Decimal("0.01")) for k in ("open", "high", "low", "close")
            ]
            stamp = (first + DAY * index).isoformat().replace("+00:00", "Z")
            out.write(f"{stamp},{','.join(map(str, prices))},{row['volume']}\n")
    return path


def progression_at(home: Path, step: int, capital: str, since: datetime) -> None:
    """A state directory whose progression stands at capital step `step` since `since` (no universe yet)."""
    home.mkdir(parents=True, exist_ok=True)
    state = {"version": 1, "step": step, "capital": capital, "since": since.isoformat(), "history": []}
    (home / "progression.json").write_text(json.dumps(state), encoding="utf-8")


def config(folder: Path, replay: list[Path]) -> Path:
    """A paper daemon config replaying `replay` with Flip and the RISK file above."""
    risk = folder / "risk.toml"
    risk.write_text(RISK, encoding="utf-8")
    files = ", ".join(f'"{path}"' for path in replay)
    path = folder / "daemon.toml"
    path.write_text(f'replay = [{files}]\nrisk = "{risk}"\nstrategy = "{FLIP}"\n', encoding="utf-8")
    return path


def state_of(home: Path) -> dict[str, Any]:
    """The progression's state file as JSON."""
    return json.loads((home / "progression.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class DrivenDaemon:
    """The daemon's start (open, reconcile, warm-up, stop adoption), then one bar per `bars` tick, each as the
    daemon's loop does it (step, trail, observe the breaker), then its graceful stop."""

    def __init__(self, home: Path, config_path: Path) -> None:
        state = StateDir(home)
        state.ensure()
        self.out = io.StringIO()
        daemon = self.daemon = Daemon(load_config(config_path, {}), state, Output(self.out))
        daemon._open()
        daemon.controller.sync_kill_flag()
        daemon._reconcile()
        daemon.strategy.bind(daemon.broker)
        daemon.strategy.on_start()
        daemon._warmup()
        daemon._adopt_stops()
        self._wall = 0.0
        feed = daemon.feed
        # One market day per wall second, and the wall moved by hand: one bar becomes due per tick.
        feed.clock = ReplayClock(feed.clock.now_ns(), float(DAY.total_seconds()), wall=lambda: self._wall)  # type: ignore[attr-defined]

    def bars(self, count: int) -> None:
        daemon = self.daemon
        for _ in range(count):
            self._wall += 1.0
            tripped_before = daemon.controller.breaker_state.tripped
            daemon.stepper.step(daemon.feed.due())
            daemon.stepper.trail()
            daemon._observe(tripped_before)

    def entries(self) -> list[tuple[str, Decimal, Decimal, str]]:
        """Flip's entry decisions so far, in order: (symbol, quantity after risk, decision close, status)."""
        closes = self.daemon.strategy.entries  # type: ignore[attr-defined]
        return [
            (d.symbol, Decimal(d.qty), Decimal(repr(closes[d.client_order_id])), d.status)
            for d in self.daemon.broker.decisions
            if d.client_order_id in closes
        ]

    def events(self, name: str) -> list[dict[str, Any]]:
        lines = (json.loads(line) for line in self.out.getvalue().splitlines())
        return [line for line in lines if line["event"] == name]

    def close(self) -> None:
        self.daemon._close()


def sized_on(step: Decimal, close: Decimal, scale: Decimal = Decimal(1)) -> Decimal:
    """Whole shares the per-trade limit allows on a capital step of `step` at `close` (times `scale`)."""
    return (step * TRADE_FRACTION * scale / close).to_integral_value(rounding="ROUND_FLOOR")
