"""A measure at a place by the groups of a breakdown (deprivation quintile, sex, age band ...),
each group as its own chart: for an experience measure a P' chart per group, its months with
too few answers hollow (shown, not judged). Shared by pages that show one place's chart.

Thin: the groups' charts come from ``qi.services.groups`` (kept a minute per measure and
place), drawn by ``qi.render.figures``.
"""

import streamlit as st

from qi.access import Principal
from qi.app.context import engine
from qi.app.identity import principal
from qi.render.figures import spc_chart
from qi.services.groups import group_kinds, group_views
from qi.services.review import MeasureView
from qi.store import database_url
from qi.store.breakdowns import read_breakdown_kinds
from qi.text import unit_title


@st.cache_resource(ttl=60, show_spinner=False)
def _kinds(url: str, who: Principal, measure: str, place: str) -> list[str]:
    return group_kinds(engine(), who, measure, place)


@st.cache_resource(ttl=60, show_spinner=False)
def _views(url: str, who: Principal, measure: str, place: str, kind: str) -> dict[str, MeasureView]:
    return group_views(engine(), who, measure, place, kind)


def groups_section(measure: str, place: str, definition: dict) -> None:
    """An expander with one chart per group of the chosen kind; nothing when the measure has
    no breakdown stored at ``place``."""
    who = principal()
    kinds = _kinds(database_url(), who, measure, place)
    if not kinds:
        return
    words = read_breakdown_kinds(engine())
    with st.expander("By group: each group's own chart", icon=":material/groups:"):
        kind = st.selectbox(
            "Groups",
            kinds,
            format_func=lambda k: words.kinds[k].label,
            key=f"qi.groups.kind.{measure}.{place}",
        )
        st.caption(
            "Each group is charted on its own data with the measure's own chart and rules. "
            "Hollow points are not judged (too few answers that month, or excluded)."
        )
        for group, view in _views(database_url(), who, measure, place, str(kind)).items():
            st.altair_chart(
                spc_chart(
                    view.charted,
                    title=words.words(group),
                    y_title=unit_title(definition["unit"]),
                    icons=False,
                    height=180,
                ),
                theme=None,
                width="stretch",
            )
