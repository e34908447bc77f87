"""Reading CSV, Excel and Parquet files into a header and a body of text cells.

Every cell is read as text (``_row`` keeps the row number as the user sees it in the file),
so that parsing and validation can say exactly which cell is wrong. CSV: comma, semicolon or
tab; UTF-8, UTF-8 with BOM or Windows-1252. Excel: .xlsx, any sheet. Parquet: column names are
the header (row 1), data rows are numbered from 2 as in a spreadsheet.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from qi.ingest.layout import HEADER_SEARCH_ROWS, find_header

SEPARATORS = (",", ";", "\t")
HEADER_FIX = (
    "put the column names in one row: measure, place, period and value (long layout), "
    "or measure, place and one column per period such as Apr-24 (wide layout)"
)


class ReadError(Exception):
    """The file cannot be read at all. ``row`` is None when the problem is the whole file."""

    def __init__(self, problem: str, fix: str, row: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.fix, self.row = problem, fix, row


@dataclass
class Table:
    header: list[str]
    header_row: int  # 1-based, as the user sees it
    body: pl.DataFrame  # c0..c{n-1} as text, and _row
    sheet: str | None = None


def _names(cells: list[str | None]) -> list[str]:
    return [c.strip() if c and c.strip() else f"column {i + 1}" for i, c in enumerate(cells)]


def decode(content: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else Windows-1252."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _separator(lines: list[str]) -> str:
    return max(SEPARATORS, key=lambda s: sum(line.count(s) for line in lines))


def read_csv(content: bytes) -> Table:
    text = decode(content).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise ReadError(
            "this is not a text (CSV) file", "save the sheet as CSV, or upload the .xlsx"
        )
    first = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    separator = _separator(first)
    preview = list(csv.reader(first, delimiter=separator))
    index = find_header(preview)
    if index is None:
        raise ReadError("no header row found in the first 30 rows", HEADER_FIX)
    header = _names(preview[index])
    rest = text.split("\n", index + 1)
    body_text = rest[index + 1] if len(rest) > index + 1 else ""
    columns = [f"c{i}" for i in range(len(header))]
    synthetic = separator.join(columns) + "\n"
    try:
        body = pl.read_csv(
            (synthetic + body_text).encode("utf-8"),
            separator=separator,
            infer_schema=False,
            has_header=True,
        )
    except pl.exceptions.ComputeError as error:
        raise _ragged(body_text, separator, len(header), index) or ReadError(
            f"the file cannot be read as CSV ({str(error).splitlines()[0]})",
            "check the file is a CSV export and not cut short",
        ) from error
    return Table(header, index + 1, _numbered(body, index + 2))


def _ragged(body_text: str, separator: str, width: int, index: int) -> ReadError | None:
    for offset, cells in enumerate(csv.reader(io.StringIO(body_text), delimiter=separator)):
        if len(cells) > width:
            return ReadError(
                f"{len(cells)} cells but the header has {width} columns",
                "remove the extra cells or add the missing column names",
                row=index + 2 + offset,
            )
    return None


def _numbered(body: pl.DataFrame, first_row: int) -> pl.DataFrame:
    return body.with_row_index("_row", offset=first_row).with_columns(pl.col("_row").cast(pl.Int64))


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_excel(content: bytes, sheet: str | None) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:
        raise ReadError(
            f"the file cannot be opened as an Excel workbook ({type(error).__name__})",
            "save it from Excel as .xlsx",
        ) from error
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise ReadError(
                f"no sheet named '{sheet}'",
                f"choose one of: {', '.join(workbook.sheetnames)}",
            )
        rows = [
            [_cell_text(v) for v in row] for row in worksheet.iter_rows(min_row=1, values_only=True)
        ]
        name = worksheet.title
    finally:
        workbook.close()
    index = find_header(rows)
    if index is None:
        raise ReadError(f"no header row found in the first 30 rows of sheet '{name}'", HEADER_FIX)
    header = _names(rows[index])
    width = len(header)
    data = [(row + [None] * width)[:width] for row in rows[index + 1 :]]
    body = pl.DataFrame(data, schema={f"c{i}": pl.String for i in range(width)}, orient="row")
    return Table(header, index + 1, _numbered(body, index + 2), sheet=name)


def read_parquet(content: bytes) -> Table:
    try:
        frame = pl.read_parquet(io.BytesIO(content))
    except Exception as error:
        raise ReadError(
            f"the file cannot be read as Parquet ({type(error).__name__})",
            "check the file is a complete Parquet file",
        ) from error
    header = list(frame.columns)
    body = frame.select(
        pl.col(c).dt.to_string("%Y-%m-%d") if frame[c].dtype in (pl.Date, pl.Datetime) else pl.col(c).cast(pl.String)
        for c in header
    )  # fmt: skip
    body.columns = [f"c{i}" for i in range(len(header))]
    return Table(header, 1, _numbered(body, 2))


def read_table(content: bytes, file_name: str, sheet: str | None = None) -> Table:
    """Read a file's cells as text, choosing the reader from the file name's extension."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_excel(content, sheet)
    if sheet is not None:
        raise ReadError("--sheet is only for Excel files", "leave out --sheet for this file")
    if suffix == ".parquet":
        return read_parquet(content)
    if suffix in (".csv", ".tsv", ".txt"):
        return read_csv(content)
    raise ReadError(
        f"files ending '{suffix or '(none)'}' are not read",
        "upload a .csv, .xlsx or .parquet file (for .xls, save it from Excel as .xlsx)",
    )
