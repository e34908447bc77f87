"""The front door: ``estimate_effects()`` estimates what a change did to every series in a frame.

One call takes the data (one row per series and period), the change date and the impact model
chosen before looking, and returns one ``Effect`` per series (``results.to_frame()`` makes them
one row per series). The pipeline: check the arguments; lay out each series (time
since its first period, points before and after the change, guard rails); build each design;
fit all series of one shape together (``fitting.py``); read the effects, the counterfactual
and the second method's answer off the fits.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl

from qi.effects import guards
from qi.effects.calendar import (
    UNITS,
    Array,
    Unit,
    clock,
    name_clock,
    name_period,
    point_clock,
    unit_of,
)
from qi.effects.constants import DEFAULT_HARMONICS, SEASONAL_MIN_YEARS
from qi.effects.design import IMPACT_MODELS, Layout
from qi.effects.fitting import Fit, Flags
from qi.effects.guards import EffectInputError
from qi.effects.models import AR1_PERCENT, KINDS, Kind, Method, fit, mean
from qi.effects.results import (
    Effect,
    Estimate,
    Sensitivity,
    combination,
    difference,
    wald,
)

__all__ = ["EffectInputError", "estimate_effects"]

Moment = date | datetime | int | float
PeriodSet = Sequence[Any] | str | None

_ORDER, _EXCLUDED = "_order", "_excluded"


def estimate_effects(
    data: pl.DataFrame,
    *,
    value: str,
    period: str,
    change: Moment,
    by: Sequence[str] | str = (),
    denominator: str | None = None,
    kind: str | None = None,
    model: str = "both",
    harmonics: int | None = None,
    multiplier: float = 1.0,
    decided_at: Moment | None = None,
    exclude: PeriodSet = None,
    definition_changes: Sequence[Moment] = (),
    comparison: pl.DataFrame | None = None,
    comparison_name: str = "the comparison",
) -> tuple[Effect, ...]:
    """The effect of a change on each series in ``data``, by segmented regression.

    Arguments:
        value: the measure's column: counts, numerators of rates and proportions, or values.
        period: the time column: dates (monthly, quarterly, weekly ...) or period numbers.
        change: when the change was made; periods starting on or after it are "after".
        by: the series key columns (for example every place that made the same change).
        denominator: the population (rates) or the eligible cases (proportions).
        kind: count, rate, proportion or continuous (``models.KINDS``); default continuous,
            and with a denominator it must be given.
        model: the impact model, chosen before looking at the data: both (level and trend),
            level or slope (``design.IMPACT_MODELS``).
        harmonics: Fourier harmonics of the calendar year. Default: 2 when there are two full
            years of points before the change, else none.
        multiplier: scales differences in the measure's units (1000 for a rate per 1,000).
            Proportions are reported in percentage points.
        decided_at: when the change date was recorded; later than some of the points after
            the change labels the estimate "chosen after seeing the data".
        exclude: periods left out of the model (a list for every series, or the name of a
            boolean column); reported as a warning.
        definition_changes: dates the measure's definition changed; one inside a series'
            window is reported as a warning.
        comparison: a comparison series that did not make the change, with the ``value``,
            ``period`` (and ``denominator``) columns, and either every ``by`` column (each
            series its own comparison) or none (one comparison for all). The effect is then
            how much more the changed series moved than the comparison: for continuous values
            the model is fitted to the difference (changed minus comparison); for GLMs to both
            series together, with a group indicator and its interactions.
        comparison_name: how the comparison is named in sentences.

    Raises ``EffectInputError`` (what is wrong and how to fix it) for bad arguments and for
    series with fewer than 3 points on either side of the change.
    """
    return _estimate(**locals())


@dataclass
class _Series:
    """One series' columns as arrays, in period order."""

    key: dict[str, Any]
    name: str
    clocks: Array
    values: Array
    trials: Array
    excluded: Flags

    @property
    def usable(self) -> Flags:
        """Points the model uses: a value (and denominator, if any), not excluded."""
        ok = np.isfinite(self.values) & ~self.excluded
        return np.asarray(ok & (np.isfinite(self.trials) | np.isnan(self.trials).all()))


