"""A measure's name with its unit written once."""

from qi.text.names import with_unit


def test_the_unit_follows_the_name_in_brackets():
    assert with_unit("Asthma admissions", "admissions") == "Asthma admissions (admissions)"


def test_a_name_that_already_ends_with_its_unit_is_not_given_it_twice():
    assert with_unit("Breastfeeding at 6-8 weeks (%)", "%") == "Breastfeeding at 6-8 weeks (%)"


def test_no_unit_leaves_the_name_alone():
    assert with_unit("Days between admissions", None) == "Days between admissions"
    assert with_unit("Days between admissions", "") == "Days between admissions"


def test_a_rate_whose_name_ends_with_its_per_is_not_given_it_again():
    name = "A&E attendances of under-5s per 1,000"
    assert with_unit(name, "per 1,000 under-5s") == name
    # A rate whose name does not say it keeps its unit.
    assert with_unit("A&E attendances of under-5s", "per 1,000 under-5s") == (
        "A&E attendances of under-5s (per 1,000 under-5s)"
    )
    assert with_unit("Visits per 1,000", "per 10,000 children") == (
        "Visits per 1,000 (per 10,000 children)"
    )
