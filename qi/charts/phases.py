"""Series, phases, baselines and exclusions: where each point sits and what its limits use.

A series is one combination of the ``by`` keys. A phase starts at each phase-start period
(limits and runs are recalculated from there); a phase start on a series' first period does
not split anything. Within a phase the baseline is its first N points, counted with missing
ones, as both references count them; limits use only baseline points that are not excluded.
Excluded points are shown and judged against the limits, but take no part in limits or runs.
"""

import polars as pl

from qi.charts import columns as C
from qi.charts.columns import LO, PHASE_INDEX, ROW, SEGMENT, SERIES
from qi.charts.windows import with_bounds


def per_phase(frame: pl.DataFrame, **aggregations: pl.Expr) -> pl.DataFrame:
    """One row per phase, in order, with ``aggregations`` computed over its points.

    ``frame`` must hold every phase (not a filtered part): row i of the result is phase i+1.
    One group-by over the sorted phase numbers computes all the aggregations together, far
    cheaper than one window expression (``.over``) each.
    """
    return frame.group_by(SEGMENT, maintain_order=True).agg(**aggregations)


def onto_points(frame: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """Copy each phase's values from a ``per_phase`` table onto the phase's points.

    One gather for all the columns (polars gathers a frame's columns in parallel); columns of
    the same name are replaced.
    """
    values = table.drop(SEGMENT, strict=False)[frame.get_column(PHASE_INDEX)]
    return frame.with_columns(values.get_columns())


def lay_out(frame: pl.DataFrame, baseline: int | None) -> pl.DataFrame:
    """Add ``_pos _phase _seg _phase_index _ppos _include _base`` and window bounds to a frame
    in series order (``_series`` numbered, see ``subgroups.in_series_order``).

    Expects boolean columns ``_phase_start`` and ``_excluded``. Without phase starts (the
    common case) a segment is a series, which saves the cumulative sums.
    """
    series = pl.col(SERIES)
    new_series = (series != series.shift(1)).fill_null(True)
    phased = frame.select((pl.col(C.PHASE_START) & ~new_series).any()).item()
    if phased:
        segment = (new_series | pl.col(C.PHASE_START)).cum_sum().cast(pl.Int32)
    else:
        segment = series + 1
    frame = with_bounds(frame.with_columns(segment.set_sorted().alias(SEGMENT)), SEGMENT)
    include = ~pl.col(C.EXCLUDED)
    ppos = pl.col(ROW) - pl.col(LO)
    base = include if baseline is None else include & (ppos < baseline)
    if phased:
        position = pl.col(ROW) - pl.col(ROW).min().over(SERIES)
        phase = pl.col(SEGMENT) - pl.col(SEGMENT).min().over(SERIES) + 1
    else:
        position, phase = ppos, pl.lit(1, pl.Int32)
    return frame.with_columns(
        (pl.col(SEGMENT) - 1).cast(pl.get_index_type()).alias(PHASE_INDEX),
        position.alias(C.POSITION),
        phase.alias(C.PHASE),
        ppos.alias(C.PHASE_POSITION),
        include.alias(C.INCLUDE),
        base.alias(C.BASE),
    )


# The calendar unit is read from the first points in series order (any long stretch shows the
# commonest step): a batched run charts every batch with the series holding them.
PERIOD_UNIT_SAMPLE = 50_000

_STEP_DAYS = {"day": 1, "week": 7, "month": 30.44, "quarter": 91.31, "year": 365.25}


def period_unit(periods: pl.Series) -> str | None:
    """The calendar unit of a temporal period column, from its commonest step (None if not dates)."""
    if not periods.dtype.is_temporal() or periods.len() < 2:
        return None
    # The commonest step shows in any long stretch: a sample keeps this cheap on big panels.
    days = periods.head(PERIOD_UNIT_SAMPLE).cast(pl.Date).cast(pl.Int64).diff().drop_nulls()
    days = days.filter(days > 0)
    if days.len() == 0:
        return None
    return _unit_of_step(float(days.median()))  # type: ignore[arg-type]  # a median of days


def period_units(frame: pl.DataFrame, by: list[str], period: str) -> pl.DataFrame:
    """``period_unit()`` of every series of ``frame`` at once: one row per series (its ``by``
    columns) with ``unit``. ``frame`` is in series order (by the keys, then period)."""
    if not frame.schema[period].is_temporal():
        return (
            frame.select(by)
            .unique(maintain_order=True)
            .with_columns(pl.lit(None, pl.String).alias("unit"))
        )
    days = pl.col(period).head(PERIOD_UNIT_SAMPLE).cast(pl.Date).cast(pl.Int64).diff()
    steps = frame.group_by(by, maintain_order=True).agg(days.filter(days > 0).median())
    units = [None if step is None else _unit_of_step(step) for step in steps.get_column(period)]
    return steps.select(by).with_columns(pl.Series("unit", units, dtype=pl.String))


def _unit_of_step(step: float) -> str:
    """The calendar unit nearest a step of ``step`` days."""
    return min(_STEP_DAYS, key=lambda unit: abs(_STEP_DAYS[unit] - step))


def gap_before(frame: pl.DataFrame, period: str, unit: str | None) -> pl.Expr:
    """True where one or more periods are missing between this point and the previous one.

    Days and weeks compare day numbers. Months, quarters and years compare month numbers,
    read from a table of every day the periods span (a few thousand rows), so each point
    costs one lookup rather than calendar arithmetic.
    """
    if unit is None:
        return pl.lit(False)
    days = pl.col(period).cast(pl.Date).cast(pl.Int32)
    if unit in ("day", "week"):
        number, step = days, 1 if unit == "day" else 7
    else:
        first, last = frame.select(days.min(), days.max().alias("_last")).row(0)
        calendar = pl.date_range(
            pl.Series([first]).cast(pl.Date)[0], pl.Series([last]).cast(pl.Date)[0], eager=True
        )
        months = calendar.dt.year().cast(pl.Int32) * 12 + calendar.dt.month().cast(pl.Int32)
        number = pl.lit(months).gather(days - first)
        step = {"month": 1, "quarter": 3, "year": 12}[unit]
    return (pl.col(C.POSITION) > 0) & (number.diff() > step).fill_null(False)
