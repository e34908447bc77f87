"""Which limits flag an outlier: the over-dispersion adjusted ones when they are drawn, else the
unadjusted ones (FunnelPlotR 0.6.0's draw_adjusted and draw_unadjusted)."""

import polars as pl
import pytest

from qi.charts import funnel

# Over-dispersed: proportions 5% to 40% on large denominators (phi far above 1).
SPREAD = pl.DataFrame(
    {"unit": list("ABCDEFGH"), "o": [50, 120, 150, 260, 300, 330, 380, 400], "n": [1000] * 8}
)
# Not over-dispersed: every unit at the pooled proportion.
EVEN = pl.DataFrame(
    {"unit": list("ABCDEF"), "o": [20, 41, 60, 79, 100, 121], "n": [100, 200, 300, 400, 500, 600]}
)


def run(data, **options):
    return funnel(data, numerator="o", denominator="n", unit="unit", **options)


def test_with_over_dispersion_the_adjusted_limits_flag():
    result = run(SPREAD)
    row = result.comparisons.row(0, named=True)
    assert row["phi"] > 1 and row["tau2"] > 0
    assert (row["adjusted"], row["unadjusted"]) == (True, False)
    points = result.points
    assert points["lower_limit"].to_list() == points["od_lower_998"].to_list()
    assert row["outliers"] < run(SPREAD, adjusted=False).comparisons["outliers"][0]


def test_without_adjustment_phi_and_tau2_are_reported_as_zero_and_plain_limits_flag():
    result = run(SPREAD, adjusted=False, unadjusted=True)
    row = result.comparisons.row(0, named=True)
    assert (row["phi"], row["tau2"]) == (0.0, 0.0)
    assert (row["adjusted"], row["unadjusted"]) == (False, True)
    points = result.points
    assert points["upper_limit"].to_list() == points["upper_998"].to_list()
    # With tau² = 0 the "adjusted" columns are the plain limits.
    assert points["od_upper_998"].to_list() == points["upper_998"].to_list()


def test_no_over_dispersion_switches_to_the_unadjusted_limits():
    row = run(EVEN).comparisons.row(0, named=True)
    assert row["phi"] <= 1 and row["tau2"] == 0
    assert (row["adjusted"], row["unadjusted"]) == (False, True)


def test_asking_for_both_keeps_the_adjusted_limits_flagging_even_without_over_dispersion():
    row = run(EVEN, unadjusted=True).comparisons.row(0, named=True)
    assert (row["adjusted"], row["unadjusted"]) == (True, True)


def test_the_95_percent_limits_flag_more_than_the_99_8():
    assert (
        run(SPREAD, limit=95).comparisons["outliers"][0] >= run(SPREAD).comparisons["outliers"][0]
    )
    points = run(SPREAD, limit=95).points
    assert points["upper_limit"].to_list() == points["od_upper_95"].to_list()


def test_the_multiplier_scales_values_and_limits_alike():
    plain, percent = run(SPREAD).points, run(SPREAD, multiplier=100).points
    for column in ("value", "od_lower_998", "od_upper_95", "lower_95"):
        assert percent[column].to_list() == pytest.approx([100 * v for v in plain[column]])
    assert plain["outlier"].to_list() == percent["outlier"].to_list()
