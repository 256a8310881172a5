"""The equity curve: one row per mark in compact float64 columns (8 bytes a value, no object per bar)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Protocol

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


class PendingRows(Protocol):
    """Rows recorded outside Python (the engine's bar driver holds them in Rust), not yet in the columns."""

    def drain(self) -> None:
        """Append the rows held to the curve's columns, in order, and forget them."""


class EquityCurve:
    """Equity, gross and net exposure at each mark.

    The columns are float64 because they exist for statistics and plots: ten million bars take 320 MB
    rather than the gigabytes a Decimal per value would. The exact amounts stay in the ledger (cash,
    positions at cost, fills), which can value any moment exactly; a float64 holds an equity below
    $10 billion to well under a cent.

    While `pending` is set, more rows are held there; every read of the curve moves them in first, so a
    reader (a strategy looking at its equity mid-run) sees every row up to the current bar.
    """

    __slots__ = ("_equity", "_gross", "_net", "_ts", "pending")

    def __init__(self) -> None:
        self._ts = array("q")
        self._equity = array("d")
        self._gross = array("d")
        self._net = array("d")
        self.pending: PendingRows | None = None

    def columns(self) -> tuple[array[int], array[float], array[float], array[float]]:
        """The four columns as they are (ts, equity, gross, net), without the pending rows: for the writer
        of `pending`, which appends to them."""
        return self._ts, self._equity, self._gross, self._net

    def _drain(self) -> None:
        if self.pending is not None:
            self.pending.drain()

    @property
    def ts(self) -> array[int]:
        """Mark times, ns since the epoch (UTC)."""
        self._drain()
        return self._ts

    @property
    def equity(self) -> array[float]:
        """Equity at each mark."""
        self._drain()
        return self._equity

    @property
    def gross_exposure(self) -> array[float]:
        """Sum of |market value| over positions at each mark."""
        self._drain()
        return self._gross

    @property
    def net_exposure(self) -> array[float]:
        """Sum of signed market values at each mark."""
        self._drain()
        return self._net

    def __len__(self) -> int:
        self._drain()
        return len(self._ts)

    def append(self, ts: int, equity: float, gross: float, net: float) -> None:
        """Record one mark; times must strictly increase (one mark per bar, never back in time)."""
        self._drain()
        stamps = self._ts
        if stamps and ts <= stamps[-1]:
            raise LedgerError(
                "equity curve", f"mark times must increase (last was {stamps[-1]})", field="ts", value=ts
            )
        stamps.append(ts)
        self._equity.append(equity)
        self._gross.append(gross)
        self._net.append(net)

    def arrays(self) -> CurveArrays:
        """Copies of the columns as numpy arrays."""
        self._drain()
        return CurveArrays(
            ts=np.array(self._ts, dtype=np.int64),
            equity=np.array(self._equity, dtype=np.float64),
            gross_exposure=np.array(self._gross, dtype=np.float64),
            net_exposure=np.array(self._net, dtype=np.float64),
        )
