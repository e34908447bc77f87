"""Reads filtered by who asks: the places and initiatives a principal may read, as SQL.

Defence in depth (issue 12): every store read of place-scoped data takes the principal and
adds one of these conditions to its WHERE, so a query for another place's rows returns
nothing even when a caller forgets to check. ``qi.access.readable_places`` decides which
places (``data.read`` by default; ``data.published`` for published outputs); here the codes
become ids (queries carry only integers as literals, see ``qi.store.frames``).

- ``place_ids``: the ids of the places the principal may read; None when every place.
- ``only_places``: a column of place ids kept to those places (``nullable``: rows with no
  place, which are about every place, kept too when the principal may read somewhere).
- ``only_initiatives``: a column of initiative ids kept to the initiatives with a readable
  place.
- ``only_meetings``: the meetings one may read: at a readable place, or (no place) for an
  initiative with one.
"""

from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, false, select, true

from qi.access import Principal, readable_places
from qi.store.models import InitiativePlace, Meeting, Place

PlaceIds = list[int] | None


def place_ids(
    bind: Engine | Connection, principal: Principal, action: str = "data.read"
) -> PlaceIds:
    """The ids of the places where ``principal`` may do ``action``; None when everywhere."""
    codes = readable_places(principal, action)
    if codes is None:
        return None
    if not codes:
        return []
    query = select(Place.id).where(Place.code.in_(sorted(codes))).order_by(Place.id)
    if isinstance(bind, Connection):
        return [int(i) for i in bind.execute(query).scalars()]
    with bind.connect() as connection:
        return [int(i) for i in connection.execute(query).scalars()]


def only_places(column: Any, ids: PlaceIds, nullable: bool = False) -> ColumnElement[bool]:
    """``column`` (place ids) kept to ``ids``; with ``nullable``, rows with no place too
    (unless ``ids`` is empty: who may read nowhere reads nothing)."""
    if ids is None:
        return true()
    if not ids:
        return false()
    kept = column.in_(ids)
    return kept | column.is_(None) if nullable else kept


def only_initiatives(column: Any, ids: PlaceIds) -> ColumnElement[bool]:
    """``column`` (initiative ids) kept to the initiatives with at least one place in ``ids``."""
    if ids is None:
        return true()
    if not ids:
        return false()
    return column.in_(
        select(InitiativePlace.initiative_id).where(InitiativePlace.place_id.in_(ids))
    )


def only_meetings(ids: PlaceIds) -> ColumnElement[bool]:
    """The meetings (``Meeting``'s rows) one may read who may read the places ``ids``: at one
    of them, or (no place) for an initiative with one of them."""
    return only_places(Meeting.place_id, ids) | (
        Meeting.place_id.is_(None) & only_initiatives(Meeting.initiative_id, ids)
    )
