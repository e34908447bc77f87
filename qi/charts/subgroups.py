"""One row per series and period: the subgroup statistics every chart starts from.

Several rows for the same series and period form a subgroup (measurements for Xbar and S
charts, or rows to aggregate). Its statistics follow qicharts2: the sum, count, mean and
standard deviation of the values, the summed denominator, and the plotted value (numerator
over denominator when there is one, else the chosen aggregate). A value or denominator that
is missing makes both missing. When no period repeats, the statistics come straight from the
rows without grouping.
"""

import polars as pl

VALUE, DENOMINATOR = "_value", "_denominator"
AGGREGATES = ("mean", "median", "sum", "sd")


def sort_by_period(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Sort by series keys then period, unless already sorted (a cheap vectorised check)."""
    if frame.height < 2 or _is_sorted(frame, keys):
        return frame
    return frame.sort(keys, nulls_last=True, maintain_order=True)


def _is_sorted(frame: pl.DataFrame, keys: list[str]) -> bool:
    if frame.select(pl.any_horizontal(pl.col(keys).is_null().any())).item():
        return False
    greater, equal = pl.lit(False), pl.lit(True)
    for key in keys:
        current, previous = pl.col(key), pl.col(key).shift(1)
        greater = greater | (equal & (current > previous))
        equal = equal & (current == previous)
    return bool(frame.select((greater | equal).slice(1).all()).item())


def repeats(frame: pl.DataFrame, keys: list[str]) -> pl.Expr:
    """True on a row whose keys equal the previous row's (the frame is sorted)."""
    same = pl.lit(True)
    for key in keys:
        same = same & (pl.col(key) == pl.col(key).shift(1)).fill_null(False)
    return same


def subgroup_statistics(
    frame: pl.DataFrame,
    keys: list[str],
    has_denominator: bool,
    aggregate: str,
    carried: list[str],
) -> pl.DataFrame:
    """Collapse a sorted frame to one row per ``keys`` with ``_ysum _ylen _ymean _ysd _n _y``."""
    value = pl.col(VALUE)
    if has_denominator:
        complete = value.is_not_null() & pl.col(DENOMINATOR).is_not_null()
        frame = frame.with_columns(
            pl.when(complete).then(value).alias(VALUE),
            pl.when(complete).then(pl.col(DENOMINATOR)).alias(DENOMINATOR),
        )
    if not frame.select(repeats(frame, keys).any()).item():
        return frame.with_columns(_single_row_statistics(has_denominator, aggregate))
    grouped = frame.group_by(keys, maintain_order=True).agg(
        # R: sum(y, na.rm = length(y) > 1): a lone missing value stays missing.
        pl.when(pl.len() > 1).then(value.sum()).otherwise(value.first()).alias("_ysum"),
        value.count().cast(pl.Int64).alias("_ylen"),
        value.mean().alias("_ymean"),
        value.std(ddof=1).alias("_ysd"),
        (pl.col(DENOMINATOR).sum() if has_denominator else pl.lit(None, pl.Float64)).alias("_n"),
        _aggregate(value, aggregate).alias("_agg"),
        *[pl.col(c).first() for c in carried],
    )
    y = pl.col("_ysum").fill_null(0) / pl.col("_n") if has_denominator else pl.col("_agg")
    return grouped.with_columns(y.fill_nan(None).alias("_y")).drop("_agg")


def _aggregate(value: pl.Expr, how: str) -> pl.Expr:
    return {
        "mean": value.mean(),
        "median": value.median(),
        "sum": value.sum(),
        "sd": value.std(ddof=1),
    }[how]


def _single_row_statistics(has_denominator: bool, aggregate: str) -> list[pl.Expr]:
    value = pl.col(VALUE)
    if has_denominator:
        n = pl.col(DENOMINATOR).fill_null(0).cast(pl.Float64)
        y = (value / n).fill_nan(None)
    else:
        n = pl.lit(None, pl.Float64)
        y = {"sum": value.fill_null(0), "sd": pl.lit(None, pl.Float64)}.get(aggregate, value)
    return [
        value.alias("_ysum"),
        value.is_not_null().cast(pl.Int64).alias("_ylen"),
        value.alias("_ymean"),
        pl.lit(None, pl.Float64).alias("_ysd"),
        n.alias("_n"),
        y.cast(pl.Float64).alias("_y"),
    ]
