"""One regression test per failure found in the issue "Uploads that never crash, hang or quietly
blank data": each used to end in a traceback, a hang or silently wrong data."""

from datetime import date, timedelta

import polars as pl
import pytest
from click.testing import CliRunner

from qi.access import local_admin
from qi.cli import main
from qi.ingest import IngestSettings, ingest_bytes
from qi.ingest.definitions import import_definitions
from qi.store import connect, read_places, read_series
from qi.store.errors import FieldTooLong
from tests.ingest.files import WARDS, add_definitions, csv_bytes, parquet_bytes, xlsx_bytes

TODAY = date(2025, 6, 1)
HEADER = ["measure", "place", "period", "value"]


def _run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)


def _one_row(period="2024-01", value="3", measure="falls_admissions", place=WARDS[0]) -> bytes:
    return csv_bytes([HEADER, [measure, place, period, value]])


def _errors(report) -> list[str]:
    return report.errors["problem"].to_list()


# --- crashes with a traceback ------------------------------------------------------------------


@pytest.mark.parametrize("period", ["0000-01", "1677-09", "1899-12"])
def test_a_period_before_1900_is_an_error_not_a_crash(engine, period):
    add_definitions(engine)
    report = ingest_bytes(engine, local_admin("tester"), _one_row(period), "p.csv", today=TODAY)
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert (error["row"], error["column"], error["value"]) == (2, "period", period)
    assert error["problem"] == "is before 1900"
    assert read_series(engine, local_admin("tester")).height == 0


def test_a_cell_over_128_kib_in_the_first_lines_is_reported_not_a_crash(engine):
    add_definitions(engine)
    report = ingest_bytes(
        engine, local_admin("tester"), _one_row(value="9" * 140_000), "big.csv", today=TODAY
    )
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert error["row"] == 2 and "longer than" in error["problem"]


@pytest.mark.parametrize(
    "column",
    [
        pl.Series("extra", [[1, 2]]),
        pl.Series("extra", [[1, 2]], dtype=pl.Array(pl.Int64, 2)),
        pl.Series("extra", [timedelta(days=1)]),
        pl.Series("extra", [{"a": 1}]),
    ],
    ids=["list", "array", "duration", "struct"],
)
def test_a_parquet_column_of_lists_arrays_or_durations_is_reported_not_a_crash(engine, column):
    add_definitions(engine)
    frame = pl.DataFrame(
        {"measure": ["falls_admissions"], "place": [WARDS[0]], "period": ["2024-01"], "value": [3]}
    ).with_columns(column)
    report = ingest_bytes(
        engine, local_admin("tester"), parquet_bytes(frame), "f.parquet", today=TODAY
    )
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert error["column"] == "extra" and "not one value per cell" in error["problem"]


def test_an_actor_longer_than_the_database_keeps_is_refused_on_every_backend(
    database_url, tmp_path
):
    engine = connect(database_url)
    add_definitions(engine)
    with pytest.raises(FieldTooLong, match="actor is 129 characters long"):
        ingest_bytes(engine, local_admin("a" * 129), _one_row(), "a.csv", today=TODAY)
    path = tmp_path / "a.csv"
    path.write_bytes(_one_row())
    result = _run("ingest", path, "--db", database_url, env={"QI_ACTOR": "a" * 129})
    assert result.exit_code == 2
    assert "at most 128" in result.output and "Traceback" not in result.output
    assert read_series(engine, local_admin("tester")).height == 0


def test_place_codes_and_names_longer_than_the_database_keeps_are_rejected_on_every_backend(
    engine, tmp_path
):
    path = tmp_path / "places.csv"
    path.write_text(f"code,name,type\n{'C' * 65},Fine,ward\nOK1,{'n' * 256},ward\n")
    report = import_definitions(engine, local_admin("tester"), path, "places")
    assert report.outcome == "rejected"
    found = {(e["row"], e["column"]) for e in report.errors.iter_rows(named=True)}
    assert found == {(2, "code"), (3, "name")}
    assert "65 characters long; at most 64" in report.render()
    assert read_places(engine).height == 0


# --- exit statuses -----------------------------------------------------------------------------


