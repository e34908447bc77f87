"""The demo's neighbourhoods: real LSOAs, wards and IMD 2025 deciles, a synthetic measure by
LSOA and by deprivation quintile, and Compare places working on it out of the box."""

from datetime import date

import polars as pl
import pytest

from qi.access import local_admin
from qi.demo import load_demo
from qi.services.compare import (
    CompareError,
    compare_places,
    comparison_levels,
    inequality_view,
)
from qi.store import read_measures, read_places
from qi.store.places import read_deprivation, read_rollup

GLD = "good_level_of_development"
LEEDS, ICB = "E08000035", "E54000054"


def test_the_lsoas_are_real_with_their_imd_deciles_and_the_measure_is_labelled_synthetic(
    sqlite_url,
):
    from qi.store import open_store

    engine = open_store(sqlite_url)
    load_demo(engine)
    places = read_places(engine)
    assert places.filter(pl.col("type") == "lsoa").height == 1404
    assert places.filter(pl.col("type") == "ward").height == 124
    deprivation = read_deprivation(engine, "lsoa")
    assert deprivation.height == 1404 and set(deprivation["imd_decile"]) == set(range(1, 11))
    measure = read_measures(engine).filter(pl.col("code") == GLD).row(0, named=True)
    assert measure["definition"].startswith("Synthetic demo data")
    # The districts' quintile breakdowns are their LSOAs' sums: the same total either way.
    totals = read_rollup(
        engine, local_admin("tester"), GLD, "local_authority", "lsoa", end=date(2022, 1, 1)
    )
    groups = read_rollup(
        engine,
        local_admin("tester"),
        GLD,
        "local_authority",
        "local_authority",
        end=date(2022, 1, 1),
        breakdown="imd_quintile",
    )
    by_group = groups.group_by("place").agg(pl.col("denominator").sum()).sort("place")
    assert by_group["denominator"].to_list() == totals["denominator"].to_list()


def test_compare_places_works_on_the_demo_at_every_level_and_shows_inequality(sqlite_url):
    from qi.store import open_store

    engine = open_store(sqlite_url)
    load_demo(engine)
    assert comparison_levels(engine, local_admin("tester"), GLD) == [
        "lsoa",
        "ward",
        "local_authority",
    ]
    wards = compare_places(
        engine, local_admin("tester"), GLD, "ward", date(2025, 1, 1), date(2025, 1, 1)
    )
    assert wards.places.height == 124
    assert wards.adjusted and wards.phi > 1
    outside = wards.places.filter(pl.col("flag") != "within")
    assert outside.height > 0
    assert outside["reading"].str.ends_with("after allowing for over-dispersion").all()
    view = inequality_view(engine, local_admin("tester"), GLD, ICB)
    assert view is not None and view.indices.height == 4
    # Synthetic, but shaped like the real gradient: the least deprived do better.
    assert (view.indices["sii"] > 0).all()
    narrowing = inequality_view(
        engine, local_admin("tester"), GLD, "E08000032"
    )  # Bradford catches up
    assert narrowing is not None
    gaps = narrowing.gap.points["value"].to_list()
    assert gaps[-1] < gaps[0]
    # What cannot be compared says why.
    with pytest.raises(
        CompareError,
        match="is a count of people or events: funnel plots here compare proportions and rates",
    ):
        compare_places(engine, local_admin("tester"), "cyp_mh_referrals", "local_authority")
    with pytest.raises(
        CompareError,
        match="cannot be compared at the level of wards: its data are stored at local authorities",
    ):
        compare_places(engine, local_admin("tester"), "breastfeeding_6_8_weeks", "ward")
