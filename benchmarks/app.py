"""App benchmark: how long the app's pages, the meeting view, recording an action and the board
pack take, server side, each the median of 5 after a warm-up run (a server has imported
everything before the first click).

- every page on the demo database, after a sidebar click (Streamlit's AppTest runs the whole
  app: navigation, pickers, the library's calls, the page); and the meeting view's load in
  headless Chromium (navigation to the end of the script run, as a person waits for it);
- the meeting view of a partnership of 50 places x 30 measures x 60 months (built here,
  ``benchmarks/partnership.py``), from the cache of the review and, once, computed afresh;
- recording an action at a meeting (the form's submit and the page run after it);
- the board pack of 6 measures x 3 places and of 30 measures x 10 places: the library call
  the app's button makes, and ``qi report`` as a command (a new process: imports included);
- the Measures page at one place and every place side by side (30 places, 120 months: the
  store ``benchmarks/app_figures.py`` builds).

Budgets: every page under 1 s; the meeting view under 1 s also at 50 x 30 x 60; recording an
action under 0.5 s; packs under 3 s and 15 s; the Measures page under 1 s and 3 s.

    .venv/bin/python benchmarks/app.py [--runs 5] [--only pages,meeting,action,pack,measures]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from app_figures import MEASURE, build_store  # noqa: E402
from partnership import INITIATIVE, build_partnership  # noqa: E402

from qi.access import local_admin  # noqa: E402

BUDGETS = {"measure page (120 points)": 1.0, "small multiples (30 places)": 3.0}
PAGE_BUDGET, ACTION_BUDGET = 1.0, 0.5
PACK_BUDGETS = {(6, 3): 3.0, (30, 10): 15.0}
SECTIONS = ("pages", "meeting", "action", "pack", "measures")


def report(name: str, times: list[float], budget: float) -> None:
    median = statistics.median(times)
    verdict = "ok" if median < budget else "OVER BUDGET"
    print(
        f"{name:<46} median {median:.3f} s of {len(times)} "
        f"(runs {', '.join(f'{t:.3f}' for t in times)}); budget {budget:g} s: {verdict}",
        flush=True,
    )


def timed(step, runs: int) -> list[float]:
    """``step()`` once to warm up, then ``runs`` times, timed."""
    step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def app_at(url: str):
    from streamlit.testing.v1 import AppTest

    os.environ["QI_DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    assert not at.exception, at.exception
    return at


def demo_store(folder: str) -> str:
    from qi.demo import load_demo
    from qi.store import open_store

    url = f"sqlite:///{Path(folder) / 'demo.sqlite'}"
    engine = open_store(url)
    load_demo(engine)
    engine.dispose()
    return url


def pages(folder: str, runs: int) -> None:
    """Every page after a sidebar click, on the demo; the meeting view in Chromium too."""
    from qi.app.navigation import PAGES, page_path

    url = demo_store(folder)
    at = app_at(url)
    for spec in PAGES:
        other = "home.py" if spec.script != "home.py" else "upload.py"
        clicks: list[float] = []
        for _ in range(runs + 1):  # the first is the warm-up
            at.switch_page(page_path(other)).run()
            start = time.perf_counter()
            at.switch_page(page_path(spec.script)).run()
            clicks.append(time.perf_counter() - start)
            assert not at.exception, at.exception
        report(f"page: {spec.title}", clicks[1:], PAGE_BUDGET)
    browser(url, runs)


def browser(url: str, runs: int) -> None:
    """The meeting view's load in headless Chromium: navigation to the end of the run."""
    import signal
    import socket
    import subprocess
    import urllib.request

    if not Path("/usr/bin/chromium").exists():
        print("chromium: not installed, skipped")
        return
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, "QI_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu"],
            )
            page = chromium.new_page(viewport={"width": 1440, "height": 900})

            def load() -> None:
                page.goto(f"http://127.0.0.1:{port}/meeting", wait_until="domcontentloaded")
                page.locator(".qi-matrix").wait_for(timeout=120_000)
                page.wait_for_function(
                    "!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                    timeout=120_000,
                )

            report("meeting view, fresh load in Chromium", timed(load, runs), PAGE_BUDGET)
            chromium.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def meeting(folder: str, runs: int) -> None:
    """The meeting view of 50 places x 30 measures x 60 months."""
    from qi.services.meeting import meeting_review

    url = f"sqlite:///{Path(folder) / 'partnership.sqlite'}"
    engine = build_partnership(url, places=50, measures=30, months=60)
    start = time.perf_counter()
    review = meeting_review(engine, local_admin("benchmark"), initiative=INITIATIVE)
    fresh = time.perf_counter() - start
    assert review.matrix.height == 50 * 30
    engine.dispose()
    at = app_at(url)

    clicks = []
    for _ in range(runs + 1):
        at.switch_page("qi/app/pages/home.py").run()
        begin = time.perf_counter()
        at.switch_page("qi/app/pages/meeting.py").run()
        clicks.append(time.perf_counter() - begin)
        assert not at.exception, at.exception
    report("meeting view, 50 x 30 x 60, after a click", clicks[1:], PAGE_BUDGET)
    print(f"{'  (the review computed afresh, once)':<46} {fresh:.3f} s", flush=True)


