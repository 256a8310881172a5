"""The backtest report: self-contained HTML whose metrics are summary.json's, refusals listed, plots drawn."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader import Strategy
from trader.data import load_bars
from trader.engine import BacktestConfig, run_backtest
from trader.engine.results import output_files, write_outputs
from trader.reports.backtest_figures import monthly_returns, thin
from trader.reports.backtest_html import ReportData, backtest_report, raw_text, render, write_report
from trader.risk import RiskConfig
from trader.strategies import Bar, EmaCross

_PLOTS = ("plot-price", "plot-equity", "plot-drawdown", "plot-monthly", "plot-trades")


class Eager(Strategy):
    """Buys before risk has an ATR to place a stop with (refused), and once after (allowed)."""

    name = "eager"

    def on_bar(self, bar: Bar) -> None:
        if bar.index in {1, 2, 40}:
            self.buy(10)


def _run(
    samples_dir: Path, out: Path, strategy: Strategy | None = None, risk: RiskConfig | None = None
) -> tuple[dict[str, object], str]:
    bars = load_bars(samples_dir / "SPY_1d.csv")
    files = output_files(out)
    out.mkdir()
    config = BacktestConfig(risk=risk)
    chosen = strategy or EmaCross({"fast": 10, "slow": 30})
    result = run_backtest(chosen, [bars], files.journal, config)
    document = write_outputs(result, files, {"strategy": "ema_cross"})
    write_report(files.report, backtest_report(result, [bars], document, "ema_cross on SPY"))
    return document, files.report.read_text(encoding="utf-8")


def test_report_is_self_contained_and_shows_summary_metrics(samples_dir: Path, tmp_path: Path) -> None:
    document, text = _run(samples_dir, tmp_path / "run")
    assert "<script src" not in text  # nothing fetched at view time
    library_end = text.index("</script>")  # plotly.js itself (its source mentions plotly.com links)
    assert not re.search(r"""(src|href)=["']https?://""", text[library_end:])
    assert text.count("Plotly.newPlot") == len(_PLOTS)
    for div in _PLOTS:
        assert f'id="{div}"' in text
    metrics = document["metrics"]
    assert isinstance(metrics, dict)
    for key, value in metrics.items():
        row = re.search(rf'<tr data-metric="{key}">.*?<td class="raw">(.*?)</td>', text)
        assert row is not None, key
        assert row.group(1).replace("&quot;", '"') == raw_text(value)
    assert 2_000_000 < len(text) < 8_000_000  # plotly.js inlined once, the data thinned
    assert "No decision was refused." in text


def test_refused_decisions_are_listed_with_their_reasons(samples_dir: Path, tmp_path: Path) -> None:
    _, text = _run(samples_dir, tmp_path / "run", Eager(), RiskConfig())
    table = re.search(r'<table id="refusals">(.*?)</table>', text)
    assert table is not None
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td>.*?<td>(risk)</td><td>([^<]*)</td>", table.group(1)
    )
    assert [(order, reasons) for _, order, _, reasons in rows] == [
        ("eager-SPY-1", "missing_market_data"),
        ("eager-SPY-2", "missing_market_data"),
    ]
    assert "no ATR for SPY to place a stop" in table.group(1)
    assert "Refused decisions (2)" in text


def test_report_bytes_are_identical_from_run_to_run(samples_dir: Path, tmp_path: Path) -> None:
    _, first = _run(samples_dir, tmp_path / "a")
    _, second = _run(samples_dir, tmp_path / "b")
    assert first == second


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30_000), st.integers(2, 5_000))
def test_thinning_keeps_the_ends_and_stays_under_the_limit(n: int, limit: int) -> None:
    kept = thin(n, limit)
    assert kept[0] == 0
    assert kept[-1] == n - 1
    assert kept.size <= limit + 1
    assert np.all(np.diff(kept) > 0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.5, 2.0), min_size=2, max_size=400))
def test_monthly_returns_compound_to_the_total_return(growth: list[float]) -> None:
    day = 86_400 * 10**9
    ts = np.int64(1_700_000_000 * 10**9) + np.arange(len(growth), dtype=np.int64) * 7 * day
    equity = 100.0 * np.cumprod(np.asarray(growth))
    _, grid = monthly_returns(ts, equity)
    compounded = float(np.prod(1.0 + grid[~np.isnan(grid)]))
    assert compounded == pytest.approx(equity[-1] / equity[0], rel=1e-9)


def test_render_escapes_user_text() -> None:
    ts = np.array([0, 86_400 * 10**9], dtype=np.int64)
    title = "<script>alert(1)</script>"
    data = ReportData(title, "", {"total_return": 0.0}, ts, np.array([1.0, 1.0]), final={"equity": "1"})
    assert title not in render(data)


@pytest.mark.system
def test_report_renders_in_chromium(samples_dir: Path, tmp_path: Path, chromium_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    document, _ = _run(samples_dir, tmp_path / "run")
    report = output_files(tmp_path / "run").report
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium_path), args=[*args, "--disable-sync"])
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.as_uri())
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length == {len(_PLOTS)}")
        for div in _PLOTS:
            assert page.locator(f"#{div} svg.main-svg").count() >= 1, div
        assert page.locator("#plot-price .scatterlayer .trace").count() >= 3  # close, buys, sells
        assert page.locator("#plot-monthly .hm, #plot-monthly image").count() >= 1
        shown = page.eval_on_selector_all(
            "#metrics tr[data-metric]",
            "rows => rows.map(r => [r.dataset.metric, r.querySelector('td.raw').textContent])",
        )
        final_equity = page.locator('#metrics tr[data-final="equity"] td.value').text_content()
        browser.close()
    metrics = document["metrics"]
    final = document["final"]
    assert isinstance(metrics, dict)
    assert isinstance(final, dict)
    assert dict(shown) == {key: json.dumps(value) for key, value in metrics.items()}
    assert {key: json.loads(raw) for key, raw in shown} == metrics
    assert Decimal(str(final_equity)) == Decimal(str(final["equity"]))
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests
