"""App figures benchmark: what the measure page and the small-multiples view do server side.

A seeded SQLite store with one proportion measure (breastfeeding at 6-8 weeks, %) at 30 places,
120 monthly points each, and a recalculation and an exclusion annotated at every place. Prints
the median of 5 runs of:

- measure page: ``measure_view`` for one place (120 points) + ``spc_chart`` + ``to_dict()``;
- small multiples: ``measure_view`` for 30 places (3,600 points) + ``small_multiples`` +
  ``to_dict()``.

Budgets: under 1 s and under 3 s. The first run in the process is reported apart
(imports and Altair's schema loading happen once per app process, not per page).

    .venv/bin/python benchmarks/app_figures.py [--places 30] [--months 120] [--runs 5]
"""

import argparse
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

SEED = 20260401
MEASURE = "breastfeeding_6_8_weeks"
BUDGETS = {"measure page (1 place)": 1.0, "small multiples": 3.0}


def build_store(url: str, places: int, months: int):
    from qi.store import (
        UploadRecord,
        open_store,
        read_measures,
        read_places,
        store_observations,
        upsert_measures,
        upsert_places,
    )
    from qi.store.annotations import add_annotation

    engine = open_store(url)
    upsert_measures(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": [MEASURE],
                "name": ["Breastfeeding at 6-8 weeks"],
                "definition": ["Infants totally or partially breastfed at 6-8 weeks"],
                "unit": ["%"],
                "kind": ["proportion"],
                "multiplier": [100.0],
                "improvement": ["up"],
                "target": [55.0],
                "chart": [None],
                "rule_set": [None],
                "frequency": ["month"],
            },
            schema_overrides={"chart": pl.String, "rule_set": pl.String},
        ),
    )
    codes = [f"L{i:03d}" for i in range(places)]
    upsert_places(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": codes,
                "name": [f"Locality {c}" for c in codes],
                "type": "locality",
                "parent": None,
                "gss_code": None,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    rng = np.random.default_rng(SEED)
    periods = pl.date_range(
        date(2015, 1, 1),
        date(2015 + (months - 1) // 12, (months - 1) % 12 + 1, 1),
        "1mo",
        eager=True,
    )
    eligible = rng.integers(80, 400, (places, months)).astype(float)
    rate = rng.uniform(0.4, 0.55, (places, 1)) + np.where(
        np.arange(months) >= months * 2 // 3, 0.06, 0
    )
    seen = rng.binomial(eligible.astype(int), np.clip(rate, 0, 1)).astype(float)
    measure_id = read_measures(engine)["id"][0]
    place_ids = dict(read_places(engine).select("code", "id").iter_rows())
    rows = pl.DataFrame(
        {
            "measure_id": measure_id,
            "place_id": np.repeat([place_ids[c] for c in codes], months),
            "period": np.tile(periods.to_numpy(), places),
            "value": None,
            "numerator": seen.ravel(),
            "denominator": eligible.ravel(),
            "missing_reason": None,
            "status": "final",
        },
        schema_overrides={"value": pl.Float64, "missing_reason": pl.String},
    )
    upload = UploadRecord(
        file_name="bench.csv", content_hash="bench", rows_read=rows.height, report={}
    )
    store_observations(engine, local_admin("benchmark"), rows, upload)
    for code in codes:
        add_annotation(
            engine,
            local_admin("benchmark"),
            measure=MEASURE,
            place=code,
            period=periods[months * 2 // 3],
            kind="intervention",
            text="Peer supporters on every ward",
            new_phase=True,
            reason="New service",
        )
        add_annotation(
            engine,
            local_admin("benchmark"),
            measure=MEASURE,
            place=code,
            period=periods[months // 3],
            kind="data_issue",
            text="Half the month's visits not recorded",
            exclude=True,
            reason="System outage",
        )
    return engine, codes


def timed(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=30)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    from qi.render.figures import small_multiples, spc_chart
    from qi.services.review import measure_view

    with tempfile.TemporaryDirectory() as folder:
        engine, codes = build_store(
            f"sqlite:///{Path(folder) / 'qi.sqlite'}", options.places, options.months
        )

        def measure_page():
            view = measure_view(engine, local_admin("benchmark"), MEASURE, places=codes[0])
            assert view.points.height == options.months
            spc_chart(view.charted, view.annotations, title=view.measure["name"]).to_dict()

        def many_places():
            view = measure_view(engine, local_admin("benchmark"), MEASURE, places=codes)
            assert view.points.height == options.months * options.places
            small_multiples(view.charted).to_dict()

        for name, fn in (
            ("measure page (1 place)", measure_page),
            ("small multiples", many_places),
        ):
            first = timed(fn, 1)[0]
            median, times = timed(fn, options.runs)
            verdict = "ok" if median < BUDGETS[name] else "OVER BUDGET"
            print(
                f"{name:<24} median {median:.3f} s of {options.runs} "
                f"(runs {', '.join(f'{t:.3f}' for t in times)}; first in process {first:.3f} s); "
                f"budget {BUDGETS[name]:.0f} s: {verdict}"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
