"""Stories of change: kept as told, with voice, outcome domains, participation and a consent
record, refused when they would break the rules people collecting stories work to."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from qi.access import local_admin
from qi.store import add_initiative
from qi.store.stories import add_story, edit_story, read_stories, story_links, story_markers
from qi.vocabulary.stories import PARTICIPATION, PARTICIPATION_ORDER, Link, StoryError
from tests.consent import consent
from tests.store.helpers import add_definitions

TRICKY = "It's <b>better</b>, <script>alert('x')</script>\n\"quoted\", commas, Cymraeg: ŵ ŷ — done"


def story(engine, **fields) -> int:
    values = {
        "title": "Spacer checks at school",
        "narrative": "The nurse showed us how to use the spacer.",
        "told_on": date(2024, 4, 2),
        "voice": "parent_or_carer",
        "anonymised": True,
        "actor": "worker",
    } | fields
    values.setdefault("consent", consent(values["voice"]))
    return add_story(engine, local_admin(values.pop("actor")), **values)


ADMIN = local_admin("reader")


def stories(engine, **filters):
    """Every story the app's pages would show (the internal audience)."""
    return read_stories(engine, ADMIN, audience="internal", **filters)


def markers(engine, measure, **filters):
    return story_markers(engine, ADMIN, measure, audience="internal", **filters)


@pytest.fixture
def partnership(engine):
    add_definitions(engine, measures=("ae_attendances", "waits"))
    add_initiative(engine, local_admin("tester"), "Healthy Start", ["RXX", "RYY"])
    return engine


def test_a_story_is_kept_exactly_as_told_with_who_and_when(partnership):
    new = story(
        partnership,
        title="A <script> title",
        narrative=TRICKY,
        place="RXX",
        initiative="Healthy Start",
        domains=["healthy", "safe", "healthy"],
        participation="views_taken_into_account",
        links=["ae_attendances"],
    )
    kept = stories(partnership).row(0, named=True)
    assert kept["id"] == new
    assert (kept["title"], kept["narrative"]) == ("A <script> title", TRICKY)
    assert (kept["place"], kept["initiative"], kept["voice"]) == (
        "RXX",
        "Healthy Start",
        "parent_or_carer",
    )
    assert kept["domains"] == ["healthy", "safe"]
    assert kept["participation_rank"] == 3
    assert kept["consent_scope"] == "partnership" and kept["anonymised"]
    assert kept["created_by"] == kept["updated_by"] == "worker"
    assert kept["created_at"] is not None and kept["measures"] == ["ae_attendances"]


def test_participation_follows_shiers_five_levels_from_listened_to_up_to_sharing_power():
    assert list(PARTICIPATION.values())[0] == "Listened to"
    assert list(PARTICIPATION.values())[-1] == "Shares power and responsibility for decisions"
    assert list(PARTICIPATION_ORDER.values()) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("voice", ["child_or_young_person", "professional"])
def test_a_story_without_a_consent_record_is_refused_whoever_tells_it(partnership, voice):
    with pytest.raises(StoryError, match="needs a consent record"):
        story(partnership, voice=voice, consent=True)
    with pytest.raises(TypeError, match="consent"):
        add_story(
            partnership,
            ADMIN,
            title="T",
            narrative="N",
            told_on=date(2024, 1, 1),
            voice=voice,
            anonymised=True,
        )
    assert stories(partnership).height == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"voice": "child"}, "unknown voice 'child'; choose one of: child_or_young_person"),
        ({"domains": ["wealthy"]}, "unknown outcome domain 'wealthy'"),
        ({"participation": "consulted"}, "unknown level of participation 'consulted'"),
        ({"place": "NOPE"}, "unknown place 'NOPE'"),
        ({"initiative": "Nope"}, "unknown initiative 'Nope'"),
        ({"links": ["nope"]}, "unknown measure 'nope'"),
        ({"place": "RZZ", "initiative": "Healthy Start"}, "'RZZ' is not one of the places"),
        ({"title": "  "}, "needs a title"),
        ({"narrative": ""}, "needs a narrative"),
        ({"told_on": date.today() + timedelta(days=2)}, "in the future"),
        (
            {"links": [Link("waits", start=date(2024, 5, 1), end=date(2024, 1, 1))]},
            "ends .* before it starts",
        ),
    ],
)
def test_unknown_codes_and_impossible_stories_are_refused_saying_how_to_fix(
    partnership, fields, message
):
    with pytest.raises(StoryError, match=message):
        story(partnership, **fields)
    assert stories(partnership).height == 0


def test_an_edit_records_who_edited_and_when_and_is_checked_again(partnership):
    new = story(partnership, voice="child_or_young_person", domains=["happy"])
    before = stories(partnership).row(0, named=True)
    edit_story(
        partnership,
        local_admin("editor"),
        new,
        title="Changed",
        domains=["safe", "learning_and_growing"],
    )
    after = stories(partnership).row(0, named=True)
    assert after["title"] == "Changed"
    assert after["domains"] == ["learning_and_growing", "safe"]
    assert (after["created_by"], after["updated_by"]) == ("worker", "editor")
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] >= before["updated_at"]
    with pytest.raises(StoryError, match="cannot edit consent_recorded"):
        edit_story(partnership, local_admin("tester"), new, consent_recorded=False)
    with pytest.raises(StoryError, match="cannot edit colour"):
        edit_story(partnership, local_admin("tester"), new, colour="red")
    assert stories(partnership).row(0, named=True)["consent_scope"] == "partnership"


