"""Reading and validating the files locality teams keep, then storing them all-or-nothing.

- ``readers``: CSV / Excel / Parquet cells as text, with row numbers.
- ``layout``: header row, long or wide layout, totals rows.
- ``periods`` and ``numbers``: parsing cells (polars expressions).
- ``validation``: errors and warnings for a whole table. ``report``: the report.
- ``upload``: ``ingest_file``, the front door. ``definitions``: measure and place files.
"""

from qi.ingest.report import Report
from qi.ingest.upload import ingest_bytes, ingest_file

__all__ = ["Report", "ingest_bytes", "ingest_file"]
