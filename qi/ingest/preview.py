"""What a file would do before it is stored: its first rows as read, the layout found, what
must still be chosen (the measure or place of a file without a column for them), the period
range, and how many observations would be new, revised or unchanged, with the full report.

Nothing is stored and nothing is logged: the Upload page shows this, then stores the same file
with the same choices through ``ingest_bytes``.
"""

from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.ingest.layout import Known, fields_to_choose
from qi.ingest.report import Problems, Report
from qi.ingest.settings import DEFAULT_SETTINGS, IngestSettings
from qi.ingest.upload import Choices, read_file
from qi.store import compare_observations, read_measures, read_places

FIRST_ROWS = 5
LAYOUTS = {
    "long": "long: one row per measure, place and period",
    "wide": "wide: one column per period",
}


@dataclass
class Preview:
    report: Report
    first_rows: pl.DataFrame  # the first rows below the header, as read, under the file's names
    layout: str | None  # "long" or "wide"; None when the layout could not be found
    to_choose: list[str]  # "measure" and/or "place": no column for them in the file
    first_period: date | None = None
    last_period: date | None = None
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    series: list[tuple[str, str]] = field(default_factory=list)  # (measure, place) codes

    @property
    def can_store(self) -> bool:
        return self.layout is not None and self.report.errors.height == 0


def preview_bytes(
    engine: Engine,
    principal: Principal,
    content: bytes,
    file_name: str,
    choices: Choices,
    settings: IngestSettings = DEFAULT_SETTINGS,
) -> Preview:
    """Read and check a file as ``ingest_bytes`` would, and say what storing it would do."""
    problems = Problems()
    report = Report(file_name=file_name, sheet=choices.sheet)
    reading = read_file(engine, principal, content, file_name, problems, report, choices, settings)
    if reading is None:
        return Preview(report, pl.DataFrame(), None, [])
    table = reading.table
    first_rows = table.body.head(FIRST_ROWS)
    first_rows = first_rows.select(
        pl.col("_row").alias("Row"),
        *(pl.col(f"c{i}").alias(name) for i, name in enumerate(_unique(table.header))),
    )
    known = Known.of(read_measures(engine), read_places(engine))
    to_choose = fields_to_choose(table.header, table.body, known)
    long = reading.long
    if long is None:
        return Preview(report, first_rows, None, to_choose)
    wide = long["value_column"].eq_missing(long["period_column"]).any()
    preview = Preview(report, first_rows, "wide" if wide else "long", to_choose)
    preview.series = list(
        long.select("measure", "place").drop_nulls().unique(maintain_order=True).iter_rows()
    )
    rows = reading.rows
    if rows is not None:
        periods = rows["period"].drop_nulls()
        if periods.len():
            preview.first_period, preview.last_period = periods.min(), periods.max()  # type: ignore[assignment]
        if report.errors.height == 0:
            found = compare_observations(engine, rows)
            preview.added, preview.revised = found.added, found.revised
            preview.unchanged = found.unchanged
    return preview


def _unique(names: list[str]) -> list[str]:
    """Column names made unique for a table (a file may repeat a name)."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique
