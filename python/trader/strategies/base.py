"""`Strategy`: the base class users subclass; it decides, the engine executes (same code in every mode)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from trader.strategies.errors import StrategyError
from trader.strategies.order_request import OrderRequest
from trader.strategies.params import Params as ParamsBase
from trader.strategies.params import build_params

if TYPE_CHECKING:
    from trader.data import Bars
    from trader.models import Fill
    from trader.portfolio import Portfolio
    from trader.strategies.bar import Bar

_ZERO = Decimal(0)


class Broker(Protocol):
    """What the engine offers a strategy: order submission, the portfolio, and the bars seen so far."""

    @property
    def portfolio(self) -> Portfolio: ...

    @property
    def symbols(self) -> list[str]: ...

    def submit(self, strategy: Strategy, request: OrderRequest) -> str: ...

    def history(self, symbol: str) -> Bars: ...


@runtime_checkable
class TimeframeBroker(Broker, Protocol):
    """A broker that can also show higher-timeframe bars (resampled, each visible once it has closed)."""

    def higher_bars(self, symbol: str, timeframe: str) -> Bars: ...


class NoParams(ParamsBase):
    """A strategy without parameters."""


class Strategy:
    """Subclass and override `on_bar` (and optionally `on_start`, `on_fill`, `on_stop`).

    Parameters: declare a nested `Params` model (a `trader.strategies.Params` subclass) and read
    `self.params`. Orders: `buy`, `sell`, `close`, `submit` return the order's deterministic
    `client_order_id` (`<strategy id>-<symbol>-<sequence>`); a market order decided at a bar's close fills
    at the next bar's open. `history(symbol)` holds only the bars up to the current one: nothing later
    exists for a strategy.
    """

    name: ClassVar[str] = "strategy"
    """The registry and default id of the strategy (built-ins: `ema_cross`, ...)."""

    Params: ClassVar[type[ParamsBase]] = NoParams
    """The parameter model; a subclass sets its own `trader.strategies.Params` subclass here."""

    timeframes: ClassVar[tuple[str, ...]] = ()
    """Higher timeframes the strategy reads with `bars(symbol, tf)` (e.g. `("1h", "1d")`): the engine
    builds them for every symbol before the first bar, so a bad one is refused up front."""

    def __init__(
        self, params: Mapping[str, Any] | ParamsBase | None = None, *, strategy_id: str | None = None
    ) -> None:
        model = type(self).Params
        if isinstance(params, ParamsBase):
            if not isinstance(params, model):
                raise StrategyError(
                    f"{self.name}: params must be {model.__qualname__}, got {type(params).__name__}"
                )
            self.params: ParamsBase = params
        else:
            self.params = build_params(model, params or {}, where=f"strategy {self.name}")
        self.strategy_id = strategy_id or self.name
        self._broker: Broker | None = None
        self._symbol: str | None = None
        self._seq = 0

    # --- hooks (override) ------------------------------------------------------------------------------

    def on_start(self) -> None:
        """Called once before the first bar: create indicators here."""

    def on_bar(self, bar: Bar) -> None:
        """Called at each bar's close, after that bar's fills and mark; decide and submit here."""

    def on_fill(self, fill: Fill) -> None:
        """Called for each fill, before the strategy sees the bar it happened in."""

    def on_stop(self) -> None:
        """Called once after the last bar."""

    # --- the engine's side -----------------------------------------------------------------------------

    def bind(self, broker: Broker) -> None:
        """Attach the engine (done by the engine before `on_start`)."""
        self._broker = broker

    def focus(self, symbol: str) -> None:
        """Set the symbol the order helpers default to (the engine does this before each `on_bar`)."""
        self._symbol = symbol

    def next_order_id(self, symbol: str) -> str:
        """The next deterministic client order id: strategy id, symbol and a per-strategy sequence."""
        self._seq += 1
        return f"{self.strategy_id}-{symbol}-{self._seq}"

    # --- helpers ---------------------------------------------------------------------------------------

    @property
    def broker(self) -> Broker:
        """The engine this strategy runs in."""
        if self._broker is None:
            raise StrategyError(f"strategy {self.strategy_id}: not attached to an engine yet")
        return self._broker

    @property
    def portfolio(self) -> Portfolio:
        """The account's exact ledger."""
        return self.broker.portfolio

    def _which(self, symbol: str | None) -> str:
        chosen = symbol or self._symbol
        if chosen is None:
            raise StrategyError(f"strategy {self.strategy_id}: say which symbol (no bar is being handled)")
        return chosen

    def position(self, symbol: str | None = None) -> Decimal:
        """Signed quantity held of `symbol` (default: the current bar's)."""
        return self.portfolio.position_qty(self._which(symbol))

    def equity(self) -> Decimal:
        """Cash plus positions at their last marks, exact."""
        return self.portfolio.equity()

    def history(self, symbol: str | None = None) -> Bars:
        """The bars of `symbol` up to and including the current one (never any later)."""
        return self.broker.history(self._which(symbol))

    def bars(self, symbol: str | None = None, timeframe: str | None = None) -> Bars:
        """Bars of `symbol` so far; with `timeframe` (e.g. "1h") the higher-timeframe bars that have closed.

        A higher bar is resampled from the base bars and appears only once its interval is over and all
        of its base bars have been seen: the one still forming is never visible.
        """
        which = self._which(symbol)
        if timeframe is None:
            return self.broker.history(which)
        broker = self.broker
        if not isinstance(broker, TimeframeBroker):
            raise StrategyError(f"strategy {self.strategy_id}: this engine does not offer higher timeframes")
        return broker.higher_bars(which, timeframe)

    def submit(
        self,
        side: str,
        qty: Decimal | int,
        symbol: str | None = None,
        *,
        order_type: str = "market",
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        reason: str = "",
        confidence: float = 0.5,
    ) -> str:
        """Submit an order; returns its client order id. `confidence` (0..1) scales risk sizing when on."""
        quantity = Decimal(qty)
        if not quantity > 0:
            raise StrategyError(f"strategy {self.strategy_id}: order qty must be > 0 (got {quantity})")
        request = OrderRequest(
            symbol=self._which(symbol),
            side=side,
            qty=quantity,
            order_type=order_type,
            limit_price=limit_price,
            stop_price=stop_price,
            reason=reason or f"{self.strategy_id} {side}",
            confidence=confidence,
        )
        return self.broker.submit(self, request)

    def buy(self, qty: Decimal | int, symbol: str | None = None, *, reason: str = "") -> str:
        """A market buy of `qty`."""
        return self.submit("buy", qty, symbol, reason=reason)

    def sell(self, qty: Decimal | int, symbol: str | None = None, *, reason: str = "") -> str:
        """A market sell of `qty` (opens a short when flat)."""
        return self.submit("sell", qty, symbol, reason=reason)

    def close(self, symbol: str | None = None, *, reason: str = "") -> str | None:
        """A market order that flattens the position; None when already flat."""
        held = self.position(symbol)
        if held == _ZERO:
            return None
        side = "sell" if held > 0 else "buy"
        return self.submit(side, abs(held), symbol, reason=reason or f"{self.strategy_id} close")
