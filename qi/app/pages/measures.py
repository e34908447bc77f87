"""Measures: one measure's chart at a place, or at every place of an initiative side by side."""

import polars as pl
import streamlit as st

from qi.app.context import choose_scope, engine, measure_definition, place_names
from qi.app.effect_panel import estimate_section
from qi.app.group_panel import groups_section
from qi.app.identity import offered, principal
from qi.app.inequality_panel import find_inequality, inequality_section
from qi.app.measure_panel import (
    beside_chart,
    chart_settings,
    downloads,
    every_place,
    load_view,
    phase_table,
    place_chart,
)
from qi.app.navigation import page_path
from qi.app.story_panel import stories_on_chart
from qi.app.widgets import plain
from qi.store.stories import story_markers
from qi.text import count, number, period_expr
from qi.vocabulary.annotations import ANNOTATION_KINDS
from qi.vocabulary.measures import IMPROVEMENT

ONE_PLACE, EVERY_PLACE = "One place", "Every place, side by side"

st.title("Measures")
st.caption(
    "Statistical process control charts in the NHS Making Data Count style: grey points are "
    "common cause variation, blue special cause improvement, orange special cause concern."
)
scope = choose_scope()
if scope is None:
    st.stop()

definition = measure_definition(scope.measure)
shown = st.segmented_control(
    "View", [ONE_PLACE, EVERY_PLACE], default=ONE_PLACE, key="qi.view", label_visibility="collapsed"
)
chart, rules, show_2sigma = chart_settings(definition)
unit = definition["unit"]
better = IMPROVEMENT[definition["improvement"]]
st.caption(
    f"Unit: {unit or 'none'} · {better.capitalize()}"
    + (f" · Target: {number(definition['target'])}" if definition["target"] is not None else "")
)
if definition["definition"]:
    with st.expander("About this measure"):
        st.markdown(plain(definition["definition"]))

if shown == EVERY_PLACE:
    every_place(scope, chart, rules, show_2sigma)
    st.stop()

view = load_view(scope.measure, scope.place, chart, rules)
if view is None:
    st.stop()
stories = story_markers(
    engine(), principal(), scope.measure, audience="internal", places=scope.place
)
figure = place_chart(view, scope.place, show_2sigma, stories=stories)
left, right = st.columns([3, 1.1], gap="medium")
with left:
    st.altair_chart(figure, theme=None, width="stretch")
    st.caption(
        "Hover on a point for its value, numerator and denominator, the rule that flagged it "
        "and any annotation. Hollow points are excluded from the calculations; dashed "
        "vertical lines are annotations."
    )
with right:
    beside_chart(view, scope.place)
    stories_on_chart(stories, key=f"qi.chart.story.{scope.measure}.{scope.place}")
inequality = find_inequality(scope.measure, scope.place)
if inequality is not None:
    with st.expander("Inequality: by deprivation quintile, the gap and the slope index"):
        inequality_section(inequality, definition, scope.place)
groups_section(scope.measure, scope.place, definition)

st.subheader("Phases")
phases = phase_table(view, scope.place, unit)
st.markdown(
    f"{count(phases.height, 'phase')}: limits are recalculated only "
    "where a coach marked a change with a reason."
)
st.table(phases, hide_index=True)

st.subheader("Annotations on this chart")
notes = view.place_annotations(scope.place)
if notes.height == 0:
    st.markdown("None yet.")
else:
    names = place_names()
    st.dataframe(
        notes.sort("period").select(
            period_expr("period", style="short").alias("Period"),
            pl.col("kind").replace_strict(ANNOTATION_KINDS, default=pl.col("kind")).alias("Kind"),
            pl.col("text").alias("What happened"),
            pl.when(pl.col("new_phase"))
            .then(pl.lit("limits recalculated from here"))
            .when(pl.col("exclude"))
            .then(pl.lit("point excluded"))
            .otherwise(pl.lit(""))
            .alias("Effect"),
            pl.col("reason").fill_null("").alias("Why"),
            pl.col("place").replace_strict(names, default="every place").alias("Where"),
            pl.col("actor").alias("Who"),
            period_expr("created_at", "minute", "short").alias("When"),
        ),
        hide_index=True,
        width="stretch",
    )
if offered("annotate.py"):
    st.page_link(page_path("annotate.py"), label="Annotate this chart", icon=":material/edit_note:")

estimate_section(scope)

st.subheader("Download")
downloads(
    lambda: place_chart(view, scope.place, show_2sigma, icons=True, stories=stories),
    view.place_points(scope.place),
    f"{scope.measure}-{scope.place}",
)
