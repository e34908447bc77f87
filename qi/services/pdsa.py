"""Change ideas and their PDSA cycles, as the people following them read them.

- ``record_cycle()``: the next cycle of a change idea (the idea recorded with it when new).
- ``ramp()``: an idea's cycles in order, each with its name, dates and state in words.
- ``cycle_spans()``: the cycles followed on a measure (at a place), as spans to shade a chart:
  a cycle still running runs to ``today``.
- ``cycles_ended()``: cycles that ended in a window (since the last meeting), for one
  initiative and its places.

Pure reads and one write through ``qi.store.pdsa``; words from ``qi.text.pdsa``.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.store.pdsa import add_cycle, read_cycles
from qi.text.pdsa import cycle_dates, cycle_name, cycle_state

SPAN_SCHEMA: dict[str, Any] = {
    "cycle": pl.Int64(),
    "name": pl.String(),
    "start": pl.Date(),
    "end": pl.Date(),
    "status": pl.String(),
    "state": pl.String(),
}


def record_cycle(
    engine: Engine,
    principal: Principal,
    *,
    initiative: str,
    idea: str,
    plan: str,
    starts_on: date,
    description: str | None = None,
    **cycle: Any,
) -> int:
    """Record the next cycle of the change idea ``idea`` of ``initiative`` (recording the idea,
    with ``description``, when it is new) as ``principal`` (who needs ``pdsa.write`` there);
    ``cycle``: the rest of ``add_cycle``'s fields."""
    return add_cycle(
        engine,
        principal,
        initiative=initiative,
        idea=idea,
        description=description,
        plan=plan,
        starts_on=starts_on,
        **cycle,
    )


def _words(cycles: pl.DataFrame) -> pl.DataFrame:
    rows = cycles.select("change_idea", "number", "starts_on", "ends_on", "status", "outcome")
    names, dates, states = [], [], []
    for idea, number, starts, ends, status, outcome in rows.iter_rows():
        names.append(cycle_name(idea, number))
        dates.append(cycle_dates(starts, ends))
        states.append(cycle_state(status, outcome))
    return cycles.with_columns(
        pl.Series("name", names, pl.String),
        pl.Series("dates", dates, pl.String),
        pl.Series("state", states, pl.String),
    )


def ramp(engine: Engine, principal: Principal, change_idea: int) -> pl.DataFrame:
    """An idea's cycles in order (``read_cycles``' columns), with ``name``, ``dates`` and
    ``state`` in words."""
    return _words(read_cycles(engine, principal, change_idea=change_idea))


def cycle_spans(
    engine: Engine, principal: Principal, measure: str, place: str | None, today: date
) -> pl.DataFrame:
    """The cycles followed on ``measure`` at ``place`` (those at no place in particular too),
    as spans (``SPAN_SCHEMA``) to shade its chart; a cycle without an end runs to ``today``."""
    cycles = read_cycles(engine, principal, measure=measure, place=place)
    if cycles.height == 0:
        return pl.DataFrame(schema=SPAN_SCHEMA)
    return _words(cycles).select(
        pl.col("id").alias("cycle"),
        "name",
        pl.col("starts_on").alias("start"),
        pl.col("ends_on")
        .fill_null(pl.max_horizontal(pl.lit(today), pl.col("starts_on")))
        .alias("end"),
        "status",
        "state",
    )


def cycles_ended(
    engine: Engine,
    principal: Principal,
    after: date | None,
    until: date,
    *,
    initiative: str | None = None,
    places: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The cycles that ended after ``after`` (ever, when None) and by ``until``, of
    ``initiative``'s change ideas and at ``places`` (or at no place in particular), with
    their words; newest end first."""
    cycles = read_cycles(engine, principal, ended_after=after, ended_by=until)
    if initiative is not None:
        cycles = cycles.filter(pl.col("initiative") == initiative)
    if places is not None:
        wanted = list(places)
        cycles = cycles.filter(
            (pl.col("places").list.len() == 0)
            | pl.col("places").list.eval(pl.element().is_in(wanted)).list.any()
        )
    return _words(cycles).sort(["ends_on", "change_idea"], descending=[True, False])


def annotation_cycles(engine: Engine, principal: Principal) -> dict[int, str]:
    """Annotation id -> the name of the PDSA cycle it marks ("Same-day triage, cycle 2")."""
    cycles = read_cycles(engine, principal)
    return {
        note: cycle_name(idea, number)
        for idea, number, notes in cycles.select("change_idea", "number", "annotations").rows()
        for note in notes
    }
