"""What filtering reads by the principal costs: the same reads as a local admin (no filter),
as a locality (one local authority and its neighbourhoods: a short list of place ids in the
WHERE) and as a coach over an initiative of half the places (a long list).

A synthetic store: 20 local authorities of 100 neighbourhoods (LSOAs) each, one measure over
36 months at every neighbourhood (72,000 observations). Prints the median wall time of 5 runs
of ``read_series`` (every series), ``read_series_index``, ``read_annotations`` and
``read_rollup`` (neighbourhoods to local authorities), and the rows each principal got.
SQLite in a temporary folder; ``--db`` for PostgreSQL (an empty database).

    python benchmarks/reads.py
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from timing import timed  # benchmarks/timing.py

from qi.access import Grant, Principal, Scope, local_admin
from qi.store import (
    UploadRecord,
    add_initiative,
    open_store,
    read_measures,
    read_places,
    read_series,
    read_series_index,
    store_observations,
    upsert_measures,
    upsert_places,
)
from qi.store.annotations import add_annotation, read_annotations
from qi.store.places import read_rollup

AUTHORITIES, NEIGHBOURHOODS, MONTHS = 20, 100, 36
PERIODS = [date(2022 + m // 12, m % 12 + 1, 1) for m in range(MONTHS)]
ADMIN = local_admin("benchmark")


def _build(engine) -> tuple[list[str], list[str]]:
    """The store; returns the codes of the first authority's places and of half the LSOAs."""
    authorities = [f"LA{a:02d}" for a in range(AUTHORITIES)]
    lsoas = [f"{a}N{n:03d}" for a in authorities for n in range(NEIGHBOURHOODS)]
    upsert_places(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "code": authorities + lsoas,
                "name": authorities + lsoas,
                "type": ["local_authority"] * len(authorities) + ["lsoa"] * len(lsoas),
                "parent": [None] * len(authorities) + [c[:4] for c in lsoas],
                "gss_code": None,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    upsert_measures(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "code": ["seen"],
                "name": ["Seen"],
                "kind": "count",
                "improvement": "up",
                "frequency": "month",
                "chart": "c",
            }
        ),
    )
    ids = read_places(engine).filter(pl.col("type") == "lsoa")["id"].to_numpy()
    rng = np.random.default_rng(12)
    n = len(ids) * MONTHS
    rows = pl.DataFrame(
        {
            "measure_id": read_measures(engine)["id"][0],
            "place_id": np.repeat(ids, MONTHS),
            "period": PERIODS * len(ids),
            "value": rng.poisson(20, n).astype(float),
            "numerator": None,
            "denominator": None,
            "missing_reason": None,
            "status": "final",
        },
        schema_overrides={
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "missing_reason": pl.String,
        },
    )
    store_observations(engine, ADMIN, rows, UploadRecord("bench", "h", n, {}))
    for code in lsoas[:: NEIGHBOURHOODS // 2]:
        add_annotation(
            engine, ADMIN, measure="seen", period=PERIODS[12], kind="context", text="x", place=code
        )
    half = lsoas[: len(lsoas) // 2]
    add_initiative(engine, ADMIN, "Half", half)
    return [authorities[0], *lsoas[:NEIGHBOURHOODS]], half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(args.db or f"sqlite:///{Path(folder) / 'qi.sqlite'}")
        start = time.perf_counter()
        own, half = _build(engine)
        print(f"{engine.dialect.name}: built in {time.perf_counter() - start:.1f} s")
        principals = {
            "local admin (no filter)": ADMIN,
            f"locality ({len(own)} places)": Principal(
                "local:l", "L", (Grant("locality", Scope.place(own[0]), frozenset(own)),)
            ),
            f"coach ({len(half):,} places)": Principal(
                "local:c", "C", (Grant("coach", Scope.initiative("Half"), frozenset(half)),)
            ),
        }
        reads: dict[str, Callable[[Principal], pl.DataFrame]] = {
            "read_series": lambda who: read_series(engine, who),
            "read_series_index": lambda who: read_series_index(engine, who),
            "read_annotations": lambda who: read_annotations(engine, who),
            "read_rollup to authorities": lambda who: read_rollup(
                engine, who, "seen", "local_authority", "lsoa"
            ),
        }
        for name, read in reads.items():
            for label, who in principals.items():
                rows = read(who).height
                seconds = timed(lambda r=read, w=who: r(w))
                print(f"{name}, {label}: {seconds * 1000:.0f} ms, {rows:,} rows (median of 5)")
        engine.dispose()


if __name__ == "__main__":
    main()
