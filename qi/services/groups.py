"""A measure at one place by the groups of a breakdown, each group charted as its own series.

``group_kinds`` lists the kinds stored for a measure at a place; ``group_views`` gives one ``MeasureView`` per stored group of a kind of breakdown
(``imd_quintile:1`` ... ``imd_quintile:5``, ``sex:female`` ...): the measure's own
chart and rules (a P' chart for an experience measure), the place's annotations, and, for an
experience measure, the months a group has fewer answers than the minimum shown but not judged
(``qi.services.experience.unjudged_months`` reads each group's own denominators).
"""

import polars as pl
from sqlalchemy import Engine

from qi.access import Principal
from qi.services.review import MeasureView, ReviewError, measure_settings, series_view
from qi.store.breakdowns import read_breakdown_kinds
from qi.store.definitions import read_measures
from qi.store.observations import SERIES_SCHEMA, read_breakdowns


def group_views(
    engine: Engine, principal: Principal, measure: str, place: str, kind: str
) -> dict[str, MeasureView]:
    """Per group of ``kind`` stored for ``measure`` at ``place``, by breakdown code in code
    order, the group's chart. Empty when no group of that kind is stored there (or the place
    is not one ``principal`` may read)."""
    kinds = read_breakdown_kinds(engine)
    if kind not in kinds:
        raise ReviewError(
            f"unknown kind of breakdown {kind!r}: use one of {', '.join(kinds.kinds)}"
        )
    found = read_measures(engine).filter(pl.col("code") == measure)
    if found.height == 0:
        raise ReviewError(f"unknown measure {measure!r}")
    definition = found.row(0, named=True)
    chart, rules = measure_settings(definition)
    try:
        stored = read_breakdowns(engine, principal, kind, measures=measure, places=place)
    except LookupError as error:
        raise ReviewError(str(error)) from None
    return {
        group: series_view(
            engine,
            principal,
            definition,
            series.select(list(SERIES_SCHEMA)),
            [place],
            chart,
            rules,
        )
        for (group,), series in sorted(stored.partition_by("breakdown", as_dict=True).items())
    }


def group_kinds(engine: Engine, principal: Principal, measure: str, place: str) -> list[str]:
    """The kinds of breakdown in force (``qi.store.breakdowns``, in their order) with a group
    stored for ``measure`` at ``place``."""
    try:
        return [
            kind
            for kind in read_breakdown_kinds(engine).kinds
            if read_breakdowns(engine, principal, kind, measures=measure, places=place).height
        ]
    except LookupError as error:
        raise ReviewError(str(error)) from None
