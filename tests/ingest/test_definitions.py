"""Importing measure and place definitions from CSV and YAML, all or nothing."""

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from qi.access import local_admin
from qi.ingest.definitions import import_definitions
from qi.store import read_measures, read_places, upsert_places
from qi.store.definitions import UnsafeCode
from qi.store.models import Place

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_measures_from_yaml_are_stored_with_their_chart_settings(engine, tmp_path):
    path = tmp_path / "measures.yaml"
    path.write_text(
        "measures:\n"
        "  - code: falls_admissions\n    name: Emergency admissions for falls\n    kind: count\n"
        "    improvement: decrease\n    frequency: Monthly\n    chart: c\n"
        "  - code: dna_rate\n    name: Did not attend\n    kind: proportion\n    improvement: down\n"
        "    frequency: month\n    multiplier: 100\n    target: 5\n    unit: '%'\n"
    )
    report = import_definitions(engine, local_admin("alice"), path, "measures")
    assert report.outcome == "stored", report.render()
    measures = read_measures(engine).select(
        "code", "kind", "improvement", "frequency", "multiplier", "target"
    )
    assert measures.rows() == [
        ("dna_rate", "proportion", "down", "month", 100.0, 5.0),
        ("falls_admissions", "count", "down", "month", 1.0, None),
    ]


def test_a_measures_file_with_errors_stores_nothing_and_names_row_and_column(engine, tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(
        "code,name,kind,improvement,frequency,multiplier\n"
        "a,A,count,up,month,1\n"
        "b,B,ratio,up,month,1\n"
        "a,C,count,sideways,fortnight,-5\n"
    )
    report = import_definitions(engine, local_admin("tester"), path, "measures")
    assert report.outcome == "rejected"
    problems = {(p["row"], p["column"]) for p in report.errors.iter_rows(named=True)}
    assert problems == {
        (3, "kind"),
        (4, "improvement"),
        (4, "frequency"),
        (4, "multiplier"),
        (2, "code"),
        (4, "code"),
    }
    assert read_measures(engine).height == 0


def test_real_local_authorities_import_with_their_regions_as_parents(engine, tmp_path):
    """ONS lookup of local authorities to regions (OGL v3): regions first, then authorities."""
    import polars as pl

    lookup = pl.read_csv(FIXTURES / "lookup_ltla24_region24.csv")
    regions = lookup.select(
        pl.col("region24_code").alias("code"),
        pl.col("region24_name").alias("name"),
        pl.lit("region").alias("type"),
        pl.lit(None, pl.String).alias("parent"),
        pl.col("region24_code").alias("gss_code"),
    ).unique("code")
    authorities = lookup.select(
        pl.col("ltla24_code").alias("code"),
        pl.col("ltla24_name").alias("name"),
        pl.lit("local authority").alias("type"),
        pl.col("region24_code").alias("parent"),
        pl.col("ltla24_code").alias("gss_code"),
    )
    path = tmp_path / "places.csv"
    pl.concat([authorities, regions]).write_csv(path)
    report = import_definitions(engine, local_admin("alice"), path, "places")
    assert report.outcome == "stored", report.render()
    places = read_places(engine)
    assert places.height == lookup.height + regions.height
    liverpool = places.filter(pl.col("name") == "Liverpool").row(0, named=True)
    assert (liverpool["type"], liverpool["parent"]) == ("local_authority", "E12000002")


def test_a_place_whose_parent_is_unknown_or_whose_gss_code_is_malformed_is_rejected(
    engine, tmp_path
):
    path = tmp_path / "places.yaml"
    path.write_text(
        "- {code: W1, name: Ward one, type: ward, parent: LA9}\n"
        "- {code: LA1, name: Town, type: county, gss_code: E0800001}\n"
    )
    report = import_definitions(engine, local_admin("tester"), path, "places")
    assert report.outcome == "rejected"
    problems = {(p["row"], p["column"], p["value"]) for p in report.errors.iter_rows(named=True)}
    assert problems == {(1, "parent", "LA9"), (2, "type", "county"), (2, "gss_code", "E0800001")}
    assert read_places(engine).height == 0


def test_importing_again_updates_by_code(engine, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("code,name,type\nW1,Ward one,ward\n")
    import_definitions(engine, local_admin("alice"), path, "places")
    path.write_text("code,name,type\nW1,Ward One (renamed),ward\n")
    import_definitions(engine, local_admin("bob"), path, "places")
    assert read_places(engine)["name"].to_list() == ["Ward One (renamed)"]
    with engine.connect() as connection:
        who = connection.execute(select(Place.created_by, Place.updated_by)).one()
    assert tuple(who) == ("alice", "bob")


@pytest.mark.parametrize("code", ["=cmd|' /C calc'!A0", "+44", "-1", "@SUM(A1)", "<b>x</b>", "a b"])
def test_a_code_a_spreadsheet_could_run_is_refused(engine, tmp_path, code):
    path = tmp_path / "places.csv"
    pl.DataFrame({"code": [code], "name": ["Somewhere"], "type": ["ward"]}).write_csv(path)
    report = import_definitions(engine, local_admin("alice"), path, "places")
    assert report.outcome == "rejected"
    [problem] = report.errors.rows(named=True)
    assert problem["column"] == "code" and problem["problem"] == "is not a code qi can keep"
    with pytest.raises(UnsafeCode, match="cannot be kept"):
        upsert_places(
            engine,
            local_admin("tester"),
            pl.DataFrame(
                {
                    "code": [code],
                    "name": ["x"],
                    "type": ["ward"],
                    "parent": [None],
                    "gss_code": [None],
                },
                schema_overrides={"parent": pl.String, "gss_code": pl.String},
            ),
        )
    assert read_places(engine).height == 0
