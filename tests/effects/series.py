"""Small fixed series for the effects tests: monthly data with known level and trend changes."""

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from qi.effects import estimate_effects, to_frame

CHANGE = dt.date(2023, 1, 1)


def frame_of(data: pl.DataFrame, **options: Any) -> pl.DataFrame:
    """``estimate_effects()`` as one row per series, the keys in the data's types."""
    return to_frame(estimate_effects(data, **options), data.schema)


def months(count: int, start: dt.date = dt.date(2021, 1, 1)) -> pl.Series:
    end = dt.date(
        start.year + (start.month - 1 + count - 1) // 12, (start.month - 1 + count - 1) % 12 + 1, 1
    )
    return pl.date_range(start, end, "1mo", eager=True)


def wagner_design(
    count: int, change_index: int, harmonics: int = 0, start_month: int = 1
) -> np.ndarray:
    """The design by hand: intercept, time, level (1 from the change), time since the change
    (0 at the change), then sine and cosine of 1..K cycles a year of the calendar month."""
    t = np.arange(count, dtype=float)
    after = (t >= change_index).astype(float)
    columns = [np.ones(count), t, after, after * (t - change_index)]
    month = (start_month - 1 + t) % 12
    for j in range(1, harmonics + 1):
        columns += [np.sin(2 * np.pi * j * month / 12), np.cos(2 * np.pi * j * month / 12)]
    return np.column_stack(columns)


def continuous(
    count: int = 48,
    change_index: int = 24,
    seed: int = 1,
    level: float = -6.0,
    slope: float = -0.3,
    sd: float = 2.0,
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(count)
    after = t >= change_index
    value = 50 + 0.2 * t + level * after + slope * np.where(after, t - change_index, 0)
    return pl.DataFrame({"month": months(count), "value": value + rng.normal(0, sd, count)})


def counts(
    count: int = 48,
    change_index: int = 24,
    seed: int = 1,
    rate_ratio: float = 0.8,
    population: float = 50_000.0,
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(count)
    after = t >= change_index
    pop = np.round(population * (1 + 0.002 * t))
    eta = np.log(0.004) + 0.005 * t + np.log(rate_ratio) * after + 0.1 * np.sin(2 * np.pi * t / 12)
    theta = 200.0  # negative binomial counts: more variation than Poisson
    mean = pop * np.exp(eta)
    return pl.DataFrame(
        {
            "month": months(count),
            "admissions": rng.negative_binomial(theta, theta / (theta + mean)).astype(float),
            "population": pop,
        }
    )


def proportions(
    count: int = 48, change_index: int = 24, seed: int = 1, odds_ratio: float = 1.5
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(count)
    after = t >= change_index
    eligible = rng.integers(150, 250, count)
    eta = -1.0 + 0.01 * t + np.log(odds_ratio) * after
    return pl.DataFrame(
        {
            "month": months(count),
            "seen": rng.binomial(eligible, 1 / (1 + np.exp(-eta))).astype(float),
            "eligible": eligible.astype(float),
        }
    )
