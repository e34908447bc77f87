"""Summaries of charted points: one row per series (icons, latest limits, counts of signals)
and one row per phase (its span, points, centre and limits).

Both read only ``spc()``'s points, with the keys and period the result names, so nothing is
passed twice and nothing is recomputed another way.
"""

from collections.abc import Sequence

import polars as pl

from qi.charts.columns import SERIES
from qi.charts.icons import DIRECTIONS, assurance_icon, variation_icon
from qi.charts.runs import RUNS_COLUMNS
from qi.charts.subgroups import in_series_order

SERIES_COLUMNS: dict[str, str] = {
    "points": "points charted",
    "phases": "phases (1 without a recalculation)",
    "signals": "points with a special-cause signal",
    "improvement": "points of special cause improvement",
    "concern": "points of special cause concern",
    "neutral": "points of special cause variation with no improvement direction",
    "gaps": "points after one or more missing periods",
    "first_period": "the first period",
    "last_period": "the last period",
    "latest_value": "the last point's value",
    "latest_centre": "the last point's centre line",
    "latest_lower_limit": "the last point's lower process limit",
    "latest_upper_limit": "the last point's upper process limit",
    "target": "the last point's target",
    "direction": "which way is improvement",
    "point_type": "the last point's type",
    "variation_icon": "Making Data Count variation icon, from the last point",
    "assurance_icon": "Making Data Count assurance icon: the target against the last limits",
    "signal_label": "the last point's winning rule",
    **{c: "runs analysis of the last phase" for c in RUNS_COLUMNS},
    "chart": "the chart type's code",
    "rules": "the rule set's name",
}

PHASE_COLUMNS: dict[str, str] = {
    "phase": "1, 2, ... within the series",
    "first_period": "the phase's first period",
    "last_period": "the phase's last period",
    "points": "points with a value",
    "excluded": "points left out of limits and runs",
    "baseline_points": "points the limits come from",
    "centre": "the centre line (the same on every point of a phase)",
    "lower_limit": "the lower process limit, where it is the same on every point",
    "upper_limit": "the upper process limit, where it is the same on every point",
    "limits_vary": "the limits differ within the phase (with the denominator or subgroup size,"
    " or missing on some points)",
    "signals": "points with a special-cause signal",
}


def series_summary(points: pl.DataFrame, keys: Sequence[str], period: str) -> pl.DataFrame:
    """One row per series: ``keys`` then ``SERIES_COLUMNS``.

    One group-by over the series in order (``spc()``'s own order needs no sorting) gives the
    counts and the latest point's values together.
    """
    keys = list(keys)
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


def phase_summary(points: pl.DataFrame, keys: Sequence[str], period: str) -> pl.DataFrame:
    """One row per series and phase: ``keys`` then ``PHASE_COLUMNS``, in series order."""
    keys = list(keys)
    lower, upper = pl.col("lower_limit"), pl.col("upper_limit")
    vary = (lower.n_unique() > 1) | (upper.n_unique() > 1)
    phases = (
        in_series_order(points, keys, "position")
        .group_by(SERIES, "phase", maintain_order=True)
        .agg(
            *[pl.col(k).first() for k in keys],
            pl.col(period).min().alias("first_period"),
            pl.col(period).max().alias("last_period"),
            pl.col("value").is_not_null().sum().alias("points"),
            pl.col("excluded").sum().alias("excluded"),
            pl.col("baseline").sum().alias("baseline_points"),
            pl.col("centre").first().alias("centre"),
            lower.first().alias("lower_limit"),
            upper.first().alias("upper_limit"),
            vary.alias("limits_vary"),
            pl.col("signal").is_not_null().sum().alias("signals"),
        )
    )
    steady = ~pl.col("limits_vary")
    return phases.with_columns(
        pl.when(steady).then("lower_limit").alias("lower_limit"),
        pl.when(steady).then("upper_limit").alias("upper_limit"),
    ).select(*keys, *PHASE_COLUMNS)
