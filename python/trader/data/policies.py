"""What to do with bad bars: `flag` (report), `reject` (refuse on any error), `repair` (drop/sort, logged)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from trader.data.bars import VALUE_COLUMNS, Bars
from trader.data.calendar import MarketCalendar, detect_calendar
from trader.data.quality import QualityConfig, QualityReport, check, iso
from trader.errors import DataError


class Policy(StrEnum):
    """How bad rows are handled."""

    FLAG = "flag"
    REJECT = "reject"
    REPAIR = "repair"


@dataclass(frozen=True, slots=True)
class Repair:
    """One change made by the repair policy, at the source line it concerns."""

    line: int
    action: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.action}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The bars to use, the report on the input, the repairs made and (after repairs) the new report."""

    bars: Bars
    report: QualityReport
    repairs: tuple[Repair, ...] = ()
    after: QualityReport | None = None

    @property
    def final(self) -> QualityReport:
        """The report on the bars handed on (after repairs when there were any)."""
        return self.after if self.after is not None else self.report


def apply_policy(
    bars: Bars,
    policy: Policy,
    *,
    calendar: MarketCalendar | None = None,
    config: QualityConfig | None = None,
) -> Outcome:
    """Check `bars` and act on the findings according to `policy`."""
    cal = calendar if calendar is not None else detect_calendar(bars)
    report = check(bars, calendar=cal, config=config)
    if policy is Policy.FLAG:
        return Outcome(bars, report)
    if policy is Policy.REJECT:
        if report.errors:
            first = report.errors[0]
            problem = f"rejected: {len(report.errors)} error(s); first: {first.kind}: {first.message}"
            raise DataError(problem, path=bars.source, line=first.line)
        return Outcome(bars, report)
    repaired, repairs = repair(bars)
    return Outcome(repaired, report, tuple(repairs), check(repaired, calendar=cal, config=config))


def repair(bars: Bars) -> tuple[Bars, list[Repair]]:
    """Drop rows that cannot be right, sort by time, keep the first of each timestamp; never invent data."""
    log: list[Repair] = []
    keep = np.ones(len(bars), dtype=np.bool_)
    o, h, lo, c, v = (getattr(bars, name) for name in VALUE_COLUMNS)
    with np.errstate(invalid="ignore"):
        reasons = (
            (~np.isfinite(np.stack([o, h, lo, c, v])).all(axis=0), "a value is not a finite number"),
            ((np.stack([o, h, lo, c]) <= 0).any(axis=0), "a price is not positive"),
            ((h < np.maximum(o, c)) | (lo > np.minimum(o, c)) | (h < lo), "OHLC inconsistent"),
            (v < 0, "negative volume"),
        )
    for mask, reason in reasons:
        log.extend(Repair(int(bars.lines[i]), "dropped", reason) for i in np.flatnonzero(mask & keep))
        keep &= ~mask
    kept = bars.take(np.flatnonzero(keep))
    # The rows logged as moved are those stamped before an earlier row (the out_of_order findings).
    late = np.flatnonzero(kept.ts[1:] < np.maximum.accumulate(kept.ts)[:-1]) + 1
    log.extend(Repair(int(kept.lines[i]), "moved", "sorted back into time order") for i in late)
    order = np.argsort(kept.ts, kind="stable")
    ordered = kept.take(order)
    dup = np.flatnonzero(ordered.ts[1:] == ordered.ts[:-1]) + 1
    first_of = np.maximum.accumulate(
        np.where(np.concatenate(([True], ordered.ts[1:] != ordered.ts[:-1])), np.arange(len(ordered)), 0)
    )
    for i in dup:
        j = int(first_of[i])
        same = all(getattr(ordered, n)[i] == getattr(ordered, n)[j] for n in VALUE_COLUMNS)
        what = "exact duplicate" if same else "conflicting duplicate (kept the first)"
        log.append(
            Repair(
                int(ordered.lines[i]),
                "dropped",
                f"{what} of line {int(ordered.lines[j])} at {iso(ordered.ts[i])}",
            )
        )
    unique = np.ones(len(ordered), dtype=np.bool_)
    unique[dup] = False
    log.sort(key=lambda r: r.line)
    return ordered.take(np.flatnonzero(unique)), log
