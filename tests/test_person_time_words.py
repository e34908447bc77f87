"""The words for a rate's person-time denominator, for each frequency."""

import pytest

from qi.text.person_time import person_time, person_time_note, rate_basis


@pytest.mark.parametrize(
    ("frequency", "words"),
    [("week", "person-weeks"), ("month", "person-months"), ("year", "person-years")],
)
def test_person_time_follows_the_measures_frequency(frequency, words):
    assert person_time(frequency) == words


def test_the_rate_basis_and_the_note():
    assert rate_basis(1000, "month") == "per 1,000 person-months"
    assert rate_basis(1, "year") == "per person-year"
    assert person_time_note(100000, "year").startswith(
        "Rates are per 100,000 person-years: each place's events over its population added up "
        "over the years chosen"
    )
    with pytest.raises(KeyError):
        person_time("fortnight")
