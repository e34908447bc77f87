"""Stories by audience benchmark: 2,000 stories (20 places, scopes and review dates mixed, each
linked to one of 5 measures) stored on SQLite, then read as each audience by an admin and by a
coach of 5 places (``read_stories``), and one measure's markers for the coach
(``story_markers``): the cost of filtering by the principal and by consent
(``qi.vocabulary.consent.shown_to``) in the store. Prints the median of 5 runs of each read.

    .venv/bin/python benchmarks/stories.py
"""

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qi.access import Grant, Principal, Scope, local_admin  # noqa: E402
from qi.store import open_store  # noqa: E402
from qi.store.stories import add_story, read_stories, story_markers  # noqa: E402
from qi.vocabulary.consent import Consent  # noqa: E402
from tests.store.helpers import add_definitions  # noqa: E402

STORIES, RUNS = 2_000, 5
PLACES = tuple(f"P{n:02d}" for n in range(20))
MEASURES = tuple(f"m{n}" for n in range(5))
SCOPES = ("internal", "partnership", "public")


def build(url: str) -> None:
    engine = open_store(url)
    add_definitions(engine, measures=MEASURES, places=PLACES)
    admin = local_admin("benchmark")
    today = date.today()
    for n in range(STORIES):
        given = today - timedelta(days=30 if n % 7 else 800)  # one in seven due for review
        add_story(
            engine,
            admin,
            title=f"Story {n}",
            narrative=f"What happened, number {n}.",
            told_on=date(2024, 1 + n % 12, 1),
            voice="parent_or_carer",
            consent=Consent("adult_self", "adult_with_capacity", SCOPES[n % 3], given),
            anonymised=True,
            place=PLACES[n % len(PLACES)],
            links=[MEASURES[n % len(MEASURES)]],
        )
    engine.dispose()


def median_seconds(read) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        rows = read().height
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'stories.sqlite'}"
        started = time.perf_counter()
        build(url)
        print(
            f"{STORIES:,} stories stored with their consent in {time.perf_counter() - started:.1f} s"
        )
        engine = open_store(url)
        admin = local_admin("benchmark")
        coach = Principal(
            "local:coach",
            "Coach",
            tuple(Grant("coach", Scope.place(p), frozenset({p})) for p in PLACES[:5]),
        )
        for who, principal in (("admin", admin), ("coach of 5 places", coach)):
            for audience in SCOPES:
                seconds, rows = median_seconds(
                    lambda p=principal, a=audience: read_stories(engine, p, audience=a)
                )
                print(
                    f"read_stories, {who}, {audience}: {rows:,} stories in {seconds * 1000:.0f} ms"
                )
        seconds, rows = median_seconds(
            lambda: story_markers(engine, coach, MEASURES[0], audience="partnership")
        )
        print(
            f"story_markers, coach, partnership, one measure: {rows:,} in {seconds * 1000:.0f} ms"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
