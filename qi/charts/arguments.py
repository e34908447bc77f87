"""Checking and preparing ``spc()``'s arguments: validation at the edge, with messages that say
what is wrong, where, and how to fix it; then one frame with the chart's columns under their
working names (``columns.py``), one row per series and period.

Like NHSRplotthedots' ``ptd_spc_options``, the arguments are checked once and kept together
(``Options``); the stages behind trust them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from qi.charts import columns as C
from qi.charts.charttypes import CHART_TYPES, ChartType
from qi.charts.icons import DIRECTIONS
from qi.charts.kinds import default_chart
from qi.charts.rulesets import RULE_SETS, RuleSet
from qi.charts.subgroups import AGGREGATES, in_series_order, subgroup_statistics

PERIOD_UNITS = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}
RUNS_METHODS = ("anhoej", "bestbox", "cutbox")

PeriodSet = Sequence[Any] | pl.DataFrame | str | None
Target = float | Mapping[Any, float] | pl.DataFrame | str | None


class SPCInputError(ValueError):
    """The caller's data or arguments cannot be charted; the message says why and how to fix it."""


@dataclass(frozen=True)
class Options:
    """``spc()``'s checked arguments (see its docstring for each)."""

    keys: tuple[str, ...]
    value: str
    period: str
    denominator: str | None
    chart: ChartType
    rules: RuleSet
    aggregate: str | None
    runs_method: str
    period_unit: str | None
    baseline: int | None
    multiplier: float
    screen: bool
    negative_limits: bool

    @property
    def subgroups(self) -> bool:
        """Whether a period can hold several rows (and the points carry their statistics)."""
        return self.chart.subgroups or self.aggregate is not None


def options(
    data: pl.DataFrame,
    *,
    value: str,
    period: str,
    by: Sequence[str] | str,
    denominator: str | None,
    chart: str | None,
    kind: str | None,
    rules: str,
    aggregate: str | None,
    runs_method: str,
    period_unit: str | None,
    baseline: int | None,
    multiplier: float,
    screen: bool,
    negative_limits: bool,
) -> Options:
    """Check every argument against the data; the first problem raises ``SPCInputError``."""
    keys = [by] if isinstance(by, str) else list(by)
    if chart is None and kind is not None:
        try:
            chart = default_chart(kind)
        except ValueError as error:
            raise SPCInputError(str(error)) from None
    chart = chart or "i"
    ruleset = _check_arguments(data, value, period, keys, denominator, chart, rules)
    _check_options(aggregate, runs_method, period_unit, baseline, multiplier)
    return Options(
        keys=tuple(keys),
        value=value,
        period=period,
        denominator=denominator,
        chart=CHART_TYPES[chart],
        rules=ruleset,
        aggregate=aggregate,
        runs_method=runs_method,
        period_unit=period_unit,
        baseline=baseline,
        multiplier=multiplier,
        screen=screen,
        negative_limits=negative_limits,
    )


def prepare(
    data: pl.DataFrame,
    options: Options,
    *,
    phases: PeriodSet,
    exclude: PeriodSet,
    target: Target,
    centre: float | str | None,
    direction: str,
) -> pl.DataFrame:
    """One row per series and period, in series order, with the subgroup statistics and the
    per-row arguments (phase starts, exclusions, target, a given centre, direction)."""
    keys, period = list(options.keys), options.period
    sources = [
        spec
        for spec in (phases, exclude, target, centre, direction)
        if isinstance(spec, str) and spec in data.columns
    ]
    frame = _select(data, options.value, period, keys, options.denominator, sources)
    if options.period_unit:
        frame = frame.with_columns(pl.col(period).dt.truncate(PERIOD_UNITS[options.period_unit]))
    frame = frame.with_columns(
        _period_flags(frame, phases, period, keys, "phases").alias(C.PHASE_START),
        _period_flags(frame, exclude, period, keys, "exclude").alias(C.EXCLUDED),
        _target(frame, target, keys).alias(C.TARGET),
        _centre(frame, centre).alias(C.CENTRE_GIVEN),
        _direction(frame, direction).alias(C.DIRECTION),
    )
    # The argument columns are now working columns; the originals go, so a column named like
    # an output column ("direction", "target", "signal") cannot collide with it.
    frame = frame.drop([c for c in dict.fromkeys(sources) if c not in (*keys, period)])
    if frame.get_column(period).null_count():
        frame = frame.filter(pl.col(period).is_not_null())
    series_keys = [*keys, period]
    frame = in_series_order(frame, keys, period)
    if options.aggregate is None and not options.chart.subgroups:
        _refuse_repeated_periods(frame, series_keys)
    carried = [C.PHASE_START, C.EXCLUDED, C.TARGET, C.CENTRE_GIVEN, C.DIRECTION]
    return subgroup_statistics(
        frame,
        series_keys,
        options.denominator is not None,
        options.aggregate or "mean",
        carried,
    )


