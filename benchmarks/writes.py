"""Authorised writes: what asking the library's permission costs a PDSA or definition write.

On SQLite in a temporary folder: a coach (granted over an initiative, resolved to its places)
records PDSA cycles and updates them; a steward's cycles are refused (the refusal audited in a
transaction of its own); an administrator defines one measure at a time. Prints the median wall
time of each, over RUNS calls, and the audit rows written.

    .venv/bin/python benchmarks/writes.py
"""

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from qi.access import Refused, local_admin  # noqa: E402
from qi.store import add_initiative, open_store, upsert_measures, upsert_places  # noqa: E402
from qi.store.access import add_grant, add_person, principal_for, read_audit  # noqa: E402
from qi.store.pdsa import add_change_idea, add_cycle, update_cycle  # noqa: E402

RUNS, PLACES = 200, 20
ADMIN = local_admin("benchmark")


def _median_ms(timings: list[float]) -> str:
    return f"{statistics.median(timings) * 1000:.2f} ms"


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'qi.sqlite'}")
        codes = [f"P{i:03d}" for i in range(PLACES)]
        upsert_places(
            engine,
            ADMIN,
            pl.DataFrame(
                {"code": codes, "name": codes, "type": "trust", "parent": None, "gss_code": None},
                schema_overrides={"parent": pl.String, "gss_code": pl.String},
            ),
        )
        add_initiative(engine, ADMIN, "Programme", codes)
        idea = add_change_idea(engine, ADMIN, initiative="Programme", name="Same-day triage")
        for username, role in (("coach", "coach"), ("steward", "steward")):
            person = add_person(engine, ADMIN, username=username, name=username.title())
            add_grant(engine, ADMIN, person, role, initiative="Programme")
        coach, steward = (
            principal_for(engine, "local:coach"),
            principal_for(engine, "local:steward"),
        )
        before = read_audit(engine, ADMIN).height

        cycles: list[int] = []

        def record(who, n: int) -> None:
            cycles.append(
                add_cycle(
                    engine,
                    who,
                    change_idea=idea,
                    plan=f"Cycle {n}",
                    starts_on=date(2024, 1, 1),
                    places=[codes[n % PLACES]],
                )
            )

        def refused(n: int) -> None:
            try:
                record(steward, n)
            except Refused:
                return
            raise AssertionError("a steward's cycle was recorded")

        def measure(n: int) -> None:
            row = dict(code=f"m{n}", name=f"M {n}", kind="count", improvement="down")
            upsert_measures(engine, ADMIN, pl.DataFrame([row | {"frequency": "month"}]))

        added = [_timed(lambda n=n: record(coach, n)) for n in range(RUNS)]
        updated = [
            _timed(lambda c=c: update_cycle(engine, coach, c, status="running", do="Started"))
            for c in cycles[:RUNS]
        ]
        refusals = [_timed(lambda n=n: refused(n)) for n in range(RUNS)]
        defined = [_timed(lambda n=n: measure(n)) for n in range(RUNS)]
        rows = read_audit(engine, ADMIN).height - before
        engine.dispose()
    print(f"Authorised writes on SQLite, median of {RUNS} calls each:")
    print(f"  coach records a PDSA cycle at one place: {_median_ms(added)}")
    print(f"  coach updates a cycle:                   {_median_ms(updated)}")
    print(f"  steward's cycle refused (and audited):   {_median_ms(refusals)}")
    print(f"  admin defines one measure:               {_median_ms(defined)}")
    print(f"  audit rows written: {rows:,} (expected {4 * RUNS:,})")


if __name__ == "__main__":
    main()