@dataclass
class _Job:
    """One model to fit for one series: the method and its arrays."""

    method: Method
    X: Array
    y: Array
    extra: Array
    layout: Layout
    result: dict[str, Array] = field(default_factory=dict)


@dataclass(frozen=True)
class _Checked:
    keys: tuple[str, ...]
    kind: Kind
    model: str
    unit: Unit
    change: float
    change_value: Moment
    change_name: str
    multiplier: float
    harmonics: int | None
    decided: float | None
    decided_name: str
    definition_changes: tuple[float, ...]
    comparison_name: str


def _estimate(
    data: pl.DataFrame,
    *,
    value: str,
    period: str,
    change: Moment,
    by: Sequence[str] | str,
    denominator: str | None,
    kind: str | None,
    model: str,
    harmonics: int | None,
    multiplier: float,
    decided_at: Moment | None,
    exclude: PeriodSet,
    definition_changes: Sequence[Moment],
    comparison: pl.DataFrame | None,
    comparison_name: str,
) -> tuple[Effect, ...]:
    keys = (by,) if isinstance(by, str) else tuple(by)
    checked = _check(
        data,
        value,
        period,
        change,
        keys,
        denominator,
        kind,
        model,
        harmonics,
        multiplier,
        decided_at,
        definition_changes,
        comparison_name,
    )
    frame = _prepare(data, value, period, keys, denominator, checked.kind, exclude)
    series, _ = _split(frame, keys, checked.unit)
    comparisons = _comparisons(comparison, value, period, keys, denominator, checked)
    plans = [_plan(s, checked, comparisons) for s in series]
    refused = [p for p in plans if isinstance(p, str)]
    if refused:
        more = f" (and {len(refused) - 1} more series)" if len(refused) > 1 else ""
        raise EffectInputError(refused[0] + more)
    jobs = [job for plan in plans if not isinstance(plan, str) for job in plan.jobs]
    _fit_all(jobs)
    return tuple(_effect(p, checked) for p in plans if not isinstance(p, str))


# --- arguments ------------------------------------------------------------------------------


