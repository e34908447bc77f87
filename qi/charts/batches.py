"""Charting a panel in batches of whole series: the kernel every batched run calls.

``spc()`` charts each series on its own, with one exception: the calendar unit of the periods
(which decides ``gap_before``) is read from the first ``PERIOD_UNIT_SAMPLE`` points in series
order. So every batch is charted together with the panel's *leading series* (the first series
in series order that hold that many points), which are dropped from its result again. A batched
run's points and series summaries are then, bit for bit, those of one ``spc()`` call on the
whole panel.

The kernel's contract (``chart_batch``), for ``qi chart`` and for any other runner (Spark,
Dask):

- in: a polars frame or Arrow table holding whole series (every row of each series in it),
  with the panel's columns; batches may be cut by sorted key ranges or by a hash of the key,
  as long as no series is split, and their rows may come in any order, except that the rows
  of one series and period (a subgroup) keep their order in the panel;
- out: a ``ChartedBatch``: its points (``BatchSettings.points_schema``) and one row per series
  (``BatchSettings.series_schema``), each in series order, with a schema fixed before any
  batch is charted.

Also here: a panel's series sizes and its plan (which series go in which batch, as sorted
ranges of whole series), and ``spc_in_batches`` for a frame already in memory. Pure: frames in,
frames out, no I/O; reading and writing files is the caller's (``qi/cli/datasets.py``).
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from qi.charts.arguments import SPCInputError
from qi.charts.phases import PERIOD_UNIT_SAMPLE
from qi.charts.points import SUBGROUP_COLUMNS
from qi.charts.spc import spc

__all__ = [
    "NARROW_COLUMNS",
    "ArrowTable",
    "BatchSettings",
    "ChartedBatch",
    "batch_settings",
    "chart_batch",
    "leading_series",
    "panel_columns",
    "plan_batches",
    "point_columns",
    "series_sizes",
    "spc_in_batches",
]

# The point columns a large run writes unless asked for more (after the keys and period).
NARROW_COLUMNS = (
    "value",
    "centre",
    "lower_limit",
    "upper_limit",
    "signal",
    "point_type",
)
ROWS = "rows"  # a series' rows in the input (series_sizes)
BATCH = "batch"  # a series' batch, 0, 1, ... in series order (plan_batches)


class ArrowTable(Protocol):
    """Any Arrow table: an object with the Arrow C stream interface (a pyarrow ``Table`` or
    ``RecordBatchReader``, a polars, pandas or DuckDB result)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


@dataclass(frozen=True)
class ChartedBatch:
    """A batch's points and its series summaries (``Chart.summary()``), in series order.

    Polars frames, which are Arrow tables too: ``pyarrow.table(batch.points)`` takes one
    without a copy, and ``points.to_arrow(compat_level=pl.CompatLevel.oldest())`` gives plain
    large strings for readers without string views.
    """

    points: pl.DataFrame
    series: pl.DataFrame


@dataclass(frozen=True)
class BatchSettings:
    """What every batch of one run shares: ``spc()``'s arguments, the panel's leading series
    and the fixed output schemas. Made once (``batch_settings``), before any batch.

    Attributes:
        arguments: ``spc()``'s keyword arguments (``value``, ``period``, ``by``, ...).
        keys: the series key columns (``by``).
        leading: every row of the panel's leading series, with the panel's columns and types
            (batches are cast to them).
        leading_keys: the leading series' keys, in series order.
        columns: the point columns kept after the keys and period.
        points_schema: the schema of every batch's points.
        series_schema: the schema of every batch's series summaries.
        subgroups: a period may hold several rows (Xbar and S charts, or ``aggregate``);
            only then does the order of a series' rows matter (sums of a subgroup's values).
    """

    arguments: Mapping[str, Any]
    keys: tuple[str, ...]
    leading: pl.DataFrame
    leading_keys: pl.DataFrame
    columns: tuple[str, ...]
    points_schema: pl.Schema
    series_schema: pl.Schema
    subgroups: bool

    @property
    def input_schema(self) -> pl.Schema:
        """The columns and types a batch is charted with."""
        return self.leading.schema


