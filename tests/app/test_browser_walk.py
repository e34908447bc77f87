"""The app walked in a real headless Chromium as its users do: a locality analyst with a messy
team workbook, an improvement coach, a stewardship group chair.

Each step is screenshotted whole (the page's full height) at the width given, under
artifacts/walk/, for a person to look at.
"""

import re
import subprocess

import openpyxl
import pytest

from .test_browser import (
    ARTIFACTS,
    chart_drawn,
    chromium,
    expect,
    idle,
    new_page,
)
from .test_browser import server as server  # the running app, a fixture

WALK = ARTIFACTS / "walk"
REFERRALS = "Referrals to children and young people's mental health services"
ASTHMA = "Emergency asthma admissions, children and young people"


def shot(page, name: str, width: int) -> None:
    """The whole page (Streamlit scrolls inside its main frame, so the window is made as tall
    as the page for the picture), then the window as it was."""
    page.wait_for_timeout(500)
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(height, 900), 6000)})
    page.wait_for_timeout(300)
    page.screenshot(path=WALK / f"{name}-{width}.png")
    page.set_viewport_size({"width": width, "height": 900})


def team_workbook(path, place: str = "Bradfrod") -> None:
    """A district team's own workbook: a title row, months as columns, a suppressed cell, a
    notes column, a totals row, and (by default) a typo in a place name."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Referrals"
    sheet["A1"] = "CAMHS referrals by district, April to September 2025 (draft)"
    sheet.append([])
    sheet.append(["District", "Apr-25", "May-25", "Jun-25", "Jul-25", "Aug-25", "Sep-25", "Notes"])
    sheet.append(["Leeds", 1161, 1150, 1172, 1144, "*", 1139, "Aug figure being checked"])
    sheet.append([place, 1452, 1448, 1461, 1439, 1450, 1446, None])
    sheet.append(["Wakefield", 562, 571, 559, 566, 570, 561, None])
    sheet.append(["Total", 3175, 3169, 3192, 3149, None, 3146, None])
    book.save(path)


def report_row(page, problem: str):
    return page.locator('[data-testid="stTable"] tr').filter(has_text=problem).first


@pytest.mark.parametrize("width", [1440, 1024])
def test_a_locality_analyst_puts_a_messy_team_workbook_in(server, tmp_path, width):
    url, _ = server
    WALK.mkdir(parents=True, exist_ok=True)
    draft, fixed = tmp_path / "camhs-referrals-draft.xlsx", tmp_path / "camhs-referrals.xlsx"
    team_workbook(draft)
    team_workbook(fixed, place="Bradford")
    with chromium() as browser:
        page = new_page(browser, width, 900)
        page.goto(f"{url}/upload")
        expect(page.get_by_role("heading", name="Upload data")).to_be_visible()
        idle(page)

        # The draft: no measure column (chosen from a list), a typo, a suppressed cell.
        page.locator('input[type="file"]').set_input_files(str(draft))
        idle(page)
        box = page.locator('[data-testid="stSelectbox"]').filter(
            has_text="Measure of the whole file (required)"
        )
        box.click()
        page.keyboard.type("Referrals to")
        page.get_by_role("option", name=f"{REFERRALS} (cyp_mh_referrals)").click()
        idle(page)
        expect(page.get_by_text("Periods: April 2025 to September 2025.")).to_be_visible()
        expect(page.get_by_text("1 error to fix first")).to_be_visible()
        typo = report_row(page, "did you mean 'Bradford' (E08000032)?")
        expect(typo).to_contain_text("Bradfrod")
        expect(typo.locator("td code")).to_have_text("qi places import")  # qi's own fix
        # The suppressed cell is listed as written, "*" (a Markdown table drew a bullet).
        suppressed = report_row(page, "suppressed (*): kept as missing")
        expect(suppressed.locator("td").nth(3)).to_have_text("*")
        # The first rows as read: an empty cell is empty, never "None".
        expect(page.get_by_text("The first rows as read")).to_be_visible()
        first_rows = page.locator('[data-testid="stDataFrame"]').first
        expect(first_rows).not_to_contain_text("None")
        shot(page, "analyst-1-draft-report", width)

        # Fixed and uploaded again: a preview of what storing would do, then store.
        page.locator('input[type="file"]').set_input_files(str(fixed))
        idle(page)
        expect(page.get_by_text("Storing it would add 18 new observations")).to_be_visible()
        shot(page, "analyst-2-preview", width)
        page.get_by_role("button", name="Check and store").click()
        expect(page.get_by_text("camhs-referrals.xlsx, sheet Referrals: stored.")).to_be_visible()
        idle(page)
        expect(page.locator('[data-testid="stDataFrame"]').last).not_to_contain_text("None")
        shot(page, "analyst-3-stored", width)

        # "See the chart": the measure and place uploaded, every place (no initiative holds
        # both), said in words.
        page.get_by_role("button", name="See the chart").click()
        expect(page.get_by_role("heading", name="Measures")).to_be_visible()
        idle(page)
        chart_drawn(page)
        expect(page.get_by_role("combobox", name="Measure")).to_have_value(REFERRALS)
        expect(page.get_by_role("combobox", name="Place")).to_have_value("Leeds")
        initiative = page.get_by_role("combobox", name="Initiative")
        expect(initiative).to_have_attribute("placeholder", "Every place")
        expect(page.get_by_text("Latest (Sep 2025)")).to_be_visible()
        shot(page, "analyst-4-chart", width)


def test_every_page_name_in_the_sidebar_is_shown_whole_at_1024_pixels(server):
    url, _ = server
    with chromium() as browser:
        page = new_page(browser, 1024, 900)
        page.goto(url)
        links = page.locator('[data-testid="stSidebarNavLink"]')
        expect(links.last).to_be_visible()
        idle(page)
        # Each name's words end inside its link, and no element of it hides some of them.
        cut = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')]
            .filter(link => {
                const words = document.createRange();
                words.selectNodeContents(link.querySelector('p'));
                const hidden = [...link.querySelectorAll('*')].some(
                    e => e.scrollWidth > e.clientWidth + 1
                        && getComputedStyle(e).overflow !== 'visible');
                return hidden
                    || words.getBoundingClientRect().right > link.getBoundingClientRect().right;
            }).map(link => link.innerText.split('\\n').pop())"""
        )
        assert cut == [], f"cut off in the sidebar: {cut}"
        assert links.count() >= 12  # every page, the admin's too (single-user mode)


