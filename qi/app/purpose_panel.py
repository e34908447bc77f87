"""Why a measure is measured, edited in the app: its purpose (need, outcome, performance,
improvement), statutory source (performance measures) and outcome domains, with who changed
them and when.

Thin: ``qi.store.outcomes.edit_purposes`` decides who may (administrators) and records the
version and the audit; the page shows the form, says a refusal beside it, and lists the history.
"""

import polars as pl
import streamlit as st

from qi.app.context import engine, measure_names
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.widgets import plain
from qi.store.outcomes import PurposeError, edit_purposes, purpose_history, read_purposes
from qi.vocabulary.outcomes import PURPOSES
from qi.vocabulary.stories import DOMAINS

NOTICE = "qi.purposes.notice"
NONE = "none recorded"


def purposes_section() -> None:
    """An expander: choose a measure, change its purpose, source and domains; its history."""
    names = measure_names()
    if not names:
        return
    with st.expander("Why each measure is measured", icon=":material/target:"):
        st.caption(
            "Each measure's purpose (need, outcome, performance or improvement), its statutory "
            "source if it is a performance measure, and the outcomes it speaks to. "
            "Administrators change them; every change is kept with who made it and when."
        )
        measure = st.selectbox(
            "Measure",
            sorted(names, key=lambda c: names[c].lower()),
            format_func=lambda c: names[c],
            key="qi.purposes.measure",
        )
        current = read_purposes(engine()).filter(pl.col("measure") == measure)
        now = current.row(0, named=True) if current.height else {}
        purposes = [None, *PURPOSES]
        with st.form("qi.purposes.form"):
            purpose = st.selectbox(
                "Purpose",
                purposes,
                index=purposes.index(now.get("purpose")),
                format_func=lambda p: NONE if p is None else PURPOSES[p],
            )
            source = st.text_input(
                "Statutory source (performance measures only)",
                value=now.get("statutory_source") or "",
                placeholder="Children Act 1989 s.17; SEND Regulations 2014 reg. 13",
            )
            domains = st.multiselect(
                "Outcomes it speaks to",
                list(DOMAINS),
                default=now.get("domains") or [],
                format_func=lambda d: DOMAINS[d],
            )
            if st.form_submit_button("Save why it is measured"):
                try:
                    changed = edit_purposes(
                        engine(), principal(), str(measure), purpose, source, domains
                    )
                except (PurposeError, StoreError) as error:
                    st.error(f"Not saved: {said(error)}")
                else:
                    st.session_state[NOTICE] = "Saved." if changed else "Nothing changed."
                    st.rerun()
        if notice := st.session_state.pop(NOTICE, None):
            st.success(notice)
        history = purpose_history(engine(), str(measure))
        if history.height:
            st.markdown("**Changes**")
            st.dataframe(
                history.sort("version", descending=True).select(
                    pl.col("changed_at").dt.strftime("%d %b %Y %H:%M").alias("When"),
                    pl.col("changed_by").alias("Who"),
                    pl.col("purpose")
                    .replace_strict(dict(PURPOSES), default=None)
                    .fill_null(NONE)
                    .alias("Purpose"),
                    pl.col("statutory_source").fill_null("").alias("Statutory source"),
                    pl.col("domains")
                    .list.eval(pl.element().replace_strict(DOMAINS))
                    .list.join("; ")
                    .alias("Outcomes"),
                ),
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption(plain(f"No purpose has been recorded for {names[measure]} yet."))
