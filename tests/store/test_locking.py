"""Writers at once: every writer takes the write lock at its start (SQLite ``BEGIN IMMEDIATE``)
and waits its turn; a wait that runs out is ``StoreBusy`` ("busy, try again"), never "database
is locked"; uploads, annotations, stories and actions written at once all land; and eight
first runs on a new, empty database all create (or find) the schema and succeed."""

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, insert, select, text

from qi.access import local_admin
from qi.ingest import ingest_bytes
from qi.store import connect, read_series, upsert_places
from qi.store.annotations import add_annotation, read_annotations
from qi.store.engine import writing
from qi.store.errors import StoreBusy
from qi.store.meetings import add_action, add_meeting, read_actions, set_action_status
from qi.store.models import Initiative, Measure
from qi.store.stories import add_story, edit_story, read_stories
from tests.consent import consent
from tests.ingest.files import WARDS, add_definitions, csv_bytes

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2025, 6, 1)


def _hold_the_write_lock(url: str, seconds: float, holding: threading.Event) -> None:
    """Another change: a write transaction kept open for ``seconds``."""
    engine = connect(url)
    with writing(engine) as connection:
        connection.execute(
            insert(Initiative).values(
                name=f"held {uuid.uuid4().hex[:6]}", created_by="other", created_at=date(2024, 1, 1)
            )
        )
        if connection.dialect.name == "postgresql":
            connection.execute(select(Measure.id).with_for_update()).all()
        holding.set()
        time.sleep(seconds)
    engine.dispose()


def test_an_annotation_during_another_write_waits_its_turn_instead_of_failing(sqlite_url):
    engine = connect(sqlite_url)
    add_definitions(engine)
    holding = threading.Event()
    other = threading.Thread(target=_hold_the_write_lock, args=(sqlite_url, 1.5, holding))
    other.start()
    holding.wait()
    started = time.monotonic()
    add_annotation(
        engine,
        local_admin("coach"),
        measure="falls_admissions",
        period=date(2024, 1, 1),
        kind="context",
        text="New falls service",
    )
    other.join()
    assert time.monotonic() - started > 1.0  # it waited for the other change, then wrote
    assert read_annotations(engine, local_admin("tester"))["text"].to_list() == [
        "New falls service"
    ]


def test_a_writer_that_waits_too_long_gets_store_busy_and_writes_nothing(database_url):
    engine = connect(database_url)
    add_definitions(engine)
    holding = threading.Event()
    other = threading.Thread(target=_hold_the_write_lock, args=(database_url, 2.0, holding))
    other.start()
    holding.wait()
    rows = pl.DataFrame(
        {
            "measure_id": [1],
            "place_id": [1],
            "period": [date(2024, 1, 1)],
            "value": [1.0],
            "numerator": [None],
            "denominator": [None],
            "missing_reason": [None],
            "status": ["final"],
        },
        schema_overrides={
            "numerator": pl.Float64,
            "denominator": pl.Float64,
            "missing_reason": pl.String,
        },
    )
    from qi.store import UploadRecord, store_observations

    record = UploadRecord("f.csv", "hash", 1, {})
    with pytest.raises(StoreBusy, match="busy with another change"):
        store_observations(engine, local_admin("tester"), rows, record, wait_s=0.3)
    other.join()
    assert read_series(engine, local_admin("tester")).height == 0


