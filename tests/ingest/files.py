"""Files that look like what locality teams produce, built by the tests themselves."""

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl

from qi.store import upsert_measures, upsert_places

WARDS = ["E05000001", "E05000002", "E05000003"]


def add_definitions(engine) -> None:
    upsert_measures(
        engine,
        pl.DataFrame(
            {
                "code": ["falls_admissions", "dna_rate", "ae_attendances"],
                "name": ["Emergency admissions for falls", "Did not attend", "A&E attendances"],
                "definition": None,
                "unit": ["admissions", "appointments", "attendances"],
                "kind": ["count", "proportion", "count"],
                "multiplier": [1.0, 100.0, 1.0],
                "improvement": ["down", "down", "neither"],
                "target": None,
                "chart": ["c", "p", "c"],
                "rule_set": None,
                "frequency": "month",
            },
            schema_overrides={"definition": pl.String, "target": pl.Float64, "rule_set": pl.String},
        ),
        actor="tester",
    )
    upsert_places(
        engine,
        pl.DataFrame(
            {
                "code": ["E08000012", *WARDS],
                "name": ["Liverpool", "Ward one", "Ward two", "Ward three"],
                "type": ["local_authority", "ward", "ward", "ward"],
                "parent": [None, "E08000012", "E08000012", "E08000012"],
                "gss_code": ["E08000012", *WARDS],
            }
        ),
        actor="tester",
    )


def locality_workbook(path: Path, values: dict[str, list] | None = None) -> Path:
    """A wide sheet as a locality team keeps it: a merged title, a merged year banner above the
    months, months written four different ways, suppressed cells, a totals row, a notes sheet."""
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Falls admissions, monthly. Source: SUS. Small numbers suppressed."])
    sheet = workbook.create_sheet("Falls")
    sheet.append(["Emergency admissions for falls, 65+, by ward"])
    sheet.merge_cells("A1:G1")
    sheet.append([])
    sheet.append([None, None, "2023/24", None, None, "2024/25"])
    sheet.merge_cells("C3:E3")
    sheet.append(
        [
            "Measure",
            "Ward code",
            datetime(2024, 1, 1),
            "Feb-24",
            "01/03/2024",
            "April 2024",
            "Ward name",
        ]
    )
    values = values or {
        WARDS[0]: [12, "1,034", "*", 15],
        WARDS[1]: [8, 9, 11, "c"],
        WARDS[2]: [5, None, 6, 7],
    }
    for ward, row in values.items():
        sheet.append(["falls_admissions", ward, *row, f"Ward {ward[-1]}"])
    sheet.append(["", "Total", 25, 1043, 17, 22])
    workbook.save(path)
    return path


def csv_bytes(rows: list[list], separator: str = ",", encoding: str = "utf-8") -> bytes:
    text = "\n".join(separator.join("" if c is None else str(c) for c in row) for row in rows)
    return (text + "\n").encode(encoding)


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()
