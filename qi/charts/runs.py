"""Runs analysis per phase: useful points, longest run, crossings and their limits.

Anhoej's rules (qicharts2): within a phase, take the included points that are not missing and
not on the centre line (the useful points). A signal is a longest run on one side longer than
round(log2(n)) + 3, or fewer crossings of the centre than the 5% quantile of
Binomial(n - 1, 0.5). The experimental "bestbox" and "cutbox" variants of Anhoej & Wentzel-
Larsen (2020) use their published bounds for 10 to 100 useful points.
"""

import math
from functools import cache

import polars as pl

from qi.charts import columns as C
from qi.charts.constants import CROSSINGS_QUANTILE

RUNS_COLUMNS = [
    "n_obs",
    "n_useful",
    "longest_run",
    "longest_run_max",
    "crossings",
    "crossings_min",
    "runs_signal",
]

# Anhoej & Wentzel-Larsen (2020), PLOS ONE 15(6): e0233920, bounds for n = 10..100 useful
# points: cb/lb the best-box crossings minimum and longest-run maximum; cbord/lbord the
# borders of the cut box (0 where the paper gives none).
_CB = "2 3 3 3 3 4 5 5 5 5 6 7 6 6 6 6 9 9 9 10 11 11 11 11 11 12 13 14 13 15 15 15 14 14 17 17 17 17 19 19 19 19 19 21 21 21 21 23 23 23 23 23 25 25 26 26 27 27 27 28 29 29 29 30 30 31 31 31 32 33 33 33 34 33 35 35 35 35 37 37 38 37 39 39 39 39 39 41 41 42 41"
_LB = "6 7 6 6 6 7 8 7 7 7 7 8 7 7 7 7 9 8 8 8 10 9 8 8 8 8 9 10 8 11 9 9 8 8 10 9 9 9 12 10 9 9 9 11 10 9 9 12 10 10 9 9 11 10 11 10 12 10 10 11 14 11 10 11 10 12 11 10 11 13 11 10 11 10 11 11 10 10 12 11 12 10 13 11 11 10 10 12 11 12 10"
_CBORD = "3 4 0 0 0 6 6 0 6 6 0 0 7 7 7 0 10 10 11 0 12 14 0 12 13 0 15 0 0 0 0 17 0 0 0 0 19 20 20 21 0 21 21 23 23 0 23 25 24 26 0 24 27 27 27 27 29 0 29 29 30 31 30 31 0 32 34 33 33 37 35 0 36 36 0 38 36 38 38 39 0 39 41 40 42 0 41 42 44 43 42"
_LBORD = "5 6 0 0 0 6 7 0 6 5 0 0 6 6 6 0 7 7 7 0 9 8 0 7 7 0 8 0 0 0 0 8 0 0 0 0 8 7 11 9 0 8 7 9 8 0 8 11 9 8 0 8 9 9 10 9 10 0 8 8 13 9 9 10 0 9 8 9 8 11 9 0 10 7 0 8 9 8 10 9 0 9 12 10 8 0 8 9 9 10 9"
BOX_BOUNDS = pl.DataFrame(
    {
        "n_useful": list(range(10, 101)),
        "cb": [int(v) for v in _CB.split()],
        "lb": [int(v) for v in _LB.split()],
        "cbord": [int(v) or None for v in _CBORD.split()],
        "lbord": [int(v) or None for v in _LBORD.split()],
    }
)


@cache
def binomial_quantile(size: int, p: float) -> int:
    """R's qbinom(p, size, 0.5): the least k with P(X <= k) >= p, in exact integer arithmetic."""
    total, cumulative = 2**size, 0
    for k in range(size + 1):
        cumulative += math.comb(size, k)
        if cumulative >= p * total:
            return k
    return size


