"""Click-to-annotate in a real headless Chromium: a coach clicks a point of the chart, the
annotation form's period becomes that point's month, and the annotation added shows on the chart.

The point is found as a person (or a screen reader) finds it: by the accessible name Vega gives
each point of the SVG chart ("period: Jun 2023; ..."), scrolled into view and clicked with the
mouse at its centre.
"""

import re

from qi.text import number

from .test_browser import (
    ARTIFACTS,
    TIMEOUT_MS,
    chart_drawn,
    chromium,
    expect,
    idle,
    new_page,
)
from .test_browser import server as server  # the running app, a fixture


def point_of(page, month: str):
    """The chart's point for ``month`` ("Jun 2023"), found by its accessible name."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    return chart.locator(f'path[aria-roledescription="point"][aria-label^="period: {month};"]')


def click_point(page, month: str) -> None:
    point = point_of(page, month)
    point.wait_for(timeout=TIMEOUT_MS)
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    assert box is not None, f"the point of {month} is not drawn"
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def period_chosen(page) -> str:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Period").first
    return box.locator("input").input_value()


def test_clicking_a_point_chooses_its_month_and_the_annotation_shows_on_the_chart(server):
    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = new_page(browser, 1440, 900)
        page.goto(f"{url}/annotate")
        expect(page.get_by_role("heading", name="Annotate")).to_be_visible()
        idle(page)
        chart_drawn(page)
        assert period_chosen(page) == "Mar 2025"  # the form starts at the latest month

        click_point(page, "Jun 2023")
        expect(page.get_by_text("Jun 2023 chosen on the chart")).to_be_visible()
        idle(page)
        assert period_chosen(page) == "Jun 2023"
        # The point's value in its tooltip (and accessible name) as the reading writes
        # numbers: "Value: 43.25", not 43.2485.
        label = point_of(page, "Jun 2023").get_attribute("aria-label") or ""
        raw = re.search(r"Per 1,000 under-5s: ([0-9.]+);", label)
        shown = re.search(r"Value: ([0-9.,]+);", label)
        assert raw and shown, label
        assert shown.group(1) == number(float(raw.group(1)))
        # Nothing on the chart is read out by an internal name.
        named = page.locator('[data-testid="stVegaLiteChart"] [aria-label]').evaluate_all(
            "marks => marks.map(m => m.getAttribute('aria-label'))"
        )
        internal = [n for n in named if re.search(r"upper_limit|lower_limit|centre:|fill:", n)]
        assert internal == [], internal[:3]
        page.screenshot(path=ARTIFACTS / "annotate-clicked.png")

        # A second click on another point moves the form again.
        click_point(page, "Nov 2023")
        expect(page.get_by_text("Nov 2023 chosen on the chart")).to_be_visible()
        idle(page)
        assert period_chosen(page) == "Nov 2023"

        page.get_by_label("What happened (required)").fill("Winter leaflet to every family")
        page.get_by_role("button", name="Add annotation").click()
        expect(page.get_by_text("Annotation added at Nov 2023.")).to_be_visible()
        idle(page)
        chart_drawn(page)

        # On the chart (the demo's A&E attendances of under-5s at Bradford): in its key,
        # and in the accessible name of the point annotated, at the month clicked.
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        expect(chart).to_contain_text("Winter leaflet to every family")
        label = point_of(page, "Nov 2023").get_attribute("aria-label") or ""
        assert "Winter leaflet to every family" in label, label
        # The form is empty again, ready for the next annotation (in the browser too, not
        # only in the session).
        expect(page.get_by_label("What happened (required)")).to_have_value("")
        page.screenshot(path=ARTIFACTS / "annotate-added.png")
