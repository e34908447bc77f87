"""The board pack for publication through the app (AppTest): a viewer gets the published pack
from the Published figures page, a meeting's pack can be made for either audience, and every
pack made is in the audit. The control itself is tested in tests/render/test_pack_published.py.
"""

import re
import shutil
import subprocess

import pytest

from qi.access import local_admin
from qi.store import open_store
from qi.store.access import read_audit

from .test_access_pages import accounts_template, accounts_url, sign_in
from .test_pages import open_page

__all__ = ["accounts_template", "accounts_url"]  # fixtures, shared with test_access_pages.py

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)
ADMIN = local_admin("Test")


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def latest_cells(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert "Published figures: counts from 1 to 7 are not shown" in text
    return re.findall(r"Latest: (\S+)", text)


def controlled(cells: list[str]) -> bool:
    """Every latest value is * or a multiple of 5 (counts) or a rate/percentage."""
    return all(
        c == "*" or "." in c or "%" in c or float(c.replace(",", "")) % 5 == 0 for c in cells
    )


def test_a_viewer_downloads_the_published_board_pack(accounts_url, tmp_path):
    at = sign_in("viewer")
    at.switch_page("qi/app/pages/published.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="qi.published.pack.subject").set_value(
        ("initiative", "Best Start: healthy under-fives")
    ).run()
    at.button(key="qi.published.pack.prepare").click().run()
    assert not at.exception, at.exception
    _, pack = at.session_state["qi.published.pack"]
    cells = latest_cells(pack.pdf, tmp_path)
    assert cells and controlled(cells)
    # With Compare places pages of the places the viewer may see published, controlled.
    text = pdf_text(tmp_path / "pack.pdf")
    pages = [p for p in text.split("\f") if "Compare places:" in p]
    assert pages, "a Compare places page"
    assert all(
        "Published figures: a place with from 1 to 7 events" in " ".join(p.split()) for p in pages
    )
    labels = [button.proto.label for button in at.get("download_button")]
    assert any(label.startswith("Published board pack, PDF") for label in labels)
    events = read_audit(open_store(accounts_url), ADMIN, person="local:viewer")
    assert ("data.export", "board pack (published): Best Start: healthy under-fives") in (
        events.select("action", "subject").rows()
    )


def test_a_meeting_pack_for_publication_has_controlled_compare_pages(demo_url, tmp_path):
    at = open_page("meeting.py")
    assert at.radio(key="qi.meeting.pack.audience").value == "internal"  # the local admin
    at.radio(key="qi.meeting.pack.audience").set_value("published").run()
    at.button(key="qi.meeting.pack.prepare").click().run()
    assert not at.exception, at.exception
    (_, _, audience), _, plain = at.session_state["qi.meeting.pack"]
    assert audience == "published"
    assert controlled(latest_cells(plain.pdf, tmp_path))
    at.multiselect(key="qi.meeting.pack.compare").set_value(["ae_under5_rate"]).run()
    at.button(key="qi.meeting.pack.prepare").click().run()
    assert not at.exception, at.exception
    (_, compared, audience), _, pack = at.session_state["qi.meeting.pack"]
    assert compared == ("ae_under5_rate",) and audience == "published"
    assert pack.pages == plain.pages + 1
    latest_cells(pack.pdf, tmp_path)  # the review's control, as before
    text = pdf_text(tmp_path / "pack.pdf")
    page = next(p for p in text.split("\f") if "Compare places:" in p)
    assert "Published figures: a place with from 1 to 7 events" in " ".join(page.split())
    # The table's numerators and person-time (its rows: from the header to the note): * or
    # rounded to 5.
    table = page.split("Numerator")[1].split("Published figures")[0].splitlines()[1:]
    cells = [c for row in table if row.strip() for c in row.split()[-3:-1]]
    assert cells and all(c == "*" or float(c.replace(",", "")) % 5 == 0 for c in cells), cells
    exports = read_audit(open_store(demo_url), ADMIN, action="data.export")
    assert exports["subject"].str.starts_with("board pack (published)").any()
