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


def judgement_table(rules: list[str], labels: list[str]) -> pl.DataFrame:
    """What each judgement code means: ``signal``, ``signal_side``, ``signal_label``,
    ``point_type`` and ``direction``.

    A code is (winning rule: 0 for none, else 1 + its place in ``rules``) x 6 + (high: 1,
    low: 0) x 3 + direction (neutral 0, increase 1, decrease 2). ``labels`` holds two labels
    per rule, low then high.
    """
    directions = ["neutral", "increase", "decrease"]
    rows: list[tuple[str | None, int | None, str | None, str, str]] = []
    for slot in range(len(rules) + 1):
        for high in (0, 1):
            for d, direction in enumerate(directions):
                if slot == 0:
                    rows.append((None, None, None, "common_cause", direction))
                    continue
                if d == 0:
                    kind = "special_cause_neutral_high" if high else "special_cause_neutral_low"
                elif bool(high) == (direction == "increase"):
                    kind = "special_cause_improvement"
                else:
                    kind = "special_cause_concern"
                label = labels[2 * (slot - 1) + high]
                rows.append((rules[slot - 1], 1 if high else -1, label, kind, direction))
    return pl.DataFrame(
        rows,
        schema={
            "signal": pl.Enum(rules),
            "signal_side": pl.Int8,
            "signal_label": pl.Enum(list(dict.fromkeys(labels))),
            "point_type": POINT_TYPE,
            "direction": pl.Enum(list(DIRECTIONS)),
        },
        orient="row",
    )


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
