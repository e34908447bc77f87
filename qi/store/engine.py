"""Opening the database: which URL, engine settings per backend, writing, schema upgrades.

SQLite is the default (``data/qi.sqlite``, WAL, foreign keys on). PostgreSQL is used when
``QI_DATABASE_URL`` (or an explicit URL) says so. The schema is created and upgraded only
through the alembic migrations beside this module, under a lock, so that several first runs
at once on a new database all succeed.

Every write goes through ``writing()``: on SQLite the transaction takes the write lock at its
start (``BEGIN IMMEDIATE``), so a writer waits its turn instead of failing half way with
"database is locked" when another change commits first; on PostgreSQL lock waits are bounded.
A writer that waits longer than ``BUSY_TIMEOUT_S`` gets ``StoreBusy``: nothing was written,
and trying again will work.
"""

import getpass
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from qi.store.errors import StoreBusy, StoreTimedOut

DEFAULT_SQLITE_PATH = Path("data") / "qi.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"
# How long a writer waits for another writer before giving up with StoreBusy, in seconds.
BUSY_TIMEOUT_S = 60.0
# How long a first run waits for another process creating or upgrading the schema.
MIGRATION_TIMEOUT_S = 300.0
# The PostgreSQL advisory lock held while the schema is created or upgraded ("qi" + 0003).
MIGRATION_LOCK = 0x71690003
WRITE = {"qi_write": True}
_UPGRADING = threading.Lock()  # alembic's context is process-wide: one upgrade at a time


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``QI_DATABASE_URL``, else SQLite under data/."""
    url = url or os.environ.get("QI_DATABASE_URL")
    if url:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed.render_as_string(hide_password=False)
    path = DEFAULT_SQLITE_PATH.resolve()
    return f"sqlite:///{path}"


def database_shown(url: str | None = None) -> str:
    """The database for people (see ``database_url``): the SQLite file, or the URL without its
    password."""
    parsed = make_url(database_url(url))
    if parsed.drivername.startswith("sqlite"):
        return parsed.database or "an in-memory SQLite database"
    return parsed.render_as_string(hide_password=True)


def default_actor() -> str:
    """Who is writing, when the caller does not say: the environment's user name."""
    try:
        return os.environ.get("QI_ACTOR") or getpass.getuser()
    except Exception:  # getpass raises when no user name can be found at all
        return "unknown"


def _write_ahead_log(cursor) -> None:
    """Put the database in WAL mode (kept in the file: a no-op once set). Switching a new
    database's mode needs it to itself for a moment, and SQLite answers "database is locked" at
    once, without waiting, when other first connections are opening it too (eight first runs
    at the same time did): it is tried again for up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _write_ahead_log(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Staging tables for bulk writes live in memory; a larger page cache speeds big uploads.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-262144")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection):
        writing = connection.get_execution_options().get("qi_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def connect(url: str | None = None) -> Engine:
    """An engine for the URL (see ``database_url``), without touching the schema."""
    url = database_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return _postgresql_engine(url)


def _postgresql_engine(url: str) -> Engine:
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Reads COPY results out as CSV (qi.store.frames): floats as the shortest text that reads
        # back to the same double (not rounded, whatever the server's extra_float_digits), dates
        # as ISO, text as UTF-8, whatever the server or database sets.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                "SET extra_float_digits = 1; SET DateStyle = 'ISO, YMD'; "
                "SET client_encoding = 'UTF8'"
            )
        dbapi_connection.commit()

    return engine


def _driver_error(error: Exception) -> Exception:
    """The driver's own error, whether SQLAlchemy wrapped it or a bulk write raised it raw."""
    return getattr(error, "orig", None) or error


def _busy(error: Exception) -> bool:
    """A lock wait that ran out (SQLite "database is locked", PostgreSQL lock_timeout)."""
    raw = _driver_error(error)
    return getattr(raw, "sqlstate", None) == "55P03" or (
        isinstance(raw, sqlite3.OperationalError) and "is locked" in str(raw)
    )


def _timed_out(error: Exception) -> bool:
    """A statement stopped by the time limit (SQLite interrupt, PostgreSQL statement_timeout)."""
    raw = _driver_error(error)
    return getattr(raw, "sqlstate", None) == "57014" or (
        isinstance(raw, sqlite3.OperationalError) and "interrupted" in str(raw)
    )


@contextmanager
def writing(
    engine: Engine, wait_s: float | None = None, time_limit_s: float | None = None
) -> Iterator[Connection]:
    """A write transaction, committed when the block ends (rolled back on an exception).

    The transaction waits at most ``wait_s`` (default ``BUSY_TIMEOUT_S``) for other writers,
    then raises ``StoreBusy``; with ``time_limit_s`` it is stopped (and rolled back, raising
    ``StoreTimedOut``) once it has run that long. SQLite takes the write lock at the start
    (``BEGIN IMMEDIATE``, so what the transaction reads stays true until it commits);
    PostgreSQL bounds lock waits with ``lock_timeout`` and the run with ``statement_timeout``."""
    wait = BUSY_TIMEOUT_S if wait_s is None else max(0.0, wait_s)
    started = time.monotonic()
    with engine.connect() as connection:
        connection.execution_options(**WRITE)
        sqlite = connection.dialect.name == "sqlite"
        driver: Any = connection.connection.driver_connection
        if sqlite:
            driver.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
            if time_limit_s is not None:
                end = started + time_limit_s
                driver.set_progress_handler(lambda: time.monotonic() > end, 10_000)
        try:
            with connection.begin():
                if not sqlite:
                    connection.exec_driver_sql(
                        f"SET LOCAL lock_timeout = {max(1, int(wait * 1000))}"
                    )
                    if time_limit_s is not None:
                        limit = max(1, int(time_limit_s * 1000))
                        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {limit}")
                yield connection
        except Exception as error:
            if _busy(error):
                raise StoreBusy(time.monotonic() - started) from error
            if _timed_out(error):
                raise StoreTimedOut(time_limit_s) from error
            raise
        finally:
            if sqlite:
                driver.set_progress_handler(None, 0)
                driver.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` through the alembic migrations.

    Under a lock, so that several processes opening a new database at once all succeed: the
    first creates the schema while the others wait, then find it done. SQLite: the whole
    upgrade is one ``BEGIN IMMEDIATE`` transaction (SQLite's DDL is transactional);
    PostgreSQL: a transaction-scoped advisory lock taken before alembic reads the version."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _UPGRADING, writing(engine, wait_s=MIGRATION_TIMEOUT_S) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_store(url: str | None = None) -> Engine:
    """The engine for the URL with its schema at the newest migration: what the app and CLI use."""
    engine = connect(url)
    upgrade(engine)
    return engine


def new_id(result: CursorResult[Any]) -> int:
    """The primary key a one-row INSERT gave its row."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the insert gave no primary key")
    return int(key[0])


# After a write of at least this many rows, PostgreSQL's statistics of the table are refreshed
# in the same transaction (SQLite plans without them).
BULK_ROWS = 10_000


def refresh_statistics(connection: Connection, table: str, rows: int) -> None:
    """``ANALYZE`` ``table`` on PostgreSQL after a bulk write of ``rows`` rows. Until autovacuum
    gets to it, the planner sees the table as it was: a rollup of 405,060 LSOA observations
    loaded into an empty table was planned as a nested loop and ran for minutes instead of
    about two seconds (benchmarks/places.py)."""
    if rows >= BULK_ROWS and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ANALYZE {table}")
