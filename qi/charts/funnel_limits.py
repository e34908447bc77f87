"""Spiegelhalter's funnel limits as FunnelPlotR 0.6.0 draws them (R/build_limits_lookup.R,
R/calculate_limits.R, R/outliers_func.R), for every comparison at once.

Each comparison gets a curve: 1,000 evenly spaced denominators from 1.1 (ratios) or 3 up to the
largest denominator rounded up, with the units' own denominators added, sorted. At each, the
95% and 99.8% limits, over-dispersion adjusted (with τ²) and unadjusted (τ² = 0):

| statistic | limits (z = 1.959964, 3.090232) |
|---|---|
| proportion | sin²(asin√t ∓ z √(1/(4n) + τ²)), clipped to [0, 1], then made monotonic |
| ratio of counts | exp(log t ∓ z √(1/(4D) + τ²)) |
| ratio, unadjusted | exact Poisson: qchisq(0.975 or 0.999, 2E, upper) / 2E and qchisq(0.025 or 0.001, 2(E + 1), upper) / 2E |
| ratio, SHMI adjusted | exp(∓ z √(1/E + τ²)) |
| ratio, CQC adjusted | 1 ∓ z √(1/(4E) + τ²) (not clipped: it can go below 0) |

All are multiplied by the multiplier. The arcsine limits of small denominators fold back
(the angle passes 0 or π/2); FunnelPlotR sets a lower limit above the next row's to 0 and an
upper limit below the next row's to 1 (x multiplier), row by row in the sorted curve, the last
row excepted. A unit's limits are the curve's at its denominator, so they carry that quirk too.
A unit is an outlier when its value is strictly outside the limits at ``limit`` (95 or 99.8%):
the adjusted ones when they are drawn, else the unadjusted ones.
"""

import polars as pl

from qi.charts.funnel_arguments import COMPARISON, FunnelOptions
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
CURVE_COLUMNS = ("denominator", "standard_error", *ADJUSTED, *UNADJUSTED)
POINT_COLUMNS = ("limits_standard_error", *ADJUSTED, *UNADJUSTED, "lower_limit", "upper_limit")

# (name, z, sign): the four limits of one set, in order.
_LIMITS = (
    ("lower_95", FPR_Z_95, -1),
    ("upper_95", FPR_Z_95, 1),
    ("lower_998", FPR_Z_998, -1),
    ("upper_998", FPR_Z_998, 1),
)


def curve_denominators(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Every comparison's curve denominators, sorted and distinct: R's
    ``unique(c(seq(start, ceiling(max(D)), length.out = 1000), D))``, sorted."""
    start = CURVE_START_RATIO if checked.statistic == "ratio" else CURVE_START
    last = CURVE_POINTS - 1
    step = pl.col("_i").cast(pl.Float64) * ((pl.col("_stop") - start) / last)
    stop = (
        pl.col("denominator").max().ceil()
        if checked.curve_max is None
        else pl.lit(checked.curve_max)
    )
    evenly = (
        units.group_by(COMPARISON)
        .agg(stop.alias("_stop"))
        .with_columns(pl.int_ranges(0, CURVE_POINTS, dtype=pl.Int32).alias("_i"))
        .explode("_i")
        .select(
            COMPARISON,
            # R's seq(): from, from + i * ((to - from) / (n - 1)) inside, and to itself last.
            pl.when(pl.col("_stop") == start)
            .then(pl.lit(start))
            .when(pl.col("_i") == 0)
            .then(pl.lit(start))
            .when(pl.col("_i") == last)
            .then(pl.col("_stop"))
            .otherwise(start + step)
            .alias("denominator"),
        )
    )
    every = pl.concat([evenly, units.select(COMPARISON, "denominator")]).sort(
        COMPARISON, "denominator"
    )
    comparison, denominator = pl.col(COMPARISON), pl.col("denominator")
    first = (comparison != comparison.shift(1)) | (denominator != denominator.shift(1))
    return every.filter(first.fill_null(True))


def _standard_error(checked: FunnelOptions) -> pl.Expr:
    x = pl.col("denominator")
    return x.pow(-1).sqrt() if is_shmi(checked) else 1 / (2 * x.sqrt())


def _normal_limit(checked: FunnelOptions, z: float, sign: int, tau2: pl.Expr) -> pl.Expr:
    """One limit on the statistic's transformed scale, back on the ratio scale (before the
    multiplier)."""
    x, t = pl.col("denominator"), pl.col("_target")
    if is_shmi(checked):
        return (sign * z * (1 / x + tau2).sqrt()).exp()
    spread = z * (pl.col("standard_error") ** 2 + tau2).sqrt()
    if checked.statistic == "ratio":  # CQC
        return 1 + sign * spread
    if checked.statistic == "ratio_of_counts":
        return (t.log() + sign * spread).exp()
    return (t.sqrt().arcsin() + sign * spread).sin() ** 2  # proportion


def _exact_poisson(curve: pl.DataFrame, multiplier: float) -> list[pl.Series]:
    """The unadjusted limits of standardised ratios: exact Poisson limits through chi-squared
    quantiles, times the target (1)."""
    x = curve.get_column("denominator").to_numpy()
    scale = multiplier * curve.get_column("_target").to_numpy()
    tails = {
        "lower_95": (FPR_UPPER_TAIL_LOWER_95, x),
        "upper_95": (FPR_UPPER_TAIL_UPPER_95, x + 1),
        "lower_998": (FPR_UPPER_TAIL_LOWER_998, x),
        "upper_998": (FPR_UPPER_TAIL_UPPER_998, x + 1),
    }
    return [
        pl.Series(name, scale * (half_chisq_upper(p, shape) / x))
        for name, (p, shape) in tails.items()
    ]


def _monotonic(name: str, multiplier: float) -> pl.Expr:
    """FunnelPlotR's fix for folded arcsine limits: clip to [0, multiplier], then a lower limit
    above the next row's becomes 0 and an upper limit below it becomes the multiplier."""
    lower = name.split("_")[-2] == "lower"
    clipped = pl.col(name)
    if lower:
        clipped = pl.when(clipped < 0).then(0.0).otherwise(clipped)
        folded = clipped > clipped.shift(-1).over(COMPARISON)
        return pl.when(folded.fill_null(False)).then(0.0).otherwise(clipped).alias(name)
    clipped = pl.when(clipped > multiplier).then(multiplier).otherwise(clipped)
    folded = clipped < clipped.shift(-1).over(COMPARISON)
    return pl.when(folded.fill_null(False)).then(multiplier).otherwise(clipped).alias(name)


