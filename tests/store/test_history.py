"""History: measures, places, stories, actions and annotations keep a version per change (who,
when, what it became); a measure's kind, frequency or unit does not change under its data unless
forced; re-importing a definition never overwrites it silently."""

import json
from datetime import date, datetime

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from qi.access import local_admin
from qi.cli import main
from qi.ingest import ingest_bytes
from qi.ingest.definitions import import_definitions
from qi.store import connect, read_measures, read_series, upgrade, upsert_measures
from qi.store.annotations import add_annotation, undo_annotation
from qi.store.errors import DefinitionChangeRefused
from qi.store.history import (
    action_history,
    annotation_history,
    measure_history,
    place_history,
    story_history,
)
from qi.store.meetings import add_action, add_meeting, set_action_status
from qi.store.stories import add_story, edit_story
from tests.consent import consent
from tests.ingest.files import WARDS, add_definitions, csv_bytes

TODAY = date(2025, 6, 1)
MONTHLY_COUNT = "- {code: falls_admissions, name: Falls, kind: count, unit: admissions, improvement: down, frequency: month}\n"
QUARTERLY_CONTINUOUS = "- {code: falls_admissions, name: Falls, kind: continuous, unit: admissions, improvement: down, frequency: quarter}\n"


def _with_data(engine) -> None:
    add_definitions(engine)
    rows = [["falls_admissions", WARDS[0], f"2024-{m:02d}", str(m)] for m in range(1, 7)]
    report = ingest_bytes(
        engine,
        local_admin("tester"),
        csv_bytes([["measure", "place", "period", "value"], *rows]),
        "f.csv",
        today=TODAY,
    )
    assert report.outcome == "stored"


def test_a_monthly_count_with_data_does_not_silently_become_a_quarterly_continuous_measure(
    engine, tmp_path
):
    _with_data(engine)
    path = tmp_path / "measures.yaml"
    path.write_text(QUARTERLY_CONTINUOUS)
    report = import_definitions(engine, local_admin("alice"), path, "measures")
    assert report.outcome == "rejected"
    errors = {e["column"]: e for e in report.errors.iter_rows(named=True)}
    assert set(errors) == {"kind", "frequency"}
    assert "while 6 observations are stored (2024-01-01 to 2024-06-01)" in errors["kind"]["problem"]
    assert "charted and checked as a continuous" in errors["kind"]["problem"]
    assert "gaps or repeats" in errors["frequency"]["problem"]
    assert "--force" in errors["kind"]["fix"]
    measure = read_measures(engine).filter(pl.col("code") == "falls_admissions").row(0, named=True)
    assert (measure["kind"], measure["frequency"]) == ("count", "month")

    forced = import_definitions(engine, local_admin("alice"), path, "measures", force=True)
    assert forced.outcome == "stored", forced.render()
    history = measure_history(engine, "falls_admissions")
    assert history.select("version", "kind", "frequency", "change", "changed_by").rows() == [
        (1, "count", "month", "created", "tester"),
        (2, "continuous", "quarter", "forced", "alice"),
    ]
    assert (
        read_series(engine, local_admin("tester"), "falls_admissions").height == 6
    )  # the data are as they were


def test_the_library_refuses_the_same_change_unless_forced(engine):
    _with_data(engine)
    changed = read_measures(engine).filter(pl.col("code") == "falls_admissions").drop("id")
    changed = changed.with_columns(pl.lit("admissions per week").alias("unit"))
    with pytest.raises(DefinitionChangeRefused, match="unit would change"):
        upsert_measures(engine, local_admin("bob"), changed)
    assert upsert_measures(engine, local_admin("bob"), changed, force=True) == 1


def test_measures_import_force_on_the_command_line(database_url, tmp_path):
    engine = connect(database_url)
    _with_data(engine)
    path = tmp_path / "m.yaml"
    path.write_text(QUARTERLY_CONTINUOUS)
    refused = CliRunner().invoke(main, ["measures", "import", str(path), "--db", database_url])
    assert refused.exit_code == 1 and "import again with --force" in refused.output
    forced = CliRunner().invoke(
        main, ["measures", "import", str(path), "--db", database_url, "--force"]
    )
    assert forced.exit_code == 0, forced.output
    assert "--force" in CliRunner().invoke(main, ["measures", "import", "--help"]).output


