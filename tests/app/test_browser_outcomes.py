"""End to end in headless Chromium: upload survey answers on the Outcomes page and see the
experience measure they make at its place; the You said, we did page. Screenshots at 1440 and
1024 pixels wide go to artifacts/ for a person to look at."""

from playwright.sync_api import expect

from .test_browser import ARTIFACTS, TIMEOUT_MS, chromium, idle, new_page
from .test_browser import server as server  # the running app, a fixture

WAKEFIELD_ANSWERS = "Place,Date,Question,Answer,Voice\n" + "".join(
    f"E08000036,2025-04-{day:02d},treated_fairly,Yes; definitely,Child or young person\n".replace(
        "Yes; definitely", '"Yes, definitely"'
    )
    for day in range(1, 13)
)


def test_survey_answers_uploaded_show_on_the_outcomes_view(server, tmp_path):
    url, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    answers = tmp_path / "wakefield-answers.csv"
    answers.write_text(WAKEFIELD_ANSWERS)
    with chromium() as browser:
        page = new_page(browser, 1440, 1800)
        page.goto(f"{url}/outcomes", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible(
            timeout=TIMEOUT_MS
        )
        idle(page)
        page.get_by_text("Add survey answers").click()
        page.locator('input[type="file"]').set_input_files(str(answers))
        page.get_by_role("button", name="Check and store").click()
        expect(page.get_by_text("Stored: 12 survey answers")).to_be_visible(timeout=TIMEOUT_MS)
        idle(page)
        safe = page.locator(".st-key-qi-outcome-safe-E08000036")
        expect(safe).to_contain_text("Treated fairly and with respect (%)", timeout=TIMEOUT_MS)
        expect(safe).to_contain_text("Latest (Apr 2025): 100%", timeout=TIMEOUT_MS)
        page.screenshot(path=ARTIFACTS / "outcomes-1440.png", full_page=False)
        page.set_viewport_size({"width": 1024, "height": 1400})
        idle(page)
        page.screenshot(path=ARTIFACTS / "outcomes-1024.png", full_page=False)

        page.goto(f"{url}/you-said", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="You said, we did", exact=True)).to_be_visible(
            timeout=TIMEOUT_MS
        )
        idle(page)
        expect(page.get_by_text("Waiting for a reply").first).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_label("In words they will understand")).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text("So far we have made it to level 3 of 5")).to_be_attached(
            timeout=TIMEOUT_MS
        )
        page.screenshot(path=ARTIFACTS / "you-said-1024.png", full_page=False)
        page.set_viewport_size({"width": 1440, "height": 1800})
        idle(page)
        expect(page.get_by_label("In words they will understand")).to_be_visible(timeout=TIMEOUT_MS)
        page.screenshot(path=ARTIFACTS / "you-said-1440.png", full_page=True)