def runs_per_phase(frame: pl.DataFrame, method: str = "anhoej") -> pl.DataFrame:
    """One row per phase (``_seg``, in order) with the runs statistics and the runs signal.

    Runs are numbered with ``rle_id`` over (phase, side) of the useful points, so a run never
    continues from one phase into the next and no Python loop touches a series.
    """
    every_point_included = frame.get_column(C.INCLUDE).all()
    count = pl.len() if every_point_included else pl.col(C.INCLUDE).sum()
    observed = frame.group_by(C.SEGMENT, maintain_order=True).agg(
        count.cast(pl.Int64).alias("n_obs")
    )
    side = pl.col(C.SIDE)
    # A run is a stretch of equal (phase, side) among the useful points.
    wide = pl.Int64 if frame.height >= 2**29 else pl.Int32
    run = (pl.col(C.SEGMENT).cast(wide) * 4 + side.cast(wide)).rle_id()
    is_useful = side.is_not_null() & (side != 0)
    useful = (
        frame.select(C.SEGMENT, C.SIDE, C.INCLUDE)
        .filter(is_useful if every_point_included else is_useful & pl.col(C.INCLUDE))
        .select(C.SEGMENT, run.set_sorted().alias("_run"))
    )
    stats = (
        useful.with_columns(pl.len().over("_run").alias("_length"))
        .group_by(C.SEGMENT, maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("n_useful"),
            pl.col("_length").max().cast(pl.Int64).alias("longest_run"),
            (pl.col("_run").max() - pl.col("_run").min()).cast(pl.Int64).alias("crossings"),
        )
    )
    stats = observed.join(stats, on=C.SEGMENT, how="left", maintain_order="left").with_columns(
        pl.col("n_useful").fill_null(0)
    )
    sizes = stats.get_column("n_useful").unique().to_list()
    bounds = pl.DataFrame(
        {
            "n_useful": sizes,
            "crossings_min": [
                binomial_quantile(max(n - 1, 0), CROSSINGS_QUANTILE) if n else None for n in sizes
            ],
            "_ihi_low": [binomial_quantile(max(n - 1, 0), 0.025) for n in sizes],
            "_ihi_high": [binomial_quantile(max(n - 1, 0), 0.975) for n in sizes],
        },
        schema={
            "n_useful": pl.Int64,
            "crossings_min": pl.Int64,
            "_ihi_low": pl.Int64,
            "_ihi_high": pl.Int64,
        },
    )
    stats = stats.join(bounds, on="n_useful", how="left", maintain_order="left")
    n = pl.col("n_useful")
    crossings = pl.col("crossings")
    stats = stats.with_columns(
        pl.when(n > 0)
        .then(n.cast(pl.Float64).log(2).round(0).cast(pl.Int64) + 3)
        .alias("longest_run_max"),
        ((n > 0) & ((crossings < pl.col("_ihi_low")) | (crossings > pl.col("_ihi_high")))).alias(
            "ihi_runs_signal"
        ),
    )
    counts = [c for c in RUNS_COLUMNS if c != "runs_signal"]
    return _signal(stats, method).select(
        C.SEGMENT, *[pl.col(c).cast(pl.Int32) for c in counts], "runs_signal", "ihi_runs_signal"
    )


def _signal(stats: pl.DataFrame, method: str) -> pl.DataFrame:
    crossings, longest = pl.col("crossings"), pl.col("longest_run")
    anhoej = (longest > pl.col("longest_run_max")) | (crossings < pl.col("crossings_min"))
    if method == "anhoej":
        signal = anhoej
    else:
        stats = stats.join(BOX_BOUNDS, on="n_useful", how="left", maintain_order="left")
        best = ~((crossings >= pl.col("cb")) & (longest <= pl.col("lb")))
        if method == "bestbox":
            boxed = best
        else:
            inside_cut = (
                ((crossings >= pl.col("cb") + 1) & (longest <= pl.col("lb") - 1))
                | ((crossings == pl.col("cb")) & (longest <= pl.col("lbord")))
                | ((crossings >= pl.col("cbord")) & (longest <= pl.col("lb")))
            )
            boxed = pl.when(pl.col("cbord").is_null()).then(best).otherwise(~inside_cut)
        signal = pl.when(pl.col("cb").is_null()).then(anhoej).otherwise(boxed)
    return stats.with_columns(
        pl.when(pl.col("n_useful") > 0).then(signal).otherwise(False).alias("runs_signal")
    )
