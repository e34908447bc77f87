"""Stories by audience benchmark: which stories a principal may read, as the partnership grows.

One SQLite store grows to 200, 2,000 and 20,000 stories spread over 100 places (scopes and
review dates mixed, one in ten told for an initiative without a place, each linked to one of 5
measures). At each size, as a local admin and as a coach granted one place: the ids of the
stories the partnership audience may see (``readable_story_ids``, what the reads about stories
keep to), ``read_stories`` as each audience, and one measure's markers (``story_markers``): the
cost of filtering by the principal and by consent (``qi.vocabulary.consent.shown_to``) in the
store. Prints the median of 3 runs of each read.

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

from sqlalchemy import Engine  # noqa: E402

from qi.access import Grant, Principal, Scope, local_admin  # noqa: E402
from qi.store import add_initiative, open_store  # noqa: E402
from qi.store.stories import (  # noqa: E402
    add_story,
    read_stories,
    readable_story_ids,
    story_markers,
)
from qi.vocabulary.consent import Consent  # noqa: E402
from tests.store.helpers import add_definitions  # noqa: E402

SIZES, RUNS = (200, 2_000, 20_000), 3
PLACES = tuple(f"P{n:03d}" for n in range(100))
MEASURES = tuple(f"m{n}" for n in range(5))
SCOPES = ("internal", "partnership", "public")
INITIATIVE = "Early help"  # over the first 10 places
ADMIN = local_admin("benchmark")


def add(engine: Engine, start: int, stop: int) -> None:
    """Stories ``start`` to ``stop - 1``."""
    today = date.today()
    for n in range(start, stop):
        given = today - timedelta(days=30 if n % 7 else 800)  # one in seven due for review
        for_initiative = n % 10 == 9
        add_story(
            engine,
            ADMIN,
            title=f"Story {n}",
            narrative=f"What happened, number {n}.",
            told_on=date(2024, 1 + n % 12, 1),
            voice="parent_or_carer",
            consent=Consent("adult_self", "adult_with_capacity", SCOPES[n % 3], given),
            anonymised=True,
            place=None if for_initiative else PLACES[n % len(PLACES)],
            initiative=INITIATIVE if for_initiative else None,
            links=[MEASURES[n % len(MEASURES)]],
        )


def median_ms(read) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        rows = len(read())
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, rows


def story_ids(engine: Engine, principal: Principal, audience: str) -> list[int]:
    """What ``readable_story_ids`` selects, run."""
    with engine.connect() as connection:
        return list(connection.execute(readable_story_ids(engine, principal, audience=audience)))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'stories.sqlite'}")
        add_definitions(engine, measures=MEASURES, places=PLACES)
        add_initiative(engine, ADMIN, INITIATIVE, list(PLACES[:10]))
        coach = Principal(
            "local:coach", "Coach", (Grant("coach", Scope.place(PLACES[0]), frozenset(PLACES[:1])),)
        )
        stored = 0
        for size in SIZES:
            started = time.perf_counter()
            add(engine, stored, size)
            stored = size
            print(f"\n{size:,} stories ({time.perf_counter() - started:.0f} s to add)")
            for who, principal in (("admin", ADMIN), ("coach of 1 place", coach)):
                ms, rows = median_ms(lambda p=principal: story_ids(engine, p, "partnership"))
                print(f"  readable_story_ids, {who}, partnership: {rows:,} ids in {ms:.1f} ms")
                for audience in SCOPES:
                    ms, rows = median_ms(
                        lambda p=principal, a=audience: read_stories(engine, p, audience=a)
                    )
                    print(f"  read_stories, {who}, {audience}: {rows:,} stories in {ms:.1f} ms")
                ms, rows = median_ms(
                    lambda p=principal: story_markers(
                        engine, p, MEASURES[0], audience="partnership"
                    )
                )
                print(f"  story_markers, {who}, partnership, one measure: {rows:,} in {ms:.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
