"""How ``read_frame`` reads from PostgreSQL: a new ADBC connection per read, COPY ... TO STDOUT
(FORMAT csv) through SQLAlchemy's pooled psycopg connection, or one ADBC connection reused.

A throwaway PostgreSQL 15 server started as the tests start theirs (``tests.conftest``), with
two databases: a synthetic store of 50 measures x 30 places x 60 months (90,000 observations)
and the demo. Prints the median wall time of 3 runs of (a) 200 reads of one series, (b) every
observation of the synthetic store in one read and (c) one meeting page's service calls on the
demo (subjects, previous meeting, ``meeting_review`` of an initiative, inputs waiting), with
each way of reading swapped in for ``read_frame`` in every module that uses it.

    python benchmarks/pg_reads.py

Figures (2 December 2026, a 2-core machine shared with other work, load average 7-13, so
they are rough; medians of 3, the ways taking turns run by run). Before, a new ADBC
connection per read: (a) 21.4 s, (b) 451 ms, (c) 4.40 s. After, COPY through the pool
(``read_frame``): (a) 785 ms (0.04 of before), (b) 186 ms (0.41), (c) 295 ms (0.07).
One ADBC connection reused: (a) 773 ms, (b) 157 ms, (c) 299 ms: no faster for small reads
and a page, 16% faster for the one big read, so COPY was kept (SQLAlchemy's pool already
hands a connection to one thread at a time, replaces broken ones and closes them on
``dispose()``; the ADBC driver is no longer a dependency). Every read setting up its own
connection cost about 100-160 ms on this machine; the read itself 1-4 ms.
"""

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, Select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qi.access import local_admin  # noqa: E402
from qi.demo import load_demo  # noqa: E402
from qi.demo.partnership import BEST_START  # noqa: E402
from qi.services.feedback import waiting_summary  # noqa: E402
from qi.services.meeting import meeting_review, previous_meeting, review_subjects  # noqa: E402
from qi.store import (  # noqa: E402
    UploadRecord,
    frames,
    open_store,
    read_measures,
    read_places,
    read_series,
    store_observations,
    upsert_measures,
    upsert_places,
)

