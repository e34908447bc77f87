"""What filtering the reads about stories and the upload log by the principal costs: replies,
inputs waiting for a reply and the upload log, as a local admin (every story) and as a coach
of one place of ten.

A synthetic store: 10 places, ``--stories`` stories from children and families spread over
them (a third with a reply) and one upload of values per place and month (``--uploads`` in all).
Prints the median wall time of 5 runs of each read and the rows each principal got. SQLite in
a temporary folder; ``--db`` for PostgreSQL (an empty database).

    python benchmarks/feedback_reads.py
"""

import argparse
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
from timing import timed  # benchmarks/timing.py

from qi.access import Grant, Principal, Scope, local_admin
from qi.store import (
    UploadRecord,
    open_store,
    read_measures,
    read_places,
    read_uploads,
    store_observations,
    upsert_measures,
    upsert_places,
)
from qi.store.feedback import add_response, read_responses, waiting_inputs
from qi.store.stories import add_story
from qi.vocabulary.consent import Consent

PLACES = [f"P{p:02d}" for p in range(10)]
ADMIN = local_admin("benchmark")
TODAY = date.today()


def _build(engine, stories: int, uploads: int) -> None:
    upsert_places(
        engine,
        ADMIN,
        pl.DataFrame(
            {"code": PLACES, "name": PLACES, "type": "trust", "parent": None, "gss_code": None},
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    upsert_measures(
        engine,
        ADMIN,
        pl.DataFrame(
            {
                "code": ["seen"],
                "name": ["Seen"],
                "kind": "count",
                "improvement": "up",
                "frequency": "month",
                "chart": "c",
            }
        ),
    )
    measure = int(read_measures(engine)["id"][0])
    place_ids = dict(read_places(engine).select("code", "id").iter_rows())
    for n in range(uploads):
        rows = pl.DataFrame(
            {
                "measure_id": [measure],
                "place_id": [place_ids[PLACES[n % len(PLACES)]]],
                "period": [date(2000 + n // 120, (n // len(PLACES)) % 12 + 1, 1)],
                "value": [float(n)],
                "numerator": [None],
                "denominator": [None],
                "missing_reason": [None],
                "status": ["final"],
            },
            schema_overrides={
                "numerator": pl.Float64,
                "denominator": pl.Float64,
                "missing_reason": pl.String,
            },
        )
        store_observations(engine, ADMIN, rows, UploadRecord(f"u{n}.csv", f"h{n}", 1, {}))
    consent = Consent("adult_self", "adult_with_capacity", "partnership", TODAY, None)
    for n in range(stories):
        story = add_story(
            engine,
            ADMIN,
            title=f"Story {n}",
            narrative="What happened.",
            told_on=date(2025, 1, 1 + n % 28),
            voice="parent_or_carer",
            consent=consent,
            anonymised=True,
            place=PLACES[n % len(PLACES)],
            domains=["safe"],
        )
        if n % 3 == 0:
            add_response(engine, ADMIN, story, "changed", "We changed it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--stories", type=int, default=400)
    parser.add_argument("--uploads", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'qi.sqlite'}"
        engine = open_store(url)
        _build(engine, args.stories, args.uploads)
        coach = Principal(
            "local:coach", "Coach", (Grant("coach", Scope.place(PLACES[0]), frozenset(PLACES[:1])),)
        )
        reads: dict[str, Callable[[Principal], pl.DataFrame]] = {
            "read_responses (partnership)": lambda who: read_responses(
                engine, who, audience="partnership"
            ),
            "waiting_inputs (partnership)": lambda who: waiting_inputs(
                engine, who, TODAY, audience="partnership"
            ),
            "read_uploads": lambda who: read_uploads(engine, who),
        }
        print(f"{args.stories} stories, {args.uploads} uploads, {url.split(':')[0]}")
        for name, read in reads.items():
            for label, who in (("admin", ADMIN), ("coach of 1 place", coach)):
                seconds = timed(lambda read=read, who=who: read(who))
                rows = read(who).height
                print(f"{name:32} {label:18} {seconds * 1000:8.1f} ms  {rows:5d} rows")


if __name__ == "__main__":
    main()
