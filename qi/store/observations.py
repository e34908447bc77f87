"""Writing observations (with revisions) and reading series back as polars.

One transaction per upload: the stored rows the upload could replace are read (inside the
transaction) and compared with it in polars; new rows are written in bulk (COPY on PostgreSQL,
one executemany on SQLite), changed rows become revisions (old and new values, who, when, which
upload) and are updated, and the upload's record is written with its report. Uploads touching
the same measures are serialised (row locks on the measures on PostgreSQL, ``BEGIN IMMEDIATE``
on SQLite), so two at once lose nothing. An upload that changes nothing writes nothing, so
uploading the same file twice leaves the database as it was.
"""

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Engine,
    String,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    text,
    true,
    update,
)

from qi.access import Principal
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import refresh_statistics, writing
from qi.store.frames import read_frame
from qi.store.limits import check_lengths
from qi.store.models import InitiativePlace, Measure, Observation, Place, Revision, Upload
from qi.store.readable import only_places, place_ids
from qi.vocabulary.breakdowns import ALL, SEPARATOR

# What ``store_observations`` expects, in this order.
OBSERVATION_SCHEMA: dict[str, pl.DataType] = {
    "measure_id": pl.Int64(),
    "place_id": pl.Int64(),
    "period": pl.Date(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "missing_reason": pl.String(),
    "status": pl.String(),
    "breakdown": pl.String(),  # "all" when absent: the total
}
SERIES_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "place": pl.String(),
    "period": pl.Date(),
    "value": pl.Float64(),
    "numerator": pl.Float64(),
    "denominator": pl.Float64(),
    "missing_reason": pl.String(),
    "status": pl.String(),
    "upload_id": pl.Int64(),
}
SERIES_INDEX_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "place": pl.String(),
    "points": pl.Int64(),  # periods stored, with or without a value
    "first_period": pl.Date(),
    "last_period": pl.Date(),
}
REVISION_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "place": pl.String(),
    "period": pl.Date(),
    "old_value": pl.Float64(),
    "old_numerator": pl.Float64(),
    "old_denominator": pl.Float64(),
    "old_status": pl.String(),
    "new_value": pl.Float64(),
    "new_numerator": pl.Float64(),
    "new_denominator": pl.Float64(),
    "new_status": pl.String(),
    "upload_id": pl.Int64(),
    "old_upload_id": pl.Int64(),
    "actor": pl.String(),
    "revised_at": pl.Datetime("us"),
}
_FIELDS = ("value", "numerator", "denominator", "missing_reason", "status")


@dataclass(frozen=True)
class UploadRecord:
    """What is known about an upload before it is written."""

    file_name: str
    content_hash: str
    rows_read: int
    report: dict
    sheet: str | None = None


@dataclass(frozen=True)
class StoreResult:
    upload_id: int | None  # None when nothing changed and nothing was written
    added: int
    revised: int
    unchanged: int


def _insert_upload(
    connection: Connection, principal: Principal, upload: UploadRecord, outcome: str
) -> int:
    values = dict(
        file_name=upload.file_name,
        sheet=upload.sheet,
        content_hash=upload.content_hash,
        actor=principal.name,
        person=principal.person,
        uploaded_at=clock.now(),
        rows_read=upload.rows_read,
        outcome=outcome,
        observations_added=0,
        observations_revised=0,
        report=json.dumps(upload.report, default=str),
    )
    check_lengths(Upload, values)
    return connection.execute(insert(Upload).values(**values).returning(Upload.id)).scalar_one()


def record_rejected_upload(
    engine: Engine, principal: Principal, upload: UploadRecord
) -> int | None:
    """Log a rejected upload and its report, once per content: the new log entry's id, or None
    when a rejection of the same content (``content_hash``) is logged already, so a file
    uploaded again unchanged does not fill the log. No observation is touched. The attempt is
    in the audit either way."""
    with writing(engine) as connection:
        logged = connection.execute(
            select(Upload.id).where(
                Upload.content_hash == upload.content_hash, Upload.outcome == "rejected"
            )
        ).first()
        upload_id = (
            None
            if logged is not None
            else _insert_upload(connection, principal, upload, "rejected")
        )
        logged_id = logged[0] if logged is not None else upload_id
        audit(
            connection,
            principal,
            "data.upload",
            subject=f"upload {logged_id}: {upload.file_name}"[:255],
            outcome="failed",
            detail="rejected: the file has errors",
        )
        return upload_id


