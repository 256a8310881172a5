"""RiskConfig: the issue's defaults, refused values, and file loading that names file:line, field, value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from trader.errors import ModelError, TraderError
from trader.models import parse_model
from trader.risk import RiskConfig
from trader.risk.config_file import RiskConfigError, load_risk_config


def test_defaults_are_the_issues() -> None:
    config = RiskConfig()
    limits = config.limits
    assert (limits.max_trade_fraction, limits.max_total_risk_fraction) == (Decimal("0.05"), Decimal("0.20"))
    assert (limits.max_asset_fraction, limits.max_sector_fraction) == (Decimal("0.30"), Decimal("0.40"))
    assert (limits.max_correlation, limits.max_leverage, limits.trade_rate_limit) == (0.7, 3, 10)
    assert (config.sizing.min_risk_fraction, config.sizing.max_risk_fraction) == (0.0025, 0.02)
    assert config.sizing.kelly_fraction == 0.5
    assert (config.stops.atr_multiple, config.stops.breakeven_after_r, config.stops.trail_atr_multiple) == (
        2,
        1,
        2,
    )
    assert config.safe_mode.max_daily_loss_fraction == Decimal("0.08")
    assert config.safe_mode.max_monthly_loss_fraction == Decimal("0.20")
    assert config.breaker.max_drawdown_fraction == Decimal("0.10")
    assert config.breaker.max_asset_day_move == Decimal("0.20")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"limits": {"max_leverage": 10.5}}, "limits.max_leverage': exceeds the hard maximum 10x (got 10.5)"),
        ({"limits": {"max_asset_fraction": 1.5}}, "limits.max_asset_fraction'"),
        ({"sizing": {"min_risk_fraction": 0.03}}, "sizing.min_risk_fraction': exceeds max_risk_fraction"),
        ({"sizing": {"streak_floor": 1.5}}, "sizing.streak_floor': a floor is at most 1"),
        ({"breaker": {"cooldown_seconds": 0}}, "breaker.cooldown_seconds'"),
        ({"limit": {}}, "field 'limit': unknown field"),
    ],
)
def test_bad_values_are_refused_by_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError) as caught:
        parse_model(RiskConfig, data, source="test")
    assert message in str(caught.value)


def test_a_toml_file_loads_and_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(
        'authorised_users = ["alice"]\n\n[limits]\nmax_leverage = 2\nmax_asset_fraction = "0.25"\n'
    )
    config = load_risk_config(path)
    assert config.limits.max_leverage == 2
    assert config.limits.max_asset_fraction == Decimal("0.25")
    assert config.limits.max_sector_fraction == Decimal("0.40")
    assert config.authorised_users == ("alice",)


def test_a_bad_toml_value_names_file_line_field_and_value(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text("[sizing]\nkelly_fraction = 0.5\n\n[limits]\n# comment\nmax_leverage = 12\n")
    with pytest.raises(RiskConfigError) as caught:
        load_risk_config(path)
    assert str(caught.value) == (
        f"{path}:6: field 'limits.max_leverage': exceeds the hard maximum 10x (got 12)"
    )
    assert isinstance(caught.value, TraderError)


def test_a_json_file_is_located_too(tmp_path: Path) -> None:
    path = tmp_path / "risk.json"
    path.write_text('{\n  "breaker": {\n    "flatten": true,\n    "max_drawdown_fraction": 2\n  }\n}\n')
    with pytest.raises(
        RiskConfigError, match=r"risk\.json:4: field 'breaker\.max_drawdown_fraction'.*\(got 2\)"
    ):
        load_risk_config(path)


def test_broken_syntax_and_wrong_suffix_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text("[limits]\nmax_leverage = = 2\n")
    with pytest.raises(RiskConfigError, match=r"risk\.toml:2: invalid TOML"):
        load_risk_config(path)
    other = tmp_path / "risk.yaml"
    other.write_text("limits: {}\n")
    with pytest.raises(RiskConfigError, match=r"expected a \.toml or \.json file"):
        load_risk_config(other)
    with pytest.raises(RiskConfigError, match="cannot read the file"):
        load_risk_config(tmp_path / "missing.toml")
