"""Limits checked before the work they bound, each with a message saying the limit and how to
split the file; and the time budget of an upload. Tiny files that once took minutes or
gigabytes are now refused (or read) in well under a second or two."""

import time
from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.ingest import IngestSettings, ingest_bytes, ingest_file
from qi.store import connect, read_series, read_uploads, upsert_places
from tests.ingest.files import (
    WARDS,
    add_definitions,
    csv_bytes,
    long_workbook,
    parquet_bytes,
    period_columns_csv,
    stray_cell_workbook,
    wide_header_csv,
    xlsx_bytes,
)

TODAY = date(2025, 6, 1)
HEADER = ["measure", "place", "period", "value"]
# A guard against hanging, not a measure of speed (benchmarks/ingest.py times these files): they
# once took 23 s to minutes and gigabytes, and are now refused before the work they would cost.
NO_HANG_S = 10.0
ROWS = [HEADER] + [["falls_admissions", w, f"2024-{m:02d}", str(m)] for w in WARDS for m in (1, 2)]


@pytest.fixture
def store(sqlite_url):
    engine = connect(sqlite_url)
    add_definitions(engine)
    yield engine
    engine.dispose()


def _timed(engine, content, name, **options):
    start = time.perf_counter()
    report = ingest_bytes(engine, local_admin("tester"), content, name, today=TODAY, **options)
    return report, time.perf_counter() - start


def _only_error(report) -> dict:
    assert report.outcome == "rejected", report.render()
    (error,) = report.errors.iter_rows(named=True)
    return error


def test_a_cell_at_xfd1048576_beside_a_table_is_refused_in_a_moment(store):
    table = [["measure", "place", "Jan-24"], ["falls_admissions", WARDS[0], 3]]
    stray = xlsx_bytes(table, more_xml='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    report, took = _timed(store, stray, "stray.xlsx")
    error = _only_error(report)
    assert "used range is A1:XFD1048576" in error["problem"]
    assert "cell XFD1048576 is the last that holds something" in error["problem"]
    assert "16,384 columns; at most 2,000" in error["problem"]
    assert "Ctrl+End" in error["fix"]
    assert took < NO_HANG_S


def test_the_5_kb_workbook_whose_only_cell_is_xfd1048576_is_refused_in_a_moment(store):
    content = stray_cell_workbook()
    assert len(content) < 6_000
    report, took = _timed(store, content, "only.xlsx")
    assert report.outcome == "rejected"
    assert took < NO_HANG_S


def test_a_header_of_200000_columns_is_refused_before_parsing(store):
    report, took = _timed(store, wide_header_csv(), "wide.csv")
    error = _only_error(report)
    assert (error["row"], error["problem"]) == (1, "200,002 columns; at most 2,000 are read")
    assert "split the file" in error["fix"]
    assert took < NO_HANG_S


def test_a_wide_file_of_100000_period_columns_is_refused_before_parsing(store):
    report, took = _timed(store, period_columns_csv(), "periods.csv")
    assert "100,002 columns; at most 2,000" in _only_error(report)["problem"]
    assert took < NO_HANG_S


def test_a_300000_row_workbook_is_read_and_stored(store):
    places = [f"W{i:06d}" for i in range(12_500)]
    upsert_places(
        store,
        local_admin("tester"),
        pl.DataFrame(
            {"code": places, "name": places, "type": "ward", "parent": None, "gss_code": None},
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    content = long_workbook(300_000, places)
    report, _ = _timed(store, content, "long.xlsx")
    assert report.outcome == "stored", report.render()[:1000]
    assert report.added == 300_000


def test_each_limit_says_what_it_is_and_how_to_split_the_file(store, tmp_path):
    content = csv_bytes(ROWS)
    cases = [
        (IngestSettings(max_file_bytes=100), "is 249 bytes; at most 100 bytes are read"),
        (IngestSettings(max_rows=5), "6 rows; at most 5 are read"),
        (IngestSettings(max_columns=3), "4 columns; at most 3 are read"),
        (IngestSettings(max_cells=20), "6 rows by 4 columns is 24 cells; at most 20 are read"),
    ]
    for settings, words in cases:
        error = _only_error(
            ingest_bytes(
                store, local_admin("tester"), content, "f.csv", today=TODAY, settings=settings
            )
        )
        assert words in error["problem"], (settings, error)
        assert "split the file" in error["fix"]
    path = tmp_path / "big.csv"
    path.write_bytes(content)
    refused = ingest_file(
        store, local_admin("tester"), path, today=TODAY, settings=IngestSettings(max_file_bytes=100)
    )
    assert "at most 100 bytes" in _only_error(refused)["problem"]
    assert read_uploads(store, local_admin("tester")).height == 2  # a rejection per content


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_a_cell_longer_than_the_limit_is_refused_with_its_row_and_column(store, kind):
    rows = [
        HEADER,
        ["falls_admissions", WARDS[0], "2024-01", "1"],
        ["falls_admissions", WARDS[1], "2024-01", "x" * 50],
    ]
    content = {
        "csv": lambda: csv_bytes(rows),
        "xlsx": lambda: xlsx_bytes(rows),
        "parquet": lambda: parquet_bytes(pl.DataFrame(rows[1:], schema=HEADER, orient="row")),
    }[kind]()
    report = ingest_bytes(
        store,
        local_admin("tester"),
        content,
        f"f.{kind}",
        today=TODAY,
        settings=IngestSettings(max_cell_chars=20),
    )
    error = _only_error(report)
    assert (error["row"], error["column"]) == (3, "value")
    assert error["problem"] == "a cell of 50 characters; at most 20 are read"


def test_sheet_rows_columns_and_unpacked_size_are_checked_before_the_sheet_is_loaded(store):
    content = xlsx_bytes(ROWS)
    for settings, words in [
        (IngestSettings(max_rows=1), "6 rows; at most 1 are read"),
        (IngestSettings(max_columns=2), "4 columns; at most 2 are read"),
        (IngestSettings(max_sheet_xml_bytes=100), "of XML; at most 100 bytes are read"),
    ]:
        error = _only_error(
            ingest_bytes(
                store, local_admin("tester"), content, "f.xlsx", today=TODAY, settings=settings
            )
        )
        assert words in error["problem"], (settings, error)


def test_an_upload_over_its_time_budget_is_rejected_and_stores_nothing(store):
    report = ingest_bytes(
        store,
        local_admin("tester"),
        csv_bytes(ROWS),
        "f.csv",
        today=TODAY,
        settings=IngestSettings(time_budget_s=0),
    )
    error = _only_error(report)
    assert "took longer than the 0 s allowed for one upload" in error["problem"]
    assert read_series(store, local_admin("tester")).height == 0
