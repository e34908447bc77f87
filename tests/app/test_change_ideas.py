"""The Change ideas page and "Estimate the effect", run by AppTest on the demo database."""

import json
import time
from datetime import date

from streamlit.testing.v1 import AppTest

from qi.access import local_admin
from qi.demo.partnership import AE_UNDER5, BEST_START, BRADFORD, TIMELY_SEND
from qi.store import open_store
from qi.store.access import add_grant, add_person, read_audit
from qi.store.pdsa import read_cycles

from .conftest import APP
from .test_pages import choose, open_page, texts

ISSUER = "https://idp.example"


def test_the_page_shows_each_idea_s_ramp_with_its_prediction_and_outcome(demo_url):
    at = open_page("change_ideas.py")
    at.selectbox(key="qi.ideas.initiative").set_value(BEST_START).run()
    assert not at.exception, at.exception
    words = texts(at)
    assert "Same-day children's advice" in [h.value for h in at.subheader]
    assert "3 cycles, in order" in words
    titles = [e.label for e in at.expander]
    assert "Cycle 1 · 1 Jun 2022 to 31 Jul 2022 · Ended: adapt" in titles
    assert "Cycle 3 · 1 Oct 2022 to 31 Dec 2022 · Ended: adopt" in titles
    assert "Prediction" in words and "At least 30 calls a week" in words


def test_a_cycle_is_recorded_for_a_new_idea_then_followed_to_its_end(demo_url):
    at = open_page("change_ideas.py")
    at.selectbox(key="qi.ideas.initiative").set_value(BEST_START).run()
    [idea] = [s for s in at.selectbox if s.label == "Change idea"]
    idea.set_value("A new change idea")
    [name] = [t for t in at.text_input if t.label.startswith("New change idea's name")]
    name.set_value("Asthma checks at school")
    [plan] = [t for t in at.text_area if t.label.startswith("Plan")]
    plan.set_value("Inhaler technique checks in ten schools")
    [measures] = [m for m in at.multiselect if m.label.startswith("Measures")]
    measures.set_value([AE_UNDER5])
    [record] = [b for b in at.button if b.label == "Record the cycle"]
    record.click().run()
    assert not at.exception, at.exception
    assert "Cycle recorded for Asthma checks at school." in texts(at)
    engine = open_store(demo_url)
    stored = read_cycles(engine, local_admin("tester")).filter(
        change_idea="Asthma checks at school"
    )
    assert stored.select("number", "status", "measures").row(0) == (1, "planned", [AE_UNDER5])
    # Ending it without an outcome is refused, and says what is missing.
    at.selectbox(key="qi.ideas.follow").set_value(stored["id"][0]).run()
    [status] = [s for s in at.selectbox if s.label == "Status"]
    status.set_value("ended")
    [save] = [b for b in at.button if b.label == "Save"]
    save.click().run()
    assert "Not saved: an ended cycle needs its end date and an outcome" in texts(at)
    assert read_cycles(engine, local_admin("tester")).filter(change_idea="Asthma checks at school")[
        "status"
    ][0] == ("planned")
    engine.dispose()


def test_estimate_the_effect_at_the_demo_hub_shows_the_chart_and_the_paragraph(demo_url):
    at = choose(open_page("measures.py"), AE_UNDER5, BRADFORD, BEST_START)
    [go] = [b for b in at.button if b.label == "Estimate the effect"]
    go.click().run()
    assert not at.exception, at.exception
    words = texts(at)
    assert "Before the change in October 2022" in words
    assert "lower than the earlier trend predicted (95% range" in words
    assert "This assumes nothing else that affects" in words
    measure, effect = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    layers = [layer.get("name") for layer in effect["layer"]]
    assert {"observed", "fitted", "counterfactual", "change"} <= set(layers)
    # The measure's chart is shaded by its PDSA cycles, behind everything else.
    assert measure["layer"][0]["name"] == "pdsa_cycles"
    [method] = [e for e in at.expander if e.label.startswith("Method, points and warnings")]
    assert "quasi-Poisson GLM with a log(population) offset" in texts(at)
    assert method


def test_estimate_on_annotate_refuses_clearly_where_there_is_no_change_point(demo_url):
    at = choose(open_page("annotate.py"), AE_UNDER5, "E08000035", BEST_START)  # Leeds
    assert "No confirmed change point on this chart yet" in texts(at)


