"""Opening the database: which URL, engine settings per backend, and schema upgrades.

SQLite is the default (``data/qi.sqlite``, WAL, foreign keys on, write transactions take the
write lock up front with ``BEGIN IMMEDIATE`` so concurrent uploads queue instead of failing).
PostgreSQL is used when ``QI_DATABASE_URL`` (or an explicit URL) says so. The schema is
created and upgraded only through the alembic migrations beside this module.
"""

import getpass
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_SQLITE_PATH = Path("data") / "qi.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for another writer before giving up, in seconds.
SQLITE_BUSY_TIMEOUT_S = 120
WRITE = {"qi_write": True}


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


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred and late).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Staging tables for bulk writes live in memory; a larger page cache speeds big uploads.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-262144")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
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
    return create_engine(url)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` through the alembic migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def open_store(url: str | None = None) -> Engine:
    """The engine for the URL with its schema at the newest migration: what the app and CLI use."""
    engine = connect(url)
    upgrade(engine)
    return engine
