"""PostgreSQL plans from statistics: a bulk write refreshes them in its own transaction, so a
rollup straight after a large upload is planned for the table as it is (a nested loop planned
for an empty table ran for minutes on 405,060 observations)."""

from datetime import date, timedelta

from sqlalchemy import text

from qi.store import open_store
from qi.store.engine import BULK_ROWS
from tests.store.test_places import _setup, _store

LSOAS = ("L1", "L2", "L3", "L4")


def _reltuples(engine) -> float:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'observations'")
        ).scalar_one()


def test_a_bulk_upload_refreshes_the_statistics_a_small_one_leaves_them(postgresql_url):
    engine = open_store(postgresql_url)
    with engine.begin() as connection:  # nothing but qi's own ANALYZE refreshes them here
        connection.execute(text("ALTER TABLE observations SET (autovacuum_enabled = false)"))
    _setup(engine)
    days = [date(2000, 1, 1) + timedelta(days=i) for i in range(BULK_ROWS // len(LSOAS) + 1)]
    _store(engine, [(place, days[0], "all", 1, 2) for place in LSOAS])
    assert _reltuples(engine) <= 0  # never analysed: -1 (or 0)
    _store(engine, [(place, day, "all", 1, 2) for place in LSOAS for day in days[1:]])
    assert _reltuples(engine) == BULK_ROWS + len(LSOAS)
    engine.dispose()
