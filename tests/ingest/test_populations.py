"""Places' populations: imported from their own file (``qi places populations``) or with the
places (``qi places import``), every problem at its row and column, nothing stored unless all is
right, and only by someone allowed to define places (both backends)."""

import pytest
from click.testing import CliRunner

from qi.access import EVERYTHING, Grant, Principal, local_admin
from qi.cli import main
from qi.ingest.places import import_populations
from qi.store import read_places
from qi.store.access import StoreRefused, read_audit
from qi.store.places import read_populations
from tests.ingest.files import WARDS, add_definitions

ADMIN = local_admin("tester")


def _file(tmp_path, text: str, name: str = "populations.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_populations_are_stored_with_their_year_and_source_and_replaced(engine, tmp_path):
    add_definitions(engine)
    path = _file(
        tmp_path,
        "code,population,population_year,population_source\n"
        f'{WARDS[0]},"12,345",2022,ONS mid-2022\n'
        f"{WARDS[1]},9870,2023,ONS mid-2023\n",
    )
    report = import_populations(engine, ADMIN, path)
    assert report.outcome == "stored", report.render()
    assert report.added == 2
    stored = read_populations(engine)
    assert stored.select("code", "population", "year", "source").rows() == [
        (WARDS[0], 12345, 2022, "ONS mid-2022"),
        (WARDS[1], 9870, 2023, "ONS mid-2023"),
    ]
    again = _file(tmp_path, f"code,population\n{WARDS[1]},10000\n", "again.csv")
    assert import_populations(engine, ADMIN, again, year=2024, source="ONS").outcome == "stored"
    assert read_populations(engine, "ward").select("code", "population", "year").rows() == [
        (WARDS[0], 12345, 2022),
        (WARDS[1], 10000, 2024),
    ]
    assert read_audit(engine, ADMIN, action="definitions.write")["detail"].to_list() == [
        "1 places",
        "2 places",
    ]


def test_bad_populations_are_errors_at_their_cell_and_nothing_is_stored(engine, tmp_path):
    add_definitions(engine)
    path = _file(
        tmp_path,
        "code,population,population_year,population_source\n"
        f"{WARDS[0]},-5,2022,ONS\n"
        f"{WARDS[1]},about 900,2022,ONS\n"
        "E05999999,1000,2022,ONS\n"
        f"{WARDS[2]},1000.5,22,\n",
    )
    report = import_populations(engine, ADMIN, path)
    assert report.outcome == "rejected"
    errors = report.errors.select("row", "column", "value", "problem").rows()
    assert sorted(errors) == [
        (2, "population", "-5", "is below zero"),
        (3, "population", "about 900", "is not a number"),
        (4, "code", "E05999999", "is not a known place code"),
        (5, "population", "1000.5", "is not a whole number"),
        (5, "population_source", None, "is missing"),
        (5, "population_year", "22", "is not a year"),
    ]
    fixes = dict(zip(report.errors["problem"], report.errors["fix"], strict=True))
    assert fixes["is not a known place code"].startswith("add the place first (qi places import)")
    assert read_populations(engine).height == 0


def test_only_someone_who_defines_places_may_store_populations(engine, tmp_path):
    add_definitions(engine)
    path = _file(tmp_path, f"code,population\n{WARDS[0]},100\n")
    coach = Principal("local:coach", "Coach", (Grant("coach", EVERYTHING),))
    with pytest.raises(StoreRefused):
        import_populations(engine, coach, path, year=2022, source="ONS")
    assert read_populations(engine).height == 0
    assert read_audit(engine, ADMIN, outcome="refused")["subject"].to_list() == [
        "places' populations"
    ]


def test_qi_places_import_takes_populations_with_the_places_all_or_nothing(sqlite_url, tmp_path):
    good = _file(
        tmp_path,
        "code,name,type,parent,population,population_year,population_source\n"
        "E08000012,Liverpool,local_authority,,486100,2022,ONS mid-2022\n"
        "E05000001,Anfield,ward,E08000012,,,\n",
        "places.csv",
    )
    bad = _file(
        tmp_path,
        "code,name,type,parent,population,population_year\n"
        "E08000013,St Helens,local_authority,,-1,2022\n",
        "bad.csv",
    )
    runner = CliRunner()
    refused = runner.invoke(main, ["places", "import", str(bad), "--db", sqlite_url])
    assert refused.exit_code == 1, refused.output
    assert "bad.csv, row 2, column 'population': '-1' is below zero" in refused.output
    assert "column 'population_source': is missing" in refused.output
    from qi.store import open_store

    engine = open_store(sqlite_url)
    assert read_places(engine).height == 0
    stored = runner.invoke(main, ["places", "import", str(good), "--db", sqlite_url])
    assert stored.exit_code == 0, stored.output
    assert "Populations stored for 1 places." in stored.output
    assert read_places(engine)["code"].to_list() == ["E05000001", "E08000012"]
    assert read_populations(engine).select("code", "population", "year").rows() == [
        ("E08000012", 486100, 2022)
    ]
    alone = _file(tmp_path, "code,population\nE05000001,15000\n", "wards.csv")
    result = runner.invoke(
        main,
        [
            "places",
            "populations",
            str(alone),
            "--year",
            "2023",
            "--source",
            "ONS",
            "--db",
            sqlite_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert read_populations(engine, "ward")["population"].to_list() == [15000]
