"""Change ideas: what each initiative is trying, and its Plan-Do-Study-Act cycles as records.

Thin: the ideas and their ramps come from ``qi.services.pdsa`` and ``qi.store.pdsa``; writes go
through the store as the signed-in person (``qi.app.identity``), and the store checks them (an
ended cycle needs its end and an outcome; the person needs the coach's role where the cycle
runs). A refused cycle keeps what was typed and says why beside the form. The forms are shown
only to someone the library allows to record cycles somewhere. A cycle followed on a measure
shades that measure's chart over its dates; "Open the chart" goes there.
"""

from datetime import date

import polars as pl
import streamlit as st

from qi.access.authorize import allowed_somewhere
from qi.app.context import engine, initiatives, measure_names, open_measure, place_names
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.widgets import plain, show_notice
from qi.services.pdsa import ramp, record_cycle
from qi.store.annotations import read_annotations
from qi.store.pdsa import PdsaError, link_annotation, read_change_ideas, update_cycle
from qi.text import count, period
from qi.vocabulary.pdsa import CYCLE_OUTCOMES, CYCLE_STATUSES, PDSA_STAGES

NOTICE = "qi.change_ideas.notice"
NEW_IDEA = "A new change idea"
RECORD = "qi.ideas.record"  # the "Record a cycle" form's fields: RECORD + "." + field
RECORD_ERROR = "qi.ideas.record.error"  # why the last cycle was not recorded
TYPED = ("idea", "name", "description", "plan", "prediction", "ends_on", "measures", "places")


def done(kind: str, message: str) -> None:
    st.session_state[NOTICE] = (kind, message)
    st.rerun()


def not_done(what: str, error: Exception) -> str:
    """ "Not recorded: <why>." with one full stop (the library's refusals end with their own)."""
    return f"Not {what}: {said(error).rstrip('.')}."


def field(name: str) -> str:
    return f"{RECORD}.{name}"


def record_from_form(initiative: str) -> None:
    """Record the cycle the form describes; on a refusal keep what was typed and say why
    beside the form; on success empty the form."""
    state = st.session_state
    choice = state[field("idea")]
    name = state[field("name")] if choice == NEW_IDEA else choice
    try:
        record_cycle(
            engine(),
            principal(),
            initiative=initiative,
            idea=name,
            description=state[field("description")] or None,
            plan=state[field("plan")],
            prediction=state[field("prediction")] or None,
            starts_on=state[field("starts_on")],
            ends_on=state[field("ends_on")],
            measures=state[field("measures")],
            places=state[field("places")],
        )
    except (PdsaError, StoreError) as error:
        state[RECORD_ERROR] = not_done("recorded", error)
        return
    state.pop(RECORD_ERROR, None)
    for typed in TYPED:
        state.pop(field(typed), None)
    state[NOTICE] = ("success", f"Cycle recorded for {name}.")


st.title("Change ideas")
st.caption(
    "What each initiative is trying, tested in Plan-Do-Study-Act cycles: a prediction before, "
    "what happened, what we learned, and whether to adopt, adapt or abandon. A cycle followed "
    "on a measure shades that measure's chart over its dates."
)
found = initiatives()
if found.height == 0:
    st.info("No initiatives yet: a change idea belongs to an initiative.")
    st.stop()
who = principal()
initiative_places = dict(found.select("name", "places").iter_rows())
initiative = st.selectbox("Initiative", list(initiative_places), key="qi.ideas.initiative")
show_notice(NOTICE)
measures, places = measure_names(), place_names()
ideas = read_change_ideas(engine(), principal(), initiative=initiative)
st.markdown(f"**{count(ideas.height, 'change idea')}**")

cycles_by_idea = {idea: ramp(engine(), principal(), idea) for idea in ideas["id"]}
for idea in ideas.iter_rows(named=True):
    cycles = cycles_by_idea[idea["id"]]
    with st.container(border=True):
        st.subheader(idea["name"])
        if idea["description"]:
            st.markdown(plain(idea["description"]))
        st.caption(f"{count(cycles.height, 'cycle')}, in order: each builds on the last.")
        for cycle in cycles.iter_rows(named=True):
            where = [measures.get(m, m) for m in cycle["measures"]] + [
                places.get(p, p) for p in cycle["places"]
            ]
            title = f"Cycle {cycle['number']} · {cycle['dates']} · {cycle['state']}"
            with st.expander(title, expanded=cycle["status"] != "ended"):
                if where:
                    st.caption("Followed on: " + ", ".join(where))
                stages = {"plan": cycle["plan"], "do": cycle["do"]}
                stages |= {"study": cycle["study"], "act": cycle["act"]}
                for stage, text in stages.items():
                    words = PDSA_STAGES[stage].split(":")[0]
                    extra = ""
                    if stage == "plan" and cycle["prediction"]:
                        extra = f"  \n*Prediction*: {plain(cycle['prediction'])}"
                    st.markdown(f"**{words}**: {plain(text) if text else '—'}{extra}")
                if cycle["annotations"]:
                    st.caption(
                        f"Marked on the chart by {count(len(cycle['annotations']), 'annotation')}."
                    )
                if cycle["measures"]:
                    place = cycle["places"][0] if cycle["places"] else None
                    if place is None:
                        chosen = initiative_places.get(initiative) or []
                        place = chosen[0] if chosen else None
                    if place is not None and st.button(
                        "Open the chart", key=f"qi.ideas.open.{cycle['id']}"
                    ):
                        open_measure(cycle["measures"][0], place, initiative)

