"""Places as a hierarchy (LSOA -> ward -> local authority -> ICB), their deprivation and
populations, and observations rolled up the hierarchy.

A place has one parent (``places.parent_id``). Rolling up is done by the database: a recursive
query finds every place's ancestors, and observations stored at one level are summed at the
level asked for, counts and numerators and denominators alike (a rate is never averaged: the
caller divides the sums).

Deprivation and populations are definitions: writing them needs ``definitions.write`` and is
audited.
"""

from datetime import date

import polars as pl
from sqlalchemy import Engine, func, literal, select

from qi.access import EVERYTHING, Principal
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.breakdowns import read_breakdown_kinds
from qi.store.definitions import _table, _upsert
from qi.store.engine import writing
from qi.store.frames import read_frame
from qi.store.models import Measure, Observation, Place, PlaceDeprivation, PlacePopulation
from qi.store.readable import only_places, place_ids
from qi.vocabulary.breakdowns import ALL, SEPARATOR
from qi.vocabulary.places import PLACE_TYPES

DEPRIVATION_FIELDS = ("source", "imd_decile", "imd_quintile", "imd_rank", "imd_score")
DEPRIVATION_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.String(),
    "source": pl.String(),
    "imd_decile": pl.Int64(),
    "imd_quintile": pl.Int64(),
    "imd_rank": pl.Float64(),
    "imd_score": pl.Float64(),
}
POPULATION_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.String(),
    "population": pl.Int64(),
    "year": pl.Int64(),
    "source": pl.String(),
}
WRITE_ACTION = "definitions.write"
BATCH = 5000
ROLLUP_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "place": pl.String(),
    "period": pl.Date(),
    "breakdown": pl.String(),
    "value": pl.Float64(),  # the sum of the values (counts); null when none has a value
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "places": pl.Int64(),  # how many observations were summed
    "missing": pl.Int64(),  # of them, how many had no value
}


def upsert_deprivation(engine: Engine, principal: Principal, deprivation: pl.DataFrame) -> int:
    """Store each place's deprivation (``DEPRIVATION_SCHEMA``, by place code), replacing what
    was stored for it; returns how many places were written. Unknown codes raise LookupError.
    Needs ``definitions.write``."""
    if deprivation.height == 0:
        return 0
    frame = deprivation.with_columns(
        pl.lit(None, DEPRIVATION_SCHEMA[f]).alias(f)
        for f in DEPRIVATION_FIELDS
        if f not in deprivation.columns
    ).select(pl.col(c).cast(t) for c, t in DEPRIVATION_SCHEMA.items())
    return _replace(engine, principal, PlaceDeprivation, frame, DEPRIVATION_FIELDS, "deprivation")


def store_populations(engine: Engine, principal: Principal, populations: pl.DataFrame) -> int:
    """Store each place's population (``POPULATION_SCHEMA``: code, population, year, source),
    replacing what was stored for it; returns how many places were written. Unknown codes raise
    LookupError, nothing written. Needs ``definitions.write``."""
    if populations.height == 0:
        return 0
    frame = populations.select(pl.col(c).cast(t) for c, t in POPULATION_SCHEMA.items())
    fields = ("population", "year", "source")
    return _replace(engine, principal, PlacePopulation, frame, fields, "populations")


def _replace(engine, principal, model, frame: pl.DataFrame, fields, what: str) -> int:
    """Upsert ``frame`` (code and ``fields``) into ``model`` by place, audited as one change."""
    guard(engine, principal, WRITE_ACTION, scope=EVERYTHING, subject=f"places' {what}")
    stamp = {"updated_by": principal.name, "updated_at": clock.now()}
    statement = _upsert(engine.dialect.name, model.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["place_id"],
        set_={f: statement.excluded[f] for f in (*fields, *stamp)},
    )
    with writing(engine) as connection:
        ids = dict(connection.execute(select(Place.code, Place.id)).all())
        missing = sorted(set(frame["code"]) - set(ids))
        if missing:
            shown = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            raise LookupError(f"{what} for unknown place code(s): {shown}; add the places first")
        rows = [{"place_id": ids[row.pop("code")], **row, **stamp} for row in frame.to_dicts()]
        for start in range(0, len(rows), BATCH):
            connection.execute(statement, rows[start : start + BATCH])
        audit(
            connection,
            principal,
            WRITE_ACTION,
            subject=f"places' {what}",
            detail=f"{len(rows):,} places",
        )
    return len(rows)


