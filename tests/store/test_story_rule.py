"""Who may read which story, on both backends: the store's answer (``readable_story_ids``,
``read_stories``, ``story_markers``, decided in SQL) checked against the rule written out
plainly here, for a varied set of stories (every kind of location, consent scope and review
day, consent changed since, no consent record, withdrawn, flagged) and every principal x
audience."""

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import delete

from qi.access import POLICY, Grant, Principal, Scope, local_admin
from qi.store import add_initiative
from qi.store.models import StoryConsent
from qi.store.stories import (
    add_story,
    change_consent,
    flag_safeguarding,
    read_stories,
    readable_story_ids,
    story_markers,
    withdraw_story,
)
from qi.vocabulary.consent import AUDIENCES, Consent
from tests.store.helpers import add_definitions

ADMIN = local_admin("tester")
TODAY = datetime.now(UTC).date()  # the store's day (UTC)
EXPIRED = datetime(2020, 1, 1)
RANK = {"internal": 0, "partnership": 1, "public": 2}
# Where a story is: (place, initiative). Healthy Start is at RXX and RYY, Other at RZZ.
LOCATIONS = (
    ("RXX", None),
    ("RYY", "Healthy Start"),
    ("RZZ", None),
    (None, "Healthy Start"),
    (None, "Other"),
    (None, None),
)
# Consent's (given on, review on): review passed, due today (not passed yet), a year ahead.
REVIEWS = {
    "passed": (TODAY - timedelta(days=800), TODAY - timedelta(days=400)),
    "today": (TODAY - timedelta(days=10), TODAY),
    "ahead": (TODAY - timedelta(days=30), TODAY + timedelta(days=335)),
}


def grant(role: str, scope: Scope, places=(), expires_at=None) -> Grant:
    return Grant(role, scope, frozenset(places), expires_at)


PRINCIPALS = {
    "admin": ADMIN,
    "coach at RXX": Principal("local:c1", "C1", (grant("coach", Scope.place("RXX"), ["RXX"]),)),
    "coach of Healthy Start": Principal(
        "local:c2",
        "C2",
        (grant("coach", Scope.initiative("Healthy Start"), ["RXX", "RYY"]),),
    ),
    "steward at RZZ, expired coach of Other": Principal(
        "local:c3",
        "C3",
        (
            grant("steward", Scope.place("RZZ"), ["RZZ"]),
            grant("coach", Scope.initiative("Other"), ["RZZ"], expires_at=EXPIRED),
        ),
    ),
    "locality at RXX": Principal("local:l", "L", (grant("locality", Scope.place("RXX"), ["RXX"]),)),
    "viewer": Principal("local:v", "V", (grant("viewer", Scope("everything")),)),
    "expired admin": Principal(
        "local:x", "X", (grant("admin", Scope("everything"), expires_at=EXPIRED),)
    ),
    "nobody": Principal("local:n", "N"),
}


def may_see(story: dict, principal: Principal, audience: str) -> bool:
    """The rule, plainly: never withdrawn or flagged; the principal holds a live grant of a
    role that may read stories (``data.published`` for the public audience) over everything,
    on a place holding the story's place, or (a story with no place) on the story's initiative;
    the latest consent's scope reaches the audience and, outside the internal audience, its
    review day is today or later; no consent record at all: the internal audience only."""
    if story["withdrawn"] or story["flagged"]:
        return False
    action = "data.published" if audience == "public" else "story.read"
    now = datetime.now(UTC).replace(tzinfo=None)
    live = [
        g
        for g in principal.grants
        if g.role in POLICY[action] and (g.expires_at is None or g.expires_at > now)
    ]
    if any(g.scope.kind == "everything" for g in live):
        may_read = True
    elif story["place"] is not None:
        may_read = any(story["place"] in g.places for g in live)
    elif story["initiative"] is not None:
        may_read = any(g.scope == Scope.initiative(story["initiative"]) for g in live)
    else:
        may_read = False
    if not may_read:
        return False
    if story["scope"] is None:
        return audience == "internal"
    if RANK[story["scope"]] < RANK[audience]:
        return False
    return audience == "internal" or story["review_on"] >= TODAY


def _consent(scope: str, review: str) -> Consent:
    given_on, review_on = REVIEWS[review]
    return Consent("adult_self", "adult_with_capacity", scope, given_on, review_on)


@pytest.fixture
def stories(engine) -> list[dict]:
    """The stories stored, each as the test knows it."""
    add_definitions(engine)
    add_initiative(engine, ADMIN, "Healthy Start", ["RXX", "RYY"])
    add_initiative(engine, ADMIN, "Other", ["RZZ"])
    known = []
    kinds = product(LOCATIONS, RANK, REVIEWS)
    for n, ((place, initiative), scope, review) in enumerate(kinds):
        story_id = add_story(
            engine,
            ADMIN,
            title=f"Story {n}",
            narrative="As told.",
            told_on=date(2024, 4, 2),
            voice="parent_or_carer",
            # Every third story's consent changes later: its first record says otherwise.
            consent=_consent(scope if n % 3 else "public", review if n % 3 else "ahead"),
            anonymised=True,
            place=place,
            initiative=initiative,
            links=["ae_attendances"],
        )
        if n % 3 == 0:
            change_consent(engine, ADMIN, story_id, _consent(scope, review))
        status = ("shown", "shown", "withdrawn", "shown", "flagged", "no record")[n % 6]
        if status == "withdrawn":
            withdraw_story(engine, ADMIN, story_id)
        elif status == "flagged":
            flag_safeguarding(engine, ADMIN, story_id, "the DSL, 2 April 2024")
        elif status == "no record":  # kept before consent records
            with engine.begin() as connection:
                connection.execute(delete(StoryConsent).where(StoryConsent.story_id == story_id))
        known.append(
            {
                "id": story_id,
                "place": place,
                "initiative": initiative,
                "scope": None if status == "no record" else scope,
                "review_on": REVIEWS[review][1],
                "withdrawn": status == "withdrawn",
                "flagged": status == "flagged",
            }
        )
    return known


def test_each_principal_and_audience_get_exactly_the_stories_the_rule_allows(engine, stories):
    answered = {}
    for (who, principal), audience in product(PRINCIPALS.items(), AUDIENCES):
        expected = sorted(s["id"] for s in stories if may_see(s, principal, audience))
        with engine.connect() as connection:
            ids = connection.execute(readable_story_ids(engine, principal, audience=audience))
            assert sorted(ids.scalars()) == expected, (who, audience)
        read = read_stories(engine, principal, audience=audience)
        assert sorted(read["id"].to_list()) == expected, (who, audience)
        markers = story_markers(engine, principal, "ae_attendances", audience=audience)
        assert sorted(markers["story_id"].to_list()) == expected, (who, audience)
        answered[who, audience] = expected
    # The set is varied enough to tell the rules apart: the admin sees fewer stories as the
    # audience widens, and the principals see different stories.
    admin = [len(answered["admin", a]) for a in AUDIENCES]
    assert admin[0] > admin[1] > admin[2] > 0
    assert len({tuple(ids) for ids in answered.values()}) >= 8
