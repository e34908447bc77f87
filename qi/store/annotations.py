"""Annotations on charts: what changed and when, and where limits are recalculated.

An improvement coach marks a period of a measure (at one place, or at every place when no
place is given) with a kind (change idea or intervention, PDSA cycle, context event, data
issue) and a text. An annotation may start a new phase ("recalculate limits from here") or
exclude the point from the calculations; both need a reason. Nothing is ever deleted: undoing
an annotation records who undid it and when, and an undone annotation no longer shapes charts.
"""

from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine, Integer, String, insert, select, update

from qi.access import Principal
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import new_id, writing
from qi.store.frames import read_frame
from qi.store.history import record_versions
from qi.store.limits import check_lengths
from qi.store.models import Annotation, Measure, Place
from qi.store.readable import only_places, place_ids
from qi.vocabulary.annotations import ANNOTATION_KINDS

ANNOTATION_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "measure": pl.String(),
    "place": pl.String(),
    "period": pl.Date(),
    "kind": pl.String(),
    "text": pl.String(),
    "new_phase": pl.Boolean(),
    "exclude": pl.Boolean(),
    "reason": pl.String(),
    "actor": pl.String(),
    "created_at": pl.Datetime("us"),
    "undone_by": pl.String(),
    "undone_at": pl.Datetime("us"),
}


