"""``read_frame``: a read query into a polars frame, exactly, on SQLite and PostgreSQL.

Floats read back bit for bit (the SPC conformance depends on it), NULLs as nulls and empty
text as empty text, dates as dates, text with commas, quotes and newlines intact, and an
empty result with its schema; the same inside a transaction. On PostgreSQL (COPY through the
pool): whatever the database sets for float digits and date style, a dropped connection, and
several threads reading at once, without leaving connections behind.
"""

import math
import struct
import threading
import time
from datetime import date, datetime

import numpy as np
import polars as pl
import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    insert,
    select,
    text,
)

from qi.store import connect
from qi.store.frames import read_frame

METADATA = MetaData()
CHECK = Table(
    "frame_check",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("x", Double),
    Column("day", Date),
    Column("words", Text),
    Column("flag", Boolean),
    Column("at", DateTime),
)
SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "x": pl.Float64(),
    "day": pl.Date(),
    "words": pl.String(),
    "flag": pl.Boolean(),
    "at": pl.Datetime("us"),
}
QUERY = select(*CHECK.columns).order_by(CHECK.c.id)

TRICKY_FLOATS = [
    0.1,
    1 / 3,
    2 / 3,
    -1e-15,
    0.30000000000000004,
    1e-300,
    5e-324,  # the smallest denormal
    2.2250738585072014e-308,
    123456789.12345679,
    9007199254740993.0,
    math.pi,
    -math.e,
    100.0,
]
# Exact on PostgreSQL only: SQLite keeps a whole REAL as an integer (0 has no sign), and its
# printf('%!.17g') of the largest double is one unit in the last place short.
POSTGRESQL_FLOATS = [-0.0, 1.7976931348623157e308, -1.7976931348623157e308]
AWKWARD_TEXT = [
    "a, b, and c",
    'she said "no"',
    "it's",
    "two\nlines",
    "windows\r\nline",
    "  spaces kept  ",
    "",
    "NULL",
    "\\.",
    "\\N",
    "'quoted'",
    "tab\there",
    "Ysgol Gymraeg, Caerdydd — ‘café’ 😊",
    ",",
    '"',
]


def _bits(values) -> list[int]:
    return [struct.unpack("<q", struct.pack("<d", v))[0] for v in values]


def _rows(postgresql: bool) -> list[dict]:
    rng = np.random.default_rng(5)
    floats = (
        TRICKY_FLOATS
        + POSTGRESQL_FLOATS * postgresql
        + list(rng.random(40) * 10.0 ** rng.integers(-12, 12, 40))
    )
    rows = [
        {
            "id": i,
            "x": float(x),
            "day": date(1900 + i % 200, 1 + i % 12, 1 + i % 28),
            "words": AWKWARD_TEXT[i % len(AWKWARD_TEXT)],
            "flag": i % 2 == 0,
            "at": datetime(
                2024, 1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60, (i * 12345) % 10**6
            ),
        }
        for i, x in enumerate(floats)
    ]
    rows.append({"id": len(rows), "x": None, "day": None, "words": None, "flag": None, "at": None})
    return rows


@pytest.fixture
def checked(engine) -> tuple[Engine, list[dict]]:
    """The engine with a table of awkward values, and the rows it holds."""
    METADATA.create_all(engine)
    rows = _rows(engine.dialect.name == "postgresql")
    with engine.begin() as connection:
        connection.execute(insert(CHECK), rows)
    return engine, rows


def _assert_exact(frame: pl.DataFrame, rows: list[dict]) -> None:
    assert frame.schema == pl.Schema(SCHEMA)
    expected = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    assert frame.select(pl.exclude("x")).equals(expected.select(pl.exclude("x")))
    read = frame["x"].to_list()
    assert [v is None for v in read] == [r["x"] is None for r in rows]
    assert _bits(v for v in read if v is not None) == _bits(
        r["x"] for r in rows if r["x"] is not None
    )


def test_every_value_reads_back_exactly(checked):
    engine, rows = checked
    _assert_exact(read_frame(engine, QUERY, SCHEMA), rows)


def test_inside_a_transaction_the_same_values_and_the_transactions_own_rows(checked):
    engine, rows = checked
    added = {"id": 1000, "x": 0.1 + 0.2, "day": date(2025, 3, 1), "words": 'new, "row"\n'}
    added |= {"flag": False, "at": datetime(2025, 3, 1, 9, 30)}
    with engine.begin() as connection:
        connection.execute(insert(CHECK), [added])
        _assert_exact(read_frame(connection, QUERY, SCHEMA), [*rows, added])
        connection.rollback()
    _assert_exact(read_frame(engine, QUERY, SCHEMA), rows)