def point_columns(columns: str | Sequence[str], available: Sequence[str]) -> list[str]:
    """The point columns to keep, from a chart's ``available`` ones (after its keys and
    period): ``"all"``, ``"narrow"`` (``NARROW_COLUMNS``) or a list of names."""
    if isinstance(columns, str) and columns in ("all", "narrow"):
        return list(available) if columns == "all" else list(NARROW_COLUMNS)
    names = [columns] if isinstance(columns, str) else list(columns)
    unknown = [c for c in names if c not in available]
    if unknown:
        raise SPCInputError(
            f"unknown point column(s) {unknown}; choose 'all', 'narrow' or names from: "
            f"{', '.join(available)}"
        )
    return names


def panel_columns(arguments: Mapping[str, Any]) -> list[str]:
    """The columns a chart with ``spc()``'s ``arguments`` reads: keys, period, value,
    denominator, and any argument that names a column (a direction, target, centre, phases or
    exclusions column). A runner reads only these."""
    by = arguments.get("by", ())
    named = [*([by] if isinstance(by, str) else by), arguments["period"], arguments["value"]]
    named.append(arguments.get("denominator"))
    for name in ("direction", "target", "centre", "phases", "exclude"):
        value = arguments.get(name)
        if isinstance(value, str) and value not in ("increase", "decrease", "neutral"):
            named.append(value)
    return list(dict.fromkeys(c for c in named if c))


def series_sizes(data: pl.LazyFrame | pl.DataFrame, keys: Sequence[str]) -> pl.LazyFrame:
    """One row per series: its ``keys`` and ``rows`` (rows in ``data``), in series order.

    A query: the caller collects it (with the streaming engine, a pass over the key columns).
    """
    keys = list(keys)
    if not keys:
        raise SPCInputError("a panel is batched by its series: name the series keys (by=...)")
    return (
        data.lazy()
        .group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias(ROWS))
        .sort(keys, nulls_last=True, maintain_order=True)
    )


