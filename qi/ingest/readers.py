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
    """The file cannot be read at all. ``row`` is None when the problem is the whole file;
    ``column`` names the file's own column when the problem is one column. ``more`` holds
    further problems found at the same time, as (row, column, problem, fix)."""

    def __init__(
        self,
        problem: str,
        fix: str,
        row: int | None = None,
        column: str | None = None,
        more: list[tuple[int | None, str | None, str, str]] | None = None,
    ) -> None:
        super().__init__(problem)
        self.problem, self.fix, self.row, self.column = problem, fix, row, column
        self.more = more or []

    def problems(self) -> list[tuple[int | None, str | None, str, str]]:
        """Every problem: (row, column, problem, fix)."""
        return [(self.row, self.column, self.problem, self.fix), *self.more]


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
    preview = _preview(first, separator)
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


def _preview(lines: list[str], separator: str) -> list[list[str]]:
    """The first lines as cells. Python's csv module stops at a cell over 128 KiB: that is a
    cell no spreadsheet holds (Excel stops at 32,767 characters), reported as such."""
    reader = csv.reader(lines, delimiter=separator)
    rows = []
    try:
        for cells in reader:
            rows.append(cells)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ReadError(
                f"a cell is longer than {csv.field_size_limit():,} characters",
                "check the file is a table of values (a cell holds at most 32,767 characters "
                "in Excel); remove the long text",
                row=reader.line_num,
            ) from error
        raise ReadError(
            f"the file cannot be read as CSV ({error})",
            "check the file is a CSV export and not cut short",
            row=reader.line_num,
        ) from error
    return rows


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
    unreadable = [c for c in header if not _single_values(frame.schema[c])]
    if unreadable:
        problems = [
            (1, c, f"holds {_type_words(frame.schema[c])}, not one value per cell", PARQUET_FIX)
            for c in unreadable
        ]
        (row, column, problem, fix), *more = problems
        raise ReadError(problem, fix, row=row, column=column, more=more)
    body = frame.select(_as_text(c, frame.schema[c]).alias(f"c{i}") for i, c in enumerate(header))
    return Table(header, 1, _numbered(body, 2))


PARQUET_FIX = (
    "write one number, text or date per cell (a list, array, struct or duration cannot be "
    "read as a value): flatten or drop the column before saving the Parquet file"
)


def _single_values(dtype: pl.DataType) -> bool:
    """Whether a Parquet column holds one readable value per cell (numbers, text, dates...)."""
    return (
        dtype.is_numeric()
        or dtype in (pl.String, pl.Boolean, pl.Date, pl.Null, pl.Categorical)
        or isinstance(dtype, pl.Datetime | pl.Enum | pl.Decimal | pl.Categorical)
    )


def _type_words(dtype: pl.DataType) -> str:
    if dtype.is_nested():
        return f"lists of values ({dtype})"
    if isinstance(dtype, pl.Duration):
        return "durations"
    return f"values of type {dtype}"


def _as_text(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(column).dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        # Midnight is a date; a time of day is kept (and a period with one is reported).
        return (
            pl.when(pl.col(column).dt.time() == pl.time(0))
            .then(pl.col(column).dt.to_string("%Y-%m-%d"))
            .otherwise(pl.col(column).dt.to_string("%Y-%m-%dT%H:%M:%S"))
        )
    return pl.col(column).cast(pl.String)


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
