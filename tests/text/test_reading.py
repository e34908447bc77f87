"""The plain-English reading of a series: its latest signal, how long, since when, and the target.

Series are built by hand on a zig-zag of 13 and 7 (mean 10, moving ranges 6, so MDC process
limits 10 +/- 15.96 and two-sigma lines 10 +/- 10.64): wide enough that a small step or a
gentle rise is a shift or a trend and nothing else.
"""

from datetime import date

import polars as pl
import pytest

from qi.charts import RULE_SETS, spc
from qi.text.reading import reading, readings

ZIGZAG = [13.0, 7.0] * 8


def months(n: int, first: date = date(2023, 1, 1)) -> list[date]:
    return [
        date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(n)
    ]


def read(values, periods=None, unit=None, **options) -> str:
    data = pl.DataFrame(
        {"place": "A", "period": periods or months(len(values)), "value": values},
        schema_overrides={"value": pl.Float64},
    )
    charted = spc(data, value="value", period="period", by="place", **options)
    return reading(charted.summary().row(0, named=True), charted.points, "period", unit)


def test_seven_points_above_the_mean_read_as_a_shift_since_the_first_of_them():
    text = read([*ZIGZAG, 11, 12, 11, 12, 11, 12, 11], direction="increase")
    assert text == "Seven months above the mean since May 2024: special cause improvement."


def test_a_longer_run_is_counted_to_its_first_point():
    text = read([*ZIGZAG, 11, 12, 11, 12, 11, 12, 11, 12, 11], direction="decrease")
    assert text == "Nine months above the mean since May 2024: special cause concern."


def test_seven_rising_points_read_as_a_trend():
    text = read([*ZIGZAG[:11], 9, 10, 11, 12, 13, 14, 15], direction="decrease")
    assert text == "Seven months rising since December 2023: special cause concern."


def test_a_point_beyond_the_limits_is_named_with_its_period():
    text = read([*ZIGZAG, 40], direction="decrease")
    assert text == "Above the upper process limit in May 2024: special cause concern."
    low = read([*ZIGZAG, -20], direction="decrease")
    assert low == "Below the lower process limit in May 2024: special cause improvement."


def test_common_cause_variation_reads_since_the_phase_began_with_the_target():
    text = read(ZIGZAG, unit="%", direction="increase", target=12.0)
    assert text == "Common cause variation since January 2023; the target of 12% is hit and miss."


def test_common_cause_after_a_signal_reads_since_the_point_after_it():
    text = read([*ZIGZAG[:6], 40, *ZIGZAG[6:]], direction="increase")
    assert text == "Common cause variation since August 2023."


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (-10.0, "the target of -10 per 1,000 is consistently met"),
        (30.0, "the target of 30 per 1,000 is consistently missed"),
    ],
)
def test_assurance_is_read_from_the_target_against_the_limits(target, words):
    text = read(ZIGZAG, unit="per 1,000", direction="increase", target=target)
    assert text == f"Common cause variation since January 2023; {words}."


def test_a_direction_of_neither_reads_as_variation_that_is_neither_better_nor_worse():
    text = read([*ZIGZAG, 40])
    assert text == (
        "Above the upper process limit in May 2024: "
        "special cause variation (higher, neither better nor worse)."
    )


def test_a_run_chart_reads_against_the_median():
    # Twelve values of 5 and six of 15, then six of 12: the median is 8.5.
    text = read([5.0, 15.0, 5.0] * 6 + [12.0] * 6, chart="run", rules="ihi")
    assert text == (
        "Six months above the median since July 2024: "
        "special cause variation (higher, neither better nor worse)."
    )


def test_anhoej_runs_signal_reads_as_the_long_run_when_it_is_the_latest():
    text = read([8.0, 9.0] * 3 + [11.0, 12.0] * 6, rules="anhoej", direction="increase")
    assert text == (
        "Twelve months above the mean since July 2023 (a run of more than 7 is unusual): "
        "special cause improvement."
    )


def test_anhoej_runs_signal_reads_as_a_run_in_the_phase_when_it_is_earlier():
    text = read([11.0, 12.0] * 6 + [8.0, 9.0] * 3, rules="anhoej", direction="increase")
    assert text == (
        "A run of twelve months on one side of the mean (more than 7 is unusual) "
        "since January 2023: special cause concern."
    )


