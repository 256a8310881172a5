"""The daily report as a PDF (reportlab): the same sections as the HTML page, text extractable."""

from __future__ import annotations

import io
import json

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from trader.reports.daily import DailyReport
from trader.reports.daily_render import TRADE_COLUMNS, comparison_rows, summary_rows, title

_GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f4f7")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d5dd")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]
)


def _table(rows: list[tuple[str, ...]]) -> Table:
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    return table


def as_pdf(report: DailyReport) -> bytes:
    """The report as PDF bytes (A4 landscape, so the trade table fits)."""
    styles = getSampleStyleSheet()
    doc = report.to_dict()
    story: list[Flowable] = [
        Paragraph(title(report), styles["Title"]),
        Paragraph(
            f"symbols {', '.join(doc['run']['symbols'])}; parameters "
            f"{json.dumps(doc['run']['params'], sort_keys=True)}",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("P&amp;L and metrics", styles["Heading2"]),
        _table([("figure", "value"), *summary_rows(report)]),
        Paragraph("Against the backtest", styles["Heading2"]),
    ]
    comparison = comparison_rows(report)
    if comparison:
        story.append(_table([("figure", "this run", "backtest", "difference"), *comparison]))
        story.append(Paragraph(f"backtest run {doc['comparison']['backtest_run']}", styles["Normal"]))
    else:
        story.append(
            Paragraph("no stored backtest of this strategy and period to compare with", styles["Normal"])
        )
    story.append(Paragraph("Trades", styles["Heading2"]))
    trades = [tuple(str(t[c]) for c in TRADE_COLUMNS) for t in doc["trades"]]
    story.append(
        _table([TRADE_COLUMNS, *trades])
        if trades
        else Paragraph("no trades closed on this day", styles["Normal"])
    )
    buffer = io.BytesIO()
    # invariant=True: no creation date or random id in the file, so the same report gives the same bytes.
    pdf = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), title=title(report), author="trader", invariant=True,
        leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
    )  # fmt: skip
    pdf.build(story)
    return buffer.getvalue()
