"""Measures, places and initiatives: bulk upserts by code, and lookups as polars.

Callers validate first (``qi.ingest.definitions``); these functions trust their input.
"""

from datetime import date

import polars as pl
from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from qi.store import clock
from qi.store.engine import default_actor, writing
from qi.store.frames import read_frame
from qi.store.limits import check_lengths, column_limits
from qi.store.models import Initiative, InitiativePlace, Measure, Place

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
)
PLACE_FIELDS = ("code", "name", "type", "parent", "gss_code")
# The longest text each field may hold (the schema's own limits): validation checks them first.
MEASURE_LIMITS = column_limits(Measure)
PLACE_LIMITS = column_limits(Place)
UPDATED = ("updated_by", "updated_at")


def _stamp(actor: str | None) -> dict:
    """Who and when, for a new row (created and updated) or an update (updated only)."""
    who, when = actor or default_actor(), clock.now()
    return {"created_by": who, "created_at": when, "updated_by": who, "updated_at": when}


def _upsert(engine_dialect: str, table):
    insert = postgresql.insert if engine_dialect == "postgresql" else sqlite.insert
    return insert(table)


def upsert_measures(engine: Engine, measures: pl.DataFrame, actor: str | None = None) -> int:
    """Insert new measures and update existing ones (matched by code). Returns rows written."""
    rows = measures.select(MEASURE_FIELDS).to_dicts()
    if not rows:
        return 0
    stamp = _stamp(actor)
    check_lengths(Measure, [row | stamp for row in rows])
    statement = _upsert(engine.dialect.name, Measure.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={f: statement.excluded[f] for f in (*MEASURE_FIELDS, *UPDATED) if f != "code"},
    )
    with writing(engine) as connection:
        connection.execute(statement, [row | stamp for row in rows])
    return len(rows)


def upsert_places(engine: Engine, places: pl.DataFrame, actor: str | None = None) -> int:
    """Insert new places and update existing ones by code, then link parents by code."""
    if places.height == 0:
        return 0
    stamp = _stamp(actor)
    own = [f for f in PLACE_FIELDS if f != "parent"]
    rows = [row | stamp for row in places.select(own).to_dicts()]
    check_lengths(Place, rows)
    statement = _upsert(engine.dialect.name, Place.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={f: statement.excluded[f] for f in (*own, *UPDATED) if f != "code"},
    )
    with writing(engine) as connection:
        connection.execute(statement, rows)
        ids = dict(connection.execute(select(Place.code, Place.id)).all())
        links = [
            {"child": ids[code], "parent": ids[parent] if parent else None}
            for code, parent in places.select("code", "parent").iter_rows()
        ]
        connection.execute(
            update(Place.__table__)
            .where(Place.__table__.c.id == bindparam("child"))
            .values(parent_id=bindparam("parent")),
            links,
        )
    return len(rows)


def add_initiative(
    engine: Engine,
    name: str,
    places: list[str],
    start_date: date | None = None,
    description: str | None = None,
    outcome_domains: list[str] | None = None,
    actor: str | None = None,
) -> int:
    """Create (or replace the places of) a place-based initiative. Returns its id."""
    check_lengths(Initiative, {"name": name, "created_by": actor})
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
        if initiative_id is None:
            initiative_id = connection.execute(
                Initiative.__table__.insert()
                .values(
                    name=name,
                    created_by=actor or default_actor(),
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
            InitiativePlace.__table__.insert(),
            [{"initiative_id": initiative_id, "place_id": i} for i in place_ids.values()],
        )
    return initiative_id


def read_measures(engine: Engine) -> pl.DataFrame:
    """Every measure with its id, as polars."""
    schema = {"id": pl.Int64(), **{f: _measure_dtype(f) for f in MEASURE_FIELDS}}
    columns = [Measure.id] + [getattr(Measure, f) for f in MEASURE_FIELDS]
    return read_frame(engine, select(*columns).order_by(Measure.code), schema)


def _measure_dtype(field: str) -> pl.DataType:
    return pl.Float64() if field in ("multiplier", "target") else pl.String()


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
    """Every initiative with its places (codes, as a list), oldest first, as polars.

    Columns: name, start_date, description, outcome_domains, places.
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
    return rows.group_by(
        "name", "start_date", "description", "outcome_domains", maintain_order=True
    ).agg(pl.col("place").alias("places"))