def test_null_and_empty_text_stay_apart(checked):
    engine, _ = checked
    frame = read_frame(engine, QUERY.where(CHECK.c.words == ""), SCHEMA)
    assert frame.height > 0 and frame["words"].to_list() == [""] * frame.height
    nulls = read_frame(engine, QUERY.where(CHECK.c.words.is_(None)), SCHEMA)
    assert nulls.height == 1
    assert nulls.row(0) == (nulls["id"][0], None, None, None, None, None)


@pytest.mark.parametrize("in_transaction", [False, True])
def test_an_empty_result_has_the_schema(checked, in_transaction):
    engine, _ = checked
    query = QUERY.where(CHECK.c.id < 0)
    if in_transaction:
        with engine.begin() as connection:
            frame = read_frame(connection, query, SCHEMA)
    else:
        frame = read_frame(engine, query, SCHEMA)
    assert frame.height == 0
    assert frame.schema == pl.Schema(SCHEMA)


def test_columns_take_the_schemas_names_in_order(checked):
    engine, rows = checked
    query = select(CHECK.c.words, CHECK.c.id.label("anything")).order_by(CHECK.c.id)
    frame = read_frame(engine, query, {"text": pl.String(), "n": pl.Int64()})
    assert frame.columns == ["text", "n"]
    assert frame["n"].to_list() == [r["id"] for r in rows]
    assert frame["text"].to_list() == [r["words"] for r in rows]


# --- PostgreSQL: COPY through SQLAlchemy's pool -------------------------------------------------


@pytest.fixture
def pg_checked(postgresql_url) -> tuple[Engine, list[dict]]:
    engine = connect(postgresql_url)
    METADATA.create_all(engine)
    rows = _rows(postgresql=True)
    with engine.begin() as connection:
        connection.execute(insert(CHECK), rows)
    yield engine, rows
    engine.dispose()


def _backends(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()


def test_postgresql_reads_exactly_whatever_the_database_sets(pg_checked, postgresql_url):
    engine, rows = pg_checked
    name = engine.url.database
    with engine.begin() as connection:
        connection.exec_driver_sql(f"ALTER DATABASE {name} SET extra_float_digits = -3")
        connection.exec_driver_sql(f"ALTER DATABASE {name} SET DateStyle = 'SQL, DMY'")
    engine.dispose()
    other = connect(postgresql_url)
    try:
        _assert_exact(read_frame(other, QUERY, SCHEMA), rows)
        with other.begin() as connection:
            _assert_exact(read_frame(connection, QUERY, SCHEMA), rows)
    finally:
        other.dispose()


def test_postgresql_a_dropped_connection_is_replaced(pg_checked, postgres_server):
    engine, rows = pg_checked
    _assert_exact(read_frame(engine, QUERY, SCHEMA), rows)  # a connection now waits in the pool
    postgres_server.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{engine.url.database}'"
    )
    _assert_exact(read_frame(engine, QUERY, SCHEMA), rows)
    _assert_exact(read_frame(engine, QUERY, SCHEMA), rows)


def test_postgresql_a_read_leaves_the_pooled_connection_transactional(pg_checked):
    engine, rows = pg_checked
    engine.pool.dispose()  # one connection: the read's is the one the write below gets
    read_frame(engine, QUERY, SCHEMA)
    with engine.connect() as connection:
        assert connection.connection.driver_connection.autocommit is False
        connection.execute(insert(CHECK), [{"id": 999}])
        connection.rollback()
    assert read_frame(engine, QUERY, SCHEMA).height == len(rows)


def test_postgresql_threads_read_at_once_on_pooled_connections(pg_checked):
    engine, rows = pg_checked
    expected = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    failures: list[BaseException] = []

    def reader(offset: int) -> None:
        try:
            for i in range(15):
                one = (offset + i) % len(rows)
                frame = read_frame(engine, QUERY.where(CHECK.c.id == one), SCHEMA)
                assert frame.equals(expected.filter(pl.col("id") == one))
        except BaseException as error:  # reported below, from the test's own thread
            failures.append(error)

    threads = [threading.Thread(target=reader, args=(t * 7,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    # At most the pool's size and overflow (5 + 10) stay open, and none once it is disposed.
    assert _backends(engine) <= 15
    engine.dispose()
    # A closed connection's server process ends a moment after the socket closes (the server
    # lists it until then): wait for that, up to 10 s, rather than count a closing one.
    for _ in range(100):
        if _backends(engine) == 0:
            break
        time.sleep(0.1)
    assert _backends(engine) == 0
