"""The Upload page for a team's first file: choices instead of codes, a preview before storing,
templates, every code and name on show, and the chart of what was just stored."""

import polars as pl

from qi.access import local_admin
from qi.store import open_store, read_measures, read_places, read_series

from .conftest import leeds_referrals_csv
from .test_pages import LEEDS, REFERRALS, open_page, table_with, texts, upload

REFERRALS_NAME = "Referrals to children and young people's mental health services"


def test_a_file_without_measure_and_place_columns_is_stored_once_both_are_chosen(demo_url):
    at = open_page("upload.py")
    content = b"period,value\n2025-04-01,1150\n2025-05-01,1160\n"
    at.file_uploader[0].set_value(("leeds.csv", content, "text/csv")).run()
    assert "has no measure column and no place column" in texts(at)
    measure = at.selectbox(key="qi.upload.measure")
    assert measure.label == "Measure of the whole file (required)" and measure.value is None
    measure.set_value(REFERRALS).run()
    at.selectbox(key="qi.upload.place").set_value(LEEDS).run()
    assert "Storing it would add 2 new observations" in texts(at)
    # The preview stored nothing.
    engine = open_store(demo_url)
    assert (
        read_series(engine, local_admin("tester"), REFERRALS, places=LEEDS)
        .filter(pl.col("period") >= pl.date(2025, 4, 1))
        .is_empty()
    )
    [store] = [b for b in at.button if b.label == "Check and store"]
    store.click().run()
    assert "leeds.csv: stored" in texts(at), texts(at)
    assert read_series(engine, local_admin("tester"), REFERRALS, places=LEEDS)["value"].tail(
        2
    ).to_list() == [1150, 1160]
    # "See the chart" opens the measure and place just stored.
    [see] = [b for b in at.button if b.label == "See the chart"]
    see.click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="qi.pick.measure").value == REFERRALS
    assert at.selectbox(key="qi.pick.place").value == LEEDS
    # No initiative holds both: every place, said in words (not "Choose an option").
    initiative = at.selectbox(key="qi.pick.initiative")
    assert initiative.value is None and initiative.placeholder == "Every place"


def test_the_preview_shows_the_first_rows_layout_periods_and_what_would_change(demo_url):
    at = open_page("upload.py")
    at.file_uploader[0].set_value(("leeds.csv", leeds_referrals_csv(), "text/csv")).run()
    words = texts(at)
    assert "Layout: long: one row per measure, place and period." in words
    assert "Periods: April 2025 to December 2025." in words
    assert "Storing it would add 9 new observations, revise 0" in words
    first = table_with(at, "Row")
    assert first.columns == ["Row", "measure", "place", "period", "value"]
    assert first["Row"].to_list()[:2] == [2, 3]


def test_measure_and_place_names_are_accepted_and_a_near_miss_is_told_the_name(demo_url):
    content = (
        "measure,place,period,value\n"
        f"{REFERRALS_NAME.upper()},leeds,2025-04-01,1150\n"
        f"{REFERRALS_NAME},Leds,2025-05-01,1150\n"
    ).encode()
    at = upload(open_page("upload.py"), "names.csv", content)
    report = table_with(at, "Problem")
    [problem] = report["Problem"].to_list()
    assert "did you mean 'Leeds' (E08000035)?" in problem
    assert report["Row"].to_list() == ["3"]


def test_every_measure_and_place_code_and_name_can_be_seen_with_a_template_each(demo_url):
    at = open_page("upload.py")
    engine = open_store(demo_url)
    shown = table_with(at, "Kind")
    assert set(shown["Code"]) == set(read_measures(engine)["code"])
    assert REFERRALS_NAME in shown["Name"].to_list()
    places = [
        pl.from_pandas(d.value)
        for d in at.dataframe
        if list(d.value.columns)[:3] == ["Code", "Name", "Type"]
    ]
    assert set(places[0]["Code"]) == set(read_places(engine)["code"])
    [template] = [s for s in at.selectbox if s.label == "Template for measure"]
    assert set(template.options) == {
        f"{n} ({c})" for c, n in read_measures(engine).select("code", "name").iter_rows()
    }


def test_the_pages_own_example_imports_cleanly(demo_url):
    at = open_page("upload.py")
    example = table_with(at, "place name")
    at = upload(at, "example.csv", example.write_csv().encode())
    words = texts(at)
    assert "example.csv: stored" in words or "example.csv: nothing changed" in words, words
    assert not [t for t in at.table if "Problem" in t.value.columns]


def test_suppressed_cells_are_reported_as_kept_missing_with_their_count(demo_url):
    content = leeds_referrals_csv().decode().replace(",1150\n", ",*\n").replace(",1157\n", ",*\n")
    at = upload(open_page("upload.py"), "leeds.csv", content.encode())
    words = texts(at)
    assert "leeds.csv: stored" in words
    assert "6 cells kept as missing (suppressed or not available)" in words
    report = table_with(at, "Problem")
    note = report.filter(pl.col("Severity") == "Note")
    assert note["Problem"].to_list() == [
        "suppressed (*): kept as missing, not stored as zero (in 6 cells)"
    ]
    assert note["Row"][0].count(",") == 5


def test_the_measure_and_place_chosen_stay_chosen_when_the_file_is_replaced(demo_url):
    at = open_page("upload.py")
    draft = b"period,value\n2025-04-01,1150\n2025-05-01,oops\n"
    at.file_uploader[0].set_value(("draft.csv", draft, "text/csv")).run()
    at.selectbox(key="qi.upload.measure").set_value(REFERRALS).run()
    at.selectbox(key="qi.upload.place").set_value(LEEDS).run()
    # Replacing the file: the browser removes the draft (a run with no file), then sends the
    # corrected one.
    at.file_uploader[0].set_value(None).run()
    assert not [b for b in at.selectbox if b.key == "qi.upload.measure"]
    fixed = b"period,value\n2025-04-01,1150\n2025-05-01,1160\n"
    at.file_uploader[0].set_value(("fixed.csv", fixed, "text/csv")).run()
    assert at.selectbox(key="qi.upload.measure").value == REFERRALS
    assert at.selectbox(key="qi.upload.place").value == LEEDS
    assert "Storing it would add 2 new observations" in texts(at)
