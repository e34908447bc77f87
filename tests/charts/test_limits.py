"""Centre lines and process limits, worked out by hand for small series.

The XmR formulas are those of the references (see qi/charts/limits.py): Making Data Count
(NHSRplotthedots 0.2.2) uses mean +/- 2.66 x AMR; qicharts2 0.8.1 (rule set ``anhoej``) uses
mean +/- 3 x AMR / 1.128. Moving ranges at or above 3.267 x AMR are screened out once before
the AMR is recomputed.
"""

import math

import polars as pl
import pytest

from qi.charts import spc

# Moving ranges 2 1 2 1 1 1 2 2 1: AMR = 13/9, mean 118/10; no range reaches 3.267 x AMR.
SERIES = [10.0, 12, 11, 13, 12, 11, 10, 12, 14, 13]
MEAN = 11.8
AMR = 13 / 9


def xmr(values, **options) -> pl.DataFrame:
    data = pl.DataFrame({"month": list(range(1, len(values) + 1)), "y": values})
    return spc(data, value="y", period="month", **options).points


def limits(points: pl.DataFrame, row: int = 0) -> tuple[float, float, float]:
    r = points.row(row, named=True)
    return r["lower_limit"], r["centre"], r["upper_limit"]


def test_mdc_xmr_limits_are_the_mean_plus_or_minus_2_66_average_moving_ranges():
    points = xmr(SERIES, rules="mdc")
    assert limits(points) == pytest.approx((MEAN - 2.66 * AMR, MEAN, MEAN + 2.66 * AMR))


def test_mdc_two_sigma_lines_are_two_thirds_of_the_way_to_the_limits():
    row = xmr(SERIES, rules="mdc").row(0, named=True)
    assert row["upper_2sigma"] == pytest.approx(MEAN + 2 / 3 * 2.66 * AMR)
    assert row["lower_1sigma"] == pytest.approx(MEAN - 1 / 3 * 2.66 * AMR)


def test_anhoej_xmr_limits_are_the_mean_plus_or_minus_three_sigma_from_d2():
    sigma = AMR / 1.128
    points = xmr(SERIES, rules="anhoej")
    assert limits(points) == pytest.approx((MEAN - 3 * sigma, MEAN, MEAN + 3 * sigma))
    assert points["upper_2sigma"][0] == pytest.approx(MEAN + 2 * sigma)


def test_the_two_conventions_differ_by_the_rounding_of_3_over_d2():
    mdc = xmr(SERIES, rules="mdc")["upper_limit"][0]
    sigma = xmr(SERIES, rules="anhoej")["upper_limit"][0]
    assert mdc - sigma == pytest.approx((2.66 - 3 / 1.128) * AMR)
    assert mdc != sigma


def test_limits_are_the_same_on_every_point_of_a_phase():
    points = xmr(SERIES)
    assert points["upper_limit"].n_unique() == 1
    assert points["centre"].n_unique() == 1


# A spike at month 6: moving ranges 1 1 1 1 30 30 1 1 1, AMR 67/9 = 7.4; 3.267 x 7.4 = 24.3
# screens out both 30s, leaving AMR = 1. The mean keeps the spike: 134 / 10.
SPIKE = [10.0, 11, 10, 11, 10, 40, 10, 11, 10, 11]


def test_screening_drops_the_moving_ranges_of_a_spike():
    points = xmr(SPIKE, screen=True)
    assert limits(points) == pytest.approx((13.4 - 2.66, 13.4, 13.4 + 2.66))


def test_without_screening_a_spike_widens_the_limits():
    points = xmr(SPIKE, screen=False)
    amr = 67 / 9
    assert limits(points) == pytest.approx((13.4 - 2.66 * amr, 13.4, 13.4 + 2.66 * amr))


def test_screening_keeps_the_spike_itself_above_the_upper_limit():
    screened = xmr(SPIKE, screen=True).row(5, named=True)
    unscreened = xmr(SPIKE, screen=False).row(5, named=True)
    assert screened["rule_outside"] and screened["signal_side"] == 1
    # Without screening the spike's own moving ranges widen the limit to 13.4 + 2.66 x 67/9
    # = 33.2, still below 40; with screening it is 16.06.
    assert screened["upper_limit"] < unscreened["upper_limit"] < 40


def test_a_constant_series_with_screening_has_no_limits():
    # AMR = 0 and no range is below 3.267 x 0, so nothing is left to average.
    points = xmr([5.0] * 12, screen=True)
    assert points["centre"].to_list() == [5.0] * 12
    assert points["upper_limit"].is_null().all()
    assert points["lower_limit"].is_null().all()


def test_a_constant_series_without_screening_has_limits_equal_to_the_mean():
    points = xmr([5.0] * 12, screen=False)
    assert limits(points) == (5.0, 5.0, 5.0)


def test_p_chart_limits_vary_with_the_denominator_and_clip_to_zero_and_one():
    # centre 20/40 = 0.5; 3 sigma = 3 sqrt(0.25 / n): 1.06 for n = 2, 0.335 for 20, 0.375 for 16.
    data = pl.DataFrame({"month": [1, 2, 3, 4], "y": [1, 1, 10, 8], "n": [2, 2, 20, 16]})
    points = spc(data, value="y", denominator="n", period="month", chart="p").points
    assert points["value"].to_list() == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert points["centre"].to_list() == pytest.approx([0.5] * 4)
    assert points["lower_limit"].to_list() == pytest.approx(
        [0.0, 0.0, 0.5 - 3 * math.sqrt(0.25 / 20), 0.5 - 3 * math.sqrt(0.25 / 16)]
    )
    assert points["upper_limit"].to_list() == pytest.approx(
        [1.0, 1.0, 0.5 + 3 * math.sqrt(0.25 / 20), 0.5 + 3 * math.sqrt(0.25 / 16)]
    )


