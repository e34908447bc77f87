"""Phases and gaps: a phase start recalculates limits and runs; a missing period is a gap.

Charting a series in two phases must give, phase by phase, what charting each half alone
gives: limits, rules and runs all restart at the phase start.
"""

from datetime import date

import polars as pl
import pytest

from qi.charts import spc

FIRST = [9.0, 11.0, 10.0, 12.0, 9.0, 11.0, 10.0, 8.0, 11.0, 10.0, 9.0, 12.0]
SECOND = [20.0, 24.0, 22.0, 21.0, 25.0, 23.0, 22.0, 20.0, 24.0, 23.0, 21.0, 22.0]
JUDGED = [
    "centre",
    "lower_limit",
    "upper_limit",
    "upper_2sigma",
    "relative_to_centre",
    "signal",
    "n_useful",
    "longest_run",
    "crossings",
    "runs_signal",
]


def frame(values, first_month=1, **columns) -> pl.DataFrame:
    months = list(range(first_month, first_month + len(values)))
    return pl.DataFrame({"month": months, "y": values, **columns})


@pytest.mark.parametrize("rules", ["mdc", "anhoej"])
def test_a_phase_start_recalculates_the_limits_from_that_period(rules):
    both = spc(frame(FIRST + SECOND), value="y", period="month", phases=[13], rules=rules).points
    first = spc(frame(FIRST), value="y", period="month", rules=rules).points
    second = spc(frame(SECOND, first_month=13), value="y", period="month", rules=rules).points
    assert both["phase"].to_list() == [1] * 12 + [2] * 12
    judged = JUDGED + [c for c in both.columns if c.startswith("rule_") and c != "rule_set"]
    assert len(judged) > len(JUDGED) + 1
    assert both.select(judged).equals(pl.concat([first, second]).select(judged))


def test_without_the_phase_the_step_is_a_signal():
    single = spc(frame(FIRST + SECOND), value="y", period="month").points
    assert single["centre"].n_unique() == 1
    assert single["signal"].is_not_null().all()


def test_a_phase_start_on_the_first_period_splits_nothing():
    data = frame(FIRST + SECOND)
    plain = spc(data, value="y", period="month").points
    phased = spc(data, value="y", period="month", phases=[1]).points
    assert phased["phase"].to_list() == [1] * 24
    assert phased.equals(plain)


def test_a_phase_start_that_is_not_a_period_of_the_series_does_nothing():
    data = frame(FIRST + SECOND)
    assert spc(data, value="y", period="month", phases=[99]).points.equals(
        spc(data, value="y", period="month").points
    )


def test_phases_given_as_a_frame_apply_only_to_their_series():
    data = pl.concat(
        [
            frame(FIRST + SECOND, place=["A"] * 24),
            frame(FIRST + SECOND, place=["B"] * 24),
        ]
    )
    starts = pl.DataFrame({"place": ["A"], "month": [13]})
    charted = spc(data, value="y", period="month", by="place", phases=starts)
    points = charted.points
    a, b = (points.filter(pl.col("place") == p) for p in ("A", "B"))
    assert a["phase"].to_list() == [1] * 12 + [2] * 12
    assert b["phase"].to_list() == [1] * 24
    assert a["centre"].n_unique() == 2
    assert b["centre"].n_unique() == 1
    assert charted.summary()["phases"].to_list() == [2, 1]


def test_a_short_phase_is_marked():
    points = spc(frame(FIRST + SECOND), value="y", period="month", phases=[13]).points
    assert points["short_phase"].all()  # 12 points each, fewer than 13
    longer = spc(frame(FIRST + SECOND), value="y", period="month", phases=[12]).points
    assert longer["short_phase"].to_list() == [True] * 11 + [False] * 13


def test_phases_from_a_column_survive_a_row_without_a_period():
    data = pl.DataFrame(
        {
            "month": [*range(1, 25), None],
            "y": [*FIRST, *SECOND, 5.0],
            "new_phase": [False] * 12 + [True] + [False] * 12,
        }
    )
    points = spc(data, value="y", period="month", phases="new_phase").points
    assert points["phase"].to_list() == [1] * 12 + [2] * 12


def test_phases_from_a_boolean_column():
    data = frame(FIRST + SECOND, new_phase=[False] * 12 + [True] + [False] * 11)
    points = spc(data, value="y", period="month", phases="new_phase").points
    assert points["phase"].to_list() == [1] * 12 + [2] * 12


# --- gaps ----------------------------------------------------------------------------------


def months(*pairs) -> list[date]:
    return [date(y, m, 1) for y, m in pairs]


def test_a_missing_month_sets_gap_before_on_the_next_point():
    periods = months((2024, 1), (2024, 2), (2024, 3), (2024, 5), (2024, 6), (2024, 7))
    data = pl.DataFrame({"month": periods, "y": [9.0, 11, 10, 12, 9, 11]})
    charted = spc(data, value="y", period="month")
    assert charted.points["gap_before"].to_list() == [False, False, False, True, False, False]
    assert charted.summary()["gaps"][0] == 1


def test_consecutive_months_across_a_year_end_are_not_a_gap():
    periods = months((2023, 11), (2023, 12), (2024, 1), (2024, 2))
    data = pl.DataFrame({"month": periods, "y": [9.0, 11, 10, 12]})
    charted = spc(data, value="y", period="month")
    assert not charted.points["gap_before"].any()
    assert charted.summary()["gaps"][0] == 0


def test_gaps_are_counted_per_series():
    a = months((2024, 1), (2024, 2), (2024, 4), (2024, 5), (2024, 7))
    b = months((2024, 1), (2024, 2), (2024, 3), (2024, 4), (2024, 5))
    data = pl.DataFrame(
        {"place": ["A"] * 5 + ["B"] * 5, "month": a + b, "y": [9.0, 11, 10, 12, 9] * 2}
    )
    assert spc(data, value="y", period="month", by="place").summary()["gaps"].to_list() == [2, 0]


def test_month_end_dates_are_read_as_months():
    # 31 Jan -> 29 Feb is 29 days, 31 Jan -> 1 Mar only 30: only the month number tells
    # whether a month is missing.
    periods = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 4, 1), date(2024, 5, 31)]
    data = pl.DataFrame({"month": periods, "y": [9.0, 11, 10, 12]})
    points = spc(data, value="y", period="month").points
    assert points["gap_before"].to_list() == [False, False, True, False]


def test_a_missing_quarter_and_a_missing_week_are_gaps():
    quarters = [date(2023, 10, 1), date(2024, 1, 1), date(2024, 7, 1), date(2024, 10, 1)]
    data = pl.DataFrame({"quarter": quarters, "y": [9.0, 11, 10, 12]})
    points = spc(data, value="y", period="quarter").points
    assert points["gap_before"].to_list() == [False, False, True, False]
    weeks = [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 22), date(2024, 1, 29)]
    data = pl.DataFrame({"week": weeks, "y": [9.0, 11, 10, 12]})
    points = spc(data, value="y", period="week").points
    assert points["gap_before"].to_list() == [False, False, True, False]


def test_a_missing_value_is_not_a_gap():
    # The month is there, its value is not: a missing point, not a missing period.
    periods = months((2024, 1), (2024, 2), (2024, 3), (2024, 4))
    data = pl.DataFrame({"month": periods, "y": [9.0, None, 10, 12]})
    points = spc(data, value="y", period="month").points
    assert not points["gap_before"].any()
    assert points["value"][1] is None
