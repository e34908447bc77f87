"""Outcomes: the five outcome domains by places, each cell the measures of that domain with
their icons (and their meaning in words) and the stories tagged with that domain, the one the
panel selected first. Filterable by initiative. Survey answers are added here, and each
measure's purpose and domains edited (``qi.app.purpose_panel``).

Everything shown comes from ``qi.services.outcomes.outcomes_view``; answers are read and
checked by ``qi.ingest.surveys``. The page only lays them out.
"""

import polars as pl
import streamlit as st

from qi.app.context import engine, forget_catalogue, initiatives, open_measure, place_names
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.purpose_panel import purposes_section
from qi.app.widgets import plain
from qi.ingest.surveys import ingest_answers
from qi.render.icons import icon_data_url
from qi.services.outcomes import OutcomesView, outcomes_view
from qi.text import number, period
from qi.vocabulary.points import ICON_LABELS
from qi.vocabulary.stories import DOMAINS

PLACES_PER_ROW = 5
ANSWERS_REPORT = "qi.outcomes.answers"


def _icons(row: dict) -> str:
    names = [row["variation_icon"], row["assurance_icon"]]
    return " ".join(f"![{ICON_LABELS[n]}]({icon_data_url(n)})" for n in names if n)


def cell(view: OutcomesView, domain: str, place: str, initiative: str | None) -> None:
    """One domain at one place: its measures, then its stories."""
    measures, stories = view.cell(domain, place)
    for row in measures.iter_rows(named=True):
        latest = (
            number(row["latest_value"], row["unit"]) if row["latest_value"] is not None else "none"
        )
        st.markdown(f"{_icons(row)} **{plain(row['measure_name'])}**")
        st.caption(
            plain(
                f"{row['variation']}; {row['assurance']}. Latest "
                f"({period(row['latest_period'], style='short')}): {latest}"
            )
        )
        if st.button(
            "Open the chart",
            key=f"qi.outcomes.open.{domain}.{place}.{row['measure']}",
            icon=":material/show_chart:",
            type="tertiary",
        ):
            open_measure(row["measure"], place, initiative)
    if measures.height == 0:
        st.caption("No measure of this domain has data here yet.")
    if stories is None:
        st.caption("No stories yet.")
        return
    if stories["selected_title"] is not None:
        st.markdown(
            f":material/star: **Chosen by the panel:** {plain(stories['selected_title'])}  \n"
            f"*Why:* {plain(stories['selected_why'])}"
        )
    many = "story" if stories["stories"] == 1 else "stories"
    st.caption(
        plain(
            f"{stories['stories']} {many}; latest: {stories['latest_title']} "
            f"({period(stories['latest_told_on'], 'day')})"
        )
    )


def add_answers() -> None:
    """Upload survey answers (one row per answer) and show what happened."""
    with st.expander("Add survey answers", icon=":material/upload_file:"):
        st.caption(
            "One row per answer, as your form tool exports them: place, date, question, answer "
            "(words such as 'Certainly true', or the answer's number), and optionally voice "
            "and breakdown. Nothing is stored unless every row is right."
        )
        dropped = st.file_uploader(
            "Survey answers (CSV, Excel or Parquet)",
            type=["csv", "xlsx", "parquet"],
            key="qi.outcomes.file",
        )
        if dropped is not None and st.button("Check and store", key="qi.outcomes.store"):
            try:
                report = ingest_answers(engine(), principal(), dropped.getvalue(), dropped.name)
            except StoreError as error:
                st.error(f"Not stored: {said(error)}.")
                st.stop()
            st.session_state[ANSWERS_REPORT] = (report.outcome, report.render())
            forget_catalogue()
        shown = st.session_state.get(ANSWERS_REPORT)
        if shown is not None:
            (st.success if shown[0] == "stored" else st.error)(plain(shown[1]))


st.title("Outcomes")
st.caption(
    "How children and young people are doing on each of the five outcomes, at each place: the "
    "measures that speak to an outcome, with their icons, and what people told us about it."
)
programmes = dict(initiatives().select("name", "places").iter_rows())
initiative = st.selectbox(
    "Initiative",
    [*programmes, None],
    format_func=lambda v: "Every place" if v is None else v,
    key="qi.outcomes.initiative",
)
add_answers()
purposes_section()
view = outcomes_view(engine(), principal(), initiative)
names = place_names()
if not view.places:
    st.info("No measure has an outcome domain yet, and no story is tagged with one.")
    st.stop()
places = sorted(view.places, key=lambda c: names.get(c, c))
for domain in view.domains:
    st.header(DOMAINS[domain], divider="grey")
    in_domain = view.measures.filter(pl.col("domain") == domain).height
    in_domain += view.stories.filter(pl.col("domain") == domain).height
    if in_domain == 0:
        st.caption("No measure or story speaks to this outcome yet.")
        continue
    for start in range(0, len(places), PLACES_PER_ROW):
        row = places[start : start + PLACES_PER_ROW]
        for column, place in zip(st.columns(min(len(places), PLACES_PER_ROW)), row, strict=False):
            with column.container(border=True, key=f"qi-outcome-{domain}-{place}"):
                st.markdown(f"**{plain(names.get(place, place))}**")
                cell(view, domain, place, initiative)
