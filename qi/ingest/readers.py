"""Reading CSV, Excel and Parquet files into a header and a body of text cells.

Every cell is read as text (``_row`` keeps the row number as the user sees it in the file),
so that parsing and validation can say exactly which cell is wrong. CSV: comma, semicolon or
tab; UTF-8, UTF-8 with BOM or Windows-1252. Excel: .xlsx, any sheet. Parquet: column names are
the header (row 1), data rows are numbered from 2 as in a spreadsheet.
"""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from qi.ingest.budget import Deadline
from qi.ingest.excel import (
    FORMULA_WITHOUT_VALUE,
    ExcelError,
    column_letters,
    is_panic,
    load_cells,
    scan_sheet,
    worksheets,
)
from qi.ingest.layout import HEADER_SEARCH_ROWS, find_header
from qi.ingest.settings import DEFAULT_SETTINGS, IngestSettings, size_words

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
        more: Sequence[tuple[int | None, str | None, str, str]] | None = None,
    ) -> None:
        super().__init__(problem)
        self.problem, self.fix, self.row, self.column = problem, fix, row, column
        self.more = list(more or [])

    def problems(self) -> list[tuple[int | None, str | None, str, str]]:
        """Every problem: (row, column, problem, fix)."""
        return [(self.row, self.column, self.problem, self.fix), *self.more]


@dataclass
class Table:
    header: list[str]
    header_row: int  # 1-based, as the user sees it
    body: pl.DataFrame  # c0..c{n-1} as text, and _row
    sheet: str | None = None
    # Problems found while reading that do not stop it: (row, column, problem, fix).
    problems: list[tuple[int | None, str | None, str, str]] = field(default_factory=list)


HeaderFinder = Callable[[Sequence[Sequence[str | None]]], int | None]


def _names(cells: Sequence[str | None], first_column: int | None = None) -> list[str]:
    """Column names as the file has them; an unnamed column is 'column 3' (CSV, Parquet) or
    'column C' (Excel, counting from the sheet's first column ``first_column``)."""

    def unnamed(i: int) -> str:
        return (
            f"column {i + 1}"
            if first_column is None
            else f"column {column_letters(first_column + i)}"
        )

    return [
        c.strip() if c and c.strip() and c != FORMULA_WITHOUT_VALUE else unnamed(i)
        for i, c in enumerate(cells)
    ]


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


SPLIT_FIX = (
    "split the file into smaller files (one per year or per measure, say) and upload each, "
    "or delete the rows and columns that are not data"
)


def _first_lines(text: str, count: int) -> list[str]:
    """The first ``count`` lines, without copying the rest of the text."""
    lines: list[str] = []
    start = 0
    while len(lines) < count and start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            lines.append(text[start:])
            break
        lines.append(text[start:end])
        start = end + 1
    return lines


def _offset_of_line(text: str, line: int) -> int:
    """Where line ``line`` (0-based) starts."""
    start = 0
    for _ in range(line):
        end = text.find("\n", start)
        if end < 0:
            return len(text)
        start = end + 1
    return start


def read_csv(
    content: bytes,
    settings: IngestSettings = DEFAULT_SETTINGS,
    header_finder: HeaderFinder = find_header,
) -> Table:
    text = decode(content).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise ReadError(
            "this is not a text (CSV) file", "save the sheet as CSV, or upload the .xlsx"
        )
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines > settings.max_rows + HEADER_SEARCH_ROWS:
        raise ReadError(
            f"the file has {lines:,} lines; at most {settings.max_rows:,} rows are read", SPLIT_FIX
        )
    first = _first_lines(text, HEADER_SEARCH_ROWS)
    separator = _separator(first)
    preview = _preview(first, separator, settings)
    index = header_finder(preview)
    if index is None:
        raise ReadError("no header row found in the first 30 rows", HEADER_FIX)
    header = _names(preview[index])
    offset = _offset_of_line(text, index + 1)
    columns = [f"c{i}" for i in range(len(header))]
    synthetic = separator.join(columns) + "\n"
    ragged: list[tuple[int | None, str | None, str, str]] = []
    try:
        body = pl.read_csv(
            (synthetic + text[offset:]).encode("utf-8"),
            separator=separator,
            infer_schema=False,
            has_header=True,
        )
    except BaseException as error:
        if not (isinstance(error, pl.exceptions.PolarsError) or is_panic(error)):
            raise
        ragged = _ragged(text[offset:], separator, len(header), index)
        if not ragged:
            raise ReadError(
                f"the file cannot be read as CSV ({str(error).splitlines()[0]})",
                "check the file is a CSV export and not cut short",
            ) from error
        # Rows with too many cells are errors; the rest of each row is still checked, so that
        # one upload reports every problem.
        body = pl.read_csv(
            (synthetic + text[offset:]).encode("utf-8"),
            separator=separator,
            infer_schema=False,
            has_header=True,
            truncate_ragged_lines=True,
        )
    table = Table(header, index + 1, _numbered(body, index + 2), problems=ragged)
    _check_shape(table, settings)
    if settings.require_final_line_break and table.body.height and not text.endswith("\n"):
        last = int(table.body["_row"].max())  # type: ignore[arg-type]
        table.problems.append(
            (
                last,
                None,
                "the file ends without a line break after this row, so it may have been cut "
                "short (in the middle of a number, say)",
                "check this row is complete and export the file again (or add a line break at "
                "the end of the file)",
            )
        )
    return table