def read_populations(engine: Engine, level: str | None = None) -> pl.DataFrame:
    """Every place's stored population (``POPULATION_SCHEMA``) with its name and type, of one
    type of place when ``level`` is given; ordered by code."""
    query = select(
        Place.code,
        PlacePopulation.population,
        PlacePopulation.year,
        PlacePopulation.source,
        Place.name,
        Place.type,
    ).join(Place, Place.id == PlacePopulation.place_id)
    if level is not None:
        query = query.where(Place.type == _level(level))
    schema = {**POPULATION_SCHEMA, "name": pl.String(), "type": pl.String()}
    with engine.connect() as connection:
        return read_frame(connection, query.order_by(Place.code), schema)


def read_deprivation(engine: Engine, level: str | None = None) -> pl.DataFrame:
    """Every place's stored deprivation (``DEPRIVATION_SCHEMA``) with its name and type,
    of one type of place when ``level`` is given; ordered by code."""
    query = select(
        Place.code,
        PlaceDeprivation.source,
        PlaceDeprivation.imd_decile,
        PlaceDeprivation.imd_quintile,
        PlaceDeprivation.imd_rank,
        PlaceDeprivation.imd_score,
        Place.name,
        Place.type,
    ).join(Place, Place.id == PlaceDeprivation.place_id)
    if level is not None:
        query = query.where(Place.type == _level(level))
    schema = {**DEPRIVATION_SCHEMA, "name": pl.String(), "type": pl.String()}
    return read_frame(engine, query.order_by(Place.code), schema)


