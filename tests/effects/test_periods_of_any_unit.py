"""Periods need not be months: quarters, weeks and plain period numbers work the same way, with
twelve months' horizon in their unit and seasonal terms only for dates."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from qi.effects import EffectInputError, estimate_effects


def series(periods: pl.Series, change_at: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(periods.len())
    value = 20 + 0.1 * t - 3 * (t >= change_at) + rng.normal(0, 0.5, t.size)
    return pl.DataFrame({"period": periods, "value": value})


def test_quarters_report_four_quarters_on():
    quarters = pl.date_range(dt.date(2018, 1, 1), dt.date(2024, 10, 1), "1q", eager=True)
    data = series(quarters, 16)
    (found,) = estimate_effects(data, value="value", period="period", change=dt.date(2022, 1, 1))
    assert found.unit == "quarter"
    assert (found.points_before, found.points_after) == (16, 12)
    assert found.horizon == 4 and found.horizon_name == "2023 Q1"
    assert found.harmonics == 1  # two years before; a quarter's year holds one harmonic
    assert found.level_change.ci_low < -3 < found.level_change.ci_high


def test_weeks_report_52_weeks_on():
    weeks = pl.date_range(dt.date(2023, 1, 2), dt.date(2024, 12, 30), "1w", eager=True)
    data = series(weeks, 60)
    (found,) = estimate_effects(data, value="value", period="period", change=weeks[60])
    assert found.unit == "week"
    assert found.horizon == 44  # the last point is 44 weeks after the change
    assert found.change_name == "26 February 2024"
    assert found.harmonics == 0  # fewer than two years of weeks before the change


def test_numbered_periods_have_no_seasons():
    data = series(pl.Series(range(1, 41)), 20)
    (found,) = estimate_effects(data, value="value", period="period", change=21)
    assert found.unit == "period" and found.harmonics == 0
    assert found.horizon == 12 and found.horizon_name == "period 33"
    with pytest.raises(EffectInputError, match="harmonics 2 must be 0: seasonal terms need dated"):
        estimate_effects(data, value="value", period="period", change=21, harmonics=2)
    with pytest.raises(EffectInputError, match="is not a period number like the 'period' column"):
        estimate_effects(data, value="value", period="period", change=dt.date(2024, 1, 1))


def test_a_change_between_periods_starts_at_the_next_period():
    months = pl.date_range(dt.date(2021, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    data = series(months, 24)
    (on, between) = (
        estimate_effects(data, value="value", period="period", change=change)[0]
        for change in (dt.date(2023, 1, 1), dt.date(2022, 12, 15))
    )
    assert (between.points_before, between.points_after) == (on.points_before, on.points_after)
    assert between.level_change == on.level_change