def test_re_importing_says_what_changes_and_an_unchanged_definition_writes_nothing(
    engine, tmp_path
):
    path = tmp_path / "m.yaml"
    path.write_text(MONTHLY_COUNT)
    assert import_definitions(engine, local_admin("tester"), path, "measures").added == 1
    again = import_definitions(engine, local_admin("tester"), path, "measures")
    assert (again.outcome, again.added, again.warnings.height) == ("stored", 0, 0)
    path.write_text(MONTHLY_COUNT.replace("name: Falls", "name: Falls 65 and over"))
    renamed = import_definitions(engine, local_admin("carol"), path, "measures")
    (warning,) = renamed.warnings.iter_rows(named=True)
    assert (warning["column"], warning["value"]) == ("name", "Falls 65 and over")
    assert warning["problem"] == "changes name of falls_admissions (was Falls)"
    assert measure_history(engine, "falls_admissions")["name"].to_list() == [
        "Falls",
        "Falls 65 and over",
    ]
    # No data yet: the kind may change, with a warning and a version.
    path.write_text(QUARTERLY_CONTINUOUS)
    assert import_definitions(engine, local_admin("tester"), path, "measures").outcome == "stored"
    assert measure_history(engine, "falls_admissions")["change"].to_list() == [
        "created",
        "updated",
        "updated",
    ]


