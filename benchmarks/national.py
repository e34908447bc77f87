"""National benchmark: every LSOA in England, 100 indicators, 60 months, on one machine.

A synthetic panel shaped like the national one: the 33,755 LSOAs of England (real 2021 codes,
``E01...``, from /work/shared/data/real/lookup_lsoa21_ward24_ltla24.csv; ONS, OGL v3: see the
README beside it), 100 indicators (``M001`` to ``M100``) and 60 months (2020-01 to 2024-12):
3,375,500 series and about 202 million points. Counts with Poisson-like noise around a level
of their own; a quarter of the series shift by 3 sigma at a random month, a quarter trend
upwards from one, a quarter have a one-off outlier; 0.5% of months are missing (no row) and
0.5% more have no value. It is generated once into a Parquet dataset, hive-partitioned by
indicator (``measure=M001/data.parquet``, ...), under the cache folder; the 10% and 30% panels
are the first 10 and 30 indicators (hard links to the same files).

For each share of the panel it runs, each in a fresh process:

- ``qi chart`` (``python -m qi.cli chart``): XmR chart, every Making Data Count rule, the
  default memory budget and columns, a Parquet dataset out and the series summary;
- the bare polars baseline: the same scan, plan, shuffle and batches, each read and written
  back without charting (``qi.cli.datasets.chart_dataset`` with a kernel that charts nothing);

and prints wall time, rows per second, peak memory (the peak resident size of the process)
and the ratio of the two times. Run it from the repository's root:

    python benchmarks/national.py [--shares 0.1,0.3,1] [--cache /tmp/qi-national]
"""

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]  # the checkout whose qi is measured
LOOKUP = Path("/work/shared/data/real/lookup_lsoa21_ward24_ltla24.csv")
INDICATORS = 100
FIRST, LAST = dt.date(2020, 1, 1), dt.date(2024, 12, 1)
SEED = 20261124
ARGUMENTS = ["--value", "value", "--period", "month", "--by", "measure,place", "--rules", "mdc"]


def lsoa_codes() -> np.ndarray:
    """England's 2021 LSOA codes (E01...), sorted; the lookup also holds Wales' (W01...)."""
    codes = pl.read_csv(LOOKUP, columns=["lsoa21_code"]).get_column("lsoa21_code").unique()
    return codes.filter(codes.str.starts_with("E01")).sort().to_numpy()


def indicator(number: int, places: np.ndarray, months: pl.Series) -> pl.DataFrame:
    """One indicator at every place and month, with shifts, trends and outliers injected."""
    rng = np.random.default_rng(SEED + number)
    count, length = len(places), len(months)
    t = np.arange(length)
    level = rng.uniform(5, 500, count)[:, None]
    spread = np.sqrt(level)
    values = level + rng.normal(0, 1, (count, length)) * spread
    kind = rng.integers(0, 4, count)[:, None]
    start = rng.integers(12, 48, count)[:, None]
    after = t[None, :] >= start
    values += np.where((kind == 1) & after, 3 * spread, 0)  # shifts
    values += np.where((kind == 2) & after, (t - start) * 0.3 * spread, 0)  # trends
    values += np.where((kind == 3) & (t[None, :] == start), 6 * spread, 0)  # outliers
    values = np.round(np.clip(values, 0, None)).ravel()
    draw = rng.random(count * length)
    frame = pl.DataFrame(
        {
            "place": np.repeat(places, length),
            "month": np.tile(months.to_numpy(), count),
            "value": np.where(draw < 0.005, np.nan, values),  # no value
        }
    ).with_columns(pl.col("value").fill_nan(None))
    return frame.filter(pl.Series(draw < 0.995))  # the rest have no row


def generate(cache: Path) -> Path:
    """The national panel under ``cache`` (made once), and its 10% and 30% shares."""
    panel = cache / "national"
    done = panel / "_complete"
    if not done.exists():
        shutil.rmtree(panel, ignore_errors=True)
        started = time.perf_counter()
        places = lsoa_codes()
        months = pl.date_range(FIRST, LAST, "1mo", eager=True)
        for number in range(1, INDICATORS + 1):
            folder = panel / f"measure=M{number:03d}"
            folder.mkdir(parents=True)
            indicator(number, places, months).write_parquet(folder / "data.parquet")
        done.write_text("")
        print(f"generated {panel} in {time.perf_counter() - started:.0f} s", flush=True)
    return panel


def share(panel: Path, fraction: float) -> Path:
    """The first ``fraction`` of the indicators, as hard links into a folder of its own."""
    if fraction >= 1:
        return panel
    count = round(INDICATORS * fraction)
    folder = panel.with_name(f"national-{count}")
    if not folder.exists():
        scratch = panel.with_name(f".national-{count}")
        shutil.rmtree(scratch, ignore_errors=True)
        for number in range(1, count + 1):
            name = f"measure=M{number:03d}"
            (scratch / name).mkdir(parents=True)
            os.link(panel / name / "data.parquet", scratch / name / "data.parquet")
        scratch.rename(folder)
    return folder


def measured(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident size (GB) of a command in a process of its own."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"failed ({status}): {' '.join(command)}")
    return time.perf_counter() - started, usage.ru_maxrss * 1024 / 1e9


def baseline(source: str, out: str) -> None:
    """The bare polars run: scan, plan, shuffle, then each batch read and written back."""
    sys.path.insert(0, str(ROOT))
    from qi.charts.batches import ChartedBatch
    from qi.cli.datasets import DEFAULT_MEMORY, Run, chart_dataset, parse_memory

    run = Run(
        source=Path(source),
        out=Path(out),
        summary=Path(f"{out}-summary.parquet"),
        arguments={"by": ["measure", "place"], "value": "value", "period": "month"},
        columns="narrow",
        memory=parse_memory(DEFAULT_MEMORY),
    )
    chart_dataset(run, chart=lambda batch, settings: ChartedBatch(batch, batch.head(0)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shares", default="0.1,0.3,1")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "qi-national")
    parser.add_argument("--baseline", nargs=2, metavar=("SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline(*args.baseline)
        return
    panel = generate(args.cache)
    print(
        f"{'share':>6} {'series':>10} {'points':>12} {'qi chart s':>11} {'points/s':>11} "
        f"{'peak GB':>8} {'polars s':>9} {'peak GB':>8} {'ratio':>6}",
        flush=True,
    )
    for fraction in [float(s) for s in args.shares.split(",")]:
        source = share(panel, fraction)
        scan = pl.scan_parquet(source / "**" / "*.parquet", hive_partitioning=True)
        rows = scan.select(pl.len()).collect().item()
        series = round(len(lsoa_codes()) * INDICATORS * min(fraction, 1))
        with tempfile.TemporaryDirectory(dir=args.cache) as scratch:
            out = Path(scratch) / "points"
            command = [sys.executable, "-m", "qi.cli", "chart", str(source), "--out", str(out)]
            charted, charted_peak = measured([*command, *ARGUMENTS])
            shutil.rmtree(out)
            bare = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--baseline",
                str(source),
                str(Path(scratch) / "b"),
            ]
            plain, plain_peak = measured(bare)
        print(
            f"{fraction:>6.0%} {series:>10,} {rows:>12,} {charted:>11.1f} {rows / charted:>11,.0f} "
            f"{charted_peak:>8.2f} {plain:>9.1f} {plain_peak:>8.2f} {charted / plain:>6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
