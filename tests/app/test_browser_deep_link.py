"""A link into the app (to a chart, from a board paper or an e-mail) still ends at that chart
when the person has to sign in first, in a real headless Chromium with local accounts.

The sign-in form runs before the app's pages exist, so without help the person lands on Home
and the link's series is lost. A page the person may not open (a viewer sent a link to
Annotate) ends on Home, never on an error. Server and Chromium as in test_browser.py.
"""

import shutil
from pathlib import Path

import pytest

from qi.access import local_admin
from qi.demo.accounts import DEMO_PASSWORD, load_demo_accounts
from qi.store import open_store

from .test_browser import (
    ARTIFACTS,
    chart_drawn,
    chromium,
    idle,
    new_page,
    running_app,
)

expect = pytest.importorskip("playwright.sync_api").expect

ASTHMA = "Emergency asthma admissions, children and young people"
BRADFORD = "E08000032"


@pytest.fixture
def accounts_database(demo_template, tmp_path) -> Path:
    path = tmp_path / "qi.sqlite"
    shutil.copy(demo_template, path)
    engine = open_store(f"sqlite:///{path}")
    load_demo_accounts(engine, local_admin("Ada Admin"))
    engine.dispose()
    return path


def sign_in(page, username: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_link_to_a_chart_opens_that_chart_after_signing_in(accounts_database, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"QI_AUTH": "local-accounts"}
    with (
        running_app(accounts_database, tmp_path / "app.log", env) as url,
        chromium() as browser,
    ):
        page = new_page(browser, 1024, 900)
        link = f"{url}/measures?measure=cyp_asthma_admissions&place={BRADFORD}"
        page.goto(link, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Sign in to qi")).to_be_visible()
        sign_in(page, "steward")
        expect(page.get_by_role("heading", name="Measures", exact=True)).to_be_visible()
        idle(page)
        chart_drawn(page)
        expect(page.get_by_text(f"{ASTHMA}: Bradford").first).to_be_visible()
        page.screenshot(path=ARTIFACTS / "deep-link-after-sign-in.png")

        # A viewer sent a link to a page they may not open: Home, no error.
        page = new_page(browser, 1024, 900)
        page.goto(f"{url}/annotate", wait_until="domcontentloaded")
        sign_in(page, "viewer")
        expect(page.get_by_role("link", name="Published figures").first).to_be_visible()
        expect(page.get_by_role("heading", name="Programmes")).to_be_visible()
        idle(page)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
