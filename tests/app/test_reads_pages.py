"""A locality in the app sees its own places only (AppTest, demo accounts): the Measures page
offers no other locality's place, a crafted link to one shows nothing of it, and the meeting
view's shared cache never hands one locality the review another may not see."""

import re

import pytest

from qi.demo.partnership import AE_UNDER5, BEST_START, BRADFORD, LEEDS

from .test_access_pages import accounts_template, accounts_url, sign_in  # noqa: F401
from .test_pages import texts

pytestmark = pytest.mark.usefixtures("accounts_url")


def _matrix(at) -> str:
    [matrix] = [h.proto.body for h in at.get("html") if "qi-matrix" in h.proto.body]
    return matrix


def test_the_measures_page_offers_a_locality_its_own_places_only():
    at = sign_in("leeds")
    at.switch_page("qi/app/pages/measures.py").run()
    assert not at.exception, at.exception
    box = at.selectbox(key="qi.pick.initiative")
    box.select_index(box.options.index("Every place")).run()
    measures = at.selectbox(key="qi.pick.measure").options
    assert measures, "Leeds has data to show"
    offered: set[str] = set()
    for measure in at.selectbox(key="qi.pick.measure").options:
        at.selectbox(key="qi.pick.measure").set_value(measure).run()
        offered |= set(at.selectbox(key="qi.pick.place").options)
    # Leeds and the places within it (its LSOAs: the grant on the authority covers them), and
    # no other authority's.
    assert "Leeds" in offered
    assert {o for o in offered if o != "Leeds" and not o.startswith("Leeds ")} == set()
    assert any(o.startswith("Leeds 0") for o in offered), "Leeds' LSOAs are offered"


def test_a_crafted_link_to_another_localitys_place_shows_nothing_of_it():
    at = sign_in("leeds")
    at.switch_page("qi/app/pages/measures.py").run()
    at.query_params.update({"measure": AE_UNDER5, "place": BRADFORD, "initiative": BEST_START})
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="qi.pick.place").value == LEEDS
    assert "Bradford" not in at.selectbox(key="qi.pick.place").options
    shown = texts(at)
    assert "Bradford" not in re.sub(r"Bradford opened its advice hub", "", shown)
    # As Bradford, the same link opens Bradford's chart: the place exists and has data.
    other = sign_in("bradford")
    other.switch_page("qi/app/pages/measures.py").run()
    other.query_params.update({"measure": AE_UNDER5, "place": BRADFORD, "initiative": BEST_START})
    other.run()
    assert other.selectbox(key="qi.pick.place").value == BRADFORD


def test_two_localities_never_share_a_cached_meeting_review():
    """The review is cached for every session of the process; the same initiative, day and
    data seen by Leeds and then by Bradford must give each its own places only."""
    leeds = sign_in("leeds")
    leeds.switch_page("qi/app/pages/meeting.py").run()
    assert not leeds.exception, leeds.exception
    assert leeds.selectbox(key="qi.meeting.initiative").value == BEST_START
    matrix = _matrix(leeds)
    assert " at Leeds: " in matrix and " at Bradford: " not in matrix
    bradford = sign_in("bradford")
    bradford.switch_page("qi/app/pages/meeting.py").run()
    assert not bradford.exception, bradford.exception
    assert bradford.selectbox(key="qi.meeting.initiative").value == BEST_START
    matrix = _matrix(bradford)
    assert " at Bradford: " in matrix and " at Leeds: " not in matrix