PLACES = [f"P{i:04d}" for i in range(300)]
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def test_uploads_annotations_stories_and_actions_written_at_once_all_land(database_url):
    engine = connect(database_url)
    add_definitions(engine)
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {"code": PLACES, "name": PLACES, "type": "ward", "parent": None, "gss_code": None},
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    meeting = add_meeting(
        engine,
        local_admin("tester"),
        title="Stewardship group",
        held_on=date(2024, 6, 1),
        place=WARDS[0],
    )
    story_id = add_story(
        engine,
        local_admin("tester"),
        title="First",
        narrative="Told once.",
        told_on=date(2024, 4, 2),
        voice="professional",
        consent=consent("professional"),
        anonymised=True,
    )
    uploads = {
        f"u{k}.csv": csv_bytes(
            [["measure", "place", "period", "value"]]
            + [
                ["falls_admissions", p, m, str(i + k)]
                for p in PLACES[k * 100 : k * 100 + 150]
                for i, m in enumerate(MONTHS)
            ]
        )
        for k in range(2)
    }
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def each(write) -> None:
        own = connect(database_url)
        barrier.wait()
        try:
            write(own)
        except BaseException as error:  # noqa: BLE001 (collected and asserted below)
            errors.append(error)
        finally:
            own.dispose()

    def upload(name):
        return lambda e: ingest_bytes(e, local_admin(name), uploads[name], name, today=TODAY)

    def annotations(e):
        for m in range(1, 11):
            add_annotation(
                e,
                local_admin("coach"),
                measure="falls_admissions",
                period=date(2024, m, 1),
                kind="pdsa",
                text=f"Cycle {m}",
            )

    def stories(e):
        for n in range(5):
            add_story(
                e,
                local_admin("tester"),
                title=f"Story {n}",
                narrative="Told.",
                told_on=date(2024, 4, 2),
                voice="professional",
                consent=consent("professional"),
                anonymised=True,
            )
            edit_story(e, local_admin(f"editor {n}"), story_id, narrative=f"Edit {n}")

    def actions(e):
        for n in range(10):
            action = add_action(
                e,
                local_admin("tester"),
                meeting,
                text=f"Action {n}",
                owner="Sam",
                due_on=date(2024, 7, 1),
            )
            if n % 2:
                set_action_status(e, local_admin("Sam"), action, "done")

    threads = [
        threading.Thread(target=each, args=(w,))
        for w in (
            upload("u0.csv"),
            upload("u1.csv"),
            annotations,
            stories,
            actions,
            lambda e: ingest_bytes(
                e, local_admin("tester"), uploads["u0.csv"], "again.csv", today=TODAY
            ),
        )
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert read_series(engine, local_admin("tester")).height == 250 * len(MONTHS)
    assert read_annotations(engine, local_admin("tester")).height == 10
    assert read_stories(engine, local_admin("tester"), audience="internal").height == 6
    assert read_stories(engine, local_admin("tester"), audience="internal", ids=[story_id])[
        "narrative"
    ].to_list() == ["Edit 4"]
    actions_done = read_actions(engine, local_admin("tester"), meetings=meeting)
    assert actions_done.height == 10 and (actions_done["status"] == "done").sum() == 5


WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from qi.cli import main

    url, folder, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    (folder / f"m{n}.yaml").write_text(
        f"- {{code: m{n}, name: M{n}, kind: count, improvement: up, frequency: month}}\\n"
    )
    (folder / f"p{n}.csv").write_text(f"code,name,type\\nP{n},Place {n},ward\\n")
    (folder / f"d{n}.csv").write_text(f"measure,place,period,value\\nm{n},P{n},2024-01,{n}\\n")
    codes = []
    for args in (["measures", "import", str(folder / f"m{n}.yaml")],
                 ["places", "import", str(folder / f"p{n}.csv")],
                 ["ingest", str(folder / f"d{n}.csv")]):
        try:
            main.main([*args, "--db", url], standalone_mode=False)
            codes.append(0)
        except SystemExit as finished:
            codes.append(finished.code)
    print("codes", codes)
    """
)


def _first_runs(url: str, folder: Path, runs: int = 8) -> list[subprocess.CompletedProcess]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "QI_LOG": str(folder / "qi.log")}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(folder), str(n)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(runs)
    ]
    return [(p, *p.communicate(timeout=300)) for p in processes]


def _check_first_runs(url: str, folder: Path) -> None:
    for process, out, err in _first_runs(url, folder):
        assert process.returncode == 0, err
        assert "codes [0, 0, 0]" in out, out + err
        assert "locked" not in out + err and "Traceback" not in err
    engine = connect(url)
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalars().all() == ["0012"]
        assert connection.execute(select(func.count()).select_from(Measure)).scalar_one() == 8
    assert sorted(read_series(engine, local_admin("tester"))["value"].to_list()) == [
        float(n) for n in range(8)
    ]
    engine.dispose()


def test_eight_first_runs_on_a_new_sqlite_database_all_succeed(tmp_path):
    _check_first_runs(f"sqlite:///{tmp_path / 'new' / 'qi.sqlite'}", tmp_path)


def test_eight_first_runs_on_a_new_postgresql_database_all_succeed(postgres_server, tmp_path):
    name = f"qi_new_{uuid.uuid4().hex[:8]}"
    postgres_server.sql(f"CREATE DATABASE {name}")  # empty: no schema yet
    try:
        _check_first_runs(postgres_server.url(name), tmp_path)
    finally:
        postgres_server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_store_past_its_time_limit_is_rolled_back_whole(database_url):
    from qi.store import UploadRecord, read_places, read_uploads, store_observations
    from qi.store.errors import StoreTimedOut

    engine = connect(database_url)
    add_definitions(engine)
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {"code": PLACES, "name": PLACES, "type": "ward", "parent": None, "gss_code": None},
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    ids = dict(read_places(engine).select("code", "id").iter_rows())
    days = pl.date_range(date(1990, 1, 1), date(2024, 12, 1), "1mo", eager=True)
    rows = (
        pl.DataFrame({"place_id": [ids[p] for p in PLACES]})
        .join(pl.DataFrame({"period": days}), how="cross")
        .select(
            pl.lit(1).alias("measure_id"),
            "place_id",
            "period",
            pl.lit(3.0).alias("value"),
            pl.lit(None, pl.Float64).alias("numerator"),
            pl.lit(None, pl.Float64).alias("denominator"),
            pl.lit(None, pl.String).alias("missing_reason"),
            pl.lit("final").alias("status"),
        )
    )
    with pytest.raises(StoreTimedOut):
        store_observations(
            engine,
            local_admin("tester"),
            rows,
            UploadRecord("big.csv", "h", rows.height, {}),
            time_limit_s=0.001,
        )
    assert (
        read_series(engine, local_admin("tester")).height == 0
        and read_uploads(engine, local_admin("tester")).height == 0
    )
