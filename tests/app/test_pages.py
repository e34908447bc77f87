"""The app's pages, run by Streamlit's AppTest (no server, no browser) on the demo database."""

import json
import re
from datetime import date

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from qi.access import local_admin
from qi.demo import AE_ATTRIBUTION, DEMO_NOTICE
from qi.services.review import measure_view
from qi.store import open_store, read_series, read_uploads
from qi.store.annotations import read_annotations

from .conftest import APP, BAD_CSV, leeds_referrals_csv

PAGES = ("home.py", "upload.py", "measures.py", "annotate.py")
LEEDS, REFERRALS = "E08000035", "cyp_mh_referrals"
WAKEFIELD, BREASTFEEDING = "E08000036", "breastfeeding_6_8_weeks"
EARLY_SUPPORT = "Early support for emotional wellbeing"


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    if page != "home.py":
        at.switch_page(f"qi/app/pages/{page}").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote in words."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in ("success", "error", "info", "warning") for e in at.get(kind)]
    # Pages escape Markdown in what users typed ("Best Start\\: ..."): read it as shown.
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def table_with(at: AppTest, column: str) -> pl.DataFrame:
    """The first table on the page with this column, as polars (a static table's cells are
    Markdown, escaped by the page: read as shown)."""
    for frame in [*at.dataframe, *at.table]:
        if column in frame.value.columns:
            shown = pl.from_pandas(frame.value)
            return shown.with_columns(pl.col(pl.String).str.replace_all(r"\\(.)", "$1"))
    raise AssertionError(f"no table with a column {column!r}")


def choose(at: AppTest, measure: str, place: str, initiative=None) -> AppTest:
    box = at.selectbox(key="qi.pick.initiative")
    # None is the option "Every place" (AppTest's set_value(None) would send no choice at all).
    box.set_value(initiative) if initiative else box.select_index(box.options.index("Every place"))
    at.run()
    at.selectbox(key="qi.pick.measure").set_value(measure).run()
    at.selectbox(key="qi.pick.place").set_value(place).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo(demo_url, page):
    at = open_page(page)
    assert at.title[0].value


def test_home_says_what_qi_is_that_the_demo_is_synthetic_and_credits_the_ae_data(demo_url):
    at = open_page("home.py")
    words = texts(at)
    assert "Quality improvement for place-based partnerships" in words
    assert DEMO_NOTICE in words
    assert AE_ATTRIBUTION in words
    assert "Best Start: healthy under-fives" in words  # the programmes are summarised


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    at.button(key=None)  # noqa: B018 (the button exists only once a file is dropped)
    [check] = [b for b in at.button if b.label == "Check and store"]
    check.click().run()
    assert not at.exception, at.exception
    return at


def test_a_valid_file_is_stored_and_shows_in_the_history(demo_url):
    at = upload(open_page("upload.py"), "leeds.csv", leeds_referrals_csv())
    assert "leeds.csv: stored" in texts(at)
    stored = read_series(
        open_store(demo_url), local_admin("tester"), measures=REFERRALS, places=LEEDS
    )
    assert stored.filter(pl.col("period") >= date(2025, 4, 1)).height == 9
    history = table_with(at, "Outcome")
    assert history["File"][0] == "leeds.csv" and history["Outcome"][0] == "Stored"


def test_a_bad_file_shows_every_problem_with_its_fix_and_stores_nothing(demo_url):
    engine = open_store(demo_url)
    before = read_series(engine, local_admin("tester")).height
    at = upload(open_page("upload.py"), "bad.csv", BAD_CSV)
    assert "bad.csv: rejected" in texts(at)
    report = table_with(at, "Problem")
    assert list(report.columns) == ["Severity", "Row", "Column", "Value", "Problem", "Fix"]
    assert set(report["Value"]) == {"E0800003X", "1O4"}
    assert report["Fix"].str.len_chars().min() > 10
    assert read_series(engine, local_admin("tester")).height == before
    logged = read_uploads(engine, local_admin("tester")).filter(pl.col("file_name") == "bad.csv")
    assert logged["outcome"].to_list() == ["rejected"]
    assert json.loads(logged["report"][0])["errors"] == 2


def test_choosing_a_measure_draws_its_chart_icons_and_reading(demo_url):
    at = choose(open_page("measures.py"), BREASTFEEDING, WAKEFIELD)
    [chart] = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert "Breastfeeding" in spec["title"]["text"] and "Wakefield" in spec["title"]["text"]
    layers = [layer.get("name") for layer in spec["layer"]]
    assert {"points", "centre", "upper_limit", "lower_limit", "annotations"} <= set(layers)
    words = texts(at)
    assert "What the chart says" in words
    assert "variation" in words.lower()  # the icon's meaning, in words
    expected = measure_view(
        open_store(demo_url), local_admin("tester"), BREASTFEEDING, places=WAKEFIELD
    )
    assert expected.reading(WAKEFIELD) in words  # the plain-English reading


def test_two_sigma_lines_and_another_chart_type_can_be_chosen(demo_url):
    at = choose(open_page("measures.py"), BREASTFEEDING, WAKEFIELD)
    assert at.selectbox(key=f"qi.chart.{BREASTFEEDING}").value == "pp"  # the measure's default
    at.toggle(key=f"qi.sigma2.{BREASTFEEDING}").set_value(True).run()
    at.selectbox(key=f"qi.chart.{BREASTFEEDING}").set_value("p").run()
    assert not at.exception
    layers = [
        layer.get("name") for layer in json.loads(at.get("vega_lite_chart")[0].proto.spec)["layer"]
    ]
    assert "upper_2sigma" in layers and "lower_2sigma" in layers