def action(folder: str, runs: int) -> None:
    """Recording an action at today's meeting, on the demo."""
    url = demo_store(folder)
    at = app_at(url)
    at.switch_page("qi/app/pages/meeting.py").run()
    at.button(key="qi.meeting.record").click().run()
    assert not at.exception, at.exception
    texts = iter(range(runs + 2))

    def record() -> None:
        at.text_area(key="qi.meeting.action.text").input(f"Action {next(texts)}")
        at.text_input(key="qi.meeting.action.owner").input("Analyst")
        at.button(key="qi.meeting.action.add").click().run()
        assert not at.exception, at.exception

    report("recording an action", timed(record, runs), ACTION_BUDGET)


def pack(folder: str, runs: int) -> None:
    """Board packs of 6 x 3 and 30 x 10: the app's call and ``qi report``."""
    import subprocess

    from qi.render.pack import board_pack
    from qi.services.meeting import meeting_review

    for measures, places in PACK_BUDGETS:
        url = f"sqlite:///{Path(folder) / f'pack-{measures}-{places}.sqlite'}"
        engine = build_partnership(url, places=places, measures=measures, months=60)
        review = meeting_review(engine, local_admin("benchmark"), initiative=INITIATIVE)
        engine.dispose()
        budget = PACK_BUDGETS[(measures, places)]
        made = []
        report(
            f"pack {measures} measures x {places} places (app)",
            timed(lambda review=review, made=made: made.append(board_pack(review)), runs),
            budget,
        )
        assert made[-1].pages >= measures + 3
        out = Path(folder) / "pack.pdf"
        command = [sys.executable, "-m", "qi.cli", "report", "--db", url, "--out", str(out)]

        def qi_report(command=command) -> None:
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)

        report(
            f"pack {measures} measures x {places} places (qi report)",
            timed(qi_report, runs),
            budget,
        )


def measures_page(folder: str, runs: int, places: int = 30, months: int = 120) -> None:
    """The Measures page at one place and every place side by side."""
    from streamlit.testing.v1 import AppTest

    url = f"sqlite:///{Path(folder) / 'qi.sqlite'}"
    engine, codes = build_store(url, places, months)
    engine.dispose()
    os.environ["QI_DATABASE_URL"] = url

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("qi/app/pages/measures.py").run()
    at.selectbox(key="qi.pick.initiative").set_value(None).run()
    at.selectbox(key="qi.pick.measure").set_value(MEASURE).run()
    at.selectbox(key="qi.pick.place").set_value(codes[0]).run()
    assert not at.exception, at.exception

    for name, view in (
        ("measure page (120 points)", "One place"),
        ("small multiples (30 places)", "Every place, side by side"),
    ):
        at.session_state["qi.view"] = view
        at.run()  # warm-up: the first run of a view imports and caches what it needs
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            assert not at.exception, at.exception
            [chart] = at.get("vega_lite_chart")
        if view != "One place":  # every place is drawn, each its own panel
            headers = json.loads(chart.proto.spec)["facet"]["sort"]
            assert len(headers) == places, len(headers)
        median = statistics.median(times)
        verdict = "ok" if median < BUDGETS[name] else "OVER BUDGET"
        print(
            f"{name:<30} median {median:.3f} s of {runs} "
            f"(runs {', '.join(f'{t:.3f}' for t in times)}); "
            f"budget {BUDGETS[name]:.0f} s: {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    options = parser.parse_args()
    chosen = options.only.split(",")
    with tempfile.TemporaryDirectory() as folder:
        for name, section in (
            ("pages", pages),
            ("meeting", meeting),
            ("action", action),
            ("pack", pack),
            ("measures", measures_page),
        ):
            if name in chosen:
                section(folder, options.runs)


if __name__ == "__main__":
    main()
