"""The points ``spc()`` returns: one row per series and period, its columns named here.

``POINT_COLUMNS`` lists every output column after the caller's keys and period, in order, with
its meaning; subgroup statistics appear only where a period can hold several rows, and
``rule_<name>`` once per rule of the rule set, after ``relative_to_centre``.
"""

import polars as pl

from qi.charts import columns as C
from qi.charts.arguments import Options
from qi.charts.charttypes import CHART_TYPES
from qi.charts.constants import SHORT_PHASE_POINTS
from qi.charts.phases import gap_before
from qi.charts.rulesets import RULE_SETS
from qi.charts.runs import RUNS_COLUMNS

POINT_COLUMNS: dict[str, str] = {
    "value": "the plotted statistic (times the multiplier)",
    "numerator": "the subgroup's sum (the events of a proportion or rate)",
    "denominator": "the subgroup's summed denominator",
    "subgroup_size": "rows in the period (Xbar, S or aggregated charts only)",
    "subgroup_mean": "their mean (Xbar, S or aggregated charts only)",
    "subgroup_sd": "their standard deviation (Xbar, S or aggregated charts only)",
    "position": "1, 2, ... along the series",
    "phase": "1, 2, ...: limits are recalculated at each phase",
    "baseline": "the point is in its phase's baseline (its limits come from it)",
    "excluded": "shown, but left out of limits and runs",
    "gap_before": "one or more periods are missing before this one",
    "short_phase": "the phase has fewer points than limits need to be reliable",
    "centre": "the centre line",
    "lower_1sigma": "the centre minus one sigma",
    "upper_1sigma": "the centre plus one sigma",
    "lower_2sigma": "the centre minus two sigma",
    "upper_2sigma": "the centre plus two sigma",
    "lower_limit": "the lower process limit (three sigma)",
    "upper_limit": "the upper process limit (three sigma)",
    "relative_to_centre": "+1 above the centre, -1 below, 0 on it",
    "signal": "the rule that won the point, by precedence (missing: common cause)",
    "signal_side": "+1 high, -1 low",
    "signal_label": "the winning rule's short label, as the reference tools print it",
    "point_type": "common cause, or special cause improvement, concern or neutral high/low",
    "direction": "which way is improvement: increase, decrease or neutral",
    "target": "the target, where there is one",
    **{c: "runs analysis of the point's phase (runs.py)" for c in RUNS_COLUMNS},
    "chart": "the chart type's code",
    "rules": "the rule set's name",
}
SUBGROUP_COLUMNS = ("subgroup_size", "subgroup_mean", "subgroup_sd")


def points(frame: pl.DataFrame, options: Options, unit: str | None) -> pl.DataFrame:
    """The caller's view of the judged frame: keys, period and ``POINT_COLUMNS``."""
    keys, period, ruleset = list(options.keys), options.period, options.rules
    phase_size = pl.len().over(C.SEGMENT)
    # Subgroup statistics only where a period can hold several rows; elsewhere they would
    # restate the value (mean), 1 (size) and nothing (sd) on every point.
    subgroup = [
        pl.col(C.YLEN).alias("subgroup_size"),
        pl.col(C.YMEAN).alias("subgroup_mean"),
        pl.col(C.YSD).alias("subgroup_sd"),
    ]
    frame = frame.with_columns(gap_before(frame, period, unit).alias("gap_before"))
    rule_columns = [f"rule_{name}" for name in ruleset.rules]
    return frame.select(
        *keys,
        period,
        pl.col(C.Y).alias("value"),
        pl.col(C.YSUM).alias("numerator"),
        pl.col(C.N).alias("denominator"),
        *(subgroup if options.subgroups else []),
        (pl.col(C.POSITION) + 1).alias("position"),
        pl.col(C.PHASE).alias("phase"),
        pl.col(C.BASE).alias("baseline"),
        pl.col(C.EXCLUDED).alias("excluded"),
        "gap_before",
        (phase_size < SHORT_PHASE_POINTS).alias("short_phase"),
        pl.col(C.CL).alias("centre"),
        pl.col(C.LCL1).alias("lower_1sigma"),
        pl.col(C.UCL1).alias("upper_1sigma"),
        pl.col(C.LCL2).alias("lower_2sigma"),
        pl.col(C.UCL2).alias("upper_2sigma"),
        pl.col(C.LCL3).alias("lower_limit"),
        pl.col(C.UCL3).alias("upper_limit"),
        pl.col(C.SIDE).alias("relative_to_centre"),
        *rule_columns,
        "signal",
        "signal_side",
        "signal_label",
        "point_type",
        "direction",
        pl.col(C.TARGET).alias("target"),
        *RUNS_COLUMNS,
        pl.lit(options.chart.code, dtype=pl.Enum(list(CHART_TYPES))).alias("chart"),
        pl.lit(ruleset.name, dtype=pl.Enum(list(RULE_SETS))).alias("rules"),
    )