def _existing(connection: Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """The stored observations these rows could replace, read inside the write transaction."""
    measure_ids = ", ".join(str(int(m)) for m in rows["measure_id"].unique())
    first, last = rows["period"].min(), rows["period"].max()
    columns = ("measure_id", "place_id", "period", "breakdown", *_FIELDS, "upload_id")
    query = select(*(getattr(Observation, c) for c in columns)).where(
        text(f"measure_id IN ({measure_ids})"), Observation.period.between(first, last)
    )
    schema = {**{c: OBSERVATION_SCHEMA.get(c, pl.Int64()) for c in columns}}
    return read_frame(connection, query, schema)


def _rows_for(connection: Connection, frame: pl.DataFrame) -> pl.DataFrame:
    # SQLAlchemy stores SQLite dates as ISO text; write them the same way.
    if connection.dialect.name == "sqlite":
        return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    return frame


def _bulk_insert(connection: Connection, table: str, frame: pl.DataFrame) -> None:
    """COPY on PostgreSQL, one executemany on SQLite; inside the caller's transaction."""
    if frame.height == 0:
        return
    columns = ", ".join(frame.columns)
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="")
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
        ):
            view = buffer.getbuffer()
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start : start + (1 << 20)])
            del view
    else:
        marks = ", ".join("?" * frame.width)
        driver.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
            _rows_for(connection, frame).iter_rows(),
        )


def _lock_measures(connection: Connection, measure_ids: list[int]) -> None:
    if connection.dialect.name == "postgresql":
        # Row locks in id order: concurrent uploads of the same measures queue, and cannot deadlock.
        connection.execute(
            select(Measure.id)
            .where(Measure.id.in_(measure_ids))
            .order_by(Measure.id)
            .with_for_update()
        ).all()


def _differs(field: str) -> pl.Expr:
    return pl.col(field).ne_missing(pl.col(f"old_{field}"))