ADMIN = local_admin("benchmark")
MEASURES, PLACES, MONTHS = 50, 30, 60
PERIODS = [date(2020 + m // 12, m % 12 + 1, 1) for m in range(MONTHS)]
Read = Callable[[Engine | Connection, Select, dict[str, pl.DataType]], pl.DataFrame]


# --- the ways of reading, each a stand-in for read_frame ----------------------------------------


def _adbc_uri(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frame.columns = list(schema)
    return frame.with_columns(
        frames._as(name, dtype, frame[name].dtype) for name, dtype in schema.items()
    )


def adbc_each(bind: Engine | Connection, query: Select, schema: dict) -> pl.DataFrame:
    """What read_frame did before: a new ADBC connection for every read outside a transaction."""
    import adbc_driver_postgresql.dbapi

    if isinstance(bind, Connection):
        return frames.read_frame(bind, query, schema)
    with (
        adbc_driver_postgresql.dbapi.connect(_adbc_uri(bind)) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(frames._literal_sql(bind, query))
        frame = pl.from_arrow(cursor.fetch_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return _typed(frame, schema)


_kept = threading.local()


def adbc_reused(bind: Engine | Connection, query: Select, schema: dict) -> pl.DataFrame:
    """One ADBC connection per thread, kept open (autocommit, so no transaction stays open)."""
    import adbc_driver_postgresql.dbapi

    if isinstance(bind, Connection):
        return frames.read_frame(bind, query, schema)
    connection = getattr(_kept, "connection", None)
    if connection is None:
        connection = adbc_driver_postgresql.dbapi.connect(_adbc_uri(bind), autocommit=True)
        _kept.connection = connection
    with connection.cursor() as cursor:
        cursor.execute(frames._literal_sql(bind, query))
        frame = pl.from_arrow(cursor.fetch_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return _typed(frame, schema)


def _ways() -> dict[str, Read]:
    """``read_frame`` as it is (COPY through the pool) and, when the ADBC driver is installed
    (no longer a dependency: ``pip install adbc-driver-postgresql``), the two ADBC ways."""
    ways: dict[str, Read] = {}
    try:
        import adbc_driver_postgresql.dbapi  # noqa: F401
    except ImportError:
        print("(adbc-driver-postgresql is not installed: read_frame alone is timed)")
    else:
        ways["ADBC, a new connection per read"] = adbc_each
    ways["read_frame: COPY csv, pooled psycopg"] = frames.read_frame
    if "ADBC, a new connection per read" in ways:
        ways["ADBC, one connection reused"] = adbc_reused
    return ways


@contextmanager
def reading_with(read: Read) -> Iterator[None]:
    """``read`` in place of ``read_frame`` in every qi module that imported it."""
    swapped = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("qi.")
        and module is not frames
        and getattr(module, "read_frame", None) is frames.read_frame
    ]
    for module in swapped:
        module.read_frame = read  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in swapped:
            module.read_frame = frames.read_frame  # type: ignore[attr-defined]


def close_kept() -> None:
    """Close the connection ``adbc_reused`` kept open."""
    kept = getattr(_kept, "connection", None)
    if kept is not None:
        kept.close()
        _kept.connection = None


# --- the stores ---------------------------------------------------------------------------------


def build_synthetic(engine: Engine) -> None:
    places = [f"P{p:02d}" for p in range(PLACES)]
    upsert_places(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "code": places,
                "name": places,
                "type": "local_authority",
                "parent": None,
                "gss_code": None,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    codes = [f"m{m:02d}" for m in range(MEASURES)]
    upsert_measures(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "code": codes,
                "name": codes,
                "kind": "proportion",
                "multiplier": 100.0,
                "improvement": "up",
                "frequency": "month",
            }
        ),
    )
    measure_ids = read_measures(engine)["id"].to_numpy()
    place_ids = read_places(engine)["id"].to_numpy()
    rng = np.random.default_rng(7)
    n = len(measure_ids) * len(place_ids) * MONTHS
    denominator = rng.integers(20, 200, size=n).astype(float)
    rows = pl.DataFrame(
        {
            "measure_id": np.repeat(measure_ids, len(place_ids) * MONTHS),
            "place_id": np.tile(np.repeat(place_ids, MONTHS), len(measure_ids)),
            "period": PERIODS * (len(measure_ids) * len(place_ids)),
            "value": rng.random(n) / 3,  # full-precision doubles
            "numerator": rng.binomial(denominator.astype(int), 0.6).astype(float),
            "denominator": denominator,
            "missing_reason": None,
            "status": "final",
        },
        schema_overrides={"missing_reason": pl.String},
    )
    store_observations(engine, ADMIN, rows, UploadRecord("bench", "h", n, {}))


def meeting_page(engine: Engine) -> None:
    """The service calls of the meeting page for the demo's Best Start initiative."""
    review_subjects(engine, ADMIN)
    previous_meeting(engine, ADMIN, initiative=BEST_START)
    meeting_review(engine, ADMIN, initiative=BEST_START)
    waiting_summary(engine, ADMIN, date.today(), initiative=BEST_START, audience="partnership")


def counted(fn: Callable[[], object]) -> int:
    """How many times ``fn`` calls read_frame."""
    calls = 0

    def counting(bind, query, schema):
        nonlocal calls
        calls += 1
        return frames.read_frame(bind, query, schema)

    with reading_with(counting):
        fn()
    return calls


def bench(synthetic: Engine, demo: Engine) -> None:
    ways = _ways()
    workloads: dict[str, Callable[[], object]] = {
        "(a) 200 reads of one series (60 rows each)": lambda: [
            read_series(synthetic, ADMIN, measures="m07", places="P03") for _ in range(200)
        ],
        f"(b) one read of every observation ({MEASURES * PLACES * MONTHS:,} rows)": lambda: (
            read_series(synthetic, ADMIN)
        ),
        f"(c) meeting page on the demo ({counted(lambda: meeting_page(demo))} reads)": lambda: (
            meeting_page(demo)
        ),
    }
    for work, fn in workloads.items():
        print(work)
        # The ways take turns, run by run, so that the machine's other load falls on each alike.
        times: dict[str, list[float]] = {way: [] for way in ways}
        for run in range(4):  # the first run warms up (imports, connections, caches)
            for way, read in ways.items():
                with reading_with(read):
                    start = time.perf_counter()
                    fn()
                    if run:
                        times[way].append(time.perf_counter() - start)
        close_kept()
        medians = {way: statistics.median(seconds) for way, seconds in times.items()}
        for way, seconds in medians.items():
            print(f"  {way:<37} {seconds * 1000:8.1f} ms (median of 3)")
        first = next(iter(ways))
        for way in list(ways)[1:]:
            print(f"  {way} / {first}: {medians[way] / medians[first]:.2f}")


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    from tests.conftest import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        server.sql("CREATE DATABASE synthetic")
        server.sql("CREATE DATABASE demo")
        synthetic, demo = open_store(server.url("synthetic")), open_store(server.url("demo"))
        start = time.perf_counter()
        build_synthetic(synthetic)
        load_demo(demo)
        print(f"PostgreSQL 15: stores built in {time.perf_counter() - start:.1f} s")
        bench(synthetic, demo)
        synthetic.dispose()
        demo.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