def plan_batches(
    sizes: pl.DataFrame,
    *,
    rows_per_batch: int | None = None,
    series_per_batch: int | None = None,
) -> pl.DataFrame:
    """Cut the series (``series_sizes``, in series order) into batches of whole series: sorted
    ranges of the keys, each with ``series_per_batch`` series, or with about ``rows_per_batch``
    rows (a batch ends at the first series that starts past the bound, so it holds at most
    ``rows_per_batch`` rows plus one series). Adds ``batch``: 0, 1, ... in series order.

    Sorted ranges, rather than a hash of the keys, keep the series order: the batches' points,
    one after another, are those of one ``spc()`` call row for row, and each output file holds
    one range of keys.
    """
    if (rows_per_batch is None) == (series_per_batch is None):
        raise SPCInputError("give one of rows_per_batch and series_per_batch")
    bound = rows_per_batch if rows_per_batch is not None else series_per_batch
    if not isinstance(bound, int) or bound < 1:
        raise SPCInputError(f"a batch holds at least one series or row (got {bound})")
    if series_per_batch is not None:
        start = pl.int_range(pl.len(), dtype=pl.Int64)
    else:
        start = pl.col(ROWS).cum_sum() - pl.col(ROWS)  # rows before the series
    # Numbered 0, 1, ... with no gaps (a series longer than the bound skips bound numbers).
    return sizes.with_columns((start // bound).rle_id().cast(pl.UInt32).alias(BATCH))


def leading_series(sizes: pl.DataFrame, rows: int = PERIOD_UNIT_SAMPLE) -> pl.DataFrame:
    """The first series (``series_sizes``, in series order) whose rows add up to ``rows``."""
    before = pl.col(ROWS).cum_sum() - pl.col(ROWS)
    return sizes.filter(before < rows)


def batch_settings(
    sizes: pl.DataFrame,
    rows_of: Callable[[pl.DataFrame], pl.DataFrame],
    *,
    columns: str | Sequence[str] = "all",
    **arguments: Any,
) -> BatchSettings:
    """Settings for charting a panel batch by batch, checked by charting its leading series.

    Arguments:
        sizes: the panel's series and their rows (``series_sizes``), in series order.
        rows_of: every row of the series whose keys it is given (a frame of keys), with the
            panel's columns: a filter of the frame in memory, or a read of the files.
        columns: the point columns kept (``point_columns``); keys and period always.
        arguments: ``spc()``'s keyword arguments; ``by`` names the keys of ``sizes``.

    Raises ``SPCInputError`` when ``spc()`` refuses the arguments or the leading series.
    """
    by = arguments.get("by", ())
    keys = tuple([by] if isinstance(by, str) else by)
    if not keys:
        raise SPCInputError("a panel is batched by its series: name the series keys (by=...)")
    rows = PERIOD_UNIT_SAMPLE
    while True:
        leading_keys = leading_series(sizes, rows).select(keys)
        leading = rows_of(leading_keys)
        chart = spc(leading, **arguments)
        if chart.points.height >= PERIOD_UNIT_SAMPLE or leading_keys.height == sizes.height:
            break
        rows *= 2  # null periods or repeated periods: more rows hold the points needed
    kept = point_columns(columns, chart.points.columns[len(keys) + 1 :])
    order = chart.summary().select(keys)
    return BatchSettings(
        arguments=dict(arguments),
        keys=keys,
        leading=leading,
        leading_keys=order,
        columns=tuple(kept),
        points_schema=chart.points.select(*keys, chart.period, *kept).schema,
        series_schema=chart.summary().schema,
        subgroups=SUBGROUP_COLUMNS[0] in chart.points.columns,
    )


def chart_batch(batch: pl.DataFrame | ArrowTable, settings: BatchSettings) -> ChartedBatch:
    """Chart a batch of whole series: its points and series summaries, bit for bit those of
    one ``spc()`` call on the whole panel, with the settings' fixed schemas.

    The batch is charted with the leading series it does not hold (``spc()`` reads the
    calendar unit from them); their rows are dropped from the result.
    """
    frame = batch if isinstance(batch, pl.DataFrame) else pl.DataFrame(batch)
    frame = _with_schema(frame, settings.input_schema)
    keys = list(settings.keys)
    held = (
        frame.select(keys)
        .join(settings.leading_keys, on=keys, how="semi", nulls_equal=True)
        .unique(maintain_order=True)
    )
    added = settings.leading_keys.join(
        held, on=keys, how="anti", nulls_equal=True, maintain_order="left"
    )
    if added.height:
        rows = settings.leading.join(added, on=keys, how="semi", nulls_equal=True)
        frame = pl.concat([rows, frame], how="vertical")
    try:
        chart = spc(frame, **settings.arguments)
    except SPCInputError as error:
        raise SPCInputError(f"{error} (in a batch of {frame.height:,} rows)") from None
    points, series = chart.points, chart.summary()
    if added.height:
        points, series = _without(points, series, added, keys)
    points = points.select(*keys, chart.period, *settings.columns)
    return ChartedBatch(
        points=points.match_to_schema(settings.points_schema),
        series=series.match_to_schema(settings.series_schema),
    )


def spc_in_batches(
    data: pl.DataFrame,
    *,
    series_per_batch: int | None = None,
    rows_per_batch: int | None = None,
    columns: str | Sequence[str] = "all",
    **arguments: Any,
) -> Iterator[ChartedBatch]:
    """Chart a frame batch by batch (sorted ranges of whole series): ``spc()``'s working
    memory is then that of one batch. The batches' points, one after another, are those of
    ``spc(data, **arguments)`` with the chosen ``columns``, row for row and bit for bit.
    """
    by = arguments.get("by", ())
    keys = [by] if isinstance(by, str) else list(by)
    sizes = series_sizes(data, keys).collect()
    plan = plan_batches(sizes, rows_per_batch=rows_per_batch, series_per_batch=series_per_batch)
    settings = batch_settings(
        sizes,
        lambda wanted: data.join(wanted, on=keys, how="semi", nulls_equal=True),
        columns=columns,
        **arguments,
    )
    numbered = data.join(
        plan.select(*keys, BATCH), on=keys, how="left", nulls_equal=True, maintain_order="left"
    )
    for _, batch in sorted(numbered.partition_by(BATCH, as_dict=True).items()):
        yield chart_batch(batch.drop(BATCH), settings)


def _with_schema(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise SPCInputError(
            f"the batch has no column(s) {missing}; every batch needs the panel's columns: "
            f"{', '.join(schema)}"
        )
    frame = frame.select(list(schema))
    if frame.schema != schema:
        frame = frame.cast(schema)
    return frame


def _without(
    points: pl.DataFrame, series: pl.DataFrame, added: pl.DataFrame, keys: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Points and series without the ``added`` series: a slice when they come first (the
    batch's own series all sort after them), else an anti-join."""
    count = added.height
    if series.head(count).select(keys).equals(added, null_equal=True):
        return points.slice(int(series.head(count)["points"].sum())), series.slice(count)
    return (
        points.join(added, on=keys, how="anti", nulls_equal=True, maintain_order="left"),
        series.join(added, on=keys, how="anti", nulls_equal=True, maintain_order="left"),
    )
