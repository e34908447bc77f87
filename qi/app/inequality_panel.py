"""The inequality view (a measure by deprivation quintile at a place, the gap between the most
and least deprived over time as its own chart, and the slope and relative indices of
inequality), shared by the Compare places and Measures pages.

Thin: the view comes from ``qi.services.compare.inequality_view`` (kept a minute per measure
and place), the charts from ``qi.render``, the numbers' words from ``qi.text``.
"""

import polars as pl
import streamlit as st

from qi.access import Principal
from qi.app.context import engine, place_names
from qi.app.identity import principal
from qi.render.figures import spc_chart
from qi.render.funnel_figures import inequality_chart
from qi.services.compare import InequalityView, inequality_view
from qi.store import database_url
from qi.text import number, period, period_expr


@st.cache_resource(ttl=60, show_spinner=False)
def _inequality(url: str, who: Principal, measure: str, place: str) -> InequalityView | None:
    return inequality_view(engine(), who, measure, place)


def find_inequality(measure: str, place: str) -> InequalityView | None:
    """The measure by deprivation at ``place`` (or the nearest place it is in that has the
    breakdown); None when none is stored."""
    return _inequality(database_url(), principal(), measure, place)


def inequality_section(view: InequalityView, definition: dict, area: str) -> None:
    """The groups' lines, the latest SII and RII in words with their table, and the gap's
    chart; ``area`` is the place asked about (said when the view is of a place it is in)."""
    names = place_names()
    unit = definition["frequency"]
    shown = names.get(view.place, view.place)
    st.markdown(
        f"**{shown}** by deprivation quintile (1 = most deprived)"
        + (f" ({names.get(area, area)} is in {shown})" if view.place != area else "")
    )
    st.altair_chart(inequality_chart(view, definition), theme=None, width="stretch")
    if view.indices.height:
        latest = view.indices.row(-1, named=True)
        st.markdown(
            f"Slope index of inequality, {period(latest['period'], unit)}: "
            f"**{number(latest['sii'])}** (95% {number(latest['sii_lower95_0cl'])} to "
            f"{number(latest['sii_upper95_0cl'])}); relative index "
            f"**{number(latest['rii'])}**. The slope index is the modelled difference "
            "between the least and the most deprived ends of the population."
        )
        st.dataframe(
            view.indices.select(
                period_expr("period", unit).alias("Period"),
                pl.col("sii").round(2).alias("SII"),
                pl.format(
                    "{} to {}",
                    pl.col("sii_lower95_0cl").round(2),
                    pl.col("sii_upper95_0cl").round(2),
                ).alias("SII 95% interval"),
                pl.col("rii").round(3).alias("RII"),
            ),
            hide_index=True,
            width="stretch",
        )
    st.markdown("**The gap over time**: how much worse the most deprived fare")
    st.altair_chart(
        spc_chart(view.gap, icons=False, y_title="Gap", height=200),
        theme=None,
        width="stretch",
    )
