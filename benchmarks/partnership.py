"""A large synthetic partnership for the app's benchmarks: places x measures x months.

``build_partnership(url, places, measures, months)`` stores, through the store's own API, that
many count measures (half of them with a shift half-way, so the matrix has signals), places,
monthly observations, one initiative owning every measure at every place, and a meeting held
a month ago with an open action. Seeded: the same store every time.
"""

from datetime import date, timedelta

import numpy as np
import polars as pl

from qi.access import local_admin

SEED = 20261202
INITIATIVE = "Benchmark partnership"


def build_partnership(url: str, places: int, measures: int, months: int):
    """The engine of a new store at ``url`` holding the partnership."""
    from qi.store import (
        UploadRecord,
        add_initiative,
        open_store,
        read_measures,
        read_places,
        store_observations,
        upsert_measures,
        upsert_places,
    )
    from qi.store.meetings import add_action, add_meeting

    engine = open_store(url)
    codes = [f"measure_{i:02d}" for i in range(1, measures + 1)]
    upsert_measures(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": codes,
                "name": [f"Benchmark measure {i} per month" for i in range(1, measures + 1)],
                "unit": ["contacts"] * measures,
                "kind": ["count"] * measures,
                "improvement": [("up", "down", "neither")[i % 3] for i in range(measures)],
                "frequency": ["month"] * measures,
            }
        ),
    )
    place_codes = [f"P{i:03d}" for i in range(1, places + 1)]
    upsert_places(
        engine,
        local_admin("benchmark"),
        pl.DataFrame(
            {
                "code": place_codes,
                "name": [f"Locality {i}" for i in range(1, places + 1)],
                "type": ["locality"] * places,
                "parent": [None] * places,
                "gss_code": [None] * places,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )
    measure_ids = dict(read_measures(engine).select("code", "id").iter_rows())
    place_ids = dict(read_places(engine).select("code", "id").iter_rows())
    first = date(2021, 1, 1)
    periods = pl.date_range(first, periods_end(first, months), "1mo", eager=True)
    rng = np.random.default_rng(SEED)
    size = measures * places * months
    shift = np.zeros(size)
    grid = pl.DataFrame(
        {
            "measure": np.repeat(codes, places * months),
            "place": np.tile(np.repeat(place_codes, months), measures),
            "period": np.tile(periods.to_numpy(), measures * places),
        }
    )
    halves = np.tile(np.arange(months) >= months // 2, measures * places)
    shifted = np.repeat(np.arange(measures) % 2 == 0, places * months)
    shift[halves & shifted] = 25.0
    rows = grid.with_columns(
        pl.Series("value", rng.poisson(200, size) + shift, dtype=pl.Float64)
    ).select(
        pl.col("measure").replace_strict(measure_ids).alias("measure_id"),
        pl.col("place").replace_strict(place_ids).alias("place_id"),
        pl.col("period").cast(pl.Date),
        "value",
        pl.lit(None, pl.Float64).alias("numerator"),
        pl.lit(None, pl.Float64).alias("denominator"),
        pl.lit(None, pl.String).alias("missing_reason"),
        pl.lit("final").alias("status"),
    )
    store_observations(
        engine,
        local_admin("benchmark"),
        rows,
        UploadRecord("benchmark.csv", f"benchmark-{size}", rows.height, {}),
    )
    add_initiative(engine, local_admin("benchmark"), INITIATIVE, place_codes, measures=codes)
    meeting = add_meeting(
        engine,
        local_admin("benchmark"),
        title="Last month's stewardship group",
        held_on=date.today() - timedelta(days=30),
        initiative=INITIATIVE,
    )
    add_action(
        engine,
        local_admin("benchmark"),
        meeting,
        text="Look into the shift",
        owner="Analyst",
        due_on=date.today(),
        measure=codes[0],
        place=place_codes[0],
    )
    return engine


def periods_end(first: date, months: int) -> date:
    total = first.year * 12 + first.month - 1 + months - 1
    return date(total // 12, total % 12 + 1, 1)
