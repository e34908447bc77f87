"""Special-cause rules, each on a series built by hand so the answer is plain to see.

The background is a steady zig-zag 9, 11, 9, 11 ... around 10 (moving ranges of 2), into which
one pattern is set. Where a test depends on where the limits fall, it says so and checks it.
"""

import polars as pl

from qi.charts import spc

ZIGZAG = [9.0, 11.0] * 6  # twelve points, mean 10, never two in a row on one side


def chart(values, rules="mdc", **options) -> pl.DataFrame:
    data = pl.DataFrame(
        {"month": list(range(1, len(values) + 1)), "y": values}, schema_overrides={"y": pl.Float64}
    )
    return spc(data, value="y", period="month", rules=rules, **options).points


def flagged(points: pl.DataFrame, rule: str) -> list[int]:
    """Positions (0-based) where the rule is true."""
    return [i for i, hit in enumerate(points[f"rule_{rule}"].to_list()) if hit is True]


def between(start: int, stop: int) -> list[int]:
    return list(range(start, stop))


# --- shift: 7 points on one side of the mean ------------------------------------------------

ABOVE_7 = [11.0, 10.5, 11.0, 10.5, 11.0, 10.5, 11.0]


def test_seven_points_above_the_mean_is_a_shift():
    points = chart([9, 11, 9, 11, 9, *ABOVE_7, 9, 11, 9, 11, 9])
    assert 10 < points["centre"][0] < 10.5
    assert flagged(points, "shift") == between(5, 12)
    assert points["signal"].to_list()[5:12] == ["shift"] * 7


def test_six_points_above_the_mean_is_not_a_shift():
    points = chart([9, 11, 9, 11, 9, *ABOVE_7[:6], 9, 11, 9, 11, 9])
    assert 10 < points["centre"][0] < 10.5
    assert flagged(points, "shift") == []
    assert points["signal"].is_null().all()


def test_seven_points_below_the_mean_is_a_shift_on_the_low_side():
    below = [20 - v for v in ABOVE_7]
    points = chart([11, 9, 11, 9, 11, *below, 11, 9, 11, 9, 11])
    assert flagged(points, "shift") == between(5, 12)
    assert points["signal_side"].to_list()[5:12] == [-1] * 7


def test_a_missing_value_breaks_a_shift():
    with_gap = [9, 11, 9, 11, 9, *ABOVE_7[:3], None, *ABOVE_7[3:], 9, 11, 9, 11, 9]
    unbroken = [9, 11, 9, 11, 9, *ABOVE_7[:3], 11.0, *ABOVE_7[3:], 9, 11, 9, 11, 9]
    assert flagged(chart(unbroken), "shift") == between(5, 13)
    points = chart(with_gap)
    # Seven points above the mean, but never seven in a row: no shift. (The flags around the
    # gap are unknown, as NHSRplotthedots reports them, but never true.)
    assert flagged(points, "shift") == []
    assert points["signal"].is_null().all()


def test_a_point_on_the_mean_breaks_a_shift():
    # Exactly 10 on a mean of exactly 10: zig-zag 9/11 then 3 above, one on, 3 above, and a
    # mirror image below so that the mean stays 10.
    high = [11.0, 10.5, 11.0, 10.0, 11.0, 10.5, 11.0]
    low = [9.0, 9.5, 9.0, 10.0, 9.0, 9.5, 9.0]
    points = chart([*ZIGZAG, *high, *ZIGZAG, *low])
    assert points["centre"][0] == 10.0
    assert flagged(points, "shift") == []


# --- trend: 7 points rising or falling ------------------------------------------------------

RISING_7 = [9.0, 9.5, 10.0, 10.5, 11.0, 11.5, 12.0]


def test_seven_strictly_rising_points_are_a_trend():
    points = chart([10, 12, 10, 12, 10, *RISING_7, 10, 12, 10, 12])
    assert flagged(points, "trend") == between(5, 12)


def test_six_rising_points_are_not_a_trend():
    points = chart([10, 12, 10, 12, 10, *RISING_7[:6], 10, 12, 10, 12])
    assert flagged(points, "trend") == []


