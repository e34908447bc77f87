"""A story of change as the app shows it, and the charts a story and a measure share.

A story is shown as plain text: every piece a user typed goes through ``plain()`` (Markdown
escaped, so ``<script>`` and ``**`` show as the characters typed, never as HTML or formatting).
Charts come from ``measure_view()`` and ``spc_chart()``; story markers from ``story_markers()``.
Nothing here computes statistics or writes to the store.
"""

import altair as alt
import polars as pl
import streamlit as st

from qi.app.context import engine, measure_names, place_names
from qi.app.identity import offered, principal
from qi.app.widgets import plain
from qi.charts import SPCInputError
from qi.render.figures import spc_chart
from qi.services.feedback import selected_first
from qi.services.review import ReviewError, measure_view
from qi.store.stories import read_story, story_markers
from qi.text import period, period_range
from qi.vocabulary.consent import BASES, GIVEN_BY, REVIEW_DUE, SCOPES
from qi.vocabulary.stories import DOMAINS, PARTICIPATION, VOICES

STORY_CHART_WIDTH = 420  # with its icons, fits beside the story on a laptop screen
STORY_CHART_HEIGHT = 260


def story_facts(story: dict) -> list[str]:
    """The story's recorded facts in words (not yet escaped)."""
    names = place_names()
    facts = [f"Told on {period(story['told_on'], 'day')}"]
    if story["place"]:
        facts.append(names.get(story["place"], story["place"]))
    if story["initiative"]:
        facts.append(story["initiative"])
    facts.append(f"Voice: {VOICES.get(story['voice'], story['voice'])}")
    return facts


def consent_words(story: dict) -> str:
    """The story's consent in words (not yet escaped): scope, who gave it and on what basis,
    when, the review date, and "consent review due" when it has passed."""
    if story.get("consent_scope") is None:
        return f"not recorded ({REVIEW_DUE})"
    words = (
        f"{SCOPES[story['consent_scope']]}; given by "
        f"{GIVEN_BY[story['consent_given_by']].lower()} "
        f"({BASES[story['consent_basis']].lower()}) on "
        f"{period(story['consent_given_on'], 'day')}; review by "
        f"{period(story['consent_review_on'], 'day')}"
    )
    return f"{words} ({REVIEW_DUE})" if story.get("consent_review_due") else words


def show_story(story: dict, heading: bool = True) -> None:
    """One story as plain text: title, facts, narrative, outcomes, participation, consent."""
    if heading:
        st.subheader(plain(story["title"]), anchor=False)
    st.caption(" · ".join(plain(f) for f in story_facts(story)))
    with st.container(border=True):
        st.markdown(plain(story["narrative"]))
    domains = [DOMAINS.get(d, d) for d in story.get("domains") or []]
    lines = [
        "**Outcomes it speaks to:** " + (plain("; ".join(domains)) if domains else "none recorded"),
        "**Participation:** "
        + (
            plain(PARTICIPATION[story["participation"]])
            if story["participation"]
            else "not recorded"
        ),
        "**Consent:** "
        + plain(consent_words(story))
        + " · **Anonymised:** "
        + ("yes" if story["anonymised"] else "no"),
    ]
    st.markdown("  \n".join(lines))


def chart_with_stories(
    measure: str, place: str, highlight: int | None = None
) -> tuple[alt.LayerChart, pl.DataFrame] | None:
    """The measure's chart at a place with its story markers (annotations too), and the
    markers; None, with the library's message shown, when the chart cannot be drawn."""
    try:
        view = measure_view(engine(), principal(), measure, places=place)
    except (ReviewError, SPCInputError) as error:
        st.warning(f"The chart of {measure} cannot be drawn: {error}")
        return None
    points = view.place_points(place)
    if points.height == 0:
        st.info(f"No data is stored for {measure_names().get(measure, measure)} at this place.")
        return None
    # The panel's selected stories (Most Significant Change) first.
    markers = selected_first(
        engine(),
        principal(),
        story_markers(engine(), principal(), measure, audience="internal", places=place),
        audience="internal",
    )
    if highlight is not None:
        # The story being read first, so it is the marker a reader's eye finds.
        markers = markers.sort(pl.col("story_id") != highlight, "period")
    title = f"{view.measure['name']}: {place_names().get(place, place)}"
    chart = spc_chart(
        view.place_chart(place),
        view.place_annotations(place),
        stories=markers,
        title=title,
        icons=True,
        width=STORY_CHART_WIDTH,
        height=STORY_CHART_HEIGHT,
    )
    # "pad": the plot keeps its height and the icons to its right stay in view; Streamlit's
    # default fits title, legend and icons into the height, squeezing the plot.
    chart.autosize = alt.AutoSizeParams(type="pad")
    return chart, markers


def linked_charts(story_id: int) -> None:
    """Beside a story: the chart of every measure it speaks to, with its marker."""
    story = read_story(engine(), principal(), story_id)
    if not story["links"]:
        st.markdown("This story is not linked to a measure yet. Edit it to link one.")
        return
    names = measure_names()
    for link in story["links"]:
        place = link["place"] or story["place"]
        if place is None:
            st.markdown(f"Linked to {plain(names.get(link['measure'], link['measure']))}.")
            continue
        st.caption(
            plain(
                f"Speaks to {names.get(link['measure'], link['measure'])} at "
                f"{place_names().get(place, place)}, "
                f"{period_range(link['period_start'], link['period_end'], style='short')}"
            )
        )
        drawn = chart_with_stories(link["measure"], place, highlight=story_id)
        if drawn is not None:
            st.altair_chart(drawn[0], theme=None, width="stretch")


def stories_on_chart(markers: pl.DataFrame, key: str) -> None:
    """Under a measure's chart: the stories marked on it; choosing one shows it (to those
    the library lets read stories)."""
    if not offered("stories.py"):
        return
    st.markdown(f"**Stories of change on this chart** ({markers.height})")
    if markers.height == 0:
        st.caption("None linked yet. Add one on the Stories of change page.")
        return
    st.caption("Green diamonds on the time axis mark them; hover on one for its title.")
    by_id = {row["story_id"]: row for row in markers.iter_rows(named=True)}
    chosen = st.selectbox(
        "Read a story",
        list(by_id),
        format_func=lambda i: (
            f"{period(by_id[i]['period'], style='short')}: {by_id[i]['title']}"
            + (" (chosen by the panel)" if by_id[i].get("selected") else "")
        ),
        key=key,
    )
    show_story(read_story(engine(), principal(), chosen))