def test_an_internal_error_exits_3_with_a_short_message_and_the_log(
    sqlite_url, tmp_path, monkeypatch
):
    import qi.ingest

    def broken(*args, **kwargs):
        raise RuntimeError("something qi did not expect")

    monkeypatch.setattr(qi.ingest, "ingest_file", broken)
    path = tmp_path / "a.csv"
    path.write_bytes(_one_row())
    log = tmp_path / "logs" / "qi.log"
    result = _run("ingest", path, "--db", sqlite_url, env={"QI_LOG": str(log)})
    assert result.exit_code == 3
    assert "internal error (RuntimeError)" in result.output
    assert str(log) in result.output
    assert "Traceback" not in result.output
    assert "something qi did not expect" in log.read_text()


def test_ingest_help_documents_the_exit_statuses():
    result = _run("ingest", "--help")
    assert result.exit_code == 0
    for words in ("0 stored", "1 rejected", "2 usage error", "3 internal error"):
        assert words in " ".join(result.output.split())


# --- data blanked or distorted without a word ---------------------------------------------------


def _stored(engine) -> list[tuple]:
    return (
        read_series(engine, local_admin("tester"))
        .select("place", "period", "value", "missing_reason")
        .rows()
    )


def test_formula_cells_without_saved_results_are_errors_not_blanks_over_stored_values(engine):
    add_definitions(engine)
    ingest_bytes(
        engine,
        local_admin("tester"),
        xlsx_bytes([HEADER, ["falls_admissions", WARDS[0], "2024-01", 7]]),
        "v1.xlsx",
        today=TODAY,
    )
    before = _stored(engine)
    content = xlsx_bytes(
        [
            HEADER,
            ["falls_admissions", WARDS[0], "2024-01", ("=", "B9*2")],
            ["falls_admissions", WARDS[1], "2024-01", ("=", "B9*3")],
        ]
    )
    report = ingest_bytes(engine, local_admin("tester"), content, "v2.xlsx", today=TODAY)
    assert report.outcome == "rejected"
    assert {(e["row"], e["column"]) for e in report.errors.iter_rows(named=True)} == {
        (2, "value"),
        (3, "value"),
    }
    assert "is a formula whose result is not saved in the file" in report.render()
    assert "open the workbook in Excel and save it" in report.render()
    assert _stored(engine) == before  # not "1 revised" to a blank


def test_an_excel_error_cell_is_reported_as_such(engine):
    add_definitions(engine)
    content = xlsx_bytes([HEADER, ["falls_admissions", WARDS[0], "2024-01", ("#", "#DIV/0!")]])
    (error,) = ingest_bytes(
        engine, local_admin("tester"), content, "e.xlsx", today=TODAY
    ).errors.iter_rows(named=True)
    assert (error["row"], error["column"], error["value"]) == (2, "value", "#DIV/0!")
    assert "an Excel error" in error["problem"]


def test_a_value_column_with_no_values_at_all_does_not_blank_the_stored_values(engine):
    add_definitions(engine)
    rows = [["falls_admissions", w, "2024-01", str(i + 1)] for i, w in enumerate(WARDS)]
    ingest_bytes(engine, local_admin("tester"), csv_bytes([HEADER, *rows]), "v1.csv", today=TODAY)
    before = _stored(engine)
    blanked = [[*r[:3], ""] for r in rows]
    report = ingest_bytes(
        engine, local_admin("tester"), csv_bytes([HEADER, *blanked]), "v2.csv", today=TODAY
    )
    error = report.errors.row(0, named=True)
    assert (report.outcome, error["row"], error["column"]) == ("rejected", 1, "value")
    assert error["problem"] == "has no values at all: every cell in it is blank"
    assert _stored(engine) == before


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1e308", "is too large to be a real value"),
        ("9.2e18", "is too large to be a real value"),
        ("2000000000", "is above 1000000000, the most a value of falls_admissions can be"),
        ("150%", "is a percentage, and a count is a number of things"),
        ("inf", "is not a number (not a finite number)"),
        ("1e999", "is not a number (too large (or small) to be a number)"),
    ],
)
def test_a_count_it_cannot_be_is_an_error_not_an_outlier_warning(engine, value, words):
    add_definitions(engine)
    report = ingest_bytes(
        engine, local_admin("tester"), _one_row(value=value), "c.csv", today=TODAY
    )
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert (error["row"], error["column"], error["value"]) == (2, "value", value)
    assert words in error["problem"]