def test_the_meeting_view_lists_the_cycles_that_ended_since_the_chosen_day(demo_url):
    at = open_page("meeting.py")
    assert "**PDSA cycles ended since then**: 0 cycles" in texts(at)  # none since Feb 2025
    at.date_input(key=f"qi.meeting.since.{BEST_START}|None").set_value(date(2022, 9, 1)).run()
    assert not at.exception, at.exception
    words = texts(at)
    assert "**PDSA cycles ended since then**: 2 cycles" in words
    assert "Same-day children's advice, cycle 3** · 1 Oct 2022 to 31 Dec 2022 · Ended: adopt" in (
        words
    )
    assert "Decided: Adopt: the hub becomes business as usual" in words
    assert "Multi-agency EHC panel" not in words  # another initiative's idea


def test_an_annotation_on_annotate_names_the_pdsa_cycle_it_marks(demo_url):
    at = choose(open_page("annotate.py"), AE_UNDER5, BRADFORD, BEST_START)
    assert "PDSA cycle: Same-day children's advice, cycle 1" in texts(at)
    assert "PDSA cycle: Same-day children's advice, cycle 3" in texts(at)


def signed_in_with(url: str, monkeypatch, subject: str, name: str, **grants: str) -> AppTest:
    """The Change ideas page for someone signed in through OpenID Connect with ``grants``
    (role -> initiative), each made through the store as an administrator would."""
    engine = open_store(url)
    person = add_person(engine, local_admin(), person=f"oidc:{ISSUER}|{subject}", name=name)
    for role, initiative in grants.items():
        add_grant(engine, local_admin(), person, role, initiative=initiative)
    engine.dispose()
    monkeypatch.setenv("QI_AUTH", "oidc")
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": True, "iss": ISSUER, "sub": subject, "name": name}
    at.user["iat"] = time.time()
    at.run()
    at.switch_page("qi/app/pages/change_ideas.py").run()
    assert not at.exception, at.exception
    return at


def test_a_cycle_where_the_person_is_a_steward_is_refused_beside_the_form_keeping_the_text(
    demo_url, monkeypatch
):
    at = signed_in_with(
        demo_url, monkeypatch, "sam", "Sam Okafor", coach=BEST_START, steward=TIMELY_SEND
    )
    at.selectbox(key="qi.ideas.initiative").set_value(TIMELY_SEND).run()
    at.selectbox(key="qi.ideas.record.idea").set_value("A new change idea")
    at.text_input(key="qi.ideas.record.name").set_value("Panel papers a week ahead")
    at.text_area(key="qi.ideas.record.plan").set_value("Send the panel's papers by Monday")
    [record] = [b for b in at.button if b.label == "Record the cycle"]
    record.click().run()
    assert not at.exception, at.exception
    [error] = at.error
    assert error.value.startswith(
        "Not recorded: Sam Okafor may not record change ideas and PDSA cycles for place "
    )
    assert error.value.endswith(
        "that needs the role of improvement coach there. Ask an administrator for a grant if "
        "you need it."
    )
    # What was typed is still there to correct or take to a coach.
    assert at.text_area(key="qi.ideas.record.plan").value == "Send the panel's papers by Monday"
    assert at.text_input(key="qi.ideas.record.name").value == "Panel papers a week ahead"
    engine = open_store(demo_url)
    assert (
        read_cycles(engine, local_admin("tester"))
        .filter(change_idea="Panel papers a week ahead")
        .height
        == 0
    )
    refused = read_audit(engine, local_admin(), person=f"oidc:{ISSUER}|sam", outcome="refused")
    assert refused["action"].to_list() == ["pdsa.write"]
    # Where they are a coach, the same form records the cycle, as them, and empties itself.
    at.selectbox(key="qi.ideas.initiative").set_value(BEST_START).run()
    at.selectbox(key="qi.ideas.record.idea").set_value("A new change idea")
    at.text_input(key="qi.ideas.record.name").set_value("Bump start groups")
    at.text_area(key="qi.ideas.record.plan").set_value("Two groups a week at the hub")
    [record] = [b for b in at.button if b.label == "Record the cycle"]
    record.click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert "Cycle recorded for Bump start groups." in texts(at)
    assert at.text_area(key="qi.ideas.record.plan").value == ""
    stored = read_cycles(engine, local_admin("tester")).filter(change_idea="Bump start groups")
    assert stored["updated_by"].to_list() == ["Sam Okafor"]
    engine.dispose()


def test_someone_who_may_record_cycles_nowhere_is_not_offered_the_forms(demo_url, monkeypatch):
    at = signed_in_with(demo_url, monkeypatch, "ria", "Ria Patel", steward=BEST_START)
    assert not at.exception, at.exception
    assert "Same-day children's advice" in [h.value for h in at.subheader]  # reads, yes
    assert not [b for b in at.button if b.label in ("Record the cycle", "Save")]
    assert not [t for t in at.text_area if t.label.startswith("Plan")]
    assert "Cycles are recorded and followed by the improvement coaches" in texts(at)
