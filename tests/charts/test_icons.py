"""Point types and the Making Data Count variation and assurance icons.

The series is a zig-zag 9, 11, 9, 11 ... (mean 10, moving ranges 2, so MDC limits
10 +/- 5.32) with a spike set into it where a test needs a special cause.
"""

import polars as pl
import pytest

from qi.charts import spc

ZIGZAG = [9.0, 11.0] * 6


def chart(values, **options) -> pl.DataFrame:
    data = pl.DataFrame(
        {"month": list(range(1, len(values) + 1)), "y": values}, schema_overrides={"y": pl.Float64}
    )
    return spc(data, value="y", period="month", **options).points


def icons(values, **options) -> dict:
    data = pl.DataFrame(
        {"month": list(range(1, len(values) + 1)), "y": values}, schema_overrides={"y": pl.Float64}
    )
    return spc(data, value="y", period="month", **options).summary().row(0, named=True)


@pytest.mark.parametrize(
    ("direction", "high", "low"),
    [
        ("increase", "special_cause_improvement", "special_cause_concern"),
        ("decrease", "special_cause_concern", "special_cause_improvement"),
        ("neutral", "special_cause_neutral_high", "special_cause_neutral_low"),
    ],
)
def test_point_type_follows_the_side_of_the_signal_and_the_direction(direction, high, low):
    points = chart([*ZIGZAG, 40.0, *ZIGZAG, -20.0, *ZIGZAG], direction=direction)
    assert points["signal"][12] == points["signal"][25] == "outside"
    assert points["point_type"][12] == high
    assert points["point_type"][25] == low
    assert points["point_type"][0] == "common_cause"


def test_direction_changes_labels_but_never_detection():
    up = chart([*ZIGZAG, 40.0, *ZIGZAG], direction="increase")
    down = chart([*ZIGZAG, 40.0, *ZIGZAG], direction="decrease")
    assert up["signal"].to_list() == down["signal"].to_list()
    assert up["point_type"].to_list() != down["point_type"].to_list()


def test_direction_can_come_from_a_column_per_row():
    values = [*ZIGZAG, 40.0]
    data = pl.DataFrame(
        {"month": list(range(1, 14)), "y": values, "better": ["decrease"] * 13},
        schema_overrides={"y": pl.Float64},
    )
    points = spc(data, value="y", period="month", direction="better").points
    assert points["point_type"][12] == "special_cause_concern"
    assert points["direction"][12] == "decrease"


@pytest.mark.parametrize(
    ("last", "direction", "icon"),
    [
        (40.0, "increase", "improvement_high"),
        (40.0, "decrease", "concern_high"),
        (40.0, "neutral", "neutral_high"),
        (-20.0, "increase", "concern_low"),
        (-20.0, "decrease", "improvement_low"),
        (-20.0, "neutral", "neutral_low"),
        (11.0, "increase", "common_cause"),
    ],
)
def test_variation_icon_is_the_last_points_type_high_or_low(last, direction, icon):
    assert icons([*ZIGZAG, last], direction=direction)["variation_icon"] == icon


def test_variation_icon_ignores_a_special_cause_before_the_last_point():
    # 40 and -20 balance, so the mean stays 10 and the zig-zag after them is common cause.
    summary = icons([*ZIGZAG, 40.0, -20.0, *ZIGZAG], direction="increase")
    assert summary["signals"] == 2
    assert summary["variation_icon"] == "common_cause"


def test_a_low_shift_has_a_low_icon():
    below = [9.5, 9.0, 9.5, 9.0, 9.5, 9.0, 9.5]
    summary = icons([*ZIGZAG, *ZIGZAG, *below], direction="increase")
    assert summary["point_type"] == "special_cause_concern"
    assert summary["variation_icon"] == "concern_low"


# Limits of the zig-zag: 10 - 5.32 = 4.68 and 10 + 5.32 = 15.32.


def test_the_zigzag_limits_are_as_the_assurance_tests_assume():
    summary = icons(ZIGZAG)
    assert summary["latest_lower_limit"] == pytest.approx(10 - 2.66 * 2)
    assert summary["latest_upper_limit"] == pytest.approx(10 + 2.66 * 2)


@pytest.mark.parametrize(
    ("direction", "target", "assurance"),
    [
        ("increase", 20.0, "consistent_fail"),  # higher is better, the target above the process
        ("increase", 2.0, "consistent_pass"),  # the process always beats the target
        ("increase", 10.0, "inconsistent"),  # hit and miss
        ("decrease", 20.0, "consistent_pass"),
        ("decrease", 2.0, "consistent_fail"),
        ("decrease", 10.0, "inconsistent"),
        ("increase", 15.0, "inconsistent"),  # just inside the upper limit
    ],
)
def test_assurance_compares_the_target_with_the_process_limits(direction, target, assurance):
    assert icons(ZIGZAG, direction=direction, target=target)["assurance_icon"] == assurance


def test_no_assurance_without_a_target():
    assert icons(ZIGZAG, direction="increase")["assurance_icon"] is None


def test_no_assurance_with_a_neutral_direction():
    assert icons(ZIGZAG, direction="neutral", target=20.0)["assurance_icon"] is None


def test_assurance_is_inconsistent_when_the_limits_are_missing():
    # A constant series with screening has no limits, so nothing is assured.
    summary = icons([5.0] * 12, direction="increase", target=20.0)
    assert summary["latest_upper_limit"] is None
    assert summary["assurance_icon"] == "inconsistent"


def test_assurance_uses_the_last_phase_limits():
    # The first phase sits around 10, the second around 30: a target of 20 is above the first
    # phase's upper limit but below the last phase's lower limit (24.68), so it passes.
    values = [*ZIGZAG, *[v + 20 for v in ZIGZAG]]
    summary = icons(values, direction="increase", target=20.0, phases=[13])
    assert summary["latest_lower_limit"] == pytest.approx(30 - 2.66 * 2)
    assert summary["assurance_icon"] == "consistent_pass"


def test_a_target_per_series_gives_each_series_its_own_assurance():
    data = pl.DataFrame(
        {
            "place": ["A"] * 12 + ["B"] * 12,
            "month": list(range(1, 13)) * 2,
            "y": ZIGZAG * 2,
        }
    )
    summary = spc(
        data,
        value="y",
        period="month",
        by="place",
        direction="increase",
        target={"A": 20.0, "B": 2.0},
    ).summary()
    assert summary["assurance_icon"].to_list() == ["consistent_fail", "consistent_pass"]


def test_a_target_can_come_from_a_column():
    data = pl.DataFrame({"month": list(range(1, 13)), "y": ZIGZAG, "goal": [20.0] * 12})
    charted = spc(data, value="y", period="month", direction="increase", target="goal")
    assert charted.summary()["assurance_icon"][0] == "consistent_fail"


def test_the_summary_knows_the_period_and_keys_it_was_charted_by():
    data = pl.DataFrame(
        {
            "measure": ["m"] * 24,
            "place": ["a"] * 12 + ["b"] * 12,
            "month": list(range(1, 13)) * 2,
            "y": [float(v % 4) for v in range(24)],
        }
    )
    summary = spc(data, value="y", period="month", by=["measure", "place"]).summary()
    assert summary.select("first_period", "last_period").unique().rows() == [(1, 12)]
