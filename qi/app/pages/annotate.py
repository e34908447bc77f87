"""Annotate: mark what changed and when, confirm or dismiss suggested change points, undo.

Nothing is recalculated automatically: limits change only when a coach adds an annotation that
starts a new phase (with a reason), or confirms a suggested change point (with a reason).
Every annotation is kept with who, when and why; undoing one keeps it, marked undone.
"""

from datetime import UTC, datetime, time

import polars as pl
import streamlit as st

from qi.app.context import choose_scope, engine, measure_definition, place_names
from qi.app.effect_panel import estimate_section
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.measure_panel import beside_chart, chart_settings, load_view, phase_table, place_chart
from qi.app.widgets import plain
from qi.render.figures import PICKED
from qi.services.pdsa import annotation_cycles
from qi.store.annotations import AnnotationError, add_annotation, read_annotations, undo_annotation
from qi.text import count, period
from qi.text.signals import signal_words
from qi.vocabulary.annotations import ANNOTATION_KINDS

NOTE, NEW_PHASE, EXCLUDE = (
    "Just a note on the chart",
    "Recalculate limits from here (a new phase)",
    "Exclude this point from the calculations",
)
DISMISSED = "qi.dismissed"  # suggestions dismissed in this session: (measure, place, period)
FLASH = "qi.annotate.flash"  # what the last click did, shown after the rerun it causes
SIDE_WORDS = {1: "above", -1: "below"}
# The annotation form's fields in the session, kept when a submission is refused.
FORM = {f: f"qi.annotate.{f}" for f in ("period", "kind", "text", "effect", "reason", "everywhere")}
CHART = "qi.annotate.chart"  # the chart's selection: the point clicked
CLICKED = "qi.annotate.clicked"  # the click already applied to the form
CLICKED_NOTE = "qi.annotate.clicked.note"  # said once in the form after a click
FORM_ERROR = "qi.annotate.error"  # (field or None, message) of the last refused submission
SUGGESTION_ERROR = "qi.annotate.suggestion.error"  # (suggestion, message) of a refused confirm


def flash(kind: str, message: str) -> None:
    st.session_state[FLASH] = (kind, message)
    st.rerun()


def show_flash() -> None:
    if FLASH in st.session_state:
        kind, message = st.session_state.pop(FLASH)
        (st.success if kind == "success" else st.error)(message)


def field_error(field: str | None) -> None:
    """The error of the last attempt to add an annotation, beside the field it is about
    (``None``: an error about no one field, under the form)."""
    error = st.session_state.get(FORM_ERROR)
    if error is not None and error[0] == field:
        st.error(error[1], icon=":material/error:")


def annotate_clicked(event, periods: list) -> None:
    """A point clicked on the chart chooses the form's period (once per click: choosing
    another period in the form afterwards is not undone)."""
    picked = (event or {}).get("selection", {}).get(PICKED) or []
    if not picked or picked == st.session_state.get(CLICKED):
        return
    st.session_state[CLICKED] = picked
    when = picked[0].get("period")
    if when is None or not periods:
        return
    # Vega gives the period as milliseconds since 1970 in the browser's time zone: the nearest
    # period charted is the one clicked.
    moment = datetime.fromtimestamp(float(when) / 1000, tz=UTC).replace(tzinfo=None)
    chosen = min(periods, key=lambda p: abs(datetime.combine(p, time()) - moment))
    st.session_state[FORM["period"]] = chosen
    st.session_state[CLICKED_NOTE] = (
        f"{period(chosen, style='short')} chosen on the chart: say what happened below."
    )


