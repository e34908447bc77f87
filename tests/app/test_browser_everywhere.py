"""Every page in a real headless Chromium at 1440 and 1024 pixels wide: nothing clipped, and
no request leaves the machine (the page icon and fonts are served by the app itself).

Screenshots of each page at both widths go to artifacts/ for a person to look at.
"""

from urllib.parse import urlparse

import pytest

from qi.app.navigation import PAGES

from .test_browser import (  # noqa: F401 (server is a fixture)
    ARTIFACTS,
    TIMEOUT_MS,
    chromium,
    expect,
    idle,
    new_page,
    server,
)

WIDTHS = (1440, 1024)


def _overflowing(page) -> list[str]:
    """Elements wider than the page itself or cut off at its right-hand edge (a table that
    scrolls inside its own frame is not cut off)."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const found = [];
        if (document.documentElement.scrollWidth > width) found.push('page scrolls sideways');
        const main = document.querySelector('[data-testid="stMain"]');
        for (const el of main.querySelectorAll('[data-testid^="st"]')) {
            const box = el.getBoundingClientRect();
            if (box.width > 0 && box.right > width + 1) {
                found.push(el.getAttribute('data-testid') + ' ends at ' + Math.round(box.right));
            }
        }
        return found.slice(0, 10);
    }"""
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_and_asks_nothing_of_other_hosts(server, width):  # noqa: F811
    url, _ = server
    host = urlparse(url).netloc
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = new_page(browser, width, 900)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        for spec in PAGES:
            page.goto(f"{url}/{'' if spec.default else spec.url_path}")
            expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT_MS)
            idle(page)
            charts = page.locator('[data-testid="stVegaLiteChart"]')
            if charts.count():
                charts.first.locator("canvas, svg").first.wait_for(state="visible")
            page.wait_for_timeout(1500)  # the other charts and icons finish drawing
            page.screenshot(path=ARTIFACTS / f"page-{spec.url_path}-{width}.png", full_page=True)
            assert _overflowing(page) == [], f"{spec.title} at {width} px"
            icon = page.evaluate(
                "() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)"
            )
            assert icon and all(urlparse(i).netloc in (host, "") for i in icon), icon
    outside = sorted(
        {u for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss")}
        - {u for u in requested if urlparse(u).netloc == host}
    )
    assert requested and outside == [], outside
