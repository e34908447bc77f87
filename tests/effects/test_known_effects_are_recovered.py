"""Simulated series with known effects: the 95% interval covers the truth, and over many
seeded simulations (fitted in one call, one series each) it does so about 95% of the time."""

import numpy as np
import polars as pl
import pytest

from qi.effects import estimate_effects

from .series import frame_of, months

POINTS, CHANGE_AT = 48, 24
LEVEL, SLOPE = -4.0, -0.3
SIMULATIONS = 600


def panel(values: np.ndarray, **columns: np.ndarray | float) -> pl.DataFrame:
    series, points = values.shape
    frame = {
        "simulation": np.repeat(np.arange(series), points),
        "month": np.tile(months(points).to_numpy(), series),
        "value": values.ravel(),
    }
    for name, column in columns.items():
        frame[name] = np.ravel(column) if np.ndim(column) else column
    return pl.DataFrame(frame)


def covered(found: pl.DataFrame, name: str, truth: float) -> float:
    return float(((found[f"{name}_ci_low"] <= truth) & (found[f"{name}_ci_high"] >= truth)).mean())


def ar1_errors(rng: np.random.Generator, rho: float, sd: float) -> np.ndarray:
    shocks = rng.normal(0, sd, (SIMULATIONS, POINTS))
    errors = np.zeros_like(shocks)
    for i in range(POINTS):
        errors[:, i] = (rho * errors[:, i - 1] if i else 0) + shocks[:, i]
    return errors


def continuous_truth() -> np.ndarray:
    t = np.arange(POINTS)
    after = t >= CHANGE_AT
    return 50 + 0.2 * t + LEVEL * after + SLOPE * np.where(after, t - CHANGE_AT, 0)


def test_one_simulated_series_interval_covers_its_known_effects():
    rng = np.random.default_rng(2020)
    data = panel(continuous_truth()[None] + rng.normal(0, 1.5, (1, POINTS)))
    (found,) = estimate_effects(
        data, value="value", period="month", change=data["month"][CHANGE_AT]
    )
    assert found.level_change.ci_low < LEVEL < found.level_change.ci_high
    assert found.slope_change.ci_low < SLOPE < found.slope_change.ci_high
    twelve_on = LEVEL + 12 * SLOPE
    assert found.difference.ci_low < twelve_on < found.difference.ci_high
    assert found.level_change.significant


@pytest.mark.parametrize(
    ("rho", "lowest"),
    [(0.0, 0.89), (0.4, 0.87)],  # expected 0.92-0.93 and 0.89-0.92 (4,000 simulations)
)
def test_continuous_intervals_cover_the_truth_about_95_percent_of_the_time(rho, lowest):
    """Independent errors, and AR(1) errors with rho 0.4: least squares with Newey–West
    errors for short series (textbook Newey–West covers 86% and 78% here)."""
    rng = np.random.default_rng(7 + int(10 * rho))
    data = panel(continuous_truth() + ar1_errors(rng, rho, 2.0))
    found = frame_of(
        data, value="value", period="month", change=data["month"][CHANGE_AT], by="simulation"
    )
    assert found["harmonics"].unique().to_list() == [2]
    for name, truth in (
        ("level_change", LEVEL),
        ("slope_change", SLOPE),
        ("difference", LEVEL + 12 * SLOPE),
    ):
        assert lowest <= covered(found, name, truth) <= 0.99, name


def test_rate_ratio_intervals_cover_the_truth_about_95_percent_of_the_time():
    """Counts with more variation than Poisson (negative binomial), per population."""
    rng = np.random.default_rng(11)
    t = np.arange(POINTS)
    after = t >= CHANGE_AT
    population = 50_000.0
    mean = population * np.exp(np.log(0.004) + 0.005 * t + np.log(0.8) * after)
    theta = 200.0
    counts = rng.negative_binomial(theta, theta / (theta + mean), (SIMULATIONS, POINTS))
    data = panel(counts.astype(float), population=population)
    found = frame_of(
        data,
        value="value",
        denominator="population",
        kind="rate",
        period="month",
        change=data["month"][CHANGE_AT],
        by="simulation",
    )
    assert covered(found, "level_change", 0.8) == pytest.approx(0.95, abs=0.04)
    assert covered(found, "slope_change", 1.0) == pytest.approx(0.95, abs=0.04)
    truth = mean[CHANGE_AT + 12] - mean[CHANGE_AT + 12] / 0.8  # per person x population
    assert covered(
        found.with_columns(pl.col("^difference.*$") * population), "difference", truth
    ) == (pytest.approx(0.95, abs=0.04))


def test_odds_ratio_intervals_cover_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(13)
    t = np.arange(POINTS)
    after = t >= CHANGE_AT
    p = 1 / (1 + np.exp(-(-1 + 0.01 * t + np.log(1.5) * after)))
    seen = rng.binomial(200, p, (SIMULATIONS, POINTS)).astype(float)
    data = panel(seen, eligible=200.0)
    found = frame_of(
        data,
        value="value",
        denominator="eligible",
        kind="proportion",
        period="month",
        change=data["month"][CHANGE_AT],
        by="simulation",
    )
    assert covered(found, "level_change", 1.5) == pytest.approx(0.95, abs=0.04)
    assert covered(found, "slope_change", 1.0) == pytest.approx(0.95, abs=0.05)
    points = 100 * (p[CHANGE_AT] - 1 / (1 + np.exp(-(-1 + 0.01 * CHANGE_AT))))
    assert covered(found, "immediate_difference", points) == pytest.approx(0.95, abs=0.04)
