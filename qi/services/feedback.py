"""How well the loop is closed: the inputs from children, young people and families still
waiting for a reply, in numbers a meeting can act on (``waiting_summary``)."""

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Engine

from qi.store.feedback import waiting_inputs


@dataclass(frozen=True)
class Waiting:
    """How many inputs wait for a reply, the longest and the median wait in days, and the
    inputs themselves (``qi.store.feedback.WAITING_SCHEMA``), longest waiting first."""

    count: int
    longest_days: int | None
    median_days: float | None
    inputs: pl.DataFrame


def waiting_summary(
    engine: Engine, today: date, place: str | None = None, initiative: str | None = None
) -> Waiting:
    """The inputs waiting for a reply on ``today`` (of a place or an initiative, if given)."""
    inputs = waiting_inputs(engine, today, place=place, initiative=initiative)
    days = inputs.get_column("days_waiting")
    return Waiting(
        count=inputs.height,
        longest_days=days.max() if inputs.height else None,  # type: ignore[arg-type]
        median_days=days.median() if inputs.height else None,  # type: ignore[arg-type]
        inputs=inputs,
    )
