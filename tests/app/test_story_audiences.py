"""Stories reach the people their consent allows, in the app: the viewer's published page shows
only stories whose consent is public, and a locality's chart shows no story titles."""

from .test_access_pages import accounts_template, accounts_url, sign_in  # noqa: F401
from .test_pages import table_with, texts

BREASTFEEDING = "breastfeeding_6_8_weeks"
PUBLIC_STORY = "Illustrative: she sorted the latch on day four"
PARTNERSHIP_STORY = "Illustrative: we moved the drop-in to Saturdays"


def test_a_viewer_reads_the_public_stories_of_a_measure_and_no_other(accounts_url):  # noqa: F811
    at = sign_in("viewer")
    at.switch_page("qi/app/pages/published.py").run()
    at.selectbox[0].set_value(BREASTFEEDING).run()
    assert not at.exception, at.exception
    told = table_with(at, "In their words")
    assert told["Story"].to_list() == [PUBLIC_STORY]
    assert PARTNERSHIP_STORY not in texts(at)


def chart_of(username: str, place: str = "Leeds"):
    """What ``username``'s chart of under-fives' A&E at Leeds carries (its spec and its rows,
    Arrow datasets with text as UTF-8), and the page."""
    at = sign_in(username)
    at.switch_page("qi/app/pages/measures.py").run()
    at.selectbox(key="qi.pick.initiative").set_value(None).run()
    at.selectbox(key="qi.pick.measure").set_value("ae_under5_rate").run()
    places = at.selectbox(key="qi.pick.place")
    places.set_value(next(o for o in places.options if o == place or "E08000035" in str(o))).run()
    assert not at.exception, at.exception
    charts = list(at.get("vega_lite_chart"))
    assert charts
    carried = b"".join(
        c.proto.spec.encode() + b"".join(d.data.data for d in c.proto.datasets) for c in charts
    )
    return carried, at


def test_a_locality_sees_no_story_markers_or_titles_on_its_chart(accounts_url):  # noqa: F811
    carried, at = chart_of("leeds")
    assert b"four hours in A&E" not in carried  # Leeds' own story: a locality may not read it
    assert "four hours in A&E" not in texts(at)
    carried, at = chart_of("coach")  # Best Start's coach reads Leeds' stories
    assert b"four hours in A&E" in carried