def _check(
    data: pl.DataFrame,
    value: str,
    period: str,
    change: Moment,
    keys: tuple[str, ...],
    denominator: str | None,
    kind: str | None,
    model: str,
    harmonics: int | None,
    multiplier: float,
    decided_at: Moment | None,
    definition_changes: Sequence[Moment],
    comparison_name: str,
) -> _Checked:
    for column in (*keys, period, value, *([denominator] if denominator else [])):
        if column not in data.columns:
            raise EffectInputError(
                f"no column {column!r}; the columns are: {', '.join(data.columns)}"
            )
    for column in (value, *([denominator] if denominator else [])):
        if not data.schema[column].is_numeric():
            raise EffectInputError(
                f"column {column!r} holds {data.schema[column]}, not numbers; "
                "check the file's number format"
            )
    if data.height == 0:
        raise EffectInputError("the data have no rows")
    if kind is None:
        if denominator is not None:
            raise EffectInputError(
                "with a denominator, say which kind of measure this is: "
                "rate (per population) or proportion (of eligible cases)"
            )
        kind = "continuous"
    if kind not in KINDS:
        raise EffectInputError(
            f"unknown kind of measure {kind!r}; choose one of: {', '.join(KINDS)}"
        )
    chosen = KINDS[kind]
    if chosen.denominator and denominator is None:
        what = "population" if kind == "rate" else "number of eligible cases"
        raise EffectInputError(f"a {kind} needs a denominator: name the {what} column")
    if not chosen.denominator and denominator is not None:
        instead = (
            "use kind rate for counts per population"
            if kind == "count"
            else ("divide first, or use kind rate or proportion")
        )
        raise EffectInputError(f"a {kind} measure takes no denominator; {instead}")
    if model not in IMPACT_MODELS:
        raise EffectInputError(
            f"unknown impact model {model!r}; choose one of: {', '.join(IMPACT_MODELS)}"
        )
    if not (math.isfinite(multiplier) and multiplier > 0):
        raise EffectInputError(f"multiplier {multiplier} must be a positive number")
    periods = data.get_column(period)
    dated = periods.dtype.is_temporal()
    if not dated and not periods.dtype.is_numeric():
        raise EffectInputError(
            f"column {period!r} holds {periods.dtype}: periods must be dates or numbers "
            "(write dates as YYYY-MM-DD)"
        )
    unit = unit_of(periods)
    moments = [("change", change), ("decided_at", decided_at)]
    moments += [("definition change", d) for d in definition_changes]
    for what, moment in moments:
        if moment is not None and isinstance(moment, date) != dated:
            wanted = "a date" if dated else "a period number"
            raise EffectInputError(
                f"the {what} {moment!r} is not {wanted} like the {period!r} column"
            )
    if harmonics is not None and not 0 <= harmonics <= unit.max_harmonics:
        limit = (
            f"between 0 and {unit.max_harmonics} for {unit.name}ly data"
            if unit.per_year
            else "0: seasonal terms need dated periods"
        )
        raise EffectInputError(f"harmonics {harmonics} must be {limit}")
    decided_name = ""
    if decided_at is not None:
        decided_name = name_period(decided_at, UNITS["day"]) if dated else f"period {decided_at}"
    return _Checked(
        keys=keys,
        kind=chosen,
        model=model,
        unit=unit,
        change=point_clock(change, unit),
        change_value=change,
        change_name=name_period(change, unit if dated else UNITS["period"]),
        multiplier=float(multiplier),
        harmonics=harmonics,
        decided=None if decided_at is None else point_clock(decided_at, unit),
        decided_name=decided_name,
        definition_changes=tuple(point_clock(d, unit) for d in definition_changes),
        comparison_name=comparison_name,
    )


def _prepare(
    data: pl.DataFrame,
    value: str,
    period: str,
    keys: tuple[str, ...],
    denominator: str | None,
    kind: Kind,
    exclude: PeriodSet,
) -> pl.DataFrame:
    """The columns the model needs, in series order (first appearance) and period order."""
    if isinstance(exclude, str):
        if exclude not in data.columns or data.schema[exclude] != pl.Boolean:
            raise EffectInputError(
                f"exclude={exclude!r} must name a boolean column, or be a list of periods"
            )
        excluded = pl.col(exclude).fill_null(False)
    elif exclude:
        try:
            wanted = pl.Series(list(exclude)).cast(data.schema[period])
        except pl.exceptions.PolarsError:
            raise EffectInputError(
                f"excluded periods {list(exclude)} do not read as the {period!r} column's type"
            ) from None
        excluded = pl.col(period).is_in(wanted.implode())
    else:
        excluded = pl.lit(False)
    order = pl.col(_ORDER).min().over(keys) if keys else pl.lit(0)
    frame = (
        data.with_row_index(_ORDER)
        .select(
            *keys,
            pl.col(period),
            pl.col(value).cast(pl.Float64).alias("_value"),
            (
                pl.col(denominator).cast(pl.Float64) if denominator else pl.lit(None, pl.Float64)
            ).alias("_trials"),
            excluded.alias(_EXCLUDED),
            order.alias(_ORDER),
        )
        .sort(_ORDER, period)
    )
    _refuse_bad_values(frame, keys, period, kind)
    return frame


