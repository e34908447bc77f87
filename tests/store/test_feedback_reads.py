"""Reads about stories (selections, replies, inputs waiting for a reply), the participation level
and the upload log are filtered in the store by who asks (issue 12, defence in depth): another
place's rows are not returned even when asked for by place, and a read for the partnership or
the public leaves out a story whose consent does not reach that audience."""

from datetime import date

import pytest

from qi.access import local_admin
from qi.store import UploadRecord, add_initiative, record_rejected_upload, store_observations
from qi.store.access import add_grant, add_person, principal_for
from qi.store.feedback import (
    add_response,
    read_participation,
    read_responses,
    read_selections,
    record_participation,
    select_story,
    waiting_inputs,
)
from qi.store.observations import read_uploads
from tests.consent import story
from tests.store.helpers import add_definitions, observations

SETUP = local_admin("Setup")
TODAY = date.today()
OWN, OTHER = "RYY", "RXX"


def _story(engine, title: str, place: str, scope: str = "partnership") -> int:
    return story(engine, title, place, scope=scope, principal=SETUP)


def _closed_loop(engine, story: int) -> None:
    """A selection and a reply about ``story``."""
    select_story(
        engine,
        SETUP,
        story,
        "Young people's panel",
        "safe",
        date(2025, 1, 1),
        date(2025, 3, 31),
        "It shows what stability means",
    )
    add_response(engine, SETUP, story, "changed", "Key workers now stay for a year")


@pytest.fixture
def two_places(engine):
    """Stories at RXX and RYY (each with a selection and a reply, and one waiting), uploads of
    values at each place, and a locality and a coach of RYY."""
    add_definitions(engine)
    add_initiative(engine, SETUP, "Family hubs", [OTHER])
    for place in (OTHER, OWN):
        _closed_loop(engine, _story(engine, f"Answered at {place}", place))
        _story(engine, f"Waiting at {place}", place)
        store_observations(
            engine,
            SETUP,
            observations(engine, [("ae_attendances", place, "2024-01-01", 4.0)]),
            UploadRecord(file_name=f"{place}.csv", content_hash=place, rows_read=1, report={}),
        )
    record_participation(engine, SETUP, date(2025, 1, 1), "listened_to", "Survey")
    record_participation(
        engine, SETUP, date(2025, 1, 1), "shares_power", "Panel", initiative="Family hubs"
    )
    people = {}
    for role in ("locality", "coach"):
        person = add_person(engine, SETUP, username=f"{role}-ryy", name=f"{role.title()} of RYY")
        add_grant(engine, SETUP, person, role, place=OWN)
        people[role] = principal_for(engine, person)
    return engine, people


def test_a_coach_of_another_place_reads_only_its_own_places_stories_replies_and_waits(two_places):
    engine, people = two_places
    coach = people["coach"]
    for audience in ("internal", "partnership"):
        selections = read_selections(engine, coach, audience=audience)
        assert selections.select("title", "place").rows() == [(f"Answered at {OWN}", OWN)]
        replies = read_responses(engine, coach, audience=audience)
        assert replies.select("title", "place").rows() == [(f"Answered at {OWN}", OWN)]
        waiting = waiting_inputs(engine, coach, TODAY, audience=audience)
        assert waiting.select("title", "place").rows() == [(f"Waiting at {OWN}", OWN)]
        # Asking for the other place by name returns nothing either.
        assert read_responses(engine, coach, place=OTHER, audience=audience).height == 0
        assert waiting_inputs(engine, coach, TODAY, place=OTHER, audience=audience).height == 0
    # The administrator reads both places.
    assert read_responses(engine, SETUP, audience="internal")["place"].sort().to_list() == [
        OTHER,
        OWN,
    ]
    assert waiting_inputs(engine, SETUP, TODAY, audience="internal").height == 2
    # A place or initiative the store does not know: nothing (and no text reaches the SQL).
    assert read_responses(engine, SETUP, place="R'X", audience="internal").height == 0
    assert waiting_inputs(engine, SETUP, TODAY, initiative="Hubs'", audience="internal").height == 0
    # The partnership's level, yes; the level of an initiative without RYY, no.
    levels = read_participation(engine, coach)
    assert levels.select("initiative", "level").rows() == [(None, "listened_to")]
    assert read_participation(engine, coach, "Family hubs").height == 0
    assert read_participation(engine, SETUP, "Family hubs")["level"].to_list() == ["shares_power"]