def test_every_place_of_an_initiative_side_by_side_each_with_its_icons(demo_url):
    at = choose(open_page("measures.py"), REFERRALS, LEEDS, initiative=None)
    at.selectbox(key="qi.pick.initiative").set_value(EARLY_SUPPORT).run()
    at.session_state["qi.view"] = "Every place, side by side"  # the segmented control
    at.run()
    assert not at.exception, at.exception
    [chart] = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert "facet" in spec
    names = [layer.get("name") for layer in spec["spec"]["layer"]]
    assert "variation_icon" in names


def test_the_scope_survives_a_visit_to_another_page(demo_url):
    at = choose(open_page("measures.py"), BREASTFEEDING, WAKEFIELD)
    at.switch_page("qi/app/pages/upload.py").run()
    at.switch_page("qi/app/pages/annotate.py").run()
    assert at.selectbox(key="qi.pick.measure").value == BREASTFEEDING
    assert at.selectbox(key="qi.pick.place").value == WAKEFIELD


def add_annotation_through_the_form(at: AppTest, period: date, effect: str, reason: str):
    [period_box] = [s for s in at.selectbox if s.label == "Period"]
    period_box.set_value(period)
    [text] = [t for t in at.text_input if t.label.startswith("What happened")]
    text.input("New referral pathway")
    [why] = [t for t in at.text_input if t.label.startswith("Reason")]
    why.input(reason)
    at.radio[0].set_value(effect)
    [submit] = [b for b in at.button if b.label == "Add annotation"]
    submit.click().run()
    assert not at.exception, at.exception
    return at


def test_an_annotation_that_recalculates_the_limits_is_listed_then_undone(demo_url):
    engine = open_store(demo_url)
    at = choose(open_page("annotate.py"), REFERRALS, LEEDS, initiative=None)
    assert "1 phase" in texts(at)
    at = add_annotation_through_the_form(
        at, date(2024, 4, 1), "Recalculate limits from here (a new phase)", "New pathway"
    )
    assert "Annotation added at Apr 2024" in texts(at)
    assert "2 phases" in texts(at)
    phases = table_with(at, "Phase")
    assert phases["Phase"].to_list() == ["Phase 1", "Phase 2"]
    assert phases["From"][1] == "Apr 2024"
    [stored] = (
        read_annotations(engine, local_admin("tester"), measures=REFERRALS, places=LEEDS)
        .filter(pl.col("text") == "New referral pathway")
        .iter_rows(named=True)
    )
    assert stored["new_phase"] and stored["reason"] == "New pathway"
    assert "limits recalculated from here" in texts(at) and "Why: New pathway" in texts(at)

    [undo] = [b for b in at.button if b.key == f"qi.undo.{stored['id']}"]
    undo.click().run()
    assert not at.exception, at.exception
    assert "1 phase" in texts(at)
    assert "Undone by" in texts(at)
    assert (
        read_annotations(engine, local_admin("tester"), measures=REFERRALS, places=LEEDS)
        .filter(pl.col("id") == stored["id"])
        .height
        == 0
    )


def _next_to(block, key: str):
    """The element drawn right after the widget ``key`` (in the same block), if any."""
    children = list(getattr(block, "children", {}).values())
    for i, child in enumerate(children):
        if getattr(child, "key", None) == key:
            return children[i + 1] if i + 1 < len(children) else None
        found = _next_to(child, key)
        if found is not None:
            return found
    return None


def test_recalculating_without_a_reason_is_refused_and_says_why(demo_url):
    at = choose(open_page("annotate.py"), REFERRALS, LEEDS, initiative=None)
    at = add_annotation_through_the_form(
        at, date(2024, 4, 1), "Recalculate limits from here (a new phase)", ""
    )
    assert "needs a reason" in texts(at)
    assert "1 phase" in texts(at)


def test_a_suggested_change_point_is_confirmed_with_a_reason_or_dismissed(demo_url):
    at = upload(open_page("upload.py"), "leeds.csv", leeds_referrals_csv())
    at.switch_page("qi/app/pages/annotate.py").run()
    at = choose(at, REFERRALS, LEEDS, initiative=None)
    confirms = [b for b in at.button if b.label.startswith("Confirm")]
    assert confirms, "the shift after the upload is suggested as a change point"
    key = confirms[0].key.removeprefix("qi.confirm.")
    # The rule in its rule set's words, never its code ("rule: shift").
    assert "Rule: seven or more points in a row below the centre line." in texts(at)
    assert "rule: shift" not in texts(at)
    # Without a reason: refused, said beside the reason, nothing recalculated.
    at.button(key=f"qi.confirm.{key}").click().run()
    reason = at.text_input(key=f"qi.reason.{key}")
    assert reason.label == "Why the process changed (required)"
    [refusal] = [e.value for e in at.error]
    assert refusal.startswith("Not confirmed:") and "reason" in refusal
    beside = _next_to(at.main, f"qi.reason.{key}")
    assert beside is not None and beside.type == "error" and beside.value == refusal
    assert "1 phase" in texts(at)
    at.text_input(key=f"qi.reason.{key}").input("Referral criteria changed")
    at.button(key=f"qi.confirm.{key}").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert "Limits recalculated from" in texts(at)
    assert "2 phases" in texts(at)

    remaining = [b for b in at.button if b.label == "Dismiss"]
    if remaining:
        before = len(remaining)
        remaining[0].click().run()
        assert len([b for b in at.button if b.label == "Dismiss"]) == before - 1
