"""How well the loop is closed: the inputs from children, young people and families still
waiting for a reply, in numbers a meeting can act on (``waiting_summary``), and what to tell
them back, per place or initiative (``you_said_we_did``, drawn by ``qi.render.you_said``)."""

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.store.definitions import read_places
from qi.store.feedback import read_responses, read_selections, waiting_inputs


@dataclass(frozen=True)
class Waiting:
    """How many inputs wait for a reply, the longest and the median wait in days, and the
    inputs themselves (``qi.store.feedback.WAITING_SCHEMA``), longest waiting first."""

    count: int
    longest_days: int | None
    median_days: float | None
    inputs: pl.DataFrame


def waiting_summary(
    engine: Engine,
    principal: Principal,
    today: date,
    place: str | None = None,
    initiative: str | None = None,
    *,
    audience: str,
) -> Waiting:
    """The inputs waiting for a reply on ``today`` (of a place or an initiative, if given),
    among the stories ``principal`` may read for ``audience``."""
    inputs = waiting_inputs(
        engine, principal, today, place=place, initiative=initiative, audience=audience
    )
    days = inputs.get_column("days_waiting")
    return Waiting(
        count=inputs.height,
        longest_days=days.max() if inputs.height else None,  # type: ignore[arg-type]
        median_days=days.median() if inputs.height else None,  # type: ignore[arg-type]
        inputs=inputs,
    )


@dataclass(frozen=True)
class YouSaidWeDid:
    """What to tell children, young people and families of a place or an initiative: who it is
    for (``subject``, in words), the replies (``qi.store.feedback.RESPONSE_SCHEMA``: what
    changed, or why not yet), how many things they said still wait for a reply, and when."""

    subject: str
    replies: pl.DataFrame
    waiting: int
    prepared_on: date


def you_said_we_did(
    engine: Engine,
    principal: Principal,
    today: date,
    place: str | None = None,
    initiative: str | None = None,
) -> YouSaidWeDid:
    """The replies to what people said at a place (by code) or in an initiative (by name),
    newest first, and how many of their inputs still wait for a reply. It is for children and
    families (the public audience): only replies to stories whose consent is public and not
    due for review, that ``principal`` may see published, are in it."""
    if (place is None) == (initiative is None):
        raise ValueError("choose a place or an initiative (one of them)")
    subject = initiative
    if place is not None:
        names = dict(read_places(engine).select("code", "name").iter_rows())
        if place not in names:
            raise ValueError(f"unknown place {place!r}; choose a place code the store knows")
        subject = names[place]
    replies = read_responses(
        engine, principal, place=place, initiative=initiative, audience="public"
    )
    waiting = waiting_inputs(
        engine, principal, today, place=place, initiative=initiative, audience="public"
    ).height
    return YouSaidWeDid(subject=str(subject), replies=replies, waiting=waiting, prepared_on=today)


def selected_first(
    engine: Engine, principal: Principal, stories: pl.DataFrame, *, audience: str
) -> pl.DataFrame:
    """``stories`` (with a ``story_id`` column) with the panel's selected stories (Most
    Significant Change) first, each group in its own order, and a ``selected`` column
    (selections of the stories ``principal`` may read for ``audience``)."""
    selections = read_selections(engine, principal, status="selected", audience=audience)
    chosen = selections.get_column("story_id").unique()
    marked = stories.with_columns(pl.col("story_id").is_in(chosen.implode()).alias("selected"))
    return marked.sort("selected", descending=True, maintain_order=True)
