"""Ingest benchmark: a seeded 1,000,000-row long file validated and stored, and 100,000 rows
read back into polars, on SQLite and on a throwaway PostgreSQL 15.

Prints the median of 3 runs, rows per second and each run's peak memory (every run is a fresh
process on a fresh database, so peaks do not mix). Targets: store under 15 s on
SQLite and under 10 s on PostgreSQL; read 100,000 rows in under 1 s.

    .venv/bin/python benchmarks/ingest.py [--rows-per-place 25] [--places 40000]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

SEED = 20240301
RUNS = 3
READ_ROWS = 100_000


def make_file(path: Path, places: int, months: int) -> None:
    """Long CSV: measure, place, period (a mix of formats), value (a few suppressed)."""
    rng = np.random.default_rng(SEED)
    codes = pl.Series([f"W{i:07d}" for i in range(places)])
    periods = pl.date_range(
        date(2022, 1, 1),
        date(2022 + (months - 1) // 12, (months - 1) % 12 + 1, 1),
        "1mo",
        eager=True,
    )
    frame = pl.DataFrame({"place": codes}).join(pl.DataFrame({"period": periods}), how="cross")
    values = rng.poisson(40, frame.height).astype(str)
    values[rng.random(frame.height) < 0.01] = "*"
    frame.with_columns(
        pl.lit("falls_admissions").alias("measure"),
        pl.col("period").dt.to_string("%Y-%m"),
        pl.Series("value", values),
    ).select("measure", "place", "period", "value").write_csv(path)


def define(url: str, places: int) -> None:
    from qi.store import open_store, upsert_measures, upsert_places

    engine = open_store(url)
    upsert_measures(engine, pl.DataFrame({
        "code": ["falls_admissions"], "name": ["Falls admissions"], "definition": [None],
        "unit": ["admissions"], "kind": ["count"], "multiplier": [1.0], "improvement": ["down"],
        "target": [None], "chart": ["c"], "rule_set": [None], "frequency": ["month"],
    }, schema_overrides={"definition": pl.String, "target": pl.Float64, "rule_set": pl.String}))  # fmt: skip
    codes = [f"W{i:07d}" for i in range(places)]
    upsert_places(engine, pl.DataFrame(
        {"code": codes, "name": codes, "type": "ward", "parent": None, "gss_code": None},
        schema_overrides={"parent": pl.String, "gss_code": pl.String},
    ))  # fmt: skip
    engine.dispose()


def one_run(url: str, file: Path, read_places: int) -> dict:
    """In a fresh process: ingest the file, then read READ_ROWS rows back."""
    from qi.ingest import ingest_file
    from qi.store import connect, read_series

    engine = connect(url)
    start = time.perf_counter()
    report = ingest_file(engine, file, today=date(2026, 1, 1), actor="benchmark")
    stored = time.perf_counter() - start
    assert report.outcome == "stored", report.render()[:2000]
    codes = [f"W{i:07d}" for i in range(read_places)]
    reads = []
    for _ in range(RUNS):
        start = time.perf_counter()
        series = read_series(engine, "falls_admissions", places=codes)
        reads.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"store_s": stored, "rows": report.rows_read, "added": report.added,
            "read_s": statistics.median(reads), "read_rows": series.height, "peak_mb": peak_mb}  # fmt: skip


def _child(url: str, file: Path, read_places: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(file), str(read_places)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(backend: str, new_database, file: Path, places: int, months: int) -> None:
    runs = []
    for _ in range(RUNS):
        url = new_database()
        define(url, places)
        runs.append(_child(url, file, READ_ROWS // months))
    store = statistics.median(r["store_s"] for r in runs)
    read = statistics.median(r["read_s"] for r in runs)
    rows = runs[0]["rows"]
    each = ", ".join(f"{r['store_s']:.2f}" for r in runs)
    print(
        f"{backend:<10} store {rows:,} rows: median {store:5.2f} s ({rows / store:,.0f} rows/s) "
        f"[runs {each}]; "
        f"peak memory {max(r['peak_mb'] for r in runs):,.0f} MB; "
        f"read {runs[0]['read_rows']:,} rows into polars: median {read * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=40_000)
    parser.add_argument("--months", type=int, default=25)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        file = folder / "observations.csv"
        start = time.perf_counter()
        make_file(file, args.places, args.months)
        print(f"file: {args.places:,} places x {args.months} months = {args.places * args.months:,} rows, "
              f"{file.stat().st_size / 1e6:.0f} MB, made in {time.perf_counter() - start:.1f} s (seed {SEED})")  # fmt: skip
        if args.backend in ("sqlite", "both"):
            counter = iter(range(RUNS))
            bench(
                "SQLite",
                lambda: f"sqlite:///{folder / f'qi{next(counter)}.sqlite'}",
                file,
                args.places,
                args.months,
            )
        if args.backend in ("postgresql", "both"):
            from tests.conftest import PostgresServer

            server = PostgresServer()
            server.start()
            try:
                names = iter(f"bench{i}" for i in range(RUNS))

                def new_database() -> str:
                    name = next(names)
                    server.sql(f"CREATE DATABASE {name}")
                    return server.url(name)

                bench("PostgreSQL", new_database, file, args.places, args.months)
            finally:
                server.stop()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(one_run(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