def pages_of(pdf_path, out_stem) -> list:
    """Every page of a PDF as a PNG (pdftoppm), for a person to look at."""
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf_path), str(out_stem)], check=True, timeout=120
    )
    return sorted(out_stem.parent.glob(f"{out_stem.name}-*.png"))


def test_a_coach_recalculates_with_a_reason_and_a_chair_records_the_meeting_and_takes_the_pack(
    server, tmp_path
):
    url, _ = server
    width = 1440
    WALK.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = new_page(browser, width, 900, accept_downloads=True)

        # The coach: a signal on the Measures page (Best Start, asthma admissions, Bradford).
        page.goto(
            f"{url}/measures?measure=cyp_asthma_admissions&place=E08000032"
            "&initiative=Best+Start%3A+healthy+under-fives"
        )
        expect(page.get_by_role("heading", name="Measures")).to_be_visible()
        idle(page)
        chart_drawn(page)
        expect(page.get_by_text("Special cause improvement (low)").first).to_be_visible()
        shot(page, "coach-1-signal", width)

        # Annotate it: a recalculation asked for without a reason is refused beside the
        # reason, keeping what was typed; with a reason it is added.
        page.get_by_role("link", name="Annotate this chart").click()
        expect(page.get_by_role("heading", name="Annotate")).to_be_visible()
        idle(page)
        chart_drawn(page)
        # The series the Measures page showed (not the initiative's first measure).
        expect(page.get_by_role("combobox", name="Measure")).to_have_value(ASTHMA)
        expect(page.get_by_role("combobox", name="Place")).to_have_value("Bradford")
        what = page.get_by_label("What happened (required)")
        what.fill("Asthma nurse visits to every primary school")
        page.get_by_text("Recalculate limits from here (a new phase)").click()
        page.get_by_role("button", name="Add annotation").click()
        idle(page)
        expect(page.get_by_text("needs a reason")).to_be_visible()
        expect(what).to_have_value("Asthma nurse visits to every primary school")
        shot(page, "coach-2-refused", width)
        page.get_by_label("Reason (required to recalculate or exclude)").fill(
            "School nursing model changed from this month"
        )
        page.get_by_role("button", name="Add annotation").click()
        expect(page.get_by_text("Annotation added at")).to_be_visible()
        idle(page)
        chart_drawn(page)
        shot(page, "coach-3-recalculated", width)

        # The chair: the meeting view, a meeting recorded, an action refused without an
        # owner (said beside the owner), then recorded with one.
        page.get_by_role("link", name="Meeting view").first.click()
        expect(page.get_by_role("heading", name="Meeting view")).to_be_visible()
        idle(page)
        expect(page.get_by_text("Since 12 February 2025:")).to_be_visible()
        shot(page, "chair-1-meeting-view", width)
        page.get_by_role("button", name="Record the meeting").click()
        expect(page.get_by_text("Meeting recorded.")).to_be_visible()
        idle(page)
        # Recording today's meeting hides none of the news it is about.
        expect(page.get_by_text("Since 12 February 2025:")).to_be_visible()
        task = page.get_by_label("What was agreed, or what will be done (required)")
        task.fill("Ask the school nursing lead to present the asthma visits")
        page.get_by_role("button", name="Record", exact=True).click()
        idle(page)
        expect(page.get_by_text("needs an owner")).to_be_visible()
        expect(task).to_have_value("Ask the school nursing lead to present the asthma visits")
        page.get_by_label("Owner, who will do it (required for an action)").fill(
            "Best Start programme lead"
        )
        page.get_by_role("button", name="Record", exact=True).click()
        expect(page.get_by_text("Recorded.")).to_be_visible()
        idle(page)
        expect(task).to_have_value("")  # emptied in the browser too, ready for the next
        # Listed under the form, as recorded at this meeting (and among the open actions).
        expect(page.get_by_text("Recorded at this meeting (1)")).to_be_visible()
        expect(
            page.get_by_text("Ask the school nursing lead to present the asthma visits")
        ).to_have_count(2)
        shot(page, "chair-2-recorded", width)

        # The board pack: prepared, downloaded, every page drawn to look at.
        page.get_by_role("button", name="Prepare the board pack").click()
        download_button = page.get_by_role("button", name=re.compile(r"Board pack, PDF"))
        expect(download_button).to_be_visible()
        with page.expect_download() as download:
            download_button.click()
        pdf = tmp_path / "board-pack.pdf"
        download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    drawn = pages_of(pdf, WALK / "chair-pack")
    assert len(drawn) >= 5  # cover, summary, a page per measure, the actions
