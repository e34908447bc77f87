"""Running a read query straight into a polars frame, with no per-row Python objects.

PostgreSQL: an ADBC driver runs the query and hands back an Arrow table.
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


def _literal_sql(bind: Engine | Connection, query: Select) -> str:
    return str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))


def _postgresql_copy(connection: Connection, query: Select, names: list[str]) -> pl.DataFrame:
    """Inside an open transaction: COPY the result out as CSV (floats print exactly)."""
    buffer = bytearray()
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor:
        sql = f"COPY ({_literal_sql(connection, query)}) TO STDOUT (FORMAT csv)"
        with cursor.copy(sql) as copy:
            for chunk in copy:
                buffer += chunk
    schema = dict.fromkeys(names, pl.String())
    if not buffer:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(bytes(buffer), has_header=False, schema=schema)


def _postgresql_frame(engine: Engine, query: Select) -> pl.DataFrame:
    import adbc_driver_postgresql.dbapi

    uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc_driver_postgresql.dbapi.connect(uri) as connection, connection.cursor() as cursor:
        cursor.execute(_literal_sql(engine, query))
        frame = pl.from_arrow(cursor.fetch_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


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
    elif isinstance(bind, Connection):
        frame = _postgresql_copy(bind, query, list(schema))
    else:
        frame = _postgresql_frame(bind, query)
        frame.columns = list(schema)
    return frame.with_columns(_as(name, dtype, frame[name].dtype) for name, dtype in schema.items())


def _as(name: str, dtype: pl.DataType, found: pl.DataType) -> pl.Expr:
    if found == pl.String and dtype == pl.Date:
        return pl.col(name).str.to_date("%Y-%m-%d")
    if found == pl.String and dtype == pl.Datetime:
        return pl.col(name).str.to_datetime(time_unit="us")
    return pl.col(name).cast(dtype)
