"""Periods as locality teams write them, read and moved to the start of their period."""

from datetime import date

import polars as pl
import pytest

from qi.ingest.periods import parse_period, period_hint, period_start


def _parse(text: str | None) -> date | None:
    return pl.select(parse_period(pl.lit(text, pl.String))).item()


@pytest.mark.parametrize(
    "text",
    [
        "2024-03",
        "2024-3",
        "2024-03-01",
        "Mar-24",
        "MAR-2024",
        "March 2024",
        "mar 24",
        "Mar'24",
        "01/03/2024",
        "1/3/24",
        "45352",
        "45352.0",
        "2024-03-01 00:00:00",
    ],
)
def test_every_way_of_writing_march_2024_reads_as_march_2024(text):
    assert _parse(text) == date(2024, 3, 1)


def test_dates_are_read_day_first_as_in_the_uk():
    assert _parse("02/03/2024") == date(2024, 3, 2)


def test_sept_is_read_as_september():
    assert _parse("Sept 2024") == date(2024, 9, 1)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2024 Q1", date(2024, 1, 1)),
        ("Q2 2024", date(2024, 4, 1)),
        ("2024-Q4", date(2024, 10, 1)),
        ("2023/24 Q1", date(2023, 4, 1)),
        ("2023/24 Q4", date(2024, 1, 1)),
    ],
)
def test_calendar_and_financial_quarters_read_as_their_first_day(text, start):
    assert _parse(text) == start


def test_iso_weeks_read_as_their_monday():
    assert _parse("2024-W09") == date(2024, 2, 26)
    assert _parse("2024W9") == date(2024, 2, 26)


@pytest.mark.parametrize("text", ["garbage", "13", "2024-13", "31/02/2024", "", None, "123"])
def test_text_that_is_not_a_period_reads_as_missing(text):
    assert _parse(text) is None


def test_a_us_style_date_gets_a_hint_about_day_first():
    hint = pl.select(period_hint(pl.lit("03/13/2024"))).item()
    assert "month 13 does not exist" in hint


@pytest.mark.parametrize(
    ("frequency", "start"),
    [
        ("week", date(2024, 3, 11)),
        ("month", date(2024, 3, 1)),
        ("quarter", date(2024, 1, 1)),
        ("year", date(2024, 1, 1)),
    ],
)
def test_a_date_moves_to_the_start_of_its_week_month_quarter_or_year(frequency, start):
    # Friday 15 March 2024, as ONS dates its weeks.
    got = pl.select(period_start(pl.lit(date(2024, 3, 15)), frequency)).item()
    assert got == start


def test_frequency_can_differ_per_row():
    frame = pl.DataFrame(
        {"period": [date(2024, 3, 15)] * 2, "frequency": ["week", "quarter"]}
    ).select(period_start(pl.col("period"), pl.col("frequency")))
    assert frame.to_series().to_list() == [date(2024, 3, 11), date(2024, 1, 1)]
