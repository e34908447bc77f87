"""Files that look like what locality teams produce, built by the tests themselves."""

import io
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl

from qi.access import local_admin
from qi.store import upsert_measures, upsert_places

WARDS = ["E05000001", "E05000002", "E05000003"]


def add_definitions(engine) -> None:
    upsert_measures(
        engine,
        local_admin("tester"),
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
    )
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": ["E08000012", *WARDS],
                "name": ["Liverpool", "Ward one", "Ward two", "Ward three"],
                "type": ["local_authority", "ward", "ward", "ward"],
                "parent": [None, "E08000012", "E08000012", "E08000012"],
                "gss_code": ["E08000012", *WARDS],
            }
        ),
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


# --- files built to hurt: tiny files that once took minutes or gigabytes --------------------


def xlsx_bytes(
    rows: list[list], sheet: str = "Data", dimension: str | None = None, more_xml: str = ""
) -> bytes:
    """A minimal .xlsx written directly (inline strings and numbers), fast for large sheets.
    A cell given as ("=", formula) is a formula without a saved result; ("#", "#N/A") an error.
    ``more_xml`` is added at the end of the sheet's data as it is (rows written by hand)."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(ref: str, value) -> str:
        if isinstance(value, tuple) and value[0] == "=":
            return f'<c r="{ref}"><f>{escape(value[1])}</f></c>'
        if isinstance(value, tuple) and value[0] == "#":
            return f'<c r="{ref}" t="e"><v>{escape(value[1])}</v></c>'
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    def letters(i: int) -> str:
        out = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            out = chr(65 + r) + out
        return out

    names = [letters(i) for i in range(max((len(r) for r in rows), default=0))]
    body = "".join(
        f'<row r="{n}">'
        + "".join(cell(f"{names[i]}{n}", v) for i, v in enumerate(row) if v is not None)
        + "</row>"
        for n, row in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">{dim}'
            f"<sheetData>{body}{more_xml}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():  # dated once for all: the same rows, the same bytes
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def stray_cell_workbook() -> bytes:
    """5.5 KB: an .xlsx whose only cell is XFD1048576 (the last cell a sheet has)."""
    workbook = openpyxl.Workbook()
    workbook.active["XFD1048576"] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def wide_header_csv(columns: int = 200_000) -> bytes:
    """About 1.5 MB: a header of 200,000 columns and one row."""
    header = ["measure", "place", *(f"x{i}" for i in range(columns))]
    return csv_bytes([header, ["falls_admissions", WARDS[0], *(["1"] * columns)]])


def period_columns_csv(columns: int = 100_000) -> bytes:
    """About 1 MB: a wide file of 100,000 period columns."""
    months = [f"{1900 + (i // 12) % 120}-{i % 12 + 1:02d}" for i in range(columns)]
    return csv_bytes(
        [["measure", "place", *months], ["falls_admissions", WARDS[0], *["1"] * columns]]
    )


def long_workbook(rows: int = 300_000, places: list[str] | None = None) -> bytes:
    """A long-layout .xlsx of ``rows`` observations over the given places, month by month."""
    places = places or WARDS
    months = max(1, -(-rows // len(places)))
    periods = [f"{2000 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    body = [
        ["falls_admissions", places[i % len(places)], periods[i // len(places)], i % 97]
        for i in range(rows)
    ]
    return xlsx_bytes([["measure", "place", "period", "value"], *body])
