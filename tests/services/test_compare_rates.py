"""Funnel plots of rates per population: PHE's exact Poisson method, chosen from the measure's
kind (proportions keep Spiegelhalter's), on a small hierarchy stored for real."""

import polars as pl
import pytest
from scipy.stats import poisson

from qi.access import local_admin
from qi.render.funnel_figures import funnel_chart
from qi.services.compare import compare_places, comparison_measures
from qi.store import connect, upgrade, upsert_measures
from tests.store.test_places import JAN, _setup, _store


def as_rate(engine) -> None:
    """Define ``seen_in_time`` (stored by ``_setup`` as a proportion) as a rate per 1,000."""
    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": ["seen_in_time"],
                "name": ["Admissions"],
                "definition": None,
                "unit": "children",
                "kind": "rate",
                "multiplier": 1000.0,
                "improvement": "down",
                "target": None,
                "chart": "u",
                "rule_set": None,
                "frequency": "month",
            }
        ),
    )


@pytest.fixture
def engine(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'qi.sqlite'}")
    upgrade(engine)
    _setup(engine)
    # The same measure, now a rate per 1,000 population.
    as_rate(engine)
    # Wards: W1 10 per 10,000 (1.0 per 1,000), W2 60 per 10,000 (6.0), W3 25 per 9,000 (2.8).
    _store(
        engine,
        [
            ("L1", JAN, "all", 4, 5000),
            ("L2", JAN, "all", 6, 5000),
            ("L3", JAN, "all", 60, 10000),
            ("L4", JAN, "all", 25, 9000),
        ],
    )
    yield engine
    engine.dispose()


def test_a_rate_is_compared_by_phes_exact_poisson_method(engine):
    assert comparison_measures(engine, local_admin("tester")) == ["seen_in_time"]
    found = compare_places(engine, local_admin("tester"), "seen_in_time", "ward", JAN, JAN)
    assert found.method == "phe" and found.phi is None and not found.adjusted
    assert found.target == pytest.approx(95 / 29000 * 1000)
    by_place = {r["place"]: r for r in found.places.iter_rows(named=True)}
    assert by_place["W1"]["value"] == pytest.approx(1.0)
    assert by_place["W2"]["value"] == pytest.approx(6.0)
    # 10 events where 32.8 were expected: far below; 60 where 32.8: far above; 25 where 29.5.
    assert {p: r["flag"] for p, r in by_place.items()} == {
        "W1": "low_998",
        "W2": "high_998",
        "W3": "within",
    }
    assert by_place["W2"]["reading"] == "higher than expected, beyond the 99.8% limits"


def test_the_rate_limits_are_exact_poisson_around_the_overall_rate(engine):
    found = compare_places(engine, local_admin("tester"), "seen_in_time", "ward", JAN, JAN)
    limits = found.limits
    assert set(limits["line"]) == {"lower_95", "upper_95", "lower_998", "upper_998"}
    assert not limits["adjusted"].any()
    rate = found.target / 1000
    # On the upper 95% line, a place of that population with that many events lies exactly at
    # the limit: P(K >= events) = 2.5% for a Poisson of mean population x overall rate.
    upper = limits.filter(pl.col("line") == "upper_95").filter(pl.col("denominator") > 1000)
    for row in upper.head(5).iter_rows(named=True):
        events = row["limit"] * row["denominator"] / 1000
        expected = row["denominator"] * rate
        assert poisson.sf(round(events) - 1, expected) == pytest.approx(0.025, rel=1e-4)
    # The funnel narrows as populations grow, around the overall rate.
    for line, side in (("upper_998", 1), ("lower_998", -1)):
        curve = limits.filter(pl.col("line") == line).sort("denominator")
        gaps = ((curve["limit"] - found.target) * side).to_list()
        assert all(g > 0 for g in gaps) and gaps[-1] < gaps[0]


def test_the_rate_funnel_draws_its_limits_without_an_unadjusted_layer(engine):
    found = compare_places(engine, local_admin("tester"), "seen_in_time", "ward", JAN, JAN)
    spec = funnel_chart(found, width=500).to_dict()
    names = [layer.get("name") for layer in spec["layer"]]
    assert names == ["limits", "target", "places", "labels"]
    assert "exact Poisson" in spec["title"]["subtitle"][0]
