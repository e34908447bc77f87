"""Engine benchmark: S series x 60 monthly points, XmR + mdc and P chart + mdc.

Builds a seeded synthetic panel (shifts, trends and outliers injected into some series) and
prints, for each size, the median wall time of 3 runs of the engine call alone, of
``Chart.summary()`` on its points (one row per series: icons, runs, counts) and of the whole
``qi chart`` command (read Parquet, compute, write Parquet), series per second and peak memory
(the peak resident size of a fresh process that does one engine run).

Usage: python benchmarks/engine.py [--sizes 1000,10000,100000] [--repeats 3]
"""

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
from timing import timed  # benchmarks/timing.py

MONTHS = 60


def panel(series: int, seed: int = 20261124) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(MONTHS)
    base = rng.uniform(50, 500, series)[:, None]
    noise = rng.normal(0, 1, (series, MONTHS)) * np.sqrt(base)
    values = base + noise
    kind = rng.integers(0, 4, series)
    start = rng.integers(12, 48, series)[:, None]
    after = t[None, :] >= start
    values += np.where((kind == 1)[:, None] & after, 3 * np.sqrt(base), 0)  # shifts
    values += np.where((kind == 2)[:, None] & after, (t - start) * 0.3 * np.sqrt(base), 0)
    outlier = (kind == 3)[:, None] & (t[None, :] == start)
    values += np.where(outlier, 6 * np.sqrt(base), 0)  # one-off outliers
    population = np.round(base * 40)
    months = pl.date_range(dt.date(2020, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    return (
        pl.DataFrame(
            {
                "place": np.repeat(np.arange(series), MONTHS).astype(str),
                "period": np.tile(months.to_numpy(), series),
                "value": np.round(np.clip(values, 0, None)).ravel(),
                "population": np.repeat(population.ravel(), MONTHS),
            }
        )
        .with_columns(pl.col("place").str.zfill(6))
        .sort("place", "period")
    )


CHARTS = {
    "XmR (i) + mdc": dict(value="value", chart="i", rules="mdc"),
    "P chart + mdc": dict(value="value", denominator="population", chart="p", rules="mdc"),
}


def peak_memory_mb(series: int, options: dict) -> float:
    """Peak RSS of a fresh process that builds the panel and runs the engine once."""
    code = (
        "import resource, sys, json; sys.path.insert(0, 'benchmarks');"
        "from engine import panel; from qi.charts import spc;"
        f"d = panel({series}); base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        f"spc(d, period='period', by='place', **json.loads({json.dumps(json.dumps(options))}));"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from qi.charts import spc

    qi = str(Path(sys.executable).with_name("qi"))
    print(
        f"{'chart':<16} {'series':>8} {'engine s':>9} {'series/s':>10} {'summary s':>10} "
        f"{'qi chart s':>11} {'peak MB':>8}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        data = panel(size)
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "panel.parquet"
            data.write_parquet(source)
            for label, options in CHARTS.items():
                engine = timed(
                    lambda o=options, d=data: spc(d, period="period", by="place", **o),
                    args.repeats,
                )
                charted = spc(data, period="period", by="place", **options)
                # A fresh Chart each time: a chart keeps its summary once worked out.
                summary = timed(lambda c=charted: replace(c).summary(), args.repeats)
                del charted
                command = [
                    qi,
                    "chart",
                    str(source),
                    "--out",
                    str(Path(tmp) / "out.parquet"),
                    "--period",
                    "period",
                    "--by",
                    "place",
                    "--value",
                    options["value"],
                    "--chart",
                    options["chart"],
                    "--rules",
                    options["rules"],
                ]
                if "denominator" in options:
                    command += ["--n", options["denominator"]]
                whole = timed(lambda c=command: subprocess.run(c, check=True), args.repeats)
                memory = peak_memory_mb(size, options)
                print(
                    f"{label:<16} {size:>8} {engine:>9.2f} {size / engine:>10,.0f} "
                    f"{summary:>10.2f} {whole:>11.2f} {memory:>8.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
