"""Change ideas and their PDSA cycles: what an initiative is trying, and each test of it.

A change idea belongs to an initiative. Its cycles are numbered 1, 2, ... in the order they are
recorded (the idea's ramp); each has a plan (with a prediction), what was done, what was
studied, what was decided (act), start and end dates, a status (planned, running, ended) and,
once ended, an outcome: adopt, adapt or abandon. A cycle may name the measures it is followed
on (their charts are shaded over its dates) and the places it runs at. An annotation on a chart
may be linked to the cycle it belongs to. Every write records who made it and when.

Every write takes the principal and needs ``pdsa.write`` where the record applies: a change
idea on its own at every place of its initiative; a cycle (and a new idea named with it) at the
places it runs at (when it names none, at every place of its initiative); an initiative without
places needs a grant over it. A refusal is audited and raised (``qi.store.access.guard``); a
write is audited as done.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from qi.access import Principal, Scope
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import new_id, writing
from qi.store.limits import check_lengths
from qi.store.models import (
    Annotation,
    AnnotationCycle,
    ChangeIdea,
    Initiative,
    InitiativePlace,
    Measure,
    PdsaCycle,
    PdsaCycleMeasure,
    PdsaCyclePlace,
    Place,
)
from qi.store.readable import only_initiatives, only_places, place_ids
from qi.vocabulary.pdsa import CYCLE_OUTCOMES, CYCLE_STATUSES

CHANGE_IDEA_SCHEMA: dict[str, Any] = {
    "id": pl.Int64(),
    "initiative": pl.String(),
    "name": pl.String(),
    "description": pl.String(),
    "cycles": pl.Int64(),
    "created_by": pl.String(),
    "created_at": pl.Datetime("us"),
}
CYCLE_SCHEMA: dict[str, Any] = {
    "id": pl.Int64(),
    "change_idea_id": pl.Int64(),
    "change_idea": pl.String(),
    "initiative": pl.String(),
    "number": pl.Int64(),
    "plan": pl.String(),
    "prediction": pl.String(),
    "do": pl.String(),
    "study": pl.String(),
    "act": pl.String(),
    "starts_on": pl.Date(),
    "ends_on": pl.Date(),
    "status": pl.String(),
    "outcome": pl.String(),
    "measures": pl.List(pl.String()),
    "places": pl.List(pl.String()),
    "annotations": pl.List(pl.Int64()),
    "updated_by": pl.String(),
    "updated_at": pl.Datetime("us"),
}
# What a cycle's record holds that a person writes (``update_cycle`` may change any of them).
CYCLE_FIELDS = (
    "plan",
    "prediction",
    "do",
    "study",
    "act",
    "starts_on",
    "ends_on",
    "status",
    "outcome",
)


class PdsaError(ValueError):
    """A change idea or PDSA cycle cannot be recorded; the message says why and how to fix it."""


def add_change_idea(
    engine: Engine,
    principal: Principal,
    *,
    initiative: str,
    name: str,
    description: str | None = None,
) -> int:
    """Record a change idea of the initiative named ``initiative``; return its id.
    ``principal`` needs ``pdsa.write`` at every place of the initiative."""
    name = _idea_name(name)
    with engine.connect() as connection:
        initiative_id = _initiative_id(connection, initiative)
        places = _initiative_places(connection, initiative_id)
    _guard(engine, principal, places, initiative, f"change idea {name}")
    with writing(engine) as connection:
        idea = _add_idea(connection, initiative, name, description, principal.name, True)
        _audit_idea(connection, principal, idea, initiative, places)
        return idea


def _audit_idea(
    connection: Connection, principal: Principal, idea: int, initiative: str, places: Sequence[str]
) -> None:
    """The audit's record of a new change idea (at its place when it has only one)."""
    audit(
        connection,
        principal,
        "pdsa.idea.add",
        place=_one(places),
        subject=f"change idea {idea} of {initiative}"[:255],
    )


