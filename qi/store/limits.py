"""How long each text field may be: read from the schema (``qi.store.models``), used by the
store before every write and by validation before anything reaches the store.

The models are the one place the limits are defined (``String(64)`` for a code, ...). SQLite
does not enforce a declared length and PostgreSQL does, so without a check of its own the same
write would be stored on one and fail on the other; here both refuse it the same way, before
the database is asked.
"""

from collections.abc import Iterable, Mapping

from sqlalchemy import String

from qi.store.errors import FieldTooLong


def column_limits(model) -> dict[str, int]:
    """The longest text each length-limited column of a model (or Table) may hold."""
    table = getattr(model, "__table__", model)
    return {
        column.name: column.type.length
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    }


def too_long(model, row: Mapping[str, object]) -> list[tuple[str, int, int]]:
    """(column, length, limit) for each text value of ``row`` longer than its column allows."""
    limits = column_limits(model)
    return [
        (name, len(value), limits[name])
        for name, value in row.items()
        if name in limits and isinstance(value, str) and len(value) > limits[name]
    ]


def check_lengths(model, rows: Mapping[str, object] | Iterable[Mapping[str, object]]) -> None:
    """Raise ``FieldTooLong`` if any text value is longer than its column allows."""
    for row in [rows] if isinstance(rows, Mapping) else rows:
        found = too_long(model, row)
        if found:
            raise FieldTooLong(found)