def test_u_chart_lower_limit_is_clipped_at_zero():
    # centre 6/30 = 0.2; 3 sigma = 3 sqrt(0.2 / 10) = 0.424 > 0.2
    data = pl.DataFrame({"month": [1, 2, 3], "y": [1, 2, 3], "n": [10, 10, 10]})
    points = spc(data, value="y", denominator="n", period="month", chart="u").points
    assert points["centre"][0] == pytest.approx(0.2)
    assert points["lower_limit"].to_list() == [0.0, 0.0, 0.0]
    assert points["upper_limit"][0] == pytest.approx(0.2 + 3 * math.sqrt(0.02))


def test_c_chart_limits_are_the_mean_plus_or_minus_three_root_mean():
    # mean 20/5 = 4, root 2: limits -2 (clipped to 0) and 10; 1 sigma 2 and 6.
    points = xmr([4.0, 9, 2, 1, 4], chart="c")
    assert limits(points) == pytest.approx((0.0, 4.0, 10.0))
    row = points.row(0, named=True)
    assert (row["lower_1sigma"], row["upper_1sigma"]) == pytest.approx((2.0, 6.0))
    assert (row["lower_2sigma"], row["upper_2sigma"]) == pytest.approx((0.0, 8.0))


def test_the_multiplier_scales_value_centre_and_limits():
    data = pl.DataFrame({"month": [1, 2, 3, 4], "y": [1, 1, 10, 8], "n": [2, 2, 20, 16]})
    plain = spc(data, value="y", denominator="n", period="month", chart="p").points
    percent = spc(
        data, value="y", denominator="n", period="month", chart="p", multiplier=100
    ).points
    for column in ("value", "centre", "lower_limit", "upper_limit", "upper_2sigma"):
        assert percent[column].to_list() == pytest.approx(
            [v * 100 for v in plain[column].to_list()]
        ), column
    assert percent["upper_limit"][0] == pytest.approx(100.0)


def test_the_multiplier_does_not_change_which_points_signal():
    plain = xmr(SPIKE)
    scaled = xmr(SPIKE, multiplier=1000)
    assert scaled["signal"].to_list() == plain["signal"].to_list()
    assert scaled["value"][5] == pytest.approx(40_000)


def test_a_baseline_freezes_the_limits_on_the_first_points():
    # The first six points alone give the limits; the climb afterwards does not move them.
    values = [10.0, 12, 11, 13, 12, 11, 30, 35, 40, 45]
    frozen = xmr(values, baseline=6)
    first_six = xmr(values[:6])
    assert frozen["centre"].to_list() == pytest.approx([first_six["centre"][0]] * 10)
    assert frozen["upper_limit"].to_list() == pytest.approx([first_six["upper_limit"][0]] * 10)
    assert frozen["baseline"].to_list() == [True] * 6 + [False] * 4
    assert frozen["rule_outside"].to_list()[6:] == [True] * 4


def test_an_excluded_point_does_not_move_the_limits_but_is_still_returned():
    # Excluding the spike gives the limits of the series without it (moving ranges bridge it).
    data = pl.DataFrame({"month": list(range(1, 11)), "y": SPIKE})
    excluded = spc(data, value="y", period="month", exclude=[6]).points
    without = spc(data.filter(pl.col("month") != 6), value="y", period="month").points
    assert excluded.height == 10
    assert excluded["excluded"].to_list() == [False] * 5 + [True] + [False] * 4
    assert excluded["value"][5] == 40.0
    assert limits(excluded) == pytest.approx(limits(without))
    assert excluded["centre"][0] == pytest.approx(94 / 9)


def test_an_excluded_point_is_still_judged_against_the_limits():
    data = pl.DataFrame({"month": list(range(1, 11)), "y": SPIKE})
    excluded = spc(data, value="y", period="month", exclude=[6]).points
    assert excluded["rule_outside"][5] is True


def test_a_known_centre_replaces_the_mean_and_the_limits_move_with_it():
    points = xmr(SERIES, centre=12.0)
    assert limits(points) == pytest.approx((12 - 2.66 * AMR, 12.0, 12 + 2.66 * AMR))


def test_a_known_centre_can_come_from_a_column():
    data = pl.DataFrame({"month": list(range(1, 11)), "y": SERIES, "known": [12.0] * 10})
    points = spc(data, value="y", period="month", centre="known").points
    assert points["centre"].to_list() == [12.0] * 10


def test_an_excluded_point_outside_the_limits_is_flagged_but_not_judged():
    values = [10.0, 12.0] * 6 + [40.0] + [10.0, 12.0] * 3
    data = pl.DataFrame({"month": list(range(1, len(values) + 1)), "y": values})
    points = spc(data, value="y", period="month", exclude=[13], direction="increase").points
    excluded = points.filter(pl.col("month") == 13).row(0, named=True)
    assert excluded["rule_outside"] is True
    assert excluded["signal"] is None
    assert excluded["point_type"] == "common_cause"
