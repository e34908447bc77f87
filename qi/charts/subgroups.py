"""One row per series and period: the subgroup statistics every chart starts from.

Several rows for the same series and period form a subgroup (measurements for Xbar and S
charts, or rows to aggregate). Its statistics follow qicharts2: the sum, count, mean and
standard deviation of the values, the summed denominator, and the plotted value (numerator
over denominator when there is one, else the chosen aggregate). A value or denominator that
is missing makes both missing. When no period repeats, the statistics come straight from the
rows without grouping.
"""

import polars as pl

from qi.charts import columns as C
from qi.charts.columns import DENOMINATOR, REPEAT, SERIES, VALUE

AGGREGATES = ("mean", "median", "sum", "sd")


def in_series_order(frame: pl.DataFrame, keys: list[str], period: str) -> pl.DataFrame:
    """Sort by series keys then period (unless already so) and number the series.

    Adds ``_series`` (0, 1, ... in order, flagged sorted) and ``_repeat`` (the row's series
    and period equal the previous row's). The order check compares keys in full only where
    the series changes, so an already sorted panel costs a few cheap passes.
    """
    frame = _numbered(frame, keys, period)
    if frame.height > 1 and not _is_sorted(frame, keys, period):
        frame = frame.sort([*keys, period], nulls_last=True, maintain_order=True)
        frame = _numbered(frame, keys, period)
    return frame


def _numbered(frame: pl.DataFrame, keys: list[str], period: str) -> pl.DataFrame:
    if keys:
        series = (pl.col(keys[0]) if len(keys) == 1 else pl.struct(keys)).rle_id()
    else:
        series = pl.lit(0, pl.UInt32)
    frame = frame.with_columns(series.cast(pl.Int32).set_sorted().alias(SERIES))
    same_series = pl.col(SERIES) == pl.col(SERIES).shift(1)
    same_period = pl.col(period) == pl.col(period).shift(1)
    return frame.with_columns((same_series & same_period).fill_null(False).alias(REPEAT))


def _is_sorted(frame: pl.DataFrame, keys: list[str], period: str) -> bool:
    """Within each series periods never fall; from one series to the next the keys rise."""
    if frame.select(pl.any_horizontal(pl.col([*keys, period]).is_null().any())).item():
        return False
    series, time = pl.col(SERIES), pl.col(period)
    new_series = series != series.shift(1)
    if not frame.select((new_series | (time >= time.shift(1))).slice(1).all()).item():
        return False
    if not keys:
        return True
    # The first rows of the series, in order, must have rising keys. Neighbours differ (each
    # starts a new series), so sorted here means strictly rising.
    firsts = frame.select(SERIES, *keys).filter(new_series.fill_null(True))
    if len(keys) == 1:
        return firsts.get_column(keys[0]).is_sorted()
    return firsts.select(pl.struct(keys)).to_series().is_sorted()


def subgroup_statistics(
    frame: pl.DataFrame,
    keys: list[str],
    has_denominator: bool,
    aggregate: str,
    carried: list[str],
) -> pl.DataFrame:
    """Collapse a frame in series order to one row per ``keys`` (series keys and period) with
    ``_ysum _ylen _ymean _ysd _n _y``."""
    value = pl.col(VALUE)
    columns = [VALUE, DENOMINATOR] if has_denominator else [VALUE]
    no_missing = all(frame.get_column(c).null_count() == 0 for c in columns)
    if has_denominator and not no_missing:
        complete = value.is_not_null() & pl.col(DENOMINATOR).is_not_null()
        frame = frame.with_columns(
            pl.when(complete).then(value).alias(VALUE),
            pl.when(complete).then(pl.col(DENOMINATOR)).alias(DENOMINATOR),
        )
    if not frame.get_column(REPEAT).any():
        return frame.with_columns(_single_row_statistics(has_denominator, aggregate, no_missing))
    grouped = frame.group_by(keys, maintain_order=True).agg(
        # R: sum(y, na.rm = length(y) > 1): a lone missing value stays missing.
        pl.when(pl.len() > 1).then(value.sum()).otherwise(value.first()).alias(C.YSUM),
        value.count().cast(pl.Int32).alias(C.YLEN),
        value.mean().alias(C.YMEAN),
        value.std(ddof=1).alias(C.YSD),
        (pl.col(DENOMINATOR).sum() if has_denominator else pl.lit(None, pl.Float64)).alias(C.N),
        _aggregate(value, aggregate).alias("_agg"),
        *[pl.col(c).first() for c in [SERIES, *carried]],
    )
    y = pl.col(C.YSUM).fill_null(0) / pl.col(C.N) if has_denominator else pl.col("_agg")
    return grouped.with_columns(
        y.fill_nan(None).alias(C.Y), pl.col(SERIES).set_sorted(), pl.lit(False).alias(REPEAT)
    ).drop("_agg")


def _aggregate(value: pl.Expr, how: str) -> pl.Expr:
    return {
        "mean": value.mean(),
        "median": value.median(),
        "sum": value.sum(),
        "sd": value.std(ddof=1),
    }[how]


def _single_row_statistics(
    has_denominator: bool, aggregate: str, no_missing: bool
) -> list[pl.Expr]:
    """Statistics of one-row subgroups. With ``no_missing`` (no value or denominator missing)
    the columns pass through: denominators are above 0 (``spc()`` checks), so no 0/0."""
    value = pl.col(VALUE)
    if has_denominator and no_missing:
        n = pl.col(DENOMINATOR)
        y = value / n
    elif has_denominator:
        n = pl.col(DENOMINATOR).fill_null(0).cast(pl.Float64)
        y = (value / n).fill_nan(None)
    else:
        n = pl.lit(None, pl.Float64)
        y = {"sum": value.fill_null(0), "sd": pl.lit(None, pl.Float64)}.get(aggregate, value)
    size = pl.lit(1, pl.Int32) if no_missing else value.is_not_null().cast(pl.Int32)
    return [
        value.alias(C.YSUM),
        size.alias(C.YLEN),
        value.alias(C.YMEAN),
        pl.lit(None, pl.Float64).alias(C.YSD),
        n.alias(C.N),
        y.cast(pl.Float64).alias(C.Y),
    ]
