"""Why each measure is measured and the outcome domains it speaks to.

A measure's purpose (need, outcome, performance, improvement: ``qi.vocabulary.outcomes``), its
statutory source (for performance measures) and its outcome domains (the stories' domains,
``qi.vocabulary.stories``) are written with the measure itself: ``upsert_measures`` calls
``write_purposes`` inside its transaction when the definitions carry them. Callers validate
first (``qi.ingest.definitions``).
"""

import polars as pl
from sqlalchemy import Connection, Engine, delete, insert, select

from qi.store.frames import read_frame
from qi.store.models import Measure, MeasureDomain, MeasurePurpose

# The columns of a measure definition that say why it is measured.
PURPOSE_FIELDS = ("purpose", "statutory_source", "domains")


def write_purposes(connection: Connection, measures: pl.DataFrame) -> int:
    """Inside a write: set the purpose, statutory source and domains of the measures (by code)
    that ``measures`` gives them for; ``domains`` is a list of domain codes. A definition without
    these columns leaves them as they are. Returns how many measures' purposes changed."""
    given = [f for f in PURPOSE_FIELDS if f in measures.columns]
    if not given or measures.height == 0:
        return 0
    codes = measures.get_column("code").to_list()
    ids = dict(
        connection.execute(select(Measure.code, Measure.id).where(Measure.code.in_(codes))).all()
    )
    stored = _stored(connection, list(ids.values()))
    changed = 0
    for row in measures.select("code", *given).iter_rows(named=True):
        measure_id = ids[row["code"]]
        before = stored.get(measure_id, {"purpose": None, "statutory_source": None, "domains": []})
        after = before | {f: row[f] for f in given}
        after["domains"] = list(dict.fromkeys(after["domains"] or []))
        if after == before:
            continue
        changed += 1
        connection.execute(delete(MeasurePurpose).where(MeasurePurpose.measure_id == measure_id))
        connection.execute(delete(MeasureDomain).where(MeasureDomain.measure_id == measure_id))
        if after["purpose"] is not None:
            connection.execute(
                insert(MeasurePurpose).values(
                    measure_id=measure_id,
                    purpose=after["purpose"],
                    statutory_source=after["statutory_source"],
                )
            )
        if after["domains"]:
            connection.execute(
                insert(MeasureDomain),
                [{"measure_id": measure_id, "domain": d} for d in after["domains"]],
            )
    return changed


def _stored(connection: Connection, ids: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = {
        i: {"purpose": p, "statutory_source": s, "domains": []}
        for i, p, s in connection.execute(
            select(
                MeasurePurpose.measure_id, MeasurePurpose.purpose, MeasurePurpose.statutory_source
            ).where(MeasurePurpose.measure_id.in_(ids))
        )
    }
    for i, domain in connection.execute(
        select(MeasureDomain.measure_id, MeasureDomain.domain)
        .where(MeasureDomain.measure_id.in_(ids))
        .order_by(MeasureDomain.measure_id, MeasureDomain.domain)
    ):
        found.setdefault(i, {"purpose": None, "statutory_source": None, "domains": []})
        found[i]["domains"].append(domain)
    return found


PURPOSE_SCHEMA: dict[str, pl.DataType] = {
    "measure": pl.String(),
    "purpose": pl.String(),
    "statutory_source": pl.String(),
    "domains": pl.List(pl.String()),
}


def read_purposes(engine: Engine) -> pl.DataFrame:
    """Every measure's purpose, statutory source and outcome domains (a list, empty when none
    is recorded), by measure code."""
    purposes = read_frame(
        engine,
        select(Measure.code, MeasurePurpose.purpose, MeasurePurpose.statutory_source)
        .outerjoin(MeasurePurpose, MeasurePurpose.measure_id == Measure.id)
        .order_by(Measure.code),
        {"measure": pl.String(), "purpose": pl.String(), "statutory_source": pl.String()},
    )
    domains = read_frame(
        engine,
        select(Measure.code, MeasureDomain.domain)
        .join(MeasureDomain, MeasureDomain.measure_id == Measure.id)
        .order_by(Measure.code, MeasureDomain.domain),
        {"measure": pl.String(), "domain": pl.String()},
    )
    listed = domains.group_by("measure", maintain_order=True).agg(pl.col("domain").alias("domains"))
    return (
        purposes.join(listed, on="measure", how="left")
        .with_columns(pl.col("domains").fill_null(pl.lit([], pl.List(pl.String))))
        .select(list(PURPOSE_SCHEMA))
    )
