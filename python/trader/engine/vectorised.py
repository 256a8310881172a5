"""The vectorised backtest path: one symbol's entry/exit signal arrays simulated in one call into Rust."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trader import _core
from trader.data import Bars, detect_calendar
from trader.errors import TraderError
from trader.execution.embedded_config import BpsFee, FeeModel, PerShareFee, ZeroFee
from trader.indicators import ema
from trader.portfolio import CurveArrays, Metrics, RoundTrip, compute_metrics, periods_per_year
from trader.strategies import EmaCross

if TYPE_CHECKING:
    from trader.engine.config import BacktestConfig
    from trader.strategies.base import Strategy

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

BoolArray = NDArray[np.bool_]
F64Array = NDArray[np.float64]


class VectorError(TraderError):
    """A vectorised run refused its input: a bad bar, signal array or setting (the message says which)."""


class VectorRangeError(VectorError):
    """Money left the vectorised path's exact fixed-point range (the event engine has no such bound)."""


class NotVectorisable(TraderError):  # noqa: N818 -- reads as the condition it reports
    """The strategy or configuration has no vectorised form; run the event-driven engine instead."""


@dataclass(frozen=True, slots=True)
class VectorConfig:
    """Cash, sizing (a fixed `qty`, default 100, or a `fraction` of equity), direction, slippage and fees.

    Fills follow the SimVenue's rules for a market order: at the next bar's open, `slippage_bps` against
    the order, rounded to 9 decimals in the venue's favour; fees as the gateway charges them (rounded up).
    """

    starting_cash: Decimal = Decimal(100_000)
    qty: Decimal | None = None
    fraction: float | None = None
    long_only: bool = True
    slippage_bps: int = 0
    fees: FeeModel = field(default_factory=ZeroFee)

    def sizing(self) -> dict[str, str | None]:
        """The size arguments of the Rust call: exactly one of qty and fraction, as exact text."""
        if self.qty is not None and self.fraction is not None:
            raise VectorError("give either qty or fraction, not both")
        if self.fraction is None:
            return {"qty": format(self.qty if self.qty is not None else Decimal(100), "f"), "fraction": None}
        return {"qty": None, "fraction": format(Decimal(repr(self.fraction)), "f")}

    @classmethod
    def from_backtest(
        cls,
        config: BacktestConfig,
        symbol: str,
        *,
        qty: Decimal | None = None,
        fraction: float | None = None,
        long_only: bool = True,
    ) -> VectorConfig:
        """The vectorised equal of an event-engine run with `config`, or `NotVectorisable` saying why not."""
        sim = config.sim
        problems = [
            (config.risk is not None, "a risk manager sizes and vetoes orders one by one"),
            (sim.latency_bars != 0, "latency_bars delays fills past the next open"),
            (sim.volume_share is not None, "volume_share fills orders partially"),
            (config.time_in_force not in {"gtc", "day"}, f"time_in_force {config.time_in_force!r}"),
            (not isinstance(sim.fees, ZeroFee | BpsFee | PerShareFee), "fees paid in the traded coin"),
        ]
        spec = config.instruments_for([symbol])[0]
        # Fraction sizing buys whole units; a fixed size defaults to 100 like `ema_cross`.
        size = Decimal(1) if fraction is not None else qty if qty is not None else Decimal(100)
        problems += [
            (spec.min_quantity > 0 or spec.min_notional > 0, f"{symbol} has order minimums"),
            (size % spec.lot_size != 0, f"the size is off {symbol}'s lot"),
            (
                fraction is not None and _decimals(Decimal(repr(fraction))) > 9,
                f"fraction {fraction!r} has more than 9 decimals",
            ),
        ]
        for refused, why in problems:
            if refused:
                raise NotVectorisable(f"no vectorised run: {why}")
        return cls(config.starting_cash, qty, fraction, long_only, sim.slippage_bps, sim.fees)


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class VectorFill(NamedTuple):
    """One execution of a vectorised run, at a bar's open."""

    bar: int
    """Position of the bar whose open it filled at."""
    ts: int
    side: str
    qty: Decimal
    price: Decimal
    fee: Decimal


