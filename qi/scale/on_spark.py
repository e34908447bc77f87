"""Charting a Spark DataFrame with the batch kernel: ``spc_on_spark``, for ``qi chart --engine
spark`` and for analysts already in a Spark notebook (Databricks, NHS England's platforms).

Steps, each a Spark job:

1. the series and their rows (a group-by on the keys), collected to the driver in series order;
2. the panel's leading series, read and charted on the driver (``batch_settings``): this checks
   every argument before any long work and fixes the output schemas;
3. the rows, numbered in input order, ``repartition``-ed by the series keys (every series whole
   in one partition) and charted partition by partition with ``mapInArrow``: one kernel call
   per partition, never one per series. The settings travel once, as a broadcast variable.

The kernel's two outputs travel as one packed table (``qi.scale.wire``) that is persisted, so
that reading both the points and the series summaries charts each partition once.
"""

import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from qi.charts import SPCInputError
from qi.charts.batches import ROWS, BatchSettings, batch_settings, panel_columns
from qi.scale.wire import POINTS, ROW, SERIES, chart_partition, in_input_order, packed_schema

__all__ = ["ROWS_PER_PARTITION", "SparkCharts", "session", "spc_on_spark"]

# Rows charted in one partition, unless told: a partition's working memory in the Python worker
# is about 300 bytes a row (docs/scale.md), so a million rows is about 0.3 GB per core.
ROWS_PER_PARTITION = 1_000_000
# Rows in each Arrow batch handed back to the JVM: small batches keep its heap small (one batch
# of a whole partition ran a 1 GB heap out of memory at a million series).
ARROW_BATCH_ROWS = 10_000
# The local master's heap (driver and executor in one JVM): the shuffle and the persisted
# result spill to disk beyond it.
LOCAL_HEAP = "2g"


@dataclass(frozen=True)
class SparkCharts:
    """A panel charted on Spark.

    Attributes:
        points: one row per point (``settings.points_schema`` with Spark's types: text for
            Enum columns, wider signed integers for unsigned ones); each series' points in
            period order within its partition, partitions in no particular order.
        series: one row per series (``Chart.summary()``), likewise.
        settings: the run's settings (``qi.charts.batches.BatchSettings``); with
            ``qi.scale.wire.restore`` they give the kernel's exact types back.
        charted: the packed frame both are read from, persisted (memory, then disk) so that
            the kernel runs once: ``unpersist()`` it when done.
    """

    points: DataFrame
    series: DataFrame
    settings: BatchSettings
    charted: DataFrame

    def unpersist(self) -> None:
        self.charted.unpersist()


def session(master: str | None = None, cores: int | None = None) -> SparkSession:
    """A Spark session: on ``master`` (a cluster's URL) when given, or where ``spark-submit``
    says (it started the JVM, or ``--master`` is in ``PYSPARK_SUBMIT_ARGS``); else a local master in this process on
    ``cores`` cores (all by default), bound to 127.0.0.1, with this interpreter as the Python
    worker and no web UI."""
    builder = SparkSession.builder.appName("qi")
    if master:
        return builder.master(master).getOrCreate()
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started the JVM
    if submitted or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return builder.getOrCreate()
    os.environ["PYSPARK_PYTHON"] = sys.executable  # read when the JVM starts its workers
    return (
        builder.master(f"local[{cores or '*'}]")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", LOCAL_HEAP)
        .config("spark.sql.shuffle.partitions", str(2 * (cores or os.cpu_count() or 2)))
        .getOrCreate()
    )


def spc_on_spark(
    frame: DataFrame,
    *,
    columns: str | Sequence[str] = "narrow",
    partitions: int | None = None,
    **arguments: Any,
) -> SparkCharts:
    """Chart every series of a Spark DataFrame with ``spc()``'s ``arguments`` (``by`` names the
    series keys): the points and series summaries, bit for bit those of one ``spc()`` call.

    ``columns``: the point columns kept after the keys and period (``"narrow"``, ``"all"`` or
    names). ``partitions``: how many partitions to chart in (default: a partition per
    ``ROWS_PER_PARTITION`` rows, at least the cluster's default parallelism).

    Raises ``SPCInputError`` when a column is missing or ``spc()`` refuses the arguments or the
    panel's leading series; a problem in a later partition fails the Spark job with the
    kernel's message.
    """
    keys = _keys(arguments)
    named = panel_columns(arguments)
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise SPCInputError(f"no column(s) {missing}; the data has: {', '.join(frame.columns)}")
    spark = frame.sparkSession
    data = frame.select(*named).withColumn(ROW, F.monotonically_increasing_id())
    counted = data.groupBy(*keys).agg(F.count(F.lit(1)).alias(ROWS)).toArrow()
    sizes = (
        pl.DataFrame(counted)
        .with_columns(pl.col(ROWS).cast(pl.Int64))
        .sort(keys, nulls_last=True, maintain_order=True)
    )

    def rows_of(wanted: pl.DataFrame) -> pl.DataFrame:
        chosen = spark.createDataFrame(wanted.to_arrow(compat_level=pl.CompatLevel.oldest()))
        same = [data[k].eqNullSafe(chosen[k]) for k in keys]
        rows = data.join(F.broadcast(chosen), on=same, how="left_semi").toArrow()
        return in_input_order(pl.DataFrame(rows))

    settings = batch_settings(sizes, rows_of, columns=columns, **arguments)
    total = int(sizes.get_column(ROWS).sum())
    if partitions is None:
        parallel = spark.sparkContext.defaultParallelism
        partitions = max(parallel, math.ceil(total / ROWS_PER_PARTITION))
    shared = spark.sparkContext.broadcast(settings)

    def chart(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        held = list(batches)
        if held:
            packed = chart_partition(pa.Table.from_batches(held), shared.value)
            yield from packed.to_batches(max_chunksize=ARROW_BATCH_ROWS)

    schema = from_arrow_schema(packed_schema(settings))
    charted = data.repartition(partitions, *keys).mapInArrow(chart, schema)
    charted = charted.persist(StorageLevel.MEMORY_AND_DISK)
    return SparkCharts(
        points=charted.where(F.col(POINTS).isNotNull()).select(f"{POINTS}.*"),
        series=charted.where(F.col(SERIES).isNotNull()).select(f"{SERIES}.*"),
        settings=settings,
        charted=charted,
    )


def _keys(arguments: dict[str, Any]) -> list[str]:
    by = arguments.get("by", ())
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise SPCInputError("a panel is charted by its series: name the series keys (by=...)")
    return keys
