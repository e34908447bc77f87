"""The policy a story must meet before it is kept, tested as the pure functions it is: a draft,
a day and what the database holds of the draft's codes in; problems out. No database."""

from datetime import date

import pytest

from qi.vocabulary.stories import (
    TITLE_LENGTH,
    Known,
    Link,
    StoryDraft,
    StoryError,
    as_link,
    check_story,
    story_problems,
)

TODAY = date(2024, 6, 1)
KNOWN = Known(
    places=frozenset({"RXX", "RYY", "RZZ"}),
    measures=frozenset({"waits"}),
    initiatives={"Healthy Start": frozenset({"RXX", "RYY"})},
)


def draft(**fields) -> StoryDraft:
    values = {
        "title": "Spacer checks at school",
        "narrative": "The nurse showed us how to use the spacer.",
        "told_on": date(2024, 4, 2),
        "voice": "parent_or_carer",
        "anonymised": True,
        "place": "RXX",
        "initiative": "Healthy Start",
        "domains": ["healthy"],
        "participation": "listened_to",
        "links": ["waits"],
    } | fields
    return StoryDraft(**values)


def problems(**fields) -> list[str]:
    return story_problems(draft(**fields), TODAY, KNOWN)


def test_a_story_that_meets_the_policy_has_no_problems():
    assert problems() == []
    assert check_story(draft(), TODAY, KNOWN) is None
    assert problems(told_on=TODAY, place=None, initiative=None, links=[], participation=None) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"voice": "child"}, "unknown voice 'child'; choose one of: child_or_young_person (Child"),
        ({"domains": ["wealthy"]}, "unknown outcome domain 'wealthy'; choose one of: healthy"),
        ({"participation": "consulted"}, "unknown level of participation 'consulted'; choose"),
        ({"place": "NOPE"}, "unknown place 'NOPE'; check the place's code"),
        ({"links": [Link("waits", place="NOPE")]}, "unknown place 'NOPE'"),
        ({"initiative": "Nope"}, "unknown initiative 'Nope'; check the initiative's name"),
        ({"links": ["nope", "waits", "gone"]}, "unknown measure 'gone', 'nope'; check"),
        ({"place": "RZZ"}, "place 'RZZ' is not one of the places of initiative 'Healthy Start'"),
        ({"title": "  "}, "a story needs a title"),
        ({"title": "x" * (TITLE_LENGTH + 1)}, f"keep it to {TITLE_LENGTH}"),
        ({"narrative": ""}, "a story needs a narrative"),
        ({"told_on": date(2024, 6, 2)}, "dated 02 June 2024, which is in the future"),
        ({"told_on": "2024-04-02"}, "the story's date must be a date, not '2024-04-02'"),
        (
            {"links": [Link("waits", start=date(2024, 5, 1), end=date(2024, 1, 1))]},
            "the link to 'waits' ends (2024-01-01) before it starts (2024-05-01); swap the dates",
        ),
    ],
)
def test_each_impossible_story_is_refused_saying_what_is_wrong_and_how_to_fix_it(fields, message):
    [problem] = problems(**fields)
    assert message in problem
    with pytest.raises(StoryError) as raised:
        check_story(draft(**fields), TODAY, KNOWN)
    assert str(raised.value) == problem


def test_a_place_outside_an_unknown_initiative_is_reported_as_the_unknown_initiative_only():
    assert problems(place="RZZ", initiative="Nope") == [
        "unknown initiative 'Nope'; check the initiative's name"
    ]


def test_every_problem_is_listed_at_once():
    found = problems(title="", voice="child", place="RZZ")
    assert len(found) == 3
    with pytest.raises(StoryError) as raised:
        check_story(draft(title="", voice="child", place="RZZ"), TODAY, KNOWN)
    assert raised.value.problems == found
    assert str(raised.value).startswith("3 problems: (1) a story needs a title")
    assert "(3) place 'RZZ' is not one of the places" in str(raised.value)


def test_a_draft_keeps_each_domain_once_and_holds_its_links_as_links():
    story = draft(
        domains=["safe", "healthy", "safe"],
        links=["waits", {"measure": "waits", "start": date(2024, 1, 1), "place": "RYY"}],
    )
    assert story.domains == ("safe", "healthy")
    assert story.links == (Link("waits"), Link("waits", start=date(2024, 1, 1), place="RYY"))
    assert (story.places, story.measures) == ({"RXX", "RYY"}, {"waits"})


@pytest.mark.parametrize("value", ["no", "yes", 1, 0, None])
def test_anonymised_is_true_or_false_never_a_word_or_a_number(value):
    with pytest.raises(StoryError, match="anonymised must be True or False"):
        draft(anonymised=value)


def test_a_link_that_is_neither_a_code_a_link_nor_a_mapping_with_a_measure_is_refused():
    with pytest.raises(StoryError, match="a link is a measure code or a mapping with 'measure'"):
        as_link({"measure": "waits", "colour": "red"})
    with pytest.raises(StoryError, match="got {'start'"):
        draft(links=[{"start": date(2024, 1, 1)}])
