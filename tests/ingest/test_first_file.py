"""A locality team's first file: no codes known, no measure or place column, a header with
nothing below it, suppressed cells, and a preview of what storing would do."""

from datetime import date

import polars as pl

from qi.access import local_admin
from qi.ingest import ingest_bytes
from qi.ingest.preview import preview_bytes
from qi.ingest.upload import Choices
from qi.store import read_series
from tests.ingest.files import WARDS, add_definitions, csv_bytes, parquet_bytes

TODAY = date(2025, 6, 1)
HEADER = ["measure", "place", "period", "value"]


def _ingest(engine, content, name="falls.csv", **options):
    return ingest_bytes(engine, local_admin("tester"), content, name, today=TODAY, **options)


def test_a_header_without_data_rows_is_refused_like_an_empty_file(engine):
    add_definitions(engine)
    for name, content in (
        ("falls.csv", csv_bytes([HEADER])),
        ("falls.csv", csv_bytes([HEADER, ["", "", "", ""]])),
        ("falls.parquet", parquet_bytes(pl.DataFrame(schema=dict.fromkeys(HEADER, pl.String)))),
    ):
        report = _ingest(engine, content, name)
        assert report.outcome == "rejected", report.render()
        [error] = report.errors.to_dicts()
        assert error["problem"] == "no data rows: the file has a header and nothing below it"
        assert error["row"] == 1
        assert "Nothing was stored" in report.render()


def test_the_measure_and_place_of_a_file_without_columns_for_them_are_chosen_by_name(engine):
    add_definitions(engine)
    content = csv_bytes([["period", "value"], ["2024-01", 3], ["2024-02", 5]])
    refused = _ingest(engine, content)
    assert {"no measure column", "no place column"} <= {
        p.split(":")[0] for p in refused.errors["problem"].to_list()
    }
    report = _ingest(engine, content, measure="emergency ADMISSIONS for falls", place="ward two")
    assert report.outcome == "stored", report.render()
    assert report.added == 2
    series = read_series(engine, local_admin("tester"), "falls_admissions", places=WARDS[1])
    assert series["value"].to_list() == [3.0, 5.0]


def test_a_near_miss_of_a_name_is_told_the_name_and_code_it_resembles(engine):
    add_definitions(engine)
    content = csv_bytes(
        [HEADER, ["Emergency admisions for falls", "Ward one", "2024-01", 3]]
        + [["falls_admissions", "Ward onw", "2024-02", 4]]
    )
    report = _ingest(engine, content)
    problems = {(p["row"], p["column"]): p["problem"] for p in report.errors.to_dicts()}
    assert (
        "did you mean 'Emergency admissions for falls' (falls_admissions)?"
        in problems[(2, "measure")]
    )
    assert "did you mean 'Ward one' (E05000001)?" in problems[(3, "place")]


def test_suppressed_cells_are_listed_as_kept_missing_with_their_count(engine):
    add_definitions(engine)
    rows = [HEADER] + [
        ["falls_admissions", WARDS[0], f"2024-{m:02d}", "*" if m in (2, 4, 5) else m]
        for m in range(1, 7)
    ]
    report = _ingest(engine, csv_bytes(rows))
    assert report.outcome == "stored", report.render()
    assert report.cells_kept_missing == 3
    assert report.to_dict()["kept_missing"] == 3
    [note] = report.grouped().filter(pl.col("severity") == "note").to_dicts()
    assert note["rows"] == [3, 5, 6]
    assert note["problem"] == "suppressed (*): kept as missing, not stored as zero"
    assert "rows 3, 5, 6, column 'value': '*' suppressed (*)" in report.render()


