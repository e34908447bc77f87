"""Uploading files end to end, on SQLite and PostgreSQL: stored whole, or rejected whole."""

import json
from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select

from qi.access import local_admin
from qi.ingest import ingest_bytes, ingest_file
from qi.store import read_revisions, read_series, read_uploads
from qi.store.models import Observation, Revision
from tests.ingest.files import WARDS, add_definitions, csv_bytes, locality_workbook, parquet_bytes

TODAY = date(2025, 6, 1)
HEADER = ["measure", "place", "period", "value"]


def _counts(engine):
    with engine.connect() as c:
        return tuple(
            c.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Observation, Revision)
        )


def _ingest(engine, rows, name="falls.csv", **options):
    return ingest_bytes(
        engine, local_admin("tester"), csv_bytes(rows), name, today=TODAY, **options
    )


def test_a_locality_workbook_is_stored_with_its_suppressed_cells_and_totals_skipped(
    engine, tmp_path
):
    add_definitions(engine)
    report = ingest_file(
        engine,
        local_admin("tester"),
        locality_workbook(tmp_path / "falls.xlsx"),
        sheet="Falls",
        today=TODAY,
    )
    assert report.outcome == "stored", report.render()
    assert (report.added, report.revised) == (12, 0)
    assert "a totals row was skipped" in report.warnings["problem"].to_list()
    series = read_series(engine, local_admin("tester"), "falls_admissions", places=WARDS[0])
    assert series["period"].to_list() == [date(2024, m, 1) for m in (1, 2, 3, 4)]
    assert series["value"].to_list() == [12.0, 1034.0, None, 15.0]
    assert series["missing_reason"].to_list() == [None, None, "suppressed (*)", None]
    blank = read_series(engine, local_admin("tester"), "falls_admissions", places=WARDS[2]).row(
        1, named=True
    )
    assert (blank["value"], blank["missing_reason"]) == (None, "blank")


def test_the_sheet_name_is_checked_and_the_choices_are_listed(engine, tmp_path):
    add_definitions(engine)
    report = ingest_file(
        engine,
        local_admin("tester"),
        locality_workbook(tmp_path / "falls.xlsx"),
        sheet="Fals",
        today=TODAY,
    )
    assert report.outcome == "rejected"
    assert report.errors.row(0, named=True)["problem"] == "no sheet named 'Fals'"
    assert "Notes, Falls" in report.errors.row(0, named=True)["fix"]


def test_a_file_with_errors_stores_nothing_and_reports_every_problem_with_its_place(engine):
    add_definitions(engine)
    report = _ingest(
        engine,
        [
            HEADER,
            ["falls_admissions", WARDS[0], "2024-01", "12"],
            ["falls_admisions", WARDS[0], "2024-02", "3"],
            ["falls_admissions", "E0500001", "2024-03", "3"],
            ["falls_admissions", WARDS[0], "2024-04", '"1,2O4"'],
            ["falls_admissions", WARDS[0], "2024-05", "-2"],
            ["falls_admissions", WARDS[0], "2030-01", "2"],
            ["falls_admissions", WARDS[0], "13/13/2024", "2"],
            ["falls_admissions", WARDS[0], "15/01/2024", "9"],
        ],
    )
    assert report.outcome == "rejected"
    assert _counts(engine) == (0, 0)
    errors = {(e["row"], e["column"]): e for e in report.errors.iter_rows(named=True)}
    assert "did you mean 'falls_admissions'" in errors[(3, "measure")]["problem"]
    assert "did you mean 'E05000001'" in errors[(4, "place")]["problem"]
    assert errors[(5, "value")]["value"] == "1,2O4"
    assert "letter O" in errors[(5, "value")]["problem"]
    assert "negative" in errors[(6, "value")]["problem"]
    assert "in the future" in errors[(7, "period")]["problem"]
    assert "is not a period" in errors[(8, "period")]["problem"]
    assert "first on row 2" in errors[(9, "period")]["problem"]
    assert len(errors) == 7
    text = report.render()
    assert (
        "falls.csv, row 5, column 'value': '1,2O4' is not a number (letter O instead of zero?)"
        in text
    )
    assert "Nothing was stored" in text
    uploads = read_uploads(engine, local_admin("tester"))
    assert uploads["outcome"].to_list() == ["rejected"]
    logged = json.loads(uploads["report"][0])
    assert (logged["errors"], logged["rows_read"]) == (7, 8)
    assert {row for p in logged["problems"] for row in p["rows"]} == {3, 4, 5, 6, 7, 8, 9}