every_cycle = pl.concat(list(cycles_by_idea.values())) if cycles_by_idea else None

if not allowed_somewhere(who, "pdsa.write"):
    st.caption(
        "Cycles are recorded and followed by the improvement coaches of the initiative's "
        "places; ask an administrator if that should include you."
    )
    st.stop()

record, follow = st.columns(2, gap="large")
with record, st.form(RECORD, border=True):
    st.subheader("Record a cycle")
    st.selectbox("Change idea", [*ideas["name"], NEW_IDEA], key=field("idea"))
    st.text_input("New change idea's name (for a new idea)", key=field("name"))
    st.text_area("What the new idea is (for a new idea)", height=68, key=field("description"))
    st.text_area("Plan: objective, who, where, when", height=80, key=field("plan"))
    st.text_input("Prediction: what we expect to happen", key=field("prediction"))
    start, end = st.columns(2)
    start.date_input("Starts", value=date.today(), format="DD/MM/YYYY", key=field("starts_on"))
    end.date_input("Ends (if known)", value=None, format="DD/MM/YYYY", key=field("ends_on"))
    st.multiselect(
        "Measures it is followed on",
        list(measures),
        format_func=lambda m: measures.get(m, m),
        key=field("measures"),
    )
    st.multiselect(
        "Places",
        initiative_places.get(initiative) or [],
        format_func=lambda p: places.get(p, p),
        key=field("places"),
    )
    if RECORD_ERROR in st.session_state:
        st.error(st.session_state[RECORD_ERROR], icon=":material/error:")
    st.form_submit_button(
        "Record the cycle", type="primary", on_click=record_from_form, args=(initiative,)
    )

with follow:
    st.subheader("Follow a cycle")
    if every_cycle is None or every_cycle.height == 0:
        st.markdown("No cycles yet.")
    else:
        rows = {row["id"]: row for row in every_cycle.iter_rows(named=True)}
        picked = st.selectbox(
            "Cycle",
            list(rows),
            index=len(rows) - 1,
            format_func=lambda i: f"{rows[i]['name']} ({rows[i]['state']})",
            key="qi.ideas.follow",
        )
        cycle = rows[picked]
        with st.form(f"qi.ideas.update.{picked}", border=True):
            do = st.text_area("Do: what happened, problems", cycle["do"] or "", height=68)
            study = st.text_area(
                "Study: what we saw, against the prediction", cycle["study"] or "", height=68
            )
            act = st.text_area(
                "Act: what we decided, the next cycle", cycle["act"] or "", height=68
            )
            left, middle = st.columns(2)
            status = left.selectbox(
                "Status",
                list(CYCLE_STATUSES),
                index=list(CYCLE_STATUSES).index(cycle["status"]),
                format_func=CYCLE_STATUSES.__getitem__,
            )
            outcomes = [None, *CYCLE_OUTCOMES]
            outcome = middle.selectbox(
                "Outcome (when ended)",
                outcomes,
                index=outcomes.index(cycle["outcome"]),
                format_func=lambda o: "—" if o is None else CYCLE_OUTCOMES[o],
            )
            ends = st.date_input("Ended", value=cycle["ends_on"], format="DD/MM/YYYY")
            if st.form_submit_button("Save", type="primary"):
                try:
                    update_cycle(
                        engine(),
                        who,
                        picked,
                        do=do,
                        study=study,
                        act=act,
                        status=status,
                        outcome=outcome,
                        ends_on=ends,
                    )
                except (PdsaError, StoreError) as error:
                    st.error(not_done("saved", error))
                else:
                    done("success", f"{cycle['name']} saved.")
        notes = (
            read_annotations(engine(), principal(), measures=cycle["measures"])
            if cycle["measures"]
            else None
        )
        if notes is not None and notes.height:
            labels = {
                row["id"]: f"{period(row['period'], style='short')} · {row['text']}"
                for row in notes.sort("period").iter_rows(named=True)
            }
            with st.form(f"qi.ideas.link.{picked}", border=True):
                note = st.selectbox(
                    "Annotation that marks this cycle on the chart",
                    list(labels),
                    format_func=lambda i: labels.get(i, str(i)),
                )
                if st.form_submit_button("Link to this cycle") and note is not None:
                    try:
                        link_annotation(engine(), who, note, picked)
                    except (PdsaError, StoreError) as error:
                        st.error(not_done("linked", error))
                    else:
                        done("success", f"Annotation linked to {cycle['name']}.")
