"""Measures, places and initiatives: bulk upserts by code, and lookups as polars.

Callers validate first (``qi.ingest.definitions``); these functions trust their input.
Every write takes the principal and needs ``definitions.write`` over everything (an
administrator's); a refusal is audited and raised, a write audited as done.
"""

from datetime import date
from typing import cast

import polars as pl
from sqlalchemy import Engine, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from qi.access import EVERYTHING, Principal
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import refresh_statistics, writing
from qi.store.errors import DefinitionChangeRefused, StoreError
from qi.store.frames import read_frame
from qi.store.history import record_versions
from qi.store.limits import check_lengths, column_limits
from qi.store.models import (
    Initiative,
    InitiativeMeasure,
    InitiativePlace,
    Measure,
    Observation,
    Place,
)
from qi.store.outcomes import write_purposes
from qi.vocabulary.codes import CODE_FIX, is_safe_code

MEASURE_FIELDS = (
    "code",
    "name",
    "definition",
    "unit",
    "kind",
    "multiplier",
    "improvement",
    "target",
    "chart",
    "rule_set",
    "frequency",
    "maximum",
)
# Changing these while observations are stored changes what the stored data mean: refused
# unless forced.
GUARDED_FIELDS = ("kind", "frequency", "unit")
FLOAT_FIELDS = ("multiplier", "target", "maximum")
PLACE_FIELDS = ("code", "name", "type", "parent", "gss_code")
# The longest text each field may hold (the schema's own limits): validation checks them first.
MEASURE_LIMITS = column_limits(Measure)
PLACE_LIMITS = column_limits(Place)
UPDATED = ("updated_by", "updated_at")


def _stamp(principal: Principal) -> dict:
    """Who and when, for a new row (created and updated) or an update (updated only)."""
    who, when = principal.name, clock.now()
    return {"created_by": who, "created_at": when, "updated_by": who, "updated_at": when}


def _guard(engine: Engine, principal: Principal, subject: str) -> None:
    """``definitions.write`` over everything (refused and audited otherwise)."""
    guard(engine, principal, "definitions.write", scope=EVERYTHING, subject=subject[:255])


def _codes(codes: list[str]) -> str:
    """Codes for an audit row: the first few, and how many more."""
    shown = ", ".join(codes[:5])
    return shown + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")


def _upsert(engine_dialect: str, table):
    insert = postgresql.insert if engine_dialect == "postgresql" else sqlite.insert
    return insert(table)


def _differs(a, b) -> bool:
    return (a is None) != (b is None) or (a is not None and a != b)


