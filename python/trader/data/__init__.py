"""Market data: columnar bars, CSV/Parquet loading, resampling, alignment, trades->bars, quality."""

from trader.data.align import align
from trader.data.bars import Bars
from trader.data.calendar import CRYPTO, MarketCalendar, detect_calendar, us_equity
from trader.data.policies import Outcome, Policy, Repair, apply_policy, repair
from trader.data.quality import Finding, QualityConfig, QualityReport, Severity, check
from trader.data.resample import resample
from trader.data.sources import load_bars
from trader.data.ticks import Trades, load_trades, trades_to_bars
from trader.data.writers import write_bars

__all__ = [
    "CRYPTO",
    "Bars",
    "Finding",
    "MarketCalendar",
    "Outcome",
    "Policy",
    "QualityConfig",
    "QualityReport",
    "Repair",
    "Severity",
    "Trades",
    "align",
    "apply_policy",
    "check",
    "detect_calendar",
    "load_bars",
    "load_trades",
    "repair",
    "resample",
    "trades_to_bars",
    "us_equity",
    "write_bars",
]
