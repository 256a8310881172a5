"""The lookahead check: rerun a strategy on data cut at random points; no decision before a cut may move."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trader.data import Bars, load_bars, write_bars
from trader.data.naming import split_name
from trader.engine.backtest import run_backtest
from trader.engine.broker import Decision
from trader.engine.config import BacktestConfig
from trader.engine.feed import merge
from trader.engine.results import iso_time
from trader.errors import DataError, TraderError
from trader.strategies import resolve_strategy


@dataclass(frozen=True, slots=True)
class Mismatch:
    """The first decision that differs between the full run and the run cut at `cut_ns`."""

    cut_ns: int
    position: int
    """Its place among the decisions up to the cut (0-based)."""
    full: Decision | None
    truncated: Decision | None


@dataclass(frozen=True, slots=True)
class LookaheadReport:
    """The cuts tried (in order), how many decisions were compared, and the first mismatch if any."""

    cuts: list[int]
    compared: int
    mismatch: Mismatch | None


def pick_cuts(axis: np.ndarray, count: int, seed: int) -> list[int]:
    """`count` distinct cut stamps drawn (seeded) from the time axis, never its last stamp, in time order."""
    if count < 1:
        raise TraderError(f"--cuts must be >= 1 (got {count})")
    candidates = axis[:-1]
    if candidates.size == 0:
        raise TraderError("the data has a single timestamp: there is nowhere to cut")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(candidates.size, size=min(count, candidates.size), replace=False)
    return sorted(int(candidates[i]) for i in chosen)


def _truncated_copy(bars: Bars, source: Path, cut_ns: int, folder: Path) -> Path:
    """Write `bars` up to `cut_ns` (inclusive) to a CSV named like `source`, so symbol and timeframe match."""
    name = split_name(source)
    stem = name.symbol if name.suffix is None else f"{name.symbol}_{name.suffix}"
    path = folder / f"{stem}.csv"
    write_bars(bars.take(bars.ts <= cut_ns), path)
    return path


def _said(decision: Decision | None) -> str:
    if decision is None:
        return "no decision"
    return (
        f"{decision.client_order_id} {decision.side} {decision.qty} {decision.symbol} "
        f"({decision.order_type}, {decision.reason!r}, {decision.status})"
    )


def describe_mismatch(mismatch: Mismatch) -> str:
    """One line naming the first changed decision, when it was decided, and both versions."""
    decided = min(d.ts for d in (mismatch.full, mismatch.truncated) if d is not None)
    return (
        f"decision #{mismatch.position + 1} at {iso_time(decided)} changed when the data was cut at "
        f"{iso_time(mismatch.cut_ns)}: full data: {_said(mismatch.full)}; "
        f"cut data: {_said(mismatch.truncated)}"
    )


def first_difference(full: Sequence[Decision], cut: Sequence[Decision], cut_ns: int) -> Mismatch | None:
    """Compare the decisions stamped up to `cut_ns`; None when they are the same list."""
    before = [d for d in full if d.ts <= cut_ns]
    for k in range(max(len(before), len(cut))):
        mine = before[k] if k < len(before) else None
        theirs = cut[k] if k < len(cut) else None
        if mine != theirs:
            return Mismatch(cut_ns, k, mine, theirs)
    return None


def check_lookahead(
    spec: str,
    data: Sequence[Path],
    *,
    params: Mapping[str, str] | None = None,
    cuts: int = 5,
    seed: int = 0,
    config: BacktestConfig | None = None,
) -> LookaheadReport:
    """Run `spec` on the full files, then on copies cut at `cuts` random stamps; report the first change.

    The copies are real files (the bars up to and including the cut, written as CSV), so a strategy
    that reads ahead in its data file, not only one that peeks in memory, sees the cut and is caught.
    """
    config = config or BacktestConfig()
    for path in data:
        if not path.is_file():
            raise DataError("file not found", path=path)
    cls = resolve_strategy(spec)
    values = dict(params or {})
    series = [load_bars(path) for path in data]
    axis = np.unique(merge(series).ts)
    stamps = pick_cuts(axis, cuts, seed)
    compared = 0
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        full = run_backtest(cls(values), series, root / "full.jsonl", config)
        for k, cut_ns in enumerate(stamps):
            where = root / f"cut_{k}"
            where.mkdir()
            copies = [
                _truncated_copy(bars, path, cut_ns, where)
                for bars, path in zip(series, data, strict=True)
                if int(bars.ts[0]) <= cut_ns
            ]
            cut_bars = [load_bars(path) for path in copies]
            short = run_backtest(cls(values), cut_bars, where / "journal.jsonl", config)
            mismatch = first_difference(full.decisions, short.decisions, cut_ns)
            if mismatch is not None:
                return LookaheadReport(stamps, compared, mismatch)
            compared += len(short.decisions)
    return LookaheadReport(stamps, compared, None)
