"""The equity curve: one row per mark in compact float64 columns (8 bytes a value, no object per bar)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from trader.portfolio.errors import LedgerError


@dataclass(frozen=True, slots=True)
class CurveArrays:
    """The curve as numpy columns for statistics, plots and equity.csv."""

    ts: NDArray[np.int64]
    """Mark times, ns since the epoch (UTC)."""
    equity: NDArray[np.float64]
    gross_exposure: NDArray[np.float64]
    """Sum of |market value| over positions, in the quote currency."""
    net_exposure: NDArray[np.float64]
    """Sum of signed market values (longs minus shorts)."""


class EquityCurve:
    """Equity, gross and net exposure at each mark.

    The columns are float64 because they exist for statistics and plots: ten million bars take 320 MB
    rather than the gigabytes a Decimal per value would. The exact amounts stay in the ledger (cash,
    positions at cost, fills), which can value any moment exactly; a float64 holds an equity below
    $10 billion to well under a cent.
    """

    __slots__ = ("equity", "gross_exposure", "net_exposure", "ts")

    def __init__(self) -> None:
        self.ts = array("q")
        self.equity = array("d")
        self.gross_exposure = array("d")
        self.net_exposure = array("d")

    def __len__(self) -> int:
        return len(self.ts)

    def append(self, ts: int, equity: float, gross: float, net: float) -> None:
        """Record one mark; times must strictly increase (one mark per bar, never back in time)."""
        stamps = self.ts
        if stamps and ts <= stamps[-1]:
            raise LedgerError(
                "equity curve", f"mark times must increase (last was {stamps[-1]})", field="ts", value=ts
            )
        stamps.append(ts)
        self.equity.append(equity)
        self.gross_exposure.append(gross)
        self.net_exposure.append(net)

    def arrays(self) -> CurveArrays:
        """Copies of the columns as numpy arrays."""
        return CurveArrays(
            ts=np.array(self.ts, dtype=np.int64),
            equity=np.array(self.equity, dtype=np.float64),
            gross_exposure=np.array(self.gross_exposure, dtype=np.float64),
            net_exposure=np.array(self.net_exposure, dtype=np.float64),
        )
