"""A rate compared over several months is per person-time (each month's population added up),
and says so; each place's stored population stands beside it (both backends)."""

import subprocess
from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.render.funnel_figures import funnel_chart
from qi.render.pack import board_pack
from qi.services.compare import compare_places
from qi.services.meeting import meeting_review
from qi.store.places import store_populations
from tests.partnership import INITIATIVE, build
from tests.services.test_compare_rates import as_rate
from tests.store.test_places import FEB, JAN, _setup, _store


@pytest.fixture
def rates(engine):
    _setup(engine)
    as_rate(engine)
    # Each LSOA's population counted in both months: the denominators are people each month.
    _store(
        engine,
        [
            (place, month, "all", events, people)
            for place, events, people in (("L1", 4, 5000), ("L2", 6, 5000), ("L3", 60, 10000))
            for month in (JAN, FEB)
        ]
        + [("L4", JAN, "all", 25, 9000), ("L4", FEB, "all", 20, 9000)],
    )
    return engine


def test_two_months_of_a_rate_are_per_person_month_with_populations_beside(rates):
    store_populations(
        rates,
        local_admin("tester"),
        pl.DataFrame(
            {"code": ["W1", "W2"], "population": [10100, 9800], "year": 2024, "source": "ONS"}
        ),
    )
    found = compare_places(rates, local_admin("tester"), "seen_in_time", "ward", JAN, FEB)
    assert found.denominator_words == "person-months"
    rows = {r["place"]: r for r in found.places.iter_rows(named=True)}
    # W1: 10,000 people in each of two months is 20,000 person-months; 20 events in them.
    assert rows["W1"]["denominator"] == 20000 and rows["W1"]["numerator"] == 20
    assert rows["W1"]["value"] == pytest.approx(20 / 20000 * 1000)
    assert (rows["W1"]["population"], rows["W1"]["population_year"]) == (10100, 2024)
    assert rows["W2"]["population_source"] == "ONS"
    assert rows["W3"]["population"] is None
    spec = funnel_chart(found, width=500).to_dict()
    axis = spec["layer"][0]["encoding"]["x"]["title"]
    assert axis.startswith("Person-time (person-months:")
    assert "per 1,000 person-months" in spec["title"]["subtitle"][0]


def test_a_proportions_denominator_is_its_unit_not_person_time(engine):
    _setup(engine)
    _store(engine, [("L1", JAN, "all", 1, 10), ("L3", JAN, "all", 5, 10)])
    found = compare_places(engine, local_admin("tester"), "seen_in_time", "ward", JAN, JAN)
    assert found.denominator_words == "cases"
    spec = funnel_chart(found, width=500).to_dict()
    assert "person" not in str(spec["layer"][0]["encoding"]["x"]["title"])


def test_the_pack_page_says_the_rate_is_per_person_time(rates, tmp_path):
    build(rates)
    review = meeting_review(rates, local_admin("tester"), initiative=INITIATIVE)
    found = compare_places(rates, local_admin("tester"), "seen_in_time", "ward", JAN, FEB)
    pack = board_pack(review, prepared_on=date(2024, 7, 8), comparisons=(found,))
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(pack.pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    words = " ".join(text.split())
    assert "Rates are per 1,000 person-months: each place's events over its population" in words
