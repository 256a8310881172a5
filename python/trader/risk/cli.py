"""`trader risk`: validate a risk config file and print the limits and progression it puts in force."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from trader.risk.config import HARD_MAX_LEVERAGE, RiskConfig
from trader.risk.config_file import load_risk_config
from trader.risk.progression_rows import GATE_COLUMNS, gate_rows, progression_rows

risk_app = typer.Typer(name="risk", help="Check risk configurations.", no_args_is_help=True)


def _pct(value: Decimal | float) -> str:
    # Through the decimal the value stands for, so 0.0025 prints as 0.25% rather than 0.250000%.
    return f"{Decimal(repr(value)) if isinstance(value, float) else value:%}"


_BACKTEST_ACKNOWLEDGE = {
    "never": "never (a trip halts new risk to the end of the run)",
    "after_cooldown": "after_cooldown (by backtest-policy, once no trigger holds)",
}
"""How `trader risk check` reads each `breaker.backtest_acknowledge` value."""


def _rows(config: RiskConfig) -> list[tuple[str, str, str]]:
    """(section, setting, effective value) for everything a user should see before trading."""
    sizing, limits, stops = config.sizing, config.limits, config.stops
    safe, breaker = config.safe_mode, config.breaker
    target = "off" if sizing.target_volatility is None else _pct(sizing.target_volatility)
    return [
        (
            "sizing",
            "risk per trade (confidence 0 -> 1)",
            f"{_pct(sizing.min_risk_fraction)} -> {_pct(sizing.max_risk_fraction)} of equity",
        ),
        (
            "sizing",
            "fractional Kelly (cap)",
            f"{sizing.kelly_fraction:g} x Kelly (cap {_pct(sizing.kelly_cap)}) "
            f"after {sizing.kelly_min_trades} trades",
        ),
        (
            "sizing",
            "loss streak",
            f"x{sizing.loss_streak_multiplier:g} per {sizing.loss_streak} losses in a row",
        ),
        ("sizing", "win streak", f"x{sizing.win_streak_multiplier:g} per {sizing.win_streak} wins in a row"),
        ("sizing", "streak bounds", f"x{sizing.streak_floor:g} .. x{sizing.streak_ceiling:g}"),
        (
            "sizing",
            "volatility target",
            f"{target} (x{sizing.volatility_floor:g} .. x{sizing.volatility_ceiling:g})",
        ),
        (
            "sizing",
            "lot (stocks / fractional)",
            f"{sizing.lot:f} / {sizing.fractional_lot:f}"
            + (" (fractional stocks on)" if sizing.fractional_equities else ""),
        ),
        ("limits", "one order's new notional", f"{_pct(limits.max_trade_fraction)} of equity"),
        ("limits", "total risk to stops", f"{_pct(limits.max_total_risk_fraction)} of equity"),
        ("limits", "one asset", f"{_pct(limits.max_asset_fraction)} of equity"),
        ("limits", "one sector", f"{_pct(limits.max_sector_fraction)} of equity"),
        (
            "limits",
            "leverage (gross / equity)",
            f"{limits.max_leverage:f}x (hard maximum {HARD_MAX_LEVERAGE}x)",
        ),
        ("limits", "correlation gate", f"refuse same-way new risk above {limits.max_correlation:g}"),
        ("limits", "trade rate", f"fewer than {limits.trade_rate_limit} trades per minute"),
        ("stops", "initial stop", f"{stops.atr_multiple:f} x ATR"),
        ("stops", "breakeven", f"after +{stops.breakeven_after_r:f}R"),
        (
            "stops",
            "trailing stop",
            f"{stops.trail_atr_multiple:f} x ATR, live every {stops.live_update_seconds} s",
        ),
        (
            "safe mode",
            "daily / monthly loss",
            f"{_pct(safe.max_daily_loss_fraction)} / {_pct(safe.max_monthly_loss_fraction)} -> reduce-only",
        ),
        ("breaker", "drawdown from high-water mark", _pct(breaker.max_drawdown_fraction)),
        ("breaker", "consecutive losses", str(breaker.max_consecutive_losses)),
        ("breaker", "one asset's day move", f"> {_pct(breaker.max_asset_day_move)}"),
        (
            "breaker",
            "API error rate",
            f"{_pct(breaker.max_api_error_rate)} of at least {breaker.min_api_calls} calls "
            f"within {breaker.api_window_seconds} s",
        ),
        ("breaker", "stale market data", f"{breaker.stale_data_seconds} s"),
        ("breaker", "stale symbol (backtest)", f"{breaker.stale_data_bars} expected bars missing"),
        (
            "breaker",
            "on trip",
            ", ".join(
                [
                    "halt new orders",
                    *(["cancel open orders"] if breaker.cancel_open_orders else []),
                    *(["flatten"] if breaker.flatten else []),
                ]
            ),
        ),
        ("breaker", "cooldown", f"{breaker.cooldown_seconds} s, then an acknowledgement"),
        ("breaker", "backtest acknowledgement", _BACKTEST_ACKNOWLEDGE[breaker.backtest_acknowledge]),
        (
            "access",
            "may clear / recover",
            ", ".join(config.authorised_users) or "nobody (period rollover only)",
        ),
    ]


@risk_app.command("check")
def check_command(
    config: Annotated[Path, typer.Option("--config", help="A risk config file (.toml or .json).")],
) -> None:
    """Validate a risk config and print the effective limits; exit 2 naming file, field and value if bad."""
    loaded = load_risk_config(config)
    table = Table(title=f"Effective risk limits: {config}")
    for column in ("section", "setting", "value"):
        table.add_column(column)
    for row in (*_rows(loaded), *progression_rows(loaded.progression)):
        table.add_row(*row)
    gates = Table(title="Promotion gates (measured since the step began)")
    for column in GATE_COLUMNS:
        gates.add_column(column)
    for gate_row in gate_rows(loaded.progression):
        gates.add_row(*gate_row)
    console = Console(width=120)
    console.print(table)
    console.print(gates)
