"""History of measures, places, stories, actions and annotations: a version row per change.

Every writer that creates or changes one of these rows calls ``record_versions`` in the same
transaction: the row as it now is, with who changed it, when, and what the change was (created,
updated, forced, undone), becomes its next version. Nothing is overwritten without a trace, as
observations keep their revisions. The ``*_history`` readers return a row's versions in order,
as polars.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import polars as pl
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    Table,
    func,
    insert,
    literal,
    select,
)

from qi.access import Principal
from qi.store.frames import read_frame
from qi.store.models import (
    Action,
    ActionVersion,
    Annotation,
    AnnotationVersion,
    Measure,
    MeasureVersion,
    Meeting,
    Place,
    PlaceVersion,
    Story,
    StoryVersion,
)
from qi.store.readable import only_meetings, only_places, place_ids

VERSIONS = {
    Measure: (MeasureVersion, "measure_id"),
    Place: (PlaceVersion, "place_id"),
    Action: (ActionVersion, "action_id"),
    Annotation: (AnnotationVersion, "annotation_id"),
    Story: (StoryVersion, "story_id"),
}
# Ids per statement: SQLite allows 32,766 bound values in one statement.
_CHUNK = 10_000


def record_versions(
    connection: Connection,
    model,
    ids: Sequence[int],
    change: str,
    actor: str,
    when: datetime,
    extra: dict | None = None,
) -> None:
    """Copy the rows ``ids`` of ``model`` (as they now are) into its versions table as each
    row's next version. ``extra`` gives values for version columns the row itself lacks (a
    story's domains and links)."""
    version_model, owner = VERSIONS[model]
    table = cast(Table, model.__table__)
    versions = cast(Table, version_model.__table__)
    copied = [c.name for c in versions.columns if c.name in table.c and c.name != "id"]
    extra = extra or {}
    next_version = (
        select(func.coalesce(func.max(versions.c.version), 0) + 1)
        .where(versions.c[owner] == table.c.id)
        .scalar_subquery()
    )
    columns = [owner, "version", "change", "changed_by", "changed_at", *copied, *extra]
    ids = [int(i) for i in ids]
    for start in range(0, len(ids), _CHUNK):
        source = select(
            table.c.id,
            next_version,
            literal(change, String()),
            literal(actor, String()),
            literal(when, DateTime()),
            *(table.c[c] for c in copied),
            *(literal(value, versions.c[name].type) for name, value in extra.items()),
        ).where(table.c.id.in_(ids[start : start + _CHUNK]))
        connection.execute(insert(versions).from_select(columns, source))


def _wire(column: Any) -> tuple[pl.DataType, Any]:
    """How a column is read on both backends alike, and its polars type once converted."""
    kind = column.type
    if isinstance(kind, Boolean):
        return pl.Int64(), column.cast(Integer)
    if isinstance(kind, DateTime):
        return pl.String(), column.cast(String)
    if isinstance(kind, Date):
        return pl.Date(), column
    if isinstance(kind, Integer):
        return pl.Int64(), column
    if isinstance(kind, Float):
        return pl.Float64(), column
    return pl.String(), column


def _history(
    engine: Engine, model, owner_ids: Sequence[int] | None, kept: Any = None
) -> pl.DataFrame:
    version_model, owner = VERSIONS[model]
    versions = cast(Table, version_model.__table__)
    order = [
        owner,
        "version",
        *(c.name for c in versions.columns if c.name not in (owner, "version", "id")),
    ]
    wired = {name: _wire(versions.c[name]) for name in order}
    query = select(*(expression.label(name) for name, (_, expression) in wired.items()))
    if owner_ids is not None:
        query = query.where(versions.c[owner].in_([int(i) for i in owner_ids]))
    if kept is not None:
        query = query.where(kept(versions.c))
    frame = read_frame(engine, query, {name: dtype for name, (dtype, _) in wired.items()})
    return frame.with_columns(
        *(
            pl.col(name).cast(pl.Boolean)
            for name in order
            if isinstance(versions.c[name].type, Boolean)
        ),
        *(
            pl.col(name).str.to_datetime(time_unit="us", strict=False)
            for name in order
            if isinstance(versions.c[name].type, DateTime)
        ),
    ).sort(owner, "version")


def _ids_of(engine: Engine, model, codes: str | Sequence[str] | None) -> list[int] | None:
    if codes is None:
        return None
    wanted = [codes] if isinstance(codes, str) else list(codes)
    with engine.connect() as connection:
        found: dict[str, int] = dict(
            connection.execute(select(model.code, model.id).where(model.code.in_(wanted))).all()
        )
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise LookupError(f"unknown {model.__tablename__[:-1]} code(s): {', '.join(missing)}")
    return list(found.values())


def measure_history(engine: Engine, codes: str | Sequence[str] | None = None) -> pl.DataFrame:
    """Every version of the measures (all when ``codes`` is None), oldest first per measure:
    ``measure_id``, ``version``, what the measure was (code, name, kind, unit, frequency...),
    ``change``, ``changed_by``, ``changed_at``."""
    return _history(engine, Measure, _ids_of(engine, Measure, codes))


def place_history(engine: Engine, codes: str | Sequence[str] | None = None) -> pl.DataFrame:
    """Every version of the places (all when ``codes`` is None), oldest first per place."""
    return _history(engine, Place, _ids_of(engine, Place, codes))


def story_history(engine: Engine, story_ids: int | Sequence[int] | None = None) -> pl.DataFrame:
    """Every version of the stories, oldest first per story: what each edit left, with its
    ``domains`` (comma-separated codes) and ``links`` (JSON) as they were."""
    ids = [story_ids] if isinstance(story_ids, int) else story_ids
    return _history(engine, Story, ids)


def action_history(
    engine: Engine, principal: Principal, action_ids: int | Sequence[int] | None = None
) -> pl.DataFrame:
    """Every version of the decisions and actions, oldest first (a status set is a version);
    of those ``principal`` may read (as ``qi.store.meetings.read_actions``)."""
    ids = [action_ids] if isinstance(action_ids, int) else action_ids
    readable = place_ids(engine, principal)
    return _history(
        engine,
        Action,
        ids,
        lambda c: (
            only_places(c.place_id, readable, nullable=True)
            & c.meeting_id.in_(select(Meeting.id).where(only_meetings(readable)))
        ),
    )


def annotation_history(
    engine: Engine, principal: Principal, annotation_ids: int | Sequence[int] | None = None
) -> pl.DataFrame:
    """Every version of the annotations, oldest first (created, then undone if it was); of
    those ``principal`` may read (as ``qi.store.annotations.read_annotations``)."""
    ids = [annotation_ids] if isinstance(annotation_ids, int) else annotation_ids
    readable = place_ids(engine, principal)
    return _history(
        engine, Annotation, ids, lambda c: only_places(c.place_id, readable, nullable=True)
    )