def test_the_same_rejected_file_is_logged_once(engine):
    add_definitions(engine)
    rows = [HEADER, ["nope", WARDS[0], "2024-01", "1"]]
    _ingest(engine, rows)
    _ingest(engine, rows)
    assert read_uploads(engine, local_admin("tester")).height == 1


def test_uploading_the_same_file_twice_changes_nothing(engine, tmp_path):
    add_definitions(engine)
    path = locality_workbook(tmp_path / "falls.xlsx")
    ingest_file(engine, local_admin("tester"), path, sheet="Falls", today=TODAY)
    before = (
        _counts(engine),
        read_uploads(engine, local_admin("tester")).height,
        read_series(engine, local_admin("tester")),
    )
    again = ingest_file(engine, local_admin("tester"), path, sheet="Falls", today=TODAY)
    assert again.outcome == "unchanged"
    assert (_counts(engine), read_uploads(engine, local_admin("tester")).height) == before[:2]
    assert read_series(engine, local_admin("tester")).equals(before[2])


def test_a_revised_month_keeps_the_old_value_readable(engine, tmp_path):
    add_definitions(engine)
    ingest_file(
        engine,
        local_admin("tester"),
        locality_workbook(tmp_path / "v1.xlsx"),
        sheet="Falls",
        today=TODAY,
    )
    revised = {WARDS[0]: [12, "1,034", 4, 15], WARDS[1]: [8, 9, 11, "c"], WARDS[2]: [5, None, 6, 7]}
    report = ingest_file(
        engine,
        local_admin("bob"),
        locality_workbook(tmp_path / "v2.xlsx", revised),
        sheet="Falls",
        today=TODAY,
    )
    assert (report.outcome, report.added, report.revised, report.unchanged) == ("stored", 0, 1, 11)
    revision = read_revisions(engine, local_admin("tester")).row(0, named=True)
    assert (revision["place"], revision["period"]) == (WARDS[0], date(2024, 3, 1))
    assert (revision["old_value"], revision["new_value"], revision["actor"]) == (None, 4.0, "bob")


def test_csv_with_semicolons_and_windows_1252_is_read(engine):
    add_definitions(engine)
    content = csv_bytes(
        [
            ["measure", "place", "period", "value", "notes"],
            ["falls_admissions", WARDS[0], "Mar-24", "3", "Café visit"],
        ],
        separator=";",
        encoding="cp1252",
    )
    report = ingest_bytes(engine, local_admin("tester"), content, "falls.csv", today=TODAY)
    assert report.outcome == "stored", report.render()
    assert read_series(engine, local_admin("tester"))["value"].to_list() == [3.0]


def test_csv_with_tabs_and_a_byte_order_mark_is_read(engine):
    add_definitions(engine)
    content = b"\xef\xbb\xbf" + csv_bytes(
        [HEADER, ["falls_admissions", WARDS[1], "2024-03", "3"]], "\t"
    )
    report = ingest_bytes(engine, local_admin("tester"), content, "falls.tsv", today=TODAY)
    assert report.outcome == "stored", report.render()


def test_parquet_in_long_layout_is_read(engine):
    add_definitions(engine)
    frame = pl.DataFrame(
        {
            "measure": ["falls_admissions"] * 2,
            "place": [WARDS[0]] * 2,
            "period": [date(2024, 1, 1), date(2024, 2, 1)],
            "value": [3, 4],
        }
    )
    report = ingest_bytes(
        engine, local_admin("tester"), parquet_bytes(frame), "falls.parquet", today=TODAY
    )
    assert report.outcome == "stored", report.render()
    assert read_series(engine, local_admin("tester"))["value"].to_list() == [3.0, 4.0]


def test_a_proportion_needs_a_numerator_no_larger_than_its_denominator(engine):
    add_definitions(engine)
    report = _ingest(
        engine,
        [
            ["measure", "place", "period", "numerator", "denominator"],
            ["dna_rate", WARDS[0], "2024-01", "5", "100"],
            ["dna_rate", WARDS[0], "2024-02", "120", "100"],
            ["dna_rate", WARDS[0], "2024-03", "*", "100"],
        ],
    )
    assert report.outcome == "rejected"
    (error,) = report.errors.iter_rows(named=True)
    assert (error["row"], error["column"], error["value"]) == (3, "numerator", "120")
    assert "above its denominator 100" in error["problem"]


