"""NHSRplotthedots cases: a ``ptd_spc()`` call as one ``spc()`` call, and its output columns
(the conformance README's table) from qi's points.

Making Data Count rules (``mdc``), the XmR chart, improvement "increase" and outlier screening
on unless the call says otherwise, as the package's defaults are.
"""

from typing import Any

import polars as pl

from qi.charts import SPCInputError, spc
from qi.charts.constants import MDC_LIMIT
from qi.conformance.case import Case, Outcome, as_list
from qi.conformance.compare import compare

FACET = "_facet"


def run(case: Case) -> Outcome:
    args = case.arguments
    value = case.column("value_field", "_value_field")
    period = case.column("date_field", "_date_field")
    if value is None or period is None:
        return Outcome(case.name, False, "the call names no value_field or date_field column")
    facet = case.column("facet_field", FACET)
    trajectory = case.column("trajectory", "_trajectory")
    by = [facet] if facet else []
    phases = _rebase(args.get("rebase"), facet, period)
    direction = args.get("improvement_direction", "increase")
    target = args.get("target")
    target = _number(target) if not isinstance(target, dict) else target
    options: dict[str, Any] = dict(
        value=value,
        period=period,
        by=by,
        chart="i",
        rules="mdc",
        direction=direction,
        target=target,
        phases=phases,
        baseline=_number(args.get("fix_after_n_points")),
        screen=bool(args.get("screen_outliers", True)),
    )
    data = case.data
    if data.schema[period] == pl.Datetime:
        data = data.with_columns(pl.col(period).cast(pl.Date))
    if options["baseline"] is not None:
        options["baseline"] = int(options["baseline"])
    if case.call.get("expected_error"):
        return _error_case(case.name, data, options)
    try:
        charted = spc(data, **options)
    except SPCInputError as error:
        return Outcome(case.name, False, f"qi refused the call: {error}")
    summary = charted.summary().with_columns(_assurance(direction))
    points = charted.points
    points = (
        points.join(summary.select(*by, "variation_icon", "assurance_icon"), on=by, how="left")
        if by
        else points.with_columns(
            pl.lit(summary["variation_icon"][0]).alias("variation_icon"),
            pl.lit(summary["assurance_icon"][0], pl.String).alias("assurance_icon"),
        )
    )
    if trajectory:
        keys = [*by, period]
        points = points.join(
            data.select(*keys, pl.col(trajectory).alias("trajectory")).unique(keys, keep="first"),
            on=keys,
            how="left",
        )
    else:
        points = points.with_columns(pl.lit(None, pl.Float64).alias("trajectory"))
    actual = _view(points, period, facet, phases)
    expected = case.expected({"x": pl.Date, "f": pl.String})
    expected = expected.sort("f", "x", maintain_order=True)
    actual = actual.sort("f", "x", maintain_order=True)
    return compare(case.name, expected, actual)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, dict | list) or value in ("NA", "NaN"):
        return None
    number = float(value)
    return None if number != number else number


def _rebase(rebase: Any, facet: str | None, period: str) -> Any:
    """``ptd_rebase()`` evaluated: dates for every facet, or a named list of dates per facet."""
    if isinstance(rebase, list | str):
        return pl.Series(as_list(rebase)).str.to_date().to_list()
    if isinstance(rebase, dict) and facet:
        rows = [(f, d) for f, dates in rebase.items() for d in as_list(dates)]
        return pl.DataFrame(
            {facet: [r[0] for r in rows], period: [r[1] for r in rows]}
        ).with_columns(pl.col(period).str.to_date())
    return None


def _assurance(direction: str) -> pl.Expr:
    """NHSRplotthedots' assurance: where some facet has a target and improvement has a
    direction, a facet without a target is "inconsistent", not missing (the README's rule)."""
    some_target = pl.col("target").is_not_null().any()
    fill = some_target & pl.lit(direction != "neutral")
    return (
        pl.when(pl.col("assurance_icon").is_null() & fill)
        .then(pl.lit("inconsistent"))
        .otherwise(pl.col("assurance_icon"))
        .alias("assurance_icon")
    )


def _view(points: pl.DataFrame, period: str, facet: str | None, phases: Any) -> pl.DataFrame:
    y, mean = pl.col("value"), pl.col("centre")
    outside = pl.col("rule_outside")
    close = ~outside & ((y < pl.col("lower_2sigma")) | (y > pl.col("upper_2sigma")))
    # ptd counts a rebase on a series' first date as a segment too (rebase_group starts at 1).
    first_is_rebase = pl.lit(0)
    if isinstance(phases, list):
        first = pl.col(period).min().over(facet) if facet else pl.col(period).min()
        first_is_rebase = first.is_in(pl.Series(phases).implode()).cast(pl.Int64)
    elif isinstance(phases, pl.DataFrame) and facet:
        firsts = phases.join(
            points.group_by(facet).agg(pl.col(period).min()), on=[facet, period], how="semi"
        ).get_column(facet)
        first_is_rebase = pl.col(facet).is_in(firsts.implode()).cast(pl.Int64)
    return points.select(
        pl.col(period).alias("x"),
        (pl.col(facet).cast(pl.String) if facet else pl.lit("no facet")).alias("f"),
        y.alias("y"),
        pl.col("trajectory"),
        pl.col("target"),
        (pl.col("phase") - 1 + first_is_rebase).alias("rebase_group"),
        pl.col("short_phase").alias("short_group_warning"),
        pl.when(pl.col("baseline")).then(y).alias("fix_y"),
        mean.alias("mean_col"),
        pl.col("lower_limit").alias("lpl"),
        pl.col("upper_limit").alias("upl"),
        ((pl.col("upper_limit") - mean) / MDC_LIMIT).alias("amr"),
        pl.col("lower_1sigma"),
        pl.col("upper_1sigma"),
        pl.col("lower_2sigma"),
        pl.col("upper_2sigma"),
        outside.alias("outside_limits"),
        pl.col("relative_to_centre").alias("relative_to_mean"),
        close.alias("close_to_limits"),
        pl.col("rule_trend").alias("rule_trend7"),
        pl.col("rule_two_of_three").alias("rule_two_in_three"),
        pl.col("rule_shift").alias("rule_shift7"),
        pl.col("signal_label")
        .cast(pl.String)
        .fill_null("Common Cause")
        .alias("special_cause_type"),
        pl.col("signal").is_not_null().alias("special_cause_flag"),
        pl.col("point_type"),
        pl.col("variation_icon"),
        pl.col("assurance_icon").alias("assurance_type"),
    )


def _error_case(name: str, data: pl.DataFrame, options: dict[str, Any]) -> Outcome:
    points = spc(data, **options).points
    flagged_missing = points.filter(pl.col("value").is_null() & pl.col("rule_trend"))
    if flagged_missing.height:
        return Outcome(name, False, "a missing value was flagged as part of a trend")
    return Outcome(name, True, "R stops; qi treats the missing value as a gap (documented)")
