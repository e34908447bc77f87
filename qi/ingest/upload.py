"""Uploading one file: read, validate, and store all of it or nothing.

``ingest_file`` is the front door used by ``qi ingest`` and the app. A file with any error is
rejected whole (its report is logged as a rejected upload, once per content); a valid file is
stored in one transaction; a file whose values are all stored already changes nothing.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal, Refused
from qi.ingest.budget import BudgetExceeded, Deadline
from qi.ingest.excel import is_panic
from qi.ingest.layout import Known, to_long
from qi.ingest.readers import SPLIT_FIX, ReadError, Table, read_table
from qi.ingest.report import Problems, Report
from qi.ingest.settings import DEFAULT_SETTINGS, IngestSettings, size_words
from qi.ingest.validation import validate
from qi.store import (
    UploadRecord,
    read_measures,
    read_places,
    read_series,
    record_rejected_upload,
    store_observations,
)
from qi.store.breakdowns import read_breakdown_kinds
from qi.store.engine import BUSY_TIMEOUT_S
from qi.store.errors import StoreTimedOut
from qi.store.limits import check_lengths
from qi.store.models import Upload
from qi.store.observations import OBSERVATION_SCHEMA


def ingest_file(
    engine: Engine,
    principal: Principal,
    path: str | Path,
    sheet: str | None = None,
    measure: str | None = None,
    status: str = "final",
    today: date | None = None,
    file_name: str | None = None,
    settings: IngestSettings = DEFAULT_SETTINGS,
    place: str | None = None,
) -> Report:
    """Validate the file and store it if it has no errors; returns the report. A file larger
    than ``settings.max_file_bytes`` is rejected without being read. ``measure`` and ``place``
    (codes or names) are the measure and place of a file without a column for them.
    ``principal`` is who is uploading: a file with places they may not upload for is rejected
    (and audited)."""
    path = Path(path)
    name = file_name or path.name
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        check_lengths(Upload, {"actor": principal.name, "file_name": name})
        report = Report(file_name=name, sheet=sheet)
        problems = Problems()
        problems.error(None, None, None, *_too_big(size, settings))
        report.problems = problems.frame()
        record = UploadRecord(name, f"size:{size}", 0, {}, sheet)
        report.upload_id = record_rejected_upload(engine, principal, _with_report(record, report))
        return report
    return ingest_bytes(
        engine, principal, path.read_bytes(), name, sheet, measure, status, today, settings, place
    )


def _too_big(size: int, settings: IngestSettings) -> tuple[str, str]:
    return (
        f"the file is {size_words(size)}; at most {size_words(settings.max_file_bytes)} are read",
        SPLIT_FIX,
    )


def ingest_bytes(
    engine: Engine,
    principal: Principal,
    content: bytes,
    file_name: str,
    sheet: str | None = None,
    measure: str | None = None,
    status: str = "final",
    today: date | None = None,
    settings: IngestSettings = DEFAULT_SETTINGS,
    place: str | None = None,
) -> Report:
    """As ``ingest_file``, for content already in memory (an upload in the app).

    The whole upload, reading to storing, runs within ``settings.time_budget_s``; past it the
    file is rejected and nothing is stored. Raises ``FieldTooLong`` (a ValueError) before
    reading anything when the file name is longer than the database keeps, and
    ``StoreBusy`` when other changes hold the database for too long (nothing is stored; the
    same upload will work later)."""
    check_lengths(Upload, {"actor": principal.name, "file_name": file_name})
    deadline = Deadline(settings.time_budget_s)
    problems = Problems()
    report = Report(file_name=file_name, sheet=sheet)
    reading = read_file(
        engine,
        principal,
        content,
        file_name,
        problems,
        report,
        Choices(sheet, measure, place, status, today or date.today()),
        settings,
        deadline,
    )
    rows = reading.rows if reading is not None else None
    content_hash = hashlib.sha256(content).hexdigest()
    record = UploadRecord(
        file_name=file_name,
        sheet=report.sheet,
        content_hash=content_hash,
        rows_read=report.rows_read,
        report={},
    )
    if rows is None or report.errors.height:
        report.outcome = "rejected"
        report.upload_id = record_rejected_upload(engine, principal, _with_report(record, report))
        return report
    report.outcome = "stored"
    try:
        result = store_observations(
            engine,
            principal,
            rows,
            _with_report(record, report),
            wait_s=min(BUSY_TIMEOUT_S, deadline.remaining()),
            time_limit_s=deadline.remaining(),
        )
    except (StoreTimedOut, Refused) as error:
        problem = (
            str(error)
            if isinstance(error, Refused)
            else str(BudgetExceeded("storing the file", settings.time_budget_s))
        )
        fix = (
            "upload only the places you look after, or ask an administrator for a grant"
            if isinstance(error, Refused)
            else SPLIT_FIX
        )
        problems.error(None, "place" if isinstance(error, Refused) else None, None, problem, fix)
        report.problems = problems.frame()
        report.outcome = "rejected"
        report.upload_id = record_rejected_upload(engine, principal, _with_report(record, report))
        return report
    report.upload_id = result.upload_id
    report.added, report.revised, report.unchanged = result.added, result.revised, result.unchanged
    if result.upload_id is None:
        report.outcome = "unchanged"
    return report


def _with_report(record: UploadRecord, report: Report) -> UploadRecord:
    return UploadRecord(**{**record.__dict__, "report": report.to_dict()})


@dataclass(frozen=True)
class Choices:
    """What the person uploading chose: the sheet, the measure and place of a file without a
    column for them (codes or names), the status of its values, and today."""

    sheet: str | None = None
    measure: str | None = None
    place: str | None = None
    status: str = "final"
    today: date = field(default_factory=date.today)


@dataclass
class Reading:
    """A file read and checked: its cells as read, one row per observation, and the rows ready
    to store (None when the file's cells could not be checked at all)."""

    table: Table
    long: pl.DataFrame | None
    rows: pl.DataFrame | None


def read_file(
    engine: Engine,
    principal: Principal,
    content: bytes,
    file_name: str,
    problems: Problems,
    report: Report,
    choices: Choices,
    settings: IngestSettings = DEFAULT_SETTINGS,
    deadline: Deadline | None = None,
) -> Reading | None:
    """Read and check a file without storing anything; problems go to ``problems`` and the
    report's sheet and rows read are set. None when the file cannot be read at all."""
    deadline = deadline or Deadline(settings.time_budget_s)
    reading = None
    try:
        reading = _read_and_validate(
            engine, principal, content, file_name, choices, problems, report, settings, deadline
        )
    except BudgetExceeded as error:
        problems.error(None, None, None, str(error), SPLIT_FIX)
    except BaseException as error:
        if not is_panic(error):
            raise
        # A library reading the file gave up (a Rust panic): nothing is stored, and it is said.
        problems.error(
            None,
            None,
            None,
            f"qi could not read this file ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:200] if str(error) else 'no detail'})",
            "check the file opens in Excel (or whatever made it); if it does, send it to whoever "
            "looks after qi",
        )
    report.problems = problems.frame()
    return reading


def _read_and_validate(
    engine: Engine,
    principal: Principal,
    content: bytes,
    file_name: str,
    choices: Choices,
    problems: Problems,
    report: Report,
    settings: IngestSettings,
    deadline: Deadline,
) -> Reading | None:
    measures = read_measures(engine)
    places = read_places(engine)
    try:
        table = read_table(content, file_name, choices.sheet, settings, deadline)
    except ReadError as error:
        for row, column, problem, fix in error.problems():
            problems.error(row, column, None, problem, fix)
        return None
    deadline.check("reading the file")
    report.sheet = table.sheet
    report.rows_read = table.body.height
    for row, column, problem, fix in table.problems:
        problems.error(row, column, None, problem, fix)
    long = to_long(
        table.header,
        table.header_row,
        table.body,
        problems,
        choices.measure,
        Known.of(measures, places),
        choices.place,
    )
    if long is None:
        return Reading(table, None, None)
    deadline.check("finding the layout")
    known = sorted(set(long["measure"].drop_nulls().unique()) & set(measures["code"]))
    history = read_series(engine, principal, measures=known) if known else None
    rows = validate(
        long,
        table.header_row,
        measures,
        places,
        history if history is not None else pl.DataFrame(),
        read_breakdown_kinds(engine),
        problems,
        choices.today,
        choices.status,
        settings,
    )
    deadline.check("checking the file")
    return Reading(table, long, rows.select(list(OBSERVATION_SCHEMA)))