def _idea_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise PdsaError("a change idea needs a name saying what we are trying")
    return name


def _initiative_id(connection: Connection, initiative: str) -> int:
    found = connection.execute(
        select(Initiative.id).where(Initiative.name == initiative)
    ).scalar_one_or_none()
    if found is None:
        raise PdsaError(f"unknown initiative {initiative!r}; check the initiative's name")
    return int(found)


def _initiative_places(connection: Connection, initiative_id: int) -> list[str]:
    """The codes of an initiative's places."""
    return list(
        connection.execute(
            select(Place.code)
            .join(InitiativePlace, InitiativePlace.place_id == Place.id)
            .where(InitiativePlace.initiative_id == initiative_id)
            .order_by(Place.code)
        ).scalars()
    )


def _cycle_where(connection: Connection, cycle_id: int) -> tuple[str, list[str]]:
    """A cycle's initiative (name) and the places its writes need ``pdsa.write`` at: those it
    runs at, else every place of its initiative."""
    found = connection.execute(
        select(Initiative.id, Initiative.name)
        .join(ChangeIdea, ChangeIdea.initiative_id == Initiative.id)
        .join(PdsaCycle, PdsaCycle.change_idea_id == ChangeIdea.id)
        .where(PdsaCycle.id == cycle_id)
    ).first()
    if found is None:
        raise PdsaError(f"no PDSA cycle {cycle_id}; check the cycle's id")
    places = list(
        connection.execute(
            select(Place.code)
            .join(PdsaCyclePlace, PdsaCyclePlace.place_id == Place.id)
            .where(PdsaCyclePlace.pdsa_cycle_id == cycle_id)
            .order_by(Place.code)
        ).scalars()
    )
    return found.name, places or _initiative_places(connection, found.id)


def _guard(
    engine: Engine, principal: Principal, places: Sequence[str], initiative: str, subject: str
) -> None:
    """``pdsa.write`` at each of ``places``; over the initiative when it has no places."""
    scope = None if places else Scope.initiative(initiative)
    guard(engine, principal, "pdsa.write", places, scope=scope, subject=subject[:255])


def _one(places: Sequence[str]) -> str | None:
    """The place an audit row is about: the only one, else none in particular."""
    return places[0] if len(set(places)) == 1 else None


def _add_idea(
    connection: Connection,
    initiative: str,
    name: str,
    description: str | None,
    who: str,
    refuse_taken: bool,
) -> int:
    """The id of the idea ``name`` of ``initiative``: a new one, or (unless ``refuse_taken``)
    the one already recorded."""
    name = _idea_name(name)
    check_lengths(ChangeIdea, {"name": name, "created_by": who})
    initiative_id = _initiative_id(connection, initiative)
    taken = connection.execute(
        select(ChangeIdea.id).where(
            ChangeIdea.initiative_id == initiative_id, ChangeIdea.name == name
        )
    ).scalar_one_or_none()
    if taken is not None and refuse_taken:
        raise PdsaError(
            f"{initiative!r} already has a change idea called {name!r} (id {taken}); "
            "add a cycle to it, or give the new idea another name"
        )
    if taken is not None:
        return int(taken)
    result = connection.execute(
        insert(ChangeIdea).values(
            initiative_id=initiative_id,
            name=name,
            description=(description or "").strip() or None,
            created_by=who,
            created_at=clock.now(),
        )
    )
    return new_id(result)


