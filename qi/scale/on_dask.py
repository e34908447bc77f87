"""Charting a Dask DataFrame with the batch kernel: ``spc_on_dask``, for ``qi chart --engine
dask`` and for analysts already on a Dask cluster.

Steps:

1. the series and their rows (counted partition by partition, summed on the client), in series
   order;
2. the panel's leading series, read and charted on the client (``batch_settings``): this checks
   every argument before any long work and fixes the output schemas;
3. the rows, numbered in input order, ``shuffle``-d on the series keys (every series whole in
   one partition) and charted partition by partition with ``map_partitions``: one kernel call
   per partition, never one per series.

The kernel's two outputs travel as one packed frame (``qi.scale.wire``); the points and the
series summaries are two views of it, so computing them together (``dask.compute(points,
series)``, or writing both in one ``dask.compute``) charts each partition once.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
from distributed import Client, LocalCluster

from qi.charts import SPCInputError
from qi.charts.batches import ROWS, BatchSettings, batch_settings, panel_columns
from qi.scale.wire import (
    POINTS,
    ROW,
    SERIES,
    chart_partition,
    in_input_order,
    packed_schema,
    unpack,
)

__all__ = ["ROWS_PER_PARTITION", "DaskCharts", "local_client", "spc_on_dask"]

# Rows charted in one partition, unless told (about 300 bytes a row of working memory).
ROWS_PER_PARTITION = 1_000_000


@dataclass(frozen=True)
class DaskCharts:
    """A panel charted on Dask.

    Attributes:
        points: one row per point (``settings.points_schema`` with pandas' Arrow types: text
            for Enum columns, wider signed integers for unsigned ones); each series' points in
            period order within its partition, partitions in no particular order.
        series: one row per series (``Chart.summary()``), likewise.
        settings: the run's settings; with ``qi.scale.wire.restore`` they give the kernel's
            exact types back.
    """

    points: dd.DataFrame
    series: dd.DataFrame
    settings: BatchSettings


def local_client(workers: int = 2) -> Client:
    """A client of a cluster on this machine: ``workers`` processes of one thread each, bound
    to 127.0.0.1, no dashboard."""
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return Client(cluster)


def spc_on_dask(
    frame: dd.DataFrame,
    *,
    columns: str | Sequence[str] = "narrow",
    partitions: int | None = None,
    **arguments: Any,
) -> DaskCharts:
    """Chart every series of a Dask DataFrame with ``spc()``'s ``arguments`` (``by`` names the
    series keys): the points and series summaries, bit for bit those of one ``spc()`` call.

    ``columns``: the point columns kept after the keys and period (``"narrow"``, ``"all"`` or
    names). ``partitions``: how many partitions to chart in (default: one per
    ``ROWS_PER_PARTITION`` rows, at least as many as the input has).

    Raises ``SPCInputError`` when a column is missing or ``spc()`` refuses the arguments or the
    panel's leading series; a problem in a later partition raises the kernel's message when
    the result is computed.
    """
    by = arguments.get("by", ())
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise SPCInputError("a panel is charted by its series: name the series keys (by=...)")
    named = panel_columns(arguments)
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise SPCInputError(
            f"no column(s) {missing}; the data has: {', '.join(map(str, frame.columns))}"
        )
    data = frame[named]
    data = data.map_partitions(_numbered, meta=_numbered(data._meta))
    counts = data[keys].map_partitions(_counts, keys, meta=_counts(data[keys]._meta, keys))
    sizes = (
        _polars(counts.compute())
        .group_by(keys)
        .agg(pl.col(ROWS).sum())
        .sort(keys, nulls_last=True, maintain_order=True)
    )

    def rows_of(wanted: pl.DataFrame) -> pl.DataFrame:
        rows = data.map_partitions(_of_series, wanted, keys, meta=data._meta).compute()
        return in_input_order(_polars(rows))

    settings = batch_settings(sizes, rows_of, columns=columns, **arguments)
    total = int(sizes.get_column(ROWS).sum())
    if partitions is None:
        partitions = max(data.npartitions, math.ceil(total / ROWS_PER_PARTITION))
    packed = packed_schema(settings).empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    shuffled = data.shuffle(on=keys, npartitions=partitions)
    charted = shuffled.map_partitions(_charted, settings, meta=packed)
    return DaskCharts(
        points=charted.map_partitions(_unpacked, POINTS, meta=_unpacked(packed, POINTS)),
        series=charted.map_partitions(_unpacked, SERIES, meta=_unpacked(packed, SERIES)),
        settings=settings,
    )


def _polars(part: pd.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(pa.Table.from_pandas(part, preserve_index=False))


def _pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _numbered(part: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """The partition with each row's place in the input: its partition, then its row."""
    number = partition_info["number"] if partition_info else 0
    return part.assign(**{ROW: (number << 32) + np.arange(len(part), dtype=np.int64)})


def _counts(part: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    counted = _polars(part).group_by(keys).agg(pl.len().cast(pl.Int64).alias(ROWS))
    return _pandas(counted.to_arrow(compat_level=pl.CompatLevel.oldest()))


def _of_series(part: pd.DataFrame, wanted: pl.DataFrame, keys: list[str]) -> pd.DataFrame:
    rows = _polars(part).join(wanted, on=keys, how="semi", nulls_equal=True)
    return _pandas(rows.to_arrow(compat_level=pl.CompatLevel.oldest()))


def _charted(part: pd.DataFrame, settings: BatchSettings) -> pd.DataFrame:
    return _pandas(chart_partition(pa.Table.from_pandas(part, preserve_index=False), settings))


def _unpacked(part: pd.DataFrame, column: str) -> pd.DataFrame:
    return _pandas(unpack(pa.Table.from_pandas(part, preserve_index=False), column))
