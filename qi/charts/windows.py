"""Vectorised window arithmetic over many series at once.

A frame handed to these helpers is sorted so that each segment (series x phase) is a
contiguous block, and carries ``_row`` (0-based row number), ``_lo`` and ``_hi`` (the first and
last row of the row's segment). A window [row + lo, row + hi] is clipped to the segment, and
counts come from one cumulative sum and two gathers; short windows that must lie wholly inside
a segment are read from shifted columns (``in_window_ending``). Either way the cost does not
depend on the number of series and no window ever crosses from one series into the next.
"""

import polars as pl

from qi.charts import columns as C
from qi.charts.columns import HI, LO, ROW

WINDOW_COLUMNS = [ROW, LO, HI]


def with_bounds(frame: pl.DataFrame, segment: str) -> pl.DataFrame:
    """Add ``_row``, ``_lo`` and ``_hi`` for the contiguous blocks of ``segment``.

    ``segment`` must ascend (its blocks are in order); it is flagged sorted, which makes the
    per-block minimum and maximum a pass over block boundaries rather than a hash.
    """
    row = pl.col(ROW)
    frame = frame.with_columns(
        pl.col(segment).set_sorted(), pl.int_range(pl.len(), dtype=pl.Int32).alias(ROW)
    )
    return frame.with_columns(row.min().over(segment).alias(LO), row.max().over(segment).alias(HI))


def count(condition: pl.Expr, lo: int, hi: int) -> pl.Expr:
    """How many rows in the window [row+lo, row+hi] (clipped to the segment) satisfy ``condition``.

    Null counts as not satisfied; count nulls with ``condition.is_null()`` where they matter.
    """
    prefix = condition.fill_null(False).cast(pl.Int64).cum_sum()
    row = pl.col(ROW)
    first = pl.max_horizontal(row + lo, pl.col(LO))
    last = pl.min_horizontal(row + hi, pl.col(HI))
    upper = prefix.gather(last.clip(0, None))
    lower = pl.when(first > 0).then(prefix.gather((first - 1).clip(0, None))).otherwise(0)
    return pl.when(first <= last).then(upper - lower).otherwise(0)


def full_window(length: int) -> pl.Expr:
    """True where a window of ``length`` rows ending at this row lies inside the segment."""
    return (pl.col(ROW) - pl.col(LO)) >= (length - 1)


def covered_kleene(window_end_hit: pl.Expr, length: int) -> pl.Expr:
    """True for every row inside some window of ``length`` rows whose last row is a hit, with
    R's three-valued ``any()``: true if any hit, else null if any is unknown, else false."""
    hits = count(window_end_hit, 0, length - 1)
    unknown = count(window_end_hit.is_null(), 0, length - 1)
    return pl.when(hits > 0).then(True).when(unknown > 0).then(None).otherwise(False)


def in_window_ending(hit: str, length: int) -> pl.Expr:
    """True on every row of some window of ``length`` rows whose last row is a ``hit``.

    ``hit`` is a boolean column (never null) that is true only where the whole window lies in
    the row's segment; then no window reaches from one segment into the next.
    """
    column = pl.col(hit)
    return pl.any_horizontal([column.shift(-k) for k in range(length)]).fill_null(False)


def previous_in_segment(value: pl.Expr, mask: pl.Expr | None) -> pl.Expr:
    """The value at the nearest earlier row of the same segment where ``mask`` holds, else null.

    Moving ranges over a phase's baseline use it: they bridge excluded points (qicharts2) and
    break at missing values (both references), because a missing value is still a row.
    ``mask=None`` means every row.
    """
    if mask is None:  # every row counts: the previous row, if it is in the segment
        return pl.when(pl.col(ROW) > pl.col(LO)).then(value.shift(1))
    earlier = pl.when(mask).then(pl.col(ROW)).shift(1).forward_fill()
    valid = earlier.is_not_null() & (earlier >= pl.col(LO))
    return pl.when(valid).then(value.gather(earlier.fill_null(0)))


def with_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``_ppos`` (rows since the segment's first) and ``_rpos`` (rows to its last)."""
    return frame.with_columns(
        (pl.col(ROW) - pl.col(LO)).alias(C.PHASE_POSITION),
        (pl.col(HI) - pl.col(ROW)).alias(C.TO_PHASE_END),
    )


def back(expr: pl.Expr, k: int) -> pl.Expr:
    """The value ``k`` rows earlier in the same segment, else null (needs ``with_positions``)."""
    return pl.when(pl.col(C.PHASE_POSITION) >= k).then(expr.shift(k)) if k else expr


def ahead(expr: pl.Expr, k: int) -> pl.Expr:
    """The value ``k`` rows later in the same segment, else null (needs ``with_positions``)."""
    return pl.when(pl.col(C.TO_PHASE_END) >= k).then(expr.shift(-k)) if k else expr


def run_length(frame: pl.DataFrame, key: str, name: str) -> pl.DataFrame:
    """Add ``name``: the length of the run of equal, non-null ``key`` values holding each row.

    Runs end at segment boundaries and at nulls (a null row has no run: its length is null).
    With forward and backward fills the cost is a few passes whatever the run lengths.
    """
    k = pl.col(key)
    starts = k.is_null() | (pl.col(C.PHASE_POSITION) == 0) | (k != k.shift(1)).fill_null(True)
    ends = k.is_null() | (pl.col(C.TO_PHASE_END) == 0) | (k != k.shift(-1)).fill_null(True)
    first = pl.when(starts).then(pl.col(ROW)).forward_fill()
    last = pl.when(ends).then(pl.col(ROW)).backward_fill()
    return frame.with_columns(pl.when(k.is_not_null()).then(last - first + 1).alias(name))
