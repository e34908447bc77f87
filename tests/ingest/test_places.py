"""Places from the ONS lookups and deprivation from IMD 2025 (the demo's real extract)."""

from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest

from qi.ingest.places import LookupFileError, read_imd_deprivation, read_ons_places

DATA = Path(str(files("qi.demo") / "data"))
DISTRICTS = {"E08000032", "E08000033", "E08000034", "E08000035", "E08000036"}


def _places() -> pl.DataFrame:
    return read_ons_places(
        DATA / "lookup_lsoa21_ward24_ltla24_west_yorkshire.csv",
        DATA / "lookup_lsoa21_icb24_west_yorkshire.csv",
    )


def test_every_lsoa_sits_in_a_ward_in_a_district_in_the_icb():
    places = _places()
    assert dict(places.group_by("type").len().iter_rows()) == {
        "icb": 1,
        "local_authority": 5,
        "ward": 124,
        "lsoa": 1404,
    }
    parent = dict(places.select("code", "parent").iter_rows())
    kind = dict(places.select("code", "type").iter_rows())
    for code in places.filter(pl.col("type") == "lsoa")["code"]:
        ward = parent[code]
        assert kind[ward] == "ward" and parent[ward] in DISTRICTS
        assert parent[parent[ward]] == "E54000054"
    # Parents come before their children, so one upsert can link them.
    order = {code: i for i, code in enumerate(places["code"])}
    assert all(order[p] < order[c] for c, p in parent.items() if p is not None)


def test_a_district_goes_to_the_icb_most_of_its_lsoas_are_in():
    ward = pl.DataFrame(
        {
            "lsoa21_code": ["E1", "E2", "E3"],
            "lsoa21_name": ["a", "b", "c"],
            "ward24_code": ["W1", "W1", "W2"],
            "ward24_name": ["w1", "w1", "w2"],
            "ltla24_code": ["D"] * 3,
            "ltla24_name": ["d"] * 3,
        }
    )
    icb = pl.DataFrame(
        {"lsoa21_code": ["E1", "E2", "E3"], "icb24_code": ["X", "Y", "Y"], "icb24_name": "n"}
    )
    from qi.ingest.places import ons_places

    places = ons_places(ward, icb)
    assert places.filter(pl.col("code") == "D")["parent"].to_list() == ["Y"]


def test_imd_deciles_give_quintiles_one_the_most_deprived():
    deprivation = read_imd_deprivation(
        DATA / "imd2025_lsoa21_west_yorkshire.csv", DATA / "imd2025_ltla24_west_yorkshire.csv"
    )
    lsoas = deprivation.filter(pl.col("imd_decile").is_not_null())
    assert lsoas.height == 1404
    pairs = set(lsoas.select("imd_decile", "imd_quintile").unique().iter_rows())
    assert pairs == {(d, (d + 1) // 2) for d in range(1, 11)}
    districts = deprivation.filter(pl.col("imd_decile").is_null())
    assert set(districts["code"]) == DISTRICTS and districts["imd_score"].min() > 0


def test_a_file_without_the_lookup_columns_says_which_are_missing(tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("lsoa_code,ward\nE1,W1\n")
    with pytest.raises(LookupFileError, match="wrong.csv: no column lsoa21_code, lsoa21_name"):
        read_ons_places(wrong, wrong)


def test_qi_places_ons_imports_the_hierarchy_and_deprivation(sqlite_url, tmp_path):
    from click.testing import CliRunner

    from qi.cli import main
    from qi.store import connect, read_places
    from qi.store.places import read_deprivation

    result = CliRunner().invoke(
        main,
        [
            "places",
            "ons",
            str(DATA / "lookup_lsoa21_ward24_ltla24_west_yorkshire.csv"),
            str(DATA / "lookup_lsoa21_icb24_west_yorkshire.csv"),
            "--imd",
            str(DATA / "imd2025_lsoa21_west_yorkshire.csv"),
            "--db",
            sqlite_url,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "1 icb, 5 local_authority, 124 ward, 1,404 lsoa" in result.output
    assert "Open Government Licence v3.0" in result.output
    engine = connect(sqlite_url)
    assert read_places(engine).height == 1534
    assert read_deprivation(engine, "lsoa").height == 1404
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code\nE1\n")
    bad = CliRunner().invoke(main, ["places", "ons", str(wrong), str(wrong), "--db", sqlite_url])
    assert bad.exit_code == 2 and "wrong.csv: no column lsoa21_code" in bad.output