def test_a_changed_place_keeps_its_old_version(engine, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("code,name,type\nLA1,Leeds,local_authority\nW1,Ward one,ward\n")
    import_definitions(engine, local_admin("dan"), path, "places")
    path.write_text("code,name,type,parent\nLA1,Leeds,local_authority,\nW1,Headingley,ward,LA1\n")
    report = import_definitions(engine, local_admin("erin"), path, "places")
    assert report.added == 1
    assert {w["column"] for w in report.warnings.iter_rows(named=True)} == {"name", "parent"}
    history = place_history(engine, "W1")
    assert history.select("version", "name", "change", "changed_by").rows() == [
        (1, "Ward one", "created", "dan"),
        (2, "Headingley", "updated", "erin"),
    ]
    assert history["parent_id"][1] is not None


def test_every_edit_of_a_story_is_kept(engine):
    add_definitions(engine)
    story_id = add_story(
        engine,
        local_admin("worker"),
        title="Spacers",
        narrative="First telling.",
        told_on=date(2024, 4, 2),
        voice="parent_or_carer",
        consent=consent("parent_or_carer"),
        anonymised=True,
        domains=["healthy"],
        links=["falls_admissions"],
    )
    edit_story(engine, local_admin("editor"), story_id, narrative="Second telling.")
    edit_story(engine, local_admin("editor"), story_id, domains=["healthy", "safe"])
    history = story_history(engine, story_id)
    assert history.select("version", "narrative", "domains", "change", "changed_by").rows() == [
        (1, "First telling.", "healthy", "created", "worker"),
        (2, "Second telling.", "healthy", "updated", "editor"),
        (3, "Second telling.", "healthy,safe", "updated", "editor"),
    ]
    (link,) = json.loads(history["links"][0])
    assert (link["measure"], link["period_start"]) == ("falls_admissions", "2024-04-02")


def test_every_change_of_an_action_and_an_annotation_is_kept(engine):
    add_definitions(engine)
    meeting = add_meeting(
        engine, local_admin("tester"), title="Group", held_on=date(2024, 6, 1), place=WARDS[0]
    )
    action = add_action(
        engine,
        local_admin("chair"),
        meeting,
        text="Call the school",
        owner="Sam",
        due_on=date(2024, 7, 1),
    )
    set_action_status(engine, local_admin("Sam"), action, "done")
    set_action_status(engine, local_admin("chair"), action, "open")
    assert action_history(engine, local_admin("tester"), action).select(
        "status", "change", "changed_by"
    ).rows() == [
        ("open", "created", "chair"),
        ("done", "updated", "Sam"),
        ("open", "updated", "chair"),
    ]
    note = add_annotation(
        engine,
        local_admin("coach"),
        measure="falls_admissions",
        period=date(2024, 1, 1),
        kind="context",
        text="New service",
    )
    undo_annotation(engine, local_admin("lead"), note)
    assert annotation_history(engine, local_admin("tester"), note).select(
        "change", "changed_by", "text"
    ).rows() == [
        ("created", "coach", "New service"),
        ("undone", "lead", "New service"),
    ]


def test_a_measures_own_maximum_is_its_ceiling(engine):
    add_definitions(engine)
    measure = read_measures(engine).filter(pl.col("code") == "falls_admissions").drop("id")
    upsert_measures(
        engine, local_admin("tester"), measure.with_columns(pl.lit(100.0).alias("maximum"))
    )
    rows = [
        ["falls_admissions", WARDS[0], "2024-01", "90"],
        ["falls_admissions", WARDS[0], "2024-02", "150"],
    ]
    report = ingest_bytes(
        engine,
        local_admin("tester"),
        csv_bytes([["measure", "place", "period", "value"], *rows]),
        "f.csv",
        today=TODAY,
    )
    (error,) = report.errors.iter_rows(named=True)
    assert (error["row"], error["value"]) == (3, "150")
    assert error["problem"] == "is above 100, the most a value of falls_admissions can be"


def test_rows_stored_before_history_are_its_first_versions(sqlite_url, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = connect(url)
    upgrade(engine, "0002")
    at, later = datetime(2024, 1, 1), datetime(2024, 2, 1)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO measures (id, code, name, kind, multiplier, improvement, frequency, created_by, created_at, updated_by, updated_at) "
                "VALUES (1, 'm', 'M', 'count', 1, 'up', 'month', 'a', :at, 'b', :later)"
            ),
            {"at": at, "later": later},
        )
        c.execute(
            text(
                "INSERT INTO places (id, code, name, type, created_by, created_at, updated_by, updated_at) "
                "VALUES (1, 'P', 'Place', 'ward', 'a', :at, 'a', :at)"
            ),
            {"at": at},
        )
        c.execute(
            text(
                "INSERT INTO annotations (id, measure_id, period, kind, text, new_phase, exclude, actor, created_at, undone_by, undone_at) "
                "VALUES (1, 1, '2024-01-01', 'context', 'Note', 0, 0, 'a', :at, 'c', :later)"
            ),
            {"at": at, "later": later},
        )
        c.execute(
            text(
                "INSERT INTO stories (id, title, narrative, told_on, voice, consent_recorded, anonymised, actor, created_at, updated_by, updated_at) "
                "VALUES (1, 'T', 'N', '2024-01-02', 'professional', 1, 1, 'a', :at, 'a', :at)"
            ),
            {"at": at},
        )
        c.execute(text("INSERT INTO story_domains (story_id, domain) VALUES (1, 'safe')"))
        c.execute(
            text(
                "INSERT INTO story_links (story_id, measure_id, place_id, period_start, period_end) VALUES (1, 1, 1, '2024-01-02', '2024-01-02')"
            )
        )
        c.execute(
            text(
                "INSERT INTO meetings (id, title, held_on, actor, created_at, place_id) VALUES (1, 'G', '2024-01-05', 'a', :at, 1)"
            ),
            {"at": at},
        )
        c.execute(
            text(
                "INSERT INTO actions (id, meeting_id, kind, text, owner, due_on, status, created_by, created_at, updated_by, updated_at) "
                "VALUES (1, 1, 'action', 'Do', 'Sam', '2024-02-01', 'done', 'a', :at, 'Sam', :later)"
            ),
            {"at": at, "later": later},
        )
    upgrade(engine)
    assert measure_history(engine).select("version", "change", "changed_by").rows() == [
        (1, "updated", "b")
    ]
    assert place_history(engine).select("change", "changed_by").rows() == [("created", "a")]
    assert annotation_history(engine, local_admin("tester")).select(
        "version", "change", "changed_by"
    ).rows() == [
        (1, "created", "a"),
        (2, "undone", "c"),
    ]
    story = story_history(engine).row(0, named=True)
    assert (story["domains"], json.loads(story["links"])[0]["measure"]) == ("safe", "m")
    assert action_history(engine, local_admin("tester")).select("status", "change").rows() == [
        ("done", "updated")
    ]
