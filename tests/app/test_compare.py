"""The Compare places page in AppTest: the funnel of the demo's places, the table of places in
words, a place's chart, and the inequality view beside it."""

import json
from datetime import date

import polars as pl

from qi.access import local_admin
from qi.demo.neighbourhoods import POPULATION_SOURCE
from qi.demo.partnership import AE_UNDER5
from qi.services.compare import compare_places, place_view
from qi.store import open_store, read_series
from qi.store.places import read_places_within, read_populations

from .test_pages import open_page, table_with, texts

GLD = "good_level_of_development"
GUISELEY = "E05011395"  # Guiseley & Rawdon, a ward of Leeds


def test_the_page_compares_the_demos_wards_and_shows_inequality_beside_them(demo_url):
    at = open_page("compare.py")
    assert at.title[0].value == "Compare places"
    assert at.selectbox(key="qi.compare.measure").value == GLD
    assert at.selectbox(key="qi.compare.level").value == "ward"
    expected = compare_places(
        open_store(demo_url), local_admin("tester"), GLD, "ward", date(2025, 1, 1), date(2025, 1, 1)
    )
    table = table_with(at, "Where it lies")
    assert table.height == 124
    shown = dict(table.select("Code", "Where it lies").iter_rows())
    assert shown == dict(expected.places.select("place", "reading").iter_rows())
    words = texts(at)
    assert "124 wards;" in words and "outside the 95% limits" in words
    assert "Slope index of inequality, 2025" in words
    assert at.dataframe[0].value.columns.tolist() == ["Period", "SII", "SII 95% interval", "RII"]


def test_choosing_a_place_opens_its_chart_summed_from_its_lsoas(demo_url):
    at = open_page("compare.py")
    at.selectbox(key="qi.compare.place").set_value(GUISELEY).run()
    assert not at.exception, at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    # The funnel, the inequality lines, the gap, and last the ward's own chart over time.
    assert len(specs) == 4
    funnel_layers = [layer.get("name") for layer in specs[0]["layer"]]
    assert {"limits", "unadjusted_limits", "target", "places", "labels"} <= set(funnel_layers)
    assert specs[0]["params"][0]["name"] == "place_pick"
    assert specs[-1]["title"]["text"] == "Guiseley & Rawdon"
    # Its points: one per school year, each the sum of the ward's LSOAs.
    engine = open_store(demo_url)
    points = place_view(engine, local_admin("tester"), GLD, GUISELEY).points
    lsoas = read_places_within(engine, GUISELEY, "lsoa")["code"].to_list()
    summed = (
        read_series(engine, local_admin("tester"), GLD, places=lsoas)
        .group_by("period")
        .agg(pl.sum("numerator"))
    )
    assert (
        points.sort("period")["numerator"].to_list() == summed.sort("period")["numerator"].to_list()
    )
    assert "(Guiseley & Rawdon is in Leeds)" in texts(at)


def test_the_level_can_be_the_local_authorities(demo_url):
    at = open_page("compare.py")
    at.selectbox(key="qi.compare.level").set_value("local_authority").run()
    assert not at.exception, at.exception
    table = table_with(at, "Where it lies")
    assert set(table["Place"]) == {"Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield"}
    assert pl.Series(table["Denominator"]).min() > 1000


def test_on_an_empty_database_the_page_says_what_a_funnel_needs(tmp_path, monkeypatch):
    monkeypatch.setenv("QI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    at = open_page("compare.py")
    assert "No measure can be compared yet" in texts(at)
    assert not at.get("vega_lite_chart")


def test_a_rate_is_compared_on_the_page_by_phes_method(demo_url):
    at = open_page("compare.py")
    at.selectbox(key="qi.compare.measure").set_value("ae_under5_rate").run()
    assert not at.exception, at.exception
    table = table_with(at, "Where it lies")
    assert set(table["Place"]) == {"Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield"}
    assert "exact Poisson limits around the overall rate" in texts(at)
    funnel = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "unadjusted_limits" not in [layer.get("name") for layer in funnel["layer"]]


def test_the_measures_page_shows_inequality_in_a_collapsed_expander(demo_url):
    from .test_pages import choose

    leeds_lsoa = "E01011467"  # Leeds 112A: the breakdown is stored for Leeds, the LSOA's district
    at = choose(open_page("measures.py"), GLD, leeds_lsoa)
    [expander] = [e for e in at.expander if e.label.startswith("Inequality")]
    assert expander.proto.expanded is False
    words = "\n".join(m.value for m in expander.markdown)
    assert "**Leeds** by deprivation quintile" in words and "(Leeds 112A is in Leeds)" in words
    assert "Slope index of inequality, 2025" in words
    assert expander.dataframe[0].value.columns.tolist() == [
        "Period",
        "SII",
        "SII 95% interval",
        "RII",
    ]
    # Without a deprivation breakdown, no expander.
    at = choose(open_page("measures.py"), "breastfeeding_6_8_weeks", "E08000036")
    assert not [e for e in at.expander if e.label.startswith("Inequality")]


def test_changing_measure_compares_the_new_measures_latest_period(demo_url):
    at = open_page("compare.py")
    at.selectbox(key="qi.compare.measure").set_value("ae_under5_rate").run()
    assert not at.exception, at.exception
    engine = open_store(demo_url)
    latest = max(read_series(engine, local_admin("tester"), "ae_under5_rate")["period"])
    expected = compare_places(
        engine, local_admin("tester"), "ae_under5_rate", "local_authority", latest, latest
    )
    table = table_with(at, "Where it lies")
    assert table["Numerator"].to_list() == expected.places["numerator"].to_list()


def test_the_table_shows_each_places_population_with_its_year_and_source(demo_url):
    at = open_page("compare.py")
    table = table_with(at, "Where it lies")
    stored = read_populations(open_store(demo_url), "ward")
    assert stored.height == 124
    shown = dict(table.select("Code", "Population").iter_rows())
    assert shown == dict(stored.select("code", "population").iter_rows())
    assert set(table["Population year"]) == {"2024"}
    assert f"Population: everyone living in the place. Source: {POPULATION_SOURCE}." in texts(at)
    assert "person-time" not in texts(at)  # a proportion's denominator is its cases


def test_a_rate_says_its_denominator_is_person_time(demo_url):
    at = open_page("compare.py")
    at.selectbox(key="qi.compare.measure").set_value(AE_UNDER5).run()
    assert not at.exception, at.exception
    words = texts(at)
    assert "Rates are per 1,000 person-months" in words
    assert "The rate's denominator is person-time: person-months" in words
    table = table_with(at, "Where it lies")
    assert "Person-time (person-months)" in table.columns
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "per 1,000 person-months" in spec["title"]["subtitle"][0]
