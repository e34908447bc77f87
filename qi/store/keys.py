"""Codes (or names) to the ids the tables join on: queries carry ids, never user text."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select


def ids_by_code(connection: Connection, key: Any, codes: Iterable[str | None]) -> dict[str, int]:
    """Id by code (or by name: ``key`` is the column, e.g. ``Place.code``) of those of ``codes``
    that are stored; unknown codes are simply absent."""
    wanted = sorted({c for c in codes if c is not None})
    if not wanted:
        return {}
    table = key.class_
    return dict(connection.execute(select(key, table.id).where(key.in_(wanted))).all())
