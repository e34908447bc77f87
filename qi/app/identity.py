"""Who is using the app: the page builds the principal from the identity mode, nothing more.

- single-user (the default): the person at the machine is the local admin.
- local-accounts: a sign-in form (user name and password, checked by the store with a
  lock-out); the signed-in person lives in this browser session only.
- oidc: ``st.login`` against the organisation's identity provider; qi keys the person on issuer
  and subject; a session older than ``QI_SESSION_HOURS`` (from the token's ``iat``) signs out.

Every run rebuilds the principal from the database, so a revoked grant or a disabled person
takes effect at the next click. Permissions are decided by the library, never here.
"""

import os
from urllib.parse import urlparse

import streamlit as st

from qi.access import Principal, local_admin
from qi.access.authorize import allowed_somewhere
from qi.access.modes import identity_mode, oidc_person, session_expired, session_hours
from qi.app.context import engine
from qi.app.navigation import PAGES
from qi.app.widgets import plain
from qi.store.access import SignInFailed, oidc_principal, principal_for, sign_in, sign_out

PERSON = "qi.person"  # the signed-in person's key, in this browser session only
ASKED_FOR = "qi.asked-for"  # the page (url path) and query a session was opened at


def remember_page_asked_for() -> None:
    """Keep the page and query a browser session was opened at (a link to a chart or a meeting
    in a board paper), so that signing in first still ends there (``page_asked_for``)."""
    if ASKED_FOR not in st.session_state:
        path = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
        st.session_state[ASKED_FOR] = (path, st.query_params.to_dict())


def page_asked_for() -> tuple[str, dict[str, str]] | None:
    """Once, after the first run in which the person is known: the page and query the session
    was opened at, or None."""
    asked = st.session_state.get(ASKED_FOR)
    if asked is None:
        return None
    st.session_state[ASKED_FOR] = None
    return asked


def principal() -> Principal:
    """The signed-in person, or (after showing how to sign in) the page stops."""
    mode = identity_mode()
    if mode == "single-user":
        return local_admin(os.environ.get("QI_ACTOR") or "Local administrator")
    if mode == "local-accounts":
        return _local_account()
    return _oidc()


def _local_account() -> Principal:
    person = st.session_state.get(PERSON)
    if person is not None:
        try:
            return principal_for(engine(), person)
        except SignInFailed:
            st.session_state.pop(PERSON, None)
    st.title("Sign in to qi")
    with st.form("qi.sign-in"):
        username = st.text_input("User name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                signed = sign_in(engine(), username.strip(), password)
            except SignInFailed as error:
                st.error(str(error).capitalize() + ".")
            else:
                st.session_state[PERSON] = signed.person
                st.rerun()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _oidc() -> Principal:
    if not st.user.get("is_logged_in"):
        st.title("Sign in to qi")
        st.button("Sign in with your organisation's account", on_click=st.login, type="primary")
        st.stop()
    claims = {key: value for key, value in st.user.items() if key != "tokens"}
    person = oidc_person(claims)
    hours = session_hours()
    if session_expired(claims, hours):
        who = Principal(person, str(claims.get("name") or claims["sub"]))
        sign_out(engine(), who, detail=f"the session was older than {hours:g} hours")
        st.session_state.pop(PERSON, None)
        st.logout()
        st.stop()
    try:
        if st.session_state.get(PERSON) != person:
            signed = oidc_principal(engine(), claims)  # records the sign-in
            st.session_state[PERSON] = person
            return signed
        return principal_for(engine(), person)
    except SignInFailed as error:  # disabled in qi: the provider's sign-in is not enough
        st.session_state.pop(PERSON, None)
        st.title("Sign in to qi")
        st.error(str(error).capitalize() + ".")
        st.button("Sign out", on_click=st.logout)
        st.stop()
        raise AssertionError("unreachable") from None  # st.stop() ends the run


def offered(script: str) -> bool:
    """Whether the page is offered to the signed-in person (the library's answer for what the
    page is for), so that no page links to one they cannot open."""
    needs = next(p.needs for p in PAGES if p.script == script)
    return needs is None or allowed_somewhere(principal(), needs)


def without_access(who: Principal) -> bool:
    """Whether the signed-in person has no grant anywhere yet (someone new from the identity
    provider, or whose grants were revoked or expired); if so, says so and how to get one."""
    if allowed_somewhere(who, "data.published"):
        return False
    st.title("qi")
    st.info(
        f"You are signed in as {plain(who.name)}, but you have no access to any place yet. "
        "Ask an administrator of qi to grant you a role; they will need your id in qi:",
        icon=":material/lock:",
    )
    st.code(who.person, language=None)
    return True


def sign_out_control(who: Principal) -> None:
    """The signed-in person's name and a sign-out button, in the sidebar (not in single-user
    mode, which has nobody to sign out)."""
    mode = identity_mode()
    if mode == "single-user":
        return
    st.sidebar.caption(f"Signed in as {plain(who.name)}")
    if st.sidebar.button("Sign out"):
        sign_out(engine(), who)
        st.session_state.pop(PERSON, None)
        if mode == "oidc":
            # st.logout() queues the browser's redirect to the provider's end-session page;
            # a rerun now would clear that queue before it is sent (a loaded server lost the
            # redirect, and with it the cookie's deletion), so the run just stops.
            st.logout()
            st.stop()
        st.rerun()
