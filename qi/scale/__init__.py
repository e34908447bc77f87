"""The batch kernel on a distributed engine: Spark (``qi.scale.on_spark``) and Dask
(``qi.scale.on_dask``).

Both adapters call the same kernel as a run on one machine (``qi.charts.batches.chart_batch``)
on batches of whole series, so their points and series summaries are, bit for bit, those of one
``spc()`` call. ``qi.scale.wire`` carries a batch's two outputs through one Arrow table with
types every engine takes. Nothing here imports pyspark or dask at module import time except the
adapter modules themselves, which only ``qi chart --engine`` and their callers import.
"""