def _refuse_bad_values(frame: pl.DataFrame, keys: tuple[str, ...], period: str, kind: Kind) -> None:
    same = pl.col(period).is_not_null() & (pl.col(period) == pl.col(period).shift(1))
    for key in keys:
        same = same & (pl.col(key).eq_missing(pl.col(key).shift(1)))
    repeated = frame.filter(same)
    if repeated.height:
        row = repeated.row(0, named=True)
        where = ", ".join(str(row[k]) for k in keys)
        raise EffectInputError(
            f"two rows for period {row[period]}{' in ' + where if where else ''}; "
            "give one row per series and period"
        )
    if frame.get_column(period).null_count():
        raise EffectInputError(f"column {period!r} has empty periods; fill or remove those rows")
    value, trials = pl.col("_value"), pl.col("_trials")
    problems = {
        "count": (value < 0, "counts cannot be negative"),
        "rate": (
            (value < 0) | (trials <= 0),
            "a rate needs counts of 0 or more and populations above 0",
        ),
        "proportion": (
            (value < 0) | (trials <= 0) | (value > trials),
            "a proportion needs between 0 and the denominator cases, and a denominator above 0",
        ),
    }
    if kind.name in problems:
        bad, why = problems[kind.name]
        found = frame.filter(bad.fill_null(False))
        if found.height:
            row = found.row(0, named=True)
            where = ", ".join(str(row[k]) for k in keys)
            raise EffectInputError(
                f"{why}: period {row[period]}{' in ' + where if where else ''} has value "
                f"{row['_value']:g} and denominator {row['_trials']}; correct or remove it"
            )


def _split(
    frame: pl.DataFrame, keys: tuple[str, ...], unit: Unit
) -> tuple[list[_Series], pl.DataFrame]:
    """Each series' arrays, and the frame of series keys (one row per series, in order)."""
    clocks = clock(frame.get_column(frame.columns[len(keys)]), unit)
    values = frame.get_column("_value").to_numpy().astype(np.float64)
    trials = frame.get_column("_trials").to_numpy().astype(np.float64)
    excluded = frame.get_column(_EXCLUDED).to_numpy().astype(bool)
    if keys:
        starts = np.flatnonzero(np.diff(frame.get_column(_ORDER).to_numpy(), prepend=-1))
        key_frame = frame.select(keys)[starts]
    else:
        starts, key_frame = np.array([0]), pl.DataFrame()
    ends = np.append(starts[1:], frame.height)
    series = []
    for row, (start, end) in enumerate(zip(starts, ends, strict=True)):
        key = key_frame.row(row, named=True) if keys else {}
        name = ", ".join(str(v) for v in key.values()) or "The series"
        rows = slice(start, end)
        series.append(_Series(key, name, clocks[rows], values[rows], trials[rows], excluded[rows]))
    return series, key_frame


def _comparisons(
    comparison: pl.DataFrame | None,
    value: str,
    period: str,
    keys: tuple[str, ...],
    denominator: str | None,
    checked: _Checked,
) -> dict[tuple[Any, ...], _Series]:
    """The comparison series by series key (the key () when one comparison serves all)."""
    if comparison is None:
        return {}
    shared = tuple(k for k in keys if k in comparison.columns)
    if shared and shared != keys:
        raise EffectInputError(
            f"the comparison has some of the series keys ({', '.join(shared)}) but not all "
            f"({', '.join(keys)}); give it every key column or none"
        )
    for column in (period, value, *([denominator] if denominator else [])):
        if column not in comparison.columns:
            raise EffectInputError(
                f"the comparison has no column {column!r}; it needs the same columns as the data"
            )
    if comparison.schema[period].is_temporal() != (checked.unit.per_year is not None):
        raise EffectInputError(
            f"the comparison's {period!r} column holds {comparison.schema[period]}; give it the "
            "same kind of periods as the data (dates or numbers)"
        )
    frame = _prepare(comparison, value, period, shared, denominator, checked.kind, None)
    found, key_frame = _split(frame, shared, checked.unit)
    if not shared:
        return {(): found[0]}
    return {tuple(key_frame.row(i)): s for i, s in enumerate(found)}


# --- one series: layout, guard rails and designs ----------------------------------------------


