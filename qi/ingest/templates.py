"""A measure's file template, in exactly the form the importer reads: long layout, the measure's
code, one row per place and period, a place name column for people (skipped by the importer),
and a value column (numerator and denominator for a rate or proportion), as CSV or Excel.
"""

import io
from datetime import date, timedelta

import openpyxl
import polars as pl

from qi.vocabulary.measures import RATIO_KINDS

MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
TEMPLATE_PERIODS = 3


def value_columns(kind: str) -> list[str]:
    """The columns a file of this kind of measure needs for its values."""
    return ["numerator", "denominator"] if kind in RATIO_KINDS else ["value"]


def recent_periods(frequency: str, today: date, count: int = TEMPLATE_PERIODS) -> list[date]:
    """The starts of the last ``count`` whole periods before the one holding ``today``."""
    if frequency == "week":
        monday = today - timedelta(days=today.weekday())
        return [monday - timedelta(weeks=n) for n in range(count, 0, -1)]
    step = MONTHS_IN.get(frequency, 1)
    months = today.year * 12 + today.month - 1
    current = months - months % step
    starts = [current - step * n for n in range(count, 0, -1)]
    return [date(m // 12, m % 12 + 1, 1) for m in starts]


def template(
    measure: dict,
    places: pl.DataFrame,
    periods: list[date],
    values: dict[str, list] | None = None,
) -> pl.DataFrame:
    """The template of ``measure`` (a row of ``read_measures``) for ``places`` (code, name) and
    ``periods``: one row per place and period, values blank unless given (column -> values in
    row order)."""
    rows = places.select("code", "name").join(
        pl.DataFrame({"period": periods}, schema={"period": pl.Date}), how="cross"
    )
    frame = rows.select(
        pl.lit(measure["code"]).alias("measure"),
        pl.col("code").alias("place"),
        pl.col("name").alias("place name"),
        pl.col("period").dt.to_string("%Y-%m-%d").alias("period"),
    )
    return frame.with_columns(
        pl.Series(c, (values or {}).get(c, [None] * frame.height))
        for c in value_columns(measure["kind"])
    )


def template_csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv().encode("utf-8")


def template_excel(frame: pl.DataFrame, sheet: str = "Data") -> bytes:
    """The template as an .xlsx workbook of one sheet: the header in row 1, periods as text."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append(frame.columns)
    for row in frame.iter_rows():
        worksheet.append(list(row))
    for column, width in zip("ABCDEFG", (28, 12, 28, 12, 12, 12, 12), strict=False):
        worksheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
