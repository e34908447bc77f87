"""Small builders for store tests: a measure, some places, observation frames."""

from datetime import date

import polars as pl

from qi.access import local_admin
from qi.store import read_measures, read_places, upsert_measures, upsert_places


def add_definitions(engine, measures=("ae_attendances",), places=("RXX", "RYY", "RZZ")) -> None:
    upsert_measures(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": list(measures),
                "name": [m.replace("_", " ") for m in measures],
                "definition": None,
                "unit": "attendances",
                "kind": "count",
                "multiplier": 1.0,
                "improvement": "down",
                "target": None,
                "chart": "c",
                "rule_set": None,
                "frequency": "month",
            }
        ),
    )
    upsert_places(
        engine,
        local_admin("tester"),
        pl.DataFrame(
            {
                "code": list(places),
                "name": [f"Trust {p}" for p in places],
                "type": "trust",
                "parent": None,
                "gss_code": None,
            },
            schema_overrides={"parent": pl.String, "gss_code": pl.String},
        ),
    )


def observations(engine, rows: list[tuple]) -> pl.DataFrame:
    """rows: (measure code, place code, period, value) -> the frame store_observations takes."""
    measure_ids = dict(read_measures(engine).select("code", "id").iter_rows())
    place_ids = dict(read_places(engine).select("code", "id").iter_rows())
    return pl.DataFrame(
        {
            "measure_id": [measure_ids[r[0]] for r in rows],
            "place_id": [place_ids[r[1]] for r in rows],
            "period": [r[2] if isinstance(r[2], date) else date.fromisoformat(r[2]) for r in rows],
            "value": [r[3] for r in rows],
            "numerator": [None] * len(rows),
            "denominator": [None] * len(rows),
            "missing_reason": [None if r[3] is not None else "suppressed (*)" for r in rows],
            "status": ["final"] * len(rows),
        },
        schema_overrides={"numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64},
    )
