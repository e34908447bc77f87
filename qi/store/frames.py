"""Running a read query straight into a polars frame, with no per-row Python objects.

PostgreSQL: ``COPY (query) TO STDOUT (FORMAT csv)`` on a connection from SQLAlchemy's pool (or
the caller's, inside its transaction), parsed by polars. A new connection per read (as the ADBC
driver this replaced was used) cost far more than the read itself: benchmarks/pg_reads.py.
SQLite: SQLite itself renders the result as one CSV text (REALs with 17 significant digits, so
they read back to the same double; text quoted) and polars parses it. ADBC's SQLite driver is not used on purpose:
it links its own copy of SQLite, and two copies in one process break each other's WAL locks
("disk I/O error"), as SQLite's documentation warns.

Queries here carry only integers and dates as literals: callers resolve codes to ids first, so
no user text is ever rendered into SQL.
"""

from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Select

# Types polars parses from the CSV text itself; others are read as text and converted (``_as``).
_CSV_TYPES = (pl.Int64(), pl.Float64(), pl.Date(), pl.String())
# Booleans as PostgreSQL writes them (t, f) and as SQLite stores them (1, 0).
_TRUTH = {"t": True, "f": False, "1": True, "0": False}


def _literal_sql(bind: Engine | Connection, query: Select) -> str:
    return str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))


def _copy_out(connection: Connection, sql: str) -> bytes:
    """The CSV text of ``COPY (sql) TO STDOUT`` on ``connection``'s psycopg connection. A
    connection that broke on the way (server restarted, backend ended) is invalidated, so the
    pool opens a new one instead of handing it out again."""
    import psycopg  # only on PostgreSQL

    driver: Any = connection.connection.driver_connection
    buffer = bytearray()
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for chunk in copy:
                buffer += chunk
    except psycopg.OperationalError:
        if driver.broken:
            connection.invalidate()
        raise
    return bytes(buffer)


def _postgresql_frame(
    bind: Engine | Connection, query: Select, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """COPY the result out as CSV and parse it. PostgreSQL writes each float as the shortest
    text that reads back to the same double, dates as ISO and text in UTF-8 (the engine sets
    this on every connection: ``qi.store.engine``); NULL is an empty field, an empty text a
    quoted one. Outside a transaction a pooled connection is used (once more on a fresh one
    when it turns out to be broken: a read changes nothing)."""
    import psycopg

    sql = f"COPY ({_literal_sql(bind, query)}) TO STDOUT (FORMAT csv)"
    if isinstance(bind, Connection):
        text = _copy_out(bind, sql)
    else:
        for attempt in range(2):
            # Autocommit: no BEGIN before the COPY and no ROLLBACK when the pool takes it back.
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                try:
                    text = _copy_out(connection, sql)
                    break
                except psycopg.OperationalError:
                    if attempt or not connection.invalidated:
                        raise
    wire = {name: dtype if dtype in _CSV_TYPES else pl.String() for name, dtype in schema.items()}
    if not text:
        return pl.DataFrame(schema=wire)
    return pl.read_csv(text, has_header=False, schema=wire)


def _sqlite_text(column: str, dtype: pl.DataType) -> str:
    """SQL rendering one cell as CSV text; NULL becomes an empty field, which polars reads as null."""
    if dtype == pl.Float64:
        # 17 significant digits always read back to the same double.
        return f"iif({column} IS NULL, '', printf('%!.17g', {column}))"
    if dtype in (pl.Int64, pl.Date):
        return f"ifnull({column}, '')"
    return f"iif({column} IS NULL, '', quote({column}))"


def _sqlite_frame(
    bind: Engine | Connection, query: Select, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    labels = [f"c{i}" for i in range(len(schema))]
    query = query.with_only_columns(
        *(column.label(label) for column, label in zip(query.selected_columns, labels, strict=True))
    )
    row = " || ',' || ".join(
        _sqlite_text(f"q.{label}", dtype)
        for label, dtype in zip(labels, schema.values(), strict=True)
    )
    sql = f"SELECT group_concat({row}, char(10)) FROM ({_literal_sql(bind, query)}) AS q"
    if isinstance(bind, Connection):
        text = bind.exec_driver_sql(sql).scalar()
    else:
        with bind.connect() as connection:
            text = connection.exec_driver_sql(sql).scalar()
    strings = dict.fromkeys(schema, pl.String())
    if not text:
        return pl.DataFrame(schema=strings)
    return pl.read_csv(text.encode(), has_header=False, quote_char="'", schema=strings)


def read_frame(
    bind: Engine | Connection, query: Select, schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """Run ``query`` and return a polars frame with exactly ``schema`` (names in order, dtypes).
    Given a Connection, the query runs inside that connection's transaction."""
    if bind.dialect.name == "sqlite":
        frame = _sqlite_frame(bind, query, schema)
    else:
        frame = _postgresql_frame(bind, query, schema)
    return frame.with_columns(_as(name, dtype, frame[name].dtype) for name, dtype in schema.items())


def _as(name: str, dtype: pl.DataType, found: pl.DataType) -> pl.Expr:
    if found == pl.String and dtype == pl.Date:
        return pl.col(name).str.to_date("%Y-%m-%d")
    if found == pl.String and dtype == pl.Datetime:
        return pl.col(name).str.to_datetime(time_unit="us")
    if found == pl.String and dtype == pl.Boolean:
        return pl.col(name).replace_strict(_TRUTH, return_dtype=pl.Boolean)
    return pl.col(name).cast(dtype)
