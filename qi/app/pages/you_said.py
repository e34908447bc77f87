"""You said, we did: what children, young people and families told us, what came of it, and
what still waits for a reply; a plain-language PDF to give back; the panel's Most Significant
Change selections; and the partnership's participation level per quarter.

Reads and writes go through ``qi.store.feedback``; the summary and the PDF's content come from
``qi.services.feedback`` and the PDF from ``qi.render.you_said``. The page lays them out.
"""

from datetime import date

import polars as pl
import streamlit as st

from qi.access import Refused
from qi.app.context import engine, initiatives, place_names
from qi.app.identity import principal
from qi.app.widgets import plain, show_notice
from qi.render.you_said import you_said_we_did_pdf
from qi.services.feedback import waiting_summary, you_said_we_did
from qi.store.feedback import (
    FeedbackError,
    add_response,
    read_participation,
    read_selections,
    record_participation,
    select_story,
)
from qi.store.stories import read_stories
from qi.text import period
from qi.vocabulary.outcomes import RESPONSE_KINDS
from qi.vocabulary.stories import DOMAINS, PARTICIPATION, PARTICIPATION_ORDER

NOTICE = "qi.you_said.notice"


def reply_form(waiting: pl.DataFrame) -> None:
    """Reply to an input that waits: what changed, or why not yet; and how it was told back."""
    if waiting.height == 0:
        st.success("Every input has a reply.")
        return
    titles = dict(waiting.select("story_id", "title").iter_rows())
    with st.form("qi.you_said.reply", border=True):
        story = st.selectbox("What they said", list(titles), format_func=lambda i: titles[i])
        kind = st.radio(
            "Reply", list(RESPONSE_KINDS), format_func=RESPONSE_KINDS.get, horizontal=True
        )
        text = st.text_area(
            "In words they will understand", placeholder="What changed, or why not yet"
        )
        told = st.checkbox("We have told them")
        told_on = st.date_input("Told them on", value=date.today(), max_value=date.today())
        how = st.text_input("How we told them", placeholder="at the youth forum, by letter ...")
        if st.form_submit_button("Record the reply", type="primary"):
            try:
                add_response(
                    engine(),
                    principal(),
                    story,
                    kind,
                    text,
                    told_back_on=told_on if told else None,
                    told_back_how=how if told else None,
                )
            except (FeedbackError, Refused) as error:
                st.error(str(error))
            else:
                st.session_state[NOTICE] = ("success", "The reply is recorded.")
                st.rerun()


def replies(digest) -> None:
    if digest.replies.height == 0:
        st.info("No replies are recorded here yet.")
        return
    for row in digest.replies.iter_rows(named=True):
        with st.container(border=True):
            st.markdown(f"**You said:** {plain(row['title'])}")
            lead = "We did" if row["kind"] == "changed" else "Not yet"
            st.markdown(f"**{lead}:** {plain(row['text'])}")
            if row["told_back_on"] is not None:
                st.caption(
                    plain(
                        f"Told back {row['told_back_how']}, {period(row['told_back_on'], 'day')}."
                    )
                )
            else:
                st.caption("Not told back yet.")


def selections() -> None:
    """The panel's choices, and a form to record one."""
    chosen = read_selections(engine(), principal(), audience="internal")
    if chosen.height:
        st.dataframe(
            chosen.select(
                pl.col("domain").replace_strict(DOMAINS).alias("Outcome"),
                pl.col("title").alias("Story"),
                pl.col("status").alias("Choice"),
                pl.col("panel").alias("Panel"),
                pl.col("why").alias("Why"),
            ),
            hide_index=True,
        )
    stories = read_stories(engine(), principal(), audience="internal")
    if stories.height == 0:
        return
    titles = dict(stories.select("id", "title").iter_rows())
    with (
        st.expander("Record a panel's choice", icon=":material/star:"),
        st.form("qi.you_said.select"),
    ):
        story = st.selectbox("Story", list(titles), format_func=lambda i: titles[i])
        domain = st.selectbox("Outcome", list(DOMAINS), format_func=lambda d: DOMAINS[d])
        panel = st.text_input("Panel", placeholder="Young people's panel")
        start, end = st.columns(2)
        first = start.date_input("From", value=date(date.today().year, 1, 1))
        last = end.date_input("To", value=date.today())
        status = st.radio("Choice", ["selected", "shortlisted"], horizontal=True)
        why = st.text_area("Why the panel chose it")
        if st.form_submit_button("Record the choice"):
            try:
                select_story(
                    engine(),
                    principal(),
                    story,
                    panel,
                    str(domain),
                    first,
                    last,
                    why,
                    status=str(status),
                )
            except (FeedbackError, Refused) as error:
                st.error(str(error))
            else:
                st.session_state[NOTICE] = ("success", "The panel's choice is recorded.")
                st.rerun()


