"""Signing in through OpenID Connect end to end, in a real headless Chromium.

A local OpenID Connect provider (``oidc-provider-mock``, on 127.0.0.1 at a free port, in this
test's process) stands in for the organisation's (Microsoft Entra ID in a deployment). The app
runs with ``QI_AUTH=oidc`` and a ``secrets.toml`` written for the test (``[auth]``: the
redirect URI, a cookie secret, the client and the provider's metadata URL), so ``st.login``
does the real authorization-code flow: a person clicks "Sign in", types their subject into the
provider's form, and comes back signed in. qi keys them on issuer + subject; grants decide what
they see; the session's age from the token's ``iat`` signs them out; signing out works; the
audit has it all. The server and Chromium are those of ``test_browser.py``.
"""

import json
import secrets
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import oidc_provider_mock  # a dev dependency: missing, the module fails (never skips)
import pytest
import werkzeug.serving as werkzeug_serving

from qi.access import local_admin
from qi.store import open_store
from qi.store.access import add_grant, read_audit, read_people

from .test_browser import (
    ARTIFACTS,
    chromium,
    idle,
    new_page,
    running_app,
)

expect = pytest.importorskip("playwright.sync_api").expect

ADMIN = local_admin("Ada Admin")
SUBJECT = "casey-7f3a"
NAME = "Casey Coach"
LEEDS = "E08000035"
SIGN_IN = "Sign in with your organisation's account"


@contextmanager
def provider() -> Iterator[str]:
    """A local OpenID Connect provider on 127.0.0.1 at a free port; yields its issuer URL.
    Casey's claims (a name and an e-mail) are set through its users API."""
    server = werkzeug_serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    issuer = f"http://127.0.0.1:{server.server_port}"
    try:
        claims = json.dumps({"name": NAME, "email": "casey@example.org"}).encode()
        request = urllib.request.Request(
            f"{issuer}/users/{SUBJECT}",
            data=claims,
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()
        yield issuer
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def secrets_toml(path: Path, issuer: str) -> Path:
    """The ``[auth]`` section ``st.login`` reads; ``{port}`` is the app's own port."""
    path.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "qi-test-client"\n'
        'client_secret = "qi-test-secret"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )
    return path


@contextmanager
def oidc_app(tmp_path: Path, database: Path, issuer: str, hours: str, name: str):
    settings = secrets_toml(tmp_path / f"{name}-secrets.toml", issuer)
    env = {"QI_AUTH": "oidc", "QI_SESSION_HOURS": hours}
    with running_app(
        database, tmp_path / f"{name}.log", env, "--secrets.files", str(settings)
    ) as url:
        yield url


def sign_in(page, url: str) -> None:
    """Open the app, click Sign in, type the subject into the provider's form, come back."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(SUBJECT)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**")


def sign_out(page) -> None:
    """Click "Sign out" and land on the provider's end-session page (the app stops its run
    after ``st.logout()``: a rerun there dropped the redirect on a loaded server)."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/oauth2/end_session**")


@pytest.fixture
def database(demo_template, tmp_path) -> Path:
    path = tmp_path / "qi.sqlite"
    shutil.copy(demo_template, path)
    return path


def test_sign_in_through_the_provider_grants_decide_and_sign_out(database, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    engine = open_store(f"sqlite:///{database}")
    with (
        provider() as issuer,
        oidc_app(tmp_path, database, issuer, "10", "app") as url,
        chromium() as browser,
    ):
        page = new_page(browser, 1440, 1000)

        # Nothing but the sign-in button before signing in.
        page.goto(url, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Sign in to qi")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "sign-in-1-before.png")

        # The provider's form, then back: signed in, with no grant yet.
        sign_in(page, url)
        expect(page.get_by_text(f"Signed in as {NAME}", exact=True)).to_be_visible()
        expect(page.get_by_text("you have no access to any place yet")).to_be_visible()
        idle(page)
        page.screenshot(path=ARTIFACTS / "sign-in-2-no-grants.png")

        # qi keys the person on issuer + subject, never e-mail.
        person = f"oidc:{issuer}|{SUBJECT}"
        people = read_people(engine, ADMIN)
        assert people.filter(people["person"] == person)["name"].to_list() == [NAME]
        assert not people["person"].str.contains("casey@example.org").any()

        # Granted coach at Leeds through the library: a reload shows the pages.
        add_grant(engine, ADMIN, person, "coach", place=LEEDS)
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="qi", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="Annotate").first).to_be_visible()
        expect(page.get_by_text("you have no access to any place yet")).to_have_count(0)
        idle(page)
        page.screenshot(path=ARTIFACTS / "sign-in-3-coach.png")

        # Signing out: back to the sign-in button.
        sign_out(page)  # the provider's session ends too
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("button", name=SIGN_IN)).to_be_visible()
        page.screenshot(path=ARTIFACTS / "sign-in-4-signed-out.png")
    events = read_audit(engine, ADMIN, person=person).reverse()
    # One sign-in however many reloads (the token's iat), then the sign-out.
    assert events.select("action", "outcome").rows() == [
        ("sign-in", "done"),
        ("sign-out", "done"),
    ]
    engine.dispose()


def test_a_session_older_than_the_maximum_age_is_signed_out(database, tmp_path):
    engine = open_store(f"sqlite:///{database}")
    hours = 0.01  # 36 seconds: long enough to sign in on a busy machine, short to wait for
    with (
        provider() as issuer,
        oidc_app(tmp_path, database, issuer, str(hours), "short") as url,
        chromium() as browser,
    ):
        page = new_page(browser, 1024, 800)
        sign_in(page, url)
        expect(page.get_by_text(f"Signed in as {NAME}", exact=True)).to_be_visible()
        signed_in_at = time.monotonic()  # the token was issued before this
        expect(page.get_by_text("you have no access to any place yet")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "sign-in-5-1024.png")
        time.sleep(max(0.0, signed_in_at + hours * 3600 + 1 - time.monotonic()))
        page.reload(wait_until="domcontentloaded")
        page.wait_for_url("**/oauth2/end_session**")
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("button", name=SIGN_IN)).to_be_visible()
    events = read_audit(engine, ADMIN, person=f"oidc:{issuer}|{SUBJECT}").reverse()
    assert events.select("action", "detail").rows() == [
        ("sign-in", None),
        ("sign-out", f"the session was older than {hours:g} hours"),
    ]
    engine.dispose()
