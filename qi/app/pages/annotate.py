"""Annotate: mark what changed and when, confirm or dismiss suggested change points, undo.

Nothing is recalculated automatically: limits change only when a coach adds an annotation that
starts a new phase (with a reason), or confirms a suggested change point (with a reason).
Every annotation is kept with who, when and why; undoing one keeps it, marked undone.
"""

import polars as pl
import streamlit as st

from qi.app.context import choose_scope, engine, measure_definition, place_names
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.measure_panel import beside_chart, chart_settings, load_view, phase_table, place_chart
from qi.app.widgets import plain
from qi.store.annotations import AnnotationError, add_annotation, read_annotations, undo_annotation
from qi.text import count, period
from qi.vocabulary.annotations import ANNOTATION_KINDS

NOTE, NEW_PHASE, EXCLUDE = (
    "Just a note on the chart",
    "Recalculate limits from here (a new phase)",
    "Exclude this point from the calculations",
)
DISMISSED = "qi.dismissed"  # suggestions dismissed in this session: (measure, place, period)
FLASH = "qi.annotate.flash"  # what the last click did, shown after the rerun it causes
SIDE_WORDS = {1: "above", -1: "below"}


def flash(kind: str, message: str) -> None:
    st.session_state[FLASH] = (kind, message)
    st.rerun()


def show_flash() -> None:
    if FLASH in st.session_state:
        kind, message = st.session_state.pop(FLASH)
        (st.success if kind == "success" else st.error)(message)


st.title("Annotate")
st.caption(
    "Mark changes on the chart: change ideas, PDSA cycles, context events and data issues. "
    "Recalculate limits only where the process changed, and say why."
)
scope = choose_scope()
if scope is None:
    st.stop()
definition = measure_definition(scope.measure)
chart, rules, show_2sigma = chart_settings(definition)
view = load_view(scope.measure, scope.place, chart, rules)
if view is None:
    st.stop()
show_flash()
names = place_names()
place_name = names.get(scope.place, scope.place)
points = view.place_points(scope.place)
left, right = st.columns([3, 1.1], gap="medium")
left.altair_chart(place_chart(view, scope.place, show_2sigma), theme=None, width="stretch")
with right:
    beside_chart(view, scope.place)
phases = phase_table(view, scope.place, definition["unit"])
st.markdown(f"**{count(phases.height, 'phase')}**")
st.table(phases, hide_index=True)

add, suggested = st.columns(2, gap="large")

with add, st.form("qi.annotation", clear_on_submit=True, border=True):
    st.subheader("Add an annotation")
    periods = points.get_column("period").to_list()
    chosen = st.selectbox(
        "Period", periods, index=len(periods) - 1, format_func=lambda p: period(p, style="short")
    )
    kind = st.selectbox("Kind", list(ANNOTATION_KINDS), format_func=ANNOTATION_KINDS.__getitem__)
    text = st.text_input("What happened", placeholder="e.g. Peer supporters in every family hub")
    effect = st.radio("Effect on the chart", [NOTE, NEW_PHASE, EXCLUDE])
    reason = st.text_input(
        "Reason (needed to recalculate or exclude)",
        placeholder="e.g. New service model from this month",
    )
    everywhere = st.checkbox(f"For every place, not only {place_name}")
    if st.form_submit_button("Add annotation", type="primary"):
        try:
            add_annotation(
                engine(),
                principal(),
                measure=scope.measure,
                period=chosen,
                kind=kind,
                text=text,
                place=None if everywhere else scope.place,
                new_phase=effect == NEW_PHASE,
                exclude=effect == EXCLUDE,
                reason=reason or None,
            )
        except (AnnotationError, StoreError) as error:
            st.error(f"Not added: {said(error)}.")
        else:
            flash("success", f"Annotation added at {period(chosen, style='short')}.")

with suggested:
    st.subheader("Suggested change points")
    st.caption(
        "Where a sustained signal starts (a run of points on one side of the centre, or a "
        "trend). Confirm one to recalculate the limits from there, with a reason."
    )
    dismissed = st.session_state.setdefault(DISMISSED, set())
    open_suggestions = [
        row
        for row in view.suggestions.filter(pl.col("place") == scope.place).iter_rows(named=True)
        if (row["measure"], row["place"], row["period"]) not in dismissed
    ]
    if not open_suggestions:
        st.markdown("None to review.")
    for row in open_suggestions:
        key = f"{row['measure']}.{row['place']}.{row['period']}"
        with st.container(border=True):
            side = SIDE_WORDS.get(row["side"], "on one side of")
            what = (
                "a trend" if row["rule"] == "trend" else f"{row['points']} points {side} the centre"
            )
            st.markdown(
                f"**From {period(row['period'], style='short')}**: {what} (rule: {row['rule']})."
            )
            reason = st.text_input("Why the process changed", key=f"qi.reason.{key}")
            confirm, dismiss = st.columns(2)
            if confirm.button("Confirm: recalculate from here", key=f"qi.confirm.{key}"):
                try:
                    add_annotation(
                        engine(),
                        principal(),
                        measure=scope.measure,
                        place=scope.place,
                        period=row["period"],
                        kind="context",
                        text=f"Change confirmed: {what}",
                        new_phase=True,
                        reason=reason or None,
                    )
                except (AnnotationError, StoreError) as error:
                    flash("error", f"Not confirmed: {said(error)}.")
                else:
                    flash(
                        "success",
                        f"Limits recalculated from {period(row['period'], style='short')}.",
                    )
            if dismiss.button("Dismiss", key=f"qi.dismiss.{key}"):
                dismissed.add((row["measure"], row["place"], row["period"]))
                st.rerun()

st.subheader("Every annotation on this chart")
st.caption("Kept with who, when and why. Undo keeps the record and stops it shaping the chart.")
history = read_annotations(
    engine(), measures=scope.measure, places=scope.place, include_undone=True
).sort("period", "id")
if history.height == 0:
    st.markdown("None yet.")
for note in history.iter_rows(named=True):
    with st.container(border=True):
        words, button = st.columns([6, 1], vertical_alignment="center")
        effect = (
            " · **limits recalculated from here**"
            if note["new_phase"]
            else " · **point excluded**"
            if note["exclude"]
            else ""
        )
        where = names.get(note["place"], note["place"]) if note["place"] else "every place"
        at = period(note["period"], style="short")
        line = (
            f"**{at}** · {ANNOTATION_KINDS.get(note['kind'], note['kind'])}"
            f"{effect} · {plain(where)}  \n{plain(note['text'])}"
        )
        if note["reason"]:
            line += f"  \nWhy: {plain(note['reason'])}"
        added = period(note["created_at"], "minute", "short")
        line += f"  \n:gray[Added by {plain(note['actor'])} on {added}]"
        if note["undone_at"] is not None:
            undone = period(note["undone_at"], "day", "short")
            line = (
                f":gray[Undone by {plain(note['undone_by'])} on {undone}]"
                f"  \n~~{plain(note['text'])}~~ ({at})"
            )
        words.markdown(line)
        if note["undone_at"] is None and button.button("Undo", key=f"qi.undo.{note['id']}"):
            try:
                undo_annotation(engine(), principal(), note["id"])
            except (AnnotationError, StoreError) as error:
                flash("error", f"Not undone: {said(error)}.")
            else:
                flash("success", f"Annotation at {at} undone.")
