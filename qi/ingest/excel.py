"""Reading an .xlsx sheet safely: its real size first, then its cells as text.

An .xlsx file is a zip of XML. A few kilobytes can declare a sheet of a million rows by 16,384
columns, or hold a single cell at XFD1048576; a reader that builds the grid first then needs
gigabytes. So before any cell is loaded, ``scan_sheet`` streams the sheet's XML (never more
than ``max_sheet_xml_bytes`` of it) and finds the real used range (the rows and columns of the
cells that hold something), the cells that are formulas without a saved result, and the cells
holding an Excel error such as ``#N/A``. Only a sheet within the limits is loaded, by calamine
(``fastexcel``), which reads a 300,000-row sheet in about a second: openpyxl, even in read-only
mode, takes twenty times as long.

Row numbers are the sheet's own (row 1 is the sheet's first row); column letters too.
"""

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree

import polars as pl

from qi.ingest.settings import IngestSettings, size_words

# Text put in a cell that is a formula without a saved result, so that validation reports it
# where it is used (a value, period or code cell), and ignores it in skipped rows and columns.
FORMULA_WITHOUT_VALUE = "\ue000formula without a saved result"
FORMULA_FIX = (
    "open the workbook in Excel and save it (Excel saves each formula's result with it; "
    "files written by other programs may not), then upload it again"
)
# At most this many formula and error cells are marked one by one; more is one error.
MARKED_CELLS_AT_MOST = 100_000
_CHUNK = 4 << 20
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROW = re.compile(rb"<" + _NS + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _NS + rb"row\s*>)", re.S)
_CELL = re.compile(rb"<" + _NS + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _NS + rb"c\s*>)", re.S)
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_CELL_REF = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)["']""")
_TYPE = re.compile(rb"""\bt\s*=\s*["'](\w+)["']""")
_VALUE = re.compile(rb"<" + _NS + rb"v\b[^>]*>([^<]+)</", re.S)
_FORMULA = re.compile(rb"<" + _NS + rb"f\b")
_INLINE = re.compile(rb"<" + _NS + rb"is\b")
# Every cell whose first attribute is its reference: column, row, and "/" if self-closing
# (a cell holding nothing, only a format).
_SIMPLE_CELL = re.compile(rb"""<c r=["']\$?([A-Z]{1,3})\$?(\d+)["'][^>]*?(/?)>""")
# A formula cell (a cell's content starts with its formula) and its content.
_FORMULA_CELL = re.compile(
    rb"<" + _NS + rb"c\b([^>]*?)(?<!/)>\s*(<" + _NS + rb"f\b.*?)</" + _NS + rb"c\s*>", re.S
)
_ERROR_CELL = re.compile(
    rb"<" + _NS + rb"""c\b([^>]*?\bt\s*=\s*["']e["'][^>]*?)(?:/>|>(.*?)</""" + _NS + rb"c\s*>)",
    re.S,
)
_DIMENSION = re.compile(rb"""<""" + _NS + rb"""dimension\b[^>]*\bref\s*=\s*["']([^"']+)["']""")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# workbook.xml and its relationships are small; anything bigger is not a workbook.
_SMALL_PART_BYTES = 20_000_000


def is_panic(error: BaseException) -> bool:
    """A Rust library's panic (polars, calamine) surfaces as pyo3's PanicException, which is a
    BaseException (not an Exception) and a class of its own in each library."""
    return type(error).__name__ == "PanicException"