def _time(ns: int) -> datetime:
    # The ledger's fill time: whole microseconds, as the embedded gateway reports it.
    return _EPOCH + timedelta(microseconds=ns // 1_000)


class VectorResult:
    """A vectorised run: the float curve now; exact fills, round trips and metrics when first asked."""

    def __init__(
        self,
        bars: Bars,
        equity: F64Array,
        net_exposure: F64Array,
        books: _core.SignalBooks,
        *,
        strategy_id: str,
    ) -> None:
        self.bars = bars
        self.equity = equity
        self.net_exposure = net_exposure
        self.books = books
        self.strategy_id = strategy_id

    @cached_property
    def periods_per_year(self) -> float:
        """Bars per year of the series (its timeframe and calendar), the metrics' annualisation."""
        bars = self.bars
        if bars.timeframe is None:
            raise VectorError(
                f"{bars.source or bars.symbol}: the bars need a known timeframe for the metrics"
            )
        return float(periods_per_year(bars.timeframe, detect_calendar(bars)))

    @property
    def final_equity(self) -> Decimal:
        """Cash plus the position at the last close, exact."""
        return Decimal(self.books.final_equity)

    @property
    def cash(self) -> Decimal:
        """Cash at the end, exact."""
        return Decimal(self.books.cash)

    @property
    def position(self) -> Decimal:
        """Signed units held at the end."""
        return Decimal(self.books.position)

    @property
    def fees(self) -> Decimal:
        """All fees paid, exact."""
        return Decimal(self.books.fees)

    def order_id(self, fill_number: int) -> str:
        """The client order id the event engine gives the `fill_number`-th order (1-based) of the run."""
        return f"{self.strategy_id}-{self.bars.symbol}-{fill_number}"

    @cached_property
    def fills(self) -> list[VectorFill]:
        """Every fill, in time order."""
        ts = self.bars.ts
        return [
            VectorFill(i, int(ts[i]), side, Decimal(q), Decimal(p), Decimal(f))
            for i, side, q, p, f in self.books.fills()
        ]

    @cached_property
    def trades(self) -> list[RoundTrip]:
        """The closed round trips, as the ledger's FIFO `RoundTrip`s (same fields the event engine gives)."""
        ts, symbol = self.bars.ts, self.bars.symbol
        number = {fill.bar: n for n, fill in enumerate(self.fills, start=1)}
        return [
            RoundTrip(
                symbol=symbol,
                direction="long" if long else "short",
                qty=Decimal(qty),
                entry_time=_time(int(ts[entry])),
                entry_price=Decimal(entry_price),
                exit_time=_time(int(ts[exit_])),
                exit_price=Decimal(exit_price),
                gross_pnl=Decimal(gross),
                fees=Decimal(fees),
                entry_order=self.order_id(number[entry]),
                exit_order=self.order_id(number[exit_]),
            )
            for entry, exit_, long, qty, entry_price, exit_price, gross, fees in self.books.trades()
        ]

    @cached_property
    def curve(self) -> CurveArrays:
        """The curve as the event engine's columns (equity, gross and net exposure per bar)."""
        return CurveArrays(self.bars.ts, self.equity, np.abs(self.net_exposure), self.net_exposure)

    @cached_property
    def metrics(self) -> Metrics:
        """The run's metrics, by the portfolio's own formulas."""
        curve = self.curve
        return compute_metrics(
            curve.ts,
            curve.equity,
            self.trades,
            periods_per_year=self.periods_per_year,
            gross_exposure=curve.gross_exposure,
        )


def _bool_signal(name: str, values: ArrayLike, n: int) -> BoolArray:
    array = np.asarray(values)
    if array.dtype != np.bool_:
        raise VectorError(f"`{name}` must be a boolean array (got dtype {array.dtype})")
    if array.shape != (n,):
        raise VectorError(f"`{name}` has shape {array.shape} but there are {n} bars")
    return np.ascontiguousarray(array)


def run_signals(
    bars: Bars,
    entries: ArrayLike,
    exits: ArrayLike,
    config: VectorConfig | None = None,
    *,
    strategy_id: str = "vector",
) -> VectorResult:
    """Simulate boolean `entries`/`exits` (decided at each bar's close) over `bars` in one Rust call.

    A signal at bar t becomes a market order filled at bar t+1's open (none at the last bar). An entry
    goes long (buying back any short first) and is ignored while long; an exit closes the long, or with
    `long_only=False` reverses into a short, and is ignored while short; both at once are ignored.
    Bad prices, signals or settings raise `VectorError` naming the bar, field and value.
    """
    config = config or VectorConfig()
    n = len(bars)
    enter, leave = _bool_signal("entries", entries, n), _bool_signal("exits", exits, n)
    fees = json.dumps(config.fees.to_json_obj())
    try:
        equity, net, books = _core.simulate_signals(
            np.ascontiguousarray(bars.open),  # a no-op unless the bars are a strided view
            np.ascontiguousarray(bars.close),
            enter,
            leave,
            starting_cash=format(config.starting_cash, "f"),
            long_only=config.long_only,
            slippage_bps=config.slippage_bps,
            fees=fees,
            **config.sizing(),
        )
    except OverflowError as exc:
        raise VectorRangeError(
            f"{bars.source or bars.symbol}: {exc}: beyond the vectorised path's exact range; "
            "run the event-driven engine (run_backtest) instead"
        ) from None
    except ValueError as exc:
        raise VectorError(f"{bars.source or bars.symbol}: {exc}") from None
    return VectorResult(bars, equity, net, books, strategy_id=strategy_id)


def ema_cross_signals(close: ArrayLike, fast: int, slow: int) -> tuple[BoolArray, BoolArray]:
    """(entries, exits) of `ema_cross`: fast EMA crossing above / below the slow one at a close.

    Up at t means fast - slow <= 0 at t-1 and > 0 at t (down: >= 0, then < 0), with the Rust EMAs the
    event-driven strategy streams, so both paths decide at the same bars.
    """
    if not (1 <= fast < slow):
        raise VectorError(f"ema_cross needs 1 <= fast < slow (got fast={fast}, slow={slow})")
    diff = ema(close, fast)
    np.subtract(diff, ema(close, slow), out=diff)
    before, now = diff[:-1], diff[1:]
    entries = np.zeros(diff.size, dtype=np.bool_)
    exits = np.zeros(diff.size, dtype=np.bool_)
    # NaN (warm-up) compares false both ways, so no cross is seen before both EMAs are ready.
    np.logical_and(before <= 0, now > 0, out=entries[1:])
    np.logical_and(before >= 0, now < 0, out=exits[1:])
    return entries, exits


def run_strategy(strategy: Strategy, bars: Sequence[Bars], config: BacktestConfig) -> VectorResult:
    """The vectorised run of a built-in strategy with an event-engine config: the sweep hook.

    Gives the same trades and final equity as `run_backtest` (without the journal); raises
    `NotVectorisable` when the strategy or config has no vectorised form (then run `run_backtest`).
    """
    # The class itself, not its name: a subclass inherits the name but may decide differently.
    if type(strategy) is not EmaCross:
        raise NotVectorisable(f"no vectorised run: strategy {strategy.name!r} has no signal-array form")
    if len(bars) != 1:
        raise NotVectorisable("no vectorised run: it takes one symbol")
    (series,) = bars
    params = strategy.params
    fraction = params.fraction
    qty = None if fraction is not None else params.qty
    long_only = params.long_only
    vector_config = VectorConfig.from_backtest(
        config, series.symbol, qty=qty, fraction=fraction, long_only=long_only
    )
    entries, exits = ema_cross_signals(series.close, params.fast, params.slow)
    try:
        return run_signals(series, entries, exits, vector_config, strategy_id=strategy.strategy_id)
    except VectorRangeError as exc:
        raise NotVectorisable(f"no vectorised run: {exc}") from None