def is_categorical(frame: pl.DataFrame, period: str) -> bool:
    """Periods that are labels (funnel-style P' and U' charts), not times."""
    dtype = frame.schema[period]
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)


def _check_arguments(
    data: pl.DataFrame,
    value: str,
    period: str,
    keys: list[str],
    denominator: str | None,
    chart: str,
    rules: str,
) -> RuleSet:
    if not isinstance(data, pl.DataFrame):
        raise SPCInputError("data must be a polars DataFrame")
    if chart not in CHART_TYPES:
        raise SPCInputError(
            f"unknown chart type {chart!r}; choose one of: {', '.join(CHART_TYPES)}"
        )
    if rules not in RULE_SETS:
        raise SPCInputError(f"unknown rule set {rules!r}; choose one of: {', '.join(RULE_SETS)}")
    named = {"value": value, "period": period, "denominator": denominator}
    named.update({f"by ({k})": k for k in keys})
    for role, column in named.items():
        if column is not None and column not in data.columns:
            raise SPCInputError(
                f"no column {column!r} for the {role}; the data has: {', '.join(data.columns)}"
            )
    for role, column in (("value", value), ("denominator", denominator)):
        if column is not None and not (
            data.schema[column].is_numeric() or data.schema[column] == pl.Null
        ):
            bad = _first_non_number(data, column)
            raise SPCInputError(
                f"the {role} column {column!r} must hold numbers, but row {bad[0]} has {bad[1]!r};"
                " remove the text or mark the value as missing (empty)"
            )
    if CHART_TYPES[chart].needs_denominator and denominator is None:
        raise SPCInputError(
            f"the {CHART_TYPES[chart].title} needs a denominator column (population or "
            "eligible cases): pass denominator=... (--n), or choose the XmR chart 'i'"
        )
    if denominator is not None:
        zero = data.with_row_index("_r").filter(
            (pl.col(denominator) <= 0) & pl.col(value).is_not_null()
        )
        if zero.height:
            row = zero.row(0, named=True)
            raise SPCInputError(
                f"row {row['_r'] + 1}: the denominator {denominator!r} is {row[denominator]} where "
                f"the value is {row[value]}; a rate or proportion needs a denominator above 0 "
                "(correct it, or leave both empty for a missing month)"
            )
    return RULE_SETS[rules]


def _first_non_number(data: pl.DataFrame, column: str) -> tuple[int, Any]:
    values = data.get_column(column).cast(pl.String)
    parsed = values.cast(pl.Float64, strict=False)
    bad = (parsed.is_null() & values.is_not_null()).arg_true()
    index = int(bad[0]) if len(bad) else 0
    return index + 1, values[index]


def _check_options(
    aggregate: str | None,
    runs_method: str,
    unit: str | None,
    baseline: int | None,
    multiplier: float,
) -> None:
    if aggregate is not None and aggregate not in AGGREGATES:
        raise SPCInputError(f"unknown aggregate {aggregate!r}; choose one of: {AGGREGATES}")
    if runs_method not in RUNS_METHODS:
        raise SPCInputError(f"unknown runs method {runs_method!r}; choose one of: {RUNS_METHODS}")
    if unit is not None and unit not in PERIOD_UNITS:
        raise SPCInputError(f"unknown period unit {unit!r}; choose one of: {list(PERIOD_UNITS)}")
    if baseline is not None and (not isinstance(baseline, int) or baseline < 2):
        raise SPCInputError(
            f"baseline must be a whole number of points, 2 or more (got {baseline})"
        )
    if not multiplier > 0:
        raise SPCInputError(f"multiplier must be a positive number (got {multiplier})")


def _refuse_repeated_periods(frame: pl.DataFrame, keys: list[str]) -> None:
    if not frame.get_column(C.REPEAT).any():
        return
    repeated = frame.filter(C.REPEAT)
    if repeated.height:
        where = ", ".join(f"{k}={v}" for k, v in repeated.select(keys).row(0, named=True).items())
        raise SPCInputError(
            f"{repeated.height} repeated period(s), first at {where}; each series needs one row per"
            " period: remove the duplicates, add the column that tells them apart to `by`, or"
            " pass aggregate='mean' (or median, sum, sd) to combine them"
        )


def refuse_non_positive_times(frame: pl.DataFrame, keys: list[str], period: str) -> None:
    bad = frame.filter(pl.col(C.Y) <= 0)
    if bad.height:
        where = ", ".join(
            f"{k}={v}" for k, v in bad.select(*keys, period).row(0, named=True).items()
        )
        raise SPCInputError(
            f"a T chart needs times between events above zero, but {where} has {bad[C.Y][0]}; "
            "two events at the same time have no time between them: use a G chart of cases "
            "between events, or a C chart of counts"
        )


