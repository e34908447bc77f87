"""A measure at a place by the groups of a breakdown (deprivation quintile, sex, age band ...),
each group as its own chart: for an experience measure a P' chart per group, its months with
too few answers hollow (shown, not judged). Shared by pages that show one place's chart.

Thin: the groups' charts come from ``qi.services.groups`` (kept a minute per measure and
place), drawn by ``qi.render.figures``.
"""

import streamlit as st

from qi.app.context import engine
from qi.render.figures import spc_chart
from qi.services.groups import group_kinds, group_views
from qi.services.review import MeasureView
from qi.store import database_url
from qi.text import unit_title
from qi.vocabulary.breakdowns import BREAKDOWN_KINDS, breakdown_words


@st.cache_resource(ttl=60, show_spinner=False)
def _kinds(url: str, measure: str, place: str) -> list[str]:
    return group_kinds(engine(), measure, place)


@st.cache_resource(ttl=60, show_spinner=False)
def _views(url: str, measure: str, place: str, kind: str) -> dict[str, MeasureView]:
    return group_views(engine(), measure, place, kind)


def groups_section(measure: str, place: str, definition: dict) -> None:
    """An expander with one chart per group of the chosen kind; nothing when the measure has
    no breakdown stored at ``place``."""
    kinds = _kinds(database_url(), measure, place)
    if not kinds:
        return
    with st.expander("By group: each group's own chart", icon=":material/groups:"):
        kind = st.selectbox(
            "Groups",
            kinds,
            format_func=lambda k: BREAKDOWN_KINDS[k],
            key=f"qi.groups.kind.{measure}.{place}",
        )
        st.caption(
            "Each group is charted on its own data with the measure's own chart and rules. "
            "Hollow points are not judged (too few answers that month, or excluded)."
        )
        for group, view in _views(database_url(), measure, place, str(kind)).items():
            st.altair_chart(
                spc_chart(
                    view.charted,
                    title=breakdown_words(group),
                    y_title=unit_title(definition["unit"]),
                    icons=False,
                    height=180,
                ),
                theme=None,
                width="stretch",
            )
