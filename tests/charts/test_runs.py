"""Anhoej runs analysis: useful points, the longest run, crossings, and their limits.

A run chart's centre is the median; the limits are round(log2 n) + 3 for the longest run and
the 5% quantile of Binomial(n - 1, 0.5) for crossings, n the useful points (Anhoej and
Olesen 2014, as qicharts2 0.8.1 computes them; see qi/charts/runs.py).
"""

import polars as pl
import pytest
from scipy.stats import binom

from qi.charts import spc
from qi.charts.runs import binomial_quantile


def run_chart(values, **options) -> pl.DataFrame:
    data = pl.DataFrame(
        {"month": list(range(1, len(values) + 1)), "y": values}, schema_overrides={"y": pl.Float64}
    )
    return spc(data, value="y", period="month", chart="run", rules="anhoej", **options).points


def runs(points: pl.DataFrame) -> dict:
    columns = ["n_useful", "longest_run", "longest_run_max", "crossings", "crossings_min"]
    return {c: points[c][0] for c in [*columns, "runs_signal"]}


def test_longest_run_and_crossings_of_a_hand_made_series():
    # Median 5: sides - - + + - + + + - -, five runs (longest 3), so four crossings.
    points = run_chart([1, 2, 8, 9, 3, 7, 8, 9, 2, 1])
    assert points["centre"][0] == 5.0
    assert points["relative_to_centre"].to_list() == [-1, -1, 1, 1, -1, 1, 1, 1, -1, -1]
    assert runs(points) == {
        "n_useful": 10,
        "longest_run": 3,
        "longest_run_max": 6,
        "crossings": 4,
        "crossings_min": 2,
        "runs_signal": False,
    }


def test_a_run_longer_than_its_limit_is_a_runs_signal():
    # Median 5 (the five 5s are not useful): + then seven - then + +: ten useful points,
    # two crossings (enough), but a longest run of 7 > 6.
    points = run_chart([9, 1, 1, 1, 1, 1, 1, 1, 9, 9, 5, 5, 5, 5, 5])
    assert points["centre"][0] == 5.0
    assert runs(points) == {
        "n_useful": 10,
        "longest_run": 7,
        "longest_run_max": 6,
        "crossings": 2,
        "crossings_min": 2,
        "runs_signal": True,
    }
    # The signal marks every useful point of the phase, not the points on the centre line.
    assert points["rule_runs"].to_list() == [True] * 10 + [False] * 5
    assert points["signal"].to_list()[:10] == ["runs"] * 10


def test_a_run_as_long_as_its_limit_is_not_a_signal():
    # As above with the last 1 moved to the end of the useful points: runs of 1, 6, 2, 1.
    points = run_chart([9, 1, 1, 1, 1, 1, 1, 9, 9, 1, 5, 5, 5, 5, 5])
    assert runs(points) == {
        "n_useful": 10,
        "longest_run": 6,
        "longest_run_max": 6,
        "crossings": 3,
        "crossings_min": 2,
        "runs_signal": False,
    }


def test_too_few_crossings_is_a_runs_signal():
    # Twenty points, five below and five above in turn: 3 crossings, fewer than 6;
    # the longest run (5) is within its limit of 7.
    points = run_chart([1, 2, 1, 2, 1, 9, 8, 9, 8, 9] * 2)
    assert runs(points) == {
        "n_useful": 20,
        "longest_run": 5,
        "longest_run_max": 7,
        "crossings": 3,
        "crossings_min": 6,
        "runs_signal": True,
    }


@pytest.mark.parametrize(
    ("n", "longest_run_max", "crossings_min"),
    [(10, 6, 2), (12, 7, 3), (20, 7, 6), (24, 8, 8), (30, 8, 10), (36, 8, 13), (60, 9, 23)],
)
def test_runs_limits_for_n_useful_points(n, longest_run_max, crossings_min):
    # Values 0..n-1 (n even): the median falls between two values, so every point is useful.
    points = run_chart(list(range(n)))
    assert points["n_useful"][0] == n
    assert points["longest_run_max"][0] == longest_run_max
    assert points["crossings_min"][0] == crossings_min


def test_points_on_the_centre_line_are_not_useful():
    # Median 5; the three 5s neither extend nor break a run: - + - + is what remains.
    points = run_chart([1, 5, 9, 5, 1, 5, 9])
    assert points["centre"][0] == 5.0
    assert points["n_useful"][0] == 4
    assert points["crossings"][0] == 3
    assert points["longest_run"][0] == 1


def test_missing_points_are_not_useful_and_runs_step_over_them():
    # The gap sits inside a run of three below the median; the run is not broken by it.
    points = run_chart([9, 8, 1, 2, None, 1, 9, 8, 9, 1, 2])
    assert points["centre"][0] == 5.0  # median of the ten values
    assert points["n_useful"][0] == 10
    assert points["longest_run"][0] == 3
    assert points["crossings"][0] == 3


def test_excluded_points_are_not_useful():
    # Excluding the 20 leaves the hand-made series above: median 5, - - + + - + + + - -.
    # Without the exclusion the median would be 7.
    points = run_chart([1, 2, 8, 9, 3, 20, 7, 8, 9, 2, 1], exclude=[6])
    assert points["centre"][0] == 5.0
    assert points["n_useful"][0] == 10
    assert points["longest_run"][0] == 3
    assert points["crossings"][0] == 4
    assert points["rule_runs"][5] is False


def test_runs_are_counted_per_phase():
    points = run_chart(
        [1, 2, 8, 9, 3, 7, 8, 9, 2, 1] + [1, 2, 1, 2, 1, 9, 8, 9, 8, 9] * 2, phases=[11]
    )
    first, second = points.filter(pl.col("phase") == 1), points.filter(pl.col("phase") == 2)
    assert runs(first)["crossings"] == 4 and runs(first)["runs_signal"] is False
    assert runs(second)["crossings"] == 3 and runs(second)["runs_signal"] is True


@pytest.mark.parametrize("n", range(1, 201))
def test_binomial_quantile_matches_scipy(n):
    size = n - 1
    for p in (0.025, 0.05, 0.975):
        assert binomial_quantile(size, p) == int(binom.ppf(p, size, 0.5)), (size, p)
