"""Uploading one file: read, validate, and store all of it or nothing.

``ingest_file`` is the front door used by ``qi ingest`` and the app. A file with any error is
rejected whole (its report is logged as a rejected upload, once per content); a valid file is
stored in one transaction; a file whose values are all stored already changes nothing.
"""

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from qi.ingest.layout import to_long
from qi.ingest.readers import ReadError, read_table
from qi.ingest.report import Problems, Report
from qi.ingest.validation import validate
from qi.store import (
    UploadRecord,
    read_measures,
    read_places,
    read_series,
    record_rejected_upload,
    store_observations,
)
from qi.store.limits import check_lengths
from qi.store.models import Upload
from qi.store.observations import OBSERVATION_SCHEMA


def ingest_file(
    engine: Engine,
    path: str | Path,
    sheet: str | None = None,
    actor: str | None = None,
    measure: str | None = None,
    status: str = "final",
    today: date | None = None,
    file_name: str | None = None,
) -> Report:
    """Validate the file and store it if it has no errors; returns the report."""
    path = Path(path)
    return ingest_bytes(
        engine, path.read_bytes(), file_name or path.name, sheet, actor, measure, status, today
    )


def ingest_bytes(
    engine: Engine,
    content: bytes,
    file_name: str,
    sheet: str | None = None,
    actor: str | None = None,
    measure: str | None = None,
    status: str = "final",
    today: date | None = None,
) -> Report:
    """As ``ingest_file``, for content already in memory (an upload in the app).

    Raises ``FieldTooLong`` (a ValueError) before reading anything when the actor or the file
    name is longer than the database keeps."""
    check_lengths(Upload, {"actor": actor, "file_name": file_name})
    today = today or date.today()
    problems = Problems()
    report = Report(file_name=file_name, sheet=sheet)
    rows = _read_and_validate(
        engine, content, file_name, sheet, measure, status, today, problems, report
    )
    report.problems = problems.frame()
    content_hash = hashlib.sha256(content).hexdigest()
    record = UploadRecord(
        file_name=file_name,
        sheet=report.sheet,
        content_hash=content_hash,
        rows_read=report.rows_read,
        report={},
        actor=actor,
    )
    if rows is None or report.errors.height:
        report.outcome = "rejected"
        report.upload_id = record_rejected_upload(engine, _with_report(record, report))
        return report
    report.outcome = "stored"
    result = store_observations(engine, rows, _with_report(record, report))
    report.upload_id = result.upload_id
    report.added, report.revised, report.unchanged = result.added, result.revised, result.unchanged
    if result.upload_id is None:
        report.outcome = "unchanged"
    return report


def _with_report(record: UploadRecord, report: Report) -> UploadRecord:
    return UploadRecord(**{**record.__dict__, "report": report.to_dict()})


def _read_and_validate(
    engine, content, file_name, sheet, measure, status, today, problems: Problems, report: Report
) -> pl.DataFrame | None:
    try:
        table = read_table(content, file_name, sheet)
    except ReadError as error:
        for row, column, problem, fix in error.problems():
            problems.error(row, column, None, problem, fix)
        return None
    report.sheet = table.sheet
    report.rows_read = table.body.height
    long = to_long(table.header, table.header_row, table.body, problems, measure)
    if long is None:
        return None
    measures = read_measures(engine)
    places = read_places(engine)
    known = sorted(set(long["measure"].drop_nulls().unique()) & set(measures["code"]))
    history = read_series(engine, measures=known) if known else None
    rows = validate(
        long,
        table.header_row,
        measures,
        places,
        history if history is not None else pl.DataFrame(),
        problems,
        today,
        status,
    )
    return rows.select(list(OBSERVATION_SCHEMA))
