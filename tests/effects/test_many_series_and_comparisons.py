"""Many series at once equal each alone; a comparison series gives the controlled estimate
(the difference from the comparison for continuous values, an interaction with a group
indicator for GLMs)."""

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from polars.testing import assert_frame_equal

from qi.effects import estimate_effects

from .series import continuous, counts, frame_of, proportions, wagner_design

CHANGE = dt.date(2023, 1, 1)


def places(make, **options) -> pl.DataFrame:
    """Three places of different lengths, one with a gap, from the same change."""
    north = make(count=40, seed=1, **options).with_columns(place=pl.lit("North"))
    south = make(count=30, seed=2, **options).with_columns(place=pl.lit("South"))
    west = make(count=48, seed=3, **options).with_columns(place=pl.lit("West"))
    west = west.filter(pl.col("month") != dt.date(2022, 2, 1))
    return pl.concat([north, south, west]).select("place", pl.exclude("place"))


@pytest.mark.parametrize(
    ("make", "options"),
    [
        (continuous, {"value": "value"}),
        (counts, {"value": "admissions", "denominator": "population", "kind": "rate"}),
        (counts, {"value": "admissions", "kind": "count"}),
        (proportions, {"value": "seen", "denominator": "eligible", "kind": "proportion"}),
    ],
)
def test_many_series_at_once_equal_each_alone(make, options):
    data = places(make)
    together = frame_of(data, period="month", change=CHANGE, by="place", **options)
    assert together["place"].to_list() == ["North", "South", "West"]  # order of appearance
    alone = pl.concat(
        [
            frame_of(
                data.filter(pl.col("place") == place),
                period="month",
                change=CHANGE,
                by="place",
                **options,
            )
            for place in ("North", "South", "West")
        ]
    )
    assert_frame_equal(together, alone, check_exact=False, rel_tol=1e-7, abs_tol=1e-12)


def test_series_keys_keep_their_types_and_several_keys_are_allowed():
    data = places(continuous).with_columns(measure=pl.lit("waits"), code=pl.lit(7, pl.Int16))
    found = frame_of(
        data, value="value", period="month", change=CHANGE, by=["measure", "place", "code"]
    )
    assert found.columns[:3] == ["measure", "place", "code"]
    assert found.schema["code"] == pl.Int16
    assert found.height == 3


def test_a_controlled_continuous_estimate_is_the_model_of_the_difference_from_the_comparison():
    changed = continuous(count=40, seed=5)
    comparison = continuous(count=40, seed=6, level=0.0, slope=0.0)
    (controlled,) = estimate_effects(
        changed,
        value="value",
        period="month",
        change=CHANGE,
        comparison=comparison,
        comparison_name="Eastshire",
    )
    difference = changed.with_columns(value=pl.col("value") - comparison["value"])
    (by_hand,) = estimate_effects(difference, value="value", period="month", change=CHANGE)
    assert controlled.level_change == by_hand.level_change
    assert controlled.difference == by_hand.difference
    assert controlled.comparison == "Eastshire"


def test_a_controlled_rate_is_an_interaction_with_a_group_indicator():
    changed, comparison = counts(count=36, seed=7), counts(count=36, seed=8, rate_ratio=1.0)
    (found,) = estimate_effects(
        changed,
        value="admissions",
        denominator="population",
        kind="rate",
        period="month",
        change=changed["month"][18],
        comparison=comparison,
        harmonics=0,
    )
    base = wagner_design(36, 18)
    X = np.vstack(
        [np.hstack([base, base[:, :2], base[:, 2:]]), np.hstack([base, 0 * base])]
    )  # changed series (group 1), then the comparison (group 0)
    y = np.concatenate([changed["admissions"], comparison["admissions"]])
    offset = np.log(np.concatenate([changed["population"], comparison["population"]]))
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(scale="X2", tol=1e-12)
    assert found.level_change.estimate == pytest.approx(math.exp(fit.params[6]), rel=1e-7)
    assert found.slope_change.estimate == pytest.approx(math.exp(fit.params[7]), rel=1e-7)
    assert found.trend_before.estimate == pytest.approx(
        math.exp(fit.params[1] + fit.params[5]), rel=1e-7
    )
    assert found.sensitivity.method == "negative binomial GLM"


def test_a_comparison_that_made_the_same_change_shows_no_effect():
    changed = counts(count=48, seed=9, rate_ratio=0.7)
    same = changed.with_columns(
        admissions=pl.col("admissions") * 2, population=pl.col("population") * 2
    )
    (found,) = estimate_effects(
        changed,
        value="admissions",
        denominator="population",
        kind="rate",
        period="month",
        change=CHANGE,
        comparison=same,
    )
    assert found.level_change.estimate == pytest.approx(1.0)
    assert found.level_change.ci_low < 1 < found.level_change.ci_high


def test_each_series_can_have_its_own_comparison():
    data = places(continuous)
    comparisons = places(continuous, level=0.0, slope=0.0)
    found = frame_of(
        data, value="value", period="month", change=CHANGE, by="place", comparison=comparisons
    )
    north = frame_of(
        data.filter(pl.col("place") == "North"),
        value="value",
        period="month",
        change=CHANGE,
        comparison=comparisons.filter(pl.col("place") == "North").drop("place"),
    )
    assert found["level_change"][0] == pytest.approx(north["level_change"][0])


def test_a_controlled_proportion_checks_itself_on_the_difference_in_percentages():
    changed, comparison = proportions(count=40, seed=3), proportions(count=40, seed=4, odds_ratio=1)
    (found,) = estimate_effects(
        changed,
        value="seen",
        denominator="eligible",
        kind="proportion",
        period="month",
        change=CHANGE,
        comparison=comparison,
    )
    assert found.scale == "odds ratio"
    assert found.sensitivity.method == "regression with AR(1) errors (REML) on the percentage"
    assert found.sensitivity.scale == "difference"
