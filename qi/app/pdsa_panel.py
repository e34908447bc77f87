"""PDSA cycles on the meeting view: those that ended since the last meeting, with what was
predicted, what was learned and what was decided. Thin: the cycles come from
``MeetingReview.cycles`` (``qi.services.pdsa.cycles_ended``)."""

import streamlit as st

from qi.app.navigation import page_path
from qi.app.widgets import plain
from qi.text import count


def ended_cycles(review) -> None:
    """One bordered note per cycle that ended since ``review.since`` (every ended cycle when
    there is no such day)."""
    cycles = review.cycles
    st.markdown(
        f"**PDSA cycles ended{' since then' if review.since else ''}**: "
        f"{count(cycles.height, 'cycle')}"
    )
    for cycle in cycles.iter_rows(named=True):
        with st.container(border=True):
            lines = [f"**{plain(cycle['name'])}** · {cycle['dates']} · {cycle['state']}"]
            for label, stage in (("Predicted", "prediction"), ("Learned", "study")):
                if cycle[stage]:
                    lines.append(f"{label}: {plain(cycle[stage])}")
            if cycle["act"]:
                lines.append(f"Decided: {plain(cycle['act'])}")
            st.markdown("  \n".join(lines))
    if cycles.height:
        st.page_link(
            page_path("change_ideas.py"), label="Every change idea", icon=":material/science:"
        )
