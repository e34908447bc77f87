"""Over-dispersion, as FunnelPlotR 0.6.0 estimates it (R/od_adjustment.R), for every comparison
at once: the transformed z-scores, Winsorisation (or SHMI truncation), the dispersion ratio phi
and the additive random-effects variance tau² (DerSimonian & Laird 1986; Spiegelhalter 2005,
Spiegelhalter et al. 2012).

| statistic | transformed estimate Y | target | standard error s |
|---|---|---|---|
| proportion (PR) | asin(√(O/n)) | asin(√(ΣO/Σn)) | 1 / (2√n) |
| ratio of counts (RC) | log((O + ½) / (D + ½)) | log(ΣO/ΣD) | √(O/(O+½)² + D/(D+½)²) |
| ratio, CQC | √(O/E) | 1 | 1 / (2√E) |
| ratio, SHMI | log(O/E) | 0 | 1 / √E |

z = (Y − target) / s. Winsorisation clamps z to its ``trim_by`` and ``1 − trim_by`` quantiles
(R type 7); SHMI truncation instead drops the units outside the middle ``k − 2`` of ``k = 1 /
trim_by`` rank groups. φ is the mean squared Winsorised (or kept) z; τ² = (nφ − (n − 1)) /
(Σw − Σw²/Σw) with w = 1/s², and 0 when nφ < n − 1.
"""

import polars as pl

from qi.charts.funnel_arguments import COMPARISON, FunnelOptions
from qi.charts.funnel_constants import RC_CONTINUITY

# Output columns made here, in the order they are returned.
POINT_COLUMNS = (
    "ratio",
    "target",
    "target_transformed",
    "transformed",
    "standard_error",
    "z_score",
    "winsorised",
    "rank",
    "truncation_group",
    "truncated",
    "adjusted_z_score",
)
COMPARISON_COLUMNS = ("units", "target", "phi", "tau2")


def is_shmi(checked: FunnelOptions) -> bool:
    """Standardised ratios by NHS Digital's SHMI method: log scale and truncation."""
    return checked.statistic == "ratio" and checked.ratio_method == "shmi"


def targets(checked: FunnelOptions) -> pl.Expr:
    """The funnel's centre per comparison: 1 for ratios of observed to expected, otherwise the
    pooled ΣO/ΣD (FunnelPlotR's ``target``)."""
    if checked.statistic == "ratio":
        return pl.lit(1.0)
    return pl.col("numerator").sum().over(COMPARISON) / pl.col("denominator").sum().over(COMPARISON)


