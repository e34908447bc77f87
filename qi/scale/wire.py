"""A charted batch as one Arrow table with types every engine takes, and back.

A distributed engine maps each partition to one table of one schema, but the kernel gives two
(points and series summaries). So both travel in one table of two struct columns, ``points``
and ``series``: a point's row holds its ``points`` and a null ``series``, a series' row the
reverse. Types are those Spark and pandas take as they are (``wire_schema``): Enum and
Categorical columns become strings, unsigned integers the signed type that holds them, text
plain large strings. ``restore`` casts a result read back to the kernel's schema.
"""

import polars as pl
import pyarrow as pa

from qi.charts.batches import BatchSettings, ChartedBatch, chart_batch

__all__ = [
    "POINTS",
    "ROW",
    "SERIES",
    "chart_partition",
    "in_input_order",
    "pack",
    "packed_schema",
    "restore",
    "unpack",
    "wire_schema",
]

POINTS = "points"
SERIES = "series"
ROW = "_qi_row"  # a row's place in the input: keeps a subgroup's rows in order
WIDER = {
    pl.UInt8: pl.Int16,
    pl.UInt16: pl.Int32,
    pl.UInt32: pl.Int64,
    pl.UInt64: pl.Int64,
}


def _wire_type(dtype: pl.DataType) -> pl.DataType:
    if isinstance(dtype, pl.Enum | pl.Categorical):
        return pl.String()
    for unsigned, signed in WIDER.items():
        if dtype == unsigned:
            return signed()
    return dtype


def wire_schema(schema: pl.Schema) -> pl.Schema:
    """The schema a frame travels with: no Enum, Categorical or unsigned columns."""
    return pl.Schema({name: _wire_type(dtype) for name, dtype in schema.items()})


def _packed(points: pl.DataFrame, series: pl.DataFrame) -> pa.Table:
    points = points.cast(wire_schema(points.schema))
    series = series.cast(wire_schema(series.schema))
    both = pl.concat(
        [
            points.select(pl.struct(pl.all()).alias(POINTS)),
            series.select(pl.struct(pl.all()).alias(SERIES)),
        ],
        how="diagonal",
    )
    return both.to_arrow(compat_level=pl.CompatLevel.oldest())


def pack(charted: ChartedBatch) -> pa.Table:
    """A charted batch as one table of two struct columns (points, then series)."""
    return _packed(charted.points, charted.series)


def packed_schema(settings: BatchSettings) -> pa.Schema:
    """The schema of every packed batch of a run."""
    return _packed(
        pl.DataFrame(schema=settings.points_schema), pl.DataFrame(schema=settings.series_schema)
    ).schema


def unpack(table: pa.Table, column: str) -> pa.Table:
    """The points (``column="points"``) or series summaries of a packed table."""
    packed = table.column(column)
    rows = packed.filter(packed.is_valid())
    struct = packed.type
    if rows.num_chunks == 0:
        return pa.table({f.name: pa.array([], f.type) for f in struct}, schema=pa.schema(struct))
    return pa.Table.from_struct_array(rows)


def restore(table: pl.DataFrame | pa.Table, schema: pl.Schema) -> pl.DataFrame:
    """Points or series read back from an engine, with the kernel's types (``schema``)."""
    frame = table if isinstance(table, pl.DataFrame) else pl.DataFrame(table)
    return frame.select(list(schema)).cast(schema)


def in_input_order(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame's rows in input order (by ``ROW``, which is then dropped), so that a
    subgroup's rows reach the kernel in the order they were given."""
    return frame.sort(ROW).drop(ROW) if ROW in frame.columns else frame


def chart_partition(table: pa.Table, settings: BatchSettings) -> pa.Table:
    """The kernel on one partition of whole series: Arrow in, a packed table out."""
    return pack(chart_batch(in_input_order(pl.DataFrame(table)), settings))
