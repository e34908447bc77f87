"""Test stories and their consent records: the relationship that fits the story's voice, given
a month ago (so it is current: its review falls eleven months ahead), for the scope asked."""

from datetime import date, timedelta

from qi.access import Principal, local_admin
from qi.store.stories import add_story
from qi.vocabulary.consent import Consent

GIVEN = {
    "child_or_young_person": ("young_person", "gillick_competent"),
    "parent_or_carer": ("adult_self", "adult_with_capacity"),
    "professional": ("adult_self", "adult_with_capacity"),
    "community_member": ("adult_self", "adult_with_capacity"),
}


def consent(
    voice: str = "parent_or_carer",
    scope: str = "partnership",
    given_on: date | None = None,
    review_on: date | None = None,
) -> Consent:
    given_by, basis = GIVEN.get(voice, GIVEN["professional"])
    given = given_on or date.today() - timedelta(days=30)
    return Consent(given_by, basis, scope, given, review_on)


def story(
    engine,
    title: str,
    place: str,
    *,
    voice: str = "child_or_young_person",
    scope: str = "partnership",
    told_on: date = date(2025, 2, 3),
    principal: Principal | None = None,
) -> int:
    """An anonymised story about being safe, told at ``place`` in ``voice``, with a consent
    record for ``scope``; returns its id."""
    return add_story(
        engine,
        principal or local_admin("Setup"),
        title=title,
        narrative=f"{title}: what happened.",
        told_on=told_on,
        voice=voice,
        consent=consent(voice, scope),
        anonymised=True,
        place=place,
        domains=["safe"],
    )
