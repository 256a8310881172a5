"""Stateful properties: random decisions and price paths never push the book past a limit, SAFE_MODE never
lets risk grow, trailing stops are monotone, and the breaker trips exactly when a trigger holds.

The book is kept here by the test itself (cash, signed quantities) and every limit is re-measured
independently of the risk code after each verdict is applied at the decision's prices.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from risk_helpers import NOW

from trader.models import OrderDecision
from trader.risk import (
    Action,
    BreakerObservation,
    BreakerState,
    EmergencyCircuitBreaker,
    Holding,
    MarketState,
    PortfolioState,
    RecoveryRefusedError,
    RiskConfig,
    RiskManager,
    RiskScalingManager,
    TradeStats,
    UnauthorisedError,
)
from trader.risk.progression_config import ScalingConfig
from trader.risk.stops import StopState, initial_stop, trail

SYMBOLS = ("AAPL", "MSFT", "XOM", "BTC/USD")
SECTORS = {
    "AAPL": "tech",
    "MSFT": "tech",
    "XOM": "tech",
    "BTC/USD": "crypto",
}  # three names can fill a sector
CONFIG = RiskConfig(authorised_users=("alice",))
# Default limits with a larger per-trade slice, so a short run reaches the asset and sector caps; and loose
# asset/sector caps, under which leverage, or total risk, is what binds.
BOOK_CONFIGS = (
    RiskConfig.model_validate({"limits": {"max_trade_fraction": "0.15"}}),
    RiskConfig.model_validate(
        {
            "limits": {
                "max_trade_fraction": "0.5",
                "max_asset_fraction": 1,
                "max_sector_fraction": 1,
                "max_leverage": "1.5",
                "max_total_risk_fraction": 1,
            }
        }
    ),
    RiskConfig.model_validate(
        {
            "limits": {
                "max_trade_fraction": "0.5",
                "max_asset_fraction": 1,
                "max_sector_fraction": 1,
                "max_leverage": 10,
                "max_total_risk_fraction": "0.05",
            }
        }
    ),
)
CENT = Decimal("0.01")
MACHINE_SETTINGS = settings(
    max_examples=50, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def measures(
    qty: dict[str, Decimal], prices: dict[str, Decimal], atr: dict[str, Decimal], config: RiskConfig
) -> dict[str, Decimal]:
    """Every limited quantity of a book, measured from scratch: gross, per asset, per sector, risk."""
    out: dict[str, Decimal] = {"gross": Decimal(0), "risk": Decimal(0)}
    for symbol, q in qty.items():
        value = abs(q) * prices[symbol]
        out["gross"] += value
        out[f"asset:{symbol}"] = value
        key = f"sector:{SECTORS[symbol]}"
        out[key] = out.get(key, Decimal(0)) + value
        out["risk"] += abs(q) * config.stops.atr_multiple * atr[symbol]
    return out


def limit_for(name: str, equity: Decimal, config: RiskConfig) -> Decimal:
    limits = config.limits
    if name == "gross":
        return limits.max_leverage * equity
    if name == "risk":
        return limits.max_total_risk_fraction * equity
    if name.startswith("asset:"):
        return limits.max_asset_fraction * equity
    return limits.max_sector_fraction * equity


class BookMachine(RuleBasedStateMachine):
    """A trading account fed random decisions, price moves, time and losses."""

    def __init__(self) -> None:
        super().__init__()
        self.config = CONFIG
        self.manager = RiskManager(CONFIG)
        self.cash = Decimal(100_000)
        self.qty: dict[str, Decimal] = {}
        self.prices = {
            "AAPL": Decimal(180),
            "MSFT": Decimal(400),
            "XOM": Decimal(110),
            "BTC/USD": Decimal(60_000),
        }
        self.atr = {s: p * Decimal("0.02") for s, p in self.prices.items()}
        self.correlations: dict[tuple[str, str], float] = {}
        self.now = NOW
        self.day_start: Decimal | None = None
        self.trades: list[datetime] = []
        self.new_risk_trades: list[datetime] = []
        self.seq = 0

    @initialize(corr=st.lists(st.floats(-1, 1), min_size=6, max_size=6), config=st.sampled_from(BOOK_CONFIGS))
    def configure(self, corr: list[float], config: RiskConfig) -> None:
        self.config = config
        self.manager = RiskManager(config)
        pairs = [(a, b) for i, a in enumerate(SYMBOLS) for b in SYMBOLS[i + 1 :]]
        self.correlations = dict(zip(pairs, corr, strict=True))

    def equity(self) -> Decimal:
        return self.cash + sum((q * self.prices[s] for s, q in self.qty.items()), Decimal(0))

    def portfolio(self) -> PortfolioState:
        held = {
            s: Holding(s, q, self.prices[s], self.prices[s], SECTORS[s]) for s, q in self.qty.items() if q
        }
        return PortfolioState(
            equity=self.equity(),
            cash=self.cash,
            positions=held,
            day_start_equity=self.day_start,
            stats=TradeStats(),
            recent_trades=tuple(self.trades[-20:]),
        )

    def market(self) -> MarketState:
        return MarketState(
            as_of=self.now,
            prices=dict(self.prices),
            atr=dict(self.atr),
            correlations=self.correlations,
            sectors=SECTORS,
        )

    def sizing_equity(self, equity: Decimal) -> Decimal:
        """The equity the limits are fractions of (all of it without progression scaling)."""
        return equity

    def trade_scale(self, symbol: str) -> Decimal:
        """How much of the per-trade cap `symbol` may use."""
        return Decimal(1)

    def traded(self, symbol: str) -> None:
        """A new-risk trade of `symbol` went through."""

    def safe_mode_on(self) -> bool:
        equity = self.equity()
        return self.day_start is not None and self.day_start - equity >= Decimal("0.08") * self.day_start

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(("buy", "sell")),
        size=st.decimals(Decimal("0.001"), Decimal(3000), places=3),
        confidence=st.floats(0, 1),
        wait=st.sampled_from((0, 0, 1, 3, 20)),
    )
    def decide(self, symbol: str, side: str, size: Decimal, confidence: float, wait: int) -> None:
        self.now += timedelta(seconds=wait)
        self.seq += 1
        crypto = "/" in symbol
        decision = OrderDecision(
            client_order_id=f"m-{self.seq}",
            symbol=symbol,
            side=side,
            order_type="market",
            time_in_force="gtc" if crypto else "day",
            qty=size if crypto else size.to_integral_value() or 1,
            strategy_id="machine",
            confidence=confidence,
            reason="random",
            created_at=self.now,
        )
        portfolio, market = self.portfolio(), self.market()
        verdict = self.manager.evaluate(decision, portfolio, market, self.now)
        assert verdict.qty <= verdict.requested_qty
        if verdict.action is Action.REJECT:
            assert verdict.qty == 0
            return
        held = self.qty.get(symbol, Decimal(0))
        direction = 1 if side == "buy" else -1
        closing = min(verdict.qty, abs(held)) if held * direction < 0 else Decimal(0)
        opening = verdict.qty - closing
        before = measures(self.qty, self.prices, self.atr, self.config)
        safe = self.safe_mode_on()
        self.qty[symbol] = held + direction * verdict.qty
        self.cash -= direction * verdict.qty * self.prices[symbol]
        self.trades.append(self.now)
        after = measures(self.qty, self.prices, self.atr, self.config)
        assert self.equity() == portfolio.equity  # a fill at the mark moves cash, not equity
        if opening == 0:
            assert abs(self.qty[symbol]) <= abs(held)  # a reducing order never adds
            return
        assert not safe, "SAFE_MODE let new risk in"
        self.new_risk_trades.append(self.now)
        equity = self.sizing_equity(portfolio.equity)
        trade_cap = self.config.limits.max_trade_fraction * equity * self.trade_scale(symbol)
        assert opening * self.prices[symbol] <= trade_cap
        self.traded(symbol)
        for name, value in after.items():
            assert value <= limit_for(name, equity, self.config) or value <= before.get(name, Decimal(0)), (
                name,
                value,
            )

    @rule(moves=st.lists(st.floats(-0.3, 0.3), min_size=4, max_size=4), atr_scale=st.floats(0.5, 2))
    def prices_move(self, moves: list[float], atr_scale: float) -> None:
        self.now += timedelta(seconds=30)
        for symbol, move in zip(SYMBOLS, moves, strict=True):
            price = (self.prices[symbol] * Decimal(repr(1 + move))).quantize(CENT)
            self.prices[symbol] = max(price, CENT)
            self.atr[symbol] = (self.atr[symbol] * Decimal(repr(atr_scale))).quantize(CENT) or CENT

    @rule(loss=st.sampled_from(("0.0799", "0.08", "0.15")))
    def bad_day(self, loss: str) -> None:
        equity = self.equity()
        if equity > 0:  # as if the day had started this much higher
            self.day_start = (equity / (1 - Decimal(loss))).quantize(CENT)

    @precondition(lambda self: self.day_start is not None)
    @rule()
    def next_day(self) -> None:
        self.day_start = None

    @invariant()
    def trade_rate_stays_below_the_limit(self) -> None:
        recent = [t for t in self.new_risk_trades if self.now - timedelta(seconds=60) < t <= self.now]
        assert len(recent) < self.config.limits.trade_rate_limit


TestBookLimits = BookMachine.TestCase
TestBookLimits.settings = MACHINE_SETTINGS


class ScaledBookMachine(BookMachine):
    """The same account on a progression capital step, with symbols added later at reduced size: every
    limit holds against the step (not the account's equity) and a new symbol's trades against its slice."""

    @initialize(
        corr=st.lists(st.floats(-1, 1), min_size=6, max_size=6),
        config=st.sampled_from(BOOK_CONFIGS),
        capital=st.sampled_from((Decimal(5_000), Decimal(50_000), Decimal(1_000_000))),
        established=st.sets(st.sampled_from(SYMBOLS)),
    )
    def configure_scaled(
        self, corr: list[float], config: RiskConfig, capital: Decimal, established: set[str]
    ) -> None:
        self.configure(corr, config)
        scaling = ScalingConfig(new_symbol_trades=2, new_symbol_multiplier=Decimal("0.5"))
        self.scaling = RiskScalingManager(scaling, capital, established)
        self.manager = RiskManager(config, self.scaling)

    def configure(self, corr: list[float], config: RiskConfig) -> None:  # not a rule here: called above
        pairs = [(a, b) for i, a in enumerate(SYMBOLS) for b in SYMBOLS[i + 1 :]]
        self.config = config
        self.correlations = dict(zip(pairs, corr, strict=True))

    def sizing_equity(self, equity: Decimal) -> Decimal:
        return min(equity, self.scaling.capital_limit)

    def trade_scale(self, symbol: str) -> Decimal:
        return self.scaling.symbol_multiplier(symbol)

    def traded(self, symbol: str) -> None:
        self.scaling.record_trade(symbol)


TestScaledBookLimits = ScaledBookMachine.TestCase
TestScaledBookLimits.settings = MACHINE_SETTINGS


class StopMachine(RuleBasedStateMachine):
    """A position's stop trailed over a random price and ATR path."""

    def __init__(self) -> None:
        super().__init__()
        self.state: StopState | None = None
        self.previous: Decimal | None = None

    @initialize(direction=st.sampled_from((1, -1)), atr=st.decimals(Decimal("0.1"), Decimal(10), places=2))
    def open_position(self, direction: int, atr: Decimal) -> None:
        self.state = initial_stop(direction, Decimal(100), atr, CONFIG.stops)
        self.previous = self.state.stop

    @rule(
        price=st.decimals(Decimal(1), Decimal(300), places=2),
        atr=st.decimals(Decimal(0), Decimal(20), places=2),
    )
    def bar(self, price: Decimal, atr: Decimal) -> None:
        assert self.state is not None
        self.state = trail(self.state, price, atr, CONFIG.stops)

    @invariant()
    def never_moves_against_the_position(self) -> None:
        if self.state is None or self.previous is None:
            return
        assert (self.state.stop - self.previous) * self.state.direction >= 0
        if self.state.at_breakeven:
            assert (self.state.stop - self.state.entry) * self.state.direction >= 0
        self.previous = self.state.stop


TestTrailingStops = StopMachine.TestCase
TestTrailingStops.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)


