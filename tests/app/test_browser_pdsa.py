"""In a real headless Chromium, at 1440 and 1024 pixels wide: PDSA cycles shade the measure's
chart, "Estimate the effect" draws the fitted lines and the counterfactual with the paragraph,
and the Change ideas page shows the ramps. Screenshots go to artifacts/ (pdsa-*.png)."""

import numpy as np
import pytest
from PIL import Image

from .test_browser import (
    ARTIFACTS,
    TIMEOUT_MS,
    chart_drawn,
    chromium,
    idle,
    new_page,
    server,
)
from .test_browser_meeting import choose

expect = pytest.importorskip("playwright.sync_api").expect

__all__ = ["server"]  # the fixture, used by name
BEST_START = "Best Start: healthy under-fives"
AE_UNDER5_NAME = "A&E attendances of under-5s per 1,000"
# The cycles' shade (#41B6E6 at 12% opacity) over white.
SHADE = np.array([232, 246, 252])


def shaded_pixels(path) -> int:
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    return int((np.abs(rgb - SHADE).max(axis=-1) <= 4).sum())


@pytest.mark.parametrize("width", [1440, 1024])
def test_cycles_shade_the_chart_and_the_effect_is_estimated_and_read(server, width):
    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = new_page(browser, width, 1800)
        page.goto(f"{url}/measures", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Measures")).to_be_visible(timeout=TIMEOUT_MS)
        choose(page, "Initiative", BEST_START)
        idle(page)
        choose(page, "Measure", AE_UNDER5_NAME)
        idle(page)
        choose(page, "Place", "Bradford")
        idle(page)
        chart_drawn(page)
        page.wait_for_timeout(500)
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.screenshot(path=ARTIFACTS / f"pdsa-{width}-1-chart-with-cycles.png")
        assert shaded_pixels(ARTIFACTS / f"pdsa-{width}-1-chart-with-cycles.png") > 500

        page.get_by_role("button", name="Estimate the effect").click()
        idle(page)
        expect(page.get_by_text("lower than the earlier trend predicted")).to_be_visible()
        effect = page.locator('[data-testid="stVegaLiteChart"]').nth(1)
        effect.locator("canvas, svg").first.wait_for(state="visible", timeout=TIMEOUT_MS)
        effect.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.get_by_text("Method, points and warnings").click()
        expect(page.get_by_text("quasi-Poisson GLM with a log(population) offset")).to_be_visible()
        page.screenshot(path=ARTIFACTS / f"pdsa-{width}-2-effect.png", full_page=True)

        page.goto(f"{url}/change-ideas", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Change ideas")).to_be_visible()
        choose(page, "Initiative", BEST_START)
        idle(page)
        expect(
            page.get_by_text("Cycle 3 · 1 Oct 2022 to 31 Dec 2022 · Ended: adopt")
        ).to_be_visible()
        page.screenshot(path=ARTIFACTS / f"pdsa-{width}-3-change-ideas.png", full_page=True)
