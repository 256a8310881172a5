"""The plotly figures of a backtest report: price with fills, equity, drawdown, monthly returns, trade P&L."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import plotly.graph_objects as go
from numpy.typing import NDArray
from plotly.subplots import make_subplots

from trader.data import Bars
from trader.portfolio import RoundTrip
from trader.portfolio.fill_effects import FillEffect

MAX_POINTS = 4_000
"""Points per line at most: a million-bar run still gives a report of a few MB (fills are all kept)."""

MAX_PRICE_PANELS = 6

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 40, "b": 40}, "height": 380}


def thin(n: int, limit: int = MAX_POINTS) -> NDArray[np.intp]:
    """Evenly spaced positions of at most `limit` (+1) of `n` points, always keeping the first and last."""
    if n <= limit:
        return np.arange(n)
    picked = np.arange(0, n, -(-n // limit))
    return picked if picked[-1] == n - 1 else np.append(picked, n - 1)


def _ms(ts_ns: NDArray[np.int64]) -> NDArray[np.float64]:
    """Epoch milliseconds, which plotly's date axes read directly (and ship as compact binary)."""
    return (ts_ns // 1_000_000).astype(np.float64)


def _fill_ms(moment: datetime) -> float:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000.0


def price_figure(bars: Sequence[Bars], fills: Sequence[FillEffect]) -> go.Figure:
    """Close prices, one panel per symbol, with every buy (up triangle) and sell (down triangle)."""
    shown = list(bars)[:MAX_PRICE_PANELS]
    fig = make_subplots(rows=len(shown), cols=1, shared_xaxes=True, subplot_titles=[b.symbol for b in shown])
    for row, series in enumerate(shown, start=1):
        keep = thin(len(series))
        fig.add_trace(
            go.Scatter(
                x=_ms(series.ts[keep]), y=series.close[keep], mode="lines", name=f"{series.symbol} close"
            ),
            row=row,
            col=1,
        )
        for side, symbol_shape, colour in (
            ("buy", "triangle-up", "#1a9850"),
            ("sell", "triangle-down", "#d73027"),
        ):
            mine = [f for f in fills if f.symbol == series.symbol and (f.traded_qty > 0) == (side == "buy")]
            if not mine:
                continue
            fig.add_trace(
                go.Scatter(
                    x=np.array([_fill_ms(f.timestamp) for f in mine]),
                    y=np.array([float(f.price) for f in mine]),
                    mode="markers",
                    name=f"{series.symbol} {side}",
                    marker={"symbol": symbol_shape, "size": 9, "color": colour},
                    text=[f"{side} {abs(f.traded_qty)} @ {f.price} ({f.client_order_id})" for f in mine],
                    hoverinfo="text+x",
                ),
                row=row,
                col=1,
            )
        fig.update_xaxes(type="date", row=row, col=1)
    fig.update_layout(**{**_LAYOUT, "height": 300 + 220 * len(shown)}, title="Price and fills")
    return fig


def equity_figure(ts: NDArray[np.int64], equity: NDArray[np.float64]) -> go.Figure:
    """The equity curve."""
    keep = thin(equity.size)
    fig = go.Figure(go.Scatter(x=_ms(ts[keep]), y=equity[keep], mode="lines", name="equity"))
    fig.update_layout(**_LAYOUT, title="Equity")
    fig.update_xaxes(type="date")
    return fig


def drawdowns(equity: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drawdown at each mark as a negative fraction of the running peak (0 at a new high)."""
    return equity / np.maximum.accumulate(equity) - 1.0


def drawdown_figure(ts: NDArray[np.int64], equity: NDArray[np.float64]) -> go.Figure:
    """The drawdown from the running peak, filled to zero."""
    depth = drawdowns(equity)
    keep = thin(equity.size)
    if equity.size > keep.size:  # keep the deepest point even when thinning
        keep = np.unique(np.append(keep, int(np.argmin(depth))))
    line = go.Scatter(x=_ms(ts[keep]), y=depth[keep], mode="lines", fill="tozeroy", name="drawdown")
    fig = go.Figure(line)
    fig.update_layout(**_LAYOUT, title="Drawdown")
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="date")
    return fig


def monthly_returns(
    ts: NDArray[np.int64], equity: NDArray[np.float64]
) -> tuple[list[int], NDArray[np.float64]]:
    """(years, a years x 12 matrix of month returns; NaN where a month has no mark).

    A month's return is its last mark over the previous month's last mark (the first month: over the
    first mark), so the months compound to the total return.
    """
    months = ts.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    ends = np.flatnonzero(np.concatenate((months[1:] != months[:-1], [True])))
    closing = equity[ends]
    opening = np.concatenate(([equity[0]], closing[:-1]))
    returns = closing / opening - 1.0
    which = months[ends]
    first_year = int(which[0] // 12) + 1970
    years = list(range(first_year, int(which[-1] // 12) + 1970 + 1))
    grid = np.full((len(years), 12), np.nan)
    grid[which // 12 + 1970 - first_year, which % 12] = returns
    return years, grid


def monthly_figure(ts: NDArray[np.int64], equity: NDArray[np.float64]) -> go.Figure:
    """The monthly returns as a year x month heatmap, red for losses, green for gains."""
    years, grid = monthly_returns(ts, equity)
    text = [["" if np.isnan(v) else f"{v:.1%}" for v in row] for row in grid.tolist()]
    limit = float(np.nanmax(np.abs(grid))) if np.any(~np.isnan(grid)) else 0.01
    heat = go.Heatmap(
        z=grid,
        x=list(_MONTHS),
        y=[str(y) for y in years],
        text=text,
        texttemplate="%{text}",
        colorscale="RdYlGn",
        zmin=-limit,
        zmax=limit,
        zmid=0.0,
        hovertemplate="%{y} %{x}: %{text}<extra></extra>",
    )
    fig = go.Figure(heat)
    fig.update_layout(**{**_LAYOUT, "height": 160 + 22 * len(years)}, title="Monthly returns")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def trades_figure(trades: Sequence[RoundTrip]) -> go.Figure:
    """The distribution of the round trips' net P&L."""
    pnl = np.array([float(t.pnl) for t in trades], dtype=np.float64)
    fig = go.Figure(go.Histogram(x=pnl, nbinsx=min(60, max(10, pnl.size // 3)), name="trades"))
    fig.update_layout(**_LAYOUT, title=f"Trade P&L distribution ({pnl.size} round trips)", bargap=0.05)
    fig.update_xaxes(title="net P&L per round trip")
    fig.update_yaxes(title="round trips")
    return fig
