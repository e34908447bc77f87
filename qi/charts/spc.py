"""The engine's front door: ``spc()`` turns one or many series into charted points.

Like qicharts2's ``qic()``, one call takes every argument a chart needs, named for the
statistical idea. Unlike it, the series key is data: a hundred thousand series go through the
same polars expressions as one. All checking of the caller's input happens here; the modules
behind it trust what they are given. ``summarise()`` condenses the points to one row per series
(icons, runs statistics, counts of signals).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from qi.charts import limits as chart_limits
from qi.charts import rules as R
from qi.charts.constants import SHORT_PHASE_POINTS
from qi.charts.icons import DIRECTIONS, assurance_icon, judgement_table, variation_icon
from qi.charts.kinds import CHART_TYPES, CHARTS_NEEDING_DENOMINATOR, default_chart
from qi.charts.phases import SEGMENT, gap_before, lay_out, onto_points
from qi.charts.phases import period_unit as infer_period_unit
from qi.charts.rulesets import RULE_SETS, RuleSet, rule_set
from qi.charts.runs import RUNS_COLUMNS, runs_per_phase
from qi.charts.subgroups import (
    AGGREGATES,
    DENOMINATOR,
    REPEAT,
    SERIES,
    VALUE,
    in_series_order,
    subgroup_statistics,
)
from qi.charts.windows import WINDOW_COLUMNS, with_bounds, with_positions

PERIOD_UNITS = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q", "year": "1y"}
RUNS_METHODS = ("anhoej", "bestbox", "cutbox")


class SPCInputError(ValueError):
    """The caller's data or arguments cannot be charted; the message says why and how to fix it."""