def test_a_proportion_is_stored_with_numerator_denominator_and_suppression(engine):
    add_definitions(engine)
    report = _ingest(
        engine,
        [
            ["measure", "place", "period", "numerator", "denominator", "status"],
            ["dna_rate", WARDS[0], "2024-01", "5", "100", ""],
            ["dna_rate", WARDS[0], "2024-02", "*", "100", "Provisional"],
        ],
    )
    assert report.outcome == "stored", report.render()
    rows = read_series(engine, local_admin("tester"), "dna_rate").select(
        "numerator", "denominator", "missing_reason", "status"
    )
    assert rows.rows() == [
        (5.0, 100.0, None, "final"),
        (None, 100.0, "suppressed (*)", "provisional"),
    ]


def test_a_proportion_given_only_as_values_is_rejected(engine):
    add_definitions(engine)
    report = _ingest(engine, [HEADER, ["dna_rate", WARDS[0], "2024-01", "5%"]])
    assert report.outcome == "rejected"
    assert "numerator and denominator columns are needed" in report.errors["problem"][0]


def test_a_gap_in_the_months_is_a_warning_that_does_not_block(engine):
    add_definitions(engine)
    report = _ingest(
        engine,
        [
            HEADER,
            ["falls_admissions", WARDS[0], "2024-01", "1"],
            ["falls_admissions", WARDS[0], "2024-04", "2"],
        ],
    )
    assert report.outcome == "stored"
    (warning,) = report.warnings.iter_rows(named=True)
    assert warning["row"] == 3
    assert "2 month(s) missing since 2024-01-01" in warning["problem"]


def test_a_value_far_outside_the_stored_history_is_a_warning(engine):
    add_definitions(engine)
    history = [HEADER] + [
        ["falls_admissions", WARDS[0], f"{2022 + m // 12}-{m % 12 + 1:02d}", str(10 + m % 3)]
        for m in range(24)
    ]
    _ingest(engine, history)
    report = _ingest(engine, [HEADER, ["falls_admissions", WARDS[0], "2024-01", "1100"]])
    assert report.outcome == "stored"
    (warning,) = report.warnings.iter_rows(named=True)
    assert "far outside this series' history" in warning["problem"]
    assert warning["value"] == "1100"  # the cell as written


def test_the_history_a_value_is_far_from_is_written_as_people_write_numbers(engine):
    add_definitions(engine)
    history = [HEADER] + [
        ["falls_admissions", WARDS[0], f"{2022 + m // 12}-{m % 12 + 1:02d}", str(1100 + m % 3 * 50)]
        for m in range(24)
    ]
    _ingest(engine, history)
    report = _ingest(engine, [HEADER, ["falls_admissions", WARDS[0], "2024-01", "100"]])
    (warning,) = report.warnings.iter_rows(named=True)
    assert "(mean 1,150, standard deviation 41.7, 24 points)" in warning["problem"], warning


def test_a_file_without_a_measure_column_takes_the_measure_given(engine):
    add_definitions(engine)
    content = csv_bytes([["place", "Jan-24", "Feb-24"], [WARDS[0], "1", "2"]])
    report = ingest_bytes(
        engine, local_admin("tester"), content, "x.csv", measure="falls_admissions", today=TODAY
    )
    assert report.outcome == "stored", report.render()
    refused = ingest_bytes(engine, local_admin("tester"), content, "x.csv", today=TODAY)
    (problem,) = refused.errors["problem"].to_list()
    assert problem.startswith("no measure column")


def test_the_same_month_written_twice_in_a_wide_header_is_a_duplicate(engine):
    add_definitions(engine)
    content = csv_bytes(
        [["measure", "place", "Mar-24", "01/03/2024"], ["falls_admissions", WARDS[0], "1", "2"]]
    )
    report = ingest_bytes(engine, local_admin("tester"), content, "x.csv", today=TODAY)
    assert report.outcome == "rejected"
    assert "repeats measure falls_admissions" in report.errors["problem"][0]