class ExcelError(Exception):
    """The workbook cannot be read; ``problem`` and ``fix`` are for people, ``row`` and
    ``column`` say where when the problem is one cell."""

    def __init__(self, problem: str, fix: str, row: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.fix, self.row = problem, fix, row


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index - 1


@dataclass
class SheetScan:
    """What a sheet holds, found without loading it. Rows are 1-based, columns 0-based."""

    declared: str | None = None  # the <dimension ref> the file claims, e.g. "A1:XFD1048576"
    first_column: int | None = None  # of the cells holding something
    last_column: int = -1
    last_row: int = 0
    last_cell: str | None = None  # the cell furthest down and right, e.g. "XFD1048576"
    formulas: list[tuple[int, int]] = field(default_factory=list)  # without a saved result
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # e.g. (5, 2, "#N/A")

    @property
    def columns(self) -> int:
        return 0 if self.first_column is None else self.last_column - self.first_column + 1

    def used_range(self) -> str:
        if self.first_column is None:
            return "empty"
        return f"{column_letters(self.first_column)}1:{column_letters(self.last_column)}{self.last_row}"


def _open(content: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except Exception as error:  # not a zip, or a damaged one
        raise ExcelError(
            f"the file cannot be opened as an Excel workbook ({type(error).__name__})",
            "save it from Excel as .xlsx",
        ) from error


def _small_xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        info = archive.getinfo(name)
        if info.file_size > _SMALL_PART_BYTES:
            raise ExcelError(
                f"the workbook's {name} is too large to be real",
                "save it again from Excel as .xlsx",
            )
        return ElementTree.fromstring(archive.read(name))
    except ExcelError:
        raise
    except Exception as error:  # missing part, broken zip entry or XML
        raise ExcelError(
            f"the file cannot be opened as an Excel workbook ({type(error).__name__} in {name})",
            "save it from Excel as .xlsx",
        ) from error


def worksheets(content: bytes) -> dict[str, str]:
    """The workbook's worksheets in order: name -> the path of its XML inside the zip."""
    archive = _open(content)
    workbook = _small_xml(archive, "xl/workbook.xml")
    relations = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    targets = {r.get("Id"): r.get("Target", "") for r in relations.iter(f"{_RELS}Relationship")}
    found = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_DOC_RELS}id"), "")
        if "worksheets/" not in target:
            continue  # a chart sheet, or a dialog sheet: no cells
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        found[sheet.get("name", "")] = path
    if not found:
        raise ExcelError("the workbook has no worksheet", "save it from Excel as .xlsx")
    return found


def scan_sheet(
    content: bytes,
    path: str,
    settings: IngestSettings,
    rows_allowed: int,
    check_time: Callable[[], None] = lambda: None,
) -> SheetScan:
    """Stream the sheet's XML and find its used range, formula and error cells, stopping with
    an ``ExcelError`` as soon as a limit is passed (rows, columns, cells, XML size).

    The XML is read a few megabytes at a time and searched with regular expressions over
    whole chunks (C speed: a 300,000-row sheet in about a second), cut after a row's end so no
    cell is split. Cells without a reference (allowed, rare) are placed one by one."""
    archive = _open(content)
    try:
        info = archive.getinfo(path)
    except KeyError as error:
        raise ExcelError(
            f"the workbook has no part {path}", "save it from Excel as .xlsx"
        ) from error
    if info.file_size > settings.max_sheet_xml_bytes:
        raise ExcelError(
            f"the sheet unpacks to {size_words(info.file_size)} of XML; at most "
            f"{size_words(settings.max_sheet_xml_bytes)} are read",
            "split the sheet into smaller workbooks (one per year, say)",
        )
    scan = SheetScan()
    state = {"row": 0}
    tail = b""
    try:
        with archive.open(info) as stream:
            first = True
            while True:
                chunk = stream.read(_CHUNK)
                check_time()
                buffer = tail + chunk
                if first:
                    declared = _DIMENSION.search(buffer)
                    scan.declared = (
                        declared.group(1).decode("ascii", "replace") if declared else None
                    )
                    first = False
                cut = len(buffer) if not chunk else buffer.rfind(b"row>") + 4
                if cut < 4:  # no row ends in this chunk yet
                    if len(buffer) > 8 * _CHUNK:
                        raise ExcelError(
                            "a row of the sheet is over 32 MB of XML", "save it again from Excel"
                        )
                    tail = buffer
                    continue
                _scan_chunk(scan, buffer[:cut], state)
                _check_limits(scan, settings, rows_allowed)
                tail = buffer[cut:]
                if not chunk:
                    break
    except ExcelError:
        raise
    except Exception as error:  # a damaged zip: bad data, unknown method, encrypted...
        raise ExcelError(
            f"the workbook is damaged ({type(error).__name__} while reading the sheet)",
            "open it in Excel and save it again, or export it again",
        ) from error
    return scan


def _scan_chunk(scan: SheetScan, xml: bytes, state: dict) -> None:
    """One chunk of whole rows. The fast path needs every cell's reference as its first
    attribute and no namespace prefixes (what Excel, LibreOffice and openpyxl write); anything
    else is read row by row."""
    cells = _SIMPLE_CELL.findall(xml)
    if (
        len(cells) != xml.count(b"<c ") + xml.count(b"<c>")
        or b":c " in xml
        or b":c>" in xml
        or b":row" in xml
    ):
        _scan_rows(scan, xml, state)
        return
    held = [(letters, row) for letters, row, closed in cells if not closed]
    if held:
        columns = [_column_index(c) for c in {c for c, _ in held}]
        scan.first_column = min(
            columns + ([scan.first_column] if scan.first_column is not None else [])
        )
        scan.last_column = max(scan.last_column, *columns)
        scan.last_row = max(scan.last_row, max(map(int, (r for _, r in held))))
        scan.last_cell = f"{column_letters(scan.last_column)}{scan.last_row}"
    if cells:
        state["row"] = int(cells[-1][1])
    if b"<f>" in xml or b"<f " in xml:
        for attributes, inner in _FORMULA_CELL.findall(xml):
            _formula_or_error(scan, attributes, inner)
    if b't="e"' in xml or b"t='e'" in xml:
        for attributes, inner in _ERROR_CELL.findall(xml):
            reference = _CELL_REF.search(attributes)
            if reference is not None:
                value = _VALUE.search(inner)
                text = value.group(1).decode("utf-8", "replace").strip() if value else "#VALUE!"
                scan.errors.append(
                    (int(reference.group(2)), _column_index(reference.group(1)), text)
                )


def _formula_or_error(scan: SheetScan, attributes: bytes, inner: bytes) -> None:
    reference = _CELL_REF.search(attributes)
    if reference is None:
        return
    typed = _TYPE.search(attributes)
    kind = typed.group(1) if typed else b"n"
    if kind == b"e":
        return  # reported as an error cell
    if _VALUE.search(inner) is None and kind != b"str" and not _INLINE.search(inner):
        # kind "str" with no value: a formula whose result is the empty text (a blank cell).
        scan.formulas.append((int(reference.group(2)), _column_index(reference.group(1))))


def _scan_rows(scan: SheetScan, xml: bytes, state: dict) -> None:
    """Row by row, for sheets whose rows or cells leave out their references."""
    for match in _ROW.finditer(xml):
        number = _ROW_NUMBER.search(match.group(1))
        state["row"] = int(number.group(1)) if number else state["row"] + 1
        if match.group(2):
            _scan_row(scan, state["row"], match.group(2))


def _scan_row(scan: SheetScan, row: int, cells_xml: bytes) -> None:
    cells = _CELL.findall(cells_xml)
    holding = [i for i, (_, inner) in enumerate(cells) if inner and inner.strip()]
    if not holding:
        return
    positions = _positions(cells)
    first, last = positions[holding[0]], positions[holding[-1]]
    if scan.first_column is None or first < scan.first_column:
        scan.first_column = first
    scan.last_column = max(scan.last_column, last)
    scan.last_row = max(scan.last_row, row)
    scan.last_cell = f"{column_letters(scan.last_column)}{scan.last_row}"
    for i in holding:
        attributes, inner = cells[i]
        typed = _TYPE.search(attributes)
        kind = typed.group(1) if typed else b"n"
        value = _VALUE.search(inner)
        if kind == b"e":
            text = value.group(1).decode("utf-8", "replace").strip() if value else "#VALUE!"
            scan.errors.append((row, positions[i], text))
        elif (
            _FORMULA.search(inner)
            and value is None
            and kind != b"str"
            and not _INLINE.search(inner)
        ):
            scan.formulas.append((row, positions[i]))


def _positions(cells: list[tuple[bytes, bytes]]) -> list[int]:
    """Each cell's 0-based column: from its reference, else the one after the previous cell."""
    positions, previous = [], -1
    for attributes, _ in cells:
        reference = _CELL_REF.search(attributes)
        previous = _column_index(reference.group(1)) if reference else previous + 1
        positions.append(previous)
    return positions


def _check_limits(scan: SheetScan, settings: IngestSettings, rows_allowed: int) -> None:
    where = (
        f"the sheet's used range is {scan.used_range()} (cell {scan.last_cell} is the last "
        "that holds something)"
    )
    fix = (
        "delete the stray cells beyond the table (in Excel, Ctrl+End goes to the last one), "
        "or split the sheet into smaller workbooks (one per year or per measure, say)"
    )
    if scan.last_row > rows_allowed:
        raise ExcelError(f"{where}: {scan.last_row:,} rows; at most {rows_allowed:,} are read", fix)
    if scan.columns > settings.max_columns:
        raise ExcelError(
            f"{where}: {scan.columns:,} columns; at most {settings.max_columns:,} are read", fix
        )
    if scan.columns * scan.last_row > settings.max_cells:
        raise ExcelError(
            f"{where}: {scan.columns * scan.last_row:,} cells; at most {settings.max_cells:,} "
            "are read",
            fix,
        )
    if len(scan.formulas) + len(scan.errors) > MARKED_CELLS_AT_MOST:
        raise ExcelError(
            f"more than {MARKED_CELLS_AT_MOST:,} cells are formulas without a saved result or "
            "Excel errors",
            FORMULA_FIX,
        )


def load_cells(content: bytes, sheet: str, scan: SheetScan) -> pl.DataFrame:
    """Every cell of the sheet's used range as text: columns c0.. from the scan's first column,
    one row per sheet row from row 1. Dates are ISO (2024-01-01, or 2024-01-01T13:05:00 with a
    time); formulas without a saved result hold ``FORMULA_WITHOUT_VALUE``; error cells their
    error (#N/A)."""
    import fastexcel

    width, height = scan.columns, scan.last_row
    if width == 0 or height == 0:
        return pl.DataFrame(schema={"c0": pl.String})
    try:
        loaded = fastexcel.read_excel(content).load_sheet(
            sheet, header_row=None, skip_rows=0, dtypes="string"
        )
        frame = loaded.to_polars()
        absolute = [c.absolute_index for c in loaded.available_columns()]
    except BaseException as error:  # calamine's errors, and its panics: a damaged workbook
        if not (isinstance(error, Exception) or is_panic(error)):
            raise
        raise ExcelError(
            f"the sheet cannot be read ({type(error).__name__}: {str(error).splitlines()[0][:200]})",
            "open the workbook in Excel and save it again as .xlsx",
        ) from error
    first = scan.first_column or 0
    by_index = dict(zip(absolute, frame.columns, strict=True))
    frame = frame.head(height)
    if frame.height < height:
        frame = pl.concat(
            [frame, pl.DataFrame(schema=frame.schema).clear(height - frame.height)], how="vertical"
        )
    columns = []
    for i in range(width):
        name = by_index.get(first + i)
        text = pl.col(name) if name is not None else pl.lit(None, pl.String)
        columns.append(_iso_dates(text).alias(f"c{i}"))
    cells = (
        frame.select(columns)
        if frame.width
        else pl.DataFrame({"c0": [None] * height}, schema={"c0": pl.String})
    )
    return _mark(cells, scan, first)


def _iso_dates(text: pl.Expr) -> pl.Expr:
    """calamine writes dates as 2024-01-01 00:00:00: a date alone, or date and time with T."""
    return text.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1").str.replace(
        r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$", "${1}T$2"
    )


def _mark(cells: pl.DataFrame, scan: SheetScan, first: int) -> pl.DataFrame:
    marks: dict[int, dict[int, str]] = {}
    for row, column in scan.formulas:
        marks.setdefault(column - first, {})[row - 1] = FORMULA_WITHOUT_VALUE
    for row, column, text in scan.errors:
        marks.setdefault(column - first, {})[row - 1] = text
    if not marks:
        return cells
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    updates = []
    for column, by_row in marks.items():
        if not 0 <= column < cells.width:
            continue
        lookup = pl.DataFrame(
            {"i": list(by_row), "t": list(by_row.values())}, schema={"i": pl.Int64, "t": pl.String}
        )
        name = f"c{column}"
        updates.append(
            index.replace_strict(lookup["i"], lookup["t"], default=None, return_dtype=pl.String)
            .fill_null(pl.col(name))
            .alias(name)
        )
    return cells.with_columns(updates)