def _checked(cycle: Mapping[str, Any]) -> dict[str, Any]:
    """A cycle's fields, tidied, or ``PdsaError`` saying what is wrong and how to fix it."""
    found: dict[str, Any] = {
        k: (v.strip() or None) if isinstance(v, str) else v for k, v in cycle.items()
    }
    if not found.get("plan"):
        raise PdsaError("a PDSA cycle needs a plan: what we will try, where, when and how")
    if found["status"] not in CYCLE_STATUSES:
        raise PdsaError(
            f"unknown status {found['status']!r}; choose one of: {', '.join(CYCLE_STATUSES)}"
        )
    outcome, starts, ends = found.get("outcome"), found["starts_on"], found.get("ends_on")
    if outcome is not None and outcome not in CYCLE_OUTCOMES:
        raise PdsaError(f"unknown outcome {outcome!r}; choose one of: {', '.join(CYCLE_OUTCOMES)}")
    if not isinstance(starts, date):
        raise PdsaError("a PDSA cycle needs the date it starts")
    if ends is not None and not isinstance(ends, date):
        raise PdsaError("a PDSA cycle's end is a date; give it as YYYY-MM-DD")
    if ends is not None and ends < starts:
        raise PdsaError(f"the cycle ends on {ends} before it starts on {starts}; check the dates")
    if found["status"] == "ended" and (ends is None or outcome is None):
        raise PdsaError(
            "an ended cycle needs its end date and an outcome (adopt, adapt or abandon)"
        )
    if found["status"] != "ended" and outcome is not None:
        raise PdsaError("only an ended cycle has an outcome; set its status to ended")
    return found


