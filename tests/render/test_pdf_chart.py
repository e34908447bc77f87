"""Charts drawn on a PDF page: round axis numbers, period labels that never touch, and a series
with a missing month drawn without shifting the later points' colours."""

import io
from datetime import date

import polars as pl
from fpdf import FPDF
from pypdf import PdfReader

from qi.charts import spc
from qi.render.pdf_chart import Box, draw_series, label_every, nice_ticks


def test_axis_numbers_are_round_and_cover_the_range():
    assert nice_ticks(3.2, 47.9) == [10.0, 20.0, 30.0, 40.0]
    assert nice_ticks(0, 1) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(5, 5) == [5]


def test_period_labels_are_spaced_so_they_never_touch():
    every = label_every(labels=60, room_mm=80, label_mm=10)
    shown = len(range(0, 60, every))
    assert shown * (10 + 2) <= 80
    assert label_every(labels=4, room_mm=200, label_mm=10) == 1


def test_a_series_with_a_missing_month_is_drawn():
    months = pl.date_range(date(2023, 1, 1), date(2024, 12, 1), "1mo", eager=True)
    values = [10.0, 11.0] * 6 + [30.0, 31.0] * 6
    values[5] = None
    data = pl.DataFrame({"measure": "m", "place": "p", "period": months, "value": values})
    points = spc(data, value="value", period="period", by=["measure", "place"], chart="i").points
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_page()
    draw_series(
        pdf,
        Box(10, 10, 120, 70),
        points,
        family="Helvetica",
        title="p: special cause",
        annotations=[(date(2024, 1, 1), 1)],
    )
    assert bytes(pdf.output()).startswith(b"%PDF")


def test_the_value_axis_is_titled_with_the_measure_s_unit():
    """A pack chart says what its numbers count ("Per cent (%)"), as the app's charts do."""
    months = pl.date_range(date(2024, 1, 1), date(2024, 12, 1), "1mo", eager=True)
    data = pl.DataFrame({"measure": "m", "place": "p", "period": months, "value": 40.0})
    points = spc(data, value="value", period="period", by=["measure", "place"], chart="i").points

    def text(unit):
        pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.add_page()
        draw_series(pdf, Box(10, 10, 120, 70), points, family="Helvetica", title="p", unit=unit)
        reader = PdfReader(io.BytesIO(bytes(pdf.output())))
        return reader.pages[0].extract_text()

    assert "Per cent (%)" in text("%")
    assert "Per cent" not in text(None)
