"""Ingest benchmark: the worst files found so far, then a seeded 1,000,000-row long file
validated and stored and 100,000 rows read back into polars, on SQLite and on a throwaway
PostgreSQL 15.

Worst cases (each uploaded once, in a fresh process, so its peak memory is its own): tiny files
that once took minutes or gigabytes (an .xlsx whose only cell is XFD1048576, a CSV header of
200,000 columns, a wide CSV of 100,000 period columns, a table with a stray cell at
XFD1048576) and large ones that must stay quick (a 300,000-row .xlsx, 100,000 formula cells
without saved results). Target: each under 10 s and 500 MB; a line says OVER if not.

The 1M-row file: the median of 3 runs, rows per second and each run's peak memory (every run is
a fresh process on a fresh database). Targets: store under 15 s on SQLite and under
10 s on PostgreSQL; read 100,000 rows in under 1 s.

    .venv/bin/python benchmarks/ingest.py [--only worst|million] [--backend sqlite|postgresql|both]
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

from qi.access import local_admin  # noqa: E402

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


def peak_memory_mb() -> float:
    """This process's peak resident memory. /proc's VmHWM is the process's own (getrusage's
    ru_maxrss carries the parent's peak across fork and exec on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def define(url: str, places: int) -> None:
    from qi.store import open_store, upsert_measures, upsert_places

    engine = open_store(url)
    upsert_measures(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": ["falls_admissions"],
                "name": ["Falls admissions"],
                "definition": [None],
                "unit": ["admissions"],
                "kind": ["count"],
                "multiplier": [1.0],
                "improvement": ["down"],
                "target": [None],
                "chart": ["c"],
                "rule_set": [None],
                "frequency": ["month"],
            },
            schema_overrides={"definition": pl.String, "target": pl.Float64, "rule_set": pl.String},
        ),
    )
    codes = [f"W{i:07d}" for i in range(places)]
    upsert_places(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {"code": codes, "name": codes, "type": "ward", "parent": None, "gss_code": None},
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    engine.dispose()


def one_run(url: str, file: Path, read_places: int) -> dict:
    """In a fresh process: ingest the file, then read READ_ROWS rows back."""
    from qi.ingest import ingest_file
    from qi.store import connect, read_series

    engine = connect(url)
    start = time.perf_counter()
    report = ingest_file(engine, local_admin("benchmark"), file, today=date(2026, 1, 1))
    stored = time.perf_counter() - start
    assert report.outcome == "stored", report.render()[:2000]
    codes = [f"W{i:07d}" for i in range(read_places)]
    reads = []
    for _ in range(RUNS):
        start = time.perf_counter()
        series = read_series(engine, local_admin("benchmark"), "falls_admissions", places=codes)
        reads.append(time.perf_counter() - start)
    peak_mb = peak_memory_mb()
    return {
        "store_s": stored,
        "rows": report.rows_read,
        "added": report.added,
        "read_s": statistics.median(reads),
        "read_rows": series.height,
        "peak_mb": peak_mb,
    }


def _child(url: str, file: Path, read_places: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(file), str(read_places)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


WORST_SECONDS, WORST_MB = 10.0, 500.0
WORST_PLACES = [f"W{i:07d}" for i in range(12_500)]


def worst_files(folder: Path) -> list[tuple[str, Path]]:
    """The worst cases, written to files (made here, so their making costs the child nothing)."""
    from tests.ingest.files import (
        long_workbook,
        period_columns_csv,
        stray_cell_workbook,
        wide_header_csv,
        xlsx_bytes,
    )

    table = [["measure", "place", "Jan-24", "Feb-24"], ["falls_admissions", WORST_PLACES[0], 1, 2]]
    formulas = [["measure", "place", "period", "value"]] + [
        [
            "falls_admissions",
            WORST_PLACES[i % 1000],
            f"{2000 + i // 12000}-{(i // 1000) % 12 + 1:02d}",
            ("=", "1+1"),
        ]
        for i in range(100_000)
    ]
    cases = {
        "only cell XFD1048576 (.xlsx)": ("only.xlsx", stray_cell_workbook),
        "stray cell XFD1048576 beside a table": (
            "stray.xlsx",
            lambda: xlsx_bytes(
                table, more_xml='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
            ),
        ),
        "200,000 header columns (CSV)": ("wide.csv", wide_header_csv),
        "100,000 period columns (CSV)": ("periods.csv", period_columns_csv),
        "300,000-row .xlsx (stored)": ("long.xlsx", lambda: long_workbook(300_000, WORST_PLACES)),
        "100,000 formulas without results": ("formulas.xlsx", lambda: xlsx_bytes(formulas)),
    }
    made = []
    for label, (name, build) in cases.items():
        path = folder / name
        path.write_bytes(build())
        made.append((label, path))
    return made


def worst_run(url: str, file: Path) -> dict:
    """In a fresh process: upload one worst-case file."""
    from qi.ingest import ingest_file
    from qi.store import connect

    engine = connect(url)
    start = time.perf_counter()
    report = ingest_file(engine, local_admin("benchmark"), file, today=date(2026, 1, 1))
    took = time.perf_counter() - start
    first = report.errors["problem"][0] if report.errors.height else ""
    return {
        "seconds": took,
        "outcome": report.outcome,
        "added": report.added,
        "problem": first,
        "peak_mb": peak_memory_mb(),
    }


def bench_worst(backend: str, url: str, folder: Path) -> None:
    define(url, 0)
    from qi.store import connect, upsert_places

    engine = connect(url)
    upsert_places(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": WORST_PLACES,
                "name": WORST_PLACES,
                "type": "ward",
                "parent": None,
                "gss_code": None,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    engine.dispose()
    for label, path in worst_files(folder):
        out = subprocess.run(
            [sys.executable, __file__, "--child-worst", url, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        run = json.loads(out.stdout.strip().splitlines()[-1])
        over = run["seconds"] > WORST_SECONDS or run["peak_mb"] > WORST_MB
        what = f"stored {run['added']:,}" if run["outcome"] == "stored" else run["outcome"]
        print(
            f"{backend:<10} {label:<38} {path.stat().st_size / 1e6:6.2f} MB  "
            f"{run['seconds']:5.2f} s  peak {run['peak_mb']:4.0f} MB  {'OVER' if over else 'ok  '}  "
            f"{what}{': ' + run['problem'][:70] if run['problem'] else ''}"
        )


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
    parser.add_argument("--only", choices=["worst", "million"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if args.only != "million":
            run_worst(args.backend, folder)
        if args.only == "worst":
            return
        file = folder / "observations.csv"
        start = time.perf_counter()
        make_file(file, args.places, args.months)
        print(
            f"file: {args.places:,} places x {args.months} months = {args.places * args.months:,} rows, "
            f"{file.stat().st_size / 1e6:.0f} MB, made in {time.perf_counter() - start:.1f} s (seed {SEED})"
        )
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


def run_worst(backend: str, folder: Path) -> None:
    print(f"worst cases (each under {WORST_SECONDS:.0f} s and {WORST_MB:.0f} MB of peak memory):")
    if backend in ("sqlite", "both"):
        bench_worst("SQLite", f"sqlite:///{folder / 'worst.sqlite'}", folder)
    if backend in ("postgresql", "both"):
        from tests.conftest import PostgresServer

        server = PostgresServer()
        server.start()
        try:
            server.sql("CREATE DATABASE worst")
            bench_worst("PostgreSQL", server.url("worst"), folder)
        finally:
            server.stop()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child-worst":
        print(json.dumps(worst_run(sys.argv[2], Path(sys.argv[3]))))
    elif len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(one_run(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
