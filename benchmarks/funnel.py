"""Funnel benchmark: many comparisons of many units in one ``funnel()`` call.

Builds seeded synthetic proportions (events out of cases, one row per measure, period and unit)
and prints, for each case, the median wall time of 3 runs of the engine call alone, units per
second, and peak memory (the peak resident size of a fresh process that builds the data and
runs the engine once):

- 33,700 units (about England's LSOAs) x 100 measures, one period: 100 comparisons of 33,700
  units (Spiegelhalter proportions; then PHE proportions on the same data);
- the same rows over 60 periods, over-dispersed (a random effect per unit and period):
  100 measures x 60 periods = 6,000 comparisons of 562 units, with phi > 1 so that tau² and
  the adjusted limits are estimated for each.

Usage: python benchmarks/funnel.py [--repeats 3] [--units 33700] [--measures 100]
"""

import argparse
import json
import subprocess
import sys

import numpy as np
import polars as pl
from timing import timed  # benchmarks/timing.py

PERIODS = 60


def proportions(
    units: int, measures: int, periods: int, spread: float = 0.0, seed: int = 20261202
) -> pl.DataFrame:
    """Events out of cases for every measure x period x unit, sorted by measure, period, unit.
    ``spread``: the standard deviation of a per-row random effect on the logit scale."""
    rng = np.random.default_rng(seed)
    rows = units * measures * periods
    cases = rng.integers(50, 5000, rows)
    rate = np.repeat(rng.uniform(0.03, 0.4, measures), units * periods)
    if spread:
        logit = np.log(rate / (1 - rate)) + rng.normal(0, spread, rows)
        rate = 1 / (1 + np.exp(-logit))
    return pl.DataFrame(
        {
            "measure": np.repeat(np.arange(measures), units * periods).astype(np.int32),
            "period": np.tile(np.repeat(np.arange(periods), units), measures).astype(np.int32),
            "unit": np.tile(np.arange(units), measures * periods).astype(np.int32),
            "events": rng.binomial(cases, rate).astype(np.float64),
            "cases": cases.astype(np.float64),
        }
    )


def peak_memory_mb(data: dict, options: dict) -> float:
    """Peak RSS of a fresh process that builds the data and runs the engine once."""
    code = (
        "import resource, sys, json; sys.path.insert(0, 'benchmarks');"
        "from funnel import proportions; from qi.charts import funnel;"
        f"d = proportions(**json.loads({json.dumps(json.dumps(data))}));"
        f"funnel(d, **json.loads({json.dumps(json.dumps(options))}));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--units", type=int, default=33700)
    parser.add_argument("--measures", type=int, default=100)
    args = parser.parse_args()
    from qi.charts import funnel

    common = dict(numerator="events", denominator="cases", unit="unit")
    per_period = args.units // PERIODS
    cases = [
        (
            "PR, 1 period",
            dict(units=args.units, measures=args.measures, periods=1),
            dict(common, by=["measure"]),
        ),
        (
            "PHE prop, 1 period",
            dict(units=args.units, measures=args.measures, periods=1),
            dict(common, by=["measure"], method="phe"),
        ),
        (
            f"PR OD, {PERIODS} periods",
            dict(units=per_period, measures=args.measures, periods=PERIODS, spread=0.3),
            dict(common, by=["measure", "period"]),
        ),
    ]
    print(
        f"{'funnel':<20} {'comparisons':>11} {'units':>10} {'engine s':>9} {'units/s':>11} "
        f"{'mean phi':>9} {'peak MB':>8}"
    )
    for label, data_options, options in cases:
        data = proportions(**data_options)
        seconds = timed(lambda d=data, o=options: funnel(d, **o), args.repeats)
        result = funnel(data, **options)
        comparisons = result.comparisons.height
        phi = "-"
        if "phi" in result.comparisons.columns:
            phi = f"{result.comparisons['phi'].mean():.2f}"
        del result
        memory = peak_memory_mb(data_options, options)
        print(
            f"{label:<20} {comparisons:>11,} {data.height:>10,} {seconds:>9.2f} "
            f"{data.height / seconds:>11,.0f} {phi:>9} "
            f"{memory:>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
