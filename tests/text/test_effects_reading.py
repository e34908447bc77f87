"""The plain-English reading: the issue's example sentence, ranges that cross zero, ratios for
GLMs, the second method, labels, and a horizon cut short by the data."""

import datetime as dt
from dataclasses import replace

from qi.effects import Effect, Estimate, Sensitivity
from qi.text import number
from qi.text.effects import describe

AGREES = Sensitivity("regression with AR(1) errors (REML)", "difference", None, None, True)

ISSUE = Effect(
    series={},
    kind="rate",
    method="quasi-Poisson GLM with a log(population) offset",
    scale="difference",  # written as for continuous values: no ratio sentence
    impact_model="both",
    change=dt.date(2024, 5, 1),
    change_name="May 2024",
    unit="month",
    level_change=Estimate(-6.8, -11.0, -2.6, 0.001),
    slope_change=Estimate(-0.13, -0.3, 0.04, 0.2),
    trend_before=Estimate(0.2, 0.1, 0.3, 0.001),
    trend_before_units=0.2,
    immediate_difference=Estimate(-6.8, -11.0, -2.6),
    difference=Estimate(-8.4, -11.7, -5.1),
    horizon=12,
    horizon_name="May 2025",
    units="per 1,000",
    points_before=36,
    points_after=14,
    harmonics=2,
    dispersion=None,
    hac_lags=1,
    sensitivity=AGREES,
    comparison=None,
    labels=(),
    warnings=(),
)


def test_the_issue_example_reads_as_the_issue_wrote_it():
    reading = describe(ISSUE, "admissions")
    assert reading.startswith(
        "Before the change in May 2024 admissions were rising by about 0.2 per 1,000 each "
        "month. Straight after it they were 6.8 lower than the earlier trend predicted (95% "
        "range 2.6 to 11.0); twelve months on, 8.4 lower (5.1 to 11.7)."
    )
    assert reading.endswith(
        "This assumes nothing else that affects admissions changed at the same time."
    )
    assert "A second method (regression with AR(1) errors (REML)) gives the same conclusion" in (
        reading
    )


def test_a_range_that_crosses_zero_says_lower_to_higher():
    effect = replace(ISSUE, immediate_difference=Estimate(-1.2, -3.4, 1.0))
    assert "1.2 lower than the earlier trend predicted (95% range 3.4 lower to 1.0 higher)" in (
        describe(effect, "admissions")
    )


def test_no_clear_trend_before():
    effect = replace(ISSUE, trend_before=Estimate(0.02, -0.1, 0.14, 0.7), trend_before_units=0.02)
    assert "admissions showed no clear trend (about 0.02 per 1,000 each month, up or down)" in (
        describe(effect, "admissions")
    )


def test_glms_add_their_ratios_and_proportions_say_percentage_points():
    effect = replace(
        ISSUE,
        kind="proportion",
        scale="odds ratio",
        units="percentage points",
        level_change=Estimate(1.31, 1.05, 1.61, 0.02),
        slope_change=Estimate(1.004, 0.99, 1.021, 0.5),
        immediate_difference=Estimate(6.0, 1.1, 10.8),
    )
    reading = describe(effect, "patients seen within 4 hours")
    assert "Straight after it they were 6.0 percentage points higher" in reading
    assert "about 0.2 percentage points each month" in reading
    assert (
        "As an odds ratio: straight after, 1.31 (95% range 1.05 to 1.61); in the trend, 1.004 "
        "(95% range 0.990 to 1.021) each month." in reading
    )


def test_a_disagreeing_second_method_and_every_warning_are_in_the_reading():
    effect = replace(
        ISSUE,
        sensitivity=replace(AGREES, agrees=False),
        labels=("low confidence",),
        warnings=("Low confidence: 36 points before the change and 8 after; ...",),
        horizon=7,
        horizon_name="December 2024",
    )
    reading = describe(effect, "admissions")
    assert "gives a different conclusion (direction or significance)" in reading
    assert "Low confidence: 36 points before the change and 8 after" in reading
    assert "at the last point, 7 months on (December 2024), 8.4 lower" in reading


def test_a_slope_only_model_has_no_jump_and_a_controlled_one_names_its_comparison():
    slope = replace(ISSUE, impact_model="slope", level_change=None, immediate_difference=None)
    assert "modelled as a change in trend only; twelve months on they were 8.4 lower" in (
        describe(slope, "admissions")
    )
    controlled = replace(ISSUE, comparison="Eastshire")
    reading = describe(controlled, "admissions")
    assert "than the earlier trend and the change in Eastshire predicted" in reading
    assert reading.endswith("would otherwise have changed as they did in Eastshire.")


def test_numbers_are_written_for_reading():
    assert [number(x, figures=2) for x in (11.0, 6.84, 0.213, 1250.4, 0.0)] == [
        "11.0",
        "6.8",
        "0.21",
        "1,250",
        "0.0",
    ]
    assert number(0.213, figures=1) == "0.2"
    assert number(0.9992, figures=2) == "1.0"
    assert number(0.041, figures=1) == "0.04"


def test_a_measure_name_reads_inside_the_sentence_and_acronyms_stay():
    assert "Before the change in May 2024 average wait were" in describe(ISSUE, "Average wait")
    assert "in May 2024 A&E attendances were" in describe(ISSUE, "A&E attendances")
