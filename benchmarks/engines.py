"""One machine, Spark and Dask: the same ``qi chart`` on 10k, 100k and 1M series x 60 months.

The panels are cut from the national one (``benchmarks/national.py``, generated once under the
cache folder: real LSOA codes, 60 months, shifts, trends and outliers, 0.5% of months missing
and 0.5% without a value): the first 10,000 places of one indicator; every place of the first
3 indicators (101,265 series); of the first 30 (1,012,650 series). Each run is the whole
command in a fresh process, as a user runs it (XmR chart, every Making Data Count rule, narrow
columns, Parquet datasets out):

- ``--engine polars``: this machine, in batches sized by the default memory budget;
- ``--engine spark``: a local Spark master on every core (its JVM started by the command);
- ``--engine dask``: a local Dask cluster of two worker processes (started by the command).

It prints, per size and engine, the median wall time of ``--repeats`` runs and points per
second.
Run it from the repository's root:

    python benchmarks/engines.py [--sizes 10k,100k,1m] [--repeats 3] [--engines polars,spark,dask]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national import ARGUMENTS, ROOT, generate, share  # noqa: E402

SIZES = {"10k": 0.01, "100k": 0.03, "1m": 0.3}  # 10k: 10,000 places of one indicator
SMALL = 10_000


def panel_of(size: str, national: Path) -> Path:
    """The panel for ``size``: a share of the national indicators (hard links), or for 10k
    the first 10,000 places of the first indicator."""
    if size != "10k":
        return share(national, SIZES[size])
    folder = national.with_name("engines-10k")
    if not folder.exists():
        first = national / "measure=M001" / "data.parquet"
        places = pl.scan_parquet(first).select("place").unique().sort("place").head(SMALL)
        rows = pl.scan_parquet(first).join(places, on="place", how="semi").collect()
        (folder / "measure=M001").mkdir(parents=True)
        rows.sort("place", "month").write_parquet(folder / "measure=M001" / "data.parquet")
    return folder


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10k,100k,1m")
    parser.add_argument("--engines", default="polars,spark,dask")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "qi-national")
    args = parser.parse_args()
    national = generate(args.cache)
    engines = args.engines.split(",")
    print(
        f"{'size':>5} {'series':>10} {'points':>11} {'engine':>7} {'runs':>4} {'median s':>9} "
        f"{'points/s':>10}",
        flush=True,
    )
    for size in args.sizes.split(","):
        source = panel_of(size, national)
        scan = pl.scan_parquet(source / "**" / "*.parquet", hive_partitioning=True)
        rows = scan.select(pl.len()).collect().item()
        series = scan.select("measure", "place").unique().select(pl.len()).collect().item()
        for engine in engines:
            times = []
            for _ in range(args.repeats):
                with tempfile.TemporaryDirectory(dir=args.cache) as scratch:
                    out = Path(scratch) / "points"
                    command = [sys.executable, "-m", "qi.cli", "chart", str(source)]
                    times.append(
                        timed([*command, "--out", str(out), *ARGUMENTS, "--engine", engine])
                    )
            median = statistics.median(times)
            print(
                f"{size:>5} {series:>10,} {rows:>11,} {engine:>7} {len(times):>4} {median:>9.1f} "
                f"{rows / median:>10,.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