def test_a_locality_reads_no_stories_so_no_selections_replies_waits_or_levels(two_places):
    engine, people = two_places
    locality = people["locality"]
    assert read_selections(engine, locality, audience="internal").height == 0
    assert read_responses(engine, locality, place=OWN, audience="internal").height == 0
    assert waiting_inputs(engine, locality, TODAY, audience="internal").height == 0
    assert read_participation(engine, locality).height == 0


def _reject_mine(engine, principal) -> None:
    """A rejected upload, mine.csv, by ``principal`` (no values stored)."""
    record_rejected_upload(
        engine,
        principal,
        UploadRecord(file_name="mine.csv", content_hash="m", rows_read=0, report={}),
    )


def test_the_upload_log_shows_uploads_at_readable_places_and_ones_own(two_places):
    engine, people = two_places
    locality, coach = people["locality"], people["coach"]
    _reject_mine(engine, locality)
    record_rejected_upload(
        engine,
        SETUP,
        UploadRecord(file_name="admins.csv", content_hash="a", rows_read=0, report={}),
    )
    assert read_uploads(engine, locality)["file_name"].to_list() == [f"{OWN}.csv", "mine.csv"]
    assert read_uploads(engine, coach)["file_name"].to_list() == [f"{OWN}.csv"]
    assert read_uploads(engine, SETUP)["file_name"].to_list() == [
        f"{OTHER}.csv",
        f"{OWN}.csv",
        "mine.csv",
        "admins.csv",
    ]


def test_ones_own_uploads_are_known_by_who_sent_them_not_by_their_name(two_places):
    engine, people = two_places
    locality = people["locality"]
    _reject_mine(engine, locality)
    # Someone else of the same name, at the other place: not their upload.
    namesake = add_person(engine, SETUP, username="namesake", name=locality.name)
    add_grant(engine, SETUP, namesake, "locality", place=OTHER)
    assert read_uploads(engine, principal_for(engine, namesake))["file_name"].to_list() == [
        f"{OTHER}.csv"
    ]
    assert "mine.csv" in read_uploads(engine, locality)["file_name"].to_list()


def test_the_migration_finds_who_sent_each_earlier_upload_in_the_audit(two_places):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from qi.store.engine import MIGRATIONS, upgrade

    engine, people = two_places
    locality = people["locality"]
    _reject_mine(engine, locality)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")  # before uploads kept the person
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT file_name, person FROM uploads ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        (f"{OTHER}.csv", SETUP.person),
        (f"{OWN}.csv", SETUP.person),
        ("mine.csv", locality.person),
    ]
    assert "mine.csv" in read_uploads(engine, locality)["file_name"].to_list()


def test_an_upload_whose_values_were_all_revised_still_shows_where_they_were(engine):
    add_definitions(engine)
    for n in (1, 2):
        store_observations(
            engine,
            SETUP,
            observations(engine, [("ae_attendances", OTHER, "2024-01-01", float(n))]),
            UploadRecord(file_name=f"v{n}.csv", content_hash=f"v{n}", rows_read=1, report={}),
        )
    person = add_person(engine, SETUP, username="loc-rxx", name="Locality of RXX")
    add_grant(engine, SETUP, person, "locality", place=OTHER)
    elsewhere = add_person(engine, SETUP, username="loc-ryy", name="Locality of RYY")
    add_grant(engine, SETUP, elsewhere, "locality", place=OWN)
    assert read_uploads(engine, principal_for(engine, person))["file_name"].to_list() == [
        "v1.csv",
        "v2.csv",
    ]
    assert read_uploads(engine, principal_for(engine, elsewhere)).height == 0


def test_a_read_for_the_partnership_leaves_out_a_story_whose_consent_is_internal(engine):
    add_definitions(engine)
    _closed_loop(engine, _story(engine, "Internal only", OWN, scope="internal"))
    _story(engine, "Internal, waiting", OWN, scope="internal")
    for audience, expected in (("internal", 1), ("partnership", 0), ("public", 0)):
        assert read_selections(engine, SETUP, audience=audience).height == expected
        assert read_responses(engine, SETUP, audience=audience).height == expected
        assert waiting_inputs(engine, SETUP, TODAY, audience=audience).height == expected