class AnnotationError(ValueError):
    """An annotation cannot be recorded; the message says why and how to fix it. ``field``
    names the argument at fault (text, reason...), for a form to show the error beside it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _id_of(connection, table, code: str, what: str) -> int:
    found = connection.execute(select(table.id).where(table.code == code)).scalar_one_or_none()
    if found is None:
        raise AnnotationError(f"unknown {what} code {code!r}; check the {what}'s code")
    return found


def add_annotation(
    engine: Engine,
    principal: Principal,
    *,
    measure: str,
    period: date,
    kind: str,
    text: str,
    place: str | None = None,
    new_phase: bool = False,
    exclude: bool = False,
    reason: str | None = None,
    recorded_at: datetime | None = None,
) -> int:
    """Record an annotation and return its id; ``principal`` needs ``annotation.write`` at the
    place (over everything for an annotation at every place).

    ``recorded_at`` backdates the record (when loading annotations kept elsewhere); default now.
    """
    if kind not in ANNOTATION_KINDS:
        raise AnnotationError(
            f"unknown kind of annotation {kind!r}; choose one of: {', '.join(ANNOTATION_KINDS)}"
        )
    if not text or not text.strip():
        raise AnnotationError("an annotation needs a text saying what happened", "text")
    if (new_phase or exclude) and not (reason and reason.strip()):
        action = "recalculating the limits" if new_phase else "excluding the point"
        raise AnnotationError(f"{action} needs a reason, so the next reader knows why", "reason")
    if new_phase and exclude:
        raise AnnotationError(
            "an annotation either starts a new phase or excludes a point, not both"
        )
    who, when = principal.name, recorded_at or clock.now()
    check_lengths(Annotation, {"kind": kind, "actor": who})
    guard(engine, principal, "annotation.write", [place], subject=f"measure {measure}")
    with writing(engine) as connection:
        measure_id = _id_of(connection, Measure, measure, "measure")
        place_id = _id_of(connection, Place, place, "place") if place else None
        result = connection.execute(
            insert(Annotation).values(
                measure_id=measure_id,
                place_id=place_id,
                period=period,
                kind=kind,
                text=text.strip(),
                new_phase=new_phase,
                exclude=exclude,
                reason=reason.strip() if reason else None,
                actor=who,
                created_at=when,
            )
        )
        annotation_id = new_id(result)
        record_versions(connection, Annotation, [annotation_id], "created", who, when)
        audit(
            connection,
            principal,
            "annotation.add",
            place=place,
            subject=f"annotation {annotation_id} on {measure}"[:255],
            detail="new phase" if new_phase else "excluded point" if exclude else None,
        )
        return annotation_id


def undo_annotation(engine: Engine, principal: Principal, annotation_id: int) -> None:
    """Mark an annotation undone (kept, with who undid it and when); needs
    ``annotation.write`` where the annotation is."""
    who, when = principal.name, clock.now()
    check_lengths(Annotation, {"undone_by": who})
    with engine.connect() as connection:
        place = connection.execute(
            select(Place.code)
            .select_from(Annotation)
            .outerjoin(Place, Place.id == Annotation.place_id)
            .where(Annotation.id == annotation_id)
        ).first()
    if place is None:
        raise AnnotationError(f"no annotation {annotation_id} to undo")
    guard(engine, principal, "annotation.write", [place[0]], subject=f"annotation {annotation_id}")
    with writing(engine) as connection:
        done = connection.execute(
            update(Annotation)
            .where(Annotation.id == annotation_id, Annotation.undone_at.is_(None))
            .values(undone_by=who, undone_at=when)
        )
        if done.rowcount != 1:
            raise AnnotationError(f"no annotation {annotation_id} to undo (already undone?)")
        record_versions(connection, Annotation, [annotation_id], "undone", who, when)
        audit(
            connection,
            principal,
            "annotation.undo",
            place=place[0],
            subject=f"annotation {annotation_id}",
        )


def read_annotations(
    engine: Engine,
    principal: Principal,
    measures: str | list[str] | None = None,
    places: str | list[str] | None = None,
    include_undone: bool = False,
) -> pl.DataFrame:
    """Annotations as polars (``ANNOTATION_SCHEMA``), ordered by measure, place and period.

    ``places`` keeps the annotations of those places and those for every place (null place).
    Only the annotations of places ``principal`` may read are read, and those for every place
    when it may read somewhere.
    """
    query = (
        select(
            Annotation.id,
            Measure.code.label("measure"),
            Place.code.label("place"),
            Annotation.period,
            Annotation.kind,
            Annotation.text,
            Annotation.new_phase,
            Annotation.exclude,
            Annotation.reason,
            Annotation.actor,
            Annotation.created_at,
            Annotation.undone_by,
            Annotation.undone_at,
        )
        .join(Measure, Measure.id == Annotation.measure_id)
        .outerjoin(Place, Place.id == Annotation.place_id)
        .where(only_places(Annotation.place_id, place_ids(engine, principal), nullable=True))
    )
    if measures is not None:
        query = query.where(Measure.code.in_([measures] if isinstance(measures, str) else measures))
    if places is not None:
        codes = [places] if isinstance(places, str) else list(places)
        query = query.where(Place.code.in_(codes) | Annotation.place_id.is_(None))
    if not include_undone:
        query = query.where(Annotation.undone_at.is_(None))
    # Read flags as integers and times as text (both backends agree on those), then convert.
    wire = ANNOTATION_SCHEMA | {
        "new_phase": pl.Int64(),
        "exclude": pl.Int64(),
        "created_at": pl.String(),
        "undone_at": pl.String(),
    }
    query = query.with_only_columns(
        *[
            Annotation.created_at.cast(String).label(c.name)
            if c.name == "created_at"
            else Annotation.undone_at.cast(String).label(c.name)
            if c.name == "undone_at"
            else Annotation.new_phase.cast(Integer).label(c.name)
            if c.name == "new_phase"
            else Annotation.exclude.cast(Integer).label(c.name)
            if c.name == "exclude"
            else c
            for c in query.selected_columns
        ]
    )
    frame = read_frame(engine, query, wire).with_columns(
        pl.col("new_phase", "exclude").cast(pl.Boolean),
        pl.col("created_at", "undone_at").str.to_datetime(time_unit="us", strict=False),
    )
    return frame.sort("measure", "place", "period", "id", nulls_last=False)


def phase_starts_and_exclusions(
    annotations: pl.DataFrame, places: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Frames of (measure, place, period) for ``spc(phases=..., exclude=...)``.

    An annotation without a place applies to every place in ``places``.
    """
    active = annotations.filter(pl.col("undone_at").is_null())
    everywhere = active.filter(pl.col("place").is_null()).drop("place")
    expanded = pl.concat(
        [
            active.filter(pl.col("place").is_not_null()),
            everywhere.join(
                pl.DataFrame({"place": places}, schema={"place": pl.String}), how="cross"
            ).select(active.columns),
        ]
    )
    columns = ["measure", "place", "period"]
    return (
        expanded.filter("new_phase").select(columns).unique(),
        expanded.filter("exclude").select(columns).unique(),
    )
