"""Places at national scale: import England's LSOAs, wards, local authorities and ICBs from the
ONS lookups, store one measure for every LSOA over 12 months, then roll it up to wards, local
authorities and ICBs in SQL and put each level on a funnel plot.

Prints the median wall time of 3 runs of each rollup and of ``compare_places`` at each level,
on SQLite in a temporary folder and on a throwaway PostgreSQL 15 server started as the tests
start theirs (``--backend``; ``--db URL`` for a database of your own). Needs
``../shared/data/real`` (or ``--data``).

    python benchmarks/places.py [--backend sqlite|postgresql|both] [--db URL]
"""

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from timing import timed  # benchmarks/timing.py

from qi.access import local_admin
from qi.ingest.places import read_ons_places
from qi.services.compare import compare_places
from qi.store import (
    UploadRecord,
    open_store,
    read_measures,
    read_places,
    store_observations,
    upsert_measures,
    upsert_places,
)
from qi.store.places import read_rollup

ADMIN = local_admin("benchmark")

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
MONTHS = [date(2024, m, 1) for m in range(1, 13)]


def bench(label: str, url: str, data: Path) -> None:
    """Import, store and time the rollups and funnels on one database."""
    print(f"{label}:")
    engine = open_store(url)
    start = time.perf_counter()
    places = read_ons_places(
        data / "lookup_lsoa21_ward24_ltla24.csv", data / "lookup_lsoa21_icb24.csv"
    )
    upsert_places(engine, ADMIN, places)
    print(f"  import {places.height:,} places: {time.perf_counter() - start:.1f} s")
    upsert_measures(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "code": ["seen"],
                "name": ["Seen in time"],
                "kind": "proportion",
                "multiplier": 100.0,
                "improvement": "up",
                "frequency": "month",
            }
        ),
    )
    ids = read_places(engine).filter(pl.col("type") == "lsoa")["id"]
    rng = np.random.default_rng(13)
    n = len(ids) * len(MONTHS)
    denominator = rng.integers(20, 200, size=n).astype(float)
    rows = pl.DataFrame(
        {
            "measure_id": read_measures(engine)["id"][0],
            "place_id": np.repeat(ids.to_numpy(), len(MONTHS)),
            "period": MONTHS * len(ids),
            "value": None,
            "numerator": rng.binomial(denominator.astype(int), 0.6).astype(float),
            "denominator": denominator,
            "missing_reason": None,
            "status": "final",
        },
        schema_overrides={"value": pl.Float64, "missing_reason": pl.String},
    )
    start = time.perf_counter()
    store_observations(engine, ADMIN, rows, UploadRecord("bench", "h", n, {}))
    print(f"  store {n:,} LSOA observations: {time.perf_counter() - start:.1f} s")
    for level in ("ward", "local_authority", "icb"):
        rolled = timed(lambda lv=level: read_rollup(engine, ADMIN, "seen", lv, "lsoa"), 3)
        compared = timed(
            lambda lv=level: compare_places(engine, ADMIN, "seen", lv, MONTHS[-1], MONTHS[-1]), 3
        )
        print(
            f"  {level}: rollup of {n:,} observations (12 months) {rolled:.2f} s, funnel of "
            f"one month {compared:.2f} s (medians of 3)"
        )
    compared = timed(
        lambda: compare_places(engine, ADMIN, "seen", "lsoa", MONTHS[-1], MONTHS[-1]), 3
    )
    print(f"  lsoa: funnel of one month {compared:.2f} s (median of 3)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--db", help="a database URL of your own (instead of --backend)")
    args = parser.parse_args()
    if args.db:
        bench(args.db.split(":", 1)[0], args.db, args.data)
        return
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            bench("SQLite", f"sqlite:///{Path(folder) / 'qi.sqlite'}", args.data)
    if args.backend in ("postgresql", "both"):
        from tests.conftest import PostgresServer

        server = PostgresServer()
        server.start()
        try:
            server.sql("CREATE DATABASE places")
            bench("PostgreSQL 15", server.url("places"), args.data)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
