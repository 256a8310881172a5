"""The exact ledger: cash, positions, fees and P&L from fills; equity marked per bar; a reconcile check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from trader.models import AccountSnapshot, Fill, Position
from trader.portfolio.equity import EquityCurve
from trader.portfolio.errors import LedgerError
from trader.portfolio.exact import EXACT, WIDE, round9
from trader.portfolio.fill_effects import FillEffect, fill_effect
from trader.portfolio.positions import OpenPosition, PositionChange
from trader.portfolio.reconcile import reconcile_books
from trader.portfolio.trades import RoundTrip, TradeBook

_ZERO = Decimal(0)
_INF = float("inf")

Price = Decimal | float
"""A mark: an exact Decimal, or a float from a columnar bar array (read as its shortest decimal text)."""


class FillOutcome(NamedTuple):
    """What booking one fill did: the position change, its fee and the round trips it closed."""

    effect: FillEffect
    change: PositionChange
    position_qty: Decimal
    trades: Sequence[RoundTrip]


class Portfolio:
    """Cash and positions of one account, exact to the last digit; fed fills and marked with prices.

    Cash moves by -signed qty x price per fill and by fees paid in cash; positions use average cost
    (see `OpenPosition`); realised P&L is booked per closing fill, before fees, which are summed apart, so
    `equity - starting_cash == realised + unrealised - fees` holds exactly at every step.
    """

    def __init__(self, starting_cash: Decimal, *, currency: str = "USD") -> None:
        if not isinstance(starting_cash, Decimal) or not starting_cash.is_finite():
            raise LedgerError(
                "portfolio", "must be a finite Decimal", field="starting_cash", value=starting_cash
            )
        self.currency = currency
        self.starting_cash = starting_cash
        self.cash = starting_cash
        self.fees = _ZERO
        self.realised_pnl = _ZERO
        self.curve = EquityCurve()
        self.trades = TradeBook()
        self._open: dict[str, OpenPosition] = {}
        self._marks: dict[str, Price] = {}
        # Float shadows of cash and open quantities, refreshed at each fill, for the per-bar mark.
        self._cash_float = float(starting_cash)
        self._held: dict[str, float] = {}
        self._effects: list[FillEffect] = []
        self._fill_ids: set[str] = set()

    # -- fills -------------------------------------------------------------------------------------

    def apply_fill(self, fill: Fill, *, risk_per_unit: Decimal | None = None) -> FillOutcome:
        """Book `fill`. `risk_per_unit` (entry-to-stop distance) lets its round trips report R multiples.

        A fill id seen before is refused: booking it twice would double the position.
        """
        fill_id, effects = fill.fill_id, self._effects
        if fill_id in self._fill_ids:
            raise LedgerError(f"fill {fill_id} ({fill.symbol})", "already booked", field="fill_id")
        if effects and fill.timestamp < effects[-1].timestamp:
            last = effects[-1].timestamp.isoformat()
            raise LedgerError(
                f"fill {fill_id} ({fill.symbol})",
                f"fills must arrive in time order (the last was at {last})",
                field="timestamp",
                value=fill.timestamp.isoformat(),
            )
        effect = fill_effect(fill, self.currency)
        trades = self.trades.apply(effect, risk_per_unit)
        symbol, opened = effect.symbol, self._open
        position = opened.get(symbol)
        if position is None:
            position = opened[symbol] = OpenPosition(symbol)
        change = position.apply(effect.position_delta, effect.price)
        held = position.qty
        add = EXACT.add
        self.cash = cash = EXACT.subtract(add(self.cash, effect.cash_flow), effect.cash_fee)
        self.fees = add(self.fees, effect.fee_value)
        self.realised_pnl = add(self.realised_pnl, change.realised_pnl)
        self._marks[symbol] = effect.price
        self._cash_float = float(cash)
        if held:
            self._held[symbol] = float(held)
        else:
            del opened[symbol]
            self._held.pop(symbol, None)
        effects.append(effect)
        self._fill_ids.add(fill_id)
        return FillOutcome(effect, change, held, trades)

    # -- marking (the per-bar path) -----------------------------------------------------------------

    def mark(self, ts: int, prices: Mapping[str, Price]) -> float:
        """Mark open positions at `prices`, record one curve row at `ts` (ns UTC) and return equity.

        Called once per bar, so it does only what it must: one multiply-add per open position in float64
        and four column appends. Symbols not in `prices` keep their last mark; prices of symbols not held
        are ignored. A float price stands for its shortest decimal text (100.1 means 100.1, as read from a
        file), which is what the exact views (`equity()`, `unrealised_pnl()`, ...) use.
        """
        marks = self._marks
        net = gross = 0.0
        for symbol, held in self._held.items():
            price = prices.get(symbol)
            if price is None:
                price = marks[symbol]
            elif not 0.0 < float(price) < _INF:  # NaN fails this too
                raise LedgerError(
                    f"mark at {ts}", "price must be positive and finite", field=symbol, value=price
                )
            else:
                marks[symbol] = price
            value = held * float(price)
            net += value
            gross += abs(value)
        equity = self._cash_float + net
        self.curve.append(ts, equity, gross, net)
        return equity

    def marking_state(self, symbol: str) -> tuple[float, float, dict[str, Price]]:
        """For a loop that marks one `symbol` itself (the engine's bar driver): the float cash and held
        quantity `mark` uses (0.0 when flat), and the mark table it keeps current while a position is held.
        """
        return self._cash_float, self._held.get(symbol, 0.0), self._marks

    # -- views ---------------------------------------------------------------------------------------

    def position_qty(self, symbol: str) -> Decimal:
        """Signed quantity held (0 when flat)."""
        position = self._open.get(symbol)
        return _ZERO if position is None else position.qty

    def avg_entry_price(self, symbol: str) -> Decimal | None:
        """Average entry price of the open position (None when flat)."""
        position = self._open.get(symbol)
        return None if position is None else position.avg_entry_price

    def last_price(self, symbol: str) -> Decimal | None:
        """The latest mark or fill price of `symbol` (None if never seen)."""
        return None if symbol not in self._marks else self._exact_mark(symbol)

    def _exact_mark(self, symbol: str) -> Decimal:
        price = self._marks[symbol]
        return price if isinstance(price, Decimal) else Decimal(repr(price))

    @property
    def symbols(self) -> list[str]:
        """Symbols with an open position, sorted."""
        return sorted(self._open)

    @property
    def effects(self) -> Sequence[FillEffect]:
        """Every fill booked, as effects, in booking order (a live view: do not modify)."""
        return self._effects

    def market_value(self, symbol: str) -> Decimal:
        """Signed market value of `symbol` at its last mark (0 when flat)."""
        position = self._open.get(symbol)
        return _ZERO if position is None else position.market_value(self._exact_mark(symbol))

    def unrealised_pnl(self) -> Decimal:
        """Sum over open positions of qty x last mark - cost."""
        total = _ZERO
        for symbol, position in self._open.items():
            total = WIDE.add(total, position.unrealised_pnl(self._exact_mark(symbol)))
        return total

    def net_exposure(self) -> Decimal:
        """Sum of signed market values (longs minus shorts)."""
        total = _ZERO
        for symbol in self._open:
            total = WIDE.add(total, self.market_value(symbol))
        return total

    def gross_exposure(self) -> Decimal:
        """Sum of absolute market values."""
        total = _ZERO
        for symbol in self._open:
            total = WIDE.add(total, abs(self.market_value(symbol)))
        return total

    def equity(self) -> Decimal:
        """Cash plus the market value of every position at its last mark."""
        return WIDE.add(self.cash, self.net_exposure())

    def weights(self) -> dict[str, Decimal]:
        """Each open position's signed market value as a fraction of equity, to 9 decimals, by symbol.

        Refused when equity is not positive: a weight of a negative whole has no meaning.
        """
        equity = self.equity()
        if equity <= 0:
            raise LedgerError("portfolio", "weights need positive equity", field="equity", value=equity)
        return {s: round9(WIDE.divide(self.market_value(s), equity)) for s in self.symbols}

    def reconcile(self) -> None:
        """Prove the books add up against the fills; raises `ReconcileError` naming what differs."""
        positions = {s: (p.qty, p.cost) for s, p in self._open.items()}
        reconcile_books(
            effects=self._effects,
            starting_cash=self.starting_cash,
            currency=self.currency,
            cash=self.cash,
            fees=self.fees,
            realised_pnl=self.realised_pnl,
            positions=positions,
        )

    def positions(self, as_of: datetime) -> list[Position]:
        """The open positions as domain models, marked at their last prices (sorted by symbol)."""
        return [
            Position(
                symbol=symbol,
                qty=self._open[symbol].qty,
                avg_entry_price=self._open[symbol].avg_entry_price,
                current_price=round9(self._exact_mark(symbol)),
                as_of=as_of,
            )
            for symbol in self.symbols
        ]

    def snapshot(self, as_of: datetime, *, account_id: str = "backtest") -> AccountSnapshot:
        """The account as a cash account sees it: no margin, buying power = cash (never below 0).

        Amounts are rounded to the models' 9 decimals (fractional crypto x price can carry up to 18).
        """
        long_value = short_value = _ZERO
        for symbol in self._open:
            value = self.market_value(symbol)
            if value > 0:
                long_value = WIDE.add(long_value, value)
            else:
                short_value = WIDE.add(short_value, value)
        return AccountSnapshot(
            account_id=account_id,
            as_of=as_of,
            currency=self.currency,
            cash=round9(self.cash),
            equity=round9(self.equity()),
            buying_power=round9(max(self.cash, _ZERO)),
            long_market_value=round9(long_value),
            short_market_value=round9(short_value),
            maintenance_margin=_ZERO,
            daytrade_count=0,
            pattern_day_trader=False,
            trading_blocked=False,
        )

    def last_fill_time(self) -> datetime | None:
        """Time of the last fill booked (None before any)."""
        return self._effects[-1].timestamp if self._effects else None
