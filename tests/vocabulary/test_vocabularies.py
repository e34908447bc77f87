"""Each vocabulary has one home, follows the engine's codes where the engine names them, and is
what the store checks."""

import pytest

from qi.charts import CHART_TYPES, DEFAULT_CHART
from qi.charts.icons import ASSURANCE_ICONS, DIRECTIONS, POINT_TYPES, VARIATION_ICONS
from qi.store.models import Measure, Place
from qi.vocabulary.annotations import ANNOTATION_EFFECTS, ANNOTATION_EVENTS, ANNOTATION_KINDS
from qi.vocabulary.charts import CENTRE_WORDS, centre_word
from qi.vocabulary.measures import (
    ENGINE_DIRECTIONS,
    FREQUENCIES,
    IMPROVEMENT,
    IMPROVEMENT_ALIASES,
    MEASURE_KINDS,
    NON_NEGATIVE_KINDS,
    RATIO_KINDS,
)
from qi.vocabulary.places import PLACE_TYPES
from qi.vocabulary.points import (
    ASSURANCE_READINGS,
    ICON_LABELS,
    POINT_TYPE_LABELS,
    POINT_TYPE_WORDS,
)
from qi.vocabulary.terms import Vocabulary


def test_a_vocabulary_is_a_read_only_mapping_of_codes_to_words_in_order():
    kinds = Vocabulary("kind", {"b": "Bee", "a": "Ay"})
    assert list(kinds) == ["b", "a"] == list(kinds.codes)
    assert kinds["a"] == "Ay" and kinds.get("c", "c") == "c" and "b" in kinds
    assert dict(kinds) == {"b": "Bee", "a": "Ay"}
    with pytest.raises(TypeError):
        kinds["c"] = "Sea"  # type: ignore[index]


def test_improvement_directions_map_onto_the_engines():
    assert list(ENGINE_DIRECTIONS) == list(IMPROVEMENT)
    assert set(ENGINE_DIRECTIONS.values()) == set(DIRECTIONS)
    assert set(IMPROVEMENT_ALIASES.values()) <= set(IMPROVEMENT)
    assert IMPROVEMENT["down"] == "lower is better"


def test_kinds_of_measure_are_the_engines_with_ratios_among_them():
    assert list(MEASURE_KINDS) == list(DEFAULT_CHART)
    assert set(RATIO_KINDS) <= set(NON_NEGATIVE_KINDS) < set(MEASURE_KINDS)


def test_point_types_and_icons_follow_the_engines_codes():
    assert list(POINT_TYPE_LABELS) == list(POINT_TYPE_WORDS) == list(POINT_TYPES)
    assert list(ICON_LABELS) == [*VARIATION_ICONS, *ASSURANCE_ICONS]
    assert list(ASSURANCE_READINGS) == list(ASSURANCE_ICONS)
    assert all("{target}" in words for words in ASSURANCE_READINGS.values())


def test_every_chart_type_names_its_centre_line():
    assert list(CENTRE_WORDS) == list(CHART_TYPES)
    assert (centre_word("run"), centre_word("g"), centre_word("i"), centre_word(None)) == (
        "median",
        "centre line",
        "mean",
        "mean",
    )


def test_the_store_checks_the_vocabularies_codes():
    checks = {c.name: str(c.sqltext) for c in Measure.__table__.constraints if c.name}
    checks |= {c.name: str(c.sqltext) for c in Place.__table__.constraints if c.name}
    for name, vocabulary in (
        ("ck_measures_kind", MEASURE_KINDS),
        ("ck_measures_improvement", IMPROVEMENT),
        ("ck_measures_frequency", FREQUENCIES),
        ("ck_places_type", PLACE_TYPES),
    ):
        assert all(repr(code) in checks[name] for code in vocabulary), name


def test_annotation_vocabularies():
    assert list(ANNOTATION_KINDS) == ["intervention", "pdsa", "context", "data_issue"]
    assert list(ANNOTATION_EFFECTS) == ["new_phase", "exclude"]
    assert list(ANNOTATION_EVENTS) == ["annotation", "recalculation", "exclusion", "undone"]
