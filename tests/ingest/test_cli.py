"""The command line: exit 0 when stored, 1 when rejected (nothing written), 2 for usage errors."""

import polars as pl
from click.testing import CliRunner

from qi.access import local_admin
from qi.cli import main
from qi.store import connect, read_series
from tests.ingest.files import WARDS, add_definitions, csv_bytes, locality_workbook


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_ingest_stores_a_good_file_and_exits_0(database_url, tmp_path):
    add_definitions(connect(database_url))
    path = locality_workbook(tmp_path / "falls.xlsx")
    result = _run("ingest", path, "--sheet", "Falls", "--db", database_url)
    assert result.exit_code == 0, result.output
    assert "Stored as upload 1: 12 new observation(s)" in result.output
    assert "a totals row was skipped" in result.output


def test_ingest_rejects_a_bad_file_with_exit_1_and_stores_nothing(database_url, tmp_path):
    engine = connect(database_url)
    add_definitions(engine)
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["measure", "place", "period", "value"],
                ["falls_admissions", WARDS[0], "2024-01", "lots"],
            ]
        )
    )
    result = _run("ingest", path, "--db", database_url)
    assert result.exit_code == 1
    assert "bad.csv, row 2, column 'value': 'lots' is not a number" in result.output
    assert read_series(engine, local_admin("tester")).height == 0


def test_usage_errors_exit_2(tmp_path):
    assert _run("ingest", tmp_path / "missing.csv").exit_code == 2
    assert (
        _run(
            "export", "--out", tmp_path / "x.xlsx", "--db", f"sqlite:///{tmp_path}/q.sqlite"
        ).exit_code
        == 2
    )
    assert _run("ingest").exit_code == 2


def test_a_formula_cannot_reach_an_export_as_a_place_code(database_url, tmp_path):
    """A code Excel would run is refused where it comes in; the export's text cells are also
    neutralised on the way out (``qi.access.outputs.excel_safe``, tested beside it)."""
    engine = connect(database_url)
    add_definitions(engine)
    from qi.ingest.definitions import import_definitions

    places = tmp_path / "places.csv"
    places.write_text('code,name,type\n"=HYPERLINK(""http://x"")",Evil,ward\n')
    assert import_definitions(engine, local_admin("tester"), places, "places").outcome == "rejected"
    data = tmp_path / "data.csv"
    data.write_bytes(
        csv_bytes(
            [
                ["measure", "place", "period", "value"],
                ["falls_admissions", WARDS[0], "2024-01", "3"],
            ]
        )
    )
    assert _run("ingest", data, "--db", database_url).exit_code == 0
    out = tmp_path / "out.csv"
    result = _run("export", "--db", database_url, "--out", out)
    assert result.exit_code == 0, result.output
    exported = pl.read_csv(out, infer_schema=False)
    assert exported["place"].to_list() == [WARDS[0]]
    assert exported["value"].to_list() == ["3.0"]


def test_export_parquet_round_trips_the_series(database_url, tmp_path):
    engine = connect(database_url)
    add_definitions(engine)
    _run("ingest", locality_workbook(tmp_path / "f.xlsx"), "--sheet", "Falls", "--db", database_url)
    out = tmp_path / "out.parquet"
    assert _run("export", "--db", database_url, "--out", out).exit_code == 0
    assert pl.read_parquet(out).equals(read_series(engine, local_admin("tester")))


def test_measures_and_places_import_from_the_command_line(database_url, tmp_path):
    measures = tmp_path / "m.yaml"
    measures.write_text("- {code: m1, name: M, kind: count, improvement: up, frequency: week}\n")
    places = tmp_path / "p.csv"
    places.write_text("code,name,type\nP1,Place,locality\n")
    assert _run("measures", "import", measures, "--db", database_url).exit_code == 0
    assert _run("places", "import", places, "--db", database_url).exit_code == 0
    places.write_text("code,name,type\nP2,Place,planet\n")
    result = _run("places", "import", places, "--db", database_url)
    assert result.exit_code == 1
    assert "'planet' is not a type" in result.output


def test_measures_import_can_make_them_part_of_an_initiative(database_url, tmp_path):
    from qi.store import add_initiative, initiative_measures

    places = tmp_path / "p.csv"
    places.write_text("code,name,type\nP1,Place,locality\n")
    assert _run("places", "import", places, "--db", database_url).exit_code == 0
    engine = connect(database_url)
    add_initiative(engine, local_admin("tester"), "Best Start", ["P1"])
    measures = tmp_path / "m.csv"
    measures.write_text(
        "code,name,kind,improvement,frequency\nm1,One,count,up,month\nm2,Two,count,up,month\n"
    )
    refused = _run("measures", "import", measures, "--db", database_url, "--initiative", "Nope")
    assert refused.exit_code == 2
    assert "unknown initiative 'Nope'; the initiatives are: Best Start" in refused.output
    assert initiative_measures(engine, "Best Start") == []
    done = _run("measures", "import", measures, "--db", database_url, "--initiative", "Best Start")
    assert done.exit_code == 0, done.output
    assert "2 measures newly part of Best Start." in done.output
    assert initiative_measures(engine, "Best Start") == ["m1", "m2"]
    engine.dispose()


def test_only_an_administrator_imports_definitions_and_a_refusal_is_audited(
    database_url, tmp_path, monkeypatch
):
    from qi.store import read_places
    from qi.store.access import add_grant, add_person, read_audit

    monkeypatch.setenv("QI_AUTH", "local-accounts")
    engine = connect(database_url)
    setup = local_admin("Setup")
    for username, role in (("ada", "admin"), ("cole", "coach")):
        add_person(engine, setup, username=username, name=username.title())
        add_grant(engine, setup, f"local:{username}", role, everything=True)
    places = tmp_path / "p.csv"
    places.write_text("code,name,type\nP1,Place,locality\n")
    assert _run("places", "import", places, "--db", database_url).exit_code == 2  # who?
    refused = _run("places", "import", places, "--db", database_url, "--user", "cole")
    assert refused.exit_code == 1
    assert "Cole may not define measures, places, breakdowns and survey questions for" in (
        refused.output
    )
    assert read_places(engine).height == 0
    done = _run("places", "import", places, "--db", database_url, "--user", "ada")
    assert done.exit_code == 0, done.output
    audit = read_audit(engine, setup, action="places.define")
    assert audit.select("person", "subject", "outcome").rows() == [
        ("local:ada", "1 place(s): P1", "done")
    ]
    assert read_audit(engine, setup, person="local:cole")["outcome"].to_list() == ["refused"]
    engine.dispose()