def _check_shape(table: Table, settings: IngestSettings) -> None:
    """Rows, columns, cells and the length of every cell, against the settings."""
    rows, columns = table.body.height, len(table.header)
    if columns > settings.max_columns:
        raise ReadError(
            f"{columns:,} columns; at most {settings.max_columns:,} are read",
            SPLIT_FIX,
            row=table.header_row,
        )
    if rows > settings.max_rows:
        raise ReadError(f"{rows:,} rows; at most {settings.max_rows:,} are read", SPLIT_FIX)
    if rows * columns > settings.max_cells:
        raise ReadError(
            f"{rows:,} rows by {columns:,} columns is {rows * columns:,} cells; at most "
            f"{settings.max_cells:,} are read",
            SPLIT_FIX,
        )
    limit = settings.max_cell_chars
    long_header = [(table.header_row, h, len(h)) for h in table.header if len(h) > limit]
    body = table.body
    text_columns = [c for c in body.columns if c != "_row" and body.schema[c] == pl.String]
    if not text_columns and not long_header:
        return
    longest = body.select(pl.col(text_columns).str.len_bytes().max()) if text_columns else None
    found = list(long_header)
    for i, name in enumerate(text_columns):
        # Bytes first (cheap): a cell of more bytes than the limit may still be within it.
        if longest is not None and (longest[name][0] or 0) > limit:
            rows_over = body.filter(pl.col(name).str.len_chars() > limit).select(
                "_row", pl.col(name).str.len_chars().alias("n")
            )
            found += [(r, table.header[i], n) for r, n in rows_over.head(20).iter_rows()]
    if found:
        problems = [
            (
                row,
                column,
                f"a cell of {length:,} characters; at most {limit:,} are read",
                "check the file is a table of values, and shorten or delete the long text",
            )
            for row, column, length in found
        ]
        (row, column, problem, fix), *more = problems
        raise ReadError(problem, fix, row=row, column=column, more=more)


def _preview(
    lines: list[str], separator: str, settings: IngestSettings = DEFAULT_SETTINGS
) -> list[list[str]]:
    """The first lines as cells, after checking their number of columns. Python's csv module
    stops at a cell over 128 KiB: that is a cell no spreadsheet holds (Excel stops at 32,767
    characters), reported as such."""
    for number, line in enumerate(lines, start=1):
        # A separator inside quotes is not a column: count only when over the limit.
        if line.count(separator) >= settings.max_columns:
            cells = (
                next(csv.reader([line], delimiter=separator), []) if len(line) < 1 << 24 else None
            )
            width = len(cells) if cells is not None else line.count(separator) + 1
            if width > settings.max_columns:
                raise ReadError(
                    f"{width:,} columns; at most {settings.max_columns:,} are read",
                    SPLIT_FIX,
                    row=number,
                )
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


RAGGED_ROWS_SAID = 100


def _ragged(
    body_text: str, separator: str, width: int, index: int
) -> list[tuple[int | None, str | None, str, str]]:
    """Rows with more cells than the header has columns (the first hundred)."""
    found: list[tuple[int | None, str | None, str, str]] = []
    for offset, cells in enumerate(csv.reader(io.StringIO(body_text), delimiter=separator)):
        if len(cells) > width:
            found.append(
                (
                    index + 2 + offset,
                    None,
                    f"{len(cells)} cells but the header has {width} columns",
                    "remove the extra cells or add the missing column names",
                )
            )
            if len(found) == RAGGED_ROWS_SAID:
                break
    return found


def _numbered(body: pl.DataFrame, first_row: int) -> pl.DataFrame:
    return body.with_row_index("_row", offset=first_row).with_columns(pl.col("_row").cast(pl.Int64))


