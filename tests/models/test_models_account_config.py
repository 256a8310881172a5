"""Positions, account snapshots, live-trading configs, emergency triggers and validation results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from models_strategies import expect_rejected

from trader.errors import ModelError
from trader.models import (
    AccountSnapshot,
    EmergencyKind,
    EmergencyTrigger,
    LiveTradingConfig,
    Position,
    TradingMode,
    ValidationResult,
    parse_model,
)

POSITION: dict[str, Any] = {
    "symbol": "TSLA",
    "qty": "-20",
    "avg_entry_price": "250.00",
    "current_price": "240.50",
    "as_of": "2024-01-02T21:00:00Z",
}


def test_a_short_position_gains_when_the_price_falls() -> None:
    position = Position.model_validate(POSITION)
    assert position.is_short
    assert position.market_value == Decimal("-4810.00")
    assert position.cost_basis == Decimal("-5000.00")
    assert position.unrealized_pnl == Decimal("190.00")


@pytest.mark.parametrize(
    ("change", "field", "got"),
    [
        ({"qty": "0"}, "qty", "0"),
        ({"avg_entry_price": "0"}, "avg_entry_price", "'0'"),
        ({"current_price": "-1"}, "current_price", "'-1'"),
        ({"market_value": "5"}, "market_value", "'5'"),  # derived, so not an input
    ],
)
def test_a_bad_position_is_refused(change: dict[str, Any], field: str, got: str) -> None:
    expect_rejected(Position, {**POSITION, **change}, field=field, got=got)


ACCOUNT: dict[str, Any] = {
    "account_id": "PA3XYZ",
    "as_of": "2024-01-02T21:00:00Z",
    "currency": "USD",
    "cash": "95000.00",
    "equity": "100190.00",
    "buying_power": "190000",
    "long_market_value": "10000.00",
    "short_market_value": "-4810.00",
    "maintenance_margin": "3000",
    "daytrade_count": 0,
    "pattern_day_trader": False,
    "trading_blocked": False,
}


def test_an_account_snapshot_adds_up() -> None:
    account = AccountSnapshot.model_validate(ACCOUNT)
    assert account.gross_exposure == Decimal("14810.00")
    # a venue's sub-cent rounding is tolerated
    assert AccountSnapshot.model_validate({**ACCOUNT, "equity": "100190.004"}).equity == Decimal("100190.004")


@pytest.mark.parametrize(
    ("change", "field", "got", "says"),
    [
        ({"equity": "100190.02"}, "equity", "100190.02", "= 100190.00"),
        ({"short_market_value": "4810", "equity": "109810"}, "short_market_value", "4810", "negative"),
        ({"buying_power": "-1"}, "buying_power", "'-1'", "greater than or equal to 0"),
        ({"daytrade_count": True}, "daytrade_count", "True", "integer"),
        ({"daytrade_count": -1}, "daytrade_count", "-1", "greater than or equal to 0"),
        ({"as_of": "2024-01-02"}, "as_of", "'2024-01-02'", "timezone"),
    ],
)
def test_an_inconsistent_account_is_refused(change: dict[str, Any], field: str, got: str, says: str) -> None:
    issue = expect_rejected(AccountSnapshot, {**ACCOUNT, **change}, field=field, got=got)
    assert says in issue.problem


CONFIG: dict[str, Any] = {
    "mode": "scaled",
    "symbols": ["spy", "BTC/USD"],
    "starting_capital": "25000",
    "scale_fraction": "0.1",
    "max_order_notional": "2500",
    "max_position_fraction": "0.2",
    "max_gross_exposure_fraction": "1",
    "risk_per_trade_fraction": "0.01",
    "max_daily_loss_fraction": "0.03",
    "max_drawdown_fraction": "0.1",
    "max_open_positions": 5,
    "max_orders_per_day": 50,
    "max_consecutive_losses": 4,
    "stale_data_seconds": 90,
}


def test_a_scaled_config_deploys_a_fraction_of_its_capital() -> None:
    config = LiveTradingConfig.model_validate(CONFIG)
    assert config.mode is TradingMode.SCALED
    assert config.symbols == ("SPY", "BTC/USD")
    assert config.deployed_capital == Decimal("2500.0")
    assert config.review() == ValidationResult(ok=True)


def test_review_warns_about_aggressive_real_money_limits_but_not_on_paper() -> None:
    aggressive = {
        **CONFIG,
        "risk_per_trade_fraction": "0.03",
        "max_daily_loss_fraction": "0.05",
        "max_drawdown_fraction": "0.5",
        "max_position_fraction": "0.6",
    }
    review = LiveTradingConfig.model_validate(aggressive).review()
    assert review.ok
    assert [w.split()[0] for w in review.warnings] == [
        "risk_per_trade_fraction",
        "max_drawdown_fraction",
        "max_position_fraction",
    ]
    assert "0.03 is above the usual 0.02" in review.warnings[0]
    paper = LiveTradingConfig.model_validate({**aggressive, "mode": "paper", "scale_fraction": None})
    assert paper.review().warnings == ()


@pytest.mark.parametrize(
    ("change", "field", "got", "says"),
    [
        ({"scale_fraction": None}, "scale_fraction", "None", "required in scaled mode"),
        ({"mode": "live"}, "scale_fraction", "0.1", "only meaningful in scaled mode, not live"),
        ({"mode": "sim"}, "mode", "'sim'", "'paper', 'live' or 'scaled'"),
        ({"scale_fraction": "0"}, "scale_fraction", "'0'", "greater than 0"),
        ({"max_position_fraction": "1.5"}, "max_position_fraction", "'1.5'", "less than or equal to 1"),
        ({"max_drawdown_fraction": 0.1 + 0.2}, "max_drawdown_fraction", "0.30000000000000004", "exact"),
        ({"symbols": []}, "symbols", "[]", "at least 1"),
        ({"symbols": ["SPY", "spy"]}, "symbols", "'SPY'", "twice"),
        ({"symbols": ["SPY", "bad sym"]}, "symbols[1]", "'bad sym'", "not a symbol"),
        ({"symbols": "SPY"}, "symbols", "'SPY'", "tuple"),
        ({"max_order_notional": "30000"}, "max_order_notional", "30000", "exceeds starting_capital 25000"),
        (
            {"risk_per_trade_fraction": "0.05"},
            "risk_per_trade_fraction",
            "0.05",
            "exceeds max_daily_loss_fraction",
        ),
        (
            {"max_daily_loss_fraction": "0.2"},
            "max_daily_loss_fraction",
            "0.2",
            "exceeds max_drawdown_fraction",
        ),
        ({"max_gross_exposure_fraction": "0.1"}, "max_position_fraction", "0.2", "exceeds max_gross"),
        ({"max_open_positions": 0}, "max_open_positions", "0", "greater than or equal to 1"),
        ({"stale_data_seconds": "90"}, "stale_data_seconds", "'90'", "integer"),
        (
            {"max_drawdown_fracton": "0.1"},
            "max_drawdown_fracton",
            "'0.1'",
            "did you mean 'max_drawdown_fraction'",
        ),
        ({"starting_capital": None}, "starting_capital", "None", "Decimal input"),
    ],
)
def test_a_bad_config_is_refused_naming_field_and_value(
    change: dict[str, Any], field: str, got: str, says: str
) -> None:
    issue = expect_rejected(LiveTradingConfig, {**CONFIG, **change}, field=field, got=got)
    assert says in issue.problem


def test_a_missing_limit_is_named() -> None:
    data = {key: value for key, value in CONFIG.items() if key != "max_drawdown_fraction"}
    with pytest.raises(
        ModelError, match=r"^cfg.json: field 'max_drawdown_fraction': required field \(missing\)$"
    ):
        parse_model(LiveTradingConfig, data, source="cfg.json")


TRIP: dict[str, Any] = {
    "kind": "drawdown",
    "tripped_at": "2024-01-02T15:00:00+01:00",
    "detail": "equity 9.1 % below peak",
    "threshold": "0.08",
    "observed": "0.091",
}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"kind": "consecutive_losses", "threshold": 4, "observed": 4},
        {"kind": "asset_move", "symbol": "btc/usd", "threshold": "0.1", "observed": "0.12"},
        {"kind": "api_error_rate", "threshold": "0.2", "observed": "1"},
        {"kind": "stale_data", "threshold": "90", "observed": "120.5"},
        {"kind": "manual", "threshold": None, "observed": None, "actor": "alice"},
    ],
)
def test_triggers_of_every_kind(change: dict[str, Any]) -> None:
    data = {key: value for key, value in {**TRIP, **change}.items() if value is not None}
    trigger = EmergencyTrigger.model_validate(data)
    assert trigger.kind == data["kind"]
    assert trigger.tripped_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert [k.value for k in EmergencyKind] == [
        "drawdown",
        "consecutive_losses",
        "asset_move",
        "api_error_rate",
        "stale_data",
        "manual",
    ]


@pytest.mark.parametrize(
    ("change", "field", "got", "says"),
    [
        ({"observed": "0.05"}, "observed", "0.05", "below threshold 0.08"),
        ({"threshold": "1.5", "observed": "2"}, "threshold", "1.5", "fraction in (0, 1]"),
        ({"threshold": None}, "threshold", "None", "required for a drawdown"),
        ({"observed": None}, "observed", "None", "required for a drawdown"),
        (
            {"kind": "consecutive_losses", "threshold": "2.5", "observed": 3},
            "threshold",
            "2.5",
            "whole count",
        ),
        ({"kind": "stale_data", "threshold": "-5", "observed": "1"}, "threshold", "-5", "positive"),
        ({"kind": "asset_move"}, "symbol", "None", "names the asset"),
        ({"actor": "alice"}, "actor", "'alice'", "only a manual trigger"),
        ({"kind": "manual", "actor": "bob"}, "threshold", "0.08", "not allowed for a manual"),
        ({"kind": "manual", "threshold": None, "observed": None}, "actor", "None", "who pulled it"),
        ({"kind": "fire"}, "kind", "'fire'", "'drawdown'"),
        ({"detail": ""}, "detail", "''", "blank"),
    ],
)
def test_a_bad_trigger_is_refused(change: dict[str, Any], field: str, got: str, says: str) -> None:
    data = {key: value for key, value in {**TRIP, **change}.items() if value is not None}
    issue = expect_rejected(EmergencyTrigger, data, field=field, got=got)
    assert says in issue.problem


def test_a_validation_result_is_ok_exactly_without_errors() -> None:
    assert ValidationResult.of(warnings=["thin volume"]).ok
    failed = ValidationResult.of(errors=["limit missing"])
    assert not failed.ok
    assert failed.errors == ("limit missing",)
    issue = expect_rejected(ValidationResult, {"ok": True, "errors": ["x"]}, field="ok", got="True")
    assert "1 error(s) listed" in issue.problem
    expect_rejected(ValidationResult, {"ok": False}, field="ok", got="False")
    expect_rejected(ValidationResult, {"ok": True, "warnings": [" "]}, field="warnings[0]", got="' '")