def curves(units: pl.DataFrame, comparisons: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Every comparison's limits curve (``CURVE_COLUMNS``, plus ``COMPARISON``), as FunnelPlotR's
    ``limits_lookup``: adjusted limits with the comparison's τ², unadjusted with τ² = 0."""
    m = checked.multiplier
    curve = curve_denominators(units, checked).join(
        comparisons.select(COMPARISON, pl.col("target").alias("_target"), "tau2"),
        on=COMPARISON,
        how="left",
        maintain_order="left",
    )
    curve = curve.with_columns(_standard_error(checked).alias("standard_error"))
    tau2 = pl.col("tau2")
    adjusted = [
        (m * _normal_limit(checked, z, sign, tau2)).alias(f"od_{name}") for name, z, sign in _LIMITS
    ]
    curve = curve.with_columns(adjusted)
    if checked.statistic == "ratio":
        curve = curve.with_columns(_exact_poisson(curve, m))
    else:
        curve = curve.with_columns(
            (m * _normal_limit(checked, z, sign, pl.lit(0.0))).alias(name)
            for name, z, sign in _LIMITS
        )
    if checked.statistic == "proportion":
        curve = curve.with_columns(_monotonic(name, m) for name in (*ADJUSTED, *UNADJUSTED))
    return curve.select(COMPARISON, *CURVE_COLUMNS)


def drawn(comparisons: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Which limits each comparison draws (FunnelPlotR's final ``draw_adjusted`` and
    ``draw_unadjusted``): with no over-dispersion (phi at most 1) and only adjusted limits
    asked for, the unadjusted limits are drawn instead."""
    switch = pl.lit(checked.adjusted and not checked.unadjusted) & (pl.col("phi") <= 1)
    return comparisons.with_columns(
        (pl.lit(checked.adjusted) & ~switch).alias("adjusted"),
        (pl.lit(checked.unadjusted) | switch).alias("unadjusted"),
    )


def unit_limits(
    units: pl.DataFrame, curve: pl.DataFrame, comparisons: pl.DataFrame, checked: FunnelOptions
) -> pl.DataFrame:
    """Each unit's limits (the curve's at its denominator), the pair its outlier flag uses
    (``lower_limit``, ``upper_limit``) and ``outlier``: value strictly outside them."""
    level = "95" if checked.limit == 95 else "998"
    limits = curve.rename({"standard_error": "limits_standard_error"})
    units = units.join(
        limits, on=[COMPARISON, "denominator"], how="left", maintain_order="left"
    ).join(
        comparisons.select(COMPARISON, pl.col("adjusted").alias("_adjusted")),
        on=COMPARISON,
        how="left",
        maintain_order="left",
    )
    adjusted = pl.col("_adjusted")
    lower = pl.when(adjusted).then(pl.col(f"od_lower_{level}")).otherwise(pl.col(f"lower_{level}"))
    upper = pl.when(adjusted).then(pl.col(f"od_upper_{level}")).otherwise(pl.col(f"upper_{level}"))
    value = pl.col("value")
    return (
        units.with_columns(lower.alias("lower_limit"), upper.alias("upper_limit"))
        .with_columns(
            ~((value <= pl.col("upper_limit")) & (value >= pl.col("lower_limit"))).alias("outlier")
        )
        .drop("_adjusted")
    )


def count_outliers(units: pl.DataFrame, comparisons: pl.DataFrame) -> pl.DataFrame:
    counts = units.group_by(COMPARISON).agg(pl.col("outlier").sum().alias("outliers"))
    return comparisons.join(counts, on=COMPARISON, how="left", maintain_order="left")
