"""Free-text answers: uploaded beside answers on a scale, kept apart as words and never
counted; a coach makes one into a story, stored only with a consent record, and the answer
keeps its link to the story. On SQLite and PostgreSQL."""

from datetime import date

import pytest

from qi.access import Grant, Principal, Scope, local_admin
from qi.ingest.surveys import ingest_answers
from qi.store.free_text import (
    FreeTextError,
    add_free_text_question,
    read_free_text_answers,
    read_free_text_questions,
    story_draft,
)
from qi.store.stories import add_story, read_consents, read_stories
from qi.store.surveys import read_answers
from qi.vocabulary.consent import Consent
from qi.vocabulary.stories import StoryError
from tests.consent import consent
from tests.store.helpers import add_definitions

ADMIN = local_admin("tester")
TODAY = date(2025, 6, 30)
WORDS = 'The nurse came to <b>school</b> and "listened" — she didn\'t rush me.'


@pytest.fixture
def answered(engine):
    add_definitions(engine)
    add_free_text_question(engine, ADMIN, "what_helped", "What helped you most?")
    content = (
        "Place,Date,Question,Answer,Voice\n"
        "RXX,2025-03-14,treated_fairly,3,Child or young person\n"
        f"RXX,2025-03-15,what_helped,{WORDS.replace(',', '')},Child or young person\n"
        "RYY,2025-04-02,what_helped,Being seen on a Saturday.,Parent or carer\n"
    ).encode()
    report = ingest_answers(engine, ADMIN, content, "answers.csv", today=TODAY)
    assert report.outcome == "stored", report.render()
    return engine


def test_free_text_answers_are_kept_as_words_and_never_counted_on_a_scale(answered):
    assert read_free_text_questions(answered)["code"].to_list() == ["what_helped"]
    assert read_answers(answered, ADMIN)["question"].to_list() == ["treated_fairly"]
    found = read_free_text_answers(answered, ADMIN)
    assert found.select("place", "answered_on", "voice").rows() == [
        ("RYY", date(2025, 4, 2), "parent_or_carer"),
        ("RXX", date(2025, 3, 15), "child_or_young_person"),
    ]
    assert found["text"][1] == WORDS.replace(",", "")
    assert found["story_id"].is_null().all()


def test_a_free_text_question_needs_its_own_code(answered):
    with pytest.raises(FreeTextError, match="'treated_fairly' exists already"):
        add_free_text_question(answered, ADMIN, "treated_fairly", "Were you treated fairly?")
    with pytest.raises(FreeTextError, match="needs its wording"):
        add_free_text_question(answered, ADMIN, "new", " ")


def test_an_answer_becomes_a_story_with_a_consent_record_and_keeps_the_link(answered):
    answer = read_free_text_answers(answered, ADMIN).filter(place="RXX").row(0, named=True)
    draft = story_draft(answered, ADMIN, answer["id"])
    assert draft["narrative"] == answer["text"]
    assert (draft["place"], draft["told_on"], draft["voice"]) == (
        "RXX",
        date(2025, 3, 15),
        "child_or_young_person",
    )
    assert draft["title"].startswith("The nurse came to <b>school</b>") and len(draft["title"]) < 62
    # Without a consent record nothing is stored, and the answer stays free.
    wrong = Consent("adult_self", "adult_with_capacity", "public", date.today())
    with pytest.raises(StoryError, match="given by 'The young person themselves'"):
        add_story(
            answered, ADMIN, **draft, consent=wrong, anonymised=True, from_answer=answer["id"]
        )
    assert read_stories(answered, ADMIN, audience="internal").height == 0
    assert read_free_text_answers(answered, ADMIN, not_yet_stories=True).height == 2
    story_id = add_story(
        answered,
        ADMIN,
        **draft,
        consent=consent("child_or_young_person", "partnership"),
        anonymised=True,
        from_answer=answer["id"],
    )
    [story] = read_stories(answered, ADMIN, audience="internal").rows(named=True)
    assert (story["id"], story["narrative"]) == (story_id, answer["text"])
    assert read_consents(answered, ADMIN, story_id)["scope"].to_list() == ["partnership"]
    linked = read_free_text_answers(answered, ADMIN, ids=[answer["id"]])
    assert linked["story_id"].to_list() == [story_id]
    assert read_free_text_answers(answered, ADMIN, not_yet_stories=True)["place"].to_list() == [
        "RYY"
    ]
    with pytest.raises(FreeTextError, match=f"is story {story_id} already"):
        story_draft(answered, ADMIN, answer["id"])
    with pytest.raises(StoryError, match=f"is story {story_id} already"):
        add_story(
            answered,
            ADMIN,
            **draft,
            consent=consent("child_or_young_person"),
            anonymised=True,
            from_answer=answer["id"],
        )
    assert read_stories(answered, ADMIN, audience="internal").height == 1


def test_answers_in_words_are_read_only_where_stories_may_be(answered):
    locality = Principal(
        "local:l", "L", (Grant("locality", Scope.place("RXX"), frozenset({"RXX"})),)
    )
    coach = Principal("local:c", "C", (Grant("coach", Scope.place("RXX"), frozenset({"RXX"})),))
    assert read_free_text_answers(answered, locality).height == 0
    assert read_free_text_answers(answered, coach)["place"].to_list() == ["RXX"]
    ryy = read_free_text_answers(answered, ADMIN).filter(place="RYY")["id"][0]
    with pytest.raises(FreeTextError, match="that you may read"):
        story_draft(answered, coach, ryy)


def test_answers_in_words_and_on_a_scale_are_kept_together_or_not_at_all(answered):
    """One file's two kinds of answer are one transaction: when the answers in words cannot be
    kept, the answers on a scale written before them in the same call are not kept either."""
    import polars as pl

    from qi.store.surveys import ANSWER_SCHEMA, store_answers

    on_a_scale = pl.DataFrame(
        {
            "question": ["treated_fairly"],
            "place": ["RXX"],
            "answered_on": [date(2025, 5, 1)],
            "answer": [4],
            "voice": [None],
            "breakdown": [None],
        },
        schema=ANSWER_SCHEMA,
    )
    in_words = pl.DataFrame(
        {
            "question": ["no_such_question"],
            "place": ["RXX"],
            "answered_on": [date(2025, 5, 1)],
            "text": ["It helped."],
            "voice": [None],
        },
        schema_overrides={"voice": pl.String},
    )
    before = read_answers(answered, ADMIN).height
    with pytest.raises(FreeTextError, match="'no_such_question' is not a free-text question"):
        store_answers(answered, ADMIN, on_a_scale, in_words)
    assert read_answers(answered, ADMIN).height == before
    assert store_answers(answered, ADMIN, on_a_scale, in_words.clear()) == 1
    assert read_answers(answered, ADMIN).height == before + 1
