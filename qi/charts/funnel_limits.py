"""Spiegelhalter's funnel limits as FunnelPlotR 0.6.0 draws them (R/build_limits_lookup.R,
R/calculate_limits.R, R/outliers_func.R), for every comparison at once.

The 95% and 99.8% limits at a denominator x, over-dispersion adjusted (with the comparison's
τ²) and unadjusted (τ² = 0), multiplied by the multiplier:

| statistic | limits (z = 1.959964, 3.090232) |
|---|---|
| proportion | sin²(asin√t ∓ z √(1/(4n) + τ²)), clipped to [0, 1], then made monotonic |
| ratio of counts | exp(log t ∓ z √(1/(4D) + τ²)) |
| ratio, unadjusted | exact Poisson: qchisq(0.975 or 0.999, 2E, upper) / 2E and qchisq(0.025 or 0.001, 2(E + 1), upper) / 2E |
| ratio, SHMI adjusted | exp(∓ z √(1/E + τ²)) |
| ratio, CQC adjusted | 1 ∓ z √(1/(4E) + τ²) (not clipped: it can go below 0) |

The curve of each comparison has 1,000 evenly spaced denominators from 1.1 (ratios) or 3 to the
largest denominator rounded up; each unit's limits are those at its own denominator.
FunnelPlotR's lookup table is the two together, sorted.

The arcsine limits of small denominators fold back (the angle passes 0 or π/2). FunnelPlotR
sets a lower limit above the next row's (in that sorted table) to 0 and an upper limit below
the next row's to 1 × multiplier, the last row excepted. Only rows below the fold can change,
so only they (the few units and curve points with denominators below where the 99.8% adjusted
limits fold, with a margin) are put in order with their next row and compared; the rest keep
their limits as computed.

A unit is an outlier when its value is strictly outside the limits at ``limit`` (95 or 99.8%):
the adjusted ones when they are drawn, else the unadjusted ones.
"""

import math

import numpy as np
import polars as pl

from qi.charts.funnel_arguments import COMPARISON, FunnelOptions, per_comparison
from qi.charts.funnel_constants import (
    CURVE_POINTS,
    CURVE_START,
    CURVE_START_RATIO,
    FPR_UPPER_TAIL_LOWER_95,
    FPR_UPPER_TAIL_LOWER_998,
    FPR_UPPER_TAIL_UPPER_95,
    FPR_UPPER_TAIL_UPPER_998,
    FPR_Z_95,
    FPR_Z_998,
)
from qi.charts.funnel_dispersion import is_shmi
from qi.charts.funnel_distributions import half_chisq_upper

ADJUSTED = ("od_lower_95", "od_upper_95", "od_lower_998", "od_upper_998")
UNADJUSTED = ("lower_95", "upper_95", "lower_998", "upper_998")
LIMITS = (*ADJUSTED, *UNADJUSTED)
CURVE_COLUMNS = ("denominator", "standard_error", *LIMITS)
POINT_COLUMNS = ("limits_standard_error", *LIMITS, "lower_limit", "upper_limit")

# (name, z, sign): the four limits of one set, in order.
_LIMITS = (
    ("lower_95", FPR_Z_95, -1),
    ("upper_95", FPR_Z_95, 1),
    ("lower_998", FPR_Z_998, -1),
    ("upper_998", FPR_Z_998, 1),
)
_EXACT_TAILS = {
    "lower_95": (FPR_UPPER_TAIL_LOWER_95, 0.0),
    "upper_95": (FPR_UPPER_TAIL_UPPER_95, 1.0),
    "lower_998": (FPR_UPPER_TAIL_LOWER_998, 0.0),
    "upper_998": (FPR_UPPER_TAIL_UPPER_998, 1.0),
}
# Working columns: the comparison's target and tau² on each row, and the row's place.
_CENTRE, _TAU2, _AT = "_centre", "_tau2", "_at"
# Rows below this multiple of the fold point are checked against their next row.
_FOLD_MARGIN = 1.01


def _standard_error(checked: FunnelOptions, x: pl.Expr) -> pl.Expr:
    return (1 / x).sqrt() if is_shmi(checked) else 1 / (2 * x.sqrt())


def _normal_limit(checked: FunnelOptions, sign: int, width: pl.Expr) -> pl.Expr:
    """One limit, back on the ratio scale (before the multiplier), from the comparison's centre
    on the transformed scale (``_centre``) and the half-width z √(s² + τ²)."""
    centre = pl.col(_CENTRE)
    if is_shmi(checked):
        return (-width).exp() if sign < 0 else width.exp()
    if checked.statistic == "ratio":  # CQC
        return 1 - width if sign < 0 else 1 + width
    shifted = centre - width if sign < 0 else centre + width
    if checked.statistic == "ratio_of_counts":
        return shifted.exp()
    return shifted.sin() ** 2  # proportion