def _ids(connection: Connection, model, codes: Iterable[str], what: str) -> list[int]:
    codes = list(dict.fromkeys(codes))
    query = select(model.code, model.id).where(model.code.in_(codes))
    found = {code: id_ for code, id_ in connection.execute(query)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise PdsaError(f"unknown {what} code(s): {', '.join(missing)}; check the codes")
    return [found[c] for c in codes]


def _cycle_exists(connection: Connection, cycle_id: int) -> None:
    if connection.execute(select(PdsaCycle.id).where(PdsaCycle.id == cycle_id)).first() is None:
        raise PdsaError(f"no PDSA cycle {cycle_id}; check the cycle's id")


def add_cycle(
    engine: Engine,
    principal: Principal,
    *,
    change_idea: int | None = None,
    initiative: str | None = None,
    idea: str | None = None,
    description: str | None = None,
    plan: str,
    starts_on: date,
    ends_on: date | None = None,
    prediction: str | None = None,
    do: str | None = None,
    study: str | None = None,
    act: str | None = None,
    status: str = "planned",
    outcome: str | None = None,
    measures: Sequence[str] = (),
    places: Sequence[str] = (),
    recorded_at: datetime | None = None,
) -> int:
    """Record the next PDSA cycle of a change idea (numbered after its last); return its id.

    The idea is ``change_idea`` (its id) or the one called ``idea`` in ``initiative``, recorded
    with ``description`` when it is new (in the same transaction: nothing is written unless the
    cycle is). ``measures`` and ``places`` are codes; ``recorded_at`` backdates the record (when
    loading cycles kept elsewhere); default now. ``principal`` needs ``pdsa.write`` at
    ``places`` (none given: at every place of the initiative); a new idea named with its first
    cycle needs no more than the cycle (a coach tests an idea where they work)."""
    fields = _checked(
        dict(
            plan=plan,
            prediction=prediction,
            do=do,
            study=study,
            act=act,
            starts_on=starts_on,
            ends_on=ends_on,
            status=status,
            outcome=outcome,
        )
    )
    who, when = principal.name, recorded_at or clock.now()
    check_lengths(PdsaCycle, {"created_by": who})
    with engine.connect() as connection:
        if change_idea is None:
            if initiative is None or idea is None:
                raise PdsaError("say which change idea: its id, or its initiative and name")
            initiative_id = _initiative_id(connection, initiative)
            new_idea = _idea_id(connection, initiative_id, _idea_name(idea)) is None
        else:
            found = connection.execute(
                select(Initiative.id, Initiative.name)
                .join(ChangeIdea, ChangeIdea.initiative_id == Initiative.id)
                .where(ChangeIdea.id == change_idea)
            ).first()
            if found is None:
                raise PdsaError(f"no change idea {change_idea}; check the change idea's id")
            initiative_id, initiative, new_idea = found.id, found.name, False
        # Unknown codes are named as such (not refused as places nobody may write at).
        measure_ids = _ids(connection, Measure, measures, "measure")
        place_ids = _ids(connection, Place, places, "place")
        # A cycle at no place in particular runs at every place of its initiative.
        needed = sorted(set(places or _initiative_places(connection, initiative_id)))
    _guard(engine, principal, needed, initiative, f"PDSA cycle of {idea or change_idea}")
    with writing(engine) as connection:
        if change_idea is None:
            assert idea is not None
            change_idea = _add_idea(connection, initiative, idea, description, who, False)
            if new_idea:
                _audit_idea(connection, principal, change_idea, initiative, needed)
        number = connection.execute(
            select(func.coalesce(func.max(PdsaCycle.number), 0) + 1).where(
                PdsaCycle.change_idea_id == change_idea
            )
        ).scalar_one()
        cycle_id = new_id(
            connection.execute(
                insert(PdsaCycle).values(
                    change_idea_id=change_idea,
                    number=number,
                    created_by=who,
                    created_at=when,
                    updated_by=who,
                    updated_at=when,
                    **fields,
                )
            )
        )
        _link(connection, cycle_id, measure_ids, place_ids)
        audit(
            connection,
            principal,
            "pdsa.cycle.add",
            place=_one(needed),
            subject=f"PDSA cycle {cycle_id}: cycle {number} of change idea {change_idea}",
        )
        return cycle_id


def _idea_id(connection: Connection, initiative_id: int, name: str) -> int | None:
    return connection.execute(
        select(ChangeIdea.id).where(
            ChangeIdea.initiative_id == initiative_id, ChangeIdea.name == name
        )
    ).scalar_one_or_none()


def _link(connection: Connection, cycle_id: int, measures: list[int], places: list[int]) -> None:
    if measures:
        connection.execute(
            insert(PdsaCycleMeasure),
            [{"pdsa_cycle_id": cycle_id, "measure_id": m} for m in measures],
        )
    if places:
        connection.execute(
            insert(PdsaCyclePlace), [{"pdsa_cycle_id": cycle_id, "place_id": p} for p in places]
        )


def update_cycle(
    engine: Engine,
    principal: Principal,
    cycle_id: int,
    *,
    measures: Sequence[str] | None = None,
    places: Sequence[str] | None = None,
    **changes: Any,
) -> None:
    """Change a cycle's record as it goes on: what was done, studied and decided, its end date,
    status and outcome (any of ``CYCLE_FIELDS``); ``measures``/``places`` replace its links.
    ``principal`` needs ``pdsa.write`` where the cycle runs, and at the new ``places``."""
    unknown = sorted(set(changes) - set(CYCLE_FIELDS))
    if unknown:
        raise PdsaError(
            f"a cycle has no {', '.join(unknown)}; change any of: {', '.join(CYCLE_FIELDS)}"
        )
    who = principal.name
    check_lengths(PdsaCycle, {"updated_by": who})
    with engine.connect() as connection:
        initiative, where = _cycle_where(connection, cycle_id)
        measure_ids = _ids(connection, Measure, measures or (), "measure")
        place_ids = _ids(connection, Place, places or (), "place")
    needed = sorted({*where, *(places or ())})
    _guard(engine, principal, needed, initiative, f"PDSA cycle {cycle_id}")
    with writing(engine) as connection:
        current = connection.execute(
            select(*(getattr(PdsaCycle, f) for f in CYCLE_FIELDS)).where(PdsaCycle.id == cycle_id)
        ).first()
        if current is None:
            raise PdsaError(f"no PDSA cycle {cycle_id}; check the cycle's id")
        fields = _checked({**current._asdict(), **changes})
        connection.execute(
            update(PdsaCycle)
            .where(PdsaCycle.id == cycle_id)
            .values(updated_by=who, updated_at=clock.now(), **fields)
        )
        if measures is not None:
            connection.execute(
                delete(PdsaCycleMeasure).where(PdsaCycleMeasure.pdsa_cycle_id == cycle_id)
            )
            _link(connection, cycle_id, measure_ids, [])
        if places is not None:
            connection.execute(
                delete(PdsaCyclePlace).where(PdsaCyclePlace.pdsa_cycle_id == cycle_id)
            )
            _link(connection, cycle_id, [], place_ids)
        changed = sorted(
            [*changes, *(["measures"] if measures is not None else [])]
            + (["places"] if places is not None else [])
        )
        audit(
            connection,
            principal,
            "pdsa.cycle.update",
            place=_one(needed),
            subject=f"PDSA cycle {cycle_id}",
            detail=", ".join(changed) or None,
        )


def link_annotation(
    engine: Engine, principal: Principal, annotation_id: int, cycle_id: int | None
) -> None:
    """Say which PDSA cycle an annotation belongs to (``None``: none), replacing any earlier
    link. ``principal`` needs ``pdsa.write`` where the cycle runs (and where the cycle it was
    linked to runs, when that link is replaced)."""
    who = principal.name
    check_lengths(AnnotationCycle, {"linked_by": who})
    with engine.connect() as connection:
        found = connection.execute(select(Annotation.id).where(Annotation.id == annotation_id))
        if found.first() is None:
            raise PdsaError(f"no annotation {annotation_id}; check the annotation's id")
        before = connection.execute(
            select(AnnotationCycle.pdsa_cycle_id).where(
                AnnotationCycle.annotation_id == annotation_id
            )
        ).scalar_one_or_none()
        cycles = [c for c in dict.fromkeys((before, cycle_id)) if c is not None]
        wheres = [_cycle_where(connection, c) for c in cycles]
    if not cycles:
        return  # not linked, and not to be: nothing to change
    subject = f"annotation {annotation_id} to PDSA cycle {cycle_id}"
    for initiative, places in wheres:
        _guard(engine, principal, places, initiative, subject)
    with writing(engine) as connection:
        connection.execute(
            delete(AnnotationCycle).where(AnnotationCycle.annotation_id == annotation_id)
        )
        if cycle_id is not None:
            _cycle_exists(connection, cycle_id)
            connection.execute(
                insert(AnnotationCycle).values(
                    annotation_id=annotation_id,
                    pdsa_cycle_id=cycle_id,
                    linked_by=who,
                    linked_at=clock.now(),
                )
            )
        audit(
            connection,
            principal,
            "pdsa.cycle.link" if cycle_id is not None else "pdsa.cycle.unlink",
            place=_one([p for _, places in wheres for p in places]),
            subject=subject if cycle_id is not None else f"annotation {annotation_id}",
        )


def read_change_ideas(
    engine: Engine, principal: Principal, initiative: str | None = None
) -> pl.DataFrame:
    """Change ideas (``CHANGE_IDEA_SCHEMA``) with how many cycles each has, by initiative and
    name; of the initiatives with a place ``principal`` may read."""
    cycles = (
        select(PdsaCycle.change_idea_id, func.count().label("n"))
        .group_by(PdsaCycle.change_idea_id)
        .subquery()
    )
    query = (
        select(
            ChangeIdea.id,
            Initiative.name.label("initiative"),
            ChangeIdea.name,
            ChangeIdea.description,
            func.coalesce(cycles.c.n, 0),
            ChangeIdea.created_by,
            ChangeIdea.created_at,
        )
        .join(Initiative, Initiative.id == ChangeIdea.initiative_id)
        .outerjoin(cycles, cycles.c.change_idea_id == ChangeIdea.id)
        .where(only_initiatives(ChangeIdea.initiative_id, place_ids(engine, principal)))
        .order_by(Initiative.name, ChangeIdea.name)
    )
    if initiative is not None:
        query = query.where(Initiative.name == initiative)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(query)]
    return pl.DataFrame(rows, schema=CHANGE_IDEA_SCHEMA, orient="row")