PeriodSet = Sequence[Any] | pl.DataFrame | str | None


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
    target: float | Mapping[Any, float] | pl.DataFrame | str | None = None,
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
) -> pl.DataFrame:
    """Chart every series in ``data``; one row per series and period.

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
    keys = [by] if isinstance(by, str) else list(by)
    if chart is None and kind is not None:
        try:
            chart = default_chart(kind)
        except ValueError as error:
            raise SPCInputError(str(error)) from None
    chart = chart or "i"
    ruleset = _check_arguments(data, value, period, keys, denominator, chart, rules)
    _check_options(aggregate, runs_method, period_unit, baseline, multiplier)
    sources = [
        spec
        for spec in (phases, exclude, target, centre, direction)
        if isinstance(spec, str) and spec in data.columns
    ]
    frame = _select(data, value, period, keys, denominator, sources)
    if period_unit:
        frame = frame.with_columns(pl.col(period).dt.truncate(PERIOD_UNITS[period_unit]))
    frame = frame.with_columns(
        _period_flags(frame, phases, period, keys, "phases").alias("_phase_start"),
        _period_flags(frame, exclude, period, keys, "exclude").alias("_excluded"),
        _target(frame, target, keys).alias("_target"),
        _centre(frame, centre).alias("_centre"),
        _direction(frame, direction).alias("_direction"),
    )
    if frame.get_column(period).null_count():
        frame = frame.filter(pl.col(period).is_not_null())
    series_keys = [*keys, period]
    frame = in_series_order(frame, keys, period)
    if aggregate is None and chart not in ("xbar", "s"):
        _refuse_repeated_periods(frame, series_keys)
    carried = ["_phase_start", "_excluded", "_target", "_centre", "_direction"]
    frame = subgroup_statistics(
        frame, series_keys, denominator is not None, aggregate or "mean", carried
    )
    frame = lay_out(frame, baseline).drop("_phase_start", REPEAT, VALUE, strict=False)
    categorical = frame.schema[period] in (pl.String, pl.Categorical) or isinstance(
        frame.schema[period], pl.Enum
    )
    if chart == "t":
        _refuse_non_positive_times(frame, keys, period)
    frame = chart_limits.compute(frame, chart, ruleset.xmr, screen, categorical)
    frame = _scale(frame, multiplier, negative_limits)
    above, below = pl.col("_y") > pl.col("_cl"), pl.col("_y") < pl.col("_cl")
    frame = frame.with_columns((above.cast(pl.Int8) - below.cast(pl.Int8)).alias("_side"))
    frame = _apply_rules(frame, ruleset).drop(*WINDOW_COLUMNS)
    frame = onto_points(frame, runs_per_phase(frame, runs_method))
    if categorical or chart == "mr":
        frame = frame.with_columns(pl.lit(False).alias("runs_signal"))
    if "runs" in ruleset.rules:
        frame = frame.with_columns(_runs_rule(ruleset).alias("rule_runs"))
    frame = _judge(frame, ruleset)
    unit = infer_period_unit(frame.get_column(period)) if not categorical else None
    subgroups = chart in ("xbar", "s") or aggregate is not None
    return _present(frame, keys, period, chart, ruleset, unit, subgroups)


# --- checking the caller's input -------------------------------------------------------------


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
    if chart in CHARTS_NEEDING_DENOMINATOR and denominator is None:
        raise SPCInputError(
            f"the {CHART_TYPES[chart].split(':')[0]} needs a denominator column (population or "
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
    return rule_set(rules)


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
    if not frame.get_column(REPEAT).any():
        return
    repeated = frame.filter(REPEAT)
    if repeated.height:
        where = ", ".join(f"{k}={v}" for k, v in repeated.select(keys).row(0, named=True).items())
        raise SPCInputError(
            f"{repeated.height} repeated period(s), first at {where}; each series needs one row per"
            " period: remove the duplicates, add the column that tells them apart to `by`, or"
            " pass aggregate='mean' (or median, sum, sd) to combine them"
        )


def _refuse_non_positive_times(frame: pl.DataFrame, keys: list[str], period: str) -> None:
    bad = frame.filter(pl.col("_y") <= 0)
    if bad.height:
        where = ", ".join(
            f"{k}={v}" for k, v in bad.select(*keys, period).row(0, named=True).items()
        )
        raise SPCInputError(
            f"a T chart needs times between events above zero, but {where} has {bad['_y'][0]}; "
            "two events at the same time have no time between them: use a G chart of cases "
            "between events, or a C chart of counts"
        )


# --- turning the caller's arguments into per-row columns ----------------------------------------


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
    numbers = {VALUE: value} if denominator is None else {VALUE: value, DENOMINATOR: denominator}
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


def _target(
    data: pl.DataFrame, target: float | Mapping | pl.DataFrame | str | None, keys: list[str]
) -> pl.Expr:
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


# --- limits, rules and judgement ----------------------------------------------------------------

LIMITS = ["_cl", "_lcl1", "_ucl1", "_lcl2", "_ucl2", "_lcl3", "_ucl3"]


def _scale(frame: pl.DataFrame, multiplier: float, negative_limits: bool) -> pl.DataFrame:
    if multiplier != 1:
        frame = frame.with_columns([(pl.col(c) * multiplier) for c in ["_y", *LIMITS]])
    if not negative_limits:
        no_negatives = (pl.col("_y").min().over("_series") >= 0).fill_null(True)
        frame = frame.with_columns(
            [
                pl.when(no_negatives & (pl.col(c) < 0)).then(0.0).otherwise(pl.col(c)).alias(c)
                for c in ("_lcl1", "_lcl2", "_lcl3")
            ]
        )
    return frame


def _apply_rules(frame: pl.DataFrame, ruleset: RuleSet) -> pl.DataFrame:
    """Add ``rule_<name>`` and ``_side_<name>`` for each rule of the set (runs come later).

    Excluded points take no part in sequence rules; under "skip" rule sets neither do missing
    values (runs step over them), under "break" ones (Making Data Count) they break runs.
    """
    frame = frame.with_columns(R.outside().alias("rule_outside"))
    sequence = [r for r in ruleset.rules if r not in ("outside", "runs")]
    if not sequence:
        return frame
    keep = pl.col("_include")
    if ruleset.missing == "skip":
        keep = keep & pl.col("_y").is_not_null()
    needed = ["_row", "_lo", "_hi", SEGMENT, "_y", "_cl", *LIMITS[1:], "_side", "_include"]
    dropped = (~frame["_include"]).sum()
    if ruleset.missing == "skip":
        dropped += frame["_y"].null_count()
    subset = dropped > 0
    if subset:
        judged = frame.select(needed).filter(keep).rename({"_row": "_frame_row"})
        judged = with_positions(with_bounds(judged, SEGMENT))
    else:  # the layout's positions stand; only the rows to the phase's end are new
        judged = frame.select(*needed, "_ppos").with_columns(
            (pl.col("_hi") - pl.col("_row")).alias("_rpos")
        )
    judged = R.with_steps(judged)
    for name in sequence:
        judged = _rule(judged, ruleset, name)
    if ruleset.xmr == "mdc":
        judged = _with_missing_flags(judged, ruleset, sequence)
    names = [c for c in judged.columns if c.startswith(("rule_", "_side_")) and c != "rule_outside"]
    if not subset:
        return frame.with_columns(judged.select(names))
    return frame.join(
        judged.select(pl.col("_frame_row").alias("_row"), *names), on="_row", how="left"
    ).with_columns([pl.col(n).fill_null(False) for n in names if n.startswith("rule_")])


def _rule(frame: pl.DataFrame, ruleset: RuleSet, name: str) -> pl.DataFrame:
    if name == "trend":
        return R.trend(frame, ruleset.trend_points)
    if name == "shift":
        return R.shift(frame, ruleset.shift_points)
    if name == "two_of_three":
        if ruleset.xmr == "mdc":
            return R.two_of_three(frame, count_outside=ruleset.name == "mdc2023")
        return R.k_of_m_beyond(frame, 2, 3, 2, "two_of_three")
    if name == "four_of_five":
        return R.k_of_m_beyond(frame, 4, 5, 1, "four_of_five")
    if name == "alternating":
        return R.alternating(frame, 14)
    if name == "stratification":
        return R.stratification(frame, 15)
    if name == "mixture":
        return R.mixture(frame, 8)
    raise ValueError(f"rule {name!r} has no implementation")  # rule sets are checked by tests


def _with_missing_flags(frame: pl.DataFrame, ruleset: RuleSet, sequence: list[str]) -> pl.DataFrame:
    """Redo shift and two-of-three with NHSRplotthedots' missing flags where they can differ:
    on phases with a missing value or missing limits. The points flagged are the same; some
    unflagged ones become unknown (null), as the R package reports them.
    """
    if not any(frame[c].null_count() for c in ("_side", "_ucl2", "_ucl3", "_lcl2", "_lcl3")):
        return frame
    unknown = pl.col("_side").is_null() | pl.col("_ucl2").is_null() | pl.col("_ucl3").is_null()
    frame = frame.with_columns(unknown.any().over(SEGMENT).alias("_has_missing"))
    frame = frame.with_columns(pl.int_range(pl.len()).alias("_judged_row"))
    affected = frame.filter("_has_missing").drop("_row", "_lo", "_hi", "_ppos", "_rpos")
    affected = with_positions(with_bounds(affected, SEGMENT))
    redo = []
    if "shift" in sequence:
        affected = R.shift_unknown_where_missing(affected, ruleset.shift_points)
        redo.append("rule_shift")
    if "two_of_three" in sequence:
        affected = R.two_of_three_unknown_where_missing(affected, ruleset.name == "mdc2023")
        redo.append("rule_two_of_three")
    redone = affected.select("_judged_row", *[pl.col(r).alias(f"_redo_{r}") for r in redo])
    frame = frame.join(redone, on="_judged_row", how="left", maintain_order="left")
    return frame.with_columns(
        [
            pl.when(pl.col("_has_missing")).then(pl.col(f"_redo_{r}")).otherwise(pl.col(r)).alias(r)
            for r in redo
        ]
    )


def _runs_rule(ruleset: RuleSet) -> pl.Expr:
    """A runs signal marks every useful point of the phase (the side is the point's own).

    Anhoej: a long run or too few crossings. IHI: too few or too many runs, that is crossings
    outside the 2.5% and 97.5% quantiles of Binomial(n - 1, 0.5).
    """
    useful = pl.col("_include") & pl.col("_side").is_not_null() & (pl.col("_side") != 0)
    signal = pl.col("ihi_runs_signal") if ruleset.name == "ihi" else pl.col("runs_signal")
    return (signal & useful).fill_null(False)


def _labels(ruleset: RuleSet) -> list[str]:
    """Plain labels, two per rule (low side, then high side), in the rule set's order."""
    out = []
    for name in ruleset.rules:
        for word in ("Below", "Above"):
            rising = "Increasing" if word == "Above" else "Decreasing"
            out.append(
                {
                    "outside": "Above UCL" if word == "Above" else "Below LCL",
                    "trend": f"{ruleset.trend_points} Point Trend ({rising})",
                    "shift": f"{ruleset.shift_points} Points {word} CL",
                    "two_of_three": f"2 in 3 {word} CL",
                    "four_of_five": f"4 in 5 {word} 1 Sigma",
                    "runs": f"Runs Signal {word} CL",
                    "alternating": "14 Points Alternating",
                    "stratification": "15 Points Within 1 Sigma",
                    "mixture": "8 Points Beyond 1 Sigma",
                }[name]
            )
    return out


def _judge(frame: pl.DataFrame, ruleset: RuleSet) -> pl.DataFrame:
    """The winning rule by precedence, its side and label, the point type and direction.

    Each point gets one small code (winning rule, high or low, improvement direction); the
    enum columns are then gathered together from a table of every code, a few dozen rows.
    """
    names = list(ruleset.rules)
    # An excluded point keeps its flags (it may well lie outside the limits, as qicharts2
    # reports) but is not judged: it wins no signal and stays common cause.
    every_point_judged = frame.get_column("_include").all()

    def hit(name: str) -> pl.Expr:
        flag = pl.col(f"rule_{name}")
        if frame.get_column(f"rule_{name}").null_count():
            flag = flag.fill_null(False)
        return flag if every_point_judged else flag & pl.col("_include")

    winner = pl.when(hit(names[0])).then(pl.lit(1, pl.UInt8))
    for slot, name in enumerate(names[1:], start=2):
        winner = winner.when(hit(name)).then(pl.lit(slot, pl.UInt8))
    frame = frame.with_columns(winner.otherwise(pl.lit(0, pl.UInt8)).alias("_winner"))
    # A rule with a side of its own (a trend's direction) says high or low; for the others
    # it is the point's side of the centre line.
    high = pl.col("_side") == 1
    own = [(slot, n) for slot, n in enumerate(names, start=1) if f"_side_{n}" in frame.columns]
    if own:
        chosen = pl.when(pl.col("_winner") == own[0][0]).then(pl.col(f"_side_{own[0][1]}") > 0)
        for slot, name in own[1:]:
            chosen = chosen.when(pl.col("_winner") == slot).then(pl.col(f"_side_{name}") > 0)
        high = chosen.otherwise(high)
    # At most 9 rules: codes stay below 60, so byte arithmetic is enough.
    code = (
        pl.col("_winner") * 6
        + high.fill_null(False).cast(pl.UInt8) * 3
        + pl.col("_direction").mod(3).cast(pl.UInt8)
    )
    index = frame.select(code.cast(pl.get_index_type())).to_series()
    return frame.hstack(judgement_table(names, _labels(ruleset))[index])


# --- the caller's view --------------------------------------------------------------------------


def _present(
    frame: pl.DataFrame,
    keys: list[str],
    period: str,
    chart: str,
    ruleset: RuleSet,
    unit: str | None,
    subgroups: bool,
) -> pl.DataFrame:
    phase_size = pl.len().over(SEGMENT)
    # Subgroup statistics only where a period can hold several rows; elsewhere they would
    # restate the value (mean), 1 (size) and nothing (sd) on every point.
    subgroup = [
        pl.col("_ylen").alias("subgroup_size"),
        pl.col("_ymean").alias("subgroup_mean"),
        pl.col("_ysd").alias("subgroup_sd"),
    ]
    frame = frame.with_columns(gap_before(frame, period, unit).alias("gap_before"))
    rule_columns = [f"rule_{name}" for name in ruleset.rules]
    return frame.select(
        *keys,
        period,
        pl.col("_y").alias("value"),
        pl.col("_ysum").alias("numerator"),
        pl.col("_n").alias("denominator"),
        *(subgroup if subgroups else []),
        (pl.col("_pos") + 1).alias("position"),
        pl.col("_phase").alias("phase"),
        pl.col("_base").alias("baseline"),
        pl.col("_excluded").alias("excluded"),
        "gap_before",
        (phase_size < SHORT_PHASE_POINTS).alias("short_phase"),
        pl.col("_cl").alias("centre"),
        pl.col("_lcl1").alias("lower_1sigma"),
        pl.col("_ucl1").alias("upper_1sigma"),
        pl.col("_lcl2").alias("lower_2sigma"),
        pl.col("_ucl2").alias("upper_2sigma"),
        pl.col("_lcl3").alias("lower_limit"),
        pl.col("_ucl3").alias("upper_limit"),
        pl.col("_side").alias("relative_to_centre"),
        *rule_columns,
        "signal",
        "signal_side",
        "signal_label",
        "point_type",
        "direction",
        pl.col("_target").alias("target"),
        *RUNS_COLUMNS,
        pl.lit(chart, dtype=pl.Enum(list(CHART_TYPES))).alias("chart"),
        pl.lit(ruleset.name, dtype=pl.Enum(list(RULE_SETS))).alias("rules"),
    )


def summarise(points: pl.DataFrame, by: Sequence[str] | str = ()) -> pl.DataFrame:
    """One row per series: the icons, the latest limits, runs statistics and signal counts.

    ``by`` must be the same series keys as given to ``spc()``; the period is the column
    ``spc()`` puts just before ``value``. One group-by over the series in order (``spc()``'s
    own order needs no sorting) gives the counts and the latest point's values together.
    """
    keys = [by] if isinstance(by, str) else list(by)
    period = points.columns[points.columns.index("value") - 1]
    ordered = in_series_order(points, keys, "position")
    neutral = ["special_cause_neutral_high", "special_cause_neutral_low"]
    latest = {
        "latest_value": "value",
        "latest_centre": "centre",
        "latest_lower_limit": "lower_limit",
        "latest_upper_limit": "upper_limit",
        "target": "target",
        "direction": "direction",
        "point_type": "point_type",
        "_signal_side": "signal_side",
        "signal_label": "signal_label",
        **{c: c for c in RUNS_COLUMNS},
        "chart": "chart",
        "rules": "rules",
    }
    series = ordered.group_by(SERIES, maintain_order=True).agg(
        *[pl.col(k).first() for k in keys],
        pl.len().alias("points"),
        pl.col("phase").max().alias("phases"),
        pl.col("signal").is_not_null().sum().alias("signals"),
        (pl.col("point_type") == "special_cause_improvement").sum().alias("improvement"),
        (pl.col("point_type") == "special_cause_concern").sum().alias("concern"),
        pl.col("point_type").is_in(neutral).sum().alias("neutral"),
        pl.col("gap_before").sum().alias("gaps"),
        pl.col(period).min().alias("first_period"),
        pl.col(period).max().alias("last_period"),
        *[pl.col(column).last().alias(name) for name, column in latest.items()],
    )
    direction = pl.col("direction").cast(pl.String).replace_strict(DIRECTIONS, return_dtype=pl.Int8)
    icons = [
        variation_icon(pl.col("point_type"), pl.col("_signal_side")).alias("variation_icon"),
        assurance_icon(
            pl.col("target"), pl.col("latest_lower_limit"), pl.col("latest_upper_limit"), direction
        ).alias("assurance_icon"),
    ]
    return series.with_columns(icons).select(
        *keys,
        "points",
        "phases",
        "signals",
        "improvement",
        "concern",
        "neutral",
        "gaps",
        "first_period",
        "last_period",
        *[name for name in list(latest)[:7]],
        "variation_icon",
        "assurance_icon",
        pl.col("signal_label").cast(pl.String),
        *RUNS_COLUMNS,
        "chart",
        "rules",
    )