@dataclass
class _Plan:
    """One series ready to fit: its layout, counts, messages and the jobs to fit."""

    series: _Series
    layout: Layout
    before: int
    after: int
    last_after: float
    primary: _Job
    second: _Job
    messages: list[str]
    labels: list[str]
    comparison: str | None

    @property
    def jobs(self) -> tuple[_Job, _Job]:
        return self.primary, self.second


def _plan(
    series: _Series, checked: _Checked, comparisons: dict[tuple[Any, ...], _Series]
) -> _Plan | str:
    unit, kind = checked.unit, checked.kind
    origin = float(series.clocks[0])
    change = float(math.ceil(checked.change - origin - 1e-9))
    usable = series.usable
    time = series.clocks - origin
    before = int(np.sum(usable & (time < change)))
    after = int(np.sum(usable & (time >= change)))
    refused = guards.too_few_points(series.name, before, after, checked.change_name)
    if refused:
        return refused
    partner = None
    if comparisons:
        partner = comparisons.get(tuple(series.key.values()), comparisons.get(()))
        if partner is None:
            return f"{series.name} has no comparison series; add its rows to the comparison"
        ok = partner.usable
        p_time = partner.clocks - origin
        p_before, p_after = (
            int(np.sum(ok & (p_time < change))),
            int(np.sum(ok & (p_time >= change))),
        )
        refused = guards.too_few_points(
            f"The comparison for {series.name}", p_before, p_after, checked.change_name
        )
        if refused:
            return refused
    harmonics = checked.harmonics
    if harmonics is None:
        enough = unit.per_year is not None and before >= SEASONAL_MIN_YEARS * unit.per_year
        harmonics = min(DEFAULT_HARMONICS, unit.max_harmonics) if enough else 0
    controlled = partner is not None and kind.name != "continuous"
    layout = Layout(origin, change, checked.model, harmonics, unit, controlled)
    primary, second = _jobs(series, partner, layout, kind, time)
    after_times = time[usable & (time >= change)]
    if partner is not None and kind.name == "continuous":
        # Only the periods both series have: count those.
        common = primary.X[0, :, layout.column("time")]
        before, after = int(np.sum(common < change)), int(np.sum(common >= change))
        after_times = common[common >= change]
        refused = guards.too_few_points(
            f"{series.name} minus its comparison", before, after, checked.change_name
        )
        if refused:
            return refused
    if primary.X.shape[1] <= primary.X.shape[2] or second.X.shape[1] <= second.X.shape[2]:
        return (
            f"{series.name} has {int(usable.sum())} points, too few for a model with "
            f"{primary.X.shape[2]} terms; use fewer harmonics or a level-only or slope-only model"
        )
    labels, messages = [], []
    low = guards.low_confidence(before, after)
    if low:
        labels.append(guards.LOW_CONFIDENCE)
        messages.append(low)
    post_clocks = series.clocks[usable & (time >= change)]
    chosen = guards.chosen_after(checked.decided, post_clocks, unit, checked.decided_name)
    if chosen:
        labels.append(guards.CHOSEN_AFTER)
        messages.append(chosen)
    if kind.model.link != "identity":
        values, trials = series.values[usable], series.trials[usable]
        messages.extend(
            guards.no_events(values, trials, time[usable] >= change, kind.name == "proportion")
        )
    in_model = ~series.excluded
    gap = guards.gaps(series.clocks, np.isfinite(series.values) | ~in_model, unit)
    dropped = guards.excluded(series.clocks[~in_model], unit)
    first, last = float(series.clocks[usable][0]), float(series.clocks[usable][-1])
    for message in (
        gap,
        dropped,
        *guards.definition_changed(checked.definition_changes, first, last, unit),
    ):
        if message:
            messages.append(message)
    return _Plan(
        series,
        layout,
        before,
        after,
        float(after_times.max()),
        primary,
        second,
        messages,
        labels,
        checked.comparison_name if partner is not None else None,
    )