def read_cycles(
    engine: Engine,
    principal: Principal,
    *,
    change_idea: int | None = None,
    measure: str | None = None,
    place: str | None = None,
    ended_after: date | None = None,
    ended_by: date | None = None,
) -> pl.DataFrame:
    """PDSA cycles (``CYCLE_SCHEMA``: their measures, places and linked annotations as lists),
    by initiative, change idea and number.

    ``measure`` keeps the cycles followed on that measure; ``place`` those at that place or
    at no place in particular; ``ended_after`` and ``ended_by`` those that ended in
    (ended_after, ended_by].

    Only what ``principal`` may read: cycles of the initiatives with a place it may read, at
    a place it may read or at none; a cycle's ``places`` lists only the places it may read."""
    readable = place_ids(engine, principal)
    query = (
        select(
            PdsaCycle.id,
            PdsaCycle.change_idea_id,
            ChangeIdea.name.label("change_idea"),
            Initiative.name.label("initiative"),
            *(getattr(PdsaCycle, c) for c in ("number", *CYCLE_FIELDS)),
            PdsaCycle.updated_by,
            PdsaCycle.updated_at,
        )
        .join(ChangeIdea, ChangeIdea.id == PdsaCycle.change_idea_id)
        .join(Initiative, Initiative.id == ChangeIdea.initiative_id)
        .where(
            only_initiatives(ChangeIdea.initiative_id, readable),
            ~PdsaCycle.id.in_(select(PdsaCyclePlace.pdsa_cycle_id))
            | PdsaCycle.id.in_(
                select(PdsaCyclePlace.pdsa_cycle_id).where(
                    only_places(PdsaCyclePlace.place_id, readable)
                )
            ),
        )
        .order_by(Initiative.name, ChangeIdea.name, PdsaCycle.number)
    )
    if change_idea is not None:
        query = query.where(PdsaCycle.change_idea_id == change_idea)
    if ended_after is not None:
        query = query.where(PdsaCycle.status == "ended", PdsaCycle.ends_on > ended_after)
    if ended_by is not None:
        query = query.where(PdsaCycle.status == "ended", PdsaCycle.ends_on <= ended_by)
    with engine.connect() as connection:
        rows = [row._asdict() for row in connection.execute(query)]
        ids = [row["id"] for row in rows]
        measures = _lists(
            connection,
            select(PdsaCycleMeasure.pdsa_cycle_id, Measure.code)
            .join(Measure, Measure.id == PdsaCycleMeasure.measure_id)
            .where(PdsaCycleMeasure.pdsa_cycle_id.in_(ids))
            .order_by(Measure.code),
        )
        places = _lists(
            connection,
            select(PdsaCyclePlace.pdsa_cycle_id, Place.code)
            .join(Place, Place.id == PdsaCyclePlace.place_id)
            .where(
                PdsaCyclePlace.pdsa_cycle_id.in_(ids),
                only_places(PdsaCyclePlace.place_id, readable),
            )
            .order_by(Place.code),
        )
        notes = _lists(
            connection,
            select(AnnotationCycle.pdsa_cycle_id, AnnotationCycle.annotation_id)
            .where(AnnotationCycle.pdsa_cycle_id.in_(ids))
            .order_by(AnnotationCycle.annotation_id),
        )
    for row in rows:
        row.update(
            measures=measures.get(row["id"], []),
            places=places.get(row["id"], []),
            annotations=notes.get(row["id"], []),
        )
    if measure is not None:
        rows = [row for row in rows if measure in row["measures"]]
    if place is not None:
        rows = [row for row in rows if not row["places"] or place in row["places"]]
    return pl.DataFrame(
        [{name: row[name] for name in CYCLE_SCHEMA} for row in rows], schema=CYCLE_SCHEMA
    )


def _lists(connection: Connection, query) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for owner, value in connection.execute(query):
        found.setdefault(owner, []).append(value)
    return found
