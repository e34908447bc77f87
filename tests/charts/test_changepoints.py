"""Candidate change points: the first point of a sustained signal, proposed, never applied."""

import polars as pl

from qi.charts import spc
from qi.charts.changepoints import candidate_change_points

ZIGZAG = [9.0, 11.0] * 6


def chart(values, rules="mdc", phases=None, series=None):
    data = pl.DataFrame({"month": list(range(1, len(values) + 1)), "y": values})
    if series:
        data = data.with_columns(pl.lit(series).alias("place"))
    return spc(data, value="y", period="month", rules=rules, phases=phases).points


def test_a_shift_is_proposed_at_its_first_point():
    points = chart(ZIGZAG + [14.0] * 8)
    found = candidate_change_points(points)
    assert found.rows() == [(13, "shift", 1, 8)]


def test_a_trend_is_proposed_where_it_starts():
    points = chart(ZIGZAG + [8.0, 9, 10, 11, 12, 13, 14] + [11.0, 9])
    found = candidate_change_points(points).filter(pl.col("rule") == "trend")
    assert found.select("month", "side", "points").rows() == [(13, 1, 7)]


def test_common_cause_proposes_nothing():
    assert candidate_change_points(chart(ZIGZAG * 2)).height == 0


def test_a_signal_that_starts_a_phase_is_not_proposed_again():
    points = chart(ZIGZAG + [14.0, 15.0] * 4, phases=[13])
    assert candidate_change_points(points).filter(pl.col("month") == 13).height == 0


def test_anhoej_proposes_the_start_of_the_longest_run_only():
    # 8 and 14 alternate around the mean (13.1); the 14 at month 12 starts the run of 16s.
    values = [8.0, 14.0] * 6 + [16.0] * 10 + [8.0, 14.0]
    found = candidate_change_points(chart(values, rules="anhoej"))
    assert found.select("month", "rule", "points").rows() == [(12, "runs", 11)]


def test_each_series_gets_its_own_proposals():
    both = pl.concat(
        [
            pl.DataFrame({"place": "a", "month": range(1, 21), "y": ZIGZAG + [14.0] * 8}),
            pl.DataFrame({"place": "b", "month": range(1, 21), "y": ZIGZAG + ZIGZAG[:8]}),
        ]
    )
    points = spc(both, value="y", period="month", by="place").points
    found = candidate_change_points(points, "place")
    assert found.select("place", "month").rows() == [("a", 13)]
