"""Compare places in a real headless Chromium: the funnel is drawn with its limits and its
places, hovering names a place, and clicking one opens its chart. Screenshots at 1440 and 1024
pixels wide go to artifacts/."""

from datetime import date

import pytest

from qi.access import local_admin
from qi.services.compare import compare_places
from qi.store import open_store

from .test_browser import (
    ARTIFACTS,
    TIMEOUT_MS,
    chart_drawn,
    chromium,
    idle,
    new_page,
    server,
)

expect = pytest.importorskip("playwright.sync_api").expect

__all__ = ["server"]  # the fixture, used by name
GLD = "good_level_of_development"


def test_the_funnel_is_drawn_and_a_click_opens_the_places_chart(server):
    url, database_url = server
    ARTIFACTS.mkdir(exist_ok=True)
    expected = compare_places(
        open_store(database_url),
        local_admin("tester"),
        GLD,
        "ward",
        date(2025, 1, 1),
        date(2025, 1, 1),
    ).places
    # The places are drawn in table order; the page opens on the first, the test clicks the last.
    first, last = expected.row(0, named=True), expected.row(-1, named=True)
    with chromium() as browser:
        for width in (1440, 1024):
            page = new_page(browser, width, 1400)
            page.goto(f"{url}/compare", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Compare places")).to_be_visible(
                timeout=TIMEOUT_MS
            )
            chart_drawn(page)
            funnel = page.locator('[data-testid="stVegaLiteChart"]').first
            points = funnel.locator("g.places_marks path")
            expect(points).to_have_count(expected.height)
            expect(funnel.locator("g.limits_marks")).to_have_count(4)  # 95/99.8%, both sides
            expect(funnel.locator("g.unadjusted_limits_marks")).to_have_count(4)
            idle(page)
            # The whole page: the table of places and the first place's chart below.
            expect(page.get_by_role("heading", name="A place's chart")).to_be_visible(
                timeout=TIMEOUT_MS
            )
            expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(
                4, timeout=TIMEOUT_MS
            )
            page.screenshot(path=ARTIFACTS / f"compare-{width}.png", full_page=True)

        # Hover: the place is named; click: its chart opens below.
        points.first.hover(force=True)
        tooltip = page.locator("#vg-tooltip-element")
        expect(tooltip).to_contain_text(first["name"])
        expect(tooltip).to_contain_text(first["reading"])
        place_chart = page.locator('[data-testid="stVegaLiteChart"]').last
        expect(place_chart).to_contain_text(first["name"])
        points.last.click(force=True)
        idle(page)
        expect(place_chart).to_contain_text(last["name"], timeout=TIMEOUT_MS)
        page.screenshot(path=ARTIFACTS / "compare-clicked-1024.png", full_page=True)
