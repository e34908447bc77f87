"""A Compare places page for a published board pack (``published_comparison``): places with
from 1 to 7 events are not shown, other counts are rounded to the nearest 5, and the values,
flags and readings are the stored values' (six LSOAs stored for real, numerators 0, 3, 7, 8,
12 and 1,234 over 2,003 each)."""

import polars as pl
import pytest

from qi.access import local_admin
from qi.services.compare import LIMIT_NAMES, PlaceComparison, compare_places
from qi.services.published import published_comparison
from qi.store import connect, upgrade, upsert_places
from tests.store.test_places import JAN, _setup, _store

TESTER = local_admin("tester")
NUMERATORS = {"L1": 0, "L2": 3, "L3": 7, "L4": 8, "L5": 12, "L6": 1234}
DENOMINATOR = 2003
# What a published page may show of each: (numerator, denominator, suppressed).
CONTROLLED = {
    "L1": (0.0, 2005.0, False),
    "L2": (None, None, True),
    "L3": (None, None, True),
    "L4": (10.0, 2005.0, False),
    "L5": (10.0, 2005.0, False),
    "L6": (1235.0, 2005.0, False),
}


def six_lsoas(engine) -> None:
    """``_setup``'s places and measure (a proportion, %), two more LSOAs, and one month."""
    _setup(engine)
    upsert_places(
        engine,
        TESTER,
        pl.DataFrame(
            {
                "code": ["L5", "L6"],
                "name": ["Place L5", "Place L6"],
                "type": "lsoa",
                "parent": "W3",
                "gss_code": None,
            },
            schema_overrides={"gss_code": pl.String},
        ),
    )
    _store(engine, [(p, JAN, "all", n, DENOMINATOR) for p, n in NUMERATORS.items()])


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> PlaceComparison:
    engine = connect(f"sqlite:///{tmp_path_factory.mktemp('compare') / 'qi.sqlite'}")
    upgrade(engine)
    six_lsoas(engine)
    found = compare_places(engine, TESTER, "seen_in_time", "lsoa", JAN, JAN)
    engine.dispose()
    return found


def test_small_places_are_not_shown_and_other_counts_are_rounded(stored):
    published = published_comparison(stored, environ={})
    shown = {
        r["place"]: (r["numerator"], r["denominator"], r["suppressed"])
        for r in published.places.iter_rows(named=True)
    }
    assert shown == CONTROLLED
    values = dict(published.places.select("place", "value").iter_rows())
    stored_values = dict(stored.places.select("place", "value").iter_rows())
    # Values are the stored counts' (1,234 / 2,003, not 1,235 / 2,005); none for small places.
    assert values["L6"] == pytest.approx(100 * 1234 / DENOMINATOR)
    assert {p: v for p, v in values.items() if v is not None} == {
        p: v for p, v in stored_values.items() if p not in ("L2", "L3")
    }
    assert values["L2"] is None and values["L3"] is None
    # The engine's result keeps only the controlled columns; no limit at a place's own
    # denominator (it would give the denominator back).
    assert (
        published.funnel.points.sort("place").rows()
        == published.places.select("place", "numerator", "denominator", "value", "suppressed")
        .sort("place")
        .rows()
    )
    assert published.places.select(LIMIT_NAMES).null_count().row(0) == (6, 6, 6, 6)
    assert "from 1 to 7 events" in published.disclosure and stored.disclosure == ""


def test_flags_readings_limits_and_the_overall_value_are_the_stored_ones(stored):
    published = published_comparison(stored, environ={})
    assert (
        published.places.select("place", "flag", "reading").rows()
        == stored.places.select("place", "flag", "reading").rows()
    )
    assert published.places["flag"].n_unique() > 1  # the readings differ: a real check
    # The curves stay, cut half a rounding below the largest drawn denominator (2,005): their
    # end would give the largest stored one (2,003) back.
    assert published.limits.equals(stored.limits.filter(pl.col("denominator") <= 2002.5))
    assert stored.limits["denominator"].max() == DENOMINATOR
    assert published.limits.height > 0.9 * stored.limits.height
    assert (published.target, published.phi, published.adjusted) == (
        stored.target,
        stored.phi,
        stored.adjusted,
    )
    for reading in published.places["reading"]:
        assert not any(ch.isdigit() for ch in reading.replace("99.8%", "").replace("95%", ""))


def test_a_measure_published_as_stored_says_so(stored):
    published = published_comparison(
        stored, environ={"QI_DISCLOSURE_MEASURES": "seen_in_time=none"}
    )
    assert published.places.drop("suppressed").equals(stored.places)
    assert not published.places["suppressed"].any()
    assert "published as stored" in published.disclosure
