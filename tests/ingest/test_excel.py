"""Reading .xlsx sheets: the real used range found before loading, the sheet's own row numbers
and column letters, dates as ISO text, formulas without a saved result and error cells marked
where they are."""

import io
from datetime import datetime

import openpyxl

from qi.ingest.excel import FORMULA_WITHOUT_VALUE, column_letters, scan_sheet, worksheets
from qi.ingest.readers import read_table
from qi.ingest.settings import DEFAULT_SETTINGS
from tests.ingest.files import xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"


def _scan(content: bytes):
    return scan_sheet(content, SHEET, DEFAULT_SETTINGS, 1_000_000)


def test_column_letters_count_as_excel_does():
    assert [column_letters(i) for i in (0, 25, 26, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
        "XFD",
    ]


def test_a_table_below_a_title_and_right_of_empty_columns_keeps_the_sheets_row_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C4"], sheet["D4"], sheet["E4"] = "measure", "place", None
    sheet["F4"] = datetime(2024, 1, 1)
    sheet["C5"], sheet["D5"], sheet["E5"], sheet["F5"] = "m", "p", "note", 3
    sheet["F6"] = datetime(2024, 3, 1, 13, 5)
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "f.xlsx")
    assert (table.header_row, table.header) == (4, ["measure", "place", "column E", "2024-01-01"])
    assert table.body.rows() == [
        (5, "m", "p", "note", "3"),
        (6, None, None, None, "2024-03-01T13:05:00"),
    ]


def test_formulas_without_a_saved_result_and_error_cells_are_marked_in_place():
    content = xlsx_bytes(
        [
            ["measure", "place", "Jan-24", "Feb-24"],
            ["m", "p", ("=", "1+1"), ("#", "#N/A")],
            ["m", "q", 4, ("#", "#DIV/0!")],
        ]
    )
    scan = _scan(content)
    assert (scan.formulas, scan.errors) == ([(2, 2)], [(2, 3, "#N/A"), (3, 3, "#DIV/0!")])
    body = read_table(content, "f.xlsx").body
    assert body.rows() == [
        (2, "m", "p", FORMULA_WITHOUT_VALUE, "#N/A"),
        (3, "m", "q", "4", "#DIV/0!"),
    ]


def test_a_formula_with_its_result_saved_is_read_as_its_result():
    more = (
        '<row r="3"><c r="A3"><f>1+1</f><v>2</v></c>'
        '<c r="B3" t="str"><f>IF(1,"","x")</f><v></v></c></row>'
    )
    content = xlsx_bytes([["measure", "place"], ["m", "p"]], more_xml=more)
    scan = _scan(content)
    assert scan.formulas == [] and scan.errors == []
    assert read_table(content, "f.xlsx").body.rows()[-1] == (3, "2", "")


def test_cells_without_references_and_prefixed_names_are_placed_one_by_one():
    plain = xlsx_bytes([["measure", "place", "Jan-24"], ["m", "p", 3]])
    unreferenced = xlsx_bytes(
        [["measure", "place", "Jan-24"]],
        more_xml='<row><c t="inlineStr"><is><t>m</t></is></c><c t="inlineStr"><is><t>p</t></is>'
        "</c><c><v>3</v></c></row>",
    )
    for content in (plain, unreferenced):
        scan = _scan(content)
        assert (scan.first_column, scan.last_column, scan.last_row) == (0, 2, 2)
    assert read_table(unreferenced, "f.xlsx").body.rows() == [(2, "m", "p", "3")]


def test_the_worksheets_are_listed_in_order_and_chart_sheets_are_left_out(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.create_sheet("Falls")
    workbook.create_chartsheet("Chart")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert list(worksheets(buffer.getvalue())) == ["Notes", "Falls"]
