"""End to end in a real headless Chromium: a story on the chart, the meeting view, the board pack.

A person adds a story of change linked to a measure and a month, sees its marker on the measure's
chart, opens the meeting view with its matrix of icons, and exports the board pack. The pack's
pages are rendered to PNG with pdftoppm (Debian's poppler-utils) and each must have content.
The server and the Chromium launch are those of ``test_browser.py``. Screenshots and the pack's
pages go to artifacts/. With CI=true a missing Chromium or pdftoppm fails; locally it skips.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .test_browser import (
    ARTIFACTS,
    chart_drawn,
    chromium,
    idle,
    new_page,
    server,
)

expect = pytest.importorskip("playwright.sync_api").expect

__all__ = ["server"]  # the fixture, shared with test_browser.py

PDFTOPPM = shutil.which("pdftoppm")
if PDFTOPPM is None:
    if os.environ.get("CI") == "true":
        pytest.fail("pdftoppm is missing: apt-get install -y poppler-utils", pytrace=False)
    pytest.skip("pdftoppm is missing (apt-get install -y poppler-utils)", allow_module_level=True)

BEST_START = "Best Start: healthy under-fives"
BREASTFEEDING_NAME = "Breastfeeding at 6-8 weeks (%)"
STORY_TITLE = "Peer supporters at the Wakefield clinic"
NARRATIVE = "A mum said the <b>peer supporter</b> made it easier. <script>alert(1)</script>"
# A page counts as having content when this share of its pixels is not white.
MIN_INK = 0.005


def choose(scope, label: str, option: str) -> None:
    """Pick an option in the selectbox with exactly this label, as a person does."""
    page = scope.page if hasattr(scope, "page") else scope
    box = scope.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True)
    )
    box.first.click()
    page.keyboard.type(option[:30])
    page.get_by_role("option", name=option, exact=True).first.click()


def green_pixels(path: Path) -> int:
    """How many pixels of a screenshot are green like the story markers (drawn translucent,
    so green clearly above red and blue rather than the exact colour)."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((green > red + 40) & (green > blue + 20)).sum())


def ink(path: Path) -> float:
    """The share of a page's pixels that are not (nearly) white."""
    image = Image.open(path).convert("L")
    histogram = image.histogram()
    return sum(histogram[:235]) / (image.width * image.height)


def open_chart(page, url: str) -> None:
    page.goto(f"{url}/measures", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Measures")).to_be_visible()
    choose(page, "Initiative", BEST_START)
    idle(page)
    choose(page, "Measure", BREASTFEEDING_NAME)
    idle(page)
    choose(page, "Place", "Wakefield")
    idle(page)
    chart_drawn(page)
    page.wait_for_timeout(500)  # let Vega finish drawing the canvas


def test_a_story_on_its_chart_then_the_meeting_view_and_its_board_pack(server, tmp_path):
    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = new_page(browser, 1400, 1800, accept_downloads=True)

        # The chart before: the demo's two stories on it already.
        open_chart(page, url)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.screenshot(path=tmp_path / "before.png")
        before = green_pixels(tmp_path / "before.png")

        # Add a story linked to the measure and January 2025.
        page.goto(f"{url}/stories", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Stories of change")).to_be_visible()
        page.get_by_role("tab", name="Add a story").click()
        form = page.locator('[role="tabpanel"]:visible')
        form.get_by_role("textbox", name="Title").fill(STORY_TITLE)
        form.get_by_role("textbox", name="Narrative").fill(NARRATIVE)
        choose(form, "Initiative", BEST_START)
        idle(page)
        choose(form, "Place", "Wakefield")
        idle(page)
        form.locator('[data-testid="stMultiSelect"]').filter(
            has_text="Measures it speaks to"
        ).click()
        page.keyboard.type("Breastfeeding")
        page.get_by_role("option", name=BREASTFEEDING_NAME, exact=True).click()
        page.keyboard.press("Escape")
        idle(page)
        choose(form, "Periods it speaks to: from", "Jan 2025")
        idle(page)
        choose(form, "to", "Jan 2025")
        idle(page)
        # Its consent record: an adult's own, for the partnership (meetings and packs).
        choose(form, "Consent given by", "An adult, for themselves")
        idle(page)
        choose(form, "Basis", "An adult able to consent for themselves")
        idle(page)
        choose(form, "May be shown to", "The partnership (meetings and board packs)")
        idle(page)
        page.screenshot(path=ARTIFACTS / "meeting-1-add-story.png")
        form.get_by_role("button", name="Add story").click()
        expect(page.get_by_text("Story added.")).to_be_visible()
        idle(page)
        page.screenshot(path=ARTIFACTS / "meeting-1b-story-added.png")
        page.get_by_role("tab", name="Add a story").click()
        new_form = page.get_by_role("tabpanel", name="Add a story")
        expect(new_form.get_by_role("textbox", name="Narrative")).to_have_value("")

        # Browse: the story as the characters typed, beside its chart.
        page.get_by_role("tab", name="Browse").click()
        shown = page.locator('[data-testid="stMarkdownContainer"] p', has_text=NARRATIVE)
        expect(shown.first).to_be_visible()  # the tags shown as typed, not obeyed
        expect(page.locator("b", has_text="peer supporter")).to_have_count(0)
        chart_drawn(page)
        page.screenshot(path=ARTIFACTS / "meeting-2-story-and-its-chart.png")

        # Its marker on the measure's chart: more of the markers' green than before, and
        # the story listed beside the chart.
        open_chart(page, url)
        chart.screenshot(path=ARTIFACTS / "meeting-3-chart-with-story.png")
        assert green_pixels(ARTIFACTS / "meeting-3-chart-with-story.png") > before
        choose(page, "Read a story", f"Jan 2025: {STORY_TITLE}")
        idle(page)
        expect(shown.first).to_be_visible()
        page.screenshot(path=ARTIFACTS / "meeting-4-measures-with-story.png")

        # The meeting view: the matrix with icons and their meanings in words.
        page.goto(f"{url}/meeting", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Meeting view")).to_be_visible()
        idle(page)
        improvement = page.get_by_role("link", name="Special cause improvement (low)")
        expect(improvement.first).to_be_visible()  # the meaning is the cell's name
        expect(page.get_by_text("Since 12 February 2025:")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "meeting-5-matrix.png")
        page.get_by_role("heading", name="Actions").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "meeting-6-news-and-actions.png")

        # Export the board pack.
        page.get_by_role("button", name="Prepare the board pack").click()
        download_button = page.get_by_role("button", name="Board pack, PDF")
        expect(download_button).to_be_visible(timeout=120_000)
        download_button.scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "meeting-7-board-pack.png")
        with page.expect_download() as download:
            download_button.click()
        pdf = ARTIFACTS / "board-pack.pdf"
        download.value.save_as(pdf)

    assert pdf.read_bytes().startswith(b"%PDF")
    for old in ARTIFACTS.glob("board-pack-page-*.png"):
        old.unlink()
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "60", str(pdf), str(ARTIFACTS / "board-pack-page")], check=True
    )
    pages = sorted(ARTIFACTS.glob("board-pack-page-*.png"))
    # Cover, matrix, Best Start's three measures, the effect at Bradford's confirmed change point
    # (after its measure's page), actions.
    assert len(pages) == 7
    blank = [p.name for p in pages if ink(p) < MIN_INK]
    assert not blank, f"blank pages in the board pack: {blank}"
