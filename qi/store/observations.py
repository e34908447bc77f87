"""Writing observations (with revisions) and reading series back as polars.

Writes are set-based: the rows go into a temporary staging table in bulk (COPY on PostgreSQL,
one executemany on SQLite), then three statements record revisions for changed values, update
those observations and insert the new ones, all in one transaction with the upload's record.
Uploads touching the same measures are serialised (row locks on the measures on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite), so two at once lose nothing. A file that changes nothing is
rolled back whole, so uploading the same file twice leaves the database as it was.
"""

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl
from sqlalchemy import Connection, Engine, and_, insert, select, text, update

from qi.store.engine import WRITE, default_actor
from qi.store.frames import read_frame
from qi.store.models import InitiativePlace, Measure, Observation, Place, Revision, Upload

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
_STAGING = "qi_staging"


@dataclass(frozen=True)
class UploadRecord:
    """What is known about an upload before it is written."""

    file_name: str
    content_hash: str
    rows_read: int
    report: dict
    sheet: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class StoreResult:
    upload_id: int | None  # None when nothing changed and nothing was written
    added: int
    revised: int
    unchanged: int


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _insert_upload(connection: Connection, upload: UploadRecord, outcome: str) -> int:
    values = dict(
        file_name=upload.file_name,
        sheet=upload.sheet,
        content_hash=upload.content_hash,
        actor=upload.actor or default_actor(),
        uploaded_at=_now(),
        rows_read=upload.rows_read,
        outcome=outcome,
        observations_added=0,
        observations_revised=0,
        report=json.dumps(upload.report, default=str),
    )
    return connection.execute(insert(Upload).values(**values).returning(Upload.id)).scalar_one()


def record_rejected_upload(engine: Engine, upload: UploadRecord) -> int:
    """Log a rejected upload and its report. No observation is touched."""
    with engine.connect() as connection:
        connection.execution_options(**WRITE)
        with connection.begin():
            return _insert_upload(connection, upload, "rejected")


def _stage(connection: Connection, rows: pl.DataFrame) -> None:
    columns = ", ".join(OBSERVATION_SCHEMA)
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGING} (measure_id bigint, place_id bigint, period date, "
            "value float8, numerator float8, denominator float8, missing_reason text, "
            "status text) ON COMMIT DROP"
        )
        buffer = io.BytesIO()
        rows.write_csv(buffer, include_header=False, null_value="", float_precision=None)
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {_STAGING} ({columns}) FROM STDIN (FORMAT csv)") as copy,
        ):
            view = buffer.getbuffer()
            chunk = 1 << 20
            for start in range(0, len(view), chunk):
                copy.write(view[start : start + chunk])
            del view
    else:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGING}")
        connection.exec_driver_sql(
            f"CREATE TEMP TABLE {_STAGING} (measure_id INTEGER, place_id INTEGER, period TEXT, "
            "value REAL, numerator REAL, denominator REAL, missing_reason TEXT, status TEXT)"
        )
        # SQLAlchemy stores SQLite dates as ISO text; stage them the same way.
        tuples = rows.with_columns(pl.col("period").dt.to_string("%Y-%m-%d")).iter_rows()
        driver.executemany(f"INSERT INTO temp.{_STAGING} VALUES ({', '.join('?' * 8)})", tuples)
    connection.exec_driver_sql(
        f"CREATE INDEX ix_{_STAGING} ON {_STAGING} (measure_id, place_id, period)"
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


_SAME_KEY = "o.measure_id = s.measure_id AND o.place_id = s.place_id AND o.period = s.period"
_CHANGED = " OR ".join(f"o.{f} IS DISTINCT FROM s.{f}" for f in _FIELDS)


def store_observations(engine: Engine, rows: pl.DataFrame, upload: UploadRecord) -> StoreResult:
    """Store validated observations in one transaction; changed values become revisions.

    ``rows`` has ``OBSERVATION_SCHEMA``'s columns, one row per (measure_id, place_id, period),
    ids that exist. Validation is the caller's job (see ``qi.ingest``).
    """
    rows = rows.select(pl.col(c).cast(t) for c, t in OBSERVATION_SCHEMA.items())
    actor = upload.actor or default_actor()
    measure_ids = sorted(rows["measure_id"].unique().to_list())
    with engine.connect() as connection:
        connection.execution_options(**WRITE)
        with connection.begin() as transaction:
            _lock_measures(connection, measure_ids)
            upload_id = _insert_upload(connection, upload, "stored")
            _stage(connection, rows)
            params = {"upload_id": upload_id, "actor": actor, "now": _now()}
            revised = connection.execute(
                text(
                    "INSERT INTO revisions (observation_id, "
                    + ", ".join(f"old_{f}" for f in _FIELDS)
                    + ", old_upload_id, "
                    + ", ".join(f"new_{f}" for f in _FIELDS)
                    + ", upload_id, actor, revised_at) SELECT o.id, "
                    + ", ".join(f"o.{f}" for f in _FIELDS)
                    + ", o.upload_id, "
                    + ", ".join(f"s.{f}" for f in _FIELDS)
                    + f", :upload_id, :actor, :now FROM {_STAGING} s JOIN observations o"
                    f" ON {_SAME_KEY} WHERE {_CHANGED}"
                ),
                params,
            ).rowcount
            if revised:
                connection.execute(
                    text(
                        "UPDATE observations AS o SET "
                        + ", ".join(f"{f} = s.{f}" for f in _FIELDS)
                        + f", upload_id = :upload_id FROM {_STAGING} s WHERE {_SAME_KEY}"
                        f" AND ({_CHANGED})"
                    ),
                    params,
                )
            added = connection.execute(
                text(
                    "INSERT INTO observations (measure_id, place_id, period, "
                    + ", ".join(_FIELDS)
                    + ", upload_id) SELECT s.measure_id, s.place_id, s.period, "
                    + ", ".join(f"s.{f}" for f in _FIELDS)
                    + f", :upload_id FROM {_STAGING} s WHERE NOT EXISTS"
                    f" (SELECT 1 FROM observations o WHERE {_SAME_KEY})"
                ),
                params,
            ).rowcount
            unchanged = rows.height - added - revised
            if added == 0 and revised == 0:
                transaction.rollback()
                return StoreResult(upload_id=None, added=0, revised=0, unchanged=unchanged)
            connection.execute(
                update(Upload)
                .where(Upload.id == upload_id)
                .values(observations_added=added, observations_revised=revised)
            )
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(f"DROP TABLE temp.{_STAGING}")
    return StoreResult(upload_id=upload_id, added=added, revised=revised, unchanged=unchanged)


def _ids(engine: Engine, column, codes: list[str]) -> list[int]:
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                select(column.class_.code, column).where(column.class_.code.in_(codes))
            ).all()
        )
    missing = sorted(set(codes) - set(found))
    if missing:
        kind = column.class_.__tablename__[:-1]
        raise LookupError(f"unknown {kind} code(s): {', '.join(missing)}")
    return list(found.values())


