"""Consent as a record: who gave it (a relationship, never a name), on what basis, for which
scope, until when; and the one decision on which audiences may see a story. No database."""

from datetime import date

import pytest

from qi.vocabulary.consent import (
    AUDIENCES,
    SCOPE_ORDER,
    Consent,
    a_year_on,
    audiences_of,
    change_of,
    consent_field_problems,
    consent_problems,
    shown_to,
)

TODAY = date(2026, 6, 1)


def given(**fields) -> Consent:
    values = {
        "given_by": "young_person",
        "basis": "gillick_competent",
        "scope": "partnership",
        "given_on": date(2026, 5, 1),
    } | fields
    return Consent(**values)


def test_the_review_date_is_a_year_after_consent_unless_given():
    assert given().review_on == date(2027, 5, 1)
    assert given(given_on=date(2024, 2, 29)).review_on == date(2025, 2, 28)
    assert given(review_on=date(2026, 11, 1)).review_on == date(2026, 11, 1)
    assert a_year_on(date(2025, 12, 31)) == date(2026, 12, 31)


def test_a_young_persons_consent_judged_gillick_competent_has_no_problems():
    assert consent_problems(given(), "child_or_young_person", TODAY) == []
    parent = given(given_by="parent_or_carer", basis="parental_responsibility")
    assert consent_problems(parent, "child_or_young_person", TODAY) == []
    adult = given(given_by="adult_self", basis="adult_with_capacity")
    assert consent_problems(adult, "professional", TODAY) == []


@pytest.mark.parametrize(
    ("fields", "voice", "field", "message"),
    [
        ({"given_by": None}, "child_or_young_person", "given_by", "choose who gave consent"),
        ({"scope": "world"}, "child_or_young_person", "scope", "unknown consent scope 'world'"),
        ({"basis": "verbal"}, "child_or_young_person", "basis", "unknown basis of consent"),
        (
            {"basis": "parental_responsibility"},
            "child_or_young_person",
            "basis",
            "does not fit consent given by the young person themselves",
        ),
        (
            {"given_by": "adult_self", "basis": "adult_with_capacity"},
            "child_or_young_person",
            "given_by",
            "in the voice of a child or young person is given by 'The young person themselves' "
            "or 'A parent or carer'",
        ),
        ({}, "professional", "given_by", "not 'The young person themselves'"),
        ({"given_on": date(2026, 7, 1)}, "child_or_young_person", "given_on", "in the future"),
        (
            {"review_on": date(2026, 5, 1)},
            "child_or_young_person",
            "review_on",
            "must come after the day consent was given",
        ),
        (
            {"given_by": "not_recorded", "basis": "before_consent_records"},
            "child_or_young_person",
            "given_by",
            "kept only for stories stored before consent records",
        ),
    ],
)
def test_each_problem_is_told_beside_its_field_with_how_to_fix_it(fields, voice, field, message):
    found = consent_field_problems(given(**fields), voice, TODAY)
    assert list(found) == [field]
    assert message in found[field][0]
    assert consent_problems(given(**fields), voice, TODAY) == found[field]


def test_scopes_are_ordered_from_internal_learning_to_public():
    assert list(SCOPE_ORDER) == ["internal", "partnership", "public"]
    assert list(AUDIENCES) == list(SCOPE_ORDER)
    assert [change_of(None, "public"), change_of("public", "internal")] == ["given", "narrowed"]
    assert [change_of("internal", "public"), change_of("public", "public")] == [
        "widened",
        "renewed",
    ]


@pytest.mark.parametrize(
    ("scope", "audiences"),
    [
        ("internal", ("internal",)),
        ("partnership", ("internal", "partnership")),
        ("public", ("internal", "partnership", "public")),
        (None, ("internal",)),  # kept before consent records, without consent
    ],
)
def test_a_scope_reaches_its_own_audience_and_every_narrower_one(scope, audiences):
    assert audiences_of(scope, date(2027, 1, 1), TODAY) == audiences


def test_once_the_review_date_has_passed_a_story_is_shown_internally_only():
    assert audiences_of("public", date(2026, 5, 31), TODAY) == ("internal",)
    assert audiences_of("public", TODAY, TODAY) == ("internal", "partnership", "public")
    with pytest.raises(ValueError, match="unknown audience 'board'"):
        shown_to("board", "public", TODAY, TODAY)
