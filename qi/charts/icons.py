"""Point types and the Making Data Count variation and assurance icons.

A point's type comes from the side of its winning signal and the improvement direction:
high with higher-is-better is improvement, and so on; with a neutral direction, neutral
high or low. The variation icon of a series is its last point's type with its side
(improvement_high, concern_low, ..., common_cause). The assurance icon compares the target
with the last point's process limits: a target beyond the upper limit of a higher-is-better
measure will consistently fail, one below the lower limit will consistently pass, anything
between (or missing limits) is hit and miss; there is none without a target or a direction.
"""

import polars as pl

DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}
POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
VARIATION_ICONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCE_ICONS = ("consistent_pass", "consistent_fail", "inconsistent")
POINT_TYPE = pl.Enum(POINT_TYPES)


def point_type(signal: pl.Expr, side: pl.Expr, direction: pl.Expr) -> pl.Expr:
    """The point type of a point whose winning signal (null for none) points to ``side``.

    Arithmetic on small codes, then one gather into the enum: no string per point.
    """
    neutral = 3 + (side < 0).cast(pl.Int32)
    judged = 1 + ((side * direction) < 0).cast(pl.Int32)
    code = pl.when(direction == 0).then(neutral).otherwise(judged)
    code = pl.when(signal.is_null()).then(0).otherwise(code)
    return pl.lit(pl.Series(POINT_TYPES, dtype=POINT_TYPE)).gather(code)


def variation_icon(point_type: pl.Expr, side: pl.Expr) -> pl.Expr:
    """The icon for a point type, with high/low from the side of its signal."""
    point_type = point_type.cast(pl.String)
    level = pl.when(side > 0).then(pl.lit("_high")).otherwise(pl.lit("_low"))
    return (
        pl.when(point_type == "common_cause")
        .then(pl.lit("common_cause"))
        .when(point_type == "special_cause_improvement")
        .then(pl.lit("improvement") + level)
        .when(point_type == "special_cause_concern")
        .then(pl.lit("concern") + level)
        .when(point_type == "special_cause_neutral_high")
        .then(pl.lit("neutral_high"))
        .otherwise(pl.lit("neutral_low"))
    )


def assurance_icon(target: pl.Expr, lower: pl.Expr, upper: pl.Expr, direction: pl.Expr) -> pl.Expr:
    """Assurance from the target against the (last) process limits."""
    above = (target > upper).fill_null(False)
    below = (target < lower).fill_null(False)
    higher_is_better = direction > 0
    return (
        pl.when(target.is_null() | (direction == 0))
        .then(pl.lit(None, pl.String))
        .when(above)
        .then(
            pl.when(higher_is_better)
            .then(pl.lit("consistent_fail"))
            .otherwise(pl.lit("consistent_pass"))
        )
        .when(below)
        .then(
            pl.when(higher_is_better)
            .then(pl.lit("consistent_pass"))
            .otherwise(pl.lit("consistent_fail"))
        )
        .otherwise(pl.lit("inconsistent"))
    )
