"""The progression settings and phase gates as rows for `trader risk check`."""

from __future__ import annotations

from trader.risk.progression_config import Phase, ProgressionConfig


def _money(value: object) -> str:
    return f"${value:,f}"


def progression_rows(config: ProgressionConfig) -> list[tuple[str, str, str]]:
    """(section, setting, value) for the capital steps, promotion, demotion and new-symbol scaling."""
    micro = config.capital_steps[: config.micro_live_steps]
    scaled = config.capital_steps[config.micro_live_steps :]
    scaling = config.scaling
    new_symbols = (
        "off"
        if scaling.new_symbol_trades == 0
        else f"x{scaling.new_symbol_multiplier:f} for the first {scaling.new_symbol_trades} trades"
    )
    return [
        ("progression", "paper capital", _money(config.paper_capital)),
        ("progression", "micro_live steps", " -> ".join(_money(step) for step in micro)),
        ("progression", "scaled_live steps", " -> ".join(_money(step) for step in scaled)),
        ("progression", "promotion", "one step, gates passed and approved by " + _approvers(config)),
        (
            "progression",
            "demotion on a breach",
            f"{config.demote_steps} step(s) down (below the first: paper)",
        ),
        ("progression", "new symbols", new_symbols),
    ]


def _approvers(config: ProgressionConfig) -> str:
    return ", ".join(config.approvers) if config.approvers else "any named person"


GATE_COLUMNS = (
    "leaving",
    "days",
    "trades",
    "win rate",
    "profit factor",
    "max drawdown",
    "Sharpe",
    "breaches",
)


def gate_rows(config: ProgressionConfig) -> list[tuple[str, ...]]:
    """One row per phase: the gates a step of that phase must pass before the next step up."""
    rows: list[tuple[str, ...]] = []
    for phase in Phase:
        gates = config.gates_for(phase)
        rows.append(
            (
                phase.value,
                f">= {gates.min_days}",
                f">= {gates.min_trades}",
                f">= {gates.min_win_rate:.0%}",
                f">= {gates.min_profit_factor:g}",
                f"<= {gates.max_drawdown:.0%}",
                f">= {gates.min_sharpe:g} (daily, {config.sharpe_days_per_year}/yr)",
                f"<= {gates.max_breaches}",
            )
        )
    return rows
