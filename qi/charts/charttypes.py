"""The chart types: one registry entry each, with its title, what it needs and its limits.

In the spirit of qicharts2's ``qic.<chart>`` functions: ``spc()`` looks a chart up here by its
code and calls its ``limits`` function (in ``limits.py``, each with its formula and source).
What a chart needs (a denominator, several rows per period) and how it is read (each point an
event, limits that vary point by point) are facts of the chart type, named once here.
"""

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from qi.charts import limits

LimitsFunction = Callable[..., pl.DataFrame]


@dataclass(frozen=True)
class ChartType:
    """One chart type.

    Attributes:
        code: the name ``spc(chart=...)`` takes (qicharts2's, where it has one).
        title: what people call it ("Laney P' chart").
        description: when it is the right chart, in a line.
        limits: computes ``_y``, the centre and the 1-, 2- and 3-sigma limits per phase.
        needs_denominator: the plotted statistic is numerator over denominator.
        events: each point is an event (T and G charts), dated to the day, not a period.
        subgroups: a period holds several measurements (Xbar and S charts).
        varying_limits: limits differ point by point (by subgroup size or denominator).
    """

    code: str
    title: str
    description: str
    limits: LimitsFunction
    needs_denominator: bool = False
    events: bool = False
    subgroups: bool = False
    varying_limits: bool = False


CHART_TYPES: dict[str, ChartType] = {
    c.code: c
    for c in (
        ChartType("run", "run chart", "values against their median, judged by runs", limits.run),
        ChartType(
            "i",
            "XmR (individuals) chart",
            "one value per period, limits from the moving range",
            limits.individuals,
        ),
        ChartType(
            "mr", "moving range chart", "the size of month-to-month changes", limits.moving_range
        ),
        ChartType(
            "xbar",
            "Xbar chart",
            "the mean of several measurements per period",
            limits.xbar,
            subgroups=True,
            varying_limits=True,
        ),
        ChartType(
            "s",
            "S chart",
            "the spread of several measurements per period",
            limits.sd,
            subgroups=True,
            varying_limits=True,
        ),
        ChartType("t", "T chart", "time between rare events", limits.times_between, events=True),
        ChartType(
            "p",
            "P chart",
            "a proportion with a denominator",
            limits.proportion,
            needs_denominator=True,
            varying_limits=True,
        ),
        ChartType(
            "pp",
            "Laney P' chart",
            "a proportion with large, overdispersed denominators",
            limits.proportion_prime,
            needs_denominator=True,
            varying_limits=True,
        ),
        ChartType("c", "C chart", "a count of events in equal opportunity", limits.count),
        ChartType(
            "u",
            "U chart",
            "a rate of events per unit of population or exposure",
            limits.rate,
            needs_denominator=True,
            varying_limits=True,
        ),
        ChartType(
            "up",
            "Laney U' chart",
            "a rate with large, overdispersed denominators",
            limits.rate_prime,
            needs_denominator=True,
            varying_limits=True,
        ),
        ChartType("g", "G chart", "cases between rare events", limits.cases_between, events=True),
        ChartType(
            "ip",
            "I' chart",
            "an individuals chart adjusted for varying subgroup size",
            limits.individuals_prime,
            varying_limits=True,
        ),
    )
}


def chart_type(code: str) -> ChartType:
    """The chart type named ``code``; a ValueError names the known ones."""
    try:
        return CHART_TYPES[code]
    except KeyError:
        known = ", ".join(CHART_TYPES)
        raise ValueError(f"unknown chart type {code!r}; choose one of: {known}") from None
