"""A refused form keeps what was typed and says what is wrong beside the field at fault; the
fields a form needs are marked as required."""

from datetime import date, datetime

from streamlit.testing.v1 import AppTest

from qi.access import local_admin
from qi.store import open_store
from qi.store.annotations import read_annotations
from qi.store.meetings import read_actions

from .test_pages import LEEDS, REFERRALS, choose, open_page

NEW_PHASE = "Recalculate limits from here (a new phase)"


def form_children(at: AppTest, form: int = 0) -> list:
    """The elements of a form, in the order drawn: (type, label or value)."""
    block = list(at.get("form"))[form]
    return [
        (type(c).__name__, getattr(c, "label", None) or str(getattr(c, "value", "")))
        for c in block.children.values()
    ]


def after(children: list, label_start: str) -> tuple:
    """The element drawn right after the field whose label starts so."""
    at = next(i for i, (_, label) in enumerate(children) if label.startswith(label_start))
    return children[at + 1]


def test_recalculating_without_a_reason_keeps_the_form_and_says_why_beside_the_reason(demo_url):
    at = choose(open_page("annotate.py"), REFERRALS, LEEDS, initiative=None)
    at.selectbox(key="qi.annotate.period").set_value(date(2024, 4, 1))
    at.text_input(key="qi.annotate.text").input("New referral pathway")
    at.radio(key="qi.annotate.effect").set_value(NEW_PHASE)
    [submit] = [b for b in at.button if b.label == "Add annotation"]
    submit.click().run()
    assert not at.exception, at.exception
    # What was typed stays.
    assert at.text_input(key="qi.annotate.text").value == "New referral pathway"
    assert at.radio(key="qi.annotate.effect").value == NEW_PHASE
    assert at.selectbox(key="qi.annotate.period").value == date(2024, 4, 1)
    kind, words = after(form_children(at), "Reason")
    assert kind == "Error" and "needs a reason" in words
    labels = [label for _, label in form_children(at)]
    assert "What happened (required)" in labels
    assert "Reason (required to recalculate or exclude)" in labels
    # Giving the reason adds it and empties the form.
    at.text_input(key="qi.annotate.reason").input("New pathway from April")
    [submit] = [b for b in at.button if b.label == "Add annotation"]
    submit.click().run()
    assert not at.exception, at.exception
    assert at.text_input(key="qi.annotate.text").value == ""
    assert not [e for e in at.error if "needs a reason" in e.value]
    stored = read_annotations(
        open_store(demo_url), local_admin("tester"), measures=REFERRALS, places=LEEDS
    )
    assert "New referral pathway" in stored["text"].to_list()


def test_an_action_without_an_owner_keeps_the_form_and_says_why_beside_the_owner(demo_url):
    at = open_page("meeting.py")
    at.button(key="qi.meeting.record").click().run()
    at.text_area(key="qi.meeting.action.text").input("Ask Wakefield's feeding group what helps")
    at.button(key="qi.meeting.action.add").click().run()
    assert not at.exception, at.exception
    assert (
        at.text_area(key="qi.meeting.action.text").value
        == "Ask Wakefield's feeding group what helps"
    )
    children = form_children(at)
    kind, words = after(children, "Owner")
    assert kind == "Error" and "needs an owner" in words
    labels = [label for _, label in children]
    assert "What was agreed, or what will be done (required)" in labels
    assert "Owner, who will do it (required for an action)" in labels
    at.text_input(key="qi.meeting.action.owner").input("Family hubs manager")
    at.button(key="qi.meeting.action.add").click().run()
    assert not at.exception, at.exception
    assert at.text_area(key="qi.meeting.action.text").value == ""
    found = read_actions(open_store(demo_url), local_admin("tester"), status="open")
    assert "Family hubs manager" in found["owner"].to_list()


def test_clicking_a_point_on_the_chart_opens_the_form_at_that_period(demo_url):
    at = choose(open_page("annotate.py"), REFERRALS, LEEDS, initiative=None)
    assert at.selectbox(key="qi.annotate.period").value != date(2024, 4, 1)
    # What Streamlit hands the page when a point is clicked: the point's period, as Vega
    # holds it (milliseconds since 1970, the browser's midnight).
    clicked = datetime(2024, 4, 1).timestamp() * 1000
    at.session_state["qi.annotate.chart"] = {"selection": {"picked": [{"period": clicked}]}}
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="qi.annotate.period").value == date(2024, 4, 1)
    assert "Apr 2024 chosen on the chart" in at.info[0].value
    # The same click is applied once: the next run says nothing more.
    at.run()
    assert not [i for i in at.info if "chosen on the chart" in i.value]