def test_the_ceiling_of_a_count_is_a_setting(engine):
    add_definitions(engine)
    report = ingest_bytes(
        engine,
        local_admin("tester"),
        _one_row(value="2000000000"),
        "c.csv",
        today=TODAY,
        settings=IngestSettings(count_ceiling=3e9),
    )
    assert report.outcome == "stored", report.render()


def test_a_csv_cut_off_in_the_middle_of_a_number_is_not_stored(engine):
    add_definitions(engine)
    whole = csv_bytes(
        [
            HEADER,
            ["falls_admissions", WARDS[0], "2024-01", "1234"],
            ["falls_admissions", WARDS[1], "2024-01", "5678"],
        ]
    )
    cut = whole[: whole.rindex(b"5678") + 2]  # ...,56
    report = ingest_bytes(engine, local_admin("tester"), cut, "cut.csv", today=TODAY)
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert error["row"] == 3 and "may have been cut short" in error["problem"]
    assert read_series(engine, local_admin("tester")).height == 0
    relaxed = ingest_bytes(
        engine,
        local_admin("tester"),
        cut,
        "cut.csv",
        today=TODAY,
        settings=IngestSettings(require_final_line_break=False),
    )
    assert relaxed.outcome == "stored"


def test_a_wide_sheets_blank_future_month_is_skipped_with_a_warning(engine):
    add_definitions(engine)
    content = csv_bytes(
        [
            ["measure", "place", "Apr-25", "May-25", "Jun-25", "Jul-25"],
            ["falls_admissions", WARDS[0], "3", "4", "", ""],
            ["falls_admissions", WARDS[1], "5", "6", "", ""],
        ]
    )
    report = ingest_bytes(engine, local_admin("tester"), content, "wide.csv", today=TODAY)
    assert report.outcome == "stored", report.render()
    assert report.added == 4
    skipped = report.warnings.filter(pl.col("problem").str.starts_with("column skipped"))
    assert sorted(skipped["column"].to_list()) == ["Jul-25", "Jun-25"]


# --- messages that mislead ---------------------------------------------------------------------


def test_a_ratios_outlier_warning_names_the_files_own_columns_and_cells(engine):
    add_definitions(engine)
    header = ["measure", "place", "period", "Numerator", "Denominator"]
    history = [
        ["dna_rate", WARDS[0], f"{2022 + m // 12}-{m % 12 + 1:02d}", str(10 + m % 3), "100"]
        for m in range(24)
    ]
    ingest_bytes(engine, local_admin("tester"), csv_bytes([header, *history]), "h.csv", today=TODAY)
    report = ingest_bytes(
        engine,
        local_admin("tester"),
        csv_bytes([header, ["dna_rate", WARDS[0], "2024-01", "90", "100"]]),
        "n.csv",
        today=TODAY,
    )
    (warning,) = report.warnings.iter_rows(named=True)
    assert (warning["column"], warning["value"]) == ("Numerator", "90/100")
    assert warning["problem"].startswith("Numerator over Denominator is 0.9, far outside")
    assert "value" not in report.render().replace("values", "")


def test_a_row_in_error_for_a_future_date_gets_no_gap_warning(engine):
    add_definitions(engine)
    report = ingest_bytes(
        engine,
        local_admin("tester"),
        csv_bytes(
            [
                HEADER,
                ["falls_admissions", WARDS[0], "2024-01", "1"],
                ["falls_admissions", WARDS[0], "2036-09", "2"],
            ]
        ),
        "f.csv",
        today=TODAY,
    )
    assert [e["problem"] for e in report.errors.iter_rows(named=True)] == [
        "is in the future (today is 2025-06-01)"
    ]
    assert report.warnings.height == 0


# --- realistic wide workbooks: the layout found by what the cells hold -------------------------

MONTHS = ["Apr-24", "May-24", "Jun-24"]


def _wide(place_header, places=WARDS, measure_header="Measure", title=True) -> bytes:
    rows = [["Falls admissions by ward, 2024/25"], []] if title else []
    rows.append([measure_header, place_header, *MONTHS, "Notes"])
    rows += [["falls_admissions", p, 3 + i, 4, 5, ""] for i, p in enumerate(places)]
    return xlsx_bytes(rows)