def test_seven_strictly_falling_points_are_a_trend():
    falling = RISING_7[::-1]
    points = chart([10, 8, 10, 8, 10, *falling, 10, 8, 10, 8])
    assert flagged(points, "trend") == between(5, 12)
    assert points["signal_side"][8] == -1


def test_a_tie_breaks_a_trend():
    # Eight points that never fall, but a repeated 10 splits them into rises of 3 and 5.
    tied = [9.0, 9.5, 10.0, 10.0, 10.5, 11.0, 11.5, 12.0]
    points = chart([10, 12, 10, 12, 10, *tied, 10, 12, 10, 12])
    assert flagged(points, "trend") == []


# --- two of three beyond 2 sigma ------------------------------------------------------------


def test_two_of_three_beyond_two_sigma_on_one_side_flags_only_the_close_points():
    points = chart([*ZIGZAG, 15, 11, 15, *ZIGZAG])
    row = points.row(12, named=True)
    assert row["upper_2sigma"] < 15 < row["upper_limit"]
    assert row["centre"] < 11 < row["upper_2sigma"]
    assert flagged(points, "two_of_three") == [12, 14]


def test_two_of_three_needs_all_three_points_on_the_same_side_of_the_mean():
    points = chart([*ZIGZAG, 15, 9, 15, *ZIGZAG])
    row = points.row(12, named=True)
    assert row["upper_2sigma"] < 15 < row["upper_limit"]
    assert row["centre"] > 9
    assert flagged(points, "two_of_three") == []


def test_one_point_beyond_two_sigma_is_not_two_of_three():
    points = chart([*ZIGZAG, 15, 11, 11, *ZIGZAG])
    assert points["upper_2sigma"][0] < 15 < points["upper_limit"][0]
    assert flagged(points, "two_of_three") == []


def test_mdc2023_counts_a_point_beyond_the_limits_towards_two_of_three_and_mdc_does_not():
    # 20 is beyond the upper limit, 16.5 beyond the 2-sigma line: one close point under the
    # original rule, two under the November 2023 revision.
    values = [*ZIGZAG, 20, 11, 16.5, *ZIGZAG]
    original = chart(values, rules="mdc")
    revised = chart(values, rules="mdc2023")
    row = original.row(12, named=True)
    assert row["upper_2sigma"] < 16.5 < row["upper_limit"] < 20
    assert flagged(original, "two_of_three") == []
    assert flagged(revised, "two_of_three") == [12, 14]
    assert original["signal"][14] is None
    assert revised["signal"][14] == "two_of_three"
    assert revised["signal"][12] == "outside"  # the outside rule still wins its own point


# --- precedence: outside > trend > two_of_three > shift -------------------------------------


def test_a_point_outside_the_limits_is_labelled_outside_even_inside_a_shift():
    points = chart([*ZIGZAG, *ABOVE_7[:6], 20, *ZIGZAG])
    assert flagged(points, "shift") == between(11, 19)
    assert flagged(points, "outside") == [18]
    assert points["signal"][18] == "outside"
    assert points["signal"][17] == "shift"


def test_a_trend_beats_a_shift():
    rising_above = [11.0, 11.5, 12.0, 12.5, 13.0, 13.5, 14.0]
    points = chart([*ZIGZAG[:10], *rising_above, *ZIGZAG[:10]])
    assert set(flagged(points, "trend")) <= set(flagged(points, "shift"))
    assert flagged(points, "trend") == between(10, 17)
    assert flagged(points, "outside") == flagged(points, "two_of_three") == []
    assert points["signal"].to_list()[10:17] == ["trend"] * 7
    assert points["signal"][9] == "shift"  # the 11 before the trend starts the shift


def test_two_of_three_beats_a_shift():
    points = chart([*ZIGZAG, 11, 10.5, 15, 11, 15, 10.5, 11, *ZIGZAG])
    assert flagged(points, "shift") == between(11, 19)
    assert flagged(points, "two_of_three") == [14, 16]
    assert points["signal"].to_list()[13:18] == [
        "shift",
        "two_of_three",
        "shift",
        "two_of_three",
        "shift",
    ]