def test_quarters_are_read_as_quarters():
    quarters = [date(2020 + i // 4, 3 * (i % 4) + 1, 1) for i in range(17)]
    text = read([*ZIGZAG, 40], periods=quarters, direction="increase")
    assert text == "Above the upper process limit in Q1 2024: special cause improvement."


def test_a_missing_latest_value_is_said_and_the_last_value_is_read():
    text = read([*ZIGZAG, 40, None], direction="increase")
    assert text == (
        "No value for June 2024. Above the upper process limit in May 2024: "
        "special cause improvement."
    )


def test_limits_from_a_short_phase_are_called_provisional():
    text = read([7.0, 13.0] * 4)
    assert text.endswith("The limits come from only 8 points, so treat them as provisional.")


def test_no_values_read_as_no_values():
    assert read([None, None]) == "No values yet."


def test_times_between_events_are_read_as_points_dated_to_the_day():
    events = [date(2023, 1, 1 + i) for i in range(16)] + [date(2023, 3, 20)]
    text = read([*ZIGZAG, 400.0], periods=events, chart="t", direction="increase")
    assert text == "Above the upper process limit in 20 March 2023: special cause improvement."


@pytest.mark.parametrize(
    ("rules", "values", "words"),
    [
        ("mdc", [9, 11, 9, 11, 9, 11, 40], "Above the upper process limit"),
        (
            "mdc",
            [10, 12, 10, 12, 10, 12, 11.5, 11, 10.5, 10, 9.5, 9],
            "Seven points in a row falling",
        ),
        (
            "western_electric",
            [11, 9] * 5 + [12, 13, 12, 13, 12, 13, 12, 13],
            "Eight or more points in a row above the centre line",
        ),
    ],
)
def test_signal_words_name_the_rule_and_its_count_for_a_board(rules, values, words):
    months = pl.date_range(date(2023, 1, 1), date(2026, 12, 1), "1mo", eager=True)
    data = pl.DataFrame({"month": months[: len(values)], "y": [float(v) for v in values]})
    last = spc(data, value="y", period="month", rules=rules).points.row(-1, named=True)
    assert RULE_SETS[rules].words(str(last["signal"]), last["signal_side"] > 0) == words


def test_readings_of_many_series_at_once_are_each_series_own_reading():
    """``readings()`` (the meeting matrix's) reads every series from one frame: the same words
    as ``reading()`` of each series alone, with each series' own calendar unit and phases."""
    quarters = [date(2020 + i // 4, 3 * (i % 4) + 1, 1) for i in range(17)]
    series = {
        "shift": ([*ZIGZAG, 11, 12, 11, 12, 11, 12, 11], None),
        "trend": ([*ZIGZAG, 1, 2, 3, 4, 5, 6, 7], None),
        "outside": ([*ZIGZAG, 40], None),
        "quarters": ([*ZIGZAG, 40], quarters),
        "missing latest": ([*ZIGZAG, 40, None], None),
        "short phase": ([7.0, 13.0] * 4, None),
        "common after a signal": ([*ZIGZAG, 40, 13, 7, 13], None),
        "phases": ([*ZIGZAG, 30, 33, 27, 33, 27, 30], None),
        "no values": ([None, None], None),
    }
    data = pl.concat(
        pl.DataFrame(
            {"place": place, "period": periods or months(len(values)), "value": values},
            schema_overrides={"value": pl.Float64},
        )
        for place, (values, periods) in series.items()
    )
    phases = pl.DataFrame({"place": ["phases"], "period": [months(17)[-1]]})
    charted = spc(
        data, value="value", period="period", by="place", direction="increase", phases=phases
    )
    summaries = charted.summary().to_dicts()
    units = ["%"] * len(summaries)
    together = readings(summaries, charted.points, ["place"], "period", units)
    alone = [
        reading(row, charted.points.filter(pl.col("place") == row["place"]), "period", "%")
        for row in summaries
    ]
    assert together == alone
    by_place = dict(zip([row["place"] for row in summaries], together, strict=True))
    assert by_place["quarters"].endswith("in Q1 2024: special cause improvement.")
    assert by_place["missing latest"].startswith("No value for June 2024.")
    assert by_place["no values"] == "No values yet."
    assert "provisional" in by_place["phases"]