def _exact_poisson(x: pl.Series, multiplier: float) -> list[pl.Series]:
    """The unadjusted limits of standardised ratios: exact Poisson through chi-squared
    quantiles (times the target, 1), computed once per distinct denominator."""
    distinct, where = np.unique(x.to_numpy(), return_inverse=True)
    limits = []
    for name, (p, shift) in _EXACT_TAILS.items():
        limit = multiplier * (half_chisq_upper(p, distinct + shift) / distinct)
        limits.append(pl.Series(name, limit[where]))
    return limits


def limits(frame: pl.DataFrame, x: str, checked: FunnelOptions) -> pl.DataFrame:
    """The eight limits at denominator ``x`` of every row (with ``_centre`` and ``_tau2``
    columns): adjusted with τ², unadjusted with none, before any unfolding.

    Step by step, each intermediate a column, as R evaluates FunnelPlotR's expressions: within
    one expression polars may fuse a multiply and an add, and the limits just past a fold
    (sin² of a tiny angle) would show that rounding."""
    m, at = checked.multiplier, pl.col(x)
    clip = checked.statistic == "proportion"
    exact = checked.statistic == "ratio"
    variance = (1 / at) if is_shmi(checked) else _standard_error(checked, at) ** 2
    frame = frame.with_columns(variance.alias("_variance"))
    sets = [("od_", pl.col(_TAU2))] if exact else [("od_", pl.col(_TAU2)), ("", pl.lit(0.0))]
    spreads = [(pl.col("_variance") + tau2).sqrt().alias(f"_{p}spread") for p, tau2 in sets]
    frame = frame.with_columns(spreads)
    widths = [
        (z * pl.col(f"_{prefix}spread")).alias(f"_{prefix}width_{level}")
        for prefix, _ in sets
        for level, z in (("95", FPR_Z_95), ("998", FPR_Z_998))
    ]
    frame = frame.with_columns(widths)
    computed = []
    for prefix, _ in sets:
        for name, _, sign in _LIMITS:
            width = pl.col(f"_{prefix}width_{name.split('_')[1]}")
            limit = m * _normal_limit(checked, sign, width)
            computed.append((limit.clip(0.0, m) if clip else limit).alias(prefix + name))
    working = ["_variance", *[f"_{p}spread" for p, _ in sets]]
    working += [f"_{p}width_{level}" for p, _ in sets for level in ("95", "998")]
    frame = frame.with_columns(computed).drop(working)
    if exact:
        frame = frame.with_columns(_exact_poisson(frame.get_column(x), m))
    return frame


def _curve_denominators(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Every comparison's 1,000 curve denominators as R's ``seq(start, stop, length.out =
    1000)`` computes them: start, start + i × ((stop - start) / 999) inside, stop last. (In
    numpy: polars may fuse the multiply and add, which R does not.)"""
    start = CURVE_START_RATIO if checked.statistic == "ratio" else CURVE_START
    if checked.curve_max is None:
        stop = pl.col("denominator").max().ceil()
    else:
        stop = pl.lit(checked.curve_max)
    stops = units.group_by(COMPARISON).agg(stop).sort(COMPARISON)["denominator"].to_numpy()
    by = (stops - start) / (CURVE_POINTS - 1)
    inside = np.arange(1, CURVE_POINTS - 1, dtype=np.float64)
    grid = np.empty((len(stops), CURVE_POINTS))
    grid[:, 0] = start
    grid[:, 1:-1] = start + inside[None, :] * by[:, None]
    grid[:, -1] = stops
    grid[stops == start, :] = start  # R: rep(from, length.out) when from == to
    comparisons = np.repeat(np.arange(len(stops), dtype=np.uint32), CURVE_POINTS)
    return pl.DataFrame({COMPARISON: comparisons, "denominator": grid.ravel()})


def _with_constants(frame: pl.DataFrame, comparisons: pl.DataFrame) -> pl.DataFrame:
    """Each row with its comparison's centre on the transformed scale (asin √t for
    proportions, log t for ratios of counts) and τ²."""
    return frame.with_columns(
        per_comparison(comparisons["target_transformed"]).alias(_CENTRE),
        per_comparison(comparisons["tau2"]).alias(_TAU2),
    )


def _fold_points(comparisons: pl.DataFrame) -> pl.Series:
    """Per comparison, the denominator below which some proportion limit folds: where
    z √(1/(4n) + τ²) reaches asin√t (lower) or π/2 - asin√t (upper), at z = 3.090232 with τ²
    (the widest limits); infinite when τ² alone is that wide."""
    angle = comparisons["target"].sqrt().arcsin().to_numpy()
    tau2 = comparisons["tau2"].to_numpy()
    reach = np.minimum(angle, math.pi / 2 - angle) / FPR_Z_998
    room = reach**2 - tau2
    with np.errstate(divide="ignore"):
        fold = np.where(room > 0, 1 / (4 * np.where(room > 0, room, 1.0)), np.inf)
    return pl.Series("fold", fold * _FOLD_MARGIN)


def _unfold(
    units: pl.DataFrame, curve: pl.DataFrame, comparisons: pl.DataFrame, checked: FunnelOptions
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """FunnelPlotR's monotonic fix of folded proportion limits, on the rows below the fold:
    put them (units and curve points) in order with the row after the last of them, compare
    each limit with the next row's, and write the fixed limits back."""
    m = checked.multiplier
    fold = per_comparison(_fold_points(comparisons))
    x = pl.col("denominator")
    below_units = units.select(COMPARISON, "denominator").with_row_index(_AT).filter(x < fold)
    below_curve = curve.select(COMPARISON, "denominator").with_row_index(_AT).filter(x < fold)
    if below_units.height == 0 and below_curve.height == 0:
        return units, curve
    # The first row at or above the fold (a unit or a curve point) is the last row's next.
    above = pl.concat(
        [
            frame.select(COMPARISON, "denominator")
            .filter(x >= fold)
            .group_by(COMPARISON)
            .agg(x.min())
            for frame in (units, curve)
        ]
    )
    table = (
        pl.concat([below_units.drop(_AT), below_curve.drop(_AT), above])
        .unique()
        .sort(COMPARISON, "denominator")
    )
    table = limits(_with_constants(table, comparisons), "denominator", checked)
    fixed = []
    for name in LIMITS:
        value, after = pl.col(name), pl.col(name).shift(-1).over(COMPARISON)
        if "lower" in name:
            fixed.append(pl.when(value > after).then(0.0).otherwise(value).alias(name))
        else:
            fixed.append(pl.when(value < after).then(m).otherwise(value).alias(name))
    table = table.with_columns(fixed).select(COMPARISON, "denominator", *LIMITS)
    return _write_back(units, below_units, table), _write_back(curve, below_curve, table)


