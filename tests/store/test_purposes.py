"""Editing a measure's purpose, statutory source and outcome domains: administrators only
(``definitions.write`` over everything), each change versioned (who, when, what) and audited
with the before and after; the measure import versions its changes the same way."""

from datetime import datetime

import pytest

from qi.access import Refused, local_admin
from qi.store import clock
from qi.store.access import add_grant, add_person, principal_for, read_audit
from qi.store.outcomes import PurposeError, edit_purposes, purpose_history, read_purposes
from tests.store.helpers import add_definitions

SETUP = local_admin("Setup")
MEASURE = "ae_attendances"


def _person(engine, username: str, role: str, **where):
    person = add_person(engine, SETUP, username=username, name=username.title())
    add_grant(engine, SETUP, person, role, **where)
    return principal_for(engine, person)


def test_an_admin_edits_a_purpose_and_each_change_is_a_version_and_an_audit_row(
    engine, monkeypatch
):
    add_definitions(engine)
    admin = _person(engine, "ada", "admin", everything=True)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 1, 9, 0))
    assert edit_purposes(engine, admin, MEASURE, "outcome", domains=["safe", "healthy"])
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 4, 1, 9, 0))
    assert edit_purposes(engine, admin, MEASURE, "performance", "Children Act 1989 s.17", ["safe"])
    # The same again changes nothing and records nothing.
    assert not edit_purposes(
        engine, admin, MEASURE, "performance", "Children Act 1989 s.17", ["safe"]
    )
    assert read_purposes(engine).filter(read_purposes(engine)["measure"] == MEASURE).row(0) == (
        MEASURE,
        "performance",
        "Children Act 1989 s.17",
        ["safe"],
    )
    history = purpose_history(engine, MEASURE)
    assert history.select(
        "version", "purpose", "statutory_source", "domains", "changed_by"
    ).rows() == [
        (1, "outcome", None, ["healthy", "safe"], "Ada"),
        (2, "performance", "Children Act 1989 s.17", ["safe"], "Ada"),
    ]
    assert history["changed_at"].to_list() == [datetime(2026, 3, 1, 9), datetime(2026, 4, 1, 9)]
    audit = read_audit(engine, SETUP, action="definitions.purpose")
    assert audit.height == 2
    latest = audit.row(0, named=True)
    assert latest["person_name"] == "Ada" and latest["subject"] == f"measure {MEASURE}"
    assert latest["detail"] == (
        "was: outcome; domains healthy, safe. "
        "Now: performance; statutory source Children Act 1989 s.17; domains safe."
    )


def test_clearing_a_purpose_is_a_version_too(engine):
    add_definitions(engine)
    edit_purposes(engine, SETUP, MEASURE, "need", domains=["happy"])
    assert edit_purposes(engine, SETUP, MEASURE, None)
    assert purpose_history(engine, MEASURE).select("version", "purpose", "domains").rows() == [
        (1, "need", ["happy"]),
        (2, None, []),
    ]
    assert purpose_history(engine, "unknown_measure").height == 0


@pytest.mark.parametrize(
    ("role", "where"),
    [
        ("coach", {"everything": True}),
        ("steward", {"everything": True}),
        ("locality", {"place": "RXX"}),
        ("viewer", {"everything": True}),
        ("admin", {"place": "RXX"}),  # definitions are for everything, not one place
    ],
)
def test_others_are_refused_audited_and_nothing_changes(engine, role, where):
    add_definitions(engine)
    edit_purposes(engine, SETUP, MEASURE, "need")
    someone = _person(engine, f"{role}-one", role, **where)
    with pytest.raises(Refused, match="define measures, places, breakdowns and survey questions"):
        edit_purposes(engine, someone, MEASURE, "outcome", domains=["safe"])
    assert purpose_history(engine, MEASURE).height == 1
    refused = read_audit(engine, SETUP, outcome="refused")
    assert refused.row(0, named=True)["action"] == "definitions.write"


def test_bad_purposes_are_refused_with_what_to_do(engine):
    add_definitions(engine)
    with pytest.raises(PurposeError, match="unknown purpose 'target'; choose one of: need"):
        edit_purposes(engine, SETUP, MEASURE, "target")
    with pytest.raises(PurposeError, match="unknown outcome domain 'wealthy'"):
        edit_purposes(engine, SETUP, MEASURE, "outcome", domains=["wealthy"])
    with pytest.raises(PurposeError, match="statutory source belongs to a performance measure"):
        edit_purposes(engine, SETUP, MEASURE, "outcome", "Children Act 1989")
    with pytest.raises(PurposeError, match="unknown measure 'nope'"):
        edit_purposes(engine, SETUP, "nope", "outcome")
    assert purpose_history(engine, MEASURE).height == 0


def test_the_migration_keeps_the_purposes_already_set_as_their_first_version(database_url):
    from alembic import command
    from alembic.config import Config

    from qi.store.engine import MIGRATIONS, connect, upgrade

    engine = connect(database_url)
    upgrade(engine)
    add_definitions(engine)
    edit_purposes(engine, SETUP, MEASURE, "outcome", domains=["safe", "happy"])
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")  # the revision before purposes' versions
    assert read_purposes(engine).filter(read_purposes(engine)["measure"] == MEASURE).row(0)[1:] == (
        "outcome",
        None,
        ["happy", "safe"],
    )
    upgrade(engine)
    history = purpose_history(engine, MEASURE)
    assert history.select("version", "purpose", "domains", "changed_by").rows() == [
        (1, "outcome", ["happy", "safe"], "qi (migration 0011)")
    ]
    engine.dispose()
