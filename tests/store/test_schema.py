"""The schema: alembic builds exactly the models, and SQLite runs with WAL and foreign keys."""

from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

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
    assert version == "0005"


def test_initiatives_are_read_with_their_places(engine):
    from datetime import date

    from qi.store import add_initiative, read_initiatives
    from tests.store.helpers import add_definitions

    add_definitions(engine)
    add_initiative(engine, "Best Start", ["RYY", "RXX"], start_date=date(2022, 10, 1))
    add_initiative(engine, "SEND", ["RZZ"])
    found = read_initiatives(engine)
    assert found.select("name", "start_date").rows() == [
        ("Best Start", date(2022, 10, 1)),
        ("SEND", None),
    ]
    assert found["places"].to_list() == [["RXX", "RYY"], ["RZZ"]]