def add_from_form(measure: str, place: str) -> None:
    """Add the annotation the form describes; on a refusal keep what was typed and say why
    beside the field at fault; on success empty the form."""
    state = st.session_state
    effect = state[FORM["effect"]]
    chosen = state[FORM["period"]]
    try:
        add_annotation(
            engine(),
            principal(),
            measure=measure,
            period=chosen,
            kind=state[FORM["kind"]],
            text=state[FORM["text"]],
            place=None if state[FORM["everywhere"]] else place,
            new_phase=effect == NEW_PHASE,
            exclude=effect == EXCLUDE,
            reason=state[FORM["reason"]] or None,
        )
    except (AnnotationError, StoreError) as error:
        state[FORM_ERROR] = (getattr(error, "field", None), f"Not added: {said(error)}.")
        return
    state.pop(FORM_ERROR, None)
    # Emptied by setting each field (dropping its key would leave the browser showing what
    # was typed: only a value set in the session is sent back to the widget).
    state.update({FORM["text"]: "", FORM["reason"]: "", FORM["everywhere"]: False})
    state[FORM["effect"]] = NOTE
    state[FLASH] = ("success", f"Annotation added at {period(chosen, style='short')}.")


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
clicked = left.altair_chart(
    place_chart(view, scope.place, show_2sigma, selectable=True),
    theme=None,
    width="stretch",
    on_select="rerun",
    selection_mode=PICKED,
    key=CHART,
)
left.caption("Click a point to annotate its period.")
annotate_clicked(clicked, points.get_column("period").to_list())
with right:
    beside_chart(view, scope.place)
phases = phase_table(view, scope.place, definition["unit"])
st.markdown(f"**{count(phases.height, 'phase')}**")
st.table(phases, hide_index=True)

add, suggested = st.columns(2, gap="large")

with add, st.form("qi.annotation", border=True):
    st.subheader("Add an annotation")
    if CLICKED_NOTE in st.session_state:
        st.info(st.session_state.pop(CLICKED_NOTE), icon=":material/touch_app:")
    periods = points.get_column("period").to_list()
    if st.session_state.get(FORM["period"]) not in periods:
        st.session_state[FORM["period"]] = periods[-1]
    st.selectbox(
        "Period",
        periods,
        format_func=lambda p: period(p, style="short"),
        key=FORM["period"],
        help="Or click a point on the chart.",
    )
    st.selectbox(
        "Kind",
        list(ANNOTATION_KINDS),
        format_func=ANNOTATION_KINDS.__getitem__,
        key=FORM["kind"],
    )
    st.text_input(
        "What happened (required)",
        placeholder="e.g. Peer supporters in every family hub",
        key=FORM["text"],
    )
    field_error("text")
    st.radio("Effect on the chart", [NOTE, NEW_PHASE, EXCLUDE], key=FORM["effect"])
    st.text_input(
        "Reason (required to recalculate or exclude)",
        placeholder="e.g. New service model from this month",
        key=FORM["reason"],
    )
    field_error("reason")
    st.checkbox(f"For every place, not only {place_name}", key=FORM["everywhere"])
    field_error(None)
    st.form_submit_button(
        "Add annotation",
        type="primary",
        on_click=add_from_form,
        args=(scope.measure, scope.place),
    )

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
            rule = signal_words(rules, row["rule"], row["side"] or 0)
            st.markdown(
                f"**From {period(row['period'], style='short')}**: {what}. "
                f"Rule: {rule[:1].lower()}{rule[1:]}."
            )
            reason = st.text_input("Why the process changed (required)", key=f"qi.reason.{key}")
            refused = st.session_state.get(SUGGESTION_ERROR)
            if refused is not None and refused[0] == key:
                st.error(refused[1], icon=":material/error:")  # beside the reason it is about
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
                    st.session_state[SUGGESTION_ERROR] = (key, f"Not confirmed: {said(error)}.")
                    st.rerun()
                else:
                    st.session_state.pop(SUGGESTION_ERROR, None)
                    flash(
                        "success",
                        f"Limits recalculated from {period(row['period'], style='short')}.",
                    )
            if dismiss.button("Dismiss", key=f"qi.dismiss.{key}"):
                dismissed.add((row["measure"], row["place"], row["period"]))
                st.rerun()

estimate_section(scope)

st.subheader("Every annotation on this chart")
st.caption("Kept with who, when and why. Undo keeps the record and stops it shaping the chart.")
history = read_annotations(
    engine(), principal(), measures=scope.measure, places=scope.place, include_undone=True
).sort("period", "id")
if history.height == 0:
    st.markdown("None yet.")
# PDSA cycles an annotation marks (Change ideas page)
cycle_of = annotation_cycles(engine(), principal())
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
        if note["id"] in cycle_of:
            line += f"  \nPDSA cycle: {plain(cycle_of[note['id']])}"
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
