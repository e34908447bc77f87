"""What "You said, we did" tells children and families (the public audience) and who may ask:
only replies about, and waiting inputs of, stories whose consent is public, among the stories the
person asking may read."""

from datetime import date

from qi.access import local_admin
from qi.services.feedback import waiting_summary, you_said_we_did
from qi.store.access import add_grant, add_person, principal_for
from qi.store.feedback import add_response
from tests.consent import story
from tests.store.helpers import add_definitions

SETUP = local_admin("Setup")
TODAY = date.today()


def _story(engine, title: str, scope: str, place: str = "RYY") -> int:
    return story(engine, title, place, voice="parent_or_carer", scope=scope, principal=SETUP)


def test_the_public_digest_leaves_out_stories_whose_consent_is_not_public(engine):
    add_definitions(engine)
    for scope in ("public", "partnership"):
        add_response(engine, SETUP, _story(engine, f"Said, {scope}", scope), "changed", "Done")
        _story(engine, f"Waiting, {scope}", scope)
    digest = you_said_we_did(engine, SETUP, TODAY, place="RYY")
    assert digest.replies["title"].to_list() == ["Said, public"]
    assert digest.waiting == 1  # the partnership-only story waiting is not counted for the public
    internal = waiting_summary(engine, SETUP, TODAY, place="RYY", audience="internal")
    assert sorted(internal.inputs["title"]) == ["Waiting, partnership", "Waiting, public"]


def test_a_coach_of_another_place_gets_nothing_of_this_places_digest(engine):
    add_definitions(engine)
    add_response(engine, SETUP, _story(engine, "Said", "public"), "changed", "Done")
    _story(engine, "Waiting", "public")
    person = add_person(engine, SETUP, username="far-coach", name="Far coach")
    add_grant(engine, SETUP, person, "coach", place="RXX")
    far = principal_for(engine, person)
    digest = you_said_we_did(engine, far, TODAY, place="RYY")
    assert (digest.replies.height, digest.waiting) == (0, 0)
    assert waiting_summary(engine, far, TODAY, place="RYY", audience="partnership").count == 0
    assert you_said_we_did(engine, SETUP, TODAY, place="RYY").waiting == 1
