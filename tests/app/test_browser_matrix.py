"""The meeting view's summary matrix in a real headless Chromium, and the way down to a chart.

A board looks at 7 measures x 5 places: the matrix must fit one 1440 x 900 screen without
scrolling, keep its headers in view, say each icon's meaning in the cell's accessible name and
tooltip, and open exactly the series clicked, at the top of the Measures page, for any
initiative (the meeting view once opened the default initiative's chart, halfway down).
Screenshots at 1440 and 1024 px go to artifacts/. Server and Chromium as in test_browser.py.
"""

import polars as pl

from qi.access import local_admin
from qi.demo.outcomes import EXPERIENCE_DIFFERENCE, EXPERIENCE_FAIRLY
from qi.demo.partnership import LOCALITIES, MH_REFERRALS
from qi.services.meeting import meeting_review
from qi.store import (
    UploadRecord,
    add_initiative,
    open_store,
    read_measures,
    read_places,
    read_series,
    store_observations,
    upsert_measures,
)

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

expect = __import__("pytest").importorskip("playwright.sync_api").expect

__all__ = ["server"]
expect.set_options(timeout=TIMEOUT_MS)

EVERYTHING = "Every locality measure (test)"
SEVENTH = "cyp_contacts"
SEVENTH_NAME = "Contacts with children's services"
EARLY_SUPPORT = "Early support for emotional wellbeing"
REFERRALS_NAME = "Referrals to children and young people's mental health services"


def seven_measures_at_five_places(database_url: str) -> list[str]:
    """An initiative of the demo's six locality measures and a seventh stored here, at the five
    localities; returns the measures' names in the matrix's order."""
    engine = open_store(database_url)
    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": [SEVENTH],
                "name": [SEVENTH_NAME],
                "unit": ["contacts"],
                "kind": ["count"],
                "improvement": ["neither"],
                "frequency": ["month"],
            }
        ),
    )
    ids = dict(read_measures(engine).select("code", "id").iter_rows())
    places = [p.code for p in LOCALITIES]
    referrals = read_series(engine, local_admin("tester"), measures=MH_REFERRALS, places=places)
    place_ids = dict(read_places(engine).select("code", "id").iter_rows())
    rows = referrals.select(
        pl.lit(ids[SEVENTH]).alias("measure_id"),
        pl.col("place").replace_strict(place_ids).alias("place_id"),
        "period",
        (pl.col("value") * 2).alias("value"),
        "numerator",
        "denominator",
        "missing_reason",
        "status",
    )
    store_observations(
        engine,
        local_admin("tester"),
        rows,
        UploadRecord("contacts.csv", "contacts", rows.height, {}),
    )
    with_data = set(
        read_series(engine, local_admin("tester"), places=places)
        .get_column("measure")
        .unique()
        .to_list()
    )
    # The seven monthly measures (the experience measures from survey answers are left out).
    with_data -= {EXPERIENCE_DIFFERENCE, EXPERIENCE_FAIRLY}
    add_initiative(engine, local_admin("tester"), EVERYTHING, places, measures=sorted(with_data))
    matrix = meeting_review(engine, local_admin("tester"), initiative=EVERYTHING).matrix
    engine.dispose()
    return matrix.get_column("measure_name").unique(maintain_order=True).to_list()


def matrix_box(page) -> dict:
    return page.evaluate(
        """() => {
            const frame = document.querySelector('.qi-matrix-frame');
            const box = frame.getBoundingClientRect();
            const head = getComputedStyle(frame.querySelector('thead th')).position;
            return {bottom: box.bottom, right: box.right, scrollHeight: frame.scrollHeight,
                    clientHeight: frame.clientHeight, scrollWidth: frame.scrollWidth,
                    clientWidth: frame.clientWidth, sticky: head};
        }"""
    )


def on_the_chart_of(page, measure: str, place: str, initiative: str) -> None:
    """The Measures page shows this series, scrolled to the top."""
    expect(page).to_have_url(__import__("re").compile(r"/measures"))
    heading = page.get_by_role("heading", name="Measures", exact=True)
    expect(heading).to_be_in_viewport()
    for label, value in (("Initiative", initiative), ("Measure", measure), ("Place", place)):
        expect(page.get_by_role("combobox", name=label, exact=True)).to_have_value(value)
    chart_drawn(page)
    expect(page.get_by_text(f"{measure}: {place}").first).to_be_visible()


def test_the_matrix_fits_one_screen_and_each_cell_opens_its_series(server):
    url, database_url = server
    names = seven_measures_at_five_places(database_url)
    assert len(names) == 7
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = new_page(browser, 1440, 900)
        page.goto(f"{url}/meeting", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Meeting view")).to_be_visible()
        idle(page)
        choose(page, "Initiative", EVERYTHING)
        idle(page)
        matrix = page.locator(".qi-matrix")
        expect(matrix.locator("tbody tr")).to_have_count(7)
        expect(matrix.locator("thead th")).to_have_count(1 + 5)
        assert matrix.locator("tbody th").all_inner_texts()[0].startswith(names[0])
        box = matrix_box(page)
        assert box["bottom"] <= 900 and box["right"] <= 1440, box  # on the first screen
        assert box["scrollHeight"] <= box["clientHeight"], box  # no scrolling inside it
        assert box["scrollWidth"] <= box["clientWidth"], box
        assert box["sticky"] == "sticky"
        page.screenshot(path=ARTIFACTS / "meeting-matrix-1440.png")

        # Each cell says in words what its icons mean, as its name and its tooltip.
        cell = page.get_by_role("link", name=f"{REFERRALS_NAME} at Kirklees:")
        label = cell.get_attribute("aria-label")
        assert label == cell.get_attribute("title")
        assert "Special cause" in label or "Common cause" in label
        assert "latest" in label and "Open its chart." in label

        page.set_viewport_size({"width": 1024, "height": 900})
        idle(page)
        box = matrix_box(page)
        assert box["right"] <= 1024, box  # narrower: it scrolls inside its own frame
        page.screenshot(path=ARTIFACTS / "meeting-matrix-1024.png")
        page.set_viewport_size({"width": 1440, "height": 900})

        # A cell opens its series at the top of the Measures page.
        cell.click()
        on_the_chart_of(page, REFERRALS_NAME, "Kirklees", EVERYTHING)
        page.screenshot(path=ARTIFACTS / "meeting-matrix-opened.png")

        # After switching initiative, a card's "Open the chart" opens that card's series.
        page.goto(f"{url}/meeting", wait_until="domcontentloaded")
        idle(page)
        choose(page, "Initiative", EARLY_SUPPORT)
        idle(page)
        expect(page.locator(".qi-matrix")).to_contain_text("Calderdale")  # its own places
        page.screenshot(path=ARTIFACTS / "meeting-matrix-early-support.png")
        choose(page, "Each measure in detail: its readings by place", REFERRALS_NAME)
        idle(page)
        card = page.locator('[class*="st-key-qi-measure-card-"]').filter(has_text=REFERRALS_NAME)
        link = card.get_by_role("link", name="Open the chart").last  # the second place
        link.scroll_into_view_if_needed()
        link.click()
        on_the_chart_of(page, REFERRALS_NAME, "Kirklees", EARLY_SUPPORT)