def _select(
    data: pl.DataFrame,
    value: str,
    period: str,
    keys: list[str],
    denominator: str | None,
    sources: list[str],
) -> pl.DataFrame:
    """The columns the chart needs, under internal names, plus the argument columns."""
    extra = [pl.col(c) for c in dict.fromkeys(sources) if c not in (*keys, period)]
    columns = [pl.col(k) for k in keys] + extra + [pl.col(period)]
    numbers = {C.VALUE: value}
    if denominator is not None:
        numbers[C.DENOMINATOR] = denominator
    for name, column in numbers.items():
        number = pl.col(column).cast(pl.Float64)
        # NaN is missing; a column without any is passed on as it is (no copy).
        if data.schema[column].is_float() and data.select(pl.col(column).is_nan().any()).item():
            number = number.fill_nan(None)
        columns.append(number.alias(name))
    return data.select(columns)


def _period_flags(
    frame: pl.DataFrame,
    spec: PeriodSet,
    period: str,
    keys: list[str],
    what: str,
) -> pl.Expr:
    if spec is None:
        return pl.lit(False)
    if isinstance(spec, str):
        if spec not in frame.columns:
            raise SPCInputError(f"no column {spec!r} for {what}; name a column of true/false")
        return pl.col(spec).cast(pl.Boolean).fill_null(False)
    dtype = frame.schema[period]
    if isinstance(spec, pl.DataFrame):
        missing = [c for c in [*keys, period] if c not in spec.columns]
        if missing:
            raise SPCInputError(f"the {what} frame needs the columns {missing}")
        marks = (
            spec.select(*keys, pl.col(period).cast(dtype))
            .unique()
            .with_columns(pl.lit(True).alias("_mark"))
        )
        joined = frame.select(*keys, period).join(
            marks, on=[*keys, period], how="left", maintain_order="left"
        )
        return pl.lit(joined.get_column("_mark").fill_null(False))
    try:
        periods = pl.Series(list(spec)).cast(dtype)
    except Exception as error:
        raise SPCInputError(f"{what}: {list(spec)!r} are not periods of type {dtype}") from error
    return pl.col(period).is_in(periods.implode())


def _target(data: pl.DataFrame, target: Target, keys: list[str]) -> pl.Expr:
    """The target per row, from a number, a mapping by the one key, a frame or a column."""
    if target is None:
        return pl.lit(None, pl.Float64)
    if isinstance(target, int | float):
        return pl.lit(float(target))
    if isinstance(target, str):
        if target not in data.columns:
            raise SPCInputError(f"no column {target!r} for the target; pass a number or a column")
        return pl.col(target).cast(pl.Float64)
    if isinstance(target, Mapping):
        if len(keys) != 1:
            raise SPCInputError("a target mapping needs exactly one `by` column; pass a frame")
        key = keys[0]
        table = pl.DataFrame(
            {key: list(target), "target": [float(v) for v in target.values()]}
        ).with_columns(pl.col(key).cast(data.schema[key]))
        return _lookup(data, table, keys)
    if isinstance(target, pl.DataFrame):
        return _lookup(data, target, keys)
    raise SPCInputError(f"target must be a number, mapping, frame or column, not {type(target)}")


def _lookup(data: pl.DataFrame, table: pl.DataFrame, keys: list[str]) -> pl.Expr:
    joined = data.select(keys).join(
        table.select(*keys, pl.col("target").cast(pl.Float64)),
        on=keys,
        how="left",
        maintain_order="left",
    )
    return pl.lit(joined.get_column("target"))


def _centre(data: pl.DataFrame, centre: float | str | None) -> pl.Expr:
    if centre is None:
        return pl.lit(None, pl.Float64)
    if isinstance(centre, str):
        if centre not in data.columns:
            raise SPCInputError(f"no column {centre!r} for the centre; pass a number or a column")
        return pl.col(centre).cast(pl.Float64)
    return pl.lit(float(centre))


def _direction(data: pl.DataFrame, direction: str) -> pl.Expr:
    if direction in DIRECTIONS:
        return pl.lit(DIRECTIONS[direction], pl.Int8)
    if direction in data.columns:
        return (
            pl.col(direction)
            .cast(pl.String)
            .replace_strict(DIRECTIONS, return_dtype=pl.Int8, default=None)
            .fill_null(0)
        )
    raise SPCInputError(
        f"unknown improvement direction {direction!r}; choose increase, decrease or neutral"
    )
