"""Signing in and who did what, through the app (AppTest): local accounts, OpenID Connect
(``at.user``), and the single-user default. The pages only build the principal; the library
decides, and the audit records."""

import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from qi.access import local_admin
from qi.demo.accounts import DEMO_PASSWORD, load_demo_accounts
from qi.store import open_store, read_uploads
from qi.store.access import read_audit

from .conftest import APP, leeds_referrals_csv
from .test_pages import table_with, texts, upload

ADMIN = local_admin("Test")
BRADFORD_CSV = leeds_referrals_csv().replace(b"E08000035", b"E08000032")


@pytest.fixture(scope="session")
def accounts_template(demo_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("accounts") / "qi.sqlite"
    shutil.copy(demo_template, path)
    engine = open_store(f"sqlite:///{path}")
    load_demo_accounts(engine, ADMIN)
    engine.dispose()
    return path


@pytest.fixture
def accounts_url(accounts_template, tmp_path, monkeypatch) -> str:
    path = tmp_path / "qi.sqlite"
    shutil.copy(accounts_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("QI_DATABASE_URL", url)
    monkeypatch.setenv("QI_AUTH", "local-accounts")
    return url


def sign_in(username: str, password: str = DEMO_PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.title[0].value == "Sign in to qi"
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_nothing_but_the_sign_in_form_shows_until_someone_signs_in(accounts_url):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert [t.value for t in at.title] == ["Sign in to qi"]
    assert not at.file_uploader and not at.selectbox
    at = sign_in("leeds", "not the password")
    assert "not right, or the account is locked" in texts(at)
    assert at.title[0].value == "Sign in to qi"


def test_a_locality_uploads_for_its_own_place_and_is_refused_for_another(accounts_url):
    at = sign_in("leeds")
    assert "Signed in as Leeds locality analyst (demo)" in texts(at)
    at.switch_page("qi/app/pages/upload.py").run()
    assert not [t for t in at.text_input if t.label == "Your name"]
    upload(at, "leeds.csv", leeds_referrals_csv())
    assert "leeds.csv: stored." in texts(at)
    upload(at, "bradford.csv", BRADFORD_CSV)
    [problem] = table_with(at, "Problem")["Problem"].to_list()
    assert "Leeds locality analyst (demo) may not upload data for place E08000032" in problem
    engine = open_store(accounts_url)
    uploads = read_uploads(engine, local_admin("tester")).tail(2)
    assert uploads.select("file_name", "actor", "outcome").rows() == [
        ("leeds.csv", "Leeds locality analyst (demo)", "stored"),
        ("bradford.csv", "Leeds locality analyst (demo)", "rejected"),
    ]
    refused = read_audit(engine, ADMIN, person="local:leeds", outcome="refused")
    assert refused.select("action", "place").rows() == [("data.upload", "E08000032")]


def test_a_sign_in_and_a_sign_out_are_in_the_audit(accounts_url):
    at = sign_in("steward")
    [out] = [b for b in at.button if b.label == "Sign out"]
    out.click().run()
    assert at.title[0].value == "Sign in to qi"
    events = read_audit(open_store(accounts_url), ADMIN, person="local:steward")
    assert events["action"].to_list() == ["sign-out", "sign-in"]


def oidc_app(monkeypatch, **claims) -> AppTest:
    monkeypatch.setenv("QI_AUTH", "oidc")
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = claims  # what st.user reads
    return at.run()


def test_with_oidc_a_person_is_keyed_on_issuer_and_subject_and_starts_with_no_grants(
    demo_url, monkeypatch
):
    at = oidc_app(monkeypatch, is_logged_in=False)
    assert [b.label for b in at.button] == ["Sign in with your organisation's account"]
    claims = {"iss": "https://idp.example", "sub": "u-42", "name": "Priya", "iat": time.time()}
    at = oidc_app(monkeypatch, is_logged_in=True, email="p@example.org", **claims)
    assert not at.exception, at.exception
    assert "Signed in as Priya" in texts(at)
    with pytest.raises(ValueError, match=r"Known pages: .*home.py'\]"):
        at.switch_page("qi/app/pages/upload.py")  # no grant yet: nothing but Home
    events = read_audit(open_store(demo_url), ADMIN, person="oidc:https://idp.example|u-42")
    assert events.select("action", "outcome").rows()[-1] == ("sign-in", "done")


def test_an_oidc_session_older_than_the_maximum_age_is_signed_out(demo_url, monkeypatch):
    monkeypatch.setenv("QI_SESSION_HOURS", "8")
    old = time.time() - 9 * 3600
    at = oidc_app(monkeypatch, is_logged_in=True, iss="https://idp.example", sub="u", iat=old)
    assert not at.exception, at.exception
    assert not at.selectbox and not at.file_uploader


def test_in_single_user_mode_the_local_admin_is_who_did_it_never_the_os_user(demo_url):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("qi/app/pages/upload.py").run()
    upload(at, "leeds.csv", leeds_referrals_csv())
    assert (
        read_uploads(open_store(demo_url), local_admin("tester"))["actor"].to_list()[-1]
        == "Local administrator"
    )


def test_a_viewer_is_offered_published_figures_only_with_small_numbers_controlled(accounts_url):
    at = sign_in("viewer")
    at.switch_page("qi/app/pages/published.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Published figures"
    at.selectbox[0].set_value("cyp_mh_referrals").run()  # a count
    values = table_with(at, "Value (referrals)")["Value (referrals)"].to_list()
    assert len(values) > 100
    # As people write numbers (1,235), counts of 1 to 7 as *, others rounded to 5.
    assert all(v in ("0", "*") or int(v.replace(",", "")) % 5 == 0 for v in values if v)
    assert any("," in v for v in values if v)
    assert "Disclosure control: nhs secondary care." in texts(at)
    for page in ("upload.py", "measures.py", "annotate.py", "stories.py", "meeting.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"qi/app/pages/{page}")


def test_a_locality_picks_from_its_own_places_only(accounts_url):
    at = sign_in("leeds")
    at.switch_page("qi/app/pages/measures.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="qi.pick.initiative").set_value(None).run()
    assert at.selectbox(key="qi.pick.place").options == ["Leeds"]


def test_a_withdrawn_story_leaves_the_stories_page(demo_url):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("qi/app/pages/stories.py").run()
    chosen = at.selectbox(key="qi.story.pick").value
    before = len(at.selectbox(key="qi.story.pick").options)
    [withdraw] = [b for b in at.button if b.label == "Consent withdrawn: remove this story"]
    withdraw.click().run()
    assert not at.exception, at.exception
    assert "Consent withdrawn: the story's words are removed." in texts(at)
    assert chosen not in at.selectbox(key="qi.story.pick").options
    assert len(at.selectbox(key="qi.story.pick").options) == before - 1


def test_an_admin_grants_a_role_on_the_admin_page_and_reads_the_audit(accounts_url):
    at = sign_in("admin")
    at.switch_page("qi/app/pages/admin.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="qi.admin.person").set_value("local:steward").run()
    at.selectbox(key="qi.admin.role").set_value("coach").run()
    at.radio(key="qi.admin.over").set_value("A place").run()
    at.selectbox(key="qi.admin.place").set_value("E08000035").run()
    at.button(key="qi.admin.grant").click().run()
    assert not at.exception, at.exception
    assert "Granted." in texts(at)
    audit = table_with(at, "Outcome")
    assert audit.row(0, named=True)["What"] == "grants.add"
    assert "coach over place E08000035 to local:steward" in audit.row(0, named=True)["On"]


def test_nobody_but_an_admin_is_offered_the_admin_page(accounts_url):
    at = sign_in("coach")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("qi/app/pages/admin.py")


def test_with_oidc_a_person_disabled_in_qi_is_refused_and_can_sign_out(demo_url, monkeypatch):
    from qi.store.access import disable_person

    claims = {"iss": "https://idp.example", "sub": "d-1", "name": "Dee", "iat": time.time()}
    oidc_app(monkeypatch, is_logged_in=True, **claims)  # known to qi from the first sign-in
    disable_person(open_store(demo_url), ADMIN, "oidc:https://idp.example|d-1")
    at = oidc_app(monkeypatch, is_logged_in=True, **claims)
    assert not at.exception, at.exception
    assert "not an active person in qi" in texts(at)
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.selectbox and not at.file_uploader


def test_home_offers_a_card_only_for_pages_the_person_may_use_and_no_empty_box(accounts_url):
    at = sign_in("leeds")  # a locality: uploads and reads, does not annotate
    # The first row of columns on Home: the cards, each a link and its words.
    cards = [[type(e).__name__ for e in column.children.values()] for column in at.columns[:3]]
    links = [link.proto.label for column in at.columns[:3] for link in column.get("page_link")]
    assert links == ["**Upload data**", "**Measures**"]
    assert cards[:2] == [["PageLink", "Markdown"]] * 2
    assert len(cards) == 2 or cards[2] != [], "an empty card"


def test_home_points_a_viewer_to_the_published_figures(accounts_url):
    at = sign_in("viewer")
    links = [link.proto.label for column in at.columns[:1] for link in column.get("page_link")]
    assert links == ["**Published figures**"]
    at = sign_in("leeds")  # someone with other pages has no such card (it is in the sidebar)
    links = [link.proto.label for column in at.columns[:3] for link in column.get("page_link")]
    assert "**Published figures**" not in links
