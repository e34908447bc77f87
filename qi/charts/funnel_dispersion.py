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

import numpy as np
import polars as pl

from qi.charts.funnel_arguments import COMPARISON, FunnelOptions, per_comparison
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
COMPARISON_COLUMNS = ("units", "target", "target_transformed", "phi", "tau2")


def is_shmi(checked: FunnelOptions) -> bool:
    """Standardised ratios by NHS Digital's SHMI method: log scale and truncation."""
    return checked.statistic == "ratio" and checked.ratio_method == "shmi"


def targets(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Per comparison, in comparison order: the funnel's centre (``target``: 1 for ratios of
    observed to expected, otherwise the pooled ΣO/ΣD) and it on the transformed scale."""
    sums = (
        units.group_by(COMPARISON)
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
        .sort(COMPARISON)
    )
    if checked.statistic == "ratio":
        target = pl.lit(1.0)
        centre = pl.lit(0.0 if is_shmi(checked) else 1.0)
    else:
        target = pl.col("numerator") / pl.col("denominator")
        proportion = checked.statistic == "proportion"
        centre = target.sqrt().arcsin() if proportion else target.log()
    centres = sums.with_columns(target.alias("target"), centre.alias("target_transformed"))
    return centres.select("target", "target_transformed")


def z_scores(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """The ratio, target, transformed estimate, its standard error and the unadjusted z-score
    of every unit (``transformed_zscore()``)."""
    o, d = pl.col("numerator"), pl.col("denominator")
    ratio = pl.col("ratio")
    statistic = checked.statistic
    if statistic == "proportion":
        transformed = ratio.sqrt().arcsin()
        error = 1 / (2 * d.sqrt())
    elif statistic == "ratio_of_counts":
        transformed = ((o + RC_CONTINUITY) / (d + RC_CONTINUITY)).log()
        error = (o / (o + RC_CONTINUITY) ** 2 + d / (d + RC_CONTINUITY) ** 2).sqrt()
    elif is_shmi(checked):
        transformed = (o / d).log()
        error = 1 / d.sqrt()
    else:  # ratio, CQC
        transformed = (o / d).sqrt()
        error = 1 / (2 * d.sqrt())
    if "ratio" not in units.columns:
        units = units.with_columns((o / d).alias("ratio"))
    centres = targets(units, checked)
    return units.with_columns(
        per_comparison(centres["target"]).alias("target"),
        per_comparison(centres["target_transformed"]).alias("target_transformed"),
        transformed.alias("transformed"),
        error.alias("standard_error"),
    ).with_columns(
        ((pl.col("transformed") - pl.col("target_transformed")) / pl.col("standard_error")).alias(
            "z_score"
        )
    )


def _quantiles_type7(units: pl.DataFrame, probabilities: tuple[float, ...]) -> list[pl.Series]:
    """R's ``quantile(z, p, na.rm = TRUE)`` (type 7) of each comparison's z-scores at each p, in
    comparison order: with index 1 + (n - 1) p, lo and hi its floor and ceiling,
    (1 - h) x[lo] + h x[hi] as R computes it (so a quantile on a data point is that point).

    x[lo] and x[hi] are found by selection (polars' "lower" and "higher" quantiles, which pick
    the same order statistics as long as floor(1 + (n - 1) p) = floor((n - 1) p) + 1; where
    rounding breaks that, by sorting each comparison)."""
    z = pl.col("z_score").filter(pl.col("z_score").is_not_nan())
    count = units.group_by(COMPARISON).agg(z.len().alias("n")).sort(COMPARISON)["n"]
    n = count.to_numpy().astype(np.float64)
    picked, bounds = [], []
    for i, p in enumerate(probabilities):
        index = 1 + (n - 1) * p
        lo, hi = np.floor(index), np.ceil(index)
        bounds.append((index, lo))
        if np.array_equal(lo, np.floor((n - 1) * p) + 1) and np.array_equal(
            hi, np.ceil((n - 1) * p) + 1
        ):
            picked += [
                z.quantile(p, "lower").alias(f"lo{i}"),
                z.quantile(p, "higher").alias(f"hi{i}"),
            ]
        else:
            at = 1 + (z.len() - 1).cast(pl.Float64) * p
            picked += [
                z.sort().get(at.floor().cast(pl.Int64) - 1).alias(f"lo{i}"),
                z.sort().get(at.ceil().cast(pl.Int64) - 1).alias(f"hi{i}"),
            ]
    order = units.group_by(COMPARISON).agg(picked).sort(COMPARISON)
    quantiles = []
    for i, (index, lo) in enumerate(bounds):
        below, above = order[f"lo{i}"].to_numpy(), order[f"hi{i}"].to_numpy()
        h = index - lo
        between = (index > lo) & (above != below)
        with np.errstate(invalid="ignore"):
            quantiles.append(pl.Series(np.where(between, (1 - h) * below + h * above, below)))
    return quantiles


def winsorise(units: pl.DataFrame, checked: FunnelOptions) -> pl.DataFrame:
    """Clamp each comparison's z-scores to its ``trim_by`` and ``1 - trim_by`` quantiles
    (``winsorisation()``); ``winsorised`` marks every unit not strictly between them."""
    z = pl.col("z_score")
    low, high = _quantiles_type7(units, (checked.trim_by, 1 - checked.trim_by))
    lz, uz = per_comparison(low), per_comparison(high)
    return units.with_columns(
        ~((z > lz) & (z < uz)).alias("winsorised"),
        pl.lit(None, pl.Float64).alias("rank"),
        pl.lit(None, pl.Float64).alias("truncation_group"),
        pl.lit(None, pl.Boolean).alias("truncated"),
        pl.when(z < lz).then(lz).when(z > uz).then(uz).otherwise(z).alias("adjusted_z_score"),
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
    ``COMPARISON_COLUMNS``: the number of units, the target (also transformed), phi and tau²;
    both 0 when
    ``checked.adjusted`` is False, as FunnelPlotR reports them."""
    units = z_scores(units, checked)
    units = truncate(units, checked) if is_shmi(checked) else winsorise(units, checked)
    w = 1 / pl.col("standard_error") ** 2
    kept = pl.col("adjusted_z_score").is_not_null()
    n = pl.col("_n")
    comparisons = (
        units.group_by(COMPARISON)
        .agg(
            pl.len().alias("units"),
            pl.col("target").first(),
            pl.col("target_transformed").first(),
            kept.sum().cast(pl.Float64).alias("_n"),
            (pl.col("adjusted_z_score") ** 2).sum().alias("_z2"),
            w.filter(kept).sum().alias("_w"),
            (w**2).filter(kept).sum().alias("_w2"),
        )
        .sort(COMPARISON)
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