def read_places_within(engine: Engine, ancestor: str, level: str) -> pl.DataFrame:
    """The places of type ``level`` under the place ``ancestor`` (at any depth): code, name."""
    up = _ancestry(_level(level))
    query = (
        select(Place.code, Place.name)
        .join(up, up.c.place_id == Place.id)
        .join(_ancestor := Place.__table__.alias("ancestor"), _ancestor.c.id == up.c.ancestor_id)
        .where(_ancestor.c.code == literal(ancestor))
        .order_by(Place.code)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return pl.DataFrame(rows, schema={"code": pl.String, "name": pl.String}, orient="row")


def read_rollup(
    engine: Engine,
    principal: Principal,
    measure: str,
    level: str,
    source: str,
    start: date | None = None,
    end: date | None = None,
    breakdown: str = ALL,
    *,
    published: bool = False,
) -> pl.DataFrame:
    """A measure's observations stored at places of type ``source`` summed at each place of
    type ``level`` above them (``ROLLUP_SCHEMA``), per period and breakdown; ``level`` equal
    to ``source`` gives the stored observations themselves. ``breakdown``: one code ("all",
    the totals), or a kind ("imd_quintile") for every group of it. Ordered by place, period
    and breakdown. Only the places of type ``level`` that ``principal`` may read are given
    (``published``: those it may see published outputs of, controlled by the caller)."""
    source, level = _level(source), _level(level)
    kind = breakdown.removesuffix(SEPARATOR)
    kinds = read_breakdown_kinds(engine)
    by_kind = kind in kinds
    if not by_kind and not kinds.accepts(breakdown):
        raise ValueError(f"{breakdown!r} is not a breakdown: use 'all', a group or a kind of group")
    with engine.connect() as connection:
        measure_id = connection.execute(select(Measure.id).where(Measure.code == measure)).scalar()
    if measure_id is None:
        raise LookupError(f"unknown measure code: {measure}")
    within = _within(source, level)
    conditions = [
        Observation.measure_id == int(measure_id),
        only_places(within.c.ancestor_id, place_ids(engine, principal, _reading(published))),
    ]
    if by_kind:
        conditions.append(Observation.breakdown.startswith(f"{kind}{SEPARATOR}"))
    else:
        conditions.append(Observation.breakdown == breakdown)
    if start is not None:
        conditions.append(Observation.period >= start)
    if end is not None:
        conditions.append(Observation.period <= end)
    query = (
        select(
            within.c.ancestor_id,
            Observation.period,
            Observation.breakdown,
            func.sum(Observation.value),
            func.sum(Observation.numerator),
            func.sum(Observation.denominator),
            func.count(),
            func.count(Observation.missing_reason),
        )
        .join(within, within.c.place_id == Observation.place_id)
        .where(*conditions)
        .group_by(within.c.ancestor_id, Observation.period, Observation.breakdown)
    )
    schema = {
        "place_id": pl.Int64(),
        **{k: v for k, v in ROLLUP_SCHEMA.items() if k not in ("measure", "place")},
    }
    # One pooled connection for both reads (on PostgreSQL, each read on the engine would open
    # a connection of its own: 0.2-0.4 s each on a loaded machine).
    with engine.connect() as connection:
        frame = read_frame(connection, query, schema)
        codes = read_frame(
            connection,
            select(Place.id, Place.code).where(Place.type == level),
            {"place_id": pl.Int64(), "place": pl.String()},
        )
    return (
        frame.join(codes, on="place_id")
        .with_columns(pl.lit(measure).alias("measure"))
        .select(list(ROLLUP_SCHEMA))
        .sort("place", "period", "breakdown")
    )


def _level(code: str) -> str:
    if code not in PLACE_TYPES:
        raise ValueError(f"unknown type of place {code!r}: use one of {', '.join(PLACE_TYPES)}")
    return code


def _ancestry(source: str):
    """(place_id, ancestor_id, ancestor_type) for every place of type ``source`` and each of
    its ancestors, itself included: a recursive query up ``parent_id``."""
    places = _table(Place)
    base = select(
        places.c.id.label("place_id"),
        places.c.id.label("ancestor_id"),
        places.c.type.label("ancestor_type"),
    ).where(places.c.type == source)
    up = base.cte("ancestry", recursive=True)
    step = places.alias("step")
    parent = places.alias("parent_step")
    return up.union_all(
        select(up.c.place_id, parent.c.id, parent.c.type)
        .join(step, step.c.id == up.c.ancestor_id)
        .join(parent, parent.c.id == step.c.parent_id)
    )


def _within(source: str, level: str):
    """(place_id, ancestor_id): each place of type ``source`` and the place of type ``level``
    it is in (itself when the two are the same), one row each: what a rollup joins on."""
    up = _ancestry(source)
    return select(up.c.place_id, up.c.ancestor_id).where(up.c.ancestor_type == level).cte("within")


def _reading(published: bool) -> str:
    """The action a read needs: reading the data, or seeing published outputs of it."""
    return "data.published" if published else "data.read"


def read_levels(
    engine: Engine,
    principal: Principal,
    measure: str,
    breakdown: str = ALL,
    *,
    published: bool = False,
) -> dict[str, int]:
    """The types of place a measure's observations are stored at, with how many places of
    each: for the totals ("all") or for every group of a kind of breakdown ("imd_quintile");
    of the places ``principal`` may read (``published``: may see published outputs of)."""
    condition = (
        Observation.breakdown == ALL
        if breakdown == ALL
        else Observation.breakdown.startswith(f"{breakdown}{SEPARATOR}")
    )
    # The distinct places first, then their types: a distinct count inside the join sorted
    # every observation on PostgreSQL.
    stored = (
        select(Observation.place_id)
        .join(Measure, Measure.id == Observation.measure_id)
        .where(
            Measure.code == measure,
            condition,
            only_places(Observation.place_id, place_ids(engine, principal, _reading(published))),
        )
        .distinct()
        .subquery()
    )
    query = (
        select(Place.type, func.count())
        .join(stored, stored.c.place_id == Place.id)
        .group_by(Place.type)
    )
    with engine.connect() as connection:
        return {kind: int(n) for kind, n in connection.execute(query).all()}
