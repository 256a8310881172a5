"""RiskManager.evaluate: which limits resize, which refuse, and that reducing orders always pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from risk_helpers import NOW, book, decision, market

from trader.models import EmergencyKind, EmergencyTrigger, OrderDecision
from trader.risk import (
    Action,
    BreakerState,
    GuardStatus,
    Holding,
    MarketState,
    PortfolioState,
    ReasonCode,
    RiskConfig,
    RiskManager,
    RiskScalingManager,
    SafeModeState,
    TradeStats,
    Verdict,
    price_units,
)
from trader.risk.config import LimitsConfig

DEFAULT = RiskManager(RiskConfig())


def loose(**limits: object) -> RiskManager:
    """Every fraction limit at 100 % of equity except the ones given, so one limit can be seen alone."""
    base: dict[str, object] = {
        "max_trade_fraction": 1,
        "max_asset_fraction": 1,
        "max_sector_fraction": 1,
        "max_total_risk_fraction": 1,
    }
    base.update(limits)
    return RiskManager(RiskConfig(limits=LimitsConfig.model_validate(base)))


def test_an_order_within_every_limit_is_approved_with_its_stop() -> None:
    verdict = DEFAULT.evaluate(decision(qty=10), book(), market(), NOW)
    assert verdict.action is Action.APPROVE
    assert verdict.qty == 10
    assert verdict.reasons == (ReasonCode.WITHIN_LIMITS,)
    assert verdict.stop_price == Decimal(98)  # 100 - 2 x ATR 1
    assert verdict.message == "approved buy 10 AAPL: within every limit"
    assert verdict.payload()["reasons"] == ["within_limits"]


def test_per_trade_limit_resizes_to_five_percent_of_equity() -> None:
    verdict = DEFAULT.evaluate(decision(qty=100), book(), market(), NOW)
    assert (verdict.action, verdict.qty, verdict.requested_qty) == (Action.RESIZE, 50, 100)
    assert verdict.reasons == (ReasonCode.TRADE_LIMIT,)
    assert "from 100 to 50" in verdict.message
    assert "per-trade notional limit" in verdict.message


def test_risk_sizing_scales_with_confidence() -> None:
    # Confidence 0 risks 0.25 % of 100k = 250 to a stop 2 away: 125 shares.
    verdict = loose().evaluate(decision(qty=1000, confidence=0.0), book(), market(), NOW)
    assert (verdict.qty, verdict.reasons) == (125, (ReasonCode.SIZED_BY_RISK,))
    # Confidence 1 risks 2 %: 2000 / 2 = 1000 shares, so 1000 passes untouched.
    assert (
        loose().evaluate(decision(qty=1000, confidence=1.0), book(), market(), NOW).action is Action.APPROVE
    )


def test_asset_limit_counts_what_is_already_held() -> None:
    verdict = loose(max_asset_fraction="0.30").evaluate(decision(qty=500), book({"AAPL": 100}), market(), NOW)
    assert (verdict.qty, verdict.reasons) == (200, (ReasonCode.ASSET_LIMIT,))


def test_sector_limit_counts_the_other_names_in_the_sector() -> None:
    verdict = loose(max_sector_fraction="0.40").evaluate(
        decision(qty=500), book({"MSFT": 300}), market(), NOW
    )
    assert (verdict.qty, verdict.reasons) == (100, (ReasonCode.SECTOR_LIMIT,))


def test_leverage_limit_counts_gross_exposure_long_and_short() -> None:
    manager = loose(max_leverage=1)
    held = book({"MSFT": -900}, sectors={"MSFT": "other"})
    verdict = manager.evaluate(decision(qty=500), held, market(sectors={"MSFT": "other"}), NOW)
    assert (verdict.qty, verdict.reasons) == (100, (ReasonCode.LEVERAGE_LIMIT,))


def test_total_risk_limit_counts_every_stop_in_the_book() -> None:
    # MSFT: 1000 shares x 2 x ATR 9.5 = 19 000 at risk; 1 000 of the 20 000 budget is left: 500 AAPL.
    manager = loose(max_total_risk_fraction="0.20", max_leverage=10)
    mkt = market(atr={"AAPL": 1, "MSFT": "9.5"}, sectors={"MSFT": "other"})
    verdict = manager.evaluate(decision(qty=900), book({"MSFT": 1000}, sectors={"MSFT": "other"}), mkt, NOW)
    assert (verdict.qty, verdict.reasons) == (500, (ReasonCode.TOTAL_RISK_LIMIT,))


def test_a_book_already_past_a_limit_takes_no_new_risk() -> None:
    verdict = DEFAULT.evaluate(decision(qty=10), book({"AAPL": 400}), market(), NOW)
    assert verdict.action is Action.REJECT
    assert verdict.qty == 0
    assert ReasonCode.ASSET_LIMIT in verdict.reasons


def test_reduce_only_orders_pass_even_over_limits_and_in_safe_mode() -> None:
    over = book({"AAPL": 1000}, day_start=Decimal(200_000))
    halted = GuardStatus(breaker=BreakerState(trigger=_manual()))
    for status in (GuardStatus(), halted):
        verdict = DEFAULT.evaluate(
            decision(side="sell", qty=400), over, market(age_seconds=10_000), NOW, status
        )
        assert (verdict.action, verdict.qty, verdict.reasons) == (
            Action.APPROVE,
            400,
            (ReasonCode.REDUCE_ONLY,),
        )


def test_a_flip_closes_in_full_and_sizes_only_the_new_side() -> None:
    verdict = DEFAULT.evaluate(decision(side="sell", qty=100), book({"AAPL": 10}), market(), NOW)
    assert (verdict.action, verdict.qty) == (Action.RESIZE, 60)  # 10 closing + 50 new short
    assert verdict.stop_price == Decimal(102)  # a short's stop is above


def test_safe_mode_cuts_a_flip_to_its_closing_part() -> None:
    crashed = book({"AAPL": 10}, day_start=Decimal(110_000))  # 9.1 % down on the day
    verdict = DEFAULT.evaluate(decision(side="sell", qty=100), crashed, market(), NOW)
    assert (verdict.action, verdict.qty) == (Action.RESIZE, 10)
    assert verdict.reasons == (ReasonCode.REDUCE_ONLY, ReasonCode.SAFE_MODE)
    refused = DEFAULT.evaluate(decision(qty=5), crashed, market(), NOW)
    assert (refused.action, refused.reasons) == (Action.REJECT, (ReasonCode.SAFE_MODE,))


def test_safe_mode_cleared_for_the_day_lets_risk_back_in() -> None:
    crashed = book(day_start=Decimal(110_000))
    cleared = GuardStatus(safe_mode=SafeModeState(cleared=frozenset({"2026-03-02"})))
    assert DEFAULT.evaluate(decision(qty=5), crashed, market(), NOW, cleared).action is Action.APPROVE


def test_a_monthly_loss_of_twenty_percent_is_safe_mode_too() -> None:
    verdict = DEFAULT.evaluate(decision(qty=5), book(month_start=Decimal(125_000)), market(), NOW)
    assert verdict.reasons == (ReasonCode.SAFE_MODE,)
    assert DEFAULT.evaluate(decision(qty=5), book(month_start=Decimal(124_999)), market(), NOW).allowed


def _manual() -> EmergencyTrigger:
    return EmergencyTrigger(kind=EmergencyKind.MANUAL, tripped_at=NOW, detail="test", actor="ops")


def test_a_tripped_breaker_refuses_new_risk() -> None:
    status = GuardStatus(breaker=BreakerState(trigger=_manual()))
    verdict = DEFAULT.evaluate(decision(qty=5), book(), market(), NOW, status)
    assert (verdict.action, verdict.reasons) == (Action.REJECT, (ReasonCode.BREAKER_OPEN,))
    assert "manual" in verdict.message


@pytest.mark.parametrize(
    ("corr", "side", "refused"),
    [
        (0.8, "buy", True),
        (0.8, "sell", False),
        (-0.8, "buy", False),
        (-0.8, "sell", True),
        (0.7, "buy", False),
    ],
)
def test_correlation_gate_refuses_piling_on_but_not_hedging(corr: float, side: str, refused: bool) -> None:
    mkt = market(correlations={("MSFT", "AAPL"): corr}, sectors={})
    verdict = DEFAULT.evaluate(decision(side=side, qty=5), book({"MSFT": 10}, sectors={}), mkt, NOW)
    assert (verdict.reasons == (ReasonCode.CORRELATION_GATE,)) is refused
    assert verdict.allowed is not refused


def test_trade_rate_stays_below_ten_per_minute() -> None:
    nine = tuple(NOW - timedelta(seconds=s) for s in range(0, 54, 6))
    assert DEFAULT.evaluate(decision(qty=5), book(recent=nine), market(), NOW).reasons == (
        ReasonCode.TRADE_RATE_LIMIT,
    )
    eight_and_an_old_one = (*nine[:8], NOW - timedelta(seconds=60))
    assert DEFAULT.evaluate(decision(qty=5), book(recent=eight_and_an_old_one), market(), NOW).allowed


def test_stale_data_fails_closed_for_new_risk() -> None:
    assert DEFAULT.evaluate(decision(qty=5), book(), market(age_seconds=120), NOW).reasons == (
        ReasonCode.STALE_DATA,
    )
    assert DEFAULT.evaluate(decision(qty=5), book(), market(age_seconds=119), NOW).allowed


@pytest.mark.parametrize(
    ("mkt", "held", "code"),
    [
        (market(prices={"MSFT": 100}), book(), ReasonCode.MISSING_MARKET_DATA),
        (market(atr={"MSFT": 1}), book(), ReasonCode.MISSING_MARKET_DATA),
        (market(), book(equity=Decimal(0)), ReasonCode.NO_EQUITY),
        (
            market(),
            book(stats=TradeStats(trades=40, win_rate=0.3, payoff_ratio=1.0)),
            ReasonCode.NEGATIVE_EDGE,
        ),
    ],
)
def test_missing_inputs_and_no_edge_are_refused(mkt: object, held: object, code: ReasonCode) -> None:
    verdict = DEFAULT.evaluate(decision(qty=5), held, mkt, NOW)  # type: ignore[arg-type]
    assert (verdict.action, verdict.reasons, verdict.qty) == (Action.REJECT, (code,), 0)


def test_quantities_round_down_to_whole_shares_and_to_crypto_steps() -> None:
    stock = DEFAULT.evaluate(decision(qty=100), book(), market(prices={"AAPL": 300}, atr={"AAPL": 3}), NOW)
    assert (stock.qty, stock.reasons) == (16, (ReasonCode.TRADE_LIMIT, ReasonCode.LOT_ROUNDING))
    btc = market(prices={"BTC/USD": 30_000}, atr={"BTC/USD": 300}, sectors={})
    crypto = DEFAULT.evaluate(decision("BTC/USD", qty=1), book(), btc, NOW)
    assert crypto.qty == Decimal("0.166666666")
    assert crypto.qty * 30_000 <= 5_000


def test_less_than_one_lot_left_is_a_rejection() -> None:
    verdict = DEFAULT.evaluate(decision(qty=3), book(), market(prices={"AAPL": 6000}, atr={"AAPL": 60}), NOW)
    assert verdict.action is Action.REJECT
    assert verdict.reasons == (ReasonCode.TRADE_LIMIT, ReasonCode.BELOW_LOT)


def test_fractional_stocks_when_configured() -> None:
    manager = RiskManager(RiskConfig.model_validate({"sizing": {"fractional_equities": True}}))
    verdict = manager.evaluate(decision(qty=100), book(), market(prices={"AAPL": 300}, atr={"AAPL": 3}), NOW)
    assert verdict.qty == Decimal("16.666666666")


def test_a_notional_decision_comes_back_as_a_quantity() -> None:
    verdict = DEFAULT.evaluate(decision(qty=None, notional=1000), book(), market(), NOW)
    assert (verdict.action, verdict.qty, verdict.requested_qty) == (Action.RESIZE, 10, 10)
    assert verdict.reasons == (ReasonCode.WITHIN_LIMITS,)
    assert verdict.message == "sized a notional order as buy 10 AAPL: within every limit"


def test_evaluate_is_pure() -> None:
    held, mkt, d = book({"MSFT": 50}), market(), decision(qty=80)
    first = DEFAULT.evaluate(d, held, mkt, NOW)
    assert RiskManager(RiskConfig()).evaluate(d, held, mkt, NOW) == first
    assert DEFAULT.evaluate(d, book({"MSFT": 50}), market(), NOW) == first


def test_total_risk_limit_counts_the_symbols_own_stop_when_adding() -> None:
    # 250 AAPL held already risk 250 x 2 = 500 of the 1 500 budget: 500 more fit, not 900.
    manager = loose(max_total_risk_fraction="0.015")
    verdict = manager.evaluate(decision(qty=900), book({"AAPL": 250}), market(), NOW)
    assert (verdict.qty, verdict.reasons) == (500, (ReasonCode.TOTAL_RISK_LIMIT,))


def test_a_new_snapshot_is_never_judged_by_the_previous_ones_sums() -> None:
    manager = RiskManager(RiskConfig())
    mkt = market()
    assert manager.evaluate(decision(qty=10), book(), mkt, NOW).action is Action.APPROVE
    # Same market object, new book already at the asset limit: must be measured afresh.
    full = book({"AAPL": 300})
    assert manager.evaluate(decision(qty=10), full, mkt, NOW).action is Action.REJECT
    assert manager.evaluate(decision(qty=10), book(), mkt, NOW).action is Action.APPROVE


def test_a_zero_price_is_refused_not_divided_by() -> None:
    verdict = DEFAULT.evaluate(decision(qty=10), book(), market(prices={"AAPL": 0}), NOW)
    assert (verdict.action, verdict.reasons, verdict.requested_qty) == (
        Action.REJECT,
        (ReasonCode.MISSING_MARKET_DATA,),
        10,
    )
    assert verdict.message == "rejected buy 10 AAPL: no usable price for AAPL (got 0)"


def test_indicator_floats_become_exact_price_units() -> None:
    assert price_units(1.2345678912345) == Decimal("1.234567891")
    assert price_units(0.1) == Decimal("0.100000000")


def test_payload_codes_and_side_are_plain_strings() -> None:
    verdict = DEFAULT.evaluate(decision(qty=100), book(), market(), NOW)
    payload = verdict.payload()
    assert [type(code) for code in payload["reasons"]] == [str]
    assert (type(payload["side"]), type(payload["action"])) == (str, str)
    assert (
        payload["message"]
        == verdict.message
        == "resized buy AAPL from 100 to 50: cut by the per-trade notional limit"
    )


# What evaluate() remembers per snapshot (the book's sums, the limits' rooms, the gates, each symbol's line
# and the market's correlation index) must never change a verdict: each one below is also worked out by a
# new manager on copies of the snapshots, which share nothing with anything seen before.
_SYMBOLS = ("AAPL", "MSFT", "BTC/USD")
_quantity = st.decimals(min_value=-400, max_value=400, places=2).filter(lambda q: q != 0)
_price = st.decimals(min_value=1, max_value=900, places=2)


@st.composite
def _snapshot(draw: st.DrawFn) -> tuple[PortfolioState, MarketState]:
    priced = draw(st.lists(st.sampled_from(_SYMBOLS), min_size=1, unique=True))
    prices = {s: draw(_price) for s in priced}
    atr = {
        s: (p / draw(st.sampled_from((20, 50, 200)))).quantize(Decimal("0.0001")) for s, p in prices.items()
    }
    sectors = {s: draw(st.sampled_from(("tech", "energy"))) for s in priced if draw(st.booleans())}
    pairs = [(a, b) for a in _SYMBOLS for b in _SYMBOLS if a != b]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=6))
    correlations = {pair: draw(st.floats(-1, 1)) for pair in chosen}
    positions = {
        s: Holding(s, draw(_quantity), Decimal(100), Decimal(100), draw(st.sampled_from(("tech", "energy"))))
        for s in draw(st.lists(st.sampled_from(_SYMBOLS), unique=True, max_size=4))
    }
    pending = {s: draw(_quantity) for s in draw(st.lists(st.sampled_from(_SYMBOLS), unique=True, max_size=2))}
    equity = draw(st.decimals(min_value=5_000, max_value=500_000, places=0))
    record = draw(
        st.sampled_from((TradeStats(), TradeStats(40, 0.6, 1.5, 0, 5), TradeStats(40, 0.5, 1.2, 3)))
    )
    portfolio = PortfolioState(equity, equity, positions, stats=record, pending=pending)
    as_of = NOW - timedelta(seconds=draw(st.sampled_from((1, 30))))
    snapshot = MarketState(as_of, prices, atr, correlations=correlations, sectors=sectors)
    return portfolio, snapshot


def _decision(index: int, symbol: str, side: str, qty: Decimal, confidence: float) -> OrderDecision:
    return OrderDecision(
        client_order_id=f"reuse-{index}",
        symbol=symbol,
        side=side,
        order_type="market",
        time_in_force="gtc" if "/" in symbol else "day",
        qty=qty,
        strategy_id="test",
        confidence=confidence,
        reason="reuse property",
        created_at=NOW,
    )


_orders = st.lists(
    st.tuples(
        st.sampled_from(_SYMBOLS),
        st.sampled_from(("buy", "sell")),
        st.decimals(min_value=1, max_value=300, places=0),
        st.floats(0, 1),
        st.sampled_from((0, 0, 100)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=_snapshot(),
    second=_snapshot(),
    phases=st.lists(_orders, min_size=3, max_size=3),
    scaled=st.booleans(),
)
def test_what_a_manager_remembers_never_changes_a_verdict(
    first: tuple[PortfolioState, MarketState],
    second: tuple[PortfolioState, MarketState],
    phases: list[list[tuple[str, str, Decimal, float, int]]],
    scaled: bool,
) -> None:
    config = RiskConfig.model_validate({"limits": {"max_correlation": 0.5}})

    def manager() -> RiskManager:
        scaling = None
        if scaled:
            scaling = RiskScalingManager(config.progression.scaling, Decimal(20_000), _SYMBOLS[:2])
        return RiskManager(config, scaling)

    remembering = manager()
    # A bar's decisions on one book, then on a new book and the same market (after a fill), then on both new.
    (book_a, market_a), (book_b, market_b) = first, second
    snapshots = [(book_a, market_a), (book_b, market_a), (book_b, market_b)]
    for phase, ((held, seen), orders) in enumerate(zip(snapshots, phases, strict=True)):
        for index, (symbol, side, qty, confidence, later) in enumerate(orders):
            order, now = (
                _decision(phase * 10 + index, symbol, side, qty, confidence),
                NOW + timedelta(seconds=later),
            )
            verdict: Verdict = remembering.evaluate(order, held, seen, now)
            assert verdict == manager().evaluate(order, replace(held), replace(seen), now)
