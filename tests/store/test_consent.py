"""Consent as a record, on both backends: no story without one, codes checked by the database,
each audience shown only the stories whose consent reaches it, review dates that pass, consent
changed with its history, and story markers that never show a title to someone who may not
read the story."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from qi.access import Grant, Principal, Scope, local_admin
from qi.store import add_initiative, connect, upgrade
from qi.store.access import StoreRefused, read_audit
from qi.store.stories import (
    add_story,
    change_consent,
    read_consents,
    read_stories,
    read_story,
    story_markers,
    withdraw_story,
)
from qi.vocabulary.consent import AUDIENCES, Consent
from qi.vocabulary.stories import StoryError
from tests.consent import consent
from tests.store.helpers import add_definitions

ADMIN = local_admin("tester")
LONG_AGO = date.today() - timedelta(days=800)  # consent given then is due for review now


def person(role: str, scope: Scope, places: frozenset[str] = frozenset()) -> Principal:
    return Principal(f"local:{role}", role.title(), (Grant(role, scope, places),))


def story(engine, title: str, scope: str, place: str = "RXX", **fields) -> int:
    values = {
        "title": title,
        "narrative": f"{title}, as told.",
        "told_on": date(2024, 4, 2),
        "voice": "child_or_young_person",
        "consent": consent("child_or_young_person", scope),
        "anonymised": True,
        "place": place,
        "links": ["ae_attendances"],
    } | fields
    return add_story(engine, ADMIN, **values)


def titles(engine, audience: str, principal: Principal = ADMIN) -> list[str]:
    found = read_stories(engine, principal, audience=audience)
    return sorted(found.get_column("title").to_list())


def marker_titles(engine, audience: str, principal: Principal = ADMIN) -> list[str]:
    found = story_markers(engine, principal, "ae_attendances", audience=audience)
    return sorted(found.get_column("title").to_list())


@pytest.fixture
def stories(engine):
    add_definitions(engine)
    story(engine, "Internal", "internal")
    story(engine, "Partnership", "partnership")
    story(engine, "Public", "public")
    story(engine, "Public at RYY", "public", place="RYY")
    return engine


def test_a_story_is_stored_with_its_consent_record_and_who_recorded_it(engine):
    add_definitions(engine)
    new = story(engine, "Told", "public")
    [record] = read_consents(engine, ADMIN, new).rows(named=True)
    assert (record["given_by"], record["basis"], record["scope"]) == (
        "young_person",
        "gillick_competent",
        "public",
    )
    assert record["review_on"] == record["given_on"].replace(year=record["given_on"].year + 1)
    assert (record["change"], record["recorded_by"]) == ("given", "tester")


def test_a_story_whose_consent_breaks_the_policy_is_not_stored_and_every_problem_is_named(engine):
    add_definitions(engine)
    wrong = Consent("adult_self", "parental_responsibility", "everyone", date.today())
    with pytest.raises(StoryError) as raised:
        story(engine, "Wrong", "public", consent=wrong)
    message = str(raised.value)
    assert "unknown consent scope 'everyone'" in message
    assert "does not fit consent given by an adult, for themselves" in message
    assert "is given by 'The young person themselves' or 'A parent or carer'" in message
    assert titles(engine, "internal") == []


@pytest.mark.parametrize(
    ("column", "value"),
    [("scope", "everyone"), ("given_by", "the_child"), ("basis", "ticked"), ("change", "edited")],
)
def test_the_database_refuses_a_consent_code_it_does_not_know(engine, column, value):
    add_definitions(engine)
    new = story(engine, "Told", "internal")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(f"UPDATE story_consents SET {column} = :v"), {"v": value})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE story_consents SET review_on = given_on"))
    assert read_consents(engine, ADMIN, new)["scope"].to_list() == ["internal"]


def test_each_audience_sees_only_the_stories_whose_consent_reaches_it(stories):
    assert titles(stories, "internal") == ["Internal", "Partnership", "Public", "Public at RYY"]
    assert titles(stories, "partnership") == ["Partnership", "Public", "Public at RYY"]
    assert titles(stories, "public") == ["Public", "Public at RYY"]
    assert marker_titles(stories, "partnership") == ["Partnership", "Public", "Public at RYY"]
    with pytest.raises(StoryError, match="unknown audience 'board'"):
        read_stories(stories, ADMIN, audience="board")


def test_a_story_whose_review_date_has_passed_is_shown_internally_only_until_renewed(engine):
    add_definitions(engine)
    due = story(
        engine, "Due", "public", consent=consent("child_or_young_person", "public", LONG_AGO)
    )
    [row] = read_stories(engine, ADMIN, audience="internal").rows(named=True)
    assert row["consent_review_due"] and row["consent_scope"] == "public"
    assert [titles(engine, a) for a in AUDIENCES] == [["Due"], [], []]
    assert marker_titles(engine, "partnership") == []
    assert change_consent(engine, ADMIN, due, consent("child_or_young_person", "public")) == (
        "renewed"
    )
    assert [titles(engine, a) for a in AUDIENCES] == [["Due"], ["Due"], ["Due"]]
    assert read_consents(engine, ADMIN, due)["change"].to_list() == ["given", "renewed"]


def test_consent_narrowed_or_widened_keeps_its_history_and_the_audit_says_so(engine):
    add_definitions(engine)
    new = story(engine, "Told", "public")
    assert change_consent(engine, ADMIN, new, consent("child_or_young_person", "internal")) == (
        "narrowed"
    )
    assert titles(engine, "public") == [] and titles(engine, "partnership") == []
    assert change_consent(engine, ADMIN, new, consent("child_or_young_person", "partnership")) == (
        "widened"
    )
    assert titles(engine, "partnership") == ["Told"]
    history = read_consents(engine, ADMIN, new)
    assert history["scope"].to_list() == ["public", "internal", "partnership"]
    assert history["change"].to_list() == ["given", "narrowed", "widened"]
    audit = read_audit(engine, ADMIN, action="story.consent")
    assert audit.height == 2 and "consent widened: scope partnership" in audit["detail"][0]
    with pytest.raises(StoryError, match="in the future"):
        change_consent(
            engine,
            ADMIN,
            new,
            consent("child_or_young_person", "public", date.today() + timedelta(days=3)),
        )
    assert read_consents(engine, ADMIN, new).height == 3


def test_withdrawal_still_removes_the_story_from_every_audience(stories):
    public = read_stories(stories, ADMIN, audience="public", search="Public at RYY")["id"][0]
    withdraw_story(stories, ADMIN, public)
    assert "Public at RYY" not in titles(stories, "internal")
    assert marker_titles(stories, "public") == ["Public"]


def test_a_locality_sees_no_story_titles_on_its_charts_and_a_coach_only_its_places(stories):
    locality = person("locality", Scope.place("RXX"), frozenset({"RXX"}))
    coach = person("coach", Scope.place("RXX"), frozenset({"RXX"}))
    assert marker_titles(stories, "internal", locality) == []
    assert titles(stories, "internal", locality) == []
    assert marker_titles(stories, "internal", coach) == ["Internal", "Partnership", "Public"]
    assert marker_titles(stories, "partnership", coach) == ["Partnership", "Public"]
    ryy = read_stories(stories, ADMIN, audience="internal", places="RYY")["id"][0]
    with pytest.raises(StoreRefused):
        read_story(stories, coach, ryy)


def test_a_viewer_sees_only_public_stories_and_only_as_the_public_audience(stories):
    viewer = person("viewer", Scope("everything"))
    assert titles(stories, "public", viewer) == ["Public", "Public at RYY"]
    assert titles(stories, "internal", viewer) == []
    assert titles(stories, "partnership", viewer) == []


def test_an_initiatives_coach_reads_the_stories_told_for_the_initiative_without_a_place(engine):
    add_definitions(engine)
    add_initiative(engine, ADMIN, "Healthy Start", ["RXX", "RYY"])
    story(engine, "Whole initiative", "internal", place=None, initiative="Healthy Start")
    coach = person("coach", Scope.initiative("Healthy Start"), frozenset({"RXX", "RYY"}))
    other = person("coach", Scope.initiative("Other"), frozenset({"RZZ"}))
    assert titles(engine, "internal", coach) == ["Whole initiative"]
    assert titles(engine, "internal", other) == []


def test_stories_kept_before_consent_records_are_internal_only_and_due_for_review(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(engine, "0008")
    with engine.begin() as connection:
        for story_id, consented in ((1, 1), (2, 0)):
            connection.execute(
                text(
                    "INSERT INTO stories (id, title, narrative, told_on, voice, "
                    "consent_recorded, anonymised, actor, created_at, updated_by, updated_at) "
                    "VALUES (:i, :t, 'N', '2024-01-02', 'professional', :c, 1, 'a', "
                    "'2024-01-03 10:00:00', 'a', '2024-01-03 10:00:00')"
                ),
                {"i": story_id, "t": f"Story {story_id}", "c": consented},
            )
    upgrade(engine)
    [record] = read_consents(engine, ADMIN, 1).rows(named=True)
    assert (record["given_by"], record["basis"], record["scope"], record["change"]) == (
        "not_recorded",
        "before_consent_records",
        "internal",
        "recorded_before",
    )
    assert record["given_on"] == date(2024, 1, 3)
    assert read_consents(engine, ADMIN, 2).height == 0
    shown = read_stories(engine, ADMIN, audience="internal")
    assert shown.sort("id")["consent_review_due"].to_list() == [True, True]
    assert titles(engine, "partnership") == []
    # A coach records the consent properly: the story is shown where it now may be.
    change_consent(engine, ADMIN, 1, consent("professional", "partnership"))
    assert titles(engine, "partnership") == ["Story 1"]