def test_the_mdc_rule_set_lists_its_rules_in_order_of_precedence():
    from qi.charts import RULE_SETS

    assert RULE_SETS["mdc"].rules == ("outside", "trend", "two_of_three", "shift")


def test_a_trend_beats_two_of_three():
    # A rise ending in two points beyond 2 sigma: both rules fire there, the trend wins.
    rising = [10.0, 10.5, 11.0, 11.5, 12.0, 14.5, 14.8]
    points = chart([*ZIGZAG, *ZIGZAG, *rising, *ZIGZAG, *ZIGZAG])
    row = points.row(0, named=True)
    assert row["upper_2sigma"] < 14.5 < 14.8 < row["upper_limit"]
    assert flagged(points, "trend") == between(24, 31)
    assert flagged(points, "two_of_three") == [29, 30]
    assert points["signal"].to_list()[24:31] == ["trend"] * 7


# --- other rule sets ------------------------------------------------------------------------


def test_western_electric_four_of_five_beyond_one_sigma_flags_the_four():
    background = [9.0, 11.0] * 8
    points = chart([*background, 12.5, 12.5, 10, 12.5, 12.5, *background], "western_electric")
    row = points.row(16, named=True)
    assert row["upper_1sigma"] < 12.5 < row["upper_2sigma"]
    assert row["lower_1sigma"] < 10 < row["upper_1sigma"]
    assert flagged(points, "four_of_five") == [16, 17, 19, 20]


def test_western_electric_three_of_five_beyond_one_sigma_is_not_a_signal():
    background = [9.0, 11.0] * 8
    points = chart([*background, 12.5, 12.5, 10, 12.5, 10, *background], "western_electric")
    assert points["upper_1sigma"][0] < 12.5
    assert flagged(points, "four_of_five") == []
    assert points["signal"].is_null().all()


def test_nelson_fourteen_points_alternating_up_and_down():
    # 10, 10 (a level step), then 9 11 9 ... 9: the second 10 and the next 13 points alternate.
    values = [10, 10, *[9, 11] * 6, 9, 9, 9]
    points = chart(values, "nelson")
    assert flagged(points, "alternating") == between(1, 15)


def test_nelson_thirteen_points_alternating_are_not_a_signal():
    values = [10, 10, *[9, 11] * 6, 11, 11]
    points = chart(values, "nelson")
    assert flagged(points, "alternating") == []


def test_anhoej_has_no_trend_or_shift_rule():
    points = chart([10, 12, 10, 12, 10, *RISING_7, 10, 12, 10, 12], "anhoej")
    rules = [c for c in points.columns if c.startswith("rule_") and c != "rule_set"]
    assert rules == ["rule_outside", "rule_runs"]


# --- labels: the summary names the last point's signal in Making Data Count's words --------


def last_label(values, rules="mdc") -> str | None:
    data = pl.DataFrame({"month": list(range(1, len(values) + 1)), "y": [float(v) for v in values]})
    return spc(data, value="y", period="month", rules=rules).summary()["signal_label"][0]


def test_labels_name_the_rule_and_the_side_of_the_last_points_signal():
    assert last_label([9, 11, 9, 11, 9, *ABOVE_7]) == "7 Points Above CL"
    assert last_label([11, 9, 11, 9, 11, *[20 - v for v in ABOVE_7]]) == "7 Points Below CL"
    assert last_label([10, 12, 10, 12, 10, *RISING_7]) == "7 Point Trend (Increasing)"
    assert last_label([10, 8, 10, 8, 10, *RISING_7[::-1]]) == "7 Point Trend (Decreasing)"
    assert last_label([*ZIGZAG, *ZIGZAG, 15, 11, 15]) == "2 in 3 Above CL"
    assert last_label([*ZIGZAG, 40]) == "Above UCL"
    assert last_label([*ZIGZAG, -20]) == "Below LCL"
    assert last_label([*ZIGZAG, 11]) is None


def test_labels_follow_the_rule_set():
    background = [9.0, 11.0] * 8
    assert last_label([*background, *[9.5, 9.0] * 4], "western_electric") == "8 Points Below CL"
    assert (
        last_label([*background, 12.5, 12.5, 10, 12.5, 12.5], "western_electric")
        == "4 in 5 Above 1 Sigma"
    )
