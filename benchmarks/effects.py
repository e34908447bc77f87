"""Effects benchmark: 1,000 series x 60 monthly points, one change date, every kind of measure.

Builds a seeded synthetic panel (a level and trend change in some series, seasonality and
AR(1) noise in all) and prints, for each kind, the median wall time of 3 runs of
``qi.effects.estimate_effects()`` as a frame (both models, seasonal terms, the second method), and the time per
series against the target of 5 ms.

Usage: python benchmarks/effects.py [--series 1000] [--repeats 3]
"""

import argparse
import datetime as dt
import statistics
import time

import numpy as np
import polars as pl

from qi.effects import estimate_effects, to_frame

MONTHS = 60
CHANGE = dt.date(2023, 7, 1)  # point 42 of 60: 42 before, 18 after
TARGET_MS = 5.0


def panel(series: int, seed: int = 20261124) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(MONTHS)
    after = t >= 42
    noise = np.zeros((series, MONTHS))
    shocks = rng.normal(0, 1, (series, MONTHS))
    for i in range(MONTHS):
        noise[:, i] = 0.3 * noise[:, i - 1] + shocks[:, i] if i else shocks[:, i]
    effect = rng.integers(0, 2, series)[:, None]
    eta = (
        -3
        + 0.004 * t
        + 0.05 * np.sin(2 * np.pi * t / 12)
        + effect * after * (-0.1 - 0.005 * (t - 42))
        + 0.03 * noise
    )
    population = np.round(rng.uniform(20_000, 300_000, series))[:, None] * np.ones(MONTHS)
    counts = rng.poisson(population * np.exp(eta) / 100)
    months = pl.date_range(dt.date(2020, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    return pl.DataFrame(
        {
            "place": np.repeat(np.arange(series), MONTHS).astype(str),
            "month": np.tile(months.to_numpy(), series),
            "value": (100 * eta + 5 * noise).ravel(),
            "count": counts.ravel().astype(np.float64),
            "population": population.ravel(),
            "eligible": np.round(population.ravel() / 20),
        }
    ).with_columns(
        pl.col("place").str.zfill(5),
        cases=(pl.col("eligible") * (pl.col("count") / pl.col("population") * 20).clip(0, 1))
        .round()
        .cast(pl.Float64),
    )


KINDS = {
    "continuous (OLS + Newey-West; AR(1))": dict(value="value", kind="continuous"),
    "count (quasi-Poisson; negative binomial)": dict(value="count", kind="count"),
    "rate (quasi-Poisson + offset; negative binomial)": dict(
        value="count", denominator="population", kind="rate"
    ),
    "proportion (quasi-binomial; AR(1) on %)": dict(
        value="cases", denominator="eligible", kind="proportion"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = panel(args.series)
    print(f"{args.series} series x {MONTHS} months, change at {CHANGE}; median of {args.repeats}")
    for name, options in KINDS.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            found = to_frame(
                estimate_effects(data, period="month", change=CHANGE, by="place", **options)
            )
            times.append(time.perf_counter() - start)
        assert found.height == args.series
        median = statistics.median(times)
        per_series = 1000 * median / args.series
        verdict = "ok" if per_series <= TARGET_MS else f"SLOWER than {TARGET_MS} ms"
        print(f"{name:50s} {median:7.3f} s  {per_series:6.3f} ms/series  {verdict}")


if __name__ == "__main__":
    main()
