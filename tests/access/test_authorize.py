"""``authorize``: one decision over roles, scopes and expiry; deny by default."""

from datetime import datetime, timedelta

import pytest

from qi.access import EVERYTHING, Grant, Principal, Refused, Scope, authorize, readable_places
from qi.access.authorize import allowed, readable_initiatives
from qi.access.principal import local_admin
from qi.access.roles import ACTIONS, POLICY

NOW = datetime(2026, 12, 2, 9, 0)
LEEDS, YORK = Scope.place("E08000035"), Scope.place("E06000014")


def person(*grants: Grant) -> Principal:
    return Principal("local:someone", "Someone", grants)


def test_a_locality_uploads_for_its_own_place_and_not_for_another():
    locality = person(Grant("locality", LEEDS, frozenset({"E08000035"})))
    authorize(locality, "data.upload", LEEDS, NOW)
    with pytest.raises(Refused, match="Someone may not upload data for place E06000014"):
        authorize(locality, "data.upload", YORK, NOW)


def test_an_initiative_grant_covers_the_initiative_and_its_places_only():
    coach = person(Grant("coach", Scope.initiative("Best Start"), frozenset({"E08000035"})))
    authorize(coach, "annotation.write", LEEDS, NOW)
    authorize(coach, "annotation.write", Scope.initiative("Best Start"), NOW)
    assert not allowed(coach, "annotation.write", YORK, NOW)
    assert not allowed(coach, "annotation.write", Scope.initiative("Other"), NOW)
    assert not allowed(coach, "annotation.write", EVERYTHING, NOW)


def test_an_expired_grant_counts_for_nothing():
    grant = Grant("locality", EVERYTHING, expires_at=NOW - timedelta(minutes=1))
    assert not allowed(person(grant), "data.read", LEEDS, NOW)
    assert readable_places(person(grant), now=NOW) == frozenset()


def test_an_admin_does_not_annotate_upload_or_record_meetings():
    admin = person(Grant("admin", EVERYTHING))
    for action in ("annotation.write", "data.upload", "meeting.write", "story.write"):
        assert not allowed(admin, action, LEEDS, NOW), action
    authorize(admin, "people.manage", EVERYTHING, NOW)


def test_a_viewer_sees_published_outputs_only():
    viewer = person(Grant("viewer", EVERYTHING))
    allowed_actions = {a for a in ACTIONS if allowed(viewer, a, LEEDS, NOW)}
    assert allowed_actions == {"data.published"}


def test_nobody_without_a_grant_may_do_anything():
    assert not any(allowed(person(), action, EVERYTHING, NOW) for action in POLICY)


def test_readable_places_are_everywhere_or_the_granted_places():
    assert readable_places(local_admin(), now=NOW) is None
    two = person(
        Grant("locality", LEEDS, frozenset({"E08000035"})),
        Grant("steward", YORK, frozenset({"E06000014"})),
        Grant("viewer", EVERYTHING),
    )
    assert readable_places(two, now=NOW) == {"E08000035", "E06000014"}


def test_an_unknown_action_is_a_programming_error_not_a_refusal():
    with pytest.raises(ValueError, match="unknown action 'data.delete'"):
        authorize(local_admin(), "data.delete", LEEDS, NOW)


def test_readable_initiatives_are_those_allowed_decides_for_an_initiative():
    expired = NOW - timedelta(minutes=1)
    coach = person(
        Grant("coach", Scope.initiative("Best Start"), frozenset({"E08000035"})),
        Grant("coach", Scope.initiative("Gone"), frozenset({"E06000014"}), expires_at=expired),
        Grant("locality", Scope.initiative("Other"), frozenset({"E06000014"})),
        Grant("coach", YORK, frozenset({"E06000014"})),
    )
    assert readable_initiatives(coach, "story.read", now=NOW) == {"Best Start"}
    for name in ("Best Start", "Gone", "Other"):
        assert allowed(coach, "story.read", Scope.initiative(name), NOW) == (name == "Best Start")
    assert readable_initiatives(coach, "data.read", now=NOW) == {"Best Start", "Other"}
    assert readable_initiatives(local_admin(), "story.read", now=NOW) is None
