"""Numbers as locality teams write them, and the cells that hold none."""

import polars as pl
import pytest

from qi.ingest.numbers import missing_reason, number_hint, parse_number


def _cell(text):
    frame = pl.DataFrame({"t": [text]}, schema={"t": pl.String})
    return frame.select(
        parse_number(pl.col("t")).alias("value"),
        missing_reason(pl.col("t")).alias("reason"),
        number_hint(pl.col("t")).alias("hint"),
    ).row(0)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", 1234.0),
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        (" 7 ", 7.0),
        ("-3", -3.0),
        ("12.5", 12.5),
        ("45%", 0.45),
        ("12.5 %", 0.125),
        ("1e3", 1000.0),
        (".5", 0.5),
    ],
)
def test_numbers_with_separators_and_percentages_are_read(text, value):
    assert _cell(text)[0] == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("*", "suppressed (*)"),
        ("c", "confidential (c)"),
        ("X", "not available (x)"),
        ("..", "not available (..)"),
        ("-", "nil or not applicable (-)"),
        ("", "blank"),
        ("  ", "blank"),
        (None, "blank"),
    ],
)
def test_suppression_markers_are_missing_with_the_reason_kept(text, reason):
    assert _cell(text)[:2] == (None, reason)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("1,2O4", "letter O"),
        ("l23", "letter l"),
        ("£12", "currency"),
        ("12,5", "decimal comma"),
        ("1 234", "spaces"),
    ],
)
def test_text_that_is_not_a_number_is_neither_a_value_nor_missing_and_gets_a_hint(text, hint):
    value, reason, got = _cell(text)
    assert value is None and reason is None
    assert hint in got


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1,23", "abc", "12..5"])
def test_nan_infinity_and_bad_separators_are_not_numbers(text):
    assert _cell(text)[:2] == (None, None)
