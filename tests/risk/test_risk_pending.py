"""Orders still working at the venue count toward the limits as if they had filled."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from risk_helpers import NOW, book, decision, market

from trader.risk import Action, ReasonCode, RiskConfig, RiskManager
from trader.risk.config import LimitsConfig

# Only the one-asset (30 %) and one-sector (40 %) limits bind: the rest are at 100 % of equity.
MANAGER = RiskManager(
    RiskConfig(
        limits=LimitsConfig.model_validate(
            {"max_trade_fraction": 1, "max_total_risk_fraction": 1, "max_asset_fraction": "0.3"}
        )
    )
)


def test_a_buy_in_flight_counts_toward_the_asset_limit() -> None:
    flat = book()
    assert MANAGER.evaluate(decision(qty=100), flat, market(), NOW).qty == 100
    in_flight = replace(flat, pending={"AAPL": Decimal(250)})  # 25 000 of the 30 000 already on its way
    verdict = MANAGER.evaluate(decision(qty=100), in_flight, market(), NOW)
    assert (verdict.action, verdict.qty, verdict.reasons) == (Action.RESIZE, 50, (ReasonCode.ASSET_LIMIT,))
    full = replace(flat, pending={"AAPL": Decimal(300)})
    assert MANAGER.evaluate(decision(qty=100), full, market(), NOW).action is Action.REJECT


def test_a_sell_in_flight_does_not_free_room_before_it_fills() -> None:
    held = replace(book({"AAPL": 250}), pending={"AAPL": Decimal(-250)})
    verdict = MANAGER.evaluate(decision(qty=100), held, market(), NOW)
    assert verdict.qty == 50


def test_other_symbols_in_flight_count_toward_their_sector() -> None:
    # 300 MSFT (30 000, tech) on their way: tech has 10 000 of its 40 000 left for AAPL.
    in_flight = replace(book(), pending={"MSFT": Decimal(300)})
    verdict = MANAGER.evaluate(decision(qty=200), in_flight, market(), NOW)
    assert (verdict.qty, verdict.reasons) == (100, (ReasonCode.SECTOR_LIMIT,))


def test_exits_pass_whatever_is_in_flight() -> None:
    held = replace(book({"AAPL": 250}), pending={"AAPL": Decimal(500), "MSFT": Decimal(900)})
    verdict = MANAGER.evaluate(decision(side="sell", qty=250), held, market(), NOW)
    assert (verdict.action, verdict.qty, verdict.reasons) == (Action.APPROVE, 250, (ReasonCode.REDUCE_ONLY,))
    # Also with its protective stop resting at the venue: the exit is not taken for a new short.
    stopped = replace(book({"AAPL": 250}), pending={"AAPL": Decimal(-250)})
    verdict = MANAGER.evaluate(decision(side="sell", qty=250), stopped, market(), NOW)
    assert (verdict.action, verdict.qty, verdict.reasons) == (Action.APPROVE, 250, (ReasonCode.REDUCE_ONLY,))


def _exposure(held: dict[str, Decimal], working: dict[str, Decimal], symbol: str) -> Decimal:
    """What a symbol may come to hold: now, or once everything working has filled."""
    qty, more = held.get(symbol, Decimal(0)), working.get(symbol, Decimal(0))
    return max(abs(qty), abs(qty + more))


@settings(max_examples=150, deadline=None)
@given(
    held=st.fixed_dictionaries({s: st.integers(-400, 400) for s in ("AAPL", "MSFT", "XOM")}),
    working=st.fixed_dictionaries({s: st.integers(-400, 400) for s in ("AAPL", "MSFT", "XOM")}),
    symbol=st.sampled_from(("AAPL", "MSFT", "XOM")),
    side=st.sampled_from(("buy", "sell")),
    qty=st.integers(1, 2_000),
)
def test_filled_or_not_the_working_orders_never_take_the_book_past_a_limit(
    held: dict[str, int], working: dict[str, int], symbol: str, side: str, qty: int
) -> None:
    sectors = {"AAPL": "tech", "MSFT": "tech", "XOM": "energy"}
    prices = dict.fromkeys(sectors, 100)
    manager = RiskManager(RiskConfig())
    state = replace(
        book({s: q for s, q in held.items() if q}, prices=prices, sectors=sectors),
        pending={s: Decimal(w) for s, w in working.items() if w},
    )
    verdict = manager.evaluate(decision(symbol, side, qty), state, market(prices, sectors=sectors), NOW)
    positions = {s: Decimal(q) for s, q in held.items()}
    before = {s: Decimal(w) for s, w in working.items()}
    after = dict(before)
    after[symbol] += verdict.qty if side == "buy" else -verdict.qty
    limits, equity = RiskConfig().limits, state.equity

    def measured(flows: dict[str, Decimal]) -> dict[str, Decimal]:
        asset = {s: _exposure(positions, flows, s) * 100 for s in sectors}
        out = {f"asset:{s}": v for s, v in asset.items()}
        for sector in ("tech", "energy"):
            out[f"sector:{sector}"] = sum((v for s, v in asset.items() if sectors[s] == sector), Decimal(0))
        out["gross"] = sum(asset.values(), Decimal(0))
        return out

    caps = {
        "asset": limits.max_asset_fraction,
        "sector": limits.max_sector_fraction,
        "gross": limits.max_leverage,
    }
    # The part of the order that reduces the position held always passes (an exit is never refused); once
    # working orders the same way fill, that part can add at most its own size.
    direction = 1 if side == "buy" else -1
    reducing = min(verdict.qty, abs(positions[symbol])) if positions[symbol] * direction < 0 else Decimal(0)
    old, new = measured(before), measured(after)
    for name, value in new.items():
        cap = caps[name.split(":")[0]] * equity
        assert value <= cap or value <= old[name] + reducing * 100, (name, value, old[name], verdict)
