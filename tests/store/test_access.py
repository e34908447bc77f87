"""People, grants, sign-in and the append-only audit, on SQLite and PostgreSQL."""

from datetime import timedelta

import polars as pl
import pytest
from sqlalchemy import text

from qi.access import Refused, Scope, local_admin
from qi.access.authorize import allowed
from qi.store import add_initiative, clock
from qi.store.access import (
    AccessError,
    SignInFailed,
    add_grant,
    add_person,
    disable_person,
    principal_for,
    read_audit,
    read_grants,
    read_people,
    revoke_grant,
    sign_in,
)
from qi.store.definitions import upsert_places
from tests.store.helpers import add_definitions

ADMIN = local_admin("Ada Admin")


def test_grants_build_the_principal_with_initiatives_resolved_to_their_places(engine):
    add_definitions(engine)
    add_initiative(engine, local_admin("tester"), "Best Start", ["RXX", "RYY"])
    person = add_person(engine, ADMIN, username="carol", name="Carol Coach")
    add_grant(engine, ADMIN, person, "coach", initiative="Best Start")
    soon = add_grant(
        engine, ADMIN, person, "locality", place="RZZ", expires_at=clock.now() + timedelta(days=1)
    )
    principal = principal_for(engine, person)
    assert principal.name == "Carol Coach"
    assert {(g.role, str(g.scope), g.places) for g in principal.grants} == {
        ("coach", "initiative Best Start", frozenset({"RXX", "RYY"})),
        ("locality", "place RZZ", frozenset({"RZZ"})),
    }
    revoke_grant(engine, ADMIN, soon)
    assert principal_for(engine, person).roles == {"coach"}
    grants = read_grants(engine, ADMIN, person)
    assert grants["revoked_by"].to_list() == [None, "Ada Admin"]
    with pytest.raises(AccessError, match="unknown place code 'NOPE'"):
        add_grant(engine, ADMIN, person, "coach", place="NOPE")


def test_a_grant_on_a_place_covers_every_place_within_it_and_nothing_above_or_beside(engine):
    hierarchy = [  # (code, type, parent): an ICB, two local authorities, wards and LSOAs
        ("ICB1", "icb", None),
        ("LA1", "local_authority", "ICB1"),
        ("W1", "ward", "LA1"),
        ("L1", "lsoa", "W1"),
        ("L2", "lsoa", "W1"),
        ("W2", "ward", "LA1"),
        ("LA2", "local_authority", "ICB1"),
        ("W3", "ward", "LA2"),
        ("L3", "lsoa", "W3"),
    ]
    upsert_places(
        engine,
        ADMIN,
        pl.DataFrame(
            [
                dict(code=c, name=f"Place {c}", type=t, parent=p, gss_code=None)
                for c, t, p in hierarchy
            ]
        ),
    )
    add_initiative(engine, ADMIN, "Ward work", ["W3"])
    person = add_person(engine, ADMIN, username="lena", name="Lena Locality")
    add_grant(engine, ADMIN, person, "locality", place="LA1")
    add_grant(engine, ADMIN, person, "coach", initiative="Ward work")
    principal = principal_for(engine, person)
    assert {(g.role, g.places) for g in principal.grants} == {
        ("locality", frozenset({"LA1", "W1", "L1", "L2", "W2"})),
        ("coach", frozenset({"W3", "L3"})),
    }
    uploads = {c for c, _, _ in hierarchy if allowed(principal, "data.upload", Scope.place(c))}
    assert uploads == {"LA1", "W1", "L1", "L2", "W2"}
    reads = {c for c, _, _ in hierarchy if allowed(principal, "data.read", Scope.place(c))}
    assert reads == uploads | {"W3", "L3"}


def test_only_an_admin_manages_people_and_the_refusal_is_audited(engine):
    person = add_person(engine, ADMIN, username="sam", name="Sam Steward")
    add_grant(engine, ADMIN, person, "steward", everything=True)
    steward = principal_for(engine, person)
    with pytest.raises(Refused, match="Sam Steward may not add and disable people"):
        add_person(engine, steward, username="eve", name="Eve")
    refused = read_audit(engine, ADMIN, outcome="refused")
    assert refused.select("person", "action", "subject").rows() == [
        ("local:sam", "people.manage", "person local:eve")
    ]
    assert read_people(engine, ADMIN)["person"].to_list() == ["local:sam"]


def test_a_disabled_person_has_no_principal(engine):
    person = add_person(engine, ADMIN, username="dan", name="Dan")
    disable_person(engine, ADMIN, person)
    with pytest.raises(SignInFailed, match="not an active person"):
        principal_for(engine, person)


def test_sign_in_locks_the_account_after_five_failures_in_a_row(engine):
    person = add_person(
        engine, ADMIN, username="lou", name="Lou Locality", password="a long password"
    )
    assert sign_in(engine, "lou", "a long password").person == person
    for _ in range(5):
        with pytest.raises(SignInFailed):
            sign_in(engine, "lou", "wrong password!")
    with pytest.raises(SignInFailed):  # locked: even the right password is refused
        sign_in(engine, "lou", "a long password")
    with pytest.raises(SignInFailed):
        sign_in(engine, "nobody", "a long password")
    events = read_audit(engine, ADMIN, action="sign-in").reverse()
    assert events.select("person", "outcome").rows()[:1] == [("local:lou", "done")]
    assert events["detail"].to_list()[1:] == [
        *["wrong password"] * 4,
        "wrong password; locked for 15 minutes",
        "locked",
        "unknown",
    ]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET outcome = 'done'", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_or_delete_the_audit(engine, statement):
    add_person(engine, ADMIN, username="amy", name="Amy")
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert read_audit(engine, ADMIN).height == 1