def _write_back(frame: pl.DataFrame, rows: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the limits of ``rows`` (its row numbers ``_at``) from ``table``."""
    if rows.height == 0:
        return frame
    found = rows.join(table, on=[COMPARISON, "denominator"], how="left")
    at = found.get_column(_AT).to_numpy()
    columns = []
    for name in LIMITS:
        values = frame.get_column(name).to_numpy().copy()
        values[at] = found.get_column(name).to_numpy()
        columns.append(pl.Series(name, values))
    return frame.with_columns(columns)


def drawn(comparisons: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Which limits each comparison draws (FunnelPlotR's final ``draw_adjusted`` and
    ``draw_unadjusted``): with no over-dispersion (phi at most 1) and only adjusted limits
    asked for, the unadjusted limits are drawn instead."""
    switch = pl.lit(checked.adjusted and not checked.unadjusted) & (pl.col("phi") <= 1)
    return comparisons.with_columns(
        (pl.lit(checked.adjusted) & ~switch).alias("adjusted"),
        (pl.lit(checked.unadjusted) | switch).alias("unadjusted"),
    )


def funnel_limits(
    units: pl.DataFrame, comparisons: pl.DataFrame, checked: FunnelOptions
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each unit's limits at its denominator (``POINT_COLUMNS``), its ``outlier`` flag, and
    every comparison's curve (``COMPARISON`` and ``CURVE_COLUMNS``)."""
    x = pl.col("denominator")
    units = limits(_with_constants(units, comparisons), "denominator", checked)
    curve = _curve_denominators(units, checked)
    curve = limits(_with_constants(curve, comparisons), "denominator", checked)
    if checked.statistic == "proportion":
        units, curve = _unfold(units, curve, comparisons, checked)
    curve = curve.with_columns(_standard_error(checked, x).alias("standard_error"))
    level = "95" if checked.limit == 95 else "998"
    adjusted = per_comparison(comparisons["adjusted"])
    lower = pl.when(adjusted).then(pl.col(f"od_lower_{level}")).otherwise(pl.col(f"lower_{level}"))
    upper = pl.when(adjusted).then(pl.col(f"od_upper_{level}")).otherwise(pl.col(f"upper_{level}"))
    value = pl.col("value")
    units = (
        units.with_columns(
            _standard_error(checked, x).alias("limits_standard_error"),
            lower.alias("lower_limit"),
            upper.alias("upper_limit"),
        )
        .with_columns(
            ~((value <= pl.col("upper_limit")) & (value >= pl.col("lower_limit"))).alias("outlier")
        )
        .drop(_CENTRE, _TAU2)
    )
    return units, curve.select(COMPARISON, *CURVE_COLUMNS)


def count_outliers(units: pl.DataFrame, comparisons: pl.DataFrame) -> pl.DataFrame:
    counts = units.group_by(COMPARISON).agg(pl.col("outlier").sum()).sort(COMPARISON)
    return comparisons.with_columns(counts["outlier"].alias("outliers"))
