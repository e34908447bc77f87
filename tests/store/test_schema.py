"""The schema: alembic builds exactly the models, and SQLite runs with WAL and foreign keys."""

from datetime import date, datetime

import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from qi.access import local_admin
from qi.store import connect, database_shown, database_url, open_store
from qi.store.models import Base, Revision


def test_the_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_url):
    engine = connect(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_revision_of_an_observation_that_is_not_stored_is_refused_by_the_database(engine):
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            insert(Revision).values(
                measure_id=999,
                place_id=999,
                period=date(2024, 1, 1),
                old_status="final",
                new_status="final",
                old_upload_id=1,
                upload_id=1,
                actor="x",
                revised_at=datetime(2024, 1, 1),
            )
        )


def test_the_default_database_is_a_sqlite_file_under_data(monkeypatch, tmp_path):
    monkeypatch.delenv("QI_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'qi.sqlite'}"
    engine = open_store()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM measures")).scalar() == 0
    assert (tmp_path / "data" / "qi.sqlite").exists()


def test_qi_database_url_chooses_postgresql_with_psycopg(monkeypatch):
    monkeypatch.setenv("QI_DATABASE_URL", "postgresql://someone@db.example/qi")
    assert database_url() == "postgresql+psycopg://someone@db.example/qi"


def test_a_database_is_shown_to_people_as_its_file_or_its_url_without_the_password(tmp_path):
    assert database_shown(f"sqlite:///{tmp_path / 'qi.sqlite'}") == str(tmp_path / "qi.sqlite")
    assert database_shown("sqlite://") == "an in-memory SQLite database"
    shown = database_shown("postgresql://someone:secret@db.example/qi")
    assert shown == "postgresql+psycopg://someone:***@db.example/qi"


def test_upgrading_an_up_to_date_schema_changes_nothing(database_url):
    open_store(database_url).dispose()
    engine = open_store(database_url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0012"


def test_initiatives_are_read_with_their_places(engine):
    from datetime import date

    from qi.store import add_initiative, read_initiatives
    from tests.store.helpers import add_definitions

    add_definitions(engine)
    add_initiative(
        engine, local_admin("tester"), "Best Start", ["RYY", "RXX"], start_date=date(2022, 10, 1)
    )
    add_initiative(engine, local_admin("tester"), "SEND", ["RZZ"])
    found = read_initiatives(engine)
    assert found.select("name", "start_date").rows() == [
        ("Best Start", date(2022, 10, 1)),
        ("SEND", None),
    ]
    assert found["places"].to_list() == [["RXX", "RYY"], ["RZZ"]]


def test_an_initiative_owns_the_measures_it_is_given_and_links_more_by_code(engine):
    from qi.store import add_initiative, initiative_measures, link_measures, read_initiatives
    from qi.store.access import read_audit
    from tests.store.helpers import add_definitions

    admin = local_admin("tester")
    add_definitions(engine, measures=("waits", "asthma", "referrals"))
    add_initiative(engine, admin, "Best Start", ["RXX"], measures=["waits", "asthma"])
    add_initiative(engine, admin, "SEND", ["RZZ"])
    assert read_initiatives(engine)["measures"].to_list() == [["asthma", "waits"], []]
    assert link_measures(engine, admin, "SEND", ["referrals", "waits"]) == 2
    assert link_measures(engine, admin, "SEND", ["waits"]) == 0  # already its measure
    assert initiative_measures(engine, "SEND") == ["referrals", "waits"]
    add_initiative(engine, admin, "Best Start", ["RXX"])  # places again: its measures stay
    assert initiative_measures(engine, "Best Start") == ["asthma", "waits"]
    add_initiative(engine, admin, "Best Start", ["RXX"], measures=["referrals"])  # replaced
    assert initiative_measures(engine, "Best Start") == ["referrals"]
    with pytest.raises(LookupError, match="unknown measure code.*nope; import the measures"):
        link_measures(engine, admin, "SEND", ["waits", "nope"])
    assert initiative_measures(engine, "SEND") == ["referrals", "waits"]  # nothing written
    with pytest.raises(LookupError, match="unknown initiative 'Nope'; the initiatives are: Best"):
        link_measures(engine, admin, "Nope", ["waits"])
    # Each write is audited; the same initiative given again is not a write.
    audit = read_audit(engine, admin).sort("id").filter(pl.col("action").str.starts_with("init"))
    assert audit.select("action", "subject").rows() == [
        ("initiative.define", "initiative 1: Best Start"),
        ("initiative.define", "initiative 2: SEND"),
        ("initiative.link", "initiative 2: SEND"),
        ("initiative.define", "initiative 1: Best Start"),
    ]


def test_upgrading_to_0004_gives_each_initiative_the_measures_with_data_at_its_places(tmp_path):
    from qi.store import initiative_measures, upgrade
    from qi.store.engine import connect

    engine = connect(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(engine, "0003")
    # Definitions, data and an initiative as a 0003 database held them (today's writers need
    # today's schema: the audit came in 0005).
    stamp = "'tester', '2024-01-01 00:00:00', 'tester', '2024-01-01 00:00:00'"
    with engine.begin() as connection:
        for code in ("waits", "asthma"):
            connection.execute(
                text(
                    "INSERT INTO measures (code, name, kind, multiplier, improvement, frequency, "
                    f"created_by, created_at, updated_by, updated_at) VALUES (:code, :code, "
                    f"'count', 1.0, 'down', 'month', {stamp})"
                ),
                {"code": code},
            )
        for code in ("RXX", "RYY"):
            connection.execute(
                text(
                    "INSERT INTO places (code, name, type, created_by, created_at, updated_by, "
                    f"updated_at) VALUES (:code, :code, 'trust', {stamp})"
                ),
                {"code": code},
            )
        connection.execute(
            text(
                "INSERT INTO initiatives (name, created_by, created_at) "
                "VALUES ('Old', 'tester', '2024-01-01 00:00:00')"
            )
        )
        connection.execute(
            text("INSERT INTO initiative_places SELECT 1, id FROM places WHERE code = 'RXX'")
        )
        connection.execute(
            text(
                "INSERT INTO uploads (id, file_name, content_hash, actor, uploaded_at, rows_read, "
                "outcome, observations_added, observations_revised, report) "
                "VALUES (1, 'old.csv', 'old', 'tester', '2024-02-01 00:00:00', 2, 'stored', 2, 0, "
                "'{}')"
            )
        )
        for measure, place in (("waits", "RXX"), ("asthma", "RYY")):
            connection.execute(
                text(
                    "INSERT INTO observations (measure_id, place_id, period, value, status, "
                    "upload_id) SELECT m.id, p.id, '2024-01-01', 3.0, 'final', 1 "
                    "FROM measures m, places p WHERE m.code = :measure AND p.code = :place"
                ),
                {"measure": measure, "place": place},
            )
    upgrade(engine)
    assert initiative_measures(engine, "Old") == ["waits"]  # asthma has data elsewhere only
    engine.dispose()
