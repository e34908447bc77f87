"""One formatter per kind of value: numbers, periods (one at a time or a polars column) and
counts."""

from datetime import date, datetime

import polars as pl
import pytest

from qi.text import count, number, period, period_expr, period_range


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (10698, None, "10,698"),
        (10698.0, "attendances", "10,698 attendances"),
        (46.7512, None, "46.75"),
        (0.5, "%", "0.5%"),
        (95.0, "%", "95%"),
        (12.5, "per 1,000", "12.5 per 1,000"),
        (1.23e20, None, "123,000,000,000,000,000,000"),
        (-0.001, None, "0"),
        (0, None, "0"),
        (None, "%", ""),
    ],
)
def test_numbers_are_separated_trimmed_and_never_scientific(value, unit, text):
    assert number(value, unit) == text


def test_a_number_can_keep_more_decimals():
    assert number(0.12345, decimals=4) == "0.1235"


@pytest.mark.parametrize(
    ("unit", "long", "short"),
    [
        ("year", "2024", "2024"),
        ("quarter", "Q2 2024", "Q2 2024"),
        ("month", "June 2024", "Jun 2024"),
        (None, "June 2024", "Jun 2024"),
        ("week", "3 June 2024", "3 Jun 2024"),
        ("day", "3 June 2024", "3 Jun 2024"),
        ("event", "3 June 2024", "3 Jun 2024"),
    ],
)
def test_periods_by_unit_and_style(unit, long, short):
    day = date(2024, 6, 3)
    assert (period(day, unit), period(day, unit, "short")) == (long, short)
    column = pl.DataFrame({"p": [day]}).select(
        period_expr("p", unit).alias("long"), period_expr("p", unit, "short").alias("short")
    )
    assert column.row(0) == (long, short)


def test_a_moment_to_the_minute_and_values_that_are_not_dates():
    moment = datetime(2025, 2, 3, 14, 5)
    assert period(moment, "minute", "short") == "3 Feb 2025 14:05"
    assert pl.select(period_expr(pl.lit(moment), "minute", "short")).item() == "3 Feb 2025 14:05"
    assert period(None) == ""
    assert period(17) == "17"


def test_a_range_of_periods():
    april, june = date(2024, 4, 1), date(2024, 6, 1)
    assert period_range(april, june, style="short") == "Apr 2024 to Jun 2024"
    assert period_range(april, april, style="short") == "Apr 2024"
    assert period_range(None, june) == "June 2024"
    assert period_range(None, None) == "every period"


@pytest.mark.parametrize(
    ("arguments", "options", "text"),
    [
        ((1, "story", "stories"), {}, "1 story"),
        ((3, "story", "stories"), {}, "3 stories"),
        ((0, "phase"), {}, "0 phases"),
        ((0, "new signal"), {"zero": "no"}, "no new signals"),
        ((7, "month"), {"spelled": True}, "seven months"),
        ((1, "month"), {"spelled": True}, "one month"),
        ((21, "month"), {"spelled": True}, "21 months"),
        ((1234, "point"), {}, "1,234 points"),
    ],
)
def test_counts_with_their_noun(arguments, options, text):
    assert count(*arguments, **options) == text