def test_stories_can_be_filtered_by_any_of_their_fields(partnership):
    a = story(
        partnership,
        title="A",
        voice="child_or_young_person",
        place="RXX",
        domains=["happy"],
        participation="listened_to",
        links=["waits"],
        told_on=date(2024, 1, 5),
    )
    b = story(
        partnership,
        title="B",
        voice="professional",
        place="RYY",
        domains=["safe"],
        participation="shares_power",
        consent=consent("professional", given_on=date(2024, 6, 5)),
        told_on=date(2024, 6, 5),
        narrative="The youth panel now chairs the review.",
    )

    def ids(**filters):
        return stories(partnership, **filters).get_column("id").to_list()

    assert ids() == [b, a]  # newest first
    assert ids(voices="child_or_young_person") == [a]
    assert ids(domains=["safe", "healthy"]) == [b]
    assert ids(participation_at_least="involved_in_decisions") == [b]
    assert ids(participation="listened_to") == [a]
    assert ids(review_due=True) == [b]
    assert ids(anonymised=True) == [b, a]
    assert ids(places="RXX") == [a]
    assert ids(measures="waits") == [a]
    assert ids(start=date(2024, 3, 1)) == [b]
    assert ids(end=date(2024, 3, 1)) == [a]
    assert ids(search="YOUTH PANEL") == [b]
    assert ids(created_since=date.today()) == [b, a]
    with pytest.raises(StoryError, match="unknown voice"):
        stories(partnership, voices="kid")


def test_stories_give_markers_for_a_measures_chart_and_the_measures_beside_a_story(partnership):
    new = story(
        partnership,
        place="RXX",
        initiative="Healthy Start",
        links=[
            "waits",  # at the story's place, on the story's date
            {
                "measure": "ae_attendances",
                "start": date(2024, 1, 1),
                "end": date(2024, 3, 1),
                "place": "RYY",
            },
        ],
    )
    found = markers(partnership, "waits")
    assert found.select("story_id", "place", "period").rows() == [(new, "RXX", date(2024, 4, 2))]
    assert markers(partnership, "ae_attendances", places="RXX").height == 0
    ranged = markers(partnership, "ae_attendances", start=date(2024, 3, 1))
    assert ranged.select("place", "period", "period_end").rows() == [
        ("RYY", date(2024, 1, 1), date(2024, 3, 1))
    ]
    assert markers(partnership, "ae_attendances", start=date(2024, 3, 2)).height == 0
    links = story_links(partnership, new)
    assert links.select("measure", "place").rows() == [("ae_attendances", "RYY"), ("waits", "RXX")]


def test_withdrawing_consent_removes_the_text_everywhere_and_the_audit_keeps_a_tombstone(engine):
    from qi.store.access import read_audit
    from qi.store.history import story_history
    from qi.store.stories import withdraw_story

    add_definitions(engine)
    secret = "The nurse showed Amy at Oak Lane school how to use the spacer."
    story_id = story(engine, narrative=secret, links=["ae_attendances"])
    edit_story(engine, local_admin("coach"), story_id, narrative=secret + " Twice.")
    withdraw_story(engine, local_admin("coach"), story_id)
    assert stories(engine).height == 0
    assert markers(engine, "ae_attendances").height == 0
    assert story_links(engine).height == 0
    history = story_history(engine, story_id)
    assert history.height == 2 and set(history["narrative"]) == {""}
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT title, narrative FROM stories")).one()
    assert tuple(stored) == ("Withdrawn", "")
    audit = read_audit(engine, local_admin("admin"), action="story.withdraw")
    assert audit.select("person_name", "subject").rows() == [("coach", f"story {story_id}")]
    assert not any("Amy" in str(v) for v in audit.row(0))
    with pytest.raises(StoryError, match=f"no story {story_id}"):
        edit_story(engine, local_admin("coach"), story_id, title="Back")


def test_a_possible_safeguarding_concern_hides_the_story_from_all_but_admins(engine):
    from qi.access import Grant, Principal, Refused, Scope
    from qi.store.stories import flag_safeguarding, read_flagged_stories

    add_definitions(engine)
    story_id = story(engine, links=["ae_attendances"])
    coach = Principal("local:c", "Coach", (Grant("coach", Scope("everything")),))
    admin = Principal("local:a", "Admin", (Grant("admin", Scope("everything")),))
    with pytest.raises(StoryError, match="say who the concern was passed to"):
        flag_safeguarding(engine, coach, story_id, " ")
    flag_safeguarding(engine, coach, story_id, "DSL J. Smith, by phone, 2 Dec 2026")
    assert stories(engine).height == 0
    assert markers(engine, "ae_attendances").height == 0
    with pytest.raises(Refused):
        read_flagged_stories(engine, coach)
    flagged = read_flagged_stories(engine, admin)
    assert flagged.select("id", "safeguarding_by", "safeguarding_passed_to").rows() == [
        (story_id, "Coach", "DSL J. Smith, by phone, 2 Dec 2026")
    ]