def _as_list(codes: str | list[str] | None) -> list[str] | None:
    return [codes] if isinstance(codes, str) else codes


def read_series(
    engine: Engine,
    measures: str | list[str] | None = None,
    places: str | list[str] | None = None,
    initiative: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """The stored observations as polars (``SERIES_SCHEMA``), filtered and ordered by
    measure, place and period. ``initiative`` keeps the places of that initiative;
    ``start``/``end`` are inclusive period bounds. Unknown codes raise ``LookupError``."""
    query = (
        select(
            Measure.code,
            Place.code,
            Observation.period,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Observation.missing_reason,
            Observation.status,
            Observation.upload_id,
        )
        .join(Measure, Measure.id == Observation.measure_id)
        .join(Place, Place.id == Observation.place_id)
        .order_by(Measure.code, Place.code, Observation.period)
    )
    if measures is not None:
        query = query.where(
            Observation.measure_id.in_(_ids(engine, Measure.id, _as_list(measures)))
        )
    if places is not None:
        query = query.where(Observation.place_id.in_(_ids(engine, Place.id, _as_list(places))))
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
    return read_frame(engine, query, SERIES_SCHEMA)


def read_revisions(
    engine: Engine, measures: str | list[str] | None = None, places: str | list[str] | None = None
) -> pl.DataFrame:
    """Every revision (old and new values, who, when, which upload) as polars, oldest first."""
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
        .join(Observation, Observation.id == Revision.observation_id)
        .join(Measure, Measure.id == Observation.measure_id)
        .join(Place, Place.id == Observation.place_id)
        .order_by(Revision.id)
    )
    conditions = []
    if measures is not None:
        conditions.append(Observation.measure_id.in_(_ids(engine, Measure.id, _as_list(measures))))
    if places is not None:
        conditions.append(Observation.place_id.in_(_ids(engine, Place.id, _as_list(places))))
    if conditions:
        query = query.where(and_(*conditions))
    return read_frame(engine, query, REVISION_SCHEMA)


def read_uploads(engine: Engine) -> pl.DataFrame:
    """The upload log, newest last (the report stays as JSON text)."""
    query = select(
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
    ).order_by(Upload.id)
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
