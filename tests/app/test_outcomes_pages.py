"""The Outcomes and You said, we did pages, run by Streamlit's AppTest on the demo database."""

import json
from datetime import date

import polars as pl

from qi.access import local_admin
from qi.demo.outcomes import EXPERIENCE_FAIRLY
from qi.demo.partnership import EHCP
from qi.services.groups import group_views
from qi.store import open_store
from qi.store.access import read_audit
from qi.store.feedback import read_responses, waiting_inputs
from qi.store.outcomes import purpose_history, read_purposes

from .test_access_pages import accounts_template, accounts_url, sign_in  # noqa: F401 (fixtures)
from .test_pages import choose, open_page, table_with, texts

CALDERDALE = "E08000033"


def test_outcomes_show_each_domain_by_place_with_icons_measures_and_the_panels_story(demo_url):
    at = open_page("outcomes.py")
    picker = at.selectbox(key="qi.outcomes.initiative")
    picker.select_index(len(picker.options) - 1).run()  # every place
    assert not at.exception, at.exception
    headers = [h.value for h in at.header]
    assert headers == [
        "Healthy",
        "Happy",
        "Safe",
        "Socially connected",
        "Supported to learn, grow and develop",
    ]
    shown = texts(at)
    assert "EHC plans issued within 20 weeks (%)" in shown
    assert "Treated fairly and with respect (%)" in shown
    assert "**Chosen by the panel:** Illustrative: a form that doesn't sound like a doctor" in shown
    # Icons carry their meaning in words (alt text and caption).
    assert "![Common cause variation]" in shown or "Common cause" in shown
    cells = [c for c in at.get("flex_container") if "qi-outcome-safe-" in str(c.proto)]
    assert cells or "Calderdale" in shown


def test_an_initiative_narrows_the_places(demo_url):
    at = open_page("outcomes.py")
    at.selectbox(key="qi.outcomes.initiative").set_value("Early support for emotional wellbeing")
    at.run()
    shown = texts(at)
    assert "Kirklees" in shown and "Calderdale" in shown and "Bradford" not in shown


def test_you_said_we_did_counts_what_waits_and_records_a_reply(demo_url):
    at = open_page("you_said.py")
    at.selectbox(key="qi.you_said.initiative").set_value("Best Start: healthy under-fives").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Waiting for a reply"] == "1"
    shown = texts(at)
    assert "**Not yet:** Leeds has no evening advice line yet" in shown
    assert "So far we have made it to level 3 of 5" in shown
    at.text_area[0].input("We moved the drop-in to Saturdays because you asked.")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    engine = open_store(demo_url)
    assert (
        waiting_inputs(
            engine,
            local_admin("tester"),
            date.today(),
            initiative="Best Start: healthy under-fives",
            audience="internal",
        ).height
        == 0
    )
    assert (
        "We moved the drop-in to Saturdays because you asked."
        in read_responses(engine, local_admin("tester"), audience="internal")["text"].to_list()
    )
    assert {m.label: m.value for m in at.metric}["Waiting for a reply"] == "0"


def test_the_meeting_view_says_how_many_inputs_wait_for_a_reply(demo_url):
    at = open_page("meeting.py")
    shown = texts(at)
    assert "1 input from children, young people, families or communities still wait" in shown


def _purpose_form(at):
    at.selectbox(key="qi.purposes.measure").set_value(EHCP).run()
    assert not at.exception, at.exception
    form = next(f for f in at.get("form") if "qi.purposes.form" in str(f.proto))
    return form


def test_an_admin_changes_why_a_measure_is_measured_and_the_change_is_kept(demo_url):
    at = open_page("outcomes.py")
    form = _purpose_form(at)
    assert form.selectbox[0].value == "performance"
    form.selectbox[0].set_value("outcome")
    form.text_input[0].input("")
    form.multiselect[0].set_value(["safe", "happy"])
    form.button[0].click().run()
    assert not at.exception, at.exception
    assert "Saved." in texts(at)
    engine = open_store(demo_url)
    stored = read_purposes(engine).filter(pl.col("measure") == EHCP).row(0)
    assert stored == (EHCP, "outcome", None, ["happy", "safe"])
    history = purpose_history(engine, EHCP)
    assert history.tail(1).select("purpose", "changed_by").rows() == [
        ("outcome", "Local administrator")
    ]
    shown = table_with(at, "Who")
    assert shown["Outcomes"][0] == "Happy; Safe"


