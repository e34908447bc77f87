"""Survey answers benchmark: a seeded CSV of 100,000 answers (20 places, 24 months, the three
framework questions, each answer in a deprivation quintile) validated and stored on SQLite, then
the two experience measures made from them recounted (the total and each quintile), and the outcomes view of the demo built. Prints the median of 3 runs (a fresh
database each run) and answers per second. Target: 100,000 answers stored and recounted in
under 10 s.

    .venv/bin/python benchmarks/surveys.py
"""

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from qi.access import local_admin  # noqa: E402
from qi.demo import load_demo  # noqa: E402
from qi.ingest.surveys import ingest_answers  # noqa: E402
from qi.services.experience import update_experience_measures  # noqa: E402
from qi.services.outcomes import outcomes_view  # noqa: E402
from qi.store import open_store, upsert_measures, upsert_places  # noqa: E402
from qi.store.surveys import define_experience_measure  # noqa: E402

SEED, RUNS, ANSWERS, PLACES = 15, 3, 100_000, 20
WORDS = ["No", "Yes, to some extent", "Yes, definitely", "Don't know"]


def answers_csv() -> bytes:
    rng = np.random.default_rng(SEED)
    days = [
        date(2023 + m // 12, m % 12 + 1, 1 + int(d))
        for m, d in zip(rng.integers(0, 24, ANSWERS), rng.integers(0, 28, ANSWERS), strict=True)
    ]
    frame = pl.DataFrame(
        {
            "place": [f"P{i:03d}" for i in rng.integers(0, PLACES, ANSWERS)],
            "date": days,
            "question": rng.choice(
                ["positive_difference", "treated_fairly", "involved_and_listened_to"], ANSWERS
            ),
            "answer": rng.choice(WORDS, ANSWERS, p=[0.15, 0.25, 0.55, 0.05]),
            "breakdown": [f"imd_quintile:{q}" for q in rng.integers(1, 6, ANSWERS)],
        }
    )
    return frame.write_csv().encode()


def setup(engine) -> None:
    upsert_places(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": [f"P{i:03d}" for i in range(PLACES)],
                "name": [f"Place {i}" for i in range(PLACES)],
                "type": "locality",
                "parent": None,
                "gss_code": None,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    upsert_measures(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": ["exp_a", "exp_b"],
                "name": ["A", "B"],
                "kind": "proportion",
                "improvement": "up",
                "frequency": "month",
                "multiplier": 100.0,
            }
        ),
    )
    define_experience_measure(engine, local_admin("benchmark"), "exp_a", "positive_difference")
    define_experience_measure(
        engine, local_admin("benchmark"), "exp_b", "treated_fairly", voice=None
    )


def main() -> None:
    content = answers_csv()
    stored, recounted, views = [], [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            engine = open_store(f"sqlite:///{Path(folder) / 'qi.sqlite'}")
            setup(engine)
            started = time.perf_counter()
            report = ingest_answers(
                engine, local_admin("benchmark"), content, "answers.csv", today=date(2025, 12, 31)
            )
            stored.append(time.perf_counter() - started)
            assert report.outcome == "stored", report.render()
            started = time.perf_counter()
            update_experience_measures(engine, local_admin("benchmark"))
            recounted.append(time.perf_counter() - started)
            load_demo(engine)
            started = time.perf_counter()
            outcomes_view(engine, local_admin("benchmark"))
            views.append(time.perf_counter() - started)
            engine.dispose()
    median = statistics.median(stored)
    print(
        f"{ANSWERS:,} answers validated, stored and recounted (SQLite): median {median:.2f} s "
        f"({ANSWERS / median:,.0f} answers/s){'' if median < 10 else '  OVER 10 s'}"
    )
    print(f"recount of every experience measure alone: median {statistics.median(recounted):.2f} s")
    print(f"outcomes view of the demo (every place): median {statistics.median(views):.2f} s")


if __name__ == "__main__":
    main()