st.title("You said, we did")
st.caption(
    "Closing the loop: what children, young people and families told us, what changed because "
    "of it or why it could not change yet, and when we told them."
)
show_notice(NOTICE)
programmes = list(initiatives().get_column("name"))
names = place_names()
kind_column, subject_column = st.columns([1.4, 3], vertical_alignment="bottom")
kind = kind_column.segmented_control(
    "For", ["Initiative", "Place"], default="Initiative", key="qi.you_said.kind"
)
initiative = place = None
if kind == "Place" or not programmes:
    place = subject_column.selectbox(
        "Place",
        sorted(names, key=lambda c: names[c]),
        format_func=lambda c: names[c],
        key="qi.you_said.place",
    )
else:
    initiative = subject_column.selectbox("Initiative", programmes, key="qi.you_said.initiative")
today = date.today()
waiting = waiting_summary(
    engine(), principal(), today, place=place, initiative=initiative, audience="internal"
)
digest = you_said_we_did(engine(), principal(), today, place=place, initiative=initiative)

count_column, longest_column, median_column = st.columns(3)
count_column.metric("Waiting for a reply", waiting.count)
longest_column.metric(
    "Longest wait", "none" if waiting.longest_days is None else f"{waiting.longest_days} days"
)
median_column.metric(
    "Typical wait (median)",
    "none" if waiting.median_days is None else f"{waiting.median_days:.0f} days",
)
if waiting.count:
    st.dataframe(
        waiting.inputs.select(
            pl.col("title").alias("What they said"),
            pl.col("place").replace_strict(names, default=pl.col("place")).alias("Place"),
            pl.col("told_on").alias("Told on"),
            pl.col("days_waiting").alias("Days waiting"),
        ),
        hide_index=True,
        column_config={"Told on": st.column_config.DateColumn(format="D MMM YYYY")},
    )

st.header("Reply", divider="grey")
reply_form(waiting.inputs)

st.header("What we did", divider="grey")
replies(digest)
st.download_button(
    "You said, we did: PDF for children, young people and families",
    you_said_we_did_pdf(digest),
    f"you-said-we-did-{(digest.subject).lower().replace(' ', '-').replace(':', '')}.pdf",
    "application/pdf",
    on_click="ignore",
    icon=":material/download:",
    key="qi.you_said.pdf",
)

st.header("Most significant change", divider="grey")
selections()

st.header("Participation", divider="grey")
levels = read_participation(engine(), principal(), initiative=None)
if levels.height:
    latest = levels.row(-1, named=True)
    st.markdown(
        plain(
            f"So far we have made it to level {latest['rank']} of 5: "
            f"{PARTICIPATION[latest['level']].lower()} ({period(latest['quarter'], 'quarter')})."
        )
    )
    st.dataframe(
        levels.select(
            pl.col("quarter")
            .map_elements(lambda q: period(q, "quarter"), pl.String)
            .alias("Quarter"),
            pl.col("rank").alias("Level"),
            pl.col("level").replace_strict(PARTICIPATION).alias("What it means"),
            pl.col("evidence").alias("Evidence"),
        ),
        hide_index=True,
    )
else:
    st.caption("No participation level is recorded yet.")
with (
    st.expander("Record this quarter's level", icon=":material/stairs:"),
    st.form("qi.you_said.participation"),
):
    quarter = st.date_input("A day in the quarter", value=today, max_value=today)
    level = st.selectbox(
        "Level",
        list(PARTICIPATION),
        format_func=lambda c: f"{PARTICIPATION_ORDER[c]}. {PARTICIPATION[c]}",
    )
    evidence = st.text_area("Evidence: what children and young people did")
    if st.form_submit_button("Record the level"):
        try:
            record_participation(engine(), principal(), quarter, str(level), evidence)
        except (FeedbackError, Refused) as error:
            st.error(str(error))
        else:
            st.session_state[NOTICE] = ("success", "The participation level is recorded.")
            st.rerun()