def trigger_holds(obs: BreakerObservation) -> bool:
    """The breaker's trigger conditions, restated from the issue with the default thresholds."""
    limits = CONFIG.breaker
    drawdown = (
        obs.high_water_mark > 0
        and (obs.high_water_mark - obs.equity) >= limits.max_drawdown_fraction * obs.high_water_mark
    )
    moved = any(abs(Decimal(repr(m))) > limits.max_asset_day_move for m in obs.day_moves.values())
    errors = (
        obs.api_calls >= limits.min_api_calls and obs.api_errors >= limits.max_api_error_rate * obs.api_calls
    )
    stale = obs.last_data_at is not None and obs.now - obs.last_data_at >= timedelta(
        seconds=limits.stale_data_seconds
    )
    losing = obs.consecutive_losses >= limits.max_consecutive_losses
    behind = any(missed >= limits.stale_data_bars for missed in obs.bars_missing.values())
    return bool(drawdown or moved or (errors and obs.api_errors > 0) or stale or losing or behind)


class BreakerMachine(RuleBasedStateMachine):
    """The breaker fed random observations, manual trips and acknowledgements."""

    def __init__(self) -> None:
        super().__init__()
        self.breaker = EmergencyCircuitBreaker(CONFIG)
        self.state = BreakerState()
        self.now = NOW
        self.last: BreakerObservation | None = None

    def observation(self, data: st.DataObject) -> BreakerObservation:
        hwm = Decimal(100_000)
        return BreakerObservation(
            now=self.now,
            equity=hwm - data.draw(st.sampled_from([0, 5_000, 9_999, 10_000, 30_000])),
            high_water_mark=hwm,
            consecutive_losses=data.draw(st.integers(0, 8)),
            day_moves=data.draw(
                st.dictionaries(
                    st.sampled_from(SYMBOLS), st.sampled_from([0.0, 0.1, -0.2, 0.2, 0.2001, -0.5])
                )
            ),
            api_calls=(calls := data.draw(st.integers(0, 40))),
            api_errors=data.draw(st.integers(0, calls)),
            last_data_at=data.draw(
                st.none()
                | st.sampled_from(
                    [self.now, self.now - timedelta(seconds=119), self.now - timedelta(seconds=120)]
                )
            ),
            bars_missing=data.draw(st.dictionaries(st.sampled_from(SYMBOLS), st.integers(1, 4))),
        )

    @rule(data=st.data(), wait=st.integers(0, 1000))
    def observe(self, data: st.DataObject, wait: int) -> None:
        self.now += timedelta(seconds=wait)
        obs = self.observation(data)
        was_tripped = self.state.tripped
        self.state, events = self.breaker.observe(self.state, obs)
        if not was_tripped:
            assert self.state.tripped == trigger_holds(obs)
            assert len(events) == int(self.state.tripped)
        else:
            assert events == ()
        self.last = obs

    @rule(who=st.sampled_from(("alice", "bob")))
    def manual(self, who: str) -> None:
        was_tripped = self.state.tripped
        self.state, events = self.breaker.trip_manually(self.state, who, "by hand", self.now)
        assert self.state.tripped
        assert len(events) == int(not was_tripped)

    @rule(data=st.data(), who=st.sampled_from(("alice", "bob")), wait=st.integers(0, 1000))
    def acknowledge(self, data: st.DataObject, who: str, wait: int) -> None:
        self.now += timedelta(seconds=wait)
        obs = self.observation(data)
        before = self.state
        cooled = before.cooldown_until is None or obs.now >= before.cooldown_until
        try:
            self.state, _ = self.breaker.acknowledge(before, who, obs)
        except (RecoveryRefusedError, UnauthorisedError):
            assert not (before.tripped and who == "alice" and cooled and not trigger_holds(obs))
            return
        assert before.tripped
        assert who == "alice"
        assert cooled
        assert not trigger_holds(obs)
        assert not self.state.tripped


TestBreaker = BreakerMachine.TestCase
TestBreaker.settings = MACHINE_SETTINGS