def _jobs(
    series: _Series, partner: _Series | None, layout: Layout, kind: Kind, time: Array
) -> tuple[_Job, _Job]:
    """The primary and second models' designs and outcomes for one series."""
    usable = series.usable
    t, y, n = time[usable], series.values[usable], series.trials[usable]
    if partner is None:
        X = layout.rows(t)
        extra = _extra(kind, n)
        primary = _Job(kind.model, X[None], y[None], extra[None], layout)
        if kind.second is AR1_PERCENT:
            percent = 100 * y / n
            return primary, _Job(kind.second, X[None], percent[None], np.zeros((1, t.size)), layout)
        return primary, _Job(kind.second, X[None], y[None], extra[None], layout)
    # Controlled: the difference from the comparison (continuous values; and the second
    # method for proportions), or both series in one GLM with a group indicator.
    plain = Layout(layout.origin, layout.change, layout.model, layout.harmonics, layout.unit)
    d_t, d_y = _difference(series, partner, layout.origin, kind)
    differenced = _Job(
        kind.second, plain.rows(d_t)[None], d_y[None], np.zeros((1, d_t.size)), plain
    )
    if kind.name == "continuous":
        return _Job(kind.model, differenced.X, d_y[None], differenced.extra, plain), differenced
    ok = partner.usable
    X = np.vstack([layout.rows(t, 1.0), layout.rows(partner.clocks[ok] - layout.origin, 0.0)])
    y = np.concatenate([y, partner.values[ok]])
    extra = _extra(kind, np.concatenate([n, partner.trials[ok]]))
    primary = _Job(kind.model, X[None], y[None], extra[None], layout)
    if kind.second is AR1_PERCENT:
        return primary, differenced
    return primary, _Job(kind.second, X[None], y[None], extra[None], layout)


def _extra(kind: Kind, trials: Array) -> Array:
    if kind.name == "rate":
        return np.asarray(np.log(trials))
    if kind.name == "proportion":
        return trials
    return np.zeros_like(trials)


def _difference(
    series: _Series, partner: _Series, origin: float, kind: Kind
) -> tuple[Array, Array]:
    """Times and values of the changed series minus the comparison, where both have a point
    (percentages for proportions)."""
    a, b = series.usable, partner.usable
    mine, theirs = np.round(series.clocks[a], 6), np.round(partner.clocks[b], 6)
    common, i, j = np.intersect1d(mine, theirs, return_indices=True)
    values, other = series.values[a][i], partner.values[b][j]
    if kind.name == "proportion":
        values = 100 * values / series.trials[a][i]
        other = 100 * other / partner.trials[b][j]
    return common - origin, values - other


# --- fitting ---------------------------------------------------------------------------------


def _fit_all(jobs: list[_Job]) -> None:
    """Fit every job, all jobs of one method and shape together."""
    groups: dict[tuple[str, tuple[int, ...]], list[_Job]] = {}
    for job in jobs:
        groups.setdefault((job.method.name, job.X.shape[1:]), []).append(job)
    for batch in groups.values():
        fitted: Fit = fit(
            batch[0].method,
            np.concatenate([j.X for j in batch]),
            np.concatenate([j.y for j in batch]),
            np.concatenate([j.extra for j in batch]),
        )
        for i, job in enumerate(batch):
            job.result = {
                "beta": fitted.beta[i],
                "cov": fitted.cov[i],
                "extra": fitted.extra[i : i + 1],
                "converged": fitted.converged[i : i + 1].astype(np.float64),
            }


# --- reading the fits ------------------------------------------------------------------------


def _factor(kind: Kind, multiplier: float) -> float:
    return 100.0 if kind.name == "proportion" else multiplier


def _units(kind: Kind, multiplier: float) -> str:
    if kind.name == "proportion":
        return "percentage points"
    if kind.name == "rate":
        return (
            f"per {multiplier:,.0f}"
            if multiplier >= 1 and multiplier.is_integer()
            else (f"per {multiplier:g}")
        )
    return "" if multiplier == 1 else f"x {multiplier:g}"