def _with_optional(frame: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    """The frame with every optional field, absent ones as nulls (``maximum`` came later)."""
    return frame.with_columns(
        pl.lit(None, pl.Float64 if f in FLOAT_FIELDS else pl.String).alias(f)
        for f in fields
        if f not in frame.columns
    )


def _consequence(field: str, old, new, stored: dict) -> str:
    ratio = ("proportion", "rate")
    if field == "kind" and (old in ratio) != (new in ratio):
        has = "numerators and denominators" if old in ratio else "single values"
        return (
            f"a {new} is charted from {'numerators and denominators' if new in ratio else 'single values'}, "
            f"and the stored observations hold {has}: its charts would lose their points"
        )
    if field == "kind":
        return f"the stored values stay as they are, but are charted and checked as a {new} (not a {old})"
    if field == "frequency":
        return (
            f"the stored periods keep their dates, which are {old}s: charted as {new}s they "
            f"would show gaps or repeats, and later uploads would be dated by {new}"
        )
    return f"the stored values are not converted: recorded in {old!r}, they would read as {new!r}"


def _refused(connection, changes: list[tuple[dict, dict, str]]) -> list[dict]:
    """Of (new row, stored row, field) changes to a kind, frequency or unit, those of measures
    with observations stored: what would change and its consequences."""
    ids = sorted({stored["id"] for _, stored, _ in changes})
    if not ids:
        return []
    counts = {
        measure_id: (n, first, last)
        for measure_id, n, first, last in connection.execute(
            select(
                Observation.measure_id,
                func.count(),
                func.min(Observation.period),
                func.max(Observation.period),
            )
            .where(Observation.measure_id.in_(ids))
            .group_by(Observation.measure_id)
        )
    }
    return [
        {
            "code": row["code"],
            "field": field,
            "old": stored[field],
            "new": row[field],
            "observations": counts[stored["id"]][0],
            "first": str(counts[stored["id"]][1])[:10],
            "last": str(counts[stored["id"]][2])[:10],
            "consequence": _consequence(field, stored[field], row[field], stored),
        }
        for row, stored, field in changes
        if stored["id"] in counts
    ]


class UnsafeCode(StoreError, ValueError):
    """A measure or place code that could run in a spreadsheet or carry markup."""


def _check_codes(codes: list) -> None:
    unsafe = [c for c in codes if not (isinstance(c, str) and is_safe_code(c))]
    if unsafe:
        shown = ", ".join(repr(c) for c in unsafe[:5])
        raise UnsafeCode(f"code(s) {shown} cannot be kept: {CODE_FIX}")


def upsert_measures(
    engine: Engine, principal: Principal, measures: pl.DataFrame, force: bool = False
) -> int:
    """Insert new measures and update changed ones (matched by code); returns how many were
    written (an unchanged measure is not). Each written measure gets a version (who, when).
    Columns ``purpose``, ``statutory_source`` and ``domains`` (a list), when given, are written
    in the same transaction (``qi.store.outcomes``).

    Changing a measure's kind, frequency or unit while observations are stored for it is
    refused (``DefinitionChangeRefused``, nothing written, the consequences stated) unless
    ``force``; a forced change is recorded as such in the measure's history. A code that is
    not safe (``qi.vocabulary.codes``) raises ``UnsafeCode``. ``principal`` needs
    ``definitions.write``."""
    _check_codes(measures["code"].to_list())
    _guard(engine, principal, f"measures {_codes(measures['code'].to_list())}")
    rows = (
        _with_optional(measures, MEASURE_FIELDS)
        .with_columns(pl.col("multiplier").fill_null(1.0))
        .select(MEASURE_FIELDS)
        .to_dicts()
    )
    if not rows:
        return 0
    stamp = _stamp(principal)
    check_lengths(Measure, [row | stamp for row in rows])
    statement = _upsert(engine.dialect.name, Measure.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={f: statement.excluded[f] for f in (*MEASURE_FIELDS, *UPDATED) if f != "code"},
    )
    codes = [row["code"] for row in rows]
    with writing(engine) as connection:
        stored = {
            r["code"]: dict(r)
            for r in connection.execute(
                select(Measure.id, *(getattr(Measure, f) for f in MEASURE_FIELDS)).where(
                    Measure.code.in_(codes)
                )
            ).mappings()
        }
        new = [r for r in rows if r["code"] not in stored]
        changed = [
            r
            for r in rows
            if r["code"] in stored
            and any(_differs(r[f], stored[r["code"]][f]) for f in MEASURE_FIELDS)
        ]
        guarded = [
            (r, stored[r["code"]], f)
            for r in changed
            for f in GUARDED_FIELDS
            if _differs(r[f], stored[r["code"]][f])
        ]
        refused = _refused(connection, guarded)
        if refused and not force:
            raise DefinitionChangeRefused(refused)
        if not new and not changed:
            # purpose and domains (0008), each change versioned and audited there
            return write_purposes(connection, principal, measures)
        connection.execute(statement, [row | stamp for row in new + changed])
        ids = dict(
            connection.execute(
                select(Measure.code, Measure.id).where(Measure.code.in_(codes))
            ).all()
        )
        forced = {c["code"] for c in refused}
        who, when = stamp["updated_by"], stamp["updated_at"]
        record_versions(connection, Measure, [ids[r["code"]] for r in new], "created", who, when)
        for change in ("updated", "forced"):
            chosen = [
                ids[r["code"]] for r in changed if (r["code"] in forced) == (change == "forced")
            ]
            if chosen:
                record_versions(connection, Measure, chosen, change, who, when)
        write_purposes(connection, principal, measures)  # purpose and domains (0008)
        written = [r["code"] for r in new + changed]
        _audit_measures(
            connection,
            principal,
            written,
            f"{len(new)} new, {len(changed)} changed" + (", forced" if forced else ""),
        )
    return len(new) + len(changed)


def _audit_measures(connection, principal: Principal, codes: list[str], detail: str) -> None:
    subject = f"{len(codes)} measure(s): {_codes(codes)}"
    audit(connection, principal, "measures.define", subject=subject[:255], detail=detail)


def upsert_places(engine: Engine, principal: Principal, places: pl.DataFrame) -> int:
    """Insert new places and update changed ones by code, then link parents by code; returns
    how many were written (an unchanged place is not). Each written place gets a version.
    A code that is not safe (``qi.vocabulary.codes``) raises ``UnsafeCode``. ``principal``
    needs ``definitions.write``."""
    codes = places["code"].to_list() if places.height else []
    _check_codes(codes)
    _guard(engine, principal, f"places {_codes(codes)}")
    if not codes:
        return 0
    stamp = _stamp(principal)
    own = [f for f in PLACE_FIELDS if f != "parent"]
    given = places.select(PLACE_FIELDS).to_dicts()
    check_lengths(Place, [{f: row[f] for f in own} | stamp for row in given])
    statement = _upsert(engine.dialect.name, Place.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={f: statement.excluded[f] for f in (*own, *UPDATED) if f != "code"},
    )
    with writing(engine) as connection:
        parent = Place.__table__.alias("parent")
        stored = {
            r["code"]: dict(r)
            for r in connection.execute(
                select(
                    Place.id,
                    Place.code,
                    Place.name,
                    Place.type,
                    Place.gss_code,
                    parent.c.code.label("parent"),
                ).outerjoin(parent, parent.c.id == Place.parent_id)
            ).mappings()
        }
        new = [r for r in given if r["code"] not in stored]
        changed = [
            r
            for r in given
            if r["code"] in stored
            and any(_differs(r[f], stored[r["code"]][f]) for f in PLACE_FIELDS)
        ]
        written = new + changed
        if not written:
            return 0
        connection.execute(statement, [{f: row[f] for f in own} | stamp for row in written])
        ids = dict(connection.execute(select(Place.code, Place.id)).all())
        links = [
            {"child": ids[row["code"]], "parent": ids[row["parent"]] if row["parent"] else None}
            for row in written
        ]
        connection.execute(
            update(_table(Place))
            .where(_table(Place).c.id == bindparam("child"))
            .values(parent_id=bindparam("parent")),
            links,
        )
        who, when = stamp["updated_by"], stamp["updated_at"]
        record_versions(connection, Place, [ids[r["code"]] for r in new], "created", who, when)
        record_versions(connection, Place, [ids[r["code"]] for r in changed], "updated", who, when)
        done = [r["code"] for r in written]
        audit(
            connection,
            principal,
            "places.define",
            place=done[0] if len(done) == 1 else None,
            subject=f"{len(done)} place(s): {_codes(done)}"[:255],
            detail=f"{len(new)} new, {len(changed)} changed",
        )
        refresh_statistics(connection, "places", len(written))
    return len(written)


def add_initiative(
    engine: Engine,
    principal: Principal,
    name: str,
    places: list[str],
    start_date: date | None = None,
    description: str | None = None,
    outcome_domains: list[str] | None = None,
    measures: list[str] | None = None,
) -> int:
    """Create (or replace the places of) a place-based initiative. Returns its id.

    ``measures`` (codes), when given, become the initiative's measures, replacing any it had;
    without them its measures are left as they are (``link_measures`` adds more). An
    initiative given as it is stored is not written again. ``principal`` needs
    ``definitions.write``."""
    check_lengths(Initiative, {"name": name, "created_by": principal.name})
    _guard(engine, principal, f"initiative {name}")
    with writing(engine) as connection:
        place_ids = dict(
            connection.execute(select(Place.code, Place.id).where(Place.code.in_(places))).all()
        )
        missing = sorted(set(places) - set(place_ids))
        if missing:
            raise LookupError(f"unknown place code(s): {', '.join(missing)}")
        initiative_id = connection.execute(
            select(Initiative.id).where(Initiative.name == name)
        ).scalar()
        values = dict(
            start_date=start_date,
            description=description,
            outcome_domains=", ".join(outcome_domains or []) or None,
        )
        if initiative_id is not None and _initiative_as_given(
            connection, initiative_id, values, set(place_ids.values()), measures
        ):
            return initiative_id
        if initiative_id is None:
            initiative_id = connection.execute(
                _table(Initiative)
                .insert()
                .values(
                    name=name,
                    created_by=principal.name,
                    created_at=clock.now(),
                    **values,
                )
                .returning(Initiative.id)
            ).scalar_one()
        else:
            connection.execute(
                update(Initiative).where(Initiative.id == initiative_id).values(**values)
            )
            connection.execute(
                delete(InitiativePlace).where(InitiativePlace.initiative_id == initiative_id)
            )
        connection.execute(
            _table(InitiativePlace).insert(),
            [{"initiative_id": initiative_id, "place_id": i} for i in place_ids.values()],
        )
        if measures is not None:
            connection.execute(
                delete(InitiativeMeasure).where(InitiativeMeasure.initiative_id == initiative_id)
            )
            _link(connection, initiative_id, measures)
        audit(
            connection,
            principal,
            "initiative.define",
            subject=f"initiative {initiative_id}: {name}"[:255],
            detail=f"places {_codes(sorted(place_ids))}"
            + (f"; measures {_codes(measures)}" if measures is not None else ""),
        )
    return initiative_id


def _initiative_as_given(
    connection, initiative_id: int, values: dict, place_ids: set[int], measures: list[str] | None
) -> bool:
    """Whether the stored initiative has these values, exactly these places and (when given)
    exactly these measures."""
    stored = connection.execute(
        select(Initiative.start_date, Initiative.description, Initiative.outcome_domains).where(
            Initiative.id == initiative_id
        )
    ).one()
    if stored._asdict() != values:
        return False
    placed = connection.execute(
        select(InitiativePlace.place_id).where(InitiativePlace.initiative_id == initiative_id)
    )
    if set(placed.scalars()) != place_ids:
        return False
    if measures is None:
        return True
    linked = connection.execute(
        select(Measure.code)
        .join(InitiativeMeasure, InitiativeMeasure.measure_id == Measure.id)
        .where(InitiativeMeasure.initiative_id == initiative_id)
    )
    return set(linked.scalars()) == set(measures)


def link_measures(
    engine: Engine, principal: Principal, initiative: str, measures: list[str]
) -> int:
    """Make these measures (codes) part of an initiative (by name), keeping those it has:
    what an upload or an import calls to say which initiative its measures belong to. Returns
    how many links are new. Unknown names or codes raise ``LookupError``, writing nothing.
    ``principal`` needs ``definitions.write``."""
    _guard(engine, principal, f"initiative {initiative}")
    with writing(engine) as connection:
        initiative_id = connection.execute(
            select(Initiative.id).where(Initiative.name == initiative)
        ).scalar()
        if initiative_id is None:
            known = connection.execute(select(Initiative.name).order_by(Initiative.id)).scalars()
            raise LookupError(_unknown_initiative(initiative, list(known)))
        linked = _link(connection, initiative_id, measures)
        if linked:
            audit(
                connection,
                principal,
                "initiative.link",
                subject=f"initiative {initiative_id}: {initiative}"[:255],
                detail=f"{linked} measure(s) linked: {_codes(measures)}",
            )
        return linked


def _unknown_initiative(name: str, known: list[str]) -> str:
    return f"unknown initiative {name!r}; the initiatives are: {', '.join(known) or 'none yet'}"


def _link(connection, initiative_id: int, measures: list[str]) -> int:
    """Link measures (codes) to an initiative (id), skipping links it already has."""
    measure_ids = dict(
        connection.execute(select(Measure.code, Measure.id).where(Measure.code.in_(measures))).all()
    )
    missing = sorted(set(measures) - set(measure_ids))
    if missing:
        raise LookupError(
            f"unknown measure code(s): {', '.join(missing)}; import the measures first"
        )
    linked = set(
        connection.execute(
            select(InitiativeMeasure.measure_id).where(
                InitiativeMeasure.initiative_id == initiative_id
            )
        ).scalars()
    )
    new = [i for i in dict.fromkeys(measure_ids[c] for c in measures) if i not in linked]
    if new:
        connection.execute(
            _table(InitiativeMeasure).insert(),
            [{"initiative_id": initiative_id, "measure_id": i} for i in new],
        )
    return len(new)


def read_measures(engine: Engine) -> pl.DataFrame:
    """Every measure with its id, as polars."""
    schema = {"id": pl.Int64(), **{f: _measure_dtype(f) for f in MEASURE_FIELDS}}
    columns = [Measure.id] + [getattr(Measure, f) for f in MEASURE_FIELDS]
    return read_frame(engine, select(*columns).order_by(Measure.code), schema)


def _measure_dtype(field: str) -> pl.DataType:
    return pl.Float64() if field in FLOAT_FIELDS else pl.String()


def read_places(engine: Engine) -> pl.DataFrame:
    """Every place with its id and its parent's code, as polars."""
    parent = Place.__table__.alias("parent")
    query = (
        select(Place.id, Place.code, Place.name, Place.type, parent.c.code, Place.gss_code)
        .outerjoin(parent, parent.c.id == Place.parent_id)
        .order_by(Place.code)
    )
    schema = {
        "id": pl.Int64(),
        "code": pl.String(),
        "name": pl.String(),
        "type": pl.String(),
        "parent": pl.String(),
        "gss_code": pl.String(),
    }
    return read_frame(engine, query, schema)


def read_initiatives(engine: Engine) -> pl.DataFrame:
    """Every initiative with its places and its measures (codes, as lists), oldest first, as
    polars.

    Columns: name, start_date, description, outcome_domains, places, measures.
    """
    query = (
        select(
            Initiative.name,
            Initiative.start_date,
            Initiative.description,
            Initiative.outcome_domains,
            Place.code.label("place"),
        )
        .join(InitiativePlace, InitiativePlace.initiative_id == Initiative.id)
        .join(Place, Place.id == InitiativePlace.place_id)
        .order_by(Initiative.id, Place.code)
    )
    schema = {
        "name": pl.String(),
        "start_date": pl.Date(),
        "description": pl.String(),
        "outcome_domains": pl.String(),
        "place": pl.String(),
    }
    rows = read_frame(engine, query, schema)
    found = rows.group_by(
        "name", "start_date", "description", "outcome_domains", maintain_order=True
    ).agg(pl.col("place").alias("places"))
    links = (
        read_frame(
            engine,
            select(Initiative.name, Measure.code)
            .join(InitiativeMeasure, InitiativeMeasure.initiative_id == Initiative.id)
            .join(Measure, Measure.id == InitiativeMeasure.measure_id)
            .order_by(Initiative.id, Measure.code),
            {"name": pl.String(), "measure": pl.String()},
        )
        .group_by("name", maintain_order=True)
        .agg(pl.col("measure").alias("measures"))
    )
    return found.join(links, on="name", how="left", maintain_order="left").with_columns(
        pl.col("measures").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def initiative_measures(engine: Engine, initiative: str) -> list[str]:
    """The codes of an initiative's measures, in code order; ``LookupError`` for an unknown
    initiative."""
    every = read_initiatives(engine)
    found = every.filter(pl.col("name") == initiative)
    if found.height == 0:
        raise LookupError(_unknown_initiative(initiative, every["name"].to_list()))
    return found.get_column("measures")[0].to_list()


def _table(model: type) -> Table:
    """A mapped class's table, for Core statements run with many rows at once."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]
