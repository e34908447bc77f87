"""Reading and validating the files locality teams keep, then storing them all-or-nothing.

- ``readers``: CSV / Excel / Parquet cells as text, with row numbers.
- ``layout``: header row, long or wide layout, totals rows.
- ``periods`` and ``numbers``: parsing cells (polars expressions).
- ``validation``: errors and warnings for a whole table. ``report``: the report.
- ``upload``: ``ingest_file``, the front door. ``definitions``: measure and place files.
- ``settings``: the limits every upload is held to (size, rows, columns, cells, time).
- ``excel``: an .xlsx sheet's real size found before it is loaded; ``budget``: the time budget.
"""

from qi.ingest.readers import sheet_names
from qi.ingest.report import Report
from qi.ingest.settings import DEFAULT_SETTINGS, IngestSettings
from qi.ingest.upload import ingest_bytes, ingest_file

__all__ = [
    "DEFAULT_SETTINGS",
    "IngestSettings",
    "Report",
    "ingest_bytes",
    "ingest_file",
    "sheet_names",
]