def _effect(plan: _Plan, checked: _Checked) -> Effect:
    kind, unit, layout = checked.kind, checked.unit, plan.primary.layout
    beta, cov = plan.primary.result["beta"], plan.primary.result["cov"]
    method, link = kind.model, kind.model.link
    factor = _factor(kind, checked.multiplier)
    coefficient = factor if method.scale == "difference" else 1.0
    effects = {
        name: wald(*combination(beta, cov, [column]), method.scale, coefficient)
        for name, column in layout.effect_columns.items()
    }
    trend = wald(*combination(beta, cov, layout.trend_columns), method.scale, coefficient)
    start = layout.change
    before_rows = layout.rows(np.array([start - 1.0, start]), 1.0, changed=False, seasonal=False)
    eta = before_rows @ beta
    means = (
        (np.exp(eta) if link == "log" else 1 / (1 + np.exp(-eta))) if link != "identity" else eta
    )
    trend_units = float(means[1] - means[0]) * factor
    horizon = int(min(unit.horizon, round(plan.last_after - start)))
    at = np.array([start, start + horizon])
    with_change = layout.rows(at, 1.0, changed=True)
    without = layout.rows(at, 1.0, changed=False)
    immediate = None
    if layout.level:
        immediate = difference(beta, cov, with_change[0], without[0], link, factor)
    later = difference(beta, cov, with_change[1], without[1], link, factor)
    converged = bool(plan.primary.result["converged"][0] and plan.second.result["converged"][0])
    messages = list(plan.messages)
    for job in plan.jobs:
        if not job.result["converged"][0]:
            messages.append(guards.not_converged(job.method.name))
    primary_extra = float(plan.primary.result["extra"][0])
    fitted = counterfactual = None
    if plan.comparison is None:
        used = (plan.series.clocks - layout.origin)[plan.series.usable]
        fitted = factor * mean(link, layout.rows(used) @ beta)
        counterfactual = factor * mean(link, layout.rows(used, changed=False) @ beta)
    return Effect(
        series=plan.series.key,
        kind=kind.name,
        method=method.name,
        scale=method.scale,
        impact_model=checked.model,
        change=checked.change_value,
        change_name=checked.change_name,
        unit=unit.name,
        level_change=effects.get("level"),
        slope_change=effects.get("slope"),
        trend_before=trend,
        trend_before_units=trend_units,
        immediate_difference=immediate,
        difference=later,
        horizon=horizon,
        horizon_name=name_clock(layout.origin + start + horizon, unit),
        units=_units(kind, checked.multiplier),
        points_before=plan.before,
        points_after=plan.after,
        harmonics=layout.harmonics,
        dispersion=primary_extra if link != "identity" else None,
        hac_lags=int(primary_extra) if link == "identity" else None,
        sensitivity=_sensitivity(plan, effects, kind, factor),
        comparison=plan.comparison,
        labels=tuple(plan.labels),
        warnings=tuple(messages),
        converged=converged,
        fitted=fitted,
        counterfactual=counterfactual,
    )


def _sensitivity(
    plan: _Plan, effects: dict[str, Estimate], kind: Kind, factor: float
) -> Sensitivity:
    second = plan.second
    beta, cov = second.result["beta"], second.result["cov"]
    method = second.method
    coefficient = factor if method.scale == "difference" else 1.0
    if method is AR1_PERCENT:
        coefficient = 1.0  # already in percentage points
    found = {
        name: wald(*combination(beta, cov, [column]), method.scale, coefficient)
        for name, column in second.layout.effect_columns.items()
    }
    null = 0.0 if kind.model.scale == "difference" else 1.0
    second_null = 0.0 if method.scale == "difference" else 1.0
    agrees = all(
        (effects[name].estimate > null) == (found[name].estimate > second_null)
        and effects[name].significant == found[name].significant
        for name in effects
    )
    return Sensitivity(method.name, method.scale, found.get("level"), found.get("slope"), agrees)