@pytest.mark.parametrize("place_header", ["Trust", "Liverpool", None, "Ward"])
def test_the_place_column_is_found_by_its_codes_whatever_its_header(engine, place_header):
    add_definitions(engine)
    report = ingest_bytes(
        engine, local_admin("tester"), _wide(place_header), "wide.xlsx", today=TODAY
    )
    assert report.outcome == "stored", report.render()
    assert report.added == 9
    assert read_series(engine, local_admin("tester")).filter(pl.col("place") == WARDS[0])[
        "value"
    ].to_list() == [
        3.0,
        4.0,
        5.0,
    ]


def test_places_and_measures_written_as_their_names_are_read_as_their_codes(engine):
    add_definitions(engine)
    content = xlsx_bytes(
        [
            ["KPI", "Area", *MONTHS],
            ["Emergency admissions for falls", "Ward one", 1, 2, 3],
            ["emergency admissions for FALLS ", "ward two", 4, 5, 6],
        ]
    )
    report = ingest_bytes(engine, local_admin("tester"), content, "names.xlsx", today=TODAY)
    assert report.outcome == "stored", report.render()
    stored = (
        read_series(engine, local_admin("tester"))
        .select("measure", "place")
        .unique()
        .sort("place")
        .rows()
    )
    assert stored == [("falls_admissions", WARDS[0]), ("falls_admissions", WARDS[1])]


def test_one_pass_reports_the_layout_problem_and_every_cell_problem(engine):
    add_definitions(engine)
    content = xlsx_bytes([[None, *MONTHS], [WARDS[0], 1, "lots", 3], ["E0500000X", 4, 5, 6]])
    report = ingest_bytes(engine, local_admin("tester"), content, "w.xlsx", today=TODAY)
    problems = report.errors["problem"].to_list()
    assert any(p.startswith("no measure column") for p in problems)
    assert "is not a number" in problems
    assert any(p.startswith("unknown place code") for p in problems)
    assert read_series(engine, local_admin("tester")).height == 0


def test_a_place_column_of_unknown_codes_is_still_read_and_every_code_reported(engine):
    add_definitions(engine)
    report = ingest_bytes(
        engine, local_admin("tester"), _wide("Org", places=["X1", "X2"]), "w.xlsx", today=TODAY
    )
    unknown = report.errors.filter(pl.col("problem").str.starts_with("unknown place code"))
    assert unknown.select("row", "column", "value").rows() == [(4, "Org", "X1"), (5, "Org", "X2")]
    assert unknown["count"].to_list() == [3, 3]  # once per row and column, with its cells
    assert "row 4, column 'Org': 'X1' unknown place code (in 3 cells)" in report.render()


def test_a_duplicated_place_row_in_a_wide_sheet_is_one_problem(engine):
    add_definitions(engine)
    report = ingest_bytes(
        engine,
        local_admin("tester"),
        _wide("Ward", places=[WARDS[0], WARDS[1], WARDS[0]]),
        "w.xlsx",
        today=TODAY,
    )
    (error,) = report.errors.iter_rows(named=True)
    assert (error["row"], error["column"], error["value"]) == (6, "Ward", WARDS[0])
    assert (
        error["problem"]
        == f"repeats row 4: measure falls_admissions at place {WARDS[0]} again (3 periods)"
    )


def test_a_long_file_headed_in_a_teams_own_words_is_read(engine):
    add_definitions(engine)
    content = csv_bytes(
        [["Trust", "Month", "Attendances"], [WARDS[0], "2024-01", "12"], [WARDS[1], "2024-01", "7"]]
    )
    report = ingest_bytes(
        engine, local_admin("tester"), content, "ae.csv", measure="falls_admissions", today=TODAY
    )
    assert report.outcome == "stored", report.render()
    assert read_series(engine, local_admin("tester"))["value"].to_list() == [12.0, 7.0]


def test_a_busy_database_exits_4_and_says_try_again(sqlite_url, tmp_path, monkeypatch):
    import qi.ingest
    from qi.store.errors import StoreBusy

    def busy(*args, **kwargs):
        raise StoreBusy(60)

    monkeypatch.setattr(qi.ingest, "ingest_file", busy)
    path = tmp_path / "a.csv"
    path.write_bytes(_one_row())
    result = _run("ingest", path, "--db", sqlite_url)
    assert result.exit_code == 4
    assert "busy with another change" in result.output and "try again" in result.output
    assert "locked" not in result.output and "Traceback" not in result.output
