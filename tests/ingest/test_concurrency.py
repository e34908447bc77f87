"""Two uploads at once for the same measure lose nothing, on SQLite and PostgreSQL."""

import threading
from datetime import date

import polars as pl

from qi.access import local_admin
from qi.ingest import ingest_bytes
from qi.store import connect, read_revisions, read_series, upsert_places
from tests.ingest.files import add_definitions, csv_bytes

PLACES = [f"P{i:04d}" for i in range(600)]
MONTHS = [f"2023-{m:02d}" for m in range(1, 13)] + [f"2024-{m:02d}" for m in range(1, 13)]


def _file(places: list[str], offset: int) -> bytes:
    rows = [
        ["falls_admissions", p, month, str(i + offset)]
        for p in places
        for i, month in enumerate(MONTHS)
    ]
    return csv_bytes([["measure", "place", "period", "value"], *rows])


def test_two_uploads_at_once_for_the_same_measure_lose_nothing(database_url):
    engine = connect(database_url)
    add_definitions(engine)
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {"code": PLACES, "name": PLACES, "type": "ward", "parent": None, "gss_code": None},
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    # A: places 0-399; B: places 200-599. Places 200-399 are in both, with different values.
    files = {"a.csv": _file(PLACES[:400], 0), "b.csv": _file(PLACES[200:], 1000)}
    barrier = threading.Barrier(2)
    reports = {}

    def upload(name: str) -> None:
        own = connect(database_url)
        barrier.wait()
        reports[name] = ingest_bytes(
            own, local_admin(name), files[name], name, today=date(2025, 1, 1)
        )
        own.dispose()

    threads = [threading.Thread(target=upload, args=(name,)) for name in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {r.outcome for r in reports.values()} == {"stored"}, [
        r.render() for r in reports.values()
    ]
    first, second = sorted(reports.values(), key=lambda r: r.upload_id)
    shared = 200 * len(MONTHS)
    assert (first.added, first.revised) == (400 * len(MONTHS), 0)
    assert (second.added, second.revised) == (200 * len(MONTHS), shared)

    series = read_series(engine, local_admin("tester"), "falls_admissions")
    assert series.height == 600 * len(MONTHS)
    overlap = series.filter(pl.col("place").is_in(PLACES[200:400]))
    later = 1000 if second.file_name == "b.csv" else 0
    assert overlap["value"].min() == later and overlap["upload_id"].unique().to_list() == [
        second.upload_id
    ]
    revisions = read_revisions(engine, local_admin("tester"), "falls_admissions")
    assert revisions.height == shared
    assert (revisions["new_value"] - revisions["old_value"]).abs().unique().to_list() == [1000.0]
