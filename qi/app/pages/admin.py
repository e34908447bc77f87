"""People and the audit: who may use qi, what they were granted, and what was done.

For administrators (``people.manage``, ``audit.read``): add a local account, grant and revoke
roles, disable a person, and read the audit, filtered. Every decision is the library's
(``qi.store.access``); the page only collects what the administrator typed and shows the
answer. Everything shown is plain text.
"""

import polars as pl
import streamlit as st

from qi.access.roles import ROLES
from qi.app.context import engine, initiatives, place_names
from qi.app.errors import StoreError, said
from qi.app.identity import principal
from qi.app.widgets import show_notice
from qi.store.access import (
    AccessError,
    add_grant,
    add_person,
    disable_person,
    read_audit,
    read_grants,
    read_people,
    revoke_grant,
)

NOTICE = "qi.admin.notice"
PROBLEMS = (AccessError, StoreError, ValueError)  # ValueError: a weak password


def _done(message: str) -> None:
    st.session_state[NOTICE] = ("success", message)


def _failed(what: str, error: Exception) -> None:
    st.session_state[NOTICE] = ("error", f"{what}: {said(error)}")


def _add_person() -> None:
    state = st.session_state
    try:
        person = add_person(
            engine(),
            principal(),
            username=state["qi.admin.username"].strip(),
            name=state["qi.admin.name"],
            password=state["qi.admin.password"],
        )
    except PROBLEMS as error:
        _failed("Not added", error)
        return
    _done(f"Added {person}. Grant them a role below.")


def _grant() -> None:
    state = st.session_state
    over = state["qi.admin.over"]
    try:
        add_grant(
            engine(),
            principal(),
            state["qi.admin.person"],
            state["qi.admin.role"],
            place=state.get("qi.admin.place") if over == "A place" else None,
            initiative=state.get("qi.admin.initiative") if over == "An initiative" else None,
            everything=over == "Everything",
        )
    except PROBLEMS as error:
        _failed("Not granted", error)
        return
    _done("Granted.")


def _revoke(grant_id: int) -> None:
    try:
        revoke_grant(engine(), principal(), grant_id)
    except PROBLEMS as error:
        _failed("Not revoked", error)
        return
    _done(f"Grant {grant_id} revoked.")


def _disable(person: str) -> None:
    try:
        disable_person(engine(), principal(), person)
    except PROBLEMS as error:
        _failed("Not disabled", error)
        return
    _done(f"{person} disabled.")


st.title("People and the audit")
who = principal()
show_notice(NOTICE)
people_tab, audit_tab = st.tabs(["People and grants", "Audit"])

with people_tab:
    people = read_people(engine(), who)
    st.dataframe(
        people.select(
            pl.col("person").alias("Key"),
            pl.col("name").alias("Name"),
            pl.when(pl.col("disabled"))
            .then(pl.lit("disabled"))
            .otherwise(pl.lit("active"))
            .alias("State"),
            pl.col("last_sign_in_at").alias("Last signed in"),
        ),
        hide_index=True,
        width="stretch",
    )
    grants = read_grants(engine(), who)
    live = grants.filter(pl.col("revoked_at").is_null())
    st.markdown(f"**Grants in force: {live.height}**")
    for grant in live.iter_rows(named=True):
        over = grant["place"] or grant["initiative"] or "everything"
        line, button = st.columns([6, 1], vertical_alignment="center")
        line.text(f"{grant['person']}: {grant['role']} over {over} (by {grant['granted_by']})")
        button.button(
            "Revoke", key=f"qi.admin.revoke.{grant['id']}", on_click=_revoke, args=(grant["id"],)
        )
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.subheader("Add a local account")
        st.text_input("User name", key="qi.admin.username")
        st.text_input("Name, as it appears on what they record", key="qi.admin.name")
        st.text_input("Password (at least 12 characters)", type="password", key="qi.admin.password")
        st.button("Add", on_click=_add_person, key="qi.admin.add")
    with right, st.container(border=True):
        st.subheader("Grant a role")
        keys = people.get_column("person").to_list()
        if keys:
            st.selectbox("Person", keys, key="qi.admin.person")
            st.selectbox("Role", list(ROLES), format_func=ROLES.__getitem__, key="qi.admin.role")
            over = st.radio(
                "Over",
                ["A place", "An initiative", "Everything"],
                horizontal=True,
                key="qi.admin.over",
            )
            names = place_names()
            if over == "A place":
                st.selectbox(
                    "Place",
                    sorted(names, key=names.__getitem__),
                    format_func=names.__getitem__,
                    key="qi.admin.place",
                )
            elif over == "An initiative":
                st.selectbox(
                    "Initiative",
                    initiatives().get_column("name").to_list(),
                    key="qi.admin.initiative",
                )
            st.button("Grant", on_click=_grant, key="qi.admin.grant")
            active = people.filter(~pl.col("disabled")).get_column("person").to_list()
            if active:
                chosen = st.selectbox("Disable a person", active, key="qi.admin.disable.pick")
                st.button("Disable", on_click=_disable, args=(chosen,), key="qi.admin.disable")

with audit_tab:
    first = st.columns(4)
    person = first[0].text_input("Person key", key="qi.admin.a.person") or None
    action = first[1].text_input("Action", key="qi.admin.a.action") or None
    place = first[2].text_input("Place code", key="qi.admin.a.place") or None
    outcome = first[3].selectbox(
        "Outcome",
        [None, "done", "refused", "failed"],
        key="qi.admin.a.outcome",
        format_func=lambda v: "Any" if v is None else v,
    )
    events = read_audit(
        engine(), who, person=person, action=action, place=place, outcome=outcome, limit=500
    )
    st.caption(
        f"The newest {events.height} events (at most 500). Nobody can change or delete them."
    )
    st.dataframe(
        events.select(
            pl.col("at").alias("When (UTC)"),
            pl.col("person_name").alias("Who"),
            pl.col("person").alias("Key"),
            pl.col("action").alias("What"),
            pl.col("subject").alias("On"),
            pl.col("place").alias("Place"),
            pl.col("outcome").alias("Outcome"),
            pl.col("detail").alias("Detail"),
        ),
        hide_index=True,
        width="stretch",
    )