def z_scores(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """The ratio, target, transformed estimate, its standard error and the unadjusted z-score
    of every unit (``transformed_zscore()``)."""
    o, d = pl.col("numerator"), pl.col("denominator")
    ratio = pl.col("ratio")
    statistic = checked.statistic
    if statistic == "proportion":
        centre = pl.col("target").sqrt().arcsin()
        transformed = ratio.sqrt().arcsin()
        error = 1 / (2 * d.sqrt())
    elif statistic == "ratio_of_counts":
        centre = pl.col("target").log()
        transformed = ((o + RC_CONTINUITY) / (d + RC_CONTINUITY)).log()
        error = (o / (o + RC_CONTINUITY) ** 2 + d / (d + RC_CONTINUITY) ** 2).sqrt()
    elif is_shmi(checked):
        centre = pl.lit(0.0)
        transformed = (o / d).log()
        error = 1 / d.sqrt()
    else:  # ratio, CQC
        centre = pl.lit(1.0)
        transformed = (o / d).sqrt()
        error = 1 / (2 * d.sqrt())
    if "ratio" not in units.columns:
        units = units.with_columns((o / d).alias("ratio"))
    return (
        units.with_columns(targets(checked).alias("target"))
        .with_columns(
            centre.alias("target_transformed"),
            transformed.alias("transformed"),
            error.alias("standard_error"),
        )
        .with_columns(
            (
                (pl.col("transformed") - pl.col("target_transformed")) / pl.col("standard_error")
            ).alias("z_score")
        )
    )


def _quantile_type7(z: pl.Expr, p: float) -> pl.Expr:
    """R's ``quantile(z, p)`` (type 7) in a group-by: x[lo] + h (x[hi] - x[lo]), computed as R
    does, ``(1 - h) x[lo] + h x[hi]``, so a quantile on a data point is that point exactly."""
    index = 1 + (pl.len() - 1).cast(pl.Float64) * p
    lo, hi = index.floor(), index.ceil()
    ordered = z.sort()
    below = ordered.get(lo.cast(pl.Int64) - 1)
    above = ordered.get(hi.cast(pl.Int64) - 1)
    h = index - lo
    return (
        pl.when((index > lo) & (above != below)).then((1 - h) * below + h * above).otherwise(below)
    )


def winsorise(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Clamp each comparison's z-scores to its ``trim_by`` and ``1 - trim_by`` quantiles
    (``winsorisation()``); ``winsorised`` marks every unit not strictly between them."""
    z = pl.col("z_score")
    bounds = (
        units.filter(z.is_not_nan())
        .group_by(COMPARISON)
        .agg(
            _quantile_type7(z, checked.trim_by).alias("_lz"),
            _quantile_type7(z, 1 - checked.trim_by).alias("_uz"),
        )
    )
    lz, uz = pl.col("_lz"), pl.col("_uz")
    return (
        units.join(bounds, on=COMPARISON, how="left", maintain_order="left")
        .with_columns(
            ~((z > lz) & (z < uz)).alias("winsorised"),
            pl.lit(None, pl.Float64).alias("rank"),
            pl.lit(None, pl.Float64).alias("truncation_group"),
            pl.lit(None, pl.Boolean).alias("truncated"),
            pl.when(z < lz).then(lz).when(z > uz).then(uz).otherwise(z).alias("adjusted_z_score"),
        )
        .drop("_lz", "_uz")
    )


def truncate(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """NHS Digital's SHMI truncation (``truncation()``): rank the z-scores (ties averaged), put
    them in k = 1 / trim_by groups, floor(rank k / (N + 1)), and keep only the units of groups
    1 to k - 2; the others get no adjusted z-score and do not count towards phi."""
    groups = 1 / checked.trim_by
    rank = pl.col("z_score").rank("average").over(COMPARISON).cast(pl.Float64)
    group = (pl.col("rank") * groups / (pl.len().over(COMPARISON) + 1)).floor()
    kept = (pl.col("truncation_group") > 0) & (pl.col("truncation_group") < groups - 1)
    return (
        units.with_columns(pl.lit(None, pl.Boolean).alias("winsorised"), rank.alias("rank"))
        .with_columns(group.alias("truncation_group"))
        .with_columns(
            (~kept).alias("truncated"),
            pl.when(kept).then(pl.col("z_score")).alias("adjusted_z_score"),
        )
    )


def dispersion(units: pl.DataFrame, checked: FunnelOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The units with their z-scores (``POINT_COLUMNS``) and one row per comparison with
    ``COMPARISON_COLUMNS``: the number of units, the target, phi and tau²; both 0 when
    ``checked.adjusted`` is False, as FunnelPlotR reports them."""
    units = z_scores(units, checked)
    units = truncate(units, checked) if is_shmi(checked) else winsorise(units, checked)
    w = 1 / pl.col("standard_error") ** 2
    kept = pl.col("adjusted_z_score").is_not_null()
    n = pl.col("_n")
    comparisons = (
        units.group_by(COMPARISON, maintain_order=True)
        .agg(
            pl.len().alias("units"),
            pl.col("target").first(),
            kept.sum().cast(pl.Float64).alias("_n"),
            (pl.col("adjusted_z_score") ** 2).sum().alias("_z2"),
            w.filter(kept).sum().alias("_w"),
            (w**2).filter(kept).sum().alias("_w2"),
        )
        .with_columns(((1 / n) * pl.col("_z2")).alias("phi"))
        .with_columns(
            pl.when(n * pl.col("phi") < n - 1)
            .then(0.0)
            .otherwise(
                (
                    (n * pl.col("phi") - (n - 1)) / (pl.col("_w") - pl.col("_w2") / pl.col("_w"))
                ).clip(lower_bound=0.0)
            )
            .alias("tau2")
        )
    )
    if not checked.adjusted:
        comparisons = comparisons.with_columns(phi=pl.lit(0.0), tau2=pl.lit(0.0))
    return units, comparisons.select(COMPARISON, *COMPARISON_COLUMNS)