def test_a_preview_says_the_layout_periods_and_what_would_be_new_or_revised(engine):
    add_definitions(engine)
    first = [HEADER] + [["falls_admissions", WARDS[0], f"2024-{m:02d}", m] for m in (1, 2, 3)]
    assert _ingest(engine, csv_bytes(first)).outcome == "stored"
    again = [HEADER] + [
        ["falls_admissions", WARDS[0], "2024-02", 2],  # unchanged
        ["falls_admissions", WARDS[0], "2024-03", 30],  # revised
        ["falls_admissions", WARDS[0], "2024-04", 4],  # new
        ["falls_admissions", WARDS[0], "2024-05", 5],  # new
    ]
    preview = preview_bytes(
        engine, local_admin("tester"), csv_bytes(again), "falls.csv", Choices(today=TODAY)
    )
    assert preview.can_store and preview.layout == "long" and preview.to_choose == []
    assert (preview.added, preview.revised, preview.unchanged) == (2, 1, 1)
    assert (preview.first_period, preview.last_period) == (date(2024, 2, 1), date(2024, 5, 1))
    assert preview.first_rows.columns == ["Row", *HEADER]
    assert preview.first_rows["value"].to_list() == ["2", "30", "4", "5"]
    # Nothing was stored by the preview.
    assert _ingest(engine, csv_bytes(again)).revised == 1


def test_a_preview_of_a_file_without_measure_or_place_columns_asks_for_them(engine):
    add_definitions(engine)
    wide = csv_bytes([["Apr-24", "May-24"], [3, 4]])
    preview = preview_bytes(engine, local_admin("tester"), wide, "falls.csv", Choices(today=TODAY))
    assert preview.to_choose == ["measure", "place"]
    assert not preview.can_store
    chosen = preview_bytes(
        engine,
        local_admin("tester"),
        wide,
        "falls.csv",
        Choices(measure="falls_admissions", place="Ward three", today=TODAY),
    )
    assert chosen.can_store, chosen.report.render()
    assert chosen.layout == "wide" and chosen.added == 2


def test_each_measures_template_imports_once_its_values_are_filled_in_as_csv_and_excel(engine):
    add_definitions(engine)
    from qi.ingest.templates import recent_periods, template, template_csv, template_excel
    from qi.store import read_measures, read_places

    measures = {m["code"]: m for m in read_measures(engine).to_dicts()}
    wards = read_places(engine).filter(pl.col("code").is_in(WARDS[:2]))
    periods = recent_periods("month", TODAY)
    assert periods == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    blank = template(measures["dna_rate"], wards, periods)
    assert blank.columns == ["measure", "place", "place name", "period", "numerator", "denominator"]
    # As downloaded (values blank), the importer says to fill them in.
    refused = _ingest(engine, template_csv(blank), "dna.csv")
    assert "has no values at all" in refused.render()
    for code, values in (
        ("dna_rate", {"numerator": [4, 5, 6, 7, 8, 9], "denominator": [40] * 6}),
        ("falls_admissions", {"value": [1, 2, 3, 4, 5, 6]}),
    ):
        filled = template(measures[code], wards, periods, values)
        for name, content in (
            (f"{code}.csv", template_csv(filled)),
            (f"{code}.xlsx", template_excel(filled)),
        ):
            report = _ingest(engine, content, name)
            assert report.outcome in ("stored", "unchanged"), report.render()
            assert report.problems.height == 0, report.render()
        assert read_series(engine, local_admin("tester"), code, places=WARDS[1]).height == 3


def test_structure_problems_do_not_hide_cell_problems(engine):
    add_definitions(engine)
    no_place_or_period = _ingest(
        engine, csv_bytes([["measure", "value"], ["fals_admissions", "1O4"]])
    )
    problems = no_place_or_period.errors["problem"].to_list()
    assert any(p.startswith("no place column") for p in problems), problems
    assert any(p.startswith("no period column") for p in problems), problems
    assert "unknown measure code (did you mean 'falls_admissions'?)" in problems
    assert "is not a number (letter O instead of zero?)" in problems
    ragged = _ingest(
        engine,
        csv_bytes(
            [
                HEADER,
                ["falls_admissions", WARDS[0], "2024-01", "1O4", "extra"],
                ["falls_admissions", "E05000009", "2024-02", 3],
            ]
        ),
    )
    found = {(p["row"], p["problem"]) for p in ragged.errors.to_dicts()}
    assert (2, "5 cells but the header has 4 columns") in found
    assert (2, "is not a number (letter O instead of zero?)") in found
    assert (3, "unknown place code (did you mean 'E05000003'?)") in found