def test_a_coach_is_refused_beside_the_form_and_nothing_changes(request):
    accounts = request.getfixturevalue("accounts_url")  # the demo with one account per role
    at = sign_in("coach")
    at.switch_page("qi/app/pages/outcomes.py").run()
    engine = open_store(accounts)
    before = purpose_history(engine, EHCP).height
    form = _purpose_form(at)
    form.multiselect[0].set_value(["safe"])
    form.button[0].click().run()
    assert not at.exception, at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith(
        "Not saved: Best Start improvement coach (demo) may not define measures"
    )
    assert "Ask an administrator" in error
    assert purpose_history(engine, EHCP).height == before
    refused = read_audit(engine, local_admin("Test"), person="local:coach", outcome="refused")
    assert refused.select("action", "subject").rows()[0] == ("definitions.write", f"measure {EHCP}")


def test_an_experience_measure_by_group_is_a_p_prime_chart_per_group(demo_url):
    at = choose(open_page("measures.py"), EXPERIENCE_FAIRLY, CALDERDALE)
    assert [e.label for e in at.expander if e.label.startswith("By group")] == [
        "By group: each group's own chart"
    ]
    assert at.selectbox(key=f"qi.groups.kind.{EXPERIENCE_FAIRLY}.{CALDERDALE}").value == "sex"
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [
        s["title"]["text"] if isinstance(s.get("title"), dict) else s.get("title") for s in specs
    ]
    assert "sex: female" in titles and "sex: male" in titles
    # Each group is judged on its own answers: the same as the service's P' chart.
    views = group_views(
        open_store(demo_url), local_admin("tester"), EXPERIENCE_FAIRLY, CALDERDALE, "sex"
    )
    assert views["sex:female"].chart == "pp"
    assert views["sex:female"].points["excluded"].any()  # months with too few answers


WAITS = "still wait for a reply"
OF_STORIES = "are for those who read stories of change"


def _meeting_waiting(at, place: str | None = None) -> list[str]:
    """The meeting view's "Waiting for a reply" words (for ``place``, else the initiative)."""
    at.switch_page("qi/app/pages/meeting.py").run()
    if place is not None:
        at.segmented_control(key="qi.meeting.kind").set_value("Place").run()
        at.selectbox(key="qi.meeting.place").set_value(place).run()
    assert not at.exception, at.exception
    lines = texts(at).splitlines()
    return [t for t in lines if WAITS in t or OF_STORIES in t or "has a reply" in t]


def test_the_meeting_views_waiting_count_is_of_what_the_person_may_read(request):
    request.getfixturevalue("accounts_url")  # the demo with one account per role
    # The one input waiting is a story in Wakefield (Best Start). Leeds's locality analyst reads
    # no stories, so is not told of it, at its own place or in the initiative.
    assert _meeting_waiting(sign_in("leeds")) == [
        "What children, young people and families told us, and the replies to it, are for "
        "those who read stories of change (coaches and stewards)."
    ]
    assert OF_STORIES in _meeting_waiting(sign_in("leeds"), "E08000035")[0]
    # The Best Start coach counts it for the initiative and at Wakefield, not at Bradford.
    assert WAITS in _meeting_waiting(sign_in("coach"))[0]
    assert WAITS in _meeting_waiting(sign_in("coach"), "E08000036")[0]
    assert _meeting_waiting(sign_in("coach"), "E08000032") == [
        "Everything children, young people and families told us has a reply."
    ]
    assert _meeting_waiting(sign_in("admin"))[0].startswith("1 input from children")