def test_real_ae_attendances_round_trip_exactly(engine, fixtures):
    """12,765 rows of NHS England A&E data (OGL v3), type 1 departments as one measure."""
    add_definitions(engine)
    source = pl.read_csv(fixtures / "nhsr_ae_attendances.csv", infer_schema=False).filter(
        pl.col("type") == "1"
    )
    from qi.store import upsert_places

    providers = source["org_code"].unique().sort()
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": providers,
                "name": providers,
                "type": "trust",
                "parent": None,
                "gss_code": None,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    long = source.select(
        pl.lit("ae_attendances").alias("measure"),
        pl.col("org_code").alias("place"),
        pl.col("period"),
        pl.col("attendances").alias("value"),
    )
    content = csv_bytes([long.columns, *long.rows()])
    report = ingest_bytes(engine, local_admin("tester"), content, "ae.csv", today=TODAY)
    assert report.errors.height == 0, report.render()
    assert report.added == long.height
    stored = read_series(engine, local_admin("tester"), "ae_attendances").select(
        "place", pl.col("period").dt.to_string("%Y-%m-%d"), "value"
    )
    expected = long.select("place", "period", pl.col("value").cast(pl.Float64)).sort(
        "place", "period"
    )
    assert stored.equals(expected)


@pytest.fixture
def fixtures():
    from pathlib import Path

    return Path(__file__).parent.parent / "fixtures"


def test_errors_name_the_column_as_the_file_does(engine, tmp_path):
    add_definitions(engine)
    values = {"E05000009": [1, 2, 3, 4]}
    path = locality_workbook(tmp_path / "falls.xlsx", values)
    report = ingest_file(engine, local_admin("tester"), path, sheet="Falls", today=TODAY)
    assert report.outcome == "rejected"
    errors = report.errors.select("row", "column", "value").unique().rows()
    assert errors == [(5, "Ward code", "E05000009")]
    assert "falls.xlsx, sheet 'Falls', rows 5, 5, 5, 5, column 'Ward code'" not in report.render()
    assert (
        "falls.xlsx, sheet 'Falls', row 5, column 'Ward code': 'E05000009' unknown place code"
        in report.render()
    )


def _measure(engine, code: str, frequency: str) -> None:
    from qi.store import upsert_measures

    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": [code],
                "name": [code],
                "definition": [None],
                "unit": [None],
                "kind": ["count"],
                "multiplier": [1.0],
                "improvement": ["down"],
                "target": [None],
                "chart": [None],
                "rule_set": [None],
                "frequency": [frequency],
            },
            schema_overrides={c: pl.String for c in ("definition", "unit", "chart", "rule_set")}
            | {"target": pl.Float64},
        ),
    )


def test_a_weekly_measure_dated_by_week_ending_friday_is_stored_by_its_monday(engine):
    add_definitions(engine)
    _measure(engine, "deaths_weekly", "week")
    report = _ingest(
        engine,
        [
            HEADER,
            ["deaths_weekly", WARDS[0], "10/01/2020", "3"],
            ["deaths_weekly", WARDS[0], "17/01/2020", "4"],
            ["deaths_weekly", WARDS[0], "2020-W05", "5"],
        ],
    )
    assert report.outcome == "stored", report.render()
    assert read_series(engine, local_admin("tester"), "deaths_weekly")["period"].to_list() == [
        date(2020, 1, 6),
        date(2020, 1, 13),
        date(2020, 1, 27),
    ]
    (gap,) = report.warnings.iter_rows(named=True)
    assert "1 week(s) missing since 2020-01-13" in gap["problem"]


def test_a_quarterly_measure_reads_quarters_and_dates_within_them(engine):
    add_definitions(engine)
    _measure(engine, "readmissions_q", "quarter")
    report = _ingest(
        engine,
        [
            HEADER,
            ["readmissions_q", WARDS[0], "2023/24 Q1", "3"],
            ["readmissions_q", WARDS[0], "2023 Q3", "4"],
            ["readmissions_q", WARDS[0], "15/11/2023", "5"],
        ],
    )
    assert report.outcome == "stored", report.render()
    assert read_series(engine, local_admin("tester"), "readmissions_q")["period"].to_list() == [
        date(2023, 4, 1),
        date(2023, 7, 1),
        date(2023, 10, 1),
    ]
    assert report.warnings.height == 0


def test_a_file_with_a_problem_in_every_cell_gets_a_readable_report(engine):
    add_definitions(engine)
    rows = [HEADER] + [["falls_admissions", WARDS[0], f"junk{i}", f"x{i}"] for i in range(500)]
    report = _ingest(engine, rows)
    assert report.errors.height == 1000
    text = report.render().splitlines()
    assert len(text) == 102
    assert text[-2] == "... and 900 more problems like these."
    assert report.to_dict()["problems_truncated"] is False
