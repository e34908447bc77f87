"""People from an identity provider: keyed on issuer + subject, and one sign-in recorded per
token (its ``iat``), however many reloads or tabs reuse Streamlit's identity cookie."""

import time

from qi.access import local_admin
from qi.store import connect
from qi.store.access import oidc_principal, read_audit, read_people

ADMIN = local_admin("Ada Admin")
CLAIMS = {"iss": "https://idp.example", "sub": "u-1", "name": "Priya", "email": "p@example.org"}


def test_a_sign_in_is_recorded_once_per_token(sqlite_url):
    engine = connect(sqlite_url)
    issued = time.time() - 5
    for _ in range(3):  # the first run, a reload, a new tab: the same token
        oidc_principal(engine, {**CLAIMS, "iat": issued})
    people = read_people(engine, ADMIN)
    assert people.select("person", "name").rows() == [("oidc:https://idp.example|u-1", "Priya")]
    events = read_audit(engine, ADMIN, action="sign-in")
    assert events.height == 1
    time.sleep(0.01)
    oidc_principal(engine, {**CLAIMS, "iat": time.time() + 1})  # signed in again: a new token
    assert read_audit(engine, ADMIN, action="sign-in").height == 2
    engine.dispose()
