"""The engine's front door: ``spc()`` turns one or many series into a ``Chart``.

Like qicharts2's ``qic()``, one call takes every argument a chart needs, named for the
statistical idea. Unlike it, the series key is data: a hundred thousand series go through the
same polars expressions as one. Like NHSRplotthedots' ``ptd_spc()``, it reads as a pipeline of
named steps (check and prepare the arguments, lay out series and phases, limits, rules and
judgement, the points), and its result carries what it was asked, so its summaries need
nothing passed again.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from qi.charts import limits
from qi.charts.arguments import (
    Options,
    PeriodSet,
    SPCInputError,
    Target,
    is_categorical,
    options,
    prepare,
    refuse_non_positive_times,
)
from qi.charts.charttypes import ChartType
from qi.charts.columns import PHASE_START, REPEAT, VALUE
from qi.charts.judgement import judge
from qi.charts.phases import lay_out
from qi.charts.phases import period_unit as period_unit_of
from qi.charts.points import points as shape_points
from qi.charts.rulesets import RuleSet
from qi.charts.summary import phase_summary, series_summary

__all__ = ["Chart", "SPCInputError", "spc"]


@dataclass(frozen=True)
class Chart:
    """What ``spc()`` returns: the charted points and what they are keyed by.

    Attributes:
        points: one row per series and period: the ``keys``, the ``period`` and
            ``points.POINT_COLUMNS`` (value, phase, centre, limits, rules, signal, point type,
            ...), in series order.
        keys: the series key columns (``by``).
        period: the period column.
        chart_type: the chart type (``charttypes.CHART_TYPES``).
        rule_set: the rule set the points were judged by.
    """

    points: pl.DataFrame
    keys: tuple[str, ...]
    period: str
    chart_type: ChartType
    rule_set: RuleSet
    _summary: list[pl.DataFrame] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def summary(self) -> pl.DataFrame:
        """One row per series: icons, latest limits, runs and counts (``summary.SERIES_COLUMNS``).

        Worked out once per chart: every caller (a page, its figure, the pack) reads the same
        frame.
        """
        if not self._summary:
            self._summary.append(series_summary(self.points, self.keys, self.period))
        return self._summary[0]

    def phases(self) -> pl.DataFrame:
        """One row per series and phase: span, points, centre, limits (``summary.PHASE_COLUMNS``)."""
        return phase_summary(self.points, self.keys, self.period)

    def filter(self, *predicates: pl.Expr | str, **constraints: object) -> "Chart":
        """The same chart with only the points that match (``DataFrame.filter``'s arguments):
        for example one series, ``chart.filter(place="E08000032")``."""
        return replace(self, points=self.points.filter(*predicates, **constraints))  # new cache


def spc(
    data: pl.DataFrame,
    *,
    value: str,
    period: str,
    by: Sequence[str] | str = (),
    denominator: str | None = None,
    chart: str | None = None,
    kind: str | None = None,
    rules: str = "mdc",
    direction: str = "neutral",
    target: Target = None,
    phases: PeriodSet = None,
    baseline: int | None = None,
    exclude: PeriodSet = None,
    multiplier: float = 1.0,
    screen: bool = True,
    centre: float | str | None = None,
    aggregate: str | None = None,
    runs_method: str = "anhoej",
    period_unit: str | None = None,
    negative_limits: bool = True,
) -> Chart:
    """Chart every series in ``data``: a ``Chart`` whose points have one row per series and
    period (``Chart.points``), with its series and phase summaries.

    Arguments:
        value: the measure's column (the numerator when there is a denominator).
        period: the time column (dates, numbers or, for funnel-style P'/U' charts, labels).
        by: the series key columns (for example measure and place).
        denominator: population or eligible cases (P, P', U, U' and optionally I' charts).
            As in qicharts2, a run or XmR chart with a denominator charts the ratio; C, G and
            T charts chart the counts and ignore it.
        chart: one of ``CHART_TYPES``; default from ``kind`` (see ``kinds.DEFAULT_CHART``),
            else the XmR chart ``i``.
        kind: the kind of measure (count, rate, proportion, continuous, time_between,
            cases_between), used only to choose the default chart.
        rules: the rule set, one of ``RULE_SETS`` (mdc, mdc2023, anhoej, ihi,
            western_electric, nelson).
        direction: increase, decrease or neutral (which way is improvement), or the name of a
            column holding one of those per row.
        target: a number, a mapping from the single ``by`` key to a number, a frame with the
            ``by`` columns and a ``target`` column, or a column name.
        phases: periods at which limits are recalculated: a list of periods for every series,
            a frame of ``by`` columns and ``period``, or the name of a boolean column. As in
            NHSRplotthedots, a phase start on a period with no point does nothing.
        baseline: limits come from the first N points of each phase and are extended.
        exclude: points shown but left out of limits and runs (same forms as ``phases``).
        multiplier: scales values, centre and limits (100 for percent, 1000 per 1,000 ...).
        screen: drop moving ranges at or above 3.267 x AMR before computing limits.
        centre: a known centre line (a number or a column), replacing the computed one.
        aggregate: how several rows in one period become one value (mean, median, sum, sd);
            without it a repeated period is an error (except for Xbar and S charts). With it,
            and for Xbar and S charts, each point also carries its subgroup's statistics
            (``subgroup_size``, ``subgroup_mean``, ``subgroup_sd``).
        runs_method: anhoej, or the experimental bestbox / cutbox runs bounds.
        period_unit: truncate dates to day, week, month, quarter or year before charting.
        negative_limits: when False, a series with no negative values gets no negative limits.
    """
    checked = options(
        data,
        value=value,
        period=period,
        by=by,
        denominator=denominator,
        chart=chart,
        kind=kind,
        rules=rules,
        aggregate=aggregate,
        runs_method=runs_method,
        period_unit=period_unit,
        baseline=baseline,
        multiplier=multiplier,
        screen=screen,
        negative_limits=negative_limits,
    )
    frame = prepare(
        data,
        checked,
        phases=phases,
        exclude=exclude,
        target=target,
        centre=centre,
        direction=direction,
    )
    frame = lay_out(frame, checked.baseline).drop(PHASE_START, REPEAT, VALUE, strict=False)
    categorical = is_categorical(frame, checked.period)
    frame = _limits(frame, checked, categorical)
    frame = judge(
        frame,
        checked.rules,
        checked.runs_method,
        runs=not categorical and checked.chart.code != "mr",
    )
    unit = None if categorical else period_unit_of(frame.get_column(checked.period))
    return Chart(
        points=shape_points(frame, checked, unit),
        keys=checked.keys,
        period=checked.period,
        chart_type=checked.chart,
        rule_set=checked.rules,
    )


def _limits(frame: pl.DataFrame, checked: Options, categorical: bool) -> pl.DataFrame:
    """The chart type's centre and limits per phase, scaled by the multiplier."""
    if checked.chart.code == "t":
        refuse_non_positive_times(frame, list(checked.keys), checked.period)
    frame = limits.compute(
        frame,
        checked.chart.limits,
        checked.chart.varying_limits,
        checked.rules.xmr,
        checked.screen,
        categorical,
    )
    return limits.scale(frame, checked.multiplier, checked.negative_limits)