def sheet_names(content: bytes) -> list[str]:
    """The worksheets of an .xlsx file, in order (raises ``ReadError`` if it is not one)."""
    try:
        return list(worksheets(content))
    except ExcelError as error:
        raise ReadError(error.problem, error.fix) from error


def read_excel(
    content: bytes,
    sheet: str | None,
    settings: IngestSettings = DEFAULT_SETTINGS,
    deadline: Deadline | None = None,
    header_finder: HeaderFinder = find_header,
) -> Table:
    def check_time() -> None:
        if deadline is not None:
            deadline.check("reading the workbook")

    try:
        sheets = worksheets(content)
        if sheet is None:
            sheet = next(iter(sheets))
        elif sheet not in sheets:
            raise ReadError(f"no sheet named '{sheet}'", f"choose one of: {', '.join(sheets)}")
        scan = scan_sheet(
            content, sheets[sheet], settings, settings.max_rows + HEADER_SEARCH_ROWS, check_time
        )
        check_time()
        cells = load_cells(content, sheet, scan)
    except ExcelError as error:
        raise ReadError(error.problem, error.fix, row=error.row) from error
    first_column = scan.first_column or 0
    rows = cells.head(HEADER_SEARCH_ROWS).rows()
    index = header_finder([list(r) for r in rows])
    if index is None:
        raise ReadError(f"no header row found in the first 30 rows of sheet '{sheet}'", HEADER_FIX)
    header = _names(list(rows[index]), first_column)
    body = cells.slice(index + 1)
    table = Table(header, index + 1, _numbered(body, index + 2), sheet=sheet)
    _check_shape(table, settings)
    return table


def read_parquet(content: bytes, settings: IngestSettings = DEFAULT_SETTINGS) -> Table:
    try:
        import pyarrow.parquet as pq

        metadata = pq.ParquetFile(io.BytesIO(content)).metadata
        rows, columns = metadata.num_rows, metadata.num_columns
        unpacked = sum(
            metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)
        )
    except BaseException as error:
        if not (isinstance(error, Exception) or is_panic(error)):
            raise
        raise ReadError(
            f"the file cannot be read as Parquet ({type(error).__name__})",
            "check the file is a complete Parquet file",
        ) from error
    if columns > settings.max_columns:
        raise ReadError(
            f"{columns:,} columns; at most {settings.max_columns:,} are read", SPLIT_FIX
        )
    if rows > settings.max_rows:
        raise ReadError(f"{rows:,} rows; at most {settings.max_rows:,} are read", SPLIT_FIX)
    if rows * columns > settings.max_cells:
        raise ReadError(
            f"{rows:,} rows by {columns:,} columns is {rows * columns:,} cells; at most "
            f"{settings.max_cells:,} are read",
            SPLIT_FIX,
        )
    if unpacked > settings.max_sheet_xml_bytes:
        raise ReadError(
            f"the file unpacks to {size_words(unpacked)}; at most "
            f"{size_words(settings.max_sheet_xml_bytes)} are read",
            SPLIT_FIX,
        )
    try:
        # Read by Arrow, whose errors are exceptions: polars' own reader panics (and prints a
        # Rust backtrace) on some damaged files.
        frame = pl.from_arrow(pq.read_table(io.BytesIO(content)))
        assert isinstance(frame, pl.DataFrame)
    except BaseException as error:
        if not (isinstance(error, Exception) or is_panic(error)):
            raise
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
    table = Table(_names(header), 1, _numbered(body, 2))
    _check_shape(table, settings)
    return table


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


def read_table(
    content: bytes,
    file_name: str,
    sheet: str | None = None,
    settings: IngestSettings = DEFAULT_SETTINGS,
    deadline: Deadline | None = None,
    header_finder: HeaderFinder = find_header,
) -> Table:
    """Read a file's cells as text, choosing the reader from the file name's extension, after
    checking its size (and, while reading, its rows, columns and cells) against ``settings``.
    ``header_finder`` picks the header among the first rows."""
    if len(content) > settings.max_file_bytes:
        raise ReadError(
            f"the file is {size_words(len(content))}; at most "
            f"{size_words(settings.max_file_bytes)} are read",
            SPLIT_FIX,
        )
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_excel(content, sheet, settings, deadline, header_finder)
    if sheet is not None:
        raise ReadError("--sheet is only for Excel files", "leave out --sheet for this file")
    if suffix == ".parquet":
        return read_parquet(content, settings)
    if suffix in (".csv", ".tsv", ".txt"):
        return read_csv(content, settings, header_finder)
    raise ReadError(
        f"files ending '{suffix or '(none)'}' are not read",
        "upload a .csv, .xlsx or .parquet file (for .xls, save it from Excel as .xlsx)",
    )