def _split(rows: pl.DataFrame, existing: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows not stored yet, and the stored rows they change (with the old values)."""
    if existing is None or existing.height == 0:
        return rows, rows.clear()
    key = ["measure_id", "place_id", "period", "breakdown"]
    old = existing.rename({c: f"old_{c}" for c in (*_FIELDS, "upload_id")})
    joined = rows.join(old, on=key, how="left")
    stored = pl.col("old_status").is_not_null()
    new = joined.filter(~stored).select(rows.columns)
    changed = joined.filter(stored & pl.any_horizontal(_differs(f) for f in _FIELDS))
    return new, changed


def compare_observations(engine: Engine, rows: pl.DataFrame) -> StoreResult:
    """What storing ``rows`` (as for ``store_observations``) would do, without storing: how
    many are new, would revise a stored value, or are stored already."""
    if "breakdown" not in rows.columns:
        rows = rows.with_columns(pl.lit(ALL).alias("breakdown"))
    rows = rows.select(pl.col(c).cast(t) for c, t in OBSERVATION_SCHEMA.items())
    if rows.height == 0:
        return StoreResult(upload_id=None, added=0, revised=0, unchanged=0)
    with engine.connect() as connection:
        new, changed = _split(rows, _existing(connection, rows))
    return StoreResult(
        upload_id=None,
        added=new.height,
        revised=changed.height,
        unchanged=rows.height - new.height - changed.height,
    )


def _place_codes(engine: Engine, place_ids: list[int]) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(Place.code).where(Place.id.in_(place_ids))).scalars())


def store_observations(
    engine: Engine,
    principal: Principal,
    rows: pl.DataFrame,
    upload: UploadRecord,
    wait_s: float | None = None,
    time_limit_s: float | None = None,
) -> StoreResult:
    """Store validated observations in one transaction; changed values become revisions.

    ``rows`` has ``OBSERVATION_SCHEMA``'s columns, one row per (measure_id, place_id, period,
    breakdown), ids that exist; without a breakdown column every row is the total, "all".
    Validation is the caller's job (see ``qi.ingest``). The rows are compared with what is stored in polars; only new rows and changed rows are written. ``wait_s`` and
    ``time_limit_s`` bound the wait for other writers and the whole write (see ``writing``):
    past either, nothing is stored (``StoreBusy``, ``StoreTimedOut``).

    ``principal`` must hold ``data.upload`` at every place of the rows (``qi.access.Refused``
    otherwise, audited, nothing stored); the upload is audited with them.
    """
    if "breakdown" not in rows.columns:
        rows = rows.with_columns(pl.lit(ALL).alias("breakdown"))
    rows = rows.select(pl.col(c).cast(t) for c, t in OBSERVATION_SCHEMA.items())
    places = _place_codes(engine, [int(p) for p in rows["place_id"].unique()])
    guard(engine, principal, "data.upload", places, subject=f"file {upload.file_name}"[:255])
    actor = principal.name
    key = ["measure_id", "place_id", "period", "breakdown"]
    with writing(engine, wait_s, time_limit_s) as connection:
        _lock_measures(connection, sorted(rows["measure_id"].unique().to_list()))
        existing = _existing(connection, rows) if rows.height else None
        new, changed = _split(rows, existing)
        if new.height == 0 and changed.height == 0:
            return StoreResult(upload_id=None, added=0, revised=0, unchanged=rows.height)
        upload_id = _insert_upload(connection, principal, upload, "stored")
        _bulk_insert(
            connection, "observations", new.with_columns(pl.lit(upload_id).alias("upload_id"))
        )
        refresh_statistics(connection, "observations", new.height)
        if changed.height:
            now = clock.now()
            _bulk_insert(
                connection,
                "revisions",
                changed.select(
                    *key,
                    *(pl.col(f"old_{f}") for f in _FIELDS),
                    "old_upload_id",
                    *(pl.col(f).alias(f"new_{f}") for f in _FIELDS),
                    pl.lit(upload_id).alias("upload_id"),
                    pl.lit(actor).alias("actor"),
                    pl.lit(now).alias("revised_at"),
                ),
            )
            connection.execute(
                update(Observation)
                .where(
                    Observation.measure_id == bindparam("k_measure"),
                    Observation.place_id == bindparam("k_place"),
                    Observation.period == bindparam("k_period"),
                    Observation.breakdown == bindparam("k_breakdown"),
                )
                .values({f: bindparam(f"v_{f}") for f in (*_FIELDS, "upload_id")}),
                changed.select(
                    pl.col("measure_id").alias("k_measure"),
                    pl.col("place_id").alias("k_place"),
                    pl.col("period").alias("k_period"),
                    pl.col("breakdown").alias("k_breakdown"),
                    *(pl.col(f).alias(f"v_{f}") for f in _FIELDS),
                    pl.lit(upload_id).alias("v_upload_id"),
                ).to_dicts(),
            )
        connection.execute(
            update(Upload)
            .where(Upload.id == upload_id)
            .values(observations_added=new.height, observations_revised=changed.height)
        )
        audit(
            connection,
            principal,
            "data.upload",
            place=places[0] if len(places) == 1 else None,
            subject=f"upload {upload_id}: {upload.file_name}"[:255],
            detail=f"{new.height:,} added, {changed.height:,} revised at "
            + (", ".join(sorted(places)[:20]) + (" ..." if len(places) > 20 else ""))
            + f" ({len(places):,} places)",
        )
    return StoreResult(
        upload_id=upload_id,
        added=new.height,
        revised=changed.height,
        unchanged=rows.height - new.height - changed.height,
    )


def _codes(engine: Engine, table, codes: list[str] | None) -> pl.DataFrame:
    """id and code of the given codes (all rows when None); unknown codes raise LookupError."""
    query = select(table.id, table.code)
    if codes is not None:
        query = query.where(table.code.in_(codes))
        with engine.connect() as connection:
            found = pl.DataFrame(
                connection.execute(query).all(),
                schema={"id": pl.Int64, "code": pl.String},
                orient="row",
            )
        missing = sorted(set(codes) - set(found["code"]))
        if missing:
            raise LookupError(f"unknown {table.__tablename__[:-1]} code(s): {', '.join(missing)}")
        return found
    return read_frame(engine, query, {"id": pl.Int64(), "code": pl.String()})


def _ids(engine: Engine, column: Any, codes: list[str] | None) -> list[int]:
    return _codes(engine, column.class_, codes)["id"].to_list()


def _as_list(codes: str | Sequence[str] | None) -> list[str] | None:
    if codes is None:
        return None
    return [codes] if isinstance(codes, str) else list(codes)


def read_series(
    engine: Engine,
    principal: Principal,
    measures: str | Sequence[str] | None = None,
    places: str | Sequence[str] | None = None,
    initiative: str | None = None,
    start: date | None = None,
    end: date | None = None,
    *,
    published: bool = False,
) -> pl.DataFrame:
    """The stored totals (breakdown "all") as polars (``SERIES_SCHEMA``), filtered and ordered
    by measure, place and period. ``initiative`` keeps the places of that initiative;
    ``start``/``end`` are inclusive period bounds. Unknown codes raise ``LookupError``.

    Only the places ``principal`` may read are read (``data.read``); ``published``: those it
    may see published outputs of (``data.published``), for an output that controls small
    numbers on the way out (``qi.services.outputs.for_output``)."""
    action = "data.published" if published else "data.read"
    frame = _observations(engine, principal, measures, places, initiative, start, end, ALL, action)
    return frame.drop("breakdown")


def read_breakdowns(
    engine: Engine,
    principal: Principal,
    kind: str,
    measures: str | Sequence[str] | None = None,
    places: str | Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """The stored observations of every group of one kind of breakdown (``imd_quintile``...):
    ``SERIES_SCHEMA`` and ``breakdown`` (the group's code), ordered by measure, place, period
    and breakdown. Filters as ``read_series``; only the places ``principal`` may read."""
    frame = _observations(
        engine, principal, measures, places, None, start, end, f"{kind}{SEPARATOR}", "data.read"
    )
    return frame.sort("measure", "place", "period", "breakdown")


def _observations(
    engine: Engine,
    principal: Principal,
    measures: str | Sequence[str] | None,
    places: str | Sequence[str] | None,
    initiative: str | None,
    start: date | None,
    end: date | None,
    breakdown: str,
    action: str,
) -> pl.DataFrame:
    """Observations with their breakdown: that breakdown exactly, or (ending in the separator)
    every group of that kind; at the places where ``principal`` may do ``action``."""
    measure_codes = _codes(engine, Measure, _as_list(measures))
    place_codes = _codes(engine, Place, _as_list(places))
    # Codes are joined and rows sorted in polars: cheaper than in SQLite's text sort.
    query = select(
        Observation.measure_id,
        Observation.place_id,
        Observation.period,
        Observation.value,
        Observation.numerator,
        Observation.denominator,
        Observation.missing_reason,
        Observation.status,
        Observation.upload_id,
        Observation.breakdown,
    ).where(only_places(Observation.place_id, place_ids(engine, principal, action)))
    if breakdown.endswith(SEPARATOR):
        query = query.where(Observation.breakdown.startswith(breakdown, autoescape=True))
    else:
        query = query.where(Observation.breakdown == breakdown)
    if measures is not None:
        query = query.where(Observation.measure_id.in_(measure_codes["id"].to_list()))
    if places is not None:
        query = query.where(Observation.place_id.in_(place_codes["id"].to_list()))
    if initiative is not None:
        from qi.store.models import Initiative

        with engine.connect() as connection:
            initiative_id = connection.execute(
                select(Initiative.id).where(Initiative.name == initiative)
            ).scalar()
        if initiative_id is None:
            raise LookupError(f"unknown initiative: {initiative}")
        query = query.where(
            Observation.place_id.in_(
                select(InitiativePlace.place_id).where(
                    InitiativePlace.initiative_id == int(initiative_id)
                )
            )
        )
    if start is not None:
        query = query.where(Observation.period >= start)
    if end is not None:
        query = query.where(Observation.period <= end)
    schema = {
        "measure_id": pl.Int64(),
        "place_id": pl.Int64(),
        **SERIES_SCHEMA,
        "breakdown": pl.String(),
    }
    del schema["measure"], schema["place"]
    frame = read_frame(engine, query, schema)
    return (
        frame.join(measure_codes.rename({"id": "measure_id", "code": "measure"}), on="measure_id")
        .join(place_codes.rename({"id": "place_id", "code": "place"}), on="place_id")
        .select(*SERIES_SCHEMA, "breakdown")
        .sort("measure", "place", "period")
    )


def read_series_index(engine: Engine, principal: Principal) -> pl.DataFrame:
    """One row per stored series (``SERIES_INDEX_SCHEMA``): its measure and place, how many
    periods are stored and the first and last of them, counted by the database; ordered by
    measure and place. Only the places ``principal`` may see in some form (their data, or
    published outputs) are listed: the catalogue of what may be shown to them."""
    query = select(
        Observation.measure_id,
        Observation.place_id,
        func.count(),
        func.min(Observation.period),
        func.max(Observation.period),
    )
    query = query.where(
        Observation.breakdown == ALL,
        only_places(Observation.place_id, place_ids(engine, principal, "data.published")),
    ).group_by(Observation.measure_id, Observation.place_id)
    schema = {"measure_id": pl.Int64(), "place_id": pl.Int64(), **SERIES_INDEX_SCHEMA}
    del schema["measure"], schema["place"]
    counted = read_frame(engine, query, schema)
    measure_codes = _codes(engine, Measure, None)
    place_codes = _codes(engine, Place, None)
    return (
        counted.join(measure_codes.rename({"id": "measure_id", "code": "measure"}), on="measure_id")
        .join(place_codes.rename({"id": "place_id", "code": "place"}), on="place_id")
        .select(list(SERIES_INDEX_SCHEMA))
        .sort("measure", "place")
    )


def read_revisions(
    engine: Engine,
    principal: Principal,
    measures: str | list[str] | None = None,
    places: str | list[str] | None = None,
) -> pl.DataFrame:
    """Every revision (old and new values, who, when, which upload) as polars, oldest first;
    of the places ``principal`` may read."""
    query = (
        select(
            Measure.code,
            Place.code,
            Observation.period,
            Revision.old_value,
            Revision.old_numerator,
            Revision.old_denominator,
            Revision.old_status,
            Revision.new_value,
            Revision.new_numerator,
            Revision.new_denominator,
            Revision.new_status,
            Revision.upload_id,
            Revision.old_upload_id,
            Revision.actor,
            Revision.revised_at,
        )
        .join(
            Observation,
            and_(
                Observation.measure_id == Revision.measure_id,
                Observation.place_id == Revision.place_id,
                Observation.period == Revision.period,
                Observation.breakdown == Revision.breakdown,
            ),
        )
        .join(Measure, Measure.id == Observation.measure_id)
        .join(Place, Place.id == Observation.place_id)
        .order_by(Revision.id)
    )
    conditions = [only_places(Observation.place_id, place_ids(engine, principal))]
    if measures is not None:
        conditions.append(Observation.measure_id.in_(_ids(engine, Measure.id, _as_list(measures))))
    if places is not None:
        conditions.append(Observation.place_id.in_(_ids(engine, Place.id, _as_list(places))))
    return read_frame(engine, query.where(and_(*conditions)), REVISION_SCHEMA)


def read_upload_times(engine: Engine, upload_ids: Sequence[int] | None = None) -> pl.DataFrame:
    """When each upload was stored: ``upload_id`` and ``uploaded_at``, for these uploads (all
    when None), oldest first."""
    query = select(Upload.id, Upload.uploaded_at.cast(String)).order_by(Upload.id)
    if upload_ids is not None:
        query = query.where(Upload.id.in_([int(i) for i in upload_ids]))
    # Times as text read the same on both backends; parsed below.
    times = read_frame(engine, query, {"upload_id": pl.Int64(), "uploaded_at": pl.String()})
    return times.with_columns(pl.col("uploaded_at").str.to_datetime(time_unit="us", strict=False))


def read_uploads(engine: Engine, principal: Principal) -> pl.DataFrame:
    """The upload log, newest last (the report stays as JSON text): the uploads whose values
    are (or, before a revision, were) at places ``principal`` may read, and the principal's
    own uploads (a rejected upload stored no values: its uploader and admins see it)."""
    readable = place_ids(engine, principal)
    at_readable = exists().where(
        Observation.upload_id == Upload.id, only_places(Observation.place_id, readable)
    ) | exists().where(
        Revision.old_upload_id == Upload.id, only_places(Revision.place_id, readable)
    )
    with engine.connect() as connection:  # resolved first: read_frame renders literals
        own = connection.execute(select(Upload.id).where(Upload.person == principal.person))
        own_ids = [int(i) for i in own.scalars()]
    kept = true() if readable is None else at_readable | Upload.id.in_(own_ids)
    query = (
        select(
            Upload.id,
            Upload.file_name,
            Upload.sheet,
            Upload.content_hash,
            Upload.actor,
            Upload.uploaded_at,
            Upload.rows_read,
            Upload.outcome,
            Upload.observations_added,
            Upload.observations_revised,
            Upload.report,
        )
        .where(kept)
        .order_by(Upload.id)
    )
    schema = {
        "id": pl.Int64(),
        "file_name": pl.String(),
        "sheet": pl.String(),
        "content_hash": pl.String(),
        "actor": pl.String(),
        "uploaded_at": pl.Datetime("us"),
        "rows_read": pl.Int64(),
        "outcome": pl.String(),
        "observations_added": pl.Int64(),
        "observations_revised": pl.Int64(),
        "report": pl.String(),
    }
    return read_frame(engine, query, schema)
