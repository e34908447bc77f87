"""PHE's funnel significance: proportions against the inverted-Wilson limits around the average,
ratios by whether 1 is inside the unit's own interval, rates by whether the weighted average
is; the first label that applies, with strict inequalities."""

import polars as pl
import pytest

from qi.charts import funnel
from qi.charts.funnel_phe import inverted_wilson


def phe(data, statistic, **options):
    return funnel(
        data,
        numerator="o",
        denominator="n",
        unit="unit",
        method="phe",
        statistic=statistic,
        **options,
    )


PROPORTIONS = pl.DataFrame({"unit": list("ABCDE"), "o": [200, 260, 300, 340, 420], "n": [1000] * 5})


def test_a_proportion_beyond_the_inverted_wilson_limits_is_high_or_low():
    result = phe(PROPORTIONS, "proportion")
    assert result.comparisons["target"][0] == pytest.approx(0.304)
    labels = result.points["significance"].to_list()
    assert labels == [
        "Low (0.001)",
        "Low (0.025)",
        "Not significant",
        "High (0.025)",
        "High (0.001)",
    ]


def test_the_inverted_wilson_limit_is_where_the_wilson_bound_meets_the_average():
    from qi.charts.funnel_intervals import wilson

    n, average = pl.col("n"), pl.col("average")
    frame = pl.DataFrame({"n": [1000.0, 40.0], "average": [0.304, 0.1]})
    limits = frame.with_columns(
        inverted_wilson(0.975, n, average, "low").alias("lower"),
        inverted_wilson(0.975, n, average, "high").alias("upper"),
    )
    # A proportion at the lower limit has its 95% Wilson upper bound at the average, and one
    # at the upper limit its lower bound.
    bounds = limits.select(
        wilson(pl.col("lower") * n, n, 0.95)[1].alias("upper_bound"),
        wilson(pl.col("upper") * n, n, 0.95)[0].alias("lower_bound"),
    )
    assert bounds["upper_bound"].to_list() == pytest.approx([0.304, 0.1], rel=1e-12)
    assert bounds["lower_bound"].to_list() == pytest.approx([0.304, 0.1], rel=1e-12)


def test_a_ratio_is_significant_when_1_is_outside_its_own_interval():
    # 5 events where 12 were expected: the exact 95% upper limit is 11.67 / 12 < 1, the 99.8%
    # one 15.7 / 12 > 1. 160 where 120 were: Byar's 99.8% lower limit is 123.7 / 120 > 1.
    data = pl.DataFrame({"unit": list("ABC"), "o": [5, 100, 160], "n": [12.0, 100.0, 120.0]})
    assert phe(data, "ratio").points["significance"].to_list() == [
        "Low (0.025)",
        "Not significant",
        "High (0.001)",
    ]


def test_directly_standardised_rates_under_ten_events_are_not_applicable():
    data = pl.DataFrame(
        {"unit": list("ABC"), "o": [4, 50, 300], "n": [1e4, 1e4, 1e4], "rate": [40.0, 500, 3000]}
    )
    points = phe(data, "rate", rate="rate", rate_type="dsr", multiplier=1e5).points
    assert points["significance"][0] == "Not applicable for events less than 10 for dsrs"
    assert points["rate_chart"][0] is None or points["rate_chart"].is_nan()[0]
    assert points["significance"][1:].to_list() == ["Low (0.001)", "High (0.001)"]
