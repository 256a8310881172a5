"""What one market snapshot says about new risk in each symbol: stop, sizing scale, sector, correlations."""

from __future__ import annotations

from decimal import Decimal

from trader.risk.config import RiskConfig
from trader.risk.sizing import volatility_multiplier
from trader.risk.state import UNKNOWN_SECTOR, MarketState, PortfolioState

SymbolLine = tuple[Decimal, Decimal, str, float, Decimal | None, Decimal]
"""New risk in one symbol with a usable ATR, as a plain tuple (a NamedTuple costs five times as much to
build, once per decision on a fresh snapshot):

- stop_distance: ATR x the stop multiple, the loss per unit when the initial stop is hit;
- risk_to_value: price / stop_distance, the notional that puts one unit of equity at risk to the stop;
- sector;
- volatility_scale: target / realised volatility within its bounds (sizing.volatility_multiplier);
- long_stop: initial stop of new long risk (price - stop_distance), None when not above zero;
- short_stop: initial stop of new short risk (price + stop_distance).
"""

_ZERO = Decimal(0)

Correlated = tuple[str, float]
"""A held symbol new risk would pile onto, and the correlation with it."""


class MarketView:
    """One MarketState's lines and correlations, worked out when first asked and kept while it is current.

    A backtest builds one market snapshot per bar and a new book after every fill, so what depends only
    on the market is kept apart from the book. The snapshot is frozen, so the view can never go stale.
    """

    __slots__ = ("_bound", "_config", "_lines", "_partners", "_scanned", "market")

    def __init__(self, market: MarketState, config: RiskConfig) -> None:
        self.market = market
        self._config = config
        self._bound = config.limits.max_correlation
        self._lines: dict[str, SymbolLine] = {}
        self._partners: dict[str, dict[str, float]] | None = None
        """Per symbol, the symbols correlated with it beyond the bound either way (the only ones the gate
        can refuse on); indexed once the market has been asked twice."""
        self._scanned = False

    def line(self, symbol: str) -> SymbolLine | None:
        """Stop, scale and sector of new risk in `symbol` (priced: the caller checked); None without a
        usable ATR to place the stop."""
        line = self._lines.get(symbol)
        if line is None:
            market = self.market
            atr = market.atr.get(symbol)
            if atr is None or atr <= _ZERO:
                return None
            price = market.prices[symbol]
            config = self._config
            stop_distance = atr * config.stops.atr_multiple
            long_stop = price - stop_distance
            line = self._lines[symbol] = (
                stop_distance,
                price / stop_distance,
                market.sectors.get(symbol, UNKNOWN_SECTOR),
                volatility_multiplier(market.realised_vol.get(symbol), config.sizing),
                long_stop if long_stop > _ZERO else None,
                price + stop_distance,
            )
        return line

    def correlated(self, symbol: str, direction: int, portfolio: PortfolioState) -> Correlated | None:
        """`correlated_holding` on this market: a scan of the book for the first decision, an index of
        the pairs beyond the bound for every later one."""
        partners = self._partners
        if partners is None:
            # The first decision scans the book: a market seen only once (the live loop builds one per
            # decision) would spend more on indexing every pair than the index saves.
            if not self._scanned:
                self._scanned = True
                return correlated_holding(symbol, direction, portfolio, self.market, self._bound)
            partners = self._partners = _beyond(self.market, self._bound)
        mine = partners.get(symbol)
        if mine is None:
            return None
        bound, long = self._bound, direction > 0
        for held, holding in portfolio.positions.items():
            corr = mine.get(held)
            if corr is None or held == symbol:
                continue
            if (corr if (holding.qty > _ZERO) is long else -corr) > bound:
                return held, corr
        return None


def _beyond(market: MarketState, bound: float) -> dict[str, dict[str, float]]:
    """For each symbol, MarketState.correlation with every other one, where it is beyond +-bound."""
    correlations = market.correlations
    both: dict[str, dict[str, float]] = {}
    for (a, b), corr in correlations.items():
        if corr is not None:  # (a, b) as asked for a: it comes before (b, a)
            both.setdefault(a, {})[b] = corr
    for (a, b), corr in correlations.items():
        if corr is not None:
            both.setdefault(b, {}).setdefault(a, corr)
    beyond: dict[str, dict[str, float]] = {}
    for symbol, others in both.items():
        kept = {other: corr for other, corr in others.items() if abs(corr) > bound}
        if kept:
            beyond[symbol] = kept
    return beyond


def correlated_holding(
    symbol: str, direction: int, portfolio: PortfolioState, market: MarketState, bound: float
) -> Correlated | None:
    """A held position that new risk in `direction` (+1 long, -1 short) would pile onto (correlated beyond
    `bound`, the limit's max_correlation), with the correlation; None when there is none. A position on
    the other side of a positive correlation (or the same side of a negative one) is a hedge: it reduces
    risk and passes."""
    correlations = market.correlations
    if not correlations:
        return None
    long = direction > 0
    for held, holding in portfolio.positions.items():
        if held == symbol:
            continue
        # MarketState.correlation inlined: this loop runs per held position on evaluate()'s path.
        corr = correlations.get((symbol, held))
        if corr is None:
            corr = correlations.get((held, symbol))
            if corr is None:
                continue
        # same_way x corr, same_way being +1 when the holding and the new risk go the same way.
        if (corr if (holding.qty > _ZERO) is long else -corr) > bound:
            return held, corr
    return None
