"""Special-cause rules: one boolean flag per rule per point, as polars expressions.

Every rule reads ``_y``, ``_cl``, the limit columns and ``_side`` (the sign of ``_y - _cl``) on
a frame laid out by ``windows.with_bounds`` (each phase a contiguous block). Every rule also
yields the side it points to (+1 high, -1 low), so the winning rule decides whether a point
is high or low.

The Making Data Count rules reproduce NHSRplotthedots exactly, including where it yields a
missing flag (R's three-valued logic: a missing value inside a window makes the flag unknown
unless the window is already decided). One deliberate difference: where NHSRplotthedots stops
with an error because a 7-point trend window contains a missing value, qi treats the missing
value as a gap: no trend runs through it.
"""

import polars as pl

from qi.charts.windows import LO, ROW, count, covered, covered_kleene, full_window

Y, CL, SIDE = pl.col("_y"), pl.col("_cl"), pl.col("_side")


def _upper(z: int) -> pl.Expr:
    return pl.col(f"_ucl{z}")


def _lower(z: int) -> pl.Expr:
    return pl.col(f"_lcl{z}")


def _step() -> pl.Expr:
    """sign(y - previous y) within the phase; missing on a phase's first point."""
    return pl.when(pl.col(ROW) > pl.col(LO)).then((Y - Y.shift(1)).sign())


def side_of(condition_high: pl.Expr) -> pl.Expr:
    return pl.when(condition_high).then(1).otherwise(-1).cast(pl.Int8)


def outside() -> pl.Expr:
    """A point above the upper or below the lower 3-sigma limit (missing when either is missing)."""
    return (_upper(3) < Y) | (_lower(3) > Y)


def trend(points: int) -> tuple[pl.Expr, pl.Expr]:
    """Points in a window of ``points`` values that strictly rise (or fall) at every step.

    A tie breaks a trend; so does a missing value (a gap). Returns (flag, side).
    """
    step = _step()
    rising = full_window(points) & (count(step == 1, -(points - 2), 0) == points - 1)
    falling = full_window(points) & (count(step == -1, -(points - 2), 0) == points - 1)
    flag = covered(rising | falling, points)
    # NHSRplotthedots names the direction from the step to the next point when the next point
    # is in a trend too, else from the step in; a level step counts as "decreasing".
    next_step = pl.when(pl.col(ROW) < pl.col("_hi")).then((Y.shift(-1) - Y).sign())
    next_in_trend = flag.shift(-1).fill_null(False) & (pl.col(ROW) < pl.col("_hi"))
    direction = pl.when(flag & next_in_trend).then(next_step).otherwise(step.fill_null(0))
    return flag, side_of(direction == 1)


def shift_kleene(points: int) -> pl.Expr:
    """Points in a run of ``points`` or more on one side of the centre (NHSRplotthedots).

    A point on the centre line or a missing value breaks the run; a run that might continue
    through a missing value is unknown (null), as the R package reports it.
    """
    same = pl.when(SIDE == 1).then(count(SIDE == 1, -(points - 1), -1))
    same = same.otherwise(count(SIDE == -1, -(points - 1), -1))
    unknown = count(SIDE.is_null(), -(points - 1), -1)
    ends_run = (
        pl.when(SIDE.is_null())
        .then(None)
        .when((SIDE == 0) | ~full_window(points))
        .then(False)
        .when(same + unknown < points - 1)
        .then(False)
        .when(unknown > 0)
        .then(None)
        .otherwise(True)
    )
    return covered_kleene(ends_run, points)


def shift(points: int) -> pl.Expr:
    """Points in a run of ``points`` or more on one side of the centre (a point on it breaks)."""
    above = full_window(points) & (count(SIDE == 1, -(points - 1), 0) == points)
    below = full_window(points) & (count(SIDE == -1, -(points - 1), 0) == points)
    return covered(above | below, points)


def two_of_three_kleene(count_outside: bool) -> pl.Expr:
    """Making Data Count's two-of-three: a point beyond 2 sigma, in a window of 3 consecutive
    points all on one side of the mean with at least 2 of them beyond 2 sigma.

    Points beyond the process limits count only with ``count_outside`` (the 2023 revision).
    """
    beyond = (_lower(2) > Y) | (_upper(2) < Y)
    close = beyond if count_outside else ~outside() & beyond
    close_count = count(close, -2, 0)
    enough = pl.when(count(close.is_null(), -2, 0) > 0).then(None).otherwise(close_count >= 2)
    one_side = (count(SIDE == 1, -2, 0) == 3) | (count(SIDE == -1, -2, 0) == 3)
    one_side = pl.when(count(SIDE.is_null(), -2, 0) > 0).then(None).otherwise(one_side)
    window = pl.when(full_window(3)).then(enough & one_side).otherwise(False)
    return covered_kleene(window, 3) & close


def k_of_m_beyond(k: int, m: int, sigmas: int) -> tuple[pl.Expr, pl.Expr]:
    """Western Electric / Nelson: k of m consecutive points beyond ``sigmas`` on one side.

    The flagged points are the ones beyond the line, inside such a window. Returns (flag, side).
    """
    high = (_upper(sigmas) < Y).fill_null(False)
    low = (_lower(sigmas) > Y).fill_null(False)
    high_window = full_window(m) & (count(high, -(m - 1), 0) >= k)
    low_window = full_window(m) & (count(low, -(m - 1), 0) >= k)
    flag_high = high & covered(high_window, m)
    flag_low = low & covered(low_window, m)
    return flag_high | flag_low, side_of(flag_high)


def consecutive(condition: pl.Expr, points: int) -> pl.Expr:
    """Points inside a run of ``points`` consecutive points that all meet ``condition``."""
    hit = full_window(points) & (count(condition, -(points - 1), 0) == points)
    return covered(hit, points)


def alternating(points: int) -> pl.Expr:
    """Nelson 4: ``points`` points in a row alternating up and down."""
    step = _step()
    turns = (step * step.shift(1) == -1) & (pl.col(ROW) - pl.col(LO) >= 2)
    hit = full_window(points) & (count(turns, -(points - 3), 0) == points - 2)
    return covered(hit, points)


def stratification(points: int) -> pl.Expr:
    """Nelson 7: ``points`` in a row within 1 sigma of the centre, on either side."""
    return consecutive((_upper(1) > Y) & (_lower(1) < Y), points)


def mixture(points: int) -> pl.Expr:
    """Nelson 8: ``points`` in a row beyond 1 sigma, on either side, none within."""
    return consecutive((_upper(1) < Y) | (_lower(1) > Y), points)
