"""Periods and dates as people say them: ``period()`` for one, ``period_range()`` for a span,
``period_expr()`` for a polars column of them.

One formatter, by calendar unit and style:

=============  ==================  =================
unit           long                short
=============  ==================  =================
year           2024                2024
quarter        Q2 2024             Q2 2024
month          April 2024          Apr 2024
week, day      3 June 2024         3 Jun 2024
event          3 June 2024         3 Jun 2024
minute         3 June 2024 14:05   3 Jun 2024 14:05
=============  ==================  =================

Long is for sentences (readings, the board pack); short for tables, pickers and captions.
"""

from datetime import date, datetime
from typing import Any, Literal

import polars as pl

Style = Literal["long", "short"]
UNITS = ("year", "quarter", "month", "week", "day", "event", "minute")
_DAYS = ("week", "day", "event")


def _month(style: Style) -> str:
    return "%B" if style == "long" else "%b"


def period(value: Any, unit: str | None = "month", style: Style = "long") -> str:
    """One period (or date) in words; ``unit`` None is a month. ``None`` -> ""; a value that is
    not a date (a period number) is written as it is."""
    if value is None:
        return ""
    if not isinstance(value, date | datetime):
        return str(value)
    unit = unit or "month"
    if unit == "year":
        return str(value.year)
    if unit == "quarter":
        return f"Q{(value.month - 1) // 3 + 1} {value.year}"
    month = f"{value:{_month(style)} %Y}"
    if unit in _DAYS:
        return f"{value.day} {month}"
    if unit == "minute":
        return f"{value.day} {month} {value:%H:%M}"
    return month


def period_range(
    start: Any,
    end: Any,
    unit: str | None = "month",
    style: Style = "long",
    *,
    unbounded: str = "every period",
) -> str:
    """A span of periods: "Apr 2024", "Apr 2024 to Sep 2024"; ``unbounded`` when neither end is
    given, and one period when only one is."""
    if start is None and end is None:
        return unbounded
    start, end = start if start is not None else end, end if end is not None else start
    if start == end:
        return period(start, unit, style)
    return f"{period(start, unit, style)} to {period(end, unit, style)}"


def period_expr(
    column: str | pl.Expr, unit: str | None = "month", style: Style = "long"
) -> pl.Expr:
    """``period()`` for a polars column of dates or date-times (text as ``period()`` writes it)."""
    values = pl.col(column) if isinstance(column, str) else column
    unit = unit or "month"
    if unit == "year":
        return values.dt.strftime("%Y")
    if unit == "quarter":
        return pl.format("Q{} {}", values.dt.quarter(), values.dt.year())
    month = f"{_month(style)} %Y"
    if unit in _DAYS:
        return values.dt.strftime(f"%-d {month}")
    if unit == "minute":
        return values.dt.strftime(f"%-d {month} %H:%M")
    return values.dt.strftime(month)
