"""FunnelPlotR cases: a ``funnel_plot()`` call as one ``qi.charts.funnel`` call (method
"spiegelhalter"), and its three tables from qi's points, comparisons and curves.

| FunnelPlotR | qi |
|---|---|
| data_type PR, SR, RC | statistic proportion, ratio, ratio_of_counts |
| sr_method SHMI, CQC | ratio_method shmi, cqc |
| draw_adjusted, draw_unadjusted (deprecated: OD_adjust, Poisson_limits) | adjusted, unadjusted |
| limit, trim_by, multiplier, SHMI_rounding | limit, trim_by, multiplier, round_expected |
| x_range (its upper end bounds the limits curve) | curve_max |
"""

from pathlib import Path
from typing import Any

import polars as pl

from qi.charts import Funnel, funnel
from qi.charts.funnel_limits import LIMITS
from qi.conformance.case import Outcome
from qi.conformance.funnel_case import (
    FunnelCase,
    as_int_flag,
    compare_table,
    first_failure,
    in_order_of,
    read_funnel_case,
)

FORMALS = (
    ".data",
    "numerator",
    "denominator",
    "group",
    "data_type",
    "limit",
    "label",
    "highlight",
    "draw_unadjusted",
    "draw_adjusted",
    "sr_method",
    "trim_by",
    "title",
    "multiplier",
    "x_label",
    "y_label",
    "x_range",
    "y_range",
    "plot_cols",
    "theme",
    "label_outliers",
    "Poisson_limits",
    "OD_adjust",
    "xrange",
    "yrange",
    "SHMI_rounding",
    "max.overlaps",
)
STATISTICS = {"PR": "proportion", "SR": "ratio", "RC": "ratio_of_counts"}

# FunnelPlotR's column: qi's (per unit, then the limits lookup).
POINTS = {
    "group": "unit",
    "numerator": "numerator",
    "denominator": "denominator",
    "rr": "ratio",
    "target_transformed": "target_transformed",
    "Y": "transformed",
    "Uzscore": "z_score",
    "rk": "rank",
    "sp": "truncation_group",
    "Wuzscore": "adjusted_z_score",
    "s": "limits_standard_error",
    "OD95LCL": "od_lower_95",
    "OD95UCL": "od_upper_95",
    "OD99LCL": "od_lower_998",
    "OD99UCL": "od_upper_998",
    "LCL95": "lower_95",
    "UCL95": "upper_95",
    "LCL99": "lower_998",
    "UCL99": "upper_998",
}
FLAGS = {"winsorised": "winsorised", "truncated": "truncated", "outlier": "outlier"}
CURVE = {
    "number_seq": "denominator",
    "s": "standard_error",
    "odll95": "od_lower_95",
    "odul95": "od_upper_95",
    "odll998": "od_lower_998",
    "odul998": "od_upper_998",
    "ll95": "lower_95",
    "ul95": "upper_95",
    "ll998": "lower_998",
    "ul998": "upper_998",
}


def run(folder: Path, call: dict[str, Any]) -> Outcome:
    case = read_funnel_case(folder, call, FORMALS)
    args = case.arguments
    numerator = case.column("numerator")
    denominator = case.column("denominator")
    group = case.column("group")
    if numerator is None or denominator is None or group is None:
        return Outcome(case.name, False, "the call names no numerator, denominator or group")
    adjusted = _flag(args, "draw_adjusted", "OD_adjust", True)
    unadjusted = _flag(args, "draw_unadjusted", "Poisson_limits", False)
    x_range = args.get("x_range", args.get("xrange", "auto"))
    curve_max = None
    if isinstance(x_range, list) and len(x_range) == 2:
        curve_max = float(x_range[1])
    result = funnel(
        case.data,
        numerator=numerator,
        denominator=denominator,
        unit=group,
        statistic=STATISTICS[str(args.get("data_type", "SR"))],
        method="spiegelhalter",
        ratio_method=str(args.get("sr_method", "SHMI")).lower(),
        trim_by=float(args.get("trim_by", 0.1)),
        limit=int(args.get("limit", 99)),
        adjusted=adjusted,
        unadjusted=unadjusted,
        round_expected=bool(args.get("SHMI_rounding", True)),
        multiplier=float(args.get("multiplier", 1)),
        curve_max=curve_max,
    )
    outcomes = [_points(case, result.points, group)]
    summary = case.table("summary.csv")
    if summary is not None:
        outcomes.append(_summary(case, summary, result.comparisons))
    limits = case.table("limits.csv")
    if limits is not None:
        outcomes.append(compare_table(case.name, "limits.csv", limits, _lookup(result)))
    return first_failure(outcomes) or Outcome(case.name, True)


def _lookup(result: Funnel) -> pl.DataFrame:
    """FunnelPlotR's ``limits_lookup``: the curve and the units' denominators, sorted."""
    at_units = result.points.select(
        "denominator", pl.col("limits_standard_error").alias("standard_error"), *LIMITS
    )
    table = pl.concat([result.curves.select("denominator", "standard_error", *LIMITS), at_units])
    table = table.unique("denominator", keep="first", maintain_order=True).sort("denominator")
    return table.select(pl.col(q).alias(r) for r, q in CURVE.items())


def _flag(args: dict[str, Any], name: str, deprecated: str, default: bool) -> bool:
    value = args.get(name, args.get(deprecated, default))
    return bool(value)


def _points(case: FunnelCase, points: pl.DataFrame, group: str) -> Outcome:
    expected = case.table("expected.csv")
    if expected is None:
        return Outcome(case.name, False, "no expected.csv")
    mapped = [pl.col(q).alias(r) for r, q in POINTS.items() if r != "group"]
    mapped += [as_int_flag(q).alias(r) for r, q in FLAGS.items()]
    actual = points.select(pl.col(group).alias("group"), *mapped)
    actual = in_order_of(actual, expected, "group")
    return compare_table(case.name, "expected.csv", expected, actual)


def _summary(case: FunnelCase, summary: pl.DataFrame, comparisons: pl.DataFrame) -> Outcome:
    actual = comparisons.select(
        pl.col("phi"),
        pl.col("tau2"),
        pl.col("adjusted").alias("draw_adjusted"),
        pl.col("unadjusted").alias("draw_unadjusted"),
        pl.col("units").cast(pl.Int64).alias("n_units"),
        pl.col("outliers").cast(pl.Int64).alias("n_outliers"),
        pl.col("target").alias("target_DERIVED"),
    )
    return compare_table(case.name, "summary.csv", summary, actual)
